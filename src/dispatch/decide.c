/* decide.c — the dispatcher's decisions over the engine (see decide.h): the greedy pick,
 * the batch round, and the explanation of either. Nothing here reads or writes the
 * database; the market (market/dispatching.c) describes the tasks and applies the
 * decisions. */
#include "dispatch/decide.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "base/error.h"

/* ---- greedy ------------------------------------------------------------------------------ */

/* The client's preferred worker, when they fit t now: 1 and the decision in *out. */
static int pick_preferred(const pw_engine *e, const pw_engine_task *t, int64_t now_ms, pw_dispatch_decision *out)
{
    pw_engine_candidate c;
    if (t->preferred_worker_id <= 0 || !pw_engine_fits(e, t, t->preferred_worker_id, now_ms, &c))
        return 0;
    *out = (pw_dispatch_decision){
        .worker_id = c.c.worker_id, .score = c.parts.total, .considered = 1, .preferred = 1, .chosen = c};
    return 1;
}

void pw_dispatch_pick(pw_engine *e, const pw_engine_task *t, int64_t now_ms, pw_dispatch_decision *out)
{
    if (pick_preferred(e, t, now_ms, out))
        return;
    pw_engine_candidate cands[PW_DISPATCH_TOP_K];
    int considered = 0;
    int n = pw_engine_candidates(e, t, now_ms, PW_DISPATCH_TOP_K, cands, &considered);
    *out = (pw_dispatch_decision){.considered = considered};
    if (n <= 0)
        return;
    out->worker_id = cands[0].c.worker_id;
    out->score = cands[0].parts.total;
    out->chosen = cands[0];
}

/* ---- batch --------------------------------------------------------------------------------- */

/* The round's solve over tasks[0..n) (no preferences left to honour): out[i] for each. */
static int solve(pw_engine *e, const pw_engine_task *tasks, int n, int64_t now_ms, pw_dispatch_decision *out)
{
    const int k = PW_DISPATCH_BATCH_TOP_K;
    size_t count = (size_t)(n > 0 ? n : 1);
    pw_engine_candidate *cands = malloc(count * k * sizeof(*cands));
    int *counts = malloc(count * sizeof(int));
    int *choice = malloc(count * sizeof(int));
    int rc = cands != NULL && counts != NULL && choice != NULL ? PW_OK : PW_ENOMEM;
    if (rc == PW_OK)
        rc = pw_engine_match(e, tasks, n, now_ms, k, cands, counts, choice);
    for (int i = 0; i < n && rc == PW_OK; i++) {
        out[i] = (pw_dispatch_decision){.batch = 1, .considered = counts[i]};
        if (choice[i] < 0)
            continue;
        const pw_engine_candidate *c = &cands[(size_t)i * k + choice[i]];
        out[i].worker_id = c->c.worker_id;
        out[i].score = c->parts.total;
        out[i].round_weight = pw_engine_task_weight(&tasks[i], now_ms);
        out[i].chosen = *c;
    }
    free(cands);
    free(counts);
    free(choice);
    return rc;
}

typedef struct weighted {
    int task;
    double weight;
} weighted;

/* heaviest first; equal weights in task order (oldest first, as the market reads them) */
static int heavier_first(const void *a, const void *b)
{
    const weighted *x = a, *y = b;
    if (x->weight != y->weight)
        return x->weight > y->weight ? -1 : 1;
    return (x->task > y->task) - (x->task < y->task);
}

/* The preferred pairs, fixed before the solver: heaviest task first, each preferred worker
 * who fits (their earlier fixed pairs held) gets the task and is held for the rest of the
 * round. fixed[i] is 1 for the tasks so decided. Returns how many, or PW_ENOMEM. */
static int fix_preferred(pw_engine *e, const pw_engine_task *tasks, int n, int64_t now_ms, pw_dispatch_decision *out,
                         char *fixed)
{
    int wanted = 0;
    for (int i = 0; i < n; i++)
        wanted += tasks[i].preferred_worker_id > 0;
    memset(fixed, 0, (size_t)(n > 0 ? n : 1));
    if (wanted == 0)
        return 0;
    weighted *order = malloc(sizeof(*order) * (size_t)wanted);
    if (order == NULL)
        return PW_ENOMEM;
    int m = 0, count = 0;
    for (int i = 0; i < n; i++)
        if (tasks[i].preferred_worker_id > 0)
            order[m++] = (weighted){i, pw_engine_task_weight(&tasks[i], now_ms)};
    qsort(order, (size_t)m, sizeof(*order), heavier_first);
    for (int j = 0; j < m; j++) {
        int i = order[j].task;
        if (!pick_preferred(e, &tasks[i], now_ms, &out[i]))
            continue;
        out[i].batch = 1;
        out[i].round_weight = order[j].weight;
        fixed[i] = 1;
        count++;
        pw_engine_hold(e, out[i].chosen.slot, &tasks[i], 1);
    }
    free(order);
    return count;
}

int pw_dispatch_solve_round(pw_engine *e, const pw_engine_task *tasks, int n, int64_t now_ms, pw_dispatch_decision *out)
{
    char *fixed = malloc((size_t)(n > 0 ? n : 1));
    if (fixed == NULL)
        return PW_ENOMEM;
    int held = fix_preferred(e, tasks, n, now_ms, out, fixed), rc = held < 0 ? held : PW_OK;
    if (held == 0) {
        rc = solve(e, tasks, n, now_ms, out); /* nothing preferred fits: the round as without preferences */
    } else if (held > 0) {
        /* the rest, in their order, solved past the held workers */
        pw_engine_task *rest = malloc(sizeof(*rest) * (size_t)(n - held > 0 ? n - held : 1));
        pw_dispatch_decision *decided = malloc(sizeof(*decided) * (size_t)(n - held > 0 ? n - held : 1));
        int m = 0;
        rc = rest != NULL && decided != NULL ? PW_OK : PW_ENOMEM;
        for (int i = 0; i < n && rc == PW_OK; i++)
            if (!fixed[i])
                rest[m++] = tasks[i];
        if (rc == PW_OK)
            rc = solve(e, rest, m, now_ms, decided);
        for (int i = 0, j = 0; i < n && rc == PW_OK; i++)
            if (!fixed[i])
                out[i] = decided[j++];
        for (int i = 0; i < n; i++) /* the holds were for this round only */
            if (fixed[i])
                pw_engine_hold(e, out[i].chosen.slot, &tasks[i], -1);
        free(rest);
        free(decided);
    }
    free(fixed);
    return rc;
}

/* ---- explanations ------------------------------------------------------------------------- */

/* What the client (and an admin) may read about why the chosen worker got the task: the
 * count of candidates, the chosen one's shown parts, the policy and a reason without
 * numbers. Other candidates are neither named nor scored: their ids, scores or parts
 * would tell a client who else is near a point of its choosing, and how near. A batch
 * explanation shows the task's round weight too. */
json_t *pw_dispatch_explain(const pw_engine *e, const pw_engine_task *t, const pw_dispatch_decision *d)
{
    const pw_dispatch_weights *weights = &pw_engine_policy(e)->weights;
    json_t *list = json_array();
    json_array_append_new(list, pw_dispatch_shown_json(weights, &d->chosen.c, &d->chosen.parts, t->lat_e6, t->lon_e6));
    const char *policy = d->batch ? "batch" : "greedy";
    char why[160];
    if (d->preferred)
        snprintf(why, sizeof(why), "preferred by the client, and available and fit for this task");
    else if (d->batch)
        snprintf(why, sizeof(why),
                 "the round's optimal assignment of the waiting tasks to the available workers "
                 "(%d fit this task)",
                 d->considered);
    else if (d->considered <= 1)
        snprintf(why, sizeof(why), "the only available worker who fits");
    else
        snprintf(why, sizeof(why), "the highest score of %d available workers who fit", d->considered);
    json_t *o = json_pack("{s:i, s:o, s:s, s:s, s:f, s:s}", "candidates_considered", d->considered, "candidates", list,
                          "policy", policy, "why", why, "client_standing", t->client_standing, "distance_basis",
                          "public_area");
    if (d->batch)
        json_object_set_new(o, "round_weight", json_real(d->round_weight));
    return o;
}
