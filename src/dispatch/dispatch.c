/* dispatch.c — scoring (pure) and the assignment rounds over the database.
 *
 * Candidate generation here reads the worker_tags index (one lookup per task tag) and
 * the profiles of the workers found, bounded by PW_DISPATCH_CANDIDATES_MAX; the
 * in-memory worker index of the dispatch engine replaces this scan at scale. */
#include "dispatch/dispatch.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "base/roles.h"
#include "market/tasks.h"
#include "market/workers.h"

void pw_dispatch_policy_defaults(pw_dispatch_policy *p)
{
    p->ack_window_s = 120;
    p->remote_cap = 3;
    p->weights = (pw_dispatch_weights){.fit = 0.35, .distance = 0.20, .reputation = 0.20, .reliability = 0.15,
                                       .fairness = 0.10};
}

/* ---- scoring (pure) --------------------------------------------------------------------- */

double pw_dispatch_score(const pw_dispatch_weights *w, const pw_candidate *c, pw_score_parts *p)
{
    if (c->skills_wanted == 0)
        p->fit = c->category_match ? 1.0 : 0.5;
    else
        p->fit = 0.4 * c->category_match + 0.6 * (double)c->skills_matched / (double)c->skills_wanted;
    if (c->remote_task)
        p->distance = 1.0;
    else
        p->distance = c->radius_km > 0 ? fmax(0.0, 1.0 - c->distance_km / (double)c->radius_km) : 0.0;
    p->reputation = c->rating < 0 ? 0.6 : (c->rating - 1.0) / 4.0;
    /* Smoothed rates: a newcomer starts near good and a record moves them. */
    double ack_rate = (double)(c->acked + 3) / (double)(c->acked + c->missed_acks + 3);
    double completion = (double)(c->completed + 2) / (double)(c->acked + 2);
    double on_time = (double)(c->on_time + 1) / (double)(c->completed + 1);
    completion = fmin(1.0, completion * (double)(c->acked + 2) / (double)(c->acked + c->releases + 2));
    p->reliability = 0.5 * ack_rate + 0.3 * completion + 0.2 * on_time;
    p->fairness = 1.0 - exp(-fmax(0.0, c->idle_s) / 3600.0);
    p->total = w->fit * p->fit + w->distance * p->distance + w->reputation * p->reputation +
               w->reliability * p->reliability + w->fairness * p->fairness;
    return p->total;
}

json_t *pw_score_parts_json(const pw_candidate *c, const pw_score_parts *p)
{
    char id[24];
    snprintf(id, sizeof(id), "%lld", (long long)c->worker_id);
    json_t *o = json_pack("{s:s, s:f, s:{s:f, s:f, s:f, s:f, s:f}}", "worker_id", id, "score", p->total, "parts",
                          "fit", p->fit, "distance", p->distance, "reputation", p->reputation, "reliability",
                          p->reliability, "fairness", p->fairness);
    if (!c->remote_task)
        json_object_set_new(o, "distance_km", json_real(round(c->distance_km * 10) / 10));
    return o;
}

/* ---- candidates ---------------------------------------------------------------------------- */

typedef struct candidate_set {
    int count;
    int64_t ids[PW_DISPATCH_CANDIDATES_MAX];
} candidate_set;

static void add_from_tag(pw_db *db, candidate_set *set, const char *tag, int kind)
{
    pw_stmt *st = pw_db_stmt(db, "SELECT t.user_id FROM worker_tags t JOIN worker_profiles w ON w.user_id = t.user_id "
                                 "WHERE t.tag = ? AND t.kind = ? AND w.active = 1");
    pw_stmt_text(st, 1, tag);
    pw_stmt_int64(st, 2, kind);
    while (set->count < PW_DISPATCH_CANDIDATES_MAX && pw_stmt_step(st) == PW_ROW) {
        int64_t id = pw_stmt_column_int64(st, 0);
        int seen = 0;
        for (int i = 0; i < set->count && !seen; i++)
            seen = set->ids[i] == id;
        if (!seen)
            set->ids[set->count++] = id;
    }
    pw_stmt_done(st);
}

/* Fills c from the worker's profile; 0 if eligible for this task, -1 if not. */
static int load_candidate(pw_db *db, const pw_dispatch_policy *policy, const pw_task_row *t, int64_t worker_id,
                          int64_t now_ms, pw_candidate *c)
{
    pw_stmt *st = pw_db_stmt(db,
        "SELECT w.remote, w.lat_e6, w.lon_e6, w.radius_km, coalesce(w.last_assigned_at, w.active_since, 0), "
        "w.acked_count, w.missed_acks, w.releases, w.completed_count, w.on_time_count, w.skills, w.categories, u.roles, "
        "(SELECT count(*) FROM tasks b WHERE b.worker_id = w.user_id AND b.status IN ('assigned', 'in_progress') "
        "   AND b.lat_e6 IS NULL), "
        "(SELECT count(*) FROM tasks b WHERE b.worker_id = w.user_id AND b.status IN ('assigned', 'in_progress') "
        "   AND b.lat_e6 IS NOT NULL), "
        "EXISTS (SELECT 1 FROM task_assignments a WHERE a.task_id = ? AND a.worker_id = w.user_id) "
        "FROM worker_profiles w JOIN users u ON u.id = w.user_id WHERE w.user_id = ? AND w.active = 1");
    pw_stmt_int64(st, 1, t->id);
    pw_stmt_int64(st, 2, worker_id);
    int eligible = 0;
    if (pw_stmt_step(st) == PW_ROW) {
        int remote_ok = (int)pw_stmt_column_int64(st, 0), has_base = !pw_stmt_column_is_null(st, 1);
        int64_t busy_remote = pw_stmt_column_int64(st, 13), busy_local = pw_stmt_column_int64(st, 14);
        int tried = (int)pw_stmt_column_int64(st, 15);
        int roles = (int)pw_stmt_column_int64(st, 12);
        *c = (pw_candidate){.worker_id = worker_id, .remote_task = !t->location.present, .rating = -1};
        c->radius_km = (int)pw_stmt_column_int64(st, 3);
        c->idle_s = (double)(now_ms - pw_stmt_column_int64(st, 4)) / 1000.0;
        c->acked = pw_stmt_column_int64(st, 5);
        c->missed_acks = pw_stmt_column_int64(st, 6);
        c->releases = pw_stmt_column_int64(st, 7);
        c->completed = pw_stmt_column_int64(st, 8);
        c->on_time = pw_stmt_column_int64(st, 9);
        eligible = (roles & PW_ROLE_WORKER) && !tried && worker_id != t->client_id;
        if (c->remote_task) {
            eligible = eligible && remote_ok && busy_local == 0 && busy_remote < policy->remote_cap;
        } else {
            eligible = eligible && has_base && busy_local == 0 && busy_remote == 0;
            if (eligible) {
                c->distance_km = pw_distance_km(t->location.lat_e6, t->location.lon_e6,
                                                pw_stmt_column_int64(st, 1), pw_stmt_column_int64(st, 2));
                eligible = c->distance_km <= (double)c->radius_km;
            }
        }
        pw_tags skills, categories;
        pw_tags_from_json_text(pw_stmt_column_text(st, 10), &skills);
        pw_tags_from_json_text(pw_stmt_column_text(st, 11), &categories);
        c->skills_wanted = t->skills.count;
        for (int i = 0; i < t->skills.count; i++)
            for (int k = 0; k < skills.count; k++)
                c->skills_matched += strcmp(t->skills.tag[i], skills.tag[k]) == 0;
        for (int k = 0; k < categories.count; k++)
            c->category_match |= strcmp(t->category, categories.tag[k]) == 0;
    }
    pw_stmt_done(st);
    return eligible ? 0 : -1;
}

/* ---- assignment ------------------------------------------------------------------------------ */

typedef struct scored {
    pw_candidate c;
    pw_score_parts parts;
} scored;

static int by_score_desc(const void *a, const void *b)
{
    const scored *x = a, *y = b;
    if (x->parts.total != y->parts.total)
        return x->parts.total < y->parts.total ? 1 : -1;
    return x->c.worker_id < y->c.worker_id ? -1 : x->c.worker_id > y->c.worker_id;
}

int pw_dispatch_task(pw_db *db, const pw_dispatch_policy *p, int64_t task_id, int64_t now_ms, int64_t *worker_out)
{
    *worker_out = 0;
    pw_task_row t;
    int rc = pw_tasks_load(db, task_id, &t);
    if (rc != 1)
        return rc < 0 ? rc : PW_OK;
    if (t.status != PW_TASK_DISPATCHING)
        return PW_OK;
    candidate_set set = {0};
    add_from_tag(db, &set, t.category, 2);
    for (int i = 0; i < t.skills.count; i++)
        add_from_tag(db, &set, t.skills.tag[i], 1);
    scored *list = calloc((size_t)set.count + 1, sizeof(*list));
    if (list == NULL)
        return PW_ENOMEM;
    int n = 0;
    for (int i = 0; i < set.count; i++) {
        if (load_candidate(db, p, &t, set.ids[i], now_ms, &list[n].c) != 0)
            continue;
        pw_dispatch_score(&p->weights, &list[n].c, &list[n].parts);
        n++;
    }
    if (n == 0) {
        free(list);
        return PW_OK;
    }
    qsort(list, (size_t)n, sizeof(*list), by_score_desc);
    json_t *considered = json_array();
    for (int i = 0; i < n && i < PW_DISPATCH_EXPLAIN_MAX; i++)
        json_array_append_new(considered, pw_score_parts_json(&list[i].c, &list[i].parts));
    char why[200];
    if (n == 1)
        snprintf(why, sizeof(why), "the only available worker who fits");
    else
        snprintf(why, sizeof(why), "highest score of %d available workers who fit (%.3f vs %.3f for the next)", n,
                 list[0].parts.total, list[1].parts.total);
    json_t *explanation = json_pack("{s:i, s:o, s:s, s:s}", "candidates_considered", n, "candidates", considered,
                                    "policy", t.urgent ? "greedy" : "batch", "why", why);
    rc = pw_tasks_assign(db, &t, list[0].c.worker_id, list[0].parts.total, explanation, p->ack_window_s, now_ms);
    json_decref(explanation);
    if (rc == PW_OK)
        *worker_out = list[0].c.worker_id;
    free(list);
    return rc;
}

int pw_dispatch_round(pw_db *db, const pw_dispatch_policy *p, int64_t now_ms, int *assigned_out)
{
    *assigned_out = 0;
    int64_t *ids = malloc(sizeof(int64_t) * PW_DISPATCH_BATCH_MAX);
    if (ids == NULL)
        return PW_ENOMEM;
    int n = 0;
    pw_stmt *st = pw_db_stmt(db, "SELECT id FROM tasks WHERE status = 'dispatching' ORDER BY urgent DESC, created_at, id "
                                 "LIMIT ?");
    pw_stmt_int64(st, 1, PW_DISPATCH_BATCH_MAX);
    while (pw_stmt_step(st) == PW_ROW)
        ids[n++] = pw_stmt_column_int64(st, 0);
    pw_stmt_done(st);
    int rc = PW_OK;
    for (int i = 0; i < n && rc == PW_OK; i++) {
        int64_t worker = 0;
        rc = pw_dispatch_task(db, p, ids[i], now_ms, &worker);
        *assigned_out += worker != 0;
    }
    free(ids);
    return rc;
}
