/* dispatching.c — dispatch decides, market applies (see dispatching.h): a waiting task is
 * read and described for the engine, the engine decides (dispatch/decide.h), and each
 * decision is written as the task's assignment in a savepoint of its own; and the
 * heartbeat rule that takes silent workers out of dispatch. The worker index's loading is
 * in dispatching_index.c. */
#include "market/dispatching.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/limits.h"
#include "dispatch/decide.h"
#include "market/searching.h"
#include "market/tasks.h"

void pw_dispatching_defaults(pw_dispatching *d)
{
    pw_dispatch_policy_defaults(&d->policy);
    d->ack_window_s = 120;
    d->heartbeat_timeout_s = 15 * 60;
    d->engine = NULL;
    d->setaside = NULL;
}

/* ---- a task, described for the engine ------------------------------------------------------ */

static int load_ids(pw_db *db, const char *sql, int64_t a, int64_t *out, int max, int *count)
{
    pw_stmt *st = pw_db_stmt(db, sql);
    pw_stmt_int64(st, 1, a);
    *count = 0;
    int rc = PW_ROW;
    while (*count < max && (rc = pw_stmt_step(st)) == PW_ROW)
        out[(*count)++] = pw_stmt_column_int64(st, 0);
    pw_stmt_done(st);
    return rc == PW_ROW || rc == PW_DONE ? PW_OK : rc;
}

static const char SQL_TRIED[] = "SELECT worker_id FROM task_assignments WHERE task_id = ?";
static const char SQL_AVOID[] = "SELECT worker_id FROM bad_pairings WHERE client_id = ?";
static const char SQL_TRIED_ONE[] = "SELECT 1 FROM task_assignments WHERE task_id = ? AND worker_id = ?";
static const char SQL_STANDING[] =
    "SELECT completed, disputes_lost, late_cancels FROM client_records WHERE user_id = ?";

/* Standing: (done + 2) / (done + 2 + 2 x disputes the client opened and lost + cancels
 * after a worker was assigned). A new client is 1; a client who disputes good work or
 * withdraws tasks from workers who already committed sinks towards 0. */
static double client_standing(pw_db *db, int64_t client_id)
{
    pw_stmt *st = pw_db_stmt(db, SQL_STANDING);
    pw_stmt_int64(st, 1, client_id);
    double standing = 1.0;
    if (pw_stmt_step(st) == PW_ROW) {
        double done = (double)pw_stmt_column_int64(st, 0), lost = (double)pw_stmt_column_int64(st, 1),
               cancels = (double)pw_stmt_column_int64(st, 2);
        standing = (done + 2) / (done + 2 + 2 * lost + cancels);
    }
    pw_stmt_done(st);
    return standing;
}

/* The client's preferred worker, as long as they were never offered this task: one who
 * missed the acknowledgement or released it is not preferred again (the task dispatches as
 * any other). PW_OK with *out the id or 0. */
static int preferred_worker(pw_db *db, const pw_task_row *row, int64_t *out)
{
    *out = 0;
    if (row->preferred_worker_id == 0)
        return PW_OK;
    pw_stmt *st = pw_db_stmt(db, SQL_TRIED_ONE);
    pw_stmt_bind(st, PW_I64(row->id), PW_I64(row->preferred_worker_id));
    int rc = pw_stmt_step(st);
    pw_stmt_done(st);
    if (rc == PW_DONE)
        *out = row->preferred_worker_id;
    return rc == PW_ROW || rc == PW_DONE ? PW_OK : rc;
}

/* The engine's view of a task row: its tags interned through the index (a tag no worker
 * has is 0, which matches nobody), the workers already tried on it, the workers its
 * client's tasks went badly with, the client's standing, and the preferred worker not yet
 * tried. */
static int task_for_engine(pw_db *db, pw_engine *e, const pw_task_row *row, pw_engine_task *t)
{
    pw_assert(row->id > 0 && row->client_id > 0);
    pw_index *ix = pw_engine_index(e);
    memset(t, 0, sizeof(*t));
    t->id = row->id;
    t->client_id = row->client_id;
    t->urgent = row->urgent;
    t->created_ms = row->created_ms;
    t->deadline_ms = row->deadline_ms;
    t->has_location = row->location.present;
    t->lat_e6 = (int32_t)row->location.lat_e6;
    t->lon_e6 = (int32_t)row->location.lon_e6;
    t->category = pw_index_tag(ix, row->category);
    for (int i = 0; i < row->skills.count && i < PW_TAGS_MAX; i++)
        t->skills[t->skill_count++] = pw_index_tag(ix, row->skills.tag[i]);
    int rc = load_ids(db, SQL_TRIED, row->id, t->excluded, PW_DISPATCH_EXCLUDE_MAX, &t->excluded_count);
    if (rc == PW_OK)
        rc = load_ids(db, SQL_AVOID, row->client_id, t->avoid, PW_DISPATCH_EXCLUDE_MAX, &t->avoid_count);
    if (rc == PW_OK)
        rc = preferred_worker(db, row, &t->preferred_worker_id);
    t->client_standing = client_standing(db, row->client_id);
    return rc;
}

/* A waiting task read and described for the engine. 1 in *loaded_out if it can be
 * dispatched; one that cannot be read is set aside and counted in *failed_out. */
static int describe_task(pw_db *db, const pw_dispatching *d, int64_t id, pw_task_row *row, pw_engine_task *t,
                         int64_t now_ms, int *loaded_out, int *failed_out)
{
    *loaded_out = 0;
    int found = pw_tasks_load(db, id, row);
    if (found == 0)
        return PW_OK; /* gone: nothing to dispatch */
    pw_assert(found < 0 || row->id == id);
    int rc = found == 1 ? task_for_engine(db, d->engine, row, t) : found; /* its tried workers, its client */
    if (rc == PW_OK) {
        *loaded_out = 1;
        return PW_OK;
    }
    (*failed_out)++;
    return pw_setaside_fail(db, d->setaside, id, PW_TICK_DISPATCH_LOAD, rc, NULL, now_ms);
}

/* ---- one decision, applied in isolation ------------------------------------------------------- */

/* Writes the decision as the task's assignment (with its explanation) in a savepoint of
 * its own: a failure undoes this task's writes alone and sets it aside (market/setaside.h).
 * pw_tasks_assign tells the index last, after its every write succeeded, so a failed
 * assignment leaves the index as the database is: the worker stays free. 1 in
 * *assigned_out on success. */
static int apply_decision(pw_db *db, const pw_dispatching *d, const pw_task_row *row, const pw_engine_task *t,
                          const pw_dispatch_decision *decision, int64_t now_ms, int *assigned_out)
{
    *assigned_out = 0;
    pw_assert(decision->worker_id > 0 && t->id == row->id); /* a decision names a worker for this task */
    int rc = pw_setaside_begin(db);
    if (rc != PW_OK)
        return rc;
    json_t *why = pw_dispatch_explain(d->engine, t, decision);
    int failure = pw_tasks_assign(db, d, row, decision->worker_id, decision->score, why, now_ms);
    *assigned_out = failure == PW_OK;
    json_decref(why);
    return pw_setaside_end(db, d->setaside, row->id, PW_TICK_DISPATCH_ASSIGN, failure, NULL, now_ms);
}

/* ---- urgent: greedy ------------------------------------------------------------------------- */

int pw_dispatching_task(pw_db *db, const pw_dispatching *d, int64_t task_id, int64_t now_ms, int64_t *worker_out)
{
    *worker_out = 0;
    pw_assert(task_id > 0 && d->engine != NULL);
    if (pw_setaside_waiting(d->setaside, task_id, PW_TICK_DISPATCH_ASSIGN, now_ms))
        return PW_OK; /* its next try is in a round, after its back-off */
    int64_t started_ns = pw_monotonic_ns();
    pw_engine_stats *stats = pw_engine_get_stats(d->engine);
    pw_task_row row;
    pw_engine_task t;
    int loaded = 0, failed = 0;
    int rc = describe_task(db, d, task_id, &row, &t, now_ms, &loaded, &failed);
    if (rc != PW_OK || !loaded || row.status != PW_TASK_DISPATCHING)
        return rc;
    pw_dispatch_decision decision;
    pw_dispatch_pick(d->engine, &t, now_ms, &decision);
    if (decision.worker_id != 0) {
        int assigned = 0;
        rc = apply_decision(db, d, &row, &t, &decision, now_ms, &assigned);
        if (rc == PW_OK && assigned) {
            *worker_out = decision.worker_id;
            atomic_fetch_add(&stats->assigned_greedy, 1);
        }
    }
    pw_histogram_observe(&stats->greedy_seconds, (double)(pw_monotonic_ns() - started_ns) / 1e9);
    return rc;
}

/* ---- batch: optimal -------------------------------------------------------------------------- */

typedef struct round_state {
    int64_t *ids;      /* the waiting tasks read */
    pw_task_row *rows; /* those described, in the same order as tasks */
    pw_engine_task *tasks;
    pw_dispatch_decision *decisions;
} round_state;

static void round_free(round_state *r)
{
    free(r->ids);
    free(r->rows);
    free(r->tasks);
    free(r->decisions);
}

static int round_alloc(round_state *r, int n)
{
    size_t count = (size_t)(n > 0 ? n : 1);
    r->rows = malloc(count * sizeof(*r->rows));
    r->tasks = malloc(count * sizeof(*r->tasks));
    r->decisions = malloc(count * sizeof(*r->decisions));
    return r->rows && r->tasks && r->decisions ? PW_OK : PW_ENOMEM;
}

/* The waiting tasks, oldest first, but those set aside (read past, so they do not take
 * the places of others). A scan that fails is logged and counted, and the round goes on
 * with the tasks read before the failure. */
static int waiting_tasks(pw_db *db, const pw_dispatching *d, int64_t now_ms, int64_t **ids_out, int *n_out)
{
    int64_t *ids = malloc(sizeof(int64_t) * PW_DISPATCH_BATCH_MAX);
    if (ids == NULL)
        return PW_ENOMEM;
    int n = 0, rc = PW_ROW;
    pw_stmt *st = pw_db_stmt(db, "SELECT id FROM tasks WHERE status = 'dispatching' ORDER BY created_at, id LIMIT ?");
    pw_stmt_int64(st, 1, PW_DISPATCH_BATCH_MAX + pw_setaside_count(d->setaside));
    while (n < PW_DISPATCH_BATCH_MAX && (rc = pw_stmt_step(st)) == PW_ROW) {
        int64_t id = pw_stmt_column_int64(st, 0);
        if (!pw_setaside_waiting(d->setaside, id, PW_TICK_DISPATCH_ASSIGN, now_ms))
            ids[n++] = id;
    }
    pw_stmt_done(st);
    *ids_out = ids;
    *n_out = n;
    return rc == PW_ROW || rc == PW_DONE ? PW_OK : pw_setaside_scan_failed(db, d->setaside, PW_TICK_SCAN_WAITING);
}

/* Writes the round's decisions, each assignment on its own (apply_decision). */
static int apply_round(pw_db *db, const pw_dispatching *d, const round_state *r, int m, int64_t now_ms,
                       int *assigned_out, int *failed_out)
{
    int rc = PW_OK;
    for (int i = 0; i < m && rc == PW_OK; i++) {
        int assigned = 0;
        if (r->decisions[i].worker_id == 0)
            continue;
        /* read as waiting in this transaction, and no other decision of the round touches it */
        pw_assert(r->rows[i].status == PW_TASK_DISPATCHING && r->rows[i].id == r->tasks[i].id);
        rc = apply_decision(db, d, &r->rows[i], &r->tasks[i], &r->decisions[i], now_ms, &assigned);
        *assigned_out += assigned;
        *failed_out += rc == PW_OK && !assigned;
    }
    return rc;
}

int pw_dispatching_round(pw_db *db, const pw_dispatching *d, int64_t now_ms, int *assigned_out, int *failed_out)
{
    *assigned_out = 0;
    *failed_out = 0;
    int64_t started_ns = pw_monotonic_ns();
    round_state r = {0};
    int n = 0, rc = waiting_tasks(db, d, now_ms, &r.ids, &n);
    if (rc != PW_OK || n == 0) {
        round_free(&r);
        return rc;
    }
    if (round_alloc(&r, n) != PW_OK) {
        round_free(&r);
        return PW_ENOMEM;
    }
    int m = 0;
    for (int i = 0; i < n && rc == PW_OK; i++) {
        int loaded = 0;
        rc = describe_task(db, d, r.ids[i], &r.rows[m], &r.tasks[m], now_ms, &loaded, failed_out);
        m += loaded;
    }
    pw_assert(m <= n);
    if (rc == PW_OK)
        rc = pw_dispatch_solve_round(d->engine, r.tasks, m, now_ms, r.decisions);
    if (rc == PW_OK)
        rc = apply_round(db, d, &r, m, now_ms, assigned_out, failed_out);
    round_free(&r);
    pw_engine_stats *stats = pw_engine_get_stats(d->engine);
    atomic_fetch_add(&stats->assigned_batch, (uint64_t)*assigned_out);
    pw_histogram_observe(&stats->round_tasks, n);
    pw_histogram_observe(&stats->round_seconds, (double)(pw_monotonic_ns() - started_ns) / 1e9);
    return rc;
}

/* ---- heartbeats --------------------------------------------------------------------------------- */

/* An availability rule: an active worker not heard from within the heartbeat timeout is
 * made inactive, and leaves the index. */
int pw_dispatching_sweep_silent(pw_db *db, const pw_dispatching *d, pw_searching *search, int64_t now_ms,
                                int *count_out)
{
    *count_out = 0;
    pw_assert(d->heartbeat_timeout_s > 0);
    pw_stmt *st = pw_db_stmt(db, "UPDATE worker_profiles SET active = 0, active_since = NULL, updated_at = ?1 "
                                 "WHERE active = 1 AND last_seen_at < ?2 RETURNING user_id");
    pw_stmt_int64(st, 1, now_ms);
    pw_stmt_int64(st, 2, now_ms - (int64_t)d->heartbeat_timeout_s * 1000);
    int rc;
    while ((rc = pw_stmt_step(st)) == PW_ROW) {
        pw_engine_remove(d->engine, pw_stmt_column_int64(st, 0));
        pw_searching_touch(search, pw_stmt_column_int64(st, 0));
        (*count_out)++;
    }
    pw_stmt_done(st);
    return rc == PW_DONE ? PW_OK : rc;
}
