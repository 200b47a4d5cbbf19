/* test_task_state.c — unit tests of the task state machine (market/task_state.h): every
 * (state, event, actor) triple against an expected matrix written here from the design
 * comment in task_state.h, terminal states, platform-only events, names.
 *
 * Only the public header is used. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "base/error.h"
#include "market/task_state.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state_machine_matrix),
        cmocka_unit_test(test_state_machine_terminal_states),
        cmocka_unit_test(test_state_machine_platform_only),
        cmocka_unit_test(test_state_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
