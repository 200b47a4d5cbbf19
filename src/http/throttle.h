/* throttle.h — sign-in attempts counted per account, per device cookie and per address.
 *
 * A fixed table of PW_THROTTLE_SLOTS counters indexed by a keyed hash of (kind, key), so
 * a flood of distinct keys cannot grow memory; a collision can only make a key stricter,
 * never looser (two keys in one slot share one count). A slot holds the attempts in
 * flight and the failures of its window (PW_LOGIN_WINDOW_S, from the first failure).
 *
 * An attempt reserves its place BEFORE the password is hashed: pw_throttle_reserve()
 * admits it only if, for every key it names, in flight + failed is below that key's
 * limit, and then counts it in flight on all of them at once (one lock, so attempts
 * arriving together on several loops cannot all slip in). pw_throttle_settle() ends the
 * reservation: a failure stays counted until the window ends, a success or an attempt
 * that was never checked (queue full, client gone, database error) gives its place back.
 * So no burst of parallel guesses gets more password checks than the limit.
 *
 * The table is one per process, shared by every event loop under a mutex (with several
 * instances each counts its own share; the PostgreSQL deployment moves this into the
 * shared database). Unknown e-mails are counted exactly like known ones, so the answer
 * never reveals whether an account exists. */
#ifndef PW_THROTTLE_H
#define PW_THROTTLE_H
#include <stddef.h>
#include <stdint.h>
#include "base/limits.h"

typedef struct pw_throttle pw_throttle;

/* One key an attempt is counted under. */
typedef struct pw_throttle_key {
    const char *kind; /* "ip:", "email:", "device:" — keeps the key spaces apart */
    const void *key;
    size_t len;
    int limit;            /* in flight + failed must stay below this to try */
    int clear_on_success; /* a success forgets this key's failures */
} pw_throttle_key;

/* A reservation, held from reserve to settle. */
typedef struct pw_throttle_ticket {
    int count; /* keys reserved; 0 when settled (or never reserved) */
    uint32_t slot[PW_THROTTLE_KEYS_MAX];
    unsigned char clear_on_success[PW_THROTTLE_KEYS_MAX];
} pw_throttle_ticket;

/* How an attempt ended. */
enum {
    PW_THROTTLE_FAILED = 1,    /* the password was checked and wrong: counted */
    PW_THROTTLE_SUCCEEDED = 2, /* checked and right: not counted; clears the keys marked so */
    PW_THROTTLE_UNCHECKED = 3, /* never checked: not counted */
};

int pw_throttle_new(pw_throttle **out); /* PW_OK or PW_ENOMEM */
void pw_throttle_free(pw_throttle *t);
/* 0 and *ticket reserved if every key may try now; otherwise the seconds until it may
 * (for Retry-After: to the window's end for a locked key, 1 while attempts are in flight)
 * and nothing is reserved. */
int pw_throttle_reserve(pw_throttle *t, const pw_throttle_key *keys, int count, int64_t now_ms,
                        pw_throttle_ticket *ticket);
/* Ends the reservation with `outcome` (PW_THROTTLE_*). A settled ticket is left empty, so
 * settling it again does nothing. */
void pw_throttle_settle(pw_throttle *t, pw_throttle_ticket *ticket, int outcome, int64_t now_ms);

#endif
