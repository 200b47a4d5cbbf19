/* test_dispatch_score.c — unit tests of the dispatcher's scoring (pw_dispatch_score in
 * src/dispatch/dispatch.c), a pure function of plain structs:
 *   - every part lies in [0, 1] and the total is the weighted sum (times the pairing
 *     factor), over seeded random candidates;
 *   - monotonic properties: more matched skills -> higher fit; farther -> lower distance
 *     part, 0 at and past the radius; a remote task -> distance 1; more missed acks ->
 *     lower reliability; longer idle -> higher fairness; more recent assignments or more
 *     money earned in the last day -> lower fairness; a bad pairing -> lower total;
 *   - --dispatch-weights parsing: any subset of keys over the defaults, and every kind of
 *     bad text refused with *w unchanged;
 *   - neutral reputation 0.6 until rated, and the rating scale 1..5 -> 0..1;
 *   - a worked example whose numbers are computed by hand below;
 *   - what a client is shown (pw_dispatch_shown_parts/_json): the same for two bases in
 *     one public cell, 2-decimal parts, the distance part from the public area's band, the
 *     score the weighted sum of the shown parts.
 * The default weights come from pw_dispatch_policy_defaults and are checked first, so a
 * change of policy shows up here as one clear failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/limits.h"
#include "base/rand.h"
#include "dispatch/dispatch.h"

/* ==== helpers ========================================================================= */

static void assert_near(double got, double want, double tolerance)
{
    if (!(fabs(got - want) <= tolerance))
        print_error("got %.15f, want %.15f (+-%g)\n", got, want, tolerance);
    assert_true(fabs(got - want) <= tolerance);
}

static pw_dispatch_weights default_weights(void)
{
    pw_dispatch_policy p;
    memset(&p, 0, sizeof(p));
    pw_dispatch_policy_defaults(&p);
    return p.weights;
}

/* A plain local candidate: everything middling, nothing special. */
static pw_candidate base_candidate(void)
{
    return (pw_candidate){
        .worker_id = 1,
        .skills_wanted = 4,
        .skills_matched = 2,
        .category_match = 1,
        .remote_task = 0,
        .distance_km = 5,
        .radius_km = 20,
        .rating = 4,
        .acked = 10,
        .missed_acks = 1,
        .releases = 1,
        .completed = 8,
        .on_time = 7,
        .idle_s = 1800,
    };
}

static pw_score_parts score(const pw_candidate *c)
{
    pw_dispatch_weights w = default_weights();
    pw_score_parts p;
    memset(&p, 0xff, sizeof(p)); /* NaN-ish garbage: every field must be written */
    double total = pw_dispatch_score(&w, c, &p);
    assert_true(total == p.total);
    return p;
}

static void assert_parts_in_unit_range(const pw_score_parts *p)
{
    const double parts[] = {p->fit, p->distance, p->reputation, p->reliability, p->fairness};
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        if (!(parts[i] >= 0.0 && parts[i] <= 1.0))
            print_error("part %zu = %.15f is outside [0, 1]\n", i, parts[i]);
        assert_true(parts[i] >= 0.0 && parts[i] <= 1.0);
    }
}

/* ==== tests ============================================================================ */

static void test_default_weights(void **state)
{
    (void)state;
    pw_dispatch_weights w = default_weights();
    assert_near(w.fit, 0.35, 1e-15);
    assert_near(w.distance, 0.20, 1e-15);
    assert_near(w.reputation, 0.15, 1e-15);
    assert_near(w.reliability, 0.10, 1e-15);
    assert_near(w.fairness, 0.20, 1e-15);
    assert_near(w.bad_pairing, 0.5, 1e-15);
    assert_near(w.earned_half, 5000, 0);
    /* the weights sum to 1, so the total is itself in [0, 1] */
    assert_near(w.fit + w.distance + w.reputation + w.reliability + w.fairness, 1.0, 1e-12);
}

/* Seeded random candidates (consistent records: matched <= wanted, on_time <= completed
 * <= acked): parts in [0, 1], total = weighted sum x pairing, total in [0, 1]. */
static void test_parts_in_range_and_total_is_weighted_sum(void **state)
{
    (void)state;
    pw_rng r;
    pw_rng_seed(&r, 0x5c0de);
    pw_dispatch_weights w = default_weights();
    for (int i = 0; i < 100000; i++) {
        pw_candidate c = {0};
        c.worker_id = i + 1;
        c.skills_wanted = (int)pw_rng_range(&r, 0, 20);
        c.skills_matched = (int)pw_rng_range(&r, 0, c.skills_wanted);
        c.category_match = (int)pw_rng_range(&r, 0, 1);
        c.remote_task = (int)pw_rng_range(&r, 0, 1);
        c.radius_km = (int)pw_rng_range(&r, 0, 500);
        c.distance_km = pw_rng_unit(&r) * 700.0;
        c.rating = pw_rng_range(&r, 0, 3) == 0 ? -1.0 : 1.0 + 4.0 * pw_rng_unit(&r);
        c.acked = pw_rng_range(&r, 0, 1000);
        c.missed_acks = pw_rng_range(&r, 0, 1000);
        c.releases = pw_rng_range(&r, 0, c.acked);
        c.completed = pw_rng_range(&r, 0, c.acked);
        c.on_time = pw_rng_range(&r, 0, c.completed);
        c.idle_s = pw_rng_range(&r, 0, 9) == 0 ? -pw_rng_unit(&r) * 100 : pw_rng_unit(&r) * 30 * 86400.0;
        c.assigned_recently = (int)pw_rng_range(&r, 0, 50);
        c.bad_pairing = pw_rng_range(&r, 0, 4) == 0;
        pw_score_parts p;
        double total = pw_dispatch_score(&w, &c, &p);
        assert_parts_in_unit_range(&p);
        assert_true(p.pairing == (c.bad_pairing ? w.bad_pairing : 1.0));
        double sum = w.fit * p.fit + w.distance * p.distance + w.reputation * p.reputation +
                     w.reliability * p.reliability + w.fairness * p.fairness;
        assert_near(p.total, sum * p.pairing, 1e-12);
        assert_true(total == p.total);
        assert_true(total >= 0.0 && total <= 1.0 + 1e-12);
    }
}

/* Other weights are honoured: a weight vector picking one part returns that part. */
static void test_weights_select_parts(void **state)
{
    (void)state;
    pw_candidate c = base_candidate();
    pw_score_parts p;
    pw_dispatch_weights only_fit = {.fit = 1, .bad_pairing = 0.5};
    pw_dispatch_score(&only_fit, &c, &p);
    assert_near(p.total, p.fit, 1e-15);
    pw_dispatch_weights only_distance = {.distance = 1, .bad_pairing = 0.5};
    pw_dispatch_score(&only_distance, &c, &p);
    assert_near(p.total, p.distance, 1e-15);
    pw_dispatch_weights only_fairness = {.fairness = 2, .bad_pairing = 0.5};
    pw_dispatch_score(&only_fairness, &c, &p);
    assert_near(p.total, 2 * p.fairness, 1e-15);
    pw_dispatch_weights none = {.bad_pairing = 0.5};
    assert_near(pw_dispatch_score(&none, &c, &p), 0.0, 0.0);
}

static void test_fit(void **state)
{
    (void)state;
    pw_candidate c = base_candidate();
    c.skills_wanted = 5;
    double prev = -1;
    for (int m = 0; m <= 5; m++) { /* each matched skill adds 0.6 / 5 */
        c.skills_matched = m;
        pw_score_parts p = score(&c);
        assert_true(p.fit > prev);
        assert_near(p.fit, 0.4 + 0.6 * m / 5.0, 1e-12);
        prev = p.fit;
    }
    assert_near(prev, 1.0, 1e-12); /* all skills and the category: a perfect fit */
    c.category_match = 0;
    c.skills_matched = 5;
    assert_near(score(&c).fit, 0.6, 1e-12);
    c.skills_matched = 0;
    assert_near(score(&c).fit, 0.0, 1e-12);
    /* a task that asks for no skills: the category decides */
    c.skills_wanted = 0;
    c.category_match = 1;
    assert_near(score(&c).fit, 1.0, 0);
    c.category_match = 0;
    assert_near(score(&c).fit, 0.5, 0);
    /* and the total follows the fit */
    c = base_candidate();
    double t2 = score(&c).total;
    c.skills_matched = 3;
    assert_true(score(&c).total > t2);
}

static void test_distance(void **state)
{
    (void)state;
    pw_candidate c = base_candidate();
    c.radius_km = 20;
    double prev = 2;
    for (double d = 0; d <= 30; d += 0.5) {
        c.distance_km = d;
        pw_score_parts p = score(&c);
        if (d < 20) {
            assert_true(p.distance < prev); /* strictly lower as it gets farther */
            assert_near(p.distance, 1.0 - d / 20.0, 1e-12);
        } else {
            assert_near(p.distance, 0.0, 0); /* at and past the radius: 0 */
        }
        prev = p.distance;
    }
    c.distance_km = 0;
    assert_near(score(&c).distance, 1.0, 0);
    c.distance_km = 20;
    assert_true(score(&c).distance == 0.0);
    c.distance_km = 1e6;
    assert_true(score(&c).distance == 0.0);
    /* no radius: nothing local can be reached */
    c.radius_km = 0;
    c.distance_km = 0;
    assert_true(score(&c).distance == 0.0);
    /* a remote task: distance does not matter */
    c = base_candidate();
    c.remote_task = 1;
    static const double far[] = {0, 19.9, 20, 5000, -1};
    for (size_t i = 0; i < sizeof(far) / sizeof(far[0]); i++) {
        c.distance_km = far[i];
        c.radius_km = i == 4 ? 0 : 20;
        assert_true(score(&c).distance == 1.0);
    }
    /* nearer wins the total */
    c = base_candidate();
    c.distance_km = 2;
    double near_total = score(&c).total;
    c.distance_km = 15;
    assert_true(near_total > score(&c).total);
}

static void test_reputation(void **state)
{
    (void)state;
    pw_candidate c = base_candidate();
    c.rating = -1; /* not rated yet: neutral */
    assert_near(score(&c).reputation, 0.6, 0);
    c.rating = -0.001;
    assert_near(score(&c).reputation, 0.6, 0);
    c.rating = 1;
    assert_near(score(&c).reputation, 0.0, 0);
    c.rating = 3;
    assert_near(score(&c).reputation, 0.5, 0);
    c.rating = 5;
    assert_near(score(&c).reputation, 1.0, 0);
    c.rating = 4.4;
    assert_near(score(&c).reputation, 0.85, 1e-12);
    /* a 3.4 rating is exactly neutral; above it beats an unrated newcomer */
    c.rating = 3.4;
    assert_near(score(&c).reputation, 0.6, 1e-12);
    c.rating = 4.5;
    double rated = score(&c).total;
    c.rating = -1;
    assert_true(rated > score(&c).total);
}

static void test_reliability(void **state)
{
    (void)state;
    pw_candidate c = base_candidate();
    double prev = 2;
    for (int missed = 0; missed <= 50; missed++) {
        c.missed_acks = missed;
        double r = score(&c).reliability;
        assert_true(r < prev); /* each missed ack costs */
        prev = r;
    }
    /* a newcomer (no record) starts at the top */
    pw_candidate fresh = base_candidate();
    fresh.acked = fresh.missed_acks = fresh.releases = fresh.completed = fresh.on_time = 0;
    assert_near(score(&fresh).reliability, 1.0, 1e-12);
    /* releases and late completions also cost */
    c = base_candidate();
    double base_r = score(&c).reliability;
    c.releases = 3;
    assert_true(score(&c).reliability < base_r);
    c = base_candidate();
    c.on_time = 2;
    assert_true(score(&c).reliability < base_r);
    /* a spotless long record stays at 1 */
    c = base_candidate();
    c.acked = c.completed = c.on_time = 500;
    c.missed_acks = c.releases = 0;
    assert_near(score(&c).reliability, 1.0, 1e-12);
}

static void test_fairness(void **state)
{
    (void)state;
    pw_candidate c = base_candidate();
    c.assigned_recently = 0;
    double prev = -1;
    for (double idle = 0; idle <= 24 * 3600; idle += 900) {
        c.idle_s = idle;
        double f = score(&c).fairness;
        assert_true(f > prev || f == 1.0); /* longer idle: higher (until it saturates) */
        prev = f;
    }
    c.idle_s = 0;
    assert_near(score(&c).fairness, 0.7, 1e-12); /* just assigned, nothing earned: earnings + load terms */
    c.idle_s = -500;                             /* a clock step backwards counts as 0 */
    assert_near(score(&c).fairness, 0.7, 1e-12);
    c.idle_s = 3600;
    assert_near(score(&c).fairness, 0.6 + 0.3 * (1 - exp(-1.0)) + 0.1, 1e-12);
    c.idle_s = 1e9;
    assert_near(score(&c).fairness, 1.0, 1e-12);
    /* money taken in the last day: earned_half (50.00) halves the earnings part */
    c.earned_recent = 5000;
    assert_near(score(&c).fairness, 0.3 + 0.3 + 0.1, 1e-12);
    prev = 2;
    for (int64_t cents = 0; cents <= 100000; cents += 2500) {
        c.earned_recent = cents;
        double f = score(&c).fairness;
        assert_true(f < prev);
        prev = f;
    }
    c.earned_recent = -100; /* never negative: counts as 0 */
    assert_near(score(&c).fairness, 1.0, 1e-12);
    c.earned_recent = 0;
    /* more assignments in the last day: lower */
    c.idle_s = 7200;
    prev = 2;
    for (int n = 0; n <= 20; n++) {
        c.assigned_recently = n;
        double f = score(&c).fairness;
        assert_true(f < prev);
        prev = f;
    }
    /* and the idle worker wins the total, all else equal */
    c = base_candidate();
    c.idle_s = 6 * 3600;
    double idle_total = score(&c).total;
    c.idle_s = 60;
    assert_true(idle_total > score(&c).total);
    /* of two equally idle workers, the one who earned less lately wins, even a little farther */
    c = base_candidate();
    c.idle_s = 6 * 3600;
    c.distance_km = 1.0;
    c.radius_km = 10;
    c.earned_recent = 0;
    double poor = score(&c).total;
    c.distance_km = 0.5;
    c.earned_recent = 4000;
    assert_true(poor > score(&c).total);
}

static void test_weights_parse(void **state)
{
    (void)state;
    pw_dispatch_weights w = default_weights();
    char err[160];
    assert_int_equal(pw_dispatch_weights_parse("fit=0.5,fairness=0.25,earned_half=2500", &w, err, sizeof(err)), 0);
    assert_near(w.fit, 0.5, 0);
    assert_near(w.fairness, 0.25, 0);
    assert_near(w.earned_half, 2500, 0);
    assert_near(w.distance, 0.20, 0); /* the rest keep their defaults */
    assert_near(w.bad_pairing, 0.5, 0);
    assert_int_equal(pw_dispatch_weights_parse("", &w, err, sizeof(err)), 0);
    assert_near(w.fit, 0.5, 0);
    const char *bad[] = {"fit",
                         "fit=",
                         "=1",
                         "fit=x",
                         "fit=1x",
                         "fit=-0.1",
                         "fit=11",
                         "fit=nan",
                         "fit=inf",
                         "bad_pairing=2",
                         "earned_half=0",
                         "speed=1",
                         "fit=1,,",
                         "fit=0.1;distance=1",
                         "fit=0,distance=0,reputation=0,reliability=0,fairness=0",
                         "fit=0.12345678901234567890123456789012345678901234567890"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        pw_dispatch_weights before = w;
        err[0] = '\0';
        if (pw_dispatch_weights_parse(bad[i], &w, err, sizeof(err)) != PW_EREFUSED)
            fail_msg("accepted '%s'", bad[i]);
        assert_true(err[0] != '\0');
        assert_memory_equal(&before, &w, sizeof(w));
    }
    char longer[PW_DISPATCH_WEIGHTS_MAX_CHARS + 8];
    memset(longer, ' ', sizeof(longer) - 1);
    longer[sizeof(longer) - 1] = '\0';
    assert_int_equal(pw_dispatch_weights_parse(longer, &w, err, sizeof(err)), PW_EREFUSED);
}

static void test_bad_pairing(void **state)
{
    (void)state;
    pw_candidate c = base_candidate();
    pw_score_parts good = score(&c);
    assert_true(good.pairing == 1.0);
    c.bad_pairing = 1;
    pw_score_parts bad = score(&c);
    assert_near(bad.pairing, 0.5, 0);
    assert_near(bad.total, good.total * 0.5, 1e-12);
    assert_near(bad.fit, good.fit, 0); /* the parts themselves are unchanged */
    assert_near(bad.reliability, good.reliability, 0);
}

/* Worked example with the default weights (fit .35, distance .20, reputation .15,
 * reliability .10, fairness .20), computed by hand:
 *   fit         = 0.4 x category(1) + 0.6 x 3/4 matched skills      = 0.85
 *   distance    = 1 - 2.5 km / 10 km radius                         = 0.75
 *   reputation  = (4.2 - 1) / 4                                     = 0.8
 *   reliability, record acked 7, missed 2, releases 1, completed 6, on time 5:
 *       ack rate   = (7 + 3) / (7 + 2 + 3)                          = 5/6
 *       completion = min(1, (6 + 2) / (7 + 1 + 2))                  = 4/5
 *       on time    = (5 + 1) / (6 + 1)                              = 6/7
 *       0.5 x 5/6 + 0.3 x 4/5 + 0.2 x 6/7 = 5/12 + 6/25 + 6/35      = 1739/2100 = 0.828095238095...
 *   fairness, 50.00 earned in the last day (earned_half), idle 3600 x ln 2 s (so
 *   1 - e^(-idle/3600) = 1/2), 1 assignment in the last day:
 *       0.6 / (1 + 1) + 0.3 x 1/2 + 0.1 / (1 + 1)                   = 0.5
 *   total = .35 x .85 + .20 x .75 + .15 x .8 + .10 x 1739/2100 + .20 x .5
 *         = 0.2975 + 0.15 + 0.12 + 0.0828095238095... + 0.1         = 0.750309523809...
 *   with a bad pairing (factor 0.5)                                 = 0.375154761904... */
static void test_worked_example(void **state)
{
    (void)state;
    pw_candidate c = {
        .worker_id = 42,
        .skills_wanted = 4,
        .skills_matched = 3,
        .category_match = 1,
        .remote_task = 0,
        .distance_km = 2.5,
        .radius_km = 10,
        .rating = 4.2,
        .acked = 7,
        .missed_acks = 2,
        .releases = 1,
        .completed = 6,
        .on_time = 5,
        .idle_s = 3600.0 * log(2.0),
        .assigned_recently = 1,
        .earned_recent = 5000,
        .bad_pairing = 0,
    };
    pw_score_parts p = score(&c);
    assert_near(p.fit, 0.85, 1e-12);
    assert_near(p.distance, 0.75, 1e-12);
    assert_near(p.reputation, 0.8, 1e-12);
    assert_near(p.reliability, 1739.0 / 2100.0, 1e-12);
    assert_near(p.fairness, 0.5, 1e-12);
    assert_near(p.pairing, 1.0, 0);
    assert_near(p.total, 0.750309523809524, 1e-12);
    c.bad_pairing = 1;
    assert_near(score(&c).total, 0.375154761904762, 1e-12);
}

/* The explanation JSON carries the same numbers, and distance only for local tasks. */
/* What a client is shown (pw_dispatch_shown_parts / _json): nothing depends on where in
 * its public cell the base is, the total is the weighted sum of the shown parts, the
 * parts have 2 decimals, and the distance is the public area's band. */
static void test_shown_parts(void **state)
{
    (void)state;
    pw_dispatch_weights w = default_weights();
    pw_candidate a = base_candidate(), b = base_candidate();
    a.worker_id = b.worker_id = 9007199254740993LL; /* past 2^53: must stay exact, so it is a string */
    /* Two bases in the cell 52.3..52.4, 4.8..4.9, and their exact distances from a task at (52.371, 4.893). */
    a.base_lat_e6 = 52331200, a.base_lon_e6 = 4873300, a.distance_km = 4.74;
    b.base_lat_e6 = 52387100, b.base_lon_e6 = 4812200, b.distance_km = 5.82;
    pw_score_parts ea = score(&a), eb = score(&b);
    assert_true(ea.distance != eb.distance); /* the exact parts differ ... */
    json_t *ja = pw_dispatch_shown_json(&w, &a, &ea, 52371000, 4893000);
    json_t *jb = pw_dispatch_shown_json(&w, &b, &eb, 52371000, 4893000);
    assert_true(json_equal(ja, jb)); /* ... what is shown does not */
    assert_string_equal(json_string_value(json_object_get(ja, "worker_id")), "9007199254740993");
    /* the task is 4.83 km from the cell's centre (52.35, 4.85): band 5 km; radius 20 -> 1 - 5/20 */
    assert_near(json_real_value(json_object_get(ja, "distance_km")), 5, 0);
    json_t *parts = json_object_get(ja, "parts");
    assert_near(json_real_value(json_object_get(parts, "distance")), 0.75, 0);
    double sum = 0;
    static const char *const keys[] = {"fit", "distance", "reputation", "reliability", "fairness"};
    const double weights[] = {w.fit, w.distance, w.reputation, w.reliability, w.fairness};
    const double exact[] = {ea.fit, ea.distance, ea.reputation, ea.reliability, ea.fairness};
    for (int i = 0; i < 5; i++) {
        double v = json_real_value(json_object_get(parts, keys[i]));
        assert_near(v * 100, round(v * 100), 1e-9); /* 2 decimals */
        if (i != 1)
            assert_near(v, exact[i], 0.005); /* the others are the exact parts, rounded */
        sum += weights[i] * v;
    }
    assert_near(json_real_value(json_object_get(ja, "score")), sum * json_real_value(json_object_get(parts, "pairing")),
                1e-12);
    json_decref(ja);
    json_decref(jb);
    /* past the radius by the band: 0, not negative */
    pw_score_parts shown;
    pw_dispatch_shown_parts(&w, &a, &ea, 25, &shown);
    assert_near(shown.distance, 0, 0);
    /* a remote task: no distance_km, the distance part 1 */
    a.remote_task = 1;
    ea = score(&a);
    ja = pw_dispatch_shown_json(&w, &a, &ea, 0, 0);
    assert_null(json_object_get(ja, "distance_km"));
    assert_near(json_real_value(json_object_get(json_object_get(ja, "parts"), "distance")), 1, 0);
    json_decref(ja);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_weights),
        cmocka_unit_test(test_parts_in_range_and_total_is_weighted_sum),
        cmocka_unit_test(test_weights_select_parts),
        cmocka_unit_test(test_fit),
        cmocka_unit_test(test_distance),
        cmocka_unit_test(test_reputation),
        cmocka_unit_test(test_reliability),
        cmocka_unit_test(test_fairness),
        cmocka_unit_test(test_weights_parse),
        cmocka_unit_test(test_bad_pairing),
        cmocka_unit_test(test_worked_example),
        cmocka_unit_test(test_shown_parts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
