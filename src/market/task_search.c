/* task_search.c — the admins' task search (see task_search.h). */
#include "market/task_search.h"

#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/fold.h"
#include "base/json_util.h"
#include "market/tasks.h"

/* Each filter is off when its parameter is the neutral value: one statement for all of them. */
static const char SQL_SCAN[] = "SELECT id, title, description FROM tasks WHERE id < ? "
                               "AND (? = '' OR status = ?) AND (? = '' OR category = ?) "
                               "AND (? = 0 OR client_id = ? OR worker_id = ?) ORDER BY id DESC LIMIT ?";

/* 1 when the folded title or description holds q (folded); 0 not; negative on error. */
static int text_matches(const char *q, const char *title, const char *description)
{
    const char *texts[2] = {title, description};
    for (int i = 0; i < 2; i++) {
        char *folded = NULL;
        int rc = pw_fold_dup(texts[i], strlen(texts[i]), &folded, NULL, NULL);
        if (rc == PW_ENOMEM)
            return PW_ENOMEM;
        int hit = rc == PW_OK && strstr(folded, q) != NULL; /* stored text is UTF-8: refused is no match */
        free(folded);
        if (hit)
            return 1;
    }
    return 0;
}

int pw_task_search_json(pw_db *db, const pw_task_search *s, int limit, int64_t cursor, json_t **out, int *items_out)
{
    pw_assert(limit >= 1 && limit <= PW_PAGE_MAX);
    int64_t ids[PW_PAGE_MAX + 1];
    int n = 0, scanned = 0, rc = PW_OK;
    int64_t last = 0;
    const char *state = s->has_state ? pw_task_state_name(s->state) : "";
    int has_q = s->q_folded[0] != '\0';
    pw_stmt *st = pw_db_stmt(db, SQL_SCAN);
    pw_stmt_bind(st, PW_I64(cursor > 0 ? cursor : INT64_MAX), PW_TEXT(state), PW_TEXT(state), PW_TEXT(s->category),
                 PW_TEXT(s->category), PW_I64(s->user_id), PW_I64(s->user_id), PW_I64(s->user_id),
                 PW_I64(PW_ADMIN_TASK_SCAN_MAX));
    while (n <= limit && (rc = pw_stmt_step(st)) == PW_ROW) {
        scanned++;
        last = pw_stmt_column_int64(st, 0);
        int hit = has_q ? text_matches(s->q_folded, pw_stmt_column_text(st, 1), pw_stmt_column_text(st, 2)) : 1;
        if (hit < 0) {
            rc = hit;
            break;
        }
        if (hit)
            ids[n++] = last;
    }
    pw_stmt_done(st);
    if (rc != PW_ROW && rc != PW_DONE)
        return rc < 0 ? rc : PW_EDB;
    json_t *items = json_array();
    for (int i = 0; i < n && i < limit; i++) {
        pw_task_row t;
        int found = pw_tasks_load(db, ids[i], &t);
        if (found < 0) {
            json_decref(items);
            return found;
        }
        if (found == 1)
            json_array_append_new(items, pw_tasks_json(db, &t, PW_VIEW_ADMIN));
    }
    /* more matches than the page; or the scan stopped at its cap with rows perhaps left */
    json_t *next = n > limit                           ? pw_json_id(ids[limit - 1])
                   : scanned == PW_ADMIN_TASK_SCAN_MAX ? pw_json_id(last)
                                                       : json_null();
    *items_out = (int)json_array_size(items);
    *out = json_pack("{s:o, s:o}", "items", items, "next_cursor", next);
    return *out != NULL ? PW_OK : PW_ENOMEM;
}
