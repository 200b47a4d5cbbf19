/* audit.h — the audit log of admin reads and actions (table admin_audit, migration 0006).
 *
 * An admin reads private data only where their work needs it (docs/SECURITY.md, "What
 * admins see"), and every such read and every admin action leaves one row here: who,
 * when, a stable action name, the object, and a small detail object of ids, states and
 * counts — never a message body, a reason, a place or other personal data. A row is
 * written on the writer in the same transaction as the read's answer or the action, so an
 * answered read or a done action always has its row on disk (and a rolled-back one has
 * none). The log is append-only: this module has no function, and the code base no
 * statement, that updates or deletes a row. */
#ifndef PW_AUDIT_H
#define PW_AUDIT_H
#include <jansson.h>
#include <stdint.h>

#include "store/db.h"

/* What was read or done. The names (pw_audit_action_name) are part of the API: never
 * rename one, only add. */
typedef enum {
    PW_AUDIT_TASK_READ,          /* GET /tasks/{id}: the task with its exact place */
    PW_AUDIT_TASK_MESSAGES_READ, /* GET /tasks/{id}/messages (disputed or resolved only) */
    PW_AUDIT_TASK_DISPATCH_READ, /* GET /tasks/{id}/dispatch: the candidates and their scores */
    PW_AUDIT_DISPUTES_READ,      /* GET /admin/disputes: who disputed what, and why */
    PW_AUDIT_AUDIT_READ,         /* GET /admin/audit: this log */
    PW_AUDIT_TASKS_SEARCH,       /* GET /admin/tasks: a search over everyone's tasks */
    PW_AUDIT_TASK_CANCEL,        /* POST /tasks/{id}/cancel on someone else's task */
    PW_AUDIT_TASK_ACTION,        /* any other lifecycle action on someone else's task (none today) */
    PW_AUDIT_DISPUTE_RESOLVE,    /* POST /admin/disputes/{id}/resolve */
    PW_AUDIT_ADMIN_CREATE,       /* peerwork admin create: a new admin account */
    PW_AUDIT_ADMIN_GRANT,        /* peerwork admin create on an existing account */
    PW_AUDIT_ACTION_COUNT
} pw_audit_action;

const char *pw_audit_action_name(pw_audit_action action);
/* PW_OK and *out set, or PW_EREFUSED: not an action name. */
int pw_audit_action_parse(const char *name, pw_audit_action *out);

/* One row. admin_id 0: the command line. object_kind NULL: no single object (a list).
 * detail: a JSON object (taken over, as jansson's _new functions do: the caller builds it
 * in the call; NULL for {}), of at most PW_AUDIT_DETAIL_MAX_BYTES.
 * PW_OK or a negative PW_E* code: the caller's transaction must then roll back. */
int pw_audit_record(pw_db *db, int64_t now_ms, int64_t admin_id, pw_audit_action action, const char *object_kind,
                    int64_t object_id, json_t *detail);

typedef struct pw_audit_filter {
    int has_action;
    pw_audit_action action;
    int64_t admin_id; /* 0: every admin */
} pw_audit_filter;

/* One page, newest first: {"items": [...], "next_cursor": ...}. cursor 0: from the newest;
 * otherwise the rows older than that id. *count_out: the items on the page. */
int pw_audit_list_json(pw_db *db, const pw_audit_filter *filter, int limit, int64_t cursor, json_t **out,
                       int *count_out);

#endif
