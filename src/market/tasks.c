/* tasks.c — posting, reading and listing tasks, and their messages. The lifecycle
 * actions and timers are in task_actions.c. */
#include "market/tasks.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/rand.h"
#include "base/config.h"
#include "base/geo.h"
#include "base/json_util.h"
#include "base/roles.h"
#include "market/accounts.h"
#include "market/events.h"

void pw_market_policy_from_config(pw_market_policy *p, const pw_config *cfg)
{
    pw_dispatching_defaults(&p->dispatch);
    p->dispatch.ack_window_s = cfg->ack_window_s;
    p->dispatch.heartbeat_timeout_s = cfg->heartbeat_timeout_s;
    p->dispatch.policy.remote_cap = cfg->remote_cap;
    p->dispatch.policy.batch_window_ms = cfg->batch_window_ms;
    if (cfg->dispatch_threads > 0)
        p->dispatch.policy.search_threads = cfg->dispatch_threads;
    char err[160];
    int parsed = pw_dispatch_weights_parse(cfg->dispatch_weights, &p->dispatch.policy.weights, err, sizeof(err));
    pw_assert(parsed == 0); /* validated when the flag or variable was read */
    (void)parsed;
    p->search = NULL; /* made by serve (main.c) */
    p->review_window_s = cfg->review_window_s;
    p->fee_bps = cfg->fee_bps;
    p->pool_share_bps = cfg->pool_share_bps;
    p->cancel_limit = cfg->cancel_limit;
}

/* ---- parsing ------------------------------------------------------------------------------ */

static int parse_compensation(json_t *body, pw_compensation *out, pw_error *err)
{
    json_t *c = json_object_get(body, "compensation");
    if (c == NULL || json_is_null(c))
        return pw_error_set(err, 422, "validation_failed", "compensation", "compensation is required");
    if (!json_is_object(c))
        return pw_error_set(err, 400, "wrong_type", "compensation", "compensation must be an object");
    json_t *kind = json_object_get(c, "kind");
    if (kind == NULL)
        return pw_error_set(err, 422, "validation_failed", "compensation.kind", "compensation.kind is required");
    if (!json_is_string(kind))
        return pw_error_set(err, 400, "wrong_type", "compensation.kind", "compensation.kind must be a string");
    const char *k = json_string_value(kind);
    if (strcmp(k, "money") == 0) {
        out->kind = PW_COMP_MONEY;
        return pw_amount_parse(c, 0, "compensation", &out->amount, err);
    }
    if (strcmp(k, "credits") == 0) {
        out->kind = PW_COMP_CREDITS;
        if (json_object_get(c, "currency") != NULL)
            return pw_error_set(err, 422, "validation_failed", "compensation.currency",
                                "credits are minutes of TIME: leave out currency");
        json_t *copy = json_pack("{s:O, s:s}", "amount",
                                 json_object_get(c, "amount") ? json_object_get(c, "amount") : json_null(), "currency",
                                 "TIME");
        int rc = json_object_get(c, "amount") == NULL
                     ? pw_error_set(err, 422, "validation_failed", "compensation.amount",
                                    "compensation.amount is required")
                     : pw_amount_parse(copy, 1, "compensation", &out->amount, err);
        json_decref(copy);
        return rc;
    }
    if (strcmp(k, "goods") == 0) {
        out->kind = PW_COMP_GOODS;
        int rc = pw_json_string_field(c, "description", 1, 1, PW_GOODS_DESCRIPTION_MAX_CHARS, 1, out->goods,
                                      sizeof(out->goods), err);
        if (rc != PW_OK)
            err->field = "compensation.description";
        return rc;
    }
    return pw_error_set(err, 422, "validation_failed", "compensation.kind",
                        "compensation.kind must be money, credits or goods");
}

static int parse_deadline(json_t *body, int64_t now_ms, int64_t *out, pw_error *err)
{
    json_t *d = json_object_get(body, "deadline");
    if (d == NULL || json_is_null(d))
        return pw_error_set(err, 422, "validation_failed", "deadline", "deadline is required");
    if (!json_is_string(d))
        return pw_error_set(err, 400, "wrong_type", "deadline", "deadline must be an RFC 3339 time string");
    if (pw_time_parse_rfc3339(json_string_value(d), out) != 0)
        return pw_error_set(err, 422, "validation_failed", "deadline",
                            "deadline must be an RFC 3339 time like 2026-12-01T17:00:00Z");
    if (*out < now_ms + (int64_t)PW_TASK_DEADLINE_MIN_S * 1000)
        return pw_error_set(err, 422, "validation_failed", "deadline", "deadline must be at least %d minutes ahead",
                            PW_TASK_DEADLINE_MIN_S / 60);
    if (*out > now_ms + (int64_t)PW_TASK_DEADLINE_MAX_DAYS * 86400 * 1000)
        return pw_error_set(err, 422, "validation_failed", "deadline", "deadline must be within %d days",
                            PW_TASK_DEADLINE_MAX_DAYS);
    return 0;
}

/* preferred_worker_id: absent or null for none, else a user id as ids are written (a
 * decimal string). Whether it names a worker is checked when the task is created. */
static int parse_preferred(json_t *body, int64_t *out, pw_error *err)
{
    json_t *v = json_object_get(body, "preferred_worker_id");
    *out = 0;
    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_string(v))
        return pw_error_set(err, 400, "wrong_type", "preferred_worker_id",
                            "preferred_worker_id must be a user id string");
    const char *text = json_string_value(v);
    char *end;
    errno = 0;
    long long id = strtoll(text, &end, 10);
    if (errno != 0 || *end != '\0' || end == text || id <= 0 || text[0] == '+' || text[0] == ' ')
        return pw_error_set(err, 422, "validation_failed", "preferred_worker_id",
                            "preferred_worker_id must be a worker's id");
    *out = id;
    return 0;
}

int pw_tasks_parse_new(json_t *body, int64_t now_ms, pw_new_task *out, pw_error *err)
{
    memset(out, 0, sizeof(*out));
    int rc = pw_json_string_field(body, "title", 1, 1, PW_TITLE_MAX_CHARS, 0, out->title, sizeof(out->title), err);
    if (rc == PW_OK)
        rc = pw_json_string_field(body, "description", 1, 1, PW_DESCRIPTION_MAX_CHARS, 1, out->description,
                                  sizeof(out->description), err);
    if (rc == PW_OK)
        rc = pw_json_string_field(body, "category", 1, 1, PW_TAG_MAX_CHARS, 0, out->category, sizeof(out->category),
                                  err);
    if (rc != PW_OK)
        return rc;
    for (char *p = out->category; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    rc = pw_tags_parse(body, "skills", 0, &out->skills, err);
    if (rc == PW_OK)
        rc = pw_location_parse(body, "location", &out->location, err);
    if (rc == PW_OK)
        rc = parse_compensation(body, &out->comp, err);
    if (rc == PW_OK)
        rc = parse_deadline(body, now_ms, &out->deadline_ms, err);
    if (rc != PW_OK)
        return rc;
    json_t *urgent = json_object_get(body, "urgent");
    if (urgent != NULL && !json_is_null(urgent)) {
        if (!json_is_boolean(urgent))
            return pw_error_set(err, 400, "wrong_type", "urgent", "urgent must be true or false");
        out->urgent = json_is_true(urgent);
    }
    return parse_preferred(body, &out->preferred_worker_id, err);
}

/* ---- create ---------------------------------------------------------------------------------- */

static int hold_compensation(pw_db *db, int64_t client_id, const pw_new_task *t, int64_t task_id, int64_t now_ms,
                             int64_t *hold_out, pw_error *err)
{
    *hold_out = 0;
    if (t->comp.kind == PW_COMP_GOODS)
        return 0;
    const char *asset = t->comp.amount.asset;
    int64_t client_account, escrow_account;
    int rc = pw_ledger_account(db, client_id, PW_ACCOUNT_USER, asset, &client_account);
    if (rc == PW_OK)
        rc = pw_ledger_account(db, 0, PW_ACCOUNT_ESCROW, asset, &escrow_account);
    if (rc != PW_OK)
        return rc;
    pw_transfer tr = {.debit_account = client_account,
                      .credit_account = escrow_account,
                      .amount = t->comp.amount.amount,
                      .asset = asset,
                      .kind = "escrow",
                      .task_id = task_id};
    pw_assert(tr.amount > 0); /* pw_amount_parse: compensation in money or credits is positive */
    return pw_ledger_hold(db, &tr, now_ms, hold_out, err);
}

int pw_tasks_record_event(pw_db *db, int64_t task_id, int64_t now_ms, const char *event, const char *from,
                          const char *to, int64_t actor_id, int64_t worker_id)
{
    pw_assert(task_id > 0 && event != NULL && to != NULL && actor_id >= 0 && worker_id >= 0);
    pw_stmt *st = pw_db_stmt(db, "INSERT INTO task_events (task_id, at, event, from_status, to_status, actor_id, "
                                 "worker_id) VALUES (?, ?, ?, ?, ?, ?, ?)");
    pw_stmt_bind(st, PW_I64(task_id), PW_I64(now_ms), PW_TEXT(event), PW_TEXT(from), PW_TEXT(to),
                 PW_I64_OR_NULL(actor_id), PW_I64_OR_NULL(worker_id));
    int rc = pw_stmt_run(st);
    return rc == PW_OK ? pw_events_task(db, task_id, to, worker_id, now_ms) : rc; /* live, to both parties */
}

static const char SQL_INSERT_TASK[] =
    "INSERT INTO tasks (id, client_id, title, description, category, skills, lat_e6, lon_e6, comp_kind, comp_amount, "
    "comp_asset, comp_goods, hold_id, deadline_at, urgent, status, created_at, updated_at, preferred_worker_id) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'dispatching', ?, ?, ?)";

/* A preferred worker must be someone else with a worker profile (every worker profile is
 * public: a client can have found any of them). 422 on the field if not. */
static int check_preferred(pw_db *db, int64_t client_id, int64_t worker_id, pw_error *err)
{
    if (worker_id == 0)
        return 0;
    if (worker_id == client_id)
        return pw_error_set(err, 422, "validation_failed", "preferred_worker_id",
                            "preferred_worker_id cannot be yourself");
    pw_stmt *st = pw_db_stmt(db, "SELECT 1 FROM worker_profiles p JOIN users u ON u.id = p.user_id WHERE "
                                 "p.user_id = ? AND (u.roles & ?) <> 0");
    pw_stmt_bind(st, PW_I64(worker_id), PW_I64(PW_ROLE_WORKER));
    int rc = pw_stmt_step(st);
    pw_stmt_done(st);
    if (rc == PW_DONE)
        return pw_error_set(err, 422, "validation_failed", "preferred_worker_id",
                            "preferred_worker_id must be a worker's id");
    return rc == PW_ROW ? 0 : rc;
}

static const char *comp_kind_name(pw_comp_kind kind)
{
    static const char *const kinds[] = {"money", "credits", "goods"};
    pw_assert(kind == PW_COMP_MONEY || kind == PW_COMP_CREDITS || kind == PW_COMP_GOODS);
    return kinds[kind];
}

/* Probing by post-and-cancel (docs/SECURITY.md, "Locating workers"): a client with
 * cancel_limit tasks that ended with no work done (cancelled, or expired unfilled; both
 * return the escrow) in the last PW_CANCEL_WINDOW_S may post again when the oldest of
 * them ages out. Counted from the database (tasks_client_withdrawn), so the count holds
 * across restarts and is the same for every instance. */
static int check_withdrawn(pw_db *db, const pw_market_policy *p, int64_t client_id, int64_t now_ms, pw_error *err)
{
    if (p->cancel_limit <= 0)
        return 0;
    const int64_t window_ms = (int64_t)PW_CANCEL_WINDOW_S * 1000;
    pw_stmt *st = pw_db_stmt(db, "SELECT updated_at FROM tasks WHERE client_id = ? AND status IN ('cancelled', "
                                 "'expired') AND updated_at > ? ORDER BY updated_at DESC LIMIT 1 OFFSET ?");
    pw_stmt_int64(st, 1, client_id);
    pw_stmt_int64(st, 2, now_ms - window_ms);
    pw_stmt_int64(st, 3, p->cancel_limit - 1);
    int rc = pw_stmt_step(st);
    int64_t oldest_counted_ms = rc == PW_ROW ? pw_stmt_column_int64(st, 0) : 0;
    pw_stmt_done(st);
    if (rc == PW_DONE)
        return 0;
    if (rc != PW_ROW)
        return rc;
    int64_t wait_ms = oldest_counted_ms + window_ms - now_ms;
    rc = pw_error_set(err, 429, "rate_limited", NULL,
                      "%d of your tasks were cancelled or expired in the last 24 hours; post again later",
                      p->cancel_limit);
    err->retry_after_s = wait_ms > 1000 ? (int)((wait_ms + 999) / 1000) : 1;
    return rc;
}

int pw_tasks_create(pw_db *db, const pw_market_policy *p, int64_t client_id, const pw_new_task *t, int64_t now_ms,
                    int64_t *id_out, pw_error *err)
{
    pw_assert(client_id > 0);
    int64_t id = pw_time_ordered_id(now_ms), hold_id = 0;
    int rc = check_preferred(db, client_id, t->preferred_worker_id, err);
    if (rc == PW_OK)
        rc = check_withdrawn(db, p, client_id, now_ms, err);
    if (rc == PW_OK)
        rc = hold_compensation(db, client_id, t, id, now_ms, &hold_id, err);
    if (rc != PW_OK)
        return rc;
    pw_assert((hold_id > 0) == (t->comp.kind != PW_COMP_GOODS)); /* money and credits are held in escrow */
    json_t *skills = pw_tags_json(&t->skills);
    char *skills_text = json_dumps(skills, JSON_COMPACT);
    json_decref(skills);
    pw_stmt *st = pw_db_stmt(db, SQL_INSERT_TASK);
    const pw_compensation *c = &t->comp;
    int at = t->location.present, goods = c->kind == PW_COMP_GOODS; /* else NULL place; money or goods */
    pw_stmt_bind(st, PW_I64(id), PW_I64(client_id), PW_TEXT(t->title), PW_TEXT(t->description), PW_TEXT(t->category),
                 PW_TEXT(skills_text), at ? PW_I64(t->location.lat_e6) : PW_NULL,
                 at ? PW_I64(t->location.lon_e6) : PW_NULL, PW_TEXT(comp_kind_name(c->kind)),
                 goods ? PW_NULL : PW_I64(c->amount.amount), PW_TEXT(goods ? NULL : c->amount.asset),
                 PW_TEXT(goods ? c->goods : NULL), PW_I64_OR_NULL(hold_id), PW_I64(t->deadline_ms), PW_I64(t->urgent),
                 PW_I64(now_ms), PW_I64(now_ms), PW_I64_OR_NULL(t->preferred_worker_id));
    rc = pw_stmt_run(st);
    free(skills_text);
    if (rc == PW_OK)
        rc = pw_tasks_record_event(db, id, now_ms, "posted", NULL, "dispatching", client_id, 0);
    int64_t worker = 0;
    if (rc == PW_OK && t->urgent)
        rc = pw_dispatching_task(db, &p->dispatch, id, now_ms, &worker);
    if (rc != PW_OK)
        return rc;
    *id_out = id;
    return 0;
}

/* ---- read ------------------------------------------------------------------------------------ */

static const char SQL_LOAD[] =
    "SELECT id, client_id, title, category, skills, lat_e6, lon_e6, comp_kind, comp_amount, comp_asset, comp_goods, "
    "hold_id, deadline_at, urgent, status, worker_id, assignment_id, ack_deadline_at, review_deadline_at, created_at, "
    "updated_at, preferred_worker_id FROM tasks WHERE id = ?";

static int64_t col_or_zero(pw_stmt *st, int c)
{
    return pw_stmt_column_is_null(st, c) ? 0 : pw_stmt_column_int64(st, c);
}

static void read_task(pw_stmt *st, int64_t id, void *row)
{
    pw_task_row *t = row;
    memset(t, 0, sizeof(*t));
    t->id = id;
    t->client_id = pw_stmt_column_int64(st, 1);
    snprintf(t->title, sizeof(t->title), "%s", pw_stmt_column_text(st, 2));
    snprintf(t->category, sizeof(t->category), "%s", pw_stmt_column_text(st, 3));
    pw_tags_from_json_text(pw_stmt_column_text(st, 4), &t->skills);
    t->location.present = !pw_stmt_column_is_null(st, 5);
    t->location.lat_e6 = col_or_zero(st, 5);
    t->location.lon_e6 = col_or_zero(st, 6);
    const char *kind = pw_stmt_column_text(st, 7);
    t->comp.kind = strcmp(kind, "money") == 0     ? PW_COMP_MONEY
                   : strcmp(kind, "credits") == 0 ? PW_COMP_CREDITS
                                                  : PW_COMP_GOODS;
    t->comp.amount.amount = col_or_zero(st, 8);
    if (!pw_stmt_column_is_null(st, 9))
        snprintf(t->comp.amount.asset, sizeof(t->comp.amount.asset), "%s", pw_stmt_column_text(st, 9));
    if (!pw_stmt_column_is_null(st, 10))
        snprintf(t->comp.goods, sizeof(t->comp.goods), "%s", pw_stmt_column_text(st, 10));
    t->hold_id = col_or_zero(st, 11);
    t->deadline_ms = pw_stmt_column_int64(st, 12);
    t->urgent = (int)pw_stmt_column_int64(st, 13);
    int parsed = pw_task_state_parse(pw_stmt_column_text(st, 14), &t->status);
    t->worker_id = col_or_zero(st, 15);
    t->assignment_id = col_or_zero(st, 16);
    t->ack_deadline_ms = col_or_zero(st, 17);
    t->review_deadline_ms = col_or_zero(st, 18);
    t->created_ms = pw_stmt_column_int64(st, 19);
    t->updated_ms = pw_stmt_column_int64(st, 20);
    t->preferred_worker_id = col_or_zero(st, 21);
    /* read back as written: a state of the table, a client, a worker from assigned on */
    pw_assert(parsed == 0 && t->client_id > 0);
    pw_assert(t->worker_id > 0 || t->status == PW_TASK_DISPATCHING || t->status == PW_TASK_CANCELLED ||
              t->status == PW_TASK_EXPIRED);
}

int pw_tasks_load(pw_db *db, int64_t id, pw_task_row *t) { return pw_db_load_by_id(db, SQL_LOAD, id, read_task, t); }

pw_task_view pw_tasks_viewer(const pw_task_row *t, int64_t user_id, int roles)
{
    if (user_id == t->client_id)
        return PW_VIEW_CLIENT;
    if (user_id == t->worker_id && t->worker_id != 0)
        return PW_VIEW_WORKER;
    if (roles & PW_ROLE_ADMIN)
        return PW_VIEW_ADMIN;
    return PW_VIEW_NONE;
}

static json_t *comp_json(const pw_compensation *c)
{
    if (c->kind == PW_COMP_GOODS)
        return json_pack("{s:s, s:s}", "kind", "goods", "description", c->goods);
    if (c->kind == PW_COMP_CREDITS)
        return json_pack("{s:s, s:I, s:s}", "kind", "credits", "amount", (json_int_t)c->amount.amount, "currency",
                         "TIME");
    return json_pack("{s:s, s:I, s:s}", "kind", "money", "amount", (json_int_t)c->amount.amount, "currency",
                     c->amount.asset);
}

static json_t *timeline_json(pw_db *db, int64_t task_id)
{
    json_t *out = json_array();
    pw_stmt *st = pw_db_stmt(db, "SELECT at, event, from_status, to_status, actor_id, worker_id FROM task_events "
                                 "WHERE task_id = ? ORDER BY id LIMIT ?");
    pw_stmt_int64(st, 1, task_id);
    pw_stmt_int64(st, 2, PW_TIMELINE_MAX);
    while (pw_stmt_step(st) == PW_ROW) {
        json_t *e = json_pack("{s:o, s:s, s:o, s:s, s:o}", "at", pw_json_time(pw_stmt_column_int64(st, 0)), "event",
                              pw_stmt_column_text(st, 1), "from",
                              pw_stmt_column_is_null(st, 2) ? json_null() : json_string(pw_stmt_column_text(st, 2)),
                              "to", pw_stmt_column_text(st, 3), "actor_id", pw_json_id(col_or_zero(st, 4)));
        if (!pw_stmt_column_is_null(st, 5))
            json_object_set_new(e, "worker_id", pw_json_id(pw_stmt_column_int64(st, 5)));
        json_array_append_new(out, e);
    }
    pw_stmt_done(st);
    return out;
}

static const char SQL_DETAIL[] = "SELECT description, submit_note FROM tasks WHERE id = ?";

/* The task's place as this view may see it: the exact point for the client and admins, and
 * for the worker while they hold the task (assigned, in progress, submitted: they go there);
 * once it is over (completed, disputed, resolved) the worker sees only its public area, the
 * 0.1-degree cell's centre (base/geo.h), and location_exact says which. NULL: remote. */
static json_t *location_json(const pw_task_row *t, pw_task_view view, int *exact)
{
    *exact = 1;
    if (!t->location.present)
        return json_null();
    int64_t lat = t->location.lat_e6, lon = t->location.lon_e6;
    if (view == PW_VIEW_WORKER && t->status != PW_TASK_ASSIGNED && t->status != PW_TASK_IN_PROGRESS &&
        t->status != PW_TASK_SUBMITTED) {
        pw_geo_public_area(t->location.lat_e6, t->location.lon_e6, &lat, &lon);
        *exact = 0;
    }
    return json_pack("{s:f, s:f}", "lat", (double)lat / 1e6, "lon", (double)lon / 1e6);
}

json_t *pw_tasks_json(pw_db *db, const pw_task_row *t, pw_task_view view)
{
    int exact;
    json_t *loc = location_json(t, view, &exact);
    json_t *assignment = json_null();
    if (t->worker_id != 0 &&
        (t->status == PW_TASK_ASSIGNED || t->status == PW_TASK_IN_PROGRESS || t->status == PW_TASK_SUBMITTED ||
         t->status == PW_TASK_COMPLETED || t->status == PW_TASK_DISPUTED || t->status == PW_TASK_RESOLVED))
        assignment = json_pack("{s:o, s:o}", "worker_id", pw_json_id(t->worker_id), "ack_deadline",
                               pw_json_time(t->status == PW_TASK_ASSIGNED ? t->ack_deadline_ms : 0));
    json_t *out = json_pack("{s:o, s:o, s:s, s:s, s:o, s:o, s:b, s:o, s:o, s:b, s:s, s:o, s:o, s:o, s:o}", "id",
                            pw_json_id(t->id), "client_id", pw_json_id(t->client_id), "title", t->title, "category",
                            t->category, "skills", pw_tags_json(&t->skills), "location", loc, "remote",
                            !t->location.present, "compensation", comp_json(&t->comp), "deadline",
                            pw_json_time(t->deadline_ms), "urgent", t->urgent, "status", pw_task_state_name(t->status),
                            "assignment", assignment, "review_deadline",
                            pw_json_time(t->status == PW_TASK_SUBMITTED ? t->review_deadline_ms : 0), "created_at",
                            pw_json_time(t->created_ms), "updated_at", pw_json_time(t->updated_ms));
    pw_stmt *st = pw_db_stmt(db, SQL_DETAIL);
    pw_stmt_int64(st, 1, t->id);
    if (pw_stmt_step(st) == PW_ROW) {
        json_object_set_new(out, "description", json_string(pw_stmt_column_text(st, 0)));
        json_object_set_new(out, "submit_note",
                            pw_stmt_column_is_null(st, 1) ? json_null() : json_string(pw_stmt_column_text(st, 1)));
    }
    pw_stmt_done(st);
    json_object_set_new(out, "location_exact", json_boolean(exact));
    json_object_set_new(out, "timeline", timeline_json(db, t->id));
    /* only when the client named one, and never to a worker: a worker does not learn whom the client preferred */
    if (t->preferred_worker_id != 0 && (view == PW_VIEW_CLIENT || view == PW_VIEW_ADMIN))
        json_object_set_new(out, "preferred_worker_id", pw_json_id(t->preferred_worker_id));
    return out;
}

static const char SQL_LIST_CLIENT[] = "SELECT id FROM tasks WHERE client_id = ? AND id < ? ORDER BY id DESC LIMIT ?";
static const char SQL_LIST_WORKER[] = "SELECT id FROM tasks WHERE worker_id = ? AND id < ? ORDER BY id DESC LIMIT ?";

int pw_tasks_list_json(pw_db *db, int64_t user_id, pw_task_view role, int limit, int64_t cursor, json_t **out)
{
    pw_assert(limit >= 1 && limit <= PW_PAGE_MAX && (role == PW_VIEW_CLIENT || role == PW_VIEW_WORKER));
    int64_t ids[PW_PAGE_MAX + 1];
    int n = 0;
    pw_stmt *st = pw_db_stmt(db, role == PW_VIEW_WORKER ? SQL_LIST_WORKER : SQL_LIST_CLIENT);
    pw_stmt_int64(st, 1, user_id);
    pw_stmt_int64(st, 2, cursor > 0 ? cursor : INT64_MAX);
    pw_stmt_int64(st, 3, limit + 1);
    while (n <= limit && pw_stmt_step(st) == PW_ROW)
        ids[n++] = pw_stmt_column_int64(st, 0);
    pw_stmt_done(st);
    json_t *items = json_array();
    for (int i = 0; i < n && i < limit; i++) {
        pw_task_row t;
        if (pw_tasks_load(db, ids[i], &t) == 1)
            json_array_append_new(items, pw_tasks_json(db, &t, role));
    }
    *out = json_pack("{s:o, s:o}", "items", items, "next_cursor", n > limit ? pw_json_id(ids[limit - 1]) : json_null());
    return PW_OK;
}

/* ---- messages ---------------------------------------------------------------------------------- */

static json_t *message_json(int64_t id, int64_t sender, const char *body, int64_t at)
{
    return json_pack("{s:o, s:o, s:s, s:o}", "id", pw_json_id(id), "sender_id", pw_json_id(sender), "body", body,
                     "created_at", pw_json_time(at));
}

int pw_tasks_add_message(pw_db *db, int64_t task_id, int64_t sender_id, const char *body, int64_t now_ms, json_t **out)
{
    pw_assert(task_id > 0 && sender_id > 0 && body != NULL);
    pw_stmt *st = pw_db_stmt(db, "INSERT INTO task_messages (task_id, sender_id, body, created_at) VALUES (?, ?, ?, ?) "
                                 "RETURNING id");
    pw_stmt_bind(st, PW_I64(task_id), PW_I64(sender_id), PW_TEXT(body), PW_I64(now_ms));
    int64_t id = 0;
    int rc = pw_stmt_run_int64(st, &id);
    if (rc == PW_OK)
        rc = pw_events_message(db, task_id, id, sender_id, now_ms);
    if (rc != PW_OK)
        return rc == PW_DONE ? PW_EDB : rc; /* no id back from an insert: the database failed */
    *out = message_json(id, sender_id, body, now_ms);
    return PW_OK;
}

int pw_tasks_messages_json(pw_db *db, int64_t task_id, int limit, int64_t cursor, json_t **out)
{
    pw_assert(limit >= 1 && limit <= PW_PAGE_MAX);
    json_t *items = json_array();
    pw_stmt *st = pw_db_stmt(db, "SELECT id, sender_id, body, created_at FROM task_messages WHERE task_id = ? "
                                 "AND id > ? ORDER BY id LIMIT ?");
    pw_stmt_int64(st, 1, task_id);
    pw_stmt_int64(st, 2, cursor);
    pw_stmt_int64(st, 3, limit + 1);
    int64_t last = 0;
    int n = 0;
    while (pw_stmt_step(st) == PW_ROW) {
        if (n++ == limit)
            break;
        last = pw_stmt_column_int64(st, 0);
        json_array_append_new(items, message_json(last, pw_stmt_column_int64(st, 1), pw_stmt_column_text(st, 2),
                                                  pw_stmt_column_int64(st, 3)));
    }
    pw_stmt_done(st);
    *out = json_pack("{s:o, s:o}", "items", items, "next_cursor", n > limit ? pw_json_id(last) : json_null());
    return PW_OK;
}

int pw_tasks_messages_readable(const pw_task_row *t, pw_task_view view)
{
    if (view == PW_VIEW_CLIENT || view == PW_VIEW_WORKER)
        return 1;
    return view == PW_VIEW_ADMIN && (t->status == PW_TASK_DISPUTED || t->status == PW_TASK_RESOLVED);
}
