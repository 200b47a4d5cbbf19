/* ops.c — GET /healthz, GET /metrics, and the write-only benchmark route. */
#include <string.h>

#include "api/api.h"
#include "http/metrics.h"

void pw_api_reply_nomem(pw_req *rq) { pw_reply_errorf(rq, 503, "unavailable", NULL, "out of memory; try again"); }

void pw_api_healthz(pw_req *rq)
{
    pw_stmt *st = pw_db_stmt(pw_loop_db(rq->loop), "SELECT 1");
    int rc = st ? pw_stmt_step(st) : PW_EDB;
    if (st)
        pw_stmt_done(st);
    if (rc != PW_ROW)
        return pw_reply_errorf(rq, 503, "unavailable", NULL, "the database does not answer");
    static const char body[] = "{\"status\":\"ok\"}";
    pw_reply_text(rq, 200, "application/json", body, sizeof(body) - 1);
}

void pw_api_metrics(pw_req *rq)
{
    pw_buf out;
    pw_buf_init(&out);
    if (pw_metrics_render(rq->app, &out) != 0) {
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
    if (pw_stmt_run(st) != PW_OK)
        return -1;
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
