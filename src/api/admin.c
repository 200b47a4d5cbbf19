/* admin.c — GET /admin/metrics: the marketplace's figures for its operators (counts and
 * sums, nobody's private data, so not audited); GET /admin/audit: the audit log of admin
 * reads and actions (market/audit.h), itself an audited read. The log has no write path:
 * the route table lists GET alone, so PUT, POST and DELETE on it are 405. */
#include <math.h>
#include <stdlib.h>

#include "api/api.h"
#include "base/json_util.h"
#include "market/audit.h"
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
    pw_reply_json(rq, 200,
                  json_pack("{s:o, s:I, s:o, s:o, s:o, s:o, s:o}", "tasks_by_state", by_state, "tasks_total",
                            (json_int_t)total, "fill_rate", fill, "time_to_assign", time_to_assign(db), "gmv",
                            sums(db, "release", "fee"), "fees", sums(db, "fee", "fee"), "pool",
                            sums(db, "pool_share", "pool_share")));
}

/* ---- GET /admin/audit ------------------------------------------------------------------------- */

typedef struct audit_query {
    pw_audit_filter filter;
    int limit;
    int64_t cursor;
} audit_query;

/* ?action= (a name pw_audit_action_parse knows) and ?admin_id= (an id), both optional. */
static int parse_filter(pw_req *rq, pw_audit_filter *f, pw_error *err)
{
    char text[PW_CURSOR_MAX_BYTES + 1];
    *f = (pw_audit_filter){0};
    int rc = pw_req_query(rq, "action", text, sizeof(text));
    if (rc < 0 || (rc > 0 && pw_audit_action_parse(text, &f->action) != 0))
        return pw_error_set(err, 422, "validation_failed", "action", "action must be one of the audit log's actions");
    f->has_action = rc > 0;
    rc = pw_api_query_user_id(rq, "admin_id", &f->admin_id, err);
    return rc < 0 ? rc : 0;
}

/* Lists first, then records this read: a page shows the log as it was before it was asked for. */
static int audit_run(pw_call *call, pw_db *db, int64_t now_ms)
{
    audit_query *q = pw_call_data(call);
    int items = 0;
    int rc = pw_audit_list_json(db, &q->filter, q->limit, q->cursor, &call->output, &items);
    if (rc != PW_OK)
        return rc;
    json_t *detail = json_pack("{s:i}", "items", items);
    if (q->filter.has_action)
        json_object_set_new(detail, "action", json_string(pw_audit_action_name(q->filter.action)));
    if (q->filter.admin_id != 0)
        json_object_set_new(detail, "admin_id", pw_json_id(q->filter.admin_id));
    return pw_api_audited_read(call, db, now_ms, PW_AUDIT_AUDIT_READ, detail);
}

int pw_api_audited_read(pw_call *call, pw_db *db, int64_t now_ms, pw_audit_action action, json_t *detail)
{
    int rc = pw_audit_record(db, now_ms, call->auth.user_id, action, NULL, 0, detail);
    if (rc != PW_OK)
        return rc; /* status still 0: a 503, never an unaudited answer */
    call->status = 200;
    return 0;
}

void pw_api_admin_audit(pw_req *rq)
{
    audit_query q;
    pw_error err;
    if (pw_api_page(rq, &q.limit, &q.cursor, &err) != 0 || parse_filter(rq, &q.filter, &err) != 0)
        return pw_reply_error(rq, &err);
    pw_call *call = pw_call_new(rq, sizeof(audit_query));
    if (call == NULL)
        return pw_api_reply_nomem(rq);
    *(audit_query *)pw_call_data(call) = q;
    pw_call_write(call, audit_run, NULL);
}
