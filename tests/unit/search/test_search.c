/* test_search.c — unit tests of the search engine (src/search, docs/internals/search.md):
 *   - analysis: folding, splitting, stop words, Snowball stems;
 *   - BM25F on a corpus small enough to work out by hand: the exact scores, and the order
 *     they give (length normalisation, saturation, idf, field weights);
 *   - typo corrections: distance 1 from 4 characters, 2 from 8, none below, no correction
 *     of a word the index knows, the distance itself (OSA Damerau-Levenshtein);
 *   - while typing: the last word matches the words it begins, the most common first;
 *   - synonyms: the table's format and its refusals, expansion, category and skills
 *     inferred, the committed data/search/synonyms.tsv loading with the rows it promises;
 *   - put replacing a document, remove, slots reused, the counts returning to zero;
 *   - limits and bad input: empty, long, control characters, not UTF-8, too many words,
 *     a limit out of range, a field too long; only stop words; the cursor, the filter and
 *     the rank callback (with the cursor following its order). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "search/search.h"
#include "search/search_internal.h"

static pw_search_result result; /* large: one for the whole program */

static pw_search *new_index(const char *synonyms_text)
{
    pw_search_synonyms *syn = NULL;
    if (synonyms_text != NULL) {
        pw_error err = {0};
        int rc = pw_search_synonyms_parse(synonyms_text, strlen(synonyms_text), &syn, &err);
        if (rc != PW_OK)
            print_error("synonyms: %s\n", err.message);
        assert_int_equal(rc, PW_OK);
    }
    pw_search *s = NULL;
    assert_int_equal(pw_search_new(NULL, syn, &s), PW_OK);
    return s;
}

static void put(pw_search *s, int64_t id, const char *skills, const char *categories, const char *bio, const char *area)
{
    pw_search_doc d = {.id = id, .field = {skills, categories, bio, area}};
    assert_int_equal(pw_search_put(s, &d), PW_OK);
}

static const pw_search_result *run(pw_search *s, const char *text, int limit)
{
    pw_search_query q = {.text = text, .limit = limit};
    pw_error err = {0};
    int rc = pw_search_run(s, &q, &result, &err);
    if (rc != PW_OK)
        print_error("query \"%s\": rc %d %s\n", text, rc, err.message);
    assert_int_equal(rc, PW_OK);
    return &result;
}

/* The hits' ids, as "1 2 3". */
static const char *ids(const pw_search_result *r)
{
    static char buf[4096];
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i < r->hit_count && n < sizeof(buf) - 24; i++)
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, i ? " %lld" : "%lld", (long long)r->hit[i].id);
    return buf;
}

static void order_is(pw_search *s, const char *query, const char *want)
{
    const char *got = ids(run(s, query, 10));
    if (strcmp(got, want) != 0)
        print_error("query \"%s\": hits \"%s\", want \"%s\"\n", query, got, want);
    assert_string_equal(got, want);
}

static void assert_near(double got, double want)
{
    if (!(fabs(got - want) <= 1e-9))
        print_error("got %.12f, want %.12f\n", got, want);
    assert_true(fabs(got - want) <= 1e-9);
}

/* The expansion of the result with this term and kind, or NULL. */
static const pw_search_expansion *expansion(const pw_search_result *r, const char *term, int kind)
{
    for (int e = 0; e < r->expansion_count; e++)
        if (strcmp(r->expansion[e].term, term) == 0 && r->expansion[e].kind == kind)
            return &r->expansion[e];
    return NULL;
}

/* ---- analysis ------------------------------------------------------------------------------- */

static void analysed_as(pw_search *s, const char *text, const char *want_words, const char *want_stems)
{
    char words[16][PW_SEARCH_WORD_MAX_BYTES + 1], stems[16][PW_SEARCH_WORD_MAX_BYTES + 1];
    int n = pw_search_analyze(s, text, strlen(text), words, stems, 16);
    assert_true(n >= 0 && n <= 16);
    char w[512] = "", st[512] = "";
    for (int i = 0; i < n; i++) {
        strcat(w, i ? " " : "");
        strcat(w, words[i]);
        strcat(st, i ? " " : "");
        strcat(st, stems[i]);
    }
    if (strcmp(w, want_words) != 0 || strcmp(st, want_stems) != 0)
        print_error("\"%s\": words \"%s\" stems \"%s\", want \"%s\" / \"%s\"\n", text, w, st, want_words, want_stems);
    assert_string_equal(w, want_words);
    assert_string_equal(st, want_stems);
}

static void test_analysis(void **state)
{
    (void)state;
    pw_search *s = new_index(NULL);
    analysed_as(s, "I need someone to fix my leaking Taps near me!", "fix leaking taps", "fix leak tap");
    analysed_as(s, "Plumbing, plumbers, plumbed", "plumbing plumbers plumbed", "plumb plumber plumb");
    analysed_as(s, "Crème Brûlée", "creme brulee", "creme brule");
    analysed_as(s, "o'connor c++ 12 years", "o connor c 12 years", "o connor c 12 year");
    analysed_as(s, "gardens—tidy…", "gardens tidy", "garden tidi");
    analysed_as(s, "the and of", "", "");
    /* a word longer than PW_SEARCH_WORD_MAX_BYTES is skipped, its neighbours kept */
    char text[128];
    snprintf(text, sizeof(text), "tap %0*d drain", PW_SEARCH_WORD_MAX_BYTES + 1, 0);
    analysed_as(s, text, "tap drain", "tap drain");
    assert_int_equal(pw_search_analyze(s, "caf\xc3", 4, NULL, NULL, 4), PW_EREFUSED);
    pw_search_free(s);
}

/* ---- BM25F by hand ---------------------------------------------------------------------------- */

static void test_bm25_by_hand(void **state)
{
    (void)state;
    pw_search *s = new_index(NULL);
    /* bio only: lengths 1, 2, 3 (average 2); k1 1.2, b 0.75 */
    put(s, 1, NULL, NULL, "plumber", NULL);
    put(s, 2, NULL, NULL, "plumber garden", NULL);
    put(s, 3, NULL, NULL, "garden garden painter", NULL);
    double idf2 = log(1 + (3 - 2 + 0.5) / (2 + 0.5)); /* a term in 2 of 3 documents */
    double idf1 = log(1 + (3 - 1 + 0.5) / (1 + 0.5)); /* in 1 of 3 */
    /* doc 1: norm 0.25 + 0.75 * 1/2 = 0.625, tf 1.6, 1.6 * 2.2 / 2.8 */
    double d1 = idf2 * 1.6 * 2.2 / 2.8;
    /* doc 2: norm 1, tf 1: exactly idf */
    double d2 = idf2;
    /* doc 3, "garden" twice: norm 0.25 + 0.75 * 3/2 = 1.375, tf 2/1.375 */
    double tf3 = 2 / 1.375, d3 = idf2 * tf3 * 2.2 / (1.2 + tf3);

    const pw_search_result *r = run(s, "plumber", 10);
    assert_string_equal(ids(r), "1 2");
    assert_near(r->hit[0].score, d1);
    assert_near(r->hit[1].score, d2);
    assert_int_equal(r->matched, 2);
    assert_int_equal(r->hit[0].fields, 1 << PW_SEARCH_FIELD_BIO);
    assert_int_equal(r->expansion_count, 1);
    assert_int_equal(r->expansion[0].kind, PW_SEARCH_EXACT);
    assert_int_equal(r->expansion[0].documents, 2);

    r = run(s, "garden", 10);
    assert_string_equal(ids(r), "3 2"); /* twice in a longer text beats once in a shorter one */
    assert_near(r->hit[0].score, d3);
    assert_near(r->hit[1].score, d2);

    r = run(s, "plumbers gardens", 10); /* both words: the sum; stems meet the indexed ones */
    assert_string_equal(ids(r), "2 1 3");
    assert_near(r->hit[0].score, 2 * d2);
    assert_int_equal(r->hit[0].words, 3);

    r = run(s, "painter plumber", 10); /* the rare word weighs more */
    assert_string_equal(ids(r), "3 1 2");
    double tf = 1 / 1.375;
    assert_near(r->hit[0].score, idf1 * tf * 2.2 / (1.2 + tf));
    assert_int_equal(r->hit[0].words, 1); /* word 0, "painter" */
    pw_search_free(s);

    /* fields: the same word in skills outranks it in the bio, categories between */
    s = new_index(NULL);
    put(s, 10, NULL, NULL, "plumbing", NULL);
    put(s, 11, "plumbing", NULL, NULL, NULL);
    put(s, 12, NULL, "plumbing", NULL, NULL);
    put(s, 13, NULL, NULL, NULL, "plumbing");
    put(s, 14, "tiling", "home", "tiles", "amsterdam");
    order_is(s, "plumbing", "11 12 10 13");
    r = run(s, "plumbing", 10);
    assert_int_equal(r->hit[0].fields, 1 << PW_SEARCH_FIELD_SKILLS);
    pw_search_free(s);
}

/* ---- typos ----------------------------------------------------------------------------------- */

static void test_typo_distance(void **state)
{
    (void)state;
    assert_int_equal(typo_distance("ab", 2, "ba", 2, 2), 1);          /* a transposition is one edit */
    assert_int_equal(typo_distance("plumbr", 6, "plumber", 7, 2), 1); /* a deletion */
    assert_int_equal(typo_distance("pyton", 5, "python", 6, 2), 1);
    assert_int_equal(typo_distance("kitten", 6, "sitting", 7, 3), 3);
    assert_int_equal(typo_distance("kitten", 6, "sitting", 7, 2), 3); /* past the limit: limit + 1 */
    assert_int_equal(typo_distance("ca", 2, "abc", 3, 3), 3);         /* OSA, not full Damerau */
    assert_int_equal(typo_distance("café", 5, "cafe", 4, 2), 1);      /* characters, not bytes */
    assert_int_equal(typo_distance("same", 4, "same", 4, 1), 0);
    assert_int_equal(typo_depth(3), 0);
    assert_int_equal(typo_depth(PW_SEARCH_TYPO1_LEN_MIN), 1);
    assert_int_equal(typo_depth(PW_SEARCH_TYPO2_LEN_MIN - 1), 1);
    assert_int_equal(typo_depth(PW_SEARCH_TYPO2_LEN_MIN), 2);
}

static void corrected(pw_search *s, const char *query, const char *want_term, int want_distance, int64_t want_id)
{
    const pw_search_result *r = run(s, query, 10);
    const pw_search_expansion *e = expansion(r, want_term, PW_SEARCH_TYPO);
    if (e == NULL || e->distance != want_distance || r->hit_count == 0 || r->hit[0].id != want_id)
        print_error("\"%s\": want %s at distance %d and %lld first; hits \"%s\"\n", query, want_term, want_distance,
                    (long long)want_id, ids(r));
    assert_non_null(e);
    assert_int_equal(e->distance, want_distance);
    assert_true(r->hit_count > 0);
    assert_int_equal(r->hit[0].id, want_id);
    assert_true(r->hit[0].expansions & (1ULL << (e - r->expansion)));
}

static void test_typos(void **state)
{
    (void)state;
    pw_search *s = new_index(NULL);
    put(s, 1, "plumbing", "home", "Plumber, 12 years. Leaks, taps, boilers.", "Amsterdam");
    put(s, 2, "python, c, scripting", "software", "Python and C; I port and fix scripts.", NULL);
    put(s, 3, "electrical", "home", "Electrician: sockets, lights, fuse boxes.", "Utrecht");
    put(s, 4, "gardening, mowing", "garden", "Gardens kept tidy.", "Amsterdam");
    put(s, 5, "pet sitting", "pets", "Cats and dogs.", "Rotterdam");

    corrected(s, "plumbr", "plumber", 1, 1); /* a letter left out */
    corrected(s, "pyton", "python", 1, 2);
    corrected(s, "pytohn", "python", 1, 2); /* two letters swapped */
    corrected(s, "gardning", "gardening", 1, 4);
    corrected(s, "electrishan", "electrician", 2, 3); /* 11 characters: two edits */
    corrected(s, "rotterdm", "rotterdam", 1, 5);
    corrected(s, "plumbr near me", "plumber", 1, 1); /* stop words around it */

    const pw_search_result *r = run(s, "pytn", 10); /* 4 characters, two edits from python: too far */
    assert_int_equal(r->hit_count, 0);
    r = run(s, "dgs", 10); /* 3 characters: no typo expansion ("dogs" is one insertion away) */
    assert_int_equal(r->hit_count, 0);
    r = run(s, "python", 10); /* a known word is not "corrected" */
    assert_int_equal(r->expansion_count, 1);
    assert_int_equal(r->expansion[0].kind, PW_SEARCH_EXACT);
    r = run(s, "cats", 10);
    assert_string_equal(ids(r), "5");
    /* an exact match outranks a corrected one: "scripts" (exact) vs "scrpts" (typo) */
    double exact = run(s, "scripts", 10)->hit[0].score;
    r = run(s, "scrpts", 10);
    assert_int_equal(r->hit[0].id, 2);
    assert_true(r->hit[0].score < exact);
    pw_search_free(s);
}

static const pw_search_result *typing(pw_search *s, const char *text)
{
    pw_search_query q = {.text = text, .limit = 10, .prefix_last = 1};
    pw_error err = {0};
    assert_int_equal(pw_search_run(s, &q, &result, &err), PW_OK);
    return &result;
}

static void test_prefix_while_typing(void **state)
{
    (void)state;
    pw_search *s = new_index(NULL);
    put(s, 1, "plumbing", "home", "Plumber for leaks.", NULL);
    put(s, 2, "plumbing", "home", "Plumbing and heating.", NULL);
    put(s, 3, "pet sitting", "pets", "Plush toys for every pet.", NULL);
    put(s, 4, "electrical", "home", "Electrician.", NULL);

    const pw_search_result *r = typing(s, "plu");
    assert_int_equal(r->hit_count, 3); /* plumbing and plumber (skills weigh 3), then plush (bio) */
    assert_int_equal(r->hit[2].id, 3);
    const pw_search_expansion *e = expansion(r, "plumbing", PW_SEARCH_PREFIX);
    assert_non_null(e);
    assert_non_null(expansion(r, "plumber", PW_SEARCH_PREFIX));
    assert_non_null(expansion(r, "plush", PW_SEARCH_PREFIX));
    pw_search_policy p;
    pw_search_policy_defaults(&p);
    assert_near(e->weight, p.prefix_weight);

    assert_int_equal(run(s, "plu", 10)->hit_count, 0);     /* not typing: a whole word */
    assert_int_equal(typing(s, "plu ")->hit_count, 0);     /* a separator ends the word */
    assert_int_equal(typing(s, "pl")->expansion_count, 0); /* below PW_SEARCH_PREFIX_LEN_MIN */
    r = typing(s, "leaks plumbe"); /* only the last word; more than the filed 8 is checked whole */
    assert_int_equal(r->hit[0].id, 1);
    assert_null(expansion(r, "plush", PW_SEARCH_PREFIX));
    put(s, 5, "networking", "tech support", "Router configurations, weddings' wifi.", NULL);
    r = typing(s, "weddin"); /* two edits from "weddings": a prefix, not a typo */
    assert_non_null(expansion(r, "weddings", PW_SEARCH_PREFIX));
    assert_string_equal(ids(r), "5");
    r = typing(s, "configurat"); /* longer than the filed prefixes: the words under "configur" are checked */
    assert_non_null(expansion(r, "configurations", PW_SEARCH_PREFIX));
    assert_string_equal(ids(r), "5");
    assert_int_equal(typing(s, "configurax")->hit_count, 0);        /* filed under "configur" too, but not its prefix */
    assert_int_equal(typing(s, "electrician")->expansion_count, 1); /* a whole known word: itself only */

    /* more words begin the prefix than PW_SEARCH_PREFIX_CANDIDATES_MAX: the most common are kept */
    char bio[64];
    for (int i = 0; i < 10; i++) {
        snprintf(bio, sizeof(bio), "zeta%c", 'a' + i);
        for (int k = 0; k <= i; k++)
            put(s, 100 + i * 10 + k, NULL, NULL, bio, NULL);
    }
    r = typing(s, "zet");
    assert_int_equal(r->expansion_count, PW_SEARCH_PREFIX_CANDIDATES_MAX);
    assert_string_equal(r->expansion[0].term, "zetaj"); /* in 10 documents */
    assert_string_equal(r->expansion[PW_SEARCH_PREFIX_CANDIDATES_MAX - 1].term, "zetag");
    pw_search_free(s);
}

/* ---- synonyms ----------------------------------------------------------------------------------- */

static const char *table = "# a comment\n"
                           "\n"
                           "tap\thome repair\tplumbing, plumber\n"
                           "Grass\tgarden\tlawn care, mowing\n"
                           "logo\tdesign\tgraphic design, logo design\n"
                           "van\t-\tvan transport\r\n";

static void test_synonyms(void **state)
{
    (void)state;
    pw_search *s = new_index(table);
    put(s, 1, "plumbing", "home repair", "Leaks and boilers.", NULL);
    put(s, 2, "mowing, lawn care", "garden", "Lawns kept short.", NULL);
    put(s, 3, "graphic design", "design", "Brands and posters.", NULL);
    put(s, 4, "painting", "home repair", "Walls and ceilings.", NULL);

    const pw_search_result *r = run(s, "leaking kitchen taps", 10);
    assert_string_equal(ids(r), "1");
    assert_string_equal(r->category, "home repair");
    assert_int_equal(r->skill_count, 2);
    assert_string_equal(r->skills[0], "plumbing");
    assert_string_equal(r->skills[1], "plumber");
    const pw_search_expansion *e = expansion(r, "plumbing", PW_SEARCH_SYNONYM);
    assert_non_null(e);
    assert_int_equal(e->word, 2); /* "taps" */
    assert_true(r->hit[0].expansions & (1ULL << (e - r->expansion)));

    r = run(s, "cut the grass", 10);
    assert_string_equal(ids(r), "2");
    assert_string_equal(r->category, "garden");
    r = run(s, "a logo for my bakery", 10);
    assert_string_equal(ids(r), "3");
    assert_string_equal(r->category, "design");
    r = run(s, "van", 10); /* a row without a category: skills, no category */
    assert_string_equal(r->category, "");
    assert_int_equal(r->skill_count, 1);
    /* a synonym scores its share of an exact match */
    pw_search_policy p;
    pw_search_policy_defaults(&p);
    double direct = run(s, "plumbing", 10)->hit[0].score;
    assert_near(run(s, "tap", 10)->hit[0].score, direct * p.synonym_weight);
    pw_search_free(s);
}

static void table_refused(const char *text, const char *want)
{
    pw_search_synonyms *syn = NULL;
    pw_error err = {0};
    assert_int_equal(pw_search_synonyms_parse(text, strlen(text), &syn, &err), PW_EREFUSED);
    assert_null(syn);
    if (strstr(err.message, want) == NULL)
        print_error("message \"%s\", want \"%s\" in it\n", err.message, want);
    assert_non_null(strstr(err.message, want));
}

static void test_synonyms_refused(void **state)
{
    (void)state;
    table_refused("tap\thome\n", "line 1: want three fields");
    table_refused("# ok\ntap\thome\tplumbing\textra\n", "line 2: want three fields");
    table_refused("tap\thome\tplumbing\ntaps\thome\tplumber\n", "line 2: a second row"); /* same stem */
    table_refused("leaking tap\thome\tplumbing\n", "line 1: the first field must be one word");
    table_refused("the\thome\tplumbing\n", "line 1: the first field must be one word");
    table_refused("tap\thome\tthe, of\n", "line 1: a phrase with no words");
    table_refused("tap\thome\t , \n", "line 1: no phrases");
    table_refused("t\xc3p\thome\tplumbing\n", "line 1: not UTF-8");
    table_refused("tap\thome\tbb, cc, dd, ee, ff, gg, hh, jj, kk\n", "line 1: too many phrases");
    char line[PW_SEARCH_SYNONYM_LINE_MAX_BYTES + 64];
    memset(line, 'x', sizeof(line) - 1);
    line[sizeof(line) - 1] = '\0';
    table_refused(line, "line 1: line too long");
    pw_error err = {0};
    pw_search_synonyms *syn = NULL;
    assert_int_equal(pw_search_synonyms_load("/nonexistent/synonyms.tsv", &syn, &err), PW_EREFUSED);
    assert_non_null(strstr(err.message, "cannot open"));
}

static void test_synonyms_file(void **state)
{
    (void)state;
    const char *root = getenv("PW_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof(path), "%s/data/search/synonyms.tsv", root != NULL ? root : PW_SOURCE_DIR);
    pw_search_synonyms *syn = NULL;
    pw_error err = {0};
    int rc = pw_search_synonyms_load(path, &syn, &err);
    if (rc != PW_OK)
        print_error("%s: %s\n", path, err.message);
    assert_int_equal(rc, PW_OK);
    assert_true(pw_search_synonyms_count(syn) >= 50);
    pw_search *s = NULL;
    assert_int_equal(pw_search_new(NULL, syn, &s), PW_OK);
    struct {
        const char *query, *category, *skill;
    } rows[] = {
        {"grass", "garden", "lawn care"},
        {"tap", "home repair", "plumbing"},
        {"logo", "design", "graphic design"},
        {"dog", "pets", "dog walking"},
        {"laptop", "tech support", "computer repair"},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const pw_search_result *r = run(s, rows[i].query, 1);
        assert_string_equal(r->category, rows[i].category);
        int found = 0;
        for (int k = 0; k < r->skill_count; k++)
            found |= strcmp(r->skills[k], rows[i].skill) == 0;
        assert_true(found);
    }
    pw_search_free(s);
}

/* ---- changes ------------------------------------------------------------------------------------- */

static void test_put_and_remove(void **state)
{
    (void)state;
    pw_search *s = new_index(NULL);
    put(s, 7, "plumbing", NULL, "Leaks fixed.", NULL);
    put(s, 8, "painting", NULL, "Walls.", NULL);
    order_is(s, "plumbing", "7");

    put(s, 7, "tiling", NULL, "Bathrooms tiled.", NULL); /* replaced: the old words are gone */
    order_is(s, "plumbing", "");
    order_is(s, "leaks", "");
    order_is(s, "tiles", "7");
    pw_search_stats st;
    pw_search_stats_get(s, &st);
    assert_int_equal(st.documents, 2);

    assert_int_equal(pw_search_remove(s, 7), 1);
    assert_int_equal(pw_search_remove(s, 7), 0);
    assert_int_equal(pw_search_remove(s, 12345), 0);
    order_is(s, "tiles", "");
    order_is(s, "walls", "8");
    put(s, 9, "tiling", NULL, NULL, NULL); /* takes the freed slot */
    order_is(s, "tiles", "9");
    assert_int_equal(pw_search_remove(s, 8), 1);
    assert_int_equal(pw_search_remove(s, 9), 1);
    pw_search_stats_get(s, &st);
    assert_int_equal(st.documents, 0);
    assert_int_equal(st.postings, 0);
    assert_true(st.words > 0); /* words are kept for the typo index until a rebuild */
    order_is(s, "walls", "");

    /* many ids through the id table's growth, removals and reuse */
    for (int64_t id = 1; id <= 3000; id++)
        put(s, id * 1000003, id % 2 ? "odd" : "even", NULL, NULL, NULL);
    for (int64_t id = 1; id <= 3000; id += 2)
        assert_int_equal(pw_search_remove(s, id * 1000003), 1);
    assert_int_equal(run(s, "odd", 1000)->matched, 0);
    assert_int_equal(run(s, "even", 1000)->matched, 1500);
    pw_search_stats_get(s, &st);
    assert_int_equal(st.documents, 1500);
    assert_int_equal(st.postings, 1500);
    pw_search_free(s);
}

/* ---- limits, bad input, cursor, filter ------------------------------------------------------------- */

static void query_refused(pw_search *s, const char *text, const char *want)
{
    pw_search_query q = {.text = text, .limit = 10};
    pw_error err = {0};
    assert_int_equal(pw_search_run(s, &q, &result, &err), PW_EREFUSED);
    assert_int_equal(err.status, 422);
    assert_string_equal(err.code, "validation_failed");
    assert_string_equal(err.field, "q");
    if (strstr(err.message, want) == NULL)
        print_error("message \"%s\", want \"%s\" in it\n", err.message, want);
    assert_non_null(strstr(err.message, want));
}

static int even_only(int64_t id, void *ctx)
{
    (*(int *)ctx)++;
    return id % 2 == 0;
}

static double by_id_mod_3(int64_t id, double text_score, void *ctx)
{
    (void)text_score;
    (void)ctx;
    return (double)(id % 3);
}

static void test_limits_and_bad_input(void **state)
{
    (void)state;
    pw_search *s = new_index(NULL);
    for (int64_t id = 1; id <= 25; id++)
        put(s, id, "cleaning", NULL, NULL, NULL); /* all the same score */

    query_refused(s, "", "empty");
    char big[PW_SEARCH_QUERY_MAX_BYTES + 2];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    query_refused(s, big, "longer than");
    big[PW_SEARCH_QUERY_MAX_BYTES] = '\0'; /* exactly the limit: one long word, skipped */
    assert_int_equal(run(s, big, 10)->hit_count, 0);
    query_refused(s, "clean\tnow", "control characters");
    query_refused(s, "clean\x7f", "control characters");
    query_refused(s, "cl\xc3", "not UTF-8");
    query_refused(s, "a1 a2 a3 a4 a5 a6 a7 a8 a9 b1 b2 b3 b4 b5 b6 b7 b8", "more than 16 words");
    assert_int_equal(run(s, "a1 a2 a3 a4 a5 a6 a7 a8 a9 b1 b2 b3 b4 b5 b6 cleaning", 10)->word_count, 16);

    const pw_search_result *r = run(s, "the of and", 10); /* only stop words: no words, no hits */
    assert_int_equal(r->word_count, 0);
    assert_int_equal(r->hit_count, 0);

    pw_search_query q = {.text = "cleaning", .limit = 0};
    pw_error err = {0};
    assert_int_equal(pw_search_run(s, &q, &result, &err), PW_EINVAL);
    q.limit = PW_SEARCH_RESULTS_MAX + 1;
    assert_int_equal(pw_search_run(s, &q, &result, &err), PW_EINVAL);

    char *field = malloc(PW_SEARCH_FIELD_MAX_BYTES + 2);
    assert_non_null(field);
    memset(field, 'b', PW_SEARCH_FIELD_MAX_BYTES + 1);
    field[PW_SEARCH_FIELD_MAX_BYTES + 1] = '\0';
    pw_search_doc d = {.id = 1, .field = {NULL, NULL, field, NULL}};
    assert_int_equal(pw_search_put(s, &d), PW_EREFUSED);
    free(field);
    d.field[PW_SEARCH_FIELD_BIO] = "bad \xff bytes";
    assert_int_equal(pw_search_put(s, &d), PW_EREFUSED);
    order_is(s, "cleaning", "1 2 3 4 5 6 7 8 9 10"); /* document 1 kept its old version */

    /* the cursor: pages of 10 follow on, in id order among equal scores, with no overlap */
    char pages[3][64];
    q = (pw_search_query){.text = "cleaning", .limit = 10};
    for (int page = 0; page < 3; page++) {
        assert_int_equal(pw_search_run(s, &q, &result, &err), PW_OK);
        snprintf(pages[page], sizeof(pages[page]), "%s", ids(&result));
        if (result.hit_count > 0) {
            q.after = 1;
            q.after_score = result.hit[result.hit_count - 1].score;
            q.after_id = result.hit[result.hit_count - 1].id;
        }
    }
    assert_string_equal(pages[0], "1 2 3 4 5 6 7 8 9 10");
    assert_string_equal(pages[1], "11 12 13 14 15 16 17 18 19 20");
    assert_string_equal(pages[2], "21 22 23 24 25");

    /* the filter sees every match and only what it keeps ranks or counts */
    int calls = 0;
    q = (pw_search_query){.text = "cleaning", .limit = 5, .filter = even_only, .filter_ctx = &calls};
    assert_int_equal(pw_search_run(s, &q, &result, &err), PW_OK);
    assert_string_equal(ids(&result), "2 4 6 8 10");
    assert_int_equal(result.matched, 12);
    assert_int_equal(calls, 25);

    /* the rank callback orders (a blend: here id % 3 only), and the cursor follows it */
    q = (pw_search_query){.text = "cleaning", .limit = 4, .rank = by_id_mod_3};
    assert_int_equal(pw_search_run(s, &q, &result, &err), PW_OK);
    assert_string_equal(ids(&result), "2 5 8 11");
    assert_near(result.hit[0].score, 2);
    assert_true(result.hit[0].text_score > 0);
    char all[256] = "";
    for (int page = 0; page < 10 && result.hit_count > 0; page++) {
        strcat(all, page ? " " : "");
        strcat(all, ids(&result));
        q.after = 1;
        q.after_score = result.hit[result.hit_count - 1].score;
        q.after_id = result.hit[result.hit_count - 1].id;
        assert_int_equal(pw_search_run(s, &q, &result, &err), PW_OK);
        assert_int_equal(result.matched, 25); /* all matches, whatever the page */
    }
    assert_string_equal(all, "2 5 8 11 14 17 20 23 1 4 7 10 13 16 19 22 25 3 6 9 12 15 18 21 24");
    pw_search_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_analysis),
        cmocka_unit_test(test_bm25_by_hand),
        cmocka_unit_test(test_typo_distance),
        cmocka_unit_test(test_typos),
        cmocka_unit_test(test_prefix_while_typing),
        cmocka_unit_test(test_synonyms),
        cmocka_unit_test(test_synonyms_refused),
        cmocka_unit_test(test_synonyms_file),
        cmocka_unit_test(test_put_and_remove),
        cmocka_unit_test(test_limits_and_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
