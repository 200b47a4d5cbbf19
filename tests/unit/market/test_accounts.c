/* test_accounts.c — unit tests of sessions as a request reads them (market/accounts.h,
 * what http/auth.c asks through app->sessions), on a real, migrated SQLite file:
 *   - a new session is found by its token with its user, roles and CSRF token, and its
 *     use is not due to be recorded until PW_SESSION_TOUCH_INTERVAL_S has passed;
 *   - it dies PW_SESSION_IDLE_S after its last recorded use, a use (touch) moves that on,
 *     and none outlives PW_SESSION_ABSOLUTE_S however often it is used;
 *   - revoked, unknown, altered and wrongly sized tokens find nothing;
 *   - a touch records the worker's heartbeat, for an active worker only.
 * The HTTP side (bearer and cookie, CSRF, the detached touch) is tests/api/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/error.h"
#include "base/limits.h"
#include "base/roles.h"
#include "market/accounts.h"
#include "market/workers.h"
#include "store/db.h"
#include "store/migrate.h"
#include "temp_db.h"

#define T0 1795568523000LL /* 2026-11-25T01:02:03Z */

typedef struct fixture {
    char path[64];
    pw_db *db;
    int64_t user_id;
    char token[PW_TOKEN_TEXT_BYTES], csrf[PW_CSRF_TEXT_BYTES];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return -1;
    temp_db_make(f->path, sizeof(f->path), "accounts");
    if (pw_migrate_open(f->path, &f->db, NULL) != 0)
        return -1;
    pw_new_user u = {.email = "w@example.test", .display_name = "Wim", .roles = PW_ROLE_CLIENT | PW_ROLE_WORKER};
    pw_user_row row;
    pw_error err;
    if (pw_accounts_insert_user(f->db, &u, "not-a-real-hash", T0, &row, &err) != 0 ||
        pw_accounts_create_session(f->db, row.id, 0, T0, f->token, f->csrf) != PW_OK)
        return -1;
    f->user_id = row.id;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    pw_db_close(f->db);
    temp_db_remove(f->path);
    free(f);
    return 0;
}

/* pw_accounts_find_session on the fixture's token at now_ms: 1 or 0 (an error fails the test). */
static int find(fixture *f, const char *token, int64_t now_ms, pw_session_row *out)
{
    int rc = pw_accounts_find_session(f->db, token, strlen(token), now_ms, out);
    assert_true(rc == 0 || rc == 1);
    return rc;
}

static void test_new_session_found(void **state)
{
    fixture *f = *state;
    pw_session_row s;
    memset(&s, 0x5a, sizeof(s));
    assert_int_equal(find(f, f->token, T0 + 1000, &s), 1);
    assert_true(s.id > 0);
    assert_int_equal(s.user_id, f->user_id);
    assert_int_equal(s.roles, PW_ROLE_CLIENT | PW_ROLE_WORKER);
    assert_string_equal(s.csrf_token, f->csrf);
    assert_int_equal(s.touch_due, 0);
    /* the use is due to be recorded once the interval has passed, not before */
    const int64_t interval_ms = (int64_t)PW_SESSION_TOUCH_INTERVAL_S * 1000;
    assert_int_equal(find(f, f->token, T0 + interval_ms - 1, &s), 1);
    assert_int_equal(s.touch_due, 0);
    assert_int_equal(find(f, f->token, T0 + interval_ms, &s), 1);
    assert_int_equal(s.touch_due, 1);
}

static void test_idle_and_absolute_expiry(void **state)
{
    fixture *f = *state;
    pw_session_row s;
    const int64_t idle_ms = (int64_t)PW_SESSION_IDLE_S * 1000;
    assert_int_equal(find(f, f->token, T0 + idle_ms - 1, &s), 1);
    const int64_t session_id = s.id;
    assert_int_equal(find(f, f->token, T0 + idle_ms, &s), 0); /* a day unused: dead */
    /* a use recorded before then moves the idle window on, and is not due again at once */
    assert_int_equal(pw_accounts_touch_session(f->db, session_id, f->user_id, T0 + idle_ms - 1), PW_OK);
    assert_int_equal(find(f, f->token, T0 + idle_ms + 1000, &s), 1);
    assert_int_equal(s.touch_due, 0);
    assert_int_equal(find(f, f->token, T0 + 2 * idle_ms - 2, &s), 1); /* a day after that use, not more */
    assert_int_equal(find(f, f->token, T0 + 2 * idle_ms - 1, &s), 0);
    /* used every hour, it still dies at its absolute expiry */
    const int64_t absolute_ms = (int64_t)PW_SESSION_ABSOLUTE_S * 1000;
    for (int64_t at = T0 + idle_ms; at < T0 + absolute_ms; at += 3600 * 1000)
        assert_int_equal(pw_accounts_touch_session(f->db, session_id, f->user_id, at), PW_OK);
    assert_int_equal(find(f, f->token, T0 + absolute_ms - 1, &s), 1);
    assert_int_equal(find(f, f->token, T0 + absolute_ms, &s), 0);
}

static void test_tokens_that_find_nothing(void **state)
{
    fixture *f = *state;
    pw_session_row s;
    char altered[PW_TOKEN_TEXT_BYTES];
    memcpy(altered, f->token, sizeof(altered));
    altered[10] = altered[10] == 'A' ? 'B' : 'A';
    assert_int_equal(find(f, altered, T0 + 1000, &s), 0);
    char unknown[PW_TOKEN_TEXT_BYTES];
    pw_accounts_new_token(unknown);
    assert_int_equal(find(f, unknown, T0 + 1000, &s), 0);
    assert_int_equal(pw_accounts_find_session(f->db, f->token, strlen(f->token) - 1, T0 + 1000, &s), 0); /* short */
    assert_int_equal(find(f, "", T0 + 1000, &s), 0);
    char longer[PW_TOKEN_TEXT_BYTES + 1];
    snprintf(longer, sizeof(longer), "%sx", f->token);
    assert_int_equal(find(f, longer, T0 + 1000, &s), 0);
    /* revoked: gone at once */
    assert_int_equal(find(f, f->token, T0 + 1000, &s), 1);
    assert_int_equal(pw_accounts_revoke_session(f->db, s.id, T0 + 2000), PW_OK);
    assert_int_equal(find(f, f->token, T0 + 3000, &s), 0);
}

static int64_t worker_last_seen(fixture *f)
{
    pw_stmt *st = pw_db_stmt(f->db, "SELECT last_seen_at FROM worker_profiles WHERE user_id = ?");
    pw_stmt_int64(st, 1, f->user_id);
    assert_int_equal(pw_stmt_step(st), PW_ROW);
    int64_t at = pw_stmt_column_int64(st, 0);
    pw_stmt_done(st);
    return at;
}

static void test_touch_is_an_active_workers_heartbeat(void **state)
{
    fixture *f = *state;
    pw_worker_profile p = {.remote = 1, .skills = {.count = 1, .tag = {"plumbing"}}};
    assert_int_equal(pw_worker_profile_save(f->db, f->user_id, &p, T0), PW_OK);
    pw_session_row s;
    assert_int_equal(find(f, f->token, T0 + 1000, &s), 1);
    pw_error err;
    int64_t since = 0;
    assert_int_equal(pw_worker_set_active(f->db, f->user_id, 1, T0 + 1000, &since, &err), 0);
    assert_int_equal(worker_last_seen(f), T0 + 1000);
    assert_int_equal(pw_accounts_touch_session(f->db, s.id, f->user_id, T0 + 90000), PW_OK);
    assert_int_equal(worker_last_seen(f), T0 + 90000);
    /* inactive: the session's use is recorded, the worker is not heard from */
    assert_int_equal(pw_worker_set_active(f->db, f->user_id, 0, T0 + 100000, &since, &err), 0);
    assert_int_equal(pw_accounts_touch_session(f->db, s.id, f->user_id, T0 + 200000), PW_OK);
    assert_int_equal(worker_last_seen(f), T0 + 100000);
    assert_int_equal(find(f, f->token, T0 + 200000 + (int64_t)PW_SESSION_IDLE_S * 1000 - 1, &s), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_new_session_found, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idle_and_absolute_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tokens_that_find_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_touch_is_an_active_workers_heartbeat, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
