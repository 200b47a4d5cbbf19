/* bench_dispatch.c — the dispatch engine's speed and size, in process, with a naive
 * full scan of every worker as the anchor measured in the same run.
 *
 *   urgent:  one task's candidate search (top 50, what an urgent post does) among
 *            1,000,000 active workers: p50 / p99 over 20,000 tasks, vs scoring every worker;
 *   batch:   5,000 waiting tasks over 200,000 active workers: candidates + solve, median
 *            of 5 rounds, with the searches on one thread and shared out on one per core
 *            (the two engines' rounds alternate, and their results must be identical);
 *   memory:  index bytes per active worker (slots, posting lists, maps).
 *
 * Workers: 24 cities across Europe (normal scatter, sigma ~8 km), 30 % also remote,
 * radius 5..30 km, 2-4 skills of 60 and 1-2 categories of 15 (Zipf-like popularity).
 * Tasks: 65 % local near a city, 35 % remote, a category and 1-3 skills. Seeded. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/geo.h"
#include "base/rand.h"
#include "dispatch/engine.h"

#define SKILLS     60
#define CATEGORIES 15
#define CITIES     24

static const double cities[CITIES][2] = {
    {52.37, 4.89},  {48.86, 2.35},  {51.51, -0.13}, {52.52, 13.40}, {40.42, -3.70}, {41.39, 2.17},
    {45.46, 9.19},  {41.90, 12.50}, {48.21, 16.37}, {50.08, 14.44}, {52.23, 21.01}, {59.33, 18.07},
    {55.68, 12.57}, {60.17, 24.94}, {53.35, -6.26}, {38.72, -9.14}, {50.85, 4.35},  {47.38, 8.54},
    {48.14, 11.58}, {53.55, 9.99},  {45.76, 4.84},  {43.30, 5.37},  {51.92, 4.48},  {50.94, 6.96},
};

static char skill_names[SKILLS][16], category_names[CATEGORIES][16];

/* Zipf-ish: index i with weight 1 / (i + 1). */
static int zipf(pw_rng *r, int n)
{
    double total = 0;
    for (int i = 0; i < n; i++)
        total += 1.0 / (i + 1);
    double x = pw_rng_unit(r) * total;
    for (int i = 0; i < n; i++) {
        x -= 1.0 / (i + 1);
        if (x <= 0)
            return i;
    }
    return n - 1;
}

static double normal(pw_rng *r)
{
    double u = pw_rng_unit(r) + 1e-12, v = pw_rng_unit(r);
    return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

static void scatter(pw_rng *r, int city, int32_t *lat_e6, int32_t *lon_e6)
{
    double lat = cities[city][0] + normal(r) * 0.07, lon = cities[city][1] + normal(r) * 0.11;
    *lat_e6 = (int32_t)(lat * 1e6);
    *lon_e6 = (int32_t)(lon * 1e6);
}

static pw_engine *build(int workers, uint64_t seed, int64_t now_ms, int threads)
{
    pw_dispatch_policy policy;
    pw_dispatch_policy_defaults(&policy);
    policy.search_threads = threads;
    pw_engine *e;
    if (pw_engine_new(&policy, &e) != 0)
        exit(1);
    pw_rng r;
    pw_rng_seed(&r, seed);
    for (int i = 0; i < workers; i++) {
        pw_index_profile p = {.user_id = i + 1,
                              .has_base = 1,
                              .remote = pw_rng_unit(&r) < 0.3,
                              .radius_km = 5 + (int)pw_rng_below(&r, 26)};
        scatter(&r, (int)pw_rng_below(&r, CITIES), &p.lat_e6, &p.lon_e6);
        p.skill_count = 2 + (int)pw_rng_below(&r, 3);
        for (int k = 0; k < p.skill_count; k++)
            p.skills[k] = skill_names[zipf(&r, SKILLS)];
        p.category_count = 1 + (int)pw_rng_below(&r, 2);
        for (int k = 0; k < p.category_count; k++)
            p.categories[k] = category_names[zipf(&r, CATEGORIES)];
        int32_t slot = pw_index_put(pw_engine_index(e), &p);
        if (slot < 0)
            exit(1);
        pw_index_worker *w = pw_index_slot(pw_engine_index(e), slot);
        w->last_assigned_ms = now_ms - (int64_t)pw_rng_below(&r, 6 * 3600 * 1000);
        w->acked = (uint32_t)pw_rng_below(&r, 40);
        w->completed = w->acked - (uint32_t)pw_rng_below(&r, 1 + w->acked / 10);
        w->on_time = w->completed;
    }
    pw_index_shrink(pw_engine_index(e));
    return e;
}

static void make_task(pw_engine *e, pw_rng *r, int64_t id, pw_engine_task *t)
{
    memset(t, 0, sizeof(*t));
    t->id = id;
    t->client_id = -id;
    t->client_standing = 1.0;
    t->has_location = pw_rng_unit(r) < 0.65;
    if (t->has_location)
        scatter(r, (int)pw_rng_below(r, CITIES), &t->lat_e6, &t->lon_e6);
    t->category = pw_index_tag(pw_engine_index(e), category_names[zipf(r, CATEGORIES)]);
    t->skill_count = 1 + (int)pw_rng_below(r, 3);
    for (int k = 0; k < t->skill_count; k++)
        t->skills[k] = pw_index_tag(pw_engine_index(e), skill_names[zipf(r, SKILLS)]);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The anchor: score every live worker for the task (no index), keep the best. */
static double full_scan(pw_engine *e, const pw_engine_task *t, int64_t now_ms)
{
    pw_index *ix = pw_engine_index(e);
    pw_dispatch_weights w = {
        .fit = 0.35, .distance = 0.2, .reputation = 0.2, .reliability = 0.15, .fairness = 0.1, .bad_pairing = 0.5};
    double best = -1;
    size_t n = pw_index_count(ix);
    for (int32_t s = 0; s < (int32_t)n; s++) {
        pw_index_worker *x = pw_index_slot(ix, s);
        pw_index_hot *h = pw_index_hot_slot(ix, s);
        pw_candidate c = {.worker_id = x->user_id,
                          .remote_task = !t->has_location,
                          .radius_km = h->radius_km,
                          .rating = -1,
                          .acked = x->acked,
                          .completed = x->completed,
                          .on_time = x->on_time,
                          .idle_s = (double)(now_ms - x->last_assigned_ms) / 1000.0};
        if (!c.remote_task) {
            c.distance_km = pw_distance_km(t->lat_e6, t->lon_e6, h->lat_e6, h->lon_e6);
            if (c.distance_km > h->radius_km)
                continue;
        } else if (!(h->flags & PW_IW_REMOTE)) {
            continue;
        }
        int fits = 0;
        for (int i = 0; i < x->skill_count + x->category_count; i++)
            fits |= x->tags[i] == t->category;
        if (!fits)
            continue;
        pw_score_parts parts;
        double score = pw_dispatch_score(&w, &c, &parts);
        if (score > best)
            best = score;
    }
    return best;
}

static void bench_urgent(void)
{
    const int workers = 1000000, queries = 20000, anchor_queries = 200;
    int64_t now_ms = 1795000000000LL;
    int64_t t0 = pw_monotonic_ns();
    pw_engine *e = build(workers, 1, now_ms, 1);
    double build_s = (double)(pw_monotonic_ns() - t0) / 1e9;
    pw_rng r;
    pw_rng_seed(&r, 2);
    double *us = malloc(sizeof(double) * queries);
    pw_engine_candidate cands[PW_DISPATCH_TOP_K];
    long found = 0;
    for (int q = 0; q < queries; q++) {
        pw_engine_task t;
        make_task(e, &r, q + 1, &t);
        int64_t start = pw_monotonic_ns();
        found += pw_engine_candidates(e, &t, now_ms, PW_DISPATCH_TOP_K, cands, NULL) > 0;
        us[q] = (double)(pw_monotonic_ns() - start) / 1e3;
    }
    qsort(us, (size_t)queries, sizeof(double), cmp_double);
    double anchor_total = 0;
    for (int q = 0; q < anchor_queries; q++) {
        pw_engine_task t;
        make_task(e, &r, q + 1, &t);
        int64_t start = pw_monotonic_ns();
        volatile double best = full_scan(e, &t, now_ms);
        (void)best;
        anchor_total += (double)(pw_monotonic_ns() - start) / 1e3;
    }
    size_t bytes = pw_index_memory_bytes(pw_engine_index(e));
    printf("urgent dispatch, %d active workers (index built in %.2f s)\n", workers, build_s);
    printf("  candidate search top-%d: p50 %.1f us, p99 %.1f us, max %.1f us (%d tasks, %.1f%% found a worker)\n",
           PW_DISPATCH_TOP_K, us[queries / 2], us[(int)(queries * 0.99)], us[queries - 1], queries,
           100.0 * (double)found / queries);
    printf("  anchor, full scan of every worker: mean %.1f us -> index is %.0fx faster at p99\n",
           anchor_total / anchor_queries, anchor_total / anchor_queries / us[(int)(queries * 0.99)]);
    printf("  index memory: %zu bytes, %.0f bytes per active worker (slot %zu + hot %zu bytes)\n", bytes,
           (double)bytes / workers, sizeof(pw_index_worker), sizeof(pw_index_hot));
    free(us);
    pw_engine_free(e);
}

#define BATCH_ROUNDS 5

/* One engine's batch rounds: its own copy of the tasks (tags are interned per index). */
typedef struct batch_run {
    pw_engine *e;
    pw_engine_task *t;
    pw_engine_candidate *cands;
    int *counts, *choice;
    double ms[BATCH_ROUNDS];
} batch_run;

static void batch_run_init(batch_run *b, int workers, int tasks, int k, int threads, int64_t now_ms)
{
    b->e = build(workers, 3, now_ms, threads);
    pw_rng r;
    pw_rng_seed(&r, 4);
    b->t = malloc(sizeof(*b->t) * tasks);
    for (int i = 0; i < tasks; i++)
        make_task(b->e, &r, i + 1, &b->t[i]);
    b->cands = malloc(sizeof(*b->cands) * (size_t)tasks * k);
    b->counts = malloc(sizeof(int) * tasks);
    b->choice = malloc(sizeof(int) * tasks);
}

static void batch_run_round(batch_run *b, int tasks, int k, int64_t now_ms, int round)
{
    int64_t start = pw_monotonic_ns();
    if (pw_engine_match(b->e, b->t, tasks, now_ms, k, b->cands, b->counts, b->choice) != PW_OK)
        exit(1);
    b->ms[round] = (double)(pw_monotonic_ns() - start) / 1e6;
}

static void batch_run_free(batch_run *b)
{
    free(b->t);
    free(b->cands);
    free(b->counts);
    free(b->choice);
    pw_engine_free(b->e);
}

static void bench_batch(void)
{
    const int workers = 200000, tasks = 5000, rounds = BATCH_ROUNDS, k = PW_DISPATCH_BATCH_TOP_K;
    int64_t now_ms = 1795000000000LL;
    int threads = pw_dispatch_default_threads();
    batch_run one, many;
    batch_run_init(&one, workers, tasks, k, 1, now_ms);
    batch_run_init(&many, workers, tasks, k, threads, now_ms);
    for (int round = 0; round < rounds; round++) {
        batch_run_round(&one, tasks, k, now_ms, round);
        batch_run_round(&many, tasks, k, now_ms, round);
    }
    /* the threads must not change the answer: same candidates, same choices */
    int matched = 0;
    for (int i = 0; i < tasks; i++) {
        if (one.counts[i] != many.counts[i] || one.choice[i] != many.choice[i]) {
            fprintf(stderr, "bench_dispatch: task %d differs with %d search threads\n", i, threads);
            exit(1);
        }
        for (int j = 0; j < one.counts[i]; j++)
            if (one.cands[(size_t)i * k + j].c.worker_id != many.cands[(size_t)i * k + j].c.worker_id ||
                one.cands[(size_t)i * k + j].parts.total != many.cands[(size_t)i * k + j].parts.total) {
                fprintf(stderr, "bench_dispatch: task %d's candidates differ with %d search threads\n", i, threads);
                exit(1);
            }
        matched += one.choice[i] >= 0;
    }
    /* the same candidates, greedy in task order, as the anchor for quality */
    double greedy_total = 0, batch_total = 0;
    int greedy_matched = 0;
    char *taken = calloc((size_t)workers + 1, 1);
    for (int i = 0; i < tasks; i++) {
        for (int j = 0; j < one.counts[i]; j++) {
            const pw_engine_candidate *c = &one.cands[(size_t)i * k + j];
            if (!taken[c->c.worker_id]) {
                taken[c->c.worker_id] = 1;
                greedy_total += c->parts.total;
                greedy_matched++;
                break;
            }
        }
        if (one.choice[i] >= 0)
            batch_total += one.cands[(size_t)i * k + one.choice[i]].parts.total;
    }
    qsort(one.ms, rounds, sizeof(double), cmp_double);
    qsort(many.ms, rounds, sizeof(double), cmp_double);
    printf("batch round, %d tasks over %d active workers (top %d of the nearest %d eligible per task)\n", tasks,
           workers, k, pw_engine_round_scan(tasks));
    printf("  candidates + solve, searches on %d threads: median %.1f ms (min %.1f, max %.1f over %d rounds)\n",
           threads, many.ms[rounds / 2], many.ms[0], many.ms[rounds - 1], rounds);
    printf("  the same on 1 thread: median %.1f ms (min %.1f, max %.1f) -> %.2fx; results identical\n",
           one.ms[rounds / 2], one.ms[0], one.ms[rounds - 1], one.ms[rounds / 2] / many.ms[rounds / 2]);
    printf("  matched %d of %d (greedy on the same candidates: %d); total score %.1f vs greedy %.1f\n", matched, tasks,
           greedy_matched, batch_total, greedy_total);
    free(taken);
    batch_run_free(&one);
    batch_run_free(&many);
}

int main(void)
{
    for (int i = 0; i < SKILLS; i++)
        snprintf(skill_names[i], sizeof(skill_names[i]), "skill%02d", i);
    for (int i = 0; i < CATEGORIES; i++)
        snprintf(category_names[i], sizeof(category_names[i]), "cat%02d", i);
    bench_urgent();
    bench_batch();
    return 0;
}
