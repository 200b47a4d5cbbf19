/* server.c — threads and sockets: one h2o event loop per core, each with its own
 * listening socket, graceful shutdown.
 *
 * SIGTERM and SIGINT are blocked in every thread (pw_server_block_signals, called before
 * the first thread starts) and taken only by the main thread: it binds the sockets,
 * starts the loops, then waits in sigwait() for SIGTERM or SIGINT. (A thread that did not
 * block them would take a signal sent before the main thread reached sigwait() and die
 * of it, the whole process with it.) On a signal it sets `stopping`; each loop notices
 * within LOOP_TICK_MS, closes its listener, asks h2o to close idle connections, and
 * keeps turning until its in-flight calls (writes waiting for their commit) are finished
 * or PW_SHUTDOWN_DRAIN_MS has passed. Then the writer drains its queue and commits, and the process exits: every
 * acknowledged write is on disk, and every write that was accepted is committed. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/assert.h"
#include "base/log.h"
#include "http/internal.h"
#include "http/metrics.h"
#include "store/writer.h"

#define LOOP_TICK_MS 100 /* how often an idle loop looks at the stop flag */
#define FLUSH_TURNS  5   /* loop turns after the last call, to flush replies */

static atomic_int stopping;
static h2o_globalconf_t globalconf;

/* ---- accepting, up to the loop's share of --max-connections --------------------------------
 *
 * Each accepted socket is counted and its close un-counted (h2o calls on_close when it
 * disposes of the socket). At the cap the listener stops reading: new connections wait in
 * the kernel's backlog, and the first close lets the loop accept again. */
static void on_accept(h2o_socket_t *listener, const char *err);

static void on_connection_closed(void *data)
{
    pw_loop *loop = data;
    loop->connections--;
    pw_metrics_connections(-1);
    if (loop->accept_paused && loop->listener != NULL && loop->connections < loop->connection_cap) {
        loop->accept_paused = 0;
        h2o_socket_read_start(loop->listener, on_accept);
    }
}

static void on_accept(h2o_socket_t *listener, const char *err)
{
    pw_loop *loop = listener->data;
    if (err != NULL)
        return;
    for (int i = 0; i < 16; i++) { /* accept a few at once, as h2o's own server does */
        if (loop->connections >= loop->connection_cap) {
            h2o_socket_read_stop(listener);
            loop->accept_paused = 1;
            pw_metrics_accept_paused();
            return;
        }
        h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
        if (sock == NULL)
            return;
        loop->connections++;
        pw_metrics_connections(1);
        sock->on_close.cb = on_connection_closed;
        sock->on_close.data = loop;
        h2o_accept(&loop->accept_ctx, sock);
    }
}

/* One listening socket per loop, all bound to the same address with SO_REUSEPORT: the
 * kernel spreads new connections over them by address hash. (With one socket shared by
 * every loop, whichever loop woke first took a whole burst of connections: a benchmark's
 * 64 connections could all land on one loop and leave the others idle.) `port` 0 asks the
 * kernel for a free port on the first socket; the others then bind that port. */
static int listen_socket(pw_app *app, int port, int *fd_out, int *port_out)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, app->cfg.listen_host, &addr.sin_addr) != 1) {
        pw_log_error("msg=\"--listen host must be an IPv4 address\" host=\"%s\"", app->cfg.listen_host);
        return PW_EINVAL;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int on = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) != 0 ||
        bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(fd, PW_HTTP_LISTEN_BACKLOG) != 0) {
        pw_log_error("msg=\"cannot listen\" addr=%s:%d err=\"%s\"", app->cfg.listen_host, port, strerror(errno));
        if (fd >= 0)
            close(fd);
        return PW_EBUSY; /* the address is taken, or not ours to take */
    }
    socklen_t len = sizeof(addr);
    getsockname(fd, (struct sockaddr *)&addr, &len);
    *fd_out = fd;
    *port_out = ntohs(addr.sin_port);
    return 0;
}

static void drain(pw_loop *loop)
{
    if (loop->listener != NULL) {
        h2o_socket_read_stop(loop->listener);
        h2o_socket_close(loop->listener);
        loop->listener = NULL;
    }
    h2o_context_request_shutdown(&loop->ctx);
    pw_events_loop_close(loop); /* open event streams end now; the turns below flush their last bytes */
    int64_t deadline_ns = pw_monotonic_ns() + (int64_t)PW_SHUTDOWN_DRAIN_MS * 1000000;
    int quiet_turns = 0;
    while (quiet_turns < FLUSH_TURNS && pw_monotonic_ns() < deadline_ns) {
        h2o_evloop_run(loop->ctx.loop, 10);
        pw_events_loop_close(loop); /* a stream opened in the meantime ends too */
        pw_loop_flush_writes(loop);
        pw_loop_flush_log(loop);
        quiet_turns = loop->inflight == 0 && loop->stream_count == 0 ? quiet_turns + 1 : 0;
    }
    if (loop->inflight != 0 || loop->stream_count != 0)
        pw_log_warn("msg=\"shutdown drain timed out\" loop=%d inflight=%ld streams=%ld", loop->index, loop->inflight,
                    loop->stream_count);
}

void pw_loop_init(pw_loop *loop)
{
    h2o_context_init(&loop->ctx, h2o_evloop_create(), &globalconf);
    loop->accept_ctx.ctx = &loop->ctx;
    loop->accept_ctx.hosts = globalconf.hosts;
    loop->queue = h2o_multithread_create_queue(loop->ctx.loop);
    h2o_multithread_register_receiver(loop->queue, &loop->receiver, pw_loop_on_calls);
    h2o_linklist_init_anchor(&loop->streams);
}

static void *loop_main(void *arg)
{
    pw_loop *loop = arg;
    pw_loop_init(loop);
    pw_events_loop_start(loop);
    loop->listener = h2o_evloop_socket_create(loop->ctx.loop, loop->listen_fd, H2O_SOCKET_FLAG_DONT_READ);
    loop->listener->data = loop;
    h2o_socket_read_start(loop->listener, on_accept);
    while (!atomic_load(&stopping)) {
        h2o_evloop_run(loop->ctx.loop, LOOP_TICK_MS);
        pw_events_loop_turn(loop);
        pw_loop_flush_writes(loop);
        pw_loop_flush_log(loop);
    }
    drain(loop);
    pw_events_loop_stop(loop);
    return NULL;
}

static h2o_headers_command_t *security_headers(void)
{
    static const struct {
        const char *name, *value;
    } headers[] = {
        {"content-security-policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                                    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"},
        {"x-content-type-options", "nosniff"},
        {"x-frame-options", "DENY"},
        {"referrer-policy", "no-referrer"},
        {"cross-origin-opener-policy", "same-origin"},
        {"permissions-policy", "geolocation=(self), camera=(), microphone=()"},
    };
    h2o_headers_command_t *cmds = NULL;
    for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
        h2o_iovec_t *name = h2o_mem_alloc(sizeof(*name));
        *name = h2o_strdup(NULL, headers[i].name, SIZE_MAX);
        h2o_headers_append_command(&cmds, H2O_HEADERS_CMD_SET, name, h2o_strdup(NULL, headers[i].value, SIZE_MAX));
    }
    return cmds;
}

/* ---- h2o's own error answers in the API's shape -----------------------------------------------
 *
 * A few bad requests never reach the router: h2o answers them itself while reading — a body
 * past PW_HTTP_ENTITY_MAX_BYTES (413), a broken Content-Length or chunked encoding (400).
 * Those answers go out through the host's fallback path, as plain text. This filter, on
 * that path only, swaps the body for the API's error object (API.md: every error is
 * {"error": {code, message}}), and the security headers are registered there too.
 * (A request line or headers too broken to parse get a fixed "400 Bad Request" that h2o
 * writes to the socket directly, with no request and no filters: not an API request.) */

typedef struct {
    h2o_ostream_t super;
    h2o_iovec_t body; /* the JSON that replaces h2o's text */
} api_error_ostream;

static void api_error_send(h2o_ostream_t *self, h2o_req_t *req, h2o_iovec_t *bufs, size_t bufcnt,
                           h2o_send_state_t state)
{
    (void)bufs;
    (void)bufcnt;
    api_error_ostream *o = (api_error_ostream *)self;
    if (h2o_send_state_is_in_progress(state)) { /* h2o's text comes in one final piece; drop any other */
        h2o_ostream_send_next(&o->super, req, NULL, 0, state);
        return;
    }
    h2o_ostream_send_next(&o->super, req, &o->body, 1, state);
}

static void api_error_setup(h2o_filter_t *self, h2o_req_t *req, h2o_ostream_t **slot)
{
    (void)self;
    static const char too_large[] =
        "{\"error\":{\"code\":\"payload_too_large\",\"message\":\"the request body is larger than 1 MiB, the most "
        "the server reads\"}}";
    _Static_assert(PW_HTTP_ENTITY_MAX_BYTES == 1024 * 1024, "the message above names the limit");
    static const char malformed[] =
        "{\"error\":{\"code\":\"malformed_request\",\"message\":\"the request could not be read: broken "
        "Content-Length or chunked encoding\"}}";
    /* the two answers h2o gives here while reading; anything else goes out as h2o made it */
    const char *json = req->res.status == 413 ? too_large : req->res.status == 400 ? malformed : NULL;
    if (json != NULL) {
        api_error_ostream *o = (api_error_ostream *)h2o_add_ostream(req, sizeof(*o), slot);
        o->super.do_send = api_error_send;
        o->body = h2o_iovec_init(json, strlen(json));
        req->res.content_length = o->body.len;
        h2o_set_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, H2O_STRLIT("application/json"), 1);
        slot = &o->super.next;
    }
    h2o_setup_next_ostream(req, slot);
}

/* ---- the single-page interface ----------------------------------------------------------------
 *
 * The web root is served by h2o's file handler (precompressed .br/.gz siblings sent when the
 * client accepts them: H2O_FILE_FLAG_SEND_COMPRESSED). A GET/HEAD that no file answers and
 * that is not the API's (the router took those) gets index.html with 200, so the interface's
 * own paths (/tasks/123, /wallet) survive a reload. */

static char spa_index[1040];

static int spa_on_req(h2o_handler_t *self, h2o_req_t *req)
{
    (void)self;
    if (!h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET")) &&
        !h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD")))
        return -1; /* not a status: h2o's "not mine" */
    return h2o_file_send(req, 200, "OK", spa_index, h2o_iovec_init(H2O_STRLIT("text/html")),
                         H2O_FILE_FLAG_SEND_COMPRESSED);
}

/* h2o 2.2.5's own map lacks .mjs (octet-stream) and .woff2; the interface's types named here */
static h2o_mimemap_t *web_mimemap(void)
{
    h2o_mimemap_t *m = h2o_mimemap_create();
    h2o_mimemap_define_mimetype(m, "mjs", "text/javascript; charset=utf-8", NULL);
    h2o_mimemap_define_mimetype(m, "js", "text/javascript; charset=utf-8", NULL);
    h2o_mimemap_define_mimetype(m, "css", "text/css; charset=utf-8", NULL);
    h2o_mimemap_define_mimetype(m, "svg", "image/svg+xml", NULL);
    h2o_mimemap_define_mimetype(m, "json", "application/json", NULL);
    h2o_mimemap_define_mimetype(m, "woff2", "font/woff2", NULL);
    h2o_mimemap_define_mimetype(m, "map", "application/json", NULL);
    return m;
}

/* Cache-Control unless the answer set its own (the API's no-store stays) */
static h2o_headers_command_t *cache_header(const char *value)
{
    h2o_headers_command_t *cmds = NULL;
    h2o_iovec_t *name = h2o_mem_alloc(sizeof(*name));
    *name = h2o_strdup(NULL, "cache-control", SIZE_MAX);
    h2o_headers_append_command(&cmds, H2O_HEADERS_CMD_SETIFEMPTY, name, h2o_strdup(NULL, value, SIZE_MAX));
    return cmds;
}

_Static_assert(PW_HTTP_HEADERS_MAX == H2O_MAX_HEADERS, "limits.h names h2o's own cap on request headers");

static void configure(pw_app *app)
{
    h2o_config_init(&globalconf);
    globalconf.max_request_entity_size = PW_HTTP_ENTITY_MAX_BYTES;
    globalconf.http1.req_timeout = PW_HTTP_REQUEST_TIMEOUT_MS;
    globalconf.http2.idle_timeout = PW_HTTP_IDLE_TIMEOUT_MS;
    globalconf.server_name = h2o_iovec_init(H2O_STRLIT("peerwork"));
    h2o_hostconf_t *host = h2o_config_register_host(&globalconf, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    /* /assets first: h2o picks the first registered path that matches. Hashed names, so
     * cached for good; a missing one is h2o's 404, never the interface's index.html. */
    static char assets_dir[sizeof(app->cfg.web_root) + 8];
    snprintf(assets_dir, sizeof(assets_dir), "%s/assets", app->cfg.web_root);
    h2o_pathconf_t *assets = h2o_config_register_path(host, "/assets", 0);
    h2o_file_register(assets, assets_dir, NULL, web_mimemap(), H2O_FILE_FLAG_SEND_COMPRESSED);
    h2o_headers_register(assets, security_headers());
    h2o_headers_register(assets, cache_header("public, max-age=31536000, immutable"));
    h2o_pathconf_t *root = h2o_config_register_path(host, "/", 0);
    h2o_handler_t *router = h2o_create_handler(root, sizeof(*router));
    router->on_req = pw_router_on_req;
    static const char *index_files[] = {"index.html", NULL};
    h2o_mimemap_t *mime = web_mimemap();
    h2o_file_register(root, app->cfg.web_root, index_files, mime, H2O_FILE_FLAG_SEND_COMPRESSED);
    snprintf(spa_index, sizeof(spa_index), "%s/index.html", app->cfg.web_root);
    h2o_handler_t *spa = h2o_create_handler(root, sizeof(*spa));
    spa->on_req = spa_on_req;
    h2o_headers_register(root, security_headers());
    h2o_headers_register(root, cache_header("no-cache"));
    h2o_filter_t *errors = h2o_create_filter(&host->fallback_path, sizeof(*errors));
    errors->on_setup_ostream = api_error_setup;
    h2o_headers_register(&host->fallback_path, security_headers());
}

void pw_server_setup(pw_app *app)
{
    pw_assert(app->routes != NULL && app->sessions != NULL); /* handed down by whoever built the app */
    pw_metrics_init();
    pw_router_init(app);
    configure(app);
}

static void stop_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
}

void pw_server_block_signals(void)
{
    sigset_t set;
    stop_signals(&set);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* every thread started after this inherits the block */
}

/* The connection cap, fitted under the open-files limit: raised to its hard limit first,
 * then PW_FD_RESERVE kept back, so that the cap — not EMFILE, on which a listener would
 * stay readable and the loop spin — is what stops accepting. Returns each loop's share. */
static long connection_share(const pw_app *app, int loop_count)
{
    long cap = app->cfg.max_connections;
    struct rlimit nofile;
    if (getrlimit(RLIMIT_NOFILE, &nofile) == 0) {
        if (nofile.rlim_cur < nofile.rlim_max) {
            nofile.rlim_cur = nofile.rlim_max;
            setrlimit(RLIMIT_NOFILE, &nofile);
            getrlimit(RLIMIT_NOFILE, &nofile);
        }
        if (nofile.rlim_cur != RLIM_INFINITY && (rlim_t)cap + PW_FD_RESERVE > nofile.rlim_cur) {
            long fitted = nofile.rlim_cur > PW_FD_RESERVE + (rlim_t)loop_count ? (long)(nofile.rlim_cur - PW_FD_RESERVE)
                                                                               : loop_count;
            pw_log_warn("msg=\"connection cap lowered to fit the open-files limit\" max_connections=%ld nofile=%llu",
                        fitted, (unsigned long long)nofile.rlim_cur);
            cap = fitted;
        }
    }
    long share = cap / loop_count;
    return share < 1 ? 1 : share;
}

static pw_app *signal_app;

int pw_server_run(pw_app *app)
{
    int loop_count = app->cfg.loops, port = app->cfg.listen_port, rc = 0;
    int fds[PW_HTTP_LOOPS_MAX];
    if (loop_count < 1 || loop_count > PW_HTTP_LOOPS_MAX) /* the flag parser keeps it so */
        return PW_EINVAL;
    for (int i = 0; i < loop_count; i++) {
        rc = listen_socket(app, port, &fds[i], &port);
        if (rc != PW_OK) {
            while (i > 0)
                close(fds[--i]);
            return rc;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    pw_server_block_signals(); /* the caller did it before its own threads; the loops inherit it */
    sigset_t set;
    stop_signals(&set);
    pw_server_setup(app);
    signal_app = app;
    pw_loop *loops = calloc((size_t)loop_count, sizeof(*loops));
    if (loops == NULL) {
        for (int i = 0; i < loop_count; i++)
            close(fds[i]);
        return PW_ENOMEM;
    }
    long share = connection_share(app, loop_count);
    for (int i = 0; i < loop_count; i++) {
        loops[i].app = app;
        loops[i].index = i;
        loops[i].listen_fd = fds[i];
        loops[i].connection_cap = share;
        int opened = pw_db_open(app->cfg.db_path, PW_DB_READONLY, &loops[i].read_db);
        if (opened != PW_OK || pthread_create(&loops[i].thread, NULL, loop_main, &loops[i]) != 0) {
            pw_log_error("msg=\"cannot start event loop\" loop=%d", i);
            for (int j = i; j < loop_count; j++)
                close(fds[j]);
            atomic_store(&stopping, 1);
            loop_count = i;
            rc = opened != PW_OK ? opened : PW_ENOMEM; /* no thread could be had */
            break;
        }
        char name[16];
        snprintf(name, sizeof(name), "pw-loop-%d", i % 100);
        pthread_setname_np(loops[i].thread, name);
    }
    if (rc == PW_OK) {
        pw_log_info("msg=listening addr=%s:%d loops=%d max_connections=%ld db=\"%s\"", app->cfg.listen_host, port,
                    loop_count, share * loop_count, app->cfg.db_path);
        int sig = 0;
        sigwait(&set, &sig);
        pw_log_info("msg=\"stopping\" signal=%s", sig == SIGTERM ? "SIGTERM" : "SIGINT");
        atomic_store(&stopping, 1);
    }
    for (int i = 0; i < loop_count; i++) {
        pthread_join(loops[i].thread, NULL);
        pw_db_close(loops[i].read_db);
        pw_buf_cleanup(&loops[i].log);
    }
    free(loops);
    return rc;
}

pw_db *pw_loop_db(pw_loop *loop) { return loop->read_db; }
