/* error.c — see error.h. */
#include "base/error.h"

#include <stdio.h>

int pw_error_set(pw_error *err, int status, const char *code, const char *field, const char *fmt, ...)
{
    err->status = status;
    err->code = code;
    err->field = field;
    err->retry_after_s = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return -1;
}
