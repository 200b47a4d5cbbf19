/* http.h — the HTTP subsystem's contract with the API handlers.
 *
 * The server (server.c) runs one h2o event loop per core. Each request under /api/,
 * /healthz or /metrics is matched against the app's route table, which is data: method,
 * pattern, handler, who may call, body limit, flags. Before the handler runs, the
 * router has checked the method, the body (size, media type, JSON well-formedness and
 * depth), the session (bearer token or cookie), CSRF for cookie-authenticated unsafe
 * methods, and the caller's role. A handler then answers at once (reads use the loop's
 * own read connection) or hands a job to the writer and answers when it is durable:
 *
 *     pw_call *call = pw_call_new(rq, sizeof(my_input));   // on the loop
 *     ... fill call->input / pw_call_data(call) ...
 *     pw_call_write(call, my_run, my_done);                // my_run on the writer, inside the txn
 *                                                          // my_done back on the loop, after the commit
 *
 * If the client goes away meanwhile, the job still runs (its write is not lost) and
 * my_done is not called; call->on_free, if set, is called in every case.
 *
 * Layers. http is the glue under the API: it includes base and store and nothing above
 * them (scripts/check_layers.sh holds it to that). What it needs from above is handed to
 * it in pw_app by whoever builds the app (main.c, and the harnesses in tests/): the route
 * table (api/routes.c), and the session store that turns a request's token into its
 * caller (app->sessions). Sessions are the market's: its tables (sessions, users, the
 * worker heartbeat) and its rules (live, idle, hashed tokens) in market/accounts.c. Moving
 * the lookup down into store would put the market's tables below it, so the lookup stays
 * there and reaches the router through this function table; api/accounts.c adapts the
 * market's session row to pw_auth. GET /metrics follows the same line: http renders its
 * own counters and the writer's, and the API handler (api/ops.c) adds the subsystems'
 * (the dispatcher, the tick). */
#ifndef PW_HTTP_H
#define PW_HTTP_H
#include <h2o.h>
#include <jansson.h>
#include <stdint.h>

#include "base/clock.h"
#include "base/config.h"
#include "base/error.h"
#include "base/job.h"
#include "base/limits.h"
#include "base/roles.h"
#include "store/db.h"

typedef struct pw_req pw_req;
typedef struct pw_loop pw_loop;
typedef struct pw_app pw_app;
typedef void (*pw_handler)(pw_req *rq);

/* Who may call a route. */
enum {
    PW_ALLOW_ANYONE = 0, /* no session needed (a session is still read if present) */
    PW_ALLOW_USER = 1,   /* any signed-in user */
    PW_ALLOW_CLIENT = 2, /* signed in with the client role */
    PW_ALLOW_WORKER = 3, /* signed in with the worker role */
    PW_ALLOW_ADMIN = 4,  /* signed in with the admin role */
};

/* Route flags. */
enum {
    PW_ROUTE_JSON_BODY = 1,     /* expects a JSON object body */
    PW_ROUTE_IDEMPOTENT = 2,    /* honours Idempotency-Key (money-moving POSTs) */
    PW_ROUTE_OPTIONAL_BODY = 4, /* a JSON body may be absent */
};

typedef struct pw_route {
    const char *method;  /* "GET", "POST", … */
    const char *pattern; /* "/api/v1/tasks/{id}/ack": {name} captures one segment */
    pw_handler handler;
    int allow;             /* PW_ALLOW_* */
    int flags;             /* PW_ROUTE_* */
    size_t body_max_bytes; /* 0: PW_HTTP_BODY_DEFAULT_MAX_BYTES */
} pw_route;

/* The signed-in caller, if any. */
typedef struct pw_auth {
    int64_t user_id; /* 0: anonymous */
    int64_t session_id;
    int roles;           /* PW_ROLE_* bits */
    int via_cookie;      /* 1: cookie session (CSRF applies), 0: bearer */
    char csrf_token[48]; /* the session's CSRF token */
} pw_auth;

/* Sessions, as the layer above keeps them. load() runs on the loop's read connection for
 * a request carrying a token; touch() on the writer, detached, when load() set *touch_due. */
typedef struct pw_session_store {
    /* 1 and *auth filled (all but via_cookie) if the token names a live session at now_ms;
     * 0 if it names none, negative on a database error (the request is anonymous then). */
    int (*load)(pw_db *db, const char *token, size_t len, int64_t now_ms, pw_auth *auth, int *touch_due);
    /* Records the session's use at now_ms (and what else a use means): PW_OK or an error. */
    int (*touch)(pw_db *db, int64_t session_id, int64_t user_id, int64_t now_ms);
} pw_session_store;

/* Process-wide state shared by every loop. The first three fields come from above (main.c). */
struct pw_app {
    const pw_route *routes; /* the route table (api/routes.c), at most PW_ROUTES_MAX rows */
    int route_count;
    const pw_session_store *sessions; /* token -> caller (api/accounts.c, over market/accounts.c) */
    pw_config cfg;
    pw_clock clock;                  /* the injected clock */
    struct pw_writer *writer;        /* the one writer */
    struct pw_workpool *hash_pool;   /* argon2id hashing */
    struct pw_throttle *throttle;    /* sign-in attempt counters */
    unsigned char device_key[32];    /* device cookies' MAC key (market/devices.h), from the database */
    struct pw_market_policy *policy; /* dispatch, review window, fees (from cfg): for the handlers,
                                               opaque here */
    struct pw_bus *bus;              /* the event bus (store/bus.h) the streams follow; NULL: none */
};

/* One request being served; lives in the request's memory pool. */
struct pw_req {
    h2o_req_t *req; /* NULL once the client has gone */
    pw_loop *loop;  /* the event loop serving it */
    pw_app *app;
    const pw_route *route;
    int route_index;
    json_t *body; /* the parsed JSON body, or NULL */
    pw_auth auth;
    int param_count;
    char params[PW_ROUTE_PARAMS_MAX][PW_ROUTE_PARAM_MAX_BYTES + 1]; /* {captures}, in pattern order */
    int64_t started_ns;                                             /* monotonic, for the log line and the histogram */
    struct pw_call *pending; /* the outstanding call, whose rq is cleared if we go */
    int held;                /* its connection is held registered while it waits (call.c) */
    char request_id[24];
    char idempotency_key[PW_IDEMPOTENCY_KEY_MAX_BYTES + 1]; /* "" when absent */
};

/* Loop-thread services for handlers. */
pw_db *pw_loop_db(pw_loop *loop); /* this loop's read connection */

/* ---- answers ------------------------------------------------------------------------ */
/* Sends `body` (stolen: the reference is released) with `status`. */
void pw_reply_json(pw_req *rq, int status, json_t *body);
void pw_reply_error(pw_req *rq, const pw_error *err);
void pw_reply_errorf(pw_req *rq, int status, const char *code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void pw_reply_empty(pw_req *rq, int status);
void pw_reply_text(pw_req *rq, int status, const char *content_type, const char *body, size_t len);
/* Adds a response header before a reply (name must be a lower-case literal). */
void pw_reply_header(pw_req *rq, const char *name, const char *value);
/* Answers a failed status (base/error.h): PW_EREFUSED with `refusal`, the pw_error the callee
 * filled (its 4xx); any other code, a failure of the machine, with 503 unavailable. */
void pw_reply_failure(pw_req *rq, int rc, const pw_error *refusal);
/* Answers a read that built `body` (stolen) or failed: PW_OK sends body with 200; any other
 * code is answered as pw_reply_failure(rq, rc, NULL) would, and body (if any) released. */
void pw_reply_result(pw_req *rq, int rc, json_t *body);
/* Fills *err with the 503 unavailable answer for the machine failure rc (PW_EDB, PW_ENOMEM,
 * PW_EBUSY, …): the one place such a code becomes an answer (pw_reply_failure, the calls). */
void pw_http_unavailable(pw_error *err, int rc);

/* ---- request pieces ----------------------------------------------------------------- */
const char *pw_req_param(pw_req *rq, int index);
/* Copies the query parameter `name` (URL-decoded) into out; 1 found, 0 absent, PW_EREFUSED
 * too long for out (no pw_error: the caller names the parameter). */
int pw_req_query(pw_req *rq, const char *name, char *out, size_t out_size);
/* The request header value (first one) or NULL; *len_out gets its length. */
const char *pw_req_header(pw_req *rq, const char *lower_name, size_t *len_out);
/* The value of cookie `name` (the first of that name) or NULL; *len_out gets its length. */
const char *pw_req_cookie(pw_req *rq, const char *name, size_t *len_out);
void pw_req_peer_ip(pw_req *rq, char *out, size_t out_size);
int pw_req_is_https(pw_req *rq);

/* ---- deferred work -------------------------------------------------------------------- */
typedef struct pw_call pw_call;
/* run(): PW_OK, or a failed status (base/error.h) that rolls its work back: a refusal set
 * with pw_call_fail*, or a machine failure's code, answered 503. */
typedef int (*pw_call_run)(pw_call *call, pw_db *db, int64_t now_ms);
typedef void (*pw_call_done)(pw_call *call, pw_req *rq);

struct pw_call {
    pw_job job;                        /* first: the writer / pool see a pw_job */
    h2o_multithread_message_t message; /* the way back to the loop */
    pw_loop *loop;
    pw_req *rq; /* NULL if the request was disposed */
    pw_app *app;
    pw_call_run run;
    pw_call_done done;
    void (*on_free)(pw_call *call); /* if set, runs when the call is freed, however it ends:
                                               after done(), on a refusal, or with the client gone */
    pw_auth auth;                   /* copy of the caller */
    int route_index;
    int64_t now_ms;                 /* the time the job ran at (writer) */
    json_t *input;                  /* owned: the request body or a handler-built object */
    json_t *output;                 /* owned: the reply body set by run() */
    int status;                     /* the reply status set by run() */
    int in_done;                    /* 1 while done() runs on the loop */
    uint32_t live;                  /* a mark of a live call, poisoned when it is freed (call.c) */
    pw_error error;                 /* set with status >= 400 */
    unsigned char request_hash[32]; /* for Idempotency-Key */
    char idempotency_key[PW_IDEMPOTENCY_KEY_MAX_BYTES + 1];
    char params[PW_ROUTE_PARAMS_MAX][PW_ROUTE_PARAM_MAX_BYTES + 1];
    size_t data_size;
    _Alignas(16) unsigned char data[]; /* handler-specific */
};

/* A call carrying `data_size` bytes of handler data, the caller, the params and the body. */
pw_call *pw_call_new(pw_req *rq, size_t data_size);
/* Frees a call that was never handed over (e.g. its input failed validation). */
void pw_call_free(pw_call *call);
/* Hands the call to the writer. On refusal (queue full) answers 503 and frees it. If
 * done is NULL the default answers call->status with call->output or call->error. */
void pw_call_write(pw_call *call, pw_call_run run, pw_call_done done);
/* The same for a job of thousands of statements (the market tick): it runs alone, in a
 * transaction of its own without a savepoint (store/writer.h). */
void pw_call_write_alone(pw_call *call, pw_call_run run, pw_call_done done);
/* Hands the call to the hash pool (run gets db == NULL). On refusal answers 429. */
void pw_call_hash(pw_call *call, pw_call_run run, pw_call_done done);
/* The default done(): replies with call->status and call->output / call->error. */
void pw_call_reply(pw_call *call, pw_req *rq);
static inline void *pw_call_data(pw_call *call) { return call->data; }
/* Sets call->status/error from err and returns PW_EREFUSED (so run() rolls back). */
int pw_call_fail(pw_call *call, const pw_error *err);
int pw_call_failf(pw_call *call, int status, const char *code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Passes a callee's failed status up from run(), unchanged: PW_EREFUSED records `refusal` (the
 * pw_error the callee filled) as the answer; any other code leaves the answer to the writer's
 * side of the call, which gives 503 for it (pw_http_unavailable). Returns rc. */
int pw_call_failure(pw_call *call, int rc, const pw_error *refusal);
/* Fire-and-forget write with no request attached (e.g. a session touch). */
int pw_app_write_detached(pw_app *app, pw_job *job);

/* ---- live events (events.c, docs/internals/events.md) ------------------------------------ */
/* Answers rq, a signed-in user's GET, with their Server-Sent Events stream: the events after
 * last_id (a Last-Event-ID), or from now on (last_id < 0). 429 past the stream limits, 503
 * without a bus. The stream stays open until the client goes or the server stops. */
void pw_events_stream(pw_req *rq, int64_t last_id);
/* Open streams in all (for /metrics). */
long pw_events_open_streams(void);

/* ---- server ------------------------------------------------------------------------- */
void pw_server_block_signals(void); /* call before starting any thread: SIGTERM/SIGINT go to pw_server_run */
/* Serves until SIGTERM/SIGINT: PW_OK on a clean stop; PW_EINVAL (a bad --listen host),
 * PW_EBUSY (cannot listen), PW_ENOMEM, or pw_db_open's code if it could not start. */
int pw_server_run(pw_app *app);

#endif
