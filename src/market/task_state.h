/* task_state.h — the task state machine: every state, every transition and its guard,
 * in one table (task_state.c). Pure: no database, no clock.
 *
 *   dispatching --assign--> assigned --ack--> in_progress --submit--> submitted --approve--> completed
 *        ^                     |  |               |                       |   \--auto_approve--^
 *        +------release / ack_timeout-------------+                       |
 *   dispatching|assigned --cancel--> cancelled          in_progress|submitted --dispute--> disputed --resolve--> resolved
 *   dispatching --expire--> expired (no worker before the deadline) */
#ifndef PW_TASK_STATE_H
#define PW_TASK_STATE_H

typedef enum {
    PW_TASK_DISPATCHING,
    PW_TASK_ASSIGNED,
    PW_TASK_IN_PROGRESS,
    PW_TASK_SUBMITTED,
    PW_TASK_COMPLETED,
    PW_TASK_DISPUTED,
    PW_TASK_RESOLVED,
    PW_TASK_CANCELLED,
    PW_TASK_EXPIRED,
    PW_TASK_STATE_COUNT
} pw_task_state;

typedef enum {
    PW_EV_ASSIGN,       /* the dispatcher chose a worker */
    PW_EV_ACK,          /* the worker accepted */
    PW_EV_RELEASE,      /* the worker gave it back */
    PW_EV_ACK_TIMEOUT,  /* the worker did not accept in time */
    PW_EV_SUBMIT,       /* the worker delivered */
    PW_EV_APPROVE,      /* the client accepted the work */
    PW_EV_AUTO_APPROVE, /* the review window closed */
    PW_EV_DISPUTE,      /* client or worker disputes */
    PW_EV_RESOLVE,      /* an admin settled the dispute */
    PW_EV_CANCEL,       /* the client withdrew the task */
    PW_EV_EXPIRE,       /* the deadline passed with no worker */
    PW_EV_COUNT
} pw_task_event;

/* Who acts. */
typedef enum {
    PW_ACTOR_CLIENT, /* the task's client */
    PW_ACTOR_WORKER, /* the task's assigned worker */
    PW_ACTOR_ADMIN,
    PW_ACTOR_PLATFORM, /* dispatcher and timers */
} pw_task_actor;

typedef struct pw_task_transition {
    pw_task_state from;
    pw_task_event event;
    pw_task_state to;
    unsigned actors; /* bit set of (1 << pw_task_actor) allowed to cause it */
} pw_task_transition;

/* pw_task_transition_apply's answers other than 0. Not statuses (base/error.h) but which of
 * two refusals it is; the caller fills the pw_error for it. */
enum {
    PW_TRANSITION_INVALID = -1,   /* the actor may cause the event, not from this state (409 invalid_state) */
    PW_TRANSITION_FORBIDDEN = -2, /* this actor may never cause this event (403 forbidden) */
};
/* 0 and *to_out on success; PW_TRANSITION_FORBIDDEN or PW_TRANSITION_INVALID. */
int pw_task_transition_apply(pw_task_state from, pw_task_event event, pw_task_actor actor, pw_task_state *to_out);

const char *pw_task_state_name(pw_task_state s);
/* PW_OK and *out, or PW_EREFUSED: not a state's name. */
int pw_task_state_parse(const char *name, pw_task_state *out);
const char *pw_task_event_name(pw_task_event e);
/* The whole table, for tests and docs. */
const pw_task_transition *pw_task_transitions(int *count_out);

#endif
