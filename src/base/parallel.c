/* parallel.c — see parallel.h. A loop is published under the mutex with a new generation
 * number; helpers wake on it, take chunks from an atomic counter until it passes count,
 * and report back; the caller takes chunks too and then waits for the helpers, so no
 * helper is still inside a loop when the next one is published. */
#include "base/parallel.h"

#include "base/error.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/assert.h"

struct pw_parallel {
    pthread_mutex_t lock;
    pthread_cond_t start; /* a loop was published, or stop */
    pthread_cond_t done;  /* the last helper finished the loop */
    uint64_t generation;  /* loops published */
    int stopping;
    int helpers_busy; /* helpers not yet done with the current loop */
    /* the current loop: written under the lock before the generation moves */
    pw_parallel_fn *fn;
    void *ctx;
    int count, chunk;
    atomic_int next; /* first item not yet handed out */
    int lanes;
    int started; /* helper threads running */
    pthread_t *threads;
};

typedef struct helper_arg {
    pw_parallel *p;
    int lane;
} helper_arg;

static void run_chunks(pw_parallel *p, int lane)
{
    for (;;) {
        int begin = atomic_fetch_add_explicit(&p->next, p->chunk, memory_order_relaxed);
        if (begin >= p->count)
            return;
        int end = p->count - begin > p->chunk ? begin + p->chunk : p->count;
        p->fn(p->ctx, begin, end, lane);
    }
}

static void *helper_main(void *arg)
{
    helper_arg a = *(helper_arg *)arg;
    free(arg);
    pw_parallel *p = a.p;
    pthread_mutex_lock(&p->lock);
    uint64_t seen = 0;
    for (;;) {
        while (!p->stopping && p->generation == seen)
            pthread_cond_wait(&p->start, &p->lock);
        if (p->stopping)
            break;
        seen = p->generation;
        pthread_mutex_unlock(&p->lock);
        run_chunks(p, a.lane);
        pthread_mutex_lock(&p->lock);
        if (--p->helpers_busy == 0)
            pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

int pw_parallel_new(int lanes, pw_parallel **out)
{
    pw_assert(lanes >= 1);
    pw_parallel *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return PW_ENOMEM;
    p->lanes = lanes;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->start, NULL);
    pthread_cond_init(&p->done, NULL);
    atomic_init(&p->next, 0);
    if (lanes > 1 && (p->threads = calloc((size_t)lanes - 1, sizeof(pthread_t))) == NULL) {
        pw_parallel_free(p);
        return PW_ENOMEM;
    }
    /* helpers take no signal: they start with every signal blocked */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    for (int lane = 1; lane < lanes; lane++) {
        helper_arg *arg = malloc(sizeof(*arg));
        if (arg == NULL)
            break;
        *arg = (helper_arg){p, lane};
        if (pthread_create(&p->threads[lane - 1], NULL, helper_main, arg) != 0) {
            free(arg);
            break;
        }
        char name[16];
        snprintf(name, sizeof(name), "pw-search-%d", lane % 100);
        pthread_setname_np(p->threads[lane - 1], name);
        p->started++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (p->started != lanes - 1) {
        pw_parallel_free(p);
        return PW_ENOMEM;
    }
    *out = p;
    return PW_OK;
}

void pw_parallel_free(pw_parallel *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->lock);
    p->stopping = 1;
    pthread_cond_broadcast(&p->start);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->started; i++)
        pthread_join(p->threads[i], NULL);
    pthread_cond_destroy(&p->done);
    pthread_cond_destroy(&p->start);
    pthread_mutex_destroy(&p->lock);
    free(p->threads);
    free(p);
}

int pw_parallel_lanes(const pw_parallel *p) { return p->lanes; }

void pw_parallel_for(pw_parallel *p, int count, int chunk, pw_parallel_fn *fn, void *ctx)
{
    pw_assert(chunk >= 1);
    if (count <= 0)
        return;
    if (p->lanes == 1 || count <= chunk) { /* nothing to share: no wake-ups */
        for (int begin = 0; begin < count; begin += chunk)
            fn(ctx, begin, count - begin > chunk ? begin + chunk : count, 0);
        return;
    }
    pthread_mutex_lock(&p->lock);
    p->fn = fn;
    p->ctx = ctx;
    p->count = count;
    p->chunk = chunk;
    atomic_store_explicit(&p->next, 0, memory_order_relaxed);
    p->helpers_busy = p->lanes - 1;
    p->generation++;
    pthread_cond_broadcast(&p->start);
    pthread_mutex_unlock(&p->lock);
    run_chunks(p, 0);
    pthread_mutex_lock(&p->lock);
    while (p->helpers_busy > 0)
        pthread_cond_wait(&p->done, &p->lock);
    pthread_mutex_unlock(&p->lock);
}
