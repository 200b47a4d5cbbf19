/* test_writer.c — unit tests of src/store/writer.c, the group-commit writer, on a real
 * SQLite file in a fresh temporary directory: every job completes exactly once after its
 * batch is durable, a failing job is rolled back alone inside its batch, batches really
 * group, max_batch 1 commits per job, the queue limit answers PW_EBUSY, the after-batch
 * hook runs once per batch before its jobs complete, and what the writer committed is
 * there for a fresh connection after pw_writer_stop.
 *
 * To make batching deterministic the tests first park the writer thread inside a "gate"
 * job that waits until the test has queued everything; the queued jobs then form batches
 * of exactly max_batch. Only public headers are used. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "store/db.h"
#include "store/writer.h"
#include "gate.h"
#include "store_fixture.h"

static const char SQL_SUM_ITEMS[] = "SELECT coalesce(sum(id), 0) FROM items";
static const char SQL_HAS_ITEM[] = "SELECT count(*) FROM items WHERE id = ?";

static int has_item(pw_db *db, int64_t id)
{
    pw_stmt *st = pw_db_stmt(db, SQL_HAS_ITEM);
    pw_stmt_int64(st, 1, id);
    assert_int_equal(pw_stmt_step(st), PW_ROW);
    int n = (int)pw_stmt_column_int64(st, 0);
    pw_stmt_done(st);
    return n;
}
/* ==== the writer ============================================================================ */

typedef struct item_job {
    pw_job job;                 /* first: the writer sees a pw_job */
    int64_t id;                 /* the row it inserts */
    int rows;                   /* how many rows (id, id+1, ...) it inserts */
    int fail;                   /* run() returns this after inserting */
    _Atomic int runs;           /* run() calls */
    _Atomic int completes;      /* complete() calls */
    int64_t seen_now_ms;        /* the time run() was handed */
    int complete_saw_committed; /* job.committed when complete() ran */
    int complete_saw_result;    /* job.result when complete() ran */
    int in_savepoint;           /* run() found itself inside the writer's "job" savepoint */
} item_job;

/* Completion bookkeeping shared with the writer thread (no cmocka asserts there). */
static pthread_mutex_t done_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;
static int done_count;

static void reset_done(void)
{
    pthread_mutex_lock(&done_lock);
    done_count = 0;
    pthread_mutex_unlock(&done_lock);
}

static void note_done(void)
{
    pthread_mutex_lock(&done_lock);
    done_count++;
    pthread_cond_broadcast(&done_cond);
    pthread_mutex_unlock(&done_lock);
}

static void wait_done(int count)
{
    pthread_mutex_lock(&done_lock);
    while (done_count < count)
        pthread_cond_wait(&done_cond, &done_lock);
    pthread_mutex_unlock(&done_lock);
}

static int item_run(pw_job *job, pw_db *db, int64_t now_ms)
{
    item_job *j = (item_job *)job;
    atomic_fetch_add(&j->runs, 1);
    j->seen_now_ms = now_ms;
    /* nothing is written yet: rolling back to the writer's savepoint changes nothing and
     * keeps it open; outside any savepoint it fails ("no such savepoint") */
    j->in_savepoint = pw_db_run(db, "ROLLBACK TO job") == PW_OK;
    for (int r = 0; r < j->rows; r++) {
        pw_stmt *st = pw_db_stmt(db, SQL_INSERT_ITEM);
        pw_stmt_int64(st, 1, j->id + r);
        pw_stmt_int64(st, 2, j->id);
        int rc = pw_stmt_run(st);
        if (rc != PW_OK)
            return rc;
    }
    return j->fail;
}

static void item_complete(pw_job *job)
{
    item_job *j = (item_job *)job;
    j->complete_saw_committed = job->committed;
    j->complete_saw_result = job->result;
    atomic_fetch_add(&j->completes, 1);
    note_done();
}

static void item_init(item_job *j, int64_t id, int rows, int fail)
{
    memset(j, 0, sizeof(*j));
    j->job.run = item_run;
    j->job.complete = item_complete;
    j->id = id;
    j->rows = rows;
    j->fail = fail;
}

/* A gate (gate.h) holds the writer thread until released, so what is submitted meanwhile
 * queues up and the next batches are exactly what the test says. */
static void gate_complete(pw_job *job) { note_done(); }

static void gate_start(gate *g, pw_writer *w)
{
    gate_init(g, gate_complete);
    assert_int_equal(pw_writer_submit(w, &g->job), PW_OK);
    gate_wait_started(g);
}

/* Creates the items table and starts a writer on its own connection. */
static pw_writer *start_writer(const fixture *f, pw_clock *clock, int max_batch)
{
    pw_db *setup_db = open_db(f);
    assert_int_equal(pw_db_exec(setup_db, SQL_CREATE_ITEMS), PW_OK);
    pw_db_close(setup_db);
    pw_clock_init_manual(clock, 1795568523000LL);
    pw_writer *w = NULL;
    assert_int_equal(pw_writer_start(open_db(f), clock, max_batch, &w), PW_OK);
    assert_non_null(w);
    reset_done();
    return w;
}

/* A writer started on the fixture's file (with `hook` as its after-batch hook, if any)
 * whose thread a gate holds: what the test submits then queues up. */
typedef struct held_writer {
    pw_clock clock;
    pw_writer *w;
    gate g;
} held_writer;

static pw_writer *hold_writer(held_writer *h, const fixture *f, int max_batch, pw_writer_after_batch hook, void *ctx)
{
    h->w = start_writer(f, &h->clock, max_batch);
    if (hook != NULL)
        pw_writer_on_batch(h->w, hook, ctx);
    gate_start(&h->g, h->w);
    return h->w;
}

/* Opens the gate and waits until `done` jobs (the gate is one) have completed. */
static pw_writer_stats *release_writer(held_writer *h, int done)
{
    gate_release(&h->g);
    wait_done(done);
    return pw_writer_get_stats(h->w);
}

static void stop_writer(held_writer *h)
{
    pw_writer_stop(h->w);
    gate_destroy(&h->g);
}

/* One item job as a test lists it: its first row, how many rows, what run() returns
 * after inserting, whether it is marked alone. */
typedef struct item_spec {
    int64_t id;
    int rows, fail, alone;
} item_spec;

/* Initialises jobs[i] from spec[i] (spec NULL: ids first_id, first_id + 1, ..., one row
 * each) and submits them in order; each is accepted. */
static void submit_items(pw_writer *w, item_job *jobs, int n, const item_spec *spec, int64_t first_id)
{
    for (int i = 0; i < n; i++) {
        if (spec != NULL) {
            item_init(&jobs[i], spec[i].id, spec[i].rows, spec[i].fail);
            jobs[i].job.alone = spec[i].alone;
        } else {
            item_init(&jobs[i], first_id + i, 1, 0);
        }
        assert_int_equal(pw_writer_submit(w, &jobs[i].job), PW_OK);
    }
}

/* The items a fresh connection to the file sees. */
static int64_t items_on_disk(const fixture *f)
{
    pw_db *db = open_db(f);
    int64_t n = query_int(db, SQL_COUNT_ITEMS);
    pw_db_close(db);
    return n;
}

typedef struct submitter {
    pw_writer *w;
    item_job *jobs; /* this thread's slice */
    int count;
    int refused; /* submissions answered other than PW_OK */
} submitter;

static void *submit_main(void *arg)
{
    submitter *s = arg;
    for (int i = 0; i < s->count; i++)
        if (pw_writer_submit(s->w, &s->jobs[i].job) != PW_OK)
            s->refused++;
    return NULL;
}

/* Many threads submit at once; stop right after: every job ran once, completed once
 * after a commit, and a fresh connection sees every row. */
static void test_writer_many_threads_durable(void **state)
{
    fixture *f = *state;
    enum { THREADS = 4, PER_THREAD = 600, JOBS = THREADS * PER_THREAD };
    pw_clock clock;
    pw_writer *w = start_writer(f, &clock, PW_WRITER_BATCH_MAX);
    item_job *jobs = calloc(JOBS, sizeof(*jobs));
    assert_non_null(jobs);
    for (int i = 0; i < JOBS; i++)
        item_init(&jobs[i], 1000 + i, 1, 0);
    pthread_t threads[THREADS];
    submitter subs[THREADS];
    for (int t = 0; t < THREADS; t++) {
        subs[t] = (submitter){.w = w, .jobs = jobs + t * PER_THREAD, .count = PER_THREAD};
        assert_int_equal(pthread_create(&threads[t], NULL, submit_main, &subs[t]), 0);
    }
    for (int t = 0; t < THREADS; t++) {
        pthread_join(threads[t], NULL);
        assert_int_equal(subs[t].refused, 0);
    }
    pw_writer_stop(w); /* drains the queue before it returns */
    for (int i = 0; i < JOBS; i++) {
        assert_int_equal(atomic_load(&jobs[i].runs), 1);
        assert_int_equal(atomic_load(&jobs[i].completes), 1);
        assert_int_equal(jobs[i].complete_saw_committed, 1);
        assert_int_equal(jobs[i].complete_saw_result, 0);
        assert_int_equal(jobs[i].seen_now_ms, 1795568523000LL);
    }
    /* Durability: a new connection to the file sees every row. */
    pw_db *db = open_db(f);
    assert_int_equal(query_int(db, SQL_COUNT_ITEMS), JOBS);
    int64_t want_sum = 0;
    for (int i = 0; i < JOBS; i++)
        want_sum += 1000 + i;
    assert_int_equal(query_int(db, SQL_SUM_ITEMS), want_sum);
    pw_db_close(db);
    free(jobs);
}

/* A failing job is rolled back alone: its neighbours in the same batch commit. */
static void test_writer_failed_job_rolled_back_alone(void **state)
{
    fixture *f = *state;
    held_writer h;
    pw_writer *w = hold_writer(&h, f, PW_WRITER_BATCH_MAX, NULL, NULL);
    static const item_spec spec[] = {
        {100, 1, 0, 0},   /* commits */
        {200, 3, 409, 0}, /* writes three rows, then fails */
        {300, 1, 0, 0},   /* commits */
        {100, 1, 0, 0},   /* duplicate key: run() returns PW_ECONSTRAINT */
        {400, 2, 0, 0},   /* commits two rows */
    };
    item_job jobs[5];
    submit_items(w, jobs, 5, spec, 0);
    assert_int_equal(pw_writer_queue_length(w), 5);
    pw_writer_stats *stats = release_writer(&h, 6);
    assert_int_equal(atomic_load(&stats->commits), 2); /* the gate alone, then the five together */
    assert_int_equal(atomic_load(&stats->jobs), 6);
    assert_int_equal(atomic_load(&stats->batch_jobs.counts[0]), 1); /* le 1: the gate's batch */
    assert_int_equal(atomic_load(&stats->batch_jobs.counts[3]), 1); /* le 8: the batch of five */
    assert_int_equal(atomic_load(&stats->batch_jobs.total), 2);
    assert_int_equal(atomic_load(&stats->commit_seconds.total), 2);
    assert_int_equal(pw_writer_queue_length(w), 0);
    stop_writer(&h);

    assert_int_equal(jobs[0].complete_saw_result, 0);
    assert_int_equal(jobs[1].complete_saw_result, 409);
    assert_int_equal(jobs[2].complete_saw_result, 0);
    assert_int_equal(jobs[3].complete_saw_result, PW_ECONSTRAINT);
    assert_int_equal(jobs[4].complete_saw_result, 0);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(atomic_load(&jobs[i].completes), 1);
        assert_int_equal(jobs[i].complete_saw_committed, 1); /* the batch is durable */
    }

    pw_db *db = open_db(f);
    assert_int_equal(has_item(db, 100), 1);
    assert_int_equal(has_item(db, 200), 0);
    assert_int_equal(has_item(db, 201), 0);
    assert_int_equal(has_item(db, 202), 0);
    assert_int_equal(has_item(db, 300), 1);
    assert_int_equal(has_item(db, 400), 1);
    assert_int_equal(has_item(db, 401), 1);
    assert_int_equal(query_int(db, SQL_COUNT_ITEMS), 4);
    assert_int_equal(query_int(db, "SELECT tag FROM items WHERE id = 100"), 100); /* the first, not the duplicate */
    pw_db_close(db);
}

/* A job marked alone is a batch of its own, outside any savepoint; the jobs around it
 * are batched as usual, and an alone job that fails is rolled back whole. */
static void test_writer_alone_job(void **state)
{
    fixture *f = *state;
    held_writer h;
    pw_writer *w = hold_writer(&h, f, PW_WRITER_BATCH_MAX, NULL, NULL);
    static const item_spec spec[] = {
        {100, 1, 0, 0},   /* batched with 200 */
        {200, 1, 0, 0},   /* batched with 100 */
        {300, 3, 0, 1},   /* alone, three rows */
        {400, 1, 0, 0},   /* between two alone jobs: a batch of one */
        {500, 2, 409, 1}, /* alone, writes two rows, then fails */
        {600, 1, 0, 0},   /* after it: a batch of one */
    };
    item_job jobs[6];
    submit_items(w, jobs, 6, spec, 0);
    pw_writer_stats *stats = release_writer(&h, 7);
    /* gate | 100 200 | 300 alone | 400 | 500 alone, rolled back: no commit | 600 */
    assert_int_equal(atomic_load(&stats->commits), 5);
    assert_int_equal(atomic_load(&stats->jobs), 7);
    assert_int_equal(atomic_load(&stats->batch_jobs.counts[0]), 4); /* le 1: gate, 300, 400, 600 */
    assert_int_equal(atomic_load(&stats->batch_jobs.counts[1]), 1); /* le 2: 100 and 200 together */
    stop_writer(&h);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(atomic_load(&jobs[i].completes), 1);
        assert_int_equal(jobs[i].in_savepoint, !jobs[i].job.alone);
    }
    assert_int_equal(jobs[2].complete_saw_result, 0);
    assert_int_equal(jobs[4].complete_saw_result, 409);
    pw_db *db = open_db(f);
    for (int64_t id = 100; id <= 600; id += 100)
        assert_int_equal(has_item(db, id), id != 500);
    assert_int_equal(has_item(db, 302), 1);
    assert_int_equal(has_item(db, 501), 0);
    assert_int_equal(query_int(db, SQL_COUNT_ITEMS), 7); /* 1 + 1 + 3 + 1 + 1 */
    pw_db_close(db);
}

/* 1000 jobs queued at once with max_batch 512 commit in two transactions (512 + 488). */
static void test_writer_batches_group(void **state)
{
    fixture *f = *state;
    enum { JOBS = 1000 };
    held_writer h;
    pw_writer *w = hold_writer(&h, f, 512, NULL, NULL);
    item_job *jobs = calloc(JOBS, sizeof(*jobs));
    assert_non_null(jobs);
    submit_items(w, jobs, JOBS, NULL, 1);
    assert_int_equal(pw_writer_queue_length(w), JOBS);
    pw_writer_stats *stats = release_writer(&h, JOBS + 1);
    assert_true(atomic_load(&stats->commits) < JOBS);
    assert_int_equal(atomic_load(&stats->commits), 3); /* gate, 512, 488 */
    assert_int_equal(atomic_load(&stats->jobs), JOBS + 1);
    assert_int_equal(atomic_load(&stats->batch_jobs.counts[0]), 1); /* le 1 */
    assert_int_equal(atomic_load(&stats->batch_jobs.counts[9]), 2); /* le 512: 488 and 512 */
    assert_int_equal(atomic_load(&stats->rejected), 0);
    stop_writer(&h);
    for (int i = 0; i < JOBS; i++) {
        assert_int_equal(atomic_load(&jobs[i].completes), 1);
        assert_int_equal(jobs[i].complete_saw_committed, 1);
    }
    assert_int_equal(items_on_disk(f), JOBS);
    free(jobs);
}

/* max_batch 1 turns group commit off: one transaction per job. */
static void test_writer_max_batch_one(void **state)
{
    fixture *f = *state;
    enum { JOBS = 100 };
    held_writer h;
    pw_writer *w = hold_writer(&h, f, 1, NULL, NULL);
    item_job jobs[JOBS];
    submit_items(w, jobs, JOBS, NULL, 1);
    pw_writer_stats *stats = release_writer(&h, JOBS + 1);
    assert_int_equal(atomic_load(&stats->commits), JOBS + 1);
    assert_int_equal(atomic_load(&stats->jobs), JOBS + 1);
    assert_int_equal(atomic_load(&stats->batch_jobs.counts[0]), JOBS + 1);
    stop_writer(&h);
    assert_int_equal(items_on_disk(f), JOBS);
}

/* PW_WRITER_QUEUE_MAX jobs may wait; the next is refused with PW_EBUSY and counted. */
static int noop_run(pw_job *job, pw_db *db, int64_t now_ms) { return 0; }
static void noop_complete(pw_job *job) { note_done(); }

static void test_writer_queue_limit(void **state)
{
    fixture *f = *state;
    held_writer h;
    pw_writer *w = hold_writer(&h, f, PW_WRITER_BATCH_MAX, NULL, NULL);
    pw_job *jobs = calloc(PW_WRITER_QUEUE_MAX + 2, sizeof(*jobs));
    assert_non_null(jobs);
    for (int i = 0; i < PW_WRITER_QUEUE_MAX + 2; i++) {
        jobs[i].run = noop_run;
        jobs[i].complete = noop_complete;
    }
    for (int i = 0; i < PW_WRITER_QUEUE_MAX; i++)
        assert_int_equal(pw_writer_submit(w, &jobs[i]), PW_OK);
    assert_int_equal(pw_writer_queue_length(w), PW_WRITER_QUEUE_MAX);
    assert_int_equal(pw_writer_submit(w, &jobs[PW_WRITER_QUEUE_MAX]), PW_EBUSY);
    assert_int_equal(pw_writer_submit(w, &jobs[PW_WRITER_QUEUE_MAX + 1]), PW_EBUSY);
    pw_writer_stats *stats = pw_writer_get_stats(w);
    assert_int_equal(atomic_load(&stats->rejected), 2);
    release_writer(&h, PW_WRITER_QUEUE_MAX + 1);
    /* gate + 8192 / 512 full batches */
    assert_int_equal(atomic_load(&stats->commits), 1 + PW_WRITER_QUEUE_MAX / PW_WRITER_BATCH_MAX);
    assert_int_equal(atomic_load(&stats->jobs), PW_WRITER_QUEUE_MAX + 1);
    /* Space again: a submission is accepted. */
    assert_int_equal(pw_writer_submit(w, &jobs[PW_WRITER_QUEUE_MAX]), PW_OK);
    wait_done(PW_WRITER_QUEUE_MAX + 2);
    stop_writer(&h);
    assert_int_equal(jobs[PW_WRITER_QUEUE_MAX + 1].committed, 0); /* the refused one never ran */
    free(jobs);
}

/* An event loop hands over a turn's writes as one list: the places are reserved one by
 * one (they count against PW_WRITER_QUEUE_MAX before the list is handed over), the list is
 * enqueued with one call, and its jobs commit together, in order. */
static void test_writer_reserve_then_enqueue_list(void **state)
{
    fixture *f = *state;
    held_writer h;
    pw_writer *w = hold_writer(&h, f, PW_WRITER_BATCH_MAX, NULL, NULL);
    item_job list[3];
    for (int i = 0; i < 3; i++) {
        item_init(&list[i], 1 + i, 1, 0);
        assert_int_equal(pw_writer_reserve(w), PW_OK);
        list[i].job.next = i < 2 ? &list[i + 1].job : NULL;
    }
    assert_int_equal(pw_writer_queue_length(w), 3);
    /* The reserved places fill the queue like queued jobs do. */
    pw_job *rest = calloc(PW_WRITER_QUEUE_MAX, sizeof(*rest));
    assert_non_null(rest);
    for (int i = 0; i < PW_WRITER_QUEUE_MAX - 3; i++) {
        rest[i].run = noop_run;
        rest[i].complete = noop_complete;
        assert_int_equal(pw_writer_submit(w, &rest[i]), PW_OK);
    }
    assert_int_equal(pw_writer_reserve(w), PW_EBUSY);
    assert_int_equal(pw_writer_queue_length(w), PW_WRITER_QUEUE_MAX);
    /* What was reserved is accepted although the queue is full. */
    assert_int_equal(pw_writer_enqueue(w, &list[0].job, &list[2].job, 3), PW_OK);
    pw_writer_stats *stats = release_writer(&h, PW_WRITER_QUEUE_MAX + 1);
    assert_int_equal(pw_writer_queue_length(w), 0);
    assert_int_equal(atomic_load(&stats->jobs), PW_WRITER_QUEUE_MAX + 1);
    assert_int_equal(atomic_load(&stats->rejected), 1);
    stop_writer(&h);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(atomic_load(&list[i].completes), 1);
        assert_int_equal(list[i].complete_saw_committed, 1);
    }
    assert_int_equal(items_on_disk(f), 3);
    free(rest);
}

/* pw_writer_on_batch: the hook runs on the writer thread once per batch, after the
 * commit and before any of the batch's jobs complete, on the writer's connection (which
 * sees the batch's rows). */
typedef struct hook_log {
    int calls;               /* hook invocations */
    int done_at_call[4];     /* done_count when each call ran */
    int64_t rows_at_call[4]; /* rows the writer's connection saw then */
    int64_t now_at_call[4];  /* the batch's time */
} hook_log;

static void after_batch(void *ctx, pw_db *db, int64_t now_ms)
{
    hook_log *log = ctx;
    if (log->calls < 4) {
        pthread_mutex_lock(&done_lock);
        log->done_at_call[log->calls] = done_count;
        pthread_mutex_unlock(&done_lock);
        pw_stmt *st = pw_db_stmt(db, SQL_COUNT_ITEMS);
        log->rows_at_call[log->calls] = pw_stmt_step(st) == PW_ROW ? pw_stmt_column_int64(st, 0) : -1;
        pw_stmt_done(st);
        log->now_at_call[log->calls] = now_ms;
    }
    log->calls++;
}

static void test_writer_after_batch_hook(void **state)
{
    fixture *f = *state;
    hook_log log = {0};
    held_writer h;
    pw_writer *w = hold_writer(&h, f, PW_WRITER_BATCH_MAX, after_batch, &log);
    static const item_spec spec[] = {
        {1, 1, 0, 0},
        {2, 1, 1, 0}, /* rolled back alone */
        {3, 1, 0, 0},
    };
    item_job jobs[3];
    submit_items(w, jobs, 3, spec, 0);
    pw_clock_advance_ms(&h.clock, 5000);
    release_writer(&h, 4);
    pw_writer_on_batch(w, NULL, NULL); /* unhooked: later batches call nothing */
    item_job late;
    item_init(&late, 9, 1, 0);
    assert_int_equal(pw_writer_submit(w, &late.job), PW_OK);
    wait_done(5);
    stop_writer(&h);
    assert_int_equal(log.calls, 2);           /* the gate's batch, then the three */
    assert_int_equal(log.done_at_call[0], 0); /* before the gate completed */
    assert_int_equal(log.done_at_call[1], 1); /* before any of the three completed */
    assert_int_equal(log.rows_at_call[0], 0);
    assert_int_equal(log.rows_at_call[1], 2); /* after the commit: jobs 1 and 3, not 2 */
    assert_int_equal(log.now_at_call[0], 1795568523000LL);
    assert_int_equal(log.now_at_call[1], 1795568523000LL + 5000);
}

/* complete == NULL: the writer frees the job after its commit (ASan checks the free). */
static void test_writer_detached_job(void **state)
{
    fixture *f = *state;
    pw_clock clock;
    pw_writer *w = start_writer(f, &clock, PW_WRITER_BATCH_MAX);
    for (int i = 0; i < 10; i++) {
        item_job *j = malloc(sizeof(*j));
        assert_non_null(j);
        item_init(j, 50 + i, 1, 0);
        j->job.complete = NULL;
        assert_int_equal(pw_writer_submit(w, &j->job), PW_OK);
    }
    pw_writer_stop(w);
    assert_int_equal(items_on_disk(f), 10);
    pw_writer_stop(NULL); /* a no-op */
}
int main(void)
{
    const struct CMUnitTest tests[] = {
        STORE_TEST(test_writer_many_threads_durable),
        STORE_TEST(test_writer_failed_job_rolled_back_alone),
        STORE_TEST(test_writer_batches_group),
        STORE_TEST(test_writer_max_batch_one),
        STORE_TEST(test_writer_alone_job),
        STORE_TEST(test_writer_reserve_then_enqueue_list),
        STORE_TEST(test_writer_queue_limit),
        STORE_TEST(test_writer_after_batch_hook),
        STORE_TEST(test_writer_detached_job),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
