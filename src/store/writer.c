/* writer.c — see writer.h. One thread, one mutex-protected FIFO, one connection. */
#include "store/writer.h"

#include "store/faults.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "base/assert.h"
#include "base/limits.h"
#include "base/log.h"
#include "store/faults.h"

struct pw_writer {
    pthread_t thread;            /* the writer thread */
    pthread_mutex_t lock;        /* guards the FIFO, `exited` and the stop signal */
    pthread_cond_t wake;         /* signalled on submit and stop */
    pw_job *head, *tail;         /* FIFO of waiting jobs */
    _Atomic int admitted;        /* jobs reserved or in the FIFO, not yet taken by the writer */
    _Atomic int stopping;        /* no more reservations; drain and exit */
    int exited;                  /* the thread has drained the FIFO and left (guarded by lock) */
    int max_batch;               /* jobs per transaction */
    pw_db *db;                   /* the writer's own connection */
    const pw_clock *clock;       /* time handed to each job */
    pw_writer_stats stats;       /* exported through /metrics */
    pw_writer_after_batch after; /* hook after each batch, or NULL (guarded by lock) */
    void *after_ctx;
};

static const double batch_bounds[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512};
static const double commit_bounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1};

static void finish(pw_job *job)
{
    pw_assert(job->next == NULL); /* out of the batch: the job is its owner's again */
    if (job->complete != NULL)
        job->complete(job);
    else
        free(job);
}

static void run_batch(pw_writer *w, pw_job *batch, int count)
{
    pw_assert(batch != NULL && count >= 1 && count <= w->max_batch);
    pw_assert(!batch->alone || (count == 1 && batch->next == NULL)); /* a job that runs alone is a batch of one */
    int64_t now_ms = pw_clock_now_ms(w->clock);
    int rc = pw_db_run(w->db, "BEGIN IMMEDIATE");
    const char *end = "COMMIT";
    if (rc == PW_OK && batch->alone) { /* a batch of its own (writer_main): no savepoint */
        pw_faults_job(1);
        batch->result = batch->run(batch, w->db, now_ms);
        pw_faults_job(0);
        if (batch->result != 0)
            end = "ROLLBACK"; /* it failed: it leaves nothing, as a rolled-back savepoint would */
    }
    for (pw_job *job = batch; rc == PW_OK && !batch->alone && job != NULL; job = job->next) {
        rc = pw_db_run(w->db, "SAVEPOINT job");
        if (rc != PW_OK)
            break;
        pw_faults_job(1);
        job->result = job->run(job, w->db, now_ms);
        pw_faults_job(0);
        if (job->result != 0)
            rc = pw_db_run(w->db, "ROLLBACK TO job");
        if (rc == PW_OK)
            rc = pw_db_run(w->db, "RELEASE job");
    }
    int64_t started_ns = pw_monotonic_ns();
    if (rc == PW_OK)
        rc = pw_db_run(w->db, end);
    if (rc != PW_OK) {
        pw_log_error("msg=\"group commit failed\" jobs=%d", count);
        pw_db_run(w->db, "ROLLBACK");
    } else {
        if (end[0] == 'C') { /* a transaction was committed (not a failed alone job's rollback) */
            pw_histogram_observe(&w->stats.commit_seconds, (double)(pw_monotonic_ns() - started_ns) / 1e9);
            pw_histogram_observe(&w->stats.batch_jobs, count);
            atomic_fetch_add(&w->stats.commits, 1);
        }
        atomic_fetch_add(&w->stats.jobs, (uint64_t)count);
    }
    pthread_mutex_lock(&w->lock);
    pw_writer_after_batch after = w->after;
    void *after_ctx = w->after_ctx;
    pthread_mutex_unlock(&w->lock);
    if (after != NULL)
        after(after_ctx, w->db, now_ms);
    pw_job *job = batch;
    while (job != NULL) {
        pw_job *next = job->next;
        job->next = NULL;
        job->committed = rc == PW_OK;
        if (rc != PW_OK)
            job->result = PW_EDB;
        finish(job);
        job = next;
    }
}

static void *writer_main(void *arg)
{
    pw_writer *w = arg;
    for (;;) {
        pthread_mutex_lock(&w->lock);
        while (w->head == NULL && !w->stopping)
            pthread_cond_wait(&w->wake, &w->lock);
        if (w->head == NULL) {
            w->exited = 1;
            pthread_mutex_unlock(&w->lock);
            break;
        }
        /* a job that runs alone is a batch of one; the others are batched up to it */
        pw_job *batch = w->head, *last = w->head;
        int count = 1;
        while (!batch->alone && count < w->max_batch && last->next != NULL && !last->next->alone)
            last = last->next, count++;
        w->head = last->next;
        if (w->head == NULL)
            w->tail = NULL;
        last->next = NULL;
        pthread_mutex_unlock(&w->lock);
        int admitted = atomic_fetch_sub(&w->admitted, count);
        pw_assert(admitted >= count); /* every job in the FIFO had its place reserved */
        run_batch(w, batch, count);
    }
    return NULL;
}

int pw_writer_start(pw_db *db, const pw_clock *clock, int max_batch, pw_writer **out)
{
    pw_assert(max_batch >= 1 && max_batch <= PW_WRITER_BATCH_MAX);
    pw_writer *w = calloc(1, sizeof(*w));
    if (w == NULL)
        return PW_ENOMEM;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    w->db = db;
    w->clock = clock;
    w->max_batch = max_batch;
    pw_histogram_init(&w->stats.batch_jobs, batch_bounds, (int)(sizeof(batch_bounds) / sizeof(batch_bounds[0])));
    pw_histogram_init(&w->stats.commit_seconds, commit_bounds, (int)(sizeof(commit_bounds) / sizeof(commit_bounds[0])));
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        free(w);
        return PW_EDB;
    }
    pthread_setname_np(w->thread, "pw-writer");
    *out = w;
    return PW_OK;
}

int pw_writer_reserve(pw_writer *w)
{
    if (atomic_load(&w->stopping)) {
        atomic_fetch_add(&w->stats.rejected, 1);
        return PW_EBUSY;
    }
    if (atomic_fetch_add(&w->admitted, 1) >= PW_WRITER_QUEUE_MAX) {
        atomic_fetch_sub(&w->admitted, 1);
        atomic_fetch_add(&w->stats.rejected, 1);
        return PW_EBUSY;
    }
    return PW_OK;
}

int pw_writer_enqueue(pw_writer *w, pw_job *first, pw_job *last, int count)
{
    pw_assert(first != NULL && last != NULL && last->next == NULL && count >= 1);
    int listed = 1;
    for (const pw_job *job = first; job != last; job = job->next, listed++)
        pw_assert(job != NULL && job->run != NULL); /* last is reached from first */
    pw_assert(listed == count && last->run != NULL);
    pthread_mutex_lock(&w->lock);
    if (w->exited) { /* stopped and drained: nothing would ever run these */
        pthread_mutex_unlock(&w->lock);
        atomic_fetch_sub(&w->admitted, count);
        return PW_EBUSY;
    }
    if (w->tail != NULL)
        w->tail->next = first;
    else
        w->head = first;
    w->tail = last;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    return PW_OK;
}

int pw_writer_submit(pw_writer *w, pw_job *job)
{
    pw_assert(job->run != NULL);
    int rc = pw_writer_reserve(w);
    if (rc != PW_OK)
        return rc;
    job->next = NULL;
    job->committed = 0;
    return pw_writer_enqueue(w, job, job, 1);
}

void pw_writer_stop(pw_writer *w)
{
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->lock);
    atomic_store(&w->stopping, 1);
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pw_assert(w->exited && w->head == NULL); /* drained: every accepted job ran */
    pw_db_close(w->db);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->wake);
    free(w);
}

void pw_writer_on_batch(pw_writer *w, pw_writer_after_batch fn, void *ctx)
{
    pthread_mutex_lock(&w->lock);
    w->after = fn;
    w->after_ctx = ctx;
    pthread_mutex_unlock(&w->lock);
}

pw_writer_stats *pw_writer_get_stats(pw_writer *w) { return &w->stats; }

int pw_writer_queue_length(pw_writer *w) { return atomic_load(&w->admitted); }
