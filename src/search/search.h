/* search.h — the search engine: worker profiles found from a request in plain words
 * (issue 15; the design, formula and figures: docs/internals/search.md).
 *
 * An in-memory inverted index over documents (a worker profile: its skills, categories,
 * bio and area text, under the worker's int64 id) answering a query with document ids
 * ranked by BM25F (fields weighted), and for each hit the parts of its score: which query
 * words it matched, through which variant (the word itself, a typo's correction, a
 * synonym), and the text score, so an answer can say why.
 *
 * ANALYSIS. Text and queries go through one tokenizer: folded (base/fold.h: case, accents,
 * compatibility forms), split into words of letters and digits, English stop words
 * dropped, then stemmed by Snowball's English stemmer ("plumbing" and "plumbed" -> "plumb").
 *
 * QUERY EXPANSION. Each query word looks up its stem; a word the index has never seen
 * (>= PW_SEARCH_TYPO1_LEN_MIN characters) also looks up the indexed words within
 * Damerau-Levenshtein distance 1 (2 from PW_SEARCH_TYPO2_LEN_MIN characters), found
 * through a deletion index over the vocabulary; and a word with a row in the synonyms
 * table (data/search/synonyms.tsv) looks up that row's phrases too, and names its category.
 * While a request is being typed (prefix_last), its last word also looks up the indexed
 * words it begins. A document's score is the sum over query words of the best-scoring
 * variant of that word.
 *
 * THREADS. Any number of threads may query one index while one thread at a time changes
 * it (put, remove): a readers-writer lock that prefers the writer, so an update waits only
 * for the queries running when it arrives, never behind a stream of new ones. Analysis
 * (folding, splitting, a query's stemming) happens before the lock is taken; a document's
 * words are stemmed under it only when new to the index. Results are copied into the
 * caller's struct before the lock is released. */
#ifndef PW_SEARCH_H
#define PW_SEARCH_H
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/limits.h"

typedef struct pw_search pw_search;
typedef struct pw_search_synonyms pw_search_synonyms;

/* ---- documents ---------------------------------------------------------------------- */

enum {
    PW_SEARCH_FIELD_SKILLS = 0,
    PW_SEARCH_FIELD_CATEGORIES = 1,
    PW_SEARCH_FIELD_BIO = 2,
    PW_SEARCH_FIELD_AREA = 3,
    PW_SEARCH_FIELDS = 4,
};

/* A document's text, field by field (NULL or "" for none); tags may be joined by any
 * separator (", "). Each field at most PW_SEARCH_FIELD_MAX_BYTES of UTF-8. */
typedef struct pw_search_doc {
    int64_t id;
    const char *field[PW_SEARCH_FIELDS];
    /* Tags a query may restrict to (pw_search_query.tag): opaque nonzero 64-bit keys the
     * caller chooses — the cells of a geo grid the document's public area lies in, a key
     * for "works remotely". At most PW_SEARCH_DOC_TAGS_MAX. */
    int tag_count;
    uint64_t tag[PW_SEARCH_DOC_TAGS_MAX];
} pw_search_doc;

/* ---- the ranking's knobs ------------------------------------------------------------- */

typedef struct pw_search_policy {
    double field_weight[PW_SEARCH_FIELDS]; /* BM25F: a match in skills counts this many bio matches */
    double k1;                             /* term-frequency saturation */
    double b;                              /* length normalisation, 0 (none) .. 1 (full) */
    double typo1_weight;                   /* a variant one edit away scores this share of an exact match */
    double typo2_weight;                   /* two edits away */
    double synonym_weight;                 /* a synonym's phrase word */
    double prefix_weight;                  /* a word the last one typed begins (query.prefix_last) */
} pw_search_policy;

/* skills 3, categories 2, bio 1, area 0.5; k1 1.2, b 0.75; typo 0.8 / 0.6; synonym 0.6;
 * prefix 0.7. */
void pw_search_policy_defaults(pw_search_policy *p);

/* ---- the index ------------------------------------------------------------------------ */

/* A new empty index ranking by *policy (copied; NULL: the defaults), expanding queries by
 * synonyms (taken over: freed with the index; NULL: none). PW_OK or PW_ENOMEM (the
 * synonyms are freed then too). */
int pw_search_new(const pw_search_policy *policy, pw_search_synonyms *synonyms, pw_search **out);
void pw_search_free(pw_search *s); /* NULL: no-op; no query may be running */

/* Writer: adds the document, or replaces the one with its id. PW_OK; PW_EREFUSED when a
 * field is not UTF-8 or longer than PW_SEARCH_FIELD_MAX_BYTES (the index keeps the old
 * version then), or the index holds PW_SEARCH_DOCS_MAX documents; PW_ENOMEM (the old
 * version is gone then: the caller retries or rebuilds). Words past
 * PW_SEARCH_DOC_WORDS_MAX in a document, and new words past PW_SEARCH_VOCABULARY_MAX in
 * the index, are not indexed (counted in pw_search_stats). */
int pw_search_put(pw_search *s, const pw_search_doc *doc);
/* Writer: removes the document: 1 removed, 0 there was none. */
int pw_search_remove(pw_search *s, int64_t id);

typedef struct pw_search_stats {
    size_t documents;     /* live documents */
    size_t terms;         /* distinct stems */
    size_t words;         /* distinct folded words (the typo vocabulary) */
    size_t postings;      /* (term, document) pairs */
    size_t memory_bytes;  /* what the index has allocated, roughly */
    size_t words_dropped; /* words not indexed for the limits above, since the start */
} pw_search_stats;
void pw_search_stats_get(pw_search *s, pw_search_stats *out);

/* ---- queries ------------------------------------------------------------------------- */

/* Which variant of a query word a looked-up term is. */
enum { PW_SEARCH_EXACT = 0, PW_SEARCH_TYPO = 1, PW_SEARCH_SYNONYM = 2, PW_SEARCH_PREFIX = 3 };

/* One looked-up term: the query word it stands for and how. */
typedef struct pw_search_expansion {
    int word;                                /* index into the result's words */
    int kind;                                /* PW_SEARCH_EXACT / _TYPO / _SYNONYM */
    int distance;                            /* _TYPO: the edit distance, 1 or 2; else 0 */
    double weight;                           /* the share of an exact match it scores */
    char term[PW_SEARCH_WORD_MAX_BYTES + 1]; /* the indexed word (typo: the correction; synonym: the phrase's word) */
    char stem[PW_SEARCH_WORD_MAX_BYTES + 1]; /* what is looked up */
    size_t documents;                        /* documents holding it */
} pw_search_expansion;

/* The score parts of one hit. */
typedef struct pw_search_hit {
    int64_t id;
    double score;        /* what it is ranked by: the rank callback's answer, or text_score */
    double text_score;   /* the text score: sum over words of each word's best variant */
    uint64_t expansions; /* bit e: expansion e was the best variant of its word here */
    uint32_t words;      /* bit w: query word w matched */
    uint8_t fields;      /* bit f: a best variant matched in field f (PW_SEARCH_FIELD_*) */
} pw_search_hit;

/* A filter run on each matching document before it may rank (category, remote, radius…):
 * nonzero keeps it. Called under the read lock: it must not call the index. */
typedef int (*pw_search_filter)(int64_t id, void *ctx);
/* The score a matching document (one the filter kept) is ranked by, from its text score:
 * how an endpoint blends in reputation, distance, presence. It must be deterministic for a
 * given index and query (the cursor relies on it), and finite (asserted). Called under the
 * read lock, as the filter. */
typedef double (*pw_search_rank)(int64_t id, double text_score, void *ctx);

typedef struct pw_search_query {
    const char *text;   /* the request in words, UTF-8, at most PW_SEARCH_QUERY_MAX_BYTES */
    int prefix_last;    /* nonzero while typing: a last word not followed by a separator also
                           matches the indexed words it begins ("plu" -> plumber, plumbing) */
    int limit;          /* hits wanted, 1..PW_SEARCH_RESULTS_MAX */
    int after;          /* nonzero: only hits ranked after (after_score, after_id) (a cursor) */
    double after_score; /* the last hit of the previous page */
    int64_t after_id;
    pw_search_filter filter; /* optional */
    void *filter_ctx;
    pw_search_rank rank; /* optional */
    void *rank_ctx;
    /* An upper bound on the blend: rank(id, t) <= t * rank_bound for every document and
     * every t >= 0 (the engine may skip a document whose text score times rank_bound cannot
     * make the page: early termination). 0: no bound known, every match is ranked. Without
     * a rank callback the bound is 1. */
    double rank_bound;
    /* Nonzero tag_count: only documents holding at least one of tag[0..tag_count) match
     * (at most PW_SEARCH_QUERY_TAGS_MAX): a geo query's grid cells and the remote key. The
     * filter still runs on the documents kept. */
    int tag_count;
    const uint64_t *tag;
} pw_search_query;

typedef struct pw_search_result {
    int word_count;                                                      /* query words after stop words */
    char words[PW_SEARCH_QUERY_WORDS_MAX][PW_SEARCH_WORD_MAX_BYTES + 1]; /* each folded, as typed */
    int expansion_count;
    pw_search_expansion expansion[PW_SEARCH_EXPANSIONS_MAX];
    char category[PW_SEARCH_CATEGORY_MAX_BYTES]; /* inferred from the synonyms, or "" */
    int skill_count;                             /* skills the synonym rows suggest */
    char skills[PW_SEARCH_INFERRED_SKILLS_MAX][PW_SEARCH_CATEGORY_MAX_BYTES];
    size_t matched;    /* documents that matched (and passed the filter) that the query scored */
    int matched_exact; /* 1: matched counts every one; 0: the query stopped early and matched is a lower bound */
    int hit_count;
    pw_search_hit hit[PW_SEARCH_RESULTS_MAX]; /* best first: score down, then id up */
} pw_search_result;

/* Runs the query; fills *out (large: allocate it, ~50 KB). Hits are ordered by score
 * descending, ties by id ascending, which makes (score, id) a stable cursor. PW_OK (an
 * answer with no words left after stop words has no hits); PW_EREFUSED with *err (422
 * validation_failed, field "q") for a query that is empty, too long, not UTF-8, holds
 * control characters or has more than PW_SEARCH_QUERY_WORDS_MAX words; PW_EINVAL for a
 * limit out of range (the caller's bug); PW_ENOMEM. */
int pw_search_run(pw_search *s, const pw_search_query *q, pw_search_result *out, pw_error *err);

/* ---- synonyms (data/search/synonyms.tsv; the format: docs/internals/search.md) --------- */

/* Parses the table from text; a bad line refuses the whole table, *err naming the line
 * (status 0: it is a file, not a request). PW_OK, PW_EREFUSED, PW_ENOMEM. */
int pw_search_synonyms_parse(const char *text, size_t len, pw_search_synonyms **out, pw_error *err);
/* Reads and parses the file at path (PW_EREFUSED too when it cannot be read or is larger than
 * PW_SEARCH_SYNONYMS_FILE_MAX_BYTES). */
int pw_search_synonyms_load(const char *path, pw_search_synonyms **out, pw_error *err);
size_t pw_search_synonyms_count(const pw_search_synonyms *syn);
void pw_search_synonyms_free(pw_search_synonyms *syn);

/* ---- the tokenizer, for callers that must agree with it (tests, the endpoint) ---------- */

/* Analyses text as the index does: fills words[] with up to max folded words (stop words
 * dropped) and stems[] with their stems (either may be NULL), returns the count kept (more
 * words than max are counted but not stored), or PW_EREFUSED (not UTF-8, too long), PW_ENOMEM. */
int pw_search_analyze(pw_search *s, const char *text, size_t len, char (*words)[PW_SEARCH_WORD_MAX_BYTES + 1],
                      char (*stems)[PW_SEARCH_WORD_MAX_BYTES + 1], int max);

#endif
