/* dispatch.c — scoring (pure), and the two assignment paths over the engine: urgent
 * tasks greedily while they are posted, the rest in batch rounds matched by the solver.
 * Each assignment is written through pw_tasks_assign with its explanation. */
#include "dispatch/dispatch.h"

#include <math.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/config.h"
#include "base/geo.h"
#include "base/limits.h"
#include "dispatch/engine.h"
#include "market/setaside.h"
#include "market/tasks.h"
#include "market/workers.h"

int pw_dispatch_default_threads(void) { return pw_online_cores(PW_DISPATCH_SEARCH_THREADS_MAX); }

void pw_dispatch_policy_defaults(pw_dispatch_policy *p)
{
    p->ack_window_s = 120;
    p->remote_cap = 3;
    p->heartbeat_timeout_s = 15 * 60;
    p->batch_window_ms = 2000;
    p->search_threads = pw_dispatch_default_threads();
    p->weights = (pw_dispatch_weights){.fit = 0.35, .distance = 0.20, .reputation = 0.15, .reliability = 0.10,
                                       .fairness = 0.2, .bad_pairing = 0.5, .earned_half = 5000};
    p->engine = NULL;
    p->setaside = NULL;
}

/* ---- weights from configuration ---------------------------------------------------------- */

/* The keys of --dispatch-weights, their fields and their allowed ranges. */
static const struct weight_key {
    const char *name;
    size_t offset;
    double min, max;
} weight_keys[] = {
    {"fit", offsetof(pw_dispatch_weights, fit), 0, 10},
    {"distance", offsetof(pw_dispatch_weights, distance), 0, 10},
    {"reputation", offsetof(pw_dispatch_weights, reputation), 0, 10},
    {"reliability", offsetof(pw_dispatch_weights, reliability), 0, 10},
    {"fairness", offsetof(pw_dispatch_weights, fairness), 0, 10},
    {"bad_pairing", offsetof(pw_dispatch_weights, bad_pairing), 0, 1},
    {"earned_half", offsetof(pw_dispatch_weights, earned_half), 1, 1e12},
};

int pw_dispatch_weights_parse(const char *spec, pw_dispatch_weights *w, char *err, size_t err_len)
{
    pw_dispatch_weights out = *w;
    size_t len = strlen(spec);
    if (len > PW_DISPATCH_WEIGHTS_MAX_CHARS) {
        snprintf(err, err_len, "at most %d characters", PW_DISPATCH_WEIGHTS_MAX_CHARS);
        return -1;
    }
    const char *at = spec;
    while (*at != '\0') {
        const char *end = strchr(at, ',');
        size_t item = end != NULL ? (size_t)(end - at) : strlen(at);
        const char *eq = memchr(at, '=', item);
        const struct weight_key *key = NULL;
        for (size_t i = 0; eq != NULL && i < sizeof(weight_keys) / sizeof(weight_keys[0]); i++)
            if (strlen(weight_keys[i].name) == (size_t)(eq - at) && memcmp(weight_keys[i].name, at, (size_t)(eq - at)) == 0)
                key = &weight_keys[i];
        if (key == NULL) {
            snprintf(err, err_len, "'%.*s' is not KEY=VALUE with KEY one of fit, distance, reputation, reliability, "
                     "fairness, bad_pairing, earned_half", (int)(item > 40 ? 40 : item), at);
            return -1;
        }
        char number[PW_DISPATCH_WEIGHT_NUMBER_MAX_CHARS + 1];
        size_t n = item - (size_t)(eq + 1 - at);
        char *stop = NULL;
        double v = 0;
        if (n > 0 && n < sizeof(number)) {
            memcpy(number, eq + 1, n);
            number[n] = '\0';
            v = strtod(number, &stop);
        }
        if (n == 0 || n >= sizeof(number) || *stop != '\0' || !isfinite(v) || v < key->min || v > key->max) {
            snprintf(err, err_len, "%s must be a number from %g to %g", key->name, key->min, key->max);
            return -1;
        }
        *(double *)((char *)&out + key->offset) = v;
        at = end != NULL ? end + 1 : at + item;
    }
    if (out.fit + out.distance + out.reputation + out.reliability + out.fairness <= 0) {
        snprintf(err, err_len, "at least one of fit, distance, reputation, reliability, fairness must be above 0");
        return -1;
    }
    *w = out;
    return 0;
}

/* ---- scoring (pure) --------------------------------------------------------------------- */

double pw_dispatch_score(const pw_dispatch_weights *w, const pw_candidate *c, pw_score_parts *p)
{
    if (c->skills_wanted == 0)
        p->fit = c->category_match ? 1.0 : 0.5;
    else
        p->fit = 0.4 * c->category_match + 0.6 * (double)c->skills_matched / (double)c->skills_wanted;
    if (c->remote_task)
        p->distance = 1.0;
    else
        p->distance = c->radius_km > 0 ? fmax(0.0, 1.0 - c->distance_km / (double)c->radius_km) : 0.0;
    p->reputation = c->rating < 0 ? 0.6 : (c->rating - 1.0) / 4.0;
    /* Smoothed rates: a newcomer starts near good and a record moves them. */
    double ack_rate = (double)(c->acked + 3) / (double)(c->acked + c->missed_acks + 3);
    double completion = (double)(c->completed + 2) / (double)(c->acked + 2);
    double on_time = (double)(c->on_time + 1) / (double)(c->completed + 1);
    completion = fmin(1.0, completion * (double)(c->acked + 2) / (double)(c->acked + c->releases + 2));
    p->reliability = 0.5 * ack_rate + 0.3 * completion + 0.2 * on_time;
    /* Earnings in the last day count most (money taken; earned_half of it halves that
     * part), then idle time, then the number of tasks taken: among equally good workers the
     * one who has earned least lately comes first, and credits or goods tasks still count. */
    double earned = w->earned_half > 0 ? (double)(c->earned_recent > 0 ? c->earned_recent : 0) / w->earned_half : 0.0;
    p->fairness = 0.6 / (1.0 + earned) + 0.3 * (1.0 - exp(-fmax(0.0, c->idle_s) / 3600.0)) +
                  0.1 / (1.0 + c->assigned_recently);
    p->pairing = c->bad_pairing ? w->bad_pairing : 1.0;
    p->total = (w->fit * p->fit + w->distance * p->distance + w->reputation * p->reputation +
                w->reliability * p->reliability + w->fairness * p->fairness) * p->pairing;
    return p->total;
}

/* ---- what is shown ------------------------------------------------------------------------ */

static double round2(double v) { return round(v * 100) / 100; }

void pw_dispatch_shown_parts(const pw_dispatch_weights *w, const pw_candidate *c, const pw_score_parts *exact,
                             double shown_km, pw_score_parts *shown)
{
    double distance = 1.0;
    if (!c->remote_task)
        distance = c->radius_km > 0 ? fmax(0.0, 1.0 - shown_km / (double)c->radius_km) : 0.0;
    /* Only the distance part looks at where the worker is; the rest are rounded so that a
     * shown total never carries more digits than the parts it is the sum of. */
    *shown = (pw_score_parts){.fit = round2(exact->fit), .distance = round2(distance),
                              .reputation = round2(exact->reputation), .reliability = round2(exact->reliability),
                              .fairness = round2(exact->fairness), .pairing = round2(exact->pairing)};
    shown->total = (w->fit * shown->fit + w->distance * shown->distance + w->reputation * shown->reputation +
                    w->reliability * shown->reliability + w->fairness * shown->fairness) * shown->pairing;
}

json_t *pw_dispatch_shown_json(const pw_dispatch_weights *w, const pw_candidate *c, const pw_score_parts *exact,
                               int64_t task_lat_e6, int64_t task_lon_e6)
{
    double km = c->remote_task ? 0 : pw_geo_shown_distance_km(task_lat_e6, task_lon_e6, c->base_lat_e6, c->base_lon_e6);
    pw_score_parts p;
    pw_dispatch_shown_parts(w, c, exact, km, &p);
    char id[24];
    snprintf(id, sizeof(id), "%lld", (long long)c->worker_id);
    json_t *o = json_pack("{s:s, s:f, s:{s:f, s:f, s:f, s:f, s:f, s:f}}", "worker_id", id, "score", p.total,
                          "parts", "fit", p.fit, "distance", p.distance, "reputation", p.reputation,
                          "reliability", p.reliability, "fairness", p.fairness, "pairing", p.pairing);
    if (!c->remote_task)
        json_object_set_new(o, "distance_km", json_real(km));
    return o;
}

/* ---- explanations ------------------------------------------------------------------------- */

/* What the client (and an admin) may read about why the chosen worker got the task: the
 * count of candidates, the chosen one's shown parts, the policy and a reason without
 * numbers. Other candidates are neither named nor scored: their ids, scores or parts
 * would tell a client who else is near a point of its choosing, and how near. */
static json_t *explain(const pw_dispatch_weights *weights, const pw_engine_task *t, const pw_engine_candidate *cands,
                       int chosen, int considered, const char *policy)
{
    json_t *list = json_array();
    json_array_append_new(list, pw_dispatch_shown_json(weights, &cands[chosen].c, &cands[chosen].parts, t->lat_e6,
                                                       t->lon_e6));
    char why[160];
    if (strcmp(policy, "batch") == 0)
        snprintf(why, sizeof(why), "the round's optimal assignment of the waiting tasks to the available workers "
                 "(%d fit this task)", considered);
    else if (considered <= 1)
        snprintf(why, sizeof(why), "the only available worker who fits");
    else
        snprintf(why, sizeof(why), "the highest score of %d available workers who fit", considered);
    return json_pack("{s:i, s:o, s:s, s:s, s:f, s:s}", "candidates_considered", considered, "candidates", list,
                     "policy", policy, "why", why, "client_standing", t->client_standing, "distance_basis",
                     "public_area");
}

/* The round's weight of the task, shown with a batch explanation. */
static void explain_weight(json_t *why, const pw_engine_task *t, int64_t now_ms)
{
    json_object_set_new(why, "round_weight", json_real(pw_engine_task_weight(t, now_ms)));
}

/* ---- one task's assignment, isolated ------------------------------------------------------- */

/* Writes t's assignment to cand in a savepoint of its own: a failure undoes this task's
 * writes alone and sets it aside (market/setaside.h). pw_tasks_assign tells the index last,
 * after its every write succeeded, so a failed assignment leaves the index as the database
 * is: the worker stays free. 1 in *assigned_out on success. */
static int assign_isolated(pw_db *db, const pw_dispatch_policy *p, const pw_task_row *t,
                           const pw_engine_candidate *cand, json_t *why, int64_t now_ms, int *assigned_out)
{
    *assigned_out = 0;
    int rc = pw_setaside_begin(db);
    if (rc != PW_OK)
        return rc;
    pw_error err;
    const pw_error *failure = NULL;
    if (pw_tasks_assign(db, p, t, cand->c.worker_id, cand->parts.total, why, now_ms) == PW_OK) {
        *assigned_out = 1;
    } else {
        pw_error_set(&err, 503, "unavailable", NULL, "could not write the assignment");
        failure = &err;
    }
    return pw_setaside_end(db, p->setaside, t->id, PW_TICK_DISPATCH_ASSIGN, failure, now_ms);
}

/* A waiting task read and described for the search (its row, its tried workers, its
 * client's record). 1 in *loaded_out if it can be dispatched; one that cannot be read is
 * set aside and counted in *failed_out. */
static int describe_task(pw_db *db, const pw_dispatch_policy *p, int64_t id, pw_task_row *row, pw_engine_task *t,
                         int64_t now_ms, int *loaded_out, int *failed_out)
{
    *loaded_out = 0;
    int found = pw_tasks_load(db, id, row);
    if (found == 0)
        return PW_OK;                                /* gone: nothing to dispatch */
    if (found == 1 && pw_engine_task_from_row(p->engine, db, row, t) == PW_OK) {
        *loaded_out = 1;
        return PW_OK;
    }
    pw_error err;
    pw_error_set(&err, 503, "unavailable", NULL, found < 0 ? "could not read the task" : "could not read its tried "
                 "workers or its client's record");
    (*failed_out)++;
    return pw_setaside_fail(db, p->setaside, id, PW_TICK_DISPATCH_LOAD, &err, now_ms);
}

/* ---- urgent: greedy ------------------------------------------------------------------------- */

int pw_dispatch_task(pw_db *db, const pw_dispatch_policy *p, int64_t task_id, int64_t now_ms, int64_t *worker_out)
{
    *worker_out = 0;
    if (pw_setaside_waiting(p->setaside, task_id, PW_TICK_DISPATCH_ASSIGN, now_ms))
        return PW_OK;                                /* its next try is in a round, after its back-off */
    int64_t started_ns = pw_monotonic_ns();
    pw_engine_stats *stats = pw_engine_get_stats(p->engine);
    pw_task_row row;
    pw_engine_task t;
    int loaded = 0, failed = 0;
    int rc = describe_task(db, p, task_id, &row, &t, now_ms, &loaded, &failed);
    if (rc != PW_OK || !loaded || row.status != PW_TASK_DISPATCHING)
        return rc;
    pw_engine_candidate cands[PW_DISPATCH_TOP_K];
    int considered = 0;
    int n = pw_engine_candidates(p->engine, &t, now_ms, PW_DISPATCH_TOP_K, cands, &considered);
    if (n > 0) {
        json_t *why = explain(&p->weights, &t, cands, 0, considered, "greedy");
        int assigned = 0;
        rc = assign_isolated(db, p, &row, &cands[0], why, now_ms, &assigned);
        json_decref(why);
        if (rc == PW_OK && assigned) {
            *worker_out = cands[0].c.worker_id;
            atomic_fetch_add(&stats->assigned_greedy, 1);
        }
    }
    pw_histogram_observe(&stats->greedy_seconds, (double)(pw_monotonic_ns() - started_ns) / 1e9);
    return rc;
}

/* ---- batch: optimal -------------------------------------------------------------------------- */

typedef struct round_state {
    pw_task_row *rows;
    pw_engine_task *tasks;
    pw_engine_candidate *cands;
    int *counts, *choice;
} round_state;

static void round_free(round_state *r)
{
    free(r->rows);
    free(r->tasks);
    free(r->cands);
    free(r->counts);
    free(r->choice);
}

static int round_alloc(round_state *r, int n)
{
    size_t count = (size_t)(n > 0 ? n : 1);
    r->rows = malloc(count * sizeof(*r->rows));
    r->tasks = malloc(count * sizeof(*r->tasks));
    r->cands = malloc(count * PW_DISPATCH_BATCH_TOP_K * sizeof(*r->cands));
    r->counts = malloc(count * sizeof(int));
    r->choice = malloc(count * sizeof(int));
    return r->rows && r->tasks && r->cands && r->counts && r->choice ? 0 : -1;
}

/* The waiting tasks, oldest first, but those set aside (read past, so they do not take
 * the places of others). A scan that fails is logged and counted, and the round goes on
 * with the tasks read before the failure. */
static int waiting_tasks(pw_db *db, const pw_dispatch_policy *p, int64_t now_ms, int64_t **ids_out, int *n_out)
{
    int64_t *ids = malloc(sizeof(int64_t) * PW_DISPATCH_BATCH_MAX);
    if (ids == NULL)
        return PW_ENOMEM;
    int n = 0, rc = PW_ROW;
    pw_stmt *st = pw_db_stmt(db, "SELECT id FROM tasks WHERE status = 'dispatching' ORDER BY created_at, id LIMIT ?");
    pw_stmt_int64(st, 1, PW_DISPATCH_BATCH_MAX + pw_setaside_count(p->setaside));
    while (n < PW_DISPATCH_BATCH_MAX && (rc = pw_stmt_step(st)) == PW_ROW) {
        int64_t id = pw_stmt_column_int64(st, 0);
        if (!pw_setaside_waiting(p->setaside, id, PW_TICK_DISPATCH_ASSIGN, now_ms))
            ids[n++] = id;
    }
    pw_stmt_done(st);
    *ids_out = ids;
    *n_out = n;
    return rc == PW_ROW || rc == PW_DONE ? PW_OK : pw_setaside_scan_failed(db, p->setaside, PW_TICK_SCAN_WAITING);
}

/* Writes the round's choices, each assignment on its own (assign_isolated). */
static int apply_round(pw_db *db, const pw_dispatch_policy *p, round_state *r, int m, int64_t now_ms,
                       int *assigned_out, int *failed_out)
{
    int rc = PW_OK;
    for (int i = 0; i < m && rc == PW_OK; i++) {
        int j = r->choice[i], assigned = 0;
        if (j < 0)
            continue;
        const pw_engine_candidate *c = &r->cands[(size_t)i * PW_DISPATCH_BATCH_TOP_K];
        json_t *why = explain(&p->weights, &r->tasks[i], c, j, r->counts[i], "batch");
        explain_weight(why, &r->tasks[i], now_ms);
        rc = assign_isolated(db, p, &r->rows[i], &c[j], why, now_ms, &assigned);
        json_decref(why);
        *assigned_out += assigned;
        *failed_out += rc == PW_OK && !assigned;
    }
    return rc;
}

int pw_dispatch_round(pw_db *db, const pw_dispatch_policy *p, int64_t now_ms, int *assigned_out, int *failed_out)
{
    *assigned_out = 0;
    *failed_out = 0;
    int64_t started_ns = pw_monotonic_ns();
    int64_t *ids = NULL;
    int n = 0, rc = waiting_tasks(db, p, now_ms, &ids, &n);
    if (rc != PW_OK || n == 0) {
        free(ids);
        return rc;
    }
    round_state r = {0};
    if (round_alloc(&r, n) != 0) {
        free(ids);
        round_free(&r);
        return PW_ENOMEM;
    }
    int m = 0;
    for (int i = 0; i < n && rc == PW_OK; i++) {
        int loaded = 0;
        rc = describe_task(db, p, ids[i], &r.rows[m], &r.tasks[m], now_ms, &loaded, failed_out);
        m += loaded;
    }
    if (rc == PW_OK)
        rc = pw_engine_match(p->engine, r.tasks, m, now_ms, PW_DISPATCH_BATCH_TOP_K, r.cands, r.counts, r.choice);
    if (rc == PW_OK)
        rc = apply_round(db, p, &r, m, now_ms, assigned_out, failed_out);
    free(ids);
    round_free(&r);
    pw_engine_stats *stats = pw_engine_get_stats(p->engine);
    atomic_fetch_add(&stats->assigned_batch, (uint64_t)*assigned_out);
    pw_histogram_observe(&stats->round_tasks, n);
    pw_histogram_observe(&stats->round_seconds, (double)(pw_monotonic_ns() - started_ns) / 1e9);
    return rc;
}

/* ---- heartbeats --------------------------------------------------------------------------------- */

int pw_dispatch_sweep_silent(pw_db *db, const pw_dispatch_policy *p, int64_t now_ms, int *count_out)
{
    *count_out = 0;
    pw_stmt *st = pw_db_stmt(db, "UPDATE worker_profiles SET active = 0, active_since = NULL, updated_at = ?1 "
                                 "WHERE active = 1 AND last_seen_at < ?2 RETURNING user_id");
    pw_stmt_int64(st, 1, now_ms);
    pw_stmt_int64(st, 2, now_ms - (int64_t)p->heartbeat_timeout_s * 1000);
    int rc;
    while ((rc = pw_stmt_step(st)) == PW_ROW) {
        pw_engine_remove(p->engine, pw_stmt_column_int64(st, 0));
        (*count_out)++;
    }
    pw_stmt_done(st);
    return rc == PW_DONE ? PW_OK : rc;
}
