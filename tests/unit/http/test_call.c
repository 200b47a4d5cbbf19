/* test_call.c — unit tests of src/http/call.c, the hand-over of a request's work to the
 * writer or the hash pool and back, and who owns the call on the way:
 *   - a write is answered after its commit with run()'s status and output, done() runs
 *     once, on_free once after it, and the loop's in-flight count returns to zero;
 *   - a run() that refuses (pw_call_failf 409) is answered with its error and its rows are
 *     rolled back; a run() that fails without a status is answered 503 unavailable;
 *   - a chain (hash pool, then writer, from inside done(), as sign-up does) runs both
 *     steps, answers once and frees the call once, at the end;
 *   - a full hash pool is answered 429 with Retry-After, and the call is freed at once;
 *   - a client that goes away while its write waits does not lose the write: it commits,
 *     the call is freed exactly once, and nothing is left in flight.
 *
 * The harness is the server's own path without a listening socket: h2o configured by
 * pw_server_setup with a route table of test handlers (the router takes its table from the
 * app), one loop (pw_loop_init), a real writer on a temporary SQLite file and a real hash
 * pool, and requests written into a socketpair whose far end h2o serves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "base/workpool.h"
#include "http/internal.h"
#include "store/migrate.h"
#include "store/writer.h"

static pw_app app;
static pw_loop loop;
static char dir[256];

/* What the handlers saw: how many times each callback ran. */
static atomic_int runs, dones, frees;
static atomic_int gate_open = 1;      /* a run() waits while 0: the write is held at the writer */
static atomic_int pool_gate_open = 1; /* the hash pool's blocker waits while 0 */

static void on_free(pw_call *call) { atomic_fetch_add(&frees, 1); }

static void counted_done(pw_call *call, pw_req *rq)
{
    atomic_fetch_add(&dones, 1);
    pw_call_reply(call, rq);
}

static int insert_run(pw_call *call, pw_db *db, int64_t now_ms)
{
    atomic_fetch_add(&runs, 1);
    while (!atomic_load(&gate_open))
        usleep(1000);
    pw_stmt *st = pw_db_stmt(db, "INSERT INTO t (at) VALUES (?)");
    pw_stmt_int64(st, 1, now_ms);
    if (pw_stmt_run(st) != PW_OK)
        return -1;
    call->status = 201;
    call->output = json_pack("{s:b}", "ok", 1);
    return 0;
}

static int refuse_run(pw_call *call, pw_db *db, int64_t now_ms)
{
    atomic_fetch_add(&runs, 1);
    pw_stmt *st = pw_db_stmt(db, "INSERT INTO t (at) VALUES (?)");
    pw_stmt_int64(st, 1, now_ms);
    pw_stmt_run(st); /* written, then refused: the savepoint takes it back */
    return pw_call_failf(call, 409, "invalid_state", NULL, "refused on purpose");
}

static int broken_run(pw_call *call, pw_db *db, int64_t now_ms)
{
    atomic_fetch_add(&runs, 1);
    return -1; /* a failure with no answer of its own */
}

static int hash_run(pw_call *call, pw_db *db, int64_t now_ms)
{
    atomic_fetch_add(&runs, 1);
    return db == NULL ? 0 : -1; /* the pool runs jobs without a database */
}

static void after_hash(pw_call *call, pw_req *rq)
{
    atomic_fetch_add(&dones, 1);
    pw_call_write(call, insert_run, counted_done); /* handed on: the loop must not free it */
}

static pw_call *new_call(pw_req *rq)
{
    pw_call *call = pw_call_new(rq, 0);
    assert_non_null(call);
    call->on_free = on_free;
    return call;
}

static void h_write(pw_req *rq) { pw_call_write(new_call(rq), insert_run, counted_done); }
static void h_refuse(pw_req *rq) { pw_call_write(new_call(rq), refuse_run, counted_done); }
static void h_broken(pw_req *rq) { pw_call_write(new_call(rq), broken_run, counted_done); }
static void h_chain(pw_req *rq) { pw_call_hash(new_call(rq), hash_run, after_hash); }

static const pw_route routes[] = {
    {"POST", "/api/v1/t/write", h_write, PW_ALLOW_ANYONE, 0, 0},
    {"POST", "/api/v1/t/refuse", h_refuse, PW_ALLOW_ANYONE, 0, 0},
    {"POST", "/api/v1/t/broken", h_broken, PW_ALLOW_ANYONE, 0, 0},
    {"POST", "/api/v1/t/chain", h_chain, PW_ALLOW_ANYONE, 0, 0},
};

/* No request here carries a token; a store that knows no session is all the router needs. */
static int no_session(pw_db *db, const char *token, size_t len, int64_t now_ms, pw_auth *auth, int *touch_due)
{
    return 0;
}
static int no_touch(pw_db *db, int64_t session_id, int64_t user_id, int64_t now_ms) { return PW_OK; }
static const pw_session_store sessions = {no_session, no_touch};

/* ---- the harness -------------------------------------------------------------------------- */

static void loop_turn(int timeout_ms)
{
    h2o_evloop_run(loop.ctx.loop, timeout_ms);
    pw_loop_flush_writes(&loop);
    pw_loop_flush_log(&loop);
}

/* A connection with `request` written; returns the client's end. */
static int connect_with(const char *request)
{
    int fds[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
    h2o_socket_t *sock = h2o_evloop_socket_create(loop.ctx.loop, fds[0], 0);
    h2o_accept(&loop.accept_ctx, sock);
    assert_int_equal(write(fds[1], request, strlen(request)), (ssize_t)strlen(request));
    return fds[1];
}

/* Turns the loop until the server closes the connection (or 10 s); the reply in out. */
static void read_reply(int fd, char *out, size_t out_size)
{
    size_t got = 0;
    int64_t deadline = pw_monotonic_ns() + 10LL * 1000000000;
    while (pw_monotonic_ns() < deadline) {
        loop_turn(1);
        ssize_t n = read(fd, out + got, out_size - 1 - got);
        if (n > 0) {
            got += (size_t)n;
            continue;
        }
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
            break;
    }
    out[got] = '\0';
    close(fd);
    while (loop.inflight != 0 && pw_monotonic_ns() < deadline)
        loop_turn(1);
    for (int i = 0; i < 3; i++)
        loop_turn(0);
}

static void post(const char *path, char *reply, size_t size)
{
    char request[256];
    snprintf(request, sizeof(request), "POST %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
             path);
    read_reply(connect_with(request), reply, size);
}

static int64_t rows(void)
{
    pw_db *db;
    assert_int_equal(pw_db_open(app.cfg.db_path, PW_DB_READONLY, &db), PW_OK);
    pw_stmt *st = pw_db_stmt(db, "SELECT count(*) FROM t");
    assert_int_equal(pw_stmt_step(st), PW_ROW);
    int64_t n = pw_stmt_column_int64(st, 0);
    pw_stmt_done(st);
    pw_db_close(db);
    return n;
}

static void reset_counts(void)
{
    atomic_store(&runs, 0);
    atomic_store(&dones, 0);
    atomic_store(&frees, 0);
}

static int setup(void **state)
{
    signal(SIGPIPE, SIG_IGN);
    pw_log_set_level(PW_LOG_ERROR);
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof(dir), "%s/pw-test-call-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(dir));
    pw_config_defaults(&app.cfg);
    snprintf(app.cfg.db_path, sizeof(app.cfg.db_path), "%s/t.db", dir);
    pw_clock_init_real(&app.clock);
    pw_db *writer_db;
    assert_int_equal(pw_migrate_open(app.cfg.db_path, &writer_db, NULL), 0);
    assert_int_equal(pw_db_exec(writer_db, "CREATE TABLE t (id INTEGER PRIMARY KEY, at INTEGER NOT NULL)"), PW_OK);
    assert_int_equal(pw_writer_start(writer_db, &app.clock, PW_WRITER_BATCH_MAX, &app.writer), 0);
    assert_int_equal(pw_workpool_start(1, 1, &app.clock, &app.hash_pool), 0); /* one thread, a queue of one */
    app.routes = routes;
    app.route_count = (int)(sizeof(routes) / sizeof(routes[0]));
    app.sessions = &sessions;
    pw_server_setup(&app);
    loop.app = &app;
    loop.connection_cap = 1000;
    assert_int_equal(pw_db_open(app.cfg.db_path, PW_DB_READONLY, &loop.read_db), PW_OK);
    pw_loop_init(&loop);
    return 0;
}

/* ---- the tests ------------------------------------------------------------------------------ */

/* One request through the writer or the hash pool and back: its route, the status line
 * and a part of the body it is answered with, the rows it added, and how many times run(),
 * done() and on_free ran. Every case is answered exactly once and leaves nothing in
 * flight. */
typedef struct call_case {
    const char *path, *status_line, *body_part;
    int64_t rows_added;
    int runs, dones, frees;
} call_case;

static const call_case call_cases[] = {
    /* a write is answered after its commit with run()'s status and output */
    {"/api/v1/t/write", "HTTP/1.1 201", "{\"ok\":true}", 1, 1, 1, 1},
    /* a refusal is answered with its error; its insert went with its savepoint */
    {"/api/v1/t/refuse", "HTTP/1.1 409", "\"code\":\"invalid_state\"", 0, 1, 1, 1},
    /* a failure without an answer of its own is 503 */
    {"/api/v1/t/broken", "HTTP/1.1 503", "\"code\":\"unavailable\"", 0, 1, 1, 1},
    /* a chain: the hash, then the write (runs); after_hash, then counted_done (dones); not
     * freed when after_hash handed it on, once at the end */
    {"/api/v1/t/chain", "HTTP/1.1 201", "{\"ok\":true}", 1, 2, 2, 1},
};

static void test_call_answered_once_freed_once(void **state)
{
    const call_case *c = *state;
    print_message("POST %s\n", c->path);
    reset_counts();
    int64_t before = rows();
    char reply[4096];
    post(c->path, reply, sizeof(reply));
    const char *status = strstr(reply, c->status_line);
    if (status == NULL || strstr(reply, c->body_part) == NULL)
        print_error("POST %s answered:\n%s\n", c->path, reply);
    assert_non_null(status);
    assert_null(strstr(status + 1, "HTTP/1.1")); /* one answer */
    assert_non_null(strstr(reply, c->body_part));
    assert_int_equal(rows(), before + c->rows_added);
    assert_int_equal(atomic_load(&runs), c->runs);
    assert_int_equal(atomic_load(&dones), c->dones);
    assert_int_equal(atomic_load(&frees), c->frees);
    assert_int_equal(loop.inflight, 0);
}

static atomic_int blockers_started;

static int blocker_run(pw_job *job, pw_db *db, int64_t now_ms)
{
    atomic_fetch_add(&blockers_started, 1);
    while (!atomic_load(&pool_gate_open))
        usleep(1000);
    return 0;
}

static atomic_int blockers_done;
static void blocker_complete(pw_job *job) { atomic_fetch_add(&blockers_done, 1); }

static void test_full_pool_is_429_and_freed(void **state)
{
    reset_counts();
    /* The pool's one thread held by a blocker, its queue of one filled by another. */
    atomic_store(&pool_gate_open, 0);
    atomic_store(&blockers_done, 0);
    atomic_store(&blockers_started, 0);
    pw_job blockers[2] = {{.run = blocker_run, .complete = blocker_complete},
                          {.run = blocker_run, .complete = blocker_complete}};
    assert_int_equal(pw_workpool_submit(app.hash_pool, &blockers[0]), 0);
    while (atomic_load(&blockers_started) == 0) /* the thread took the first: the queue is empty again */
        usleep(1000);
    assert_int_equal(pw_workpool_submit(app.hash_pool, &blockers[1]), 0);
    char reply[4096];
    post("/api/v1/t/chain", reply, sizeof(reply));
    assert_non_null(strstr(reply, "HTTP/1.1 429"));
    assert_non_null(strstr(reply, "\"code\":\"rate_limited\""));
    assert_non_null(strcasestr(reply, "retry-after: 1"));
    assert_int_equal(atomic_load(&runs), 0);
    assert_int_equal(atomic_load(&dones), 0);
    assert_int_equal(atomic_load(&frees), 1); /* freed at the refusal */
    assert_int_equal(loop.inflight, 0);
    atomic_store(&pool_gate_open, 1);
    while (atomic_load(&blockers_done) != 2)
        usleep(1000);
}

static void test_client_gone_write_kept(void **state)
{
    reset_counts();
    int64_t before = rows();
    atomic_store(&gate_open, 0); /* the write waits at the writer */
    int fd = connect_with("POST /api/v1/t/write HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
    while (atomic_load(&runs) == 0)
        loop_turn(1);
    close(fd); /* the client goes away meanwhile */
    for (int i = 0; i < 5; i++)
        loop_turn(1);
    atomic_store(&gate_open, 1);
    int64_t deadline = pw_monotonic_ns() + 10LL * 1000000000;
    while ((loop.inflight != 0 || atomic_load(&frees) == 0) && pw_monotonic_ns() < deadline)
        loop_turn(1);
    for (int i = 0; i < 5; i++)
        loop_turn(1);
    assert_int_equal(rows(), before + 1);     /* the write was not lost */
    assert_int_equal(atomic_load(&frees), 1); /* freed exactly once */
    assert_true(atomic_load(&dones) <= 1);    /* answered at most once, to nobody */
    assert_int_equal(loop.inflight, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(test_call_answered_once_freed_once, (void *)&call_cases[0]), /* write */
        cmocka_unit_test_prestate(test_call_answered_once_freed_once, (void *)&call_cases[1]), /* refuse */
        cmocka_unit_test_prestate(test_call_answered_once_freed_once, (void *)&call_cases[2]), /* broken */
        cmocka_unit_test_prestate(test_call_answered_once_freed_once, (void *)&call_cases[3]), /* chain */
        cmocka_unit_test(test_full_pool_is_429_and_freed),
        cmocka_unit_test(test_client_gone_write_kept),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
