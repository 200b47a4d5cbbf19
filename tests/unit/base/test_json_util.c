/* test_json_util.c — unit tests of src/base/json_util.c's field rules, which every text
 * field of every request body goes through:
 *   - pw_utf8_length: code points of valid UTF-8, and -1 for every form RFC 3629
 *     forbids (stray continuations, overlong forms, surrogates, past U+10FFFF, cut short);
 *   - pw_json_string_field: types, lengths in characters (not bytes) within the output
 *     buffer, absent and null, control and bidirectional characters in one-line fields
 *     and in free text, blank values.
 *
 * Only the public header is used. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "base/error.h"
#include "base/json_util.h"
#include "json_fixture.h"

/* ==== UTF-8 and string fields ============================================================= */

static void test_utf8_length(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        long want;
    } cases[] = {
        {"", 0},
        {"abc", 3},
        {"h\xc3\xa9llo", 5},                         /* é: 2 bytes */
        {"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 3}, /* 日本語: 3 bytes each */
        {"\xf0\x9f\x98\x80", 1},                     /* 😀: 4 bytes */
        {"a\xf0\x9f\x98\x80z\xc3\xa9", 4},
        {"\xef\xbf\xbf", 1},     /* U+FFFF */
        {"\xf4\x8f\xbf\xbf", 1}, /* U+10FFFF, the last code point */
        {"\x80", -1},            /* a lone continuation byte */
        {"a\xbf", -1},
        {"\xff", -1},
        {"\xfe", -1},
        {"\xf8\x88\x80\x80\x80", -1}, /* 5-byte form */
        {"\xc3\x28", -1},             /* bad continuation */
        {"\xe6\x97\x28", -1},
        {"\xf0\x9f\x98\x28", -1},
        {"\xc3", -1}, /* truncated sequences */
        {"\xe6\x97", -1},
        {"\xf0\x9f\x98", -1},
        {"abc\xe6", -1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        long got = pw_utf8_length(cases[i].text, strlen(cases[i].text));
        if (got != cases[i].want)
            print_error("case %zu: got %ld, want %ld\n", i, got, cases[i].want);
        assert_int_equal(got, cases[i].want);
    }
    /* the length bounds the scan: a sequence cut by len is truncated */
    assert_int_equal(pw_utf8_length("h\xc3\xa9llo", 2), -1);
    assert_int_equal(pw_utf8_length("h\xc3\xa9llo", 3), 2);
    /* an embedded NUL is a character (the caller checks for it separately) */
    assert_int_equal(pw_utf8_length("a\0b", 3), 3);
}

/* Regression: pw_utf8_length once checked only the bit patterns and counted overlong
 * encodings (C0 AF, E0 80 AF), UTF-16 surrogates (ED A0 80) and code points past U+10FFFF
 * (F4 90 80 80, lead bytes F5..F7) as characters; RFC 3629 forbids all of them. */
static void test_utf8_length_rejects_invalid_forms(void **state)
{
    (void)state;
    static const char *const invalid[] = {
        "\xc0\xaf",         /* overlong '/' */
        "\xc1\xbf",         /* overlong */
        "\xe0\x80\xaf",     /* overlong '/' in 3 bytes */
        "\xf0\x80\x80\xaf", /* overlong '/' in 4 bytes */
        "\xed\xa0\x80",     /* U+D800, a surrogate */
        "\xed\xbf\xbf",     /* U+DFFF */
        "\xf4\x90\x80\x80", /* U+110000 */
        "\xf5\x80\x80\x80", /* lead byte past U+10FFFF */
    };
    int accepted = 0;
    for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
        long got = pw_utf8_length(invalid[i], strlen(invalid[i]));
        if (got != -1) {
            print_error("invalid UTF-8 case %zu counted as %ld characters\n", i, got);
            accepted++;
        }
    }
    assert_int_equal(accepted, 0);
}

/* Runs pw_json_string_field on {"f": <value_json>}. */
static int string_field(const char *value_json, int required, int min_chars, int max_chars, int allow_newlines,
                        char *out, size_t out_size, pw_error *err)
{
    char text[600];
    snprintf(text, sizeof(text), "{\"f\": %s}", value_json);
    json_t *obj = J(text);
    int rc = pw_json_string_field(obj, "f", required, min_chars, max_chars, allow_newlines, out, out_size, err);
    json_decref(obj);
    return rc;
}

static void test_json_string_field_types_and_lengths(void **state)
{
    (void)state;
    char out[64];
    pw_error err;
    json_t *empty = J("{}");
    memset(out, 'x', sizeof(out));
    assert_int_equal(pw_json_string_field(empty, "f", 0, 1, 10, 0, out, sizeof(out), &err), 1); /* absent, optional */
    assert_string_equal(out, "");
    assert_int_equal(pw_json_string_field(empty, "f", 1, 1, 10, 0, out, sizeof(out), &err), PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "f");
    json_decref(empty);
    assert_int_equal(string_field("null", 0, 1, 10, 0, out, sizeof(out), &err), 1); /* null is absent */
    assert_int_equal(string_field("null", 1, 1, 10, 0, out, sizeof(out), &err), PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "f");

    static const char *const not_strings[] = {"1", "1.5", "true", "false", "[]", "[\"a\"]", "{}", "{\"a\":\"b\"}"};
    for (size_t i = 0; i < sizeof(not_strings) / sizeof(not_strings[0]); i++) {
        assert_int_equal(string_field(not_strings[i], 1, 0, 10, 0, out, sizeof(out), &err), PW_EREFUSED);
        assert_error(&err, 400, "wrong_type", "f");
    }

    assert_int_equal(string_field("\"hello\"", 1, 1, 10, 0, out, sizeof(out), &err), 0);
    assert_string_equal(out, "hello");
    /* lengths are characters, not bytes: "héllo" is 5 characters in 6 bytes */
    assert_int_equal(string_field("\"h\\u00e9llo\"", 1, 5, 5, 0, out, sizeof(out), &err), 0);
    assert_string_equal(out, "h\xc3\xa9llo");
    assert_int_equal(string_field("\"h\\u00e9llo\"", 1, 6, 10, 0, out, sizeof(out), &err), PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "f");
    assert_int_equal(string_field("\"h\\u00e9llo\"", 1, 1, 4, 0, out, sizeof(out), &err), PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "f");
    /* four 4-byte characters pass a 4-character limit */
    assert_int_equal(string_field("\"\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\\ud83d\\ude00\"", 1, 1, 4, 0, out,
                                  sizeof(out), &err),
                     0);
    assert_int_equal(strlen(out), 16);
    /* but the output buffer still bounds the bytes */
    assert_int_equal(string_field("\"\\ud83d\\ude00\\ud83d\\ude00\"", 1, 1, 4, 0, out, 8, &err), PW_EREFUSED);
    assert_int_equal(string_field("\"\\ud83d\\ude00\"", 1, 1, 4, 0, out, 5, &err), 0);
    assert_string_equal(out, "\xf0\x9f\x98\x80");
    assert_int_equal(string_field("\"\"", 1, 0, 4, 0, out, sizeof(out), &err), 0); /* empty allowed at min 0 */
    assert_string_equal(out, "");
    assert_int_equal(string_field("\"\"", 1, 1, 4, 0, out, sizeof(out), &err), PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "f");
}

static void test_json_string_field_controls_and_blanks(void **state)
{
    (void)state;
    char out[64];
    pw_error err;
    static const struct {
        const char *json; /* the value */
        int ok_line;      /* accepted in a one-line field (allow_newlines 0) */
        int ok_text;      /* accepted in free text (allow_newlines 1) */
    } cases[] = {
        {"\"plain text\"", 1, 1}, {"\"a\\nb\"", 0, 1},     /* newline */
        {"\"a\\tb\"", 0, 1},                               /* tab */
        {"\"a\\rb\"", 0, 1},                               /* carriage return */
        {"\"a\\u0001b\"", 0, 0},                           /* C0 control */
        {"\"a\\u001fb\"", 0, 0},  {"\"a\\u007fb\"", 0, 0}, /* DEL */
        {"\"a\\u0000b\"", 0, 0},                           /* NUL */
        {"\"a\\u0080b\"", 0, 0},                           /* C1 controls, U+0080..U+009F */
        {"\"a\\u0085b\"", 0, 0},                           /* NEL */
        {"\"a\\u009fb\"", 0, 0},  {"\"a\\u00a0b\"", 1, 1}, /* NBSP is not a control */
        {"\"a\\u00e9b\"", 1, 1},  {"\"a\\u202eb\"", 0, 1}, /* RIGHT-TO-LEFT OVERRIDE: refused in names, allowed in free text */
        {"\"a\\u202ab\"", 0, 1},                           /* LRE */
        {"\"a\\u2028b\"", 0, 1},                           /* LINE SEPARATOR */
        {"\"a\\u2029b\"", 0, 1},                           /* PARAGRAPH SEPARATOR */
        {"\"a\\u2066b\"", 0, 1},                           /* LRI */
        {"\"a\\u2069b\"", 0, 1},                           /* PDI */
        {"\"a\\u2027b\"", 1, 1},                           /* the neighbours are fine */
        {"\"a\\u202fb\"", 1, 1},  {"\"a\\u2065b\"", 1, 1}, {"\"a\\u206ab\"", 1, 1},
        {"\"\\u202e\"", 0, 1}, /* at the very start and end of the string */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (int allow = 0; allow <= 1; allow++) {
            int want_ok = allow ? cases[i].ok_text : cases[i].ok_line;
            int rc = string_field(cases[i].json, 1, 1, 20, allow, out, sizeof(out), &err);
            if ((rc == 0) != want_ok)
                print_error("case %zu (%s) allow_newlines=%d: rc %d\n", i, cases[i].json, allow, rc);
            assert_int_equal(rc == 0, want_ok);
            if (!want_ok)
                assert_error(&err, 422, "validation_failed", "f");
        }
    }
    /* blank values fail a field that needs at least one character */
    static const char *const blanks[] = {"\" \"", "\"   \""};
    for (size_t i = 0; i < sizeof(blanks) / sizeof(blanks[0]); i++) {
        assert_int_equal(string_field(blanks[i], 1, 1, 20, 0, out, sizeof(out), &err), PW_EREFUSED);
        assert_error(&err, 422, "validation_failed", "f");
        assert_int_equal(string_field(blanks[i], 0, 0, 20, 0, out, sizeof(out), &err), 0); /* fine when optional */
    }
    assert_int_equal(string_field("\" \\n\\t \\r\"", 1, 1, 20, 1, out, sizeof(out), &err), PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "f");
    assert_int_equal(string_field("\" x \"", 1, 1, 20, 0, out, sizeof(out), &err), 0);
    assert_string_equal(out, " x ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_length),
        cmocka_unit_test(test_utf8_length_rejects_invalid_forms),
        cmocka_unit_test(test_json_string_field_types_and_lengths),
        cmocka_unit_test(test_json_string_field_controls_and_blanks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
