/* acts.c — the clients' postings and the workers' reactions to assignments.
 *
 * Postings arrive as a Poisson process (thinned for the hour of the day) from the arrivals
 * stream alone, so both policies see the same tasks at the same times. A posting goes
 * through pw_tasks_create, after a first deposit (pw_ledger_deposit) and a top-up when
 * the escrow hold is refused for funds; under greedy it is then dispatched at once with
 * pw_dispatching_task (urgent ones are, under both policies, by pw_tasks_create itself).
 * Just before, its posting-time candidates are recorded for the offline optimum.
 *
 * New assignments, however they were made, are read back from task_assignments in id
 * order after every event that can make one; that is where the worker's reaction is
 * drawn: acknowledge after a lognormal delay around their median, or not — then the
 * tick's ack timeout re-dispatches the task and makes them inactive, and they turn
 * active again some time later (a come-back). */
#include <math.h>
#include <string.h>

#include "base/geo.h"
#include "sim/sim_internal.h"

#define SIM_POSTS_PER_CLIENT_DAY 1.5   /* mean tasks a client posts per day */
#define SIM_DEPOSIT_MINOR        50000 /* 500 EUR per deposit */
#define SIM_COMEBACK_MEAN_MS     (30LL * 60 * 1000)

static int64_t ms(double seconds) { return (int64_t)llround(seconds * 1000.0); }

/* ---- arrivals ----------------------------------------------------------------------------------- */

/* The next posting by thinning a Poisson process at the peak rate; the client is uniform.
 * Only the arrivals stream is used, so arrivals are the same under both policies. */
static int schedule_post(sim *s)
{
    if (s->cfg->clients == 0)
        return 0;
    double peak_per_s = s->cfg->clients * SIM_POSTS_PER_CLIENT_DAY / 86400.0 * sim_rate_max();
    int64_t t = s->now_ms;
    for (;;) {
        t += ms(sim_exponential(&s->arrivals, 1.0 / peak_per_s)) + 1;
        int hour = (int)(((t - SIM_EPOCH_MS) / SIM_HOUR_MS) % 24);
        if (pw_rng_unit(&s->arrivals) * sim_rate_max() < sim_rate_of_hour(hour))
            break;
    }
    int32_t client = (int32_t)pw_rng_below(&s->arrivals, (uint64_t)s->cfg->clients);
    return sim_queue_push(&s->queue, t, EV_POST, client, 0);
}

static int deposit(sim *s, sim_client *c, int64_t minor)
{
    pw_amount a = {.amount = minor > SIM_DEPOSIT_MINOR ? minor : SIM_DEPOSIT_MINOR, .asset = "EUR"};
    int64_t transfer;
    pw_error err;
    s->report->deposits++;
    c->deposited = 1;
    return pw_ledger_deposit(s->db, &pw_payment_sandbox, c->user_id, &a, s->now_ms, &transfer, &err);
}

static int create(sim *s, sim_client *c, const sim_task_draw *d, int64_t *id)
{
    pw_error err;
    int rc = c->deposited ? PW_OK : deposit(s, c, 0);
    if (rc == PW_OK)
        rc = pw_tasks_create(s->db, &s->policy, c->user_id, &d->task, s->now_ms, id, &err);
    if (rc != PW_EREFUSED || strcmp(err.code, "insufficient_funds") != 0)
        return rc;
    s->report->insufficient_funds++;
    rc = deposit(s, c, d->task.comp.amount.amount);
    if (rc != PW_OK)
        return rc;
    return pw_tasks_create(s->db, &s->policy, c->user_id, &d->task, s->now_ms, id, &err);
}

static int append_task(sim *s, int64_t id, int client, const sim_task_draw *d)
{
    void *tasks = s->tasks;
    int rc = sim_grow(&tasks, &s->task_capacity, s->task_count, 4096, sizeof(*s->tasks));
    if (rc != PW_OK)
        return rc;
    s->tasks = tasks;
    s->tasks[s->task_count++] = (sim_task){.id = id,
                                           .posted_ms = s->now_ms,
                                           .client = client,
                                           .worker = -1,
                                           .local = (uint8_t)d->local,
                                           .lat_e6 = (int32_t)d->task.location.lat_e6,
                                           .lon_e6 = (int32_t)d->task.location.lon_e6,
                                           .category = (uint8_t)d->category,
                                           .urgent = (uint8_t)d->task.urgent,
                                           .work_min = (uint16_t)d->work_min};
    return 0;
}

int sim_on_post(sim *s, const sim_event *e)
{
    int rc = schedule_post(s);
    if (rc != PW_OK || e->index < 0)
        return rc; /* index -1: the first event only starts the process */
    sim_client *c = &s->clients[e->index];
    sim_task_draw d;
    sim_population_task(&s->draws, c, s->now_ms, &d);
    int candidates = sim_window_candidates(s, &d.task, c->user_id);
    int64_t id = 0, worker = 0;
    rc = sim_savepoint(s);
    if (rc != PW_OK)
        return rc;
    rc = create(s, c, &d, &id);
    if (rc == 0 && s->cfg->policy == PW_SIM_GREEDY && !d.task.urgent)
        rc = pw_dispatching_task(s->db, &s->policy.dispatch, id, s->now_ms, &worker);
    int released = sim_release(s, rc == 0);
    if (rc == PW_OK)
        rc = released;
    if (rc != PW_OK)
        return rc;
    c->posted = 1;
    int index = (int)s->task_count;
    rc = append_task(s, id, e->index, &d);
    if (rc == PW_OK)
        rc = sim_window_add(s, index, candidates);
    if (rc == PW_OK && d.cancel)
        rc = sim_queue_push(&s->queue, s->now_ms + d.cancel_after_ms, EV_CANCEL, index, 0);
    return rc != PW_OK ? rc : sim_scan_assignments(s);
}

/* ---- assignments and the worker's reaction ------------------------------------------------- */

static int react(sim *s, int ti, int wi, int64_t assignment_id, int64_t assigned_ms, int64_t ack_deadline_ms)
{
    sim_worker *w = &s->workers[wi];
    int acks = pw_rng_unit(&s->behaviour) < w->ack_probability;
    int64_t delay = ms(sim_lognormal(&s->behaviour, w->reaction_median_s, 0.7));
    int rc = acks ? sim_queue_push(&s->queue, assigned_ms + delay, EV_ACK, ti, assignment_id) : PW_OK;
    if (rc != PW_OK)
        return rc;
    if ((!acks || assigned_ms + delay > ack_deadline_ms) && !w->comeback_pending) {
        /* the tick will make them inactive; the person turns active again later */
        int64_t back = ack_deadline_ms + (int64_t)s->cfg->batch_window_s * 1000 + 60000 +
                       ms(sim_exponential(&s->behaviour, SIM_COMEBACK_MEAN_MS / 1000.0));
        w->comeback_pending = 1;
        return sim_queue_push(&s->queue, back, EV_COMEBACK, wi, 0);
    }
    return 0;
}

static int note_assignment(sim *s, int64_t id, int64_t task_id, int64_t worker_id, int64_t at, int64_t deadline,
                           double score)
{
    int ti = sim_task_index(s, task_id), wi = sim_worker_index(s, worker_id);
    if (ti < 0 || wi < 0)
        return PW_EINVAL; /* every task and worker is the sim's own: a bug */
    sim_task *t = &s->tasks[ti];
    t->assignment_id = id;
    t->worker = wi;
    if (t->first_assigned_ms == 0) {
        t->first_assigned_ms = at;
        t->first_score = score;
        if (t->local)
            t->first_distance_km = pw_distance_km(t->lat_e6, t->lon_e6, s->workers[wi].lat_e6, s->workers[wi].lon_e6);
    }
    return react(s, ti, wi, id, at, deadline);
}

int sim_scan_assignments(sim *s)
{
    /* the score is REAL and db.h reads integers: fetch it in units of 1e-12 */
    pw_stmt *st = pw_db_stmt(s->db,
                             "SELECT id, task_id, worker_id, assigned_at, ack_deadline_at, "
                             "CAST(round(score * 1e12) AS INTEGER) FROM task_assignments WHERE id > ? ORDER BY id");
    pw_stmt_int64(st, 1, s->last_assignment_id);
    int rc, failed = PW_OK;
    while ((rc = pw_stmt_step(st)) == PW_ROW && failed == PW_OK) {
        s->last_assignment_id = pw_stmt_column_int64(st, 0);
        failed = note_assignment(s, s->last_assignment_id, pw_stmt_column_int64(st, 1), pw_stmt_column_int64(st, 2),
                                 pw_stmt_column_int64(st, 3), pw_stmt_column_int64(st, 4),
                                 (double)pw_stmt_column_int64(st, 5) / 1e12);
    }
    pw_stmt_done(st);
    return failed != PW_OK ? failed : rc == PW_DONE || rc == PW_ROW ? PW_OK : rc;
}
