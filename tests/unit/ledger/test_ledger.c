/* test_ledger.c — unit tests of the ledger (src/ledger/) on a real SQLite database.
 *
 * The pure rules (fee split, asset codes, amount parsing) are checked against tables and,
 * for the fee split, against a 128-bit oracle on random inputs. The storage rules run on
 * a fresh migrated temporary database per test, inside one BEGIN/COMMIT as the writer
 * would: transfers, holds posted or voided exactly once, insufficient funds changing
 * nothing (compared by a fingerprint of every ledger row), task settlement with exact
 * balances, the verifier passing on a good ledger and failing on each kind of raw
 * corruption, and a seeded random walk of thousands of operations over many accounts
 * checked against an in-memory model of every account, then verified. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/rand.h"
#include "ledger/ledger.h"
#include "ledger/ledger_internal.h"
#include "store/db.h"
#include "store/migrate.h"
#include "temp_db.h"

/* ==== helpers ========================================================================= */

typedef struct fixture {
    temp_db t;                /* first: temp_db_teardown closes and frees the fixture */
    const void *case_of_test; /* what the test was registered with (cmocka prestate), or NULL */
} fixture;

static const int64_t NOW_MS = 1767225600000; /* 2026-01-01T00:00:00Z */

static int64_t scalar(pw_db *db, const char *sql)
{
    pw_stmt *st = pw_db_stmt(db, sql);
    assert_non_null(st);
    assert_int_equal(pw_stmt_step(st), PW_ROW);
    int64_t v = pw_stmt_column_int64(st, 0);
    pw_stmt_done(st);
    return v;
}

#define USERS 50 /* users 1..USERS exist in every fixture */

static int setup(void **state)
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

static int teardown(void **state)
{
    fixture *f = *state;
    pw_db_exec(f->t.db, "COMMIT");
    return temp_db_teardown(state);
}

static int64_t wallet(pw_db *db, int64_t user, const char *asset)
{
    int64_t id = 0;
    assert_int_equal(pw_ledger_account(db, user, PW_ACCOUNT_USER, asset, &id), PW_OK);
    return id;
}

static int64_t platform(pw_db *db, const char *kind, const char *asset)
{
    int64_t id = 0;
    assert_int_equal(pw_ledger_account(db, 0, kind, asset, &id), PW_OK);
    return id;
}

static pw_ledger_account_row account(pw_db *db, int64_t id)
{
    pw_ledger_account_row a;
    assert_int_equal(pw_ledger_load_account(db, id, &a), 1);
    return a;
}

static int64_t balance(pw_db *db, int64_t id) { return account(db, id).balance; }
static int64_t held(pw_db *db, int64_t id) { return account(db, id).held; }

static void deposit(pw_db *db, int64_t user, const char *asset, int64_t amount)
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
static void grant_credits(pw_db *db, int64_t user, int64_t minutes)
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
static uint64_t fingerprint(pw_db *db)
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

static void assert_verified(pw_db *db)
{
    pw_ledger_report r;
    assert_int_equal(pw_ledger_verify(db, &r), PW_OK);
    if (r.failures != 0)
        fail_msg("verify: %lld failures; first: %s", (long long)r.failures, r.first_failure);
}

static void assert_error(const pw_error *err, int status, const char *code)
{
    assert_int_equal(err->status, status);
    assert_string_equal(err->code, code);
}

/* ==== pure rules ======================================================================= */

static void test_fee_split_table(void **state)
{
    static const struct {
        int64_t amount;
        int fee_bps, pool_bps;
        int64_t worker, fee, pool;
    } rows[] = {
        {0, 1000, 2000, 0, 0, 0},
        {1, 1000, 2000, 1, 0, 0}, /* one minor unit: the fee rounds to 0, the worker keeps it */
        {9, 1000, 2000, 9, 0, 0},
        {10, 1000, 5000, 9, 1, 0},      /* pool 0.5 rounds down */
        {999, 1000, 2000, 900, 99, 19}, /* fee 99.9 -> 99, pool 19.8 -> 19 */
        {1001, 1000, 2000, 901, 100, 20},
        {12345, 0, 5000, 12345, 0, 0},          /* 0 bps: no fee */
        {12345, 1, 10000, 12344, 1, 1},         /* 1 bps of 12345 = 1.2345 -> 1 */
        {12345, 10000, 10000, 0, 12345, 12345}, /* everything is fee, all of it to the pool */
        {12345, 1000, 0, 11111, 1234, 0},
        {PW_MONEY_MAX_MINOR, 1000, 2000, 90000000000LL, 10000000000LL, 2000000000LL},
        {INT64_MAX, 10000, 10000, 0, INT64_MAX, INT64_MAX},
        {INT64_MAX, 1000, 0, 8301034833169298227LL, 922337203685477580LL, 0},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        int64_t worker = -1, fee = -1, pool = -1;
        pw_ledger_fee_split(rows[i].amount, rows[i].fee_bps, rows[i].pool_bps, &worker, &fee, &pool);
        if (worker != rows[i].worker || fee != rows[i].fee || pool != rows[i].pool)
            fail_msg("row %zu: got worker %lld fee %lld pool %lld", i, (long long)worker, (long long)fee,
                     (long long)pool);
        assert_int_equal(worker + fee, rows[i].amount);
    }
}

__extension__ typedef __int128 wide; /* the oracle's exact arithmetic */

static void test_fee_split_oracle(void **state)
{
    pw_rng r;
    pw_rng_seed(&r, 42);
    for (int i = 0; i < 200000; i++) {
        int64_t amount = i % 3 == 0 ? pw_rng_range(&r, 0, 100000)
                                    : (int64_t)(pw_rng_next(&r) >> (1 + pw_rng_next(&r) % 63));
        int fee_bps = (int)pw_rng_range(&r, 0, 10000), pool_bps = (int)pw_rng_range(&r, 0, 10000);
        int64_t worker, fee, pool;
        pw_ledger_fee_split(amount, fee_bps, pool_bps, &worker, &fee, &pool);
        wide wide_fee = (wide)amount * fee_bps / 10000;
        wide wide_pool = wide_fee * pool_bps / 10000;
        assert_true(fee == (int64_t)wide_fee);
        assert_true(pool == (int64_t)wide_pool);
        assert_true(worker == amount - fee);
    }
}

static void test_asset_valid(void **state)
{
    assert_true(pw_asset_valid("EUR", 0));
    assert_true(pw_asset_valid("USD", 0));
    assert_true(pw_asset_valid("JPY", 0));
    assert_true(pw_asset_valid("AED", 0)); /* first in the table */
    assert_true(pw_asset_valid("ZWL", 0)); /* last */
    assert_true(pw_asset_valid("TIME", 1));
    assert_false(pw_asset_valid("TIME", 0));
    assert_false(pw_asset_valid("eur", 1));
    assert_false(pw_asset_valid("Eur", 1));
    assert_false(pw_asset_valid("time", 1));
    assert_false(pw_asset_valid("XXX", 1)); /* well-formed, not a currency we carry */
    assert_false(pw_asset_valid("EURO", 1));
    assert_false(pw_asset_valid("EU", 1));
    assert_false(pw_asset_valid("E1R", 1));
    assert_false(pw_asset_valid("", 1));
    assert_false(pw_asset_valid(NULL, 1));
    assert_false(pw_asset_valid("EUR ", 1));
}

typedef struct parse_case {
    const char *json;
    int allow_time;
    int status; /* 0: accepted */
    const char *field;
    int64_t amount; /* when accepted */
} parse_case;

static void test_amount_parse(void **state)
{
    static const parse_case cases[] = {
        {"{\"amount\": 1250, \"currency\": \"EUR\"}", 0, 0, NULL, 1250},
        {"{\"amount\": 1, \"currency\": \"JPY\"}", 0, 0, NULL, 1},
        {"{\"amount\": 100000000000, \"currency\": \"EUR\"}", 0, 0, NULL, PW_MONEY_MAX_MINOR},
        {"{\"amount\": 100000000001, \"currency\": \"EUR\"}", 0, 422, "amount", 0},
        {"{\"amount\": 9223372036854775807, \"currency\": \"EUR\"}", 0, 422, "amount", 0},
        {"{\"amount\": 90, \"currency\": \"TIME\"}", 1, 0, NULL, 90},
        {"{\"amount\": 100000, \"currency\": \"TIME\"}", 1, 0, NULL, PW_CREDITS_MAX_MINUTES},
        {"{\"amount\": 100001, \"currency\": \"TIME\"}", 1, 422, "amount", 0},
        {"{\"amount\": 90, \"currency\": \"TIME\"}", 0, 422, "currency", 0},
        {"{\"currency\": \"EUR\"}", 0, 422, "amount", 0},
        {"{\"amount\": 0, \"currency\": \"EUR\"}", 0, 422, "amount", 0},
        {"{\"amount\": -5, \"currency\": \"EUR\"}", 0, 422, "amount", 0},
        {"{\"amount\": 10.5, \"currency\": \"EUR\"}", 0, 400, "amount", 0},
        {"{\"amount\": 10.0, \"currency\": \"EUR\"}", 0, 400, "amount", 0},
        {"{\"amount\": 1e3, \"currency\": \"EUR\"}", 0, 400, "amount", 0},
        {"{\"amount\": \"100\", \"currency\": \"EUR\"}", 0, 400, "amount", 0},
        {"{\"amount\": true, \"currency\": \"EUR\"}", 0, 400, "amount", 0},
        {"{\"amount\": null, \"currency\": \"EUR\"}", 0, 400, "amount", 0},
        {"{\"amount\": 100}", 0, 422, "currency", 0},
        {"{\"amount\": 100, \"currency\": 978}", 0, 400, "currency", 0},
        {"{\"amount\": 100, \"currency\": \"eur\"}", 0, 422, "currency", 0},
        {"{\"amount\": 100, \"currency\": \"XYZ\"}", 0, 422, "currency", 0},
        {"{\"amount\": 100, \"currency\": \"\"}", 0, 422, "currency", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const parse_case *c = &cases[i];
        json_t *obj = json_loads(c->json, 0, NULL);
        assert_non_null(obj);
        pw_amount a;
        pw_error err = {0};
        int rc = pw_amount_parse(obj, c->allow_time, NULL, &a, &err);
        json_decref(obj);
        if (c->status == 0) {
            if (rc != 0)
                fail_msg("case %zu (%s): refused: %s", i, c->json, err.message);
            assert_int_equal(a.amount, c->amount);
            continue;
        }
        if (rc == 0 || err.status != c->status || err.field == NULL || strcmp(err.field, c->field) != 0)
            fail_msg("case %zu (%s): rc %d status %d field %s", i, c->json, rc, err.status,
                     err.field ? err.field : "(null)");
    }
}

static void test_amount_parse_prefix(void **state)
{
    json_t *obj = json_loads("{\"amount\": -1, \"currency\": \"eur\"}", 0, NULL);
    pw_amount a;
    pw_error e1, e2;
    assert_int_equal(pw_amount_parse(obj, 0, "compensation", &a, &e1), PW_EREFUSED);
    assert_string_equal(e1.field, "compensation.currency");
    json_object_set_new(obj, "currency", json_string("EUR"));
    assert_int_equal(pw_amount_parse(obj, 0, "compensation", &a, &e2), PW_EREFUSED);
    assert_string_equal(e2.field, "compensation.amount");
    json_decref(obj);
    assert_int_equal(pw_amount_parse(NULL, 0, "compensation", &a, &e1), PW_EREFUSED);
    assert_int_equal(e1.status, 400);
    json_t *money = pw_amount_json(1250, "EUR");
    char *text = json_dumps(money, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(text, "{\"amount\":1250,\"currency\":\"EUR\"}");
    free(text);
    json_decref(money);
}

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
        cmocka_unit_test(test_fee_split_table),
        cmocka_unit_test(test_fee_split_oracle),
        cmocka_unit_test(test_asset_valid),
        cmocka_unit_test(test_amount_parse),
        cmocka_unit_test(test_amount_parse_prefix),
        cmocka_unit_test_setup_teardown(test_transfer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_insufficient_funds_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hold_post_void_exactly_once, setup, teardown),
        cmocka_unit_test_prestate_setup_teardown(test_settle, setup, teardown, (void *)&settle_cases[0]),
        cmocka_unit_test_prestate_setup_teardown(test_settle, setup, teardown, (void *)&settle_cases[1]),
        cmocka_unit_test_prestate_setup_teardown(test_settle, setup, teardown, (void *)&settle_cases[2]),
        cmocka_unit_test_prestate_setup_teardown(test_settle, setup, teardown, (void *)&settle_cases[3]),
        cmocka_unit_test_prestate_setup_teardown(test_settle, setup, teardown, (void *)&settle_cases[4]),
        cmocka_unit_test_setup_teardown(test_settle_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_detects_corruption, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_constraints_back_the_code, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_walk, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
