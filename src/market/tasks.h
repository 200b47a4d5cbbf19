/* tasks.h — tasks: posting (with escrow), reading, the lifecycle actions, timers, and
 * messages. The rules of which transition is legal are in task_state.c; this module
 * applies them to the database with their side effects (ledger movements, worker
 * record, timeline). Every function that changes anything runs on the writer inside its
 * transaction, so a failed step leaves nothing half-done. */
#ifndef PW_TASKS_H
#define PW_TASKS_H
#include <jansson.h>
#include <stdint.h>

#include "base/error.h"
#include "base/limits.h"
#include "ledger/ledger.h"
#include "market/dispatching.h"
#include "market/task_state.h"
#include "market/workers.h"
#include "store/db.h"

typedef enum { PW_COMP_MONEY, PW_COMP_CREDITS, PW_COMP_GOODS } pw_comp_kind;

typedef struct pw_compensation {
    pw_comp_kind kind;
    pw_amount amount;                                   /* money or TIME; unused for goods */
    char goods[4 * PW_GOODS_DESCRIPTION_MAX_CHARS + 1]; /* what is offered, for goods */
} pw_compensation;

typedef struct pw_new_task {
    char title[4 * PW_TITLE_MAX_CHARS + 1];
    char description[4 * PW_DESCRIPTION_MAX_CHARS + 1];
    char category[4 * PW_TAG_MAX_CHARS + 1];
    pw_tags skills;
    pw_location location; /* absent: remote */
    pw_compensation comp;
    int64_t deadline_ms;
    int urgent;
    int64_t preferred_worker_id; /* 0: none; else a worker the client found, offered the task first */
} pw_new_task;

typedef struct pw_task_row {
    int64_t id, client_id;
    char title[4 * PW_TITLE_MAX_CHARS + 1];
    char category[4 * PW_TAG_MAX_CHARS + 1];
    pw_tags skills;
    pw_location location;
    pw_compensation comp;
    int64_t hold_id; /* 0: none */
    int64_t deadline_ms;
    int urgent;
    pw_task_state status;
    int64_t worker_id, assignment_id;            /* 0: none */
    int64_t ack_deadline_ms, review_deadline_ms; /* 0: none */
    int64_t created_ms, updated_ms;
    int64_t preferred_worker_id; /* 0: none. Shown to the client and admins, never to a worker */
} pw_task_row;

typedef struct pw_market_policy {
    pw_dispatching dispatch;     /* the engine, its policy, the ack window, heartbeats */
    struct pw_searching *search; /* the search index (market/searching.h), or NULL: none (tools, tests) */
    int review_window_s;         /* submitted -> auto-approved after this */
    int fee_bps;                 /* platform fee on money */
    int pool_share_bps;          /* share of fees into the workers' pool */
    int cancel_limit;            /* POST /tasks is 429 for a client with this many tasks
                                                                cancelled or expired in PW_CANCEL_WINDOW_S; 0: no limit */
} pw_market_policy;

struct pw_config;
void pw_market_policy_from_config(pw_market_policy *p, const struct pw_config *cfg);

/* Who is looking at / acting on a task. */
typedef enum { PW_VIEW_NONE = -1, PW_VIEW_CLIENT, PW_VIEW_WORKER, PW_VIEW_ADMIN } pw_task_view;

/* The functions below that take a pw_error return PW_OK, PW_EREFUSED with *err filled (the
 * answer: 4xx, or 429 with its Retry-After), or the code of what failed below them (the
 * database, the ledger, memory: the API answers 503). The others return PW_OK or a code. */
int pw_tasks_parse_new(json_t *body, int64_t now_ms, pw_new_task *out, pw_error *err);
/* Holds the compensation in escrow, inserts the task, dispatches it at once if urgent. */
int pw_tasks_create(pw_db *db, const pw_market_policy *p, int64_t client_id, const pw_new_task *t, int64_t now_ms,
                    int64_t *id_out, pw_error *err);
/* 1 found, 0 not, negative on error. */
int pw_tasks_load(pw_db *db, int64_t id, pw_task_row *out);
pw_task_view pw_tasks_viewer(const pw_task_row *t, int64_t user_id, int roles);
json_t *pw_tasks_json(pw_db *db, const pw_task_row *t, pw_task_view view);
/* role: PW_VIEW_CLIENT (my tasks) or PW_VIEW_WORKER (my assignments). */
int pw_tasks_list_json(pw_db *db, int64_t user_id, pw_task_view role, int limit, int64_t cursor, json_t **out);

/* Applies a dispatch decision (market/dispatching.c): dispatching -> assigned, with the
 * explanation, the ack deadline (d->ack_window_s) and the timeline; tells the index last. */
int pw_tasks_assign(pw_db *db, const pw_dispatching *d, const pw_task_row *t, int64_t worker_id, double score,
                    json_t *explanation, int64_t now_ms);
/* ack, release, submit (note), approve, cancel, dispute (note = reason) by a user. */
int pw_tasks_act(pw_db *db, const pw_market_policy *p, int64_t task_id, int64_t user_id, int roles, pw_task_event event,
                 const char *note, int64_t now_ms, pw_error *err);
/* Admin: disputed -> resolved; outcome "release" | "refund" | "split" (worker_share_pct). */
int pw_tasks_resolve(pw_db *db, const pw_market_policy *p, int64_t task_id, int64_t admin_id, const char *outcome,
                     int worker_share_pct, int64_t now_ms, pw_error *err);

typedef struct pw_tick_report {
    int acks_missed, auto_approved, expired, assigned, silenced; /* what this tick did */
    int failed; /* tasks whose work failed, was undone alone and set aside (market/setaside.h) */
} pw_tick_report;
/* Timers due at now (missed acks, auto-approvals, expiries, silent workers), then a
 * batch dispatch round if one is due (every batch window). Each task's work runs in a
 * savepoint of its own: one that fails is undone and set aside, and the rest of the tick
 * stands. An error return means the transaction cannot go on (the caller rolls it back). */
int pw_tasks_tick(pw_db *db, const pw_market_policy *p, int64_t now_ms, pw_tick_report *report);
/* The timers alone (no dispatch round): what pw_tasks_tick runs first. */
int pw_tasks_timers(pw_db *db, const pw_market_policy *p, int64_t now_ms, pw_tick_report *report);

/* The stored explanation(s) of a task's assignment(s), for its client or an admin (view):
 * already coarse as stored (docs/SECURITY.md, "Locating workers"); older rows are cut to
 * what the rule allows. */
json_t *pw_tasks_dispatch_json(pw_db *db, const pw_task_row *t, pw_task_view view);

int pw_tasks_add_message(pw_db *db, int64_t task_id, int64_t sender_id, const char *body, int64_t now_ms, json_t **out);
int pw_tasks_messages_json(pw_db *db, int64_t task_id, int limit, int64_t cursor, json_t **out);
/* Who may read a task's messages: its client and assigned worker always (1); an admin who
 * is neither only once the task is disputed or resolved (1), before that not (0): the
 * conversation is the two parties', and a dispute is what an admin needs it for. */
int pw_tasks_messages_readable(const pw_task_row *t, pw_task_view view);

/* Appends to the task's timeline. */
int pw_tasks_record_event(pw_db *db, int64_t task_id, int64_t now_ms, const char *event, const char *from,
                          const char *to, int64_t actor_id, int64_t worker_id);

#endif
