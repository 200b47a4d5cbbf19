/* test_asset.c — unit tests of src/ledger/asset.c, the ledger's pure rules: the fee
 * split checked against a table and against a 128-bit oracle on random inputs, asset
 * codes, and amount parsing (whole objects and prefixed fields). No database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "base/error.h"
#include "base/rand.h"
#include "ledger/ledger.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fee_split_table),     cmocka_unit_test(test_fee_split_oracle),
        cmocka_unit_test(test_asset_valid),         cmocka_unit_test(test_amount_parse),
        cmocka_unit_test(test_amount_parse_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
