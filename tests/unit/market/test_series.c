/* test_series.c — unit tests of the pure folding in src/market/series.c:
 *   - the number of points is ceil((to - from) / step), -1 when from >= to;
 *   - a time lands in its bucket, [start, start + step), and outside the range in none;
 *   - created, events and money are counted in their buckets;
 *   - open at a bucket's end counts tasks created before it and not final by then,
 *     including tasks created before `from`;
 *   - fill rate is null for a bucket with no tasks created, the share assigned otherwise;
 *   - the time-to-assign median is per bucket of the first assignment, null for none;
 *   - a worker named twice in one bucket counts once, in two buckets once in each. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/error.h"
#include "base/limits.h"
#include "market/series.h"

#define S  1000LL       /* a second in ms */
#define T0 1000000000LL /* from, in ms */

static void points_count(void **state)
{
    (void)state;
    assert_int_equal(pw_series_points(T0, T0 + 180 * S, 60), 3);
    assert_int_equal(pw_series_points(T0, T0 + 181 * S, 60), 4);
    assert_int_equal(pw_series_points(T0, T0 + 1, 60), 1);
    assert_int_equal(pw_series_points(T0, T0, 60), -1);
    assert_int_equal(pw_series_points(T0 + 1, T0, 60), -1);
}

static void buckets_are_half_open(void **state)
{
    (void)state;
    pw_series s;
    assert_int_equal(pw_series_init(&s, T0, 60, 3), PW_OK);
    assert_int_equal(pw_series_bucket(&s, T0 - 1), -1);
    assert_int_equal(pw_series_bucket(&s, T0), 0);
    assert_int_equal(pw_series_bucket(&s, T0 + 60 * S - 1), 0);
    assert_int_equal(pw_series_bucket(&s, T0 + 60 * S), 1);
    assert_int_equal(pw_series_bucket(&s, T0 + 180 * S - 1), 2);
    assert_int_equal(pw_series_bucket(&s, T0 + 180 * S), -1);
    pw_series_free(&s);
}

static void counts_open_fill_and_median(void **state)
{
    (void)state;
    pw_series s;
    assert_int_equal(pw_series_init(&s, T0, 60, 3), PW_OK);
    /* created before from, still open into bucket 1 where it completes */
    assert_int_equal(pw_series_add_task(&s, T0 - 10 * S, T0 - 5 * S, T0 + 70 * S), PW_OK);
    /* created before from and final before it: never open in range */
    assert_int_equal(pw_series_add_task(&s, T0 - 30 * S, 0, T0 - 20 * S), PW_OK);
    /* bucket 0: two tasks, one assigned after 4 s and 10 s later the other */
    assert_int_equal(pw_series_add_task(&s, T0 + 1 * S, T0 + 5 * S, 0), PW_OK);
    assert_int_equal(pw_series_add_task(&s, T0 + 2 * S, T0 + 12 * S, T0 + 50 * S), PW_OK);
    /* bucket 0: created, never assigned, expired in bucket 2 */
    assert_int_equal(pw_series_add_task(&s, T0 + 3 * S, 0, T0 + 130 * S), PW_OK);
    /* bucket 2: created and assigned in bucket 2 after 20 s */
    assert_int_equal(pw_series_add_task(&s, T0 + 125 * S, T0 + 145 * S, 0), PW_OK);
    /* after the range: ignored */
    assert_int_equal(pw_series_add_task(&s, T0 + 200 * S, 0, 0), PW_OK);
    pw_series_add_event(&s, PW_SERIES_COMPLETED, T0 + 70 * S);
    pw_series_add_event(&s, PW_SERIES_EXPIRED, T0 + 130 * S);
    pw_series_add_event(&s, PW_SERIES_ASSIGNED, T0 - 1); /* before from: ignored */
    pw_series_add_money(&s, PW_SERIES_GMV, T0 + 70 * S, 1000);
    pw_series_add_money(&s, PW_SERIES_FEES, T0 + 70 * S, 100);
    pw_series_add_money(&s, PW_SERIES_FEES, T0 + 179 * S, 7);
    pw_series_add_worker(&s, 5, T0 + 1 * S);
    pw_series_add_worker(&s, 5, T0 + 2 * S);
    pw_series_add_worker(&s, 5, T0 + 61 * S);
    pw_series_add_worker(&s, 9, T0 + 3 * S);
    pw_series_finish(&s);

    assert_int_equal(s.created[0], 3);
    assert_int_equal(s.created[1], 0);
    assert_int_equal(s.created[2], 1);
    assert_int_equal(s.events[PW_SERIES_COMPLETED][1], 1);
    assert_int_equal(s.events[PW_SERIES_EXPIRED][2], 1);
    assert_int_equal(s.events[PW_SERIES_ASSIGNED][0], 0);
    assert_int_equal(s.money[PW_SERIES_GMV][1], 1000);
    assert_int_equal(s.money[PW_SERIES_FEES][1], 100);
    assert_int_equal(s.money[PW_SERIES_FEES][2], 7);
    /* open: end of 0 — the early one + 3 created − 1 final at 50 s = 3;
     * end of 1 — the early one completed at 70 s: 2; end of 2 — one expired, one created: 2 */
    assert_int_equal(s.open[0], 3);
    assert_int_equal(s.open[1], 2);
    assert_int_equal(s.open[2], 2);
    /* medians: bucket 0 has 4 s and 10 s, the lower median is 4 s; bucket 1 none; bucket 2 20 s */
    assert_true(s.tta_p50_s[0] == 4.0);
    assert_true(s.tta_p50_s[1] < 0);
    assert_true(s.tta_p50_s[2] == 20.0);
    assert_int_equal(s.active_workers[0], 2);
    assert_int_equal(s.active_workers[1], 1);
    assert_int_equal(s.active_workers[2], 0);

    json_t *j = pw_series_json(&s);
    json_t *series = json_object_get(j, "series");
    json_t *fill = json_object_get(series, "fill_rate");
    assert_true(json_real_value(json_array_get(fill, 0)) > 0.66 && json_real_value(json_array_get(fill, 0)) < 0.67);
    assert_true(json_is_null(json_array_get(fill, 1)));
    assert_true(json_real_value(json_array_get(fill, 2)) == 1.0);
    assert_true(json_is_null(json_array_get(json_object_get(series, "time_to_assign_p50_s"), 1)));
    assert_int_equal(json_integer_value(json_array_get(json_object_get(j, "t"), 1)), (T0 + 60 * S) / 1000);
    assert_int_equal(json_array_size(json_object_get(series, "active_workers")), 3);
    json_decref(j);
    pw_series_free(&s);
}

/* The database's words for timeline rows and transfers, to what the series counts. */
static void rows_by_their_names(void **state)
{
    (void)state;
    pw_series s;
    assert_int_equal(pw_series_init(&s, T0, 60, 1), PW_OK);
    pw_series_add_timeline(&s, "approved", "completed", T0); /* a completion, whatever the event */
    pw_series_add_timeline(&s, "auto_approved", "completed", T0);
    pw_series_add_timeline(&s, "assigned", "assigned", T0);
    pw_series_add_timeline(&s, "cancelled", NULL, T0);
    pw_series_add_timeline(&s, "expired", "expired", T0);
    pw_series_add_timeline(&s, "disputed", "disputed", T0);
    pw_series_add_timeline(&s, "released", "dispatching", T0); /* not a series */
    pw_series_add_timeline(&s, NULL, NULL, T0);
    int64_t want[PW_SERIES_EVENT_COUNT] = {[PW_SERIES_ASSIGNED] = 1,
                                           [PW_SERIES_COMPLETED] = 2,
                                           [PW_SERIES_CANCELLED] = 1,
                                           [PW_SERIES_EXPIRED] = 1,
                                           [PW_SERIES_DISPUTED] = 1};
    for (int k = 0; k < PW_SERIES_EVENT_COUNT; k++)
        assert_int_equal(s.events[k][0], want[k]);
    pw_series_add_transfer(&s, "release", T0, 900);
    pw_series_add_transfer(&s, "fee", T0, 100);
    pw_series_add_transfer(&s, "pool_share", T0, 20);
    pw_series_add_transfer(&s, "deposit", T0, 5000); /* money in, not GMV */
    pw_series_add_transfer(&s, "escrow", T0, 1000);
    pw_series_add_transfer(&s, NULL, T0, 1);
    assert_int_equal(s.money[PW_SERIES_GMV][0], 1000);
    assert_int_equal(s.money[PW_SERIES_FEES][0], 100);
    assert_int_equal(s.money[PW_SERIES_POOL][0], 20);
    pw_series_free(&s);
}

static void init_refuses_bad_sizes(void **state)
{
    (void)state;
    pw_series s;
    assert_int_equal(pw_series_init(&s, T0, 60, 0), PW_EREFUSED);
    assert_int_equal(pw_series_init(&s, T0, 60, PW_SERIES_POINTS_MAX + 1), PW_EREFUSED);
    assert_int_equal(pw_series_init(&s, T0, 60, PW_SERIES_POINTS_MAX), PW_OK);
    pw_series_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(points_count),
        cmocka_unit_test(buckets_are_half_open),
        cmocka_unit_test(counts_open_fill_and_median),
        cmocka_unit_test(rows_by_their_names),
        cmocka_unit_test(init_refuses_bad_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
