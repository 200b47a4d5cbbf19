/* series.c — GET /admin/metrics/series: the marketplace's figures per time bucket, columnar
 * for a chart (market/series.h). Counts and sums, nobody's private data: not audited, like
 * GET /admin/metrics. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "api/api.h"
#include "base/limits.h"
#include "ledger/ledger.h"
#include "market/series.h"

typedef struct series_query {
    int64_t from_ms, to_ms, step_s;
    char currency[PW_ASSET_CODE_BYTES];
} series_query;

/* An RFC 3339 time, or the default when absent. */
static int parse_time(pw_req *rq, const char *name, int64_t *out, pw_error *err)
{
    char text[PW_RFC3339_BYTES + 1];
    int rc = pw_req_query(rq, name, text, sizeof(text));
    if (rc == 0)
        return 0;
    if (rc < 0 || pw_time_parse_rfc3339(text, out) != PW_OK)
        return pw_error_set(err, 422, "validation_failed", name, "%s must be an RFC 3339 time", name);
    return 0;
}

static int parse_query(pw_req *rq, series_query *q, pw_error *err)
{
    char text[32];
    int has_from = 0;
    q->to_ms = pw_clock_now_ms(&rq->app->clock);
    q->step_s = PW_SERIES_STEP_S_DEFAULT;
    snprintf(q->currency, sizeof(q->currency), "EUR");
    if (parse_time(rq, "to", &q->to_ms, err) != 0)
        return PW_EREFUSED;
    int rc = pw_req_query(rq, "from", text, sizeof(text));
    if (rc != 0) {
        has_from = 1;
        if (parse_time(rq, "from", &q->from_ms, err) != 0)
            return PW_EREFUSED;
    }
    if (!has_from)
        q->from_ms = q->to_ms - (int64_t)PW_SERIES_SPAN_S_DEFAULT * 1000;
    rc = pw_req_query(rq, "step", text, sizeof(text));
    if (rc != 0) {
        char *end = text;
        errno = 0;
        long long step = rc > 0 ? strtoll(text, &end, 10) : 0;
        if (rc < 0 || errno != 0 || *end != '\0' || end == text || step < PW_SERIES_STEP_S_MIN ||
            step > PW_SERIES_STEP_S_MAX)
            return pw_error_set(err, 422, "validation_failed", "step",
                                "step must be a whole number of seconds, at least %d", PW_SERIES_STEP_S_MIN);
        q->step_s = step;
    }
    rc = pw_req_query(rq, "currency", q->currency, sizeof(q->currency));
    if (rc < 0 || (rc > 0 && !pw_asset_valid(q->currency, 0)))
        return pw_error_set(err, 422, "validation_failed", "currency", "currency must be an ISO 4217 code we carry");
    if (q->from_ms >= q->to_ms)
        return pw_error_set(err, 422, "validation_failed", "from", "from must be before to");
    if (pw_series_points(q->from_ms, q->to_ms, q->step_s) > PW_SERIES_POINTS_MAX)
        return pw_error_set(err, 422, "validation_failed", "step", "step gives more than %d points from from to to",
                            PW_SERIES_POINTS_MAX);
    return 0;
}

void pw_api_admin_series(pw_req *rq)
{
    series_query q;
    pw_error err;
    if (parse_query(rq, &q, &err) != 0)
        return pw_reply_error(rq, &err);
    pw_series s;
    int rc = pw_series_init(&s, q.from_ms, q.step_s, (int)pw_series_points(q.from_ms, q.to_ms, q.step_s));
    if (rc == PW_OK)
        rc = pw_series_load(pw_loop_db(rq->loop), &s, q.currency);
    if (rc != PW_OK) {
        pw_series_free(&s);
        return pw_reply_failure(rq, rc, NULL);
    }
    json_t *out = pw_series_json(&s);
    pw_series_free(&s);
    char from[PW_RFC3339_BYTES], to[PW_RFC3339_BYTES];
    pw_time_format_rfc3339(q.from_ms, from);
    pw_time_format_rfc3339(q.to_ms, to);
    json_object_set_new(out, "from", json_string(from));
    json_object_set_new(out, "to", json_string(to));
    json_object_set_new(out, "step", json_integer(q.step_s));
    json_object_set_new(out, "currency", json_string(q.currency));
    pw_reply_json(rq, 200, out);
}
