/* test_assign.c — unit tests of the assignment solver (src/dispatch/assign.c).
 *
 * The solver is checked against independent oracles on seeded random instances: an exact
 * dynamic program over subsets of workers (up to 7 tasks x 8 workers) that ranks matchings
 * by (most tasks matched, then least cost), and for medium instances the dense solver on
 * a big-M completion of the sparse graph. Integer costs keep every comparison exact.
 * Every returned matching is also checked for validity: each pair is an edge, no worker
 * is used twice, and the reported count and cost agree with the pairs. The module's .c is
 * included so the tests build without the rest of the project. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>

/* Fault injection: the solver's allocations go through these, and the Nth one fails. */
static long alloc_fail_countdown = -1; /* allocations left before one fails; -1 never */

static int alloc_should_fail(void)
{
    if (alloc_fail_countdown < 0)
        return 0;
    return alloc_fail_countdown-- == 0;
}

static void *failing_malloc(size_t size) { return alloc_should_fail() ? NULL : malloc(size); }

static void *failing_calloc(size_t count, size_t size) { return alloc_should_fail() ? NULL : calloc(count, size); }

#define malloc(size)        failing_malloc(size)
#define calloc(count, size) failing_calloc(count, size)
#include "../../src/dispatch/assign.c"
#include "base/rand.h"
#undef malloc
#undef calloc

#include <stdio.h>

/* ==== helpers ========================================================================= */

/* Uniform integer in [lo, hi]. */
#define SMALL_TASKS_MAX   7
#define SMALL_WORKERS_MAX 8

typedef struct {
    int32_t n_tasks;                                 /* tasks */
    int32_t n_workers;                               /* worker id range */
    int32_t n_local;                                 /* distinct workers that may appear */
    int32_t worker_id[SMALL_WORKERS_MAX];            /* local worker -> worker id */
    pw_assign_edge edges[64];                        /* the instance */
    size_t n_edges;                                  /* edges used */
    double best[SMALL_TASKS_MAX][SMALL_WORKERS_MAX]; /* cheapest edge per pair, INFINITY if none */
} small_instance;

/* Exact optimum by dynamic programming over (task, set of used local workers). */
static void oracle(const small_instance *in, int32_t *matched, double *cost)
{
    enum { MASKS = 1 << SMALL_WORKERS_MAX };
    static int32_t card[SMALL_TASKS_MAX + 1][MASKS];
    static double sum[SMALL_TASKS_MAX + 1][MASKS];
    for (int32_t mask = 0; mask < MASKS; mask++) {
        card[in->n_tasks][mask] = 0;
        sum[in->n_tasks][mask] = 0;
    }
    for (int32_t t = in->n_tasks - 1; t >= 0; t--) {
        for (int32_t mask = 0; mask < (1 << in->n_local); mask++) {
            int32_t bc = card[t + 1][mask]; /* leave task t unmatched */
            double bs = sum[t + 1][mask];
            for (int32_t w = 0; w < in->n_local; w++) {
                if ((mask >> w) & 1 || in->best[t][w] == INFINITY)
                    continue;
                int32_t c = 1 + card[t + 1][mask | (1 << w)];
                double s = in->best[t][w] + sum[t + 1][mask | (1 << w)];
                if (c > bc || (c == bc && s < bs)) {
                    bc = c;
                    bs = s;
                }
            }
            card[t][mask] = bc;
            sum[t][mask] = bs;
        }
    }
    *matched = card[0][0];
    *cost = sum[0][0];
}

/* Asserts that the solver's answer is a valid matching of the edges whose count and cost
 * (each pair at its cheapest edge) are the ones reported. */
static void check_matching(const pw_assign_edge *edges, size_t n_edges, int32_t n_tasks, const int32_t *task_to_worker,
                           int32_t matched, double total)
{
    int32_t count = 0;
    double sum = 0;
    for (int32_t t = 0; t < n_tasks; t++) {
        int32_t w = task_to_worker[t];
        if (w < 0) {
            assert_int_equal(w, -1);
            continue;
        }
        for (int32_t u = 0; u < t; u++)
            assert_true(task_to_worker[u] != w);
        double cheapest = INFINITY;
        for (size_t e = 0; e < n_edges; e++)
            if (edges[e].task == t && edges[e].worker == w && edges[e].cost < cheapest)
                cheapest = edges[e].cost;
        assert_true(cheapest < INFINITY);
        count++;
        sum += cheapest;
    }
    assert_int_equal(count, matched);
    assert_true(fabs(sum - total) <= 1e-9 * (1 + fabs(sum)));
}

/* Draws a random small instance; style picks the cost distribution. */
static void make_small(pw_rng *r, small_instance *in, int style)
{
    in->n_tasks = (int32_t)pw_rng_range(r, 0, SMALL_TASKS_MAX);
    in->n_local = (int32_t)pw_rng_range(r, 0, SMALL_WORKERS_MAX);
    static const int64_t id_ranges[4] = {12, 12, 1000000, PW_ASSIGN_WORKERS_MAX};
    int64_t id_range = id_ranges[pw_rng_next(r) % 4]; /* 1, 2 and 3 radix passes */
    in->n_workers = (int32_t)(id_range > in->n_local ? id_range : in->n_local);
    for (int32_t w = 0; w < in->n_local; w++) { /* distinct ids, not necessarily sorted */
        int32_t id, clash;
        do {
            id = (int32_t)pw_rng_range(r, 0, in->n_workers - 1);
            clash = 0;
            for (int32_t u = 0; u < w; u++)
                clash |= in->worker_id[u] == id;
        } while (clash);
        in->worker_id[w] = id;
    }
    for (int32_t t = 0; t < SMALL_TASKS_MAX; t++)
        for (int32_t w = 0; w < SMALL_WORKERS_MAX; w++)
            in->best[t][w] = INFINITY;
    in->n_edges = 0;
    if (in->n_tasks == 0 || in->n_local == 0)
        return;
    size_t want = (size_t)pw_rng_range(r, 0, in->n_tasks * in->n_local + 8);
    if (want > 64)
        want = 64;
    for (size_t e = 0; e < want; e++) {
        int32_t t = (int32_t)pw_rng_range(r, 0, in->n_tasks - 1);
        int32_t w = (int32_t)pw_rng_range(r, 0, in->n_local - 1);
        if (style == 1 && t == in->n_tasks - 1) /* the last task stays without edges */
            continue;
        double c;
        switch (style) {
        case 0: c = (double)pw_rng_range(r, -20, 20); break;           /* mixed signs */
        case 1: c = (double)pw_rng_range(r, 0, 2); break;              /* heavy ties */
        case 2: c = (double)pw_rng_range(r, -1000000, -999990); break; /* all negative */
        default: c = (double)pw_rng_range(r, 0, 1000000); break;       /* spread out */
        }
        in->edges[in->n_edges++] = (pw_assign_edge){t, in->worker_id[w], c};
        if (c < in->best[t][w])
            in->best[t][w] = c;
    }
}

/* ==== sparse solver against the subset oracle ========================================== */

/* Solves `in` with the sparse solver and compares it with the subset oracle: the same
 * cardinality, the same total (within `tolerance` relative, 0: exactly) and a valid
 * matching. `what` and `round` name the instance in a failure. */
static void solve_small(const small_instance *in, double tolerance, const char *what, int round)
{
    int32_t task_to_worker[SMALL_TASKS_MAX];
    int32_t matched = -1, want_matched = 0;
    double total = NAN, want_total = 0;
    int rc = pw_assign_solve_sparse(in->n_tasks, in->n_workers, in->edges, in->n_edges, task_to_worker, &total,
                                    &matched);
    assert_int_equal(rc, 0);
    oracle(in, &want_matched, &want_total);
    int same_total = tolerance == 0 ? total == want_total
                                    : fabs(total - want_total) <= tolerance * (1 + fabs(want_total));
    if (matched != want_matched || !same_total)
        fprintf(stderr, "%s round %d: got %d %.1f want %d %.1f\n", what, round, matched, total, want_matched,
                want_total);
    assert_int_equal(matched, want_matched);
    assert_true(same_total);
    check_matching(in->edges, in->n_edges, in->n_tasks, task_to_worker, matched, total);
}

/* Random small instances of one cost style (make_small) from a fixed seed. */
typedef struct small_case {
    uint64_t seed;
    int style, rounds;
} small_case;

static const small_case small_cases[] = {
    {1, 0, 4000}, /* mixed signs */
    {2, 1, 4000}, /* heavy ties */
    {3, 2, 3000}, /* all negative */
    {4, 3, 3000}, /* spread out */
};

static void test_small_random(void **state)
{
    const small_case *c = *state;
    char what[64];
    snprintf(what, sizeof(what), "seed %llu style %d", (unsigned long long)c->seed, c->style);
    print_message("%s, %d rounds\n", what, c->rounds);
    pw_rng r;
    pw_rng_seed(&r, c->seed);
    small_instance in;
    for (int round = 0; round < c->rounds; round++) {
        make_small(&r, &in, c->style);
        solve_small(&in, 0, what, round);
    }
}

/* More tasks than workers, every task with edges: the split path always runs. */
static void test_small_more_tasks_than_workers(void **state)
{
    (void)state;
    pw_rng r;
    pw_rng_seed(&r, 5);
    small_instance in;
    for (int round = 0; round < 3000; round++) {
        do
            make_small(&r, &in, (int)(round % 4));
        while (in.n_local >= in.n_tasks);
        solve_small(&in, 0, "more tasks than workers", round);
    }
}

/* Fractional costs: equal to the oracle within rounding. */
static void test_small_fractional(void **state)
{
    (void)state;
    pw_rng r;
    pw_rng_seed(&r, 6);
    small_instance in;
    for (int round = 0; round < 3000; round++) {
        make_small(&r, &in, 0);
        for (size_t e = 0; e < in.n_edges; e++) {
            pw_assign_edge *edge = &in.edges[e];
            edge->cost = (double)pw_rng_range(&r, -1000000, 1000000) / 7919.0;
        }
        for (int32_t t = 0; t < SMALL_TASKS_MAX; t++)
            for (int32_t w = 0; w < SMALL_WORKERS_MAX; w++)
                in.best[t][w] = INFINITY;
        for (size_t e = 0; e < in.n_edges; e++)
            for (int32_t w = 0; w < in.n_local; w++)
                if (in.worker_id[w] == in.edges[e].worker && in.edges[e].cost < in.best[in.edges[e].task][w])
                    in.best[in.edges[e].task][w] = in.edges[e].cost;
        solve_small(&in, 1e-9, "fractional", round);
    }
}

/* ==== hand-made cases ================================================================== */

static void solve(int32_t n_tasks, int32_t n_workers, const pw_assign_edge *edges, size_t n, int32_t *task_to_worker,
                  int32_t *matched, double *total)
{
    assert_int_equal(pw_assign_solve_sparse(n_tasks, n_workers, edges, n, task_to_worker, total, matched), 0);
    check_matching(edges, n, n_tasks, task_to_worker, *matched, *total);
}

/* The cheapest matching has one pair; the rule wants the most pairs first. */
static void test_max_cardinality_first(void **state)
{
    (void)state;
    const pw_assign_edge edges[] = {{0, 0, 1}, {1, 0, 2}, {1, 1, 500}, {2, 1, -3}};
    int32_t map[3], matched;
    double total;
    solve(3, 2, edges, 3, map, &matched, &total); /* without task 2's edge */
    assert_int_equal(matched, 2);
    assert_true(total == 501); /* not {1,0} alone at 2 */
    assert_int_equal(map[0], 0);
    assert_int_equal(map[1], 1);
    assert_int_equal(map[2], -1);
    solve(3, 2, edges, 4, map, &matched, &total);
    assert_int_equal(matched, 2);
    assert_true(total == -2);
    assert_int_equal(map[0], 0);
    assert_int_equal(map[1], -1);
    assert_int_equal(map[2], 1);
}

/* Task 0 takes the only worker first, but task 1 is cheaper on it: a row-by-row solver
 * that just skips task 1 would be wrong. */
static void test_skipped_task_is_cheaper(void **state)
{
    (void)state;
    const pw_assign_edge edges[] = {{0, 7, 100}, {1, 7, 1}, {2, 3, 5}, {3, 3, 4}, {3, 7, 0}};
    int32_t map[4], matched;
    double total;
    solve(4, 10, edges, 2, map, &matched, &total);
    assert_int_equal(matched, 1);
    assert_true(total == 1);
    assert_int_equal(map[0], -1);
    assert_int_equal(map[1], 7);
    solve(4, 10, edges, 5, map, &matched, &total);
    assert_int_equal(matched, 2);
    assert_true(total == 5); /* {1,7} + {3,3}: 1 + 4 */
    assert_int_equal(map[1], 7);
    assert_int_equal(map[3], 3);
}

static void test_duplicates_keep_cheapest(void **state)
{
    (void)state;
    const pw_assign_edge edges[] = {{0, 5, 10}, {0, 5, 3}, {1, 5, 2}, {0, 5, 7}, {1, 6, 9}, {1, 6, 4}};
    int32_t map[2], matched;
    double total;
    solve(2, 7, edges, 6, map, &matched, &total);
    assert_int_equal(matched, 2);
    assert_true(total == 7); /* 0->5 at 3, 1->6 at 4 */
}

static void test_empty_instances(void **state)
{
    (void)state;
    int32_t map[3] = {9, 9, 9}, matched = 9;
    double total = 9;
    assert_int_equal(pw_assign_solve_sparse(0, 0, NULL, 0, NULL, &total, &matched), 0);
    assert_int_equal(matched, 0);
    assert_true(total == 0);
    assert_int_equal(pw_assign_solve_sparse(3, 100000, NULL, 0, map, &total, &matched), 0);
    assert_int_equal(matched, 0);
    for (int t = 0; t < 3; t++)
        assert_int_equal(map[t], -1);
    assert_int_equal(pw_assign_solve_dense(0, NULL, NULL, &total), 0);
    assert_true(total == 0);
}

static void test_errors(void **state)
{
    (void)state;
    int32_t map[2] = {42, 42}, matched = 42;
    double total = 42;
    const pw_assign_edge bad_task[] = {{2, 0, 1}};
    const pw_assign_edge neg_task[] = {{-1, 0, 1}};
    const pw_assign_edge bad_worker[] = {{0, 3, 1}};
    const pw_assign_edge neg_worker[] = {{0, -1, 1}};
    const pw_assign_edge nan_cost[] = {{0, 0, NAN}};
    const pw_assign_edge inf_cost[] = {{0, 0, -INFINITY}};
    assert_int_equal(pw_assign_solve_sparse(2, 3, bad_task, 1, map, &total, &matched), PW_EINVAL);
    assert_int_equal(pw_assign_solve_sparse(2, 3, neg_task, 1, map, &total, &matched), PW_EINVAL);
    assert_int_equal(pw_assign_solve_sparse(2, 3, bad_worker, 1, map, &total, &matched), PW_EINVAL);
    assert_int_equal(pw_assign_solve_sparse(2, 3, neg_worker, 1, map, &total, &matched), PW_EINVAL);
    assert_int_equal(pw_assign_solve_sparse(2, 3, nan_cost, 1, map, &total, &matched), PW_EINVAL);
    assert_int_equal(pw_assign_solve_sparse(2, 3, inf_cost, 1, map, &total, &matched), PW_EINVAL);
    assert_int_equal(pw_assign_solve_sparse(-1, 3, NULL, 0, map, &total, &matched), PW_EINVAL);
    assert_int_equal(pw_assign_solve_sparse(2, -3, NULL, 0, map, &total, &matched), PW_EINVAL);
    assert_int_equal(pw_assign_solve_sparse(2, 3, NULL, 1, map, &total, &matched), PW_EINVAL);
    assert_int_equal(pw_assign_solve_sparse(PW_ASSIGN_TASKS_MAX + 1, 3, NULL, 0, map, &total, &matched), PW_EREFUSED);
    assert_int_equal(pw_assign_solve_sparse(2, PW_ASSIGN_WORKERS_MAX + 1, NULL, 0, map, &total, &matched), PW_EREFUSED);
    assert_int_equal(pw_assign_solve_sparse(2, 3, bad_task, (size_t)PW_ASSIGN_EDGES_MAX + 1, map, &total, &matched),
                     PW_EREFUSED);
    assert_int_equal(map[0], 42); /* out-parameters untouched on error */
    assert_int_equal(matched, 42);
    assert_true(total == 42);
    const double dense_nan[4] = {1, 2, NAN, 4};
    int32_t cols[2];
    assert_int_equal(pw_assign_solve_dense(2, dense_nan, cols, &total), PW_EINVAL);
    assert_int_equal(pw_assign_solve_dense(-1, dense_nan, cols, &total), PW_EINVAL);
    assert_int_equal(pw_assign_solve_dense(2, NULL, cols, &total), PW_EINVAL);
    assert_int_equal(pw_assign_solve_dense(PW_ASSIGN_DENSE_N_MAX + 1, dense_nan, cols, &total), PW_EREFUSED);
    assert_true(total == 42);
}

/* ==== dense solver ===================================================================== */

/* Exact dense optimum by dynamic programming over subsets of columns (n <= 8). */
static double dense_oracle(int32_t n, const double *cost)
{
    double best[1 << SMALL_WORKERS_MAX];
    best[0] = 0;
    for (int32_t mask = 1; mask < (1 << n); mask++) {
        int32_t row = __builtin_popcount((unsigned)mask) - 1; /* rows 0..row use mask */
        best[mask] = INFINITY;
        for (int32_t j = 0; j < n; j++)
            if ((mask >> j) & 1) {
                double s = best[mask & ~(1 << j)] + cost[row * n + j];
                if (s < best[mask])
                    best[mask] = s;
            }
    }
    return best[(1 << n) - 1];
}

static void check_permutation(int32_t n, const int32_t *row_to_col, const double *cost, double total)
{
    double sum = 0;
    for (int32_t i = 0; i < n; i++) {
        assert_true(row_to_col[i] >= 0 && row_to_col[i] < n);
        for (int32_t k = 0; k < i; k++)
            assert_true(row_to_col[k] != row_to_col[i]);
        sum += cost[(size_t)i * (size_t)n + (size_t)row_to_col[i]];
    }
    assert_true(sum == total);
}

static void test_dense_vs_oracle(void **state)
{
    (void)state;
    pw_rng r;
    pw_rng_seed(&r, 7);
    double cost[SMALL_WORKERS_MAX * SMALL_WORKERS_MAX];
    int32_t row_to_col[SMALL_WORKERS_MAX];
    for (int round = 0; round < 6000; round++) {
        int32_t n = (int32_t)pw_rng_range(&r, 1, SMALL_WORKERS_MAX);
        int64_t lo = round % 3 == 0 ? 0 : -50, hi = round % 3 == 0 ? 2 : 50;
        for (int32_t k = 0; k < n * n; k++)
            cost[k] = (double)pw_rng_range(&r, lo, hi);
        double total = NAN;
        assert_int_equal(pw_assign_solve_dense(n, cost, row_to_col, &total), 0);
        check_permutation(n, row_to_col, cost, total);
        assert_true(total == dense_oracle(n, cost));
    }
}

/* Dense against sparse on complete graphs of medium size, many ties. */
static void test_dense_vs_sparse(void **state)
{
    (void)state;
    pw_rng r;
    pw_rng_seed(&r, 8);
    enum { N_MAX = 150 };
    double *cost = malloc(N_MAX * N_MAX * sizeof(*cost));
    pw_assign_edge *edges = malloc(N_MAX * N_MAX * sizeof(*edges));
    int32_t row_to_col[N_MAX], task_to_worker[N_MAX];
    assert_non_null(cost);
    assert_non_null(edges);
    for (int round = 0; round < 60; round++) {
        int32_t n = (int32_t)pw_rng_range(&r, 1, N_MAX);
        int64_t hi = round % 2 ? 10 : 100000;
        for (int32_t i = 0; i < n; i++)
            for (int32_t j = 0; j < n; j++) {
                double c = (double)pw_rng_range(&r, -hi, hi);
                cost[i * n + j] = c;
                edges[i * n + j] = (pw_assign_edge){i, j, c};
            }
        double dense_total, sparse_total;
        int32_t matched;
        assert_int_equal(pw_assign_solve_dense(n, cost, row_to_col, &dense_total), 0);
        check_permutation(n, row_to_col, cost, dense_total);
        assert_int_equal(
            pw_assign_solve_sparse(n, n, edges, (size_t)n * (size_t)n, task_to_worker, &sparse_total, &matched), 0);
        assert_int_equal(matched, n);
        assert_true(dense_total == sparse_total);
    }
    free(cost);
    free(edges);
}

/* ==== medium and large instances ======================================================= */

/* Sparse instances of up to 40 x 40, often deficient, against the dense solver on the
 * big-M completion: costs shifted into [0, 100], a missing pair costs 100 * n + 1, so one
 * more real pair always beats any change in the real cost. */
static void test_medium_vs_big_m(void **state)
{
    (void)state;
    pw_rng r;
    pw_rng_seed(&r, 9);
    enum { N_MAX = 40, E_MAX = 800 };
    pw_assign_edge edges[E_MAX];
    double dense[N_MAX * N_MAX];
    int32_t task_to_worker[N_MAX], row_to_col[N_MAX];
    for (int round = 0; round < 1500; round++) {
        int32_t n_tasks = (int32_t)pw_rng_range(&r, 1, N_MAX);
        int32_t n_workers = (int32_t)pw_rng_range(&r, 1, N_MAX);
        int32_t n = n_tasks > n_workers ? n_tasks : n_workers;
        double big_m = 100.0 * n + 1;
        size_t n_edges = (size_t)pw_rng_range(&r, 0, (int64_t)n_tasks * n_workers / (1 + round % 4));
        if (n_edges > E_MAX)
            n_edges = E_MAX;
        for (int32_t k = 0; k < n * n; k++)
            dense[k] = big_m;
        for (size_t e = 0; e < n_edges; e++) {
            int32_t t = (int32_t)pw_rng_range(&r, 0, n_tasks - 1);
            int32_t w = (int32_t)pw_rng_range(&r, 0, n_workers - 1);
            if (round % 5 == 0 && t < n_tasks / 3) /* a third of the tasks get no edges */
                t = n_tasks - 1 - t % (n_tasks - n_tasks / 3);
            double c = (double)pw_rng_range(&r, -50, 50);
            edges[e] = (pw_assign_edge){t, w, c};
            if (c + 50 < dense[t * n + w])
                dense[t * n + w] = c + 50;
        }
        int32_t matched;
        double total, dense_total;
        solve(n_tasks, n_workers, edges, n_edges, task_to_worker, &matched, &total);
        assert_int_equal(pw_assign_solve_dense(n, dense, row_to_col, &dense_total), 0);
        int32_t want_matched = 0;
        double want_total = 0;
        for (int32_t i = 0; i < n; i++) {
            double c = dense[i * n + row_to_col[i]];
            if (c < big_m) {
                want_matched++;
                want_total += c - 50;
            }
        }
        assert_int_equal(matched, want_matched);
        assert_true(total == want_total);
    }
}

/* Square sparse instances with a perfect matching (the diagonal), where the column
 * reduction runs, against the dense solver on the big-M completion. */
static void test_square_sparse_vs_dense(void **state)
{
    (void)state;
    pw_rng r;
    pw_rng_seed(&r, 11);
    enum { N_MAX = 300, K = 6 };
    double *dense = malloc(N_MAX * N_MAX * sizeof(*dense));
    pw_assign_edge *edges = malloc(N_MAX * (K + 1) * sizeof(*edges));
    int32_t task_to_worker[N_MAX], row_to_col[N_MAX];
    assert_non_null(dense);
    assert_non_null(edges);
    for (int round = 0; round < 40; round++) {
        int32_t n = (int32_t)pw_rng_range(&r, 2, N_MAX);
        double big_m = 2001.0 * n;
        size_t n_edges = 0;
        for (int32_t k = 0; k < n * n; k++)
            dense[k] = big_m;
        for (int32_t t = 0; t < n; t++)
            for (int k = 0; k <= K; k++) {
                int32_t w = k == 0 ? (t + round) % n : (int32_t)pw_rng_range(&r, 0, n - 1);
                double c = (double)pw_rng_range(&r, round % 2 ? -3 : -1000, round % 2 ? 3 : 1000);
                edges[n_edges++] = (pw_assign_edge){t, w, c};
                if (c + 1000 < dense[t * n + w])
                    dense[t * n + w] = c + 1000;
            }
        int32_t matched;
        double total, dense_total;
        solve(n, n, edges, n_edges, task_to_worker, &matched, &total);
        assert_int_equal(matched, n);
        assert_int_equal(pw_assign_solve_dense(n, dense, row_to_col, &dense_total), 0);
        assert_true(dense_total < big_m);
        assert_true(total == dense_total - 1000.0 * n);
    }
    free(dense);
    free(edges);
}

/* Large feasible instances: every task matched, and the optimum does not depend on the
 * order of the edges. */
static void test_large_edge_order(void **state)
{
    (void)state;
    pw_rng r;
    pw_rng_seed(&r, 10);
    enum { TASKS = 3000, WORKERS = 100000, K = 12 };
    pw_assign_edge *edges = malloc(TASKS * K * sizeof(*edges));
    int32_t *map = malloc(TASKS * sizeof(*map));
    assert_non_null(edges);
    assert_non_null(map);
    for (int round = 0; round < 4; round++) {
        size_t n = 0;
        for (int32_t t = 0; t < TASKS; t++) {
            edges[n++] = (pw_assign_edge){t, t * 31, (double)pw_rng_range(&r, 0, 1000)};
            for (int k = 1; k < K; k++)
                edges[n++] = (pw_assign_edge){t, (int32_t)pw_rng_range(&r, 0, round ? 5000 : WORKERS - 1),
                                              (double)pw_rng_range(&r, 0, round > 1 ? 3 : 1000)};
        }
        int32_t matched, matched2;
        double total, total2;
        assert_int_equal(pw_assign_solve_sparse(TASKS, WORKERS, edges, n, map, &total, &matched), 0);
        assert_int_equal(matched, TASKS);
        for (size_t e = n - 1; e > 0; e--) { /* Fisher-Yates shuffle */
            size_t k = (size_t)pw_rng_range(&r, 0, (int64_t)e);
            pw_assign_edge tmp = edges[e];
            edges[e] = edges[k];
            edges[k] = tmp;
        }
        assert_int_equal(pw_assign_solve_sparse(TASKS, WORKERS, edges, n, map, &total2, &matched2), 0);
        assert_int_equal(matched2, TASKS);
        assert_true(total == total2);
    }
    free(edges);
    free(map);
}

/* Fails every allocation in turn, on an instance that takes the split path: each failure
 * is a clean PW_ENOMEM with untouched outputs, and nothing leaks (LeakSanitizer). */
static void test_allocation_failures(void **state)
{
    (void)state;
    const pw_assign_edge edges[] = {{0, 7, 100}, {1, 7, 1}, {2, 3, 5}, {3, 3, 4}, {3, 7, 0}, {4, 9, 2}};
    const double dense[4] = {1, 2, 3, 4};
    int32_t map[5], cols[2], matched = 42;
    double total = 42;
    int rc = PW_ENOMEM, failures = 0;
    for (long n = 0; rc == PW_ENOMEM; n++) {
        alloc_fail_countdown = n;
        rc = pw_assign_solve_sparse(5, 10, edges, 6, map, &total, &matched);
        if (rc == PW_ENOMEM) {
            failures++;
            assert_int_equal(matched, 42);
        }
    }
    alloc_fail_countdown = -1;
    assert_int_equal(rc, 0);
    assert_true(failures > 20); /* the split path's allocations were reached too */
    assert_int_equal(matched, 3);
    assert_true(total == 7);
    rc = PW_ENOMEM;
    total = 42;
    for (long n = 0; rc == PW_ENOMEM; n++) {
        alloc_fail_countdown = n;
        rc = pw_assign_solve_dense(2, dense, cols, &total);
        if (rc == PW_ENOMEM)
            assert_true(total == 42);
    }
    alloc_fail_countdown = -1;
    assert_int_equal(rc, 0);
    assert_true(total == 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(test_small_random, (void *)&small_cases[0]),
        cmocka_unit_test_prestate(test_small_random, (void *)&small_cases[1]),
        cmocka_unit_test_prestate(test_small_random, (void *)&small_cases[2]),
        cmocka_unit_test_prestate(test_small_random, (void *)&small_cases[3]),
        cmocka_unit_test(test_small_more_tasks_than_workers),
        cmocka_unit_test(test_small_fractional),
        cmocka_unit_test(test_max_cardinality_first),
        cmocka_unit_test(test_skipped_task_is_cheaper),
        cmocka_unit_test(test_duplicates_keep_cheapest),
        cmocka_unit_test(test_empty_instances),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_dense_vs_oracle),
        cmocka_unit_test(test_dense_vs_sparse),
        cmocka_unit_test(test_medium_vs_big_m),
        cmocka_unit_test(test_square_sparse_vs_dense),
        cmocka_unit_test(test_large_edge_order),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
