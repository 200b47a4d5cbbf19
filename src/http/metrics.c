/* metrics.c — request counters by route and status, the latency histogram, and their
 * Prometheus text for GET /metrics, with the writer's commit batch sizes and fsync latency
 * (the handler, api/ops.c, adds the subsystems' own sections after these). Each event loop
 * counts into its own block (no cache line shared between loops on the request path);
 * GET /metrics sums the blocks. A status code outside the known list is counted under
 * "other". */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/buf.h"
#include "base/histogram.h"
#include "http/internal.h"
#include "http/metrics.h"
#include "store/writer.h"

#define ROUTES_MAX PW_ROUTES_MAX

static const int statuses[] = {200, 201, 204, 400, 401, 403, 404, 405, 409, 413, 415, 422, 429, 500, 503};
#define STATUS_SLOTS ((int)(sizeof(statuses) / sizeof(statuses[0])) + 1)

typedef struct block {
    _Atomic uint64_t counts[ROUTES_MAX + 1][STATUS_SLOTS]; /* last row: no route matched; written by one thread */
    pw_histogram latency;
} block;

static block *blocks[PW_HTTP_LOOPS_MAX + 1]; /* one per thread that answered a request */
static atomic_int block_count;
static _Thread_local block *mine;
static const double latency_bounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                        0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5};
#define LATENCY_BUCKETS ((int)(sizeof(latency_bounds) / sizeof(latency_bounds[0])))

static _Atomic long open_connections;
static _Atomic uint64_t accept_pauses;

void pw_metrics_connections(int delta) { atomic_fetch_add_explicit(&open_connections, delta, memory_order_relaxed); }
void pw_metrics_accept_paused(void) { atomic_fetch_add_explicit(&accept_pauses, 1, memory_order_relaxed); }

void pw_metrics_init(void) { _Static_assert(ROUTES_MAX >= 64, "room for the route table"); }

static block *my_block(void)
{
    if (mine != NULL)
        return mine;
    int at = atomic_fetch_add(&block_count, 1);
    pw_assert(at <= PW_HTTP_LOOPS_MAX); /* only the loops answer requests: at most PW_HTTP_LOOPS_MAX, one to spare */
    block *b = calloc(1, sizeof(*b));
    if (b == NULL)
        return NULL;
    pw_histogram_init(&b->latency, latency_bounds, LATENCY_BUCKETS);
    blocks[at] = b;
    return mine = b;
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
    pw_assert(route_index >= -1 && route_index < ROUTES_MAX); /* -1: no route matched */
    block *b = my_block();
    if (b == NULL)
        return;
    int row = route_index >= 0 && route_index < ROUTES_MAX ? route_index : ROUTES_MAX;
    _Atomic uint64_t *c = &b->counts[row][status_slot(status)];
    /* one writer per block: a plain increment, read whole by the renderer */
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1, memory_order_relaxed);
    pw_histogram_observe(&b->latency, seconds);
}

static uint64_t count_of(int row, int slot)
{
    uint64_t n = 0;
    int blocks_now = atomic_load(&block_count);
    for (int i = 0; i < blocks_now && i <= PW_HTTP_LOOPS_MAX; i++)
        if (blocks[i] != NULL)
            n += atomic_load_explicit(&blocks[i]->counts[row][slot], memory_order_relaxed);
    return n;
}

/* The loops' latency histograms added up, for rendering. */
static void sum_latency(pw_histogram *out)
{
    pw_histogram_init(out, latency_bounds, LATENCY_BUCKETS);
    int blocks_now = atomic_load(&block_count);
    for (int i = 0; i < blocks_now && i <= PW_HTTP_LOOPS_MAX; i++) {
        if (blocks[i] == NULL)
            continue;
        for (int k = 0; k <= LATENCY_BUCKETS; k++)
            atomic_fetch_add(&out->counts[k], atomic_load(&blocks[i]->latency.counts[k]));
        atomic_fetch_add(&out->sum_micro, atomic_load(&blocks[i]->latency.sum_micro));
        atomic_fetch_add(&out->total, atomic_load(&blocks[i]->latency.total));
    }
}

int pw_metrics_histogram(pw_buf *out, const pw_histogram *h, const char *name, const char *help)
{
    int rc = pw_buf_printf(out, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
    return rc | pw_histogram_render(h, name, "", out);
}

int pw_metrics_render(pw_app *app, pw_buf *out)
{
    int rc = pw_buf_printf(out, "# HELP pw_http_requests_total HTTP requests answered, by route and status.\n"
                                "# TYPE pw_http_requests_total counter\n");
    for (int row = 0; row <= ROUTES_MAX; row++) {
        if (row < ROUTES_MAX && row >= app->route_count)
            continue;
        for (int s = 0; s < STATUS_SLOTS; s++) {
            uint64_t n = count_of(row, s);
            if (n == 0)
                continue;
            char status[8];
            if (s < STATUS_SLOTS - 1)
                snprintf(status, sizeof(status), "%d", statuses[s]);
            else
                strcpy(status, "other");
            const char *route = row < ROUTES_MAX ? app->routes[row].pattern : "unmatched";
            const char *method = row < ROUTES_MAX ? app->routes[row].method : "";
            rc |= pw_buf_printf(out, "pw_http_requests_total{method=\"%s\",route=\"%s\",status=\"%s\"} %llu\n", method,
                                route, status, (unsigned long long)n);
        }
    }
    pw_histogram latency;
    sum_latency(&latency);
    rc |= pw_metrics_histogram(out, &latency, "pw_http_request_duration_seconds", "Time from routing to the answer.");
    pw_writer_stats *ws = pw_writer_get_stats(app->writer);
    rc |= pw_metrics_histogram(out, &ws->batch_jobs, "pw_db_commit_batch_jobs",
                               "Requests' writes per group-commit transaction.");
    rc |= pw_metrics_histogram(out, &ws->commit_seconds, "pw_db_commit_seconds",
                               "COMMIT latency (the fsync of the WAL).");
    rc |= pw_buf_printf(out,
                        "# TYPE pw_db_commits_total counter\npw_db_commits_total %llu\n"
                        "# TYPE pw_db_writer_rejected_total counter\npw_db_writer_rejected_total %llu\n"
                        "# TYPE pw_db_writer_queue_length gauge\npw_db_writer_queue_length %d\n"
                        "# HELP pw_http_connections Open client connections.\n"
                        "# TYPE pw_http_connections gauge\npw_http_connections %ld\n"
                        "# HELP pw_http_accept_paused_total Times a loop stopped accepting at its connection cap.\n"
                        "# TYPE pw_http_accept_paused_total counter\npw_http_accept_paused_total %llu\n",
                        (unsigned long long)atomic_load(&ws->commits), (unsigned long long)atomic_load(&ws->rejected),
                        pw_writer_queue_length(app->writer), atomic_load(&open_connections),
                        (unsigned long long)atomic_load(&accept_pauses));
    rc |= pw_buf_printf(out,
                        "# HELP pw_events_streams Open GET /api/v1/events streams.\n"
                        "# TYPE pw_events_streams gauge\npw_events_streams %ld\n",
                        pw_events_open_streams());
    return rc != 0 ? PW_ENOMEM : PW_OK; /* the OR of the appends: out of memory is their failure */
}
