/* main.c — the peerwork command line: serve, migrate, admin create, and the tools that
 * later subsystems add (seed, ledger verify, solve-assignment, simulate). Every command
 * takes --help. Configuration comes from flags, then PEERWORK_* environment variables,
 * then defaults (config.c). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api.h"
#include "base/log.h"
#include "base/workpool.h"
#include "cli.h"
#include "http/http.h"
#include "http/throttle.h"
#include "dispatch/engine.h"
#include "market/accounts.h"
#include "market/audit.h"
#include "market/devices.h"
#include "market/scheduler.h"
#include "market/searching.h"
#include "market/setaside.h"
#include "store/bus.h"
#include "store/migrate.h"
#include "store/writer.h"

static const char USAGE[] = "usage: peerwork COMMAND [OPTIONS]\n"
                            "\n"
                            "peerwork is a peer-to-peer service marketplace: one program serves the API and the web\n"
                            "interface over an embedded SQLite database.\n"
                            "\n"
                            "commands:\n"
                            "  serve              serve the API and the interface (migrates the database first)\n"
                            "  migrate            apply the database migrations and exit\n"
                            "  admin create       make an admin account (password read from standard input)\n"
                            "%s"
                            "\n"
                            "Run 'peerwork COMMAND --help' for a command's options.\n";

/* The flag readers below answer PW_OK, or PW_EREFUSED: the text is refused (what they
 * print, or their caller prints, is the answer). */
static int parse_listen(const char *text, pw_config *cfg)
{
    const char *colon = strrchr(text, ':');
    if (colon == NULL || colon == text || (size_t)(colon - text) >= sizeof(cfg->listen_host))
        return PW_EREFUSED;
    char *end;
    errno = 0;
    long port = strtol(colon + 1, &end, 10);
    if (errno != 0 || *end != '\0' || end == colon + 1 || port < 0 || port > 65535)
        return PW_EREFUSED;
    memcpy(cfg->listen_host, text, (size_t)(colon - text));
    cfg->listen_host[colon - text] = '\0';
    cfg->listen_port = (int)port;
    return 0;
}

static int parse_int(const char *flag, const char *text, long min, long max, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno != 0 || *end != '\0' || end == text || v < min || v > max) {
        fprintf(stderr, "peerwork: %s must be an integer from %ld to %ld\n", flag, min, max);
        return PW_EREFUSED;
    }
    *out = (int)v;
    return 0;
}

/* Applies PEERWORK_LISTEN / PEERWORK_DB / PEERWORK_WEB over the defaults. */
/* Validates a weights text and keeps it for pw_market_policy_from_config. */
static int check_weights(const char *what, const char *text, pw_config *cfg)
{
    pw_dispatch_policy p;
    pw_dispatch_policy_defaults(&p);
    char err[160];
    if (pw_dispatch_weights_parse(text, &p.weights, err, sizeof(err)) != 0) { /* bounds the length too */
        fprintf(stderr, "peerwork: %s: %s\n", what, err);
        return PW_EREFUSED;
    }
    snprintf(cfg->dispatch_weights, sizeof(cfg->dispatch_weights), "%s", text);
    return 0;
}

static int config_from_env(pw_config *cfg)
{
    const char *v = getenv("PEERWORK_LISTEN");
    if (v != NULL && *v && parse_listen(v, cfg) != 0) {
        fprintf(stderr, "peerwork: PEERWORK_LISTEN must be HOST:PORT\n");
        return PW_EREFUSED;
    }
    v = getenv("PEERWORK_DB");
    if (v != NULL && *v)
        snprintf(cfg->db_path, sizeof(cfg->db_path), "%s", v);
    v = getenv("PEERWORK_WEB");
    if (v != NULL && *v)
        snprintf(cfg->web_root, sizeof(cfg->web_root), "%s", v);
    v = getenv("PEERWORK_PLACES");
    if (v != NULL && *v)
        snprintf(cfg->places_path, sizeof(cfg->places_path), "%s", v);
    v = getenv("PEERWORK_SYNONYMS");
    if (v != NULL && *v)
        snprintf(cfg->synonyms_path, sizeof(cfg->synonyms_path), "%s", v);
    v = getenv("PEERWORK_DISPATCH_WEIGHTS");
    if (v != NULL && *v && check_weights("PEERWORK_DISPATCH_WEIGHTS", v, cfg) != 0)
        return PW_EREFUSED;
    return 0;
}

/* ---- serve ------------------------------------------------------------------------------- */

static const char SERVE_USAGE[] =
    "usage: peerwork serve [OPTIONS]\n"
    "\n"
    "Serves the API under /api/v1, /healthz, /metrics and the web interface at /.\n"
    "Migrates the database on start; stops cleanly on SIGTERM or SIGINT.\n"
    "\n"
    "  --listen HOST:PORT      address to listen on (env PEERWORK_LISTEN; default 127.0.0.1:8080;\n"
    "                          port 0 picks a free port, printed in the 'listening' log line)\n"
    "  --db FILE               SQLite database (env PEERWORK_DB; default data/peerwork.db)\n"
    "  --web DIR               static interface files (env PEERWORK_WEB; default web)\n"
    "  --places FILE           places for GET /api/v1/places, from scripts/build_places.mjs (env\n"
    "                          PEERWORK_PLACES; default build/places.tsv; unreadable: that endpoint is 503)\n"
    "  --synonyms FILE         the search engine's synonyms table (env PEERWORK_SYNONYMS; default\n"
    "                          data/search/synonyms.tsv; unreadable or bad: search runs without synonyms)\n"
    "  --loops N               event loop threads (default: one per core)\n"
    "  --max-connections N     open connections at most, shared out among the loops (default 10000;\n"
    "                          lowered to fit the open-files limit); past it new ones wait to be accepted\n"
    "  --ack-window-s S        time a worker has to acknowledge an assignment (default 120)\n"
    "  --review-window-s S     time a client has to approve or dispute submitted work (default 259200)\n"
    "  --batch-window-ms MS    batch dispatch period (default 2000)\n"
    "  --dispatch-threads N    threads a batch round's candidate searches are shared out on\n"
    "                          (default: one per core, at most 16; 1: the writer thread alone)\n"
    "  --fee-bps BPS           platform fee on money compensation, basis points (default 1000 = 10%)\n"
    "  --pool-share-bps BPS    share of fees paid into the workers' profit-sharing pool (default 2000 = 20%)\n"
    "  --remote-cap N          remote tasks one worker may hold at once (default 3; local tasks: 1)\n"
    "  --heartbeat-timeout-s S an active worker not heard from in S seconds becomes inactive (default 900)\n"
    "  --cancel-limit N        a client whose tasks were cancelled or expired N times in the last 24 hours\n"
    "                          gets 429 on POST /tasks until the oldest of those ages out (default 5)\n"
    "  --dispatch-weights W    scoring weights over the defaults, e.g. fit=0.35,distance=0.2,reputation=0.15,\n"
    "                          reliability=0.1,fairness=0.2,bad_pairing=0.5,earned_half=5000\n"
    "                          (env PEERWORK_DISPATCH_WEIGHTS; see docs/internals/dispatch.md, The score)\n"
    "  --events-heartbeat-ms MS a ': ping' comment on each open GET /api/v1/events stream this often\n"
    "                          (default 15000; 50 to 60000)\n"
    "  --cookie-secure         mark the session cookie Secure (set this behind a TLS proxy)\n"
    "  --dev-clock             enable POST /api/v1/dev/clock to move time forward (tests and demos only)\n"
    "  --no-group-commit       commit every request on its own (for benchmarks)\n"
    "  --help                  this text\n";

/* PW_OK; 1 after --help (the usage printed); or PW_EREFUSED (what is wrong printed). */
static int parse_serve(int argc, char **argv, pw_config *cfg)
{
    enum {
        O_LISTEN = 1,
        O_DB,
        O_WEB,
        O_LOOPS,
        O_ACK,
        O_REVIEW,
        O_BATCH,
        O_FEE,
        O_POOL,
        O_SECURE,
        O_DEVCLOCK,
        O_NOGROUP,
        O_REMOTE_CAP,
        O_HEARTBEAT,
        O_WEIGHTS,
        O_MAXCONN,
        O_DTHREADS,
        O_CANCEL_LIMIT,
        O_EVENTS_HEARTBEAT,
        O_PLACES,
        O_SYNONYMS,
        O_HELP
    };
    static const struct option options[] = {{"listen", required_argument, NULL, O_LISTEN},
                                            {"db", required_argument, NULL, O_DB},
                                            {"web", required_argument, NULL, O_WEB},
                                            {"places", required_argument, NULL, O_PLACES},
                                            {"synonyms", required_argument, NULL, O_SYNONYMS},
                                            {"loops", required_argument, NULL, O_LOOPS},
                                            {"ack-window-s", required_argument, NULL, O_ACK},
                                            {"review-window-s", required_argument, NULL, O_REVIEW},
                                            {"batch-window-ms", required_argument, NULL, O_BATCH},
                                            {"fee-bps", required_argument, NULL, O_FEE},
                                            {"pool-share-bps", required_argument, NULL, O_POOL},
                                            {"cookie-secure", no_argument, NULL, O_SECURE},
                                            {"dev-clock", no_argument, NULL, O_DEVCLOCK},
                                            {"no-group-commit", no_argument, NULL, O_NOGROUP},
                                            {"remote-cap", required_argument, NULL, O_REMOTE_CAP},
                                            {"heartbeat-timeout-s", required_argument, NULL, O_HEARTBEAT},
                                            {"dispatch-weights", required_argument, NULL, O_WEIGHTS},
                                            {"max-connections", required_argument, NULL, O_MAXCONN},
                                            {"dispatch-threads", required_argument, NULL, O_DTHREADS},
                                            {"cancel-limit", required_argument, NULL, O_CANCEL_LIMIT},
                                            {"events-heartbeat-ms", required_argument, NULL, O_EVENTS_HEARTBEAT},
                                            {"help", no_argument, NULL, O_HELP},
                                            {NULL, 0, NULL, 0}};
    int opt, rc = 0;
    optind = 1;
    while (rc == 0 && (opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (opt) {
        case O_LISTEN:
            if (parse_listen(optarg, cfg) != 0) {
                fprintf(stderr, "peerwork: --listen must be HOST:PORT, e.g. 127.0.0.1:8080\n");
                rc = PW_EREFUSED;
            }
            break;
        case O_DB: snprintf(cfg->db_path, sizeof(cfg->db_path), "%s", optarg); break;
        case O_WEB: snprintf(cfg->web_root, sizeof(cfg->web_root), "%s", optarg); break;
        case O_PLACES: snprintf(cfg->places_path, sizeof(cfg->places_path), "%s", optarg); break;
        case O_SYNONYMS: snprintf(cfg->synonyms_path, sizeof(cfg->synonyms_path), "%s", optarg); break;
        case O_LOOPS: rc = parse_int("--loops", optarg, 1, PW_HTTP_LOOPS_MAX, &cfg->loops); break;
        case O_MAXCONN:
            rc = parse_int("--max-connections", optarg, 1, PW_HTTP_CONNECTIONS_CEILING, &cfg->max_connections);
            break;
        case O_ACK: rc = parse_int("--ack-window-s", optarg, 1, 7 * 24 * 3600, &cfg->ack_window_s); break;
        case O_REVIEW: rc = parse_int("--review-window-s", optarg, 1, 90 * 24 * 3600, &cfg->review_window_s); break;
        case O_BATCH: rc = parse_int("--batch-window-ms", optarg, 10, 3600 * 1000, &cfg->batch_window_ms); break;
        case O_FEE: rc = parse_int("--fee-bps", optarg, 0, 5000, &cfg->fee_bps); break;
        case O_POOL: rc = parse_int("--pool-share-bps", optarg, 0, 10000, &cfg->pool_share_bps); break;
        case O_REMOTE_CAP: rc = parse_int("--remote-cap", optarg, 1, PW_REMOTE_CONCURRENT_MAX, &cfg->remote_cap); break;
        case O_HEARTBEAT:
            rc = parse_int("--heartbeat-timeout-s", optarg, 30, 7 * 24 * 3600, &cfg->heartbeat_timeout_s);
            break;
        case O_WEIGHTS: rc = check_weights("--dispatch-weights", optarg, cfg); break;
        case O_DTHREADS:
            rc = parse_int("--dispatch-threads", optarg, 1, PW_DISPATCH_SEARCH_THREADS_MAX, &cfg->dispatch_threads);
            break;
        case O_CANCEL_LIMIT:
            rc = parse_int("--cancel-limit", optarg, 1, PW_CANCELS_PER_WINDOW_MAX, &cfg->cancel_limit);
            break;
        case O_EVENTS_HEARTBEAT:
            rc = parse_int("--events-heartbeat-ms", optarg, PW_EVENTS_HEARTBEAT_MS_MIN, PW_EVENTS_HEARTBEAT_MS_MAX,
                           &cfg->events_heartbeat_ms);
            break;
        case O_SECURE: cfg->cookie_secure = 1; break;
        case O_DEVCLOCK: cfg->dev_clock = 1; break;
        case O_NOGROUP: cfg->group_commit = 0; break;
        case O_HELP: fputs(SERVE_USAGE, stdout); return 1;
        default: fputs(SERVE_USAGE, stderr); return PW_EREFUSED;
        }
    }
    if (rc == 0 && optind < argc) {
        fprintf(stderr, "peerwork serve: unexpected argument '%s'\n", argv[optind]);
        rc = PW_EREFUSED;
    }
    return rc;
}

typedef struct after_batch {
    pw_engine *engine;    /* the dispatch index */
    pw_searching *search; /* the search index */
    pw_bus *bus;          /* the event bus */
} after_batch;

/* The writer's hook after each batch: the dispatch index follows the database, and the
 * event bus learns the newest committed seq (waking the loops if it grew). */
static void refresh_engine(void *ctx, pw_db *db, int64_t now_ms)
{
    after_batch *a = ctx;
    if (pw_dispatching_refresh(db, a->engine, now_ms) != PW_OK)
        pw_log_error("msg=\"dispatch index refresh failed\"");
    if (pw_searching_refresh(a->search, db) != PW_OK)
        pw_log_error("msg=\"search index refresh failed\"");
    if (pw_bus_after_commit(a->bus, db) != PW_OK)
        pw_log_error("msg=\"event bus read failed\""); /* the next batch reads it again */
}

/* One server per SQLite database: each keeps the dispatch index and the timers of its own
 * database in memory, so a second server on the same file would dispatch from a stale
 * index and fire the same timers twice. An exclusive flock on FILE.lock, held for the life
 * of the process (the kernel drops it when the process ends, kill -9 included), makes the
 * second one refuse to start. The tools (migrate, admin, ledger verify) do not take it:
 * they may run beside a server. */
/* PW_OK; PW_EBUSY if another server holds the lock; PW_EDB if the lock file beside the
 * database cannot be opened or locked (each said on standard error). */
static int lock_database(const char *db_path)
{
    char path[sizeof(((pw_config *)0)->db_path) + 8];
    snprintf(path, sizeof(path), "%s.lock", db_path);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "peerwork serve: cannot open %s: %s\n", path, strerror(errno));
        return PW_EDB;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int busy = errno == EWOULDBLOCK;
        if (busy)
            fprintf(stderr, "peerwork serve: another peerwork serve is using %s (%s is locked)\n", db_path, path);
        else
            fprintf(stderr, "peerwork serve: cannot lock %s: %s\n", path, strerror(errno));
        close(fd);
        return busy ? PW_EBUSY : PW_EDB;
    }
    return PW_OK; /* fd is kept open, and locked, until the process ends */
}

static int cmd_serve(int argc, char **argv)
{
    pw_app app = {.routes = pw_routes, .route_count = pw_route_count, .sessions = &pw_api_sessions}; /* the API */
    pw_config_defaults(&app.cfg);
    if (config_from_env(&app.cfg) != 0)
        return 2;
    int rc = parse_serve(argc, argv, &app.cfg);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    if (lock_database(app.cfg.db_path) != PW_OK)
        return 1;
    pw_clock_init_real(&app.clock);
    pw_server_block_signals(); /* before the writer, hash pool and scheduler threads start */
    pw_db *writer_db = NULL;
    if (pw_migrate_open(app.cfg.db_path, &writer_db, NULL) != 0)
        return 1;
    if (pw_devices_load_key(writer_db, pw_clock_now_ms(&app.clock), app.device_key) != PW_OK) {
        pw_log_error("msg=\"cannot read or make the device cookie key\"");
        return 1;
    }
#ifdef PW_BENCH_ROUTES
    pw_db_exec(writer_db, "CREATE TABLE IF NOT EXISTS bench_writes (id INTEGER PRIMARY KEY, at INTEGER, payload TEXT)");
#endif
    if (pw_writer_start(writer_db, &app.clock, app.cfg.group_commit ? PW_WRITER_BATCH_MAX : 1, &app.writer) != 0 ||
        pw_workpool_start(PW_HASH_THREADS, PW_HASH_QUEUE_MAX, &app.clock, &app.hash_pool) != 0 ||
        pw_throttle_new(&app.throttle) != 0) {
        pw_log_error("msg=\"cannot start\"");
        return 1;
    }
    pw_market_policy policy;
    pw_market_policy_from_config(&policy, &app.cfg);
    app.policy = &policy;
    if (pw_engine_new(&policy.dispatch.policy, &policy.dispatch.engine) != 0 ||
        pw_setaside_new(&policy.dispatch.setaside) != PW_OK ||
        pw_dispatching_load(writer_db, policy.dispatch.engine, pw_clock_now_ms(&app.clock)) != PW_OK) {
        pw_log_error("msg=\"cannot build the dispatch index\"");
        return 1;
    }
    if (pw_bus_new(&app.bus) != PW_OK || pw_bus_after_commit(app.bus, writer_db) != PW_OK) {
        pw_log_error("msg=\"cannot start the event bus\"");
        return 1;
    }
    pw_api_places_load(app.cfg.places_path); /* before the search index, which names areas by it */
    if (pw_searching_new(app.cfg.synonyms_path, pw_api_places_table(), &policy.search) != PW_OK ||
        pw_searching_load(policy.search, writer_db) != PW_OK) {
        pw_log_error("msg=\"cannot build the search index\"");
        return 1;
    }
    after_batch after = {.engine = policy.dispatch.engine, .search = policy.search, .bus = app.bus};
    pw_writer_on_batch(app.writer, refresh_engine, &after);
    pw_scheduler *scheduler = NULL;
    /* Timers are checked at least every second; batch rounds run every batch window. */
    int tick_ms = app.cfg.batch_window_ms < 1000 ? app.cfg.batch_window_ms : 1000;
    if (pw_scheduler_start(app.writer, &policy, tick_ms, &scheduler) != 0) {
        pw_log_error("msg=\"cannot start the scheduler\"");
        return 1;
    }
    rc = pw_server_run(&app);
    pw_scheduler_stop(scheduler);
    pw_workpool_stop(app.hash_pool);
    pw_writer_stop(app.writer); /* commits whatever was accepted */
    pw_bus_free(app.bus);       /* after the loops (joined in pw_server_run) and the writer */
    pw_engine_free(policy.dispatch.engine);
    pw_searching_free(policy.search);
    pw_api_places_unload(); /* after the writer: the search index's refresh names areas by it */
    pw_setaside_free(policy.dispatch.setaside);
    pw_throttle_free(app.throttle);
    sodium_memzero(app.device_key, sizeof(app.device_key));
    pw_log_info("msg=stopped");
    return rc == 0 ? 0 : 1;
}

/* ---- migrate ------------------------------------------------------------------------------ */

/* As parse_serve: PW_OK, 1 after --help, or PW_EREFUSED. */
static int db_only_options(int argc, char **argv, const char *usage, pw_config *cfg)
{
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (opt == 'd') {
            snprintf(cfg->db_path, sizeof(cfg->db_path), "%s", optarg);
        } else if (opt == 'h') {
            fputs(usage, stdout);
            return 1;
        } else {
            fputs(usage, stderr);
            return PW_EREFUSED;
        }
    }
    return 0;
}

static int cmd_migrate(int argc, char **argv)
{
    static const char usage[] = "usage: peerwork migrate [--db FILE]\n\n"
                                "Applies the missing schema migrations to FILE (env PEERWORK_DB;\n"
                                "default data/peerwork.db), creating it if needed.\n";
    pw_config cfg;
    pw_config_defaults(&cfg);
    if (config_from_env(&cfg) != 0)
        return 2;
    int rc = db_only_options(argc, argv, usage, &cfg);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    pw_db *db;
    int applied = 0, version = 0;
    if (pw_migrate_open(cfg.db_path, &db, &applied) != 0)
        return 1;
    pw_migrate_current_version(db, &version);
    pw_db_close(db);
    printf("migrated: %d applied, schema version %d\n", applied, version);
    return 0;
}

/* ---- admin create ------------------------------------------------------------------------------ */

static int cmd_admin(int argc, char **argv)
{
    static const char usage[] =
        "usage: peerwork admin create --email E [--name NAME] [--db FILE]\n\n"
        "Makes an admin account. The password (12..128 characters) is read from the first line\n"
        "of standard input. An existing account with that e-mail is given the admin role instead.\n";
    if (argc < 2 || strcmp(argv[1], "create") != 0) {
        fputs(usage, argc >= 2 && strcmp(argv[1], "--help") == 0 ? stdout : stderr);
        return argc >= 2 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
    }
    static const struct option options[] = {{"email", required_argument, NULL, 'e'},
                                            {"name", required_argument, NULL, 'n'},
                                            {"db", required_argument, NULL, 'd'},
                                            {"help", no_argument, NULL, 'h'},
                                            {NULL, 0, NULL, 0}};
    pw_config cfg;
    pw_config_defaults(&cfg);
    if (config_from_env(&cfg) != 0)
        return 2;
    const char *email = NULL, *name = "Admin";
    int opt;
    optind = 2;
    int code = 0;
    while ((opt = pw_cli_option(argc, argv, options, usage, &cfg, &code)) >= 0) {
        if (opt == 'e')
            email = optarg;
        else if (opt == 'n')
            name = optarg;
    }
    if (opt == PW_CLI_STOP)
        return code;
    if (email == NULL) {
        fputs("peerwork admin create: --email is required\n", stderr);
        return 2;
    }
    char line[PW_PASSWORD_MAX_BYTES + 2];
    if (fgets(line, sizeof(line), stdin) == NULL) {
        fputs("peerwork admin create: give the password on standard input\n", stderr);
        return 2;
    }
    line[strcspn(line, "\r\n")] = '\0';
    json_t *body = json_pack("{s:s, s:s, s:s, s:[s]}", "email", email, "password", line, "display_name", name, "roles",
                             "client");
    sodium_memzero(line, sizeof(line));
    pw_new_user user;
    pw_error err;
    int rc = pw_accounts_parse_new_user(body, &user, &err);
    json_decref(body);
    if (rc != 0) {
        fprintf(stderr, "peerwork admin create: %s\n", err.message);
        return 2;
    }
    user.roles = PW_ROLE_CLIENT | PW_ROLE_ADMIN;
    return pw_cli_admin_create(cfg.db_path, &user);
}

int pw_cli_admin_create(const char *db_path, pw_new_user *user)
{
    char hash[PW_PASSWORD_HASH_BYTES];
    if (pw_accounts_hash_password(user->password, hash) != 0)
        return 1;
    sodium_memzero(user->password, sizeof(user->password));
    pw_db *db;
    if (pw_migrate_open(db_path, &db, NULL) != 0)
        return 1;
    pw_clock clock;
    pw_clock_init_real(&clock);
    pw_user_row row;
    pw_error err;
    int rc = pw_db_exec(db, "BEGIN IMMEDIATE");
    int found = rc == PW_OK ? pw_accounts_find_by_email(db, user->email, &row) : rc;
    if (found == 1) {
        pw_stmt *st = pw_db_stmt(db, "UPDATE users SET roles = roles | ? WHERE id = ?");
        pw_stmt_int64(st, 1, PW_ROLE_ADMIN);
        pw_stmt_int64(st, 2, row.id);
        rc = pw_stmt_run(st);
    } else if (found == 0) {
        rc = pw_accounts_insert_user(db, user, hash, pw_clock_now_ms(&clock), &row, &err);
    } else {
        rc = found;
    }
    if (rc == PW_OK) { /* in the audit log, in the same transaction; the operator has no admin id */
        json_t *via = json_pack("{s:s}", "via", "command_line");
        rc = pw_audit_record(db, pw_clock_now_ms(&clock), 0, found == 1 ? PW_AUDIT_ADMIN_GRANT : PW_AUDIT_ADMIN_CREATE,
                             "user", row.id, via);
    }
    if (rc == PW_OK)
        rc = pw_db_exec(db, "COMMIT");
    else
        pw_db_exec(db, "ROLLBACK");
    pw_db_close(db);
    if (rc != PW_OK) {
        fputs("peerwork admin create: could not write the account\n", stderr);
        return 1;
    }
    printf("admin %s: id %lld\n", found == 1 ? "granted" : "created", (long long)row.id);
    return 0;
}

/* ---- dispatch ------------------------------------------------------------------------------- */

static const pw_command commands[] = {
    {"serve", cmd_serve, NULL}, {"migrate", cmd_migrate, NULL}, {"admin", cmd_admin, NULL}, PW_CLI_EXTRA_COMMANDS};

int main(int argc, char **argv)
{
    if (sodium_init() < 0) {
        fputs("peerwork: libsodium failed to initialise\n", stderr);
        return 1;
    }
    char extra[1024] = "";
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (commands[i].summary != NULL)
            snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra), "  %-18s %s\n", commands[i].name,
                     commands[i].summary);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        fprintf(argc < 2 ? stderr : stdout, USAGE, extra);
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "peerwork: unknown command '%s'\n\n", argv[1]);
    fprintf(stderr, USAGE, extra);
    return 2;
}
