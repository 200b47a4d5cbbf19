/* lifecycle.c — every event after posting: the tick (timers and dispatch per policy), a
 * task's life (ack, work, submit or release, review, dispute resolution, withdrawal) and
 * a worker's shifts and come-backs, each through the real subsystem call.
 *
 * An event about a task carries the assignment it was scheduled for; if the task has
 * moved on since (re-assigned after a timeout, withdrawn), the event is dropped. An action
 * the state machine refuses anyway (a late ack: 409 ack_window_closed) is counted, and its
 * savepoint rolled back. */
#include <math.h>
#include <string.h>

#include "base/clock.h"
#include "base/geo.h"
#include "base/roles.h"
#include "sim/sim_internal.h"

#define SIM_RELEASE_SHARE       0.01 /* acknowledged tasks given back */
#define SIM_SILENT_CLIENT_SHARE 0.03 /* submitted work the client never reviews (auto-approved) */
#define SIM_DISPUTE_SHARE       0.02 /* reviews that dispute */
#define SIM_REVIEW_MEAN_S       (90.0 * 60)
#define SIM_RESOLVE_MEAN_S      (4.0 * 3600)
#define SIM_TRAVEL_KMH          25.0

static int64_t ms(double seconds) { return (int64_t)llround(seconds * 1000.0); }

/* Runs one task action as user in a savepoint; 0 done, 1 refused (counted), or the
 * failure's code (base/error.h). */
static int act(sim *s, int ti, int64_t user, int roles, pw_task_event ev, const char *note)
{
    pw_error err;
    int rc = sim_savepoint(s);
    if (rc != PW_OK)
        return rc;
    rc = pw_tasks_act(s->db, &s->policy, s->tasks[ti].id, user, roles, ev, note, s->now_ms, &err);
    int released = sim_release(s, rc == 0);
    if (released != PW_OK)
        return released;
    if (rc != PW_EREFUSED)
        return rc;
    if (strcmp(err.code, "ack_window_closed") == 0)
        s->report->late_acks++;
    else
        s->report->refused_actions++;
    return 1;
}

static int current(const sim *s, const sim_event *e) { return s->tasks[e->index].assignment_id == e->ref; }

/* ---- the task's life ---------------------------------------------------------------------- */

static int on_ack(sim *s, const sim_event *e)
{
    if (!current(s, e))
        return 0;
    sim_task *t = &s->tasks[e->index];
    const sim_worker *w = &s->workers[t->worker];
    int rc = act(s, e->index, w->user_id, PW_ROLE_WORKER, PW_EV_ACK, NULL);
    if (rc != 0)
        return rc < 0 ? rc : 0;
    double work_s = sim_lognormal(&s->behaviour, t->work_min * 60.0, 0.5);
    if (t->local)
        work_s += 2 * pw_distance_km(t->lat_e6, t->lon_e6, w->lat_e6, w->lon_e6) / SIM_TRAVEL_KMH * 3600;
    if (pw_rng_unit(&s->behaviour) < SIM_RELEASE_SHARE)
        return sim_queue_push(&s->queue, s->now_ms + ms(work_s * (0.1 + 0.4 * pw_rng_unit(&s->behaviour))), EV_RELEASE,
                              e->index, e->ref);
    return sim_queue_push(&s->queue, s->now_ms + ms(work_s), EV_SUBMIT, e->index, e->ref);
}

static int on_release(sim *s, const sim_event *e)
{
    if (!current(s, e))
        return 0;
    sim_task *t = &s->tasks[e->index];
    int rc = act(s, e->index, s->workers[t->worker].user_id, PW_ROLE_WORKER, PW_EV_RELEASE, NULL);
    if (rc == 0) {
        t->assignment_id = 0;
        t->worker = -1;
    }
    return rc < 0 ? rc : sim_scan_assignments(s); /* an urgent task is re-dispatched at once */
}

static int on_submit(sim *s, const sim_event *e)
{
    if (!current(s, e))
        return 0;
    sim_task *t = &s->tasks[e->index];
    int rc = act(s, e->index, s->workers[t->worker].user_id, PW_ROLE_WORKER, PW_EV_SUBMIT, "done");
    if (rc != 0 || pw_rng_unit(&s->behaviour) < SIM_SILENT_CLIENT_SHARE)
        return rc < 0 ? rc : 0;
    int64_t delay = 60000 + ms(sim_exponential(&s->behaviour, SIM_REVIEW_MEAN_S));
    return sim_queue_push(&s->queue, s->now_ms + delay, EV_REVIEW, e->index, e->ref);
}

static int on_review(sim *s, const sim_event *e)
{
    if (!current(s, e))
        return 0;
    int64_t client = s->clients[s->tasks[e->index].client].user_id;
    int rc;
    if (pw_rng_unit(&s->behaviour) >= SIM_DISPUTE_SHARE) {
        rc = act(s, e->index, client, PW_ROLE_CLIENT, PW_EV_APPROVE, NULL);
        return rc < 0 ? rc : 0;
    }
    rc = act(s, e->index, client, PW_ROLE_CLIENT, PW_EV_DISPUTE, "the work was not what we agreed");
    if (rc != 0)
        return rc < 0 ? rc : 0;
    s->report->disputes++;
    int64_t delay = 60000 + ms(sim_exponential(&s->behaviour, SIM_RESOLVE_MEAN_S));
    return sim_queue_push(&s->queue, s->now_ms + delay, EV_RESOLVE, e->index, e->ref);
}

static int on_resolve(sim *s, const sim_event *e)
{
    double x = pw_rng_unit(&s->behaviour);
    const char *outcome = x < 0.5 ? "release" : x < 0.8 ? "split" : "refund";
    pw_error err;
    int rc = sim_savepoint(s);
    if (rc != PW_OK)
        return rc;
    rc = pw_tasks_resolve(s->db, &s->policy, s->tasks[e->index].id, s->admin_id, outcome, 60, s->now_ms, &err);
    int released = sim_release(s, rc == 0);
    if (released != PW_OK)
        return released;
    if (rc != 0) /* a refusal, or a failure the savepoint undid: counted, the run goes on */
        s->report->refused_actions++;
    else
        s->report->resolutions++;
    return 0;
}

static int on_cancel(sim *s, const sim_event *e)
{
    sim_task *t = &s->tasks[e->index];
    pw_task_row row;
    int found = pw_tasks_load(s->db, t->id, &row);
    if (found != 1)
        return found < 0 ? found : PW_EINVAL; /* every task is the sim's own */
    if (row.status != PW_TASK_DISPATCHING && row.status != PW_TASK_ASSIGNED)
        return 0; /* the client only withdraws a task nobody is working on */
    int rc = act(s, e->index, s->clients[t->client].user_id, PW_ROLE_CLIENT, PW_EV_CANCEL, NULL);
    if (rc == 0) {
        t->assignment_id = 0;
        t->worker = -1;
    }
    return rc < 0 ? rc : 0;
}

/* ---- workers: shifts and come-backs ----------------------------------------------------- */

static int set_active(sim *s, int wi, int active)
{
    int64_t since;
    pw_error err;
    int rc = sim_savepoint(s);
    if (rc != PW_OK)
        return rc;
    rc = pw_worker_set_active(s->db, s->workers[wi].user_id, active, s->now_ms, &since, &err);
    int released = sim_release(s, rc == 0);
    if (rc == PW_OK)
        rc = released;
    if (rc != PW_OK)
        return rc;
    pw_engine_touch(s->engine, s->workers[wi].user_id);
    return PW_OK;
}

/* At the start (from_ms, a time of day): a shift that is on — yesterday's running past
 * midnight, or today's — is on now and its end is scheduled; the next start is scheduled.
 * Each start schedules its end and the next day's start. */
int sim_schedule_shifts(sim *s, int i, int64_t from_ms)
{
    sim_worker *w = &s->workers[i];
    int64_t day_min = 24 * 60, now_min = ((from_ms - SIM_EPOCH_MS) / 60000) % day_min;
    int64_t start = w->shift_start_min, end = start + w->shift_len_min, off_min = -1, on_min;
    if (now_min < end - day_min) { /* yesterday's shift, still on */
        off_min = end - day_min - now_min;
        on_min = start - now_min;
    } else if (now_min >= start && now_min < end) {
        off_min = end - now_min;
        on_min = start + day_min - now_min;
    } else {
        on_min = start > now_min ? start - now_min : start + day_min - now_min;
    }
    if (off_min > 0) {
        w->on_shift = 1;
        int rc = set_active(s, i, 1);
        if (rc == PW_OK)
            rc = sim_queue_push(&s->queue, from_ms + off_min * 60000, EV_SHIFT_OFF, i, 0);
        if (rc != PW_OK)
            return rc;
    }
    return sim_queue_push(&s->queue, from_ms + on_min * 60000, EV_SHIFT_ON, i, 0);
}

static int on_shift(sim *s, const sim_event *e, int on)
{
    sim_worker *w = &s->workers[e->index];
    w->on_shift = (uint8_t)on;
    s->report->shift_changes++;
    int rc = set_active(s, e->index, on);
    if (rc != PW_OK || !on)
        return rc;
    rc = sim_queue_push(&s->queue, s->now_ms + w->shift_len_min * 60000LL, EV_SHIFT_OFF, e->index, 0);
    if (rc != PW_OK)
        return rc;
    return sim_queue_push(&s->queue, s->now_ms + SIM_DAY_MS, EV_SHIFT_ON, e->index, 0);
}

static int on_comeback(sim *s, const sim_event *e)
{
    sim_worker *w = &s->workers[e->index];
    w->comeback_pending = 0;
    if (!w->on_shift)
        return 0; /* their next shift brings them back */
    s->report->comebacks++;
    return set_active(s, e->index, 1);
}

/* ---- the tick ------------------------------------------------------------------------------- */

/* greedy: the waiting tasks, oldest first, each on its own. */
static int greedy_pass(sim *s)
{
    static int64_t ids[PW_DISPATCH_BATCH_MAX];
    int n = 0;
    pw_stmt *st = pw_db_stmt(s->db,
                             "SELECT id FROM tasks WHERE status = 'dispatching' ORDER BY created_at, id LIMIT ?");
    pw_stmt_int64(st, 1, PW_DISPATCH_BATCH_MAX);
    while (n < PW_DISPATCH_BATCH_MAX && pw_stmt_step(st) == PW_ROW)
        ids[n++] = pw_stmt_column_int64(st, 0);
    pw_stmt_done(st);
    int rc = PW_OK;
    for (int i = 0; i < n && rc == PW_OK; i++) {
        int64_t worker;
        rc = pw_dispatching_task(s->db, &s->policy.dispatch, ids[i], s->now_ms, &worker);
    }
    return rc;
}

static int on_tick(sim *s)
{
    pw_tick_report r;
    int rc = sim_queue_push(&s->queue, s->now_ms + (int64_t)s->cfg->batch_window_s * 1000, EV_TICK, 0, 0);
    if (rc != PW_OK)
        return rc;
    /* The server's tick: the timers, then a dispatch pass — each waiting task on its own
     * (greedy) or all of them through the solver (batch). Like the server's, it runs
     * outside any savepoint (writer.h: a job of thousands of statements inside one costs
     * the square of its size); a failed tick ends the run, which is rolled back. */
    rc = pw_tasks_timers(s->db, &s->policy, s->now_ms, &r);
    if (rc == 0)
        rc = pw_dispatching_refresh(s->db, s->engine, s->now_ms);
    if (rc == 0 && s->cfg->policy == PW_SIM_GREEDY) {
        rc = greedy_pass(s);
    } else if (rc == 0) {
        int assigned, failed;
        int64_t started_ns = pw_monotonic_ns();
        rc = pw_dispatching_round(s->db, &s->policy.dispatch, s->now_ms, &assigned, &failed);
        double wall_ms = (double)(pw_monotonic_ns() - started_ns) / 1e6; /* stderr only: not in the report */
        if (rc == 0 && assigned > 0) {
            s->report->rounds++;
            s->report->rounds_wall_ms += wall_ms;
            if (wall_ms > s->report->round_max_wall_ms) {
                s->report->round_max_wall_ms = wall_ms;
                s->report->round_max_assigned = assigned;
            }
        }
    }
    return rc != PW_OK ? rc : sim_scan_assignments(s);
}

int sim_handle(sim *s, const sim_event *e)
{
    switch ((sim_event_kind)e->kind) {
    case EV_TICK: return on_tick(s);
    case EV_HOUR: {
        int rc = sim_queue_push(&s->queue, s->now_ms + SIM_HOUR_MS, EV_HOUR, 0, 0);
        return rc != PW_OK ? rc : sim_window_close(s);
    }
    case EV_POST: return sim_on_post(s, e);
    case EV_ACK: return on_ack(s, e);
    case EV_RELEASE: return on_release(s, e);
    case EV_SUBMIT: return on_submit(s, e);
    case EV_REVIEW: return on_review(s, e);
    case EV_RESOLVE: return on_resolve(s, e);
    case EV_CANCEL: return on_cancel(s, e);
    case EV_SHIFT_ON: return on_shift(s, e, 1);
    case EV_SHIFT_OFF: return on_shift(s, e, 0);
    case EV_COMEBACK: return on_comeback(s, e);
    }
    return PW_EINVAL; /* an event kind nobody queues: a bug */
}
