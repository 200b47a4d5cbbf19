/* engine_db.c — the engine and the database: building the index from the active
 * workers, re-reading dirty workers after a commit, and describing a task for a search. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/roles.h"
#include "dispatch/engine.h"
#include "market/tasks.h"


#define DAY_MS (24LL * 3600 * 1000)

#define SQL_WORKER_COLUMNS \
    "SELECT w.user_id, w.remote, w.lat_e6, w.lon_e6, w.radius_km, w.skills, w.categories, " \
    "coalesce(w.last_assigned_at, w.active_since, 0), coalesce(w.last_seen_at, 0), w.acked_count, w.missed_acks, " \
    "w.releases, w.completed_count, w.on_time_count, " \
    "(SELECT count(*) FROM tasks b WHERE b.worker_id = w.user_id AND b.status IN ('assigned', 'in_progress') " \
    "   AND b.lat_e6 IS NULL), " \
    "(SELECT count(*) FROM tasks b WHERE b.worker_id = w.user_id AND b.status IN ('assigned', 'in_progress') " \
    "   AND b.lat_e6 IS NOT NULL), " \
    "(SELECT count(*) FROM task_assignments a WHERE a.worker_id = w.user_id AND a.assigned_at > ?2), " \
    "(SELECT coalesce(sum(t.comp_amount), 0) FROM task_assignments a JOIN tasks t ON t.id = a.task_id " \
    "   WHERE a.worker_id = w.user_id AND a.assigned_at > ?2 AND a.outcome IN ('pending', 'acked') " \
    "   AND t.comp_kind = 'money') " \
    "FROM worker_profiles w JOIN users u ON u.id = w.user_id "

/* Every active worker (start, rebuild) / one (refresh: a primary-key lookup). */
static const char SQL_WORKERS[] = SQL_WORKER_COLUMNS "WHERE w.active = 1 AND (u.roles & 2) != 0 AND ?1 = 0";
static const char SQL_WORKER[] = SQL_WORKER_COLUMNS "WHERE w.user_id = ?1 AND w.active = 1 AND (u.roles & 2) != 0";

/* Puts the row's worker into the index. */
static int put_row(pw_engine *e, pw_stmt *st)
{
    pw_tags skills, categories;
    pw_tags_from_json_text(pw_stmt_column_text(st, 5), &skills);
    pw_tags_from_json_text(pw_stmt_column_text(st, 6), &categories);
    pw_index_profile p = {.user_id = pw_stmt_column_int64(st, 0), .remote = (int)pw_stmt_column_int64(st, 1),
                          .has_base = !pw_stmt_column_is_null(st, 2), .radius_km = (int)pw_stmt_column_int64(st, 4),
                          .skill_count = skills.count, .category_count = categories.count};
    p.lat_e6 = (int32_t)pw_stmt_column_int64(st, 2);
    p.lon_e6 = (int32_t)pw_stmt_column_int64(st, 3);
    for (int i = 0; i < skills.count; i++)
        p.skills[i] = skills.tag[i];
    for (int i = 0; i < categories.count; i++)
        p.categories[i] = categories.tag[i];
    pw_index *ix = pw_engine_index(e);
    int32_t slot = pw_index_put(ix, &p);
    if (slot < 0)
        return PW_ENOMEM;
    pw_index_worker *w = pw_index_slot(ix, slot);
    w->last_assigned_ms = pw_stmt_column_int64(st, 7);
    w->acked = (uint32_t)pw_stmt_column_int64(st, 9);
    w->missed_acks = (uint32_t)pw_stmt_column_int64(st, 10);
    w->releases = (uint32_t)pw_stmt_column_int64(st, 11);
    w->completed = (uint32_t)pw_stmt_column_int64(st, 12);
    w->on_time = (uint32_t)pw_stmt_column_int64(st, 13);
    pw_index_hot_slot(ix, slot)->busy = 0;
    pw_index_add_busy(ix, slot, (int)pw_stmt_column_int64(st, 15), (int)pw_stmt_column_int64(st, 14));
    int64_t recent = pw_stmt_column_int64(st, 16);
    w->assigned_today = (uint8_t)(recent > UINT8_MAX ? UINT8_MAX : recent);
    int64_t earned = pw_stmt_column_int64(st, 17);
    w->earned_recent = (uint32_t)(earned > UINT32_MAX ? UINT32_MAX : earned < 0 ? 0 : earned);
    return PW_OK;
}

/* Loads one worker (user_id) or all active ones (0). */
static int load(pw_engine *e, pw_db *db, int64_t user_id, int64_t now_ms, int *found)
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

int pw_engine_load(pw_engine *e, pw_db *db, int64_t now_ms)
{
    int count = 0;
    int rc = load(e, db, 0, now_ms, &count);
    pw_index_shrink(pw_engine_index(e));
    atomic_store(&pw_engine_get_stats(e)->active_workers, (int64_t)pw_index_count(pw_engine_index(e)));
    if (rc == PW_OK)
        pw_log_info("msg=\"dispatch index built\" active_workers=%d bytes=%zu", count,
                    pw_index_memory_bytes(pw_engine_index(e)));
    return rc;
}

int pw_engine_refresh(pw_engine *e, pw_db *db, int64_t now_ms)
{
    int64_t *ids;
    int rebuild;
    int n = pw_engine_take_dirty(e, &ids, &rebuild);
    int rc = PW_OK;
    if (rebuild) {        /* more changed than the dirty list holds: start over from the database */
        int count = 0;
        if (pw_engine_clear(e) != 0)
            return PW_ENOMEM;
        rc = load(e, db, 0, now_ms, &count);
    }
    for (int i = 0; !rebuild && i < n && rc == PW_OK; i++) {
        int found = 0;
        rc = load(e, db, ids[i], now_ms, &found);
        if (rc == PW_OK && !found)
            pw_index_remove(pw_engine_index(e), ids[i]);
    }
    atomic_store(&pw_engine_get_stats(e)->active_workers, (int64_t)pw_index_count(pw_engine_index(e)));
    return rc;
}

/* ---- a task, described for the search --------------------------------------------------------- */

static int load_ids(pw_db *db, const char *sql, int64_t a, int64_t *out, int max, int *count)
{
    pw_stmt *st = pw_db_stmt(db, sql);
    pw_stmt_int64(st, 1, a);
    *count = 0;
    int rc = PW_ROW;
    while (*count < max && (rc = pw_stmt_step(st)) == PW_ROW)
        out[(*count)++] = pw_stmt_column_int64(st, 0);
    pw_stmt_done(st);
    return rc == PW_ROW || rc == PW_DONE ? PW_OK : rc;
}

static const char SQL_TRIED[] = "SELECT worker_id FROM task_assignments WHERE task_id = ?";
static const char SQL_AVOID[] = "SELECT worker_id FROM bad_pairings WHERE client_id = ?";
static const char SQL_STANDING[] =
    "SELECT completed, disputes_lost, late_cancels FROM client_records WHERE user_id = ?";

/* Standing: (done + 2) / (done + 2 + 2 x disputes the client opened and lost + cancels
 * after a worker was assigned). A new client is 1; a client who disputes good work or
 * withdraws tasks from workers who already committed sinks towards 0. */
static double client_standing(pw_db *db, int64_t client_id)
{
    pw_stmt *st = pw_db_stmt(db, SQL_STANDING);
    pw_stmt_int64(st, 1, client_id);
    double standing = 1.0;
    if (pw_stmt_step(st) == PW_ROW) {
        double done = (double)pw_stmt_column_int64(st, 0), lost = (double)pw_stmt_column_int64(st, 1),
               cancels = (double)pw_stmt_column_int64(st, 2);
        standing = (done + 2) / (done + 2 + 2 * lost + cancels);
    }
    pw_stmt_done(st);
    return standing;
}

int pw_engine_task_from_row(pw_engine *e, pw_db *db, const pw_task_row *row, pw_engine_task *t)
{
    pw_index *ix = pw_engine_index(e);
    memset(t, 0, sizeof(*t));
    t->id = row->id;
    t->client_id = row->client_id;
    t->urgent = row->urgent;
    t->created_ms = row->created_ms;
    t->deadline_ms = row->deadline_ms;
    t->has_location = row->location.present;
    t->lat_e6 = (int32_t)row->location.lat_e6;
    t->lon_e6 = (int32_t)row->location.lon_e6;
    t->category = pw_index_tag(ix, row->category);
    for (int i = 0; i < row->skills.count && i < PW_TAGS_MAX; i++)
        t->skills[t->skill_count++] = pw_index_tag(ix, row->skills.tag[i]);
    int rc = load_ids(db, SQL_TRIED, row->id, t->excluded, PW_DISPATCH_EXCLUDE_MAX, &t->excluded_count);
    if (rc == PW_OK)
        rc = load_ids(db, SQL_AVOID, row->client_id, t->avoid, PW_DISPATCH_EXCLUDE_MAX, &t->avoid_count);
    t->client_standing = client_standing(db, row->client_id);
    return rc;
}
