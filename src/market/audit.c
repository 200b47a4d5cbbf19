/* audit.c — writing and reading the admin audit log (see audit.h). Rows are inserted,
 * never changed: there is no UPDATE or DELETE of admin_audit anywhere in the code base
 * (tests/api/audit.test.mjs checks the sources for one). Ids are time-ordered, so a page
 * is an index range read, newest first. */
#include "market/audit.h"

#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/json_util.h"
#include "base/limits.h"
#include "base/rand.h"

static const char *const action_names[PW_AUDIT_ACTION_COUNT] = {
    [PW_AUDIT_TASK_READ] = "task.read",
    [PW_AUDIT_TASK_MESSAGES_READ] = "task.messages.read",
    [PW_AUDIT_TASK_DISPATCH_READ] = "task.dispatch.read",
    [PW_AUDIT_DISPUTES_READ] = "disputes.read",
    [PW_AUDIT_AUDIT_READ] = "audit.read",
    [PW_AUDIT_TASKS_SEARCH] = "tasks.search",
    [PW_AUDIT_TASK_CANCEL] = "task.cancel",
    [PW_AUDIT_TASK_ACTION] = "task.action",
    [PW_AUDIT_DISPUTE_RESOLVE] = "dispute.resolve",
    [PW_AUDIT_ADMIN_CREATE] = "admin.create",
    [PW_AUDIT_ADMIN_GRANT] = "admin.grant",
};

const char *pw_audit_action_name(pw_audit_action action)
{
    pw_assert(action >= 0 && action < PW_AUDIT_ACTION_COUNT && action_names[action] != NULL);
    return action_names[action];
}

int pw_audit_action_parse(const char *name, pw_audit_action *out)
{
    for (int a = 0; a < PW_AUDIT_ACTION_COUNT; a++)
        if (strcmp(name, action_names[a]) == 0) {
            *out = (pw_audit_action)a;
            return PW_OK;
        }
    return PW_EREFUSED;
}

static const char SQL_INSERT[] = "INSERT INTO admin_audit (id, at, admin_id, action, object_kind, object_id, detail) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?)";

int pw_audit_record(pw_db *db, int64_t now_ms, int64_t admin_id, pw_audit_action action, const char *object_kind,
                    int64_t object_id, json_t *detail)
{
    pw_assert(detail == NULL || json_is_object(detail));
    pw_assert(admin_id >= 0 && (object_kind == NULL || object_id > 0)); /* 0: the command line */
    if (detail == NULL)
        detail = json_object();
    char *text = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(detail);
    if (text == NULL)
        return PW_ENOMEM;
    /* the callers build the detail from ids, states and counts: a long one is a bug */
    pw_assert(strlen(text) <= PW_AUDIT_DETAIL_MAX_BYTES);
    pw_stmt *st = pw_db_stmt(db, SQL_INSERT);
    pw_stmt_int64(st, 1, pw_time_ordered_id(now_ms));
    pw_stmt_int64(st, 2, now_ms);
    if (admin_id != 0)
        pw_stmt_int64(st, 3, admin_id);
    else
        pw_stmt_null(st, 3);
    pw_stmt_text(st, 4, pw_audit_action_name(action));
    if (object_kind != NULL) {
        pw_stmt_text(st, 5, object_kind);
        pw_stmt_int64(st, 6, object_id);
    } else {
        pw_stmt_null(st, 5);
        pw_stmt_null(st, 6);
    }
    pw_stmt_text(st, 7, text);
    int rc = pw_stmt_run(st);
    free(text);
    return rc;
}

/* ---- reading ----------------------------------------------------------------------------- */

#define AUDIT_COLUMNS "SELECT id, at, admin_id, action, object_kind, object_id, detail FROM admin_audit "

/* One literal per filter combination, so each is cached and uses its index. */
static const char SQL_ALL[] = AUDIT_COLUMNS "WHERE id < ? ORDER BY id DESC LIMIT ?";
static const char SQL_BY_ACTION[] = AUDIT_COLUMNS "WHERE action = ? AND id < ? ORDER BY id DESC LIMIT ?";
static const char SQL_BY_ADMIN[] = AUDIT_COLUMNS "WHERE admin_id = ? AND id < ? ORDER BY id DESC LIMIT ?";
static const char SQL_BY_BOTH[] = AUDIT_COLUMNS "WHERE action = ? AND admin_id = ? AND id < ? ORDER BY id DESC LIMIT ?";

static pw_stmt *list_stmt(pw_db *db, const pw_audit_filter *f, int limit, int64_t cursor)
{
    const char *sql = f->has_action ? (f->admin_id != 0 ? SQL_BY_BOTH : SQL_BY_ACTION)
                                    : (f->admin_id != 0 ? SQL_BY_ADMIN : SQL_ALL);
    pw_stmt *st = pw_db_stmt(db, sql);
    int i = 1;
    if (f->has_action)
        pw_stmt_text(st, i++, pw_audit_action_name(f->action));
    if (f->admin_id != 0)
        pw_stmt_int64(st, i++, f->admin_id);
    pw_stmt_int64(st, i++, cursor > 0 ? cursor : INT64_MAX);
    pw_stmt_int64(st, i, limit + 1);
    return st;
}

static json_t *row_json(pw_stmt *st)
{
    json_t *detail = json_loads(pw_stmt_column_text(st, 6), 0, NULL);
    int has_object = !pw_stmt_column_is_null(st, 4);
    return json_pack("{s:o, s:o, s:o, s:s, s:o, s:o, s:o}", "id", pw_json_id(pw_stmt_column_int64(st, 0)), "at",
                     pw_json_time(pw_stmt_column_int64(st, 1)), "admin_id",
                     pw_json_id(pw_stmt_column_is_null(st, 2) ? 0 : pw_stmt_column_int64(st, 2)), "action",
                     pw_stmt_column_text(st, 3), "object_kind",
                     has_object ? json_string(pw_stmt_column_text(st, 4)) : json_null(), "object_id",
                     pw_json_id(has_object ? pw_stmt_column_int64(st, 5) : 0), "detail",
                     detail != NULL ? detail : json_object());
}

int pw_audit_list_json(pw_db *db, const pw_audit_filter *filter, int limit, int64_t cursor, json_t **out,
                       int *count_out)
{
    pw_assert(limit >= 1 && limit <= PW_PAGE_MAX);
    pw_stmt *st = list_stmt(db, filter, limit, cursor);
    json_t *items = json_array();
    int64_t last = 0;
    int n = 0, rc = PW_DONE;
    for (;;) {
        rc = pw_stmt_step(st);
        if (rc != PW_ROW || n == limit)
            break;
        last = pw_stmt_column_int64(st, 0);
        json_array_append_new(items, row_json(st));
        n++;
    }
    int more = rc == PW_ROW;
    pw_stmt_done(st);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o, s:o}", "items", items, "next_cursor", more ? pw_json_id(last) : json_null());
    *count_out = n;
    return PW_OK;
}
