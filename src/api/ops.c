/* ops.c — GET /healthz, GET /metrics (http's figures, then the subsystems': the dispatcher
 * and the market tick), and the write-only benchmark route. */
#include <stdatomic.h>

#include "api/api.h"
#include "dispatch/engine.h"
#include "http/metrics.h"
#include "market/setaside.h"
#include "market/tasks.h"

void pw_api_reply_nomem(pw_req *rq) { pw_reply_failure(rq, PW_ENOMEM, NULL); }

void pw_api_healthz(pw_req *rq)
{
    pw_stmt *st = pw_db_stmt(pw_loop_db(rq->loop), "SELECT 1");
    int rc = st ? pw_stmt_step(st) : PW_EDB;
    if (st)
        pw_stmt_done(st);
    if (rc != PW_ROW)
        return pw_reply_failure(rq, rc < 0 ? rc : PW_EDB, NULL);
    static const char body[] = "{\"status\":\"ok\"}";
    pw_reply_text(rq, 200, "application/json", body, sizeof(body) - 1);
}

/* What the dispatcher did (dispatch/engine.h). */
static int render_dispatch(pw_engine_stats *ds, pw_buf *out)
{
    int rc = pw_metrics_histogram(out, &ds->round_seconds, "pw_dispatch_round_seconds",
                                  "A batch round with waiting tasks: loading them, the searches, the solve, the "
                                  "assignments' writes.");
    rc |= pw_metrics_histogram(out, &ds->round_tasks, "pw_dispatch_round_tasks", "Waiting tasks a batch round took.");
    rc |= pw_metrics_histogram(out, &ds->greedy_seconds, "pw_dispatch_greedy_seconds",
                               "One task dispatched at once (urgent): search and write.");
    rc |= pw_buf_printf(out,
                        "# HELP pw_dispatch_assignments_total Assignments the dispatcher made, by policy.\n"
                        "# TYPE pw_dispatch_assignments_total counter\n"
                        "pw_dispatch_assignments_total{policy=\"batch\"} %llu\n"
                        "pw_dispatch_assignments_total{policy=\"greedy\"} %llu\n"
                        "# HELP pw_dispatch_active_workers Active workers in the dispatch index.\n"
                        "# TYPE pw_dispatch_active_workers gauge\npw_dispatch_active_workers %lld\n",
                        (unsigned long long)atomic_load(&ds->assigned_batch),
                        (unsigned long long)atomic_load(&ds->assigned_greedy),
                        (long long)atomic_load(&ds->active_workers));
    return rc;
}

/* The market tick's isolated failures (market/setaside.h). */
static int render_tick(pw_setaside_stats *ts, pw_buf *out)
{
    int rc = pw_buf_printf(out, "# HELP pw_tick_task_failures_total Tasks whose tick step failed: undone alone and "
                                "set aside for a retry, by step.\n# TYPE pw_tick_task_failures_total counter\n");
    for (int i = 0; i < PW_TICK_STEP_COUNT; i++)
        rc |= pw_buf_printf(out, "pw_tick_task_failures_total{step=\"%s\"} %llu\n", pw_tick_step_name(i),
                            (unsigned long long)atomic_load(&ts->failures[i]));
    rc |= pw_buf_printf(out, "# HELP pw_tick_scan_failures_total Tick scans that ended on a database error, by scan.\n"
                             "# TYPE pw_tick_scan_failures_total counter\n");
    for (int i = 0; i < PW_TICK_SCAN_COUNT; i++)
        rc |= pw_buf_printf(out, "pw_tick_scan_failures_total{scan=\"%s\"} %llu\n", pw_tick_scan_name(i),
                            (unsigned long long)atomic_load(&ts->scan_failures[i]));
    rc |= pw_buf_printf(out,
                        "# HELP pw_tick_tasks_set_aside Tasks set aside now, waiting for their retry.\n"
                        "# TYPE pw_tick_tasks_set_aside gauge\npw_tick_tasks_set_aside %lld\n"
                        "# HELP pw_tick_tasks_recovered_total Set-aside tasks whose retry succeeded.\n"
                        "# TYPE pw_tick_tasks_recovered_total counter\npw_tick_tasks_recovered_total %llu\n"
                        "# HELP pw_tick_set_aside_full_total Failures not set aside because the table was full "
                        "(retried the next tick).\n"
                        "# TYPE pw_tick_set_aside_full_total counter\npw_tick_set_aside_full_total %llu\n",
                        (long long)atomic_load(&ts->held), (unsigned long long)atomic_load(&ts->recovered),
                        (unsigned long long)atomic_load(&ts->unremembered));
    return rc;
}

/* http's counters and the writer's (http/metrics.c), then the dispatcher's and the tick's. */
void pw_api_metrics(pw_req *rq)
{
    pw_buf out;
    pw_buf_init(&out);
    const pw_market_policy *policy = rq->app->policy;
    int rc = pw_metrics_render(rq->app, &out);
    if (policy != NULL && policy->dispatch.engine != NULL)
        rc |= render_dispatch(pw_engine_get_stats(policy->dispatch.engine), &out);
    if (policy != NULL && policy->dispatch.setaside != NULL)
        rc |= render_tick(pw_setaside_get_stats(policy->dispatch.setaside), &out);
    if (rc != 0) {
        pw_buf_cleanup(&out);
        return pw_api_reply_nomem(rq);
    }
    pw_reply_text(rq, 200, "text/plain; version=0.0.4", out.data, out.len);
    pw_buf_cleanup(&out);
}

/* POST /api/v1/bench/write — compiled only with -DPW_BENCH_ROUTES: one durable row per
 * request, the write-throughput benchmark's unit of work (bench/http_bench.sh). */
static int bench_write_run(pw_call *call, pw_db *db, int64_t now_ms)
{
    pw_stmt *st = pw_db_stmt(db, "INSERT INTO bench_writes (at, payload) VALUES (?, ?)");
    pw_stmt_int64(st, 1, now_ms);
    pw_stmt_text(st, 2, "x");
    int rc = pw_stmt_run(st);
    if (rc != PW_OK)
        return rc;
    call->status = 201;
    call->output = json_pack("{s:b}", "ok", 1);
    return 0;
}

void pw_api_bench_write(pw_req *rq)
{
    pw_call *call = pw_call_new(rq, 0);
    if (call == NULL)
        return pw_api_reply_nomem(rq);
    pw_call_write(call, bench_write_run, NULL);
}

/* ---- POST /dev/faults (PW_FAULTS builds only: store/faults.h) -----------------------------
 *
 * {"kind": "step" | "alloc", "nth": N} arms the store's fault of that kind (N 0 disarms) and
 * answers what the previous arming of that kind saw: {"kind", "seen", "fired"}. It runs on
 * the loop, not the writer: arming is an atomic store, and it must not itself be a job. */
#ifdef PW_FAULTS
#include "store/faults.h"

void pw_api_dev_faults(pw_req *rq)
{
    json_t *kind = json_object_get(rq->body, "kind"), *nth = json_object_get(rq->body, "nth");
    int k = json_is_string(kind) && strcmp(json_string_value(kind), "step") == 0    ? PW_FAULT_STEP
            : json_is_string(kind) && strcmp(json_string_value(kind), "alloc") == 0 ? PW_FAULT_ALLOC
                                                                                    : -1;
    if (k < 0)
        return pw_reply_errorf(rq, 422, "validation_failed", "kind", "kind must be \"step\" or \"alloc\"");
    if (!json_is_integer(nth) || json_integer_value(nth) < 0 || json_integer_value(nth) > 100000000)
        return pw_reply_errorf(rq, 422, "validation_failed", "nth", "nth must be an integer from 0 to 100000000");
    long seen = 0;
    int fired = 0;
    pw_faults_status(k, &seen, &fired);
    pw_faults_arm(k, (long)json_integer_value(nth));
    pw_reply_json(
        rq, 200,
        json_pack("{s:s, s:I, s:b}", "kind", json_string_value(kind), "seen", (json_int_t)seen, "fired", fired));
}
#endif
