/* privacy.c — a person's export and the account's deletion (see privacy.h). */
#include "market/privacy.h"

#include <stdio.h>
#include <string.h>

#include "base/assert.h"
#include "base/json_util.h"
#include "base/limits.h"
#include "dispatch/engine.h"
#include "ledger/ledger.h"
#include "market/accounts.h"
#include "market/events.h"
#include "market/searching.h"
#include "market/tasks.h"
#include "market/workers.h"

/* ---- export ------------------------------------------------------------------------------ */

/* Runs sql (?1 the user, ?2 the limit + 1) and appends each row, as row_json makes it, to a
 * new array set at key in out; names key in truncated when there were more rows. */
typedef json_t *row_json_fn(pw_db *db, pw_stmt *st);

static int export_list(pw_db *db, json_t *out, json_t *truncated, const char *key, const char *sql, int64_t user_id,
                       row_json_fn *row_json)
{
    json_t *items = json_array();
    if (items == NULL)
        return PW_ENOMEM;
    pw_stmt *st = pw_db_stmt(db, sql);
    pw_stmt_bind(st, PW_I64(user_id), PW_I64(PW_EXPORT_ITEMS_MAX + 1));
    int rc, n = 0;
    while ((rc = pw_stmt_step(st)) == PW_ROW) {
        if (n++ == PW_EXPORT_ITEMS_MAX) {
            json_array_append_new(truncated, json_string(key));
            rc = PW_DONE;
            break;
        }
        json_t *row = row_json(db, st);
        if (row == NULL) {
            rc = PW_ENOMEM;
            break;
        }
        json_array_append_new(items, row);
    }
    pw_stmt_done(st);
    json_object_set_new(out, key, items);
    return rc == PW_DONE ? PW_OK : rc;
}

static json_t *entry_json(pw_db *db, pw_stmt *st)
{
    (void)db;
    return json_pack("{s:o, s:o, s:o, s:s, s:s, s:o, s:o}", "id", pw_json_id(pw_stmt_column_int64(st, 0)), "amount",
                     pw_amount_json(pw_stmt_column_int64(st, 1), pw_stmt_column_text(st, 3)), "balance_after",
                     pw_amount_json(pw_stmt_column_int64(st, 2), pw_stmt_column_text(st, 3)), "asset",
                     pw_stmt_column_text(st, 3), "kind", pw_stmt_column_text(st, 4), "task_id",
                     pw_stmt_column_is_null(st, 5) ? json_null() : pw_json_id(pw_stmt_column_int64(st, 5)),
                     "created_at", pw_json_time(pw_stmt_column_int64(st, 6)));
}

/* A task as its party sees it; the view comes from the query's third column. */
static json_t *task_json(pw_db *db, pw_stmt *st)
{
    pw_task_row t;
    if (pw_tasks_load(db, pw_stmt_column_int64(st, 0), &t) != 1)
        return json_null(); /* cannot happen inside one read: the id came from the table */
    return pw_tasks_json(db, &t, pw_stmt_column_int64(st, 1) == 0 ? PW_VIEW_CLIENT : PW_VIEW_WORKER);
}

static json_t *message_row_json(pw_db *db, pw_stmt *st)
{
    (void)db;
    return json_pack("{s:o, s:o, s:s, s:o}", "id", pw_json_id(pw_stmt_column_int64(st, 0)), "task_id",
                     pw_json_id(pw_stmt_column_int64(st, 1)), "body", pw_stmt_column_text(st, 2), "created_at",
                     pw_json_time(pw_stmt_column_int64(st, 3)));
}

static json_t *session_json(pw_db *db, pw_stmt *st)
{
    (void)db;
    return json_pack("{s:o, s:o, s:o, s:o}", "created_at", pw_json_time(pw_stmt_column_int64(st, 0)), "last_seen_at",
                     pw_json_time(pw_stmt_column_int64(st, 1)), "expires_at", pw_json_time(pw_stmt_column_int64(st, 2)),
                     "revoked_at",
                     pw_stmt_column_is_null(st, 3) ? json_null() : pw_json_time(pw_stmt_column_int64(st, 3)));
}

static const char SQL_EXPORT_ENTRIES[] =
    "SELECT e.id, e.amount, e.balance_after, a.asset, t.kind, t.task_id, e.created_at FROM ledger_entries e "
    "JOIN ledger_accounts a ON a.id = e.account_id JOIN ledger_transfers t ON t.id = e.transfer_id "
    "WHERE a.owner_user_id = ?1 ORDER BY e.id DESC LIMIT ?2";
static const char SQL_EXPORT_POSTED[] = "SELECT id, 0 FROM tasks WHERE client_id = ?1 ORDER BY id DESC LIMIT ?2";
static const char SQL_EXPORT_WORKED[] =
    "SELECT id, 1 FROM tasks WHERE worker_id = ?1 AND client_id <> ?1 ORDER BY id DESC LIMIT ?2";
static const char SQL_EXPORT_MESSAGES[] =
    "SELECT id, task_id, body, created_at FROM task_messages WHERE sender_id = ?1 ORDER BY id DESC LIMIT ?2";
static const char SQL_EXPORT_SESSIONS[] = "SELECT created_at, last_seen_at, expires_at, revoked_at FROM sessions "
                                          "WHERE user_id = ?1 ORDER BY id DESC LIMIT ?2";

int pw_privacy_export(pw_db *db, int64_t user_id, int64_t now_ms, json_t **out)
{
    *out = NULL;
    pw_user_row user;
    int found = pw_accounts_find_by_id(db, user_id, &user);
    if (found < 0)
        return found;
    if (found == 0)
        return PW_EDB; /* the caller's own session named it: it is there */
    json_t *body = json_object(), *truncated = json_array(), *balances = NULL;
    if (body == NULL || truncated == NULL) {
        json_decref(body);
        json_decref(truncated);
        return PW_ENOMEM;
    }
    json_object_set_new(body, "exported_at", pw_json_time(now_ms));
    json_object_set_new(body, "account", pw_accounts_user_json(&user));
    json_t *profile = pw_worker_profile_json(db, user_id);
    json_object_set_new(body, "worker_profile", profile != NULL ? profile : json_null());
    int rc = pw_ledger_balances_json(db, user_id, &balances);
    if (rc == PW_OK)
        json_object_set_new(body, "wallet", balances);
    if (rc == PW_OK)
        rc = export_list(db, body, truncated, "ledger_entries", SQL_EXPORT_ENTRIES, user_id, entry_json);
    if (rc == PW_OK)
        rc = export_list(db, body, truncated, "tasks_posted", SQL_EXPORT_POSTED, user_id, task_json);
    if (rc == PW_OK)
        rc = export_list(db, body, truncated, "tasks_worked", SQL_EXPORT_WORKED, user_id, task_json);
    if (rc == PW_OK)
        rc = export_list(db, body, truncated, "messages_sent", SQL_EXPORT_MESSAGES, user_id, message_row_json);
    if (rc == PW_OK)
        rc = export_list(db, body, truncated, "sessions", SQL_EXPORT_SESSIONS, user_id, session_json);
    json_object_set_new(body, "truncated", truncated);
    if (rc != PW_OK) {
        json_decref(body);
        return rc;
    }
    *out = body;
    return PW_OK;
}

/* ---- deletion ---------------------------------------------------------------------------- */

/* The first row's count of a one-parameter count query. */
static int count_of(pw_db *db, const char *sql, int64_t user_id, int64_t *n)
{
    pw_stmt *st = pw_db_stmt(db, sql);
    pw_stmt_int64(st, 1, user_id);
    int rc = pw_stmt_step(st);
    *n = rc == PW_ROW ? pw_stmt_column_int64(st, 0) : 0;
    pw_stmt_done(st);
    return rc == PW_ROW ? PW_OK : rc;
}

static const char SQL_OPEN_TASKS[] =
    "SELECT count(*) FROM tasks WHERE (client_id = ?1 OR worker_id = ?1) AND status IN ('dispatching', 'assigned', "
    "'in_progress', 'submitted', 'disputed')";
static const char SQL_HELD[] =
    "SELECT count(*) FROM ledger_accounts WHERE owner_user_id = ?1 AND kind = 'user' AND held <> 0";
static const char SQL_MONEY_LEFT[] =
    "SELECT count(*) FROM ledger_accounts WHERE owner_user_id = ?1 AND kind = 'user' AND asset <> 'TIME' "
    "AND balance <> 0";
static const char SQL_CREDIT_DEBT[] =
    "SELECT count(*) FROM ledger_accounts WHERE owner_user_id = ?1 AND kind = 'user' AND asset = 'TIME' "
    "AND balance < 0";

/* What stands in the way of deleting user_id, checked in this order: PW_OK none,
 * PW_EREFUSED with *err (409), or the database's code. */
static int deletion_blocked(pw_db *db, int64_t user_id, pw_error *err)
{
    int64_t open = 0, held = 0, money = 0, debt = 0;
    int rc = count_of(db, SQL_OPEN_TASKS, user_id, &open);
    if (rc == PW_OK)
        rc = count_of(db, SQL_HELD, user_id, &held);
    if (rc == PW_OK)
        rc = count_of(db, SQL_MONEY_LEFT, user_id, &money);
    if (rc == PW_OK)
        rc = count_of(db, SQL_CREDIT_DEBT, user_id, &debt);
    if (rc != PW_OK)
        return rc;
    if (open > 0)
        return pw_error_set(err, 409, "task_open", NULL,
                            "a task you posted or hold is still open: finish, cancel or release it first");
    if (held > 0)
        return pw_error_set(err, 409, "money_held", NULL,
                            "money of yours is held for a task or a payout: wait until it is settled");
    if (money > 0)
        return pw_error_set(err, 409, "balance_not_empty", NULL, "your wallet still holds money: pay it out first");
    if (debt > 0)
        return pw_error_set(err, 409, "credits_owed", NULL,
                            "your service-credit balance is below zero: work it off first");
    return PW_OK;
}

int pw_privacy_delete(pw_db *db, const pw_market_policy *p, int64_t user_id, int64_t now_ms, pw_error *err)
{
    pw_assert(user_id > 0);
    int rc = deletion_blocked(db, user_id, err);
    if (rc != PW_OK)
        return rc;
    char email[64];
    snprintf(email, sizeof(email), "deleted-%lld@deleted.invalid", (long long)user_id);
    /* "!" is no argon2id string: pw_accounts_verify_password refuses every password against it */
    pw_stmt *st = pw_db_stmt(db, "UPDATE users SET email = ?1, password_hash = '!deleted', display_name = ?2, "
                                 "deleted_at = ?3 WHERE id = ?4 AND deleted_at IS NULL");
    pw_stmt_bind(st, PW_TEXT(email), PW_TEXT(PW_DELETED_USER_NAME), PW_I64(now_ms), PW_I64(user_id));
    rc = pw_stmt_run(st);
    if (rc != PW_OK)
        return rc;
    if (pw_db_changes(db) != 1)
        return pw_error_set(err, 409, "invalid_state", NULL, "this account is already deleted");
    /* ?1 the user; ?2, where a statement has one, the time */
    static const struct {
        const char *sql;
        int with_now;
    } wipe[] = {
        {"UPDATE worker_profiles SET bio = '', skills = '[]', categories = '[]', remote = 0, lat_e6 = NULL, "
         "lon_e6 = NULL, active = 0, active_since = NULL, updated_at = ?2 WHERE user_id = ?1",
         1},
        {"DELETE FROM worker_tags WHERE user_id = ?1", 0},
        {"UPDATE task_messages SET body = '[deleted]' WHERE sender_id = ?1", 0},
        {"UPDATE sessions SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL", 1},
        {"DELETE FROM idempotency_keys WHERE user_id = ?1", 0},
        {"DELETE FROM events WHERE user_id = ?1", 0},
    };
    for (size_t i = 0; i < sizeof(wipe) / sizeof(wipe[0]) && rc == PW_OK; i++) {
        st = pw_db_stmt(db, wipe[i].sql);
        pw_stmt_int64(st, 1, user_id);
        if (wipe[i].with_now)
            pw_stmt_int64(st, 2, now_ms);
        rc = pw_stmt_run(st);
    }
    /* a `session` row makes every open event stream of the user ask again whether its
     * session lives (http/events.c): they all end once this commits */
    if (rc == PW_OK)
        rc = pw_events_add(db, user_id, "session", 0, "{\"status\":\"ended\"}", now_ms);
    if (rc != PW_OK)
        return rc;
    /* out of the search index after this batch, and out of dispatch now */
    pw_searching_touch(p->search, user_id);
    pw_engine_remove(p->dispatch.engine, user_id);
    return PW_OK;
}
