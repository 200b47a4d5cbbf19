/* devices.h — device cookies: a browser's proof that it signed in to an account before.
 *
 * OWASP's "Slow Down Online Guessing Attacks with Device Cookies": a successful sign-in
 * gives the browser a `pw_device` cookie that names the account; later sign-ins on that
 * account that present it are throttled against the cookie's own allowance, not the
 * allowance all untrusted clients share, so a stranger's wrong passwords cannot lock the
 * owner out. The cookie is
 *
 *     base64url( version 1 | user id (8, big-endian) | issued at, s (8) | nonce (16) | MAC (32) )
 *
 * with the MAC crypto_auth (HMAC-SHA-512-256) over everything before it, keyed with a
 * server secret kept in the database (server_secrets), made once by the first instance,
 * so restarts and other instances accept the same cookies. It holds no e-mail and grants
 * nothing but its allowance of guesses; the nonce tells two browsers of one account apart.
 * A cookie older than PW_DEVICE_COOKIE_MAX_AGE_S is treated as absent. */
#ifndef PW_DEVICES_H
#define PW_DEVICES_H
#include <stddef.h>
#include <stdint.h>

#include "store/db.h"

#define PW_DEVICE_KEY_BYTES         32 /* crypto_auth_KEYBYTES */
#define PW_DEVICE_NONCE_BYTES       16 /* 128 random bits: a cookie's identity */
#define PW_DEVICE_COOKIE_TEXT_BYTES 88 /* base64url of 65 bytes (87) + NUL */

typedef struct pw_device {
    int64_t user_id;
    int64_t issued_at_s;
    unsigned char nonce[PW_DEVICE_NONCE_BYTES];
} pw_device;

/* Reads the MAC key from the database (`db` outside a transaction), making and storing
 * it first if there is none; every instance ends up with the one stored. PW_OK or an error. */
int pw_devices_load_key(pw_db *db, int64_t now_ms, unsigned char key[PW_DEVICE_KEY_BYTES]);
/* A new cookie value for `user_id`, issued now. */
void pw_devices_issue(const unsigned char key[PW_DEVICE_KEY_BYTES], int64_t user_id, int64_t now_ms,
                      char out[PW_DEVICE_COOKIE_TEXT_BYTES]);
/* PW_OK and *out if `text` is a cookie this server issued, not expired; PW_EREFUSED for
 * anything else (no pw_error: a cookie that does not open is simply not trusted). */
int pw_devices_open(const unsigned char key[PW_DEVICE_KEY_BYTES], const char *text, size_t len, int64_t now_ms,
                    pw_device *out);

#endif
