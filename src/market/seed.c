/* seed.c — `peerwork seed --demo`: a small living marketplace to look at and click
 * through, made by the real subsystems (accounts, ledger, tasks, dispatcher, timers) on
 * a clock that starts three days ago and steps forward, so the timeline of every task is
 * what the server would have recorded.
 *
 * Around Amsterdam plus remote workers: 6 clients with money in their wallets, 16
 * workers, and tasks in every state (dispatching, assigned, in_progress, submitted,
 * completed, disputed, resolved, cancelled, expired). Every demo account signs in with
 * the password printed at the end; the admin is admin@demo.peerwork. Refuses a database
 * that already has users. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/config.h"
#include "base/json_util.h"
#include "base/roles.h"
#include "market/accounts.h"
#include "market/audit.h"
#include "market/seed.h"
#include "dispatch/engine.h"
#include "market/tasks.h"
#include "store/migrate.h"

#define DEMO_PASSWORD "peerwork-demo-2026"

typedef struct demo_worker {
    const char *name, *email, *bio, *skills[3], *categories[2];
    double lat, lon; /* 0,0: remote only */
    int remote, radius_km;
} demo_worker;

static const demo_worker workers[] = {
    {"Sanne de Vries",
     "sanne@demo.peerwork",
     "Plumber, 12 years. Leaks, taps, boilers.",
     {"plumbing", "boilers"},
     {"home"},
     52.370,
     4.890,
     0,
     12},
    {"Joris Bakker",
     "joris@demo.peerwork",
     "Handyman: shelves, doors, flat-pack.",
     {"carpentry", "assembly"},
     {"home"},
     52.360,
     4.880,
     0,
     10},
    {"Fatima El Amrani",
     "fatima@demo.peerwork",
     "Gardens kept tidy: mowing, hedges, weeding.",
     {"gardening", "mowing"},
     {"garden"},
     52.380,
     4.910,
     0,
     15},
    {"Pieter Smit",
     "pieter@demo.peerwork",
     "Electrician (NEN 1010). Sockets, lights, fuse boxes.",
     {"electrical", "lighting"},
     {"home"},
     52.350,
     4.900,
     0,
     20},
    {"Lotte Visser",
     "lotte@demo.peerwork",
     "Cleaning, deep cleans, move-outs.",
     {"cleaning"},
     {"home"},
     52.372,
     4.870,
     0,
     8},
    {"Daan Mulder", "daan@demo.peerwork", "Bike repairs at your door.", {"bike repair"}, {"bikes"}, 52.365, 4.905, 0, 10},
    {"Emma Jansen",
     "emma@demo.peerwork",
     "Painter, inside and out.",
     {"painting", "plastering"},
     {"home"},
     52.390,
     4.850,
     0,
     15},
    {"Noah de Boer",
     "noah@demo.peerwork",
     "Moving help with a van.",
     {"moving", "assembly"},
     {"moving"},
     52.340,
     4.860,
     0,
     25},
    {"Mila Kaur",
     "mila@demo.peerwork",
     "Logo and brand designer.",
     {"logo design", "illustration"},
     {"design"},
     0,
     0,
     1,
     0},
    {"Liam O'Connor",
     "liam@demo.peerwork",
     "Python and C; I port and fix scripts.",
     {"python", "c", "scripting"},
     {"software"},
     0,
     0,
     1,
     0},
    {"Yara Haddad",
     "yara@demo.peerwork",
     "Translator NL/EN/AR.",
     {"translation", "proofreading"},
     {"writing"},
     0,
     0,
     1,
     0},
    {"Sven Lindqvist",
     "sven@demo.peerwork",
     "Web developer: small sites, fixes.",
     {"javascript", "html", "css"},
     {"software"},
     52.375,
     4.895,
     1,
     5},
    {"Anouk Peters", "anouk@demo.peerwork", "Dog walking and pet sitting.", {"pet care"}, {"pets"}, 52.368, 4.915, 0, 5},
    {"Ravi Patel",
     "ravi@demo.peerwork",
     "Spreadsheets, data cleaning, reports.",
     {"excel", "data"},
     {"software"},
     0,
     0,
     1,
     0},
    {"Iris Hendriks",
     "iris@demo.peerwork",
     "Photographer for products and events.",
     {"photography"},
     {"design"},
     52.355,
     4.920,
     1,
     20},
    {"Tom Willems",
     "tom@demo.peerwork",
     "Gardener and tree trimmer.",
     {"gardening", "tree trimming"},
     {"garden"},
     52.400,
     4.880,
     0,
     20},
};

static const char *const clients[][2] = {
    {"Ana Lopes", "ana@demo.peerwork"}, {"Bram Kok", "bram@demo.peerwork"},  {"Chloe Martin", "chloe@demo.peerwork"},
    {"Dirk Vos", "dirk@demo.peerwork"}, {"Eva Meijer", "eva@demo.peerwork"}, {"Finn Groot", "finn@demo.peerwork"},
};

typedef struct demo_task {
    int client; /* index into clients */
    const char *title, *description, *category, *skill;
    double lat, lon;      /* 0,0: remote */
    int64_t amount_cents; /* 0: goods */
    const char *goods;
    int target; /* the state to leave it in */
    int urgent;
} demo_task;

static const demo_task tasks[] = {
    {0, "Fix a leaking kitchen tap", "The mixer tap drips all night. Parts are under the sink.", "home", "plumbing",
     52.366, 4.893, 6500, NULL, PW_TASK_COMPLETED, 1},
    {1, "Assemble a wardrobe", "PAX wardrobe, 2 m, still in boxes. Tools available.", "home", "assembly", 52.361, 4.884,
     8000, NULL, PW_TASK_COMPLETED, 0},
    {2, "Mow the lawn and trim the hedge", "About 80 m2 of lawn, hedge along the back fence.", "garden", "mowing",
     52.382, 4.905, 4500, NULL, PW_TASK_SUBMITTED, 0},
    {3, "Design a logo for a bakery", "Bakery 'De Zoete Inval': warm, hand-made feel. Two concepts.", "design",
     "logo design", 0, 0, 25000, NULL, PW_TASK_IN_PROGRESS, 0},
    {4, "Port a Python 2 script to Python 3", "300-line invoicing script, uses urllib2 and print statements.",
     "software", "python", 0, 0, 12000, NULL, PW_TASK_COMPLETED, 0},
    {5, "Replace two ceiling lights", "Old fittings out, new LED fittings in (bought).", "home", "electrical", 52.352,
     4.897, 9000, NULL, PW_TASK_ASSIGNED, 1},
    {0, "Translate a rental contract NL to EN", "Six pages, plain legal Dutch.", "writing", "translation", 0, 0, 15000,
     NULL, PW_TASK_DISPUTED, 0},
    {1, "Fix a flat tyre and brakes", "City bike, rear tyre flat, front brake loose.", "bikes", "bike repair", 52.364,
     4.903, 3500, NULL, PW_TASK_RESOLVED, 0},
    {2, "Deep clean a two-room flat", "Move-out clean, oven included.", "home", "cleaning", 52.371, 4.872, 14000, NULL,
     PW_TASK_CANCELLED, 0},
    {3, "Walk my dog for a week", "Friendly labrador, mornings 8:00.", "pets", "pet care", 52.367, 4.914, 0,
     "a homemade lasagne and a bottle of wine", PW_TASK_COMPLETED, 0},
    {4, "Tune a grand piano", "Steinway model O, last tuned 2019.", "music", "piano tuning", 52.373, 4.889, 18000, NULL,
     PW_TASK_DISPATCHING, 0},
    {5, "Clean up a customer spreadsheet", "4000 rows, duplicates and broken postcodes.", "software", "excel", 0, 0,
     7000, NULL, PW_TASK_SUBMITTED, 0},
    {0, "Paint a bedroom", "Walls only, 3x4 m, paint bought.", "home", "painting", 52.388, 4.852, 22000, NULL,
     PW_TASK_IN_PROGRESS, 0},
    {1, "Photograph 20 products", "White background, for a web shop.", "design", "photography", 52.356, 4.918, 16000,
     NULL, PW_TASK_COMPLETED, 0},
    {2, "Repair a garden shed door", "Hinge torn out, door drags.", "garden", "carpentry", 52.381, 4.908, 5000, NULL,
     PW_TASK_EXPIRED, 0},
};

typedef struct seed_ctx {
    pw_db *db;
    pw_market_policy policy;
    int64_t now_ms;
    int64_t client_ids[6], worker_ids[16];
    char hash[PW_PASSWORD_HASH_BYTES];
} seed_ctx;

/* Says what failed, on standard error: the refusal's message, or the failure's kind. Returns rc. */
static int say(const char *what, int rc, const pw_error *err)
{
    fprintf(stderr, "peerwork seed: %s: %s\n", what, rc == PW_EREFUSED ? err->message : pw_status_text(rc));
    return rc;
}

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
        return rc;
    *id_out = row.id;
    return PW_OK;
}

static int make_worker(seed_ctx *s, int i)
{
    const demo_worker *w = &workers[i];
    int rc = make_user(s, w->name, w->email, PW_ROLE_WORKER, &s->worker_ids[i]);
    if (rc != PW_OK)
        return rc;
    pw_worker_profile p = {.remote = w->remote, .radius_km = w->radius_km ? w->radius_km : 10};
    snprintf(p.bio, sizeof(p.bio), "%s", w->bio);
    for (int k = 0; k < 3 && w->skills[k]; k++)
        snprintf(p.skills.tag[p.skills.count++], sizeof(p.skills.tag[0]), "%s", w->skills[k]);
    for (int k = 0; k < 2 && w->categories[k]; k++)
        snprintf(p.categories.tag[p.categories.count++], sizeof(p.categories.tag[0]), "%s", w->categories[k]);
    if (w->lat != 0) {
        p.location = (pw_location){.present = 1, .lat_e6 = (int64_t)(w->lat * 1e6), .lon_e6 = (int64_t)(w->lon * 1e6)};
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

static int act(seed_ctx *s, int64_t task_id, int64_t user, int roles, pw_task_event ev, const char *note)
{
    pw_error err;
    pw_dispatching_refresh(s->db, s->policy.dispatch.engine, s->now_ms);
    s->now_ms += ev == PW_EV_ACK ? 50 * 1000 : 47 * 60 * 1000; /* acks come within the window */
    int rc = pw_tasks_act(s->db, &s->policy, task_id, user, roles, ev, note, s->now_ms, &err);
    return rc == PW_OK ? PW_OK : say(pw_task_event_name(ev), rc, &err);
}

/* Drives one task from posting to its target state. */
/* The demo admin's resolution, in the audit log as one through the API would be. */
static int audit_resolution(seed_ctx *s, int64_t task_id, int64_t admin_id)
{
    pw_stmt *st = pw_db_stmt(s->db, "SELECT id FROM disputes WHERE task_id = ?");
    pw_stmt_int64(st, 1, task_id);
    int64_t dispute_id = pw_stmt_step(st) == PW_ROW ? pw_stmt_column_int64(st, 0) : 0;
    pw_stmt_done(st);
    if (dispute_id == 0)
        return PW_EDB; /* the resolution just wrote it: the database failed us */
    json_t *detail = json_pack("{s:o, s:s, s:i}", "task_id", pw_json_id(task_id), "outcome", "split",
                               "worker_share_pct", 60);
    return pw_audit_record(s->db, s->now_ms, admin_id, PW_AUDIT_DISPUTE_RESOLVE, "dispute", dispute_id, detail);
}

static int play(seed_ctx *s, const demo_task *d, int64_t admin_id)
{
    pw_new_task t = {.urgent = d->urgent, .deadline_ms = s->now_ms + 5LL * 86400 * 1000};
    snprintf(t.title, sizeof(t.title), "%s", d->title);
    snprintf(t.description, sizeof(t.description), "%s", d->description);
    snprintf(t.category, sizeof(t.category), "%s", d->category);
    snprintf(t.skills.tag[t.skills.count++], sizeof(t.skills.tag[0]), "%s", d->skill);
    if (d->lat != 0)
        t.location = (pw_location){.present = 1, .lat_e6 = (int64_t)(d->lat * 1e6), .lon_e6 = (int64_t)(d->lon * 1e6)};
    if (d->amount_cents > 0) {
        t.comp = (pw_compensation){.kind = PW_COMP_MONEY, .amount = {.amount = d->amount_cents, .asset = "EUR"}};
    } else {
        t.comp.kind = PW_COMP_GOODS;
        snprintf(t.comp.goods, sizeof(t.comp.goods), "%s", d->goods);
    }
    if (d->target == PW_TASK_EXPIRED)
        t.deadline_ms = s->now_ms + 2LL * 3600 * 1000;
    int64_t client = s->client_ids[d->client], id;
    pw_error err;
    s->now_ms += 23 * 60 * 1000;
    int rc = pw_tasks_create(s->db, &s->policy, client, &t, s->now_ms, &id, &err);
    if (rc != PW_OK)
        return say(d->title, rc, &err);
    if (d->target == PW_TASK_DISPATCHING || d->target == PW_TASK_EXPIRED)
        return 0;
    if (d->target == PW_TASK_CANCELLED)
        return act(s, id, client, PW_ROLE_CLIENT, PW_EV_CANCEL, NULL);
    int64_t worker = 0;
    pw_task_row row;
    s->now_ms += 60 * 1000;
    if (pw_tasks_load(s->db, id, &row) == 1 && row.worker_id != 0)
        worker = row.worker_id; /* urgent: assigned while posting */
    else if (pw_dispatching_task(s->db, &s->policy.dispatch, id, s->now_ms, &worker) != PW_OK)
        worker = 0;
    if (worker == 0) {
        fprintf(stderr, "peerwork seed: nobody fits '%s'\n", d->title);
        return PW_EINVAL; /* the demo's workers and tasks were made to fit: a bug */
    }
    if (d->target == PW_TASK_ASSIGNED)
        return PW_OK;
    rc = act(s, id, worker, PW_ROLE_WORKER, PW_EV_ACK, NULL);
    if (rc != PW_OK || d->target == PW_TASK_IN_PROGRESS)
        return rc;
    if (d->target == PW_TASK_DISPUTED || d->target == PW_TASK_RESOLVED) {
        rc = act(s, id, client, PW_ROLE_CLIENT, PW_EV_DISPUTE, "The work was not what we agreed on.");
        if (rc != PW_OK || d->target == PW_TASK_DISPUTED)
            return rc;
        s->now_ms += 3600 * 1000;
        rc = pw_tasks_resolve(s->db, &s->policy, id, admin_id, "split", 60, s->now_ms, &err);
        if (rc != PW_OK)
            return say("resolve", rc, &err);
        return audit_resolution(s, id, admin_id);
    }
    rc = act(s, id, worker, PW_ROLE_WORKER, PW_EV_SUBMIT, "Done: see the photos in the messages.");
    if (rc != PW_OK)
        return rc;
    json_t *msg = NULL;
    rc = pw_tasks_add_message(s->db, id, worker, "All done. Let me know if anything is off!", s->now_ms, &msg);
    if (rc != PW_OK)
        return rc;
    json_decref(msg);
    if (d->target == PW_TASK_SUBMITTED)
        return 0;
    return act(s, id, client, PW_ROLE_CLIENT, PW_EV_APPROVE, NULL);
}

static int seed(seed_ctx *s, int64_t real_now_ms)
{
    int64_t admin_id;
    int rc = make_user(s, "Demo Admin", "admin@demo.peerwork", PW_ROLE_ADMIN | PW_ROLE_CLIENT, &admin_id);
    if (rc == PW_OK)
        rc = pw_audit_record(s->db, s->now_ms, 0, PW_AUDIT_ADMIN_CREATE, "user", admin_id,
                             json_pack("{s:s}", "via", "seed"));
    for (int i = 0; i < 6 && rc == PW_OK; i++) {
        rc = make_user(s, clients[i][0], clients[i][1], PW_ROLE_CLIENT, &s->client_ids[i]);
        pw_amount a = {.amount = 100000, .asset = "EUR"};
        int64_t transfer;
        pw_error err;
        if (rc == PW_OK)
            rc = pw_ledger_deposit(s->db, &pw_payment_sandbox, s->client_ids[i], &a, s->now_ms, &transfer, &err);
    }
    for (int i = 0; i < (int)(sizeof(workers) / sizeof(workers[0])) && rc == PW_OK; i++)
        rc = make_worker(s, i);
    for (size_t i = 0; i < sizeof(tasks) / sizeof(tasks[0]) && rc == PW_OK; i++)
        rc = play(s, &tasks[i], admin_id);
    if (rc != PW_OK)
        return rc;
    /* Let the clock reach the real now: timers that fell due on the way run (the short
     * deadline expires); waiting tasks get another dispatch round. */
    /* The demo workers were last heard from now, so they stay active for a heartbeat
     * timeout after the server starts. */
    pw_stmt *st = pw_db_stmt(s->db, "UPDATE worker_profiles SET last_seen_at = ? WHERE active = 1");
    pw_stmt_int64(st, 1, real_now_ms);
    rc = pw_stmt_run(st);
    if (rc != PW_OK)
        return rc;
    pw_tick_report r;
    pw_engine_round_now(s->policy.dispatch.engine);
    return pw_tasks_tick(s->db, &s->policy, s->now_ms > real_now_ms ? s->now_ms : real_now_ms, &r);
}

int pw_cmd_seed(int argc, char **argv)
{
    static const char usage[] = "usage: peerwork seed --demo [--db FILE]\n\n"
                                "Fills a new database with a small living demo marketplace: clients with money,\n"
                                "workers around Amsterdam and remote, tasks in every state. Refuses a database that\n"
                                "already has users. Every demo account's password is printed at the end.\n";
    static const struct option options[] = {{"demo", no_argument, NULL, 'm'},
                                            {"db", required_argument, NULL, 'd'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    pw_config cfg;
    pw_config_defaults(&cfg);
    const char *env = getenv("PEERWORK_DB");
    if (env != NULL && *env)
        snprintf(cfg.db_path, sizeof(cfg.db_path), "%s", env);
    int demo = 0, opt;
    optind = 1;
    int code = 0;
    while ((opt = pw_cli_option(argc, argv, options, usage, &cfg, &code)) >= 0) {
        if (opt == 'm')
            demo = 1;
    }
    if (opt == PW_CLI_STOP)
        return code;
    if (!demo)
        return fputs(usage, stderr), 2;
    seed_ctx s = {0};
    pw_market_policy_from_config(&s.policy, &cfg);
    if (pw_engine_new(&s.policy.dispatch.policy, &s.policy.dispatch.engine) != 0)
        return 1;
    if (pw_accounts_hash_password(DEMO_PASSWORD, s.hash) != 0 || pw_migrate_open(cfg.db_path, &s.db, NULL) != 0)
        return 1;
    pw_clock clock;
    pw_clock_init_real(&clock);
    int64_t real_now_ms = pw_clock_now_ms(&clock);
    s.now_ms = real_now_ms - 3LL * 86400 * 1000;
    pw_stmt *st = pw_db_stmt(s.db, "SELECT count(*) FROM users");
    int64_t users = pw_stmt_step(st) == PW_ROW ? pw_stmt_column_int64(st, 0) : -1;
    pw_stmt_done(st);
    if (users != 0) {
        fprintf(stderr, "peerwork seed: %s already has users; the demo goes into a new database only\n", cfg.db_path);
        pw_db_close(s.db);
        return 1;
    }
    int rc = pw_db_exec(s.db, "BEGIN IMMEDIATE");
    if (rc == PW_OK)
        rc = seed(&s, real_now_ms);
    if (rc == PW_OK)
        rc = pw_db_exec(s.db, "COMMIT");
    else
        pw_db_exec(s.db, "ROLLBACK");
    pw_db_close(s.db);
    pw_engine_free(s.policy.dispatch.engine);
    if (rc != PW_OK) {
        fprintf(stderr, "peerwork seed: could not build the demo (%s)\n", pw_status_text(rc));
        return 1;
    }
    printf("demo marketplace ready in %s\n", cfg.db_path);
    printf("sign in as a client (ana@demo.peerwork), a worker (sanne@demo.peerwork) or the admin\n");
    printf("(admin@demo.peerwork); every demo password is: %s\n", DEMO_PASSWORD);
    return 0;
}
