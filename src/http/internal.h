/* internal.h — what the files of the HTTP subsystem share and handlers do not see. */
#ifndef PW_HTTP_INTERNAL_H
#define PW_HTTP_INTERNAL_H
#include <pthread.h>

#include "base/buf.h"
#include "http/http.h"

struct pw_loop {
    h2o_context_t ctx; /* first: req->conn->ctx is the loop */
    h2o_accept_ctx_t accept_ctx;
    h2o_socket_t *listener;              /* NULL once closed for shutdown */
    h2o_multithread_queue_t *queue;      /* cross-thread wake-ups into this loop */
    h2o_multithread_receiver_t receiver; /* finished calls coming back */
    pw_db *read_db;                      /* this loop's read connection */
    pw_app *app;
    int index;                          /* 0..loops-1 */
    int listen_fd;                      /* this loop's listening socket (SO_REUSEPORT, one per loop) */
    long connections;                   /* open connections accepted by this loop */
    long connection_cap;                /* this loop's share of --max-connections */
    int accept_paused;                  /* the listener stopped reading: connections at the cap */
    long inflight;                      /* calls not yet finished (loop thread only) */
    pw_job *writes_first, *writes_last; /* writes reserved this loop turn, handed over at its end */
    int writes_count;
    uint64_t request_counter; /* for request ids */
    pw_buf log;               /* request log lines, flushed each loop turn */
    long log_second;          /* the second log_stamp shows */
    char log_stamp[24];       /* "YYYY-MM-DDTHH:MM:SS" for the request log */
    h2o_linklist_t streams;   /* open event streams (events.c), loop thread only */
    long stream_count;        /* streams linked there */
    int64_t events_cursor;    /* the bus seq this loop has looked at */
    int64_t events_now_ns;    /* monotonic time of the last heartbeat scan */
    pthread_t thread;
};

/* server.c. pw_server_run does both; a harness that drives the handlers without a listening
 * socket (tests/fuzz/fuzz_http.c) calls them itself: the process-wide h2o configuration,
 * once, then each loop's context and its queue for finished calls (loop->app set first). */
void pw_server_setup(pw_app *app);
void pw_loop_init(pw_loop *loop);

/* router.c */
void pw_router_init(const pw_app *app); /* once, before the loops start: splits app->routes */
int pw_router_on_req(h2o_handler_t *self, h2o_req_t *req);

/* framing.c: 0 if an HTTP/1 request's body length is ambiguous (two Content-Length or
 * Transfer-Encoding headers, or one of each): a 400, and the connection is closed */
int pw_framing_ok(h2o_req_t *req);

/* reply.c */
void pw_reply_finish_log(pw_req *rq, int status);
void pw_loop_flush_log(pw_loop *loop);

/* call.c */
void pw_loop_on_calls(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages);
void pw_loop_flush_writes(pw_loop *loop); /* after every loop turn */

/* auth.c */
int pw_auth_load(pw_req *rq, pw_error *err);
int pw_auth_check_csrf(pw_req *rq, pw_error *err);
/* The request's session token as sent (bearer first, then the pw_session cookie): its length
 * and *token_out (into the request's headers), or 0 if there is none. */
size_t pw_auth_find_token(pw_req *rq, const char **token_out, int *via_cookie);
/* Records a session's use (and a worker's presence) by a detached write; skipped if refused. */
void pw_auth_touch_later(pw_app *app, int64_t session_id, int64_t user_id);

/* events.c: the loop's event streams (GET /api/v1/events) */
void pw_events_loop_start(pw_loop *loop); /* on the loop thread, after pw_loop_init */
void pw_events_loop_turn(pw_loop *loop);  /* after every loop turn: feed, heartbeat */
void pw_events_loop_close(pw_loop *loop); /* shutdown: end every stream (drain waits for them) */
void pw_events_loop_stop(pw_loop *loop);  /* the loop is leaving: off the bus */

/* metrics.c */
void pw_metrics_init(void);
void pw_metrics_observe(int route_index, int status, double seconds);

#endif
