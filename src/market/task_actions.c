/* task_actions.c — the lifecycle actions with their side effects, and the timers.
 *
 * Each action: load the task, decide who the caller is to it (client, assigned worker,
 * admin, or nobody: 404), ask the state table whether the event is legal for that actor
 * (409 invalid_state / 403 forbidden), then change the row (guarded by the old status),
 * move money through the ledger, update the worker's record, and append the timeline.
 * It all runs in one writer savepoint: any failure leaves nothing behind. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/json_util.h"
#include "base/rand.h"
#include "base/roles.h"
#include "base/log.h"
#include "dispatch/engine.h"
#include "market/searching.h"
#include "market/events.h"
#include "market/setaside.h"
#include "market/tasks.h"

static int set_status(pw_db *db, const pw_task_row *t, pw_task_state to, int64_t worker_id, int64_t assignment_id,
                      int64_t ack_deadline_ms, int64_t review_deadline_ms, int64_t now_ms)
{
    pw_assert(t->id > 0 && to < PW_TASK_STATE_COUNT && to != t->status); /* a transition of the table */
    /* a task has its worker from assigned on, and none while waiting or withdrawn */
    pw_assert((worker_id > 0) == (to != PW_TASK_DISPATCHING && to != PW_TASK_CANCELLED && to != PW_TASK_EXPIRED));
    pw_assert((assignment_id > 0) == (worker_id > 0));
    pw_assert((ack_deadline_ms != 0) == (to == PW_TASK_ASSIGNED));
    pw_assert((review_deadline_ms != 0) == (to == PW_TASK_SUBMITTED));
    pw_stmt *st = pw_db_stmt(db, "UPDATE tasks SET status = ?, worker_id = ?, assignment_id = ?, ack_deadline_at = ?, "
                                 "review_deadline_at = ?, updated_at = ? WHERE id = ? AND status = ?");
    pw_stmt_text(st, 1, pw_task_state_name(to));
    int64_t values[] = {worker_id, assignment_id, ack_deadline_ms, review_deadline_ms};
    for (int i = 0; i < 4; i++)
        pw_stmt_int64_or_null(st, 2 + i, values[i]);
    pw_stmt_int64(st, 6, now_ms);
    pw_stmt_int64(st, 7, t->id);
    pw_stmt_text(st, 8, pw_task_state_name(t->status));
    int rc = pw_stmt_run(st);
    /* the guard holds: t was read in this transaction and the writer is the only one changing tasks */
    pw_assert(rc != PW_OK || pw_db_changes(db) == 1);
    return rc;
}

static int worker_counter(pw_db *db, int64_t worker_id, const char *sql, int64_t now_ms)
{
    pw_stmt *st = pw_db_stmt(db, sql);
    pw_stmt_int64(st, 1, now_ms);
    pw_stmt_int64(st, 2, worker_id);
    return pw_stmt_run(st);
}

static const char SQL_W_ASSIGNED[] = "UPDATE worker_profiles SET assigned_count = assigned_count + 1, "
                                     "last_assigned_at = ?1, updated_at = ?1 WHERE user_id = ?2";
static const char SQL_W_MISSED[] = "UPDATE worker_profiles SET missed_acks = missed_acks + 1, active = 0, "
                                   "active_since = NULL, updated_at = ? WHERE user_id = ?";
/* One more on a counter of the worker's record, which reliability is computed from. */
#define SQL_WORKER_COUNT(column) \
    "UPDATE worker_profiles SET " column " = " column " + 1, updated_at = ? WHERE user_id = ?"
static const char SQL_W_ACKED[] = SQL_WORKER_COUNT("acked_count");
static const char SQL_W_RELEASED[] = SQL_WORKER_COUNT("releases");
static const char SQL_W_COMPLETED[] = SQL_WORKER_COUNT("completed_count");
static const char SQL_W_ON_TIME[] = SQL_WORKER_COUNT("on_time_count");

/* The client's record (client_records) and the pairs that went badly (bad_pairings),
 * which dispatch reads for every waiting task of the client. */
static int client_record(pw_db *db, int64_t client_id, const char *column_sql)
{
    pw_stmt *st = pw_db_stmt(db, column_sql);
    pw_stmt_int64(st, 1, client_id);
    return pw_stmt_run(st);
}

/* One more on a counter of the client's record, which starts at 0 (the row made on first use). */
#define SQL_CLIENT_COUNT(column)                                      \
    "INSERT INTO client_records (user_id, " column ") VALUES (?, 1) " \
    "ON CONFLICT (user_id) DO UPDATE SET " column " = " column " + 1"
static const char SQL_CLIENT_COMPLETED[] = SQL_CLIENT_COUNT("completed");
static const char SQL_CLIENT_LOST[] = SQL_CLIENT_COUNT("disputes_lost");
static const char SQL_CLIENT_LATE_CANCEL[] = SQL_CLIENT_COUNT("late_cancels");

static int bad_pairing(pw_db *db, const pw_task_row *t, int64_t now_ms)
{
    pw_stmt *st = pw_db_stmt(db, "INSERT INTO bad_pairings (client_id, worker_id, at) VALUES (?, ?, ?) "
                                 "ON CONFLICT (client_id, worker_id) DO UPDATE SET at = excluded.at");
    pw_stmt_int64(st, 1, t->client_id);
    pw_stmt_int64(st, 2, t->worker_id);
    pw_stmt_int64(st, 3, now_ms);
    return pw_stmt_run(st);
}

static int close_assignment(pw_db *db, int64_t assignment_id, const char *outcome, int64_t now_ms)
{
    if (assignment_id == 0)
        return PW_OK;
    pw_stmt *st = pw_db_stmt(db, "UPDATE task_assignments SET outcome = ?, resolved_at = ? WHERE id = ? "
                                 "AND outcome IN ('pending', 'acked')");
    pw_stmt_text(st, 1, outcome);
    pw_stmt_int64(st, 2, now_ms);
    pw_stmt_int64(st, 3, assignment_id);
    return pw_stmt_run(st);
}

int pw_tasks_assign(pw_db *db, const pw_dispatching *d, const pw_task_row *t, int64_t worker_id, double score,
                    json_t *explanation, int64_t now_ms)
{
    pw_assert(t->id > 0 && worker_id > 0 && d->ack_window_s > 0);
    int ack_window_s = d->ack_window_s;
    pw_task_state to;
    if (pw_task_transition_apply(t->status, PW_EV_ASSIGN, PW_ACTOR_PLATFORM, &to) != 0)
        return PW_EINVAL; /* dispatch chose a task that is not waiting: a bug */
    pw_assert(t->status == PW_TASK_DISPATCHING && to == PW_TASK_ASSIGNED); /* the state table's only assignment */
    int64_t ack_deadline = now_ms + (int64_t)ack_window_s * 1000;
    char *why = json_dumps(explanation, JSON_COMPACT | JSON_REAL_PRECISION(9)); /* 9 digits say all a reader needs */
    pw_stmt *st = pw_db_stmt(db, "INSERT INTO task_assignments (task_id, worker_id, assigned_at, ack_deadline_at, "
                                 "score, explanation) VALUES (?, ?, ?, ?, ?, ?) RETURNING id");
    pw_stmt_bind(st, PW_I64(t->id), PW_I64(worker_id), PW_I64(now_ms), PW_I64(ack_deadline), PW_DOUBLE(score),
                 PW_TEXT(why ? why : "{}"));
    int64_t assignment_id = 0;
    int rc = pw_stmt_run_int64(st, &assignment_id);
    free(why);
    if (rc != PW_OK || assignment_id == 0)
        return rc < 0 ? rc : PW_EDB; /* no id back from an insert: the database failed */
    rc = set_status(db, t, to, worker_id, assignment_id, ack_deadline, 0, now_ms);
    if (rc == PW_OK)
        rc = worker_counter(db, worker_id, SQL_W_ASSIGNED, now_ms);
    if (rc == PW_OK)
        rc = pw_tasks_record_event(db, t->id, now_ms, pw_task_event_name(PW_EV_ASSIGN), pw_task_state_name(t->status),
                                   pw_task_state_name(to), 0, worker_id);
    if (rc == PW_OK)
        rc = pw_events_assignment(db, t->id, worker_id, ack_deadline, now_ms);
    if (rc == PW_OK)
        pw_engine_note_assigned(d->engine, worker_id, !t->location.present,
                                t->comp.kind == PW_COMP_MONEY ? t->comp.amount.amount : 0, now_ms);
    return rc;
}

/* ---- settlement ------------------------------------------------------------------------------ */

static int settle(pw_db *db, const pw_market_policy *p, const pw_task_row *t, int64_t worker_gross, int64_t now_ms,
                  pw_error *err)
{
    if (t->comp.kind == PW_COMP_GOODS || t->hold_id == 0)
        return 0;
    return pw_ledger_settle_task(db, t->hold_id, t->id, t->client_id, t->worker_id, worker_gross, p->fee_bps,
                                 p->pool_share_bps, now_ms, err);
}

static int void_hold(pw_db *db, const pw_task_row *t, int64_t now_ms, pw_error *err)
{
    if (t->hold_id == 0)
        return 0;
    return pw_ledger_void_pending(db, t->hold_id, now_ms, err);
}

static int complete(pw_db *db, const pw_market_policy *p, const pw_task_row *t, int64_t now_ms, pw_error *err)
{
    int rc = settle(db, p, t, t->comp.amount.amount, now_ms, err);
    if (rc == PW_OK)
        rc = worker_counter(db, t->worker_id, SQL_W_COMPLETED, now_ms);
    if (rc == PW_OK)
        rc = client_record(db, t->client_id, SQL_CLIENT_COMPLETED);
    if (rc == PW_OK && now_ms <= t->deadline_ms)
        rc = worker_counter(db, t->worker_id, SQL_W_ON_TIME, now_ms);
    return rc;
}

/* ---- transitions ------------------------------------------------------------------------------ */

static int open_dispute(pw_db *db, const pw_task_row *t, int64_t user_id, const char *reason, int64_t now_ms)
{
    pw_stmt *st = pw_db_stmt(db,
                             "INSERT INTO disputes (id, task_id, opened_by, reason, created_at) VALUES (?, ?, ?, ?, ?) "
                             "ON CONFLICT (task_id) DO UPDATE SET status = 'open', opened_by = excluded.opened_by, "
                             "reason = excluded.reason, created_at = excluded.created_at, outcome = NULL, "
                             "resolved_at = NULL");
    pw_stmt_bind(st, PW_I64(pw_time_ordered_id(now_ms)), PW_I64(t->id), PW_I64(user_id), PW_TEXT(reason ? reason : ""),
                 PW_I64(now_ms));
    return pw_stmt_run(st);
}

/* Keeps the dispatch index in step: a worker who no longer holds the task is free again,
 * one who missed an ack is out (inactive), and the record behind reliability changed. */
static void engine_note(pw_engine *engine, const pw_task_row *t, pw_task_event event, pw_task_state to)
{
    int held_before = t->status == PW_TASK_ASSIGNED || t->status == PW_TASK_IN_PROGRESS;
    int held_after = to == PW_TASK_ASSIGNED || to == PW_TASK_IN_PROGRESS;
    if (event == PW_EV_ACK_TIMEOUT)
        pw_engine_remove(engine, t->worker_id);
    else if (held_before && !held_after)
        pw_engine_note_freed(engine, t->worker_id, !t->location.present);
    else
        pw_engine_touch(engine, t->worker_id);
}

/* The side effects of `event` taking t to `to`; the row update included. */
static int effects(pw_db *db, const pw_market_policy *p, const pw_task_row *t, pw_task_event event, pw_task_state to,
                   int64_t user_id, const char *note, int64_t now_ms, pw_error *err)
{
    int rc = PW_OK;
    switch (event) {
    case PW_EV_ACK:
        pw_assert(t->status == PW_TASK_ASSIGNED && to == PW_TASK_IN_PROGRESS && t->assignment_id > 0);
        rc = close_assignment(db, t->assignment_id, "acked", now_ms);
        if (rc == PW_OK)
            rc = worker_counter(db, t->worker_id, SQL_W_ACKED, now_ms);
        if (rc == PW_OK)
            rc = set_status(db, t, to, t->worker_id, t->assignment_id, 0, 0, now_ms);
        break;
    case PW_EV_RELEASE:
    case PW_EV_ACK_TIMEOUT:
        pw_assert(to == PW_TASK_DISPATCHING && t->worker_id > 0); /* from assigned or in progress: it has one */
        rc = close_assignment(db, t->assignment_id, event == PW_EV_RELEASE ? "released" : "missed", now_ms);
        if (rc == PW_OK)
            rc = worker_counter(db, t->worker_id, event == PW_EV_RELEASE ? SQL_W_RELEASED : SQL_W_MISSED, now_ms);
        if (rc == PW_OK)
            rc = bad_pairing(db, t, now_ms);
        if (rc == PW_OK)
            rc = set_status(db, t, to, 0, 0, 0, 0, now_ms);
        break;
    case PW_EV_SUBMIT:
        pw_assert(t->status == PW_TASK_IN_PROGRESS && to == PW_TASK_SUBMITTED);
        rc = set_status(db, t, to, t->worker_id, t->assignment_id, 0, now_ms + (int64_t)p->review_window_s * 1000,
                        now_ms);
        if (rc == PW_OK) {
            pw_stmt *st = pw_db_stmt(db, "UPDATE tasks SET submit_note = ? WHERE id = ?");
            pw_stmt_text(st, 1, note ? note : "");
            pw_stmt_int64(st, 2, t->id);
            rc = pw_stmt_run(st);
        }
        break;
    case PW_EV_APPROVE:
    case PW_EV_AUTO_APPROVE:
        pw_assert(t->status == PW_TASK_SUBMITTED && to == PW_TASK_COMPLETED && t->worker_id > 0);
        rc = complete(db, p, t, now_ms, err);
        if (rc == PW_OK)
            rc = set_status(db, t, to, t->worker_id, t->assignment_id, 0, 0, now_ms);
        break;
    case PW_EV_DISPUTE:
        pw_assert(to == PW_TASK_DISPUTED && t->worker_id > 0 && user_id > 0); /* by its client or its worker */
        rc = open_dispute(db, t, user_id, note, now_ms);
        if (rc == PW_OK)
            rc = bad_pairing(db, t, now_ms);
        if (rc == PW_OK)
            rc = set_status(db, t, to, t->worker_id, t->assignment_id, 0, 0, now_ms);
        break;
    case PW_EV_CANCEL:
    case PW_EV_EXPIRE:
        pw_assert(to == (event == PW_EV_CANCEL ? PW_TASK_CANCELLED : PW_TASK_EXPIRED));
        rc = void_hold(db, t, now_ms, err);
        if (rc == PW_OK)
            rc = close_assignment(db, t->assignment_id, "cancelled", now_ms);
        if (rc == PW_OK && event == PW_EV_CANCEL && t->status == PW_TASK_ASSIGNED)
            rc = client_record(db, t->client_id, SQL_CLIENT_LATE_CANCEL);
        if (rc == PW_OK) /* the worker who was assigned loses sight of a withdrawn task */
            rc = set_status(db, t, to, 0, 0, 0, 0, now_ms);
        break;
    default: return pw_error_set(err, 409, "invalid_state", NULL, "not an action a user can take");
    }
    if (rc == PW_OK)
        rc = pw_tasks_record_event(db, t->id, now_ms, pw_task_event_name(event), pw_task_state_name(t->status),
                                   pw_task_state_name(to), user_id, t->worker_id);
    if (rc == PW_OK && t->worker_id != 0)
        engine_note(p->dispatch.engine, t, event, to);
    if (t->worker_id != 0)
        pw_searching_touch(p->search, t->worker_id); /* the record behind reliability, or availability */
    return rc;
}

static pw_task_actor actor_of(pw_task_view view)
{
    return view == PW_VIEW_CLIENT ? PW_ACTOR_CLIENT : view == PW_VIEW_WORKER ? PW_ACTOR_WORKER : PW_ACTOR_ADMIN;
}

int pw_tasks_act(pw_db *db, const pw_market_policy *p, int64_t task_id, int64_t user_id, int roles, pw_task_event event,
                 const char *note, int64_t now_ms, pw_error *err)
{
    pw_assert(user_id > 0 && event < PW_EV_COUNT); /* a signed-in caller, an event of the table */
    pw_task_row t;
    int found = pw_tasks_load(db, task_id, &t);
    if (found < 0)
        return found;
    pw_assert(!found || t.id == task_id);
    pw_task_view view = found ? pw_tasks_viewer(&t, user_id, roles) : PW_VIEW_NONE;
    if (view == PW_VIEW_NONE)
        return pw_error_set(err, 404, "not_found", NULL, "no such task");
    pw_task_state to;
    int rc = pw_task_transition_apply(t.status, event, actor_of(view), &to);
    if (rc == PW_TRANSITION_FORBIDDEN)
        return pw_error_set(err, 403, "forbidden", NULL, "only the task's %s may do this",
                            event == PW_EV_ACK || event == PW_EV_RELEASE || event == PW_EV_SUBMIT ? "assigned worker"
                                                                                                  : "client");
    if (rc != 0)
        return pw_error_set(err, 409, "invalid_state", "status", "a task that is %s cannot be %s",
                            pw_task_state_name(t.status), pw_task_event_name(event));
    if (event == PW_EV_ACK && now_ms > t.ack_deadline_ms)
        return pw_error_set(err, 409, "ack_window_closed", NULL, "the time to acknowledge this task has passed");
    rc = effects(db, p, &t, event, to, user_id, note, now_ms, err);
    int64_t worker = 0;
    if (rc == PW_OK && to == PW_TASK_DISPATCHING && t.urgent)
        rc = pw_dispatching_task(db, &p->dispatch, t.id, now_ms, &worker);
    return rc;
}

static int64_t dispute_opened_by(pw_db *db, int64_t task_id)
{
    pw_stmt *st = pw_db_stmt(db, "SELECT opened_by FROM disputes WHERE task_id = ?");
    pw_stmt_int64(st, 1, task_id);
    int64_t who = pw_stmt_step(st) == PW_ROW ? pw_stmt_column_int64(st, 0) : 0;
    pw_stmt_done(st);
    return who;
}

int pw_tasks_resolve(pw_db *db, const pw_market_policy *p, int64_t task_id, int64_t admin_id, const char *outcome,
                     int worker_share_pct, int64_t now_ms, pw_error *err)
{
    /* the handler validated the outcome and the share */
    pw_assert(strcmp(outcome, "release") == 0 || strcmp(outcome, "refund") == 0 ||
              (strcmp(outcome, "split") == 0 && worker_share_pct >= 0 && worker_share_pct <= 100));
    pw_task_row t;
    int found = pw_tasks_load(db, task_id, &t);
    if (found < 0)
        return found;
    if (found == 0)
        return pw_error_set(err, 404, "not_found", NULL, "no such dispute");
    pw_task_state to;
    if (pw_task_transition_apply(t.status, PW_EV_RESOLVE, PW_ACTOR_ADMIN, &to) != 0)
        return pw_error_set(err, 409, "invalid_state", NULL, "the task is %s, not disputed",
                            pw_task_state_name(t.status));
    pw_assert(t.status == PW_TASK_DISPUTED && to == PW_TASK_RESOLVED && t.worker_id > 0);
    int64_t amount = t.comp.amount.amount, gross = 0;
    if (strcmp(outcome, "release") == 0)
        gross = amount;
    else if (strcmp(outcome, "split") == 0)
        gross = amount * worker_share_pct / 100;
    pw_assert(gross >= 0 && gross <= amount);
    int rc = settle(db, p, &t, gross, now_ms, err);
    if (rc == PW_OK && strcmp(outcome, "refund") != 0)
        rc = worker_counter(db, t.worker_id, SQL_W_COMPLETED, now_ms);
    if (rc == PW_OK)
        rc = client_record(db, t.client_id, SQL_CLIENT_COMPLETED);
    if (rc == PW_OK && strcmp(outcome, "release") == 0 && dispute_opened_by(db, t.id) == t.client_id)
        rc = client_record(db, t.client_id, SQL_CLIENT_LOST);
    if (rc != PW_OK)
        return rc;
    int stored_share_pct = strcmp(outcome, "split") == 0 ? worker_share_pct : strcmp(outcome, "release") == 0 ? 100 : 0;
    pw_stmt *st = pw_db_stmt(db, "UPDATE disputes SET status = 'resolved', outcome = ?, worker_share_pct = ?, "
                                 "resolved_at = ? WHERE task_id = ? AND status = 'open'");
    pw_stmt_bind(st, PW_TEXT(outcome), PW_I64(stored_share_pct), PW_I64(now_ms), PW_I64(t.id));
    rc = pw_stmt_run(st);
    if (rc == PW_OK)
        rc = set_status(db, &t, to, t.worker_id, t.assignment_id, 0, 0, now_ms);
    if (rc == PW_OK)
        rc = pw_tasks_record_event(db, t.id, now_ms, pw_task_event_name(PW_EV_RESOLVE), pw_task_state_name(t.status),
                                   pw_task_state_name(to), admin_id, t.worker_id);
    if (rc == PW_OK) {
        pw_engine_touch(p->dispatch.engine, t.worker_id);
        pw_searching_touch(p->search, t.worker_id);
    }
    return rc;
}

/* ---- timers ------------------------------------------------------------------------------------- */

/* One due task: `event` as the platform, in a savepoint of its own (market/setaside.h): a
 * task whose row cannot be read or whose side effects fail is undone alone and set aside;
 * the rest of the tick goes on. effects() tells the index last, after every write. */
static int due_one(pw_db *db, const pw_market_policy *p, int64_t id, pw_task_event event, pw_tick_step step,
                   int64_t now_ms, int *count, int *failed)
{
    int rc = pw_setaside_begin(db);
    if (rc != PW_OK)
        return rc;
    pw_task_row t;
    pw_task_state to;
    pw_error err;
    int found = pw_tasks_load(db, id, &t), failure = found < 0 ? found : PW_OK;
    if (found == 1 && pw_task_transition_apply(t.status, event, PW_ACTOR_PLATFORM, &to) == 0) {
        failure = effects(db, p, &t, event, to, 0, NULL, now_ms, &err);
        *count += failure == PW_OK;
    }
    *failed += failure != PW_OK;
    return pw_setaside_end(db, p->dispatch.setaside, id, step, failure, failure == PW_EREFUSED ? &err : NULL, now_ms);
}

/* Runs `event` on every task the query returns (at most PW_TIMER_BATCH_MAX per tick, those
 * set aside read past so they do not take the places of others). A scan that fails is
 * logged and counted, and the tasks read before the failure are still handled. */
static int due(pw_db *db, const pw_market_policy *p, pw_tick_scan scan, const char *sql, pw_task_event event,
               pw_tick_step step, int64_t now_ms, int *count, int *failed)
{
    pw_setaside *aside = p->dispatch.setaside;
    int64_t ids[PW_TIMER_BATCH_MAX];
    int n = 0, rc = PW_ROW;
    pw_stmt *st = pw_db_stmt(db, sql);
    pw_stmt_int64(st, 1, now_ms);
    pw_stmt_int64(st, 2, PW_TIMER_BATCH_MAX + pw_setaside_count(aside));
    while (n < PW_TIMER_BATCH_MAX && (rc = pw_stmt_step(st)) == PW_ROW) {
        int64_t id = pw_stmt_column_int64(st, 0);
        if (!pw_setaside_waiting(aside, id, step, now_ms))
            ids[n++] = id;
    }
    pw_stmt_done(st);
    rc = rc == PW_ROW || rc == PW_DONE ? PW_OK : pw_setaside_scan_failed(db, aside, scan);
    for (int i = 0; i < n && rc == PW_OK; i++)
        rc = due_one(db, p, ids[i], event, step, now_ms, count, failed);
    return rc;
}

static const char SQL_ACKS_DUE[] = "SELECT id FROM tasks WHERE status = 'assigned' AND ack_deadline_at <= ? "
                                   "ORDER BY ack_deadline_at LIMIT ?";
static const char SQL_REVIEWS_DUE[] = "SELECT id FROM tasks WHERE status = 'submitted' AND review_deadline_at <= ? "
                                      "ORDER BY review_deadline_at LIMIT ?";
static const char SQL_DEADLINES_DUE[] = "SELECT id FROM tasks WHERE status = 'dispatching' AND deadline_at <= ? "
                                        "ORDER BY deadline_at LIMIT ?";

int pw_tasks_timers(pw_db *db, const pw_market_policy *p, int64_t now_ms, pw_tick_report *r)
{
    memset(r, 0, sizeof(*r));
    pw_setaside_sweep(p->dispatch.setaside, now_ms);
    int rc = due(db, p, PW_TICK_SCAN_ACKS_DUE, SQL_ACKS_DUE, PW_EV_ACK_TIMEOUT, PW_TICK_ACK_TIMEOUT, now_ms,
                 &r->acks_missed, &r->failed);
    if (rc == PW_OK)
        rc = due(db, p, PW_TICK_SCAN_REVIEWS_DUE, SQL_REVIEWS_DUE, PW_EV_AUTO_APPROVE, PW_TICK_AUTO_APPROVE, now_ms,
                 &r->auto_approved, &r->failed);
    if (rc == PW_OK)
        rc = due(db, p, PW_TICK_SCAN_DEADLINES_DUE, SQL_DEADLINES_DUE, PW_EV_EXPIRE, PW_TICK_EXPIRE, now_ms,
                 &r->expired, &r->failed);
    if (rc == PW_OK && pw_dispatching_sweep_silent(db, &p->dispatch, p->search, now_ms, &r->silenced) != PW_OK)
        rc = pw_setaside_scan_failed(db, p->dispatch.setaside, PW_TICK_SCAN_SILENT_WORKERS);
    return rc;
}

int pw_tasks_tick(pw_db *db, const pw_market_policy *p, int64_t now_ms, pw_tick_report *r)
{
    int rc = pw_tasks_timers(db, p, now_ms, r);
    if (rc != PW_OK) {
        pw_log_error("msg=\"market tick failed\" stage=timers error=\"%s\"", pw_db_errmsg(db));
        return rc;
    }
    if (!pw_engine_round_due(p->dispatch.engine, now_ms))
        return PW_OK;
    int failed = 0;
    rc = pw_dispatching_round(db, &p->dispatch, now_ms, &r->assigned, &failed);
    r->failed += failed;
    if (rc != PW_OK)
        pw_log_error("msg=\"market tick failed\" stage=dispatch_round error=\"%s\"", pw_db_errmsg(db));
    return rc;
}

/* ---- explanations ----------------------------------------------------------------------------------- */

/* An explanation as stored. One written before the privacy rule (no "distance_basis")
 * held exact distances, every candidate and their scores: only its count, policy and
 * the client's own standing and round weight are shown. */
static json_t *shown_explanation(const char *stored)
{
    json_t *why = json_loads(stored, 0, NULL);
    if (!json_is_object(why)) {
        json_decref(why);
        return json_object();
    }
    if (json_object_get(why, "distance_basis") != NULL)
        return why;
    json_t *out = json_object();
    static const char *const kept[] = {"candidates_considered", "policy", "client_standing", "round_weight"};
    for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
        if (json_object_get(why, kept[i]) != NULL)
            json_object_set(out, kept[i], json_object_get(why, kept[i]));
    json_object_set_new(out, "candidates", json_array());
    json_decref(why);
    return out;
}

json_t *pw_tasks_dispatch_json(pw_db *db, const pw_task_row *t, pw_task_view view)
{
    pw_assert(view == PW_VIEW_CLIENT || view == PW_VIEW_ADMIN); /* the route answers anyone else itself */
    (void)view;
    json_t *items = json_array();
    pw_stmt *st = pw_db_stmt(db, "SELECT worker_id, assigned_at, outcome, explanation "
                                 "FROM task_assignments WHERE task_id = ? ORDER BY id");
    pw_stmt_int64(st, 1, t->id);
    while (pw_stmt_step(st) == PW_ROW) {
        char at[PW_RFC3339_BYTES];
        pw_time_format_rfc3339(pw_stmt_column_int64(st, 1), at);
        json_t *item = json_pack("{s:o, s:s, s:s, s:o}", "worker_id", pw_json_id(pw_stmt_column_int64(st, 0)),
                                 "assigned_at", at, "outcome", pw_stmt_column_text(st, 2), "explanation",
                                 shown_explanation(pw_stmt_column_text(st, 3)));
        json_array_append_new(items, item);
    }
    pw_stmt_done(st);
    return json_pack("{s:s, s:o}", "status", pw_task_state_name(t->status), "assignments", items);
}
