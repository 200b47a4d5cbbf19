/* test_tick.c — the market tick when one task fails (issue 12, defect 10), on a real
 * migrated SQLite database with the real market, ledger and dispatch engine:
 *   - a task whose settlement cannot apply (its escrow hold voided behind the market's
 *     back) is undone alone: in the same tick another task is auto-approved, one expires,
 *     a missed acknowledgement sends one back and the batch round assigns another;
 *   - the failed task is set aside: counted, skipped until its back-off ends, retried,
 *     set aside again for twice as long, and completed once its hold is repaired;
 *   - an assignment the database refuses is undone alone; the round's other assignment
 *     stands and the in-memory dispatch index still says what the database says;
 *   - a scan whose index is corrupt is counted and logged, not taken for its last row;
 *   - the set-aside table: back-off, its bound, and forgetting tasks that left the scans.
 *
 * Each tick runs as the writer runs the tick job (store/writer.c, an `alone` job):
 * BEGIN IMMEDIATE, pw_tasks_tick, COMMIT if it succeeded or ROLLBACK if not, then the
 * engine re-reads its dirty workers (the writer's after-batch hook in main.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/limits.h"
#include "base/roles.h"
#include "dispatch/engine.h"
#include "ledger/ledger.h"
#include "market/accounts.h"
#include "market/setaside.h"
#include "market/tasks.h"
#include "market/workers.h"
#include "store/migrate.h"

#include "market/market_fixture.h"

typedef market_fixture fixture;

/* ==== helpers ========================================================================= */

/* A remote money task of 10.00 EUR (held in escrow) in `category`, due `deadline_ms`. */
static int64_t post(fixture *f, const char *category, int64_t deadline_ms, int64_t now_ms)
{
    pw_new_task t = {.deadline_ms = deadline_ms};
    snprintf(t.title, sizeof(t.title), "Task in %s", category);
    snprintf(t.description, sizeof(t.description), "Something to do.");
    snprintf(t.category, sizeof(t.category), "%s", category);
    t.comp = (pw_compensation){.kind = PW_COMP_MONEY, .amount = {.amount = 1000, .asset = "EUR"}};
    int64_t id;
    pw_error err;
    assert_int_equal(pw_tasks_create(f->db, &f->policy, f->client, &t, now_ms, &id, &err), 0);
    return id;
}

static void act(fixture *f, int64_t task, int64_t user, int roles, pw_task_event event, int64_t now_ms)
{
    pw_error err;
    int rc = pw_tasks_act(f->db, &f->policy, task, user, roles, event, "done", now_ms, &err);
    if (rc != 0)
        print_error("%s: %s\n", pw_task_event_name(event), err.message);
    assert_int_equal(rc, 0);
}

/* Dispatched at once to `worker`, acknowledged and submitted: in review until the window closes. */
static int64_t submitted_task(fixture *f, const char *category, int64_t worker, int64_t now_ms)
{
    int64_t id = post(f, category, now_ms + 24 * HOUR_MS, now_ms);
    int64_t got = 0;
    assert_int_equal(pw_dispatching_task(f->db, &f->policy.dispatch, id, now_ms, &got), PW_OK);
    assert_true(got == worker);
    act(f, id, worker, PW_ROLE_WORKER, PW_EV_ACK, now_ms);
    act(f, id, worker, PW_ROLE_WORKER, PW_EV_SUBMIT, now_ms);
    return id;
}

static void assert_status(fixture *f, int64_t task, const char *want)
{
    pw_task_row t;
    assert_int_equal(pw_tasks_load(f->db, task, &t), 1);
    if (strcmp(pw_task_state_name(t.status), want) != 0)
        print_error("task %lld is %s, want %s\n", (long long)task, pw_task_state_name(t.status), want);
    assert_string_equal(pw_task_state_name(t.status), want);
}

static int64_t worker_of(fixture *f, int64_t task)
{
    pw_task_row t;
    assert_int_equal(pw_tasks_load(f->db, task, &t), 1);
    return t.worker_id;
}

/* Voids a task's escrow hold behind the market's back (the corrupt row of the issue): its
 * settlement or its void can no longer apply. repair_hold() puts it back. */
static void break_hold(fixture *f, int64_t task, const char *status)
{
    pw_stmt *st = pw_db_stmt(f->db, status[0] == 'v'
                                        ? "UPDATE ledger_transfers SET status = 'voided' WHERE id = (SELECT hold_id "
                                          "FROM tasks WHERE id = ?)"
                                        : "UPDATE ledger_transfers SET status = 'pending' WHERE id = (SELECT hold_id "
                                          "FROM tasks WHERE id = ?)");
    pw_stmt_int64(st, 1, task);
    assert_int_equal(pw_stmt_run(st), PW_OK);
    assert_int_equal(pw_db_changes(f->db), 1);
}
#define repair_hold(f, task) break_hold(f, task, "pending")

/* One tick as the writer runs the tick job. Returns pw_tasks_tick's result. */
static int tick(fixture *f, int64_t now_ms, pw_tick_report *r)
{
    exec_ok(f->db, "BEGIN IMMEDIATE");
    pw_engine_round_now(f->policy.dispatch.engine);
    int rc = pw_tasks_tick(f->db, &f->policy, now_ms, r);
    exec_ok(f->db, rc == PW_OK ? "COMMIT" : "ROLLBACK");
    assert_int_equal(pw_dispatching_refresh(f->db, f->policy.dispatch.engine, now_ms), PW_OK);
    return rc;
}

/* Local and remote tasks the index thinks `worker` holds, against the database. */
static void assert_index_matches_db(fixture *f, int64_t worker)
{
    pw_index *ix = pw_engine_index(f->policy.dispatch.engine);
    int32_t slot = pw_index_find(ix, worker);
    assert_true(slot >= 0);
    const pw_index_hot *h = pw_index_hot_slot(ix, slot);
    int64_t held = query_int(f->db,
                             "SELECT count(*) FROM tasks WHERE worker_id = ? AND status IN ('assigned', "
                             "'in_progress')",
                             worker);
    assert_int_equal(pw_hot_busy_local(h), 0); /* every task here is remote */
    assert_int_equal(pw_hot_busy_remote(h), held);
}

/* ==== fixture ========================================================================== */

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    market_fixture_open(f, "tick");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    pw_setaside_free(f->policy.dispatch.setaside); /* NULL unless setup_setaside made one */
    market_fixture_close(f);
    free(f);
    return 0;
}

/* The fixture with a set-aside registry on the policy, as the server runs the tick. */
static int setup_setaside(void **state)
{
    setup(state);
    fixture *f = *state;
    assert_int_equal(pw_setaside_new(&f->policy.dispatch.setaside), PW_OK);
    return 0;
}

/* ==== one failing task does not stop the others ============================================= */

/* Written against the API the tick had before set-aside existed (no registry: the policy's
 * defaults), so it runs on the old code too — where the whole tick rolled back. */
static void test_failing_task_does_not_stop_the_tick(void **state)
{
    fixture *f = *state;
    int64_t reviewer = make_worker(f, "reviewed"), waiter = make_worker(f, "waiting"),
            sleeper = make_worker(f, "sleepy");
    int64_t broken = submitted_task(f, "reviewed", reviewer, T0);      /* its settlement cannot apply */
    int64_t fine = submitted_task(f, "reviewed", reviewer, T0 + 1000); /* auto-approved in the tick */
    int64_t lapsed = post(f, "nobody-does-this", T0 + HOUR_MS, T0);    /* expires in the tick */
    int64_t unacked = post(f, "sleepy", T0 + 24 * HOUR_MS, T0);
    int64_t got = 0;
    assert_int_equal(pw_dispatching_task(f->db, &f->policy.dispatch, unacked, T0, &got), PW_OK);
    assert_true(got == sleeper); /* never acknowledged */
    break_hold(f, broken, "voided");
    exec_ok(f->db, "COMMIT");
    int64_t later = T0 + REVIEW_WINDOW_S * 1000LL + MINUTE_MS;
    exec_ok(f->db, "BEGIN IMMEDIATE");
    int64_t waiting = post(f, "waiting", T0 + 24 * HOUR_MS, later - MINUTE_MS); /* for the round */
    exec_ok(f->db, "COMMIT");

    pw_tick_report r;
    assert_int_equal(tick(f, later, &r), PW_OK);
    assert_status(f, broken, "submitted"); /* undone alone: still in review */
    assert_status(f, fine, "completed");
    assert_status(f, lapsed, "expired");
    assert_status(f, unacked, "dispatching"); /* the missed ack sent it back */
    assert_status(f, waiting, "assigned");
    assert_true(worker_of(f, waiting) == waiter);
    assert_int_equal(r.auto_approved, 1);
    assert_int_equal(r.expired, 1);
    assert_int_equal(r.acks_missed, 1);
    assert_int_equal(r.assigned, 1);
    assert_int_equal(query_int(f->db, "SELECT active FROM worker_profiles WHERE user_id = ?", sleeper), 0);
    /* the good task's money moved: the worker was paid 10.00 less the 10 % fee */
    assert_int_equal(market_wallet(f->db, reviewer), 900);
    /* the broken task's side effects were all undone: no completion, no timeline entry */
    assert_int_equal(query_int(f->db, "SELECT completed_count FROM worker_profiles WHERE user_id = ?", reviewer), 1);
    assert_int_equal(query_int(f->db,
                               "SELECT count(*) FROM task_events WHERE task_id = ? AND event = "
                               "'auto_approve'",
                               broken),
                     0);
    assert_index_matches_db(f, reviewer);
    assert_index_matches_db(f, waiter);
}

/* ==== set aside, backed off, retried, recovered ============================================= */

static void test_failed_task_is_set_aside_and_retried(void **state)
{
    fixture *f = *state;
    pw_setaside_stats *stats = pw_setaside_get_stats(f->policy.dispatch.setaside);
    int64_t worker = make_worker(f, "reviewed");
    int64_t broken = submitted_task(f, "reviewed", worker, T0);
    int64_t fine = submitted_task(f, "reviewed", worker, T0);
    break_hold(f, broken, "voided");
    exec_ok(f->db, "COMMIT");

    int64_t t1 = T0 + REVIEW_WINDOW_S * 1000LL;
    pw_tick_report r;
    assert_int_equal(tick(f, t1, &r), PW_OK);
    assert_int_equal(r.failed, 1);
    assert_int_equal(r.auto_approved, 1);
    assert_status(f, fine, "completed");
    assert_status(f, broken, "submitted");
    assert_int_equal(atomic_load(&stats->failures[PW_TICK_AUTO_APPROVE]), 1);
    assert_int_equal(atomic_load(&stats->held), 1);
    assert_true(pw_setaside_waiting(f->policy.dispatch.setaside, broken, PW_TICK_AUTO_APPROVE, t1));

    /* within the back-off the task is not tried at all */
    assert_int_equal(tick(f, t1 + PW_TICK_RETRY_BASE_MS - 1, &r), PW_OK);
    assert_int_equal(r.failed, 0);
    assert_int_equal(atomic_load(&stats->failures[PW_TICK_AUTO_APPROVE]), 1);

    /* then it is, fails again, and waits twice as long */
    int64_t t2 = t1 + PW_TICK_RETRY_BASE_MS;
    assert_int_equal(tick(f, t2, &r), PW_OK);
    assert_int_equal(r.failed, 1);
    assert_int_equal(atomic_load(&stats->failures[PW_TICK_AUTO_APPROVE]), 2);
    assert_int_equal(atomic_load(&stats->held), 1);
    exec_ok(f->db, "BEGIN IMMEDIATE");
    repair_hold(f, broken);
    exec_ok(f->db, "COMMIT");
    assert_int_equal(tick(f, t2 + 2 * PW_TICK_RETRY_BASE_MS - 1, &r), PW_OK);
    assert_status(f, broken, "submitted");

    /* repaired, its retry succeeds and it is forgotten */
    assert_int_equal(tick(f, t2 + 2 * PW_TICK_RETRY_BASE_MS, &r), PW_OK);
    assert_int_equal(r.failed, 0);
    assert_int_equal(r.auto_approved, 1);
    assert_status(f, broken, "completed");
    assert_int_equal(atomic_load(&stats->recovered), 1);
    assert_int_equal(atomic_load(&stats->held), 0);
    assert_int_equal(pw_setaside_count(f->policy.dispatch.setaside), 0);
    assert_int_equal(market_wallet(f->db, worker), 1800);
    pw_ledger_report lr;
    assert_int_equal(pw_ledger_verify(f->db, &lr), PW_OK);
    assert_int_equal(lr.failures, 0);
}

/* ==== an assignment the database refuses ===================================================== */

static void test_failed_assignment_keeps_the_index_true(void **state)
{
    fixture *f = *state;
    pw_setaside_stats *stats = pw_setaside_get_stats(f->policy.dispatch.setaside);
    int64_t refused_worker = make_worker(f, "refused"), other_worker = make_worker(f, "accepted");
    int64_t refused = post(f, "refused", T0 + 24 * HOUR_MS, T0);
    int64_t accepted = post(f, "accepted", T0 + 24 * HOUR_MS, T0);
    char sql[200];
    snprintf(sql, sizeof(sql),
             "CREATE TRIGGER refuse BEFORE INSERT ON task_assignments WHEN NEW.task_id = %lld "
             "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
             (long long)refused);
    exec_ok(f->db, sql);
    exec_ok(f->db, "COMMIT");

    pw_tick_report r;
    assert_int_equal(tick(f, T0 + MINUTE_MS, &r), PW_OK);
    assert_int_equal(r.assigned, 1);
    assert_int_equal(r.failed, 1);
    assert_status(f, accepted, "assigned");
    assert_true(worker_of(f, accepted) == other_worker);
    assert_status(f, refused, "dispatching");
    assert_int_equal(atomic_load(&stats->failures[PW_TICK_DISPATCH_ASSIGN]), 1);
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM task_assignments WHERE task_id = ?", refused), 0);
    assert_index_matches_db(f, refused_worker); /* free in the index as in the database */
    assert_index_matches_db(f, other_worker);

    /* nor does urgent dispatch try it during its back-off */
    exec_ok(f->db, "BEGIN IMMEDIATE");
    int64_t got = -1;
    assert_int_equal(pw_dispatching_task(f->db, &f->policy.dispatch, refused, T0 + MINUTE_MS + 1000, &got), PW_OK);
    assert_true(got == 0);
    exec_ok(f->db, "DROP TRIGGER refuse");
    exec_ok(f->db, "COMMIT");
    assert_int_equal(tick(f, T0 + MINUTE_MS + PW_TICK_RETRY_BASE_MS, &r), PW_OK);
    assert_status(f, refused, "assigned");
    assert_true(worker_of(f, refused) == refused_worker);
    assert_index_matches_db(f, refused_worker);
    assert_int_equal(atomic_load(&stats->recovered), 1);
}

/* ==== a scan that fails ====================================================================== */

/* Overwrites the root page of index `name` with garbage (the connection closed, so the
 * WAL is checkpointed into the file first), and reopens. */
static void corrupt_index(fixture *f, const char *name)
{
    pw_stmt *st = pw_db_stmt(f->db, "SELECT rootpage FROM sqlite_schema WHERE name = ?");
    pw_stmt_text(st, 1, name);
    assert_int_equal(pw_stmt_step(st), PW_ROW);
    int64_t root = pw_stmt_column_int64(st, 0);
    pw_stmt_done(st);
    int64_t page_size = query_int(f->db, "SELECT ? + page_size FROM pragma_page_size", 0);
    pw_db_close(f->db);
    FILE *file = fopen(f->path, "r+b");
    assert_non_null(file);
    assert_int_equal(fseek(file, (long)((root - 1) * page_size), SEEK_SET), 0);
    for (int64_t i = 0; i < page_size; i++)
        fputc(0x5a, file);
    fclose(file);
    assert_int_equal(pw_db_open(f->path, 0, &f->db), PW_OK);
}

/* A corrupt index makes the review scan's step fail: SQLite then refuses this
 * connection's writes too, so all this shows is that the failure is seen, logged and
 * counted — not taken for "no task is due" — and that the tick still returns. */
static void test_failed_scan_is_counted(void **state)
{
    fixture *f = *state;
    pw_setaside_stats *stats = pw_setaside_get_stats(f->policy.dispatch.setaside);
    int64_t worker = make_worker(f, "reviewed");
    int64_t task = submitted_task(f, "reviewed", worker, T0);
    exec_ok(f->db, "COMMIT");
    corrupt_index(f, "tasks_review_due");

    pw_tick_report r;
    exec_ok(f->db, "BEGIN IMMEDIATE");
    int rc = pw_tasks_tick(f->db, &f->policy, T0 + REVIEW_WINDOW_S * 1000LL + MINUTE_MS, &r);
    exec_ok(f->db, "ROLLBACK");
    assert_int_equal(rc, PW_OK); /* the transaction was still open */
    assert_int_equal(atomic_load(&stats->scan_failures[PW_TICK_SCAN_REVIEWS_DUE]), 1);
    assert_int_equal(atomic_load(&stats->scan_failures[PW_TICK_SCAN_ACKS_DUE]), 0);
    assert_int_equal(r.auto_approved, 0);
    assert_status(f, task, "submitted");
}

/* ==== the table ============================================================================== */

static void test_setaside_table(void **state)
{
    fixture *f = *state;
    assert_int_equal(pw_setaside_backoff_ms(1), PW_TICK_RETRY_BASE_MS);
    assert_int_equal(pw_setaside_backoff_ms(2), 2 * PW_TICK_RETRY_BASE_MS);
    assert_int_equal(pw_setaside_backoff_ms(3), 4 * PW_TICK_RETRY_BASE_MS);
    assert_int_equal(pw_setaside_backoff_ms(1000), PW_TICK_RETRY_MAX_MS);
    for (int k = 1; k < 64; k++)
        assert_true(pw_setaside_backoff_ms(k + 1) >= pw_setaside_backoff_ms(k));

    pw_setaside *s;
    assert_int_equal(pw_setaside_new(&s), PW_OK);
    pw_setaside_stats *stats = pw_setaside_get_stats(s);
    pw_error err;
    pw_error_set(&err, 409, "invalid_state", NULL, "a \"quoted\"\nmessage");
    for (int64_t id = 1; id <= PW_TICK_SET_ASIDE_MAX; id++)
        assert_int_equal(pw_setaside_fail(f->db, s, id, PW_TICK_EXPIRE, PW_EREFUSED, &err, T0), PW_OK);
    assert_int_equal(pw_setaside_count(s), PW_TICK_SET_ASIDE_MAX);
    /* full: the next one is counted but not remembered (tried again the next tick) */
    assert_int_equal(pw_setaside_fail(f->db, s, 100000, PW_TICK_EXPIRE, PW_EREFUSED, &err, T0), PW_OK);
    assert_int_equal(pw_setaside_count(s), PW_TICK_SET_ASIDE_MAX);
    assert_int_equal(atomic_load(&stats->unremembered), 1);
    assert_int_equal(atomic_load(&stats->failures[PW_TICK_EXPIRE]), PW_TICK_SET_ASIDE_MAX + 1);
    assert_false(pw_setaside_waiting(s, 100000, PW_TICK_EXPIRE, T0));
    assert_true(pw_setaside_waiting(s, 7, PW_TICK_EXPIRE, T0 + PW_TICK_RETRY_BASE_MS - 1));
    assert_true(pw_setaside_waiting(s, 7, PW_TICK_DISPATCH_ASSIGN, T0)); /* not assigned past its deadline */
    assert_false(pw_setaside_waiting(s, 7, PW_TICK_EXPIRE, T0 + PW_TICK_RETRY_BASE_MS));
    /* one fails again: it is kept longer than the rest, which are forgotten once their
     * retry has been due for the longest back-off without their coming up */
    assert_int_equal(pw_setaside_fail(f->db, s, 7, PW_TICK_EXPIRE, PW_EREFUSED, &err, T0 + PW_TICK_RETRY_BASE_MS),
                     PW_OK);
    pw_setaside_sweep(s, T0 + PW_TICK_RETRY_BASE_MS + PW_TICK_RETRY_MAX_MS);
    assert_int_equal(pw_setaside_count(s), 1);
    assert_int_equal(atomic_load(&stats->held), 1);
    assert_true(pw_setaside_waiting(s, 7, PW_TICK_EXPIRE, T0 + 2 * PW_TICK_RETRY_BASE_MS));
    pw_setaside_sweep(s, T0 + 10 * PW_TICK_RETRY_MAX_MS);
    assert_int_equal(pw_setaside_count(s), 0);
    assert_int_equal(pw_setaside_fail(f->db, s, 8, PW_TICK_DISPATCH_ASSIGN, PW_EREFUSED, &err, T0), PW_OK);
    assert_true(pw_setaside_waiting(s, 8, PW_TICK_DISPATCH_LOAD, T0));
    assert_false(pw_setaside_waiting(s, 8, PW_TICK_EXPIRE, T0)); /* but one unassignable still expires */
    pw_setaside_free(s);
    pw_setaside_free(NULL);
    assert_false(pw_setaside_waiting(NULL, 7, PW_TICK_EXPIRE, T0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_failing_task_does_not_stop_the_tick, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_task_is_set_aside_and_retried, setup_setaside, teardown),
        cmocka_unit_test_setup_teardown(test_failed_assignment_keeps_the_index_true, setup_setaside, teardown),
        cmocka_unit_test_setup_teardown(test_failed_scan_is_counted, setup_setaside, teardown),
        cmocka_unit_test_setup_teardown(test_setaside_table, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
