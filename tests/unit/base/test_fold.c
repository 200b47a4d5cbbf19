/* test_fold.c — unit tests of src/base/fold.c, Unicode folding for matching:
 *   - case, accents and compatibility forms fold away ("Crème Brûlée" -> "creme brulee",
 *     "Straße" -> "strasse", "ﬁ" -> "fi", full-width letters -> ASCII), and the letters
 *     that do not decompose (ø ł đ ħ ı) map to what people type;
 *   - other scripts are case-folded and kept; ASCII punctuation passes through;
 *   - text that is not UTF-8 (overlong, surrogate, past U+10FFFF, truncated, a stray
 *     continuation byte) and text over PW_FOLD_INPUT_MAX_BYTES are refused with a reason;
 *   - a result that does not fit the caller's buffer is refused, not cut;
 *   - ASCII text (folded on a fast path) folds exactly as utf8proc folds it: every ASCII
 *     character after an "é" (which sends the text through utf8proc) gives the same bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/fold.h"
#include "base/limits.h"

static void folds_to(const char *in, const char *want)
{
    char out[256];
    size_t n = 0;
    const char *why = NULL;
    int rc = pw_fold(in, strlen(in), out, sizeof(out), &n, &why);
    if (rc != PW_OK || strcmp(out, want) != 0)
        print_error("fold(\"%s\"): rc %d, \"%s\", want \"%s\" (%s)\n", in, rc, rc == PW_OK ? out : "", want,
                    why ? why : "");
    assert_int_equal(rc, PW_OK);
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
}

static void refused(const char *in, size_t len, const char *want_why)
{
    char out[256];
    const char *why = NULL;
    assert_int_equal(pw_fold(in, len, out, sizeof(out), NULL, &why), PW_EREFUSED);
    assert_non_null(why);
    assert_string_equal(why, want_why);
}

static void test_accents_and_case(void **state)
{
    (void)state;
    folds_to("Crème Brûlée", "creme brulee");
    folds_to("MÜNCHEN", "munchen");
    folds_to("Straße", "strasse");
    folds_to("São Paulo", "sao paulo");
    folds_to("Ångström", "angstrom");
    folds_to("Dvořák", "dvorak");
    folds_to("naïve café", "naive cafe");
    folds_to("Ça", "ca");
}

static void test_compatibility_forms(void **state)
{
    (void)state;
    folds_to("ﬁx", "fix");                          /* the fi ligature */
    folds_to("ＰＹＴＨＯＮ", "python");             /* full-width */
    folds_to("Ⅻ", "xii");                           /* a Roman numeral */
    folds_to("soft\xc2\xadhyphen", "softhyphen");   /* U+00AD, default-ignorable */
    folds_to("zero\xe2\x80\x8bwidth", "zerowidth"); /* U+200B */
}

static void test_letters_without_decomposition(void **state)
{
    (void)state;
    folds_to("Søren Ørsted", "soren orsted");
    folds_to("Łódź", "lodz");
    folds_to("Đorđe", "dorde");
    folds_to("Ħal", "hal");
    folds_to("Diyarbakır", "diyarbakir");
    folds_to("Æbeltoft Œuvre Þórshöfn", "aebeltoft oeuvre thorshofn");
    folds_to("cæsar", "caesar");
    folds_to("İstanbul", "istanbul"); /* İ case-folds to i and a combining dot, stripped */
}

static void test_other_scripts_and_ascii(void **state)
{
    (void)state;
    folds_to("Москва", "москва");
    folds_to("ΑΘΗΝΑ", "αθηνα");
    folds_to("東京", "東京");
    folds_to("C++ & SQL, 12 years!", "c++ & sql, 12 years!");
    folds_to("", "");
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    refused("\xc0\x80", 2, "not UTF-8");         /* overlong NUL */
    refused("\xe0\x80\xaf", 3, "not UTF-8");     /* overlong '/' */
    refused("a\xed\xa0\x80z", 5, "not UTF-8");   /* a UTF-16 surrogate */
    refused("\xf4\x90\x80\x80", 4, "not UTF-8"); /* past U+10FFFF */
    refused("caf\xc3", 4, "not UTF-8");          /* truncated */
    refused("\x80"
            "abc",
            4, "not UTF-8"); /* a stray continuation byte */
    refused("\xff", 1, "not UTF-8");
}

static void test_limits(void **state)
{
    (void)state;
    size_t n = PW_FOLD_INPUT_MAX_BYTES + 1;
    char *big = malloc(n);
    assert_non_null(big);
    memset(big, 'a', n);
    refused(big, n, "too long");
    char *out = NULL;
    size_t out_len = 0;
    assert_int_equal(pw_fold_dup(big, n - 1, &out, &out_len, NULL), PW_OK); /* exactly the limit folds */
    assert_int_equal(out_len, n - 1);
    free(out);
    free(big);

    char small[6];
    const char *why = NULL;
    assert_int_equal(pw_fold("Straße", strlen("Straße"), small, sizeof(small), NULL, &why), PW_EREFUSED);
    assert_string_equal(why, "does not fit");
    char fits[8];
    assert_int_equal(pw_fold("Straße", strlen("Straße"), fits, sizeof(fits), NULL, NULL), PW_OK);
    assert_string_equal(fits, "strasse");
}

static void test_ascii_fast_path_agrees(void **state)
{
    (void)state;
    for (int c = 1; c < 0x80; c++) {
        char plain[4] = {'x', (char)c, 'Y', '\0'}, accented[8];
        snprintf(accented, sizeof(accented), "\xc3\xa9%s", plain); /* é */
        char a[16], b[16];
        assert_int_equal(pw_fold(plain, 3, a, sizeof(a), NULL, NULL), PW_OK);
        assert_int_equal(pw_fold(accented, strlen(accented), b, sizeof(b), NULL, NULL), PW_OK);
        if (b[0] != 'e' || strcmp(a, b + 1) != 0)
            print_error("character 0x%02x: fast path \"%s\", utf8proc \"%s\"\n", c, a, b);
        assert_int_equal(b[0], 'e');
        assert_string_equal(a, b + 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accents_and_case),
        cmocka_unit_test(test_compatibility_forms),
        cmocka_unit_test(test_letters_without_decomposition),
        cmocka_unit_test(test_other_scripts_and_ascii),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_ascii_fast_path_agrees),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
