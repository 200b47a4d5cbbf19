/* test_devices.c — unit tests of device cookies (src/market/devices.h): a cookie opens
 * to the account, time and nonce it was issued with; any changed bit, another key, a cut
 * or lengthened text, or an age past PW_DEVICE_COOKIE_MAX_AGE_S does not open; and the
 * MAC key is made once in a real SQLite database and then read back by every opener (a
 * restart, another instance), whoever stored it first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/limits.h"
#include "market/devices.h"
#include "store/db.h"
#include "store/migrate.h"

#define NOW_MS    1795568523456LL
#define RAW_BYTES 65

static void fixed_key(unsigned char key[PW_DEVICE_KEY_BYTES], unsigned char seed)
{
    for (int i = 0; i < PW_DEVICE_KEY_BYTES; i++)
        key[i] = (unsigned char)(seed + i * 13);
}

static int opens(const unsigned char *key, const char *text, int64_t now_ms, pw_device *out)
{
    return pw_devices_open(key, text, strlen(text), now_ms, out);
}

static void test_device_roundtrip(void **state)
{
    (void)state;
    unsigned char key[PW_DEVICE_KEY_BYTES];
    fixed_key(key, 1);
    char a[PW_DEVICE_COOKIE_TEXT_BYTES], b[PW_DEVICE_COOKIE_TEXT_BYTES];
    pw_devices_issue(key, 4242424242424242LL, NOW_MS, a);
    pw_devices_issue(key, 4242424242424242LL, NOW_MS, b);
    assert_int_equal(strlen(a), PW_DEVICE_COOKIE_TEXT_BYTES - 1);
    for (const char *p = a; *p; p++) /* a cookie value needs no quoting */
        assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", *p));
    pw_device da, db;
    assert_int_equal(opens(key, a, NOW_MS, &da), 0);
    assert_int_equal(opens(key, b, NOW_MS, &db), 0);
    assert_int_equal(da.user_id, 4242424242424242LL);
    assert_int_equal(da.issued_at_s, NOW_MS / 1000);
    assert_int_equal(db.user_id, da.user_id);
    assert_memory_not_equal(da.nonce, db.nonce, sizeof(da.nonce)); /* two browsers, two cookies */
    assert_string_not_equal(a, b);
}

/* Every single changed bit of the 65 bytes fails the MAC (or the version check). */
static void test_device_tampered(void **state)
{
    (void)state;
    unsigned char key[PW_DEVICE_KEY_BYTES], other[PW_DEVICE_KEY_BYTES];
    fixed_key(key, 1);
    fixed_key(other, 2);
    char text[PW_DEVICE_COOKIE_TEXT_BYTES], changed[PW_DEVICE_COOKIE_TEXT_BYTES];
    pw_devices_issue(key, 7, NOW_MS, text);
    unsigned char raw[RAW_BYTES];
    size_t raw_len = 0;
    assert_int_equal(sodium_base642bin(raw, sizeof(raw), text, strlen(text), NULL, &raw_len, NULL,
                                       sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                     0);
    assert_int_equal(raw_len, RAW_BYTES);
    pw_device d;
    for (int i = 0; i < RAW_BYTES; i++)
        for (int bit = 0; bit < 8; bit++) {
            raw[i] ^= (unsigned char)(1u << bit);
            sodium_bin2base64(changed, sizeof(changed), raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
            assert_int_equal(opens(key, changed, NOW_MS, &d), PW_EREFUSED);
            raw[i] ^= (unsigned char)(1u << bit);
        }
    assert_int_equal(opens(key, text, NOW_MS, &d), 0);
    assert_int_equal(opens(other, text, NOW_MS, &d), PW_EREFUSED); /* another server's key */
    assert_int_equal(pw_devices_open(key, text, strlen(text) - 1, NOW_MS, &d), PW_EREFUSED);
    char longer[PW_DEVICE_COOKIE_TEXT_BYTES + 4];
    snprintf(longer, sizeof(longer), "%sAA", text);
    assert_int_equal(opens(key, longer, NOW_MS, &d), PW_EREFUSED);
    assert_int_equal(opens(key, "", NOW_MS, &d), PW_EREFUSED);
    memset(changed, '*', sizeof(changed) - 1); /* right length, not base64url */
    changed[sizeof(changed) - 1] = '\0';
    assert_int_equal(opens(key, changed, NOW_MS, &d), PW_EREFUSED);
    snprintf(changed, sizeof(changed), "%s", text);
    changed[10] = '+'; /* standard base64, not url-safe */
    assert_int_equal(opens(key, changed, NOW_MS, &d), PW_EREFUSED);
}

static void test_device_expiry(void **state)
{
    (void)state;
    unsigned char key[PW_DEVICE_KEY_BYTES];
    fixed_key(key, 3);
    char text[PW_DEVICE_COOKIE_TEXT_BYTES];
    pw_devices_issue(key, 9, NOW_MS, text);
    pw_device d;
    int64_t issued_ms = NOW_MS / 1000 * 1000, age_ms = (int64_t)PW_DEVICE_COOKIE_MAX_AGE_S * 1000;
    assert_int_equal(opens(key, text, issued_ms + age_ms - 1, &d), 0);
    assert_int_equal(opens(key, text, issued_ms + age_ms, &d), PW_EREFUSED);
    assert_int_equal(opens(key, text, issued_ms + 10 * age_ms, &d), PW_EREFUSED);
}

/* The key is made once and read back by every opener; one stored by another instance
 * first is the one used. */
static void test_device_key_in_database(void **state)
{
    (void)state;
    char path[] = "/tmp/pw-test-devices-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    pw_db *db, *again;
    assert_int_equal(pw_db_open(path, 0, &db), PW_OK);
    assert_int_equal(pw_migrate(db, NULL), PW_OK);
    unsigned char k1[PW_DEVICE_KEY_BYTES], k2[PW_DEVICE_KEY_BYTES], zero[PW_DEVICE_KEY_BYTES] = {0};
    assert_int_equal(pw_devices_load_key(db, NOW_MS, k1), PW_OK);
    assert_memory_not_equal(k1, zero, sizeof(zero));
    assert_int_equal(pw_db_open(path, 0, &again), PW_OK); /* a restart, or another instance */
    assert_int_equal(pw_devices_load_key(again, NOW_MS + 1000, k2), PW_OK);
    assert_memory_equal(k1, k2, sizeof(k1));
    pw_db_close(again);

    /* an instance that finds the row already there (stored by another) takes it */
    assert_int_equal(pw_db_exec(db, "DELETE FROM server_secrets"), PW_OK);
    pw_stmt *st = pw_db_stmt(
        db, "INSERT INTO server_secrets (name, secret, created_at) VALUES ('device_cookie_mac', ?, 1)");
    unsigned char theirs[PW_DEVICE_KEY_BYTES];
    memset(theirs, 0x5a, sizeof(theirs));
    pw_stmt_blob(st, 1, theirs, sizeof(theirs));
    assert_int_equal(pw_stmt_run(st), PW_OK);
    assert_int_equal(pw_devices_load_key(db, NOW_MS, k1), PW_OK);
    assert_memory_equal(k1, theirs, sizeof(theirs));

    /* a stored secret of the wrong size is an error, not a silently different key */
    assert_int_equal(pw_db_exec(db, "UPDATE server_secrets SET secret = x'00'"), PW_OK);
    assert_true(pw_devices_load_key(db, NOW_MS, k1) < 0);
    pw_db_close(db);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_device_roundtrip),
        cmocka_unit_test(test_device_tampered),
        cmocka_unit_test(test_device_expiry),
        cmocka_unit_test(test_device_key_in_database),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
