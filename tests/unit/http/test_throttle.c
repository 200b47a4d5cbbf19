/* test_throttle.c — unit tests of src/http/throttle.c, the sign-in throttle (reserve
 * before the hash, settle after): attempts in flight count, failures plus attempts in
 * flight, the window restarting, Retry-After, keys reserved together, collisions
 * stricter, long keys cut, threads racing on one table.
 *
 * throttle.c is included to reach its statics and its random hash key (set to a fixed one
 * so slots, and so the test, are deterministic). Its only exported symbols (pw_throttle_*)
 * are then defined here, so the linker never pulls throttle.o out of pwcore: no duplicate
 * symbols. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../src/http/throttle.c"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ==== throttle ============================================================================= */

/* The slot a key lands in (throttle.c's static find()). */
static slot *find_slot_for_test(pw_throttle *t, const char *kind, const char *key)
{
    return &t->slots[find(t, kind, key, strlen(key))];
}

static pw_throttle *throttle_fixed(void)
{
    pw_throttle *t = NULL;
    assert_int_equal(pw_throttle_new(&t), 0);
    assert_non_null(t);
    for (size_t i = 0; i < sizeof(t->key); i++) /* a fixed key: deterministic slots */
        t->key[i] = (unsigned char)(i * 29 + 7);
    return t;
}

#define T0        1795568523000LL
#define WINDOW_MS ((int64_t)PW_LOGIN_WINDOW_S * 1000)
#define EMAIL     "alice@example.com"
#define IP        "203.0.113.9"

static pw_throttle_key key_of(const char *kind, const char *text, int limit, int clear_on_success)
{
    return (pw_throttle_key){
        .kind = kind, .key = text, .len = strlen(text), .limit = limit, .clear_on_success = clear_on_success};
}

/* One attempt on the e-mail alone (limit 5): 0 and *ticket reserved, or the wait. */
static int reserve_email(pw_throttle *t, int64_t now, pw_throttle_ticket *ticket)
{
    pw_throttle_key k = key_of("email:", EMAIL, PW_LOGIN_FAILS_PER_ACCOUNT, 0);
    return pw_throttle_reserve(t, &k, 1, now, ticket);
}

/* An attempt that reserves and fails at `now`. */
static void fail_email(pw_throttle *t, int64_t now)
{
    pw_throttle_ticket ticket;
    assert_int_equal(reserve_email(t, now, &ticket), 0);
    pw_throttle_settle(t, &ticket, PW_THROTTLE_FAILED, now);
}

/* Attempts in flight take their places: the sixth concurrent one is refused before any
 * of the five has been checked (the defect: the count came only after the hash). */
static void test_throttle_in_flight_counts(void **state)
{
    (void)state;
    pw_throttle *t = throttle_fixed();
    assert_int_equal(PW_LOGIN_FAILS_PER_ACCOUNT, 5);
    pw_throttle_ticket tickets[5], extra;
    for (int i = 0; i < 5; i++)
        assert_int_equal(reserve_email(t, T0, &tickets[i]), 0);
    assert_int_equal(reserve_email(t, T0, &extra), 1);     /* full of attempts in flight: try again in 1 s */
    assert_int_equal(extra.count, 0);                      /* nothing reserved */
    pw_throttle_settle(t, &extra, PW_THROTTLE_FAILED, T0); /* a refused ticket settles to nothing */
    assert_int_equal(find_slot_for_test(t, "email:", EMAIL)->failures, 0);
    /* one never checked (queue full, client gone) gives its place back */
    pw_throttle_settle(t, &tickets[0], PW_THROTTLE_UNCHECKED, T0);
    assert_int_equal(reserve_email(t, T0, &tickets[0]), 0);
    /* all five fail: locked to the end of the window that the first failure opened */
    for (int i = 0; i < 5; i++)
        pw_throttle_settle(t, &tickets[i], PW_THROTTLE_FAILED, T0 + 1000 * i);
    assert_int_equal(find_slot_for_test(t, "email:", EMAIL)->failures, 5);
    assert_int_equal(find_slot_for_test(t, "email:", EMAIL)->in_flight, 0);
    assert_int_equal(reserve_email(t, T0 + 4000, &extra), 896);
    assert_int_equal(reserve_email(t, T0 + 4001, &extra), 896); /* rounded up to whole seconds */
    assert_int_equal(reserve_email(t, T0 + 5000, &extra), 895);
    assert_int_equal(reserve_email(t, T0 + WINDOW_MS - 1, &extra), 1);
    assert_int_equal(reserve_email(t, T0 + WINDOW_MS, &extra), 0); /* the window is over */
    assert_int_equal(find_slot_for_test(t, "email:", EMAIL)->failures, 0);
    pw_throttle_settle(t, &extra, PW_THROTTLE_UNCHECKED, T0 + WINDOW_MS);
    /* settling twice does nothing the second time */
    pw_throttle_settle(t, &extra, PW_THROTTLE_FAILED, T0 + WINDOW_MS);
    assert_int_equal(find_slot_for_test(t, "email:", EMAIL)->failures, 0);
    pw_throttle_free(t);
}

/* Failures plus attempts in flight: 3 failed + 2 in flight leave no room. */
static void test_throttle_failed_plus_in_flight(void **state)
{
    (void)state;
    pw_throttle *t = throttle_fixed();
    pw_throttle_ticket a, b, c;
    for (int i = 0; i < 3; i++)
        fail_email(t, T0);
    assert_int_equal(reserve_email(t, T0, &a), 0);
    assert_int_equal(reserve_email(t, T0, &b), 0);
    assert_int_equal(reserve_email(t, T0, &c), 1);
    pw_throttle_settle(t, &a, PW_THROTTLE_SUCCEEDED, T0); /* a success is not counted ... */
    assert_int_equal(reserve_email(t, T0, &c), 0);
    pw_throttle_settle(t, &c, PW_THROTTLE_UNCHECKED, T0);
    /* ... and clears nothing on a key not marked clear_on_success (the account's) */
    assert_int_equal(find_slot_for_test(t, "email:", EMAIL)->failures, 3);
    pw_throttle_settle(t, &b, PW_THROTTLE_FAILED, T0);
    assert_int_equal(reserve_email(t, T0, &c), 0); /* 4 failed: one more may try */
    pw_throttle_settle(t, &c, PW_THROTTLE_FAILED, T0);
    assert_int_equal(reserve_email(t, T0, &c), 900);
    pw_throttle_free(t);
}

static void test_throttle_window_restarts(void **state)
{
    (void)state;
    pw_throttle *t = throttle_fixed();
    pw_throttle_ticket ticket;
    for (int i = 0; i < 4; i++)
        fail_email(t, T0);
    /* the 5th failure after the window ended starts a new window with a count of 1 */
    fail_email(t, T0 + WINDOW_MS);
    assert_int_equal(find_slot_for_test(t, "email:", EMAIL)->failures, 1);
    for (int i = 0; i < 3; i++)
        fail_email(t, T0 + WINDOW_MS + 10000);
    assert_int_equal(reserve_email(t, T0 + WINDOW_MS + 10000, &ticket), 0);
    pw_throttle_settle(t, &ticket, PW_THROTTLE_FAILED, T0 + WINDOW_MS + 20000); /* 5 in the new window */
    assert_int_equal(reserve_email(t, T0 + WINDOW_MS + 20000, &ticket), 880);
    pw_throttle_free(t);
}

/* An attempt reserves on all its keys or on none; a success clears only the keys marked
 * (the device cookie's), never the address. */
static void test_throttle_keys_together(void **state)
{
    (void)state;
    pw_throttle *t = throttle_fixed();
    assert_ptr_not_equal(find_slot_for_test(t, "email:", EMAIL), find_slot_for_test(t, "ip:", EMAIL));
    assert_ptr_not_equal(find_slot_for_test(t, "email:", EMAIL), find_slot_for_test(t, "email:", "bob@example.com"));
    assert_ptr_not_equal(find_slot_for_test(t, "ip:", IP), find_slot_for_test(t, "ip:", "203.0.113.10"));
    assert_ptr_not_equal(find_slot_for_test(t, "ip:", IP), find_slot_for_test(t, "device:", "nonce-1"));
    assert_int_equal(PW_LOGIN_FAILS_PER_IP, 20);
    pw_throttle_key both[2] = {key_of("ip:", IP, PW_LOGIN_FAILS_PER_IP, 0), key_of("email:", EMAIL, 5, 0)};
    pw_throttle_ticket tickets[6];
    for (int i = 0; i < 5; i++)
        assert_int_equal(pw_throttle_reserve(t, both, 2, T0, &tickets[i]), 0);
    assert_int_equal(find_slot_for_test(t, "ip:", IP)->in_flight, 5);
    /* the e-mail is full, so the address is not touched either */
    assert_int_equal(pw_throttle_reserve(t, both, 2, T0, &tickets[5]), 1);
    assert_int_equal(find_slot_for_test(t, "ip:", IP)->in_flight, 5);
    for (int i = 0; i < 5; i++)
        pw_throttle_settle(t, &tickets[i], PW_THROTTLE_FAILED, T0);
    assert_int_equal(find_slot_for_test(t, "ip:", IP)->failures, 5);
    /* the same text under another kind, and another e-mail, are not locked */
    pw_throttle_key other = key_of("ip:", EMAIL, 1, 0);
    assert_int_equal(pw_throttle_reserve(t, &other, 1, T0, &tickets[5]), 0);
    pw_throttle_settle(t, &tickets[5], PW_THROTTLE_UNCHECKED, T0);
    /* a device cookie of the account: the address plus the cookie's own count */
    pw_throttle_key device[2] = {key_of("ip:", IP, PW_LOGIN_FAILS_PER_IP, 0), key_of("device:", "nonce-1", 5, 1)};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pw_throttle_reserve(t, device, 2, T0, &tickets[i]), 0);
        pw_throttle_settle(t, &tickets[i], PW_THROTTLE_FAILED, T0);
    }
    assert_int_equal(pw_throttle_reserve(t, device, 2, T0, &tickets[0]), 0);
    pw_throttle_settle(t, &tickets[0], PW_THROTTLE_SUCCEEDED, T0);
    assert_int_equal(find_slot_for_test(t, "device:", "nonce-1")->failures, 0); /* cleared */
    assert_int_equal(find_slot_for_test(t, "ip:", IP)->failures, 9);            /* kept */
    /* the address's limit binds a device cookie too: 11 more failures, then 429 */
    for (int i = 0; i < 11; i++) {
        assert_int_equal(pw_throttle_reserve(t, both + 0, 1, T0 + 60000, &tickets[0]), 0);
        pw_throttle_settle(t, &tickets[0], PW_THROTTLE_FAILED, T0 + 60000);
    }
    assert_int_equal(pw_throttle_reserve(t, device, 2, T0 + 60000, &tickets[0]), 900 - 60);
    pw_throttle_free(t);
    pw_throttle_free(NULL); /* a no-op */
}

/* Two keys in one slot share its count: each is stricter, never looser. */
static void test_throttle_collision_is_stricter(void **state)
{
    (void)state;
    pw_throttle *t = throttle_fixed();
    char a[32] = "", b[32] = "";
    uint32_t seen_slot[2048];
    for (int i = 0; i < 2048 && b[0] == '\0'; i++) { /* birthday search: ~320 keys for 65536 slots */
        char k[32];
        snprintf(k, sizeof(k), "k%d@example.com", i);
        seen_slot[i] = find(t, "email:", k, strlen(k));
        for (int j = 0; j < i; j++)
            if (seen_slot[j] == seen_slot[i]) {
                snprintf(a, sizeof(a), "k%d@example.com", j);
                snprintf(b, sizeof(b), "%s", k);
                break;
            }
    }
    assert_true(b[0] != '\0');
    pw_throttle_key ka = key_of("email:", a, 5, 0), kb = key_of("email:", b, 5, 0);
    pw_throttle_ticket ticket;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(pw_throttle_reserve(t, &ka, 1, T0, &ticket), 0);
        pw_throttle_settle(t, &ticket, PW_THROTTLE_FAILED, T0);
    }
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pw_throttle_reserve(t, &kb, 1, T0, &ticket), 0);
        pw_throttle_settle(t, &ticket, PW_THROTTLE_FAILED, T0);
    }
    assert_int_equal(pw_throttle_reserve(t, &ka, 1, T0, &ticket), 900); /* 3 of its own + 2 of b */
    assert_int_equal(pw_throttle_reserve(t, &kb, 1, T0, &ticket), 900);
    /* both keys of one attempt in one slot: counted twice, released twice */
    pw_throttle *u = throttle_fixed();
    pw_throttle_key pair[2] = {ka, kb};
    assert_int_equal(pw_throttle_reserve(u, pair, 2, T0, &ticket), 0);
    assert_int_equal(u->slots[find(u, "email:", a, strlen(a))].in_flight, 2);
    pw_throttle_settle(u, &ticket, PW_THROTTLE_UNCHECKED, T0);
    assert_int_equal(u->slots[find(u, "email:", a, strlen(a))].in_flight, 0);
    pw_throttle_free(u);
    pw_throttle_free(t);
}

/* Keys longer than an e-mail can be are cut to PW_EMAIL_MAX_BYTES: no overflow of the
 * hash buffer, and (stricter, never looser) keys sharing that prefix share a counter. */
static void test_throttle_long_keys(void **state)
{
    (void)state;
    pw_throttle *t = throttle_fixed();
    char a[1000], b[1000];
    memset(a, 'k', sizeof(a));
    memcpy(b, a, sizeof(b));
    b[sizeof(b) - 1] = 'X'; /* differs only past the cut */
    pw_throttle_key ka = {.kind = "email:", .key = a, .len = sizeof(a), .limit = 5};
    pw_throttle_key kb = {.kind = "email:", .key = b, .len = sizeof(b), .limit = 5};
    pw_throttle_ticket ticket;
    for (int i = 0; i < 5; i++) {
        assert_int_equal(pw_throttle_reserve(t, &ka, 1, T0, &ticket), 0);
        pw_throttle_settle(t, &ticket, PW_THROTTLE_FAILED, T0);
    }
    assert_int_equal(pw_throttle_reserve(t, &ka, 1, T0, &ticket), 900);
    assert_int_equal(pw_throttle_reserve(t, &kb, 1, T0, &ticket), 900);
    pw_throttle_free(t);
}

/* The loops are threads sharing one table: attempts racing from several threads on one
 * key still get exactly the limit of places. */
#define RACERS      8
#define RACER_TRIES 200

typedef struct racer {
    pw_throttle *t;
    int admitted;
    pw_throttle_ticket tickets[PW_LOGIN_FAILS_PER_ACCOUNT];
} racer;

static void *race(void *p)
{
    racer *r = p;
    for (int i = 0; i < RACER_TRIES; i++) {
        pw_throttle_ticket ticket;
        if (reserve_email(r->t, T0, &ticket) == 0) {
            assert_true(r->admitted < PW_LOGIN_FAILS_PER_ACCOUNT);
            r->tickets[r->admitted++] = ticket;
        }
    }
    return NULL;
}

static void test_throttle_threads(void **state)
{
    (void)state;
    pw_throttle *t = throttle_fixed();
    racer racers[RACERS];
    pthread_t threads[RACERS];
    for (int i = 0; i < RACERS; i++) {
        racers[i] = (racer){.t = t};
        assert_int_equal(pthread_create(&threads[i], NULL, race, &racers[i]), 0);
    }
    int admitted = 0;
    for (int i = 0; i < RACERS; i++) {
        pthread_join(threads[i], NULL);
        admitted += racers[i].admitted;
    }
    assert_int_equal(admitted, PW_LOGIN_FAILS_PER_ACCOUNT);
    for (int i = 0; i < RACERS; i++)
        for (int k = 0; k < racers[i].admitted; k++)
            pw_throttle_settle(t, &racers[i].tickets[k], PW_THROTTLE_FAILED, T0);
    assert_int_equal(find_slot_for_test(t, "email:", EMAIL)->failures, PW_LOGIN_FAILS_PER_ACCOUNT);
    assert_int_equal(find_slot_for_test(t, "email:", EMAIL)->in_flight, 0);
    pw_throttle_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_throttle_in_flight_counts),
        cmocka_unit_test(test_throttle_failed_plus_in_flight),
        cmocka_unit_test(test_throttle_window_restarts),
        cmocka_unit_test(test_throttle_keys_together),
        cmocka_unit_test(test_throttle_collision_is_stricter),
        cmocka_unit_test(test_throttle_long_keys),
        cmocka_unit_test(test_throttle_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
