/* workpool.c — see workpool.h. A mutex-protected FIFO served by N threads; complete() is
 * called on the pool thread right after run(). */
#include "base/workpool.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/assert.h"
#include "base/error.h"
#include "base/limits.h"

struct pw_workpool {
    pthread_mutex_t lock;  /* guards the queue */
    pthread_cond_t wake;   /* signalled on submit and stop */
    pw_job *head, *tail;   /* FIFO */
    int length, queue_max; /* current and maximum queue length */
    int stopping;          /* refuse new work, drain, exit */
    int thread_count;      /* threads started */
    const pw_clock *clock; /* handed to run() */
    pthread_t threads[PW_HTTP_LOOPS_MAX];
};

static void *pool_main(void *arg)
{
    pw_workpool *pool = arg;
    for (;;) {
        pthread_mutex_lock(&pool->lock);
        while (pool->head == NULL && !pool->stopping)
            pthread_cond_wait(&pool->wake, &pool->lock);
        pw_job *job = pool->head;
        if (job == NULL) {
            pthread_mutex_unlock(&pool->lock);
            return NULL;
        }
        pool->head = job->next;
        if (pool->head == NULL)
            pool->tail = NULL;
        pool->length--;
        pthread_mutex_unlock(&pool->lock);
        job->next = NULL;
        job->result = job->run(job, NULL, pw_clock_now_ms(pool->clock));
        if (job->complete != NULL)
            job->complete(job);
        else
            free(job);
    }
}

int pw_workpool_start(int threads, int queue_max, const pw_clock *clock, pw_workpool **out)
{
    pw_assert(threads >= 1 && threads <= PW_HTTP_LOOPS_MAX && queue_max >= 1);
    pw_workpool *pool = calloc(1, sizeof(*pool));
    if (pool == NULL)
        return PW_ENOMEM;
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->wake, NULL);
    pool->queue_max = queue_max;
    pool->clock = clock;
    for (int i = 0; i < threads; i++) {
        if (pthread_create(&pool->threads[i], NULL, pool_main, pool) != 0)
            break;
        char name[16];
        snprintf(name, sizeof(name), "pw-pool-%d", i % 100);
        pthread_setname_np(pool->threads[i], name);
        pool->thread_count++;
    }
    if (pool->thread_count == 0) {
        free(pool);
        return PW_ENOMEM;
    }
    *out = pool;
    return PW_OK;
}

int pw_workpool_submit(pw_workpool *pool, pw_job *job)
{
    job->next = NULL;
    pthread_mutex_lock(&pool->lock);
    if (pool->stopping || pool->length >= pool->queue_max) {
        pthread_mutex_unlock(&pool->lock);
        return PW_EBUSY;
    }
    if (pool->tail != NULL)
        pool->tail->next = job;
    else
        pool->head = job;
    pool->tail = job;
    pool->length++;
    pthread_cond_signal(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    return PW_OK;
}

void pw_workpool_stop(pw_workpool *pool)
{
    if (pool == NULL)
        return;
    pthread_mutex_lock(&pool->lock);
    pool->stopping = 1;
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    for (int i = 0; i < pool->thread_count; i++)
        pthread_join(pool->threads[i], NULL);
    pthread_mutex_destroy(&pool->lock);
    pthread_cond_destroy(&pool->wake);
    free(pool);
}
