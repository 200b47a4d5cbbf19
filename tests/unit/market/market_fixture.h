/* market_fixture.h — for tests: the market on a real database. A fresh migrated SQLite
 * file in /tmp, the market policy with the shipped fee rule (10 % fee, 20 % of it to the
 * pool) and a one-hour review window, the dispatch engine built from it, one client with
 * 1000.00 EUR deposited, and a transaction open (BEGIN IMMEDIATE) as the writer would
 * have. Users and active remote workers are made on demand. Shared by test_tick.c and
 * market/test_task_actions.c; the caller includes cmocka first. */
#ifndef PW_TEST_MARKET_FIXTURE_H
#define PW_TEST_MARKET_FIXTURE_H
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/roles.h"
#include "dispatch/engine.h"
#include "ledger/ledger.h"
#include "market/accounts.h"
#include "market/tasks.h"
#include "market/workers.h"
#include "store/migrate.h"
#include "../temp_db.h"

#define T0                     1795568523000LL /* 2026-11-25T01:02:03Z: the fixed "now" of these tests */
#define MINUTE_MS              (60 * 1000LL)
#define HOUR_MS                (60 * MINUTE_MS)
#define REVIEW_WINDOW_S        3600
#define MARKET_FIXTURE_DEPOSIT 100000 /* the client's 1000.00 EUR */

typedef struct market_fixture {
    char path[64]; /* the temporary database file */
    pw_db *db;
    pw_market_policy policy;
    int64_t client;
    int users; /* for unique e-mails */
} market_fixture;

static inline void exec_ok(pw_db *db, const char *sql)
{
    int rc = pw_db_exec(db, sql);
    if (rc != PW_OK)
        print_error("%s: %s\n", sql, pw_db_errmsg(db));
    assert_int_equal(rc, PW_OK);
}

/* The first column of the first row of `sql` (one `?`: a, or none: a unused); -1 for NULL. */
static inline int64_t query_int(pw_db *db, const char *sql, int64_t a)
{
    pw_stmt *st = pw_db_stmt(db, sql);
    assert_non_null(st);
    if (strchr(sql, '?') != NULL) /* a bind past the last parameter fails the step */
        pw_stmt_int64(st, 1, a);
    assert_int_equal(pw_stmt_step(st), PW_ROW);
    int64_t v = pw_stmt_column_is_null(st, 0) ? -1 : pw_stmt_column_int64(st, 0);
    pw_stmt_done(st);
    return v;
}

/* A user's EUR wallet: its balance, and what of it is held (0 if it does not exist yet). */
static inline int64_t market_wallet(pw_db *db, int64_t user)
{
    return query_int(db,
                     "SELECT coalesce(sum(balance), 0) FROM ledger_accounts WHERE owner_user_id = ? AND "
                     "kind = 'user' AND asset = 'EUR'",
                     user);
}

static inline int64_t market_held(pw_db *db, int64_t user)
{
    return query_int(db,
                     "SELECT coalesce(sum(held), 0) FROM ledger_accounts WHERE owner_user_id = ? AND "
                     "kind = 'user' AND asset = 'EUR'",
                     user);
}

static inline int64_t make_user(market_fixture *f, int roles)
{
    pw_new_user u = {.roles = roles};
    snprintf(u.email, sizeof(u.email), "user%d@example.test", ++f->users);
    snprintf(u.display_name, sizeof(u.display_name), "User %d", f->users);
    pw_user_row row;
    pw_error err;
    assert_int_equal(pw_accounts_insert_user(f->db, &u, "!test: no sign-in", T0, &row, &err), 0);
    return row.id;
}

/* An active remote worker whose one category is `category`, in the index. */
static inline int64_t make_worker(market_fixture *f, const char *category)
{
    int64_t id = make_user(f, PW_ROLE_WORKER);
    pw_worker_profile p = {.remote = 1, .radius_km = 10};
    snprintf(p.categories.tag[p.categories.count++], sizeof(p.categories.tag[0]), "%s", category);
    int64_t since;
    pw_error err;
    assert_int_equal(pw_worker_profile_save(f->db, id, &p, T0), PW_OK);
    assert_int_equal(pw_worker_set_active(f->db, id, 1, T0, &since, &err), 0);
    pw_engine_touch(f->policy.dispatch.engine, id);
    assert_int_equal(pw_dispatching_refresh(f->db, f->policy.dispatch.engine, T0), PW_OK);
    return id;
}

/* `name` names the temporary file (/tmp/pw-test-NAME-XXXXXX). */
static inline void market_fixture_open(market_fixture *f, const char *name)
{
    f->db = temp_db_migrated(f->path, sizeof(f->path), name);
    pw_dispatching_defaults(&f->policy.dispatch);
    f->policy.dispatch.policy.search_threads = 1;
    f->policy.dispatch.heartbeat_timeout_s = 7 * 24 * 3600; /* nobody falls silent within these tests */
    f->policy.review_window_s = REVIEW_WINDOW_S;
    f->policy.fee_bps = 1000;
    f->policy.pool_share_bps = 2000;
    assert_int_equal(pw_engine_new(&f->policy.dispatch.policy, &f->policy.dispatch.engine), 0);
    assert_int_equal(pw_dispatching_load(f->db, f->policy.dispatch.engine, T0), PW_OK);
    exec_ok(f->db, "BEGIN IMMEDIATE");
    f->client = make_user(f, PW_ROLE_CLIENT);
    pw_amount a = {.amount = MARKET_FIXTURE_DEPOSIT, .asset = "EUR"};
    int64_t transfer;
    pw_error err;
    assert_int_equal(pw_ledger_deposit(f->db, &pw_payment_sandbox, f->client, &a, T0, &transfer, &err), 0);
}

/* Frees the engine, closes the database and removes its files. */
static inline void market_fixture_close(market_fixture *f)
{
    pw_engine_free(f->policy.dispatch.engine);
    pw_db_close(f->db);
    temp_db_remove(f->path);
}

#endif
