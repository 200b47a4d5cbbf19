/* task_state.c — the transition table. A transition absent from it is illegal. */
#include "market/task_state.h"

#include "base/error.h"

#include <string.h>

#include "base/assert.h"

#define A(actor) (1u << (actor))
#define CLIENT   A(PW_ACTOR_CLIENT)
#define WORKER   A(PW_ACTOR_WORKER)
#define ADMIN    A(PW_ACTOR_ADMIN)
#define PLATFORM A(PW_ACTOR_PLATFORM)

static const pw_task_transition table[] = {
    /* from                  event                 to                     who */
    {PW_TASK_DISPATCHING, PW_EV_ASSIGN, PW_TASK_ASSIGNED, PLATFORM},
    {PW_TASK_DISPATCHING, PW_EV_CANCEL, PW_TASK_CANCELLED, CLIENT | ADMIN},
    {PW_TASK_DISPATCHING, PW_EV_EXPIRE, PW_TASK_EXPIRED, PLATFORM},
    {PW_TASK_ASSIGNED, PW_EV_ACK, PW_TASK_IN_PROGRESS, WORKER},
    {PW_TASK_ASSIGNED, PW_EV_RELEASE, PW_TASK_DISPATCHING, WORKER},
    {PW_TASK_ASSIGNED, PW_EV_ACK_TIMEOUT, PW_TASK_DISPATCHING, PLATFORM},
    {PW_TASK_ASSIGNED, PW_EV_CANCEL, PW_TASK_CANCELLED, CLIENT | ADMIN},
    {PW_TASK_IN_PROGRESS, PW_EV_RELEASE, PW_TASK_DISPATCHING, WORKER},
    {PW_TASK_IN_PROGRESS, PW_EV_SUBMIT, PW_TASK_SUBMITTED, WORKER},
    {PW_TASK_IN_PROGRESS, PW_EV_DISPUTE, PW_TASK_DISPUTED, CLIENT | WORKER},
    {PW_TASK_SUBMITTED, PW_EV_APPROVE, PW_TASK_COMPLETED, CLIENT},
    {PW_TASK_SUBMITTED, PW_EV_AUTO_APPROVE, PW_TASK_COMPLETED, PLATFORM},
    {PW_TASK_SUBMITTED, PW_EV_DISPUTE, PW_TASK_DISPUTED, CLIENT | WORKER},
    {PW_TASK_DISPUTED, PW_EV_RESOLVE, PW_TASK_RESOLVED, ADMIN},
};

static const char *const state_names[PW_TASK_STATE_COUNT] = {
    "dispatching", "assigned", "in_progress", "submitted", "completed", "disputed", "resolved", "cancelled", "expired",
};

static const char *const event_names[PW_EV_COUNT] = {
    "assigned",      "acknowledged", "released", "ack_missed", "submitted", "approved",
    "auto_approved", "disputed",     "resolved", "cancelled",  "expired",
};

int pw_task_transition_apply(pw_task_state from, pw_task_event event, pw_task_actor actor, pw_task_state *to_out)
{
    /* Who may cause the event at all is checked first: the other party asking for it is a
     * 403 whatever the state; the right party in the wrong state is a 409. */
    pw_assert(from < PW_TASK_STATE_COUNT && event < PW_EV_COUNT && actor <= PW_ACTOR_PLATFORM);
    unsigned ever = 0;
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (table[i].event == event)
            ever |= table[i].actors;
    if (!(ever & A(actor)))
        return PW_TRANSITION_FORBIDDEN;
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (table[i].from != from || table[i].event != event)
            continue;
        if (!(table[i].actors & A(actor)))
            return PW_TRANSITION_FORBIDDEN;
        pw_assert(table[i].to != from); /* every transition leaves its state */
        *to_out = table[i].to;
        return 0;
    }
    return PW_TRANSITION_INVALID;
}

const char *pw_task_state_name(pw_task_state s) { return s < PW_TASK_STATE_COUNT ? state_names[s] : "unknown"; }

int pw_task_state_parse(const char *name, pw_task_state *out)
{
    for (int i = 0; i < PW_TASK_STATE_COUNT; i++) {
        if (strcmp(state_names[i], name) == 0) {
            *out = (pw_task_state)i;
            return PW_OK;
        }
    }
    return PW_EREFUSED;
}

const char *pw_task_event_name(pw_task_event e) { return e < PW_EV_COUNT ? event_names[e] : "unknown"; }

const pw_task_transition *pw_task_transitions(int *count_out)
{
    *count_out = (int)(sizeof(table) / sizeof(table[0]));
    return table;
}
