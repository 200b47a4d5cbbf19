/* test_task_actions.c — the lifecycle actions of market/task_actions.c, driven directly
 * (no HTTP) on a real migrated SQLite database with the real ledger and dispatch engine.
 *
 * Each test gets a fresh database in /tmp, one client with 1000.00 EUR deposited, one
 * active remote worker, an admin and a stranger; everything runs in one BEGIN/COMMIT as
 * the writer would. The market policy is the shipped default fee rule: 10 % fee
 * (fee_bps 1000) of which 20 % goes to the workers' pool (pool_share_bps 2000), rounded
 * down (pw_ledger_fee_split), so a 10.00 EUR task pays the worker 9.00, the fee account
 * keeps 0.80 and the pool gets 0.20 (the happy path uses 123.45 EUR, where each share is
 * rounded).
 *
 * Covered, with exact expectations: the happy path (escrow held at create, posted at
 * approval, shares paid, the timeline in order); every refusal — the wrong actor (403, or
 * 404 for a stranger) and the wrong state (409) — leaving the database as it was
 * (a fingerprint of every row the actions touch, and the task row, compared before and
 * after); release and cancel; dispute resolved by release, refund and a 50 % split of an
 * odd amount (the rounding); and the timers (missed ack, auto-approval, expiry). After
 * each test the ledger verifier passes on its database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/roles.h"
#include "dispatch/engine.h"
#include "ledger/ledger.h"
#include "market/accounts.h"
#include "market/tasks.h"
#include "market/workers.h"
#include "store/migrate.h"

#include "market_fixture.h"

#define DEPOSIT     MARKET_FIXTURE_DEPOSIT /* the client's 1000.00 EUR */
#define PRICE       1000                   /* a task's 10.00 EUR */
#define HAPPY_PRICE 12345                  /* 123.45 EUR: every share of it is rounded */

typedef struct fixture {
    market_fixture m; /* first: the database, policy, engine and client */
    pw_db *db;        /* m.db */
    int64_t client, worker, admin, stranger;
} fixture;

/* ==== helpers ========================================================================= */

static void query_text(pw_db *db, const char *sql, int64_t a, char *out, size_t size)
{
    pw_stmt *st = pw_db_stmt(db, sql);
    assert_non_null(st);
    if (strchr(sql, '?') != NULL) /* a bind past the last parameter fails the step */
        pw_stmt_int64(st, 1, a);
    assert_int_equal(pw_stmt_step(st), PW_ROW);
    snprintf(out, size, "%s", pw_stmt_column_is_null(st, 0) ? "NULL" : pw_stmt_column_text(st, 0));
    pw_stmt_done(st);
}

/* A user's EUR wallet balance and held (0 if the wallet does not exist yet). */
static int64_t wallet(fixture *f, int64_t user) { return market_wallet(f->db, user); }

static int64_t held(fixture *f, int64_t user) { return market_held(f->db, user); }

/* A platform account's EUR balance: "escrow", "fees" or "pool". */
static int64_t platform(fixture *f, const char *kind)
{
    pw_stmt *st = pw_db_stmt(f->db, "SELECT coalesce(sum(balance), 0) FROM ledger_accounts WHERE owner_user_id IS "
                                    "NULL AND kind = ? AND asset = 'EUR'");
    pw_stmt_text(st, 1, kind);
    assert_int_equal(pw_stmt_step(st), PW_ROW);
    int64_t v = pw_stmt_column_int64(st, 0);
    pw_stmt_done(st);
    return v;
}

/* After a task settled: the worker's wallet, the fee account (the fee less the pool's
 * part), the pool and the client's wallet; the escrow empty and nothing held. */
static void assert_settled(fixture *f, int64_t worker, int64_t fees, int64_t pool, int64_t client)
{
    assert_int_equal(wallet(f, f->worker), worker);
    assert_int_equal(platform(f, "fees"), fees);
    assert_int_equal(platform(f, "pool"), pool);
    assert_int_equal(platform(f, "escrow"), 0);
    assert_int_equal(wallet(f, f->client), client);
    assert_int_equal(held(f, f->client), 0);
}

/* A remote money task of `amount` EUR cents in `category`, due in 24 h, posted at T0. */
static int64_t post_in(fixture *f, const char *category, int64_t amount)
{
    pw_new_task t = {.deadline_ms = T0 + 24 * HOUR_MS};
    snprintf(t.title, sizeof(t.title), "Fix the sink");
    snprintf(t.description, sizeof(t.description), "It drips.");
    snprintf(t.category, sizeof(t.category), "%s", category);
    t.comp = (pw_compensation){.kind = PW_COMP_MONEY, .amount = {.amount = amount, .asset = "EUR"}};
    int64_t id;
    pw_error err;
    assert_int_equal(pw_tasks_create(f->db, &f->m.policy, f->client, &t, T0, &id, &err), 0);
    return id;
}
#define post(f) post_in(f, "plumbing", PRICE)

static pw_task_row load(fixture *f, int64_t task)
{
    pw_task_row t;
    assert_int_equal(pw_tasks_load(f->db, task, &t), 1);
    return t;
}

/* Applies the dispatcher's decision "task -> worker" at `now_ms`. */
static void assign(fixture *f, int64_t task, int64_t worker, int64_t now_ms)
{
    pw_task_row t = load(f, task);
    json_t *why = json_pack("{s:i}", "candidates_considered", 1);
    assert_int_equal(pw_tasks_assign(f->db, &f->m.policy.dispatch, &t, worker, 0.5, why, now_ms), PW_OK);
    json_decref(why);
}

static void act(fixture *f, int64_t task, int64_t user, int roles, pw_task_event event, int64_t now_ms)
{
    pw_error err;
    int rc = pw_tasks_act(f->db, &f->m.policy, task, user, roles, event, "done", now_ms, &err);
    if (rc != 0)
        print_error("%s: %d %s %s\n", pw_task_event_name(event), err.status, err.code, err.message);
    assert_int_equal(rc, 0);
}

/* Posted, assigned to the fixture's worker and acknowledged: in progress. */
static int64_t in_progress_task(fixture *f, int64_t amount)
{
    int64_t id = post_in(f, "plumbing", amount);
    assign(f, id, f->worker, T0);
    act(f, id, f->worker, PW_ROLE_WORKER, PW_EV_ACK, T0 + 1000);
    return id;
}

static void assert_status(fixture *f, int64_t task, const char *want)
{
    pw_task_row t = load(f, task);
    if (strcmp(pw_task_state_name(t.status), want) != 0)
        print_error("task %lld is %s, want %s\n", (long long)task, pw_task_state_name(t.status), want);
    assert_string_equal(pw_task_state_name(t.status), want);
}

/* The task's timeline as "event:from>to:actor" items joined by spaces (actor 0: platform). */
static void timeline(fixture *f, int64_t task, char *out, size_t size)
{
    query_text(f->db,
               "SELECT group_concat(event || ':' || coalesce(from_status, '-') || '>' || to_status || ':' || "
               "coalesce(actor_id, 0), ' ') FROM (SELECT * FROM task_events WHERE task_id = ? ORDER BY id)",
               task, out, size);
}

/* Everything a lifecycle action may change, as one string: every ledger account's
 * balance and held, every transfer's status, every task row, the timeline, the
 * assignments, the workers' and clients' records, bad pairings and disputes. */
static void fingerprint(fixture *f, char *out, size_t size)
{
    static const char *const parts[] = {
        "SELECT group_concat(id || ':' || balance || ':' || held, ',') FROM (SELECT * FROM ledger_accounts "
        "ORDER BY id)",
        "SELECT count(*) || ':' || group_concat(status, ',') FROM (SELECT * FROM ledger_transfers ORDER BY id)",
        "SELECT group_concat(quote(status) || quote(worker_id) || quote(assignment_id) || quote(ack_deadline_at) || "
        "quote(review_deadline_at) || quote(submit_note) || quote(hold_id) || quote(updated_at), ',') "
        "FROM (SELECT * FROM tasks ORDER BY id)",
        "SELECT count(*) FROM task_events",
        "SELECT count(*) || ':' || group_concat(outcome || quote(resolved_at), ',') FROM (SELECT * FROM "
        "task_assignments ORDER BY id)",
        "SELECT group_concat(user_id || ':' || active || assigned_count || acked_count || missed_acks || releases || "
        "completed_count || on_time_count || ':' || updated_at, ',') FROM (SELECT * FROM worker_profiles ORDER BY "
        "user_id)",
        "SELECT count(*) || ':' || group_concat(user_id || completed || disputes_lost || late_cancels, ',') FROM "
        "client_records",
        "SELECT count(*) FROM bad_pairings",
        "SELECT count(*) || ':' || group_concat(status || quote(outcome), ',') FROM disputes",
    };
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        char part[2048];
        query_text(f->db, parts[i], 0, part, sizeof(part));
        used += (size_t)snprintf(out + used, size - used, "%s|", part);
        assert_true(used < size);
    }
}

/* The action is refused with (status, code) and changes nothing at all. */
static void assert_refused(fixture *f, int64_t task, int64_t user, int roles, pw_task_event event, int64_t now_ms,
                           int status, const char *code)
{
    char before[8192], after[8192];
    fingerprint(f, before, sizeof(before));
    pw_task_row row_before = load(f, task);
    pw_error err = {0};
    assert_int_equal(pw_tasks_act(f->db, &f->m.policy, task, user, roles, event, "note", now_ms, &err), PW_EREFUSED);
    if (err.status != status)
        print_error("%s: got %d %s, want %d %s\n", pw_task_event_name(event), err.status, err.code, status, code);
    assert_int_equal(err.status, status);
    assert_string_equal(err.code, code);
    fingerprint(f, after, sizeof(after));
    assert_string_equal(before, after);
    pw_task_row row_after = load(f, task);
    assert_memory_equal(&row_before, &row_after, sizeof(row_before));
}

static void resolve(fixture *f, int64_t task, const char *outcome, int pct)
{
    pw_error err;
    int rc = pw_tasks_resolve(f->db, &f->m.policy, task, f->admin, outcome, pct, T0 + HOUR_MS, &err);
    if (rc != 0)
        print_error("resolve %s: %d %s %s\n", outcome, err.status, err.code, err.message);
    assert_int_equal(rc, 0);
}

/* Submitted, then disputed by the client: waiting for an admin. */
static int64_t disputed_task(fixture *f, int64_t amount)
{
    int64_t id = in_progress_task(f, amount);
    act(f, id, f->worker, PW_ROLE_WORKER, PW_EV_SUBMIT, T0 + 2000);
    act(f, id, f->client, PW_ROLE_CLIENT, PW_EV_DISPUTE, T0 + 3000);
    assert_status(f, id, "disputed");
    assert_int_equal(held(f, f->client), amount); /* still in escrow while disputed */
    return id;
}

/* ==== fixture ========================================================================== */

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    market_fixture_open(&f->m, "task-actions");
    f->db = f->m.db;
    f->client = f->m.client;
    f->worker = make_worker(&f->m, "plumbing");
    f->admin = make_user(&f->m, PW_ROLE_ADMIN);
    f->stranger = make_user(&f->m, PW_ROLE_CLIENT | PW_ROLE_WORKER);
    *state = f;
    return 0;
}

/* Commits, checks the ledger's invariants on what the test left, and removes the files. */
static int teardown(void **state)
{
    fixture *f = *state;
    exec_ok(f->db, "COMMIT");
    pw_ledger_report lr;
    assert_int_equal(pw_ledger_verify(f->db, &lr), PW_OK);
    if (lr.failures != 0)
        print_error("ledger verify: %s\n", lr.first_failure);
    assert_int_equal(lr.failures, 0);
    market_fixture_close(&f->m);
    free(f);
    return 0;
}

/* ==== the happy path ===================================================================== */

static void test_happy_path(void **state)
{
    fixture *f = *state;
    int64_t id = post_in(f, "plumbing", HAPPY_PRICE);
    /* the escrow is held: the client's wallet keeps its balance, PRICE of it held, in one
     * pending "escrow" transfer of this task from the wallet to the escrow account */
    pw_task_row t = load(f, id);
    assert_true(t.hold_id != 0);
    assert_int_equal(wallet(f, f->client), DEPOSIT);
    assert_int_equal(held(f, f->client), HAPPY_PRICE);
    char hold[200];
    query_text(f->db,
               "SELECT h.status || ' ' || h.kind || ' ' || h.amount || ' ' || h.asset || ' ' || "
               "(h.task_id = t.id) || ' ' || d.kind || (d.owner_user_id = t.client_id) || ' ' || c.kind "
               "FROM ledger_transfers h JOIN tasks t ON t.hold_id = h.id JOIN ledger_accounts d ON "
               "d.id = h.debit_account JOIN ledger_accounts c ON c.id = h.credit_account WHERE t.id = ?",
               id, hold, sizeof(hold));
    assert_string_equal(hold, "pending escrow 12345 EUR 1 user1 escrow");
    assert_status(f, id, "dispatching");

    assign(f, id, f->worker, T0);
    assert_status(f, id, "assigned");
    t = load(f, id);
    assert_true(t.worker_id == f->worker);
    assert_int_equal(t.ack_deadline_ms, T0 + (int64_t)f->m.policy.dispatch.ack_window_s * 1000);
    act(f, id, f->worker, PW_ROLE_WORKER, PW_EV_ACK, T0 + 1000);
    assert_status(f, id, "in_progress");
    act(f, id, f->worker, PW_ROLE_WORKER, PW_EV_SUBMIT, T0 + 2000);
    assert_status(f, id, "submitted");
    assert_int_equal(load(f, id).review_deadline_ms, T0 + 2000 + REVIEW_WINDOW_S * 1000LL);
    act(f, id, f->client, PW_ROLE_CLIENT, PW_EV_APPROVE, T0 + 3000);
    assert_status(f, id, "completed");

    /* fee = floor(12345 * 10 %) = 1234, pool = floor(1234 * 20 %) = 246: the worker gets
     * 12345 - 1234 = 11111 and the fee account keeps 1234 - 246 = 988 (each rounded down,
     * so a fee one basis point higher shows) */
    assert_settled(f, 11111, 988, 246, DEPOSIT - HAPPY_PRICE);
    query_text(f->db, "SELECT status FROM ledger_transfers WHERE id = ?", t.hold_id, hold, sizeof(hold));
    assert_string_equal(hold, "posted");

    char events[512], want[512];
    timeline(f, id, events, sizeof(events));
    snprintf(want, sizeof(want),
             "posted:->dispatching:%lld assigned:dispatching>assigned:0 "
             "acknowledged:assigned>in_progress:%lld submitted:in_progress>submitted:%lld "
             "approved:submitted>completed:%lld",
             (long long)f->client, (long long)f->worker, (long long)f->worker, (long long)f->client);
    assert_string_equal(events, want);
    assert_int_equal(query_int(f->db,
                               "SELECT completed_count * 100 + on_time_count * 10 + acked_count FROM "
                               "worker_profiles WHERE user_id = ?",
                               f->worker),
                     111);
    assert_int_equal(query_int(f->db, "SELECT completed FROM client_records WHERE user_id = ?", f->client), 1);
}

/* ==== refusals ============================================================================ */

static void test_wrong_actor_is_refused(void **state)
{
    fixture *f = *state;
    int64_t id = post(f);
    assign(f, id, f->worker, T0);
    assert_refused(f, id, f->client, PW_ROLE_CLIENT, PW_EV_ACK, T0 + 1000, 403, "forbidden");
    assert_refused(f, id, f->stranger, PW_ROLE_WORKER, PW_EV_ACK, T0 + 1000, 404, "not_found");
    assert_refused(f, id, f->stranger, PW_ROLE_CLIENT, PW_EV_CANCEL, T0 + 1000, 404, "not_found");
    assert_refused(f, id, f->worker, PW_ROLE_WORKER, PW_EV_CANCEL, T0 + 1000, 403, "forbidden");
    act(f, id, f->worker, PW_ROLE_WORKER, PW_EV_ACK, T0 + 1000);
    assert_refused(f, id, f->client, PW_ROLE_CLIENT, PW_EV_SUBMIT, T0 + 2000, 403, "forbidden");
    assert_refused(f, id, f->stranger, PW_ROLE_WORKER, PW_EV_SUBMIT, T0 + 2000, 404, "not_found");
    assert_refused(f, id, f->stranger, PW_ROLE_WORKER, PW_EV_DISPUTE, T0 + 2000, 404, "not_found");
    act(f, id, f->worker, PW_ROLE_WORKER, PW_EV_SUBMIT, T0 + 2000);
    assert_refused(f, id, f->worker, PW_ROLE_WORKER, PW_EV_APPROVE, T0 + 3000, 403, "forbidden");
    assert_refused(f, id, f->stranger, PW_ROLE_CLIENT, PW_EV_APPROVE, T0 + 3000, 404, "not_found");
    /* an admin is somebody to every task, but approving is the client's alone */
    assert_refused(f, id, f->admin, PW_ROLE_ADMIN, PW_EV_APPROVE, T0 + 3000, 403, "forbidden");
    assert_status(f, id, "submitted");
    assert_int_equal(held(f, f->client), PRICE);
}

static void test_wrong_state_is_refused(void **state)
{
    fixture *f = *state;
    int64_t id = in_progress_task(f, PRICE);
    assert_refused(f, id, f->client, PW_ROLE_CLIENT, PW_EV_APPROVE, T0 + 2000, 409, "invalid_state");
    assert_refused(f, id, f->client, PW_ROLE_CLIENT, PW_EV_CANCEL, T0 + 2000, 409, "invalid_state");
    assert_refused(f, id, f->worker, PW_ROLE_WORKER, PW_EV_ACK, T0 + 2000, 409, "invalid_state");

    int64_t late = post(f);
    assert_refused(f, late, f->client, PW_ROLE_CLIENT, PW_EV_DISPUTE, T0 + 1000, 409, "invalid_state");
    assign(f, late, f->worker, T0);
    int64_t deadline = load(f, late).ack_deadline_ms;
    assert_refused(f, late, f->worker, PW_ROLE_WORKER, PW_EV_ACK, deadline + 1, 409, "ack_window_closed");
    assert_refused(f, late, f->worker, PW_ROLE_WORKER, PW_EV_SUBMIT, T0 + 1000, 409, "invalid_state");
    act(f, late, f->worker, PW_ROLE_WORKER, PW_EV_ACK, deadline); /* the last millisecond still counts */

    pw_error err = {0};
    char before[8192], after[8192];
    fingerprint(f, before, sizeof(before));
    assert_int_equal(pw_tasks_resolve(f->db, &f->m.policy, id, f->admin, "release", 100, T0 + 3000, &err), PW_EREFUSED);
    assert_int_equal(err.status, 409);
    assert_string_equal(err.code, "invalid_state");
    fingerprint(f, after, sizeof(after));
    assert_string_equal(before, after);
}

/* ==== release and cancel ================================================================== */

static void test_release_goes_back_to_dispatching(void **state)
{
    fixture *f = *state;
    int64_t id = in_progress_task(f, PRICE);
    int64_t assignment = load(f, id).assignment_id;
    act(f, id, f->worker, PW_ROLE_WORKER, PW_EV_RELEASE, T0 + 5000);
    assert_status(f, id, "dispatching");
    pw_task_row t = load(f, id);
    assert_true(t.worker_id == 0 && t.assignment_id == 0 && t.ack_deadline_ms == 0);
    /* the reliability cost: a release on the worker's record, the pair marked bad, the
     * assignment closed as released; the escrow stays held for the next worker */
    assert_int_equal(query_int(f->db, "SELECT releases FROM worker_profiles WHERE user_id = ?", f->worker), 1);
    assert_int_equal(query_int(f->db, "SELECT active FROM worker_profiles WHERE user_id = ?", f->worker), 1);
    assert_int_equal(query_int(f->db, "SELECT count(*) FROM bad_pairings WHERE worker_id = ?", f->worker), 1);
    char outcome[32];
    query_text(f->db, "SELECT outcome FROM task_assignments WHERE id = ?", assignment, outcome, sizeof(outcome));
    assert_string_equal(outcome, "released");
    assert_int_equal(held(f, f->client), PRICE);
    char events[512];
    query_text(f->db,
               "SELECT event || ':' || from_status || '>' || to_status FROM task_events WHERE task_id = ? "
               "ORDER BY id DESC LIMIT 1",
               id, events, sizeof(events));
    assert_string_equal(events, "released:in_progress>dispatching");
    /* and it can be assigned again */
    int64_t other = make_worker(&f->m, "plumbing");
    assign(f, id, other, T0 + 6000);
    assert_true(load(f, id).worker_id == other);
}

static void test_cancel_before_ack_returns_the_escrow(void **state)
{
    fixture *f = *state;
    int64_t waiting = post(f), assigned = post(f);
    assign(f, assigned, f->worker, T0);
    assert_int_equal(held(f, f->client), 2 * PRICE);
    act(f, waiting, f->client, PW_ROLE_CLIENT, PW_EV_CANCEL, T0 + 1000);
    assert_int_equal(held(f, f->client), PRICE);
    assert_int_equal(
        query_int(f->db, "SELECT coalesce(sum(late_cancels), 0) FROM client_records WHERE user_id = ?", f->client),
        0); /* nobody was assigned yet: not late */
    act(f, assigned, f->client, PW_ROLE_CLIENT, PW_EV_CANCEL, T0 + 1000);
    assert_status(f, waiting, "cancelled");
    assert_status(f, assigned, "cancelled");
    assert_int_equal(wallet(f, f->client), DEPOSIT);
    assert_int_equal(held(f, f->client), 0);
    assert_int_equal(platform(f, "escrow"), 0);
    assert_int_equal(query_int(f->db,
                               "SELECT count(*) FROM ledger_transfers WHERE kind = 'escrow' AND "
                               "status = 'voided' AND task_id = ?",
                               waiting),
                     1);
    assert_int_equal(query_int(f->db,
                               "SELECT count(*) FROM ledger_transfers WHERE kind = 'escrow' AND "
                               "status = 'voided'",
                               0),
                     2);
    /* cancelling once a worker was assigned is late: on the client's record */
    assert_int_equal(query_int(f->db, "SELECT late_cancels FROM client_records WHERE user_id = ?", f->client), 1);
    char outcome[32];
    query_text(f->db, "SELECT outcome FROM task_assignments WHERE task_id = ?", assigned, outcome, sizeof(outcome));
    assert_string_equal(outcome, "cancelled");
    assert_true(load(f, assigned).worker_id == 0);
}

/* ==== disputes ============================================================================ */

static void test_dispute_resolved_release(void **state)
{
    fixture *f = *state;
    int64_t id = disputed_task(f, PRICE);
    resolve(f, id, "release", 0);
    assert_status(f, id, "resolved");
    assert_settled(f, 900, 80, 20, DEPOSIT - PRICE); /* as if approved: 1000 less the 100 fee */
    /* the client opened the dispute and lost it */
    assert_int_equal(query_int(f->db, "SELECT disputes_lost FROM client_records WHERE user_id = ?", f->client), 1);
    assert_int_equal(query_int(f->db, "SELECT worker_share_pct FROM disputes WHERE task_id = ?", id), 100);
}

static void test_dispute_resolved_refund(void **state)
{
    fixture *f = *state;
    int64_t id = disputed_task(f, PRICE);
    resolve(f, id, "refund", 0);
    assert_status(f, id, "resolved");
    assert_settled(f, 0, 0, 0, DEPOSIT);
    assert_int_equal(query_int(f->db, "SELECT disputes_lost FROM client_records WHERE user_id = ?", f->client), 0);
    assert_int_equal(query_int(f->db, "SELECT completed_count FROM worker_profiles WHERE user_id = ?", f->worker), 0);
}

/* 50 % of 999: the worker's gross is floor(999 * 50 / 100) = 499, the fee
 * floor(499 * 10 %) = 49, the pool floor(49 * 20 %) = 9; the worker nets 450, the fee
 * account keeps 40, and the client gets back 999 - 499 = 500 (the odd cent is the client's). */
static void test_dispute_resolved_split(void **state)
{
    fixture *f = *state;
    int64_t id = disputed_task(f, 999);
    resolve(f, id, "split", 50);
    assert_status(f, id, "resolved");
    assert_settled(f, 450, 40, 9, DEPOSIT - 499);
    assert_int_equal(query_int(f->db, "SELECT worker_share_pct FROM disputes WHERE task_id = ?", id), 50);
    char events[512];
    query_text(f->db,
               "SELECT event || ':' || from_status || '>' || to_status || ':' || (actor_id = ?) FROM "
               "task_events WHERE task_id = (SELECT task_id FROM disputes) ORDER BY id DESC LIMIT 1",
               f->admin, events, sizeof(events));
    assert_string_equal(events, "resolved:disputed>resolved:1");
}

/* ==== timers ============================================================================== */

static void test_missed_ack_redispatches(void **state)
{
    fixture *f = *state;
    int64_t other = make_worker(&f->m, "plumbing");
    int64_t id = post(f);
    assign(f, id, f->worker, T0);
    int64_t deadline = load(f, id).ack_deadline_ms;
    pw_tick_report r;
    assert_int_equal(pw_tasks_timers(f->db, &f->m.policy, deadline - 1, &r), PW_OK);
    assert_int_equal(r.acks_missed, 0);
    assert_status(f, id, "assigned");

    pw_engine_round_now(f->m.policy.dispatch.engine);
    assert_int_equal(pw_tasks_tick(f->db, &f->m.policy, deadline, &r), PW_OK);
    assert_int_equal(r.acks_missed, 1);
    assert_int_equal(r.assigned, 1);
    assert_status(f, id, "assigned");            /* sent back, and dispatched again ... */
    assert_true(load(f, id).worker_id == other); /* ... to the other worker */
    assert_int_equal(query_int(f->db, "SELECT active FROM worker_profiles WHERE user_id = ?", f->worker), 0);
    assert_int_equal(query_int(f->db, "SELECT missed_acks FROM worker_profiles WHERE user_id = ?", f->worker), 1);
    assert_int_equal(query_int(f->db,
                               "SELECT count(*) FROM task_assignments WHERE worker_id = ? AND "
                               "outcome = 'missed'",
                               f->worker),
                     1);
    char events[512];
    timeline(f, id, events, sizeof(events));
    char want[512];
    snprintf(want, sizeof(want),
             "posted:->dispatching:%lld assigned:dispatching>assigned:0 "
             "ack_missed:assigned>dispatching:0 assigned:dispatching>assigned:0",
             (long long)f->client);
    assert_string_equal(events, want);
    assert_int_equal(held(f, f->client), PRICE);
}

static void test_unreviewed_submission_is_auto_approved(void **state)
{
    fixture *f = *state;
    int64_t id = in_progress_task(f, PRICE);
    act(f, id, f->worker, PW_ROLE_WORKER, PW_EV_SUBMIT, T0 + 2000);
    int64_t due = T0 + 2000 + REVIEW_WINDOW_S * 1000LL;
    pw_tick_report r;
    assert_int_equal(pw_tasks_timers(f->db, &f->m.policy, due - 1, &r), PW_OK);
    assert_int_equal(r.auto_approved, 0);
    assert_status(f, id, "submitted");
    assert_int_equal(pw_tasks_timers(f->db, &f->m.policy, due, &r), PW_OK);
    assert_int_equal(r.auto_approved, 1);
    assert_status(f, id, "completed");
    assert_settled(f, 900, 80, 20, DEPOSIT - PRICE);
    char events[512];
    query_text(f->db,
               "SELECT event || ':' || from_status || '>' || to_status || ':' || coalesce(actor_id, 0) FROM "
               "task_events WHERE task_id = ? ORDER BY id DESC LIMIT 1",
               id, events, sizeof(events));
    assert_string_equal(events, "auto_approved:submitted>completed:0");
}

static void test_deadline_with_no_worker_expires_and_refunds(void **state)
{
    fixture *f = *state;
    int64_t id = post_in(f, "astronomy", PRICE); /* nobody does this */
    int64_t deadline = load(f, id).deadline_ms;
    pw_tick_report r;
    assert_int_equal(pw_tasks_timers(f->db, &f->m.policy, deadline - 1, &r), PW_OK);
    assert_int_equal(r.expired, 0);
    assert_int_equal(held(f, f->client), PRICE);
    assert_int_equal(pw_tasks_timers(f->db, &f->m.policy, deadline, &r), PW_OK);
    assert_int_equal(r.expired, 1);
    assert_status(f, id, "expired");
    assert_int_equal(wallet(f, f->client), DEPOSIT);
    assert_int_equal(held(f, f->client), 0);
    char status[32];
    query_text(f->db, "SELECT status FROM ledger_transfers WHERE id = ?", load(f, id).hold_id, status, sizeof(status));
    assert_string_equal(status, "voided");
    /* an expiry is not the client's doing: no late cancel */
    assert_int_equal(
        query_int(f->db, "SELECT count(*) FROM client_records WHERE user_id = ? AND late_cancels > 0", f->client), 0);
}

#define WITH_FIXTURE(test) cmocka_unit_test_setup_teardown(test, setup, teardown)

int main(void)
{
    pw_log_set_level(PW_LOG_WARN); /* the migrations' and the index's info lines are noise here */
    const struct CMUnitTest tests[] = {
        WITH_FIXTURE(test_happy_path),
        WITH_FIXTURE(test_wrong_actor_is_refused),
        WITH_FIXTURE(test_wrong_state_is_refused),
        WITH_FIXTURE(test_release_goes_back_to_dispatching),
        WITH_FIXTURE(test_cancel_before_ack_returns_the_escrow),
        WITH_FIXTURE(test_dispute_resolved_release),
        WITH_FIXTURE(test_dispute_resolved_refund),
        WITH_FIXTURE(test_dispute_resolved_split),
        WITH_FIXTURE(test_missed_ack_redispatches),
        WITH_FIXTURE(test_unreviewed_submission_is_auto_approved),
        WITH_FIXTURE(test_deadline_with_no_worker_expires_and_refunds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
