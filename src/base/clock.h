/* clock.h — injectable time. Every rule that looks at the clock takes a pw_clock, so the
 * simulator and tests can run on virtual time. The real clock reads CLOCK_REALTIME; the
 * manual clock returns what it was last set to (plus an offset for a running server's
 * --dev-clock). Times are int64 milliseconds since the Unix epoch, UTC. */
#ifndef PW_CLOCK_H
#define PW_CLOCK_H
#include <stdint.h>
#include <stddef.h>

typedef struct pw_clock {
    int64_t (*now_ms)(const struct pw_clock *clock); /* current time, ms since epoch */
    _Atomic int64_t offset_ms;                       /* added to the real time (dev clock) */
    _Atomic int64_t manual_ms;                       /* the manual clock's time */
} pw_clock;

void pw_clock_init_real(pw_clock *clock);
void pw_clock_init_manual(pw_clock *clock, int64_t start_ms);
static inline int64_t pw_clock_now_ms(const pw_clock *clock) { return clock->now_ms(clock); }
void pw_clock_advance_ms(pw_clock *clock, int64_t delta_ms);

int64_t pw_monotonic_ns(void); /* for durations only, never for rules */

#define PW_RFC3339_BYTES 32
#define PW_TIME_MAX_MS   253402300799999LL /* 9999-12-31T23:59:59.999Z: the last instant a time may be */
/* Formats ms-since-epoch as "2026-11-25T01:02:03Z" (second precision, UTC). */
void pw_time_format_rfc3339(int64_t ms, char out[PW_RFC3339_BYTES]);
/* Parses "YYYY-MM-DDTHH:MM:SS[.fff](Z|+hh:mm)" (digits past milliseconds are dropped);
 * the instant must lie from 1970 to the end of 9999 in UTC — an offset can carry a local
 * time out of that range, and pw_time_format_rfc3339 could not say it back. PW_OK, or
 * PW_EREFUSED if malformed or out of range (no pw_error: the caller names the field). */
int pw_time_parse_rfc3339(const char *text, int64_t *ms_out);

#endif
