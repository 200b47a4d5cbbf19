/* events.c — see events.h. The rows are written with the change; the writer's hook after
 * the commit publishes the new seq on the bus (store/bus.c), and the loops send them. */
#include "market/events.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/error.h"
#include "base/json_util.h"
#include "base/limits.h"

static const char SQL_ADD[] = "INSERT INTO events (seq, user_id, kind, task_id, data, created_at) "
                              "SELECT COALESCE(MAX(seq), 0) + 1, ?, ?, ?, ?, ? FROM events";

int pw_events_add(pw_db *db, int64_t user_id, const char *kind, int64_t task_id, const char *data_json, int64_t now_ms)
{
    pw_assert(user_id > 0 && kind != NULL && data_json != NULL && data_json[0] == '{');
    if (strlen(data_json) > PW_EVENT_DATA_MAX_BYTES)
        return PW_EINVAL; /* the data is ids and names: a longer one is a bug of the caller */
    pw_stmt *st = pw_db_stmt(db, SQL_ADD);
    pw_stmt_bind(st, PW_I64(user_id), PW_TEXT(kind), PW_I64_OR_NULL(task_id), PW_TEXT(data_json), PW_I64(now_ms));
    return pw_stmt_run(st);
}

/* Writes `data` (stolen) as `kind` to each distinct non-zero user of users[0..n). */
static int add_to(pw_db *db, const int64_t *users, int n, const char *kind, int64_t task_id, json_t *data,
                  int64_t now_ms)
{
    char *text = data != NULL ? json_dumps(data, JSON_COMPACT) : NULL;
    json_decref(data);
    if (text == NULL)
        return PW_ENOMEM;
    int rc = PW_OK;
    for (int i = 0; i < n && rc == PW_OK; i++) {
        int seen = users[i] == 0;
        for (int j = 0; j < i && !seen; j++)
            seen = users[j] == users[i];
        if (!seen)
            rc = pw_events_add(db, users[i], kind, task_id, text, now_ms);
    }
    free(text);
    return rc;
}

typedef struct parties {
    int64_t client_id, worker_id; /* worker 0: none now */
    int has_hold;                 /* the task's compensation is held in escrow */
    char asset[16];               /* the held asset, "" for goods */
} parties;

static int load_parties(pw_db *db, int64_t task_id, parties *p)
{
    memset(p, 0, sizeof(*p));
    pw_stmt *st = pw_db_stmt(db, "SELECT client_id, worker_id, hold_id, comp_asset FROM tasks WHERE id = ?");
    pw_stmt_int64(st, 1, task_id);
    int rc = pw_stmt_step(st);
    if (rc == PW_ROW) {
        p->client_id = pw_stmt_column_int64(st, 0);
        p->worker_id = pw_stmt_column_is_null(st, 1) ? 0 : pw_stmt_column_int64(st, 1);
        p->has_hold = !pw_stmt_column_is_null(st, 2);
        const char *asset = pw_stmt_column_text(st, 3);
        if (asset != NULL && strlen(asset) < sizeof(p->asset))
            strcpy(p->asset, asset);
    }
    pw_stmt_done(st);
    if (rc != PW_ROW)
        return rc < 0 ? rc : PW_EDB; /* the task was written in this transaction: it is there */
    return PW_OK;
}

/* The transitions that move a task's escrow, and whose balances they touch. */
static int moves_escrow(const char *status, int *worker_too)
{
    *worker_too = strcmp(status, "completed") == 0 || strcmp(status, "resolved") == 0;
    return *worker_too || strcmp(status, "cancelled") == 0 || strcmp(status, "expired") == 0;
}

int pw_events_task(pw_db *db, int64_t task_id, const char *status, int64_t former_worker_id, int64_t now_ms)
{
    pw_assert(task_id > 0 && status != NULL && former_worker_id >= 0);
    parties p;
    int rc = load_parties(db, task_id, &p);
    if (rc != PW_OK)
        return rc;
    int64_t users[] = {p.client_id, p.worker_id, former_worker_id};
    json_t *data = json_pack("{s:o, s:s, s:o}", "task_id", pw_json_id(task_id), "status", status, "at",
                             pw_json_time(now_ms));
    rc = add_to(db, users, 3, "task", task_id, data, now_ms);
    int worker_too = 0;
    int posted = strcmp(status, "dispatching") == 0 && former_worker_id == 0 && p.worker_id == 0;
    if (rc != PW_OK || !p.has_hold || p.asset[0] == '\0' || !(posted || moves_escrow(status, &worker_too)))
        return rc;
    rc = pw_events_wallet(db, p.client_id, p.asset, now_ms);
    if (rc == PW_OK && worker_too && p.worker_id != 0)
        rc = pw_events_wallet(db, p.worker_id, p.asset, now_ms);
    return rc;
}

int pw_events_assignment(pw_db *db, int64_t task_id, int64_t worker_id, int64_t ack_deadline_ms, int64_t now_ms)
{
    pw_assert(task_id > 0 && worker_id > 0 && ack_deadline_ms > 0);
    json_t *data = json_pack("{s:o, s:o}", "task_id", pw_json_id(task_id), "ack_deadline",
                             pw_json_time(ack_deadline_ms));
    return add_to(db, &worker_id, 1, "assignment", task_id, data, now_ms);
}

int pw_events_message(pw_db *db, int64_t task_id, int64_t message_id, int64_t sender_id, int64_t now_ms)
{
    pw_assert(task_id > 0 && message_id > 0 && sender_id > 0);
    parties p;
    int rc = load_parties(db, task_id, &p);
    if (rc != PW_OK)
        return rc;
    int64_t users[] = {p.client_id, p.worker_id, sender_id};
    json_t *data = json_pack("{s:o, s:o, s:o}", "task_id", pw_json_id(task_id), "message_id", pw_json_id(message_id),
                             "sender_id", pw_json_id(sender_id));
    return add_to(db, users, 3, "message", task_id, data, now_ms);
}

int pw_events_wallet(pw_db *db, int64_t user_id, const char *asset, int64_t now_ms)
{
    pw_assert(user_id > 0 && asset != NULL);
    return add_to(db, &user_id, 1, "wallet", 0, json_pack("{s:s}", "currency", asset), now_ms);
}

/* ---- retention -------------------------------------------------------------------------- */

static const char SQL_PRUNE_OLD[] = "DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE created_at < ? AND "
                                    "seq < (SELECT MAX(seq) FROM events) ORDER BY created_at LIMIT ?)";
/* the users among the newest rows, whose count may have passed the cap since the last tick */
static const char SQL_RECENT_USERS[] = "SELECT DISTINCT user_id FROM (SELECT user_id FROM events ORDER BY seq DESC "
                                       "LIMIT ?) AS recent";
static const char SQL_PRUNE_USER[] = "DELETE FROM events WHERE user_id = ? AND seq <= (SELECT seq FROM events "
                                     "WHERE user_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)";

int pw_events_prune(pw_db *db, int64_t now_ms, int *pruned_out)
{
    *pruned_out = 0;
    pw_stmt *st = pw_db_stmt(db, SQL_PRUNE_OLD);
    pw_stmt_int64(st, 1, now_ms - (int64_t)PW_EVENTS_RETENTION_S * 1000);
    pw_stmt_int64(st, 2, PW_EVENTS_PRUNE_ROWS_MAX);
    int rc = pw_stmt_run(st);
    if (rc != PW_OK)
        return rc;
    *pruned_out += pw_db_changes(db);
    /* a user past the cap got rows lately: look at the users of the newest rows only */
    int64_t users[PW_EVENTS_SCAN_ROWS_MAX];
    int n = 0;
    st = pw_db_stmt(db, SQL_RECENT_USERS);
    pw_stmt_int64(st, 1, PW_EVENTS_SCAN_ROWS_MAX);
    while (n < PW_EVENTS_SCAN_ROWS_MAX && (rc = pw_stmt_step(st)) == PW_ROW)
        users[n++] = pw_stmt_column_int64(st, 0);
    pw_stmt_done(st);
    if (rc < 0)
        return rc;
    for (int i = 0; i < n; i++) {
        st = pw_db_stmt(db, SQL_PRUNE_USER);
        pw_stmt_int64(st, 1, users[i]);
        pw_stmt_int64(st, 2, users[i]);
        pw_stmt_int64(st, 3, PW_EVENTS_PER_USER_KEPT_MAX);
        rc = pw_stmt_run(st);
        if (rc != PW_OK)
            return rc;
        *pruned_out += pw_db_changes(db);
    }
    return PW_OK;
}
