/* events.h — what a person sees live, decided where the change is made.
 *
 * Each function runs on the writer inside the change's transaction and writes one row of
 * the event bus (store/bus.h, table `events`) per recipient: who may see the task — its
 * client and its assigned worker — is decided here, once, at write time, and a stream
 * sends a user exactly their own rows. Admins get nothing by default. The kinds and their
 * data (docs/internals/events.md; the web interface relies on exactly these):
 *
 *   task        {task_id, status, at}          client and worker, on every state change
 *   assignment  {task_id, ack_deadline}        the worker a task was just assigned to
 *   message     {task_id, message_id, sender_id}  both parties, when a message is posted
 *   wallet      {currency}                     the owner, on a ledger movement of theirs
 *
 * Ids are decimal strings and times RFC 3339, as in every other answer. */
#ifndef PW_EVENTS_H
#define PW_EVENTS_H
#include <stdint.h>

#include "store/db.h"

/* One row: PW_OK or the database's code (PW_EINVAL for data past PW_EVENT_DATA_MAX_BYTES). */
int pw_events_add(pw_db *db, int64_t user_id, const char *kind, int64_t task_id, const char *data_json, int64_t now_ms);
/* The task just moved to `status` (a state's name): `task` to its client, its worker now,
 * and `former_worker_id` if that is another (the worker it was taken from: release, missed
 * ack, cancel); and `wallet` to those whose escrow it moved (posted, completed, resolved,
 * cancelled, expired), for a task with a ledger hold. */
int pw_events_task(pw_db *db, int64_t task_id, const char *status, int64_t former_worker_id, int64_t now_ms);
/* `assignment` to the worker the task was assigned to. */
int pw_events_assignment(pw_db *db, int64_t task_id, int64_t worker_id, int64_t ack_deadline_ms, int64_t now_ms);
/* `message` to the task's client and worker (the sender included: their other tabs). */
int pw_events_message(pw_db *db, int64_t task_id, int64_t message_id, int64_t sender_id, int64_t now_ms);
/* `wallet` to user_id for a movement in `asset`. */
int pw_events_wallet(pw_db *db, int64_t user_id, const char *asset, int64_t now_ms);
/* Retention (the scheduler's tick): rows older than PW_EVENTS_RETENTION_S, and a user's rows
 * past their newest PW_EVENTS_PER_USER_KEPT_MAX, at most PW_EVENTS_PRUNE_ROWS_MAX of each per
 * call; the newest row of the table is always kept (it carries the sequence). */
int pw_events_prune(pw_db *db, int64_t now_ms, int *pruned_out);

#endif
