/* test_ledger.c — unit tests of src/ledger/ledger.c on a fresh migrated temporary
 * database per test, inside one BEGIN/COMMIT as the writer would: transfers, holds
 * posted or voided exactly once, insufficient funds changing nothing (compared by a
 * fingerprint of every ledger row), the CHECK constraints that back the code, and a
 * seeded random walk of thousands of operations over many accounts (moves, deposits,
 * payouts, holds settled or resolved) checked against an in-memory model of every
 * account, then verified. The pure rules are in test_asset.c, settlement in
 * test_settle.c, the verifier's corruption cases in test_verify.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "base/rand.h"
#include "ledger/ledger.h"
#include "ledger_fixture.h"

/* ==== transfers ========================================================================== */

static void test_transfer(void **state)
{
    pw_db *db = ((fixture *)*state)->t.db;
    deposit(db, 1, "EUR", 1000);
    pw_transfer t = {.debit_account = wallet(db, 1, "EUR"),
                     .credit_account = wallet(db, 2, "EUR"),
                     .amount = 300,
                     .asset = "EUR",
                     .kind = "gift"};
    pw_error err;
    int64_t id = 0;
    assert_int_equal(pw_ledger_post_transfer(db, &t, NOW_MS, &id, &err), 0);
    assert_true(id > 0);
    assert_int_equal(balance(db, wallet(db, 1, "EUR")), 700);
    assert_int_equal(balance(db, wallet(db, 2, "EUR")), 300);
    assert_int_equal(balance(db, platform(db, PW_ACCOUNT_EXTERNAL, "EUR")), -1000);
    assert_int_equal(scalar(db, "SELECT count(*) FROM ledger_entries"), 4);
    assert_int_equal(scalar(db, "SELECT sum(balance) FROM ledger_accounts"), 0);
    /* the same account on both sides, and mixed assets, are programmer errors refused (503), not booked */
    t.credit_account = t.debit_account;
    assert_int_equal(pw_ledger_post_transfer(db, &t, NOW_MS, &id, &err), PW_EREFUSED);
    assert_error(&err, 503, "unavailable");
    t.credit_account = wallet(db, 2, "USD");
    assert_int_equal(pw_ledger_post_transfer(db, &t, NOW_MS, &id, &err), PW_EREFUSED);
    assert_error(&err, 503, "unavailable");
    t.credit_account = wallet(db, 2, "EUR");
    t.amount = 0;
    assert_int_equal(pw_ledger_post_transfer(db, &t, NOW_MS, &id, &err), PW_EREFUSED);
    assert_error(&err, 422, "validation_failed");
    assert_verified(db);
}

static void test_insufficient_funds_changes_nothing(void **state)
{
    pw_db *db = ((fixture *)*state)->t.db;
    deposit(db, 1, "EUR", 700);
    int64_t w1 = wallet(db, 1, "EUR"), w2 = wallet(db, 2, "EUR"), escrow = platform(db, PW_ACCOUNT_ESCROW, "EUR");
    uint64_t before = fingerprint(db);
    pw_error err;
    pw_transfer t = {.debit_account = w1, .credit_account = w2, .amount = 701, .asset = "EUR", .kind = "gift"};
    assert_int_equal(pw_ledger_post_transfer(db, &t, NOW_MS, NULL, &err), PW_EREFUSED);
    assert_error(&err, 409, "insufficient_funds");
    t.credit_account = escrow;
    int64_t pending = 0;
    assert_int_equal(pw_ledger_hold(db, &t, NOW_MS, &pending, &err), PW_EREFUSED);
    assert_error(&err, 409, "insufficient_funds");
    pw_amount a = {.amount = 701, .asset = "EUR"};
    assert_int_equal(pw_ledger_payout(db, &pw_payment_sandbox, 1, &a, NOW_MS, NULL, &err), PW_EREFUSED);
    assert_error(&err, 409, "insufficient_funds");
    /* a user who never had EUR: the wallet the payout would create is rolled back too */
    assert_int_equal(pw_ledger_payout(db, &pw_payment_sandbox, 3, &a, NOW_MS, NULL, &err), PW_EREFUSED);
    assert_error(&err, 409, "insufficient_funds");
    assert_true(fingerprint(db) == before);
    /* the sandbox declines 40002: a deposit never books, a payout's booking is undone */
    deposit(db, 1, "EUR", 50000);
    before = fingerprint(db);
    a.amount = 40002;
    assert_int_equal(pw_ledger_deposit(db, &pw_payment_sandbox, 1, &a, NOW_MS, NULL, &err), PW_EREFUSED);
    assert_error(&err, 422, "payment_declined");
    assert_int_equal(pw_ledger_payout(db, &pw_payment_sandbox, 1, &a, NOW_MS, NULL, &err), PW_EREFUSED);
    assert_error(&err, 422, "payment_declined");
    assert_true(fingerprint(db) == before);
    /* exactly the available amount is fine, and leaves 0 */
    a.amount = 50700;
    assert_int_equal(pw_ledger_payout(db, &pw_payment_sandbox, 1, &a, NOW_MS, NULL, &err), 0);
    assert_int_equal(balance(db, w1), 0);
    assert_verified(db);
}

static void test_hold_post_void_exactly_once(void **state)
{
    pw_db *db = ((fixture *)*state)->t.db;
    deposit(db, 1, "EUR", 1000);
    int64_t w1 = wallet(db, 1, "EUR"), escrow = platform(db, PW_ACCOUNT_ESCROW, "EUR");
    pw_transfer t = {
        .debit_account = w1, .credit_account = escrow, .amount = 400, .asset = "EUR", .kind = "escrow", .task_id = 77};
    pw_error err;
    int64_t h1 = 0, h2 = 0, h3 = 0;
    assert_int_equal(pw_ledger_hold(db, &t, NOW_MS, &h1, &err), 0);
    assert_int_equal(balance(db, w1), 1000);
    assert_int_equal(held(db, w1), 400);
    t.amount = 601; /* available is 600 now */
    assert_int_equal(pw_ledger_hold(db, &t, NOW_MS, &h2, &err), PW_EREFUSED);
    assert_error(&err, 409, "insufficient_funds");
    pw_transfer out = {
        .debit_account = w1, .credit_account = wallet(db, 2, "EUR"), .amount = 601, .asset = "EUR", .kind = "gift"};
    assert_int_equal(pw_ledger_post_transfer(db, &out, NOW_MS, NULL, &err), PW_EREFUSED);
    assert_error(&err, 409, "insufficient_funds");
    assert_verified(db);

    assert_int_equal(pw_ledger_post_pending(db, h1, NOW_MS + 1, &err), 0);
    assert_int_equal(balance(db, w1), 600);
    assert_int_equal(held(db, w1), 0);
    assert_int_equal(balance(db, escrow), 400);
    uint64_t before = fingerprint(db);
    assert_int_equal(pw_ledger_post_pending(db, h1, NOW_MS + 2, &err), PW_EREFUSED);
    assert_error(&err, 409, "invalid_state");
    assert_int_equal(pw_ledger_void_pending(db, h1, NOW_MS + 2, &err), PW_EREFUSED);
    assert_error(&err, 409, "invalid_state");
    assert_true(fingerprint(db) == before);

    t.amount = 100;
    assert_int_equal(pw_ledger_hold(db, &t, NOW_MS, &h3, &err), 0);
    assert_int_equal(held(db, w1), 100);
    assert_int_equal(pw_ledger_void_pending(db, h3, NOW_MS + 3, &err), 0);
    assert_int_equal(held(db, w1), 0);
    assert_int_equal(balance(db, w1), 600);
    before = fingerprint(db);
    assert_int_equal(pw_ledger_void_pending(db, h3, NOW_MS + 4, &err), PW_EREFUSED);
    assert_error(&err, 409, "invalid_state");
    assert_int_equal(pw_ledger_post_pending(db, h3, NOW_MS + 4, &err), PW_EREFUSED);
    assert_error(&err, 409, "invalid_state");
    /* a single-phase transfer is not a hold; an unknown id is not found */
    int64_t plain = scalar(db, "SELECT min(id) FROM ledger_transfers");
    assert_int_equal(pw_ledger_post_pending(db, plain, NOW_MS, &err), PW_EREFUSED);
    assert_error(&err, 409, "invalid_state");
    assert_int_equal(pw_ledger_void_pending(db, 999999, NOW_MS, &err), PW_EREFUSED);
    assert_error(&err, 404, "not_found");
    assert_true(fingerprint(db) == before);
    assert_int_equal(scalar(db, "SELECT count(*) FROM ledger_transfers WHERE pending_id IS NOT NULL"), 1);
    assert_verified(db);
}

static void test_check_constraints_back_the_code(void **state)
{
    pw_db *db = ((fixture *)*state)->t.db;
    deposit(db, 1, "EUR", 100);
    /* the database itself refuses a user balance below held, a zero transfer, a second post */
    pw_stmt *st = pw_db_stmt(db, "UPDATE ledger_accounts SET balance = -1 WHERE owner_user_id = 1");
    assert_int_equal(pw_stmt_run(st), PW_ECONSTRAINT);
    st = pw_db_stmt(db, "UPDATE ledger_accounts SET held = 101 WHERE owner_user_id = 1");
    assert_int_equal(pw_stmt_run(st), PW_ECONSTRAINT);
    st = pw_db_stmt(db, "UPDATE ledger_transfers SET amount = 0");
    assert_int_equal(pw_stmt_run(st), PW_ECONSTRAINT);
    st = pw_db_stmt(db, "INSERT INTO ledger_accounts (owner_user_id, kind, asset, allow_negative) "
                        "VALUES (NULL, 'external', 'EUR', 1)");
    assert_int_equal(pw_stmt_run(st), PW_ECONSTRAINT); /* one platform account per (kind, asset) */
    assert_verified(db);
}

/* ==== a random walk ================================================================================ */

#define MODEL_ACCOUNTS   1024 /* account ids stay far below this in the walk */
#define WALK_PENDING_MAX 4096

typedef struct model {
    int64_t balance[MODEL_ACCOUNTS];
    int64_t held[MODEL_ACCOUNTS];
    int64_t pending_id[WALK_PENDING_MAX];
    int64_t pending_client[WALK_PENDING_MAX]; /* the user who holds */
    int64_t pending_account[WALK_PENDING_MAX];
    int64_t pending_escrow[WALK_PENDING_MAX];
    int64_t pending_amount[WALK_PENDING_MAX];
    int pending_open[WALK_PENDING_MAX]; /* 1 until posted, voided or settled */
    int pending_count;
    int64_t refused; /* operations the ledger refused (as the model predicted) */
} model;

static const char *const WALK_ASSETS[] = {"EUR", "USD", "TIME"};

static int available_ok(const model *m, int64_t account, int64_t amount)
{
    return m->balance[account] - m->held[account] >= amount;
}

static void walk_move(pw_db *db, model *m, pw_rng *r, const char *asset)
{
    int64_t from = wallet(db, pw_rng_range(r, 1, USERS), asset), to = wallet(db, pw_rng_range(r, 1, USERS), asset);
    if (from == to)
        return;
    int64_t amount = pw_rng_range(r, 1, 3000);
    pw_transfer t = {.debit_account = from, .credit_account = to, .amount = amount, .asset = asset, .kind = "gift"};
    pw_error err;
    int expect_ok = available_ok(m, from, amount);
    int rc = pw_ledger_post_transfer(db, &t, NOW_MS, NULL, &err);
    assert_int_equal(rc, expect_ok ? 0 : PW_EREFUSED);
    if (expect_ok) {
        m->balance[from] -= amount;
        m->balance[to] += amount;
    } else {
        m->refused++;
    }
}

static void walk_cash(pw_db *db, model *m, pw_rng *r, const char *asset, int is_payout)
{
    int64_t user = pw_rng_range(r, 1, USERS);
    pw_amount a = {.amount = pw_rng_range(r, 0, 50) == 0 ? 40002 : pw_rng_range(r, 1, 5000)};
    snprintf(a.asset, sizeof(a.asset), "%s", asset);
    int64_t w = wallet(db, user, asset), ext = platform(db, PW_ACCOUNT_EXTERNAL, asset);
    int expect_ok = a.amount != 40002 && (!is_payout || available_ok(m, w, a.amount));
    pw_error err;
    int rc = is_payout ? pw_ledger_payout(db, &pw_payment_sandbox, user, &a, NOW_MS, NULL, &err)
                       : pw_ledger_deposit(db, &pw_payment_sandbox, user, &a, NOW_MS, NULL, &err);
    assert_int_equal(rc, expect_ok ? 0 : PW_EREFUSED);
    if (!expect_ok) {
        m->refused++;
        return;
    }
    m->balance[is_payout ? w : ext] -= a.amount;
    m->balance[is_payout ? ext : w] += a.amount;
}

static void walk_hold(pw_db *db, model *m, pw_rng *r, const char *asset)
{
    int64_t user = pw_rng_range(r, 1, USERS);
    int64_t from = wallet(db, user, asset), escrow = platform(db, PW_ACCOUNT_ESCROW, asset);
    int64_t amount = pw_rng_range(r, 1, 4000);
    pw_transfer t = {.debit_account = from,
                     .credit_account = escrow,
                     .amount = amount,
                     .asset = asset,
                     .kind = "escrow",
                     .task_id = m->pending_count + 1};
    pw_error err;
    int64_t id = 0;
    int expect_ok = available_ok(m, from, amount) && m->pending_count < WALK_PENDING_MAX;
    assert_int_equal(pw_ledger_hold(db, &t, NOW_MS, &id, &err), expect_ok ? 0 : PW_EREFUSED);
    if (!expect_ok) {
        m->refused++;
        return;
    }
    int i = m->pending_count++;
    m->pending_id[i] = id;
    m->pending_client[i] = user;
    m->pending_account[i] = from;
    m->pending_escrow[i] = escrow;
    m->pending_amount[i] = amount;
    m->pending_open[i] = 1;
    m->held[from] += amount;
}

/* Settles hold i with a random outcome, updating the model by the fee rule. */
static void walk_settle(pw_db *db, model *m, pw_rng *r, int i, const char *asset)
{
    int64_t amount = m->pending_amount[i], worker_id = pw_rng_range(r, 1, USERS);
    int64_t gross = pw_rng_range(r, 0, 2) == 0 ? amount : pw_rng_range(r, 0, amount);
    int fee_bps = (int)pw_rng_range(r, 0, 3000), pool_bps = (int)pw_rng_range(r, 0, 10000);
    pw_error err;
    int rc = pw_ledger_settle_task(db, m->pending_id[i], i + 1, m->pending_client[i], worker_id, gross, fee_bps,
                                   pool_bps, NOW_MS, &err);
    assert_int_equal(rc, 0);
    int64_t worker = 0, fee = 0, pool = 0;
    pw_ledger_fee_split(gross, strcmp(asset, "TIME") == 0 ? 0 : fee_bps, pool_bps, &worker, &fee, &pool);
    int64_t client = m->pending_account[i];
    m->held[client] -= amount;
    m->balance[client] -= gross; /* -amount in, +(amount - gross) refunded */
    if (gross > 0)
        m->balance[wallet(db, worker_id, asset)] += worker;
    m->balance[platform(db, PW_ACCOUNT_FEES, asset)] += fee - pool;
    m->balance[platform(db, PW_ACCOUNT_POOL, asset)] += pool;
}

static void walk_resolve(pw_db *db, model *m, pw_rng *r)
{
    if (m->pending_count == 0)
        return;
    int i = (int)pw_rng_range(r, 0, m->pending_count - 1);
    int64_t debit = m->pending_account[i];
    pw_ledger_account_row a = account(db, debit);
    int choice = (int)pw_rng_range(r, 0, 2);
    pw_error err;
    if (!m->pending_open[i]) { /* exactly once: any second resolution is refused */
        int rc = choice == 0 ? pw_ledger_post_pending(db, m->pending_id[i], NOW_MS, &err)
                             : pw_ledger_void_pending(db, m->pending_id[i], NOW_MS, &err);
        assert_int_equal(rc, PW_EREFUSED);
        assert_error(&err, 409, "invalid_state");
        m->refused++;
        return;
    }
    m->pending_open[i] = 0;
    if (choice == 0) {
        assert_int_equal(pw_ledger_post_pending(db, m->pending_id[i], NOW_MS, &err), 0);
        m->held[debit] -= m->pending_amount[i];
        m->balance[debit] -= m->pending_amount[i];
        m->balance[m->pending_escrow[i]] += m->pending_amount[i];
    } else if (choice == 1) {
        assert_int_equal(pw_ledger_void_pending(db, m->pending_id[i], NOW_MS, &err), 0);
        m->held[debit] -= m->pending_amount[i];
    } else {
        walk_settle(db, m, r, i, a.asset);
    }
}

static void walk_step(pw_db *db, model *m, pw_rng *r)
{
    const char *asset = WALK_ASSETS[pw_rng_range(r, 0, 2)];
    int is_time = strcmp(asset, "TIME") == 0;
    switch (pw_rng_range(r, 0, 9)) {
    case 0:
    case 1:
    case 2:
        if (is_time) { /* credits come in as grants, never deposits */
            int64_t w = wallet(db, pw_rng_range(r, 1, USERS), asset), minutes = pw_rng_range(r, 1, 600);
            grant_credits(db, account(db, w).owner_user_id, minutes);
            m->balance[w] += minutes;
            m->balance[platform(db, PW_ACCOUNT_EXTERNAL, asset)] -= minutes;
        } else {
            walk_cash(db, m, r, asset, 0);
        }
        break;
    case 3: walk_cash(db, m, r, asset, 1); break;
    case 4:
    case 5: walk_move(db, m, r, asset); break;
    case 6:
    case 7: walk_hold(db, m, r, asset); break;
    default: walk_resolve(db, m, r); break;
    }
}

static void assert_model(pw_db *db, const model *m)
{
    pw_stmt *st = pw_db_stmt(db, "SELECT id, balance, held FROM ledger_accounts");
    int rows = 0;
    while (pw_stmt_step(st) == PW_ROW) {
        int64_t id = pw_stmt_column_int64(st, 0);
        assert_true(id > 0 && id < MODEL_ACCOUNTS);
        assert_int_equal(pw_stmt_column_int64(st, 1), m->balance[id]);
        assert_int_equal(pw_stmt_column_int64(st, 2), m->held[id]);
        rows++;
    }
    pw_stmt_done(st);
    assert_true(rows > USERS);
}

static void test_random_walk(void **state)
{
    pw_db *db = ((fixture *)*state)->t.db;
    model *m = calloc(1, sizeof(*m));
    pw_rng r;
    pw_rng_seed(&r, 20260101);
    for (int step = 0; step < 20000; step++) {
        walk_step(db, m, &r);
        if (step % 2500 == 2499) {
            assert_model(db, m);
            assert_verified(db);
        }
    }
    assert_model(db, m);
    assert_verified(db);
    assert_int_equal(scalar(db, "SELECT count(*) FROM (SELECT asset FROM ledger_accounts GROUP BY asset "
                                "HAVING sum(balance) <> 0) AS x"),
                     0);
    assert_int_equal(scalar(db, "SELECT coalesce(sum(amount), 0) FROM ledger_entries"), 0);
    assert_true(m->refused > 100); /* the walk did hit the refusals, not only the happy path */
    assert_true(scalar(db, "SELECT count(*) FROM ledger_transfers WHERE status = 'voided'") > 10);
    assert_true(scalar(db, "SELECT count(*) FROM ledger_transfers WHERE pending_id IS NOT NULL") > 10);
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_transfer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_insufficient_funds_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hold_post_void_exactly_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_constraints_back_the_code, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_walk, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
