/* test_searching.c — the search index fed from the database (market/searching.h): built
 * from every worker profile at start (inactive ones too, non-workers not), a change seen
 * only after the refresh that follows its commit, availability through the market's own
 * function, the public area as the only place kept (two bases in one cell rank and read
 * alike), the filters, the blend's order, and the price estimate's minimum and quantiles.
 * On a real migrated database (market_fixture.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>

#include "market/searching.h"
#include "market_fixture.h"

typedef struct fx {
    market_fixture m;
    pw_searching *s;
    pw_searching_answer *ans;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof(*f));
    market_fixture_open(&f->m, "searching");
    assert_int_equal(pw_searching_new("data/search/no-such-file.tsv", NULL, &f->s), PW_OK); /* no synonyms: logged */
    f->m.policy.search = f->s;
    f->ans = malloc(sizeof(*f->ans));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    pw_searching_free(f->s);
    free(f->ans);
    market_fixture_close(&f->m);
    free(f);
    return 0;
}

/* A worker with one skill, remote or based at (lat, lon) micro-degrees. */
static int64_t worker(fx *f, const char *skill, int remote, int64_t lat, int64_t lon, int active)
{
    int64_t id = make_user(&f->m, PW_ROLE_WORKER);
    pw_worker_profile p = {.remote = remote, .radius_km = 10};
    snprintf(p.skills.tag[p.skills.count++], sizeof(p.skills.tag[0]), "%s", skill);
    snprintf(p.categories.tag[p.categories.count++], sizeof(p.categories.tag[0]), "%s", remote ? "online" : "local");
    if (!remote)
        p.location = (pw_location){.present = 1, .lat_e6 = lat, .lon_e6 = lon};
    assert_int_equal(pw_worker_change_profile(f->m.db, &f->m.policy, id, &p, T0), PW_OK);
    if (active) {
        int64_t since;
        pw_error err;
        assert_int_equal(pw_worker_change_availability(f->m.db, &f->m.policy, id, 1, T0, &since, &err), PW_OK);
    }
    return id;
}

static int run(fx *f, pw_searching_params *p)
{
    pw_error err;
    if (p->limit == 0)
        p->limit = 100;
    assert_int_equal(pw_searching_query(f->s, p, f->ans, &err), PW_OK);
    return f->ans->result.hit_count;
}

static pw_searching_params words(const char *text)
{
    return (pw_searching_params){.text = text, .remote = -1, .limit = 100};
}

static void test_load_and_refresh(void **state)
{
    fx *f = *state;
    int64_t a = worker(f, "zebra grooming", 1, 0, 0, 1);
    int64_t b = worker(f, "zebra grooming", 1, 0, 0, 0);
    make_user(&f->m, PW_ROLE_CLIENT);
    pw_searching_params q = words("zebra");
    assert_int_equal(run(f, &q), 0); /* touched, not yet refreshed: the commit comes first */
    assert_int_equal(pw_searching_refresh(f->s, f->m.db), PW_OK);
    assert_int_equal(run(f, &q), 2);
    assert_int_equal(f->ans->result.hit[0].id, a); /* active first, the same text */
    assert_int_equal(f->ans->result.hit[1].id, b);
    assert_true(f->ans->result.hit[0].score > f->ans->result.hit[1].score);
    q.active_only = 1;
    assert_int_equal(run(f, &q), 1);

    /* a fresh index built from the database at start finds the same */
    pw_searching *again;
    assert_int_equal(pw_searching_new("data/search/no-such-file.tsv", NULL, &again), PW_OK);
    assert_int_equal(pw_searching_load(again, f->m.db), PW_OK);
    pw_error err;
    q.active_only = 0;
    assert_int_equal(pw_searching_query(again, &q, f->ans, &err), PW_OK);
    assert_int_equal(f->ans->result.hit_count, 2);
    pw_searching_free(again);

    /* a new skill: the old words no longer find them after the refresh */
    pw_worker_profile p = {.remote = 1, .radius_km = 10};
    snprintf(p.skills.tag[p.skills.count++], sizeof(p.skills.tag[0]), "okapi walking");
    assert_int_equal(pw_worker_change_profile(f->m.db, &f->m.policy, a, &p, T0), PW_OK);
    assert_int_equal(pw_searching_refresh(f->s, f->m.db), PW_OK);
    assert_int_equal(run(f, &q), 1);
    assert_int_equal(f->ans->result.hit[0].id, b);
    pw_searching_params o = words("okapi");
    assert_int_equal(run(f, &o), 1);
    assert_int_equal(f->ans->result.hit[0].id, a);

    /* going inactive: out of the active filter after the refresh */
    int64_t since;
    assert_int_equal(pw_worker_change_availability(f->m.db, &f->m.policy, a, 0, T0, &since, &err), PW_OK);
    assert_int_equal(pw_searching_refresh(f->s, f->m.db), PW_OK);
    o.active_only = 1;
    assert_int_equal(run(f, &o), 0);
}

static void test_public_area_only(void **state)
{
    fx *f = *state;
    /* two bases in one 0.1-degree cell, far apart inside it, and one in the next cell */
    int64_t a = worker(f, "harp tuning", 0, 52501000, 13401000, 1);
    int64_t b = worker(f, "harp tuning", 0, 52599000, 13499000, 1);
    int64_t c = worker(f, "harp tuning", 0, 53501000, 13401000, 1);
    assert_int_equal(pw_searching_refresh(f->s, f->m.db), PW_OK);
    pw_searching_params q = words("harp");
    q.has_point = 1;
    q.lat_e6 = 52520000;
    q.lon_e6 = 13405000;
    q.radius_km = 50;
    assert_int_equal(run(f, &q), 2); /* c is ~110 km away */
    assert_true(f->ans->result.hit[0].id == a || f->ans->result.hit[0].id == b);
    assert_true(f->ans->figures[0].distance_km == f->ans->figures[1].distance_km);
    assert_true(f->ans->result.hit[0].score == f->ans->result.hit[1].score); /* ties by id */
    assert_true(f->ans->result.hit[0].id < f->ans->result.hit[1].id);
    assert_true(fmod(f->ans->figures[0].distance_km, 5) == 0);
    q.radius_km = 200;
    assert_int_equal(run(f, &q), 3);
    assert_int_equal(f->ans->result.hit[2].id, c); /* nearer first */
    assert_true(f->ans->figures[2].proximity < f->ans->figures[0].proximity);
    q.remote = 1;
    assert_int_equal(run(f, &q), 0);
}

static void test_cursor_walk(void **state)
{
    fx *f = *state;
    for (int i = 0; i < 17; i++)
        worker(f, i % 3 ? "lute repair" : "lute repair and lute polish", 1, 0, 0, i % 2);
    assert_int_equal(pw_searching_refresh(f->s, f->m.db), PW_OK);
    pw_searching_params q = words("lute");
    assert_int_equal(run(f, &q), 17);
    int64_t all[17];
    for (int i = 0; i < 17; i++)
        all[i] = f->ans->result.hit[i].id;
    int seen = 0;
    q.limit = 4;
    for (int page = 0; page < 10 && seen < 17; page++) {
        int n = run(f, &q);
        assert_true(n > 0);
        for (int i = 0; i < n; i++)
            assert_int_equal(f->ans->result.hit[i].id, all[seen++]);
        q.after = 1;
        q.after_score = f->ans->result.hit[n - 1].score;
        q.after_id = f->ans->result.hit[n - 1].id;
    }
    assert_int_equal(seen, 17);
    assert_int_equal(run(f, &q), 0);
}

static void insert_completed(fx *f, const char *category, int64_t amount)
{
    pw_stmt *st = pw_db_stmt(f->m.db, "INSERT INTO tasks (client_id, title, description, category, skills, comp_kind, "
                                      "comp_amount, comp_asset, deadline_at, status, created_at, updated_at) "
                                      "VALUES (?, 't', 'd', ?, '[]', 'money', ?, 'EUR', ?, 'completed', ?, ?)");
    pw_stmt_bind(st, PW_I64(f->m.client), PW_TEXT(category), PW_I64(amount), PW_I64(T0), PW_I64(T0), PW_I64(T0));
    assert_int_equal(pw_stmt_run(st), PW_OK);
}

static void test_price_estimate(void **state)
{
    fx *f = *state;
    json_t *est, *reason;
    assert_int_equal(pw_searching_price_estimate(f->m.db, "", 0, 0, 0, 0, &est, &reason), PW_OK);
    assert_true(json_is_null(est) && json_is_string(reason));
    json_decref(reason);
    static const int64_t amounts[] = {500, 100, 900, 300, 700};
    for (int i = 0; i < PW_SEARCH_PRICE_TASKS_MIN - 1; i++)
        insert_completed(f, "garden", amounts[i]);
    assert_int_equal(pw_searching_price_estimate(f->m.db, "garden", 0, 0, 0, 0, &est, &reason), PW_OK);
    assert_true(json_is_null(est));
    assert_non_null(strstr(json_string_value(reason), "4 completed money tasks"));
    json_decref(reason);
    insert_completed(f, "garden", amounts[4]);
    assert_int_equal(pw_searching_price_estimate(f->m.db, "garden", 0, 0, 0, 0, &est, &reason), PW_OK);
    assert_true(json_is_null(reason));
    assert_int_equal(json_integer_value(json_object_get(est, "median")), 500);
    assert_int_equal(json_integer_value(json_object_get(est, "p25")), 300);
    assert_int_equal(json_integer_value(json_object_get(est, "p75")), 700);
    assert_int_equal(json_integer_value(json_object_get(est, "task_count")), 5);
    json_decref(est);
    /* near a point: these tasks are remote (no location), so none are near */
    assert_int_equal(pw_searching_price_estimate(f->m.db, "garden", 1, 52000000, 13000000, 25, &est, &reason), PW_OK);
    assert_true(json_is_null(est));
    json_decref(reason);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_load_and_refresh, setup, teardown),
        cmocka_unit_test_setup_teardown(test_public_area_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cursor_walk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_price_estimate, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
