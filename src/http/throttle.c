/* throttle.c — see throttle.h. */
#include "http/throttle.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/error.h"
#include "base/limits.h"

#define WINDOW_MS ((int64_t)PW_LOGIN_WINDOW_S * 1000)

typedef struct slot {
    int64_t window_start_ms; /* when the current window began (its first failure) */
    uint32_t failures;       /* failures in it */
    uint32_t in_flight;      /* attempts reserved and not yet settled */
} slot;

struct pw_throttle {
    pthread_mutex_t lock;
    unsigned char key[crypto_shorthash_KEYBYTES]; /* random per process: slots are unpredictable */
    slot slots[PW_THROTTLE_SLOTS];
};

int pw_throttle_new(pw_throttle **out)
{
    pw_throttle *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return PW_ENOMEM;
    pthread_mutex_init(&t->lock, NULL);
    crypto_shorthash_keygen(t->key);
    *out = t;
    return 0;
}

void pw_throttle_free(pw_throttle *t)
{
    if (t == NULL)
        return;
    pthread_mutex_destroy(&t->lock);
    free(t);
}

/* The slot of (kind, key); keys longer than an e-mail can be are cut to that length
 * (keys sharing the prefix then share a slot: stricter, never looser). */
static uint32_t find(const pw_throttle *t, const char *kind, const void *key, size_t len)
{
    unsigned char msg[PW_EMAIL_MAX_BYTES + 16];
    size_t kind_len = strlen(kind);
    pw_assert(kind_len <= 16);
    if (len > PW_EMAIL_MAX_BYTES)
        len = PW_EMAIL_MAX_BYTES;
    memcpy(msg, kind, kind_len);
    memcpy(msg + kind_len, key, len);
    unsigned char h[crypto_shorthash_BYTES];
    crypto_shorthash(h, msg, kind_len + len, t->key);
    uint64_t index;
    memcpy(&index, h, sizeof(index));
    return (uint32_t)(index % PW_THROTTLE_SLOTS);
}

/* Forgets the failures of a window that has ended. */
static void roll(slot *s, int64_t now_ms)
{
    if (s->failures > 0 && now_ms >= s->window_start_ms + WINDOW_MS)
        s->failures = 0;
}

/* 0 if one more attempt fits under `limit`; else the seconds to wait. */
static int wait_for(const slot *s, int limit, int64_t now_ms)
{
    if ((int64_t)s->failures + s->in_flight < limit)
        return 0;
    if (s->failures >= (uint32_t)limit)
        return (int)((s->window_start_ms + WINDOW_MS - now_ms + 999) / 1000);
    return 1; /* full of attempts in flight: the next may fit once they settle */
}

int pw_throttle_reserve(pw_throttle *t, const pw_throttle_key *keys, int count, int64_t now_ms,
                        pw_throttle_ticket *ticket)
{
    pw_assert(count >= 1 && count <= PW_THROTTLE_KEYS_MAX);
    memset(ticket, 0, sizeof(*ticket));
    uint32_t at[PW_THROTTLE_KEYS_MAX];
    for (int i = 0; i < count; i++)
        at[i] = find(t, keys[i].kind, keys[i].key, keys[i].len);
    int wait_s = 0;
    pthread_mutex_lock(&t->lock);
    for (int i = 0; i < count; i++) {
        slot *s = &t->slots[at[i]];
        roll(s, now_ms);
        int w = wait_for(s, keys[i].limit, now_ms);
        if (w > wait_s)
            wait_s = w;
    }
    if (wait_s == 0) {
        for (int i = 0; i < count; i++) {
            t->slots[at[i]].in_flight++;
            ticket->slot[i] = at[i];
            ticket->clear_on_success[i] = keys[i].clear_on_success != 0;
        }
        ticket->count = count;
    }
    pthread_mutex_unlock(&t->lock);
    return wait_s;
}

void pw_throttle_settle(pw_throttle *t, pw_throttle_ticket *ticket, int outcome, int64_t now_ms)
{
    pw_assert(outcome == PW_THROTTLE_FAILED || outcome == PW_THROTTLE_SUCCEEDED || outcome == PW_THROTTLE_UNCHECKED);
    if (ticket->count == 0)
        return;
    pthread_mutex_lock(&t->lock);
    for (int i = 0; i < ticket->count; i++) {
        slot *s = &t->slots[ticket->slot[i]];
        pw_assert(s->in_flight > 0);
        s->in_flight--;
        if (outcome == PW_THROTTLE_FAILED) {
            roll(s, now_ms);
            if (s->failures == 0)
                s->window_start_ms = now_ms;
            if (s->failures < UINT32_MAX)
                s->failures++;
        } else if (outcome == PW_THROTTLE_SUCCEEDED && ticket->clear_on_success[i]) {
            s->failures = 0;
        }
    }
    pthread_mutex_unlock(&t->lock);
    ticket->count = 0;
}
