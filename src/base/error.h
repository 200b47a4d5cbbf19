/* error.h — an error as an answer: HTTP status, stable code, message, and the field at
 * fault. Subsystems fill one instead of knowing about HTTP; the API layer renders it as
 * {"error": {"code", "message", "field"}}. */
#ifndef PW_ERROR_H
#define PW_ERROR_H
#include <stdarg.h>

#define PW_ERROR_MESSAGE_MAX_BYTES 200

typedef struct pw_error {
    int status;                                  /* HTTP status: 400, 401, 403, 404, 409, 413, 422, 429, 503 */
    const char *code;                            /* stable machine code, e.g. "validation_failed" */
    const char *field;                           /* the field at fault, or NULL */
    int retry_after_s;                           /* for 429/503: seconds, or 0 */
    char message[PW_ERROR_MESSAGE_MAX_BYTES];    /* for people */
} pw_error;

/* Fills *err and returns -1, so validators can `return pw_error_set(...)`. */
int pw_error_set(pw_error *err, int status, const char *code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif
