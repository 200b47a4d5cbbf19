/* test_settle.c — unit tests of src/ledger/settle.c on a fresh migrated temporary
 * database per test: a task's escrow hold settled (the worker's gross less the fee, the
 * fee's pool share, the rest refunded to the client; credits without a fee) with exact
 * balances for each case and settled only once, and the settlements it refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "ledger/ledger.h"
#include "ledger_fixture.h"

/* ==== settlement ============================================================================ */

typedef struct settle_case {
    const char *asset;
    int64_t hold; /* what the client put in escrow */
    int64_t worker_gross;
    int fee_bps, pool_bps;
    int64_t client, worker, fees, pool; /* balances after, client starting with `hold` */
    int64_t client_id, worker_id;
} settle_case;

static void run_settle_case(pw_db *db, const settle_case *c)
{
    int64_t client_id = c->client_id, worker_id = c->worker_id;
    if (strcmp(c->asset, "TIME") == 0)
        grant_credits(db, client_id, c->hold);
    else
        deposit(db, client_id, c->asset, c->hold);
    int64_t client = wallet(db, client_id, c->asset), escrow = platform(db, PW_ACCOUNT_ESCROW, c->asset);
    pw_transfer t = {.debit_account = client,
                     .credit_account = escrow,
                     .amount = c->hold,
                     .asset = c->asset,
                     .kind = "escrow",
                     .task_id = 5};
    pw_error err;
    int64_t pending = 0;
    assert_int_equal(pw_ledger_hold(db, &t, NOW_MS, &pending, &err), 0);
    assert_int_equal(pw_ledger_settle_task(db, pending, 5, client_id, c->worker_gross ? worker_id : 0, c->worker_gross,
                                           c->fee_bps, c->pool_bps, NOW_MS, &err),
                     0);
    assert_int_equal(balance(db, client), c->client);
    assert_int_equal(held(db, client), 0);
    if (c->worker_gross > 0)
        assert_int_equal(balance(db, wallet(db, worker_id, c->asset)), c->worker);
    assert_int_equal(balance(db, escrow), 0);
    assert_int_equal(balance(db, platform(db, PW_ACCOUNT_FEES, c->asset)), c->fees);
    assert_int_equal(balance(db, platform(db, PW_ACCOUNT_POOL, c->asset)), c->pool);
    /* settled once: a second settlement is refused and changes nothing */
    uint64_t before = fingerprint(db);
    assert_int_equal(
        pw_ledger_settle_task(db, pending, 5, client_id, worker_id, 0, c->fee_bps, c->pool_bps, NOW_MS, &err),
        PW_EREFUSED);
    assert_error(&err, 409, "invalid_state");
    assert_true(fingerprint(db) == before);
    assert_verified(db);
}

static const settle_case settle_cases[] = {
    /* approved: the worker gets all but the fee */
    {"EUR", 10000, 10000, 1000, 2000, 0, 9000, 800, 200, 1, 2},
    /* 50% of 10001 -> 5000: fee 500, pool 100; the client gets 5001 back */
    {"EUR", 10001, 5000, 1000, 2000, 5001, 4500, 400, 100, 1, 2},
    /* 333 of 999: fee 33.3 -> 33, worker 300, pool 6.6 -> 6, fees keep 27, refund 666 */
    {"USD", 999, 333, 1000, 2000, 666, 300, 27, 6, 3, 4},
    /* refunded whole */
    {"EUR", 4321, 0, 1000, 2000, 4321, 0, 0, 0, 1, 2},
    /* credits have no fee */
    {"TIME", 90, 90, 1000, 2000, 0, 90, 0, 0, 1, 2},
};

/* One settlement of settle_cases, registered with it as its prestate. */
static void test_settle(void **state)
{
    fixture *f = *state;
    const settle_case *c = f->case_of_test;
    print_message("settle %lld %s, the worker's gross %lld\n", (long long)c->hold, c->asset,
                  (long long)c->worker_gross);
    run_settle_case(f->t.db, c);
}

static void test_settle_refusals(void **state)
{
    pw_db *db = ((fixture *)*state)->t.db;
    deposit(db, 1, "EUR", 500);
    pw_transfer t = {.debit_account = wallet(db, 1, "EUR"),
                     .credit_account = platform(db, PW_ACCOUNT_ESCROW, "EUR"),
                     .amount = 500,
                     .asset = "EUR",
                     .kind = "escrow"};
    pw_error err;
    int64_t pending = 0;
    assert_int_equal(pw_ledger_hold(db, &t, NOW_MS, &pending, &err), 0);
    uint64_t before = fingerprint(db);
    assert_int_equal(pw_ledger_settle_task(db, pending, 1, 9, 2, 500, 1000, 0, NOW_MS, &err),
                     PW_EREFUSED); /* not the client */
    assert_error(&err, 409, "invalid_state");
    assert_int_equal(pw_ledger_settle_task(db, pending, 1, 1, 2, 501, 1000, 0, NOW_MS, &err),
                     PW_EREFUSED); /* > the hold */
    assert_error(&err, 422, "validation_failed");
    assert_int_equal(pw_ledger_settle_task(db, pending, 1, 1, 0, 100, 1000, 0, NOW_MS, &err),
                     PW_EREFUSED); /* no worker */
    assert_int_equal(pw_ledger_settle_task(db, 424242, 1, 1, 2, 1, 1000, 0, NOW_MS, &err), PW_EREFUSED);
    assert_error(&err, 404, "not_found");
    assert_true(fingerprint(db) == before);
    assert_verified(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate_setup_teardown(test_settle, setup, teardown, (void *)&settle_cases[0]),
        cmocka_unit_test_prestate_setup_teardown(test_settle, setup, teardown, (void *)&settle_cases[1]),
        cmocka_unit_test_prestate_setup_teardown(test_settle, setup, teardown, (void *)&settle_cases[2]),
        cmocka_unit_test_prestate_setup_teardown(test_settle, setup, teardown, (void *)&settle_cases[3]),
        cmocka_unit_test_prestate_setup_teardown(test_settle, setup, teardown, (void *)&settle_cases[4]),
        cmocka_unit_test_setup_teardown(test_settle_refusals, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
