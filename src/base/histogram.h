/* histogram.h — a fixed-bucket histogram with atomic counters, for Prometheus output.
 * Observing is lock-free (relaxed atomics) and callable from any thread. */
#ifndef PW_HISTOGRAM_H
#define PW_HISTOGRAM_H
#include <stdint.h>
#include "base/limits.h"

typedef struct pw_histogram {
    int bucket_count;                                      /* upper bounds used */
    double bounds[PW_HISTOGRAM_BUCKETS_MAX];               /* ascending upper bounds, in the metric's unit */
    _Atomic uint64_t counts[PW_HISTOGRAM_BUCKETS_MAX + 1]; /* per bucket; the last one is +Inf */
    _Atomic uint64_t sum_micro;                            /* sum of observations x 1e6 */
    _Atomic uint64_t total;                                /* number of observations */
} pw_histogram;

void pw_histogram_init(pw_histogram *h, const double *bounds, int count);
void pw_histogram_observe(pw_histogram *h, double value);
/* Appends the Prometheus text for this histogram named `name` (with optional extra labels
 * text like `route="x"` or "") to a growing buffer: PW_OK, or PW_ENOMEM. */
struct pw_buf;
int pw_histogram_render(const pw_histogram *h, const char *name, const char *labels, struct pw_buf *out);

#endif
