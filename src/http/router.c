/* router.c — from an h2o request to a handler call.
 *
 * Order of checks (each failure is a JSON error and the handler never runs):
 *   1. only /api/…, /healthz and /metrics are ours; anything else falls through to the
 *      static file handler (return -1);
 *   2. the path must match a route pattern (404) with this method (405 + Allow);
 *   3. the session is read (bearer token, else cookie) and the route's `allow` enforced
 *      (401 / 403); CSRF for cookie sessions on unsafe methods (403 csrf_failed);
 *   0. before anything else, whatever the path: an HTTP/1 body whose length is ambiguous
 *      (framing.c) is a 400 and the connection is closed; then a path or query value
 *      holding a NUL (%00) is a 400;
 *   4. a JSON body is checked: media type (415), route size cap (413), nesting depth and
 *      well-formedness (400 malformed_json), top-level object (400 wrong_type), no string
 *      holding a NUL (422 naming the field). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/assert.h"
#include "base/limits.h"
#include "http/internal.h"

static void on_dispose(void *p)
{
    pw_req *rq = p;
    pw_assert(rq->pending == NULL || rq->pending->rq == rq); /* the request and its call point at each other */
    if (rq->pending != NULL)
        rq->pending->rq = NULL; /* the call finishes on its own; nobody to answer */
    if (rq->body != NULL)
        json_decref(rq->body);
}

static int is_ours(h2o_iovec_t path)
{
    if (path.len >= 5 && memcmp(path.base, "/api/", 5) == 0)
        return 1;
    if (path.len == 4 && memcmp(path.base, "/api", 4) == 0)
        return 1;
    return (path.len == 8 && memcmp(path.base, "/healthz", 8) == 0) ||
           (path.len == 8 && memcmp(path.base, "/metrics", 8) == 0);
}

/* The route table, split once into segments: a request's path is split once too, and a
 * route is compared only if it has as many segments (most are ruled out there). */
typedef struct segment {
    const char *text;
    size_t len;
    int param; /* a {capture} */
} segment;

typedef struct compiled_route {
    int count;
    segment seg[PW_ROUTE_SEGMENTS_MAX];
} compiled_route;

static compiled_route compiled[PW_ROUTES_MAX];

/* Not statuses: split() answers a count and find_route() an index, or one of these. */
enum {
    NOT_A_PATH = -1,    /* split: no leading '/', or too many segments */
    NO_ROUTE = -1,      /* find_route: no such path */
    OTHER_METHODS = -2, /* find_route: the path exists with other methods */
};

/* Splits "/a/b/c" into its segments: their count, or NOT_A_PATH if it does not start with
 * '/' or has too many. */
static int split(const char *path, size_t len, segment *out)
{
    if (len == 0 || path[0] != '/')
        return NOT_A_PATH;
    const char *s = path + 1, *end = path + len;
    int count = 0;
    for (;;) {
        if (count == PW_ROUTE_SEGMENTS_MAX)
            return NOT_A_PATH;
        const char *slash = memchr(s, '/', (size_t)(end - s));
        const char *seg_end = slash ? slash : end;
        out[count++] = (segment){.text = s, .len = (size_t)(seg_end - s)};
        if (slash == NULL)
            return count;
        s = slash + 1;
    }
}

/* Splits a pattern: PW_OK, or PW_EINVAL if it has too many segments or captures (the route
 * table is code: a bug). */
static int compile(const char *pattern, compiled_route *c)
{
    c->count = split(pattern, strlen(pattern), c->seg);
    if (c->count < 0)
        return PW_EINVAL;
    int params = 0;
    for (int k = 0; k < c->count; k++) {
        c->seg[k].param = c->seg[k].len > 0 && c->seg[k].text[0] == '{';
        params += c->seg[k].param;
    }
    return params <= PW_ROUTE_PARAMS_MAX ? PW_OK : PW_EINVAL;
}

void pw_router_init(const pw_app *app)
{
    pw_assert(app->routes != NULL && app->route_count <= PW_ROUTES_MAX);
    for (int i = 0; i < app->route_count; i++) {
        int rc = compile(app->routes[i].pattern, &compiled[i]);
        pw_assert(rc == 0); /* the route-table unit test holds every row to this */
        (void)rc;
    }
}

static int match(const compiled_route *c, const segment *path, int count)
{
    if (c->count != count)
        return 0;
    for (int k = 0; k < count; k++) {
        const segment *want = &c->seg[k], *got = &path[k];
        if (want->param) {
            if (got->len == 0 || got->len > PW_ROUTE_PARAM_MAX_BYTES)
                return 0;
        } else if (want->len != got->len || memcmp(want->text, got->text, got->len) != 0) {
            return 0;
        }
    }
    return 1;
}

/* Copies the {captures} of a matched path into rq (match() has bounded their lengths). */
static void capture(const compiled_route *c, const segment *path, int count, pw_req *rq)
{
    int captured = 0;
    for (int k = 0; k < count; k++) {
        if (!c->seg[k].param)
            continue;
        pw_assert(captured < PW_ROUTE_PARAMS_MAX && path[k].len <= PW_ROUTE_PARAM_MAX_BYTES); /* compile(), match() */
        memcpy(rq->params[captured], path[k].text, path[k].len);
        rq->params[captured][path[k].len] = '\0';
        captured++;
    }
    rq->param_count = captured;
}

/* The route for (method, path): its index with rq's params filled; NO_ROUTE; or
 * OTHER_METHODS: the path exists with other methods (listed in `allow`). */
static int find_route(pw_req *rq, h2o_iovec_t method, h2o_iovec_t path, char *allow, size_t allow_size)
{
    int path_matched = 0;
    allow[0] = '\0';
    segment segs[PW_ROUTE_SEGMENTS_MAX];
    int count = split(path.base, path.len, segs);
    if (count < 0)
        return NO_ROUTE;
    for (int i = 0; i < rq->app->route_count; i++) {
        const pw_route *r = &rq->app->routes[i];
        if (!match(&compiled[i], segs, count))
            continue;
        int same = strlen(r->method) == method.len && memcmp(r->method, method.base, method.len) == 0;
        int head_of_get = strcmp(r->method, "GET") == 0 && method.len == 4 && memcmp(method.base, "HEAD", 4) == 0;
        if (same || head_of_get) {
            capture(&compiled[i], segs, count, rq);
            return i;
        }
        if (path_matched++)
            strncat(allow, ", ", allow_size - strlen(allow) - 1);
        strncat(allow, r->method, allow_size - strlen(allow) - 1);
    }
    return path_matched ? OTHER_METHODS : NO_ROUTE;
}

/* Nesting depth of a JSON text, outside strings; stops counting past the limit. */
static int json_depth_ok(const char *text, size_t len)
{
    int depth = 0, in_string = 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = 0;
        } else if (c == '"') {
            in_string = 1;
        } else if (c == '{' || c == '[') {
            if (++depth > PW_JSON_DEPTH_MAX)
                return 0;
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return 1;
}

/* ---- NUL bytes ------------------------------------------------------------------------------
 * The body parser lets \u0000 through, and C reads a string only up to its first NUL: a
 * currency "EUR\u0000junk" would be taken for EUR, a deadline with a NUL suffix for the
 * deadline. So no string with a NUL reaches a validator: the first one found is a 422
 * naming its field ("compensation.currency"; an array's elements by the array's name).
 * Object keys cannot hold one (the parser refuses them: 400). Depth is bounded already. */

/* 1 and the field's dotted name in `name` (cut to its size) if some string under v holds a
 * NUL; 0 if none does. `len` is the length of the name so far. */
static int find_nul(json_t *v, char *name, size_t len, size_t size)
{
    if (json_is_string(v))
        return memchr(json_string_value(v), '\0', json_string_length(v)) != NULL;
    if (json_is_array(v)) {
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item) {
            if (find_nul(item, name, len, size))
                return 1;
        }
        return 0;
    }
    const char *key;
    json_t *item;
    json_object_foreach(v, key, item) {
        int n = snprintf(name + len, size - len, "%s%s", len > 0 ? "." : "", key);
        size_t end = n < 0 ? len : len + (size_t)n < size ? len + (size_t)n : size - 1;
        if (find_nul(item, name, end, size))
            return 1;
        name[len] = '\0';
    }
    return 0;
}

static int refuse_nul(pw_req *rq, pw_error *err)
{
    char *name = h2o_mem_alloc_pool(&rq->req->pool, PW_ERROR_FIELD_MAX_BYTES);
    name[0] = '\0';
    if (!find_nul(rq->body, name, 0, PW_ERROR_FIELD_MAX_BYTES))
        return 0;
    return pw_error_set(err, 422, "validation_failed", name, "%s must not contain a NUL character", name);
}

/* The path, or a query value, with a NUL (%00 — h2o decodes the path's): the id "12%00"
 * would be read as 12 and "role=client%00" as client. A 400 naming the query parameter. */
static int refuse_nul_in_target(pw_req *rq, h2o_iovec_t path, pw_error *err)
{
    if (memchr(path.base, '\0', path.len) != NULL)
        return pw_error_set(err, 400, "malformed_request", "path", "the path must not contain a NUL character");
    h2o_req_t *req = rq->req;
    if (req->query_at == SIZE_MAX)
        return 0;
    const char *q = req->path.base + req->query_at + 1, *end = req->path.base + req->path.len;
    for (const char *p = q; p + 2 < end; p++) {
        if (p[0] != '%' || p[1] != '0' || p[2] != '0')
            continue;
        const char *key = p;
        while (key > q && key[-1] != '&')
            key--;
        size_t key_len = strcspn(key, "=&");
        key_len = key_len < PW_ERROR_FIELD_MAX_BYTES - 1 ? key_len : PW_ERROR_FIELD_MAX_BYTES - 1;
        char *name = h2o_mem_alloc_pool(&req->pool, key_len + 1);
        memcpy(name, key, key_len);
        name[key_len] = '\0';
        return pw_error_set(err, 400, "malformed_request", name, "query parameters must not contain a NUL character");
    }
    return 0;
}

static int parse_body(pw_req *rq, pw_error *err)
{
    h2o_req_t *req = rq->req;
    const pw_route *r = rq->route;
    if (!(r->flags & PW_ROUTE_JSON_BODY))
        return 0;
    if (req->entity.base == NULL || req->entity.len == 0) {
        if (r->flags & PW_ROUTE_OPTIONAL_BODY)
            return 0;
        return pw_error_set(err, 400, "malformed_json", NULL, "a JSON object body is required");
    }
    size_t ct_len = 0;
    const char *ct = pw_req_header(rq, "content-type", &ct_len);
    if (ct == NULL || ct_len < 16 || strncasecmp(ct, "application/json", 16) != 0 ||
        (ct_len > 16 && ct[16] != ';' && ct[16] != ' '))
        return pw_error_set(err, 415, "unsupported_media_type", NULL, "send the body as application/json");
    size_t limit = r->body_max_bytes ? r->body_max_bytes : PW_HTTP_BODY_DEFAULT_MAX_BYTES;
    if (req->entity.len > limit)
        return pw_error_set(err, 413, "payload_too_large", NULL, "the body is larger than %zu bytes", limit);
    if (!json_depth_ok(req->entity.base, req->entity.len))
        return pw_error_set(err, 400, "malformed_json", NULL, "JSON nested deeper than %d levels", PW_JSON_DEPTH_MAX);
    json_error_t jerr;
    /* NUL is let through so refuse_nul can name the field; DECODE_ANY so a bare value is
     * a wrong_type rather than a parse error. The parser's message is cut before its
     * "near '…'" part: it would echo the body (a password, say) back. */
    rq->body = json_loadb(req->entity.base, req->entity.len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL | JSON_DECODE_ANY,
                          &jerr);
    if (rq->body == NULL) {
        char *near = strstr(jerr.text, " near ");
        if (near != NULL)
            *near = '\0';
        return pw_error_set(err, 400, "malformed_json", NULL, "line %d column %d: %s", jerr.line, jerr.column,
                            jerr.text);
    }
    if (!json_is_object(rq->body))
        return pw_error_set(err, 400, "wrong_type", NULL, "the body must be a JSON object");
    return refuse_nul(rq, err);
}

static int check_allow(pw_req *rq, pw_error *err)
{
    int allow = rq->route->allow;
    if (allow == PW_ALLOW_ANYONE)
        return 0;
    if (rq->auth.user_id == 0)
        return pw_error_set(err, 401, "unauthenticated", NULL, "sign in first");
    int rc = pw_auth_check_csrf(rq, err);
    if (rc != PW_OK)
        return rc;
    static const int need[] = {0, 0, PW_ROLE_CLIENT, PW_ROLE_WORKER, PW_ROLE_ADMIN};
    pw_assert(allow > PW_ALLOW_ANYONE && allow <= PW_ALLOW_ADMIN); /* the route table's own value */
    if (need[allow] != 0 && !(rq->auth.roles & need[allow])) {
        static const char *const names[] = {"", "", "client", "worker", "admin"};
        return pw_error_set(err, 403, "forbidden", NULL, "this needs the %s role", names[allow]);
    }
    return 0;
}

static int read_idempotency_key(pw_req *rq, pw_error *err)
{
    size_t len = 0;
    const char *key = pw_req_header(rq, "idempotency-key", &len);
    if (key == NULL || !(rq->route->flags & PW_ROUTE_IDEMPOTENT))
        return 0;
    if (len == 0 || len > PW_IDEMPOTENCY_KEY_MAX_BYTES)
        return pw_error_set(err, 400, "validation_failed", "Idempotency-Key", "Idempotency-Key must be 1..%d bytes",
                            PW_IDEMPOTENCY_KEY_MAX_BYTES);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)key[i] < 0x21 || (unsigned char)key[i] > 0x7e)
            return pw_error_set(err, 400, "validation_failed", "Idempotency-Key",
                                "Idempotency-Key must be printable ASCII");
    memcpy(rq->idempotency_key, key, len);
    rq->idempotency_key[len] = '\0';
    return 0;
}

_Static_assert(PW_HTTP_LOOPS_MAX <= 100, "request ids give the loop index two digits");

/* "<loop>-<counter>": at most 2 + 1 + 20 digits, so it fits the 24 bytes of request_id. */
static void request_id(char out[24], int loop_index, uint64_t counter)
{
    pw_assert(loop_index >= 0 && loop_index < PW_HTTP_LOOPS_MAX);
    char digits[20];
    int n = 0;
    do {
        digits[n++] = (char)('0' + counter % 10);
        counter /= 10;
    } while (counter != 0);
    char *p = out;
    if (loop_index >= 10)
        *p++ = (char)('0' + loop_index / 10);
    *p++ = (char)('0' + loop_index % 10);
    *p++ = '-';
    while (n > 0)
        *p++ = digits[--n];
    *p = '\0';
}

int pw_router_on_req(h2o_handler_t *self, h2o_req_t *req)
{
    h2o_iovec_t path = req->path_normalized;
    int framing_ok = pw_framing_ok(req);
    if (framing_ok && !is_ours(path))
        return -1; /* not a status: h2o's "not mine", on to the static files */
    pw_loop *loop = (pw_loop *)req->conn->ctx;
    pw_req *rq = h2o_mem_alloc_shared(&req->pool, sizeof(*rq), on_dispose);
    memset(rq, 0, sizeof(*rq));
    rq->req = req;
    rq->loop = loop;
    rq->app = loop->app;
    rq->route_index = -1;
    rq->started_ns = pw_monotonic_ns();
    request_id(rq->request_id, loop->index, ++loop->request_counter);

    pw_error err;
    char allow[64];
    if (!framing_ok) {
        req->http1_is_persistent = 0; /* what follows the body may be a smuggled request: never read it */
        pw_reply_errorf(rq, 400, "malformed_request", NULL,
                        "more than one Content-Length or Transfer-Encoding, or both (RFC 9112 6.3)");
        return 0;
    }
    if (path.len > PW_HTTP_PATH_MAX_BYTES) {
        pw_reply_errorf(rq, 400, "validation_failed", NULL, "the path is longer than %d bytes", PW_HTTP_PATH_MAX_BYTES);
        return 0;
    }
    if (refuse_nul_in_target(rq, path, &err) != 0) {
        pw_reply_error(rq, &err);
        return 0;
    }
    int index = find_route(rq, req->method, path, allow, sizeof(allow));
    if (index == NO_ROUTE) {
        pw_reply_errorf(rq, 404, "not_found", NULL, "no such endpoint");
        return 0;
    }
    if (index == OTHER_METHODS) {
        pw_reply_header(rq, "allow", allow);
        pw_reply_errorf(rq, 405, "method_not_allowed", NULL, "this endpoint allows %s", allow);
        return 0;
    }
    pw_assert(index >= 0 && index < rq->app->route_count);
    rq->route = &rq->app->routes[index];
    rq->route_index = index;
    if (pw_auth_load(rq, &err) != 0 || check_allow(rq, &err) != 0 || read_idempotency_key(rq, &err) != 0 ||
        parse_body(rq, &err) != 0) {
        pw_reply_error(rq, &err);
        return 0;
    }
    rq->route->handler(rq);
    return 0;
}
