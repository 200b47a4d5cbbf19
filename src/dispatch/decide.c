/* decide.c — the dispatcher's decisions over the engine (see decide.h): the greedy pick,
 * the batch round, and the explanation of either. Nothing here reads or writes the
 * database; the market (market/dispatching.c) describes the tasks and applies the
 * decisions. */
#include "dispatch/decide.h"

#include <stdio.h>
#include <stdlib.h>

#include "base/limits.h"
#include "base/error.h"

/* ---- greedy ------------------------------------------------------------------------------ */

void pw_dispatch_pick(pw_engine *e, const pw_engine_task *t, int64_t now_ms, pw_dispatch_decision *out)
{
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

int pw_dispatch_solve_round(pw_engine *e, const pw_engine_task *tasks, int n, int64_t now_ms, pw_dispatch_decision *out)
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
    if (d->batch)
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
