/* throttle.h — failed sign-in counting per account (e-mail) and per client address.
 *
 * A fixed table of PW_THROTTLE_SLOTS counters indexed by a keyed hash of the key, so a
 * flood of distinct keys cannot grow memory; a collision can only make a key stricter,
 * never looser. Each slot counts failures in a window of PW_LOGIN_WINDOW_S; past the
 * limit the key is locked until the window ends. Counts are per process (with several
 * instances each counts its own share; the PostgreSQL deployment moves this into the
 * shared database). Unknown e-mails are counted exactly like known ones, so the answer
 * never reveals whether an account exists. */
#ifndef PW_THROTTLE_H
#define PW_THROTTLE_H
#include <stddef.h>
#include <stdint.h>

typedef struct pw_throttle pw_throttle;

int pw_throttle_new(pw_throttle **out);
void pw_throttle_free(pw_throttle *t);
/* 0 if the key may try now; otherwise the seconds until it may (for Retry-After). */
int pw_throttle_check(pw_throttle *t, const char *kind, const char *key, size_t len, int limit, int64_t now_ms);
void pw_throttle_fail(pw_throttle *t, const char *kind, const char *key, size_t len, int64_t now_ms);
void pw_throttle_clear(pw_throttle *t, const char *kind, const char *key, size_t len);

#endif
