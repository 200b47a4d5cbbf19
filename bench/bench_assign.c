/* bench_assign.c — times the assignment solver on fixed, seeded instances and writes the
 * same instances to files so bench/assign_scipy.py can time scipy on them.
 *
 * Instances: sparse T x W with K distinct candidate workers per task (one of them a
 * worker reserved for that task, so every task can be matched, as scipy's full matching
 * requires) and integer costs in [1, 1000000]; dense n x n with integer costs in
 * [0, 999999]. The first three are the dispatch-shaped targets (many more workers than
 * tasks, and one dense case); the square sparse ones are the hard case for shortest
 * augmenting paths, kept so a regression there shows. Integer costs make both solvers' totals exact, so they compare with ==.
 * Sparse instances are written in the `peerwork solve-assignment` format (NAME.txt),
 * dense ones as raw little-endian float64, row-major (NAME.f64). DIR/manifest.txt lists
 * `NAME KIND FILE TASKS WORKERS`. Each instance is solved --reps times (default 7); the
 * median wall time of the solver call (CLOCK_MONOTONIC) is printed as
 * `NAME ms MEDIAN cost COST matched N`.
 *
 * usage: bench_assign [--reps N] [--dir DIR] [--only NAME] */
#include "base/rand.h"
#include "dispatch/assign.h"

#include "base/clock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *name;  /* instance name, also the file name */
    int dense;         /* 1: dense n x n, 0: sparse */
    int32_t n_tasks;   /* tasks, or n for dense */
    int32_t n_workers; /* workers (sparse only) */
    int32_t k;         /* candidate workers per task (sparse only) */
    uint64_t seed;     /* generator seed */
} spec;

static const spec specs[] = {
    {"sparse_1000x100k_k50", 0, 1000, 100000, 50, 11},
    {"sparse_5000x200k_k50", 0, 5000, 200000, 50, 12},
    {"dense_2000", 1, 2000, 2000, 0, 13},
    {"sparse_5000x5000_k20", 0, 5000, 5000, 20, 14},
    {"sparse_20000x20000_k10", 0, 20000, 20000, 10, 15},
};

/* K distinct workers per task, the first one reserved for the task. */
static pw_assign_edge *make_sparse(const spec *s, size_t *n_edges)
{
    pw_rng r;
    pw_rng_seed(&r, s->seed);
    int32_t *reserved = malloc((size_t)s->n_workers * sizeof(*reserved));
    pw_assign_edge *edges = malloc((size_t)s->n_tasks * (size_t)s->k * sizeof(*edges));
    if (!reserved || !edges) {
        free(reserved);
        free(edges);
        return NULL;
    }
    for (int32_t w = 0; w < s->n_workers; w++)
        reserved[w] = w;
    for (int32_t t = 0; t < s->n_tasks; t++) { /* partial Fisher-Yates */
        int32_t pick = t + (int32_t)pw_rng_below(&r, (uint64_t)(s->n_workers - t));
        int32_t tmp = reserved[t];
        reserved[t] = reserved[pick];
        reserved[pick] = tmp;
    }
    size_t n = 0;
    for (int32_t t = 0; t < s->n_tasks; t++) {
        size_t first = n;
        for (int32_t c = 0; c < s->k; c++) {
            int32_t w = reserved[t];
            for (int again = c > 0; again;) {
                w = (int32_t)pw_rng_below(&r, (uint64_t)(s->n_workers));
                again = 0;
                for (size_t e = first; e < n; e++)
                    again |= edges[e].worker == w;
            }
            edges[n++] = (pw_assign_edge){t, w, (double)(1 + (int32_t)pw_rng_below(&r, (uint64_t)(1000000)))};
        }
    }
    free(reserved);
    *n_edges = n;
    return edges;
}

static double *make_dense(const spec *s)
{
    pw_rng r;
    pw_rng_seed(&r, s->seed);
    size_t n = (size_t)s->n_tasks * (size_t)s->n_tasks;
    double *cost = malloc(n * sizeof(*cost));
    for (size_t k = 0; cost && k < n; k++)
        cost[k] = (double)(int32_t)pw_rng_below(&r, (uint64_t)(1000000));
    return cost;
}

static int write_sparse(const char *path, const spec *s, const pw_assign_edge *edges, size_t n)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -errno;
    fprintf(f, "%d %d %zu\n", (int)s->n_tasks, (int)s->n_workers, n);
    for (size_t e = 0; e < n; e++)
        fprintf(f, "%d %d %.0f\n", (int)edges[e].task, (int)edges[e].worker, edges[e].cost);
    return fclose(f) == 0 ? 0 : -EIO;
}

static int write_dense(const char *path, const spec *s, const double *cost)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -errno;
    size_t n = (size_t)s->n_tasks * (size_t)s->n_tasks;
    size_t written = fwrite(cost, sizeof(*cost), n, f);
    return fclose(f) == 0 && written == n ? 0 : -EIO;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Generates, writes and times one instance; prints its line. Returns 0 or -1. */
static int run_spec(const spec *s, const char *dir, int reps, FILE *manifest)
{
    char path[4096];
    size_t n_edges = 0;
    pw_assign_edge *edges = s->dense ? NULL : make_sparse(s, &n_edges);
    double *dense = s->dense ? make_dense(s) : NULL;
    int32_t *out = malloc((size_t)s->n_tasks * sizeof(*out));
    double *ms = malloc((size_t)reps * sizeof(*ms));
    int result = -1;
    if ((!edges && !dense) || !out || !ms)
        goto out;
    snprintf(path, sizeof(path), "%s/%s.%s", dir, s->name, s->dense ? "f64" : "txt");
    if ((s->dense ? write_dense(path, s, dense) : write_sparse(path, s, edges, n_edges)) < 0) {
        fprintf(stderr, "bench_assign: cannot write %s\n", path);
        goto out;
    }
    fprintf(manifest, "%s %s %s %d %d\n", s->name, s->dense ? "dense" : "sparse", path, (int)s->n_tasks,
            (int)(s->dense ? s->n_tasks : s->n_workers));
    double total = 0;
    int32_t matched = s->n_tasks;
    for (int rep = 0; rep < reps; rep++) {
        int64_t start_ns = pw_monotonic_ns();
        int rc = s->dense ? pw_assign_solve_dense(s->n_tasks, dense, out, &total)
                          : pw_assign_solve_sparse(s->n_tasks, s->n_workers, edges, n_edges, out, &total, &matched);
        ms[rep] = (double)(pw_monotonic_ns() - start_ns) / 1e6;
        if (rc < 0) {
            fprintf(stderr, "bench_assign: %s: solver error %d\n", s->name, rc);
            goto out;
        }
    }
    qsort(ms, (size_t)reps, sizeof(*ms), compare_double);
    printf("%s ms %.3f cost %.0f matched %d\n", s->name, ms[reps / 2], total, (int)matched);
    fflush(stdout);
    result = 0;
out:
    free(edges);
    free(dense);
    free(out);
    free(ms);
    return result;
}

int main(int argc, char **argv)
{
    int reps = 7;
    const char *dir = "build/bench_assign_data", *only = NULL;
    for (int k = 1; k < argc; k++) {
        if (strcmp(argv[k], "--reps") == 0 && k + 1 < argc) {
            reps = atoi(argv[++k]);
        } else if (strcmp(argv[k], "--dir") == 0 && k + 1 < argc) {
            dir = argv[++k];
        } else if (strcmp(argv[k], "--only") == 0 && k + 1 < argc) {
            only = argv[++k];
        } else {
            fprintf(stderr, "usage: bench_assign [--reps N] [--dir DIR] [--only NAME]\n");
            return 2;
        }
    }
    if (reps < 1 || reps > 1000) {
        fprintf(stderr, "bench_assign: --reps must be in [1, 1000]\n");
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s/manifest.txt", dir);
    FILE *manifest = fopen(path, "w");
    if (!manifest) {
        fprintf(stderr, "bench_assign: cannot write %s: %s (create DIR first)\n", path, strerror(errno));
        return 1;
    }
    int failed = 0;
    for (size_t k = 0; k < sizeof(specs) / sizeof(specs[0]); k++)
        if (!only || strcmp(only, specs[k].name) == 0)
            failed |= run_spec(&specs[k], dir, reps, manifest) < 0;
    if (fclose(manifest) != 0)
        failed = 1;
    return failed;
}
