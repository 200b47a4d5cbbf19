/* bench_series.c — GET /admin/metrics/series' database work (pw_series_load) on the
 * six-week demo database, against the anchor of the same figures read the way they were
 * before migration 0010: every task joined with all its events, and the events and the
 * transfers found by scanning their tables (NOT INDEXED), measured in the same process.
 *
 *   build:   `peerwork seed --demo --seed 1` into a temporary file (its wall time is printed:
 *            the demo's "under 10 s");
 *   windows: the admin dashboard's six weeks by day, the last week by hour, the last day by
 *            15 minutes; for each the median of REPS loads, ranged and anchor alternated,
 *            and the two answers must be the same JSON (else the benchmark fails).
 *
 * Usage: bench_series [REPS]  (default 200). Prints one line per window and the ratios. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/error.h"
#include "market/seed.h"
#include "market/series.h"
#include "store/db.h"

#define FINAL "('completed', 'resolved', 'cancelled', 'expired')"

/* ---- the anchor: the queries as they were before 0010 ----------------------------------------- */

static int anchor_load(pw_db *db, pw_series *s)
{
    int64_t end_ms = s->from_ms + (int64_t)s->n * s->step_ms;
    pw_stmt *st = pw_db_stmt(db, "SELECT t.created_at, MIN(CASE WHEN e.event = 'assigned' THEN e.at END), "
                                 "MIN(CASE WHEN e.to_status IN " FINAL " THEN e.at END) "
                                 "FROM tasks t NOT INDEXED LEFT JOIN task_events e ON e.task_id = t.id "
                                 "WHERE t.created_at < ? GROUP BY t.id, t.created_at");
    pw_stmt_int64(st, 1, end_ms);
    while (pw_stmt_step(st) == PW_ROW)
        pw_series_add_task(s, pw_stmt_column_int64(st, 0),
                           pw_stmt_column_is_null(st, 1) ? 0 : pw_stmt_column_int64(st, 1),
                           pw_stmt_column_is_null(st, 2) ? 0 : pw_stmt_column_int64(st, 2));
    pw_stmt_done(st);
    st = pw_db_stmt(db, "SELECT at, event, to_status FROM task_events NOT INDEXED WHERE at >= ? AND at < ? "
                        "AND (event IN ('assigned', 'cancelled', 'expired', 'disputed') OR to_status = 'completed')");
    pw_stmt_int64(st, 1, s->from_ms);
    pw_stmt_int64(st, 2, end_ms);
    while (pw_stmt_step(st) == PW_ROW)
        pw_series_add_timeline(s, pw_stmt_column_text(st, 1), pw_stmt_column_text(st, 2), pw_stmt_column_int64(st, 0));
    pw_stmt_done(st);
    st = pw_db_stmt(db, "SELECT worker_id, at FROM task_events NOT INDEXED WHERE worker_id IS NOT NULL "
                        "AND at >= ? AND at < ? ORDER BY worker_id");
    pw_stmt_int64(st, 1, s->from_ms);
    pw_stmt_int64(st, 2, end_ms);
    while (pw_stmt_step(st) == PW_ROW)
        pw_series_add_worker(s, pw_stmt_column_int64(st, 0), pw_stmt_column_int64(st, 1));
    pw_stmt_done(st);
    st = pw_db_stmt(db, "SELECT kind, created_at, amount FROM ledger_transfers NOT INDEXED WHERE status = 'posted' "
                        "AND kind IN ('release', 'fee', 'pool_share') AND asset = 'EUR' "
                        "AND created_at >= ? AND created_at < ?");
    pw_stmt_int64(st, 1, s->from_ms);
    pw_stmt_int64(st, 2, end_ms);
    while (pw_stmt_step(st) == PW_ROW)
        pw_series_add_transfer(s, pw_stmt_column_text(st, 0), pw_stmt_column_int64(st, 1), pw_stmt_column_int64(st, 2));
    pw_stmt_done(st);
    pw_series_finish(s);
    return PW_OK;
}

/* ---- timing ----------------------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* One load (ranged or anchor) into a fresh series; its JSON text in *json_out (caller frees). */
static double once(pw_db *db, int anchor, int64_t from_ms, int64_t step_s, int n, char **json_out)
{
    pw_series s;
    if (pw_series_init(&s, from_ms, step_s, n) != PW_OK)
        exit(1);
    int64_t t0 = pw_monotonic_ns();
    int rc = anchor ? anchor_load(db, &s) : pw_series_load(db, &s, "EUR");
    double us = (double)(pw_monotonic_ns() - t0) / 1e3;
    if (rc != PW_OK)
        exit(1);
    if (json_out != NULL) {
        json_t *j = pw_series_json(&s);
        *json_out = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
        json_decref(j);
    }
    pw_series_free(&s);
    return us;
}

static int window(pw_db *db, const char *name, int64_t from_ms, int64_t to_ms, int64_t step_s, int reps)
{
    int n = (int)pw_series_points(from_ms, to_ms, step_s);
    char *ranged = NULL, *anchor = NULL;
    once(db, 0, from_ms, step_s, n, &ranged);
    once(db, 1, from_ms, step_s, n, &anchor);
    int same = strcmp(ranged, anchor) == 0;
    free(ranged);
    free(anchor);
    if (!same) {
        fprintf(stderr, "bench_series: %s: the ranged load and the anchor disagree\n", name);
        return 1;
    }
    double *a = calloc((size_t)reps, sizeof(double)), *b = calloc((size_t)reps, sizeof(double));
    for (int i = 0; i < reps; i++) {
        a[i] = once(db, 0, from_ms, step_s, n, NULL);
        b[i] = once(db, 1, from_ms, step_s, n, NULL);
    }
    qsort(a, (size_t)reps, sizeof(double), cmp_double);
    qsort(b, (size_t)reps, sizeof(double), cmp_double);
    printf(
        "%-22s %4d points  ranged %8.1f us  anchor (full scans) %8.1f us  ratio anchor/ranged %5.2f  (same answer)\n",
        name, n, a[reps / 2], b[reps / 2], b[reps / 2] / a[reps / 2]);
    free(a);
    free(b);
    return 0;
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 200;
    if (reps < 1)
        reps = 1;
    char dir[] = "/tmp/bench_series_XXXXXX", path[64];
    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(path, sizeof(path), "%s/demo.db", dir);
    char *seed_argv[] = {"seed", "--demo", "--seed", "1", "--db", path, NULL};
    int64_t t0 = pw_monotonic_ns();
    int rc = pw_cmd_seed(6, seed_argv); /* says what it made on stdout */
    double seed_s = (double)(pw_monotonic_ns() - t0) / 1e9;
    if (rc != 0)
        return 1;
    pw_db *db;
    if (pw_db_open(path, PW_DB_READONLY, &db) != PW_OK)
        return 1;
    pw_stmt *st = pw_db_stmt(db, "SELECT (SELECT count(*) FROM tasks), (SELECT count(*) FROM task_events), "
                                 "(SELECT count(*) FROM ledger_transfers), (SELECT max(at) FROM task_events)");
    int64_t tasks = 0, events = 0, transfers = 0, now_ms = 0;
    if (pw_stmt_step(st) == PW_ROW) {
        tasks = pw_stmt_column_int64(st, 0);
        events = pw_stmt_column_int64(st, 1);
        transfers = pw_stmt_column_int64(st, 2);
        now_ms = pw_stmt_column_int64(st, 3) + 1;
    }
    pw_stmt_done(st);
    printf("demo (seed 1): %lld tasks, %lld timeline events, %lld transfers; seeded in %.2f s\n", (long long)tasks,
           (long long)events, (long long)transfers, seed_s);
    int64_t day = 86400 * 1000LL;
    int fail = window(db, "six weeks by day", now_ms - 42 * day, now_ms, 86400, reps);
    fail |= window(db, "last week by hour", now_ms - 7 * day, now_ms, 3600, reps);
    fail |= window(db, "last day by 15 min", now_ms - day, now_ms, 900, reps);
    pw_db_close(db);
    unlink(path);
    char wal[80];
    snprintf(wal, sizeof(wal), "%s-wal", path);
    unlink(wal);
    snprintf(wal, sizeof(wal), "%s-shm", path);
    unlink(wal);
    rmdir(dir);
    return fail;
}
