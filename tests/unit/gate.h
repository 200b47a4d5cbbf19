/* gate.h — for tests: a job whose run() waits until the test lets it go, so it holds the
 * thread running it (the writer, a pool thread) while the test queues more work. The
 * test sets job.complete; gate_wait_started waits until run() has begun. */
#ifndef PW_TEST_GATE_H
#define PW_TEST_GATE_H
#include <pthread.h>
#include <string.h>

#include "base/job.h"

typedef struct gate {
    pw_job job; /* first: the gate is the job */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int started; /* run() has begun */
    int open;    /* run() may return */
} gate;

static int gate_run(pw_job *job, struct pw_db *db, int64_t now_ms)
{
    (void)db;
    (void)now_ms;
    gate *g = (gate *)job;
    pthread_mutex_lock(&g->lock);
    g->started = 1;
    pthread_cond_broadcast(&g->cond);
    while (!g->open)
        pthread_cond_wait(&g->cond, &g->lock);
    pthread_mutex_unlock(&g->lock);
    return 0;
}

static void gate_init(gate *g, void (*complete)(pw_job *job))
{
    memset(g, 0, sizeof(*g));
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->cond, NULL);
    g->job.run = gate_run;
    g->job.complete = complete;
}

static void gate_wait_started(gate *g)
{
    pthread_mutex_lock(&g->lock);
    while (!g->started)
        pthread_cond_wait(&g->cond, &g->lock);
    pthread_mutex_unlock(&g->lock);
}

static void gate_release(gate *g)
{
    pthread_mutex_lock(&g->lock);
    g->open = 1;
    pthread_cond_broadcast(&g->cond);
    pthread_mutex_unlock(&g->lock);
}

static void gate_destroy(gate *g)
{
    pthread_mutex_destroy(&g->lock);
    pthread_cond_destroy(&g->cond);
}

#endif
