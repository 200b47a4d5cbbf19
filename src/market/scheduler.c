/* scheduler.c — see scheduler.h. */
#include "market/scheduler.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "base/log.h"
#include "dispatch/engine.h"
#include "market/events.h"

struct pw_scheduler {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake; /* signalled by stop */
    int stopping;
    int tick_ms;
    pw_writer *writer;
    const pw_market_policy *policy;
    atomic_int tick_queued; /* 1 while a tick job waits or runs */
    pw_job job;             /* the one tick job, reused */
};

static int tick_run(pw_job *job, pw_db *db, int64_t now_ms)
{
    pw_scheduler *s = job->ctx;
    pw_tick_report r;
    int rc = pw_tasks_tick(db, s->policy, now_ms, &r);
    if (rc == PW_OK && (r.acks_missed || r.auto_approved || r.expired || r.assigned || r.failed))
        pw_log_info("msg=tick acks_missed=%d auto_approved=%d expired=%d assigned=%d failed=%d", r.acks_missed,
                    r.auto_approved, r.expired, r.assigned, r.failed); /* a failed tick logged its reason */
    int pruned = 0;
    if (rc == PW_OK && pw_events_prune(db, now_ms, &pruned) != PW_OK) /* a failed statement changed nothing */
        pw_log_error("msg=\"event retention failed\" error=\"%s\"", pw_db_errmsg(db));
    return rc;
}

static void tick_complete(pw_job *job)
{
    pw_scheduler *s = job->ctx;
    atomic_store(&s->tick_queued, 0);
}

static void *scheduler_main(void *arg)
{
    pw_scheduler *s = arg;
    pthread_mutex_lock(&s->lock);
    while (!s->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += (long)(s->tick_ms % 1000) * 1000000;
        until.tv_sec += s->tick_ms / 1000 + until.tv_nsec / 1000000000;
        until.tv_nsec %= 1000000000;
        while (!s->stopping && pthread_cond_timedwait(&s->wake, &s->lock, &until) != ETIMEDOUT)
            ;
        if (s->stopping || atomic_exchange(&s->tick_queued, 1))
            continue;
        s->job = (pw_job){.run = tick_run, .complete = tick_complete, .ctx = s, .alone = 1};
        if (pw_writer_submit(s->writer, &s->job) != PW_OK)
            atomic_store(&s->tick_queued, 0);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

int pw_scheduler_start(pw_writer *writer, const pw_market_policy *policy, int tick_ms, pw_scheduler **out)
{
    pw_scheduler *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return PW_ENOMEM;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->wake, NULL);
    s->tick_ms = tick_ms;
    s->writer = writer;
    s->policy = policy;
    if (pthread_create(&s->thread, NULL, scheduler_main, s) != 0) {
        free(s);
        return PW_ENOMEM; /* no thread could be had */
    }
    pthread_setname_np(s->thread, "pw-scheduler");
    *out = s;
    return 0;
}

/* Stops the thread; a tick already handed to the writer finishes there (the writer is
 * stopped after this and drains its queue). */
void pw_scheduler_stop(pw_scheduler *s)
{
    if (s == NULL)
        return;
    pthread_mutex_lock(&s->lock);
    s->stopping = 1;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->wake);
    /* the job struct lives in s: wait until the writer is done with it */
    while (atomic_load(&s->tick_queued)) {
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    free(s);
}

int pw_scheduler_tick_now(pw_db *db, const pw_market_policy *p, int64_t now_ms, pw_tick_report *report)
{
    pw_engine_round_now(p->dispatch.engine);
    return pw_tasks_tick(db, p, now_ms, report);
}
