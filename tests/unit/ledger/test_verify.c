/* test_verify.c — unit tests of src/ledger/verify.c on a fresh migrated temporary
 * database per test: the verifier passes on a small ledger holding every kind of row and
 * fails on each kind of raw corruption. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "ledger/ledger.h"
#include "ledger_fixture.h"

/* ==== the verifier ============================================================================ */

/* Builds a small ledger with every kind of row: movements, a posted, a voided and an open hold. */
static void small_ledger(pw_db *db)
{
    deposit(db, 1, "EUR", 5000);
    deposit(db, 2, "USD", 3000);
    grant_credits(db, 3, 120);
    int64_t escrow = platform(db, PW_ACCOUNT_ESCROW, "EUR");
    pw_transfer t = {.debit_account = wallet(db, 1, "EUR"),
                     .credit_account = escrow,
                     .amount = 1000,
                     .asset = "EUR",
                     .kind = "escrow",
                     .task_id = 9};
    pw_error err;
    int64_t a = 0, b = 0, c = 0;
    assert_int_equal(pw_ledger_hold(db, &t, NOW_MS, &a, &err), 0);
    assert_int_equal(pw_ledger_hold(db, &t, NOW_MS, &b, &err), 0);
    assert_int_equal(pw_ledger_hold(db, &t, NOW_MS, &c, &err), 0);
    assert_int_equal(pw_ledger_settle_task(db, a, 9, 1, 4, 700, 1000, 2000, NOW_MS, &err), 0);
    assert_int_equal(pw_ledger_void_pending(db, b, NOW_MS, &err), 0);
}

typedef struct corruption {
    const char *sql;    /* a raw change the API would never make */
    const char *expect; /* a piece of the first failure's text */
} corruption;

static void test_verify_detects_corruption(void **state)
{
    pw_db *db = ((fixture *)*state)->t.db;
    small_ledger(db);
    pw_ledger_report r;
    assert_int_equal(pw_ledger_verify(db, &r), PW_OK);
    assert_int_equal(r.failures, 0);
    assert_int_equal(r.pending, 1);
    assert_true(r.accounts >= 8);
    static const corruption cases[] = {
        {"UPDATE ledger_accounts SET balance = balance + 1 WHERE kind = 'user' AND asset = 'EUR' AND owner_user_id = 1",
         "sum to zero"},
        {"UPDATE ledger_accounts SET balance = balance + 5 WHERE owner_user_id = 1 AND asset = 'EUR';"
         "UPDATE ledger_accounts SET balance = balance - 5 WHERE owner_user_id = 4 AND asset = 'EUR'",
         "sum of its entries"},
        {"UPDATE ledger_accounts SET held = held + 5 WHERE owner_user_id = 1 AND asset = 'EUR'", "pending debits"},
        {"UPDATE ledger_accounts SET held = 0 WHERE owner_user_id = 1 AND asset = 'EUR'", "pending debits"},
        {"UPDATE ledger_accounts SET allow_negative = 1 WHERE kind = 'pool'", "shape"},
        {"DELETE FROM ledger_entries WHERE id = (SELECT max(id) FROM ledger_entries)", "sum"},
        {"UPDATE ledger_entries SET balance_after = balance_after + 1 WHERE id = (SELECT min(id) FROM ledger_entries)",
         "running sum"},
        {"UPDATE ledger_transfers SET status = 'pending', resolved_at = NULL WHERE two_phase = 1 AND status = 'voided'",
         "pending debits"},
        {"UPDATE ledger_transfers SET status = 'voided' WHERE two_phase = 1 AND status = 'posted'", "posted"},
        {"UPDATE ledger_transfers SET amount = amount + 1 WHERE pending_id IS NOT NULL", "two entries"},
        {"UPDATE ledger_transfers SET asset = 'USD' WHERE id = (SELECT max(id) FROM ledger_transfers)", "asset"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(pw_db_exec(db, "SAVEPOINT corrupt"), PW_OK);
        assert_int_equal(pw_db_exec(db, cases[i].sql), PW_OK);
        assert_int_equal(pw_ledger_verify(db, &r), PW_OK);
        if (r.failures == 0 || strstr(r.first_failure, cases[i].expect) == NULL)
            fail_msg("corruption %zu went unnoticed or misdescribed (%lld failures): %s", i, (long long)r.failures,
                     r.first_failure);
        assert_int_equal(pw_db_exec(db, "ROLLBACK TO corrupt; RELEASE corrupt"), PW_OK);
        assert_verified(db);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_verify_detects_corruption, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
