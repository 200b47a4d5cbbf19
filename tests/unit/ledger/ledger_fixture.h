/* ledger_fixture.h — for the ledger's tests: a fresh migrated temporary database per
 * test with users 1..USERS, inside one BEGIN IMMEDIATE/COMMIT as the writer would have it
 * (setup/teardown as a cmocka fixture; a registered prestate is kept as case_of_test),
 * and the helpers the tests share: wallets and platform accounts, balances, a sandbox
 * deposit, TIME credits, a fingerprint of every ledger row, the verifier passing, an
 * error's status and code. Shared by test_ledger.c, test_settle.c and test_verify.c;
 * the caller includes cmocka first. */
#ifndef PW_TEST_LEDGER_FIXTURE_H
#define PW_TEST_LEDGER_FIXTURE_H
#include <stdio.h>
#include <stdlib.h>

#include "base/roles.h"
#include "ledger/ledger.h"
#include "ledger/ledger_internal.h"
#include "store/db.h"
#include "../temp_db.h"

typedef struct fixture {
    temp_db t;                /* first: temp_db_teardown closes and frees the fixture */
    const void *case_of_test; /* what the test was registered with (cmocka prestate), or NULL */
} fixture;

static const int64_t NOW_MS = 1767225600000; /* 2026-01-01T00:00:00Z */

static inline int64_t scalar(pw_db *db, const char *sql)
{
    pw_stmt *st = pw_db_stmt(db, sql);
    assert_non_null(st);
    assert_int_equal(pw_stmt_step(st), PW_ROW);
    int64_t v = pw_stmt_column_int64(st, 0);
    pw_stmt_done(st);
    return v;
}

#define USERS 50 /* users 1..USERS exist in every fixture */

static inline int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->case_of_test = *state;
    temp_db_open(&f->t, "ledger");
    assert_int_equal(pw_db_exec(f->t.db, "BEGIN IMMEDIATE"), PW_OK);
    for (int64_t u = 1; u <= USERS; u++)
        temp_db_add_user(f->t.db, u, "test", PW_ROLE_CLIENT | PW_ROLE_WORKER);
    *state = f;
    return 0;
}

static inline int teardown(void **state)
{
    fixture *f = *state;
    pw_db_exec(f->t.db, "COMMIT");
    return temp_db_teardown(state);
}

static inline int64_t wallet(pw_db *db, int64_t user, const char *asset)
{
    int64_t id = 0;
    assert_int_equal(pw_ledger_account(db, user, PW_ACCOUNT_USER, asset, &id), PW_OK);
    return id;
}

static inline int64_t platform(pw_db *db, const char *kind, const char *asset)
{
    int64_t id = 0;
    assert_int_equal(pw_ledger_account(db, 0, kind, asset, &id), PW_OK);
    return id;
}

static inline pw_ledger_account_row account(pw_db *db, int64_t id)
{
    pw_ledger_account_row a;
    assert_int_equal(pw_ledger_load_account(db, id, &a), 1);
    return a;
}

static inline int64_t balance(pw_db *db, int64_t id) { return account(db, id).balance; }
static inline int64_t held(pw_db *db, int64_t id) { return account(db, id).held; }

static inline void deposit(pw_db *db, int64_t user, const char *asset, int64_t amount)
{
    pw_amount a = {.amount = amount};
    snprintf(a.asset, sizeof(a.asset), "%s", asset);
    pw_error err;
    int64_t id = 0;
    if (pw_ledger_deposit(db, &pw_payment_sandbox, user, &a, NOW_MS, &id, &err) != 0)
        fail_msg("deposit: %d %s", err.status, err.message);
    assert_true(id > 0);
}

/* Grants TIME credits from the external TIME account (they cannot be deposited). */
static inline void grant_credits(pw_db *db, int64_t user, int64_t minutes)
{
    pw_transfer t = {.debit_account = platform(db, PW_ACCOUNT_EXTERNAL, "TIME"),
                     .credit_account = wallet(db, user, "TIME"),
                     .amount = minutes,
                     .asset = "TIME",
                     .kind = "grant"};
    pw_error err;
    assert_int_equal(pw_ledger_post_transfer(db, &t, NOW_MS, NULL, &err), 0);
}

/* A digest of every ledger row: equal digests mean nothing changed. */
static inline uint64_t fingerprint(pw_db *db)
{
    static const char *const queries[] = {
        "SELECT count(*) FROM ledger_accounts",
        "SELECT coalesce(sum(id * 7 + balance * 31 + held * 131), 0) FROM ledger_accounts",
        "SELECT count(*) FROM ledger_transfers",
        "SELECT coalesce(sum(id * 7 + amount * 31 + length(status) * 131), 0) FROM ledger_transfers",
        "SELECT count(*) FROM ledger_entries",
        "SELECT coalesce(sum(id * 7 + amount * 31 + balance_after * 131), 0) FROM ledger_entries",
    };
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++)
        h = (h ^ (uint64_t)scalar(db, queries[i])) * 1099511628211ull;
    return h;
}

static inline void assert_verified(pw_db *db)
{
    pw_ledger_report r;
    assert_int_equal(pw_ledger_verify(db, &r), PW_OK);
    if (r.failures != 0)
        fail_msg("verify: %lld failures; first: %s", (long long)r.failures, r.first_failure);
}

static inline void assert_error(const pw_error *err, int status, const char *code)
{
    assert_int_equal(err->status, status);
    assert_string_equal(err->code, code);
}

#endif
