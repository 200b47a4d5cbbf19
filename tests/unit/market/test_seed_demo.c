/* test_seed_demo.c — `peerwork seed --demo` (src/market/seed.c) and the ranged series
 * reads (src/market/series.c) on what it makes:
 *   - the demo seeds a new file (--seed 3, a fixed --now), its ledger verifies, and a second
 *     seed into the same file is refused (it has users);
 *   - every one of its six weeks has tasks posted and completed, fees and the pool's share;
 *   - pw_series_load, which reads only the range, gives exactly what folding the whole
 *     history gives (every task, event and transfer, unranged), for 60 windows drawn at
 *     random over the six weeks and around them: ends in the past, tasks open across
 *     `from`, steps from 15 minutes to a week. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/clock.h"
#include "base/error.h"
#include "base/rand.h"
#include "ledger/ledger.h"
#include "market/seed.h"
#include "market/series.h"
#include "store/db.h"

#define DAY_MS (86400 * 1000LL)
#define NOW    "2026-11-30T12:00:00Z"

static char dir[] = "/tmp/test_seed_demo_XXXXXX", path[80];
static pw_db *db;
static int64_t now_ms;

static int seed_into(const char *file)
{
    char *argv[] = {"seed", "--demo", "--seed", "3", "--now", NOW, "--db", (char *)file, NULL};
    return pw_cmd_seed(8, argv);
}

static int setup(void **state)
{
    (void)state;
    if (mkdtemp(dir) == NULL)
        return -1; /* not a status: cmocka's failure */
    snprintf(path, sizeof(path), "%s/demo.db", dir);
    if (seed_into(path) != 0 || pw_db_open(path, PW_DB_READONLY, &db) != PW_OK)
        return -1;                                                /* not a status */
    return pw_time_parse_rfc3339(NOW, &now_ms) == PW_OK ? 0 : -1; /* not a status */
}

static int teardown(void **state)
{
    (void)state;
    pw_db_close(db);
    char f[96];
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(f, sizeof(f), "%s%s", path, suffixes[i]);
        unlink(f);
    }
    rmdir(dir);
    return 0;
}

static void ledger_verifies_and_a_second_seed_is_refused(void **state)
{
    (void)state;
    pw_ledger_report r;
    assert_int_equal(pw_ledger_verify(db, &r), PW_OK);
    assert_int_equal(r.failures, 0);
    assert_true(r.transfers > 500);
    assert_int_equal(seed_into(path), 1);
}

static void every_week_has_work_and_money(void **state)
{
    (void)state;
    pw_series s;
    assert_int_equal(pw_series_init(&s, now_ms - 42 * DAY_MS, 7 * 86400, 6), PW_OK);
    assert_int_equal(pw_series_load(db, &s, "EUR"), PW_OK);
    for (int i = 0; i < 6; i++) {
        assert_true(s.created[i] > 0);
        assert_true(s.events[PW_SERIES_COMPLETED][i] > 0);
        assert_true(s.money[PW_SERIES_FEES][i] > 0);
        assert_true(s.money[PW_SERIES_POOL][i] > 0);
        assert_true(s.active_workers[i] > 0);
    }
    pw_series_free(&s);
}

/* The reference: the whole history, no range in any query; the folding drops what is
 * outside the buckets. */
static void fold_everything(pw_series *s)
{
    pw_stmt *st = pw_db_stmt(db, "SELECT t.created_at, "
                                 "(SELECT MIN(at) FROM task_events e WHERE e.task_id = t.id AND e.event = 'assigned'), "
                                 "(SELECT MIN(at) FROM task_events e WHERE e.task_id = t.id AND e.to_status IN "
                                 "('completed', 'resolved', 'cancelled', 'expired')) FROM tasks t");
    while (pw_stmt_step(st) == PW_ROW)
        assert_int_equal(pw_series_add_task(s, pw_stmt_column_int64(st, 0),
                                            pw_stmt_column_is_null(st, 1) ? 0 : pw_stmt_column_int64(st, 1),
                                            pw_stmt_column_is_null(st, 2) ? 0 : pw_stmt_column_int64(st, 2)),
                         PW_OK);
    pw_stmt_done(st);
    st = pw_db_stmt(db, "SELECT at, event, to_status FROM task_events");
    while (pw_stmt_step(st) == PW_ROW)
        pw_series_add_timeline(s, pw_stmt_column_text(st, 1), pw_stmt_column_text(st, 2), pw_stmt_column_int64(st, 0));
    pw_stmt_done(st);
    st = pw_db_stmt(db, "SELECT worker_id, at FROM task_events WHERE worker_id IS NOT NULL ORDER BY worker_id");
    while (pw_stmt_step(st) == PW_ROW)
        pw_series_add_worker(s, pw_stmt_column_int64(st, 0), pw_stmt_column_int64(st, 1));
    pw_stmt_done(st);
    st = pw_db_stmt(db, "SELECT kind, created_at, amount FROM ledger_transfers WHERE status = 'posted' "
                        "AND asset = 'EUR' AND kind IN ('release', 'fee', 'pool_share')");
    while (pw_stmt_step(st) == PW_ROW)
        pw_series_add_transfer(s, pw_stmt_column_text(st, 0), pw_stmt_column_int64(st, 1), pw_stmt_column_int64(st, 2));
    pw_stmt_done(st);
    pw_series_finish(s);
}

static char *as_text(const pw_series *s)
{
    json_t *j = pw_series_json(s);
    char *text = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
    json_decref(j);
    return text;
}

static void ranged_reads_equal_the_whole_history_folded(void **state)
{
    (void)state;
    static const int64_t steps_s[] = {900, 3600, 6 * 3600, 86400, 7 * 86400};
    pw_rng r;
    pw_rng_seed(&r, 11);
    for (int i = 0; i < 60; i++) {
        int64_t step_s = steps_s[pw_rng_below(&r, 5)];
        int64_t from = now_ms - 44 * DAY_MS + pw_rng_range(&r, 0, 46 * DAY_MS);
        int64_t points = pw_rng_range(&r, 1, 200);
        pw_series ranged, whole;
        assert_int_equal(pw_series_init(&ranged, from, step_s, (int)points), PW_OK);
        assert_int_equal(pw_series_init(&whole, from, step_s, (int)points), PW_OK);
        assert_int_equal(pw_series_load(db, &ranged, "EUR"), PW_OK);
        fold_everything(&whole);
        char *a = as_text(&ranged), *b = as_text(&whole);
        assert_string_equal(a, b);
        free(a);
        free(b);
        pw_series_free(&ranged);
        pw_series_free(&whole);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ledger_verifies_and_a_second_seed_is_refused),
        cmocka_unit_test(every_week_has_work_and_money),
        cmocka_unit_test(ranged_reads_equal_the_whole_history_folded),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
