/* writer.h — the one writer: every durable change goes through here, many requests per
 * transaction (group commit).
 *
 * A caller fills a pw_job with a run() function and submits it. The writer thread takes
 * whatever jobs are waiting (up to PW_WRITER_BATCH_MAX), opens one transaction, runs each
 * job inside its own SAVEPOINT (a job that returns non-zero is rolled back alone: a 409
 * changes nothing), COMMITs once — one fsync for the whole batch — and only then calls
 * each job's complete() callback. While a commit is on disk the next batch gathers, so
 * batches grow exactly when load does, and no caller ever waits on fsync itself: the
 * event loops hand a job over and go on serving.
 *
 * A job with `alone` set runs in a transaction of its own, with no savepoint around it
 * (the jobs queued before it commit first, those after it in the next batch): for the
 * market tick, which can write thousands of rows in one job. Inside a savepoint every
 * statement that first changes a page already in the database pays for the savepoint's
 * in-memory sub-journal — SQLite walks it from its start when the statement ends — so a
 * job's cost grew with the square of its size: a dispatch round of 5,000 assignments took
 * ~4 s inside one, ~0.6 s alone (docs/BENCHMARKS.md). A failed alone job is rolled back
 * whole, as a failed job in a batch is rolled back to its savepoint. The tick keeps one
 * failing task from failing the whole job itself: each task's work runs in a savepoint of
 * its own, released at once, so the sub-journal never holds more than one task's pages
 * (market/setaside.h).
 *
 * complete() runs on the writer thread; the HTTP layer uses it to post the job back to
 * the event loop that owns the request. A job with complete == NULL is freed by the
 * writer (fire-and-forget, e.g. a session's last-seen touch). */
#ifndef PW_WRITER_H
#define PW_WRITER_H
#include <stdint.h>

#include "base/clock.h"
#include "base/histogram.h"
#include "base/job.h"
#include "store/db.h"

typedef struct pw_writer pw_writer;

typedef struct pw_writer_stats {
    pw_histogram batch_jobs;     /* jobs per committed transaction */
    pw_histogram commit_seconds; /* COMMIT (fsync) latency */
    _Atomic uint64_t commits;    /* transactions committed */
    _Atomic uint64_t jobs;       /* jobs run */
    _Atomic uint64_t rejected;   /* submissions refused: queue full or stopping */
} pw_writer_stats;

/* Starts the writer thread on its own connection `db` (which it then owns). `max_batch`
 * is PW_WRITER_BATCH_MAX normally; 1 turns group commit off (benchmarks compare). */
int pw_writer_start(pw_db *db, const pw_clock *clock, int max_batch, pw_writer **out);
/* Called on the writer thread after every batch (committed or not, before the jobs
 * complete), e.g. to bring an in-memory index in step with what is now in the database. */
typedef void (*pw_writer_after_batch)(void *ctx, pw_db *db, int64_t now_ms);
void pw_writer_on_batch(pw_writer *w, pw_writer_after_batch fn, void *ctx);
/* Queues a job: pw_writer_reserve() then pw_writer_enqueue() of that one job.
 * PW_EBUSY: queue full or the writer stopping (the caller answers 503). */
int pw_writer_submit(pw_writer *w, pw_job *job);
/* Submission in two steps, so an event loop can hand over everything one loop turn
 * produced as one list (one lock, one wake-up; the writer then sees a turn's requests
 * together instead of starting a commit with the first of them). reserve() takes one
 * place in the queue (PW_WRITER_QUEUE_MAX) or answers PW_EBUSY (full, or stopping);
 * enqueue() appends `count` reserved jobs linked first..last (last->next == NULL). It
 * fails (PW_EBUSY, places returned) only once the writer has stopped and drained. */
int pw_writer_reserve(pw_writer *w);
int pw_writer_enqueue(pw_writer *w, pw_job *first, pw_job *last, int count);
/* Runs every queued job, then stops the thread and closes its connection. */
void pw_writer_stop(pw_writer *w);
pw_writer_stats *pw_writer_get_stats(pw_writer *w);
int pw_writer_queue_length(pw_writer *w);

#endif
