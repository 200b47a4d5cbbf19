/* test_clock.c — unit tests of src/base/clock.c: RFC 3339 time parsing (offsets,
 * fractions, the calendar, the leap second, garbage) and formatting, a fixed-seed
 * randomised round trip (a failure replays exactly), and the manual and real clocks.
 *
 * Only the public header is used. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/error.h"
#include "base/rand.h"

/* ==== helpers ========================================================================= */

/* Parses and returns the result; fails the test if parsing is refused. */
static int64_t parse_ok(const char *text)
{
    int64_t ms = -12345;
    int rc = pw_time_parse_rfc3339(text, &ms);
    if (rc != 0)
        print_error("pw_time_parse_rfc3339(\"%s\") refused a valid time\n", text);
    assert_int_equal(rc, 0);
    return ms;
}

static void parse_refused(const char *text)
{
    int64_t ms = -12345;
    int rc = pw_time_parse_rfc3339(text, &ms);
    if (rc != PW_EREFUSED)
        print_error("pw_time_parse_rfc3339(\"%s\") accepted garbage as %lld\n", text, (long long)ms);
    assert_int_equal(rc, PW_EREFUSED);
    assert_int_equal(ms, -12345); /* the output is untouched on refusal */
}

/* ==== RFC 3339 ========================================================================= */

static void test_time_parse_utc(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(parse_ok("2026-11-25T01:02:03Z"), 1795568523000LL);
    assert_int_equal(parse_ok("2026-11-25t01:02:03z"), 1795568523000LL); /* RFC 3339 5.6: case-insensitive */
    assert_int_equal(parse_ok("2038-01-19T03:14:08Z"), 2147483648000LL); /* past 32-bit time_t */
    assert_int_equal(parse_ok("9999-12-31T23:59:59Z"), 253402300799000LL);
}

static void test_time_parse_offsets(void **state)
{
    (void)state;
    const int64_t utc = 1795568523000LL; /* 2026-11-25T01:02:03Z */
    assert_int_equal(parse_ok("2026-11-25T03:02:03+02:00"), utc);
    assert_int_equal(parse_ok("2026-11-24T20:02:03-05:00"), utc);
    assert_int_equal(parse_ok("2026-11-25T06:32:03+05:30"), utc);
    assert_int_equal(parse_ok("2026-11-25T01:02:03+00:00"), utc);
    assert_int_equal(parse_ok("2026-11-25T01:02:03-00:00"), utc);
    assert_int_equal(parse_ok("2026-11-26T01:01:03+23:59"), utc);
    /* An offset that carries the instant before the epoch is refused like 1969 itself
     * (it was accepted once, as a negative instant that no answer could say back). */
    parse_refused("1970-01-01T00:00:00+01:00");
}

static void test_time_parse_fractions(void **state)
{
    (void)state;
    const int64_t utc = 1795568523000LL;
    assert_int_equal(parse_ok("2026-11-25T01:02:03.5Z"), utc + 500);
    assert_int_equal(parse_ok("2026-11-25T01:02:03.05Z"), utc + 50);
    assert_int_equal(parse_ok("2026-11-25T01:02:03.123Z"), utc + 123);
    assert_int_equal(parse_ok("2026-11-25T01:02:03.999Z"), utc + 999);
    /* Digits past milliseconds are truncated, not rounded; up to nanoseconds accepted. */
    assert_int_equal(parse_ok("2026-11-25T01:02:03.123999Z"), utc + 123);
    assert_int_equal(parse_ok("2026-11-25T01:02:03.123456789Z"), utc + 123);
    assert_int_equal(parse_ok("2026-11-25T03:02:03.250+02:00"), utc + 250);
    parse_refused("2026-11-25T01:02:03.Z");           /* a dot needs digits */
    parse_refused("2026-11-25T01:02:03.1234567890Z"); /* more than nanoseconds */
    parse_refused("2026-11-25T01:02:03.12aZ");
    parse_refused("2026-11-25T01:02:03,5Z");
}

static void test_time_parse_calendar(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2028-02-29T12:00:00Z"), 1835438400000LL); /* leap year */
    assert_int_equal(parse_ok("2000-02-29T00:00:00Z"), 951782400000LL);  /* divisible by 400 */
    parse_refused("2027-02-29T12:00:00Z");                               /* not a leap year */
    parse_refused("2100-02-29T12:00:00Z");                               /* divisible by 100 */
    parse_refused("2028-02-30T12:00:00Z");
    parse_refused("2026-04-31T00:00:00Z");
    parse_refused("2026-06-31T00:00:00Z");
    parse_refused("2026-09-31T00:00:00Z");
    parse_refused("2026-11-31T00:00:00Z");
    assert_int_equal(parse_ok("2026-12-31T00:00:00Z") - parse_ok("2026-01-01T00:00:00Z"), 364LL * 86400000);
    parse_refused("2026-00-10T00:00:00Z");
    parse_refused("2026-13-10T00:00:00Z");
    parse_refused("2026-01-00T00:00:00Z");
    parse_refused("2026-01-32T00:00:00Z");
    parse_refused("2026-01-01T24:00:00Z");
    parse_refused("2026-01-01T00:60:00Z");
    parse_refused("2026-01-01T00:00:61Z");
    parse_refused("1969-12-31T23:59:59Z"); /* before the epoch: not a deadline anyone means */
    /* an offset that carries the instant out of 1970..9999 UTC (found by tests/fuzz) */
    parse_refused("1970-01-01T00:59:59+01:00");
    assert_int_equal(parse_ok("1970-01-01T01:00:00+01:00"), 0);
    assert_int_equal(parse_ok("1970-01-01T00:00:00-01:00"), 3600000LL);
    parse_refused("9999-12-31T23:00:00-01:00");
    assert_int_equal(parse_ok("9999-12-31T23:59:59.999Z"), PW_TIME_MAX_MS);
    assert_int_equal(parse_ok("9999-12-31T23:59:59+01:00"), PW_TIME_MAX_MS - 999 - 3600000LL);
}

/* A leap second (:60) is accepted and counted as :59 of the same minute (POSIX time has
 * no slot for it); its fraction is kept. */
static void test_time_parse_second_60(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("2016-12-31T23:59:60Z"), 1483228799000LL);
    assert_int_equal(parse_ok("2016-12-31T23:59:60.500Z"), 1483228799500LL);
    assert_int_equal(parse_ok("2017-01-01T01:59:60+02:00"), 1483228799000LL);
}

static void test_time_parse_garbage(void **state)
{
    (void)state;
    static const char *const garbage[] = {
        "",
        "now",
        "2026-11-25",
        "2026-11-25T01:02:03",  /* no zone */
        "2026-11-25 01:02:03Z", /* space instead of T */
        "2026-11-25T01:02Z",
        "2026-11-25T1:02:03Z",
        "2026/11/25T01:02:03Z",
        "2026-11-25T01-02-03Z",
        "26-11-25T01:02:03Z",
        "+2026-11-25T01:02:03Z",
        "2026-11-25T01:02:03ZZ",
        "2026-11-25T01:02:03Z ",
        " 2026-11-25T01:02:03Z",
        "2026-11-25T01:02:03UTC",
        "2026-11-25T01:02:03+02",
        "2026-11-25T01:02:03+0200",
        "2026-11-25T01:02:03+02:00:00",
        "2026-11-25T01:02:03+2:00",
        "2026-11-25T01:02:03+24:00",
        "2026-11-25T01:02:03+02:60",
        "2026-11-25T01:02:03+ 2:00",
        "2026-1a-25T01:02:03Z",
        "2026-11-25T01:02:0xZ",
        "-026-11-25T01:02:03Z",
        "2026-11-25T01:02:03.5",
        "10000-01-01T00:00:00Z",
    };
    for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++)
        parse_refused(garbage[i]);
}

static void test_time_format(void **state)
{
    (void)state;
    char out[PW_RFC3339_BYTES];
    pw_time_format_rfc3339(0, out);
    assert_string_equal(out, "1970-01-01T00:00:00Z");
    pw_time_format_rfc3339(1795568523000LL, out);
    assert_string_equal(out, "2026-11-25T01:02:03Z");
    pw_time_format_rfc3339(1795568523999LL, out); /* second precision: truncated, not rounded */
    assert_string_equal(out, "2026-11-25T01:02:03Z");
    pw_time_format_rfc3339(1835438400000LL, out);
    assert_string_equal(out, "2028-02-29T12:00:00Z");
    pw_time_format_rfc3339(-1, out); /* floors towards the past */
    assert_string_equal(out, "1969-12-31T23:59:59Z");
    pw_time_format_rfc3339(-1000, out);
    assert_string_equal(out, "1969-12-31T23:59:59Z");
    pw_time_format_rfc3339(-1001, out);
    assert_string_equal(out, "1969-12-31T23:59:58Z");
    pw_time_format_rfc3339(253402300799000LL, out);
    assert_string_equal(out, "9999-12-31T23:59:59Z");
}

/* format then parse gives back the instant (at second precision), over the whole range. */
static void test_time_round_trip(void **state)
{
    (void)state;
    pw_rng r;
    pw_rng_seed(&r, 20261125);
    for (int i = 0; i < 20000; i++) {
        int64_t seconds = (int64_t)(pw_rng_next(&r) % 253402300800ull);
        int64_t ms = seconds * 1000 + (int64_t)(pw_rng_next(&r) % 1000);
        char text[PW_RFC3339_BYTES];
        pw_time_format_rfc3339(ms, text);
        assert_int_equal(strlen(text), 20);
        int64_t back = -1;
        assert_int_equal(pw_time_parse_rfc3339(text, &back), 0);
        assert_int_equal(back, seconds * 1000);
        /* and parse -> format gives the text back */
        char again[PW_RFC3339_BYTES];
        pw_time_format_rfc3339(back, again);
        assert_string_equal(again, text);
    }
}

/* ==== pw_clock ============================================================================ */

static void test_clock_manual(void **state)
{
    (void)state;
    pw_clock c;
    pw_clock_init_manual(&c, 1795568523000LL);
    assert_int_equal(pw_clock_now_ms(&c), 1795568523000LL);
    assert_int_equal(pw_clock_now_ms(&c), 1795568523000LL); /* does not move by itself */
    pw_clock_advance_ms(&c, 500);
    assert_int_equal(pw_clock_now_ms(&c), 1795568523500LL);
    pw_clock_advance_ms(&c, 86400000);
    assert_int_equal(pw_clock_now_ms(&c), 1795568523500LL + 86400000);
    pw_clock_advance_ms(&c, -86400500);
    assert_int_equal(pw_clock_now_ms(&c), 1795568523000LL);
    pw_clock_advance_ms(&c, 0);
    assert_int_equal(pw_clock_now_ms(&c), 1795568523000LL);

    /* Re-initialising forgets the advances. */
    pw_clock_advance_ms(&c, 123);
    pw_clock_init_manual(&c, 5);
    assert_int_equal(pw_clock_now_ms(&c), 5);
}

static void test_clock_real(void **state)
{
    (void)state;
    pw_clock c;
    pw_clock_init_real(&c);
    int64_t wall_ms = (int64_t)time(NULL) * 1000;
    int64_t now = pw_clock_now_ms(&c);
    assert_true(now >= wall_ms - 2000 && now <= wall_ms + 2000);
    pw_clock_advance_ms(&c, 3600000); /* --dev-clock: the real clock carries an offset */
    int64_t later = pw_clock_now_ms(&c);
    assert_true(later >= now + 3600000 && later <= now + 3600000 + 2000);

    int64_t a = pw_monotonic_ns(), b = pw_monotonic_ns();
    assert_true(a > 0);
    assert_true(b >= a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* RFC 3339 parsing and formatting */
        cmocka_unit_test(test_time_parse_utc),
        cmocka_unit_test(test_time_parse_offsets),
        cmocka_unit_test(test_time_parse_fractions),
        cmocka_unit_test(test_time_parse_calendar),
        cmocka_unit_test(test_time_parse_second_60),
        cmocka_unit_test(test_time_parse_garbage),
        cmocka_unit_test(test_time_format),
        cmocka_unit_test(test_time_round_trip),
        /* the clocks */
        cmocka_unit_test(test_clock_manual),
        cmocka_unit_test(test_clock_real),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
