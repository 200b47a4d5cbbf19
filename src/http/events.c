/* events.c — GET /api/v1/events: each signed-in user's Server-Sent Events stream, fed from
 * the event bus (store/bus.h).
 *
 * A stream belongs to the loop that accepted its request and is touched only on that
 * loop's thread: the loop keeps its streams in a list (pw_loop.streams). The writer, after
 * a commit that wrote events, publishes the new seq on the bus, whose wake-up for this
 * loop is an empty h2o_multithread_send_message: it only makes the loop's epoll return.
 * After every turn (pw_events_loop_turn) the loop compares the bus's latest seq with its
 * own cursor; if it grew, it reads the new rows once on its read connection, marks the
 * streams of the users they name, and each marked stream reads its user's rows after its
 * own last seq (at most PW_EVENTS_SEND_ROWS_MAX at a time) into its pending buffer.
 *
 * Output goes through h2o's generator protocol: one h2o_send at a time; the bytes handed
 * over (`sending`) stay put until h2o calls proceed(), and what comes meanwhile gathers in
 * `pending`. Pending is bounded (PW_EVENTS_PENDING_MAX_BYTES): a slow reader is not fed
 * more rows until it drains — the table is its buffer, so it loses nothing, and memory
 * stays bounded whatever it does. The same turn writes the heartbeat comment every
 * --events-heartbeat-ms, and for a worker's stream a detached session touch with it (at
 * most every PW_EVENTS_PRESENCE_MIN_INTERVAL_MS): an open stream is a worker's presence for the
 * dispatcher's silent-worker sweep.
 *
 * Limits: PW_EVENT_STREAMS_MAX in all and PW_EVENT_STREAMS_PER_USER_MAX per user, counted
 * process-wide under one mutex (a stream opens and closes rarely); past either, 429.
 *
 * Ends: the client going (h2o calls stop()), the server stopping (pw_events_loop_close
 * sends each stream's last bytes with the final state; the drain waits for them), or its
 * session ending. A stream keeps the token it was opened with and asks the session store
 * again (app->sessions->load, on the loop's read connection, at the loop's clock) whether
 * that session is still live: at every heartbeat, which catches a session that expired
 * (idle or absolute) or was revoked by another instance within one heartbeat, and at once
 * when its user's rows carry a `session` row — sign-out (api/accounts.c) writes one in the
 * revoking transaction, so the stream of the signed-out session ends as soon as the commit
 * is published. `session` rows are never sent: a stream reads no row past one until it has
 * checked, so nothing committed after the sign-out reaches the signed-out stream. A dead
 * session's stream gets its final (empty) send like a stopping server's. The
 * stream lives in its request's pool; the pool's dispose callback unlinks it, returns its
 * place and frees its buffers, so no path leaks it. */
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/log.h"
#include "http/internal.h"
#include "http/sse.h"
#include "store/bus.h"

typedef struct stream {
    h2o_generator_t generator; /* first: h2o hands it back to proceed() and stop() */
    h2o_req_t *req;            /* NULL once h2o stopped the stream or the final bytes went */
    pw_loop *loop;
    h2o_linklist_t link; /* in loop->streams while linked */
    int linked;          /* 1 while in the list (and holding its admission) */
    int64_t user_id, session_id;
    char token[sodium_base64_ENCODED_LEN(PW_SESSION_TOKEN_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    size_t token_len; /* the session token the stream was opened with: its session is checked again */
    int recheck;      /* ask the session store whether the session is still live before more rows */
    int is_worker;    /* its presence is refreshed */
    int64_t last_seq; /* the newest seq written to pending */
    pw_buf pending;   /* frames not handed to h2o yet */
    pw_buf sending;   /* the bytes h2o is sending */
    int in_flight;    /* h2o_send called, proceed() not yet */
    int closing;      /* the next send is the final one */
    int dirty;        /* its user has rows after last_seq (or may have) */
    int64_t next_ping_ns, next_presence_ns;
} stream;

/* ---- admission: the stream limits, process-wide ------------------------------------------ */

typedef struct admitted_user {
    int64_t user_id;
    int count;
} admitted_user;

static pthread_mutex_t admit_lock = PTHREAD_MUTEX_INITIALIZER;
static admitted_user admitted[PW_EVENT_STREAMS_MAX]; /* count 0: a free slot */
static long admitted_total;

/* PW_OK, or PW_EREFUSED with err the 429. */
static int admit(int64_t user_id, pw_error *err)
{
    pthread_mutex_lock(&admit_lock);
    int rc = PW_OK, free_slot = -1, found = -1;
    for (int i = 0; i < PW_EVENT_STREAMS_MAX && found < 0; i++) {
        if (admitted[i].count > 0 && admitted[i].user_id == user_id)
            found = i;
        else if (admitted[i].count == 0 && free_slot < 0)
            free_slot = i;
    }
    if (admitted_total >= PW_EVENT_STREAMS_MAX) {
        rc = pw_error_set(err, 429, "rate_limited", NULL, "the server has as many event streams open as it serves");
    } else if (found >= 0 && admitted[found].count >= PW_EVENT_STREAMS_PER_USER_MAX) {
        rc = pw_error_set(err, 429, "rate_limited", NULL,
                          "you have %d event streams open, the most one user may; close one",
                          PW_EVENT_STREAMS_PER_USER_MAX);
    } else {
        int slot = found >= 0 ? found : free_slot;
        pw_assert(slot >= 0); /* fewer than PW_EVENT_STREAMS_MAX streams leave a slot free */
        admitted[slot].user_id = user_id;
        admitted[slot].count++;
        admitted_total++;
    }
    pthread_mutex_unlock(&admit_lock);
    if (rc != PW_OK)
        err->retry_after_s = 5;
    return rc;
}

static void release(int64_t user_id)
{
    pthread_mutex_lock(&admit_lock);
    for (int i = 0; i < PW_EVENT_STREAMS_MAX; i++) {
        if (admitted[i].count > 0 && admitted[i].user_id == user_id) {
            admitted[i].count--;
            admitted_total--;
            break;
        }
    }
    pw_assert(admitted_total >= 0);
    pthread_mutex_unlock(&admit_lock);
}

long pw_events_open_streams(void)
{
    pthread_mutex_lock(&admit_lock);
    long n = admitted_total;
    pthread_mutex_unlock(&admit_lock);
    return n;
}

/* ---- one stream ------------------------------------------------------------------------------ */

static void unlink_stream(stream *s)
{
    if (!s->linked)
        return;
    h2o_linklist_unlink(&s->link);
    s->linked = 0;
    s->loop->stream_count--;
    pw_assert(s->loop->stream_count >= 0);
    release(s->user_id);
}

static void append_row(void *ctx, const pw_bus_event *ev)
{
    stream *s = ctx;
    if (s->recheck)
        return; /* past a `session` row: read again after the check */
    pw_assert(ev->seq > s->last_seq && ev->user_id == s->user_id); /* oldest first, its own */
    if (strcmp(ev->kind, "session") == 0) {                        /* one of the user's sessions ended: is it ours? */
        s->last_seq = ev->seq;
        s->recheck = 1;
        return;
    }
    if (pw_sse_frame(&s->pending, ev->seq, ev->kind, ev->data) != PW_OK)
        pw_log_warn("msg=\"event not sent\" seq=%lld", (long long)ev->seq); /* out of memory or a bad kind */
    s->last_seq = ev->seq;
}

/* Reads its user's rows after last_seq into pending while there is room. */
static void fill(stream *s)
{
    int64_t latest = pw_bus_latest(s->loop->app->bus);
    while (s->dirty && !s->recheck && s->pending.len < PW_EVENTS_PENDING_MAX_BYTES) {
        int count = 0;
        int rc = pw_bus_read(pw_loop_db(s->loop), s->user_id, s->last_seq, latest, PW_EVENTS_SEND_ROWS_MAX, append_row,
                             s, &count);
        if (rc != PW_OK) { /* the read connection failed: end it, the client comes back with Last-Event-ID */
            pw_log_warn("msg=\"event stream read failed\" user=%lld", (long long)s->user_id);
            s->closing = 1;
            return;
        }
        if (count < PW_EVENTS_SEND_ROWS_MAX && !s->recheck) /* a recheck left rows unread */
            s->dirty = 0;
    }
}

/* Asks the session store whether the stream's session is still live; a dead one closes it.
 * A failed read decides nothing: the next heartbeat asks again. */
static void check_session(stream *s)
{
    s->recheck = 0;
    pw_app *app = s->loop->app;
    pw_auth auth = {0};
    int touch_due = 0; /* a stream is not a use of the session (a worker's presence touches it) */
    int found = app->sessions->load(pw_loop_db(s->loop), s->token, s->token_len, pw_clock_now_ms(&app->clock), &auth,
                                    &touch_due);
    if (found == 0 || (found == 1 && auth.session_id != s->session_id))
        s->closing = 1;
    else if (found < 0)
        pw_log_warn("msg=\"event stream session check failed\" user=%lld", (long long)s->user_id);
}

/* Hands pending to h2o if nothing is in flight: the final send when closing. */
static void pump(stream *s)
{
    if (s->req == NULL || s->in_flight)
        return;
    if (!s->closing)
        fill(s);
    if (s->recheck && !s->closing) {
        check_session(s);
        if (!s->closing)
            fill(s); /* still live: the rows after the `session` row */
    }
    if (s->pending.len == 0 && !s->closing)
        return;
    pw_buf spent = s->sending; /* sent already: its bytes become the next pending's room */
    s->sending = s->pending;
    spent.len = 0;
    s->pending = spent;
    h2o_iovec_t buf = h2o_iovec_init(s->sending.data, s->sending.len);
    h2o_req_t *req = s->req;
    if (s->closing) {
        s->req = NULL; /* no proceed() or stop() comes after the final send */
        unlink_stream(s);
        h2o_send(req, &buf, buf.len > 0 ? 1 : 0, H2O_SEND_STATE_FINAL);
        return;
    }
    s->in_flight = 1; /* before h2o_send: proceed() may come from inside it */
    h2o_send(req, &buf, 1, H2O_SEND_STATE_IN_PROGRESS);
}

static void on_proceed(h2o_generator_t *generator, h2o_req_t *req)
{
    stream *s = (stream *)generator;
    pw_assert(s->req == req && s->in_flight);
    s->in_flight = 0;
    s->sending.len = 0;
    pump(s);
}

static void on_stop(h2o_generator_t *generator, h2o_req_t *req)
{
    stream *s = (stream *)generator;
    (void)req;
    s->req = NULL; /* the client went: h2o sends nothing more */
    unlink_stream(s);
}

/* A worker's presence is refreshed with the heartbeat, at most every PW_EVENTS_PRESENCE_MIN_INTERVAL_MS. */
static int64_t presence_interval_ns(const pw_app *app)
{
    int ms = app->cfg.events_heartbeat_ms > PW_EVENTS_PRESENCE_MIN_INTERVAL_MS ? app->cfg.events_heartbeat_ms
                                                                               : PW_EVENTS_PRESENCE_MIN_INTERVAL_MS;
    return (int64_t)ms * 1000000;
}

static void on_dispose(void *p)
{
    stream *s = p;
    unlink_stream(s);
    sodium_memzero(s->token, sizeof(s->token));
    pw_buf_cleanup(&s->pending);
    pw_buf_cleanup(&s->sending);
}

void pw_events_stream(pw_req *rq, int64_t last_id)
{
    pw_assert(rq->auth.user_id > 0); /* the route is for signed-in users */
    pw_app *app = rq->app;
    if (app->bus == NULL)
        return pw_reply_errorf(rq, 503, "unavailable", NULL, "live events are not served here");
    pw_error err;
    const char *token = NULL;
    int via_cookie = 0;
    size_t token_len = pw_auth_find_token(rq, &token, &via_cookie);
    if (token_len == 0 || token_len >= sizeof(((stream *)0)->token)) /* not a token the store issued */
        return pw_reply_errorf(rq, 401, "unauthenticated", NULL, "sign in first");
    if (admit(rq->auth.user_id, &err) != PW_OK)
        return pw_reply_error(rq, &err);
    h2o_req_t *req = rq->req;
    pw_loop *loop = rq->loop;
    stream *s = h2o_mem_alloc_shared(&req->pool, sizeof(*s), on_dispose);
    memset(s, 0, sizeof(*s));
    s->generator = (h2o_generator_t){.proceed = on_proceed, .stop = on_stop};
    s->req = req;
    s->loop = loop;
    s->user_id = rq->auth.user_id;
    s->session_id = rq->auth.session_id;
    memcpy(s->token, token, token_len);
    s->token_len = token_len;
    s->is_worker = (rq->auth.roles & PW_ROLE_WORKER) != 0;
    int64_t latest = pw_bus_latest(app->bus);
    s->last_seq = pw_sse_start_seq(last_id, latest);
    s->dirty = s->last_seq < latest; /* a replay to send */
    int64_t now_ns = pw_monotonic_ns();
    s->next_ping_ns = now_ns + (int64_t)app->cfg.events_heartbeat_ms * 1000000;
    s->next_presence_ns = now_ns + presence_interval_ns(app);
    pw_buf_init(&s->pending);
    pw_buf_init(&s->sending);
    h2o_linklist_insert(&loop->streams, &s->link);
    s->linked = 1;
    loop->stream_count++;

    req->res.status = 200;
    req->res.reason = "OK";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, H2O_STRLIT("text/event-stream"));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL, H2O_STRLIT("no-store"));
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-request-id"), 1, NULL, rq->request_id,
                          strlen(rq->request_id));
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-accel-buffering"), 1, NULL, H2O_STRLIT("no"));
    req->http1_is_persistent = 0; /* the connection ends with the stream */
    pw_reply_finish_log(rq, 200);
    h2o_start_response(req, &s->generator);
    /* the first bytes carry the headers out at once; "retry:" sets the reconnect delay */
    if (pw_buf_append_str(&s->pending, "retry: 2000\n\n") != PW_OK)
        s->closing = 1;
    pump(s);
}

/* ---- the loop's side ------------------------------------------------------------------------ */

static void wake_loop(void *ctx)
{
    pw_loop *loop = ctx;
    h2o_multithread_send_message(&loop->receiver, NULL); /* only wakes the loop: the turn does the rest */
}

void pw_events_loop_start(pw_loop *loop)
{
    if (loop->app->bus == NULL)
        return;
    loop->events_cursor = pw_bus_latest(loop->app->bus);
    if (pw_bus_subscribe(loop->app->bus, wake_loop, loop) != PW_OK)
        pw_log_warn("msg=\"event bus full: this loop's streams follow it each turn\" loop=%d", loop->index);
}

void pw_events_loop_stop(pw_loop *loop)
{
    if (loop->app->bus != NULL)
        pw_bus_unsubscribe(loop->app->bus, loop);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

typedef struct scan {
    int64_t users[PW_EVENTS_SCAN_ROWS_MAX];
    int count;
    int64_t last_seq;
} scan;

static void note_row(void *ctx, const pw_bus_event *ev)
{
    scan *sc = ctx;
    pw_assert(sc->count < PW_EVENTS_SCAN_ROWS_MAX);
    sc->users[sc->count++] = ev->user_id;
    sc->last_seq = ev->seq;
}

/* New rows on the bus: mark the streams of the users they name. */
static void mark_new(pw_loop *loop, int64_t latest)
{
    static _Thread_local scan sc; /* 8 KB: off the loop's stack */
    sc.count = 0;
    sc.last_seq = loop->events_cursor;
    int rc = pw_bus_read(pw_loop_db(loop), 0, loop->events_cursor, latest, PW_EVENTS_SCAN_ROWS_MAX, note_row, &sc,
                         &sc.count);
    if (rc != PW_OK) { /* try again next turn; meanwhile mark every stream, which reads its own rows */
        for (h2o_linklist_t *l = loop->streams.next; l != &loop->streams; l = l->next)
            H2O_STRUCT_FROM_MEMBER(stream, link, l)->dirty = 1;
        return;
    }
    loop->events_cursor = sc.count == PW_EVENTS_SCAN_ROWS_MAX ? sc.last_seq : latest;
    qsort(sc.users, (size_t)sc.count, sizeof(sc.users[0]), cmp_i64);
    for (h2o_linklist_t *l = loop->streams.next; l != &loop->streams; l = l->next) {
        stream *s = H2O_STRUCT_FROM_MEMBER(stream, link, l);
        if (bsearch(&s->user_id, sc.users, (size_t)sc.count, sizeof(sc.users[0]), cmp_i64) != NULL)
            s->dirty = 1;
    }
}

void pw_events_loop_turn(pw_loop *loop)
{
    pw_bus *bus = loop->app->bus;
    if (bus == NULL)
        return;
    int64_t latest = pw_bus_latest(bus);
    if (h2o_linklist_is_empty(&loop->streams)) {
        loop->events_cursor = latest; /* nobody to feed: nothing to read */
        return;
    }
    if (latest > loop->events_cursor)
        mark_new(loop, latest);
    int64_t now_ns = pw_monotonic_ns();
    int64_t heartbeat_ns = (int64_t)loop->app->cfg.events_heartbeat_ms * 1000000;
    h2o_linklist_t *l = loop->streams.next;
    while (l != &loop->streams) {
        stream *s = H2O_STRUCT_FROM_MEMBER(stream, link, l);
        l = l->next; /* pump may unlink s */
        if (now_ns >= s->next_ping_ns) {
            s->next_ping_ns = now_ns + heartbeat_ns;
            s->recheck = 1; /* an expired session ends its stream within a heartbeat */
            if (s->pending.len < PW_EVENTS_PENDING_MAX_BYTES)
                pw_sse_ping(&s->pending); /* out of memory: the next one */
        }
        if (s->recheck && !s->closing)
            check_session(s);
        if (s->is_worker && !s->closing && now_ns >= s->next_presence_ns) {
            s->next_presence_ns = now_ns + presence_interval_ns(loop->app);
            pw_auth_touch_later(loop->app, s->session_id, s->user_id);
        }
        pump(s);
    }
}

void pw_events_loop_close(pw_loop *loop)
{
    h2o_linklist_t *l = loop->streams.next;
    while (l != &loop->streams) {
        stream *s = H2O_STRUCT_FROM_MEMBER(stream, link, l);
        l = l->next;
        s->closing = 1;
        pump(s); /* in flight: the final send follows its proceed() */
    }
}
