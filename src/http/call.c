/* call.c — deferred work for a request: to the writer (durable changes) or the hash pool
 * (argon2id), and back to the request's event loop.
 *
 * A pw_call is malloc'd, not in the request pool: the request may be disposed (client
 * gone) while the call is on another thread. The request and the call point at each
 * other; whichever side goes first clears the other's pointer, and both of those happen
 * on the loop thread, so no lock is needed. complete() runs on the writer / pool thread
 * and only posts the call to the loop's queue.
 *
 * Idempotency-Key (routes flagged PW_ROUTE_IDEMPOTENT): inside the writer transaction the
 * key is looked up for (user, route); found with the same request hash, the stored
 * answer is returned and run() is not called; found with another hash, 409; absent, run()
 * executes and a 2xx answer is stored with the key in the same transaction. */
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/workpool.h"
#include "http/internal.h"
#include "store/writer.h"

/* A live call carries CALL_LIVE and free_call poisons it: a second free, or a hand-over of a
 * freed call, meets the poison at an assertion while the memory is not reused yet (ASan
 * builds catch every such use). */
#define CALL_LIVE  0x43414c4cu /* "CALL" */
#define CALL_FREED 0xdeadca11u

static void free_call(pw_call *call)
{
    pw_assert(call->live == CALL_LIVE);             /* freed once */
    pw_assert(call->run == NULL && !call->in_done); /* not on the writer or the pool, not inside its done() */
    pw_assert(call->rq == NULL || call->rq->pending == NULL || call->rq->pending == call);
    if (call->on_free != NULL)
        call->on_free(call);
    if (call->rq != NULL && call->rq->pending == call)
        call->rq->pending = NULL;
    if (call->loop != NULL)
        call->loop->inflight--;
    json_decref(call->input);
    json_decref(call->output);
    call->live = CALL_FREED;
    free(call);
}

void pw_call_free(pw_call *call)
{
    pw_assert(call->run == NULL); /* only a call never handed over: the loop frees the others */
    free_call(call);
}

pw_call *pw_call_new(pw_req *rq, size_t data_size)
{
    pw_assert(rq != NULL && rq->loop != NULL && rq->pending == NULL); /* one outstanding call per request */
    pw_call *call = calloc(1, sizeof(*call) + data_size);
    if (call == NULL)
        return NULL;
    call->live = CALL_LIVE;
    call->loop = rq->loop;
    call->loop->inflight++;
    call->rq = rq;
    call->app = rq->app;
    call->auth = rq->auth;
    call->route_index = rq->route_index;
    call->data_size = data_size;
    call->input = rq->body ? json_incref(rq->body) : NULL;
    memcpy(call->params, rq->params, sizeof(call->params));
    memcpy(call->idempotency_key, rq->idempotency_key, sizeof(call->idempotency_key));
    if (call->idempotency_key[0] != '\0') {
        h2o_req_t *req = rq->req;
        crypto_generichash_state st;
        crypto_generichash_init(&st, NULL, 0, sizeof(call->request_hash));
        crypto_generichash_update(&st, (const unsigned char *)req->method.base, req->method.len);
        crypto_generichash_update(&st, (const unsigned char *)req->path_normalized.base, req->path_normalized.len);
        if (req->entity.base != NULL)
            crypto_generichash_update(&st, (const unsigned char *)req->entity.base, req->entity.len);
        crypto_generichash_final(&st, call->request_hash, sizeof(call->request_hash));
    }
    rq->pending = call;
    return call;
}

int pw_call_fail(pw_call *call, const pw_error *err)
{
    call->status = err->status;
    call->error = *err;
    return PW_EREFUSED;
}

int pw_call_failf(pw_call *call, int status, const char *code, const char *field, const char *fmt, ...)
{
    pw_assert(status >= 400 && code != NULL); /* a failure is an error answer */
    call->status = status;
    call->error = (pw_error){.status = status, .code = code, .field = field};
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(call->error.message, sizeof(call->error.message), fmt, ap);
    va_end(ap);
    return PW_EREFUSED;
}

int pw_call_failure(pw_call *call, int rc, const pw_error *refusal)
{
    if (rc == PW_EREFUSED)
        pw_call_fail(call, refusal);
    return rc;
}

/* A failure of the machine on the writer: the 503 for its code (http/reply.c). Returns rc. */
static int fail_unavailable(pw_call *call, int rc)
{
    pw_http_unavailable(&call->error, rc);
    call->status = call->error.status;
    return rc;
}

void pw_call_reply(pw_call *call, pw_req *rq)
{
    if (call->status >= 400) {
        pw_reply_error(rq, &call->error);
    } else if (call->status == 204) {
        pw_reply_empty(rq, 204);
    } else {
        json_t *out = call->output;
        call->output = NULL;
        pw_reply_json(rq, call->status, out ? out : json_object());
    }
}

/* ---- keeping a waiting connection registered ----------------------------------------------
 *
 * h2o's HTTP/1 stops reading a connection while its request is processed and starts again
 * once the answer is written. When the answer comes in a later loop turn (every durable
 * write: the writer answers after the fsync), the stop reaches epoll as EPOLL_CTL_DEL and
 * the start as EPOLL_CTL_ADD: two system calls and a poll-table rebuild per request, about
 * a tenth of a loop's time in the durable-write benchmark.
 *
 * So while a request waits, its connection stays registered, polled but never read: the
 * socket is put in h2o's "don't read" mode (readiness is only reported, the kernel keeps
 * the bytes) with hold_input() as the callback. Nothing touches the socket's input buffer,
 * which the request's headers and body still point into. If the client does send something
 * (a pipelined request, a close), hold_input() stops reading: from there on it is exactly
 * h2o's own state, one DEL later. Before the answer, release_input() puts the socket back
 * as h2o left it (reading stopped, normal mode), in the same loop turn in which h2o starts
 * reading again, so epoll sees no change at all. Only h2o's public socket calls are used. */
static void hold_input(h2o_socket_t *sock, const char *err)
{
    (void)err; /* a close shows again when h2o reads after the answer */
    h2o_socket_read_stop(sock);
    h2o_socket_dont_read(sock, 0);
}

static h2o_socket_t *http1_socket(pw_req *rq)
{
    h2o_req_t *req = rq->req;
    if (req == NULL || req->version >= 0x200 || req->conn->callbacks->get_socket == NULL)
        return NULL;
    return req->conn->callbacks->get_socket(req->conn);
}

static void hold_connection(pw_req *rq)
{
    h2o_socket_t *sock = http1_socket(rq);
    if (sock == NULL || h2o_socket_is_reading(sock))
        return;
    h2o_socket_dont_read(sock, 1);
    h2o_socket_read_start(sock, hold_input);
    rq->held = 1;
}

static void release_connection(pw_req *rq)
{
    h2o_socket_t *sock = rq->held ? http1_socket(rq) : NULL;
    rq->held = 0;
    if (sock == NULL)
        return;
    h2o_socket_read_stop(sock);
    h2o_socket_dont_read(sock, 0);
}

/* ---- back on the loop ------------------------------------------------------------------ */

static void post_back(pw_job *job)
{
    pw_call *call = (pw_call *)job;
    pw_assert(call->live == CALL_LIVE && call->run != NULL); /* the writer or the pool holds it until here */
    h2o_multithread_send_message(&call->loop->receiver, &call->message);
}

void pw_loop_on_calls(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    while (!h2o_linklist_is_empty(messages)) {
        h2o_multithread_message_t *m = H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, messages->next);
        h2o_linklist_unlink(&m->link);
        pw_call *call = H2O_STRUCT_FROM_MEMBER(pw_call, message, m);
        pw_req *rq = call->rq;
        pw_assert(call->live == CALL_LIVE && call->run != NULL && &call->loop->receiver == receiver);
        pw_assert(rq == NULL || rq->pending == call); /* its request waits for it alone */
        call->run = NULL;
        if (rq != NULL) {
            rq->pending = NULL;
            release_connection(rq);
            if (call->job.result == PW_EDB && call->status == 0)
                pw_call_failf(call, 503, "unavailable", NULL, "the database could not commit; try again");
            call->in_done = 1;
            call->done(call, rq);
            call->in_done = 0;
        }
        if (call->run == NULL) /* done() did not hand it on */
            free_call(call);
    }
}

/* ---- to the writer ---------------------------------------------------------------------- */

static const char SQL_IDEM_GET[] =
    "SELECT request_hash, status, response FROM idempotency_keys WHERE user_id = ? AND route = ? AND key = ?";
static const char SQL_IDEM_PUT[] =
    "INSERT INTO idempotency_keys (user_id, route, key, request_hash, status, response, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)";

/* 1: answered from the store; 0: not seen; PW_EREFUSED: the key was used with another
 * request (the 409 set on the call). */
static int idempotency_lookup(pw_call *call, pw_db *db)
{
    pw_stmt *st = pw_db_stmt(db, SQL_IDEM_GET);
    pw_stmt_int64(st, 1, call->auth.user_id);
    pw_stmt_text(st, 2, call->app->routes[call->route_index].pattern);
    pw_stmt_text(st, 3, call->idempotency_key);
    int rc = 0;
    if (pw_stmt_step(st) == PW_ROW) {
        if (pw_stmt_column_bytes(st, 0) != sizeof(call->request_hash) ||
            memcmp(pw_stmt_column_blob(st, 0), call->request_hash, sizeof(call->request_hash)) != 0) {
            rc = pw_call_failf(call, 409, "idempotency_conflict", "Idempotency-Key",
                               "this Idempotency-Key was used with another request");
        } else {
            call->status = (int)pw_stmt_column_int64(st, 1);
            call->output = json_loads(pw_stmt_column_text(st, 2), 0, NULL);
            rc = 1;
        }
    }
    pw_stmt_done(st);
    return rc;
}

static int idempotency_store(pw_call *call, pw_db *db, int64_t now_ms)
{
    char *text = json_dumps(call->output ? call->output : json_object(), JSON_COMPACT);
    if (text == NULL)
        return PW_ENOMEM;
    pw_stmt *st = pw_db_stmt(db, SQL_IDEM_PUT);
    pw_stmt_bind(st, PW_I64(call->auth.user_id), PW_TEXT(call->app->routes[call->route_index].pattern),
                 PW_TEXT(call->idempotency_key), PW_BLOB(call->request_hash, sizeof(call->request_hash)),
                 PW_I64(call->status), PW_TEXT(text), PW_I64(now_ms));
    int rc = pw_stmt_run(st);
    free(text);
    return rc;
}

static int run_on_writer(pw_job *job, pw_db *db, int64_t now_ms)
{
    pw_call *call = (pw_call *)job;
    pw_assert(call->live == CALL_LIVE && call->run != NULL);
    call->now_ms = now_ms;
    int keyed = call->idempotency_key[0] != '\0' && call->auth.user_id != 0;
    if (keyed) {
        int seen = idempotency_lookup(call, db);
        if (seen < 0)
            return seen;
        if (seen > 0)
            return PW_OK;
    }
    /* run() passes a refusal (status set) or a machine failure's code (status still 0) */
    int rc = call->run(call, db, now_ms);
    if (rc != PW_OK)
        return call->status == 0 ? fail_unavailable(call, rc) : rc;
    if (keyed && call->status < 300) {
        rc = idempotency_store(call, db, now_ms);
        if (rc != PW_OK)
            return fail_unavailable(call, rc);
    }
    return PW_OK;
}

static int run_on_pool(pw_job *job, pw_db *db, int64_t now_ms)
{
    pw_call *call = (pw_call *)job;
    pw_assert(call->live == CALL_LIVE && call->run != NULL);
    call->now_ms = now_ms;
    return call->run(call, db, now_ms);
}

/* A write is not handed to the writer at once: the loop gathers the writes of one turn
 * (every request that epoll reported ready together) and hands them over as one list when
 * the turn ends. Handed over one by one, the first of them woke the writer, which began a
 * transaction with just that one while the rest of the turn's requests were still being
 * parsed; they then waited a whole commit (an fsync) for the next. Measured on a disk with
 * a 0.5 ms fsync: a twelfth of all commits held a single job. The place in the writer's
 * queue is reserved at once, so a full queue is still answered 503 right here. */
static int queue_write(pw_call *call)
{
    pw_loop *loop = call->loop;
    int rc = pw_writer_reserve(call->app->writer);
    if (rc != PW_OK)
        return rc;
    pw_job *job = &call->job;
    job->next = NULL;
    pw_assert((loop->writes_first == NULL) == (loop->writes_last == NULL) && loop->writes_count >= 0);
    if (loop->writes_last != NULL)
        loop->writes_last->next = job;
    else
        loop->writes_first = job;
    loop->writes_last = job;
    loop->writes_count++;
    return PW_OK;
}

void pw_loop_flush_writes(pw_loop *loop)
{
    if (loop->writes_first == NULL)
        return;
    pw_job *first = loop->writes_first;
    int count = loop->writes_count;
    int rc = pw_writer_enqueue(loop->app->writer, first, loop->writes_last, count);
    pw_assert(rc == PW_OK); /* each place was reserved, and the writer stops only after the loops are joined */
    (void)rc;
    loop->writes_first = loop->writes_last = NULL;
    loop->writes_count = 0;
}

/* Hands the call to the writer (to_writer) or the hash pool; on refusal answers `err`. */
static void hand_over(pw_call *call, pw_call_run run, pw_call_done done, int to_writer, int alone)
{
    pw_assert(call->live == CALL_LIVE && run != NULL);
    pw_assert(call->run == NULL); /* not handed over already: a call is on one thread at a time */
    pw_assert(call->rq == NULL || call->rq->pending == NULL || call->rq->pending == call);
    call->run = run;
    call->done = done ? done : pw_call_reply;
    call->status = 0;
    call->job = (pw_job){
        .run = to_writer ? run_on_writer : run_on_pool, .complete = post_back, .ctx = call, .alone = alone};
    if (call->rq != NULL)
        call->rq->pending = call;
    int rc = to_writer ? queue_write(call) : pw_workpool_submit(call->app->hash_pool, &call->job);
    if (rc == PW_OK) {
        if (call->rq != NULL)
            hold_connection(call->rq);
        return;
    }
    pw_req *rq = call->rq;
    if (rq != NULL) {
        rq->pending = NULL;
        pw_error err;
        if (to_writer)
            pw_http_unavailable(&err, rc); /* PW_EBUSY: the queue is full */
        else
            pw_error_set(&err, 429, "rate_limited", NULL, "too many sign-ins and sign-ups at once; try again");
        err.retry_after_s = 1;
        pw_reply_error(rq, &err);
    }
    call->run = NULL;
    if (!call->in_done) /* inside done() the loop frees it on return */
        free_call(call);
}

void pw_call_write(pw_call *call, pw_call_run run, pw_call_done done) { hand_over(call, run, done, 1, 0); }
void pw_call_write_alone(pw_call *call, pw_call_run run, pw_call_done done) { hand_over(call, run, done, 1, 1); }
void pw_call_hash(pw_call *call, pw_call_run run, pw_call_done done) { hand_over(call, run, done, 0, 0); }

int pw_app_write_detached(pw_app *app, pw_job *job)
{
    job->complete = NULL;
    return pw_writer_submit(app->writer, job);
}
