/* tasks.c — the task endpoints: post, read, list, the lifecycle actions, the dispatch
 * explanation, messages, and the admin's disputes. Reads use the loop's connection;
 * every change is one writer call that answers with the task as it now is. Anyone who
 * is not the task's client, its assigned worker or an admin gets 404 for any of them.
 *
 * An admin's read of someone else's task (and of the disputes) is the exception: it is
 * answered from the writer, in the transaction that writes its row of the audit log
 * (market/audit.h), so no such answer leaves before its row is on disk. Admins read a
 * task's messages only once it is disputed or resolved, and never write in them. */
#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "base/json_util.h"
#include "market/audit.h"
#include "market/tasks.h"

#define MESSAGES_REFUSED "admins read a task's messages only once it is disputed or resolved"

/* On the writer: the task this transaction has just written or changed, read back. PW_OK;
 * the lookup's code; or PW_EDB if the row is gone (the database failed us). */
static int load_again(pw_db *db, int64_t id, pw_task_row *t)
{
    int found = pw_tasks_load(db, id, t);
    return found == 1 ? PW_OK : found < 0 ? found : PW_EDB;
}

/* ---- POST /tasks ------------------------------------------------------------------------------- */

static int create_run(pw_call *call, pw_db *db, int64_t now_ms)
{
    pw_new_task *t = pw_call_data(call);
    int64_t id;
    int rc = pw_tasks_create(db, call->app->policy, call->auth.user_id, t, now_ms, &id, &call->error);
    if (rc != PW_OK)
        return pw_call_failure(call, rc, &call->error);
    pw_task_row row;
    rc = load_again(db, id, &row);
    if (rc != PW_OK)
        return rc;
    call->status = 201;
    call->output = pw_tasks_json(db, &row, PW_VIEW_CLIENT);
    return 0;
}

void pw_api_tasks_create(pw_req *rq)
{
    pw_error err;
    pw_call *call = pw_call_new(rq, sizeof(pw_new_task));
    if (call == NULL)
        return pw_api_reply_nomem(rq);
    if (pw_tasks_parse_new(rq->body, pw_clock_now_ms(&rq->app->clock), pw_call_data(call), &err) != 0) {
        pw_call_free(call);
        return pw_reply_error(rq, &err);
    }
    pw_call_write(call, create_run, NULL);
}

/* ---- reads -------------------------------------------------------------------------------------- */

/* Loads {id} and checks the caller may see it: PW_OK, or PW_EREFUSED having answered 404
 * itself. */
static int load_visible(pw_req *rq, pw_task_row *t, pw_task_view *view)
{
    int64_t id;
    if (pw_api_id_param(rq, 0, &id) != 0 || pw_tasks_load(pw_loop_db(rq->loop), id, t) != 1 ||
        (*view = pw_tasks_viewer(t, rq->auth.user_id, rq->auth.roles)) == PW_VIEW_NONE) {
        pw_reply_errorf(rq, 404, "not_found", NULL, "no such task");
        return PW_EREFUSED;
    }
    return PW_OK;
}

/* ---- an admin's reads: on the writer, with their audit row ------------------------------------- */

typedef enum { READ_TASK, READ_MESSAGES, READ_DISPATCH } admin_read_kind;

static const pw_audit_action read_actions[] = {
    [READ_TASK] = PW_AUDIT_TASK_READ,
    [READ_MESSAGES] = PW_AUDIT_TASK_MESSAGES_READ,
    [READ_DISPATCH] = PW_AUDIT_TASK_DISPATCH_READ,
};

typedef struct admin_read {
    int64_t task_id;
    admin_read_kind kind;
    int limit; /* messages: the page asked for */
    int64_t cursor;
} admin_read;

/* The answer in *out: PW_OK, or the code of what failed (PW_ENOMEM for a view that could
 * not be built); *items_out: how many messages it holds (-1: not a list). */
static int render_read(pw_db *db, const admin_read *a, const pw_task_row *t, pw_task_view view, json_t **out,
                       int *items_out)
{
    *out = NULL;
    *items_out = -1;
    if (a->kind == READ_TASK)
        *out = pw_tasks_json(db, t, view);
    else if (a->kind == READ_DISPATCH)
        *out = pw_tasks_dispatch_json(db, t, view);
    else {
        int rc = pw_tasks_messages_json(db, t->id, a->limit, a->cursor, out);
        if (rc != PW_OK)
            return rc;
        *items_out = (int)json_array_size(json_object_get(*out, "items"));
    }
    return *out != NULL ? PW_OK : PW_ENOMEM;
}

/* Reads again on the writer (the task may have moved on since the loop looked), answers,
 * and records the read; a failed record rolls the answer back into a 503. */
static int admin_read_run(pw_call *call, pw_db *db, int64_t now_ms)
{
    admin_read *a = pw_call_data(call);
    pw_task_row t;
    int found = pw_tasks_load(db, a->task_id, &t);
    if (found < 0)
        return found;
    pw_task_view view = found ? pw_tasks_viewer(&t, call->auth.user_id, call->auth.roles) : PW_VIEW_NONE;
    if (view == PW_VIEW_NONE)
        return pw_call_failf(call, 404, "not_found", NULL, "no such task");
    if (a->kind == READ_MESSAGES && !pw_tasks_messages_readable(&t, view))
        return pw_call_failf(call, 403, "forbidden", NULL, MESSAGES_REFUSED);
    int items;
    int rc = render_read(db, a, &t, view, &call->output, &items);
    if (rc != PW_OK)
        return rc;
    if (view == PW_VIEW_ADMIN) { /* else they became its worker meanwhile: their own task */
        json_t *detail = json_pack("{s:s}", "status", pw_task_state_name(t.status));
        if (items >= 0)
            json_object_set_new(detail, "items", json_integer(items));
        rc = pw_audit_record(db, now_ms, call->auth.user_id, read_actions[a->kind], "task", t.id, detail);
        if (rc != PW_OK)
            return rc; /* status still 0: a 503, never an unaudited answer */
    }
    call->status = 200;
    return 0;
}

static void admin_read_start(pw_req *rq, const pw_task_row *t, admin_read_kind kind, int limit, int64_t cursor)
{
    pw_call *call = pw_call_new(rq, sizeof(admin_read));
    if (call == NULL)
        return pw_api_reply_nomem(rq);
    *(admin_read *)pw_call_data(call) = (admin_read){.task_id = t->id, .kind = kind, .limit = limit, .cursor = cursor};
    pw_call_write(call, admin_read_run, NULL);
}

void pw_api_tasks_get(pw_req *rq)
{
    pw_task_row t;
    pw_task_view view;
    if (load_visible(rq, &t, &view) != 0)
        return;
    if (view == PW_VIEW_ADMIN)
        return admin_read_start(rq, &t, READ_TASK, 0, 0);
    pw_reply_json(rq, 200, pw_tasks_json(pw_loop_db(rq->loop), &t, view));
}

void pw_api_tasks_list(pw_req *rq)
{
    pw_error err;
    char role[16];
    int limit;
    int64_t cursor;
    int has_role = pw_req_query(rq, "role", role, sizeof(role));
    if (has_role <= 0 || (strcmp(role, "client") != 0 && strcmp(role, "worker") != 0))
        return pw_reply_errorf(rq, 422, "validation_failed", "role", "role must be client or worker");
    if (pw_api_page(rq, &limit, &cursor, &err) != 0)
        return pw_reply_error(rq, &err);
    json_t *out = NULL;
    int rc = pw_tasks_list_json(pw_loop_db(rq->loop), rq->auth.user_id,
                                strcmp(role, "worker") == 0 ? PW_VIEW_WORKER : PW_VIEW_CLIENT, limit, cursor, &out);
    pw_reply_result(rq, rc, out);
}

/* Why the task went to its worker: for its client and admins only. The assigned worker
 * knows the task (403, not 404), but the explanation is about the client's choice. */
void pw_api_tasks_dispatch(pw_req *rq)
{
    pw_task_row t;
    pw_task_view view;
    if (load_visible(rq, &t, &view) != 0)
        return;
    if (view == PW_VIEW_WORKER)
        return pw_reply_errorf(rq, 403, "forbidden", NULL, "only the task's client and admins may read its dispatch");
    if (view == PW_VIEW_ADMIN) /* audited: the admin's read goes through the writer */
        return admin_read_start(rq, &t, READ_DISPATCH, 0, 0);
    pw_reply_json(rq, 200, pw_tasks_dispatch_json(pw_loop_db(rq->loop), &t, view));
}

/* ---- actions ------------------------------------------------------------------------------------ */

typedef struct action {
    int64_t task_id;
    pw_task_event event;
    char note[4 * PW_NOTE_MAX_CHARS + 1];
} action;

/* An admin acting on a task that is not theirs (a cancel): its row of the audit log, in
 * the action's transaction. */
static int audit_action(pw_db *db, const pw_call *call, const action *a, const pw_task_row *t, pw_task_state from,
                        int64_t now_ms)
{
    json_t *detail = json_pack("{s:s, s:s, s:s}", "event", pw_task_event_name(a->event), "from",
                               pw_task_state_name(from), "to", pw_task_state_name(t->status));
    int rc = pw_audit_record(db, now_ms, call->auth.user_id,
                             a->event == PW_EV_CANCEL ? PW_AUDIT_TASK_CANCEL : PW_AUDIT_TASK_ACTION, "task", t->id,
                             detail);
    return rc;
}

static int action_run(pw_call *call, pw_db *db, int64_t now_ms)
{
    action *a = pw_call_data(call);
    pw_task_row t;
    /* as whom the caller acts is decided before the action (it may change who the worker is) */
    int as_admin = 0;
    if ((call->auth.roles & PW_ROLE_ADMIN) && pw_tasks_load(db, a->task_id, &t) == 1)
        as_admin = pw_tasks_viewer(&t, call->auth.user_id, call->auth.roles) == PW_VIEW_ADMIN;
    pw_task_state from = as_admin ? t.status : PW_TASK_DISPATCHING;
    int rc = pw_tasks_act(db, call->app->policy, a->task_id, call->auth.user_id, call->auth.roles, a->event, a->note,
                          now_ms, &call->error);
    if (rc != PW_OK)
        return pw_call_failure(call, rc, &call->error);
    rc = load_again(db, a->task_id, &t);
    if (rc == PW_OK && as_admin)
        rc = audit_action(db, call, a, &t, from, now_ms);
    if (rc != PW_OK)
        return rc;
    call->status = 200;
    pw_task_view view = pw_tasks_viewer(&t, call->auth.user_id, call->auth.roles);
    /* A worker who released the task no longer sees it: answer with the status only. */
    call->output = view == PW_VIEW_NONE
                       ? json_pack("{s:o, s:s}", "id", pw_json_id(t.id), "status", pw_task_state_name(t.status))
                       : pw_tasks_json(db, &t, view);
    return 0;
}

/* note_field: NULL (no body), or the body field to read (required if note_required). */
static void act(pw_req *rq, pw_task_event event, const char *note_field, int note_required)
{
    pw_error err;
    pw_call *call = pw_call_new(rq, sizeof(action));
    if (call == NULL)
        return pw_api_reply_nomem(rq);
    action *a = pw_call_data(call);
    a->event = event;
    if (pw_api_id_param(rq, 0, &a->task_id) != 0) {
        pw_call_free(call);
        return pw_reply_errorf(rq, 404, "not_found", NULL, "no such task");
    }
    if (note_field != NULL && rq->body != NULL &&
        pw_json_string_field(rq->body, note_field, note_required, note_required, PW_NOTE_MAX_CHARS, 1, a->note,
                             sizeof(a->note), &err) < 0) {
        pw_call_free(call);
        return pw_reply_error(rq, &err);
    }
    if (note_field != NULL && note_required && rq->body == NULL) {
        pw_call_free(call);
        return pw_reply_errorf(rq, 422, "validation_failed", note_field, "%s is required", note_field);
    }
    pw_call_write(call, action_run, NULL);
}

void pw_api_tasks_ack(pw_req *rq) { act(rq, PW_EV_ACK, NULL, 0); }
void pw_api_tasks_release(pw_req *rq) { act(rq, PW_EV_RELEASE, NULL, 0); }
void pw_api_tasks_submit(pw_req *rq) { act(rq, PW_EV_SUBMIT, "note", 0); }
void pw_api_tasks_approve(pw_req *rq) { act(rq, PW_EV_APPROVE, NULL, 0); }
void pw_api_tasks_cancel(pw_req *rq) { act(rq, PW_EV_CANCEL, NULL, 0); }
void pw_api_tasks_dispute(pw_req *rq) { act(rq, PW_EV_DISPUTE, "reason", 1); }

/* ---- messages ----------------------------------------------------------------------------------- */

void pw_api_messages_list(pw_req *rq)
{
    pw_task_row t;
    pw_task_view view;
    pw_error err;
    int limit;
    int64_t cursor;
    if (load_visible(rq, &t, &view) != 0)
        return;
    if (!pw_tasks_messages_readable(&t, view))
        return pw_reply_errorf(rq, 403, "forbidden", NULL, MESSAGES_REFUSED);
    if (pw_api_page(rq, &limit, &cursor, &err) != 0)
        return pw_reply_error(rq, &err);
    if (view == PW_VIEW_ADMIN)
        return admin_read_start(rq, &t, READ_MESSAGES, limit, cursor);
    json_t *out = NULL;
    int rc = pw_tasks_messages_json(pw_loop_db(rq->loop), t.id, limit, cursor, &out);
    pw_reply_result(rq, rc, out);
}

typedef struct message {
    int64_t task_id;
    char body[4 * PW_MESSAGE_MAX_CHARS + 1];
} message;

static int message_run(pw_call *call, pw_db *db, int64_t now_ms)
{
    message *m = pw_call_data(call);
    pw_task_row t;
    pw_task_view view = pw_tasks_load(db, m->task_id, &t) == 1
                            ? pw_tasks_viewer(&t, call->auth.user_id, call->auth.roles)
                            : PW_VIEW_NONE;
    if (view == PW_VIEW_NONE)
        return pw_call_failf(call, 404, "not_found", NULL, "no such task");
    /* the conversation is the two parties': an admin reads it in a dispute, never writes in it */
    if (view == PW_VIEW_ADMIN)
        return pw_call_failf(call, 403, "forbidden", NULL, "only the task's client and assigned worker write messages");
    int rc = pw_tasks_add_message(db, t.id, call->auth.user_id, m->body, now_ms, &call->output);
    if (rc != PW_OK)
        return rc;
    call->status = 201;
    return 0;
}

void pw_api_messages_create(pw_req *rq)
{
    pw_error err;
    pw_call *call = pw_call_new(rq, sizeof(message));
    if (call == NULL)
        return pw_api_reply_nomem(rq);
    message *m = pw_call_data(call);
    if (pw_api_id_param(rq, 0, &m->task_id) != 0) {
        pw_call_free(call);
        return pw_reply_errorf(rq, 404, "not_found", NULL, "no such task");
    }
    if (pw_json_string_field(rq->body, "body", 1, 1, PW_MESSAGE_MAX_CHARS, 1, m->body, sizeof(m->body), &err) != 0) {
        pw_call_free(call);
        return pw_reply_error(rq, &err);
    }
    pw_call_write(call, message_run, NULL);
}

/* ---- admin: disputes ------------------------------------------------------------------------------ */

typedef struct page {
    int limit;
    int64_t cursor;
} page;

/* On the writer: the page, and its row of the audit log (the reasons are the parties' words). */
static int disputes_run(pw_call *call, pw_db *db, int64_t now_ms)
{
    page *p = pw_call_data(call);
    int limit = p->limit;
    pw_stmt *st = pw_db_stmt(
        db, "SELECT id, task_id, opened_by, reason, created_at FROM disputes WHERE status = 'open' AND id > ? "
            "ORDER BY id LIMIT ?");
    pw_stmt_int64(st, 1, p->cursor);
    pw_stmt_int64(st, 2, limit + 1);
    json_t *items = json_array();
    int64_t last = 0;
    int n = 0;
    while (pw_stmt_step(st) == PW_ROW && n++ < limit) {
        char at[PW_RFC3339_BYTES];
        last = pw_stmt_column_int64(st, 0);
        pw_time_format_rfc3339(pw_stmt_column_int64(st, 4), at);
        json_array_append_new(items, json_pack("{s:o, s:o, s:o, s:s, s:s, s:s}", "id", pw_json_id(last), "task_id",
                                               pw_json_id(pw_stmt_column_int64(st, 1)), "opened_by",
                                               pw_json_id(pw_stmt_column_int64(st, 2)), "reason",
                                               pw_stmt_column_text(st, 3), "status", "open", "created_at", at));
    }
    pw_stmt_done(st);
    int shown = n > limit ? limit : n;
    call->output = json_pack("{s:o, s:o}", "items", items, "next_cursor", n > limit ? pw_json_id(last) : json_null());
    json_t *detail = json_pack("{s:i}", "items", shown);
    return pw_api_audited_read(call, db, now_ms, PW_AUDIT_DISPUTES_READ, detail);
}

void pw_api_disputes_list(pw_req *rq)
{
    pw_error err;
    int limit;
    int64_t cursor;
    if (pw_api_page(rq, &limit, &cursor, &err) != 0)
        return pw_reply_error(rq, &err);
    pw_call *call = pw_call_new(rq, sizeof(page));
    if (call == NULL)
        return pw_api_reply_nomem(rq);
    *(page *)pw_call_data(call) = (page){.limit = limit, .cursor = cursor};
    pw_call_write(call, disputes_run, NULL);
}

typedef struct resolution {
    int64_t dispute_id;
    char outcome[8];
    int worker_share_pct;
} resolution;

static int resolve_run(pw_call *call, pw_db *db, int64_t now_ms)
{
    resolution *r = pw_call_data(call);
    pw_stmt *st = pw_db_stmt(db, "SELECT task_id FROM disputes WHERE id = ?");
    pw_stmt_int64(st, 1, r->dispute_id);
    int64_t task_id = pw_stmt_step(st) == PW_ROW ? pw_stmt_column_int64(st, 0) : 0;
    pw_stmt_done(st);
    if (task_id == 0)
        return pw_call_failf(call, 404, "not_found", NULL, "no such dispute");
    int rc = pw_tasks_resolve(db, call->app->policy, task_id, call->auth.user_id, r->outcome, r->worker_share_pct,
                              now_ms, &call->error);
    if (rc != PW_OK)
        return pw_call_failure(call, rc, &call->error);
    json_t *detail = json_pack("{s:o, s:s}", "task_id", pw_json_id(task_id), "outcome", r->outcome);
    if (strcmp(r->outcome, "split") == 0)
        json_object_set_new(detail, "worker_share_pct", json_integer(r->worker_share_pct));
    rc = pw_audit_record(db, now_ms, call->auth.user_id, PW_AUDIT_DISPUTE_RESOLVE, "dispute", r->dispute_id, detail);
    pw_task_row t;
    if (rc == PW_OK)
        rc = load_again(db, task_id, &t);
    if (rc != PW_OK)
        return rc;
    call->status = 200;
    call->output = pw_tasks_json(db, &t, PW_VIEW_ADMIN);
    return 0;
}

void pw_api_disputes_resolve(pw_req *rq)
{
    pw_call *call = pw_call_new(rq, sizeof(resolution));
    if (call == NULL)
        return pw_api_reply_nomem(rq);
    resolution *r = pw_call_data(call);
    pw_error err;
    int bad = pw_api_id_param(rq, 0, &r->dispute_id) != 0;
    if (!bad && pw_json_string_field(rq->body, "outcome", 1, 1, 7, 0, r->outcome, sizeof(r->outcome), &err) != 0)
        bad = 2;
    else if (!bad && strcmp(r->outcome, "release") != 0 && strcmp(r->outcome, "refund") != 0 &&
             strcmp(r->outcome, "split") != 0)
        bad = 2, pw_error_set(&err, 422, "validation_failed", "outcome", "outcome must be release, refund or split");
    json_t *pct = json_object_get(rq->body, "worker_share_pct");
    if (!bad && strcmp(r->outcome, "split") == 0) {
        if (pct == NULL)
            bad = 2, pw_error_set(&err, 422, "validation_failed", "worker_share_pct", "a split needs worker_share_pct");
        else if (!json_is_integer(pct))
            bad = 2, pw_error_set(&err, 400, "wrong_type", "worker_share_pct", "worker_share_pct must be an integer");
        else if (json_integer_value(pct) < 0 || json_integer_value(pct) > 100)
            bad = 2,
            pw_error_set(&err, 422, "validation_failed", "worker_share_pct", "worker_share_pct must be 0..100");
        else
            r->worker_share_pct = (int)json_integer_value(pct);
    }
    if (bad) {
        pw_call_free(call);
        if (bad == 1)
            return pw_reply_errorf(rq, 404, "not_found", NULL, "no such dispute");
        return pw_reply_error(rq, &err);
    }
    pw_call_write(call, resolve_run, NULL);
}
