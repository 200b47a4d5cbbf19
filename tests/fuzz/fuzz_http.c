/* fuzz_http.c — libFuzzer target for the whole request path: bytes on a connection, through
 * h2o's HTTP/1 parser, the framing check, the router (method, body limits, JSON, session,
 * CSRF, roles), every handler, the hash pool and the writer, against a real SQLite
 * database, exactly as `peerwork serve` wires them — only the listening socket is replaced
 * by a socketpair whose far end the harness writes and reads.
 *
 * An input is one of two kinds, chosen by its first byte:
 *   - raw (first byte >= 0xC0): the rest is written to the connection as it is, so the
 *     fuzzer explores request lines, headers, framing and pipelining;
 *   - a call: byte 0 picks a route of the table (api/routes.c), byte 1 the caller (anonymous,
 *     the client, the worker, the admin, another client, the client by cookie with and
 *     without its CSRF token), byte 2 what fills the route's {id} (the fixture's task, a user,
 *     or text from the input); the rest is "query\nbody". The harness writes a well-formed
 *     request for it, so every input reaches a handler with a body the fuzzer shapes.
 * The fixture (made once): a client with money deposited, an active remote worker, an admin,
 * a second client, and one task the client posted.
 *
 * Properties checked beyond "no crash, no sanitizer report":
 *   - no answer is a 5xx other than 503 (a 500 is a bug, whatever the input);
 *   - every request is answered and its connection closed within PER_INPUT_MS;
 *   - every VERIFY_EVERY inputs, and at exit, `ledger verify` finds the ledger intact.
 *
 * Built only with `make fuzz` (clang, -fsanitize=fuzzer,address,undefined). */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api/api.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/workpool.h"
#include "dispatch/engine.h"
#include "http/internal.h"
#include "http/throttle.h"
#include "ledger/ledger.h"
#include "market/accounts.h"
#include "market/devices.h"
#include "market/searching.h"
#include "market/setaside.h"
#include "market/tasks.h"
#include "store/migrate.h"
#include "store/writer.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PER_INPUT_MS 20000 /* an argon2id hash under ASan takes ~1 s; 20 s is a hang */
#define VERIFY_EVERY 500
#define REQUEST_MAX  (64 * 1024)
#define REPLY_MAX    (1024 * 1024)

enum { WHO_ANON, WHO_CLIENT, WHO_WORKER, WHO_ADMIN, WHO_STRANGER, WHO_COOKIE, WHO_COOKIE_NO_CSRF, WHO_COUNT };

typedef struct identity {
    int64_t user_id;
    char token[PW_TOKEN_TEXT_BYTES];
    char csrf[PW_CSRF_TEXT_BYTES];
} identity;

static pw_app app;
static pw_loop loop;
static pw_market_policy policy;
static identity people[WHO_COUNT];
static char task_id[32];
static long inputs;
static char reply[REPLY_MAX + 1];
static size_t reply_len;

static void die(const char *what)
{
    fprintf(stderr, "fuzz_http: %s\n", what);
    abort();
}

static void refresh_engine(void *ctx, pw_db *db, int64_t now_ms)
{
    (void)ctx;
    (void)pw_dispatching_refresh(db, policy.dispatch.engine, now_ms);
    (void)pw_searching_refresh(policy.search, db);
}

/* ---- one exchange over a fresh connection --------------------------------------------- */

static void loop_turn(int timeout_ms)
{
    h2o_evloop_run(loop.ctx.loop, timeout_ms);
    pw_loop_flush_writes(&loop);
    pw_loop_flush_log(&loop);
}

/* Writes `req` to a new connection and reads until the server closes it. Returns 0, or -1
 * if it did not finish within PER_INPUT_MS. */
static int exchange(const char *req, size_t len)
{
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0)
        die("socketpair");
    h2o_socket_t *sock = h2o_evloop_socket_create(loop.ctx.loop, fds[0], 0);
    h2o_accept(&loop.accept_ctx, sock);
    size_t sent = 0;
    reply_len = 0;
    int64_t deadline = pw_monotonic_ns() + (int64_t)PER_INPUT_MS * 1000000;
    int closed = 0, rc = -1, quiet = 0, half_closed = 0;
    while (pw_monotonic_ns() < deadline) {
        size_t had = reply_len;
        if (sent < len) {
            ssize_t n = write(fds[1], req + sent, len - sent);
            if (n > 0)
                sent += (size_t)n;
            else if (n < 0 && errno != EAGAIN)
                sent = len; /* the server closed early: it answered already */
        }
        loop_turn(sent < len ? 0 : 1);
        for (;;) {
            char chunk[16384];
            ssize_t n = read(fds[1], chunk, sizeof(chunk));
            if (n > 0) {
                size_t keep = reply_len + (size_t)n <= REPLY_MAX ? (size_t)n : REPLY_MAX - reply_len;
                memcpy(reply + reply_len, chunk, keep);
                reply_len += keep;
                continue;
            }
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
                closed = 1;
            break;
        }
        if (closed) {
            rc = 0;
            break;
        }
        /* All sent and nothing moving: end our side, as a client that is done would (a raw
         * input need not ask for Connection: close, and may leave a request unfinished). */
        quiet = sent == len && reply_len == had && loop.inflight == 0 ? quiet + 1 : 0;
        if (quiet >= 3 && !half_closed) {
            shutdown(fds[1], SHUT_WR);
            half_closed = 1;
        }
    }
    reply[reply_len] = '\0';
    close(fds[1]);
    for (int i = 0; i < 2 || loop.inflight != 0; i++) /* let h2o see the close and free it, without sleeping */
        loop_turn(i < 2 ? 0 : 1);
    return rc;
}

/* Every status line in the reply (pipelined requests get several); 5xx other than 503 is a bug. */
static void check_statuses(void)
{
    for (const char *p = reply; (p = strstr(p, "HTTP/1.1 ")) != NULL; p += 9) {
        if (p != reply && p[-1] != '\n')
            continue; /* inside a body */
        int status = atoi(p + 9);
        if (status >= 500 && status != 503) {
            fprintf(stderr, "fuzz_http: answered %d:\n%.2000s\n", status, reply);
            abort();
        }
    }
}

static void verify_ledger(void)
{
    pw_db *db = NULL;
    pw_ledger_report report;
    if (pw_db_open(app.cfg.db_path, PW_DB_READONLY, &db) != PW_OK || pw_ledger_verify(db, &report) != PW_OK)
        die("cannot run ledger verify");
    pw_db_close(db);
    if (report.failures != 0) {
        fprintf(stderr, "fuzz_http: ledger verify: %s\n", report.first_failure);
        abort();
    }
}

/* ---- building a request ----------------------------------------------------------------- */

typedef struct req_buf {
    char *text;
    size_t len;
} req_buf;

static void put(req_buf *b, const char *s, size_t n)
{
    if (b->len + n > REQUEST_MAX)
        n = REQUEST_MAX - b->len;
    memcpy(b->text + b->len, s, n);
    b->len += n;
}

static void puts_(req_buf *b, const char *s) { put(b, s, strlen(s)); }

static void caller_headers(req_buf *b, int who)
{
    const identity *id = &people[who];
    char line[256];
    if (who == WHO_COOKIE || who == WHO_COOKIE_NO_CSRF) {
        snprintf(line, sizeof(line), "Cookie: pw_session=%s\r\n", id->token);
        puts_(b, line);
        if (who == WHO_COOKIE) {
            snprintf(line, sizeof(line), "X-CSRF-Token: %s\r\n", id->csrf);
            puts_(b, line);
        }
    } else if (who != WHO_ANON) {
        snprintf(line, sizeof(line), "Authorization: Bearer %s\r\n", id->token);
        puts_(b, line);
    }
}

/* The route's pattern with {id} filled from the selector: the task, a user, or fuzz text. */
static void put_path(req_buf *b, const char *pattern, int pick, const char *text, size_t text_len)
{
    for (const char *p = pattern; *p;) {
        if (*p != '{') {
            put(b, p++, 1);
            continue;
        }
        p = strchr(p, '}') + 1;
        char id[32];
        switch ((pick & 0x3f) % 5) {
        case 0: puts_(b, task_id); break;
        case 1:
            snprintf(id, sizeof(id), "%lld", (long long)people[WHO_CLIENT].user_id);
            puts_(b, id);
            break;
        case 2:
            snprintf(id, sizeof(id), "%lld", (long long)people[WHO_WORKER].user_id);
            puts_(b, id);
            break;
        case 3: puts_(b, "1"); break;
        default: /* text from the input, up to the first byte a path cannot hold */
            for (size_t i = 0; i < text_len && i < 40; i++) {
                unsigned char c = (unsigned char)text[i];
                if (c <= ' ' || c == '?' || c == '#' || c >= 0x7f)
                    break;
                put(b, &text[i], 1);
            }
        }
    }
}

static size_t build_call(const uint8_t *data, size_t size, char *out)
{
    req_buf b = {out, 0};
    const pw_route *route = &app.routes[data[0] % app.route_count];
    int who = data[1] % WHO_COUNT;
    const char *rest = (const char *)data + 3;
    size_t rest_len = size - 3;
    const char *nl = memchr(rest, '\n', rest_len);
    size_t query_len = nl ? (size_t)(nl - rest) : 0;
    const char *body = nl ? nl + 1 : rest;
    size_t body_len = rest_len - (nl ? query_len + 1 : 0);
    puts_(&b, route->method);
    puts_(&b, " ");
    put_path(&b, route->pattern, data[2], rest, query_len);
    if (query_len > 0) { /* the query as given, minus what would end the request line */
        puts_(&b, "?");
        for (size_t i = 0; i < query_len; i++)
            if ((unsigned char)rest[i] > ' ' && rest[i] != 0x7f)
                put(&b, &rest[i], 1);
    }
    puts_(&b, " HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n");
    caller_headers(&b, who);
    if (data[2] & 0x40)
        puts_(&b, "Idempotency-Key: fuzz-key\r\n");
    if (body_len > 0 || strcmp(route->method, "GET") != 0) {
        char line[96];
        snprintf(line, sizeof(line), "Content-Type: application/json\r\nContent-Length: %zu\r\n", body_len);
        puts_(&b, line);
    }
    puts_(&b, "\r\n");
    put(&b, body, body_len);
    return b.len;
}

/* ---- the fixture --------------------------------------------------------------------------- */

static json_t *call_json(const char *method, const char *path, int who, const char *body)
{
    char req[4096];
    req_buf b = {req, 0};
    puts_(&b, method);
    puts_(&b, " ");
    puts_(&b, path);
    puts_(&b, " HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\nContent-Type: application/json\r\n");
    caller_headers(&b, who);
    char line[64];
    snprintf(line, sizeof(line), "Content-Length: %zu\r\n\r\n", strlen(body));
    puts_(&b, line);
    puts_(&b, body);
    if (exchange(req, b.len) != 0)
        die("fixture request timed out");
    const char *json = strstr(reply, "\r\n\r\n");
    int status = atoi(reply + 9);
    if (status < 200 || status > 299 || json == NULL) {
        fprintf(stderr, "fuzz_http: fixture %s %s: %.500s\n", method, path, reply);
        abort();
    }
    return json_loads(json + 4, 0, NULL);
}

static void make_person(pw_db *db, int who, const char *email, int roles, const char *hash)
{
    pw_new_user user = {.roles = roles};
    snprintf(user.email, sizeof(user.email), "%s", email);
    snprintf(user.display_name, sizeof(user.display_name), "Fuzz %d", who);
    pw_user_row row;
    pw_error err;
    if (pw_accounts_insert_user(db, &user, hash, pw_clock_now_ms(&app.clock), &row, &err) != 0 ||
        pw_accounts_create_session(db, row.id, 0, pw_clock_now_ms(&app.clock), people[who].token, people[who].csrf) !=
            PW_OK)
        die("cannot make the fixture's users");
    people[who].user_id = row.id;
}

static void make_fixture(pw_db *db)
{
    char hash[PW_PASSWORD_HASH_BYTES];
    if (pw_accounts_hash_password("fuzz-password-long", hash) != 0 || pw_db_exec(db, "BEGIN") != PW_OK)
        die("cannot hash");
    make_person(db, WHO_CLIENT, "client@fuzz.test", PW_ROLE_CLIENT, hash);
    make_person(db, WHO_WORKER, "worker@fuzz.test", PW_ROLE_WORKER, hash);
    make_person(db, WHO_ADMIN, "admin@fuzz.test", PW_ROLE_CLIENT | PW_ROLE_ADMIN, hash);
    make_person(db, WHO_STRANGER, "stranger@fuzz.test", PW_ROLE_CLIENT, hash);
    make_person(db, WHO_COOKIE, "cookie@fuzz.test", PW_ROLE_CLIENT | PW_ROLE_WORKER, hash);
    people[WHO_COOKIE_NO_CSRF] = people[WHO_COOKIE];
    if (pw_db_exec(db, "COMMIT") != PW_OK)
        die("cannot commit the fixture");
}

static void post_fixture_task(void)
{
    json_decref(call_json("PUT", "/api/v1/me/worker", WHO_WORKER,
                          "{\"skills\":[\"plumbing\",\"python\"],\"categories\":[\"home\"],\"bio\":\"I fix things.\","
                          "\"remote\":true,\"location\":null,\"radius_km\":0}"));
    json_decref(call_json("POST", "/api/v1/me/availability", WHO_WORKER, "{\"active\":true}"));
    json_decref(
        call_json("POST", "/api/v1/wallet/deposits", WHO_CLIENT, "{\"amount\":100000000,\"currency\":\"EUR\"}"));
    char deadline[PW_RFC3339_BYTES], body[512];
    pw_time_format_rfc3339(pw_clock_now_ms(&app.clock) + 30LL * 86400 * 1000, deadline);
    snprintf(body, sizeof(body),
             "{\"title\":\"Port a script\",\"description\":\"Python 2 to 3.\",\"category\":\"home\","
             "\"skills\":[\"python\"],\"location\":null,\"compensation\":{\"kind\":\"money\",\"amount\":2500,"
             "\"currency\":\"EUR\"},\"deadline\":\"%s\",\"urgent\":true}",
             deadline);
    json_t *task = call_json("POST", "/api/v1/tasks", WHO_CLIENT, body);
    json_t *id = json_object_get(task, "id");
    if (!json_is_string(id))
        die("the fixture task has no id");
    snprintf(task_id, sizeof(task_id), "%s", json_string_value(id));
    json_decref(task);
}

/* A signed-out identity is given a new session, through the writer (a sign-in would hit
 * the login limit the fuzzer may have used up), so later inputs still reach the handlers. */
typedef struct renew_job {
    pw_job job;
    int who;
    atomic_int done;
} renew_job;

static int renew_run(pw_job *job, pw_db *db, int64_t now_ms)
{
    renew_job *r = (renew_job *)job;
    identity *id = &people[r->who];
    return pw_accounts_create_session(db, id->user_id, 0, now_ms, id->token, id->csrf);
}

static void renew_complete(pw_job *job) { atomic_store(&((renew_job *)job)->done, 1); }

static void renew_sessions(void)
{
    for (int who = WHO_CLIENT; who < WHO_COUNT; who++) {
        char req[512];
        req_buf b = {req, 0};
        puts_(&b, "GET /api/v1/me HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n");
        caller_headers(&b, who);
        puts_(&b, "\r\n");
        if (exchange(req, b.len) != 0)
            die("GET /me timed out");
        if (atoi(reply + 9) != 401)
            continue;
        renew_job r = {.job = {.run = renew_run, .complete = renew_complete}, .who = who};
        if (pw_writer_submit(app.writer, &r.job) != 0)
            die("cannot renew a session");
        while (!atomic_load(&r.done))
            loop_turn(1);
        if (r.job.result != PW_OK || !r.job.committed)
            die("the session renewal failed");
        if (who == WHO_COOKIE)
            people[WHO_COOKIE_NO_CSRF] = people[WHO_COOKIE];
    }
}

static void at_exit(void)
{
    if (app.writer != NULL)
        verify_ledger();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    signal(SIGPIPE, SIG_IGN);
    pw_log_set_level(getenv("FUZZ_HTTP_TRACE") != NULL ? PW_LOG_INFO : PW_LOG_WARN); /* no request log lines */
    app.routes = pw_routes;
    app.route_count = pw_route_count;
    app.sessions = &pw_api_sessions;
    pw_config_defaults(&app.cfg);
    /* The database in memory-backed /dev/shm where there is one: every commit is an fsync,
     * and on a disk the fuzzer would spend its time waiting for them, not executing. */
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    char dir[512];
    snprintf(dir, sizeof(dir), "%s/pw-fuzz-http-XXXXXX", tmp);
    if (mkdtemp(dir) == NULL)
        die("mkdtemp");
    snprintf(app.cfg.db_path, sizeof(app.cfg.db_path), "%s/fuzz.db", dir);
    snprintf(app.cfg.web_root, sizeof(app.cfg.web_root), "%s/web", PW_SOURCE_DIR);
    pw_clock_init_real(&app.clock);
    pw_db *writer_db = NULL;
    if (pw_migrate_open(app.cfg.db_path, &writer_db, NULL) != 0 ||
        pw_devices_load_key(writer_db, pw_clock_now_ms(&app.clock), app.device_key) != PW_OK)
        die("cannot open the database");
    make_fixture(writer_db);
    pw_market_policy_from_config(&policy, &app.cfg);
    app.policy = &policy;
    if (pw_writer_start(writer_db, &app.clock, PW_WRITER_BATCH_MAX, &app.writer) != 0 ||
        pw_workpool_start(PW_HASH_THREADS, PW_HASH_QUEUE_MAX, &app.clock, &app.hash_pool) != 0 ||
        pw_throttle_new(&app.throttle) != 0 || pw_engine_new(&policy.dispatch.policy, &policy.dispatch.engine) != 0 ||
        pw_setaside_new(&policy.dispatch.setaside) != PW_OK ||
        pw_dispatching_load(writer_db, policy.dispatch.engine, pw_clock_now_ms(&app.clock)) != PW_OK ||
        pw_searching_new(PW_SOURCE_DIR "/data/search/synonyms.tsv", NULL, &policy.search) != PW_OK ||
        pw_searching_load(policy.search, writer_db) != PW_OK)
        die("cannot start");
    pw_writer_on_batch(app.writer, refresh_engine, NULL);
    pw_server_setup(&app);
    loop.app = &app;
    loop.connection_cap = 1 << 20;
    if (pw_db_open(app.cfg.db_path, PW_DB_READONLY, &loop.read_db) != PW_OK)
        die("cannot open the read connection");
    pw_loop_init(&loop);
    post_fixture_task();
    atexit(at_exit);
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char request[REQUEST_MAX];
    if (size < 3)
        return 0;
    size_t len;
    if (data[0] >= 0xC0) {
        len = size - 1 < REQUEST_MAX ? size - 1 : REQUEST_MAX;
        memcpy(request, data + 1, len);
    } else {
        len = build_call(data, size, request);
    }
    if (exchange(request, len) != 0) {
        fprintf(stderr, "fuzz_http: no answer within %d ms to:\n%.*s\n", PER_INPUT_MS, (int)len, request);
        abort();
    }
    check_statuses();
    if (getenv("FUZZ_HTTP_TRACE") != NULL) /* to see where a corpus entry lands: the request and the status line */
        fprintf(stderr, "%.*s -> %.*s\n", (int)strcspn(request, "\r\n"), request, (int)strcspn(reply, "\r\n"), reply);
    if (strstr(request, "DELETE /api/v1/sessions/current") != NULL)
        renew_sessions();
    if (++inputs % VERIFY_EVERY == 0)
        verify_ledger();
    return 0;
}
