/* test_search_concurrent.c — the search index under readers and a writer at once
 * (search.h, THREADS): four threads query while one thread adds, replaces and removes
 * documents. Under the ThreadSanitizer build (make tsan-test) any data race fails it; in
 * every build each answer must be one the index could give at some instant:
 *   - 100 stable documents hold the word "steady" and are never touched: every query for
 *     it, at any moment, matches exactly those 100, in id order (they score the same);
 *   - churned documents (ids from 1000) hold "churn" and one of "alpha" / "beta"; a query
 *     for a churn word never sees a stable id, and its hits come in rank order, each with
 *     a matched word and a positive score (a half-written put would break these);
 *   - at the end, the churn count plus the stable ones is the index's document count;
 *   - typo, synonym and prefix expansions run too ("stedy", "moving", "alph" as typed).
 * No timing: the readers loop until the writer says it is done, and each has run at least
 * a minimum number of queries, so the overlap does not depend on the machine's speed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "search/search.h"

#define STABLE      100
#define CHURN_IDS   300
#define WRITES      3000
#define READERS     4
#define MIN_QUERIES 200

typedef struct shared {
    pw_search *s;
    atomic_int writer_done;
    atomic_int readers_started;
    atomic_long queries;
    atomic_int failures;
} shared;

static void reader_failed(shared *sh, const char *what, const char *query)
{
    fprintf(stderr, "reader: %s (query \"%s\")\n", what, query);
    atomic_fetch_add(&sh->failures, 1);
}

static void check_steady(shared *sh, const pw_search_result *r, const char *query)
{
    if (r->matched != STABLE || r->hit_count != STABLE) {
        reader_failed(sh, "steady did not match exactly the stable documents", query);
        return;
    }
    for (int i = 0; i < r->hit_count; i++)
        if (r->hit[i].id != i + 1) {
            reader_failed(sh, "stable documents out of order", query);
            return;
        }
}

static void *reader(void *arg)
{
    shared *sh = arg;
    pw_search_result *r = malloc(sizeof(*r));
    if (r == NULL) {
        atomic_fetch_add(&sh->failures, 1);
        return NULL;
    }
    atomic_fetch_add(&sh->readers_started, 1);
    static const char *const queries[] = {"steady", "churn", "alpha", "beta", "stedy work", "moving churn", "alph"};
    long mine = 0;
    while (!atomic_load(&sh->writer_done) || mine < MIN_QUERIES) {
        const char *text = queries[mine % 7];
        pw_search_query q = {.text = text, .limit = PW_SEARCH_RESULTS_MAX, .prefix_last = 1};
        pw_error err = {0};
        if (pw_search_run(sh->s, &q, r, &err) != PW_OK) {
            reader_failed(sh, "query failed", text);
            break;
        }
        if (strcmp(text, "steady") == 0 || strcmp(text, "stedy work") == 0) {
            check_steady(sh, r, text);
        } else {
            for (int i = 0; i < r->hit_count; i++) {
                if (r->hit[i].id <= STABLE)
                    reader_failed(sh, "a stable document matched a churn word", text);
                if (i > 0 && (r->hit[i].score > r->hit[i - 1].score ||
                              (r->hit[i].score == r->hit[i - 1].score && r->hit[i].id < r->hit[i - 1].id)))
                    reader_failed(sh, "hits out of order", text);
                if (r->hit[i].words == 0 || r->hit[i].score <= 0)
                    reader_failed(sh, "a hit with no matched word", text);
            }
        }
        mine++;
        atomic_fetch_add(&sh->queries, 1);
    }
    free(r);
    return NULL;
}

static void test_readers_and_a_writer(void **state)
{
    (void)state;
    pw_search_synonyms *syn = NULL;
    pw_error err = {0};
    const char *table = "moving\tmoving\tvan transport\n";
    assert_int_equal(pw_search_synonyms_parse(table, strlen(table), &syn, &err), PW_OK);
    shared sh = {0};
    assert_int_equal(pw_search_new(NULL, syn, &sh.s), PW_OK);
    for (int64_t id = 1; id <= STABLE; id++) {
        pw_search_doc d = {.id = id, .field = {"steady work", "stable", NULL, NULL}};
        assert_int_equal(pw_search_put(sh.s, &d), PW_OK);
    }
    pthread_t threads[READERS];
    for (int i = 0; i < READERS; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, reader, &sh), 0);
    while (atomic_load(&sh.readers_started) < READERS)
        sched_yield(); /* the writer starts once every reader is querying */

    /* the writer: add, replace and remove churned documents; a deterministic walk */
    uint64_t x = 88172645463325252ULL;
    char bio[128];
    for (int i = 0; i < WRITES; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int64_t id = 1000 + (int64_t)(x % CHURN_IDS);
        if (x % 5 == 0) {
            pw_search_remove(sh.s, id);
            continue;
        }
        snprintf(bio, sizeof(bio), "Round %d of the churn: van transport and more", i);
        pw_search_doc d = {.id = id, .field = {x % 2 ? "churn alpha" : "churn beta", "moving", bio, NULL}};
        assert_int_equal(pw_search_put(sh.s, &d), PW_OK);
    }
    atomic_store(&sh.writer_done, 1);
    for (int i = 0; i < READERS; i++)
        pthread_join(threads[i], NULL);
    assert_int_equal(atomic_load(&sh.failures), 0);
    assert_true(atomic_load(&sh.queries) >= READERS * MIN_QUERIES);

    /* the end state agrees with a count kept apart from the index */
    pw_search_stats st;
    pw_search_stats_get(sh.s, &st);
    pw_search_result *r = malloc(sizeof(*r));
    assert_non_null(r);
    pw_search_query q = {.text = "churn", .limit = PW_SEARCH_RESULTS_MAX};
    assert_int_equal(pw_search_run(sh.s, &q, r, &err), PW_OK);
    assert_int_equal((size_t)r->matched + STABLE, st.documents);
    free(r);
    pw_search_free(sh.s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_readers_and_a_writer)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
