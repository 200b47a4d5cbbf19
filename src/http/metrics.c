/* metrics.c — request counters by route and status, the latency histogram, and the
 * Prometheus text rendering for GET /metrics (which also reports the writer's commit
 * batch sizes and fsync latency). Counters are relaxed atomics in fixed arrays: a status
 * code outside the known list is counted under "other". */
#include <stdatomic.h>
#include <string.h>

#include "base/buf.h"
#include "base/histogram.h"
#include "http/internal.h"
#include "http/metrics.h"
#include "store/writer.h"

#define ROUTES_MAX 128        /* route table rows counted; the table is smaller */

static const int statuses[] = {200, 201, 204, 400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 500, 503};
#define STATUS_SLOTS ((int)(sizeof(statuses) / sizeof(statuses[0])) + 1)

static _Atomic uint64_t counts[ROUTES_MAX + 1][STATUS_SLOTS]; /* last row: no route matched */
static pw_histogram latency;
static const double latency_bounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};

void pw_metrics_init(void)
{
    _Static_assert(ROUTES_MAX >= 64, "room for the route table");
    pw_histogram_init(&latency, latency_bounds, (int)(sizeof(latency_bounds) / sizeof(latency_bounds[0])));
}

static int status_slot(int status)
{
    for (int i = 0; i < STATUS_SLOTS - 1; i++)
        if (statuses[i] == status)
            return i;
    return STATUS_SLOTS - 1;
}

void pw_metrics_observe(int route_index, int status, double seconds)
{
    int row = route_index >= 0 && route_index < ROUTES_MAX ? route_index : ROUTES_MAX;
    atomic_fetch_add_explicit(&counts[row][status_slot(status)], 1, memory_order_relaxed);
    pw_histogram_observe(&latency, seconds);
}

int pw_metrics_render(pw_app *app, pw_buf *out)
{
    int rc = pw_buf_printf(out, "# HELP pw_http_requests_total HTTP requests answered, by route and status.\n"
                                "# TYPE pw_http_requests_total counter\n");
    for (int row = 0; row <= ROUTES_MAX; row++) {
        if (row < ROUTES_MAX && row >= pw_route_count)
            continue;
        for (int s = 0; s < STATUS_SLOTS; s++) {
            uint64_t n = atomic_load_explicit(&counts[row][s], memory_order_relaxed);
            if (n == 0)
                continue;
            char status[8];
            if (s < STATUS_SLOTS - 1)
                snprintf(status, sizeof(status), "%d", statuses[s]);
            else
                strcpy(status, "other");
            const char *route = row < ROUTES_MAX ? pw_routes[row].pattern : "unmatched";
            const char *method = row < ROUTES_MAX ? pw_routes[row].method : "";
            rc |= pw_buf_printf(out, "pw_http_requests_total{method=\"%s\",route=\"%s\",status=\"%s\"} %llu\n",
                                method, route, status, (unsigned long long)n);
        }
    }
    rc |= pw_buf_printf(out, "# HELP pw_http_request_duration_seconds Time from routing to the answer.\n"
                             "# TYPE pw_http_request_duration_seconds histogram\n");
    rc |= pw_histogram_render(&latency, "pw_http_request_duration_seconds", "", out);
    pw_writer_stats *ws = pw_writer_get_stats(app->writer);
    rc |= pw_buf_printf(out, "# HELP pw_db_commit_batch_jobs Requests' writes per group-commit transaction.\n"
                             "# TYPE pw_db_commit_batch_jobs histogram\n");
    rc |= pw_histogram_render(&ws->batch_jobs, "pw_db_commit_batch_jobs", "", out);
    rc |= pw_buf_printf(out, "# HELP pw_db_commit_seconds COMMIT latency (the fsync of the WAL).\n"
                             "# TYPE pw_db_commit_seconds histogram\n");
    rc |= pw_histogram_render(&ws->commit_seconds, "pw_db_commit_seconds", "", out);
    rc |= pw_buf_printf(out,
                        "# TYPE pw_db_commits_total counter\npw_db_commits_total %llu\n"
                        "# TYPE pw_db_writer_rejected_total counter\npw_db_writer_rejected_total %llu\n"
                        "# TYPE pw_db_writer_queue_length gauge\npw_db_writer_queue_length %d\n",
                        (unsigned long long)atomic_load(&ws->commits), (unsigned long long)atomic_load(&ws->rejected),
                        pw_writer_queue_length(app->writer));
    return rc ? -1 : 0;
}
