/* run.c — one simulation from start to report: open a fresh database with the real
 * schema, create the population through the real account, profile and availability
 * functions, build the dispatch engine from the database (pw_dispatching_load, as `serve`
 * does), then pop events in (time, sequence) order until the virtual clock passes the
 * end, and measure.
 *
 * Transactions: every event runs in its own SAVEPOINT (like a writer job: a failed step
 * leaves nothing behind) except the tick, which runs outside any, as the server's tick job
 * runs alone (store/writer.h); the transaction is committed after every tick, so a batch
 * window is one commit — the server's group commit at the sim's pace. After every event
 * the engine re-reads the workers it marked dirty (pw_dispatching_refresh), as the server does
 * after each committed batch; since a rolled-back savepoint also leaves its workers dirty,
 * the index always matches the database.
 *
 * The database is only ever a scratch file: synchronous=OFF (durability is irrelevant to a
 * simulation and fsync would dominate the run time) and a larger page cache. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/roles.h"
#include "market/accounts.h"
#include "sim/sim_internal.h"
#include "store/migrate.h"

#define SIM_PASSWORD_HASH "!simulated: no sign-in"    /* never matches any password */
#define SIM_CACHE_PRAGMA  "PRAGMA cache_size=-262144" /* 256 MiB of page cache */

void pw_sim_config_defaults(pw_sim_config *c)
{
    *c = (pw_sim_config){.seed = 1,
                         .workers = 1000,
                         .clients = 400,
                         .hours = 24,
                         .policy = PW_SIM_BATCH,
                         .batch_window_s = 30,
                         .ack_window_s = 120};
    pw_dispatch_policy d;
    pw_dispatch_policy_defaults(&d);
    c->weights = d.weights;
}

/* ---- lookups -------------------------------------------------------------------------------- */

int sim_worker_index(const sim *s, int64_t user_id)
{
    int64_t lo = 0, hi = s->cfg->workers - 1;
    while (lo <= hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (s->worker_ids_sorted[mid] == user_id)
            return s->worker_by_sorted[mid];
        if (s->worker_ids_sorted[mid] < user_id)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return SIM_NONE;
}

int sim_task_index(const sim *s, int64_t task_id)
{
    int64_t lo = 0, hi = s->task_count - 1;
    while (lo <= hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (s->tasks[mid].id == task_id)
            return (int)mid;
        if (s->tasks[mid].id < task_id)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return SIM_NONE;
}

int sim_savepoint(sim *s) { return pw_db_run(s->db, "SAVEPOINT sim_event"); }

int sim_release(sim *s, int ok)
{
    int rc = ok ? PW_OK : pw_db_run(s->db, "ROLLBACK TO sim_event");
    return rc != PW_OK ? rc : pw_db_run(s->db, "RELEASE sim_event");
}

/* ---- set-up --------------------------------------------------------------------------------- */

typedef struct id_pos {
    int64_t id;
    int32_t index;
} id_pos;

static int by_id(const void *a, const void *b)
{
    const id_pos *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

static int sort_worker_ids(sim *s)
{
    int n = s->cfg->workers;
    id_pos *tmp = malloc(sizeof(*tmp) * (size_t)n);
    s->worker_ids_sorted = malloc(sizeof(int64_t) * (size_t)n);
    s->worker_by_sorted = malloc(sizeof(int32_t) * (size_t)n);
    if (tmp == NULL || s->worker_ids_sorted == NULL || s->worker_by_sorted == NULL) {
        free(tmp);
        return PW_ENOMEM;
    }
    for (int i = 0; i < n; i++)
        tmp[i] = (id_pos){.id = s->workers[i].user_id, .index = i};
    qsort(tmp, (size_t)n, sizeof(*tmp), by_id);
    for (int i = 0; i < n; i++) {
        s->worker_ids_sorted[i] = tmp[i].id;
        s->worker_by_sorted[i] = tmp[i].index;
    }
    free(tmp);
    return 0;
}

static int make_user(sim *s, const char *kind, int i, int roles, int64_t *id_out)
{
    pw_new_user u = {.roles = roles};
    snprintf(u.email, sizeof(u.email), "%s%d@sim.peerwork", kind, i);
    snprintf(u.display_name, sizeof(u.display_name), "%s %d", kind, i);
    pw_user_row row;
    pw_error err;
    int rc = pw_accounts_insert_user(s->db, &u, SIM_PASSWORD_HASH, s->now_ms, &row, &err);
    if (rc != PW_OK)
        return rc;
    *id_out = row.id;
    return PW_OK;
}

static int make_worker(sim *s, int i, pw_worker_profile *p)
{
    sim_worker *w = &s->workers[i];
    int rc = make_user(s, "worker", i, PW_ROLE_WORKER, &w->user_id);
    if (rc != PW_OK)
        return rc;
    memset(p, 0, sizeof(*p));
    p->remote = w->remote;
    p->radius_km = w->radius_km;
    p->location = (pw_location){.present = 1, .lat_e6 = w->lat_e6, .lon_e6 = w->lon_e6};
    for (int c = 0; c < w->category_count; c++)
        snprintf(p->categories.tag[p->categories.count++], sizeof(p->categories.tag[0]), "%s",
                 sim_catalogue[w->category[c]].name);
    for (int k = 0; k < w->skill_count; k++)
        snprintf(p->skills.tag[p->skills.count++], sizeof(p->skills.tag[0]), "%s",
                 sim_catalogue[w->skill[k][0]].skills[w->skill[k][1]]);
    rc = pw_worker_profile_save(s->db, w->user_id, p, s->now_ms);
    if (rc != PW_OK)
        return rc;
    s->report->workers_remote += w->remote;
    s->report->workers_flaky += w->flaky;
    return sim_schedule_shifts(s, i, s->now_ms);
}

static int populate(sim *s)
{
    pw_rng people;
    pw_rng_seed(&people, s->cfg->seed ^ 0x5eed0001ull);
    sim_population_workers(&people, s->workers, s->cfg->workers);
    sim_population_clients(&people, s->clients, s->cfg->clients);
    pw_worker_profile *profile = malloc(sizeof(*profile));
    int rc = profile != NULL ? pw_db_exec(s->db, "BEGIN") : PW_ENOMEM;
    for (int i = 0; rc == 0 && i < s->cfg->workers; i++)
        rc = make_worker(s, i, profile);
    for (int i = 0; rc == 0 && i < s->cfg->clients; i++)
        rc = make_user(s, "client", i, PW_ROLE_CLIENT, &s->clients[i].user_id);
    if (rc == 0)
        rc = make_user(s, "admin", 0, PW_ROLE_ADMIN, &s->admin_id);
    free(profile);
    if (rc == 0)
        rc = pw_db_exec(s->db, "COMMIT");
    if (rc == 0)
        rc = sort_worker_ids(s);
    if (rc == 0) /* the workers on shift at the start were activated by sim_schedule_shifts */
        rc = pw_dispatching_load(s->db, s->engine, s->now_ms);
    return rc;
}

static int open_db(sim *s, const char *path)
{
    int rc = pw_db_open(path, 0, &s->db);
    if (rc == PW_OK)
        rc = pw_db_exec(s->db, "PRAGMA synchronous=OFF");
    if (rc == PW_OK)
        rc = pw_db_exec(s->db, SIM_CACHE_PRAGMA);
    if (rc == PW_OK)
        rc = pw_migrate(s->db, NULL);
    return rc;
}

static int make_policy(sim *s)
{
    pw_market_policy *p = &s->policy;
    memset(p, 0, sizeof(*p));
    pw_dispatching_defaults(&p->dispatch);
    p->dispatch.ack_window_s = s->cfg->ack_window_s;
    p->dispatch.policy.weights = s->cfg->weights;
    /* Presence is modelled by shifts (explicit set_active), not heartbeats: nobody is
     * silenced by the heartbeat sweep during the run. */
    p->dispatch.heartbeat_timeout_s = s->cfg->hours * 3600 + 86400;
    p->review_window_s = 3 * 24 * 3600;
    p->fee_bps = 1000;
    p->pool_share_bps = 2000;
    p->dispatch.policy.batch_window_ms = s->cfg->batch_window_s * 1000;
    int rc = pw_engine_new(&p->dispatch.policy, &s->engine);
    if (rc != PW_OK)
        return rc;
    p->dispatch.engine = s->engine;
    return PW_OK;
}

static int alloc_state(sim *s)
{
    s->workers = calloc((size_t)s->cfg->workers, sizeof(*s->workers));
    s->clients = calloc((size_t)(s->cfg->clients > 0 ? s->cfg->clients : 1), sizeof(*s->clients));
    s->cands = malloc(sizeof(*s->cands) * PW_DISPATCH_TOP_K);
    return s->workers && s->clients && s->cands ? PW_OK : PW_ENOMEM;
}

static void free_state(sim *s)
{
    if (s->db != NULL)
        pw_db_close(s->db);
    pw_engine_free(s->engine);
    free(s->workers);
    free(s->worker_ids_sorted);
    free(s->worker_by_sorted);
    free(s->clients);
    free(s->tasks);
    free(s->cands);
    free(s->window.edges);
    sim_queue_free(&s->queue);
}

/* ---- the loop --------------------------------------------------------------------------------- */

static int first_events(sim *s)
{
    int rc = sim_queue_push(&s->queue, s->now_ms, EV_POST, -1, 0);
    if (rc == 0)
        rc = sim_queue_push(&s->queue, s->now_ms + (int64_t)s->cfg->batch_window_s * 1000, EV_TICK, 0, 0);
    if (rc == 0)
        rc = sim_queue_push(&s->queue, s->now_ms + SIM_HOUR_MS, EV_HOUR, 0, 0);
    s->window = (sim_window){.start_ms = s->now_ms};
    return rc;
}

static int loop(sim *s)
{
    sim_event e;
    int rc = pw_db_exec(s->db, "BEGIN");
    while (rc == 0 && sim_queue_pop(&s->queue, &e) && e.at_ms <= s->end_ms) {
        s->now_ms = e.at_ms;
        rc = sim_handle(s, &e);
        if (rc == 0)
            rc = pw_dispatching_refresh(s->db, s->engine, s->now_ms);
        if (rc == 0 && e.kind == EV_TICK)
            rc = pw_db_run(s->db, "COMMIT");
        if (rc == 0 && e.kind == EV_TICK)
            rc = pw_db_run(s->db, "BEGIN");
        if (++s->report->events % SIM_PROGRESS_EVERY == 0 && s->cfg->progress != NULL)
            s->cfg->progress(s->cfg->progress_ctx, s->now_ms - s->start_ms, s->end_ms - s->start_ms);
    }
    s->now_ms = s->end_ms;
    if (rc == 0)
        rc = sim_window_close(s);
    int ended = pw_db_exec(s->db, rc == 0 ? "COMMIT" : "ROLLBACK");
    return rc != PW_OK ? rc : ended;
}

static int run(sim *s, const char *path)
{
    int rc = alloc_state(s);
    if (rc == PW_OK)
        rc = make_policy(s);
    if (rc == PW_OK)
        rc = open_db(s, path);
    if (rc != PW_OK) {
        fprintf(stderr, "peerwork simulate: cannot set up the database %s\n", path);
        return rc;
    }
    rc = populate(s);
    if (rc == PW_OK)
        rc = first_events(s);
    if (rc != PW_OK) {
        fprintf(stderr, "peerwork simulate: cannot create the population\n");
        return rc;
    }
    rc = loop(s);
    if (rc != PW_OK) {
        fprintf(stderr, "peerwork simulate: the run failed at virtual second %lld: %s\n",
                (long long)((s->now_ms - s->start_ms) / 1000), pw_db_errmsg(s->db));
        return rc;
    }
    return sim_measure(s);
}

int pw_sim_run(const pw_sim_config *c, pw_sim_report *out)
{
    char path[PW_SIM_PATH_MAX_BYTES];
    memset(out, 0, sizeof(*out));
    if (c->db_path != NULL) {
        snprintf(path, sizeof(path), "%s", c->db_path);
        if (access(path, F_OK) == 0) {
            fprintf(stderr, "peerwork simulate: %s exists; the simulation needs a new database\n", path);
            return PW_EREFUSED;
        }
    } else {
        snprintf(path, sizeof(path), ":memory:"); /* nothing to keep: the whole run in memory */
    }
    pw_rand_seed(c->seed); /* user, task and transfer ids */
    int64_t start_ms = SIM_EPOCH_MS + SIM_START_HOUR * SIM_HOUR_MS;
    sim s = {
        .cfg = c, .report = out, .start_ms = start_ms, .now_ms = start_ms, .end_ms = start_ms + c->hours * SIM_HOUR_MS};
    pw_rng_seed(&s.arrivals, c->seed ^ 0xa77112a1ull);
    pw_rng_seed(&s.draws, c->seed ^ 0x7a5c0002ull);
    pw_rng_seed(&s.behaviour, c->seed ^ 0xbe4a0003ull);
    int rc = run(&s, path);
    out->virtual_ms = s.end_ms - s.start_ms;
    free_state(&s);
    return rc;
}
