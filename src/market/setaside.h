/* setaside.h — keeping the marketplace moving when one task fails.
 *
 * The market tick (timers, then a dispatch round) runs alone in a transaction of its own
 * without a savepoint around it (store/writer.h: one around the whole job made a round of
 * 5,000 cost the square of its size). Inside it, each task's work — one timer's
 * transition with its ledger movement, or one assignment — runs in a savepoint of its own
 * that is released at once (pw_setaside_begin / pw_setaside_end): a task whose work fails
 * is rolled back alone and the rest of the tick commits. Releasing at once keeps SQLite's
 * sub-journal to one task's pages, so the cost stays linear (docs/BENCHMARKS.md).
 *
 * A task that failed is *set aside*: remembered here with its failure count and the time
 * of its next try, skipped by the timer scans, the batch rounds and urgent dispatch until
 * then (pw_setaside_waiting says which skip which), and retried after a back-off that doubles from PW_TICK_RETRY_BASE_MS up to
 * PW_TICK_RETRY_MAX_MS. A retry that succeeds forgets it. Each failure is logged with the
 * task id, the step and the error (codes and platform messages only: no personal data)
 * and counted for /metrics; a scan that ends on an error is logged and counted too, not
 * taken for the end of its rows.
 *
 * The table is in memory and bounded (PW_TICK_SET_ASIDE_MAX): a restart forgets it, and
 * the first tick retries every task at once, which is what a retry is for. A failure when
 * the table is full is still rolled back alone; the task is tried again the next tick.
 *
 * Writer thread only (the tick and every dispatch run there); the stats are atomics, read
 * by GET /metrics from any thread. A NULL pw_setaside (tools, the simulator) still
 * isolates and logs failures, but remembers nothing: a failed task is tried every tick. */
#ifndef PW_SETASIDE_H
#define PW_SETASIDE_H
#include <stdint.h>

#include "base/error.h"
#include "store/db.h"

/* What a task was doing when it failed. */
typedef enum pw_tick_step {
    PW_TICK_ACK_TIMEOUT,     /* a missed acknowledgement: back to dispatching */
    PW_TICK_AUTO_APPROVE,    /* the review window closed: settle and complete */
    PW_TICK_EXPIRE,          /* the deadline passed while dispatching: void the hold */
    PW_TICK_DISPATCH_LOAD,   /* reading a waiting task for dispatch (its row, tried workers) */
    PW_TICK_DISPATCH_ASSIGN, /* writing its assignment (a batch round or urgent dispatch) */
    PW_TICK_STEP_COUNT
} pw_tick_step;

/* The tick's scans over many rows. */
typedef enum pw_tick_scan {
    PW_TICK_SCAN_ACKS_DUE,       /* assigned tasks past their acknowledgement deadline */
    PW_TICK_SCAN_REVIEWS_DUE,    /* submitted tasks past their review window */
    PW_TICK_SCAN_DEADLINES_DUE,  /* dispatching tasks past their deadline */
    PW_TICK_SCAN_SILENT_WORKERS, /* active workers past the heartbeat timeout */
    PW_TICK_SCAN_WAITING,        /* the waiting tasks a batch round takes */
    PW_TICK_SCAN_COUNT
} pw_tick_scan;

typedef struct pw_setaside_stats {
    _Atomic uint64_t failures[PW_TICK_STEP_COUNT];      /* tasks whose step failed and was undone */
    _Atomic uint64_t scan_failures[PW_TICK_SCAN_COUNT]; /* scans that ended on an error */
    _Atomic uint64_t recovered;                         /* set-aside tasks whose retry succeeded */
    _Atomic uint64_t unremembered;                      /* failures when the table was full */
    _Atomic int64_t held;                               /* tasks set aside now */
} pw_setaside_stats;

typedef struct pw_setaside pw_setaside;

int pw_setaside_new(pw_setaside **out);
void pw_setaside_free(pw_setaside *s); /* NULL: no-op */
pw_setaside_stats *pw_setaside_get_stats(pw_setaside *s);
const char *pw_tick_step_name(pw_tick_step step);
const char *pw_tick_scan_name(pw_tick_scan scan);

/* The wait before try number failures + 1: BASE x 2^(failures - 1), at most MAX. */
int64_t pw_setaside_backoff_ms(int failures);
/* 1 if `step` must skip task_id now: the task is set aside and its next try is after
 * now_ms. Dispatch waits for any failure (a task whose expiry failed must not be assigned
 * past its deadline); a timer waits only for a timer's failure (a task that cannot be
 * assigned still expires). 0 otherwise, and for a NULL s. */
int pw_setaside_waiting(const pw_setaside *s, int64_t task_id, pw_tick_step step, int64_t now_ms);
/* Forgets tasks whose try has been due for PW_TICK_RETRY_MAX_MS without their coming up
 * in a scan again (a user cancelled or finished them meanwhile). Once per tick. */
void pw_setaside_sweep(pw_setaside *s, int64_t now_ms);
/* How many tasks are set aside now. */
int pw_setaside_count(const pw_setaside *s);

/* One task's work: begin() opens its savepoint; end() releases it (failure == PW_OK: the
 * task is forgotten if it was set aside) or rolls it back, sets the task aside, logs
 * and counts (failure: the work's status, base/error.h; refusal: the pw_error that says
 * why when it is PW_EREFUSED, else NULL). PW_OK, or an error when the savepoint itself
 * could not be rolled back or released: the transaction cannot go on and the caller
 * ends the tick. Engine notes (dispatch/engine.h) must come after the task's last write,
 * so a rolled-back task has told the index nothing. */
int pw_setaside_begin(pw_db *db);
int pw_setaside_end(pw_db *db, pw_setaside *s, int64_t task_id, pw_tick_step step, int failure, const pw_error *refusal,
                    int64_t now_ms);
/* A failure outside a task's savepoint (a read that wrote nothing): set aside, logged and
 * counted as end() does. PW_OK, or PW_EDB if the engine ended the transaction. */
int pw_setaside_fail(pw_db *db, pw_setaside *s, int64_t task_id, pw_tick_step step, int failure,
                     const pw_error *refusal, int64_t now_ms);
/* A scan whose step failed: logged with the engine's reason and counted; the caller
 * goes on with the rows it read. PW_OK, or PW_EDB if the engine ended the transaction. */
int pw_setaside_scan_failed(pw_db *db, pw_setaside *s, pw_tick_scan scan);

#endif
