/* log.h — structured log lines on standard error: `ts=… level=… msg=… key=value …`.
 * One line per event, written with one write(2) so lines from threads never interleave.
 * Callers pass only values that are safe to log: never a password, a token or an e-mail. */
#ifndef PW_LOG_H
#define PW_LOG_H

typedef enum { PW_LOG_DEBUG, PW_LOG_INFO, PW_LOG_WARN, PW_LOG_ERROR } pw_log_level;

void pw_log_set_level(pw_log_level level);
/* 1 if lines of `level` are written (for a caller that builds its line itself: the request log). */
int pw_log_enabled(pw_log_level level);
void pw_log(pw_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pw_log_info(...)  pw_log(PW_LOG_INFO, __VA_ARGS__)
#define pw_log_warn(...)  pw_log(PW_LOG_WARN, __VA_ARGS__)
#define pw_log_error(...) pw_log(PW_LOG_ERROR, __VA_ARGS__)

#endif
