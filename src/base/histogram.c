/* histogram.c — see histogram.h. */
#include "base/histogram.h"

#include <stdatomic.h>

#include "base/assert.h"
#include "base/buf.h"
#include "base/error.h"

void pw_histogram_init(pw_histogram *h, const double *bounds, int count)
{
    pw_assert(count > 0 && count <= PW_HISTOGRAM_BUCKETS_MAX);
    h->bucket_count = count;
    for (int i = 0; i < count; i++) {
        pw_assert(i == 0 || bounds[i] > bounds[i - 1]);
        h->bounds[i] = bounds[i];
    }
    for (int i = 0; i <= count; i++)
        atomic_store(&h->counts[i], 0);
    atomic_store(&h->sum_micro, 0);
    atomic_store(&h->total, 0);
}

void pw_histogram_observe(pw_histogram *h, double value)
{
    int i = 0;
    while (i < h->bucket_count && value > h->bounds[i])
        i++;
    atomic_fetch_add_explicit(&h->counts[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->sum_micro, (uint64_t)(value * 1e6), memory_order_relaxed);
    atomic_fetch_add_explicit(&h->total, 1, memory_order_relaxed);
}

int pw_histogram_render(const pw_histogram *h, const char *name, const char *labels, pw_buf *out)
{
    const char *sep = labels[0] ? "," : "";
    uint64_t cumulative = 0;
    int rc = 0;
    for (int i = 0; i <= h->bucket_count; i++) {
        cumulative += atomic_load_explicit(&h->counts[i], memory_order_relaxed);
        if (i < h->bucket_count)
            rc |= pw_buf_printf(out, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels, sep, h->bounds[i],
                                (unsigned long long)cumulative);
        else
            rc |= pw_buf_printf(out, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep,
                                (unsigned long long)cumulative);
    }
    const char *open = labels[0] ? "{" : "", *close = labels[0] ? "}" : "";
    rc |= pw_buf_printf(out, "%s_sum%s%s%s %.6f\n", name, open, labels, close,
                        (double)atomic_load(&h->sum_micro) / 1e6);
    rc |= pw_buf_printf(out, "%s_count%s%s%s %llu\n", name, open, labels, close,
                        (unsigned long long)atomic_load(&h->total));
    return rc != 0 ? PW_ENOMEM : PW_OK; /* the OR of the appends: out of memory is their failure */
}
