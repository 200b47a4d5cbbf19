/* assert.c — the failure path of pw_assert: one log line, written with one write(2) and
 * without allocating (the heap may be what is broken), then abort(). */
#include "base/assert.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void pw_assert_fail(const char *expr, const char *file, int line, const char *func)
{
    char msg[512];
    int n = snprintf(msg, sizeof(msg), "level=error msg=\"assertion failed\" expr=\"%s\" at=%s:%d func=%s\n", expr,
                     file, line, func);
    if (n > 0)
        (void)!write(STDERR_FILENO, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
    abort();
}
