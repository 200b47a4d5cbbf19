/* test_rand.c — unit tests of src/base/rand.c's time-ordered ids: the time part is
 * recoverable, ids strictly increase (within a millisecond and when the clock steps
 * back), and a seed replays the random bits.
 *
 * Only the public header is used. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/rand.h"

/* ==== time-ordered ids ================================================================== */

/* Ids are (ms << 15) | 15 random bits, made strictly increasing within the process:
 * the time part is recoverable while the clock moves forward, ids made in the same
 * millisecond never collide (past 2^15 of them the time part runs ahead), a clock that
 * steps back still yields a larger id, and with pw_rand_seed the random bits replay. */
static void test_time_ordered_id(void **state)
{
    (void)state;
    pw_rand_seed(7);
    const int64_t base = 1795569523000LL; /* 2026-11-25T01:18:43Z: ahead of every id this process made */
    int64_t first = pw_time_ordered_id(base);
    assert_int_equal(first >> 15, base);
    int64_t prev = first;
    for (int64_t ms = base + 1; ms < base + 2000; ms++) {
        int64_t id = pw_time_ordered_id(ms);
        assert_true(id > 0);
        assert_int_equal(id >> 15, ms); /* the time is recoverable */
        assert_true(id > prev);
        prev = id;
    }
    /* many in one millisecond: strictly increasing */
    const int64_t busy = base + 10000;
    prev = 0;
    for (int i = 0; i < 40000; i++) {
        int64_t id = pw_time_ordered_id(busy);
        assert_true(id > prev);
        assert_true((id >> 15) >= busy);
        prev = id;
    }
    assert_true((prev >> 15) > busy); /* 40000 > 2^15 ids: the time part ran ahead */
    /* the clock steps back: still larger than the last one */
    int64_t back = pw_time_ordered_id(base);
    assert_true(back > prev);
    /* seeded randomness replays: the same seed gives the same low 15 bits */
    pw_rand_seed(7);
    int64_t replay = pw_time_ordered_id(base + 100000000);
    assert_int_equal(replay >> 15, base + 100000000);
    assert_int_equal(replay & 0x7fff, first & 0x7fff);
    /* positive up to the year 9999 */
    int64_t far = pw_time_ordered_id(253402300799000LL);
    assert_true(far > 0);
    assert_int_equal(far >> 15, 253402300799000LL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_ordered_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
