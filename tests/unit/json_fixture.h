/* json_fixture.h — for tests of request-body rules: a JSON value from test text, and the
 * checks on the pw_error a refusal fills in (status, code and field). The caller includes
 * cmocka first. */
#ifndef PW_TEST_JSON_FIXTURE_H
#define PW_TEST_JSON_FIXTURE_H
#include <jansson.h>
#include <string.h>

#include "base/error.h"

/* Parses `text` (any JSON value, NULs allowed); bad test JSON fails the test. */
static inline json_t *J(const char *text)
{
    json_error_t e;
    json_t *v = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
    if (v == NULL)
        print_error("bad test JSON: %s: %s\n", text, e.text);
    assert_non_null(v);
    return v;
}

/* The error says `status`, `code` and `field` (NULL: it names no field). */
static inline void assert_error(const pw_error *err, int status, const char *code, const char *field)
{
    if (err->status != status || strcmp(err->code, code) != 0 ||
        (field == NULL ? err->field != NULL : err->field == NULL || strcmp(err->field, field) != 0))
        print_error("got %d %s field=%s (%s), want %d %s field=%s\n", err->status, err->code,
                    err->field ? err->field : "(null)", err->message, status, code, field ? field : "(null)");
    assert_int_equal(err->status, status);
    assert_string_equal(err->code, code);
    if (field == NULL) {
        assert_null(err->field);
    } else {
        assert_non_null(err->field);
        assert_string_equal(err->field, field);
    }
}

/* A parse of `input` was refused (rc PW_EREFUSED) with `status` on `field`: 400 is
 * wrong_type, any other status validation_failed. */
static inline void assert_refused(int rc, const pw_error *err, int status, const char *field, const char *input)
{
    if (rc != PW_EREFUSED)
        print_error("%s accepted (rc %d)\n", input ? input : "(absent)", rc);
    assert_int_equal(rc, PW_EREFUSED);
    assert_error(err, status, status == 400 ? "wrong_type" : "validation_failed", field);
}

#endif
