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
    return PW_EREFUSED;
}

const char *pw_status_text(int rc)
{
    switch (rc) {
    case PW_OK: return "ok";
    case PW_EDB: return "the database failed";
    case PW_ECONSTRAINT: return "a database constraint failed";
    case PW_EBUSY: return "busy";
    case PW_ENOMEM: return "out of memory";
    case PW_EINVAL: return "a broken contract (a bug)";
    case PW_EREFUSED: return "refused";
    default: return rc > 0 ? "not a failure" : "an unknown failure";
    }
}
