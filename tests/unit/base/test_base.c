/* test_base.c — unit tests of src/base: RFC 3339 time parsing and formatting, the
 * growable buffer, the histogram (bucket edges and exact Prometheus text), pw_error_set,
 * the manual and real clocks, the work pool (every job runs once, complete() is called
 * once, a full queue refuses, stop drains), and time-ordered ids.
 *
 * Everything here is reached through the public headers: base/ has no statics worth
 * testing alone, and linking the library's objects keeps the test honest about the
 * exported behaviour. Randomised round trips use a fixed-seed pw_rng, so a failure
 * replays exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/error.h"
#include "base/histogram.h"
#include "base/job.h"
#include "base/rand.h"
#include "base/workpool.h"
#include "gate.h"

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

/* ==== pw_buf ============================================================================ */

static void test_buf_growth(void **state)
{
    (void)state;
    pw_buf b;
    pw_buf_init(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);

    assert_int_equal(pw_buf_append(&b, "", 0), 0); /* even an empty append leaves a C string */
    assert_non_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 256);
    assert_string_equal(b.data, "");

    char chunk[100];
    memset(chunk, 'x', sizeof(chunk));
    for (int i = 0; i < 3; i++) /* 300 bytes: 256 is too small for 300 + NUL, doubles once */
        assert_int_equal(pw_buf_append(&b, chunk, sizeof(chunk)), 0);
    assert_int_equal(b.len, 300);
    assert_int_equal(b.cap, 512);
    assert_int_equal(b.data[300], '\0');
    assert_int_equal(strlen(b.data), 300);

    /* Exactly filling cap - 1 keeps room for the NUL without growing. */
    char fill[211];
    memset(fill, 'y', sizeof(fill));
    assert_int_equal(pw_buf_append(&b, fill, sizeof(fill)), 0);
    assert_int_equal(b.len, 511);
    assert_int_equal(b.cap, 512);
    assert_int_equal(b.data[511], '\0');
    assert_int_equal(pw_buf_append(&b, "z", 1), 0);
    assert_int_equal(b.len, 512);
    assert_int_equal(b.cap, 1024);
    assert_int_equal(b.data[511], 'z');
    assert_int_equal(b.data[512], '\0');

    /* A large append grows by doubling until it fits. */
    size_t big_len = 70000;
    char *big = malloc(big_len);
    assert_non_null(big);
    memset(big, 'q', big_len);
    assert_int_equal(pw_buf_append(&b, big, big_len), 0);
    free(big);
    assert_int_equal(b.len, 512 + big_len);
    assert_int_equal(b.cap, 131072);
    assert_int_equal(b.data[b.len], '\0');
    assert_int_equal(b.data[0], 'x');
    assert_int_equal(b.data[300], 'y');
    assert_int_equal(b.data[b.len - 1], 'q');

    /* Binary data with NULs is kept byte for byte. */
    pw_buf_cleanup(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    assert_int_equal(pw_buf_append(&b, "a\0b", 3), 0);
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.data, "a\0b\0", 4);
    pw_buf_cleanup(&b);
    pw_buf_cleanup(&b); /* cleanup of a cleaned buffer is harmless */
}

static void test_buf_append_numbers(void **state)
{
    (void)state;
    pw_buf b;
    pw_buf_init(&b);
    const int64_t values[] = {0, 7, -7, 10, 999, -1000, 1234567890123LL, INT64_MAX, INT64_MIN};
    char want[512] = "";
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        assert_int_equal(pw_buf_append_i64(&b, values[i]), 0);
        assert_int_equal(pw_buf_append_str(&b, i + 1 < sizeof(values) / sizeof(values[0]) ? "," : ""), 0);
        char one[32];
        snprintf(one, sizeof(one), "%lld%s", (long long)values[i],
                 i + 1 < sizeof(values) / sizeof(values[0]) ? "," : "");
        strcat(want, one);
    }
    assert_string_equal(b.data, want);
    assert_int_equal(b.len, strlen(want));
    pw_buf_cleanup(&b);
}

/* printf into the free space: a line that fills it exactly, and one a byte longer. */
static void test_buf_printf_edges(void **state)
{
    (void)state;
    pw_buf b;
    pw_buf_init(&b);
    char text[256];
    memset(text, 'a', 254);
    text[254] = '\0';
    assert_int_equal(pw_buf_printf(&b, "%s!", text), 0); /* 255 + NUL = 256: fits */
    assert_int_equal(b.len, 255);
    assert_int_equal(b.cap, 256);
    assert_int_equal(b.data[254], '!');
    assert_int_equal(b.data[255], '\0');
    assert_int_equal(pw_buf_printf(&b, "%s", "bc"), 0); /* no room at all: grows, formats again */
    assert_int_equal(b.len, 257);
    assert_int_equal(b.cap, 512);
    assert_string_equal(b.data + 254, "!bc");
    pw_buf_cleanup(&b);
}

static void test_buf_printf(void **state)
{
    (void)state;
    pw_buf b;
    pw_buf_init(&b);
    assert_int_equal(pw_buf_printf(&b, "%s=%d", "count", 42), 0);
    assert_string_equal(b.data, "count=42");
    assert_int_equal(b.len, 8);
    assert_int_equal(pw_buf_printf(&b, " %05.1f|%-3s|%llx", 3.14159, "a", 0xbeefULL), 0);
    assert_string_equal(b.data, "count=42 003.1|a  |beef");
    assert_int_equal(b.len, strlen("count=42 003.1|a  |beef"));
    assert_int_equal(pw_buf_printf(&b, "%s", ""), 0);
    assert_int_equal(b.len, 23);
    assert_int_equal(b.data[23], '\0');

    /* A printf bigger than the whole buffer grows it and stays terminated. */
    char wide[1000];
    memset(wide, 'w', sizeof(wide) - 1);
    wide[sizeof(wide) - 1] = '\0';
    assert_int_equal(pw_buf_printf(&b, "[%s]", wide), 0);
    assert_int_equal(b.len, 23 + 1001);
    assert_true(b.cap > b.len);
    assert_int_equal(b.data[b.len], '\0');
    assert_int_equal(b.data[23], '[');
    assert_int_equal(b.data[b.len - 1], ']');
    assert_int_equal(strlen(b.data), b.len);

    /* Mixed appends and printfs keep order. */
    pw_buf_cleanup(&b);
    for (int i = 0; i < 1000; i++) {
        if (i % 2)
            assert_int_equal(pw_buf_printf(&b, "%d,", i), 0);
        else
            assert_int_equal(pw_buf_append(&b, "e,", 2), 0);
    }
    assert_int_equal(strncmp(b.data, "e,1,e,3,e,5,", 12), 0);
    assert_string_equal(b.data + b.len - 6, "e,999,");
    assert_int_equal(b.len, 500 * 2 + (5 * 2 + 45 * 3 + 450 * 4)); /* "e," x500, then "1,".."999," */
    assert_int_equal(b.data[b.len], '\0');
    pw_buf_cleanup(&b);
}

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

/* ==== pw_error ============================================================================ */

static void test_error_set(void **state)
{
    (void)state;
    pw_error err = {.retry_after_s = 7};
    assert_int_equal(
        pw_error_set(&err, 422, "validation_failed", "title", "%s must be %d to %d characters", "title", 1, 120),
        PW_EREFUSED);
    assert_int_equal(err.status, 422);
    assert_string_equal(err.code, "validation_failed");
    assert_string_equal(err.field, "title");
    assert_int_equal(err.retry_after_s, 0); /* reset: a reused error never carries a stale Retry-After */
    assert_string_equal(err.message, "title must be 1 to 120 characters");

    assert_int_equal(pw_error_set(&err, 404, "not_found", NULL, "no such task"), PW_EREFUSED);
    assert_null(err.field);
    assert_string_equal(err.message, "no such task");

    /* An over-long message is cut to the buffer and stays terminated. */
    char long_text[500];
    memset(long_text, 'm', sizeof(long_text) - 1);
    long_text[sizeof(long_text) - 1] = '\0';
    assert_int_equal(pw_error_set(&err, 400, "x", NULL, "%s", long_text), PW_EREFUSED);
    assert_int_equal(strlen(err.message), PW_ERROR_MESSAGE_MAX_BYTES - 1);
    assert_int_equal(err.message[PW_ERROR_MESSAGE_MAX_BYTES - 1], '\0');
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

/* ==== pw_workpool ========================================================================= */

typedef struct test_job {
    pw_job job;            /* first: the pool sees a pw_job */
    int index;             /* which job */
    _Atomic int runs;      /* times run() was called */
    _Atomic int completes; /* times complete() was called */
    int64_t seen_now_ms;   /* the time run() was handed */
    int seen_db_null;      /* run() got db == NULL */
    int next_was_null;     /* complete() saw the job unlinked from the queue */
} test_job;

static _Atomic int completed_total;

static int count_run(pw_job *job, struct pw_db *db, int64_t now_ms)
{
    test_job *t = (test_job *)job;
    atomic_fetch_add(&t->runs, 1);
    t->seen_now_ms = now_ms;
    t->seen_db_null = db == NULL;
    return t->index * 3 + 1;
}

static void count_complete(pw_job *job)
{
    test_job *t = (test_job *)job;
    t->next_was_null = job->next == NULL; /* no cmocka asserts off the test thread */
    atomic_fetch_add(&t->completes, 1);
    atomic_fetch_add(&completed_total, 1);
}

static void test_workpool_runs_each_job_once(void **state)
{
    (void)state;
    enum { JOBS = 2000 };
    pw_clock clock;
    pw_clock_init_manual(&clock, 777000);
    pw_workpool *pool = NULL;
    assert_int_equal(pw_workpool_start(4, JOBS, &clock, &pool), 0);
    assert_non_null(pool);
    test_job *jobs = calloc(JOBS, sizeof(*jobs));
    assert_non_null(jobs);
    atomic_store(&completed_total, 0);
    for (int i = 0; i < JOBS; i++) {
        jobs[i].index = i;
        jobs[i].job.run = count_run;
        jobs[i].job.complete = count_complete;
        assert_int_equal(pw_workpool_submit(pool, &jobs[i].job), 0);
    }
    pw_workpool_stop(pool); /* stop drains what is queued before it returns */
    assert_int_equal(atomic_load(&completed_total), JOBS);
    for (int i = 0; i < JOBS; i++) {
        assert_int_equal(atomic_load(&jobs[i].runs), 1);
        assert_int_equal(atomic_load(&jobs[i].completes), 1);
        assert_int_equal(jobs[i].job.result, i * 3 + 1);
        assert_int_equal(jobs[i].seen_now_ms, 777000);
        assert_true(jobs[i].seen_db_null);
        assert_true(jobs[i].next_was_null);
    }
    free(jobs);
}

/* The gate (gate.h) holds the only pool thread; its completion needs nothing. */
static void gate_complete(pw_job *job) { (void)job; }

static void test_workpool_queue_max(void **state)
{
    (void)state;
    pw_clock clock;
    pw_clock_init_manual(&clock, 1);
    pw_workpool *pool = NULL;
    assert_int_equal(pw_workpool_start(1, 3, &clock, &pool), 0);
    gate g;
    gate_init(&g, gate_complete);
    assert_int_equal(pw_workpool_submit(pool, &g.job), 0);
    gate_wait_started(&g); /* the only thread is busy: the queue itself is empty */

    test_job jobs[5];
    memset(jobs, 0, sizeof(jobs));
    atomic_store(&completed_total, 0);
    for (int i = 0; i < 5; i++) {
        jobs[i].index = i;
        jobs[i].job.run = count_run;
        jobs[i].job.complete = count_complete;
    }
    assert_int_equal(pw_workpool_submit(pool, &jobs[0].job), 0);
    assert_int_equal(pw_workpool_submit(pool, &jobs[1].job), 0);
    assert_int_equal(pw_workpool_submit(pool, &jobs[2].job), 0);
    assert_int_equal(pw_workpool_submit(pool, &jobs[3].job), PW_EBUSY); /* queue_max 3: refused */
    assert_int_equal(pw_workpool_submit(pool, &jobs[4].job), PW_EBUSY);
    gate_release(&g);
    pw_workpool_stop(pool);
    assert_int_equal(atomic_load(&completed_total), 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(atomic_load(&jobs[i].runs), 1);
        assert_int_equal(atomic_load(&jobs[i].completes), 1);
    }
    for (int i = 3; i < 5; i++) { /* refused jobs are never touched again */
        assert_int_equal(atomic_load(&jobs[i].runs), 0);
        assert_int_equal(atomic_load(&jobs[i].completes), 0);
    }
    gate_destroy(&g);
}

/* complete == NULL: the pool frees the job (fire-and-forget); ASan checks for leaks. */
static _Atomic int detached_runs;

static int detached_run(pw_job *job, struct pw_db *db, int64_t now_ms)
{
    atomic_fetch_add(&detached_runs, 1);
    return 0;
}

static void test_workpool_detached_jobs_freed(void **state)
{
    (void)state;
    pw_clock clock;
    pw_clock_init_manual(&clock, 1);
    pw_workpool *pool = NULL;
    assert_int_equal(pw_workpool_start(2, 64, &clock, &pool), 0);
    atomic_store(&detached_runs, 0);
    for (int i = 0; i < 50; i++) {
        pw_job *job = calloc(1, sizeof(*job));
        assert_non_null(job);
        job->run = detached_run;
        assert_int_equal(pw_workpool_submit(pool, job), 0);
    }
    pw_workpool_stop(pool);
    assert_int_equal(atomic_load(&detached_runs), 50);
    pw_workpool_stop(NULL); /* a no-op */
}

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
        cmocka_unit_test(test_time_parse_utc),
        cmocka_unit_test(test_time_parse_offsets),
        cmocka_unit_test(test_time_parse_fractions),
        cmocka_unit_test(test_time_parse_calendar),
        cmocka_unit_test(test_time_parse_second_60),
        cmocka_unit_test(test_time_parse_garbage),
        cmocka_unit_test(test_time_format),
        cmocka_unit_test(test_time_round_trip),
        cmocka_unit_test(test_buf_growth),
        cmocka_unit_test(test_buf_printf),
        cmocka_unit_test(test_buf_printf_edges),
        cmocka_unit_test(test_buf_append_numbers),
        cmocka_unit_test(test_histogram_bucket_edges),
        cmocka_unit_test(test_histogram_render_exact),
        cmocka_unit_test(test_error_set),
        cmocka_unit_test(test_clock_manual),
        cmocka_unit_test(test_clock_real),
        cmocka_unit_test(test_workpool_runs_each_job_once),
        cmocka_unit_test(test_workpool_queue_max),
        cmocka_unit_test(test_workpool_detached_jobs_freed),
        cmocka_unit_test(test_time_ordered_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
