/* test_places.c — unit tests of src/base/places.c, the gazetteer (issue 14), on the small
 * fixture places_fixture.tsv beside this file (rows in the build script's format):
 *   - folding: ASCII case, Latin-1 and Extended-A accents, the script's special letters,
 *     combining marks removed, letters the script only lower-cases, other scripts copied,
 *     and a result that does not fit;
 *   - prefix queries: the match set, most populous first whatever the file's order, ties
 *     in the file's order, the limit, no match, the empty prefix;
 *   - nearest: the nearest first, across the antimeridian, the limit;
 *   - bad lines skipped and counted, CRLF and a last line without a newline accepted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/places.h"

static pw_places *fixture(void)
{
    const char *dir = getenv("PW_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof(path), "%s/tests/unit/base/places_fixture.tsv", dir ? dir : PW_SOURCE_DIR);
    pw_places *t = NULL;
    pw_places_stats st;
    assert_int_equal(pw_places_load(path, &t, &st), PW_OK);
    assert_int_equal(st.loaded, 10);
    assert_int_equal(st.skipped, 0);
    assert_int_equal(pw_places_count(t), 10);
    return t;
}

static void folds_to(const char *in, const char *want)
{
    char out[64];
    int n = pw_places_fold(in, out, sizeof(out));
    if (n < 0 || strcmp(out, want) != 0)
        print_error("fold(%s) = %s, want %s\n", in, n < 0 ? "(none)" : out, want);
    assert_int_equal(n, (int)strlen(want));
    assert_string_equal(out, want);
}

static void test_fold(void **state)
{
    (void)state;
    folds_to("Amsterdam", "amsterdam");
    folds_to("MÜNCHEN", "munchen");
    folds_to("München", "munchen");
    folds_to("Mu\xcc\x88nchen", "munchen"); /* NFD: u + combining diaeresis */
    folds_to("Zürich", "zurich");
    folds_to("Łódź", "lodz");
    folds_to("Straße", "strasse");
    folds_to("Ærøskøbing", "aeroskobing");
    folds_to("Œuvre", "oeuvre");
    folds_to("Þingvellir", "thingvellir");
    folds_to("Đakovo", "dakovo");
    folds_to("İstanbul", "istanbul");
    folds_to("Kırıkkale", "kirikkale");
    folds_to("São Tomé", "sao tome");
    folds_to("Ħamrun", "hamrun");  /* no canonical decomposition: by hand, as ø ł đ */
    folds_to("Ðakovo", "ðakovo");  /* eth is a letter of its own: lower-cased only */
    folds_to("МОСКВА", "москва");  /* every script is case-folded */
    folds_to("ﬁrenze", "firenze"); /* compatibility forms decomposed */
    folds_to("", "");
    char small[4];
    assert_int_equal(pw_places_fold("abc", small, sizeof(small)), 3);
    assert_int_equal(pw_places_fold("abcd", small, sizeof(small)), PW_EREFUSED);
    assert_int_equal(pw_places_fold("aß", small, sizeof(small)), 3);
    assert_int_equal(pw_places_fold("abß", small, sizeof(small)), PW_EREFUSED);
}

/* The names are folded at load by the query's own function, whatever the file's second
 * column says: an upper-case Cyrillic prefix finds Москва, and a wrong column is not used. */
static void test_names_folded_at_load(void **state)
{
    (void)state;
    const char text[] = "Москва\tмосква\tRU\t48\t55.75222\t37.61556\t10381222\n"
                        "Göttingen\tnot-this\tDE\t06\t51.53443\t9.93228\t122149\n";
    pw_places *t = NULL;
    pw_places_stats st;
    assert_int_equal(pw_places_parse(text, sizeof(text) - 1, &t, &st), PW_OK);
    assert_int_equal(st.loaded, 2);
    const pw_place *out[4];
    char q[32];
    assert_true(pw_places_fold("МОС", q, sizeof(q)) > 0);
    assert_int_equal(pw_places_prefix(t, q, 4, out), 1);
    assert_string_equal(out[0]->name, "Москва");
    assert_true(pw_places_fold("GOTT", q, sizeof(q)) > 0);
    assert_int_equal(pw_places_prefix(t, q, 4, out), 1);
    assert_string_equal(out[0]->folded, "gottingen");
    assert_int_equal(pw_places_prefix(t, "not", 4, out), 0);
    assert_int_equal(pw_places_fold("\xff", q, sizeof(q)), PW_EREFUSED); /* not UTF-8 */
    pw_places_free(t);
}

static void test_prefix(void **state)
{
    (void)state;
    pw_places *t = fixture();
    const pw_place *out[PW_PLACES_LIMIT_MAX];
    int n = pw_places_prefix(t, "ams", 8, out);
    assert_int_equal(n, 3); /* not Ames */
    /* most populous first, though Amstelveen comes before Amsterdam by name */
    assert_string_equal(out[0]->name, "Amsterdam");
    assert_string_equal(out[0]->country, "NL");
    assert_string_equal(out[0]->admin, "07");
    assert_true(out[0]->population == 741636);
    assert_true(out[0]->lat > 52.37 && out[0]->lat < 52.38);
    assert_string_equal(out[1]->name, "Amstelveen");
    assert_string_equal(out[2]->name, "Amsterdam");
    assert_string_equal(out[2]->country, "US");
    n = pw_places_prefix(t, "am", 8, out);
    assert_int_equal(n, 4);
    assert_string_equal(out[2]->name, "Ames");
    assert_string_equal(out[3]->country, "US");
    /* the limit keeps the most populous */
    n = pw_places_prefix(t, "am", 2, out);
    assert_int_equal(n, 2);
    assert_string_equal(out[0]->name, "Amsterdam");
    assert_string_equal(out[1]->name, "Amstelveen");
    /* a whole name, one letter, no match, past the end of the alphabet */
    assert_int_equal(pw_places_prefix(t, "amsterdam", 8, out), 2);
    n = pw_places_prefix(t, "m", 8, out);
    assert_int_equal(n, 1);
    assert_string_equal(out[0]->name, "München");
    assert_int_equal(pw_places_prefix(t, "amsterdamx", 8, out), 0);
    assert_int_equal(pw_places_prefix(t, "zzz", 8, out), 0);
    assert_int_equal(pw_places_prefix(t, "~", 8, out), 0);
    /* a folded query finds the accented name */
    char q[32];
    pw_places_fold("ZÜR", q, sizeof(q));
    n = pw_places_prefix(t, q, 8, out);
    assert_int_equal(n, 1);
    assert_string_equal(out[0]->name, "Zürich");
    /* the empty prefix is every place, most populous first */
    n = pw_places_prefix(t, "", 3, out);
    assert_int_equal(n, 3);
    assert_string_equal(out[0]->name, "München");
    assert_string_equal(out[1]->name, "Łódź");
    assert_string_equal(out[2]->name, "Amsterdam");
    pw_places_free(t);
}

static void test_ties_keep_the_file_order(void **state)
{
    (void)state;
    const char text[] = "Bb\tbb\tXX\t\t1\t1\t500\nBa\tba\tXX\t\t1\t1\t500\nBc\tbc\tXX\t\t1\t1\t900\n";
    pw_places *t = NULL;
    assert_int_equal(pw_places_parse(text, sizeof(text) - 1, &t, NULL), PW_OK);
    const pw_place *out[4];
    assert_int_equal(pw_places_prefix(t, "b", 4, out), 3);
    assert_string_equal(out[0]->name, "Bc");
    assert_string_equal(out[1]->name, "Bb");
    assert_string_equal(out[2]->name, "Ba");
    pw_places_free(t);
}

/* A prefix wider than PW_PLACES_WIDE_PREFIX_ROWS: walked in the file's order when the file is
 * most populous first, by the range otherwise; both answer most populous first. */
static void wide(int sorted)
{
    int rows = PW_PLACES_WIDE_PREFIX_ROWS + 1000;
    size_t cap = (size_t)rows * 2 * 64;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t len = 0;
    for (int i = 0; i < rows; i++) {
        int pop = sorted ? rows - i : i + 1;
        len += (size_t)snprintf(text + len, cap - len, "Q%05d\tq%05d\tXX\t\t1\t1\t%d\nP%05d\tp%05d\tXX\t\t1\t1\t%d\n",
                                i, i, pop, i, i, pop);
    }
    pw_places *t = NULL;
    assert_int_equal(pw_places_parse(text, len, &t, NULL), PW_OK);
    free(text);
    const pw_place *out[5];
    assert_int_equal(pw_places_prefix(t, "p", 5, out), 5);
    for (int k = 0; k < 5; k++) {
        char want[16];
        snprintf(want, sizeof(want), "P%05d", sorted ? k : rows - 1 - k);
        assert_string_equal(out[k]->name, want);
    }
    assert_int_equal(pw_places_prefix(t, "p0000", 5, out), 5); /* a narrow range inside it */
    assert_string_equal(out[0]->name, sorted ? "P00000" : "P00009");
    pw_places_free(t);
}

static void test_wide_prefix(void **state)
{
    (void)state;
    wide(1);
    wide(0);
}

static void test_nearest(void **state)
{
    (void)state;
    pw_places *t = fixture();
    const pw_place *out[PW_PLACES_LIMIT_MAX];
    int n = pw_places_nearest(t, 52.37, 4.89, 3, out);
    assert_int_equal(n, 3);
    assert_string_equal(out[0]->name, "Amsterdam");
    assert_string_equal(out[0]->country, "NL");
    assert_string_equal(out[1]->name, "Amstelveen");
    assert_string_equal(out[2]->name, "Haarlem");
    /* just east of the antimeridian (-179.99): Taveuni (-179.97) nearer than Suva (178.4) */
    n = pw_places_nearest(t, -17.0, 179.99, 2, out);
    assert_int_equal(n, 2);
    assert_string_equal(out[0]->name, "Taveuni");
    assert_string_equal(out[1]->name, "Suva");
    /* New York state: the other Amsterdam */
    n = pw_places_nearest(t, 42.9, -74.2, 1, out);
    assert_int_equal(n, 1);
    assert_string_equal(out[0]->country, "US");
    assert_int_equal(pw_places_nearest(t, 0, 0, PW_PLACES_LIMIT_MAX, out), 10);
    pw_places_free(t);
}

static void test_bad_lines(void **state)
{
    (void)state;
    char long_name[PW_PLACE_NAME_MAX_BYTES + 2];
    memset(long_name, 'x', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    char text[4096];
    snprintf(text, sizeof(text),
             "Good\tgood\tNL\t07\t52.0\t4.0\t10\r\n"
             "\n"
             "TooFew\ttoofew\tNL\t07\t52.0\t4.0\n"
             "TooMany\ttoomany\tNL\t07\t52.0\t4.0\t10\textra\n"
             "BadLat\tbadlat\tNL\t07\t91\t4.0\t10\n"
             "BadLon\tbadlon\tNL\t07\t52.0\t-181\t10\n"
             "NotNum\tnotnum\tNL\t07\tnorth\t4.0\t10\n"
             "NegPop\tnegpop\tNL\t07\t52.0\t4.0\t-1\n"
             "FracPop\tfracpop\tNL\t07\t52.0\t4.0\t1.5\n"
             "\t\tNL\t07\t52.0\t4.0\t10\n"
             "%s\tlong\tNL\t07\t52.0\t4.0\t10\n"
             "Bad\xff\tbad\tNL\t07\t52.0\t4.0\t10\n"
             "Last\tlast\tDE\t\t-10.5\t170.25\t0",
             long_name);
    pw_places *t = NULL;
    pw_places_stats st;
    assert_int_equal(pw_places_parse(text, strlen(text), &t, &st), PW_OK);
    assert_int_equal(st.loaded, 2);
    assert_int_equal(st.skipped, 10); /* one of them not UTF-8 */
    const pw_place *out[4];
    assert_int_equal(pw_places_prefix(t, "", 4, out), 2);
    assert_string_equal(out[0]->name, "Good");
    assert_string_equal(out[1]->name, "Last");
    assert_string_equal(out[1]->admin, "");
    pw_places_free(t);
    /* an empty file is an empty table; a missing one is refused */
    assert_int_equal(pw_places_parse("", 0, &t, &st), PW_OK);
    assert_int_equal(st.loaded, 0);
    assert_int_equal(pw_places_prefix(t, "a", 4, out), 0);
    assert_int_equal(pw_places_nearest(t, 0, 0, 4, out), 0);
    pw_places_free(t);
    assert_int_equal(pw_places_load("/nonexistent/places.tsv", &t, &st), PW_EREFUSED);
    assert_null(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fold),        cmocka_unit_test(test_names_folded_at_load),
        cmocka_unit_test(test_prefix),      cmocka_unit_test(test_ties_keep_the_file_order),
        cmocka_unit_test(test_wide_prefix), cmocka_unit_test(test_nearest),
        cmocka_unit_test(test_bad_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
