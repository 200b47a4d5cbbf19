/* search.c — GET /api/v1/search: providers for a request in plain words, ranked, each with
 * why (issue 15). The index and the blend are the market's (market/searching.h); this reads
 * the parameters, runs the query, and renders the public profiles, the why of each, the
 * cursor and the request (its category, skills and price estimate). The formula, the
 * weights, the privacy rule and the cursor: docs/internals/search.md, "The endpoint". */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "base/fold.h"
#include "base/geo.h"
#include "market/searching.h"
#include "market/tasks.h"
#include "market/workers.h"

/* The only verification level that exists today (market/workers.c): every account has an
 * e-mail address; stronger levels come with the reputation issue. */
static const char *const VERIFICATION_LEVELS[] = {"email"};

typedef struct search_in {
    char q[PW_SEARCH_QUERY_MAX_BYTES + 1];
    char category[PW_SEARCH_CATEGORY_MAX_BYTES * 2]; /* folded */
    pw_searching_params p;
    uint32_t fingerprint; /* of everything but the cursor and the limit: a cursor belongs to one query */
} search_in;

static uint32_t fnv32(uint32_t h, const char *s)
{
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        h = (h ^ *c) * 16777619u;
    return (h ^ 0xFF) * 16777619u; /* a separator, so "ab"+"c" differs from "a"+"bc" */
}

/* "true" / "false" (or "1" / "0") into *out; absent leaves it. PW_OK or PW_EREFUSED. */
static int flag_param(pw_req *rq, const char *name, int *out, uint32_t *fp)
{
    char text[8];
    int rc = pw_req_query(rq, name, text, sizeof(text));
    if (rc == 0)
        return PW_OK;
    if (rc > 0 && (strcmp(text, "true") == 0 || strcmp(text, "1") == 0))
        *out = 1;
    else if (rc > 0 && (strcmp(text, "false") == 0 || strcmp(text, "0") == 0))
        *out = 0;
    else
        return PW_EREFUSED;
    *fp = fnv32(*fp, name);
    *fp = fnv32(*fp, *out ? "1" : "0");
    return PW_OK;
}

static int bad(pw_error *err, const char *field, const char *message)
{
    return pw_error_set(err, 422, "validation_failed", field, "%s", message);
}

/* The cursor: the last hit's score (its bits, exactly) and id, and the query's fingerprint. */
static void cursor_format(double score, int64_t id, uint32_t fp, char *out, size_t size)
{
    uint64_t bits;
    memcpy(&bits, &score, sizeof(bits));
    snprintf(out, size, "%016" PRIx64 ".%" PRId64 ".%08" PRIx32, bits, id, fp);
}

static int cursor_parse(const char *text, uint32_t fp, pw_searching_params *p)
{
    uint64_t bits;
    long long id;
    unsigned int got_fp;
    int used = 0;
    if (strlen(text) > PW_CURSOR_MAX_BYTES ||
        sscanf(text, "%16" SCNx64 ".%lld.%8x%n", &bits, &id, &got_fp, &used) != 3 || text[used] != '\0' ||
        got_fp != fp || id <= 0)
        return PW_EREFUSED;
    double score;
    memcpy(&score, &bits, sizeof(score));
    if (!isfinite(score))
        return PW_EREFUSED;
    p->after = 1;
    p->after_score = score;
    p->after_id = id;
    return PW_OK;
}

static int read_params(pw_req *rq, search_in *in, pw_error *err)
{
    pw_searching_params *p = &in->p;
    memset(p, 0, sizeof(*p));
    p->remote = -1;
    p->limit = PW_PAGE_DEFAULT;
    uint32_t fp = 2166136261u;
    int rc = pw_req_query(rq, "q", in->q, sizeof(in->q));
    if (rc < 0)
        return pw_error_set(err, 422, "validation_failed", "q", "q is at most %d bytes", PW_SEARCH_QUERY_MAX_BYTES);
    if (rc == 0 || in->q[0] == '\0')
        return bad(err, "q", "q is required: what you need, in words");
    p->text = in->q;
    fp = fnv32(fp, in->q);

    char text[64];
    double lat = 0, lon = 0;
    int has_lat = pw_req_query(rq, "lat", text, sizeof(text));
    if (has_lat < 0 || (has_lat > 0 && pw_api_coordinate(text, 90, &lat) != 0))
        return bad(err, "lat", "lat must be a number from -90 to 90");
    if (has_lat > 0)
        fp = fnv32(fp, text);
    int has_lon = pw_req_query(rq, "lon", text, sizeof(text));
    if (has_lon < 0 || (has_lon > 0 && pw_api_coordinate(text, 180, &lon) != 0))
        return bad(err, "lon", "lon must be a number from -180 to 180");
    if (has_lon > 0)
        fp = fnv32(fp, text);
    if ((has_lat > 0) != (has_lon > 0))
        return bad(err, has_lat > 0 ? "lon" : "lat", "give lat and lon together");
    int has_radius = pw_req_query(rq, "radius_km", text, sizeof(text));
    if (has_radius != 0) {
        char *end;
        errno = 0;
        long v = has_radius > 0 ? strtol(text, &end, 10) : 0;
        if (has_radius < 0 || errno != 0 || *end != '\0' || end == text || v < 1 || v > PW_SEARCH_RADIUS_KM_MAX)
            return pw_error_set(err, 422, "validation_failed", "radius_km",
                                "radius_km must be a whole number from 1 to %d", PW_SEARCH_RADIUS_KM_MAX);
        if (has_lat <= 0)
            return bad(err, "radius_km", "radius_km needs lat and lon");
        p->radius_km = (int)v;
        fp = fnv32(fp, text);
    }
    if (has_lat > 0) {
        p->has_point = 1;
        p->lat_e6 = llround(lat * 1e6);
        p->lon_e6 = llround(lon * 1e6);
        if (p->radius_km == 0)
            p->radius_km = PW_SEARCH_RADIUS_KM_DEFAULT;
    }

    char raw[4 * PW_TAG_MAX_CHARS + 1];
    rc = pw_req_query(rq, "category", raw, sizeof(raw));
    if (rc < 0)
        return pw_error_set(err, 422, "validation_failed", "category", "category is at most %d characters",
                            PW_TAG_MAX_CHARS);
    in->category[0] = '\0';
    if (rc > 0 && raw[0] != '\0') {
        for (const unsigned char *c = (const unsigned char *)raw; *c; c++)
            if (*c < 0x20 || *c == 0x7F)
                return bad(err, "category", "category must not hold control characters");
        if (pw_fold(raw, strlen(raw), in->category, sizeof(in->category), NULL, NULL) != PW_OK)
            return bad(err, "category", "category must be UTF-8 text");
        p->has_category = 1;
        p->category_hash = pw_searching_tag_hash(in->category);
        fp = fnv32(fp, in->category);
    }
    int remote = -1, active = 0, typing = 0;
    if (flag_param(rq, "remote", &remote, &fp) != PW_OK)
        return bad(err, "remote", "remote must be true or false");
    p->remote = remote;
    if (flag_param(rq, "active", &active, &fp) != PW_OK)
        return bad(err, "active", "active must be true or false");
    p->active_only = active;
    if (flag_param(rq, "typing", &typing, &fp) != PW_OK)
        return bad(err, "typing", "typing must be true or false");
    p->prefix_last = typing;
    rc = pw_req_query(rq, "verification", text, sizeof(text));
    if (rc != 0) {
        int known = 0;
        for (size_t i = 0; rc > 0 && i < sizeof(VERIFICATION_LEVELS) / sizeof(VERIFICATION_LEVELS[0]); i++)
            known |= strcmp(text, VERIFICATION_LEVELS[i]) == 0;
        if (!known)
            return bad(err, "verification", "verification must be a level that exists: email");
        fp = fnv32(fp, text); /* every account has the e-mail level: it keeps everyone */
    }
    rc = pw_req_query(rq, "limit", text, sizeof(text));
    if (rc != 0) {
        char *end;
        errno = 0;
        long v = rc > 0 ? strtol(text, &end, 10) : 0;
        if (rc < 0 || errno != 0 || *end != '\0' || end == text || v < 1 || v > PW_PAGE_MAX)
            return pw_error_set(err, 422, "validation_failed", "limit", "limit must be 1 to %d", PW_PAGE_MAX);
        p->limit = (int)v;
    }
    in->fingerprint = fp;
    rc = pw_req_query(rq, "cursor", text, sizeof(text));
    if (rc < 0 || (rc > 0 && text[0] != '\0' && cursor_parse(text, fp, p) != PW_OK))
        return bad(err, "cursor", "cursor is not one this server gave for this query");
    return PW_OK;
}

static const char *field_name(int f)
{
    static const char *const names[] = {"skills", "categories", "bio", "area"};
    return names[f];
}

/* why: the parts of the score and the sentence that says them. */
static json_t *why_json(const pw_search_result *r, const pw_search_hit *h, const pw_searching_figures *f,
                        const pw_searching_params *p)
{
    json_t *matched = json_array();
    char text[1024];
    size_t n = 0;
    for (int e = 0; e < r->expansion_count && e < 64; e++) {
        if (!(h->expansions & (1ULL << e)))
            continue;
        const pw_search_expansion *x = &r->expansion[e];
        const char *how = x->kind == PW_SEARCH_TYPO      ? "typo"
                          : x->kind == PW_SEARCH_SYNONYM ? "synonym"
                          : x->kind == PW_SEARCH_PREFIX  ? "prefix"
                                                         : "exact";
        json_array_append_new(matched,
                              json_pack("{s:s, s:s, s:s}", "word", r->words[x->word], "via", how, "term", x->term));
        const char *w = r->words[x->word];
        if (n < sizeof(text) - 200) {
            if (x->kind == PW_SEARCH_TYPO)
                n += (size_t)snprintf(text + n, sizeof(text) - n, "%s\"%s\" read as \"%s\"", n ? "; " : "Matches ", w,
                                      x->term);
            else if (x->kind == PW_SEARCH_SYNONYM)
                n += (size_t)snprintf(text + n, sizeof(text) - n, "%s\"%s\" (for \"%s\")", n ? "; " : "Matches ",
                                      x->term, w);
            else
                n += (size_t)snprintf(text + n, sizeof(text) - n, "%s\"%s\"", n ? "; " : "Matches ", x->term);
        }
    }
    json_t *fields = json_array();
    for (int f2 = 0; f2 < PW_SEARCH_FIELDS; f2++)
        if (h->fields & (1u << f2))
            json_array_append_new(fields, json_string(field_name(f2)));
    if (n == 0)
        n += (size_t)snprintf(text, sizeof(text), "Matches the request");
    n += (size_t)snprintf(text + n, sizeof(text) - n, ". ");
    if (f->completed + f->acked == 0)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "No tasks done here yet (reliability counted as %.0f%%). ",
                              f->reliability * 100);
    else
        n += (size_t)snprintf(text + n, sizeof(text) - n, "Reliability %.0f%% (%lld completed of %lld accepted). ",
                              f->reliability * 100, (long long)f->completed, (long long)f->acked);
    n += (size_t)snprintf(text + n, sizeof(text) - n, "%s. ", f->active ? "Active now" : "Not active now");
    if (f->distance_km >= 0)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "About %.0f km away (their public area). ", f->distance_km);
    else if (p->has_point && f->remote)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "Works remotely. ");
    snprintf(text + n, sizeof(text) - n, "No reviews yet.");
    json_t *parts = json_pack("{s:f, s:f, s:f, s:f, s:f, s:f}", "relevance", h->text_score, "base", PW_SEARCHING_W_BASE,
                              "reliability", PW_SEARCHING_W_RELIABILITY * f->reliability, "presence",
                              PW_SEARCHING_W_PRESENCE * f->active, "distance", PW_SEARCHING_W_DISTANCE * f->proximity,
                              "reputation", 0.0);
    return json_pack("{s:s, s:n, s:o, s:b, s:f, s:f, s:f, s:o, s:o, s:o}", "text", text, "reputation", "distance_km",
                     f->distance_km >= 0 ? json_real(f->distance_km) : json_null(), "active", f->active, "relevance",
                     h->text_score, "reliability", f->reliability, "proximity", f->proximity, "parts", parts, "matched",
                     matched, "fields", fields);
}

void pw_api_search(pw_req *rq)
{
    pw_error err;
    search_in *in = malloc(sizeof(*in));
    pw_searching_answer *ans = malloc(sizeof(*ans));
    pw_searching *s = rq->app->policy ? rq->app->policy->search : NULL;
    if (in == NULL || ans == NULL) {
        free(in);
        free(ans);
        return pw_api_reply_nomem(rq);
    }
    int rc = read_params(rq, in, &err);
    if (rc == PW_OK && s == NULL)
        rc = pw_error_set(&err, 503, "unavailable", NULL, "search is not available on this server");
    if (rc == PW_OK) {
        in->p.limit += 1; /* one more: whether there is a next page */
        rc = pw_searching_query(s, &in->p, ans, &err);
        in->p.limit -= 1;
    }
    if (rc != PW_OK) {
        free(in);
        free(ans);
        return rc == PW_EREFUSED ? pw_reply_error(rq, &err) : pw_reply_failure(rq, rc, NULL);
    }
    pw_db *db = pw_loop_db(rq->loop);
    const pw_search_result *r = &ans->result;
    json_t *items = json_array();
    int shown = r->hit_count < in->p.limit ? r->hit_count : in->p.limit;
    for (int i = 0; i < shown; i++) {
        json_t *worker = pw_user_public_json(db, r->hit[i].id);
        if (worker == NULL) /* gone since the index was read: the next refresh drops them */
            continue;
        json_array_append_new(items, json_pack("{s:o, s:f, s:o}", "worker", worker, "score", r->hit[i].score, "why",
                                               why_json(r, &r->hit[i], &ans->figures[i], &in->p)));
    }
    json_t *next = json_null();
    if (r->hit_count > in->p.limit) {
        char cursor[PW_CURSOR_MAX_BYTES + 1];
        cursor_format(r->hit[shown - 1].score, r->hit[shown - 1].id, in->fingerprint, cursor, sizeof(cursor));
        next = json_string(cursor);
    }
    json_t *skills = json_array();
    for (int i = 0; i < r->skill_count; i++)
        json_array_append_new(skills, json_string(r->skills[i]));
    const char *category = in->category[0] ? in->category : r->category;
    json_t *estimate = NULL, *reason = NULL;
    /* near: around the centre of the point's 0.1-degree cell, so the tasks' own places (the
     * clients') are not probed finer than the grid by moving the point */
    int64_t near_lat = 0, near_lon = 0;
    if (in->p.has_point)
        pw_geo_public_area(in->p.lat_e6, in->p.lon_e6, &near_lat, &near_lon);
    rc = pw_searching_price_estimate(db, category, in->p.has_point, near_lat, near_lon, in->p.radius_km, &estimate,
                                     &reason);
    if (rc != PW_OK) {
        json_decref(items);
        json_decref(next);
        json_decref(skills);
        free(in);
        free(ans);
        return pw_reply_failure(rq, rc, NULL);
    }
    json_t *request = json_pack("{s:o, s:o, s:o, s:o}", "category", category[0] ? json_string(category) : json_null(),
                                "skills", skills, "price_estimate", estimate, "price_estimate_reason", reason);
    /* matched_exact false: the engine stopped early on top-k and matched is a lower bound */
    json_t *body = json_pack("{s:o, s:o, s:I, s:b, s:o}", "items", items, "next_cursor", next, "matched",
                             (json_int_t)r->matched, "matched_exact", r->matched_exact, "request", request);
    free(in);
    free(ans);
    if (body == NULL)
        return pw_api_reply_nomem(rq);
    pw_reply_json(rq, 200, body);
}
