/* devices.c — see devices.h. */
#include "market/devices.h"

#include <sodium.h>
#include <string.h>

#include "base/limits.h"

#define PAYLOAD_BYTES (1 + 8 + 8 + PW_DEVICE_NONCE_BYTES)
#define RAW_BYTES     (PAYLOAD_BYTES + crypto_auth_BYTES)
#define VERSION       1
#define VARIANT       sodium_base64_VARIANT_URLSAFE_NO_PADDING

_Static_assert(PW_DEVICE_KEY_BYTES == crypto_auth_KEYBYTES, "device cookie key size");
_Static_assert(PW_DEVICE_COOKIE_TEXT_BYTES == sodium_base64_ENCODED_LEN(RAW_BYTES, VARIANT), "device cookie text size");

static const char SECRET_NAME[] = "device_cookie_mac";
static const char SQL_SECRET_GET[] = "SELECT secret FROM server_secrets WHERE name = ?";
static const char SQL_SECRET_PUT[] =
    "INSERT INTO server_secrets (name, secret, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING";

/* 1 read, 0 absent, negative on error. */
static int read_key(pw_db *db, unsigned char key[PW_DEVICE_KEY_BYTES])
{
    pw_stmt *st = pw_db_stmt(db, SQL_SECRET_GET);
    if (st == NULL)
        return PW_EDB;
    pw_stmt_text(st, 1, SECRET_NAME);
    int rc = pw_stmt_step(st);
    int out = rc == PW_DONE ? 0 : rc < 0 ? rc : PW_EDB; /* a row of the wrong size: not ours */
    if (rc == PW_ROW && pw_stmt_column_bytes(st, 0) == PW_DEVICE_KEY_BYTES) {
        memcpy(key, pw_stmt_column_blob(st, 0), PW_DEVICE_KEY_BYTES);
        out = 1;
    }
    pw_stmt_done(st);
    return out;
}

int pw_devices_load_key(pw_db *db, int64_t now_ms, unsigned char key[PW_DEVICE_KEY_BYTES])
{
    int rc = read_key(db, key);
    if (rc != 0)
        return rc == 1 ? PW_OK : rc;
    unsigned char made[PW_DEVICE_KEY_BYTES];
    crypto_auth_keygen(made);
    pw_stmt *st = pw_db_stmt(db, SQL_SECRET_PUT);
    if (st == NULL)
        return PW_EDB;
    pw_stmt_text(st, 1, SECRET_NAME);
    pw_stmt_blob(st, 2, made, sizeof(made));
    pw_stmt_int64(st, 3, now_ms);
    rc = pw_stmt_run(st);
    sodium_memzero(made, sizeof(made));
    if (rc != PW_OK)
        return rc;
    /* Another instance may have stored its own first: whichever is stored is the key. */
    rc = read_key(db, key);
    return rc == 1 ? PW_OK : rc < 0 ? rc : PW_EDB; /* stored, and not there to read back */
}

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)(v & 0xff);
}

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

void pw_devices_issue(const unsigned char key[PW_DEVICE_KEY_BYTES], int64_t user_id, int64_t now_ms,
                      char out[PW_DEVICE_COOKIE_TEXT_BYTES])
{
    unsigned char raw[RAW_BYTES];
    raw[0] = VERSION;
    put_u64(raw + 1, (uint64_t)user_id);
    put_u64(raw + 9, (uint64_t)(now_ms / 1000));
    randombytes_buf(raw + 17, PW_DEVICE_NONCE_BYTES);
    crypto_auth(raw + PAYLOAD_BYTES, raw, PAYLOAD_BYTES, key);
    sodium_bin2base64(out, PW_DEVICE_COOKIE_TEXT_BYTES, raw, sizeof(raw), VARIANT);
}

int pw_devices_open(const unsigned char key[PW_DEVICE_KEY_BYTES], const char *text, size_t len, int64_t now_ms,
                    pw_device *out)
{
    unsigned char raw[RAW_BYTES];
    size_t raw_len = 0;
    const char *end = NULL;
    if (len != PW_DEVICE_COOKIE_TEXT_BYTES - 1 ||
        sodium_base642bin(raw, sizeof(raw), text, len, NULL, &raw_len, &end, VARIANT) != 0 || raw_len != RAW_BYTES ||
        end != text + len || raw[0] != VERSION || crypto_auth_verify(raw + PAYLOAD_BYTES, raw, PAYLOAD_BYTES, key) != 0)
        return PW_EREFUSED;
    int64_t user_id = (int64_t)get_u64(raw + 1), issued_at_s = (int64_t)get_u64(raw + 9);
    if (user_id <= 0 || issued_at_s < 0 || now_ms / 1000 - issued_at_s >= PW_DEVICE_COOKIE_MAX_AGE_S)
        return PW_EREFUSED;
    out->user_id = user_id;
    out->issued_at_s = issued_at_s;
    memcpy(out->nonce, raw + 17, PW_DEVICE_NONCE_BYTES);
    return 0;
}
