/* test_market.c — unit tests of the pure parts of src/market:
 *   - the task state machine (task_state.h): every (state, event, actor) triple against
 *     an expected matrix written here from the design comment in task_state.h, terminal
 *     states, platform-only events, names;
 *   - account validation (accounts.h): e-mail, roles, tokens, one argon2id hash and its
 *     verification (the string-field rules they build on are base's: test_json_util.c);
 *   - worker profiles (workers.h): tags, locations, profile rules;
 *   - new tasks (tasks.h): validation with a fixed now_ms.
 *
 * Only public headers are used (the functions under test are all exported). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/limits.h"
#include "base/roles.h"
#include "market/accounts.h"
#include "market/task_state.h"
#include "market/tasks.h"
#include "market/workers.h"

/* ==== helpers ========================================================================= */

#define T0 1795568523000LL /* 2026-11-25T01:02:03Z: the fixed "now" of these tests */

static json_t *J(const char *text)
{
    json_error_t e;
    json_t *v = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
    if (v == NULL)
        print_error("bad test JSON: %s: %s\n", text, e.text);
    assert_non_null(v);
    return v;
}

static void assert_error(const pw_error *err, int status, const char *code, const char *field)
{
    if (err->status != status || strcmp(err->code, code) != 0 ||
        (field == NULL ? err->field != NULL : err->field == NULL || strcmp(err->field, field) != 0))
        print_error("got %d %s field=%s (%s), want %d %s field=%s\n", err->status, err->code,
                    err->field ? err->field : "(null)", err->message, status, code, field ? field : "(null)");
    assert_int_equal(err->status, status);
    assert_string_equal(err->code, code);
    if (field == NULL)
        assert_null(err->field);
    else
        assert_string_equal(err->field, field);
}

/* ==== the task state machine ============================================================== */

#define C           (1u << PW_ACTOR_CLIENT)
#define W           (1u << PW_ACTOR_WORKER)
#define A           (1u << PW_ACTOR_ADMIN)
#define P           (1u << PW_ACTOR_PLATFORM)
#define ACTOR_COUNT 4

/* Written from the diagram and the event comments in task_state.h, not from the table:
 *   assign (the dispatcher)        dispatching -> assigned                 platform
 *   ack (the worker)               assigned -> in_progress                 worker
 *   release (the worker)           assigned | in_progress -> dispatching   worker
 *   ack_timeout (a timer)          assigned -> dispatching                 platform
 *                                  (not from in_progress: that was acknowledged)
 *   submit (the worker)            in_progress -> submitted                worker
 *   approve (the client)           submitted -> completed                  client
 *   auto_approve (a timer)         submitted -> completed                  platform
 *   dispute (client or worker)     in_progress | submitted -> disputed     client, worker
 *   resolve (an admin)             disputed -> resolved                    admin
 *   cancel (the client withdraws)  dispatching | assigned -> cancelled     client; and admin,
 *                                  who may act for the platform (moderation; the cancel
 *                                  route maps an admin viewer to PW_ACTOR_ADMIN)
 *   expire (a timer)               dispatching -> expired                  platform */
static const struct {
    pw_task_state from;
    pw_task_event event;
    pw_task_state to;
    unsigned actors;
} expected[] = {
    {PW_TASK_DISPATCHING, PW_EV_ASSIGN, PW_TASK_ASSIGNED, P},
    {PW_TASK_DISPATCHING, PW_EV_CANCEL, PW_TASK_CANCELLED, C | A},
    {PW_TASK_DISPATCHING, PW_EV_EXPIRE, PW_TASK_EXPIRED, P},
    {PW_TASK_ASSIGNED, PW_EV_ACK, PW_TASK_IN_PROGRESS, W},
    {PW_TASK_ASSIGNED, PW_EV_RELEASE, PW_TASK_DISPATCHING, W},
    {PW_TASK_ASSIGNED, PW_EV_ACK_TIMEOUT, PW_TASK_DISPATCHING, P},
    {PW_TASK_ASSIGNED, PW_EV_CANCEL, PW_TASK_CANCELLED, C | A},
    {PW_TASK_IN_PROGRESS, PW_EV_RELEASE, PW_TASK_DISPATCHING, W},
    {PW_TASK_IN_PROGRESS, PW_EV_SUBMIT, PW_TASK_SUBMITTED, W},
    {PW_TASK_IN_PROGRESS, PW_EV_DISPUTE, PW_TASK_DISPUTED, C | W},
    {PW_TASK_SUBMITTED, PW_EV_APPROVE, PW_TASK_COMPLETED, C},
    {PW_TASK_SUBMITTED, PW_EV_AUTO_APPROVE, PW_TASK_COMPLETED, P},
    {PW_TASK_SUBMITTED, PW_EV_DISPUTE, PW_TASK_DISPUTED, C | W},
    {PW_TASK_DISPUTED, PW_EV_RESOLVE, PW_TASK_RESOLVED, A},
};
#define EXPECTED_COUNT ((int)(sizeof(expected) / sizeof(expected[0])))

/* The actors who may cause `event` from some state: anyone else is refused with -2
 * (403) whatever the state, before the state is looked at (task_state.h: "-2 if this
 * actor may never cause this event; -1 if they may, but not from this state"). */
static unsigned ever_allowed(int event)
{
    unsigned actors = 0;
    for (int i = 0; i < EXPECTED_COUNT; i++)
        if ((int)expected[i].event == event)
            actors |= expected[i].actors;
    return actors;
}

static void test_state_machine_matrix(void **state)
{
    (void)state;
    int checked = 0;
    for (int s = 0; s < PW_TASK_STATE_COUNT; s++) {
        for (int e = 0; e < PW_EV_COUNT; e++) {
            int row = -1;
            for (int i = 0; i < EXPECTED_COUNT; i++)
                if ((int)expected[i].from == s && (int)expected[i].event == e)
                    row = i;
            for (int a = 0; a < ACTOR_COUNT; a++) {
                pw_task_state to = PW_TASK_STATE_COUNT;
                int rc = pw_task_transition_apply((pw_task_state)s, (pw_task_event)e, (pw_task_actor)a, &to);
                int want = !(ever_allowed(e) & (1u << a))       ? -2 /* never this actor's event: 403 */
                           : row < 0                            ? -1 /* theirs, but not now: 409 */
                           : (expected[row].actors & (1u << a)) ? 0
                                                                : -2;
                if (rc != want)
                    print_error("%s --%s--> by actor %d: got %d, want %d\n", pw_task_state_name((pw_task_state)s),
                                pw_task_event_name((pw_task_event)e), a, rc, want);
                assert_int_equal(rc, want);
                if (want == 0)
                    assert_int_equal(to, expected[row].to);
                else
                    assert_int_equal(to, PW_TASK_STATE_COUNT); /* untouched when refused */
                checked++;
            }
        }
    }
    assert_int_equal(checked, PW_TASK_STATE_COUNT * PW_EV_COUNT * ACTOR_COUNT);

    /* The exported table holds exactly these transitions, no more. */
    int count = 0;
    const pw_task_transition *table = pw_task_transitions(&count);
    assert_int_equal(count, EXPECTED_COUNT);
    for (int i = 0; i < count; i++) {
        int found = 0;
        for (int k = 0; k < EXPECTED_COUNT; k++)
            found += table[i].from == expected[k].from && table[i].event == expected[k].event &&
                     table[i].to == expected[k].to && table[i].actors == expected[k].actors;
        assert_int_equal(found, 1);
        for (int j = 0; j < i; j++) /* (from, event) is unique: the first match would hide a second */
            assert_false(table[j].from == table[i].from && table[j].event == table[i].event);
    }
}

static void test_state_machine_terminal_states(void **state)
{
    (void)state;
    static const pw_task_state terminal[] = {PW_TASK_COMPLETED, PW_TASK_RESOLVED, PW_TASK_CANCELLED, PW_TASK_EXPIRED};
    for (size_t i = 0; i < sizeof(terminal) / sizeof(terminal[0]); i++)
        for (int e = 0; e < PW_EV_COUNT; e++)
            for (int a = 0; a < ACTOR_COUNT; a++) {
                pw_task_state to = PW_TASK_STATE_COUNT;
                int rc = pw_task_transition_apply(terminal[i], (pw_task_event)e, (pw_task_actor)a, &to);
                assert_true(rc < 0); /* -1 for whoever could cause it elsewhere, -2 for the rest */
                assert_int_equal(rc, (ever_allowed(e) & (1u << a)) ? -1 : -2);
                assert_int_equal(to, PW_TASK_STATE_COUNT);
            }
    /* every other state has a way out, and from every state a terminal one is reachable */
    for (int s = 0; s < PW_TASK_STATE_COUNT; s++) {
        int is_terminal = 0;
        for (size_t i = 0; i < sizeof(terminal) / sizeof(terminal[0]); i++)
            is_terminal |= (int)terminal[i] == s;
        int reach[PW_TASK_STATE_COUNT] = {0};
        reach[s] = 1;
        for (int round = 0; round < PW_TASK_STATE_COUNT; round++)
            for (int from = 0; from < PW_TASK_STATE_COUNT; from++)
                for (int e = 0; reach[from] && e < PW_EV_COUNT; e++)
                    for (int a = 0; a < ACTOR_COUNT; a++) {
                        pw_task_state to;
                        if (pw_task_transition_apply((pw_task_state)from, (pw_task_event)e, (pw_task_actor)a, &to) == 0)
                            reach[to] = 1;
                    }
        int reaches_terminal = 0;
        for (size_t i = 0; i < sizeof(terminal) / sizeof(terminal[0]); i++)
            reaches_terminal |= reach[terminal[i]];
        assert_true(reaches_terminal);
        if (!is_terminal) {
            int exits = 0;
            for (int x = 0; x < PW_TASK_STATE_COUNT; x++)
                exits += x != s && reach[x];
            assert_true(exits > 0);
        }
    }
}

/* Assign, expire, ack_timeout and auto_approve are the platform's alone: no person can
 * cause them in any state, and the platform causes nothing else. */
static void test_state_machine_platform_only(void **state)
{
    (void)state;
    static const pw_task_event platform_events[] = {PW_EV_ASSIGN, PW_EV_EXPIRE, PW_EV_ACK_TIMEOUT, PW_EV_AUTO_APPROVE};
    for (int s = 0; s < PW_TASK_STATE_COUNT; s++) {
        for (int e = 0; e < PW_EV_COUNT; e++) {
            int platform_event = 0;
            for (size_t i = 0; i < sizeof(platform_events) / sizeof(platform_events[0]); i++)
                platform_event |= (int)platform_events[i] == e;
            for (int a = 0; a < ACTOR_COUNT; a++) {
                pw_task_state to;
                int rc = pw_task_transition_apply((pw_task_state)s, (pw_task_event)e, (pw_task_actor)a, &to);
                if (rc != 0)
                    continue;
                if (platform_event)
                    assert_int_equal(a, PW_ACTOR_PLATFORM);
                else
                    assert_int_not_equal(a, PW_ACTOR_PLATFORM);
            }
        }
    }
    /* and the refusal says "not you" (403), not "not now" (409), even in a state where
     * the event could not happen anyway */
    pw_task_state to;
    assert_int_equal(pw_task_transition_apply(PW_TASK_COMPLETED, PW_EV_ASSIGN, PW_ACTOR_CLIENT, &to), -2);
    assert_int_equal(pw_task_transition_apply(PW_TASK_DISPATCHING, PW_EV_APPROVE, PW_ACTOR_WORKER, &to), -2);
    assert_int_equal(pw_task_transition_apply(PW_TASK_DISPATCHING, PW_EV_APPROVE, PW_ACTOR_CLIENT, &to), -1);
    assert_int_equal(pw_task_transition_apply(PW_TASK_DISPATCHING, PW_EV_RESOLVE, PW_ACTOR_ADMIN, &to), -1);
    assert_int_equal(pw_task_transition_apply(PW_TASK_DISPUTED, PW_EV_RESOLVE, PW_ACTOR_CLIENT, &to), -2);
    assert_int_equal(pw_task_transition_apply(PW_TASK_DISPATCHING, PW_EV_ASSIGN, PW_ACTOR_ADMIN, &to), -2);
    assert_int_equal(pw_task_transition_apply(PW_TASK_DISPATCHING, PW_EV_EXPIRE, PW_ACTOR_CLIENT, &to), -2);
    assert_int_equal(pw_task_transition_apply(PW_TASK_SUBMITTED, PW_EV_AUTO_APPROVE, PW_ACTOR_CLIENT, &to), -2);
    assert_int_equal(pw_task_transition_apply(PW_TASK_ASSIGNED, PW_EV_ACK_TIMEOUT, PW_ACTOR_WORKER, &to), -2);
    assert_int_equal(pw_task_transition_apply(PW_TASK_SUBMITTED, PW_EV_APPROVE, PW_ACTOR_WORKER, &to), -2);
    assert_int_equal(pw_task_transition_apply(PW_TASK_SUBMITTED, PW_EV_APPROVE, PW_ACTOR_PLATFORM, &to), -2);
}

static void test_state_names(void **state)
{
    (void)state;
    static const char *const names[PW_TASK_STATE_COUNT] = {
        "dispatching", "assigned", "in_progress", "submitted", "completed",
        "disputed",    "resolved", "cancelled",   "expired",
    };
    for (int s = 0; s < PW_TASK_STATE_COUNT; s++) {
        assert_string_equal(pw_task_state_name((pw_task_state)s), names[s]);
        pw_task_state back = PW_TASK_STATE_COUNT;
        assert_int_equal(pw_task_state_parse(names[s], &back), 0);
        assert_int_equal(back, s);
    }
    pw_task_state out = PW_TASK_DISPUTED;
    assert_int_equal(pw_task_state_parse("", &out), PW_EREFUSED);
    assert_int_equal(pw_task_state_parse("Dispatching", &out), PW_EREFUSED);
    assert_int_equal(pw_task_state_parse("dispatching ", &out), PW_EREFUSED);
    assert_int_equal(pw_task_state_parse("unknown", &out), PW_EREFUSED);
    assert_int_equal(out, PW_TASK_DISPUTED);
    assert_string_equal(pw_task_state_name(PW_TASK_STATE_COUNT), "unknown");
    assert_string_equal(pw_task_event_name(PW_EV_COUNT), "unknown");
    /* event names (the timeline's words) are distinct */
    for (int e = 0; e < PW_EV_COUNT; e++) {
        const char *n = pw_task_event_name((pw_task_event)e);
        assert_non_null(n);
        assert_true(strlen(n) > 0);
        assert_string_not_equal(n, "unknown");
        for (int k = 0; k < e; k++)
            assert_string_not_equal(n, pw_task_event_name((pw_task_event)k));
    }
    assert_string_equal(pw_task_event_name(PW_EV_ACK_TIMEOUT), "ack_missed");
    assert_string_equal(pw_task_event_name(PW_EV_AUTO_APPROVE), "auto_approved");
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

/* ==== workers =============================================================================== */

static int tags(const char *body, int required, pw_tags *out, pw_error *err)
{
    json_t *obj = J(body);
    int rc = pw_tags_parse(obj, "skills", required, out, err);
    json_decref(obj);
    return rc;
}

static void test_tags_parse(void **state)
{
    (void)state;
    pw_tags t;
    pw_error err;
    assert_int_equal(
        tags("{\"skills\": [\"Plumbing\", \"plumbing\", \"PLUMBING\", \"Electrics\", \"c++\"]}", 1, &t, &err), 0);
    assert_int_equal(t.count, 3);
    assert_string_equal(t.tag[0], "plumbing");
    assert_string_equal(t.tag[1], "electrics");
    assert_string_equal(t.tag[2], "c++");

    assert_int_equal(tags("{}", 0, &t, &err), 0);
    assert_int_equal(t.count, 0);
    assert_int_equal(tags("{\"skills\": null}", 0, &t, &err), 0);
    assert_int_equal(tags("{\"skills\": []}", 0, &t, &err), 0);
    assert_int_equal(tags("{}", 1, &t, &err), PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "skills");
    assert_int_equal(tags("{\"skills\": []}", 1, &t, &err), PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "skills");
    assert_int_equal(tags("{\"skills\": \"plumbing\"}", 1, &t, &err), PW_EREFUSED);
    assert_error(&err, 400, "wrong_type", "skills");
    assert_int_equal(tags("{\"skills\": [\"a\", 3]}", 1, &t, &err), PW_EREFUSED);
    assert_error(&err, 400, "wrong_type", "skills");
    assert_int_equal(tags("{\"skills\": [\"\"]}", 1, &t, &err), PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "skills");
    assert_int_equal(tags("{\"skills\": [\"   \"]}", 1, &t, &err), PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "skills");
    assert_int_equal(tags("{\"skills\": [\"a\\u0001b\"]}", 1, &t, &err), PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "skills");

    /* 40 characters per tag (counted in characters), 20 tags per list */
    char body[2048];
    char tag40[41], tag41[42];
    memset(tag40, 'x', 40);
    tag40[40] = '\0';
    memset(tag41, 'x', 41);
    tag41[41] = '\0';
    snprintf(body, sizeof(body), "{\"skills\": [\"%s\"]}", tag40);
    assert_int_equal(tags(body, 1, &t, &err), 0);
    assert_int_equal(strlen(t.tag[0]), 40);
    snprintf(body, sizeof(body), "{\"skills\": [\"%s\"]}", tag41);
    assert_int_equal(tags(body, 1, &t, &err), PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "skills");
    char wide[256] = ""; /* 40 x 6 escaped bytes + NUL */
    for (int i = 0; i < 40; i++)
        strcat(wide, "\\u00e9"); /* 40 two-byte characters: 80 bytes, still 40 characters */
    snprintf(body, sizeof(body), "{\"skills\": [\"%s\"]}", wide);
    assert_int_equal(tags(body, 1, &t, &err), 0);
    assert_int_equal(strlen(t.tag[0]), 80);

    strcpy(body, "{\"skills\": [");
    for (int i = 0; i < PW_TAGS_MAX; i++)
        snprintf(body + strlen(body), sizeof(body) - strlen(body), "%s\"t%d\"", i ? "," : "", i);
    strcat(body, "]}");
    assert_int_equal(tags(body, 1, &t, &err), 0);
    assert_int_equal(t.count, PW_TAGS_MAX);
    assert_string_equal(t.tag[19], "t19");
    body[strlen(body) - 2] = '\0';
    strcat(body, ",\"t20\"]}");
    assert_int_equal(tags(body, 1, &t, &err), PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "skills");
    /* the limit is on items sent, before duplicates are dropped */
    strcpy(body, "{\"skills\": [");
    for (int i = 0; i <= PW_TAGS_MAX; i++)
        strcat(body, i ? ",\"same\"" : "\"same\"");
    strcat(body, "]}");
    assert_int_equal(tags(body, 1, &t, &err), PW_EREFUSED);

    json_t *j = pw_tags_json(&(pw_tags){.count = 2, .tag = {"a", "b"}});
    char *text = json_dumps(j, JSON_COMPACT);
    assert_string_equal(text, "[\"a\",\"b\"]");
    free(text);
    json_decref(j);
    assert_int_equal(pw_tags_from_json_text("[\"x\",\"y\",3]", &t), 0);
    assert_int_equal(t.count, 2);
    assert_int_equal(pw_tags_from_json_text(NULL, &t), 0);
    assert_int_equal(t.count, 0);
    assert_int_equal(pw_tags_from_json_text("{\"x\":1}", &t), PW_EREFUSED);
    assert_int_equal(pw_tags_from_json_text("not json", &t), PW_EREFUSED);
}

/* Tags are trimmed of spaces and tabs before lower-casing and de-duplication (workers.h:
 * "lower-cased, trimmed"), so " Plumbing" and "plumbing " are the tag a task asks for;
 * a tag that is only white space is refused. Regression test: trimming was missing. */
static void test_tags_trimmed(void **state)
{
    (void)state;
    pw_tags t;
    pw_error err;
    assert_int_equal(tags("{\"skills\": [\" Plumbing\", \"plumbing \", \"  plumbing  \", \"plumbing\", "
                          "\"  gas  fitting \"]}",
                          1, &t, &err),
                     0);
    if (t.count != 2 || strcmp(t.tag[0], "plumbing") != 0)
        print_error("tags not trimmed: count %d, first \"%s\"\n", t.count, t.tag[0]);
    assert_int_equal(t.count, 2);
    assert_string_equal(t.tag[0], "plumbing");
    assert_string_equal(t.tag[1], "gas  fitting"); /* inner white space is kept */
    assert_int_equal(tags("{\"skills\": [\"ok\", \"   \"]}", 1, &t, &err), PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "skills");
    /* a tab is a control character in a one-line field: refused, not trimmed */
    assert_int_equal(tags("{\"skills\": [\"\\tplumbing\"]}", 1, &t, &err), PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "skills");
    /* the 40-character limit counts what was sent, before trimming */
    char body[200];
    snprintf(body, sizeof(body), "{\"skills\": [\" %s \"]}", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"); /* 38 + 2 */
    assert_int_equal(tags(body, 1, &t, &err), 0);
    assert_int_equal(strlen(t.tag[0]), 38);
}

static int location(const char *body, pw_location *out, pw_error *err)
{
    json_t *obj = J(body);
    int rc = pw_location_parse(obj, "location", out, err);
    json_decref(obj);
    return rc;
}

static void test_location_parse(void **state)
{
    (void)state;
    pw_location loc;
    pw_error err;
    assert_int_equal(location("{\"location\": {\"lat\": 52.3676, \"lon\": 4.9041}}", &loc, &err), 0);
    assert_int_equal(loc.present, 1);
    assert_int_equal(loc.lat_e6, 52367600);
    assert_int_equal(loc.lon_e6, 4904100);
    assert_int_equal(location("{\"location\": {\"lat\": -33, \"lon\": -70}}", &loc, &err), 0); /* integers too */
    assert_int_equal(loc.lat_e6, -33000000);
    assert_int_equal(loc.lon_e6, -70000000);
    assert_int_equal(location("{\"location\": {\"lat\": 90, \"lon\": 180}}", &loc, &err), 0);
    assert_int_equal(loc.lat_e6, 90000000);
    assert_int_equal(loc.lon_e6, 180000000);
    assert_int_equal(location("{\"location\": {\"lat\": -90, \"lon\": -180}}", &loc, &err), 0);
    assert_int_equal(location("{\"location\": {\"lat\": 0.0000004, \"lon\": 0.0000006}}", &loc, &err), 0);
    assert_int_equal(loc.lat_e6, 0); /* rounded to the nearest micro-degree */
    assert_int_equal(loc.lon_e6, 1);

    assert_int_equal(location("{}", &loc, &err), 0);
    assert_int_equal(loc.present, 0);
    assert_int_equal(location("{\"location\": null}", &loc, &err), 0);
    assert_int_equal(loc.present, 0);

    static const struct {
        const char *body;
        int status;
    } bad[] = {
        {"{\"location\": {\"lat\": 90.000001, \"lon\": 0}}", 422},
        {"{\"location\": {\"lat\": -90.5, \"lon\": 0}}", 422},
        {"{\"location\": {\"lat\": 0, \"lon\": 180.000001}}", 422},
        {"{\"location\": {\"lat\": 0, \"lon\": -181}}", 422},
        {"{\"location\": {\"lat\": 1e300, \"lon\": 0}}", 422},
        {"{\"location\": {\"lat\": 0}}", 422},
        {"{\"location\": {\"lon\": 0}}", 422},
        {"{\"location\": {}}", 422},
        {"{\"location\": {\"lat\": \"52\", \"lon\": 4}}", 400},
        {"{\"location\": {\"lat\": 52, \"lon\": null}}", 400},
        {"{\"location\": [52, 4]}", 400},
        {"{\"location\": \"Amsterdam\"}", 400},
        {"{\"location\": true}", 400},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        loc.present = 7;
        int rc = location(bad[i].body, &loc, &err);
        if (rc != PW_EREFUSED)
            print_error("location %s accepted\n", bad[i].body);
        assert_int_equal(rc, PW_EREFUSED);
        assert_int_equal(loc.present, 0);
        assert_error(&err, bad[i].status, bad[i].status == 400 ? "wrong_type" : "validation_failed", "location");
    }
}

static int profile(const char *body, pw_worker_profile *out, pw_error *err)
{
    json_t *obj = J(body);
    int rc = pw_worker_profile_parse(obj, out, err);
    json_decref(obj);
    return rc;
}

static void test_worker_profile_parse(void **state)
{
    (void)state;
    pw_worker_profile p;
    pw_error err;
    assert_int_equal(profile("{\"skills\": [\"Go\"], \"categories\": [\"Software\"], \"remote\": true}", &p, &err), 0);
    assert_int_equal(p.remote, 1);
    assert_int_equal(p.location.present, 0);
    assert_int_equal(p.radius_km, 10); /* the default */
    assert_string_equal(p.skills.tag[0], "go");
    assert_string_equal(p.categories.tag[0], "software");
    assert_string_equal(p.bio, "");

    /* not remote: a location is needed */
    assert_int_equal(profile("{\"skills\": [\"x\"], \"categories\": [\"y\"], \"remote\": false}", &p, &err),
                     PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "location");
    assert_int_equal(
        profile("{\"skills\": [\"x\"], \"categories\": [\"y\"], \"remote\": false, \"location\": null}", &p, &err),
        PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "location");
    assert_int_equal(
        profile("{\"skills\": [\"x\"], \"categories\": [\"y\"], \"remote\": false, "
                "\"location\": {\"lat\": 52.1, \"lon\": 4.3}, \"radius_km\": 25, \"bio\": \"Line 1\\nLine 2\"}",
                &p, &err),
        0);
    assert_int_equal(p.remote, 0);
    assert_int_equal(p.location.present, 1);
    assert_int_equal(p.location.lat_e6, 52100000);
    assert_int_equal(p.radius_km, 25);
    assert_string_equal(p.bio, "Line 1\nLine 2");

    static const struct {
        const char *body;
        int status;
        const char *field;
    } bad[] = {
        {"{\"categories\": [\"y\"], \"remote\": true}", 422, "skills"},
        {"{\"skills\": [\"x\"], \"remote\": true}", 422, "categories"},
        {"{\"skills\": [\"x\"], \"categories\": [\"y\"]}", 422, "remote"},
        {"{\"skills\": [\"x\"], \"categories\": [\"y\"], \"remote\": \"yes\"}", 400, "remote"},
        {"{\"skills\": [\"x\"], \"categories\": [\"y\"], \"remote\": 1}", 400, "remote"},
        /* a radius is measured from a place: with one it is 1 to 500 */
        {"{\"skills\": [\"x\"], \"categories\": [\"y\"], \"remote\": true, \"location\": {\"lat\": 1, \"lon\": 2}, "
         "\"radius_km\": 0}",
         422, "radius_km"},
        {"{\"skills\": [\"x\"], \"categories\": [\"y\"], \"remote\": true, \"radius_km\": 501}", 422, "radius_km"},
        {"{\"skills\": [\"x\"], \"categories\": [\"y\"], \"remote\": true, \"radius_km\": -5}", 422, "radius_km"},
        {"{\"skills\": [\"x\"], \"categories\": [\"y\"], \"remote\": true, \"radius_km\": 2.5}", 400, "radius_km"},
        {"{\"skills\": [\"x\"], \"categories\": [\"y\"], \"remote\": true, \"radius_km\": \"5\"}", 400, "radius_km"},
        {"{\"skills\": [\"x\"], \"categories\": [\"y\"], \"remote\": true, \"bio\": 5}", 400, "bio"},
        {"{\"skills\": [\"x\"], \"categories\": [\"y\"], \"remote\": true, \"location\": {\"lat\": 91, \"lon\": 0}}",
         422, "location"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = profile(bad[i].body, &p, &err);
        if (rc != PW_EREFUSED)
            print_error("profile %s accepted\n", bad[i].body);
        assert_int_equal(rc, PW_EREFUSED);
        assert_error(&err, bad[i].status, bad[i].status == 400 ? "wrong_type" : "validation_failed", bad[i].field);
    }
    /* without a place no radius is needed: 0 says so (a remote-only worker) */
    assert_int_equal(
        profile("{\"skills\": [\"x\"], \"categories\": [\"y\"], \"remote\": true, \"radius_km\": 0}", &p, &err), 0);
    assert_int_equal(p.radius_km, 0);
    /* radius bounds are inclusive; null means the default */
    assert_int_equal(
        profile("{\"skills\": [\"x\"], \"categories\": [\"y\"], \"remote\": true, \"radius_km\": 1}", &p, &err), 0);
    assert_int_equal(p.radius_km, 1);
    assert_int_equal(
        profile("{\"skills\": [\"x\"], \"categories\": [\"y\"], \"remote\": true, \"radius_km\": 500}", &p, &err), 0);
    assert_int_equal(p.radius_km, PW_RADIUS_MAX_KM);
    assert_int_equal(
        profile("{\"skills\": [\"x\"], \"categories\": [\"y\"], \"remote\": true, \"radius_km\": null}", &p, &err), 0);
    assert_int_equal(p.radius_km, 10);
    /* bio: 1000 characters, newlines allowed */
    char body[8192];
    char bio[1002];
    memset(bio, 'b', 1000);
    bio[1000] = '\0';
    snprintf(body, sizeof(body), "{\"skills\": [\"x\"], \"categories\": [\"y\"], \"remote\": true, \"bio\": \"%s\"}",
             bio);
    assert_int_equal(profile(body, &p, &err), 0);
    assert_int_equal(strlen(p.bio), 1000);
    bio[1000] = 'b';
    bio[1001] = '\0';
    snprintf(body, sizeof(body), "{\"skills\": [\"x\"], \"categories\": [\"y\"], \"remote\": true, \"bio\": \"%s\"}",
             bio);
    assert_int_equal(profile(body, &p, &err), PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "bio");
}

/* ==== tasks ================================================================================= */

/* A valid task body with one member replaced (or added) by `name: value_json`. */
static json_t *task_body(const char *name, const char *value_json)
{
    json_t *body = J("{\"title\": \"Fix a tap\", \"description\": \"The kitchen tap drips.\\nSince Monday.\", "
                     "\"category\": \"Plumbing\", \"skills\": [\"Plumbing\", \"tools\"], "
                     "\"location\": {\"lat\": 52.3676, \"lon\": 4.9041}, "
                     "\"compensation\": {\"kind\": \"money\", \"amount\": 5000, \"currency\": \"EUR\"}, "
                     "\"deadline\": \"2026-11-26T01:02:03Z\"}");
    if (name != NULL) {
        if (value_json == NULL)
            json_object_del(body, name);
        else
            json_object_set_new(body, name, J(value_json));
    }
    return body;
}

static int parse_task(const char *name, const char *value_json, pw_new_task *out, pw_error *err)
{
    json_t *body = task_body(name, value_json);
    int rc = pw_tasks_parse_new(body, T0, out, err);
    json_decref(body);
    return rc;
}

static void test_tasks_parse_new_valid(void **state)
{
    (void)state;
    pw_new_task *t = malloc(sizeof(*t));
    assert_non_null(t);
    pw_error err;
    assert_int_equal(parse_task(NULL, NULL, t, &err), 0);
    assert_string_equal(t->title, "Fix a tap");
    assert_string_equal(t->description, "The kitchen tap drips.\nSince Monday.");
    assert_string_equal(t->category, "plumbing");
    assert_int_equal(t->skills.count, 2);
    assert_string_equal(t->skills.tag[0], "plumbing");
    assert_int_equal(t->location.present, 1);
    assert_int_equal(t->location.lat_e6, 52367600);
    assert_int_equal(t->comp.kind, PW_COMP_MONEY);
    assert_int_equal(t->comp.amount.amount, 5000);
    assert_string_equal(t->comp.amount.asset, "EUR");
    assert_int_equal(t->deadline_ms, T0 + 86400000);
    assert_int_equal(t->urgent, 0);

    /* remote task, no skills, urgent */
    json_t *body = task_body("location", NULL);
    json_object_del(body, "skills");
    json_object_set_new(body, "urgent", json_true());
    assert_int_equal(pw_tasks_parse_new(body, T0, t, &err), 0);
    json_decref(body);
    assert_int_equal(t->location.present, 0);
    assert_int_equal(t->skills.count, 0);
    assert_int_equal(t->urgent, 1);
    assert_int_equal(parse_task("location", "null", t, &err), 0);
    assert_int_equal(t->location.present, 0);
    assert_int_equal(parse_task("urgent", "false", t, &err), 0);
    assert_int_equal(t->urgent, 0);
    assert_int_equal(parse_task("urgent", "null", t, &err), 0);
    assert_int_equal(t->urgent, 0);
    free(t);
}

static void test_tasks_parse_new_deadline(void **state)
{
    (void)state;
    pw_new_task *t = malloc(sizeof(*t));
    assert_non_null(t);
    pw_error err;
    /* at least PW_TASK_DEADLINE_MIN_S (5 min) ahead, inclusive */
    assert_int_equal(PW_TASK_DEADLINE_MIN_S, 300);
    assert_int_equal(parse_task("deadline", "\"2026-11-25T01:07:03Z\"", t, &err), 0);
    assert_int_equal(t->deadline_ms, T0 + 300000);
    assert_int_equal(parse_task("deadline", "\"2026-11-25T01:07:02.999Z\"", t, &err), PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "deadline");
    assert_int_equal(parse_task("deadline", "\"2026-11-25T01:02:03Z\"", t, &err), PW_EREFUSED); /* now */
    assert_error(&err, 422, "validation_failed", "deadline");
    assert_int_equal(parse_task("deadline", "\"2020-01-01T00:00:00Z\"", t, &err), PW_EREFUSED); /* the past */
    assert_error(&err, 422, "validation_failed", "deadline");
    /* at most PW_TASK_DEADLINE_MAX_DAYS (365) ahead, inclusive; 2027 is not a leap year */
    assert_int_equal(parse_task("deadline", "\"2027-11-25T01:02:03Z\"", t, &err), 0);
    assert_int_equal(t->deadline_ms, T0 + 365LL * 86400000);
    assert_int_equal(parse_task("deadline", "\"2027-11-25T01:02:03.001Z\"", t, &err), PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "deadline");
    /* offsets are honoured in the bound */
    assert_int_equal(parse_task("deadline", "\"2026-11-25T03:07:03+02:00\"", t, &err), 0);
    assert_int_equal(t->deadline_ms, T0 + 300000);
    assert_int_equal(parse_task("deadline", "\"2026-11-25T03:07:02+02:00\"", t, &err), PW_EREFUSED);
    /* shape */
    assert_int_equal(parse_task("deadline", NULL, t, &err), PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "deadline");
    assert_int_equal(parse_task("deadline", "null", t, &err), PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "deadline");
    assert_int_equal(parse_task("deadline", "1795654923000", t, &err), PW_EREFUSED);
    assert_error(&err, 400, "wrong_type", "deadline");
    assert_int_equal(parse_task("deadline", "\"tomorrow\"", t, &err), PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "deadline");
    assert_int_equal(parse_task("deadline", "\"2026-11-26\"", t, &err), PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "deadline");
    free(t);
}

static void test_tasks_parse_new_compensation(void **state)
{
    (void)state;
    pw_new_task *t = malloc(sizeof(*t));
    assert_non_null(t);
    pw_error err;
    assert_int_equal(parse_task("compensation", "{\"kind\": \"credits\", \"amount\": 90}", t, &err), 0);
    assert_int_equal(t->comp.kind, PW_COMP_CREDITS);
    assert_int_equal(t->comp.amount.amount, 90);
    assert_string_equal(t->comp.amount.asset, "TIME"); /* credits are minutes of TIME */
    assert_int_equal(parse_task("compensation", "{\"kind\": \"goods\", \"description\": \"A used bicycle\"}", t, &err),
                     0);
    assert_int_equal(t->comp.kind, PW_COMP_GOODS);
    assert_string_equal(t->comp.goods, "A used bicycle");
    assert_int_equal(parse_task("compensation", "{\"kind\": \"money\", \"amount\": 1, \"currency\": \"JPY\"}", t, &err),
                     0);
    assert_string_equal(t->comp.amount.asset, "JPY");
    assert_int_equal(t->comp.amount.amount, 1);

    static const struct {
        const char *comp; /* NULL: absent */
        int status;
        const char *field;
    } bad[] = {
        {NULL, 422, "compensation"},
        {"null", 422, "compensation"},
        {"\"50 EUR\"", 400, "compensation"},
        {"{}", 422, "compensation.kind"},
        {"{\"kind\": 1}", 400, "compensation.kind"},
        {"{\"kind\": \"barter\"}", 422, "compensation.kind"},
        {"{\"kind\": \"Money\", \"amount\": 5, \"currency\": \"EUR\"}", 422, "compensation.kind"},
        {"{\"kind\": \"money\", \"currency\": \"EUR\"}", 422, "compensation.amount"},
        {"{\"kind\": \"money\", \"amount\": 0, \"currency\": \"EUR\"}", 422, "compensation.amount"},
        {"{\"kind\": \"money\", \"amount\": -5, \"currency\": \"EUR\"}", 422, "compensation.amount"},
        {"{\"kind\": \"money\", \"amount\": 50.5, \"currency\": \"EUR\"}", 400, "compensation.amount"},
        {"{\"kind\": \"money\", \"amount\": \"50\", \"currency\": \"EUR\"}", 400, "compensation.amount"},
        {"{\"kind\": \"money\", \"amount\": 100000000001, \"currency\": \"EUR\"}", 422, "compensation.amount"},
        {"{\"kind\": \"money\", \"amount\": 5}", 422, "compensation.currency"},
        {"{\"kind\": \"money\", \"amount\": 5, \"currency\": \"eur\"}", 422, "compensation.currency"},
        {"{\"kind\": \"money\", \"amount\": 5, \"currency\": \"XXX\"}", 422, "compensation.currency"},
        {"{\"kind\": \"money\", \"amount\": 5, \"currency\": \"TIME\"}", 422, "compensation.currency"},
        {"{\"kind\": \"credits\"}", 422, "compensation.amount"},
        {"{\"kind\": \"credits\", \"amount\": 0}", 422, "compensation.amount"},
        {"{\"kind\": \"credits\", \"amount\": 100001}", 422, "compensation.amount"},
        {"{\"kind\": \"credits\", \"amount\": 1.5}", 400, "compensation.amount"},
        {"{\"kind\": \"goods\"}", 422, "compensation.description"},
        {"{\"kind\": \"goods\", \"description\": \"  \"}", 422, "compensation.description"},
        {"{\"kind\": \"goods\", \"description\": 7}", 400, "compensation.description"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = parse_task("compensation", bad[i].comp, t, &err);
        if (rc != PW_EREFUSED)
            print_error("compensation %s accepted\n", bad[i].comp ? bad[i].comp : "(absent)");
        assert_int_equal(rc, PW_EREFUSED);
        assert_error(&err, bad[i].status, bad[i].status == 400 ? "wrong_type" : "validation_failed", bad[i].field);
    }
    /* credits up to PW_CREDITS_MAX_MINUTES; goods description up to 500 characters */
    assert_int_equal(parse_task("compensation", "{\"kind\": \"credits\", \"amount\": 100000}", t, &err), 0);
    char comp[700], goods[502];
    memset(goods, 'g', 500);
    goods[500] = '\0';
    snprintf(comp, sizeof(comp), "{\"kind\": \"goods\", \"description\": \"%s\"}", goods);
    assert_int_equal(parse_task("compensation", comp, t, &err), 0);
    goods[500] = 'g';
    goods[501] = '\0';
    snprintf(comp, sizeof(comp), "{\"kind\": \"goods\", \"description\": \"%s\"}", goods);
    assert_int_equal(parse_task("compensation", comp, t, &err), PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "compensation.description");
    free(t);
}

static void test_tasks_parse_new_fields(void **state)
{
    (void)state;
    pw_new_task *t = malloc(sizeof(*t));
    assert_non_null(t);
    pw_error err;
    static const struct {
        const char *name, *value; /* value NULL: removed */
        int status;
        const char *field;
    } bad[] = {
        {"title", NULL, 422, "title"},
        {"title", "\"\"", 422, "title"},
        {"title", "\"   \"", 422, "title"},
        {"title", "\"a\\nb\"", 422, "title"},     /* one line */
        {"title", "\"a\\u202eb\"", 422, "title"}, /* no bidi override in a title */
        {"title", "42", 400, "title"},
        {"description", NULL, 422, "description"},
        {"description", "[]", 400, "description"},
        {"category", NULL, 422, "category"},
        {"category", "\"\"", 422, "category"},
        {"skills", "\"plumbing\"", 400, "skills"},
        {"location", "{\"lat\": 100, \"lon\": 0}", 422, "location"},
        {"urgent", "\"yes\"", 400, "urgent"},
        {"urgent", "1", 400, "urgent"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = parse_task(bad[i].name, bad[i].value, t, &err);
        if (rc != PW_EREFUSED)
            print_error("%s = %s accepted\n", bad[i].name, bad[i].value ? bad[i].value : "(absent)");
        assert_int_equal(rc, PW_EREFUSED);
        assert_error(&err, bad[i].status, bad[i].status == 400 ? "wrong_type" : "validation_failed", bad[i].field);
    }
    /* title: 120 characters; description: newlines allowed */
    char title[130], value[200];
    memset(title, 'T', 120);
    title[120] = '\0';
    snprintf(value, sizeof(value), "\"%s\"", title);
    assert_int_equal(parse_task("title", value, t, &err), 0);
    assert_int_equal(strlen(t->title), 120);
    title[120] = 'T';
    title[121] = '\0';
    snprintf(value, sizeof(value), "\"%s\"", title);
    assert_int_equal(parse_task("title", value, t, &err), PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "title");
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state_machine_matrix),
        cmocka_unit_test(test_state_machine_terminal_states),
        cmocka_unit_test(test_state_machine_platform_only),
        cmocka_unit_test(test_state_names),
        cmocka_unit_test(test_validate_email),
        cmocka_unit_test(test_parse_roles),
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_password_hash_and_verify),
        cmocka_unit_test(test_tags_parse),
        cmocka_unit_test(test_tags_trimmed),
        cmocka_unit_test(test_location_parse),
        cmocka_unit_test(test_worker_profile_parse),
        cmocka_unit_test(test_tasks_parse_new_valid),
        cmocka_unit_test(test_tasks_parse_new_deadline),
        cmocka_unit_test(test_tasks_parse_new_compensation),
        cmocka_unit_test(test_tasks_parse_new_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
