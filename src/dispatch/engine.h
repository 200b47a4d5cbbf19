/* engine.h — the dispatch engine: the worker index, candidate search, the urgent (greedy)
 * and batch (optimal) matching, and keeping the index true. All of it is in memory and
 * over plain structs, with no database handle, so it is benchmarked and tested without a
 * database; decide.h builds the dispatcher's decisions on it.
 *
 * The engine never reads the database. The market feeds it (market/dispatching.h): at
 * start it reads every active worker and puts each in as a pw_engine_worker
 * (pw_engine_put); after every committed batch it re-reads the workers the engine marked
 * dirty (pw_engine_take_dirty); and it describes each waiting task as a pw_engine_task
 * (tags interned through the index, the workers already tried, the client's bad pairings
 * and standing).
 *
 * Keeping the index true: the writer thread owns the engine. A change that matters to
 * dispatch within the same batch is applied at once (an assignment makes a worker busy, a
 * missed ack removes them) AND the worker is marked dirty; after the batch commits, every
 * dirty worker is re-read from the database, so a rolled-back job leaves no trace.
 *
 * Results are base/error.h's codes (PW_OK, PW_ENOMEM, PW_EINVAL): nothing here takes a
 * database handle. */
#ifndef PW_DISPATCH_ENGINE_H
#define PW_DISPATCH_ENGINE_H
#include <stdint.h>

#include "base/histogram.h"
#include "base/limits.h"
#include "dispatch/dispatch.h"
#include "dispatch/index.h"

typedef struct pw_engine pw_engine;

typedef struct pw_engine_task {
    int64_t id, client_id;
    int urgent;
    int has_location;
    int32_t lat_e6, lon_e6;
    uint32_t category; /* interned tag id, 0 if no worker has it */
    int skill_count;
    uint32_t skills[PW_TAGS_MAX]; /* interned; 0 entries match nobody */
    int excluded_count;           /* workers already tried on this task */
    int64_t excluded[PW_DISPATCH_EXCLUDE_MAX];
    int avoid_count; /* workers with whom this client's tasks went badly */
    int64_t avoid[PW_DISPATCH_EXCLUDE_MAX];
    double client_standing;          /* 0..1: the client's record (1 = clean) */
    int64_t created_ms, deadline_ms; /* for the round's priority: age and time left */
    int64_t preferred_worker_id;     /* the worker the client prefers for it, or 0: offered first when
                                        they fit (decide.h); 0 once they were tried on it */
} pw_engine_task;

/* A task's weight in a batch round: (0.5 + 0.5 x standing) x (1 + min(1, waited / 30 min)
 * + 1 if under an hour is left before its deadline). The round first matches as many
 * tasks as it can; the weight decides who wins a contested worker, so a task that keeps
 * losing gains until it wins (no starvation), and a client with a poor record yields. */
double pw_engine_task_weight(const pw_engine_task *t, int64_t now_ms);

typedef struct pw_engine_candidate {
    int32_t slot;
    pw_candidate c;
    pw_score_parts parts;
} pw_engine_candidate;

/* What the dispatcher did, for GET /metrics: observed on the writer thread, read from any
 * (atomics). An assignment is counted when it is made, in the job's transaction: one whose
 * job later rolls back is counted too. */
typedef struct pw_engine_stats {
    pw_histogram round_seconds;  /* a batch round that had waiting tasks: load, search, solve, write */
    pw_histogram round_tasks;    /* the waiting tasks such a round took */
    pw_histogram greedy_seconds; /* one task dispatched at once (urgent posts and re-dispatch) */
    _Atomic uint64_t assigned_batch, assigned_greedy;
    _Atomic int64_t active_workers; /* in the index after the last load or refresh */
} pw_engine_stats;

/* A new engine with an empty index, deciding by a copy of *policy. PW_OK or PW_ENOMEM. */
int pw_engine_new(const pw_dispatch_policy *policy, pw_engine **out);
pw_engine_stats *pw_engine_get_stats(pw_engine *e);
void pw_engine_free(pw_engine *e);
pw_index *pw_engine_index(pw_engine *e);
/* The engine's copy of the policy (search_threads clamped to the lanes it runs). */
const pw_dispatch_policy *pw_engine_policy(const pw_engine *e);

/* One active worker as the market read them: where and what (the profile), and the
 * record the score reads. */
typedef struct pw_engine_worker {
    pw_index_profile profile;
    int64_t last_assigned_ms;                                 /* or when they went active, for fairness */
    int64_t acked, missed_acks, releases, completed, on_time; /* the record */
    int busy_local, busy_remote;                              /* tasks they hold now */
    int64_t assigned_recently;                                /* assignments offered in the last 24 h */
    int64_t earned_recent;                                    /* money taken in the last 24 h, minor units */
} pw_engine_worker;

/* Adds or re-indexes the worker (counts saturate as the index keeps them). PW_OK or
 * PW_ENOMEM. */
int pw_engine_put(pw_engine *e, const pw_engine_worker *w);
/* After a load (bulk: trims the lists' spare capacity) or a refresh: publishes the count
 * of active workers for /metrics. */
void pw_engine_loaded(pw_engine *e, int bulk);

/* The best candidates for t at now, best first (at most k, k <= PW_DISPATCH_TOP_K).
 * *considered_out (may be NULL) gets how many eligible workers were scored. */
int pw_engine_candidates(pw_engine *e, const pw_engine_task *t, int64_t now_ms, int k, pw_engine_candidate *out,
                         int *considered_out);

/* Whether worker_id may take t at now by the rules every candidate is held to: in the
 * index (active), live, free (no local task; for a remote task under remote_cap remote
 * ones, for a local one none), in radius of a local task or remote-capable for a remote
 * one, fits (category or a skill), not the client, not tried on t, and not a worker this
 * client's tasks went badly with. 1 and the candidate scored in *out; 0 if not. Reads
 * only. */
int pw_engine_fits(const pw_engine *e, const pw_engine_task *t, int64_t worker_id, int64_t now_ms,
                   pw_engine_candidate *out);
/* Holds (sign 1) or lets go (sign -1) of the worker in `slot` for t's kind of task: a
 * round's decisions hold their workers while the rest of it is searched. */
void pw_engine_hold(pw_engine *e, int32_t slot, const pw_engine_task *t, int sign);

/* Batch: for n tasks, top-k candidates each, then the assignment maximising the total
 * of score x pw_engine_task_weight with as many tasks matched as possible.
 * choice[i] is the index into cands[i * k ..] of task i's worker, or -1. cands must hold
 * n * k entries; counts[i] gets task i's candidate count. The searches are shared out on
 * policy.search_threads threads (the caller and helpers); the result is the same on any
 * number of them. */
int pw_engine_match(pw_engine *e, const pw_engine_task *tasks, int n, int64_t now_ms, int k, pw_engine_candidate *cands,
                    int *counts, int *choice);

/* Batch rounds run every policy.batch_window_ms: 1 (and the next one scheduled) when one
 * is due at now; pw_engine_round_now makes the next check due at once. */
int pw_engine_round_due(pw_engine *e, int64_t now_ms);
void pw_engine_round_now(pw_engine *e);

/* State changes, applied at once (see above). */
/* The scan bound per task of a round of `tasks` tasks (PW_DISPATCH_ROUND_SCAN_BUDGET). */
int pw_engine_round_scan(int tasks);
void pw_engine_note_assigned(pw_engine *e, int64_t worker_id, int remote_task, int64_t money_minor, int64_t now_ms);
void pw_engine_note_freed(pw_engine *e, int64_t worker_id, int remote_task);
void pw_engine_remove(pw_engine *e, int64_t worker_id);
void pw_engine_touch(pw_engine *e, int64_t worker_id);

/* For the refresh after a commit: hands over the dirty list (and whether it overflowed)
 * and clears it; and empties the index for a rebuild (PW_OK or PW_ENOMEM). */
int pw_engine_take_dirty(pw_engine *e, int64_t **ids_out, int *rebuild_out);
int pw_engine_clear(pw_engine *e);

#endif
