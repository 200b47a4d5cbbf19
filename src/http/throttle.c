/* throttle.c — see throttle.h. */
#include "http/throttle.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"

typedef struct slot {
    int64_t window_start_ms;          /* when the current window began */
    uint32_t failures;                /* failures in it */
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
        return -1;
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

static slot *find(pw_throttle *t, const char *kind, const char *key, size_t len)
{
    unsigned char msg[PW_EMAIL_MAX_BYTES + 16];
    size_t kind_len = strlen(kind);
    if (len > PW_EMAIL_MAX_BYTES)
        len = PW_EMAIL_MAX_BYTES;
    memcpy(msg, kind, kind_len);
    memcpy(msg + kind_len, key, len);
    unsigned char h[crypto_shorthash_BYTES];
    crypto_shorthash(h, msg, kind_len + len, t->key);
    uint64_t index;
    memcpy(&index, h, sizeof(index));
    return &t->slots[index % PW_THROTTLE_SLOTS];
}

int pw_throttle_check(pw_throttle *t, const char *kind, const char *key, size_t len, int limit, int64_t now_ms)
{
    pthread_mutex_lock(&t->lock);
    slot *s = find(t, kind, key, len);
    int64_t window_end = s->window_start_ms + (int64_t)PW_LOGIN_WINDOW_S * 1000;
    int wait_s = 0;
    if (now_ms < window_end && s->failures >= (uint32_t)limit)
        wait_s = (int)((window_end - now_ms + 999) / 1000);
    pthread_mutex_unlock(&t->lock);
    return wait_s;
}

void pw_throttle_fail(pw_throttle *t, const char *kind, const char *key, size_t len, int64_t now_ms)
{
    pthread_mutex_lock(&t->lock);
    slot *s = find(t, kind, key, len);
    if (now_ms >= s->window_start_ms + (int64_t)PW_LOGIN_WINDOW_S * 1000) {
        s->window_start_ms = now_ms;
        s->failures = 0;
    }
    if (s->failures < UINT32_MAX)
        s->failures++;
    pthread_mutex_unlock(&t->lock);
}

void pw_throttle_clear(pw_throttle *t, const char *kind, const char *key, size_t len)
{
    pthread_mutex_lock(&t->lock);
    slot *s = find(t, kind, key, len);
    s->failures = 0;
    pthread_mutex_unlock(&t->lock);
}
