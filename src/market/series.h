/* series.h — the marketplace's figures over time, for GET /admin/metrics/series: one value
 * per fixed-width bucket, columnar (docs/internals/tasks.md, "Series"). Everything is
 * derived from the database (tasks, task_events, ledger_transfers), so it survives a
 * restart. The folding (pw_series_add_*, pw_series_finish) is pure: no database, no clock;
 * pw_series_load feeds it from the database. */
#ifndef PW_MARKET_SERIES_H
#define PW_MARKET_SERIES_H
#include <jansson.h>
#include <stdint.h>

#include "store/db.h"

typedef enum {
    PW_SERIES_ASSIGNED,  /* an "assigned" timeline event */
    PW_SERIES_COMPLETED, /* a transition to completed (approved, auto_approved) */
    PW_SERIES_CANCELLED,
    PW_SERIES_EXPIRED,
    PW_SERIES_DISPUTED,
    PW_SERIES_EVENT_COUNT
} pw_series_event;

typedef enum { PW_SERIES_GMV, PW_SERIES_FEES, PW_SERIES_POOL, PW_SERIES_MONEY_COUNT } pw_series_money;

typedef struct pw_series {
    int64_t from_ms, step_ms; /* bucket i is [from + i*step, from + (i+1)*step) */
    int n;                    /* buckets, 1 ..= PW_SERIES_POINTS_MAX */
    int64_t *created, *events[PW_SERIES_EVENT_COUNT], *money[PW_SERIES_MONEY_COUNT];
    int64_t *open;             /* after finish: tasks created before the bucket's end, not final at it */
    int64_t *created_assigned; /* tasks created in the bucket that were ever assigned */
    int64_t *active_workers;   /* distinct workers named by a timeline event in the bucket */
    double *tta_p50_s;         /* after finish: median creation-to-first-assignment; < 0 none */
    int64_t open_before;       /* created before from and not final by then */
    int64_t *final_delta;      /* scratch: tasks turning final per bucket */
    int64_t *last_worker;      /* scratch: the last worker counted per bucket */
    int64_t (*samples)[2];     /* scratch: (bucket, delay ms) of first assignments */
    int sample_count, sample_cap;
} pw_series;

/* Buckets for [from, to) with step seconds: ceil((to - from) / step), or -1 when from >= to. */
int64_t pw_series_points(int64_t from_ms, int64_t to_ms, int64_t step_s);
/* The bucket of `at_ms`, or -1 outside [from, from + n*step). */
int pw_series_bucket(const pw_series *s, int64_t at_ms);

/* PW_OK or PW_ENOMEM. n must be 1 ..= PW_SERIES_POINTS_MAX. */
int pw_series_init(pw_series *s, int64_t from_ms, int64_t step_s, int n);
void pw_series_free(pw_series *s);
/* One task: its creation, its first assignment and when it first reached a final state
 * (completed, resolved, cancelled, expired); 0 for never. PW_OK or PW_ENOMEM. */
int pw_series_add_task(pw_series *s, int64_t created_ms, int64_t first_assigned_ms, int64_t final_ms);
void pw_series_add_event(pw_series *s, pw_series_event kind, int64_t at_ms);
void pw_series_add_money(pw_series *s, pw_series_money kind, int64_t at_ms, int64_t amount);
/* A timeline row as the database has it (task_events.event, .to_status, which may be NULL):
 * counted if it is one the series shows (a completion, assignment, cancellation, expiry,
 * dispute), ignored otherwise. */
void pw_series_add_timeline(pw_series *s, const char *event, const char *to_status, int64_t at_ms);
/* A posted ledger transfer by its kind: a release or fee counts in GMV (and a fee in fees), a
 * pool share in the pool; other kinds are ignored. */
void pw_series_add_transfer(pw_series *s, const char *kind, int64_t at_ms, int64_t amount);
/* A worker named by a timeline event at at_ms. Calls must come ordered by worker_id. */
void pw_series_add_worker(pw_series *s, int64_t worker_id, int64_t at_ms);
/* Turns the counts into open and the medians. Call once, after every add. */
void pw_series_finish(pw_series *s);
/* {"t": [...], "series": {...}} — the columns, t in unix seconds, nulls where undefined. */
json_t *pw_series_json(const pw_series *s);

/* Feeds s (initialised) from the database; money in `currency`. PW_OK, PW_ENOMEM, PW_EDB. */
int pw_series_load(pw_db *db, pw_series *s, const char *currency);
#endif
