/* synonyms.c — the synonyms and category-inference table (data/search/synonyms.tsv; the
 * format: docs/internals/search.md, "Synonyms").
 *
 * One row a line, three fields separated by tabs: a word as people type it, the category it
 * points at ("-" for none), and the phrases it also means, separated by commas:
 *     tap<TAB>home repair<TAB>plumbing, plumber
 * Lines that are blank or start with '#' are comments. The word is analysed as queries are
 * (folded, stemmed), so "Taps" on a line is the row for "tap", "taps" and "tapping"; it must
 * be one word that is not a stop word, and have one row. The phrases' words are analysed
 * once, here, and looked up with the word's own; the phrases as written are the skills the
 * row suggests. Any bad line refuses the whole table, naming the line: a table that half
 * loads would change rankings silently. Immutable once parsed: readers share it freely. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fold.h"
#include "search/search_internal.h"

static int cmp_row(const void *a, const void *b)
{
    return strcmp(((const synonym_row *)a)->key, ((const synonym_row *)b)->key);
}

const synonym_row *synonyms_find(const pw_search_synonyms *syn, const char *stem)
{
    if (syn == NULL || syn->count == 0)
        return NULL;
    synonym_row key;
    snprintf(key.key, sizeof(key.key), "%s", stem);
    return bsearch(&key, syn->row, syn->count, sizeof(synonym_row), cmp_row);
}

void pw_search_synonyms_free(pw_search_synonyms *syn)
{
    if (syn == NULL)
        return;
    for (size_t i = 0; i < syn->count; i++)
        for (int k = 0; k < syn->row[i].phrase_count; k++)
            free(syn->row[i].phrase[k]);
    free(syn->row);
    free(syn);
}

size_t pw_search_synonyms_count(const pw_search_synonyms *syn) { return syn != NULL ? syn->count : 0; }

static char *trim(char *s)
{
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

static int bad(pw_error *err, int line, const char *what)
{
    return pw_error_set(err, 0, "bad_synonyms", NULL, "synonyms line %d: %s", line, what);
}

/* One non-comment line (NUL-terminated, tabs intact) into *row. */
static int parse_row(stemmer_pool *pool, char *line, int lineno, synonym_row *row, pw_error *err)
{
    memset(row, 0, sizeof(*row));
    char *tab1 = strchr(line, '\t'), *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
    if (tab2 == NULL || strchr(tab2 + 1, '\t') != NULL)
        return bad(err, lineno, "want three fields separated by tabs: word, category, phrases");
    *tab1 = *tab2 = '\0';
    const char *why = NULL;
    search_token t[2];
    int n = search_tokenize(pool, line, strlen(line), 0, t, 2, 1, &why);
    if (n == PW_ENOMEM)
        return PW_ENOMEM;
    if (n < 0)
        return bad(err, lineno, why);
    if (n != 1)
        return bad(err, lineno, "the first field must be one word, not a stop word");
    memcpy(row->key, t[0].stem, (size_t)t[0].stem_len + 1);

    char *category = trim(tab1 + 1);
    if (strlen(category) >= sizeof(row->category))
        return bad(err, lineno, "category too long");
    char *folded = NULL;
    if (strcmp(category, "-") != 0) {
        int rc = pw_fold_dup(category, strlen(category), &folded, NULL, &why);
        if (rc == PW_ENOMEM)
            return rc;
        if (rc != PW_OK || folded[0] == '\0' || strlen(folded) >= sizeof(row->category)) {
            free(folded);
            return bad(err, lineno, "category: not UTF-8, empty or too long");
        }
        snprintf(row->category, sizeof(row->category), "%s", folded);
        free(folded);
    }

    char *save = NULL;
    for (char *p = strtok_r(tab2 + 1, ",", &save); p != NULL; p = strtok_r(NULL, ",", &save)) {
        p = trim(p);
        if (*p == '\0')
            continue;
        if (row->phrase_count == PW_SEARCH_SYNONYM_PHRASES_MAX)
            return bad(err, lineno, "too many phrases");
        int room = PW_SEARCH_SYNONYM_TERMS_MAX - row->term_count;
        n = search_tokenize(pool, p, strlen(p), 0, row->term + row->term_count, room, 1, &why);
        if (n == PW_ENOMEM)
            return n;
        if (n < 0)
            return bad(err, lineno, why);
        if (n == 0)
            return bad(err, lineno, "a phrase with no words but stop words");
        if (n > room)
            return bad(err, lineno, "too many words in the phrases");
        row->term_count += n;
        if ((row->phrase[row->phrase_count] = strdup(p)) == NULL)
            return PW_ENOMEM;
        row->phrase_count++;
    }
    if (row->phrase_count == 0)
        return bad(err, lineno, "no phrases");
    return PW_OK;
}

static void row_cleanup(synonym_row *row)
{
    for (int k = 0; k < row->phrase_count; k++)
        free(row->phrase[k]);
    row->phrase_count = 0;
}

int pw_search_synonyms_parse(const char *text, size_t len, pw_search_synonyms **out, pw_error *err)
{
    *out = NULL;
    if (len > PW_SEARCH_SYNONYMS_FILE_MAX_BYTES)
        return pw_error_set(err, 0, "bad_synonyms", NULL, "synonyms: larger than %d bytes",
                            PW_SEARCH_SYNONYMS_FILE_MAX_BYTES);
    stemmer_pool pool;
    if (stemmer_pool_init(&pool, 1) != PW_OK)
        return PW_ENOMEM;
    pw_search_synonyms *syn = calloc(1, sizeof(*syn));
    size_t cap = 0;
    int rc = syn != NULL ? PW_OK : PW_ENOMEM;
    char line[PW_SEARCH_SYNONYM_LINE_MAX_BYTES + 1];
    int lineno = 0;
    for (size_t pos = 0; rc == PW_OK && pos < len;) {
        const char *end = memchr(text + pos, '\n', len - pos);
        size_t n = end ? (size_t)(end - (text + pos)) : len - pos;
        lineno++;
        if (n > PW_SEARCH_SYNONYM_LINE_MAX_BYTES) {
            rc = bad(err, lineno, "line too long");
            break;
        }
        memcpy(line, text + pos, n);
        line[n] = '\0';
        pos += n + 1;
        if (memchr(line, '\0', n) != NULL) {
            rc = bad(err, lineno, "a NUL byte");
            break;
        }
        char *p = trim(line);
        if (*p == '\0' || *p == '#')
            continue;
        if (syn->count == PW_SEARCH_SYNONYM_ROWS_MAX) {
            rc = bad(err, lineno, "too many rows");
            break;
        }
        if (syn->count == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            synonym_row *rows = realloc(syn->row, ncap * sizeof(synonym_row));
            if (rows == NULL) {
                rc = PW_ENOMEM;
                break;
            }
            syn->row = rows;
            cap = ncap;
        }
        rc = parse_row(&pool, p, lineno, &syn->row[syn->count], err);
        if (rc != PW_OK) {
            row_cleanup(&syn->row[syn->count]);
            break;
        }
        for (size_t i = 0; i < syn->count && rc == PW_OK; i++)
            if (strcmp(syn->row[i].key, syn->row[syn->count].key) == 0)
                rc = bad(err, lineno, "a second row for the same word");
        syn->count++;
    }
    stemmer_pool_cleanup(&pool);
    if (rc != PW_OK) {
        pw_search_synonyms_free(syn);
        return rc;
    }
    qsort(syn->row, syn->count, sizeof(synonym_row), cmp_row);
    *out = syn;
    return PW_OK;
}

int pw_search_synonyms_load(const char *path, pw_search_synonyms **out, pw_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return pw_error_set(err, 0, "bad_synonyms", NULL, "synonyms: cannot open %s: %s", path, strerror(errno));
    char *text = malloc(PW_SEARCH_SYNONYMS_FILE_MAX_BYTES + 1);
    if (text == NULL) {
        fclose(f);
        return PW_ENOMEM;
    }
    size_t n = fread(text, 1, PW_SEARCH_SYNONYMS_FILE_MAX_BYTES + 1, f);
    int failed = ferror(f);
    fclose(f);
    int rc;
    if (failed)
        rc = pw_error_set(err, 0, "bad_synonyms", NULL, "synonyms: cannot read %s", path);
    else
        rc = pw_search_synonyms_parse(text, n, out, err);
    free(text);
    return rc;
}
