/* test_dispatch_round.c — the dispatcher's decisions (dispatch/decide.h) with no database:
 * an engine built in memory from plain worker structs (pw_engine_put, as the market's
 * loader hands them over), tasks described by hand, then the batch round's decision
 * (pw_dispatch_solve_round), the greedy pick (pw_dispatch_pick) and the explanations.
 *
 * The contested case: two local tasks at one place, two local workers there (a local
 * worker holds one task at a time). Worker A has both skills, B only python. Task 1 asks
 * python + sql (A fits 1.0, B 0.7), task 2 asks sql (A fits 1.0, B 0.4: category only).
 * Both tasks want A; greedy in task order gives A to task 1 and B to task 2 (fits 1.4 in
 * all), the round gives B to task 1 and A to task 2 (1.7): the optimum. A random round is
 * checked against a brute-force search over every matching of its candidates. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "base/rand.h"
#include "dispatch/decide.h"
#include "store/db.h"
#include "engine_fixture.h"

#define NOW_MS 1795000000000LL
#define LAT    52.37
#define LON    4.89

enum { WORKER_A = 101, WORKER_B = 102 };

static pw_engine *engine(void)
{
    pw_dispatch_policy p;
    pw_dispatch_policy_defaults(&p);
    p.search_threads = 1;
    pw_engine *e = NULL;
    assert_int_equal(pw_engine_new(&p, &e), 0);
    return e;
}

/* A local worker at (lat, lon), radius 10 km, category software, the given skills, an
 * hour idle, with a clean record. */
static pw_engine_worker worker(int64_t id, double lat, double lon, int skill_count, const char *const *skills)
{
    return engine_local_worker(id, lat, lon, skill_count, skills, "software", NOW_MS);
}

static void put(pw_engine *e, const pw_engine_worker *w) { assert_int_equal(pw_engine_put(e, w), PW_OK); }

/* A local task at (lat, lon) in software asking the given skills, posted just now, due in two days. */
static pw_engine_task task(pw_engine *e, int64_t id, double lat, double lon, int skill_count, const char *const *skills)
{
    pw_index *ix = pw_engine_index(e);
    pw_engine_task t = {.id = id,
                        .client_id = -id,
                        .client_standing = 1,
                        .has_location = 1,
                        .lat_e6 = (int32_t)lrint(lat * 1e6),
                        .lon_e6 = (int32_t)lrint(lon * 1e6),
                        .category = pw_index_tag(ix, "software"),
                        .created_ms = NOW_MS,
                        .deadline_ms = NOW_MS + 48 * 3600 * 1000LL};
    for (int i = 0; i < skill_count; i++)
        t.skills[t.skill_count++] = pw_index_tag(ix, skills[i]);
    return t;
}

static const char *const BOTH[] = {"python", "sql"};
static const char *const PYTHON[] = {"python"};
static const char *const SQL[] = {"sql"};

/* The contested world of the header: A and B at one place, tasks 1 and 2 there too. */
static pw_engine *contested(pw_engine_task tasks[2])
{
    pw_engine *e = engine();
    pw_engine_worker a = worker(WORKER_A, LAT, LON, 2, BOTH), b = worker(WORKER_B, LAT, LON, 1, PYTHON);
    put(e, &a);
    put(e, &b);
    tasks[0] = task(e, 1, LAT, LON, 2, BOTH);
    tasks[1] = task(e, 2, LAT, LON, 1, SQL);
    return e;
}

/* ---- the contested round ------------------------------------------------------------------- */

static void test_greedy_takes_the_contested_worker(void **state)
{
    (void)state;
    pw_engine_task tasks[2];
    pw_engine *e = contested(tasks);
    pw_dispatch_decision d;
    pw_dispatch_pick(e, &tasks[0], NOW_MS, &d);
    assert_int_equal(d.worker_id, WORKER_A); /* alone, task 1 takes A */
    assert_int_equal(d.considered, 2);
    assert_int_equal(d.batch, 0);
    assert_true(fabs(d.chosen.parts.fit - 1.0) < 1e-12);
    assert_true(d.score == d.chosen.parts.total);
    pw_dispatch_pick(e, &tasks[1], NOW_MS, &d);
    assert_int_equal(d.worker_id, WORKER_A); /* and so does task 2: both want A */
    pw_engine_free(e);
}

static void test_round_gives_the_optimum(void **state)
{
    (void)state;
    pw_engine_task tasks[2];
    pw_engine *e = contested(tasks);
    pw_dispatch_decision d[2];
    assert_int_equal(pw_dispatch_solve_round(e, tasks, 2, NOW_MS, d), PW_OK);
    assert_int_equal(d[0].worker_id, WORKER_B);
    assert_int_equal(d[1].worker_id, WORKER_A);
    assert_true(fabs(d[0].chosen.parts.fit - 0.7) < 1e-12);
    assert_true(fabs(d[1].chosen.parts.fit - 1.0) < 1e-12);
    /* the greedy order's total is lower: A to task 1, B to task 2 */
    pw_engine_candidate c1[4], c2[4];
    assert_int_equal(pw_engine_candidates(e, &tasks[0], NOW_MS, 4, c1, NULL), 2);
    assert_int_equal(pw_engine_candidates(e, &tasks[1], NOW_MS, 4, c2, NULL), 2);
    assert_int_equal(c1[0].c.worker_id, WORKER_A); /* the round left both workers free */
    assert_int_equal(c2[1].c.worker_id, WORKER_B);
    double greedy = c1[0].parts.total + c2[1].parts.total;
    assert_true(fabs(d[0].score + d[1].score - greedy - 0.35 * (1.7 - 1.4)) < 1e-9); /* the fit weight x 0.3 */
    for (int i = 0; i < 2; i++) {
        assert_int_equal(d[i].batch, 1);
        assert_int_equal(d[i].considered, 2);
        assert_true(d[i].score == d[i].chosen.parts.total);
        assert_true(fabs(d[i].round_weight - pw_engine_task_weight(&tasks[i], NOW_MS)) < 1e-12);
    }
    pw_engine_free(e);
}

/* With a third worker who fits task 2 as well as A does, nobody has to yield. */
static void test_round_without_contest_gives_each_its_best(void **state)
{
    (void)state;
    pw_engine_task tasks[2];
    pw_engine *e = contested(tasks);
    pw_engine_worker c = worker(103, LAT + 0.001, LON, 1, SQL);
    put(e, &c);
    pw_dispatch_decision d[2];
    assert_int_equal(pw_dispatch_solve_round(e, tasks, 2, NOW_MS, d), PW_OK);
    assert_int_equal(d[0].worker_id, WORKER_A);
    assert_int_equal(d[1].worker_id, 103);
    pw_engine_free(e);
}

/* One worker for two tasks: one task waits (worker 0); a task nobody fits waits too. */
static void test_round_leaves_the_rest_waiting(void **state)
{
    (void)state;
    pw_engine *e = engine();
    pw_engine_worker a = worker(WORKER_A, LAT, LON, 2, BOTH);
    put(e, &a);
    static const char *const SQL_RUST[] = {"sql", "rust"}, *const GARDEN[] = {"garden"};
    pw_engine_task tasks[3] = {task(e, 1, LAT, LON, 2, BOTH), task(e, 2, LAT, LON, 2, SQL_RUST),
                               task(e, 3, LAT, LON, 1, GARDEN)};
    tasks[2].category = pw_index_tag(pw_engine_index(e), "gardening"); /* no worker has it: 0 */
    pw_dispatch_decision d[3];
    assert_int_equal(pw_dispatch_solve_round(e, tasks, 3, NOW_MS, d), PW_OK);
    assert_int_equal(d[0].worker_id, WORKER_A); /* the better fit (1.0 to 0.7) wins the only worker */
    assert_int_equal(d[1].worker_id, 0);
    assert_int_equal(d[2].worker_id, 0);
    assert_int_equal(d[2].considered, 0);
    assert_int_equal(pw_dispatch_solve_round(e, tasks, 0, NOW_MS, d), PW_OK); /* an empty round */
    pw_engine_free(e);
}

/* ---- what the market hands over reaches the decision ------------------------------------------ */

/* A worker who holds a local task is no candidate; one with missed acks and releases on
 * the record loses to an equal worker with a clean one; a worker already tried on the
 * task is passed over. */
static void test_worker_structs_reach_the_decision(void **state)
{
    (void)state;
    pw_engine *e = engine();
    pw_engine_worker busy = worker(1, LAT, LON, 1, PYTHON), flaky = worker(2, LAT, LON, 1, PYTHON),
                     clean = worker(3, LAT, LON, 1, PYTHON);
    busy.busy_local = 1;
    flaky.missed_acks = 6;
    flaky.releases = 3;
    put(e, &busy);
    put(e, &flaky);
    put(e, &clean);
    pw_engine_task t = task(e, 1, LAT, LON, 1, PYTHON);
    pw_dispatch_decision d;
    pw_dispatch_pick(e, &t, NOW_MS, &d);
    assert_int_equal(d.considered, 2);
    assert_int_equal(d.worker_id, 3);
    t.excluded[t.excluded_count++] = 3;
    assert_int_equal(pw_dispatch_solve_round(e, &t, 1, NOW_MS, &d), PW_OK);
    assert_int_equal(d.worker_id, 2);
    assert_int_equal(d.considered, 1);
    pw_engine_free(e);
}

/* ---- against brute force ------------------------------------------------------------------------ */

enum { RANDOM_TASKS = 6, RANDOM_WORKERS = 5 };

typedef struct brute {
    int counts[RANDOM_TASKS];
    pw_engine_candidate cands[RANDOM_TASKS][PW_DISPATCH_TOP_K];
    double weight[RANDOM_TASKS];
    int best_matched;
    double best_total;
} brute;

/* Every matching of tasks i.. to their candidates (or to nobody), no worker twice. */
static void brute_search(brute *b, int i, int64_t *used, int used_count, int matched, double total)
{
    if (i == RANDOM_TASKS) {
        if (matched > b->best_matched || (matched == b->best_matched && total > b->best_total)) {
            b->best_matched = matched;
            b->best_total = total;
        }
        return;
    }
    brute_search(b, i + 1, used, used_count, matched, total);
    for (int j = 0; j < b->counts[i]; j++) {
        int64_t w = b->cands[i][j].c.worker_id;
        int taken = 0;
        for (int u = 0; u < used_count; u++)
            taken |= used[u] == w;
        if (taken)
            continue;
        used[used_count] = w;
        brute_search(b, i + 1, used, used_count + 1, matched + 1, total + b->cands[i][j].parts.total * b->weight[i]);
    }
}

/* Greedy in task order over the same candidates: each task takes its best free one. */
static double greedy_total(const brute *b, int *matched_out)
{
    int64_t used[RANDOM_TASKS];
    int matched = 0;
    double total = 0;
    for (int i = 0; i < RANDOM_TASKS; i++) {
        for (int j = 0; j < b->counts[i]; j++) {
            int taken = 0;
            for (int u = 0; u < matched; u++)
                taken |= used[u] == b->cands[i][j].c.worker_id;
            if (taken)
                continue;
            used[matched++] = b->cands[i][j].c.worker_id;
            total += b->cands[i][j].parts.total * b->weight[i];
            break;
        }
    }
    *matched_out = matched;
    return total;
}

static void test_random_rounds_match_brute_force(void **state)
{
    (void)state;
    static const char *const skills[] = {"python", "sql", "design", "rust"};
    pw_rng r;
    pw_rng_seed(&r, 13);
    int greedy_worse = 0; /* rounds where greedy in task order falls short of the optimum */
    for (int round = 0; round < 40; round++) {
        pw_engine *e = engine();
        for (int w = 0; w < RANDOM_WORKERS; w++) {
            const char *own[2] = {skills[pw_rng_below(&r, 4)], skills[pw_rng_below(&r, 4)]};
            pw_engine_worker pw = worker(10 + w, LAT + (pw_rng_unit(&r) - 0.5) * 0.05,
                                         LON + (pw_rng_unit(&r) - 0.5) * 0.08, 2, own);
            pw.acked = (int64_t)pw_rng_below(&r, 20);
            pw.last_assigned_ms = NOW_MS - (int64_t)pw_rng_below(&r, 7200) * 1000;
            put(e, &pw);
        }
        pw_engine_task tasks[RANDOM_TASKS];
        brute b = {.best_matched = -1};
        for (int i = 0; i < RANDOM_TASKS; i++) {
            const char *want[1] = {skills[pw_rng_below(&r, 4)]};
            tasks[i] = task(e, i + 1, LAT + (pw_rng_unit(&r) - 0.5) * 0.05, LON + (pw_rng_unit(&r) - 0.5) * 0.08, 1,
                            want);
            tasks[i].client_standing = 0.2 + 0.8 * pw_rng_unit(&r);
            tasks[i].created_ms = NOW_MS - (int64_t)pw_rng_below(&r, 3600) * 1000;
            b.counts[i] = pw_engine_candidates(e, &tasks[i], NOW_MS, PW_DISPATCH_TOP_K, b.cands[i], NULL);
            b.weight[i] = pw_engine_task_weight(&tasks[i], NOW_MS);
        }
        int64_t used[RANDOM_TASKS];
        brute_search(&b, 0, used, 0, 0, 0.0);
        pw_dispatch_decision d[RANDOM_TASKS];
        assert_int_equal(pw_dispatch_solve_round(e, tasks, RANDOM_TASKS, NOW_MS, d), PW_OK);
        int matched = 0;
        double total = 0;
        for (int i = 0; i < RANDOM_TASKS; i++) {
            if (d[i].worker_id == 0)
                continue;
            for (int j = 0; j < i; j++)
                assert_true(d[j].worker_id != d[i].worker_id); /* nobody twice */
            matched++;
            total += d[i].score * d[i].round_weight;
        }
        assert_int_equal(matched, b.best_matched);
        assert_true(fabs(total - b.best_total) < 1e-9);
        int greedy_matched;
        double greedy = greedy_total(&b, &greedy_matched);
        greedy_worse += greedy_matched < matched || greedy < total - 1e-9;
        pw_engine_free(e);
    }
    assert_true(greedy_worse >= 20); /* the instances are contested: the solver has work to do */
}

/* ---- explanations ---------------------------------------------------------------------------------- */

static void test_explanations(void **state)
{
    (void)state;
    pw_engine_task tasks[2];
    pw_engine *e = contested(tasks);
    pw_dispatch_decision d[2];
    assert_int_equal(pw_dispatch_solve_round(e, tasks, 2, NOW_MS, d), PW_OK);
    json_t *why = pw_dispatch_explain(e, &tasks[0], &d[0]);
    assert_non_null(why);
    assert_string_equal(json_string_value(json_object_get(why, "policy")), "batch");
    assert_int_equal(json_integer_value(json_object_get(why, "candidates_considered")), 2);
    assert_string_equal(json_string_value(json_object_get(why, "distance_basis")), "public_area");
    assert_true(fabs(json_real_value(json_object_get(why, "round_weight")) - d[0].round_weight) < 1e-12);
    json_t *list = json_object_get(why, "candidates");
    assert_int_equal(json_array_size(list), 1); /* the chosen worker only: others are not named */
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "worker_id")), "102");
    assert_non_null(json_object_get(json_array_get(list, 0), "distance_km"));
    json_decref(why);
    pw_dispatch_decision g;
    pw_dispatch_pick(e, &tasks[0], NOW_MS, &g);
    why = pw_dispatch_explain(e, &tasks[0], &g);
    assert_string_equal(json_string_value(json_object_get(why, "policy")), "greedy");
    assert_string_equal(json_string_value(json_object_get(why, "why")),
                        "the highest score of 2 available workers who fit");
    assert_null(json_object_get(why, "round_weight"));
    json_decref(why);
    pw_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_greedy_takes_the_contested_worker),
        cmocka_unit_test(test_round_gives_the_optimum),
        cmocka_unit_test(test_round_without_contest_gives_each_its_best),
        cmocka_unit_test(test_round_leaves_the_rest_waiting),
        cmocka_unit_test(test_worker_structs_reach_the_decision),
        cmocka_unit_test(test_random_rounds_match_brute_force),
        cmocka_unit_test(test_explanations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
