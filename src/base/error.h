/* error.h — the one error convention of the tree, and an error as an answer.
 *
 * A function that can fail returns an int status: PW_OK (0), or a negative PW_E* code that
 * says what kind of failure it was, never a bare -1 and never an errno. Two kinds:
 *   - PW_EREFUSED: the request is refused and the pw_error the caller passed says why (an
 *     HTTP status 4xx, a stable code, a message, the field at fault). It is an answer: the
 *     caller passes the status up and the API renders {"error": {"code", "message",
 *     "field"}}. pw_error_set returns it, so a validator can `return pw_error_set(...)`.
 *     A parser that has no pw_error of its own (a time, an id, a name) refuses with it too,
 *     and its caller, who knows the field, fills one.
 *   - every other code is a failure of the machine, not of the request: the database
 *     (PW_EDB, PW_EBUSY, PW_ECONSTRAINT when a caller did not expect one), memory
 *     (PW_ENOMEM), a caller's bug caught at run time (PW_EINVAL). The API answers 503 for
 *     these (and logs them); a caller that can do better (a constraint that means "taken")
 *     turns the code into a PW_EREFUSED with its own pw_error.
 * Status codes pass up unchanged, so nothing is lost in translation: `rc = f(...); if (rc
 * != PW_OK) return rc;`. A lookup answers 1 (found), 0 (not found) or a negative code;
 * a database step answers PW_ROW / PW_DONE (store/db.h). */
#ifndef PW_ERROR_H
#define PW_ERROR_H
#include <stdarg.h>

enum {
    PW_OK = 0,
    PW_ROW = 1,          /* a database step produced a row (store/db.h) */
    PW_DONE = 2,         /* a database step finished */
    PW_EDB = -1,         /* the database failed (logged) */
    PW_ECONSTRAINT = -2, /* a UNIQUE / CHECK / FOREIGN KEY constraint failed */
    PW_EBUSY = -3,       /* the database is locked, or a queue is full */
    PW_ENOMEM = -4,      /* out of memory */
    PW_EINVAL = -5,      /* a caller broke a function's contract (a bug, logged) */
    PW_EREFUSED = -6,    /* refused: the pw_error says why (an answer, 4xx) */
};

#define PW_ERROR_MESSAGE_MAX_BYTES 200

typedef struct pw_error {
    int status; /* HTTP status: 400, 401, 403, 404, 409, 413, 422, 429, 503; 0: never an answer (a start-up refusal) */
    const char *code;                         /* stable machine code, e.g. "validation_failed" */
    const char *field;                        /* the field at fault, or NULL */
    int retry_after_s;                        /* for 429/503: seconds, or 0 */
    char message[PW_ERROR_MESSAGE_MAX_BYTES]; /* for people */
} pw_error;

/* Fills *err and returns PW_EREFUSED, so validators can `return pw_error_set(...)`. */
int pw_error_set(pw_error *err, int status, const char *code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* A status in words, for a log line or a command's error output: "the database failed",
 * "out of memory", …; "refused" for PW_EREFUSED (the pw_error says why), "ok" for PW_OK. */
const char *pw_status_text(int rc);

#endif
