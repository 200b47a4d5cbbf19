/* search_internal.h — what the search engine's files share: the analysis (tokenize.c),
 * the synonyms table's rows (synonyms.c), string vocabularies and the typo tools (typo.c).
 * Not for callers outside src/search (search.h is the contract). */
#ifndef PW_SEARCH_INTERNAL_H
#define PW_SEARCH_INTERNAL_H
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "search/search.h"

struct sb_stemmer;

/* ---- analysis (tokenize.c) ------------------------------------------------------------ */

typedef struct search_token {
    uint8_t field;                           /* PW_SEARCH_FIELD_*, for documents */
    uint8_t word_len, stem_len;              /* bytes */
    char word[PW_SEARCH_WORD_MAX_BYTES + 1]; /* folded, as written */
    char stem[PW_SEARCH_WORD_MAX_BYTES + 1]; /* Snowball English */
} search_token;

/* Stemmers shared by the threads analysing at once: Snowball's are not thread-safe, so each
 * is taken under its own lock. */
typedef struct stemmer_pool {
    int count;
    pthread_mutex_t lock[PW_SEARCH_STEMMERS_MAX];
    struct sb_stemmer *stemmer[PW_SEARCH_STEMMERS_MAX];
} stemmer_pool;

int stemmer_pool_init(stemmer_pool *pool, int count); /* PW_OK or PW_ENOMEM */
void stemmer_pool_cleanup(stemmer_pool *pool);

/* Folds and splits text[0..len) into out[0..max) (field set to `field`), stemming each kept
 * word when `stem` is nonzero (else stem is left empty: a document's words are stemmed only
 * when new to the index, search_stem). Returns the number of words found (which may exceed
 * max: only max are stored), or PW_EREFUSED (not UTF-8, too long for folding: *why says
 * which), PW_ENOMEM. */
int search_tokenize(stemmer_pool *pool, const char *text, size_t len, int field, search_token *out, int max, int stem,
                    const char **why);
/* Stems t->word into t->stem with a stemmer of the pool. */
void search_stem(stemmer_pool *pool, search_token *t);
int search_is_stop_word(const char *word, size_t len);

/* ---- synonyms (synonyms.c) -------------------------------------------------------------- */

typedef struct synonym_row {
    char key[PW_SEARCH_WORD_MAX_BYTES + 1];      /* the stem of the row's word */
    char category[PW_SEARCH_CATEGORY_MAX_BYTES]; /* "" for none */
    int phrase_count;
    char *phrase[PW_SEARCH_SYNONYM_PHRASES_MAX]; /* as written, trimmed (the inferred skills) */
    int term_count;
    search_token term[PW_SEARCH_SYNONYM_TERMS_MAX]; /* the phrases' words, analysed */
} synonym_row;

struct pw_search_synonyms {
    size_t count;
    synonym_row *row; /* sorted by key */
};

/* The row for a stem, or NULL. */
const synonym_row *synonyms_find(const pw_search_synonyms *syn, const char *stem);

/* ---- vocabularies (typo.c) -------------------------------------------------------------- */

/* Strings interned to dense ids 0..count-1, looked up by an open-addressing table. */
typedef struct vocab {
    char *chars; /* the strings, NUL-terminated, back to back */
    size_t chars_len, chars_cap;
    uint32_t *offset; /* id -> its string's offset in chars */
    size_t count, cap;
    uint32_t *slots; /* id + 1, 0 empty */
    size_t slot_cap; /* a power of two, at least twice count */
} vocab;

void vocab_cleanup(vocab *v);
int64_t vocab_find(const vocab *v, const char *s, size_t len); /* id or -1 */
int64_t vocab_add(vocab *v, const char *s, size_t len);        /* id (new or found) or PW_ENOMEM */
static inline const char *vocab_text(const vocab *v, uint32_t id) { return v->chars + v->offset[id]; }
size_t vocab_memory_bytes(const vocab *v);

/* ---- the typo index (typo.c) ------------------------------------------------------------- */

/* Deletion neighbourhoods: every word is filed under itself and each string made by deleting
 * up to typo_depth(its length) of its characters; a misspelling's own deletions meet them. */
typedef struct typo_index {
    uint64_t *keys;  /* hash of a deletion, 0 empty */
    uint32_t *heads; /* its newest entry + 1 */
    size_t slot_cap, used;
    uint32_t *entry_word; /* entry -> word id */
    uint32_t *entry_next; /* entry -> the older entry of the same key + 1, 0 none */
    size_t entries, entries_cap;
} typo_index;

int typo_depth(int chars); /* 0, 1 or 2 edits allowed for a word of this many characters */
void typo_cleanup(typo_index *t);
int typo_add(typo_index *t, uint32_t word, const char *text, size_t len); /* PW_OK, PW_ENOMEM */
size_t typo_memory_bytes(const typo_index *t);

typedef struct typo_match {
    uint32_t word;
    int distance;
} typo_match;

/* The words within typo_depth(chars of text) of text (itself excluded), each once, into
 * out[0..max): returns how many were stored. words is the vocabulary the ids name. */
int typo_lookup(const typo_index *t, const vocab *words, const char *text, size_t len, typo_match *out, int max);

/* The prefix index is a typo_index too: each word filed under its prefixes of
 * PW_SEARCH_PREFIX_LEN_MIN..PW_SEARCH_PREFIX_FILED_MAX_CHARS characters. */
int prefix_add(typo_index *t, uint32_t word, const char *text, size_t len); /* PW_OK, PW_ENOMEM */
/* The words (not text itself) beginning with text (>= PW_SEARCH_PREFIX_LEN_MIN characters),
 * calling visit for each; a chain is walked whole. */
void prefix_lookup(const typo_index *t, const vocab *words, const char *text, size_t len,
                   void (*visit)(void *ctx, uint32_t word), void *ctx);

/* Optimal-string-alignment Damerau-Levenshtein distance of two UTF-8 words of at most
 * PW_SEARCH_WORD_MAX_CHARS characters, or limit + 1 when it exceeds limit. */
int typo_distance(const char *a, size_t alen, const char *b, size_t blen, int limit);
int utf8_chars(const char *s, size_t len);

#endif
