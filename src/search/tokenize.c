/* tokenize.c — the analysis every text and every query goes through (search.h): fold
 * (base/fold.h), split into words, drop stop words, stem with Snowball's English stemmer.
 *
 * A word is a run of letters, digits and marks (Unicode categories L*, N*, M* by
 * utf8proc); anything else separates words, so "o'connor" is "o" and "connor", and
 * "c++" is "c". A word longer than PW_SEARCH_WORD_MAX_BYTES folded is skipped: nobody types
 * one, and it would only bloat the vocabulary. The stop words are the English function words
 * a request is padded with ("i need someone to fix my tap near me" keeps "fix" and "tap"),
 * kept short on purpose: a word that could name work stays ("help", "home", "care"). */
#include <stdlib.h>
#include <string.h>

#include <libstemmer.h>
#include <utf8proc.h>

#include "base/assert.h"
#include "base/fold.h"
#include "search/search_internal.h"

/* sorted, for bsearch */
static const char *const stop_words[] = {
    "a",        "about",   "after", "again",  "all",   "am",     "an",   "and",    "any",    "are",    "as",
    "at",       "be",      "been",  "before", "being", "but",    "by",   "can",    "could",  "do",     "does",
    "doing",    "for",     "from",  "get",    "had",   "has",    "have", "having", "he",     "her",    "here",
    "hers",     "him",     "his",   "how",    "i",     "if",     "in",   "into",   "is",     "it",     "its",
    "just",     "looking", "me",    "most",   "my",    "myself", "near", "nearby", "need",   "needed", "needs",
    "of",       "on",      "or",    "our",    "ours",  "please", "s",    "she",    "should", "so",     "some",
    "somebody", "someone", "such",  "t",      "than",  "that",   "the",  "their",  "them",   "then",   "there",
    "these",    "they",    "this",  "those",  "to",    "too",    "us",   "very",   "want",   "wanted", "was",
    "we",       "were",    "what",  "when",   "where", "which",  "who",  "whom",   "why",    "will",   "with",
    "would",    "you",     "your",  "yours",
};

static int cmp_stop(const void *key, const void *elem) { return strcmp((const char *)key, *(const char *const *)elem); }

int search_is_stop_word(const char *word, size_t len)
{
    char buf[16];
    if (len >= sizeof(buf))
        return 0;
    memcpy(buf, word, len);
    buf[len] = '\0';
    return bsearch(buf, stop_words, sizeof(stop_words) / sizeof(stop_words[0]), sizeof(stop_words[0]), cmp_stop) !=
           NULL;
}

/* ---- the stemmer pool ------------------------------------------------------------------ */

int stemmer_pool_init(stemmer_pool *pool, int count)
{
    pw_assert(count >= 1 && count <= PW_SEARCH_STEMMERS_MAX);
    for (size_t i = 1; i < sizeof(stop_words) / sizeof(stop_words[0]); i++)
        pw_assert(strcmp(stop_words[i - 1], stop_words[i]) < 0); /* bsearch needs them sorted */
    memset(pool, 0, sizeof(*pool));
    for (int i = 0; i < count; i++) {
        pool->stemmer[i] = sb_stemmer_new("english", "UTF_8");
        if (pool->stemmer[i] == NULL) {
            stemmer_pool_cleanup(pool);
            return PW_ENOMEM;
        }
        pthread_mutex_init(&pool->lock[i], NULL);
        pool->count = i + 1;
    }
    return PW_OK;
}

void stemmer_pool_cleanup(stemmer_pool *pool)
{
    for (int i = 0; i < pool->count; i++) {
        sb_stemmer_delete(pool->stemmer[i]);
        pthread_mutex_destroy(&pool->lock[i]);
    }
    pool->count = 0;
}

/* A free stemmer if one is free, else waits for the one this thread's id points at. */
static int stemmer_take(stemmer_pool *pool)
{
    for (int i = 0; i < pool->count; i++)
        if (pthread_mutex_trylock(&pool->lock[i]) == 0)
            return i;
    int i = (int)((uintptr_t)pthread_self() % (uintptr_t)pool->count);
    pthread_mutex_lock(&pool->lock[i]);
    return i;
}

/* ---- splitting ------------------------------------------------------------------------- */

static int is_word_char(utf8proc_int32_t c)
{
    if (c < 0x80)
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
    switch (utf8proc_category(c)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO: return 1;
    default: return 0;
    }
}

/* Stems word into t (the word itself when the stemmer fails or would not fit). */
static void stem_into(struct sb_stemmer *stemmer, search_token *t)
{
    const sb_symbol *s = sb_stemmer_stem(stemmer, (const sb_symbol *)t->word, t->word_len);
    int n = s != NULL ? sb_stemmer_length(stemmer) : -1;
    if (n <= 0 || n > PW_SEARCH_WORD_MAX_BYTES) {
        memcpy(t->stem, t->word, (size_t)t->word_len + 1);
        t->stem_len = t->word_len;
        return;
    }
    memcpy(t->stem, s, (size_t)n);
    t->stem[n] = '\0';
    t->stem_len = (uint8_t)n;
}

void search_stem(stemmer_pool *pool, search_token *t)
{
    int which = stemmer_take(pool);
    stem_into(pool->stemmer[which], t);
    pthread_mutex_unlock(&pool->lock[which]);
}

int search_tokenize(stemmer_pool *pool, const char *text, size_t len, int field, search_token *out, int max, int stem,
                    const char **why)
{
    char *folded = NULL;
    size_t n = 0;
    int rc = pw_fold_dup(text, len, &folded, &n, why);
    if (rc != PW_OK)
        return rc;
    int found = 0, which = -1;
    size_t pos = 0;
    while (pos < n) {
        /* skip separators */
        utf8proc_int32_t c;
        utf8proc_ssize_t step = utf8proc_iterate((const utf8proc_uint8_t *)folded + pos, (utf8proc_ssize_t)(n - pos),
                                                 &c);
        pw_assert(step > 0); /* fold's output is valid UTF-8 */
        if (!is_word_char(c)) {
            pos += (size_t)step;
            continue;
        }
        size_t start = pos;
        while (pos < n) {
            step = utf8proc_iterate((const utf8proc_uint8_t *)folded + pos, (utf8proc_ssize_t)(n - pos), &c);
            pw_assert(step > 0);
            if (!is_word_char(c))
                break;
            pos += (size_t)step;
        }
        size_t wlen = pos - start;
        if (wlen > PW_SEARCH_WORD_MAX_BYTES || search_is_stop_word(folded + start, wlen))
            continue;
        if (found < max) {
            search_token *t = &out[found];
            t->field = (uint8_t)field;
            memcpy(t->word, folded + start, wlen);
            t->word[wlen] = '\0';
            t->word_len = (uint8_t)wlen;
            t->stem[0] = '\0';
            t->stem_len = 0;
            if (stem) {
                if (which < 0)
                    which = stemmer_take(pool);
                stem_into(pool->stemmer[which], t);
            }
        }
        found++;
    }
    if (which >= 0)
        pthread_mutex_unlock(&pool->lock[which]);
    free(folded);
    return found;
}
