/* test_accounts.c — unit tests of src/market/accounts.c.
 *
 * Without a database: e-mail validation (shape and PW_EMAIL_MAX_BYTES), the roles a
 * sign-up may ask for and their JSON, session tokens (alphabet, length, their BLAKE2b
 * hash against a known value, only 43-character tokens hashed), random ids, and one
 * argon2id password hash verified right and wrong. The string-field rules they build on
 * are base's: test_json_util.c.
 *
 * Sessions as a request reads them (what http/auth.c asks through app->sessions), on a
 * real, migrated SQLite file:
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
#include "json_fixture.h"
#include "temp_db.h"

#define T0 1795568523000LL /* 2026-11-25T01:02:03Z */

typedef struct fixture {
    temp_db t; /* first: temp_db_teardown closes and frees the fixture */
    int64_t user_id;
    char token[PW_TOKEN_TEXT_BYTES], csrf[PW_CSRF_TEXT_BYTES];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    temp_db_open(&f->t, "accounts");
    pw_new_user u = {.email = "w@example.test", .display_name = "Wim", .roles = PW_ROLE_CLIENT | PW_ROLE_WORKER};
    pw_user_row row;
    pw_error err;
    if (pw_accounts_insert_user(f->t.db, &u, "not-a-real-hash", T0, &row, &err) != 0 ||
        pw_accounts_create_session(f->t.db, row.id, 0, T0, f->token, f->csrf) != PW_OK)
        return -1;
    f->user_id = row.id;
    *state = f;
    return 0;
}

/* pw_accounts_find_session on the fixture's token at now_ms: 1 or 0 (an error fails the test). */
static int find(fixture *f, const char *token, int64_t now_ms, pw_session_row *out)
{
    int rc = pw_accounts_find_session(f->t.db, token, strlen(token), now_ms, out);
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
    assert_int_equal(pw_accounts_touch_session(f->t.db, session_id, f->user_id, T0 + idle_ms - 1), PW_OK);
    assert_int_equal(find(f, f->token, T0 + idle_ms + 1000, &s), 1);
    assert_int_equal(s.touch_due, 0);
    assert_int_equal(find(f, f->token, T0 + 2 * idle_ms - 2, &s), 1); /* a day after that use, not more */
    assert_int_equal(find(f, f->token, T0 + 2 * idle_ms - 1, &s), 0);
    /* used every hour, it still dies at its absolute expiry */
    const int64_t absolute_ms = (int64_t)PW_SESSION_ABSOLUTE_S * 1000;
    for (int64_t at = T0 + idle_ms; at < T0 + absolute_ms; at += 3600 * 1000)
        assert_int_equal(pw_accounts_touch_session(f->t.db, session_id, f->user_id, at), PW_OK);
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
    assert_int_equal(pw_accounts_find_session(f->t.db, f->token, strlen(f->token) - 1, T0 + 1000, &s), 0); /* short */
    assert_int_equal(find(f, "", T0 + 1000, &s), 0);
    char longer[PW_TOKEN_TEXT_BYTES + 1];
    snprintf(longer, sizeof(longer), "%sx", f->token);
    assert_int_equal(find(f, longer, T0 + 1000, &s), 0);
    /* revoked: gone at once */
    assert_int_equal(find(f, f->token, T0 + 1000, &s), 1);
    assert_int_equal(pw_accounts_revoke_session(f->t.db, s.id, T0 + 2000), PW_OK);
    assert_int_equal(find(f, f->token, T0 + 3000, &s), 0);
}

static int64_t worker_last_seen(fixture *f)
{
    pw_stmt *st = pw_db_stmt(f->t.db, "SELECT last_seen_at FROM worker_profiles WHERE user_id = ?");
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
    assert_int_equal(pw_worker_profile_save(f->t.db, f->user_id, &p, T0), PW_OK);
    pw_session_row s;
    assert_int_equal(find(f, f->token, T0 + 1000, &s), 1);
    pw_error err;
    int64_t since = 0;
    assert_int_equal(pw_worker_set_active(f->t.db, f->user_id, 1, T0 + 1000, &since, &err), 0);
    assert_int_equal(worker_last_seen(f), T0 + 1000);
    assert_int_equal(pw_accounts_touch_session(f->t.db, s.id, f->user_id, T0 + 90000), PW_OK);
    assert_int_equal(worker_last_seen(f), T0 + 90000);
    /* inactive: the session's use is recorded, the worker is not heard from */
    assert_int_equal(pw_worker_set_active(f->t.db, f->user_id, 0, T0 + 100000, &since, &err), 0);
    assert_int_equal(pw_accounts_touch_session(f->t.db, s.id, f->user_id, T0 + 200000), PW_OK);
    assert_int_equal(worker_last_seen(f), T0 + 100000);
    assert_int_equal(find(f, f->token, T0 + 200000 + (int64_t)PW_SESSION_IDLE_S * 1000 - 1, &s), 1);
}

/* ==== accounts: validation ================================================================= */

static void test_validate_email(void **state)
{
    (void)state;
    static const struct {
        const char *email;
        int ok;
    } cases[] = {
        {"a@b.co", 1},
        {"x@y.z", 1},
        {"name@example.com", 1},
        {"first.last+tag@sub.example.org", 1},
        {"o'brien@example.ie", 1},
        {"", 0},
        {"a", 0},
        {"example.com", 0},
        {"@example.com", 0},
        {"a@", 0},
        {"a@b", 0}, /* no dot in the domain */
        {"a@.com", 0},
        {"a@example.com.", 0},
        {"a@@example.com", 0},
        {"a@b@example.com", 0},
        {"a b@example.com", 0},
        {"a@exa mple.com", 0},
        {" a@example.com", 0},
        {"a@example.com ", 0},
        {"a\t@example.com", 0},
        {"a\x7f@example.com", 0},
        {"a,b@example.com", 0},
        {"<a@example.com>", 0},
        {"a@example.com\n", 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        pw_error err = {0};
        int rc = pw_accounts_validate_email(cases[i].email, &err);
        if ((rc == 0) != cases[i].ok)
            print_error("email \"%s\": rc %d\n", cases[i].email, rc);
        assert_int_equal(rc == 0, cases[i].ok);
        if (!cases[i].ok)
            assert_error(&err, 422, "validation_failed", "email");
    }
    /* PW_EMAIL_MAX_BYTES (254) is accepted, 255 is not */
    char email[300];
    memset(email, 'a', sizeof(email));
    memcpy(email + PW_EMAIL_MAX_BYTES - 12, "@example.com", 13); /* 254 bytes + NUL */
    assert_int_equal(strlen(email), PW_EMAIL_MAX_BYTES);
    pw_error err;
    assert_int_equal(pw_accounts_validate_email(email, &err), 0);
    memset(email, 'a', sizeof(email));
    memcpy(email + PW_EMAIL_MAX_BYTES - 11, "@example.com", 13);
    assert_int_equal(strlen(email), PW_EMAIL_MAX_BYTES + 1);
    assert_int_equal(pw_accounts_validate_email(email, &err), PW_EREFUSED);
}

static void test_parse_roles(void **state)
{
    (void)state;
    static const struct {
        const char *json;      /* NULL: the field is absent */
        int rc, roles, status; /* on success roles, on failure the status */
    } cases[] = {
        {"[\"client\"]", 0, PW_ROLE_CLIENT, 0},
        {"[\"worker\"]", 0, PW_ROLE_WORKER, 0},
        {"[\"client\", \"worker\"]", 0, PW_ROLE_CLIENT | PW_ROLE_WORKER, 0},
        {"[\"worker\", \"client\"]", 0, PW_ROLE_CLIENT | PW_ROLE_WORKER, 0},
        {NULL, PW_EREFUSED, 0, 422},
        {"[]", PW_EREFUSED, 0, 422},
        {"[\"admin\"]", PW_EREFUSED, 0, 422}, /* admin is never self-assigned */
        {"[\"client\", \"admin\"]", PW_EREFUSED, 0, 422},
        {"[\"client\", \"client\"]", PW_EREFUSED, 0, 422},
        {"[\"client\", \"worker\", \"client\"]", PW_EREFUSED, 0, 422},
        {"[\"Client\"]", PW_EREFUSED, 0, 422},
        {"[\"\"]", PW_EREFUSED, 0, 422},
        {"\"client\"", PW_EREFUSED, 0, 400},
        {"{\"client\": true}", PW_EREFUSED, 0, 400},
        {"[1]", PW_EREFUSED, 0, 400},
        {"[null]", PW_EREFUSED, 0, 400},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *v = cases[i].json ? J(cases[i].json) : NULL;
        int roles = -7;
        pw_error err = {0};
        int rc = pw_accounts_parse_roles(v, &roles, &err);
        if (rc != cases[i].rc)
            print_error("roles case %zu (%s): rc %d\n", i, cases[i].json ? cases[i].json : "absent", rc);
        assert_int_equal(rc, cases[i].rc);
        if (rc == 0) {
            assert_int_equal(roles, cases[i].roles);
        } else {
            assert_int_equal(roles, -7);
            assert_error(&err, cases[i].status, cases[i].status == 400 ? "wrong_type" : "validation_failed", "roles");
        }
        json_decref(v);
    }
    json_t *all = pw_accounts_roles_json(PW_ROLE_CLIENT | PW_ROLE_WORKER | PW_ROLE_ADMIN);
    char *text = json_dumps(all, JSON_COMPACT);
    assert_string_equal(text, "[\"client\",\"worker\",\"admin\"]");
    free(text);
    json_decref(all);
    json_t *worker = pw_accounts_roles_json(PW_ROLE_WORKER);
    text = json_dumps(worker, JSON_COMPACT);
    assert_string_equal(text, "[\"worker\"]");
    free(text);
    json_decref(worker);
}

/* ==== accounts: crypto ====================================================================== */

static void test_tokens(void **state)
{
    (void)state;
    char a[PW_TOKEN_TEXT_BYTES], b[PW_TOKEN_TEXT_BYTES];
    pw_accounts_new_token(a);
    pw_accounts_new_token(b);
    assert_int_equal(strlen(a), PW_TOKEN_TEXT_BYTES - 1); /* 43: base64url of 32 bytes, no padding */
    assert_int_equal(strlen(b), 43);
    assert_string_not_equal(a, b);
    for (size_t i = 0; i < strlen(a); i++)
        assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", a[i]));

    unsigned char h1[PW_TOKEN_HASH_BYTES], h2[PW_TOKEN_HASH_BYTES];
    char fixed[44];
    memset(fixed, 'A', 43);
    fixed[43] = '\0';
    assert_int_equal(pw_accounts_token_hash(fixed, 43, h1), 0);
    /* BLAKE2b-256, unkeyed, of 43 'A's (python: hashlib.blake2b(b"A"*43, digest_size=32)) */
    static const unsigned char want[32] = {0x63, 0x42, 0xb3, 0x84, 0xe5, 0xd6, 0x29, 0x4c, 0x5d, 0xf1, 0x11,
                                           0x01, 0x32, 0xb9, 0x3b, 0x97, 0xb3, 0x95, 0xa2, 0xff, 0x4c, 0xca,
                                           0x49, 0x8a, 0xf6, 0x37, 0xb3, 0xe0, 0x6b, 0x30, 0x95, 0xdd};
    assert_memory_equal(h1, want, 32);
    assert_int_equal(pw_accounts_token_hash(a, strlen(a), h2), 0);
    assert_memory_not_equal(h1, h2, 32);
    /* only 43-character tokens are hashed: anything else cannot be a token */
    assert_int_equal(pw_accounts_token_hash(fixed, 42, h2), PW_EREFUSED);
    assert_int_equal(pw_accounts_token_hash(fixed, 0, h2), PW_EREFUSED);
    char longer[45];
    memset(longer, 'A', 44);
    longer[44] = '\0';
    assert_int_equal(pw_accounts_token_hash(longer, 44, h2), PW_EREFUSED);

    for (int i = 0; i < 1000; i++) {
        int64_t id = pw_random_id();
        assert_true(id > 0);
    }
    assert_int_not_equal(pw_random_id(), pw_random_id());
}

/* One argon2id hash (slow on purpose), verified right and wrong. */
static void test_password_hash_and_verify(void **state)
{
    (void)state;
    char hash[PW_PASSWORD_HASH_BYTES];
    const char *password = "correct horse battery staple";
    assert_int_equal(pw_accounts_hash_password(password, hash), 0);
    assert_int_equal(strncmp(hash, "$argon2id$v=19$m=19456,t=2,p=1$", 31), 0); /* OWASP minimum parameters */
    assert_true(strlen(hash) < PW_PASSWORD_HASH_BYTES);
    assert_int_equal(pw_accounts_verify_password(hash, password), 0);
    assert_int_equal(pw_accounts_verify_password(hash, "correct horse battery stapl"), PW_EREFUSED);
    assert_int_equal(pw_accounts_verify_password("not a hash", password), PW_EREFUSED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validate_email),
        cmocka_unit_test(test_parse_roles),
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_password_hash_and_verify),
        cmocka_unit_test_setup_teardown(test_new_session_found, setup, temp_db_teardown),
        cmocka_unit_test_setup_teardown(test_idle_and_absolute_expiry, setup, temp_db_teardown),
        cmocka_unit_test_setup_teardown(test_tokens_that_find_nothing, setup, temp_db_teardown),
        cmocka_unit_test_setup_teardown(test_touch_is_an_active_workers_heartbeat, setup, temp_db_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
