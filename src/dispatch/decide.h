/* decide.h — what the dispatcher decides, over the engine alone: no database, no writes.
 *
 * Two decisions, both over the engine's own task struct (pw_engine_task, engine.h):
 *   - pw_dispatch_pick: one task's best candidate now — the urgent path (a task posted or
 *     released as urgent) and any task dispatched on its own (greedy);
 *   - pw_dispatch_solve_round: a batch round — each task's best candidates become edges of
 *     one assignment, solved exactly (pw_engine_match): as many tasks matched as possible
 *     and, among those, the largest total of score x the task's round weight.
 * A decision names the chosen worker per task (0: nobody; the task waits for the next
 * round), the exact score stored with the assignment, and what its explanation needs;
 * pw_dispatch_explain turns it into the explanation stored with the assignment, the one
 * the client and admins read (GET /tasks/{id}/dispatch): the count of candidates, the
 * chosen worker's parts as they may be shown, the policy and a reason without numbers.
 *
 * A client's preference comes first in both (pw_engine_task.preferred_worker_id): when the
 * preferred worker fits by the rules any candidate is held to (pw_engine_fits), the task is
 * theirs, whatever the scores; otherwise the task is decided exactly as without one. In a
 * round the preferred pairs are fixed before the solver runs, heaviest task first (a
 * worker preferred by two tasks gets the one of the higher round weight, as long as they
 * have room for one task more), and the solver matches the rest past them.
 *
 * Deciding leaves the index as it found it (a round's holds on its matched workers are
 * undone before it returns). The caller (market/dispatching.c) writes each assignment and
 * only then tells the engine (pw_engine_note_assigned), so a decision whose write fails
 * leaves its worker free. */
#ifndef PW_DISPATCH_DECIDE_H
#define PW_DISPATCH_DECIDE_H
#include <jansson.h>
#include <stdint.h>

#include "dispatch/engine.h"

typedef struct pw_dispatch_decision {
    int64_t worker_id;          /* the chosen worker; 0: nobody (the task waits) */
    double score;               /* the chosen candidate's exact total: stored, never shown */
    int considered;             /* greedy: eligible workers scored; batch: candidates kept in the pass that
                                        matched the task */
    int batch;                  /* 1: a round's decision, 0: greedy */
    double round_weight;        /* batch: the task's weight in the round (pw_engine_task_weight) */
    int preferred;              /* 1: the client's preferred worker, chosen by that rule */
    pw_engine_candidate chosen; /* the chosen candidate (when worker_id != 0): the explanation's parts */
} pw_dispatch_decision;

/* Greedy: t's best candidate at now_ms (worker_id 0 when nobody fits). */
void pw_dispatch_pick(pw_engine *e, const pw_engine_task *t, int64_t now_ms, pw_dispatch_decision *out);

/* Batch: the round's decision for each of tasks[0..n) in out[0..n) (unmatched: worker_id
 * 0). PW_OK, or PW_ENOMEM / PW_EINVAL with out undefined. */
int pw_dispatch_solve_round(pw_engine *e, const pw_engine_task *tasks, int n, int64_t now_ms,
                            pw_dispatch_decision *out);

/* The explanation of d (a decision with a worker) for task t, as stored: a new reference,
 * or NULL when out of memory. Other candidates are neither named nor scored in it. */
json_t *pw_dispatch_explain(const pw_engine *e, const pw_engine_task *t, const pw_dispatch_decision *d);

#endif
