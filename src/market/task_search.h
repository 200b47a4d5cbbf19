/* task_search.h — the admins' search over everyone's tasks (GET /admin/tasks): text in the
 * title or description, the state, the category, a user who is the client or the worker.
 * Newest first; the cursor is the id of the last task read, and ids are time-ordered, so a
 * walk sees every matching task once.
 *
 * The filters on state, category and user are SQL; the text is matched in C, folded with
 * pw_fold on both sides (case, accents, compatibility forms: base/fold.h), because no SQL
 * that SQLite and PostgreSQL share folds accents. A page reads at most
 * PW_ADMIN_TASK_SCAN_MAX rows past the SQL filters: when it stops there, it may hold fewer
 * than `limit` items and still have a next cursor. */
#ifndef PW_TASK_SEARCH_H
#define PW_TASK_SEARCH_H
#include <jansson.h>
#include <stdint.h>

#include "base/limits.h"
#include "market/task_state.h"
#include "store/db.h"

typedef struct pw_task_search {
    char q_folded[PW_ADMIN_TASK_Q_FOLDED_MAX_BYTES]; /* "": no text filter; else folded already (pw_fold) */
    int has_state;
    pw_task_state state;
    char category[4 * PW_TAG_MAX_CHARS + 1]; /* "": any */
    int64_t user_id;                         /* 0: anyone */
} pw_task_search;

/* {"items": [the admin view of each task], "next_cursor": id or null} in *out; the number of
 * items in *items_out. PW_OK or the code of what failed. */
int pw_task_search_json(pw_db *db, const pw_task_search *s, int limit, int64_t cursor, json_t **out, int *items_out);

#endif
