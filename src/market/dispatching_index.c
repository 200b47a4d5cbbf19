/* dispatching_index.c — the dispatch engine's worker index, fed from the database (see
 * dispatching.h). The engine reads no table itself: this reads the worker rows (profile,
 * record, the tasks they hold, what they were offered and earned in the last day, from
 * worker_profiles, users, tasks and task_assignments) and hands each to the engine as a
 * pw_engine_worker. At start every active worker; after every committed batch the workers
 * the engine marked dirty, or all of them again if too many changed. */
#include "market/dispatching.h"

#include "base/log.h"
#include "market/workers.h"

#define DAY_MS (24LL * 3600 * 1000)

#define SQL_WORKER_COLUMNS                                                                                         \
    "SELECT w.user_id, w.remote, w.lat_e6, w.lon_e6, w.radius_km, w.skills, w.categories, "                        \
    "coalesce(w.last_assigned_at, w.active_since, 0), coalesce(w.last_seen_at, 0), w.acked_count, w.missed_acks, " \
    "w.releases, w.completed_count, w.on_time_count, "                                                             \
    "(SELECT count(*) FROM tasks b WHERE b.worker_id = w.user_id AND b.status IN ('assigned', 'in_progress') "     \
    "   AND b.lat_e6 IS NULL), "                                                                                   \
    "(SELECT count(*) FROM tasks b WHERE b.worker_id = w.user_id AND b.status IN ('assigned', 'in_progress') "     \
    "   AND b.lat_e6 IS NOT NULL), "                                                                               \
    "(SELECT count(*) FROM task_assignments a WHERE a.worker_id = w.user_id AND a.assigned_at > ?2), "             \
    "(SELECT coalesce(sum(t.comp_amount), 0) FROM task_assignments a JOIN tasks t ON t.id = a.task_id "            \
    "   WHERE a.worker_id = w.user_id AND a.assigned_at > ?2 AND a.outcome IN ('pending', 'acked') "               \
    "   AND t.comp_kind = 'money') "                                                                               \
    "FROM worker_profiles w JOIN users u ON u.id = w.user_id "

/* Every active worker (start, rebuild) / one (refresh: a primary-key lookup). */
static const char SQL_WORKERS[] = SQL_WORKER_COLUMNS "WHERE w.active = 1 AND (u.roles & 2) != 0 AND ?1 = 0";
static const char SQL_WORKER[] = SQL_WORKER_COLUMNS "WHERE w.user_id = ?1 AND w.active = 1 AND (u.roles & 2) != 0";

/* Hands the row's worker to the engine. */
static int put_row(pw_engine *e, pw_stmt *st)
{
    pw_tags skills, categories; /* the engine interns the strings: these may go after the put */
    pw_tags_from_json_text(pw_stmt_column_text(st, 5), &skills);
    pw_tags_from_json_text(pw_stmt_column_text(st, 6), &categories);
    pw_engine_worker w = {
        .profile = {.user_id = pw_stmt_column_int64(st, 0),
                    .remote = (int)pw_stmt_column_int64(st, 1),
                    .has_base = !pw_stmt_column_is_null(st, 2),
                    .lat_e6 = (int32_t)pw_stmt_column_int64(st, 2),
                    .lon_e6 = (int32_t)pw_stmt_column_int64(st, 3),
                    .radius_km = (int)pw_stmt_column_int64(st, 4),
                    .skill_count = skills.count,
                    .category_count = categories.count},
        .last_assigned_ms = pw_stmt_column_int64(st, 7),
        .acked = pw_stmt_column_int64(st, 9),
        .missed_acks = pw_stmt_column_int64(st, 10),
        .releases = pw_stmt_column_int64(st, 11),
        .completed = pw_stmt_column_int64(st, 12),
        .on_time = pw_stmt_column_int64(st, 13),
        .busy_remote = (int)pw_stmt_column_int64(st, 14),
        .busy_local = (int)pw_stmt_column_int64(st, 15),
        .assigned_recently = pw_stmt_column_int64(st, 16),
        .earned_recent = pw_stmt_column_int64(st, 17),
    };
    for (int i = 0; i < skills.count; i++)
        w.profile.skills[i] = skills.tag[i];
    for (int i = 0; i < categories.count; i++)
        w.profile.categories[i] = categories.tag[i];
    return pw_engine_put(e, &w);
}

/* Loads one worker (user_id) or all active ones (0). */
static int load(pw_db *db, pw_engine *e, int64_t user_id, int64_t now_ms, int *found)
{
    pw_stmt *st = pw_db_stmt(db, user_id != 0 ? SQL_WORKER : SQL_WORKERS);
    pw_stmt_int64(st, 1, user_id);
    pw_stmt_int64(st, 2, now_ms - DAY_MS);
    int rc, count = 0;
    while ((rc = pw_stmt_step(st)) == PW_ROW) {
        if (put_row(e, st) != PW_OK) {
            rc = PW_ENOMEM;
            break;
        }
        count++;
    }
    pw_stmt_done(st);
    *found = count;
    return rc == PW_DONE ? PW_OK : rc;
}

int pw_dispatching_load(pw_db *db, pw_engine *e, int64_t now_ms)
{
    int count = 0;
    int rc = load(db, e, 0, now_ms, &count);
    pw_engine_loaded(e, 1);
    if (rc == PW_OK)
        pw_log_info("msg=\"dispatch index built\" active_workers=%d bytes=%zu", count,
                    pw_index_memory_bytes(pw_engine_index(e)));
    return rc;
}

int pw_dispatching_refresh(pw_db *db, pw_engine *e, int64_t now_ms)
{
    int64_t *ids;
    int rebuild;
    int n = pw_engine_take_dirty(e, &ids, &rebuild);
    int rc = PW_OK;
    if (rebuild) { /* more changed than the dirty list holds: start over from the database */
        int count = 0;
        if (pw_engine_clear(e) != 0)
            return PW_ENOMEM;
        rc = load(db, e, 0, now_ms, &count);
    }
    for (int i = 0; !rebuild && i < n && rc == PW_OK; i++) {
        int found = 0;
        rc = load(db, e, ids[i], now_ms, &found);
        if (rc == PW_OK && !found)
            pw_index_remove(pw_engine_index(e), ids[i]);
    }
    pw_engine_loaded(e, 0);
    return rc;
}
