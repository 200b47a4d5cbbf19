/* test_preferred.c — a client's preferred worker (pw_engine_task.preferred_worker_id) in
 * the dispatcher's decisions (dispatch/decide.h), with no database: an engine built in
 * memory from plain worker structs, tasks described by hand.
 *
 * The world: one place, two local workers there (a local worker holds one task at a
 * time), category software. A has python and sql, B python only; a task asking python
 * and sql scores A above B (fit 1.0 to 0.7), so without a preference A is chosen. With B
 * preferred, B is chosen when they fit by the rules any candidate is held to; when they
 * are not in the index (inactive), do not fit, are out of radius, were a bad pairing with
 * this client, are busy or were already tried, the task goes to A as without one. In a
 * round, two tasks preferring B: the heavier one gets B, the other is decided as usual. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "dispatch/decide.h"
#include "engine_fixture.h"

#define NOW_MS 1795000000000LL
#define LAT    52.37
#define LON    4.89

enum { WORKER_A = 101, WORKER_B = 102, WORKER_C = 103 };

static const char *const BOTH[] = {"python", "sql"};
static const char *const PYTHON[] = {"python"};

static pw_engine *engine(void)
{
    pw_dispatch_policy p;
    pw_dispatch_policy_defaults(&p);
    p.search_threads = 1;
    pw_engine *e = NULL;
    assert_int_equal(pw_engine_new(&p, &e), 0);
    return e;
}

/* A local worker at (lat, lon), radius 10 km, in `category`, an hour idle, clean record. */
static pw_engine_worker worker(int64_t id, double lat, double lon, int skill_count, const char *const *skills,
                               const char *category)
{
    return engine_local_worker(id, lat, lon, skill_count, skills, category, NOW_MS);
}

static void put(pw_engine *e, const pw_engine_worker *w) { assert_int_equal(pw_engine_put(e, w), PW_OK); }

/* A local task at the place in software asking python and sql, posted `waited_min` ago,
 * due in two days, preferring `preferred` (0: nobody). */
static pw_engine_task task(pw_engine *e, int64_t id, int waited_min, int64_t preferred)
{
    pw_index *ix = pw_engine_index(e);
    pw_engine_task t = {.id = id,
                        .client_id = 9000 + id,
                        .client_standing = 1,
                        .has_location = 1,
                        .lat_e6 = (int32_t)lrint(LAT * 1e6),
                        .lon_e6 = (int32_t)lrint(LON * 1e6),
                        .category = pw_index_tag(ix, "software"),
                        .created_ms = NOW_MS - waited_min * 60000LL,
                        .deadline_ms = NOW_MS + 48 * 3600 * 1000LL,
                        .preferred_worker_id = preferred};
    for (int i = 0; i < 2; i++)
        t.skills[t.skill_count++] = pw_index_tag(ix, BOTH[i]);
    return t;
}

/* A and B at the place; b_busy: B holds a local task. */
static pw_engine *world(int b_busy)
{
    pw_engine *e = engine();
    pw_engine_worker a = worker(WORKER_A, LAT, LON, 2, BOTH, "software"),
                     b = worker(WORKER_B, LAT, LON, 1, PYTHON, "software");
    b.busy_local = b_busy;
    put(e, &a);
    put(e, &b);
    return e;
}

static const char *why_of(const pw_engine *e, const pw_engine_task *t, const pw_dispatch_decision *d, char *buf,
                          size_t size)
{
    json_t *why = pw_dispatch_explain(e, t, d);
    assert_non_null(why);
    snprintf(buf, size, "%s", json_string_value(json_object_get(why, "why")));
    json_decref(why);
    return buf;
}

/* ---- greedy ----------------------------------------------------------------------------------- */

static void test_preferred_fits_is_chosen_over_a_higher_score(void **state)
{
    (void)state;
    pw_engine *e = world(0);
    pw_engine_task t = task(e, 1, 0, 0);
    pw_dispatch_decision d;
    pw_dispatch_pick(e, &t, NOW_MS, &d);
    assert_int_equal(d.worker_id, WORKER_A); /* no preference: the higher score */
    assert_int_equal(d.preferred, 0);
    char buf[200];
    assert_null(strstr(why_of(e, &t, &d, buf, sizeof(buf)), "preferred"));

    t.preferred_worker_id = WORKER_B;
    pw_dispatch_pick(e, &t, NOW_MS, &d);
    assert_int_equal(d.worker_id, WORKER_B);
    assert_int_equal(d.preferred, 1);
    assert_int_equal(d.batch, 0);
    assert_true(fabs(d.chosen.parts.fit - 0.7) < 1e-12); /* scored as any candidate is */
    assert_true(d.score == d.chosen.parts.total);
    assert_non_null(strstr(why_of(e, &t, &d, buf, sizeof(buf)), "preferred by the client"));
    pw_engine_free(e);
}

/* Every way the preferred worker can fail the rules: the task goes to A, as without one. */
static void test_preferred_who_does_not_fit_leaves_the_usual_pick(void **state)
{
    (void)state;
    for (int c = 0; c < 8; c++) {
        pw_engine *e = world(c == 0);
        pw_engine_task t = task(e, 1, 0, WORKER_B);
        switch (c) {
        case 0: /* busy: B holds a local task */ break;
        case 1: /* inactive: out of the index */ pw_engine_remove(e, WORKER_B); break;
        case 2: /* banned: this client's tasks went badly with B */ t.avoid[t.avoid_count++] = WORKER_B; break;
        case 3: /* already tried on this task (missed the ack or released) */
            t.excluded[t.excluded_count++] = WORKER_B;
            break;
        case 4: { /* unfit: neither the category nor a skill */
            static const char *const GARDEN[] = {"hedges"};
            pw_engine_worker g = worker(WORKER_C, LAT, LON, 1, GARDEN, "gardening");
            put(e, &g);
            t.preferred_worker_id = WORKER_C;
            break;
        }
        case 5: { /* out of radius: 30 km north, radius 10 */
            pw_engine_worker far = worker(WORKER_C, LAT + 0.27, LON, 2, BOTH, "software");
            put(e, &far);
            t.preferred_worker_id = WORKER_C;
            break;
        }
        case 6: /* the client themself */ t.client_id = WORKER_B; break;
        case 7: /* a remote task, and B takes no remote work */ t.has_location = 0; break;
        }
        pw_dispatch_decision d;
        pw_dispatch_pick(e, &t, NOW_MS, &d);
        if (c == 7) {
            assert_int_equal(d.worker_id, 0); /* nobody here is remote-capable: it waits */
        } else {
            assert_int_equal(d.worker_id, WORKER_A);
        }
        assert_int_equal(d.preferred, 0);
        pw_engine_candidate cand;
        assert_int_equal(pw_engine_fits(e, &t, t.preferred_worker_id, NOW_MS, &cand), 0);
        pw_engine_free(e);
    }
}

/* ---- a round ---------------------------------------------------------------------------------- */

static void test_round_gives_the_preferred_worker_first(void **state)
{
    (void)state;
    pw_engine *e = world(0);
    pw_engine_task tasks[2] = {task(e, 1, 0, WORKER_B), task(e, 2, 0, 0)};
    pw_dispatch_decision d[2];
    assert_int_equal(pw_dispatch_solve_round(e, tasks, 2, NOW_MS, d), PW_OK);
    assert_int_equal(d[0].worker_id, WORKER_B); /* fixed before the solver */
    assert_int_equal(d[0].preferred, 1);
    assert_int_equal(d[0].batch, 1);
    assert_true(fabs(d[0].round_weight - pw_engine_task_weight(&tasks[0], NOW_MS)) < 1e-12);
    assert_int_equal(d[1].worker_id, WORKER_A); /* the solver, past B */
    assert_int_equal(d[1].preferred, 0);
    assert_int_equal(d[1].batch, 1);
    char buf[200];
    assert_non_null(strstr(why_of(e, &tasks[0], &d[0], buf, sizeof(buf)), "preferred by the client"));
    assert_null(strstr(why_of(e, &tasks[1], &d[1], buf, sizeof(buf)), "preferred"));
    /* the round's holds are gone: B is free again */
    pw_engine_candidate cand;
    assert_int_equal(pw_engine_fits(e, &tasks[0], WORKER_B, NOW_MS, &cand), 1);
    pw_engine_free(e);
}

/* Two tasks prefer B: the heavier (it waited 30 minutes: weight 2 to 1) gets B whichever
 * comes first; the other is decided as usual (A). */
static void test_round_gives_a_contested_preferred_worker_to_the_heavier_task(void **state)
{
    (void)state;
    for (int older = 0; older < 2; older++) {
        pw_engine *e = world(0);
        pw_engine_task tasks[2] = {task(e, 1, older == 0 ? 30 : 0, WORKER_B),
                                   task(e, 2, older == 1 ? 30 : 0, WORKER_B)};
        assert_true(pw_engine_task_weight(&tasks[older], NOW_MS) > pw_engine_task_weight(&tasks[1 - older], NOW_MS));
        pw_dispatch_decision d[2];
        assert_int_equal(pw_dispatch_solve_round(e, tasks, 2, NOW_MS, d), PW_OK);
        assert_int_equal(d[older].worker_id, WORKER_B);
        assert_int_equal(d[older].preferred, 1);
        assert_int_equal(d[1 - older].worker_id, WORKER_A);
        assert_int_equal(d[1 - older].preferred, 0);
        pw_engine_free(e);
    }
}

/* A preferred worker who does not fit in a round: the round as without the preference. */
static void test_round_with_an_unfit_preference_is_the_usual_round(void **state)
{
    (void)state;
    pw_engine *e = world(1);                                                /* B busy */
    pw_engine_task with[2] = {task(e, 1, 0, WORKER_B), task(e, 2, 0, 999)}; /* 999: nobody */
    pw_engine_task without[2] = {task(e, 1, 0, 0), task(e, 2, 0, 0)};
    pw_dispatch_decision d[2], u[2];
    assert_int_equal(pw_dispatch_solve_round(e, with, 2, NOW_MS, d), PW_OK);
    assert_int_equal(pw_dispatch_solve_round(e, without, 2, NOW_MS, u), PW_OK);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(d[i].worker_id, u[i].worker_id);
        assert_int_equal(d[i].preferred, 0);
    }
    assert_int_equal(d[0].worker_id + d[1].worker_id, WORKER_A); /* one gets A, the other waits */
    pw_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_preferred_fits_is_chosen_over_a_higher_score),
        cmocka_unit_test(test_preferred_who_does_not_fit_leaves_the_usual_pick),
        cmocka_unit_test(test_round_gives_the_preferred_worker_first),
        cmocka_unit_test(test_round_gives_a_contested_preferred_worker_to_the_heavier_task),
        cmocka_unit_test(test_round_with_an_unfit_preference_is_the_usual_round),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
