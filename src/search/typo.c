/* typo.c — the vocabularies (strings interned to dense ids) and the typo index over the
 * indexed words: deletion neighbourhoods checked by a Damerau-Levenshtein distance.
 *
 * Every word of c characters is filed under itself and under each string made by deleting
 * up to typo_depth(c) of its characters (1 from PW_SEARCH_TYPO1_LEN_MIN characters, 2 from
 * PW_SEARCH_TYPO2_LEN_MIN). A query word's own deletions, to its own depth, meet the
 * deletions of every word within that many edits (a substitution is one deletion on each
 * side, a transposition too, an insertion a deletion on the query's side), so a lookup
 * is a few dozen hash probes and the short chains behind them, each candidate then checked
 * by the real distance. Keys are 64-bit hashes of the deletion's code points: a collision
 * only adds a candidate that the distance check drops. Entries are append-only; a word
 * is filed once, when the index first sees it. */
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "base/assert.h"
#include "base/buf.h"
#include "search/search_internal.h"

static uint64_t hash_bytes(const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t h = 1469598103934665603ULL; /* FNV-1a 64 */
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    h ^= h >> 29; /* FNV's low bits are weak for a power-of-two table */
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 32;
    return h;
}

/* ---- vocabularies ------------------------------------------------------------------------ */

void vocab_cleanup(vocab *v)
{
    free(v->chars);
    free(v->offset);
    free(v->slots);
    memset(v, 0, sizeof(*v));
}

static size_t vocab_probe(const vocab *v, const char *s, size_t len)
{
    size_t mask = v->slot_cap - 1, i = (size_t)hash_bytes(s, len) & mask;
    for (;;) {
        uint32_t id1 = v->slots[i];
        if (id1 == 0)
            return i;
        const char *t = v->chars + v->offset[id1 - 1];
        if (strncmp(t, s, len) == 0 && t[len] == '\0')
            return i;
        i = (i + 1) & mask;
    }
}

int64_t vocab_find(const vocab *v, const char *s, size_t len)
{
    if (v->slot_cap == 0)
        return -1; /* not a status: not found */
    uint32_t id1 = v->slots[vocab_probe(v, s, len)];
    return id1 == 0 ? -1 : (int64_t)id1 - 1;
}

static int vocab_rehash(vocab *v, size_t slot_cap)
{
    uint32_t *slots = calloc(slot_cap, sizeof(uint32_t));
    if (slots == NULL)
        return PW_ENOMEM;
    free(v->slots);
    v->slots = slots;
    v->slot_cap = slot_cap;
    for (size_t id = 0; id < v->count; id++) {
        const char *t = vocab_text(v, (uint32_t)id);
        v->slots[vocab_probe(v, t, strlen(t))] = (uint32_t)id + 1;
    }
    return PW_OK;
}

int64_t vocab_add(vocab *v, const char *s, size_t len)
{
    int64_t id = vocab_find(v, s, len);
    if (id >= 0)
        return id;
    if ((v->count + 1) * 2 > v->slot_cap && vocab_rehash(v, v->slot_cap ? v->slot_cap * 2 : 64) != PW_OK)
        return PW_ENOMEM;
    if (pw_grow((void **)&v->chars, &v->chars_cap, v->chars_len + len + 1, 1, 16) != PW_OK ||
        pw_grow((void **)&v->offset, &v->cap, v->count + 1, sizeof(uint32_t), 16) != PW_OK)
        return PW_ENOMEM;
    memcpy(v->chars + v->chars_len, s, len);
    v->chars[v->chars_len + len] = '\0';
    v->offset[v->count] = (uint32_t)v->chars_len;
    v->chars_len += len + 1;
    v->slots[vocab_probe(v, s, len)] = (uint32_t)v->count + 1;
    return (int64_t)v->count++;
}

size_t vocab_memory_bytes(const vocab *v)
{
    return v->chars_cap + v->cap * sizeof(uint32_t) + v->slot_cap * sizeof(uint32_t);
}

/* ---- characters ---------------------------------------------------------------------------- */

/* The code points of a word into cp (at most PW_SEARCH_WORD_MAX_CHARS): their count, or -1
 * when there are more (the caller's words are valid UTF-8: folded). */
static int decode(const char *s, size_t len, int32_t *cp)
{
    int n = 0;
    size_t pos = 0;
    while (pos < len) {
        utf8proc_int32_t c;
        utf8proc_ssize_t step = utf8proc_iterate((const utf8proc_uint8_t *)s + pos, (utf8proc_ssize_t)(len - pos), &c);
        pw_assert(step > 0);
        if (n == PW_SEARCH_WORD_MAX_CHARS)
            return -1; /* not a status: too long */
        cp[n++] = c;
        pos += (size_t)step;
    }
    return n;
}

int utf8_chars(const char *s, size_t len)
{
    int32_t cp[PW_SEARCH_WORD_MAX_CHARS] = {0}; /* gcc -O3 cannot see decode fills what is read */
    int n = decode(s, len, cp);
    return n < 0 ? PW_SEARCH_WORD_MAX_CHARS + 1 : n;
}

int typo_depth(int chars) { return chars >= PW_SEARCH_TYPO2_LEN_MIN ? 2 : chars >= PW_SEARCH_TYPO1_LEN_MIN ? 1 : 0; }

static int min3(int a, int b, int c)
{
    int m = a < b ? a : b;
    return m < c ? m : c;
}

static int distance_cp(const int32_t *a, int n, const int32_t *b, int m, int limit)
{
    if (abs(n - m) > limit)
        return limit + 1;
    /* three rows of the (n+1) x (m+1) table: two back for the transposition */
    int rows[3][PW_SEARCH_WORD_MAX_CHARS + 1];
    int *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
    for (int j = 0; j <= m; j++)
        prev[j] = j;
    for (int i = 1; i <= n; i++) {
        cur[0] = i;
        int row_min = cur[0];
        for (int j = 1; j <= m; j++) {
            int cost = a[i - 1] != b[j - 1];
            cur[j] = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < cur[j])
                cur[j] = prev2[j - 2] + 1;
            if (cur[j] < row_min)
                row_min = cur[j];
        }
        if (row_min > limit)
            return limit + 1;
        int *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[m] > limit ? limit + 1 : prev[m];
}

int typo_distance(const char *a, size_t alen, const char *b, size_t blen, int limit)
{
    int32_t ca[PW_SEARCH_WORD_MAX_CHARS], cb[PW_SEARCH_WORD_MAX_CHARS];
    int n = decode(a, alen, ca), m = decode(b, blen, cb);
    if (n < 0 || m < 0)
        return limit + 1;
    return distance_cp(ca, n, cb, m, limit);
}

/* ---- the deletion index ------------------------------------------------------------------- */

void typo_cleanup(typo_index *t)
{
    free(t->keys);
    free(t->heads);
    free(t->entry_word);
    free(t->entry_next);
    memset(t, 0, sizeof(*t));
}

static size_t key_slot(const typo_index *t, uint64_t key)
{
    size_t mask = t->slot_cap - 1, i = (size_t)key & mask;
    while (t->keys[i] != 0 && t->keys[i] != key)
        i = (i + 1) & mask;
    return i;
}

static int key_rehash(typo_index *t, size_t slot_cap)
{
    uint64_t *keys = calloc(slot_cap, sizeof(uint64_t));
    uint32_t *heads = calloc(slot_cap, sizeof(uint32_t));
    if (keys == NULL || heads == NULL) {
        free(keys);
        free(heads);
        return PW_ENOMEM;
    }
    typo_index old = *t;
    t->keys = keys;
    t->heads = heads;
    t->slot_cap = slot_cap;
    for (size_t i = 0; i < old.slot_cap; i++)
        if (old.keys[i] != 0) {
            size_t j = key_slot(t, old.keys[i]);
            t->keys[j] = old.keys[i];
            t->heads[j] = old.heads[i];
        }
    free(old.keys);
    free(old.heads);
    return PW_OK;
}

static uint64_t key_of(const int32_t *cp, int n)
{
    uint64_t k = hash_bytes(cp, (size_t)n * sizeof(int32_t));
    return k == 0 ? 1 : k;
}

static int file_under(typo_index *t, uint32_t word, const int32_t *cp, int n)
{
    if ((t->used + 1) * 2 > t->slot_cap && key_rehash(t, t->slot_cap ? t->slot_cap * 2 : 1024) != PW_OK)
        return PW_ENOMEM;
    uint64_t key = key_of(cp, n);
    size_t i = key_slot(t, key);
    if (t->keys[i] != 0 && t->heads[i] != 0 && t->entry_word[t->heads[i] - 1] == word)
        return PW_OK; /* the same deletion of this word again ("ll" in "spelling") */
    if (t->entries == t->entries_cap) {
        size_t cap = t->entries_cap ? t->entries_cap * 2 : 1024;
        uint32_t *words = realloc(t->entry_word, cap * sizeof(uint32_t));
        if (words == NULL)
            return PW_ENOMEM;
        t->entry_word = words;
        uint32_t *next = realloc(t->entry_next, cap * sizeof(uint32_t));
        if (next == NULL)
            return PW_ENOMEM;
        t->entry_next = next;
        t->entries_cap = cap;
    }
    if (t->keys[i] == 0) {
        t->keys[i] = key;
        t->heads[i] = 0;
        t->used++;
    }
    t->entry_word[t->entries] = word;
    t->entry_next[t->entries] = t->heads[i];
    t->heads[i] = (uint32_t)++t->entries;
    return PW_OK;
}

/* Calls visit on cp and each string of up to depth deletions from position `from` on (each
 * set of positions once, so no deletion string is made twice by a different order). */
typedef int (*deletion_visit)(void *ctx, const int32_t *cp, int n);

static int deletions(const int32_t *cp, int n, int depth, int from, deletion_visit visit, void *ctx)
{
    int rc = visit(ctx, cp, n);
    if (rc != PW_OK || depth == 0)
        return rc;
    int32_t shorter[PW_SEARCH_WORD_MAX_CHARS] = {0};
    for (int i = from; i < n; i++) {
        memcpy(shorter, cp, (size_t)i * sizeof(int32_t));
        memcpy(shorter + i, cp + i + 1, (size_t)(n - i - 1) * sizeof(int32_t));
        if ((rc = deletions(shorter, n - 1, depth - 1, i, visit, ctx)) != PW_OK)
            return rc;
    }
    return PW_OK;
}

typedef struct add_ctx {
    typo_index *t;
    uint32_t word;
} add_ctx;

static int visit_add(void *ctx, const int32_t *cp, int n)
{
    add_ctx *a = ctx;
    return file_under(a->t, a->word, cp, n);
}

int typo_add(typo_index *t, uint32_t word, const char *text, size_t len)
{
    int32_t cp[PW_SEARCH_WORD_MAX_CHARS] = {0}; /* gcc -O3 cannot see decode fills what is read */
    int n = decode(text, len, cp);
    if (n < 0)
        return PW_OK; /* too long to be looked up by typo */
    add_ctx a = {.t = t, .word = word};
    return deletions(cp, n, typo_depth(n), 0, visit_add, &a);
}

size_t typo_memory_bytes(const typo_index *t)
{
    return t->slot_cap * (sizeof(uint64_t) + sizeof(uint32_t)) + t->entries_cap * 2 * sizeof(uint32_t);
}

typedef struct lookup_ctx {
    const typo_index *t;
    const vocab *words;
    const int32_t *query;
    int query_n, limit;
    typo_match *out;
    int max, count;
} lookup_ctx;

static int visit_lookup(void *ctx, const int32_t *cp, int n)
{
    lookup_ctx *l = ctx;
    if (l->t->slot_cap == 0)
        return PW_OK;
    size_t i = key_slot(l->t, key_of(cp, n));
    if (l->t->keys[i] == 0)
        return PW_OK;
    for (uint32_t e = l->t->heads[i]; e != 0; e = l->t->entry_next[e - 1]) {
        uint32_t word = l->t->entry_word[e - 1];
        int seen = 0;
        for (int k = 0; k < l->count && !seen; k++)
            seen = l->out[k].word == word;
        if (seen || l->count == l->max)
            continue;
        const char *w = vocab_text(l->words, word);
        int32_t wcp[PW_SEARCH_WORD_MAX_CHARS];
        int wn = decode(w, strlen(w), wcp);
        if (wn < 0)
            continue;
        int d = distance_cp(l->query, l->query_n, wcp, wn, l->limit);
        if (d >= 1 && d <= l->limit)
            l->out[l->count++] = (typo_match){.word = word, .distance = d};
    }
    return PW_OK;
}

int typo_lookup(const typo_index *t, const vocab *words, const char *text, size_t len, typo_match *out, int max)
{
    int32_t cp[PW_SEARCH_WORD_MAX_CHARS] = {0}; /* gcc -O3 cannot see decode fills what is read */
    int n = decode(text, len, cp);
    if (n < 0 || typo_depth(n) == 0)
        return 0;
    lookup_ctx l = {.t = t, .words = words, .query = cp, .query_n = n, .limit = typo_depth(n), .out = out, .max = max};
    deletions(cp, n, l.limit, 0, visit_lookup, &l);
    return l.count;
}

/* ---- the prefix index ------------------------------------------------------------------------ */

int prefix_add(typo_index *t, uint32_t word, const char *text, size_t len)
{
    int32_t cp[PW_SEARCH_WORD_MAX_CHARS] = {0};
    int n = decode(text, len, cp);
    for (int k = PW_SEARCH_PREFIX_LEN_MIN; k <= n && k <= PW_SEARCH_PREFIX_FILED_MAX_CHARS; k++) {
        if (k == n)
            break; /* a word is not its own prefix: the exact lookup finds it */
        if (file_under(t, word, cp, k) != PW_OK)
            return PW_ENOMEM;
    }
    return PW_OK;
}

void prefix_lookup(const typo_index *t, const vocab *words, const char *text, size_t len,
                   void (*visit)(void *ctx, uint32_t word), void *ctx)
{
    int32_t cp[PW_SEARCH_WORD_MAX_CHARS] = {0};
    int n = decode(text, len, cp);
    if (n < PW_SEARCH_PREFIX_LEN_MIN || t->slot_cap == 0)
        return;
    int k = n < PW_SEARCH_PREFIX_FILED_MAX_CHARS ? n : PW_SEARCH_PREFIX_FILED_MAX_CHARS;
    size_t i = key_slot(t, key_of(cp, k));
    if (t->keys[i] == 0)
        return;
    for (uint32_t e = t->heads[i]; e != 0; e = t->entry_next[e - 1]) {
        uint32_t word = t->entry_word[e - 1];
        const char *w = vocab_text(words, word);
        size_t wlen = strlen(w);
        if (wlen > len && memcmp(w, text, len) == 0) /* the filed prefix may be shorter than text, or a collision */
            visit(ctx, word);
    }
}
