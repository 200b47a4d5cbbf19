/* test_histogram.c — unit tests of src/base/histogram.c: bucket edges (a value equal to
 * a bound is in that bucket) and the exact Prometheus text it renders.
 *
 * Only the public headers are used. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/histogram.h"

/* ==== pw_histogram ====================================================================== */

static void test_histogram_bucket_edges(void **state)
{
    (void)state;
    static const double bounds[] = {1, 2.5, 5};
    pw_histogram h;
    pw_histogram_init(&h, bounds, 3);
    assert_int_equal(h.bucket_count, 3);
    pw_histogram_observe(&h, 0.5);      /* le 1 */
    pw_histogram_observe(&h, 1.0);      /* equal to a bound: that bucket (le 1) */
    pw_histogram_observe(&h, 1.000001); /* just above: the next (le 2.5) */
    pw_histogram_observe(&h, 2.5);      /* le 2.5 */
    pw_histogram_observe(&h, 5.0);      /* le 5 */
    pw_histogram_observe(&h, 5.000001); /* +Inf */
    pw_histogram_observe(&h, 1e9);      /* +Inf */
    pw_histogram_observe(&h, 0);        /* le 1 */
    assert_int_equal(atomic_load(&h.counts[0]), 3);
    assert_int_equal(atomic_load(&h.counts[1]), 2);
    assert_int_equal(atomic_load(&h.counts[2]), 1);
    assert_int_equal(atomic_load(&h.counts[3]), 2);
    assert_int_equal(atomic_load(&h.total), 8);
}

static void test_histogram_render_exact(void **state)
{
    (void)state;
    static const double bounds[] = {1, 2.5, 5};
    pw_histogram h;
    pw_histogram_init(&h, bounds, 3);
    static const double values[] = {0.5, 1, 2.5, 3, 5, 7};
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
        pw_histogram_observe(&h, values[i]);

    pw_buf out;
    pw_buf_init(&out);
    assert_int_equal(pw_histogram_render(&h, "pw_x_seconds", "", &out), 0);
    assert_string_equal(out.data, "pw_x_seconds_bucket{le=\"1\"} 2\n"
                                  "pw_x_seconds_bucket{le=\"2.5\"} 3\n"
                                  "pw_x_seconds_bucket{le=\"5\"} 5\n"
                                  "pw_x_seconds_bucket{le=\"+Inf\"} 6\n"
                                  "pw_x_seconds_sum 19.000000\n"
                                  "pw_x_seconds_count 6\n");
    pw_buf_cleanup(&out);

    assert_int_equal(pw_histogram_render(&h, "pw_x_seconds", "route=\"/a\"", &out), 0);
    assert_string_equal(out.data, "pw_x_seconds_bucket{route=\"/a\",le=\"1\"} 2\n"
                                  "pw_x_seconds_bucket{route=\"/a\",le=\"2.5\"} 3\n"
                                  "pw_x_seconds_bucket{route=\"/a\",le=\"5\"} 5\n"
                                  "pw_x_seconds_bucket{route=\"/a\",le=\"+Inf\"} 6\n"
                                  "pw_x_seconds_sum{route=\"/a\"} 19.000000\n"
                                  "pw_x_seconds_count{route=\"/a\"} 6\n");
    pw_buf_cleanup(&out);

    /* An empty histogram renders zeros; sub-unit bounds print in %g form. */
    static const double small[] = {0.0001, 0.25};
    pw_histogram e;
    pw_histogram_init(&e, small, 2);
    assert_int_equal(pw_histogram_render(&e, "h", "", &out), 0);
    assert_string_equal(out.data, "h_bucket{le=\"0.0001\"} 0\n"
                                  "h_bucket{le=\"0.25\"} 0\n"
                                  "h_bucket{le=\"+Inf\"} 0\n"
                                  "h_sum 0.000000\n"
                                  "h_count 0\n");
    pw_buf_cleanup(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_histogram_bucket_edges),
        cmocka_unit_test(test_histogram_render_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
