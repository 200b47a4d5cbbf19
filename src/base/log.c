/* log.c — see log.h. The line is formatted into a stack buffer (bounded: an overlong line
 * is cut, marked with "…") and written at once. */
#include "base/log.h"
#include "base/limits.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static _Atomic int min_level = PW_LOG_INFO;
static const char *const level_names[] = {"debug", "info", "warn", "error"};

void pw_log_set_level(pw_log_level level) { atomic_store(&min_level, (int)level); }

int pw_log_enabled(pw_log_level level) { return (int)level >= atomic_load(&min_level); }

void pw_log(pw_log_level level, const char *fmt, ...)
{
    if ((int)level < atomic_load(&min_level))
        return;
    char line[PW_LOG_LINE_MAX_BYTES];
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    size_t n = strftime(line, sizeof(line), "ts=%Y-%m-%dT%H:%M:%S", &tm);
    n += (size_t)snprintf(line + n, sizeof(line) - n, ".%03dZ level=%s ", (int)(tv.tv_usec / 1000), level_names[level]);
    va_list ap;
    va_start(ap, fmt);
    int wrote = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
    va_end(ap);
    if (wrote < 0)
        wrote = 0;
    n += (size_t)wrote;
    if (n >= sizeof(line) - 1) {
        n = sizeof(line) - 5;
        memcpy(line + n, "...", 3);
        n += 3;
    }
    line[n++] = '\n';
    ssize_t ignored = write(STDERR_FILENO, line, n);
    (void)ignored;
}
