/* series.c — bucketing the marketplace's history (series.h). */
#include "market/series.h"

#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/limits.h"

int64_t pw_series_points(int64_t from_ms, int64_t to_ms, int64_t step_s)
{
    if (from_ms >= to_ms || step_s <= 0)
        return -1; /* not a status */
    int64_t step_ms = step_s * 1000;
    return (to_ms - from_ms + step_ms - 1) / step_ms;
}

int pw_series_bucket(const pw_series *s, int64_t at_ms)
{
    if (at_ms < s->from_ms)
        return -1; /* not a status */
    int64_t i = (at_ms - s->from_ms) / s->step_ms;
    return i < s->n ? (int)i : -1;
}

int pw_series_init(pw_series *s, int64_t from_ms, int64_t step_s, int n)
{
    memset(s, 0, sizeof(*s));
    if (n < 1 || n > PW_SERIES_POINTS_MAX)
        return PW_EREFUSED;
    s->from_ms = from_ms;
    s->step_ms = step_s * 1000;
    s->n = n;
    int64_t **cols[] = {&s->created,        &s->open,        &s->created_assigned,
                        &s->active_workers, &s->final_delta, &s->last_worker};
    int fail = 0;
    for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
        fail |= (*cols[i] = calloc((size_t)n, sizeof(int64_t))) == NULL;
    for (int k = 0; k < PW_SERIES_EVENT_COUNT; k++)
        fail |= (s->events[k] = calloc((size_t)n, sizeof(int64_t))) == NULL;
    for (int k = 0; k < PW_SERIES_MONEY_COUNT; k++)
        fail |= (s->money[k] = calloc((size_t)n, sizeof(int64_t))) == NULL;
    fail |= (s->tta_p50_s = calloc((size_t)n, sizeof(double))) == NULL;
    if (fail) {
        pw_series_free(s);
        return PW_ENOMEM;
    }
    return PW_OK;
}

void pw_series_free(pw_series *s)
{
    free(s->created);
    free(s->open);
    free(s->created_assigned);
    free(s->active_workers);
    free(s->final_delta);
    free(s->last_worker);
    for (int k = 0; k < PW_SERIES_EVENT_COUNT; k++)
        free(s->events[k]);
    for (int k = 0; k < PW_SERIES_MONEY_COUNT; k++)
        free(s->money[k]);
    free(s->tta_p50_s);
    free(s->samples);
    memset(s, 0, sizeof(*s));
}

int pw_series_add_task(pw_series *s, int64_t created_ms, int64_t first_assigned_ms, int64_t final_ms)
{
    if (created_ms >= s->from_ms + (int64_t)s->n * s->step_ms)
        return PW_OK;
    int c = pw_series_bucket(s, created_ms);
    if (c >= 0) {
        s->created[c]++;
        s->created_assigned[c] += first_assigned_ms != 0;
    }
    /* open at a bucket's end: created before it and not final before it. The running sum
     * in pw_series_finish adds created[] and takes away final_delta[]. */
    int still_open_at_from = final_ms == 0 || final_ms >= s->from_ms;
    if (c < 0 && still_open_at_from)
        s->open_before++;
    int f = final_ms == 0 ? -1 : pw_series_bucket(s, final_ms);
    if (f >= 0)
        s->final_delta[f]++;
    int a = first_assigned_ms == 0 ? -1 : pw_series_bucket(s, first_assigned_ms);
    if (a >= 0) {
        if (s->sample_count == s->sample_cap) {
            int cap = s->sample_cap == 0 ? 64 : s->sample_cap * 2;
            void *grown = realloc(s->samples, sizeof(*s->samples) * (size_t)cap);
            if (grown == NULL)
                return PW_ENOMEM;
            s->samples = grown;
            s->sample_cap = cap;
        }
        s->samples[s->sample_count][0] = a;
        s->samples[s->sample_count][1] = first_assigned_ms - created_ms;
        s->sample_count++;
    }
    return PW_OK;
}

void pw_series_add_event(pw_series *s, pw_series_event kind, int64_t at_ms)
{
    int b = pw_series_bucket(s, at_ms);
    if (b >= 0 && kind < PW_SERIES_EVENT_COUNT)
        s->events[kind][b]++;
}

void pw_series_add_money(pw_series *s, pw_series_money kind, int64_t at_ms, int64_t amount)
{
    int b = pw_series_bucket(s, at_ms);
    if (b >= 0 && kind < PW_SERIES_MONEY_COUNT)
        s->money[kind][b] += amount;
}

void pw_series_add_timeline(pw_series *s, const char *event, const char *to_status, int64_t at_ms)
{
    static const struct {
        const char *event;
        pw_series_event kind;
    } counted[] = {{"assigned", PW_SERIES_ASSIGNED},
                   {"cancelled", PW_SERIES_CANCELLED},
                   {"expired", PW_SERIES_EXPIRED},
                   {"disputed", PW_SERIES_DISPUTED}};
    if (to_status != NULL && strcmp(to_status, "completed") == 0) {
        pw_series_add_event(s, PW_SERIES_COMPLETED, at_ms);
        return;
    }
    for (size_t i = 0; event != NULL && i < sizeof(counted) / sizeof(counted[0]); i++)
        if (strcmp(event, counted[i].event) == 0) {
            pw_series_add_event(s, counted[i].kind, at_ms);
            return;
        }
}

void pw_series_add_transfer(pw_series *s, const char *kind, int64_t at_ms, int64_t amount)
{
    if (kind == NULL)
        return;
    if (strcmp(kind, "pool_share") == 0) {
        pw_series_add_money(s, PW_SERIES_POOL, at_ms, amount);
        return;
    }
    int fee = strcmp(kind, "fee") == 0;
    if (!fee && strcmp(kind, "release") != 0)
        return;
    pw_series_add_money(s, PW_SERIES_GMV, at_ms, amount);
    if (fee)
        pw_series_add_money(s, PW_SERIES_FEES, at_ms, amount);
}

void pw_series_add_worker(pw_series *s, int64_t worker_id, int64_t at_ms)
{
    int b = pw_series_bucket(s, at_ms);
    if (b < 0 || worker_id <= 0 || s->last_worker[b] == worker_id)
        return;
    s->last_worker[b] = worker_id;
    s->active_workers[b]++;
}

static int cmp_sample(const void *x, const void *y)
{
    const int64_t *a = x, *b = y;
    if (a[0] != b[0])
        return a[0] < b[0] ? -1 : 1;
    return a[1] < b[1] ? -1 : a[1] > b[1];
}

void pw_series_finish(pw_series *s)
{
    int64_t open = s->open_before;
    for (int i = 0; i < s->n; i++) {
        open += s->created[i] - s->final_delta[i];
        s->open[i] = open;
        s->tta_p50_s[i] = -1;
    }
    if (s->sample_count > 0)
        qsort(s->samples, (size_t)s->sample_count, sizeof(*s->samples), cmp_sample);
    for (int lo = 0; lo < s->sample_count;) {
        int hi = lo;
        while (hi < s->sample_count && s->samples[hi][0] == s->samples[lo][0])
            hi++;
        /* the lower median, as GET /admin/metrics takes its p50 */
        s->tta_p50_s[s->samples[lo][0]] = (double)s->samples[lo + (hi - lo - 1) / 2][1] / 1000.0;
        lo = hi;
    }
}

static json_t *column(const int64_t *v, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(a, json_integer(v[i]));
    return a;
}

json_t *pw_series_json(const pw_series *s)
{
    json_t *t = json_array(), *fill = json_array(), *tta = json_array();
    for (int i = 0; i < s->n; i++) {
        json_array_append_new(t, json_integer((s->from_ms + (int64_t)i * s->step_ms) / 1000));
        json_array_append_new(
            fill, s->created[i] > 0 ? json_real((double)s->created_assigned[i] / (double)s->created[i]) : json_null());
        json_array_append_new(tta, s->tta_p50_s[i] >= 0 ? json_real(s->tta_p50_s[i]) : json_null());
    }
    json_t *series = json_object();
    json_object_set_new(series, "created", column(s->created, s->n));
    json_object_set_new(series, "assigned", column(s->events[PW_SERIES_ASSIGNED], s->n));
    json_object_set_new(series, "completed", column(s->events[PW_SERIES_COMPLETED], s->n));
    json_object_set_new(series, "cancelled", column(s->events[PW_SERIES_CANCELLED], s->n));
    json_object_set_new(series, "expired", column(s->events[PW_SERIES_EXPIRED], s->n));
    json_object_set_new(series, "disputed", column(s->events[PW_SERIES_DISPUTED], s->n));
    json_object_set_new(series, "open", column(s->open, s->n));
    json_object_set_new(series, "fill_rate", fill);
    json_object_set_new(series, "time_to_assign_p50_s", tta);
    json_object_set_new(series, "gmv", column(s->money[PW_SERIES_GMV], s->n));
    json_object_set_new(series, "fees", column(s->money[PW_SERIES_FEES], s->n));
    json_object_set_new(series, "pool", column(s->money[PW_SERIES_POOL], s->n));
    json_object_set_new(series, "active_workers", column(s->active_workers, s->n));
    return json_pack("{s:o, s:o}", "t", t, "series", series);
}

/* ---- from the database ------------------------------------------------------------------------ */

#define FINAL_STATES "('completed', 'resolved', 'cancelled', 'expired')"

/* A task's creation, first assignment and first final state. Joined: the task row `t`
 * with its timeline (task_events_task), grouped by (created_at, id) — the order of the
 * time indexes, so SQLite walks the range; grouped by id alone it walks every task in id
 * order. Looked up: the same from a task row found by its final event, two subqueries. */
#define TASK_TIMES_JOINED                                                        \
    "SELECT t.created_at, MIN(CASE WHEN e.event = 'assigned' THEN e.at END), "   \
    "MIN(CASE WHEN e.to_status IN " FINAL_STATES " THEN e.at END) FROM tasks t " \
    "LEFT JOIN task_events e ON e.task_id = t.id "
#define TASK_TIMES_LOOKED_UP                                                                  \
    "SELECT t.created_at, "                                                                   \
    "(SELECT MIN(e.at) FROM task_events e WHERE e.task_id = t.id AND e.event = 'assigned'), " \
    "(SELECT MIN(e.at) FROM task_events e WHERE e.task_id = t.id AND e.to_status IN " FINAL_STATES ") "

/* The tasks that count in [from, end), read by range (0010_series_indexes.sql): those
 * posted in it (tasks_created); those posted before it and not final yet
 * (tasks_open_created); and those posted before it that turned final at or after from
 * (task_events_at). A final state is never left, so the three are apart; a task posted
 * before from that was final before from counts in no bucket and is not read. */
static const char SQL_TASKS_IN_RANGE[] = TASK_TIMES_JOINED
    "WHERE t.created_at >= ?1 AND t.created_at < ?2 GROUP BY t.created_at, t.id "
    "UNION ALL " TASK_TIMES_JOINED "WHERE t.created_at < ?1 AND t.status NOT IN " FINAL_STATES
    " GROUP BY t.created_at, t.id "
    "UNION ALL " TASK_TIMES_LOOKED_UP "FROM task_events f JOIN tasks t ON t.id = f.task_id "
    "WHERE f.at >= ?1 AND f.to_status IN " FINAL_STATES " AND t.created_at < ?1";

static int load_tasks(pw_db *db, pw_series *s, int64_t end_ms)
{
    pw_stmt *st = pw_db_stmt(db, SQL_TASKS_IN_RANGE);
    pw_stmt_int64(st, 1, s->from_ms);
    pw_stmt_int64(st, 2, end_ms);
    int rc = PW_OK, step;
    while (rc == PW_OK && (step = pw_stmt_step(st)) == PW_ROW)
        rc = pw_series_add_task(s, pw_stmt_column_int64(st, 0),
                                pw_stmt_column_is_null(st, 1) ? 0 : pw_stmt_column_int64(st, 1),
                                pw_stmt_column_is_null(st, 2) ? 0 : pw_stmt_column_int64(st, 2));
    if (rc == PW_OK && pw_stmt_is_failed(st))
        rc = PW_EDB;
    pw_stmt_done(st);
    return rc;
}

static int load_events(pw_db *db, pw_series *s, int64_t end_ms)
{
    pw_stmt *st = pw_db_stmt(db, "SELECT at, event, to_status FROM task_events WHERE at >= ? AND at < ? "
                                 "AND (event IN ('assigned', 'cancelled', 'expired', 'disputed') "
                                 "OR to_status = 'completed')");
    pw_stmt_int64(st, 1, s->from_ms);
    pw_stmt_int64(st, 2, end_ms);
    while (pw_stmt_step(st) == PW_ROW)
        pw_series_add_timeline(s, pw_stmt_column_text(st, 1), pw_stmt_column_text(st, 2), pw_stmt_column_int64(st, 0));
    int rc = pw_stmt_is_failed(st) ? PW_EDB : PW_OK;
    pw_stmt_done(st);
    if (rc != PW_OK)
        return rc;
    st = pw_db_stmt(db, "SELECT worker_id, at FROM task_events WHERE worker_id IS NOT NULL AND at >= ? AND at < ? "
                        "ORDER BY worker_id");
    pw_stmt_int64(st, 1, s->from_ms);
    pw_stmt_int64(st, 2, end_ms);
    while (pw_stmt_step(st) == PW_ROW)
        pw_series_add_worker(s, pw_stmt_column_int64(st, 0), pw_stmt_column_int64(st, 1));
    rc = pw_stmt_is_failed(st) ? PW_EDB : PW_OK;
    pw_stmt_done(st);
    return rc;
}

/* GMV is "release" + "fee" (what clients paid for delivered work), as GET /admin/metrics. */
static int load_money(pw_db *db, pw_series *s, int64_t end_ms, const char *currency)
{
    pw_stmt *st = pw_db_stmt(db, "SELECT kind, created_at, amount FROM ledger_transfers WHERE status = 'posted' "
                                 "AND kind IN ('release', 'fee', 'pool_share') AND asset = ? "
                                 "AND created_at >= ? AND created_at < ?");
    pw_stmt_text(st, 1, currency);
    pw_stmt_int64(st, 2, s->from_ms);
    pw_stmt_int64(st, 3, end_ms);
    while (pw_stmt_step(st) == PW_ROW)
        pw_series_add_transfer(s, pw_stmt_column_text(st, 0), pw_stmt_column_int64(st, 1), pw_stmt_column_int64(st, 2));
    int rc = pw_stmt_is_failed(st) ? PW_EDB : PW_OK;
    pw_stmt_done(st);
    return rc;
}

int pw_series_load(pw_db *db, pw_series *s, const char *currency)
{
    int64_t end_ms = s->from_ms + (int64_t)s->n * s->step_ms;
    int rc = load_tasks(db, s, end_ms);
    if (rc == PW_OK)
        rc = load_events(db, s, end_ms);
    if (rc == PW_OK)
        rc = load_money(db, s, end_ms, currency);
    if (rc == PW_OK)
        pw_series_finish(s);
    return rc;
}
