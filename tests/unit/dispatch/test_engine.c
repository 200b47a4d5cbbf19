/* test_engine.c — the dispatch engine's index and search against brute force, its state
 * changes, and the batch matching rules (optimal total, client standing). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/geo.h"
#include "base/rand.h"
#include "dispatch/engine.h"
#include "store/db.h"

#define NOW_MS 1795000000000LL

static const char *const tags[] = {"plumbing", "garden", "python", "design", "cleaning", "moving"};

static pw_engine *engine_on(int threads)
{
    pw_dispatch_policy p;
    pw_dispatch_policy_defaults(&p);
    p.search_threads = threads;
    pw_engine *e = NULL;
    assert_int_equal(pw_engine_new(&p, &e), 0);
    return e;
}

static pw_engine *engine(void) { return engine_on(1); }

static int32_t put(pw_engine *e, int64_t id, double lat, double lon, int radius, int remote, const char *skill,
                   const char *category)
{
    pw_index_profile p = {.user_id = id,
                          .has_base = lat != 0,
                          .remote = remote,
                          .radius_km = radius,
                          .lat_e6 = (int32_t)lrint(lat * 1e6),
                          .lon_e6 = (int32_t)lrint(lon * 1e6),
                          .skill_count = 1,
                          .category_count = 1};
    p.skills[0] = skill;
    p.categories[0] = category;
    int32_t slot = pw_index_put(pw_engine_index(e), &p);
    assert_true(slot >= 0);
    pw_index_slot(pw_engine_index(e), slot)->last_assigned_ms = NOW_MS - 3600 * 1000;
    return slot;
}

static pw_engine_task task(pw_engine *e, int64_t id, double lat, double lon, const char *category, const char *skill)
{
    pw_engine_task t = {.id = id,
                        .client_id = -1,
                        .client_standing = 1,
                        .has_location = lat != 0,
                        .lat_e6 = (int32_t)lrint(lat * 1e6),
                        .lon_e6 = (int32_t)lrint(lon * 1e6)};
    t.category = pw_index_tag(pw_engine_index(e), category);
    if (skill != NULL)
        t.skills[t.skill_count++] = pw_index_tag(pw_engine_index(e), skill);
    return t;
}

/* ---- index ------------------------------------------------------------------------------ */

static void test_index_put_find_remove(void **state)
{
    (void)state;
    pw_engine *e = engine();
    pw_index *ix = pw_engine_index(e);
    put(e, 7, 52.37, 4.89, 10, 0, "plumbing", "home");
    assert_int_equal(pw_index_count(ix), 1);
    assert_true(pw_index_find(ix, 7) >= 0);
    assert_int_equal(pw_index_find(ix, 8), -1);
    assert_int_not_equal(pw_index_tag(ix, "plumbing"), 0);
    assert_int_equal(pw_index_tag(ix, "astronomy"), 0);
    pw_index_remove(ix, 7);
    assert_int_equal(pw_index_count(ix), 0);
    assert_int_equal(pw_index_find(ix, 7), -1);
    pw_index_remove(ix, 7); /* absent: no-op */
    assert_int_equal(pw_index_count(ix), 0);
    pw_engine_free(e);
}

static void test_reindex_moves_worker(void **state)
{
    (void)state;
    pw_engine *e = engine();
    put(e, 1, 52.37, 4.89, 10, 0, "plumbing", "home");
    pw_engine_task t = task(e, 1, 52.37, 4.89, "home", NULL);
    pw_engine_candidate c[PW_DISPATCH_TOP_K];
    assert_int_equal(pw_engine_candidates(e, &t, NOW_MS, 10, c, NULL), 1);
    /* the same worker moves to Paris and changes trade: no longer found in Amsterdam */
    put(e, 1, 48.86, 2.35, 10, 0, "python", "software");
    assert_int_equal(pw_engine_candidates(e, &t, NOW_MS, 10, c, NULL), 0);
    pw_engine_task paris = task(e, 2, 48.86, 2.35, "software", NULL);
    assert_int_equal(pw_engine_candidates(e, &paris, NOW_MS, 10, c, NULL), 1);
    assert_int_equal(c[0].c.worker_id, 1);
    pw_engine_free(e);
}

static void test_many_reindexes_compact_lists(void **state)
{
    (void)state;
    pw_engine *e = engine();
    pw_index *ix = pw_engine_index(e);
    for (int round = 0; round < 200; round++)
        for (int64_t id = 1; id <= 50; id++)
            put(e, id, 52.37, 4.89, 10, 1, "plumbing", "home");
    size_t n = 0;
    pw_index_list(ix, PW_INDEX_REMOTE_CELL, pw_index_tag(ix, "home"), &n);
    assert_true(n <= 150); /* 10,000 puts, but stale entries are compacted away */
    pw_engine_task t = task(e, 1, 0, 0, "home", NULL);
    pw_engine_candidate c[PW_DISPATCH_TOP_K];
    assert_int_equal(pw_engine_candidates(e, &t, NOW_MS, PW_DISPATCH_TOP_K, c, NULL), 50);
    pw_engine_free(e);
}

static void test_grid_wraps_longitude(void **state)
{
    (void)state;
    assert_int_equal(pw_grid_cell_at(0, -1), pw_grid_cell_at(0, 360 * PW_GRID_CELLS_PER_DEGREE - 1));
    assert_int_equal(pw_grid_cell_at(-1, 0), -1);
    assert_int_equal(pw_grid_cell_at(180 * PW_GRID_CELLS_PER_DEGREE, 0), -1);
    pw_engine *e = engine();
    put(e, 1, 0.5, 179.95, 30, 0, "fishing", "sea"); /* just east of the antimeridian's west side */
    pw_engine_task t = task(e, 1, 0.5, -179.95, "sea", NULL);
    pw_engine_candidate c[4];
    assert_int_equal(pw_engine_candidates(e, &t, NOW_MS, 4, c, NULL), 1);
    assert_true(c[0].c.distance_km < 12);
    pw_engine_free(e);
}

/* ---- search against brute force ------------------------------------------------------------- */

typedef struct world {
    pw_engine *e;
    int n;
    int64_t ids[400];
    double lat[400], lon[400];
    int radius[400], remote[400], skill[400], category[400];
} world;

static void build_world(world *w, uint64_t seed)
{
    pw_rng r;
    pw_rng_seed(&r, seed);
    w->e = engine();
    w->n = 400;
    for (int i = 0; i < w->n; i++) {
        int city = (int)pw_rng_below(&r, 2);
        w->ids[i] = 1000 + i;
        w->lat[i] = (city ? 52.37 : 51.92) + (pw_rng_unit(&r) - 0.5) * 0.6;
        w->lon[i] = (city ? 4.89 : 4.48) + (pw_rng_unit(&r) - 0.5) * 0.9;
        w->radius[i] = 3 + (int)pw_rng_below(&r, 25);
        w->remote[i] = pw_rng_unit(&r) < 0.3;
        w->skill[i] = (int)pw_rng_below(&r, 6);
        w->category[i] = (int)pw_rng_below(&r, 6);
        put(w->e, w->ids[i], w->lat[i], w->lon[i], w->radius[i], w->remote[i], tags[w->skill[i]], tags[w->category[i]]);
    }
}

static void test_search_finds_exactly_the_eligible(void **state)
{
    (void)state;
    world w;
    build_world(&w, 11);
    pw_rng r;
    pw_rng_seed(&r, 12);
    int checked = 0;
    for (int q = 0; q < 400; q++) {
        int remote = pw_rng_unit(&r) < 0.3, cat = (int)pw_rng_below(&r, 6), skill = (int)pw_rng_below(&r, 6);
        double lat = 52.1 + pw_rng_unit(&r) * 0.5, lon = 4.4 + pw_rng_unit(&r) * 0.7;
        pw_engine_task t = task(w.e, q + 1, remote ? 0 : lat, remote ? 0 : lon, tags[cat], tags[skill]);
        int expected = 0, boundary = 0;
        char want[400] = {0};
        for (int i = 0; i < w.n; i++) {
            int fits = w.category[i] == cat || w.skill[i] == skill;
            double d = remote ? 0
                              : pw_distance_km(t.lat_e6, t.lon_e6, (int64_t)lrint(w.lat[i] * 1e6),
                                               (int64_t)lrint(w.lon[i] * 1e6));
            boundary |= !remote && fits && fabs(d - w.radius[i]) < 0.01;
            want[i] = fits && (remote ? w.remote[i] : d <= w.radius[i]);
            expected += want[i];
        }
        if (boundary || expected > PW_DISPATCH_TOP_K)
            continue; /* a distance within 10 m of a radius, or more than one page: skip */
        pw_engine_candidate c[PW_DISPATCH_TOP_K];
        int n = pw_engine_candidates(w.e, &t, NOW_MS, PW_DISPATCH_TOP_K, c, NULL);
        assert_int_equal(n, expected);
        for (int j = 0; j < n; j++) {
            assert_true(want[c[j].c.worker_id - 1000]);
            if (j > 0)
                assert_true(c[j - 1].parts.total >= c[j].parts.total);
            if (!remote) {
                int i = (int)(c[j].c.worker_id - 1000);
                double exact = pw_distance_km(t.lat_e6, t.lon_e6, (int64_t)lrint(w.lat[i] * 1e6),
                                              (int64_t)lrint(w.lon[i] * 1e6));
                assert_true(fabs(c[j].c.distance_km - exact) <= exact * 1e-4 + 1e-6);
            }
        }
        checked++;
    }
    assert_true(checked > 300);
    pw_engine_free(w.e);
}

/* ---- state changes ----------------------------------------------------------------------------- */

/* A round searches as deep as an urgent search while it is small, and shares a fixed
 * budget of scored candidates once it is large, never below the floor. */
static void test_round_scan_depth(void **state)
{
    (void)state;
    assert_int_equal(pw_engine_round_scan(0), PW_DISPATCH_BATCH_SCAN_MAX);
    assert_int_equal(pw_engine_round_scan(1), PW_DISPATCH_BATCH_SCAN_MAX);
    assert_int_equal(pw_engine_round_scan(PW_DISPATCH_ROUND_SCAN_BUDGET / PW_DISPATCH_BATCH_SCAN_MAX),
                     PW_DISPATCH_BATCH_SCAN_MAX);
    assert_int_equal(pw_engine_round_scan(5000), PW_DISPATCH_ROUND_SCAN_BUDGET / 5000);
    assert_int_equal(pw_engine_round_scan(1000000), PW_DISPATCH_BATCH_SCAN_MIN);
    int prev = PW_DISPATCH_BATCH_SCAN_MAX;
    for (int n = 1; n <= 20000; n += 97) { /* never deeper as the round grows */
        int scan = pw_engine_round_scan(n);
        assert_true(scan <= prev && scan >= PW_DISPATCH_BATCH_SCAN_MIN);
        prev = scan;
    }
}

static void test_busy_excluded_and_self(void **state)
{
    (void)state;
    pw_engine *e = engine();
    put(e, 1, 52.37, 4.89, 10, 1, "plumbing", "home");
    put(e, 2, 52.37, 4.90, 10, 1, "plumbing", "home");
    pw_engine_task local = task(e, 1, 52.37, 4.895, "home", NULL), remote = task(e, 2, 0, 0, "home", NULL);
    pw_engine_candidate c[8];
    assert_int_equal(pw_engine_candidates(e, &local, NOW_MS, 8, c, NULL), 2);
    pw_engine_note_assigned(e, 1, 0, 0, NOW_MS); /* worker 1 busy with a local task */
    assert_int_equal(pw_engine_candidates(e, &local, NOW_MS, 8, c, NULL), 1);
    assert_int_equal(c[0].c.worker_id, 2);
    assert_int_equal(pw_engine_candidates(e, &remote, NOW_MS, 8, c, NULL), 1); /* busy locally: no remote either */
    pw_engine_note_freed(e, 1, 0);
    assert_int_equal(pw_engine_candidates(e, &local, NOW_MS, 8, c, NULL), 2);
    for (int i = 0; i < 3; i++) /* remote cap (default 3) */
        pw_engine_note_assigned(e, 2, 1, 0, NOW_MS);
    assert_int_equal(pw_engine_candidates(e, &remote, NOW_MS, 8, c, NULL), 1);
    assert_int_equal(pw_engine_candidates(e, &local, NOW_MS, 8, c, NULL), 1); /* remote work blocks local */
    local.excluded[local.excluded_count++] = 1;                               /* already tried on this task */
    assert_int_equal(pw_engine_candidates(e, &local, NOW_MS, 8, c, NULL), 0);
    pw_engine_note_freed(e, 2, 1); /* 2 of 3 remote: may take one more */
    assert_int_equal(pw_engine_candidates(e, &remote, NOW_MS, 8, c, NULL), 2);
    remote.client_id = 2; /* nobody works for themselves */
    assert_int_equal(pw_engine_candidates(e, &remote, NOW_MS, 8, c, NULL), 1);
    assert_int_equal(c[0].c.worker_id, 1);
    pw_engine_remove(e, 1);
    assert_int_equal(pw_engine_candidates(e, &remote, NOW_MS, 8, c, NULL), 0);
    int64_t *dirty;
    int rebuild;
    assert_true(pw_engine_take_dirty(e, &dirty, &rebuild) >= 2);
    assert_int_equal(rebuild, 0);
    pw_engine_free(e);
}

static void test_bad_pairing_halves_score(void **state)
{
    (void)state;
    pw_engine *e = engine();
    put(e, 1, 0, 0, 0, 1, "python", "software");
    pw_engine_task t = task(e, 1, 0, 0, "software", "python");
    pw_engine_candidate good[2], bad[2];
    assert_int_equal(pw_engine_candidates(e, &t, NOW_MS, 2, good, NULL), 1);
    t.avoid[t.avoid_count++] = 1;
    assert_int_equal(pw_engine_candidates(e, &t, NOW_MS, 2, bad, NULL), 1);
    assert_true(fabs(bad[0].parts.total - good[0].parts.total * 0.5) < 1e-12);
    pw_engine_free(e);
}

/* ---- batch ---------------------------------------------------------------------------------------- */

/* Two tasks, two workers. Worker A is best for task 1 and the only one for task 2; B fits
 * task 1 by category only. Greedy in task order gives A to task 1 and leaves task 2
 * unmatched; the round matches both. */
static void test_batch_matches_more_than_greedy(void **state)
{
    (void)state;
    pw_engine *e = engine();
    put(e, 1, 0, 0, 0, 1, "python", "software"); /* A: skill python, category software */
    put(e, 2, 0, 0, 0, 1, "design", "software"); /* B: skill design, category software */
    pw_engine_task tasks[2] = {task(e, 1, 0, 0, "software", "python"), task(e, 2, 0, 0, "data", "python")};
    pw_engine_candidate first[4];
    assert_int_equal(pw_engine_candidates(e, &tasks[0], NOW_MS, 4, first, NULL), 2);
    assert_int_equal(first[0].c.worker_id, 1); /* greedy would take A for task 1 */
    pw_engine_candidate cands[2 * PW_DISPATCH_BATCH_TOP_K];
    int counts[2], choice[2];
    assert_int_equal(pw_engine_match(e, tasks, 2, NOW_MS, PW_DISPATCH_BATCH_TOP_K, cands, counts, choice), PW_OK);
    assert_int_equal(cands[0 * PW_DISPATCH_BATCH_TOP_K + choice[0]].c.worker_id, 2);
    assert_int_equal(cands[1 * PW_DISPATCH_BATCH_TOP_K + choice[1]].c.worker_id, 1);
    pw_engine_free(e);
}

/* One local worker, two equal local tasks: the client with the better standing gets the
 * worker (a local worker holds one task at a time, so later passes cannot help). */
static void test_batch_prefers_better_standing(void **state)
{
    (void)state;
    pw_engine *e = engine();
    put(e, 1, 52.37, 4.89, 10, 0, "python", "software");
    pw_engine_task tasks[2] = {task(e, 1, 52.37, 4.89, "software", "python"),
                               task(e, 2, 52.37, 4.89, "software", "python")};
    tasks[0].client_id = -10;
    tasks[0].client_standing = 0.2;
    tasks[1].client_id = -11;
    tasks[1].client_standing = 1.0;
    pw_engine_candidate cands[2 * PW_DISPATCH_BATCH_TOP_K];
    int counts[2], choice[2];
    assert_int_equal(pw_engine_match(e, tasks, 2, NOW_MS, PW_DISPATCH_BATCH_TOP_K, cands, counts, choice), PW_OK);
    assert_int_equal(choice[0], -1);
    assert_int_equal(choice[1], 0);
    tasks[0].client_standing = 1.0; /* with equal standing the order is no longer forced */
    tasks[1].client_standing = 0.2;
    assert_int_equal(pw_engine_match(e, tasks, 2, NOW_MS, PW_DISPATCH_BATCH_TOP_K, cands, counts, choice), PW_OK);
    assert_int_equal(choice[0], 0);
    assert_int_equal(choice[1], -1);
    pw_engine_free(e);
}

/* A task that keeps losing its contested worker gains weight as it waits, until it wins. */
static void test_batch_waiting_task_wins_in_the_end(void **state)
{
    (void)state;
    pw_engine *e = engine();
    put(e, 1, 52.37, 4.89, 10, 0, "python", "software");
    pw_engine_task tasks[2] = {task(e, 1, 52.37, 4.89, "software", "python"),
                               task(e, 2, 52.37, 4.89, "software", NULL)}; /* fits worse: category only */
    tasks[0].created_ms = tasks[1].created_ms = NOW_MS;
    tasks[0].deadline_ms = tasks[1].deadline_ms = NOW_MS + 48 * 3600 * 1000LL;
    pw_engine_candidate cands[2 * PW_DISPATCH_BATCH_TOP_K];
    int counts[2], choice[2];
    assert_int_equal(pw_engine_match(e, tasks, 2, NOW_MS, PW_DISPATCH_BATCH_TOP_K, cands, counts, choice), PW_OK);
    assert_int_equal(choice[0], 0); /* the better fit wins while both are fresh */
    assert_int_equal(choice[1], -1);
    tasks[1].created_ms = NOW_MS - 40 * 60 * 1000; /* the other has now waited 40 minutes */
    assert_true(pw_engine_task_weight(&tasks[1], NOW_MS) > pw_engine_task_weight(&tasks[0], NOW_MS) * 1.9);
    assert_int_equal(pw_engine_match(e, tasks, 2, NOW_MS, PW_DISPATCH_BATCH_TOP_K, cands, counts, choice), PW_OK);
    assert_int_equal(choice[0], -1);
    assert_int_equal(choice[1], 0);
    pw_engine_free(e);
}

/* Nearby tasks share their nearest workers; a later pass finds the ones further out. */
static void test_batch_later_passes_reach_further(void **state)
{
    (void)state;
    pw_engine *e = engine();
    int n = PW_DISPATCH_BATCH_TOP_K + 8; /* more tasks than any one task's candidate list */
    for (int i = 0; i < n; i++)
        put(e, 100 + i, 52.37 + 0.002 * i, 4.89, 30, 0, "moving", "moving");
    pw_engine_task tasks[PW_DISPATCH_BATCH_TOP_K + 8];
    for (int i = 0; i < n; i++)
        tasks[i] = task(e, i + 1, 52.37, 4.89, "moving", NULL);
    pw_engine_candidate *cands = calloc((size_t)n * PW_DISPATCH_BATCH_TOP_K, sizeof(*cands));
    int counts[PW_DISPATCH_BATCH_TOP_K + 8], choice[PW_DISPATCH_BATCH_TOP_K + 8];
    assert_int_equal(pw_engine_match(e, tasks, n, NOW_MS, PW_DISPATCH_BATCH_TOP_K, cands, counts, choice), PW_OK);
    char used[PW_DISPATCH_BATCH_TOP_K + 8] = {0};
    for (int i = 0; i < n; i++) {
        assert_true(choice[i] >= 0); /* every task got a worker */
        int64_t w = cands[(size_t)i * PW_DISPATCH_BATCH_TOP_K + choice[i]].c.worker_id;
        assert_false(used[w - 100]); /* and no worker twice */
        used[w - 100] = 1;
    }
    /* the round's holds are undone: every worker is free again afterwards */
    pw_engine_candidate one[PW_DISPATCH_TOP_K];
    assert_int_equal(pw_engine_candidates(e, &tasks[0], NOW_MS, PW_DISPATCH_TOP_K, one, NULL), n);
    free(cands);
    pw_engine_free(e);
}

/* A round's searches run on several threads: the answer must be the one a single thread
 * gives — same candidates in the same order, same choices — round after round (the remote
 * lists' rotation moves on with every search), with more tasks than workers so later
 * passes search again, and remote lists longer than a search reads. */
static void round_world(pw_engine *e, pw_engine_task *tasks, int n_tasks)
{
    pw_rng r;
    pw_rng_seed(&r, 31);
    for (int i = 0; i < 6000; i++) {
        double lat = 0, lon = 0;
        if (pw_rng_unit(&r) < 0.7) {
            lat = 52.37 + (pw_rng_unit(&r) - 0.5) * 0.5;
            lon = 4.89 + (pw_rng_unit(&r) - 0.5) * 0.8;
        }
        put(e, 10 + i, lat, lon, 2 + (int)pw_rng_below(&r, 10), lat == 0 || pw_rng_unit(&r) < 0.3,
            tags[pw_rng_below(&r, 6)], tags[pw_rng_below(&r, 6)]);
    }
    for (int i = 0; i < n_tasks; i++) {
        int remote = pw_rng_unit(&r) < 0.4;
        tasks[i] = task(e, i + 1, remote ? 0 : 52.37 + (pw_rng_unit(&r) - 0.5) * 0.4,
                        remote ? 0 : 4.89 + (pw_rng_unit(&r) - 0.5) * 0.6, tags[pw_rng_below(&r, 6)],
                        tags[pw_rng_below(&r, 6)]);
        tasks[i].created_ms = NOW_MS - (int64_t)pw_rng_below(&r, 3600) * 1000;
    }
}

static void test_round_same_on_any_thread_count(void **state)
{
    (void)state;
    enum { TASKS = 7000, K = PW_DISPATCH_BATCH_TOP_K, ROUNDS = 3 };
    const int threads[] = {1, 2, 5};
    pw_engine *e[3];
    pw_engine_task *tasks[3];
    pw_engine_candidate *cands[3];
    int *counts[3], *choice[3];
    for (int v = 0; v < 3; v++) {
        e[v] = engine_on(threads[v]);
        tasks[v] = calloc(TASKS, sizeof(pw_engine_task));
        cands[v] = calloc((size_t)TASKS * K, sizeof(pw_engine_candidate));
        counts[v] = calloc(TASKS, sizeof(int));
        choice[v] = calloc(TASKS, sizeof(int));
        round_world(e[v], tasks[v], TASKS);
    }
    for (int round = 0; round < ROUNDS; round++) {
        int matched = 0, remote_long = 0;
        for (int v = 0; v < 3; v++)
            assert_int_equal(pw_engine_match(e[v], tasks[v], TASKS, NOW_MS, K, cands[v], counts[v], choice[v]), PW_OK);
        for (int i = 0; i < TASKS; i++) {
            for (int v = 1; v < 3; v++) {
                assert_int_equal(counts[v][i], counts[0][i]);
                assert_int_equal(choice[v][i], choice[0][i]);
                for (int j = 0; j < counts[0][i]; j++) {
                    assert_int_equal(cands[v][(size_t)i * K + j].c.worker_id, cands[0][(size_t)i * K + j].c.worker_id);
                    assert_true(cands[v][(size_t)i * K + j].parts.total == cands[0][(size_t)i * K + j].parts.total);
                }
            }
            matched += choice[0][i] >= 0;
            remote_long += !tasks[0][i].has_location && counts[0][i] == K;
        }
        assert_true(matched > 4000 && matched < TASKS); /* contested: later passes ran, some tasks wait */
        assert_true(remote_long > 1000);                /* remote lists longer than the search reads */
    }
    for (int v = 0; v < 3; v++) {
        free(tasks[v]);
        free(cands[v]);
        free(counts[v]);
        free(choice[v]);
        pw_engine_free(e[v]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_put_find_remove),
        cmocka_unit_test(test_reindex_moves_worker),
        cmocka_unit_test(test_many_reindexes_compact_lists),
        cmocka_unit_test(test_grid_wraps_longitude),
        cmocka_unit_test(test_search_finds_exactly_the_eligible),
        cmocka_unit_test(test_round_scan_depth),
        cmocka_unit_test(test_busy_excluded_and_self),
        cmocka_unit_test(test_bad_pairing_halves_score),
        cmocka_unit_test(test_batch_matches_more_than_greedy),
        cmocka_unit_test(test_batch_prefers_better_standing),
        cmocka_unit_test(test_batch_waiting_task_wins_in_the_end),
        cmocka_unit_test(test_batch_later_passes_reach_further),
        cmocka_unit_test(test_round_same_on_any_thread_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
