/* admin.c — GET /admin/metrics: the marketplace's figures for its operators. */
#include <math.h>
#include <stdlib.h>

#include "api/api.h"
#include "market/task_state.h"

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static json_t *time_to_assign(pw_db *db)
{
    int64_t *ms = malloc(sizeof(int64_t) * PW_ADMIN_ASSIGN_SAMPLE_MAX);
    int n = 0;
    pw_stmt *st = pw_db_stmt(db, "SELECT min(a.assigned_at) - t.created_at FROM tasks t JOIN task_assignments a "
                                 "ON a.task_id = t.id GROUP BY t.id ORDER BY t.id DESC LIMIT ?");
    pw_stmt_int64(st, 1, PW_ADMIN_ASSIGN_SAMPLE_MAX);
    while (ms != NULL && n < PW_ADMIN_ASSIGN_SAMPLE_MAX && pw_stmt_step(st) == PW_ROW)
        ms[n++] = pw_stmt_column_int64(st, 0);
    pw_stmt_done(st);
    json_t *out = json_pack("{s:n, s:n, s:i}", "p50_s", "p99_s", "sample", n);
    if (n > 0) {
        qsort(ms, (size_t)n, sizeof(*ms), cmp_i64);
        json_object_set_new(out, "p50_s", json_real((double)ms[(n - 1) / 2] / 1000.0));
        json_object_set_new(out, "p99_s", json_real((double)ms[(int)ceil(0.99 * n) - 1] / 1000.0));
    }
    free(ms);
    return out;
}

/* Sums of posted transfers of the given kinds, per asset. GMV is "release" + "fee": what
 * clients paid for work that was delivered (the worker's share plus the platform's). */
static json_t *sums(pw_db *db, const char *kind, const char *also)
{
    json_t *out = json_array();
    pw_stmt *st = pw_db_stmt(db, "SELECT asset, sum(amount) FROM ledger_transfers WHERE kind IN (?, ?) "
                                 "AND status = 'posted' GROUP BY asset ORDER BY asset");
    pw_stmt_text(st, 1, kind);
    pw_stmt_text(st, 2, also);
    while (pw_stmt_step(st) == PW_ROW)
        json_array_append_new(out, json_pack("{s:I, s:s}", "amount", (json_int_t)pw_stmt_column_int64(st, 1),
                                             "currency", pw_stmt_column_text(st, 0)));
    pw_stmt_done(st);
    return out;
}

void pw_api_admin_metrics(pw_req *rq)
{
    pw_db *db = pw_loop_db(rq->loop);
    json_t *by_state = json_object();
    for (int s = 0; s < PW_TASK_STATE_COUNT; s++)
        json_object_set_new(by_state, pw_task_state_name((pw_task_state)s), json_integer(0));
    int64_t total = 0, filled = 0;
    pw_stmt *st = pw_db_stmt(db, "SELECT status, count(*) FROM tasks GROUP BY status");
    while (pw_stmt_step(st) == PW_ROW) {
        int64_t n = pw_stmt_column_int64(st, 1);
        pw_task_state s;
        if (pw_task_state_parse(pw_stmt_column_text(st, 0), &s) == 0) {
            json_object_set_new(by_state, pw_task_state_name(s), json_integer(n));
            total += n;
            filled += s != PW_TASK_DISPATCHING && s != PW_TASK_EXPIRED && s != PW_TASK_CANCELLED ? n : 0;
        }
    }
    pw_stmt_done(st);
    /* fill rate: tasks that got a worker, over tasks that were not withdrawn by their client */
    int64_t cancelled = json_integer_value(json_object_get(by_state, "cancelled"));
    json_t *fill = total - cancelled > 0 ? json_real((double)filled / (double)(total - cancelled)) : json_null();
    pw_reply_json(rq, 200, json_pack("{s:o, s:I, s:o, s:o, s:o, s:o, s:o}", "tasks_by_state", by_state, "tasks_total",
                                     (json_int_t)total, "fill_rate", fill, "time_to_assign", time_to_assign(db), "gmv",
                                     sums(db, "release", "fee"), "fees", sums(db, "fee", "fee"), "pool", sums(db, "pool_share", "pool_share")));
}
