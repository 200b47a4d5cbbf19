/* seed.c — `peerwork seed --demo`: six weeks of a living marketplace to look at and click
 * through, made by the real subsystems (accounts, ledger, tasks, dispatcher, timers) on an
 * injected clock that starts PW_SEED_HISTORY_DAYS ago and steps forward to now, so every
 * timeline, wallet statement and chart is what the server would have recorded.
 *
 * THE PLAN. From --seed, a pw_rng draws every task of the six weeks before anything runs:
 * when it is posted (daytime, more on weekdays, more as the weeks go by), by whom, what
 * (seed_data.c's catalogue), where (a real town, a few hundred metres from its centre),
 * for how much, and how its life goes — approved, left to auto-approval, disputed and
 * resolved (split, refund or release), cancelled while waiting or once assigned, expired
 * for want of anyone who does it — and whether its first worker misses the
 * acknowledgement or gives it back. Nine scripted tasks of Ana's in the last three days
 * make sure every state is on screen at the end (one dispute left open, one resolved by a
 * split, one assigned this minute, …).
 *
 * THE RUN. A queue of steps ordered by (time, sequence): a post, a task's next move, a
 * weekly payout, a worker going active again after a missed acknowledgement. Before each step the clock is set to its time and the market's timers run
 * (pw_tasks_timers: missed acknowledgements, auto-approvals, expiries), as the server's
 * tick would. A task's move looks at the task's state as stored and does what its plan
 * says next through pw_tasks_act / pw_tasks_resolve / pw_dispatching_task (the urgent
 * dispatch path; a task nobody fits is tried again every SEED_RETRY_MS until its
 * deadline). Steps that fall after now are left undone: tasks still in flight stay as they
 * are. Clients deposit when their wallet runs short; workers take a payout on Sundays.
 *
 * Deterministic: the same --seed and --now give the same database (ids come from the
 * seeded id stream, pw_rand_seed) except password hashes (salted). One transaction: the
 * whole demo is one commit. Refuses a database that already has users. Every demo account
 * signs in with DEMO_PASSWORD; the admin is admin@demo.peerwork. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/config.h"
#include "base/geo.h"
#include "base/json_util.h"
#include "base/rand.h"
#include "base/roles.h"
#include "dispatch/engine.h"
#include "market/accounts.h"
#include "market/audit.h"
#include "market/seed.h"
#include "market/seed_internal.h"
#include "market/tasks.h"
#include "store/migrate.h"

#define DEMO_PASSWORD  "peerwork-demo-2026"
#define MINUTE_MS      (60 * 1000LL)
#define HOUR_MS        (60 * MINUTE_MS)
#define DAY_MS         (24 * HOUR_MS)
#define SEED_RETRY_MS  (20 * MINUTE_MS) /* a task nobody fits is tried again this often */
#define FIRST_DEPOSIT  100000           /* cents: each client's first deposit, €1000 */
#define TOP_UP_STEP    50000            /* cents: a client short of money deposits multiples of €500 */
#define PAYOUT_MIN     10000            /* cents: a worker with this much available takes a payout */
#define SCRIPTED_COUNT 9

/* ---- the plan --------------------------------------------------------------------------------- */

typedef enum {
    END_APPROVE,         /* submitted, then approved by the client */
    END_AUTO,            /* submitted, never reviewed: auto-approved when the window closes */
    END_DISPUTE,         /* submitted, disputed by the client, resolved by the admin */
    END_DISPUTE_OPEN,    /* submitted, disputed, still open */
    END_CANCEL_WAITING,  /* withdrawn before anyone was assigned */
    END_CANCEL_ASSIGNED, /* withdrawn once assigned, before the worker accepted */
    END_EXPIRE,          /* nobody does it: waits until its deadline */
} seed_end;

typedef struct seed_task {
    const seed_kind *kind;
    int client;                    /* index into seed_clients */
    int town;                      /* index into seed_towns, -1 remote */
    double lat, lon;               /* where, if local */
    int64_t post_ms, deadline_ms;  /* absolute */
    int64_t amount_cents;          /* 0: goods */
    int urgent;                    /* dispatched while posting */
    seed_end end;                  /* how its life ends */
    int miss_ack, release;         /* its first worker misses the ack / gives it back */
    int missed, released;          /* done already */
    int64_t ack_ms, work_ms;       /* delays: assignment -> ack, ack -> submit */
    int64_t review_ms, resolve_ms; /* delays: submit -> approve or dispute, dispute -> resolution */
    const char *outcome;           /* of the resolution: split, refund, release */
    int64_t id;                    /* once posted */
} seed_task;

typedef enum { JOB_POST, JOB_MOVE, JOB_PAYOUT, JOB_COMEBACK } seed_job_kind;

typedef struct seed_job {
    int64_t at_ms, seq;
    int kind, index; /* seed_job_kind; the task's index (a comeback: the worker's) */
} seed_job;

typedef struct seed_ctx {
    pw_db *db;
    pw_clock clock; /* manual: set back to the history's start, stepped to each job's time */
    pw_market_policy policy;
    pw_rng rng;
    int64_t now_ms, start_ms, end_ms; /* the clock; the history's first instant; the demo's now */
    int64_t admin_id, client_ids[16], worker_ids[32];
    char hash[PW_PASSWORD_HASH_BYTES];
    seed_task *tasks;
    int task_count, resolutions;
    seed_job *heap;
    int heap_count;
    int64_t seq;
} seed_ctx;

_Static_assert(sizeof(((seed_ctx *)0)->client_ids) / sizeof(int64_t) >= 6, "room for every demo client");

/* Says what failed, on standard error: the refusal's message, or the failure's kind. Returns rc. */
static int say(const char *what, int rc, const pw_error *err)
{
    fprintf(stderr, "peerwork seed: %s: %s\n", what, rc == PW_EREFUSED ? err->message : pw_status_text(rc));
    return rc;
}

static int64_t between(seed_ctx *s, int64_t lo, int64_t hi) { return pw_rng_range(&s->rng, lo, hi); }
static int chance(seed_ctx *s, double p) { return pw_rng_unit(&s->rng) < p; }
static const char *pick(seed_ctx *s, const char *const *words)
{
    int n = 0;
    while (words[n] != NULL)
        n++;
    return words[pw_rng_below(&s->rng, (uint64_t)n)];
}

static int weighted_kind(seed_ctx *s)
{
    int total = 0;
    for (int i = 0; i < seed_kind_count; i++)
        total += seed_kinds[i].weight;
    int x = (int)pw_rng_below(&s->rng, (uint64_t)total);
    for (int i = 0; i < seed_kind_count; i++)
        if ((x -= seed_kinds[i].weight) < 0)
            return i;
    return seed_kind_count - 1;
}

static int weighted_town(seed_ctx *s)
{
    int total = 0;
    for (int i = 0; i < seed_town_count; i++)
        total += seed_towns[i].weight;
    int x = (int)pw_rng_below(&s->rng, (uint64_t)total);
    for (int i = 0; i < seed_town_count; i++)
        if ((x -= seed_towns[i].weight) < 0)
            return i;
    return 0;
}

/* How many of the demo's local workers with kind's skill reach the centre of `town` (with
 * ~2 km to spare: a task lies near the centre). */
static int reachable(const seed_kind *kind, int town)
{
    const seed_town *to = &seed_towns[town];
    int n = 0;
    for (int i = 0; i < seed_worker_count; i++) {
        const seed_worker *w = &seed_workers[i];
        int skilled = 0;
        for (int k = 0; k < 3 && w->skills[k] != NULL; k++)
            skilled |= strcmp(w->skills[k], kind->skill) == 0;
        if (!skilled || w->town < 0)
            continue;
        const seed_town *from = &seed_towns[w->town];
        double km = pw_geo_distance_km(llround(from->lat * 1e6), llround(from->lon * 1e6), llround(to->lat * 1e6),
                                       llround(to->lon * 1e6));
        n += km + 2.0 <= w->radius_km;
    }
    return n;
}

/* A town for a local task of `kind`: drawn by weight among those someone who does it
 * reaches (a kind nobody does: any). */
static int draw_town(seed_ctx *s, const seed_kind *kind)
{
    int town = weighted_town(s);
    for (int tries = 0; tries < 20 && reachable(kind, town) == 0; tries++)
        town = weighted_town(s);
    return town;
}

/* A task of `kind` posted at post_ms; its life drawn from the rng, `end` as given. */
static seed_task *plan_task(seed_ctx *s, const seed_kind *kind, int client, int64_t post_ms, seed_end end)
{
    if (s->task_count == PW_SEED_TASKS_MAX)
        return NULL;
    seed_task *t = &s->tasks[s->task_count++];
    *t = (seed_task){.kind = kind, .client = client, .town = -1, .post_ms = post_ms, .end = end};
    if (kind->local) {
        t->town = draw_town(s, kind);
        t->lat = seed_towns[t->town].lat + (double)between(s, -1500, 1500) / 1e5; /* within ~1.6 km */
        t->lon = seed_towns[t->town].lon + (double)between(s, -2500, 2500) / 1e5;
        t->urgent = chance(s, 0.15);
    }
    if (kind->goods == NULL)
        t->amount_cents = between(s, kind->price_lo, kind->price_hi) * 100 + (chance(s, 0.5) ? 50 : 0);
    t->deadline_ms = post_ms + between(s, 2, 7) * DAY_MS;
    if (end == END_EXPIRE)
        t->deadline_ms = post_ms + between(s, 6, 20) * HOUR_MS;
    t->ack_ms = between(s, 15, 100) * 1000;
    t->work_ms = kind->local ? between(s, 40, 300) * MINUTE_MS : between(s, 2, 30) * HOUR_MS;
    t->review_ms = between(s, 20, 600) * MINUTE_MS;
    t->resolve_ms = between(s, 3, 30) * HOUR_MS;
    static const char *const outcomes[] = {"split", "refund", "split", "release"};
    t->outcome = outcomes[s->resolutions++ % 4]; /* the first resolution is a split */
    return t;
}

static seed_end draw_end(seed_ctx *s, int64_t post_ms)
{
    double x = pw_rng_unit(&s->rng);
    int reviewable = post_ms < s->end_ms - 5 * DAY_MS; /* the review window (3 days) closes before now */
    if (x < 0.66)
        return END_APPROVE;
    if (x < 0.73)
        return reviewable ? END_AUTO : END_APPROVE;
    if (x < 0.78)
        return END_DISPUTE;
    if (x < 0.83)
        return END_CANCEL_WAITING;
    if (x < 0.87)
        return END_CANCEL_ASSIGNED;
    if (x < 0.91)
        return END_EXPIRE;
    return END_APPROVE;
}

/* Six weeks of posts: ~4 a day at the start to ~11 at the end, fewer at weekends, in the
 * daytime (7:00-21:00 UTC). */
static int plan_history(seed_ctx *s)
{
    for (int day = 0; day < PW_SEED_HISTORY_DAYS; day++) {
        int64_t midnight = s->start_ms - s->start_ms % DAY_MS + (int64_t)day * DAY_MS;
        int weekday = (int)((midnight / DAY_MS + 3) % 7); /* 1970-01-01 was a Thursday: 0 is Monday */
        double rate = 4.0 + 7.0 * day / PW_SEED_HISTORY_DAYS;
        if (weekday >= 5)
            rate *= 0.6;
        int n = (int)rate + (chance(s, rate - (int)rate) ? 1 : 0);
        for (int i = 0; i < n; i++) {
            int64_t at = midnight + 7 * HOUR_MS + between(s, 0, 14 * HOUR_MS - 1);
            if (at < s->start_ms || at >= s->end_ms - 3 * HOUR_MS)
                continue; /* the last hours belong to the scripted tasks */
            seed_end end = draw_end(s, at);
            const seed_kind *kind = end == END_EXPIRE ? &seed_unfit[pw_rng_below(&s->rng, (uint64_t)seed_unfit_count)]
                                                      : &seed_kinds[weighted_kind(s)];
            seed_task *t = plan_task(s, kind, (int)pw_rng_below(&s->rng, (uint64_t)seed_client_count), at, end);
            if (t == NULL)
                return PW_ENOMEM;
            /* Each of these leaves a bad pairing (the dispatcher then keeps the two apart for
             * good): Ana, the client the README sends people to, is spared them, so her
             * scripted tasks below still find workers. */
            if (t->client == 0 && end == END_DISPUTE)
                t->end = END_APPROVE;
            if (t->client != 0 && end != END_EXPIRE && end != END_CANCEL_WAITING) {
                t->miss_ack = chance(s, 0.06);
                t->release = !t->miss_ack && chance(s, 0.05);
            }
        }
    }
    return PW_OK;
}

/* Ana's (client 0) tasks of the last days, one per state she should see on her first visit. */
static int plan_scripted(seed_ctx *s)
{
    static const struct {
        const char *title;
        int unfit;
        seed_end end;
        int64_t posted_ago_ms, work_ms, review_ms; /* review: submit -> approve / dispute */
        int urgent;
    } script[SCRIPTED_COUNT] = {
        {"Translate a rental contract NL to EN", 0, END_DISPUTE, 70 * HOUR_MS, 5 * HOUR_MS, 2 * HOUR_MS, 0},
        {"Port a Python 2 script to Python 3", 0, END_APPROVE, 50 * HOUR_MS, 6 * HOUR_MS, 3 * HOUR_MS, 0},
        {"Design a logo for a bakery", 0, END_DISPUTE_OPEN, 40 * HOUR_MS, 6 * HOUR_MS, 3 * HOUR_MS, 0},
        {"Fix a roof leak", 1, END_EXPIRE, 30 * HOUR_MS, 0, 0, 0},
        {"Deep clean a two-room flat", 0, END_CANCEL_ASSIGNED, 26 * HOUR_MS, 0, 0, 0},
        {"Clean up a customer spreadsheet", 0, END_APPROVE, 6 * HOUR_MS, 2 * HOUR_MS, 12 * HOUR_MS, 0},
        {"Paint a bedroom", 0, END_APPROVE, 2 * HOUR_MS, 9 * HOUR_MS, HOUR_MS, 0},
        {"Tune a grand piano", 1, END_APPROVE, 3 * HOUR_MS, 0, 0, 0},
        {"Replace two ceiling lights", 0, END_APPROVE, 40 * 1000, HOUR_MS, HOUR_MS, 1},
    };
    for (int i = 0; i < SCRIPTED_COUNT; i++) {
        const seed_kind *kinds = script[i].unfit ? seed_unfit : seed_kinds;
        int k = seed_kind_find(kinds, script[i].unfit ? seed_unfit_count : seed_kind_count, script[i].title);
        if (k < 0)
            return PW_EINVAL; /* the script names a kind the catalogue lacks: a bug */
        seed_task *t = plan_task(s, &kinds[k], 0, s->end_ms - script[i].posted_ago_ms, script[i].end);
        if (t == NULL)
            return PW_ENOMEM;
        t->urgent = script[i].urgent;
        if (t->town >= 0) { /* in Amsterdam, where most of the demo's workers are */
            t->town = 0;
            t->lat = seed_towns[0].lat + 0.004 * i;
            t->lon = seed_towns[0].lon - 0.003 * i;
        }
        t->work_ms = script[i].work_ms;
        t->review_ms = script[i].review_ms;
        t->ack_ms = 100 * 1000; /* the assigned one is accepted only after now */
        if (strcmp(script[i].title, "Tune a grand piano") == 0)
            t->deadline_ms = s->end_ms + 5 * DAY_MS;
        if (script[i].end == END_DISPUTE) {
            t->outcome = "split";
            t->resolve_ms = 8 * HOUR_MS;
        }
    }
    return PW_OK;
}

/* ---- the queue -------------------------------------------------------------------------------- */

static int job_before(const seed_job *a, const seed_job *b)
{
    return a->at_ms != b->at_ms ? a->at_ms < b->at_ms : a->seq < b->seq;
}

static int push(seed_ctx *s, int64_t at_ms, seed_job_kind kind, int index)
{
    if (s->heap_count == PW_SEED_JOBS_MAX)
        return PW_ENOMEM;
    int i = s->heap_count++;
    s->heap[i] = (seed_job){.at_ms = at_ms, .seq = s->seq++, .kind = kind, .index = index};
    while (i > 0 && job_before(&s->heap[i], &s->heap[(i - 1) / 2])) {
        seed_job up = s->heap[(i - 1) / 2];
        s->heap[(i - 1) / 2] = s->heap[i];
        s->heap[i] = up;
        i = (i - 1) / 2;
    }
    return PW_OK;
}

static seed_job pop(seed_ctx *s)
{
    seed_job top = s->heap[0];
    s->heap[0] = s->heap[--s->heap_count];
    for (int i = 0;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        if (l < s->heap_count && job_before(&s->heap[l], &s->heap[m]))
            m = l;
        if (r < s->heap_count && job_before(&s->heap[r], &s->heap[m]))
            m = r;
        if (m == i)
            break;
        seed_job down = s->heap[m];
        s->heap[m] = s->heap[i];
        s->heap[i] = down;
        i = m;
    }
    return top;
}

/* ---- people ----------------------------------------------------------------------------------- */

/* Each step below: PW_OK, or the code of what failed, passed up unchanged. */
static int make_user(seed_ctx *s, const char *name, const char *email, int roles, int64_t *id_out)
{
    pw_new_user u = {.roles = roles};
    snprintf(u.email, sizeof(u.email), "%s", email);
    snprintf(u.display_name, sizeof(u.display_name), "%s", name);
    pw_user_row row;
    pw_error err;
    int rc = pw_accounts_insert_user(s->db, &u, s->hash, s->now_ms, &row, &err);
    if (rc != PW_OK)
        return rc == PW_EREFUSED ? say(email, rc, &err) : rc;
    *id_out = row.id;
    return PW_OK;
}

static int make_worker(seed_ctx *s, int i)
{
    const seed_worker *w = &seed_workers[i];
    int rc = make_user(s, w->name, w->email, PW_ROLE_WORKER, &s->worker_ids[i]);
    if (rc != PW_OK)
        return rc;
    pw_worker_profile p = {.remote = w->remote, .radius_km = w->radius_km ? w->radius_km : 10};
    snprintf(p.bio, sizeof(p.bio), "%s", w->bio);
    for (int k = 0; k < 3 && w->skills[k]; k++)
        snprintf(p.skills.tag[p.skills.count++], sizeof(p.skills.tag[0]), "%s", w->skills[k]);
    for (int k = 0; k < 2 && w->categories[k]; k++)
        snprintf(p.categories.tag[p.categories.count++], sizeof(p.categories.tag[0]), "%s", w->categories[k]);
    if (w->town >= 0) { /* a few hundred metres from the town's centre, the same every time */
        const seed_town *town = &seed_towns[w->town];
        p.location = (pw_location){.present = 1,
                                   .lat_e6 = (int64_t)llround(town->lat * 1e6) + (i % 5 - 2) * 1500,
                                   .lon_e6 = (int64_t)llround(town->lon * 1e6) + (i % 7 - 3) * 2000};
    }
    int64_t since;
    pw_error err;
    rc = pw_worker_profile_save(s->db, s->worker_ids[i], &p, s->now_ms);
    if (rc == PW_OK)
        rc = pw_worker_set_active(s->db, s->worker_ids[i], 1, s->now_ms, &since, &err);
    if (rc != PW_OK)
        return rc;
    pw_engine_touch(s->policy.dispatch.engine, s->worker_ids[i]);
    return pw_dispatching_refresh(s->db, s->policy.dispatch.engine, s->now_ms);
}

/* The user's available euros (cents) into *out. */
static int available(seed_ctx *s, int64_t user_id, int64_t *out)
{
    json_t *w = NULL;
    int rc = pw_ledger_wallet_json(s->db, user_id, "EUR", &w);
    if (rc != PW_OK)
        return rc;
    *out = json_integer_value(json_object_get(w, "available"));
    json_decref(w);
    return PW_OK;
}

static int deposit(seed_ctx *s, int64_t user_id, int64_t cents)
{
    pw_amount a = {.amount = cents, .asset = "EUR"};
    int64_t transfer;
    pw_error err;
    int rc = pw_ledger_deposit(s->db, &pw_payment_sandbox, user_id, &a, s->now_ms, &transfer, &err);
    return rc == PW_OK ? PW_OK : say("deposit", rc, &err);
}

static int make_people(seed_ctx *s)
{
    int rc = make_user(s, "Demo Admin", "admin@demo.peerwork", PW_ROLE_ADMIN | PW_ROLE_CLIENT, &s->admin_id);
    if (rc == PW_OK)
        rc = pw_audit_record(s->db, s->now_ms, 0, PW_AUDIT_ADMIN_CREATE, "user", s->admin_id,
                             json_pack("{s:s}", "via", "seed"));
    for (int i = 0; i < seed_client_count && rc == PW_OK; i++) {
        rc = make_user(s, seed_clients[i].name, seed_clients[i].email, PW_ROLE_CLIENT, &s->client_ids[i]);
        if (rc == PW_OK)
            rc = deposit(s, s->client_ids[i], FIRST_DEPOSIT);
    }
    for (int i = 0; i < seed_worker_count && rc == PW_OK; i++)
        rc = make_worker(s, i);
    return rc;
}

/* ---- a task's life ---------------------------------------------------------------------------- */

static int act(seed_ctx *s, const seed_task *t, int64_t user, int roles, pw_task_event ev, const char *note)
{
    pw_error err;
    int rc = pw_tasks_act(s->db, &s->policy, t->id, user, roles, ev, note, s->now_ms, &err);
    return rc == PW_OK ? PW_OK : say(pw_task_event_name(ev), rc, &err);
}

static int message(seed_ctx *s, const seed_task *t, int64_t sender, const char *body)
{
    json_t *msg = NULL;
    int rc = pw_tasks_add_message(s->db, t->id, sender, body, s->now_ms, &msg);
    json_decref(msg);
    return rc;
}

static int post(seed_ctx *s, int index)
{
    seed_task *d = &s->tasks[index];
    int64_t client = s->client_ids[d->client];
    int64_t has = 0;
    int rc = available(s, client, &has);
    if (rc != PW_OK)
        return rc;
    int64_t short_by = d->amount_cents - has;
    if (short_by > 0) { /* the client tops the wallet up first, as one would */
        rc = deposit(s, client, (short_by + TOP_UP_STEP - 1) / TOP_UP_STEP * TOP_UP_STEP);
        if (rc != PW_OK)
            return rc;
    }
    pw_new_task t = {.urgent = d->urgent, .deadline_ms = d->deadline_ms};
    snprintf(t.title, sizeof(t.title), "%s", d->kind->title);
    snprintf(t.description, sizeof(t.description), "%s", d->kind->description);
    snprintf(t.category, sizeof(t.category), "%s", d->kind->category);
    snprintf(t.skills.tag[t.skills.count++], sizeof(t.skills.tag[0]), "%s", d->kind->skill);
    if (d->town >= 0)
        t.location = (pw_location){
            .present = 1, .lat_e6 = (int64_t)llround(d->lat * 1e6), .lon_e6 = (int64_t)llround(d->lon * 1e6)};
    if (d->amount_cents > 0) {
        t.comp = (pw_compensation){.kind = PW_COMP_MONEY, .amount = {.amount = d->amount_cents, .asset = "EUR"}};
    } else {
        t.comp.kind = PW_COMP_GOODS;
        snprintf(t.comp.goods, sizeof(t.comp.goods), "%s", d->kind->goods);
    }
    pw_error err;
    rc = pw_tasks_create(s->db, &s->policy, client, &t, s->now_ms, &d->id, &err);
    if (rc != PW_OK)
        return say(d->kind->title, rc, &err);
    /* an urgent task was assigned while posting: its worker answers after ack_ms */
    int64_t next = d->end == END_CANCEL_WAITING ? between(s, 5, 40) * MINUTE_MS
                   : d->urgent                  ? d->ack_ms
                                                : between(s, 10, 480) * 1000; /* the next dispatch round */
    return push(s, s->now_ms + next, JOB_MOVE, index);
}

static int on_dispatching(seed_ctx *s, int index, seed_task *t)
{
    if (t->end == END_CANCEL_WAITING)
        return act(s, t, s->client_ids[t->client], PW_ROLE_CLIENT, PW_EV_CANCEL, NULL);
    int64_t worker = 0;
    int rc = pw_dispatching_task(s->db, &s->policy.dispatch, t->id, s->now_ms, &worker);
    if (rc != PW_OK)
        return rc;
    if (worker != 0)
        return push(s, s->now_ms + t->ack_ms, JOB_MOVE, index);
    if (s->now_ms + SEED_RETRY_MS < t->deadline_ms) /* else the deadline's timer expires it */
        return push(s, s->now_ms + SEED_RETRY_MS, JOB_MOVE, index);
    return PW_OK;
}

static int on_assigned(seed_ctx *s, int index, seed_task *t, const pw_task_row *row)
{
    if (t->end == END_CANCEL_ASSIGNED)
        return act(s, t, s->client_ids[t->client], PW_ROLE_CLIENT, PW_EV_CANCEL, NULL);
    if (s->now_ms > row->ack_deadline_ms || (t->miss_ack && !t->missed)) {
        /* The ack timer takes it back (and sets the worker inactive); then it is dispatched
         * again. The worker goes active again a few hours later, as people do. */
        t->missed = 1;
        int rc = push(s, row->ack_deadline_ms + between(s, 1, 5) * MINUTE_MS, JOB_MOVE, index);
        for (int w = 0; w < seed_worker_count && rc == PW_OK; w++)
            if (s->worker_ids[w] == row->worker_id)
                rc = push(s, row->ack_deadline_ms + between(s, 60, 360) * MINUTE_MS, JOB_COMEBACK, w);
        return rc;
    }
    int rc = act(s, t, row->worker_id, PW_ROLE_WORKER, PW_EV_ACK, NULL);
    if (rc == PW_OK)
        rc = message(s, t, row->worker_id, pick(s, t->town >= 0 ? seed_words_on_ack_local : seed_words_on_ack_remote));
    if (rc == PW_OK && chance(s, 0.5))
        rc = message(s, t, s->client_ids[t->client], pick(s, seed_words_client_reply));
    if (rc != PW_OK)
        return rc;
    int64_t next = t->release && !t->released ? between(s, 10, 90) * MINUTE_MS : t->work_ms;
    return push(s, s->now_ms + next, JOB_MOVE, index);
}

static int on_in_progress(seed_ctx *s, int index, seed_task *t, const pw_task_row *row)
{
    if (t->release && !t->released) {
        t->released = 1;
        int released = act(s, t, row->worker_id, PW_ROLE_WORKER, PW_EV_RELEASE, NULL);
        return released == PW_OK ? push(s, s->now_ms + between(s, 1, 10) * MINUTE_MS, JOB_MOVE, index) : released;
    }
    int rc = act(s, t, row->worker_id, PW_ROLE_WORKER, PW_EV_SUBMIT, pick(s, seed_words_done));
    if (rc != PW_OK || t->end == END_AUTO)
        return rc;
    return push(s, s->now_ms + t->review_ms, JOB_MOVE, index);
}

/* The demo admin's resolution, in the audit log as one through the API would be. */
static int resolve(seed_ctx *s, const seed_task *t)
{
    int share = strcmp(t->outcome, "split") == 0 ? 60 : 0;
    pw_error err;
    int rc = pw_tasks_resolve(s->db, &s->policy, t->id, s->admin_id, t->outcome, share, s->now_ms, &err);
    if (rc != PW_OK)
        return say("resolve", rc, &err);
    pw_stmt *st = pw_db_stmt(s->db, "SELECT id FROM disputes WHERE task_id = ?");
    pw_stmt_int64(st, 1, t->id);
    int64_t dispute_id = pw_stmt_step(st) == PW_ROW ? pw_stmt_column_int64(st, 0) : 0;
    pw_stmt_done(st);
    if (dispute_id == 0)
        return PW_EDB; /* the resolution just wrote it: the database failed us */
    json_t *detail = json_pack("{s:o, s:s}", "task_id", pw_json_id(t->id), "outcome", t->outcome);
    if (share > 0)
        json_object_set_new(detail, "worker_share_pct", json_integer(share));
    return pw_audit_record(s->db, s->now_ms, s->admin_id, PW_AUDIT_DISPUTE_RESOLVE, "dispute", dispute_id, detail);
}

static int move(seed_ctx *s, int index)
{
    seed_task *t = &s->tasks[index];
    pw_task_row row;
    int found = pw_tasks_load(s->db, t->id, &row);
    if (found != 1)
        return found < 0 ? found : PW_EINVAL; /* the seed's own task: it is there */
    int64_t client = s->client_ids[t->client];
    int rc;
    switch (row.status) {
    case PW_TASK_DISPATCHING: return on_dispatching(s, index, t);
    case PW_TASK_ASSIGNED: return on_assigned(s, index, t, &row);
    case PW_TASK_IN_PROGRESS: return on_in_progress(s, index, t, &row);
    case PW_TASK_SUBMITTED:
        if (t->end != END_DISPUTE && t->end != END_DISPUTE_OPEN) {
            rc = act(s, t, client, PW_ROLE_CLIENT, PW_EV_APPROVE, NULL);
            return rc == PW_OK && chance(s, 0.4) ? message(s, t, client, pick(s, seed_words_thanks)) : rc;
        }
        rc = message(s, t, client, pick(s, seed_words_dispute));
        if (rc == PW_OK)
            rc = act(s, t, client, PW_ROLE_CLIENT, PW_EV_DISPUTE, pick(s, seed_words_dispute));
        if (rc == PW_OK)
            rc = message(s, t, row.worker_id, pick(s, seed_words_dispute_reply));
        if (rc != PW_OK || t->end == END_DISPUTE_OPEN)
            return rc;
        return push(s, s->now_ms + t->resolve_ms, JOB_MOVE, index);
    case PW_TASK_DISPUTED: return resolve(s, t);
    default: return PW_OK; /* final */
    }
}

/* Sundays at 18:00: every worker with PAYOUT_MIN available takes most of it out. */
static int payouts(seed_ctx *s)
{
    for (int i = 0; i < seed_worker_count; i++) {
        int64_t a = 0;
        int rc = available(s, s->worker_ids[i], &a);
        if (rc != PW_OK)
            return rc;
        if (a < PAYOUT_MIN)
            continue;
        pw_amount amount = {.amount = a * 8 / 10 / 100 * 100, .asset = "EUR"};
        int64_t transfer;
        pw_error err;
        rc = pw_ledger_payout(s->db, &pw_payment_sandbox, s->worker_ids[i], &amount, s->now_ms, &transfer, &err);
        if (rc != PW_OK)
            return say("payout", rc, &err);
    }
    int64_t next = s->now_ms + 7 * DAY_MS;
    return next < s->end_ms ? push(s, next, JOB_PAYOUT, 0) : PW_OK;
}

/* A worker the ack timer set inactive goes active again (POST /me/availability's path). */
static int comeback(seed_ctx *s, int worker)
{
    int64_t since;
    pw_error err;
    int rc = pw_worker_change_availability(s->db, &s->policy, s->worker_ids[worker], 1, s->now_ms, &since, &err);
    return rc == PW_OK ? PW_OK : say("availability", rc, &err);
}

/* ---- the run ---------------------------------------------------------------------------------- */

static int schedule(seed_ctx *s)
{
    int rc = PW_OK;
    for (int i = 0; i < s->task_count && rc == PW_OK; i++)
        rc = push(s, s->tasks[i].post_ms, JOB_POST, i);
    int64_t first_sunday = s->start_ms - s->start_ms % DAY_MS + 18 * HOUR_MS;
    while ((first_sunday / DAY_MS + 3) % 7 != 6)
        first_sunday += DAY_MS;
    return rc == PW_OK ? push(s, first_sunday, JOB_PAYOUT, 0) : rc;
}

static int run(seed_ctx *s)
{
    int rc = PW_OK;
    int64_t timers_ms = 0;
    while (rc == PW_OK && s->heap_count > 0 && s->heap[0].at_ms <= s->end_ms) {
        seed_job j = pop(s);
        pw_clock_advance_ms(&s->clock, j.at_ms - pw_clock_now_ms(&s->clock));
        s->now_ms = pw_clock_now_ms(&s->clock);
        if (s->now_ms > timers_ms) { /* the server's tick, as often as anything happens */
            pw_tick_report r;
            rc = pw_tasks_timers(s->db, &s->policy, s->now_ms, &r);
            timers_ms = s->now_ms;
        }
        if (rc == PW_OK)
            rc = j.kind == JOB_POST     ? post(s, j.index)
                 : j.kind == JOB_MOVE   ? move(s, j.index)
                 : j.kind == JOB_PAYOUT ? payouts(s)
                                        : comeback(s, j.index);
        if (rc == PW_OK)
            rc = pw_dispatching_refresh(s->db, s->policy.dispatch.engine, s->now_ms);
    }
    return rc;
}

static int seed(seed_ctx *s, uint64_t seed_number)
{
    pw_rng_seed(&s->rng, seed_number);
    int rc = make_people(s);
    if (rc == PW_OK)
        rc = plan_history(s);
    if (rc == PW_OK)
        rc = plan_scripted(s);
    if (rc == PW_OK)
        rc = schedule(s);
    if (rc == PW_OK)
        rc = run(s);
    if (rc != PW_OK)
        return rc;
    /* The demo workers were last heard from now, so they stay active for a heartbeat
     * timeout after the server starts; then the clock reaches now with a full tick. */
    pw_clock_advance_ms(&s->clock, s->end_ms - pw_clock_now_ms(&s->clock));
    s->now_ms = pw_clock_now_ms(&s->clock);
    pw_stmt *st = pw_db_stmt(s->db, "UPDATE worker_profiles SET last_seen_at = ? WHERE active = 1");
    pw_stmt_int64(st, 1, s->end_ms);
    rc = pw_stmt_run(st);
    if (rc != PW_OK)
        return rc;
    pw_tick_report r;
    pw_engine_round_now(s->policy.dispatch.engine);
    return pw_tasks_tick(s->db, &s->policy, s->end_ms, &r);
}

/* ---- the command ------------------------------------------------------------------------------ */

static const char usage[] =
    "usage: peerwork seed --demo [--db FILE] [--seed N] [--now TIME]\n\n"
    "Fills a new database with a demo marketplace: six weeks of back-dated history made by the\n"
    "real market, ledger and dispatcher (clients with money, 24 workers in towns around\n"
    "Amsterdam and Utrecht and remote, tasks in every state, payments, fees, payouts, disputes).\n"
    "Refuses a database that already has users. Every demo account's password is printed at the end.\n\n"
    "  --seed N    what the history is drawn from (default 1): the same N and TIME give the same demo\n"
    "  --now TIME  the demo's present, RFC 3339 (default: the real time)\n";

typedef struct seed_args {
    int demo;
    uint64_t seed;
    int64_t now_ms; /* 0: the real time */
} seed_args;

/* 0: go on; 1: stop, exiting with *code (usage printed or a bad value said). */
static int parse_args(int argc, char **argv, pw_config *cfg, seed_args *a, int *code)
{
    static const struct option options[] = {
        {"demo", no_argument, NULL, 'm'},      {"seed", required_argument, NULL, 's'},
        {"now", required_argument, NULL, 'n'}, {"db", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},      {NULL, 0, NULL, 0}};
    int opt;
    optind = 1;
    while ((opt = pw_cli_option(argc, argv, options, usage, cfg, code)) >= 0) {
        char *end = NULL;
        if (opt == 'm') {
            a->demo = 1;
        } else if (opt == 's') {
            a->seed = strtoull(optarg, &end, 10);
            if (end == optarg || *end != '\0')
                return fprintf(stderr, "peerwork seed: --seed takes a whole number\n"), *code = 2, 1;
        } else if (opt == 'n') {
            if (pw_time_parse_rfc3339(optarg, &a->now_ms) != PW_OK || a->now_ms < 100 * DAY_MS)
                return fprintf(stderr, "peerwork seed: --now takes an RFC 3339 time\n"), *code = 2, 1;
        }
    }
    if (opt == PW_CLI_STOP)
        return 1;
    if (!a->demo)
        return fputs(usage, stderr), *code = 2, 1;
    return 0;
}

/* Opens the database and checks it is new: PW_OK, or 1 (said why). */
static int open_new(seed_ctx *s, const char *path)
{
    if (pw_migrate_open(path, &s->db, NULL) != 0)
        return 1;
    pw_stmt *st = pw_db_stmt(s->db, "SELECT count(*) FROM users");
    int64_t users = pw_stmt_step(st) == PW_ROW ? pw_stmt_column_int64(st, 0) : -1;
    pw_stmt_done(st);
    if (users == 0)
        return PW_OK;
    fprintf(stderr, "peerwork seed: %s already has users; the demo goes into a new database only\n", path);
    pw_db_close(s->db);
    return 1;
}

int pw_cmd_seed(int argc, char **argv)
{
    pw_config cfg;
    pw_config_defaults(&cfg);
    const char *env = getenv("PEERWORK_DB");
    if (env != NULL && *env)
        snprintf(cfg.db_path, sizeof(cfg.db_path), "%s", env);
    seed_args a = {.seed = 1};
    int code = 0;
    if (parse_args(argc, argv, &cfg, &a, &code) != 0)
        return code;
    seed_ctx s = {0};
    pw_market_policy_from_config(&s.policy, &cfg);
    /* Presence over six weeks is the plan's, not heartbeats': nobody is silenced on the way
     * (the workers are heard from at the end, see seed()). */
    s.policy.dispatch.heartbeat_timeout_s = (PW_SEED_HISTORY_DAYS + 1) * 86400;
    pw_clock clock;
    pw_clock_init_real(&clock);
    if (a.now_ms != 0)
        pw_clock_init_manual(&clock, a.now_ms);
    s.end_ms = pw_clock_now_ms(&clock);
    s.start_ms = s.end_ms - PW_SEED_HISTORY_DAYS * DAY_MS;
    pw_clock_init_manual(&s.clock, s.start_ms);
    s.now_ms = pw_clock_now_ms(&s.clock);
    s.tasks = calloc(PW_SEED_TASKS_MAX, sizeof(*s.tasks));
    s.heap = calloc(PW_SEED_JOBS_MAX, sizeof(*s.heap));
    int rc = s.tasks != NULL && s.heap != NULL ? PW_OK : PW_ENOMEM;
    if (seed_worker_count > (int)(sizeof(s.worker_ids) / sizeof(s.worker_ids[0])) ||
        seed_client_count > (int)(sizeof(s.client_ids) / sizeof(s.client_ids[0])))
        rc = PW_EINVAL; /* the cast outgrew its arrays: a bug */
    if (rc == PW_OK && pw_engine_new(&s.policy.dispatch.policy, &s.policy.dispatch.engine) != 0)
        rc = PW_ENOMEM;
    if (rc == PW_OK && pw_accounts_hash_password(DEMO_PASSWORD, s.hash) != 0)
        rc = PW_ENOMEM;
    if (rc == PW_OK && open_new(&s, cfg.db_path) != PW_OK) {
        free(s.tasks);
        free(s.heap);
        pw_engine_free(s.policy.dispatch.engine);
        return 1;
    }
    pw_rand_seed(a.seed); /* user, task, transfer and dispute ids */
    if (rc == PW_OK)
        rc = pw_db_exec(s.db, "BEGIN IMMEDIATE");
    if (rc == PW_OK)
        rc = seed(&s, a.seed);
    if (rc == PW_OK)
        rc = pw_db_exec(s.db, "COMMIT");
    else if (s.db != NULL)
        pw_db_exec(s.db, "ROLLBACK");
    if (s.db != NULL)
        pw_db_close(s.db);
    pw_engine_free(s.policy.dispatch.engine);
    int tasks = s.task_count;
    free(s.tasks);
    free(s.heap);
    if (rc != PW_OK) {
        fprintf(stderr, "peerwork seed: could not build the demo (%s)\n", pw_status_text(rc));
        return 1;
    }
    printf("demo marketplace ready in %s: %d tasks over %d days (seed %llu)\n", cfg.db_path, tasks,
           PW_SEED_HISTORY_DAYS, (unsigned long long)a.seed);
    printf("sign in as a client (ana@demo.peerwork), a worker (sanne@demo.peerwork) or the admin\n");
    printf("(admin@demo.peerwork); every demo password is: %s\n", DEMO_PASSWORD);
    return 0;
}
