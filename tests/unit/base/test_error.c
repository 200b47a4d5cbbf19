/* test_error.c — unit tests of src/base/error.c: pw_error_set fills status, code, field
 * and message, resets Retry-After, and cuts an over-long message.
 *
 * Only the public header is used. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "base/error.h"

/* ==== pw_error ============================================================================ */

static void test_error_set(void **state)
{
    (void)state;
    pw_error err = {.retry_after_s = 7};
    assert_int_equal(
        pw_error_set(&err, 422, "validation_failed", "title", "%s must be %d to %d characters", "title", 1, 120),
        PW_EREFUSED);
    assert_int_equal(err.status, 422);
    assert_string_equal(err.code, "validation_failed");
    assert_string_equal(err.field, "title");
    assert_int_equal(err.retry_after_s, 0); /* reset: a reused error never carries a stale Retry-After */
    assert_string_equal(err.message, "title must be 1 to 120 characters");

    assert_int_equal(pw_error_set(&err, 404, "not_found", NULL, "no such task"), PW_EREFUSED);
    assert_null(err.field);
    assert_string_equal(err.message, "no such task");

    /* An over-long message is cut to the buffer and stays terminated. */
    char long_text[500];
    memset(long_text, 'm', sizeof(long_text) - 1);
    long_text[sizeof(long_text) - 1] = '\0';
    assert_int_equal(pw_error_set(&err, 400, "x", NULL, "%s", long_text), PW_EREFUSED);
    assert_int_equal(strlen(err.message), PW_ERROR_MESSAGE_MAX_BYTES - 1);
    assert_int_equal(err.message[PW_ERROR_MESSAGE_MAX_BYTES - 1], '\0');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
