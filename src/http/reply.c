/* reply.c — answers, request accessors, and the per-request log line.
 *
 * Every answer goes through send_reply(): it sets the status, JSON content type, no-store
 * caching and the request id, hands the bytes to h2o (which copies them into the request
 * pool) and records the request's log line and metrics. The log line is appended to the
 * loop's buffer and written once per loop turn (reply.c: pw_loop_flush_log), so logging
 * costs a memcpy per request, not a system call. It carries method, route pattern,
 * status, duration, request id and user id: never a body, a header value, an e-mail or a
 * token. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <netdb.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "http/internal.h"
#include "base/limits.h"

static void add_header(h2o_req_t *req, const char *name, size_t name_len, const char *value, size_t value_len)
{
    h2o_add_header_by_str(&req->pool, &req->res.headers, name, name_len, 1, NULL, value, value_len);
}

void pw_reply_header(pw_req *rq, const char *name, const char *value)
{
    if (rq->req == NULL)
        return;
    h2o_iovec_t v = h2o_strdup(&rq->req->pool, value, strlen(value));
    add_header(rq->req, name, strlen(name), v.base, v.len);
}

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 503: return "Service Unavailable";
    default: return status < 500 ? "Error" : "Internal Server Error";
    }
}

static void send_reply(pw_req *rq, int status, const char *content_type, const char *body, size_t len)
{
    h2o_req_t *req = rq->req;
    if (req == NULL)
        return;
    req->res.status = status;
    req->res.reason = reason(status);
    req->res.content_length = len;
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, content_type, strlen(content_type));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL, H2O_STRLIT("no-store"));
    add_header(req, H2O_STRLIT("x-request-id"), rq->request_id, strlen(rq->request_id));
    pw_reply_finish_log(rq, status);
    h2o_send_inline(req, body, len);
}

void pw_reply_text(pw_req *rq, int status, const char *content_type, const char *body, size_t len)
{
    send_reply(rq, status, content_type, body, len);
}

void pw_reply_json(pw_req *rq, int status, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(12));
    json_decref(body);
    if (text == NULL) {
        send_reply(rq, 500, "application/json",
                   H2O_STRLIT("{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}"));
        return;
    }
    send_reply(rq, status, "application/json", text, strlen(text));
    free(text);
}

void pw_reply_empty(pw_req *rq, int status)
{
    h2o_req_t *req = rq->req;
    if (req == NULL)
        return;
    req->res.status = status;
    req->res.reason = reason(status);
    req->res.content_length = 0;
    add_header(req, H2O_STRLIT("x-request-id"), rq->request_id, strlen(rq->request_id));
    pw_reply_finish_log(rq, status);
    h2o_send_inline(req, "", 0);
}

void pw_reply_error(pw_req *rq, const pw_error *err)
{
    json_t *e = json_pack("{s:s, s:s}", "code", err->code, "message", err->message);
    if (err->field != NULL)
        json_object_set_new(e, "field", json_string(err->field));
    if (err->retry_after_s > 0) {
        char value[16];
        snprintf(value, sizeof(value), "%d", err->retry_after_s);
        pw_reply_header(rq, "retry-after", value);
    }
    pw_reply_json(rq, err->status, json_pack("{s:o}", "error", e));
}

void pw_reply_errorf(pw_req *rq, int status, const char *code, const char *field, const char *fmt, ...)
{
    pw_error err = {.status = status, .code = code, .field = field};
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err.message, sizeof(err.message), fmt, ap);
    va_end(ap);
    pw_reply_error(rq, &err);
}

/* The one place a failure of the machine becomes an answer (base/error.h): 503 unavailable,
 * the message by kind, and a log line (not for PW_EBUSY: a full queue under load is the
 * answer working as meant). Nothing of the engine's text reaches the client. */
void pw_http_unavailable(pw_error *err, int rc)
{
    if (rc != PW_EBUSY)
        pw_log_warn("msg=\"answered 503\" status=%d reason=\"%s\"", rc, pw_status_text(rc));
    const char *what = rc == PW_ENOMEM  ? "out of memory; try again"
                       : rc == PW_EBUSY ? "the server is busy; try again"
                                        : "the database could not complete the request; try again";
    pw_error_set(err, 503, "unavailable", NULL, "%s", what);
}

void pw_reply_failure(pw_req *rq, int rc, const pw_error *refusal)
{
    if (rc == PW_EREFUSED && refusal != NULL && refusal->status != 0)
        return pw_reply_error(rq, refusal);
    pw_error err;
    pw_http_unavailable(&err, rc);
    pw_reply_error(rq, &err);
}

void pw_reply_result(pw_req *rq, int rc, json_t *body)
{
    if (rc == PW_OK)
        return pw_reply_json(rq, 200, body);
    json_decref(body);
    pw_reply_failure(rq, rc, NULL);
}

void pw_reply_finish_log(pw_req *rq, int status)
{
    double seconds = (double)(pw_monotonic_ns() - rq->started_ns) / 1e9;
    pw_metrics_observe(rq->route_index, status, seconds);
    h2o_req_t *req = rq->req;
    pw_loop *loop = rq->loop;
    if (!pw_log_enabled(PW_LOG_INFO))
        return;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    if (tv.tv_sec != loop->log_second) { /* the date part changes once a second */
        struct tm tm;
        gmtime_r(&tv.tv_sec, &tm);
        strftime(loop->log_stamp, sizeof(loop->log_stamp), "%Y-%m-%dT%H:%M:%S", &tm);
        loop->log_second = tv.tv_sec;
    }
    /* ts=… level=info msg=request id=… method=… route=… status=… dur_us=… user=…, built by
     * plain appends: a printf per request was the loop's largest user-space cost. */
    int ms = (int)(tv.tv_usec / 1000);
    char millis[6] = {'.', (char)('0' + ms / 100), (char)('0' + ms / 10 % 10), (char)('0' + ms % 10), 'Z', '\0'};
    pw_buf *b = &loop->log;
    pw_buf_append_str(b, "ts=");
    pw_buf_append_str(b, loop->log_stamp);
    pw_buf_append_str(b, millis);
    pw_buf_append_str(b, " level=info msg=request id=");
    pw_buf_append_str(b, rq->request_id);
    pw_buf_append_str(b, " method=");
    pw_buf_append(b, req->method.base, req->method.len);
    pw_buf_append_str(b, " route=");
    pw_buf_append_str(b, rq->route ? rq->route->pattern : "-");
    pw_buf_append_str(b, " status=");
    pw_buf_append_i64(b, status);
    pw_buf_append_str(b, " dur_us=");
    pw_buf_append_i64(b, (int64_t)(seconds * 1e6));
    pw_buf_append_str(b, " user=");
    pw_buf_append_i64(b, rq->auth.user_id);
    pw_buf_append(b, "\n", 1);
    if (loop->log.len > PW_LOG_FLUSH_BYTES)
        pw_loop_flush_log(loop);
}

void pw_loop_flush_log(pw_loop *loop)
{
    if (loop->log.len == 0)
        return;
    ssize_t ignored = write(STDERR_FILENO, loop->log.data, loop->log.len);
    (void)ignored;
    loop->log.len = 0;
}

/* ---- request accessors ---------------------------------------------------------------- */

const char *pw_req_param(pw_req *rq, int index) { return index < rq->param_count ? rq->params[index] : ""; }

const char *pw_req_header(pw_req *rq, const char *lower_name, size_t *len_out)
{
    h2o_headers_t *headers = &rq->req->headers;
    size_t name_len = strlen(lower_name);
    for (size_t i = 0; i < headers->size; i++) {
        h2o_header_t *h = &headers->entries[i];
        if (h->name->len == name_len && h2o_lcstris(h->name->base, h->name->len, lower_name, name_len)) {
            *len_out = h->value.len;
            return h->value.base;
        }
    }
    return NULL;
}

static int hex(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int pw_req_query(pw_req *rq, const char *name, char *out, size_t out_size)
{
    h2o_req_t *req = rq->req;
    if (req->query_at == SIZE_MAX)
        return 0;
    const char *p = req->path.base + req->query_at + 1, *end = req->path.base + req->path.len;
    size_t name_len = strlen(name);
    for (int count = 0; p < end && count < PW_HTTP_QUERY_PARAMS_MAX; count++) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *pair_end = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(pair_end - p));
        const char *key_end = eq ? eq : pair_end;
        if ((size_t)(key_end - p) == name_len && memcmp(p, name, name_len) == 0) {
            size_t n = 0;
            for (const char *v = eq ? eq + 1 : pair_end; v < pair_end; v++) {
                int c = (unsigned char)*v;
                if (c == '+')
                    c = ' ';
                else if (c == '%' && v + 2 < pair_end && hex(v[1]) >= 0 && hex(v[2]) >= 0)
                    c = hex(v[1]) * 16 + hex(v[2]), v += 2;
                if (n + 1 >= out_size)
                    return PW_EREFUSED;
                out[n++] = (char)c;
            }
            out[n] = '\0';
            return 1;
        }
        p = pair_end + 1;
    }
    return 0;
}

void pw_req_peer_ip(pw_req *rq, char *out, size_t out_size)
{
    struct sockaddr_storage ss;
    socklen_t len = rq->req->conn->callbacks->get_peername(rq->req->conn, (struct sockaddr *)&ss);
    char host[NI_MAXHOST] = "";
    if (len != 0)
        h2o_socket_getnumerichost((struct sockaddr *)&ss, len, host);
    snprintf(out, out_size, "%s", host);
}

int pw_req_is_https(pw_req *rq) { return rq->req->scheme == &H2O_URL_SCHEME_HTTPS; }
