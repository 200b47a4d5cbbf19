/* places.c — GET /api/v1/places: places by the beginning of their name (?q=) or nearest a
 * point (?lat=&lon=), for choosing a place by name instead of typing coordinates (issue 14).
 * The table (base/places.h) is loaded once at start from --places and only read after. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/places.h"

static pw_places *loaded; /* NULL: the file was missing or unreadable; the endpoint answers 503 */

void pw_api_places_load(const char *path)
{
    pw_places_stats st;
    int64_t t0 = pw_monotonic_ns();
    int rc = pw_places_load(path, &loaded, &st);
    if (rc != PW_OK) {
        pw_log_warn("msg=\"places not loaded: GET /api/v1/places answers 503\" path=\"%s\" error=\"%s\"", path,
                    rc == PW_ENOMEM ? "out of memory" : "cannot read the file (or it is too large)");
        return;
    }
    pw_log_info("msg=\"places loaded\" path=\"%s\" places=%lld skipped=%lld ms=%lld", path, (long long)st.loaded,
                (long long)st.skipped, (long long)((pw_monotonic_ns() - t0) / 1000000));
}

const pw_places *pw_api_places_table(void) { return loaded; }

void pw_api_places_unload(void)
{
    pw_places_free(loaded);
    loaded = NULL;
}

void pw_api_places(pw_req *rq)
{
    char q[PW_PLACES_QUERY_MAX_BYTES + 1], lat_text[32], lon_text[32], limit_text[16];
    int has_q = pw_req_query(rq, "q", q, sizeof(q));
    int has_lat = pw_req_query(rq, "lat", lat_text, sizeof(lat_text));
    int has_lon = pw_req_query(rq, "lon", lon_text, sizeof(lon_text));
    int has_limit = pw_req_query(rq, "limit", limit_text, sizeof(limit_text));
    int limit = PW_PLACES_LIMIT_DEFAULT;
    if (has_limit != 0) {
        char *end;
        errno = 0;
        long v = has_limit > 0 ? strtol(limit_text, &end, 10) : 0;
        if (has_limit < 0 || errno != 0 || *end != '\0' || end == limit_text || v < 1 || v > PW_PLACES_LIMIT_MAX)
            return pw_reply_errorf(rq, 422, "validation_failed", "limit", "limit must be 1 to %d", PW_PLACES_LIMIT_MAX);
        limit = (int)v;
    }
    if (has_q != 0 && (has_lat != 0 || has_lon != 0))
        return pw_reply_errorf(rq, 422, "validation_failed", "q", "give q, or lat and lon, not both");
    if (has_q == 0 && has_lat == 0 && has_lon == 0)
        return pw_reply_errorf(rq, 422, "validation_failed", "q",
                               "give q (the beginning of a place's name) or lat and lon");
    double lat = 0, lon = 0;
    if (has_q != 0) {
        if (has_q < 0 || q[0] == '\0')
            return pw_reply_errorf(rq, 422, "validation_failed", "q", "q must be 1 to %d bytes",
                                   PW_PLACES_QUERY_MAX_BYTES);
        for (const unsigned char *p = (const unsigned char *)q; *p; p++)
            if (*p < 0x20 || *p == 0x7F)
                return pw_reply_errorf(rq, 422, "validation_failed", "q", "q must not hold control characters");
    } else {
        if (has_lat <= 0 || pw_api_coordinate(lat_text, 90, &lat) != 0)
            return pw_reply_errorf(rq, 422, "validation_failed", "lat", "lat must be a number from -90 to 90");
        if (has_lon <= 0 || pw_api_coordinate(lon_text, 180, &lon) != 0)
            return pw_reply_errorf(rq, 422, "validation_failed", "lon", "lon must be a number from -180 to 180");
    }
    if (!loaded)
        return pw_reply_errorf(rq, 503, "unavailable", NULL,
                               "places are not available: the server could not load its places file (--places)");
    const pw_place *found[PW_PLACES_LIMIT_MAX];
    int n;
    if (has_q != 0) {
        char folded[4 * PW_PLACES_QUERY_MAX_BYTES + 1]; /* NFKD may lengthen ("ﬃ" -> "ffi") */
        int fold = pw_places_fold(q, folded, sizeof(folded));
        if (fold == PW_ENOMEM)
            return pw_api_reply_nomem(rq);
        if (fold < 0)
            return pw_reply_errorf(rq, 422, "validation_failed", "q", "q must be UTF-8 text of 1 to %d bytes",
                                   PW_PLACES_QUERY_MAX_BYTES);
        n = pw_places_prefix(loaded, folded, limit, found);
    } else {
        n = pw_places_nearest(loaded, lat, lon, limit, found);
    }
    json_t *items = json_array();
    json_t *body = items ? json_pack("{s:o}", "items", items) : NULL;
    if (!body)
        return pw_api_reply_nomem(rq);
    for (int i = 0; i < n; i++) {
        const pw_place *p = found[i];
        json_t *item = json_pack("{s:s, s:s, s:s, s:f, s:f, s:I}", "name", p->name, "country", p->country, "admin",
                                 p->admin, "lat", p->lat, "lon", p->lon, "population", (json_int_t)p->population);
        if (!item || json_array_append_new(items, item) != 0) {
            json_decref(body);
            return pw_api_reply_nomem(rq);
        }
    }
    pw_reply_json(rq, 200, body);
}
