/* workpool.h — a fixed set of threads for blocking CPU work (password hashing) with a
 * bounded queue, so a flood of such work queues up to a limit and is then refused rather
 * than exhausting memory or stalling an event loop. */
#ifndef PW_WORKPOOL_H
#define PW_WORKPOOL_H
#include "base/clock.h"
#include "base/job.h"

typedef struct pw_workpool pw_workpool;

/* PW_OK, or PW_ENOMEM if its memory or no thread could be had. */
int pw_workpool_start(int threads, int queue_max, const pw_clock *clock, pw_workpool **out);
/* PW_OK, or PW_EBUSY when the queue is full or the pool is stopping (answer 429 / 503). */
int pw_workpool_submit(pw_workpool *pool, pw_job *job);
void pw_workpool_stop(pw_workpool *pool);

#endif
