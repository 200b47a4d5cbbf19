/* test_workpool.c — unit tests of src/base/workpool.c: every job runs once and
 * complete() is called once, a full queue refuses, stop drains, and a job without
 * complete() is freed by the pool (ASan checks for leaks).
 *
 * Only the public headers are used; gate.h holds a pool thread on purpose. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/error.h"
#include "base/job.h"
#include "base/workpool.h"
#include "gate.h"

/* ==== pw_workpool ========================================================================= */

typedef struct test_job {
    pw_job job;            /* first: the pool sees a pw_job */
    int index;             /* which job */
    _Atomic int runs;      /* times run() was called */
    _Atomic int completes; /* times complete() was called */
    int64_t seen_now_ms;   /* the time run() was handed */
    int seen_db_null;      /* run() got db == NULL */
    int next_was_null;     /* complete() saw the job unlinked from the queue */
} test_job;

static _Atomic int completed_total;

static int count_run(pw_job *job, struct pw_db *db, int64_t now_ms)
{
    test_job *t = (test_job *)job;
    atomic_fetch_add(&t->runs, 1);
    t->seen_now_ms = now_ms;
    t->seen_db_null = db == NULL;
    return t->index * 3 + 1;
}

static void count_complete(pw_job *job)
{
    test_job *t = (test_job *)job;
    t->next_was_null = job->next == NULL; /* no cmocka asserts off the test thread */
    atomic_fetch_add(&t->completes, 1);
    atomic_fetch_add(&completed_total, 1);
}

static void test_workpool_runs_each_job_once(void **state)
{
    (void)state;
    enum { JOBS = 2000 };
    pw_clock clock;
    pw_clock_init_manual(&clock, 777000);
    pw_workpool *pool = NULL;
    assert_int_equal(pw_workpool_start(4, JOBS, &clock, &pool), 0);
    assert_non_null(pool);
    test_job *jobs = calloc(JOBS, sizeof(*jobs));
    assert_non_null(jobs);
    atomic_store(&completed_total, 0);
    for (int i = 0; i < JOBS; i++) {
        jobs[i].index = i;
        jobs[i].job.run = count_run;
        jobs[i].job.complete = count_complete;
        assert_int_equal(pw_workpool_submit(pool, &jobs[i].job), 0);
    }
    pw_workpool_stop(pool); /* stop drains what is queued before it returns */
    assert_int_equal(atomic_load(&completed_total), JOBS);
    for (int i = 0; i < JOBS; i++) {
        assert_int_equal(atomic_load(&jobs[i].runs), 1);
        assert_int_equal(atomic_load(&jobs[i].completes), 1);
        assert_int_equal(jobs[i].job.result, i * 3 + 1);
        assert_int_equal(jobs[i].seen_now_ms, 777000);
        assert_true(jobs[i].seen_db_null);
        assert_true(jobs[i].next_was_null);
    }
    free(jobs);
}

/* The gate (gate.h) holds the only pool thread; its completion needs nothing. */
static void gate_complete(pw_job *job) { (void)job; }

static void test_workpool_queue_max(void **state)
{
    (void)state;
    pw_clock clock;
    pw_clock_init_manual(&clock, 1);
    pw_workpool *pool = NULL;
    assert_int_equal(pw_workpool_start(1, 3, &clock, &pool), 0);
    gate g;
    gate_init(&g, gate_complete);
    assert_int_equal(pw_workpool_submit(pool, &g.job), 0);
    gate_wait_started(&g); /* the only thread is busy: the queue itself is empty */

    test_job jobs[5];
    memset(jobs, 0, sizeof(jobs));
    atomic_store(&completed_total, 0);
    for (int i = 0; i < 5; i++) {
        jobs[i].index = i;
        jobs[i].job.run = count_run;
        jobs[i].job.complete = count_complete;
    }
    assert_int_equal(pw_workpool_submit(pool, &jobs[0].job), 0);
    assert_int_equal(pw_workpool_submit(pool, &jobs[1].job), 0);
    assert_int_equal(pw_workpool_submit(pool, &jobs[2].job), 0);
    assert_int_equal(pw_workpool_submit(pool, &jobs[3].job), PW_EBUSY); /* queue_max 3: refused */
    assert_int_equal(pw_workpool_submit(pool, &jobs[4].job), PW_EBUSY);
    gate_release(&g);
    pw_workpool_stop(pool);
    assert_int_equal(atomic_load(&completed_total), 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(atomic_load(&jobs[i].runs), 1);
        assert_int_equal(atomic_load(&jobs[i].completes), 1);
    }
    for (int i = 3; i < 5; i++) { /* refused jobs are never touched again */
        assert_int_equal(atomic_load(&jobs[i].runs), 0);
        assert_int_equal(atomic_load(&jobs[i].completes), 0);
    }
    gate_destroy(&g);
}

/* complete == NULL: the pool frees the job (fire-and-forget); ASan checks for leaks. */
static _Atomic int detached_runs;

static int detached_run(pw_job *job, struct pw_db *db, int64_t now_ms)
{
    atomic_fetch_add(&detached_runs, 1);
    return 0;
}

static void test_workpool_detached_jobs_freed(void **state)
{
    (void)state;
    pw_clock clock;
    pw_clock_init_manual(&clock, 1);
    pw_workpool *pool = NULL;
    assert_int_equal(pw_workpool_start(2, 64, &clock, &pool), 0);
    atomic_store(&detached_runs, 0);
    for (int i = 0; i < 50; i++) {
        pw_job *job = calloc(1, sizeof(*job));
        assert_non_null(job);
        job->run = detached_run;
        assert_int_equal(pw_workpool_submit(pool, job), 0);
    }
    pw_workpool_stop(pool);
    assert_int_equal(atomic_load(&detached_runs), 50);
    pw_workpool_stop(NULL); /* a no-op */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_workpool_runs_each_job_once),
        cmocka_unit_test(test_workpool_queue_max),
        cmocka_unit_test(test_workpool_detached_jobs_freed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
