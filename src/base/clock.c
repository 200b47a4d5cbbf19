/* clock.c — the real and the manual clock, and RFC 3339 formatting and parsing.
 * The real clock may carry an offset so a development server's time can be moved
 * forward (timers then fire as they would later); production never sets it. */
#include "base/clock.h"

#include "base/error.h"

#include <stdatomic.h>
#include <string.h>
#include <time.h>

static int64_t real_now_ms(const pw_clock *clock)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + atomic_load(&clock->offset_ms);
}

static int64_t manual_now_ms(const pw_clock *clock)
{
    return atomic_load(&clock->manual_ms) + atomic_load(&clock->offset_ms);
}

void pw_clock_init_real(pw_clock *clock)
{
    clock->now_ms = real_now_ms;
    atomic_store(&clock->offset_ms, 0);
    atomic_store(&clock->manual_ms, 0);
}

void pw_clock_init_manual(pw_clock *clock, int64_t start_ms)
{
    clock->now_ms = manual_now_ms;
    atomic_store(&clock->offset_ms, 0);
    atomic_store(&clock->manual_ms, start_ms);
}

void pw_clock_advance_ms(pw_clock *clock, int64_t delta_ms) { atomic_fetch_add(&clock->offset_ms, delta_ms); }

int64_t pw_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void pw_time_format_rfc3339(int64_t ms, char out[PW_RFC3339_BYTES])
{
    time_t seconds = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    struct tm tm;
    gmtime_r(&seconds, &tm);
    strftime(out, PW_RFC3339_BYTES, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int digits(const char *p, int n, int *value)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return PW_EREFUSED;
        v = v * 10 + (p[i] - '0');
    }
    *value = v;
    return 0;
}

int pw_time_parse_rfc3339(const char *text, int64_t *ms_out)
{
    int year, month, day, hour, minute, second;
    size_t len = strlen(text);
    if (len < 20 || text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't') || text[13] != ':' ||
        text[16] != ':')
        return PW_EREFUSED;
    if (digits(text, 4, &year) || digits(text + 5, 2, &month) || digits(text + 8, 2, &day) ||
        digits(text + 11, 2, &hour) || digits(text + 14, 2, &minute) || digits(text + 17, 2, &second))
        return PW_EREFUSED;
    if (year < 1970 || year > 9999 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 ||
        second > 60)
        return PW_EREFUSED;
    const char *p = text + 19;
    int millis = 0;
    if (*p == '.') {
        p++;
        int n = 0, scale = 100;
        while (*p >= '0' && *p <= '9') {
            if (n < 3)
                millis += (*p - '0') * scale, scale /= 10;
            p++, n++;
        }
        if (n == 0 || n > 9)
            return PW_EREFUSED;
    }
    int offset_min = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (strlen(p) != 6 || p[3] != ':' || digits(p + 1, 2, &oh) || digits(p + 4, 2, &om) || oh > 23 || om > 59)
            return PW_EREFUSED;
        offset_min = (oh * 60 + om) * (*p == '+' ? 1 : -1);
        p += 6;
    } else {
        return PW_EREFUSED;
    }
    if (*p != '\0')
        return PW_EREFUSED;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (day > mdays[month - 1] + (month == 2 && leap))
        return PW_EREFUSED;
    struct tm tm = {.tm_year = year - 1900,
                    .tm_mon = month - 1,
                    .tm_mday = day,
                    .tm_hour = hour,
                    .tm_min = minute,
                    .tm_sec = second > 59 ? 59 : second};
    int64_t seconds = (int64_t)timegm(&tm) - (int64_t)offset_min * 60;
    int64_t ms = seconds * 1000 + millis;
    if (ms < 0 || ms > PW_TIME_MAX_MS) /* an offset can carry it out of the years above */
        return PW_EREFUSED;
    *ms_out = ms;
    return 0;
}
