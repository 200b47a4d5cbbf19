/* index.c — the inverted index and its queries (search.h; docs/internals/search.md).
 *
 * Documents live in slots (a free list reuses a removed one's); an id -> slot table finds
 * them. Every distinct stem is a term with a posting list: (slot, the term's count in each
 * field), unordered, so a removal swaps the last posting into the hole. Every distinct
 * folded word is a word in a second vocabulary, with the term it stems to and its place in
 * the typo index (typo.c). Field lengths and their sums give BM25F its normalisation.
 *
 * A query is analysed outside the lock, expanded (the word, its typo corrections when the
 * index has never seen it, its synonym row's phrase words), then scored term at a time
 * into a per-query accumulator: one entry per document touched, which keeps the best
 * variant of the current word and adds it to the total when the next word starts. The
 * documents that pass the filter and the cursor go through a min-heap of the best `limit`.
 *
 * One readers-writer lock (writer-preferring) guards the whole index: queries hold it
 * shared, put and remove exclusively. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/buf.h"
#include "base/log.h"
#include "search/search_internal.h"

typedef struct posting {
    uint32_t slot;
    uint8_t tf[PW_SEARCH_FIELDS]; /* occurrences in each field, at most 255 */
} posting;

typedef struct term {
    posting *p;
    uint32_t n, cap;
} term;

typedef struct doc {
    int64_t id;
    uint16_t len[PW_SEARCH_FIELDS]; /* words indexed per field */
    uint16_t term_count;
    uint8_t live;
    uint32_t *terms; /* the distinct terms it has postings in */
} doc;

struct pw_search {
    pthread_rwlock_t lock;
    pw_search_policy policy;
    pw_search_synonyms *synonyms; /* immutable, read without the lock */
    stemmer_pool stemmers;        /* their own locks */
    /* everything below: under lock */
    vocab terms;    /* stems */
    term *postings; /* per term id */
    size_t postings_cap;
    vocab words;         /* folded words */
    uint32_t *word_term; /* per word id: its stem's term id */
    size_t word_term_cap;
    typo_index typos;
    typo_index prefixes; /* words by their first 3..8 characters, for prefix_last */
    doc *docs;           /* per slot */
    size_t slots, slots_cap;
    uint32_t *free_slots;
    size_t free_count, free_cap;
    int64_t *id_keys; /* id -> slot, open addressing; INT64_MIN empty, INT64_MIN + 1 deleted */
    uint32_t *id_slots;
    size_t id_cap, id_used;
    size_t live, posting_count, words_dropped;
    uint64_t len_sum[PW_SEARCH_FIELDS];
};

#define ID_EMPTY   INT64_MIN
#define ID_DELETED (INT64_MIN + 1)

void pw_search_policy_defaults(pw_search_policy *p)
{
    *p = (pw_search_policy){.field_weight = {3.0, 2.0, 1.0, 0.5},
                            .k1 = 1.2,
                            .b = 0.75,
                            .typo1_weight = 0.8,
                            .typo2_weight = 0.6,
                            .synonym_weight = 0.6,
                            .prefix_weight = 0.7};
}

int pw_search_new(const pw_search_policy *policy, pw_search_synonyms *synonyms, pw_search **out)
{
    *out = NULL;
    pw_search *s = calloc(1, sizeof(*s));
    if (s == NULL || stemmer_pool_init(&s->stemmers, PW_SEARCH_STEMMERS_MAX) != PW_OK) {
        free(s);
        pw_search_synonyms_free(synonyms);
        return PW_ENOMEM;
    }
    if (policy != NULL)
        s->policy = *policy;
    else
        pw_search_policy_defaults(&s->policy);
    s->synonyms = synonyms;
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    /* an update waits for the queries running, not behind every query that comes after */
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&s->lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    *out = s;
    return PW_OK;
}

void pw_search_free(pw_search *s)
{
    if (s == NULL)
        return;
    for (size_t t = 0; t < s->terms.count; t++)
        free(s->postings[t].p);
    free(s->postings);
    vocab_cleanup(&s->terms);
    vocab_cleanup(&s->words);
    free(s->word_term);
    typo_cleanup(&s->typos);
    typo_cleanup(&s->prefixes);
    for (size_t i = 0; i < s->slots; i++)
        free(s->docs[i].terms);
    free(s->docs);
    free(s->free_slots);
    free(s->id_keys);
    free(s->id_slots);
    stemmer_pool_cleanup(&s->stemmers);
    pw_search_synonyms_free(s->synonyms);
    pthread_rwlock_destroy(&s->lock);
    free(s);
}

/* ---- id -> slot ---------------------------------------------------------------------------- */

static size_t id_hash(int64_t id)
{
    uint64_t x = (uint64_t)id * 0x9e3779b97f4a7c15ULL;
    return (size_t)(x ^ (x >> 31));
}

/* The table position of id, or of the first free place on its probe path (for an insert). */
static size_t id_probe(const pw_search *s, int64_t id, int *found)
{
    size_t mask = s->id_cap - 1, i = id_hash(id) & mask, insert = SIZE_MAX;
    for (;;) {
        int64_t k = s->id_keys[i];
        if (k == id) {
            *found = 1;
            return i;
        }
        if (k == ID_EMPTY) {
            *found = 0;
            return insert != SIZE_MAX ? insert : i;
        }
        if (k == ID_DELETED && insert == SIZE_MAX)
            insert = i;
        i = (i + 1) & mask;
    }
}

static int64_t id_find(const pw_search *s, int64_t id)
{
    if (s->id_cap == 0)
        return -1; /* not a status: no slot */
    int found;
    size_t i = id_probe(s, id, &found);
    return found ? (int64_t)s->id_slots[i] : -1;
}

static int id_rehash(pw_search *s, size_t cap)
{
    int64_t *keys = malloc(cap * sizeof(int64_t));
    uint32_t *slots = malloc(cap * sizeof(uint32_t));
    if (keys == NULL || slots == NULL) {
        free(keys);
        free(slots);
        return PW_ENOMEM;
    }
    for (size_t i = 0; i < cap; i++)
        keys[i] = ID_EMPTY;
    int64_t *old_keys = s->id_keys;
    uint32_t *old_slots = s->id_slots;
    size_t old_cap = s->id_cap;
    s->id_keys = keys;
    s->id_slots = slots;
    s->id_cap = cap;
    s->id_used = 0;
    for (size_t i = 0; i < old_cap; i++)
        if (old_keys[i] != ID_EMPTY && old_keys[i] != ID_DELETED) {
            int found;
            size_t j = id_probe(s, old_keys[i], &found);
            s->id_keys[j] = old_keys[i];
            s->id_slots[j] = old_slots[i];
            s->id_used++;
        }
    free(old_keys);
    free(old_slots);
    return PW_OK;
}

static int id_insert(pw_search *s, int64_t id, uint32_t slot)
{
    if ((s->id_used + 1) * 2 > s->id_cap && id_rehash(s, s->id_cap ? s->id_cap * 2 : 1024) != PW_OK)
        return PW_ENOMEM;
    int found;
    size_t i = id_probe(s, id, &found);
    pw_assert(!found);
    if (s->id_keys[i] == ID_EMPTY)
        s->id_used++;
    s->id_keys[i] = id;
    s->id_slots[i] = slot;
    return PW_OK;
}

static void id_erase(pw_search *s, int64_t id)
{
    int found;
    size_t i = id_probe(s, id, &found);
    pw_assert(found);
    s->id_keys[i] = ID_DELETED;
}

/* ---- writing ---------------------------------------------------------------------------------- */

/* Drops slot's postings and frees the slot; the id stays mapped (the caller erases it). */
static void doc_clear(pw_search *s, uint32_t slot)
{
    doc *d = &s->docs[slot];
    pw_assert(d->live);
    for (uint16_t k = 0; k < d->term_count; k++) {
        term *t = &s->postings[d->terms[k]];
        uint32_t i = 0;
        while (i < t->n && t->p[i].slot != slot)
            i++;
        pw_assert(i < t->n); /* every term a document lists has its posting */
        t->p[i] = t->p[--t->n];
        s->posting_count--;
    }
    for (int f = 0; f < PW_SEARCH_FIELDS; f++)
        s->len_sum[f] -= d->len[f];
    free(d->terms);
    d->terms = NULL;
    d->term_count = 0;
    d->live = 0;
    s->live--;
    /* the free list has room: it was sized when the slot was made */
    s->free_slots[s->free_count++] = slot;
}

/* The term id of a token's stem, adding the word and the term as needed; PW_EBUSY when the
 * vocabulary is full (the word is dropped), PW_ENOMEM. A document's words arrive unstemmed:
 * a known word's term is its stem's, so only a new word is stemmed (Snowball costs ~0.4 us
 * a word, most of a put's time when every word was stemmed). */
static int64_t token_term(pw_search *s, search_token *tk)
{
    int64_t w = vocab_find(&s->words, tk->word, tk->word_len);
    if (w >= 0)
        return s->word_term[w];
    if (s->words.count >= PW_SEARCH_VOCABULARY_MAX)
        return PW_EBUSY;
    search_stem(&s->stemmers, tk);
    if (pw_grow((void **)&s->postings, &s->postings_cap, s->terms.count + 1, sizeof(term), 64) != PW_OK)
        return PW_ENOMEM;
    size_t before = s->terms.count;
    int64_t t = vocab_add(&s->terms, tk->stem, tk->stem_len);
    if (t < 0)
        return t;
    if (s->terms.count > before)
        memset(&s->postings[t], 0, sizeof(term));
    if (pw_grow((void **)&s->word_term, &s->word_term_cap, s->words.count + 1, sizeof(uint32_t), 64) != PW_OK)
        return PW_ENOMEM;
    w = vocab_add(&s->words, tk->word, tk->word_len);
    if (w < 0)
        return w;
    s->word_term[w] = (uint32_t)t;
    if (typo_add(&s->typos, (uint32_t)w, tk->word, tk->word_len) != PW_OK ||
        prefix_add(&s->prefixes, (uint32_t)w, tk->word, tk->word_len) != PW_OK)
        return PW_ENOMEM;
    return t;
}

/* A document's terms with their per-field counts, gathered before the postings are written. */
typedef struct doc_term {
    uint32_t term;
    uint8_t tf[PW_SEARCH_FIELDS];
} doc_term;

static int doc_fill(pw_search *s, uint32_t slot, search_token *tk, int n)
{
    doc *d = &s->docs[slot];
    doc_term *dt = malloc((size_t)(n > 0 ? n : 1) * sizeof(doc_term));
    d->terms = malloc((size_t)(n > 0 ? n : 1) * sizeof(uint32_t));
    int rc = PW_ENOMEM, count = 0;
    if (dt == NULL || d->terms == NULL)
        goto out;
    for (int i = 0; i < n; i++) {
        int64_t t = token_term(s, &tk[i]);
        if (t == PW_EBUSY) {
            s->words_dropped++;
            continue;
        }
        if (t < 0)
            goto out;
        int k = 0;
        while (k < count && dt[k].term != (uint32_t)t)
            k++; /* n <= PW_SEARCH_DOC_WORDS_MAX: quadratic at worst a million steps, once per put */
        if (k == count)
            dt[count++] = (doc_term){.term = (uint32_t)t};
        if (dt[k].tf[tk[i].field] < UINT8_MAX)
            dt[k].tf[tk[i].field]++;
        if (d->len[tk[i].field] < UINT16_MAX)
            d->len[tk[i].field]++;
    }
    for (int k = 0; k < count; k++) {
        term *t = &s->postings[dt[k].term];
        if (t->n == t->cap) {
            uint32_t cap = t->cap ? t->cap * 2 : 4;
            posting *p = realloc(t->p, cap * sizeof(posting));
            if (p == NULL)
                goto out;
            t->p = p;
            t->cap = cap;
        }
        t->p[t->n].slot = slot;
        memcpy(t->p[t->n].tf, dt[k].tf, sizeof(dt[k].tf));
        t->n++;
        d->terms[d->term_count++] = dt[k].term;
        s->posting_count++;
    }
    for (int f = 0; f < PW_SEARCH_FIELDS; f++)
        s->len_sum[f] += d->len[f];
    rc = PW_OK;
out:
    if (rc != PW_OK) /* doc_clear takes back what was added: postings, not lengths */
        memset(d->len, 0, sizeof(d->len));
    free(dt);
    return rc;
}

/* A slot for a new document (from the free list or the end), with room kept on the free
 * list for it to go back. */
static int slot_take(pw_search *s, uint32_t *out)
{
    if (s->free_count > 0) {
        *out = s->free_slots[--s->free_count];
        return PW_OK;
    }
    if (pw_grow((void **)&s->docs, &s->slots_cap, s->slots + 1, sizeof(doc), 64) != PW_OK ||
        pw_grow((void **)&s->free_slots, &s->free_cap, s->slots + 1, sizeof(uint32_t), 64) != PW_OK)
        return PW_ENOMEM;
    *out = (uint32_t)s->slots++;
    return PW_OK;
}

static int analyze_doc(pw_search *s, const pw_search_doc *d, search_token *tk, int room, int *count, size_t *dropped)
{
    *dropped = 0;
    int n = 0;
    for (int f = 0; f < PW_SEARCH_FIELDS; f++) {
        const char *text = d->field[f];
        if (text == NULL)
            continue;
        size_t len = strlen(text);
        if (len > PW_SEARCH_FIELD_MAX_BYTES)
            return PW_EREFUSED;
        const char *why;
        int got = search_tokenize(&s->stemmers, text, len, f, tk + n, room - n, 0, &why);
        if (got < 0)
            return got;
        if (got > room - n) {
            *dropped += (size_t)(got - (room - n));
            got = room - n;
        }
        n += got;
    }
    *count = n;
    return PW_OK;
}

int pw_search_put(pw_search *s, const pw_search_doc *d)
{
    /* a word takes at least two bytes with its separator, so this is room for all of them
     * (only folding that multiplies words, "½" -> "1⁄2", could pass it: those are dropped, counted) */
    size_t room = 0;
    for (int f = 0; f < PW_SEARCH_FIELDS; f++)
        room += d->field[f] != NULL ? strlen(d->field[f]) / 2 + 1 : 0;
    if (room > PW_SEARCH_DOC_WORDS_MAX)
        room = PW_SEARCH_DOC_WORDS_MAX;
    search_token *tk = malloc((room > 0 ? room : 1) * sizeof(search_token));
    if (tk == NULL)
        return PW_ENOMEM;
    int n = 0;
    size_t dropped = 0;
    int rc = analyze_doc(s, d, tk, (int)room, &n, &dropped);
    if (rc != PW_OK) {
        free(tk);
        return rc;
    }
    pthread_rwlock_wrlock(&s->lock);
    s->words_dropped += dropped;
    int64_t old = id_find(s, d->id);
    if (old >= 0) {
        doc_clear(s, (uint32_t)old);
        id_erase(s, d->id);
    }
    uint32_t slot = 0;
    if (old < 0 && s->live >= PW_SEARCH_DOCS_MAX)
        rc = PW_EREFUSED;
    else
        rc = slot_take(s, &slot);
    if (rc == PW_OK) {
        doc *x = &s->docs[slot];
        memset(x, 0, sizeof(*x));
        x->id = d->id;
        x->live = 1;
        s->live++;
        rc = doc_fill(s, slot, tk, n);
        if (rc == PW_OK)
            rc = id_insert(s, d->id, slot);
        if (rc != PW_OK)
            doc_clear(s, slot);
    }
    pthread_rwlock_unlock(&s->lock);
    free(tk);
    return rc;
}

int pw_search_remove(pw_search *s, int64_t id)
{
    pthread_rwlock_wrlock(&s->lock);
    int64_t slot = id_find(s, id);
    if (slot >= 0) {
        doc_clear(s, (uint32_t)slot);
        id_erase(s, id);
    }
    pthread_rwlock_unlock(&s->lock);
    return slot >= 0;
}

void pw_search_stats_get(pw_search *s, pw_search_stats *out)
{
    pthread_rwlock_rdlock(&s->lock);
    size_t bytes = sizeof(*s) + vocab_memory_bytes(&s->terms) + vocab_memory_bytes(&s->words) +
                   typo_memory_bytes(&s->typos) + typo_memory_bytes(&s->prefixes) + s->postings_cap * sizeof(term) +
                   s->word_term_cap * 4 + s->slots_cap * sizeof(doc) + s->free_cap * 4 + s->id_cap * 12;
    for (size_t t = 0; t < s->terms.count; t++)
        bytes += s->postings[t].cap * sizeof(posting);
    for (size_t i = 0; i < s->slots; i++)
        bytes += s->docs[i].term_count * sizeof(uint32_t);
    *out = (pw_search_stats){.documents = s->live,
                             .terms = s->terms.count,
                             .words = s->words.count,
                             .postings = s->posting_count,
                             .memory_bytes = bytes,
                             .words_dropped = s->words_dropped};
    pthread_rwlock_unlock(&s->lock);
}

int pw_search_analyze(pw_search *s, const char *text, size_t len, char (*words)[PW_SEARCH_WORD_MAX_BYTES + 1],
                      char (*stems)[PW_SEARCH_WORD_MAX_BYTES + 1], int max)
{
    search_token *tk = malloc((size_t)(max > 0 ? max : 1) * sizeof(search_token));
    if (tk == NULL)
        return PW_ENOMEM;
    const char *why;
    int n = search_tokenize(&s->stemmers, text, len, 0, tk, max, 1, &why);
    for (int i = 0; i < n && i < max; i++) {
        if (words != NULL)
            memcpy(words[i], tk[i].word, (size_t)tk[i].word_len + 1);
        if (stems != NULL)
            memcpy(stems[i], tk[i].stem, (size_t)tk[i].stem_len + 1);
    }
    free(tk);
    return n;
}

/* ---- queries: expansion ------------------------------------------------------------------------ */

typedef struct expanded {
    uint32_t term[PW_SEARCH_EXPANSIONS_MAX]; /* per expansion: its term id */
} expanded;

static int add_expansion(pw_search_result *r, expanded *x, int word, int kind, int distance, double weight,
                         const char *text, const char *stem, uint32_t term_id, size_t df)
{
    for (int e = 0; e < r->expansion_count; e++)
        if (r->expansion[e].word == word && x->term[e] == term_id)
            return 0; /* this word already looks the term up */
    if (r->expansion_count == PW_SEARCH_EXPANSIONS_MAX)
        return 0;
    pw_search_expansion *e = &r->expansion[r->expansion_count];
    *e = (pw_search_expansion){.word = word, .kind = kind, .distance = distance, .weight = weight, .documents = df};
    snprintf(e->term, sizeof(e->term), "%s", text);
    snprintf(e->stem, sizeof(e->stem), "%s", stem);
    x->term[r->expansion_count++] = term_id;
    return 1;
}

static int cmp_typo(const void *a, const void *b, void *ctx)
{
    const typo_match *x = a, *y = b;
    const pw_search *s = ctx;
    if (x->distance != y->distance)
        return x->distance - y->distance;
    uint32_t dx = s->postings[s->word_term[x->word]].n, dy = s->postings[s->word_term[y->word]].n;
    if (dx != dy)
        return dx > dy ? -1 : 1;
    return x->word < y->word ? -1 : x->word > y->word;
}

static int has_digit(const char *w)
{
    for (; *w; w++)
        if (*w >= '0' && *w <= '9')
            return 1;
    return 0;
}

/* The typo corrections of an unknown word, nearest and most common first. */
static void expand_typos(pw_search *s, pw_search_result *r, expanded *x, int w, const search_token *tk)
{
    if (has_digit(tk->word))
        return;
    typo_match m[64];
    int n = typo_lookup(&s->typos, &s->words, tk->word, tk->word_len, m, 64);
    int kept = 0;
    for (int i = 0; i < n; i++)
        if (s->postings[s->word_term[m[i].word]].n > 0)
            m[kept++] = m[i];
    qsort_r(m, (size_t)kept, sizeof(m[0]), cmp_typo, s);
    int added = 0;
    for (int i = 0; i < kept && added < PW_SEARCH_TYPO_CANDIDATES_MAX; i++) {
        uint32_t t = s->word_term[m[i].word];
        double weight = m[i].distance == 1 ? s->policy.typo1_weight : s->policy.typo2_weight;
        added += add_expansion(r, x, w, PW_SEARCH_TYPO, m[i].distance, weight, vocab_text(&s->words, m[i].word),
                               vocab_text(&s->terms, t), t, s->postings[t].n);
    }
}

/* The most common words a typed prefix begins, kept best first. */
typedef struct prefix_pick {
    const pw_search *s;
    uint32_t word[PW_SEARCH_PREFIX_CANDIDATES_MAX];
    uint32_t df[PW_SEARCH_PREFIX_CANDIDATES_MAX];
    int count;
} prefix_pick;

static void visit_prefix(void *ctx, uint32_t word)
{
    prefix_pick *p = ctx;
    uint32_t df = p->s->postings[p->s->word_term[word]].n;
    if (df == 0 || (p->count == PW_SEARCH_PREFIX_CANDIDATES_MAX && df <= p->df[p->count - 1]))
        return;
    int at = p->count < PW_SEARCH_PREFIX_CANDIDATES_MAX ? p->count++ : p->count - 1;
    while (at > 0 && p->df[at - 1] < df) {
        p->word[at] = p->word[at - 1];
        p->df[at] = p->df[at - 1];
        at--;
    }
    p->word[at] = word;
    p->df[at] = df;
}

static void expand_prefix(pw_search *s, pw_search_result *r, expanded *x, int w, const search_token *tk)
{
    prefix_pick p = {.s = s};
    prefix_lookup(&s->prefixes, &s->words, tk->word, tk->word_len, visit_prefix, &p);
    for (int i = 0; i < p.count; i++) {
        uint32_t t = s->word_term[p.word[i]];
        add_expansion(r, x, w, PW_SEARCH_PREFIX, 0, s->policy.prefix_weight, vocab_text(&s->words, p.word[i]),
                      vocab_text(&s->terms, t), t, s->postings[t].n);
    }
}

/* Fills the result's expansions for its words (tk), under the read lock; typing: the last
 * word is being typed (prefix_last, and the text ends in the middle of a word). */
static void expand(pw_search *s, pw_search_result *r, expanded *x, const search_token *tk, int typing)
{
    for (int w = 0; w < r->word_count; w++) {
        int64_t t = vocab_find(&s->terms, tk[w].stem, tk[w].stem_len);
        if (t >= 0 && s->postings[t].n > 0)
            add_expansion(r, x, w, PW_SEARCH_EXACT, 0, 1.0, tk[w].word, tk[w].stem, (uint32_t)t, s->postings[t].n);
        else if (vocab_find(&s->words, tk[w].word, tk[w].word_len) < 0)
            expand_typos(s, r, x, w, &tk[w]);
        if (typing && w == r->word_count - 1)
            expand_prefix(s, r, x, w, &tk[w]);
        const synonym_row *row = synonyms_find(s->synonyms, tk[w].stem);
        if (row == NULL)
            continue;
        for (int k = 0; k < row->term_count; k++) {
            int64_t st = vocab_find(&s->terms, row->term[k].stem, row->term[k].stem_len);
            if (st >= 0 && s->postings[st].n > 0)
                add_expansion(r, x, w, PW_SEARCH_SYNONYM, 0, s->policy.synonym_weight, row->term[k].word,
                              row->term[k].stem, (uint32_t)st, s->postings[st].n);
        }
    }
}

/* The category and skills the words' synonym rows suggest: the first row with a category
 * names it; skills from every row, in order, each once. Needs no lock. */
static void infer(const pw_search *s, pw_search_result *r, const search_token *tk)
{
    for (int w = 0; w < r->word_count; w++) {
        const synonym_row *row = synonyms_find(s->synonyms, tk[w].stem);
        if (row == NULL)
            continue;
        if (r->category[0] == '\0' && row->category[0] != '\0')
            snprintf(r->category, sizeof(r->category), "%s", row->category);
        for (int k = 0; k < row->phrase_count && r->skill_count < PW_SEARCH_INFERRED_SKILLS_MAX; k++) {
            int seen = 0;
            for (int j = 0; j < r->skill_count && !seen; j++)
                seen = strcmp(r->skills[j], row->phrase[k]) == 0;
            if (!seen)
                snprintf(r->skills[r->skill_count++], sizeof(r->skills[0]), "%s", row->phrase[k]);
        }
    }
}

/* ---- queries: scoring ---------------------------------------------------------------------------- */

typedef struct acc {
    uint32_t slot1;   /* slot + 1, 0 empty */
    int16_t word;     /* the word best and best_exp are for */
    int16_t best_exp; /* its best variant so far, -1 none */
    uint8_t best_fields;
    uint8_t fields;
    uint32_t words;
    uint64_t expansions;
    double best, total;
} acc;

typedef struct acc_table {
    acc *a;
    size_t cap; /* a power of two */
    size_t used;
} acc_table;

static acc *acc_get(acc_table *t, uint32_t slot)
{
    size_t mask = t->cap - 1, i = ((size_t)slot * 0x9e3779b1u) & mask;
    while (t->a[i].slot1 != 0 && t->a[i].slot1 != slot + 1)
        i = (i + 1) & mask;
    if (t->a[i].slot1 == 0) {
        t->a[i] = (acc){.slot1 = slot + 1, .word = -1, .best_exp = -1};
        t->used++;
    }
    return &t->a[i];
}

static void acc_flush(acc *a)
{
    if (a->best_exp < 0)
        return;
    a->total += a->best;
    a->expansions |= 1ULL << a->best_exp;
    a->words |= 1U << a->word;
    a->fields |= a->best_fields;
    a->best = 0;
    a->best_exp = -1;
    a->best_fields = 0;
}

/* BM25F of one posting: the fields' counts, weighted and length-normalised, into one
 * saturating term frequency, times the term's idf. */
static double bm25f(const pw_search *s, const posting *p, double idf, const double *avg_len, uint8_t *fields)
{
    const pw_search_policy *pol = &s->policy;
    const doc *d = &s->docs[p->slot];
    double tf = 0;
    *fields = 0;
    for (int f = 0; f < PW_SEARCH_FIELDS; f++) {
        if (p->tf[f] == 0)
            continue;
        *fields |= (uint8_t)(1u << f);
        double norm = 1 - pol->b + (avg_len[f] > 0 ? pol->b * d->len[f] / avg_len[f] : 0);
        tf += pol->field_weight[f] * p->tf[f] / norm;
    }
    return idf * tf * (pol->k1 + 1) / (pol->k1 + tf);
}

/* Hit order: score down, then id up. */
static int ranks_before(double sa, int64_t ia, double sb, int64_t ib) { return sa > sb || (sa == sb && ia < ib); }

/* A min-heap of the best hits so far: the worst at the top. */
static void heap_push(pw_search_hit *h, int *n, int limit, pw_search_hit x)
{
    if (*n == limit) {
        if (!ranks_before(x.score, x.id, h[0].score, h[0].id))
            return;
        h[0] = h[--*n];
        for (int i = 0;;) { /* sift down */
            int l = 2 * i + 1, r = l + 1, worst = i;
            if (l < *n && ranks_before(h[worst].score, h[worst].id, h[l].score, h[l].id))
                worst = l;
            if (r < *n && ranks_before(h[worst].score, h[worst].id, h[r].score, h[r].id))
                worst = r;
            if (worst == i)
                break;
            pw_search_hit t = h[i];
            h[i] = h[worst];
            h[worst] = t;
            i = worst;
        }
    }
    int i = (*n)++;
    h[i] = x;
    while (i > 0) { /* sift up */
        int parent = (i - 1) / 2;
        if (!ranks_before(h[parent].score, h[parent].id, h[i].score, h[i].id))
            break;
        pw_search_hit t = h[i];
        h[i] = h[parent];
        h[parent] = t;
        i = parent;
    }
}

static int cmp_hit(const void *a, const void *b)
{
    const pw_search_hit *x = a, *y = b;
    return ranks_before(x->score, x->id, y->score, y->id) ? -1 : ranks_before(y->score, y->id, x->score, x->id);
}

/* Scores the expansions into the accumulator and ranks; under the read lock. */
static int score(pw_search *s, const pw_search_query *q, pw_search_result *r, const expanded *x)
{
    size_t touched = 0;
    for (int e = 0; e < r->expansion_count; e++)
        touched += s->postings[x->term[e]].n;
    if (touched > s->live)
        touched = s->live;
    acc_table t = {.cap = 16};
    while (t.cap < touched * 2)
        t.cap *= 2;
    t.a = calloc(t.cap, sizeof(acc));
    if (t.a == NULL)
        return PW_ENOMEM;
    double avg_len[PW_SEARCH_FIELDS];
    for (int f = 0; f < PW_SEARCH_FIELDS; f++)
        avg_len[f] = s->live > 0 ? (double)s->len_sum[f] / (double)s->live : 0;
    double n_docs = (double)s->live;
    for (int e = 0; e < r->expansion_count; e++) {
        const term *tm = &s->postings[x->term[e]];
        double df = tm->n, idf = log(1 + (n_docs - df + 0.5) / (df + 0.5));
        double weight = r->expansion[e].weight;
        int16_t word = (int16_t)r->expansion[e].word;
        for (uint32_t i = 0; i < tm->n; i++) {
            acc *a = acc_get(&t, tm->p[i].slot);
            if (a->word != word) {
                acc_flush(a);
                a->word = word;
            }
            uint8_t fields;
            double v = weight * bm25f(s, &tm->p[i], idf, avg_len, &fields);
            if (a->best_exp < 0 || v > a->best) {
                a->best = v;
                a->best_exp = (int16_t)e;
                a->best_fields = fields;
            }
        }
    }
    int n = 0;
    for (size_t i = 0; i < t.cap; i++) {
        acc *a = &t.a[i];
        if (a->slot1 == 0)
            continue;
        acc_flush(a);
        int64_t id = s->docs[a->slot1 - 1].id;
        if (q->filter != NULL && !q->filter(id, q->filter_ctx))
            continue;
        r->matched++;
        double ranked = q->rank != NULL ? q->rank(id, a->total, q->rank_ctx) : a->total;
        pw_assert(isfinite(ranked)); /* the rank callback's contract: the order and the cursor need a number */
        if (q->after && !ranks_before(q->after_score, q->after_id, ranked, id))
            continue;
        heap_push(r->hit, &n, q->limit,
                  (pw_search_hit){.id = id,
                                  .score = ranked,
                                  .text_score = a->total,
                                  .expansions = a->expansions,
                                  .words = a->words,
                                  .fields = a->fields});
    }
    free(t.a);
    qsort(r->hit, (size_t)n, sizeof(r->hit[0]), cmp_hit);
    r->hit_count = n;
    return PW_OK;
}

static int refuse(pw_error *err, const char *what)
{
    return pw_error_set(err, 422, "validation_failed", "q", "q: %s", what);
}

int pw_search_run(pw_search *s, const pw_search_query *q, pw_search_result *r, pw_error *err)
{
    memset(r, 0, offsetof(pw_search_result, hit));
    r->hit_count = 0;
    r->matched_exact = 1; /* every posting is walked (no early termination yet; tags not yet kept) */
    if (q->limit < 1 || q->limit > PW_SEARCH_RESULTS_MAX) {
        pw_log_error("search: limit %d out of 1..%d", q->limit, PW_SEARCH_RESULTS_MAX);
        return PW_EINVAL;
    }
    const char *text = q->text != NULL ? q->text : "";
    size_t len = strlen(text);
    if (len == 0)
        return refuse(err, "empty");
    if (len > PW_SEARCH_QUERY_MAX_BYTES)
        return pw_error_set(err, 422, "validation_failed", "q", "q: longer than %d bytes", PW_SEARCH_QUERY_MAX_BYTES);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
            return refuse(err, "control characters");
    search_token tk[PW_SEARCH_QUERY_WORDS_MAX];
    const char *why = "not UTF-8";
    int n = search_tokenize(&s->stemmers, text, len, 0, tk, PW_SEARCH_QUERY_WORDS_MAX, 1, &why);
    if (n == PW_EREFUSED)
        return refuse(err, why);
    if (n < 0)
        return n;
    if (n > PW_SEARCH_QUERY_WORDS_MAX)
        return pw_error_set(err, 422, "validation_failed", "q", "q: more than %d words", PW_SEARCH_QUERY_WORDS_MAX);
    r->word_count = n;
    for (int w = 0; w < n; w++)
        memcpy(r->words[w], tk[w].word, (size_t)tk[w].word_len + 1);
    infer(s, r, tk);
    if (n == 0)
        return PW_OK;
    expanded x;
    pthread_rwlock_rdlock(&s->lock);
    /* the last word is being typed when the text ends inside a word (a letter, a digit or
     * any non-ASCII byte: a multibyte letter) */
    unsigned char last = (unsigned char)text[len - 1];
    int typing = q->prefix_last && (last >= 0x80 || (last >= '0' && last <= '9') || (last >= 'a' && last <= 'z') ||
                                    (last >= 'A' && last <= 'Z'));
    expand(s, r, &x, tk, typing);
    int rc = score(s, q, r, &x);
    pthread_rwlock_unlock(&s->lock);
    return rc;
}
