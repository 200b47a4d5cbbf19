/* parallel.h — a parallel for-loop over [0, count) on a fixed set of threads.
 *
 * For read-only CPU work split into independent items (a dispatch round's candidate
 * searches). The caller is lane 0 and works too; lanes - 1 helper threads, started once,
 * sleep between loops. Items are handed out in chunks from a shared counter, so an uneven
 * item costs no one an idle core; which lane runs an item is not deterministic, so an
 * item's result must not depend on it (a lane only picks its scratch space). One loop at
 * a time: pw_parallel_for is called by one thread, and returns when every item is done.
 * Helper threads block every signal. */
#ifndef PW_PARALLEL_H
#define PW_PARALLEL_H

typedef struct pw_parallel pw_parallel;

/* Runs items [begin, end) on `lane` (0 .. lanes - 1). */
typedef void pw_parallel_fn(void *ctx, int begin, int end, int lane);

/* lanes >= 1 (1: no threads, the loop runs on the caller). PW_OK, or PW_ENOMEM if its
 * memory or a thread could not be had. */
int pw_parallel_new(int lanes, pw_parallel **out);
void pw_parallel_free(pw_parallel *p);
int pw_parallel_lanes(const pw_parallel *p);

/* fn over [0, count) in chunks of `chunk` items (>= 1), on every lane; returns when all are done. */
void pw_parallel_for(pw_parallel *p, int count, int chunk, pw_parallel_fn *fn, void *ctx);

#endif
