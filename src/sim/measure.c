/* measure.c — what the report says, and how it is computed.
 *
 * The offline optimum. Each task's candidates are taken when it is posted, before any
 * dispatch: pw_engine_candidates over the live index, the same top-k and the same scores
 * the dispatcher uses. Tasks are grouped by the hour they were posted in; for each hour,
 * pw_assign_solve_sparse finds the matching of that hour's tasks to workers (each worker
 * at most once per hour) that matches as many tasks as possible with the largest total
 * score. The sum over the hours is the reference the policy's total (the score of each
 * task's first assignment) is divided by. It is a hindsight reference, not a strict bound:
 * a worker may do two short tasks in one hour, and a worker freed after a task was posted
 * is not among its posting-time candidates.
 *
 * The rest is read from the database at the end (task states, assignment outcomes,
 * wallets, pw_ledger_verify) or from the sim's own record of each task's first
 * assignment (time to assign, distance, score). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim_internal.h"

/* ---- the offline optimum ------------------------------------------------------------------ */

int sim_window_candidates(sim *s, const pw_new_task *t, int64_t client_user_id)
{
    pw_index *ix = pw_engine_index(s->engine);
    pw_engine_task et;
    memset(&et, 0, sizeof(et));
    et.client_id = client_user_id;
    et.urgent = t->urgent;
    et.has_location = t->location.present;
    et.lat_e6 = (int32_t)t->location.lat_e6;
    et.lon_e6 = (int32_t)t->location.lon_e6;
    et.category = pw_index_tag(ix, t->category);
    for (int i = 0; i < t->skills.count && i < PW_TAGS_MAX; i++)
        et.skills[et.skill_count++] = pw_index_tag(ix, t->skills.tag[i]);
    et.client_standing = 1.0;
    return pw_engine_candidates(s->engine, &et, s->now_ms, PW_DISPATCH_TOP_K, s->cands, NULL);
}

int sim_window_add(sim *s, int task_index, int candidates)
{
    sim_window *w = &s->window;
    if (w->edge_count + (size_t)candidates > w->edge_capacity) {
        size_t capacity = w->edge_capacity ? w->edge_capacity * 2 : 65536;
        while (capacity < w->edge_count + (size_t)candidates)
            capacity *= 2;
        pw_assign_edge *edges = realloc(w->edges, capacity * sizeof(*edges));
        if (edges == NULL)
            return PW_ENOMEM;
        w->edges = edges;
        w->edge_capacity = capacity;
    }
    int32_t local = task_index - w->first_task;
    for (int j = 0; j < candidates; j++) {
        int wi = sim_worker_index(s, s->cands[j].c.worker_id);
        if (wi < 0)
            return PW_EINVAL; /* every candidate is one of the sim's workers: a bug */
        w->edges[w->edge_count++] = (pw_assign_edge){.task = local, .worker = wi, .cost = -s->cands[j].parts.total};
    }
    w->task_count = local + 1;
    return 0;
}

int sim_window_close(sim *s)
{
    sim_window *w = &s->window;
    if (w->task_count > 0) {
        int32_t *choice = malloc(sizeof(int32_t) * (size_t)w->task_count), matched = 0;
        double total = 0;
        int rc = choice == NULL ? PW_ENOMEM
                                : pw_assign_solve_sparse(w->task_count, s->cfg->workers, w->edges, w->edge_count,
                                                         choice, &total, &matched);
        free(choice);
        if (rc != PW_OK)
            return rc;
        s->report->optimum_total -= total;
        s->report->optimum_tasks += matched;
    }
    w->start_ms = s->now_ms;
    w->first_task = (int32_t)s->task_count;
    w->task_count = 0;
    w->edge_count = 0;
    return 0;
}

/* ---- Gini ------------------------------------------------------------------------------------ */

static int ascending(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* G = sum_i (2i - n - 1) x_(i) / (n sum x), i = 1..n over the sorted values. */
double pw_sim_gini(int64_t *values, int64_t n)
{
    if (n < 2)
        return 0.0;
    qsort(values, (size_t)n, sizeof(*values), ascending);
    double weighted = 0, sum = 0;
    for (int64_t i = 0; i < n; i++) {
        weighted += (double)(2 * (i + 1) - n - 1) * (double)values[i];
        sum += (double)values[i];
    }
    return sum > 0 ? weighted / ((double)n * sum) : 0.0;
}

/* ---- from the database ------------------------------------------------------------------------ */

static int count_states(sim *s, const char *sql, int64_t *by_state)
{
    pw_stmt *st = pw_db_stmt(s->db, sql);
    int rc;
    while ((rc = pw_stmt_step(st)) == PW_ROW) {
        pw_task_state state;
        if (pw_task_state_parse(pw_stmt_column_text(st, 0), &state) == 0 && (int)state < PW_SIM_STATUS_COUNT)
            by_state[state] = pw_stmt_column_int64(st, 1);
    }
    pw_stmt_done(st);
    return rc == PW_DONE ? PW_OK : rc;
}

static int count_outcomes(sim *s)
{
    pw_sim_report *r = s->report;
    pw_stmt *st = pw_db_stmt(s->db, "SELECT outcome, count(*) FROM task_assignments GROUP BY outcome ORDER BY outcome");
    int rc;
    while ((rc = pw_stmt_step(st)) == PW_ROW) {
        const char *o = pw_stmt_column_text(st, 0);
        int64_t n = pw_stmt_column_int64(st, 1);
        r->assignments += n;
        int64_t *slot = strcmp(o, "acked") == 0       ? &r->acked
                        : strcmp(o, "missed") == 0    ? &r->missed
                        : strcmp(o, "released") == 0  ? &r->released
                        : strcmp(o, "cancelled") == 0 ? &r->withdrawn
                                                      : &r->pending;
        *slot += n;
    }
    pw_stmt_done(st);
    return rc == PW_DONE ? PW_OK : rc;
}

static int64_t platform_balance(sim *s, const char *kind)
{
    pw_stmt *st = pw_db_stmt(s->db, "SELECT balance FROM ledger_accounts WHERE kind = ? AND asset = 'EUR' "
                                    "AND owner_user_id IS NULL");
    pw_stmt_text(st, 1, kind);
    int64_t balance = pw_stmt_step(st) == PW_ROW ? pw_stmt_column_int64(st, 0) : 0;
    pw_stmt_done(st);
    return balance;
}

/* Fairness among equally rated workers: the population comes in cohorts of SIM_COHORT
 * workers who are alike on every ground the dispatcher looks at (trades, skills, radius,
 * remote, shift, habits; bases within about a kilometre; nobody is rated yet). The figure
 * is the mean over cohorts of the Gini of their members' earnings: 0 when equally good
 * workers earned alike, whatever the differences between trades and cities. */
static void gini_alike(sim *s, const int64_t *earned, pw_sim_report *r)
{
    int n = s->cfg->workers;
    double sum = 0;
    int64_t cohorts = 0;
    for (int first = 0; first + SIM_COHORT <= n; first += SIM_COHORT) {
        int64_t values[SIM_COHORT], total = 0;
        for (int k = 0; k < SIM_COHORT; k++)
            total += values[k] = earned[first + k];
        if (total == 0)
            continue; /* a cohort nobody asked for: nothing to share */
        sum += pw_sim_gini(values, SIM_COHORT);
        cohorts++;
    }
    r->alike_groups = cohorts;
    r->gini_alike = cohorts > 0 ? sum / (double)cohorts : 0.0;
}

static int earnings(sim *s)
{
    pw_sim_report *r = s->report;
    int64_t n = s->cfg->workers, *all = calloc((size_t)n, sizeof(int64_t)),
            *earning = malloc(sizeof(int64_t) * (size_t)n);
    if (all == NULL || earning == NULL) {
        free(all);
        free(earning);
        return PW_ENOMEM;
    }
    pw_stmt *st = pw_db_stmt(s->db, "SELECT owner_user_id, balance FROM ledger_accounts WHERE kind = 'user' "
                                    "AND asset = 'EUR'");
    while (pw_stmt_step(st) == PW_ROW) {
        int wi = sim_worker_index(s, pw_stmt_column_int64(st, 0));
        if (wi >= 0)
            all[wi] = pw_stmt_column_int64(st, 1);
    }
    pw_stmt_done(st);
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++) {
        r->worker_earnings += all[i];
        if (all[i] > 0)
            earning[m++] = all[i];
    }
    r->workers_earning = m;
    gini_alike(s, all, r);
    r->gini_all = pw_sim_gini(all, n);
    r->gini_earning = pw_sim_gini(earning, m);
    r->fees = platform_balance(s, "fees");
    r->pool = platform_balance(s, "pool");
    free(all);
    free(earning);
    return 0;
}

/* ---- from the sim's record ---------------------------------------------------------------------- */

static int first_assignments(sim *s)
{
    pw_sim_report *r = s->report;
    int64_t *tta = malloc(sizeof(int64_t) * (size_t)(s->task_count > 0 ? s->task_count : 1)), n = 0;
    if (tta == NULL)
        return PW_ENOMEM;
    double travel = 0, tta_sum = 0;
    for (int64_t i = 0; i < s->task_count; i++) {
        const sim_task *t = &s->tasks[i];
        if (t->first_assigned_ms == 0)
            continue;
        tta[n++] = t->first_assigned_ms - t->posted_ms;
        tta_sum += (double)(t->first_assigned_ms - t->posted_ms);
        r->score_total += t->first_score;
        if (t->local) {
            r->local_assigned++;
            travel += t->first_distance_km;
        }
    }
    r->posted = s->task_count;
    r->assigned = n;
    r->fill_rate = r->posted > 0 ? (double)n / (double)r->posted : 0.0;
    r->travel_mean_km = r->local_assigned > 0 ? travel / (double)r->local_assigned : 0.0;
    if (n > 0) {
        qsort(tta, (size_t)n, sizeof(*tta), ascending);
        /* nearest rank: the smallest value with at least p of the values at or below it */
        r->tta_p50_s = (double)tta[(int64_t)ceil(0.50 * (double)n) - 1] / 1000.0;
        r->tta_p99_s = (double)tta[(int64_t)ceil(0.99 * (double)n) - 1] / 1000.0;
        r->tta_mean_s = tta_sum / (double)n / 1000.0;
    }
    free(tta);
    for (int i = 0; i < s->cfg->clients; i++)
        r->clients_posting += s->clients[i].posted;
    return 0;
}

int sim_measure(sim *s)
{
    pw_sim_report *r = s->report;
    int64_t never[PW_SIM_STATUS_COUNT] = {0};
    int rc = first_assignments(s);
    if (rc == PW_OK)
        rc = count_outcomes(s);
    if (rc == PW_OK)
        rc = earnings(s);
    if (rc == PW_OK)
        rc = count_states(s, "SELECT status, count(*) FROM tasks GROUP BY status ORDER BY status", r->status);
    if (rc == PW_OK)
        rc = count_states(s,
                          "SELECT status, count(*) FROM tasks t WHERE NOT EXISTS (SELECT 1 FROM task_assignments a "
                          "WHERE a.task_id = t.id) GROUP BY status ORDER BY status",
                          never);
    if (rc != PW_OK)
        return rc;
    r->never_expired = never[PW_TASK_EXPIRED];
    r->never_cancelled = never[PW_TASK_CANCELLED];
    r->never_waiting = never[PW_TASK_DISPATCHING];
    pw_ledger_report lr;
    rc = pw_db_exec(s->db, "BEGIN");
    if (rc == PW_OK)
        rc = pw_ledger_verify(s->db, &lr);
    if (rc != PW_OK) {
        pw_db_exec(s->db, "ROLLBACK");
        return rc;
    }
    pw_db_exec(s->db, "COMMIT");
    r->ledger_accounts = lr.accounts;
    r->ledger_transfers = lr.transfers;
    r->ledger_pending = lr.pending;
    r->ledger_failures = lr.failures;
    return 0;
}
