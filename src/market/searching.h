/* searching.h — the market's side of search: the search index (search/search.h) fed from
 * the database, the figures a ranking blends in, and the price estimate of a request
 * (issue 15; the endpoint is api/search.c; the formula: docs/internals/search.md,
 * "The endpoint").
 *
 * WHAT IS INDEXED. Every user with the worker role and a worker profile, active or not:
 * public text only — skills and categories (joined by ", "), the bio, and the name of the
 * place nearest their public area (base/places.h, when the gazetteer is loaded). Beside
 * the text, each worker's ranking figures: remote, the public area's centre (never the
 * exact base: base/geo.h), active, and the counters the public profile's reliability is
 * computed from (acked, completed, on time), and their categories (hashed) for the filter.
 *
 * FRESHNESS, as the dispatch index (market/dispatching.h): built from the database at start
 * (pw_searching_load); every change to a worker's profile, availability or record marks the
 * worker (pw_searching_touch, inside the writer's job), and after each committed batch the
 * writer re-reads the marked workers (pw_searching_refresh) before any reply of that batch
 * is sent — so the next search after a reply sees the change. A rolled-back job leaves no
 * trace: the refresh reads what was committed.
 *
 * THREADS. One writer (the writer thread) changes the index and the figures together under
 * an exclusive lock; any number of loops query under the shared lock (writer-preferring),
 * so an answer is always one consistent state: the text and the figures of the same moment. */
#ifndef PW_MARKET_SEARCHING_H
#define PW_MARKET_SEARCHING_H
#include <jansson.h>
#include <stdint.h>

#include "base/error.h"
#include "base/places.h"
#include "search/search.h"
#include "store/db.h"

typedef struct pw_searching pw_searching;

/* The blend's weights (docs/internals/search.md): score = text × (base + reliability·R +
 * presence·A + distance·D + reputation·P). */
#define PW_SEARCHING_W_BASE        0.55
#define PW_SEARCHING_W_RELIABILITY 0.20
#define PW_SEARCHING_W_PRESENCE    0.15
#define PW_SEARCHING_W_DISTANCE    0.10
#define PW_SEARCHING_W_REPUTATION  0.0  /* no reviews exist yet: every reputation is null */
#define PW_SEARCHING_DISTANCE_KM   10.0 /* D = 1 / (1 + shown_km / this) */
/* The most the blend can multiply a text score by (every figure at 1): the query's
 * rank_bound, which lets the engine skip documents whose text score cannot make the page. */
#define PW_SEARCHING_BLEND_BOUND                                                                            \
    (PW_SEARCHING_W_BASE + PW_SEARCHING_W_RELIABILITY + PW_SEARCHING_W_PRESENCE + PW_SEARCHING_W_DISTANCE + \
     PW_SEARCHING_W_REPUTATION)

/* A new empty index over the synonyms table at synonyms_path (unreadable or bad: logged,
 * and the index runs without synonyms) and the gazetteer places (NULL: no area names;
 * it must outlive the index). PW_OK or PW_ENOMEM. */
int pw_searching_new(const char *synonyms_path, const pw_places *places, pw_searching **out);
void pw_searching_free(pw_searching *s);

/* Writer: builds the index from every worker profile (start). */
int pw_searching_load(pw_searching *s, pw_db *db);
/* Writer, inside a job: the worker's profile, availability or record changed (NULL s: none). */
void pw_searching_touch(pw_searching *s, int64_t user_id);
/* Writer, after each committed batch: re-reads the touched workers (all of them when too
 * many were touched). */
int pw_searching_refresh(pw_searching *s, pw_db *db);

/* ---- a query ---------------------------------------------------------------------------- */

typedef struct pw_searching_params {
    const char *text;
    int prefix_last; /* the request box, as typed */
    int limit;       /* 1..PW_SEARCH_RESULTS_MAX */
    int after;       /* a cursor: hits after (after_score, after_id) */
    double after_score;
    int64_t after_id;
    int has_point; /* lat/lon given */
    int64_t lat_e6, lon_e6;
    int radius_km; /* with has_point */
    int has_category;
    uint64_t category_hash; /* pw_searching_tag_hash of the folded category */
    int remote;             /* -1 any, 0 local only, 1 remote only */
    int active_only;
} pw_searching_params;

/* What a hit's ranking was made of. */
typedef struct pw_searching_figures {
    int remote, active, has_area;
    int in_radius;      /* has_point: the shown distance is within radius_km */
    double distance_km; /* has_point and has_area: pw_geo_shown_distance_km; else -1 */
    double reliability; /* R in 0..1 */
    double proximity;   /* D in 0..1 */
    int64_t acked, completed, on_time;
} pw_searching_figures;

typedef struct pw_searching_answer {
    pw_search_result result;                             /* the library's answer (hits best first) */
    pw_searching_figures figures[PW_SEARCH_RESULTS_MAX]; /* of result.hit[i] */
} pw_searching_answer;

/* Hashes a folded tag (a category) as the index files it. */
uint64_t pw_searching_tag_hash(const char *folded);
/* Runs the query (on any thread); *out is large (~100 KB): allocate it. As pw_search_run. */
int pw_searching_query(pw_searching *s, const pw_searching_params *q, pw_searching_answer *out, pw_error *err);

/* ---- the price estimate ------------------------------------------------------------------ */

/* The price of a request in category (folded; "" none): median, p25, p75 of the
 * compensation of completed money tasks in it (at least PW_SEARCH_PRICE_TASKS_MIN, the latest
 * PW_SEARCH_PRICE_TASKS_MAX read) (the currency most of them used), near the
 * point when has_point (tasks within radius_km of it, by bounding box). *estimate_out: the
 * object, or json null with *reason_out (a sentence in words, taken) saying why not.
 * PW_OK or the database's code. */
int pw_searching_price_estimate(pw_db *db, const char *category, int has_point, int64_t lat_e6, int64_t lon_e6,
                                int radius_km, json_t **estimate_out, json_t **reason_out);

#endif
