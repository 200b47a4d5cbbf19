/* dispatching.h — the market's side of dispatch: dispatch decides, market applies.
 *
 * The dispatch engine (dispatch/engine.h, dispatch/decide.h) is in memory and takes plain
 * structs: it never sees the database. This module is where the two meet, on the writer
 * thread:
 *   - the worker index: every active worker is read from the market's tables and put into
 *     the engine at start (pw_dispatching_load), and the workers the engine marked dirty
 *     are read again after every committed batch (pw_dispatching_refresh);
 *   - urgent dispatch and batch rounds: the waiting task is read, described for the engine
 *     (its tags, the workers already tried, its client's bad pairings and standing), the
 *     engine decides, and the decision is applied — the assignment is a task state
 *     transition (pw_tasks_assign: dispatching -> assigned, with its timeline and its
 *     explanation), written in a savepoint of its own so a failure is undone alone and the
 *     task set aside (market/setaside.h);
 *   - availability: an active worker silent past the heartbeat timeout becomes inactive.
 *
 * pw_dispatching is the market's dispatch settings and state, held in pw_market_policy:
 * the engine's policy (which the engine copies), the market's own rules (the ack window of
 * an assignment, the heartbeat timeout), the engine, and the set-aside table. */
#ifndef PW_MARKET_DISPATCHING_H
#define PW_MARKET_DISPATCHING_H
#include <stdint.h>

#include "dispatch/dispatch.h"
#include "dispatch/engine.h"
#include "market/setaside.h"
#include "store/db.h"

typedef struct pw_dispatching {
    pw_dispatch_policy policy; /* what the engine decides by (weights, remote cap, round period, threads) */
    int ack_window_s;          /* an assignment's ack deadline = now + this */
    int heartbeat_timeout_s;   /* an active worker silent this long becomes inactive */
    pw_engine *engine;         /* the worker index (owned by the writer thread); made from policy */
    pw_setaside *setaside;     /* tasks set aside after a failure (writer thread), or NULL */
} pw_dispatching;

/* The defaults: pw_dispatch_policy_defaults, a 120 s ack window, a 15 min heartbeat
 * timeout, no engine and no set-aside table yet. */
void pw_dispatching_defaults(pw_dispatching *d);

/* The worker index: builds it from every active worker (start) / re-reads the workers the
 * engine marked dirty, or rebuilds if too many (after each committed batch). */
int pw_dispatching_load(pw_db *db, pw_engine *e, int64_t now_ms);
int pw_dispatching_refresh(pw_db *db, pw_engine *e, int64_t now_ms);

/* Writer: assigns task_id now to its best candidate (the urgent path). *worker_out = 0
 * when nobody fits, or the task is set aside, or its assignment failed (undone alone and
 * set aside: market/setaside.h); it waits for a round. */
int pw_dispatching_task(pw_db *db, const pw_dispatching *d, int64_t task_id, int64_t now_ms, int64_t *worker_out);
/* Writer: one batch round over the waiting tasks (oldest first, at most
 * PW_DISPATCH_BATCH_MAX, those set aside skipped), matched together by the solver. Each
 * assignment is written in a savepoint of its own: one that fails is undone alone and its
 * task set aside (counted in *failed_out); the others stand. An error return means the
 * transaction cannot go on. */
int pw_dispatching_round(pw_db *db, const pw_dispatching *d, int64_t now_ms, int *assigned_out, int *failed_out);
/* Writer: active workers silent past the heartbeat timeout become inactive (and leave the
 * index; each is touched in the search index, search: market/searching.h, NULL none). */
struct pw_searching;
int pw_dispatching_sweep_silent(pw_db *db, const pw_dispatching *d, struct pw_searching *search, int64_t now_ms,
                                int *count_out);

#endif
