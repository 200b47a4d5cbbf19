/* test_router.c — unit tests of src/http/router.c and of the route table it serves: the
 * pattern matcher match(), the JSON nesting pre-check json_depth_ok(), find_nul() (which
 * field of a body holds a NUL), the path filter is_ours() and route lookup find_route()
 * (404 / 405 + Allow / HEAD of GET); and the rows of pw_routes as the router reads them
 * (well-formed patterns, known methods, a handler each, no duplicate method + pattern,
 * every row reachable through find_route()).
 *
 * router.c is included to reach its statics. Its exported symbols (pw_router_init,
 * pw_router_on_req) are then defined here, so the linker never pulls router.o out of
 * pwcore: no duplicate symbols. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../src/http/router.c"
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>

/* ==== match() ============================================================================ */

/* The matcher as find_route() uses it: pattern and path split into segments, then compared;
 * a matched path's captures go to rq when given. */
static int match_text(const char *pattern, const char *path, size_t len, pw_req *rq)
{
    compiled_route c;
    segment segs[PW_ROUTE_SEGMENTS_MAX];
    int count = split(path, len, segs);
    if (compile(pattern, &c) != 0 || count < 0 || !match(&c, segs, count))
        return 0;
    if (rq != NULL)
        capture(&c, segs, count, rq);
    return 1;
}

static int matches(const char *pattern, const char *path) { return match_text(pattern, path, strlen(path), NULL); }

/* A pattern, a path, and whether the path matches it. */
typedef struct match_case {
    const char *pattern, *path;
    int want;
} match_case;

static void check_matches(const match_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int got = matches(cases[i].pattern, cases[i].path);
        if (got != cases[i].want)
            print_error("\"%s\" against \"%s\": got %d, want %d\n", cases[i].path, cases[i].pattern, got,
                        cases[i].want);
        assert_int_equal(got, cases[i].want);
    }
}

static void test_match_literal(void **state)
{
    (void)state;
    static const match_case cases[] = {
        {"/healthz", "/healthz", 1},
        {"/api/v1/tasks", "/api/v1/tasks", 1},
        {"/api/v1/tasks", "/api/v1/tasks/", 0}, /* trailing slash is another path */
        {"/api/v1/tasks", "/api/v1/task", 0},
        {"/api/v1/tasks", "/api/v1/tasksx", 0},
        {"/api/v1/tasks", "/api/v1/Tasks", 0}, /* case-sensitive */
        {"/api/v1/tasks", "/api/v1", 0},
        {"/api/v1/tasks", "/api//v1/tasks", 0},
        {"/api/v1/tasks", "api/v1/tasks", 0},
        {"/api/v1/tasks", "", 0},
        {"/healthz", "/", 0},
        {"/me", "/me/worker", 0},
        {"/me/worker", "/me", 0},
        /* past PW_ROUTE_SEGMENTS_MAX (8) segments nothing matches, not even the same text */
        {"/a/b/c/d/e/f/g/h", "/a/b/c/d/e/f/g/h", 1},
        {"/a/b/c/d/e/f/g/h/i", "/a/b/c/d/e/f/g/h/i", 0},
    };
    check_matches(cases, sizeof(cases) / sizeof(cases[0]));
    assert_int_equal(PW_ROUTE_SEGMENTS_MAX, 8);
}

static void test_match_params(void **state)
{
    (void)state;
    pw_req rq;
    memset(&rq, 0, sizeof(rq));
    const char *path = "/api/v1/tasks/12345/ack";
    assert_true(match_text("/api/v1/tasks/{id}/ack", path, strlen(path), &rq));
    assert_int_equal(rq.param_count, 1);
    assert_string_equal(rq.params[0], "12345");

    memset(&rq, 0, sizeof(rq));
    path = "/a/first/b/second-one";
    assert_true(match_text("/a/{x}/b/{y}", path, strlen(path), &rq));
    assert_int_equal(rq.param_count, 2);
    assert_string_equal(rq.params[0], "first");
    assert_string_equal(rq.params[1], "second-one");

    /* A capture is one whole, non-empty segment. */
    static const match_case whole_segments[] = {
        {"/api/v1/tasks/{id}", "/api/v1/tasks/", 0},         {"/api/v1/tasks/{id}", "/api/v1/tasks//", 0},
        {"/api/v1/tasks/{id}", "/api/v1/tasks/1/2", 0},      {"/api/v1/tasks/{id}", "/api/v1/tasks", 0},
        {"/api/v1/tasks/{id}/ack", "/api/v1/tasks/1", 0},    {"/api/v1/tasks/{id}/ack", "/api/v1/tasks/1/acks", 0},
        {"/api/v1/tasks/{id}/ack", "/api/v1/tasks//ack", 0},
    };
    check_matches(whole_segments, sizeof(whole_segments) / sizeof(whole_segments[0]));

    /* At most PW_ROUTE_PARAM_MAX_BYTES per capture, and it is NUL-terminated. */
    char seg[PW_ROUTE_PARAM_MAX_BYTES + 2];
    memset(seg, '7', sizeof(seg));
    char long_path[200];
    seg[PW_ROUTE_PARAM_MAX_BYTES] = '\0';
    snprintf(long_path, sizeof(long_path), "/t/%s", seg);
    memset(&rq, 'z', sizeof(rq));
    assert_true(match_text("/t/{id}", long_path, strlen(long_path), &rq));
    assert_int_equal(strlen(rq.params[0]), PW_ROUTE_PARAM_MAX_BYTES);
    seg[PW_ROUTE_PARAM_MAX_BYTES] = '7';
    seg[PW_ROUTE_PARAM_MAX_BYTES + 1] = '\0';
    snprintf(long_path, sizeof(long_path), "/t/%s", seg);
    assert_false(match_text("/t/{id}", long_path, strlen(long_path), &rq));

    /* At most PW_ROUTE_PARAMS_MAX captures. */
    assert_int_equal(PW_ROUTE_PARAMS_MAX, 4);
    memset(&rq, 0, sizeof(rq));
    path = "/1/2/3/4";
    assert_true(match_text("/{a}/{b}/{c}/{d}", path, strlen(path), &rq));
    assert_int_equal(rq.param_count, 4);
    assert_string_equal(rq.params[3], "4");
    assert_false(matches("/{a}/{b}/{c}/{d}/{e}", "/1/2/3/4/5"));
}

/* The path is a (pointer, length) pair, not a C string: bytes past the length are not read. */
static void test_match_respects_length(void **state)
{
    (void)state;
    const char *text = "/api/v1/tasks/99/ackGARBAGE";
    assert_true(match_text("/api/v1/tasks/{id}/ack", text, strlen("/api/v1/tasks/99/ack"), NULL));
    assert_false(match_text("/api/v1/tasks/{id}/ack", text, strlen(text), NULL));
    pw_req rq;
    memset(&rq, 0, sizeof(rq));
    const char *p2 = "/t/abc/x";
    assert_true(match_text("/t/{id}", p2, 6, &rq)); /* "/t/abc" */
    assert_string_equal(rq.params[0], "abc");
}

/* ==== json_depth_ok() ====================================================================== */

static int depth_ok(const char *text) { return json_depth_ok(text, strlen(text)); }

static void test_json_depth(void **state)
{
    (void)state;
    char text[256];
    assert_int_equal(PW_JSON_DEPTH_MAX, 16);
    assert_true(depth_ok("{}"));
    assert_true(depth_ok(""));
    /* exactly the limit passes, one more fails — for arrays, objects and a mix */
    memset(text, 0, sizeof(text));
    memset(text, '[', 16);
    assert_true(depth_ok(text));
    text[16] = '[';
    assert_false(depth_ok(text));
    memset(text, 0, sizeof(text));
    for (int i = 0; i < 16; i++)
        strcat(text, i % 2 ? "[" : "{\"k\":");
    assert_true(depth_ok(text));
    strcat(text, "{");
    assert_false(depth_ok(text));
    /* closing brackets bring the depth down: 16 deep, closed, 16 deep again */
    memset(text, 0, sizeof(text));
    memset(text, '[', 16);
    memset(text + 16, ']', 16);
    memset(text + 32, '[', 16);
    assert_true(depth_ok(text));
    /* brackets inside strings do not count */
    assert_true(depth_ok("{\"a\":\"[[[[[[[[[[[[[[[[[[[[[[[[{{{{{{{{{{{{{{{{{{{\"}"));
    /* an escaped quote does not end a string */
    assert_true(depth_ok("{\"a\":\"\\\"[[[[[[[[[[[[[[[[[[[[[[[[\"}"));
    /* an escaped backslash does: the brackets after it are counted */
    snprintf(text, sizeof(text), "[\"\\\\\",%s", "[[[[[[[[[[[[[[[[");
    assert_false(depth_ok(text)); /* 1 + 16 = 17 */
    snprintf(text, sizeof(text), "[\"\\\\\",%s", "[[[[[[[[[[[[[[[");
    assert_true(depth_ok(text)); /* 1 + 15 = 16 */
    /* the length bounds the scan */
    memset(text, '[', 40);
    assert_true(json_depth_ok(text, 16));
    assert_false(json_depth_ok(text, 17));
    /* a trailing backslash inside a string does not read past the end */
    assert_true(json_depth_ok("\"\\", 2));
}

/* ==== find_nul(): which field of a body holds a NUL ======================================== */

/* find_nul over `text` (JSON, \u0000 allowed); the field name in `name`. */
static int nul_field(const char *text, char *name, size_t size)
{
    json_error_t jerr;
    json_t *v = json_loads(text, JSON_ALLOW_NUL, &jerr);
    assert_non_null(v);
    name[0] = '\0';
    int found = find_nul(v, name, 0, size);
    json_decref(v);
    return found;
}

static void test_find_nul(void **state)
{
    (void)state;
    char name[PW_ERROR_FIELD_MAX_BYTES];
    assert_false(
        nul_field("{\"a\":\"x\",\"b\":[\"y\",{\"c\":\"z\"}],\"n\":1,\"t\":true,\"z\":null}", name, sizeof(name)));
    assert_string_equal(name, "");
    assert_true(nul_field("{\"currency\":\"EUR\\u0000junk\"}", name, sizeof(name)));
    assert_string_equal(name, "currency");
    /* nested: the dotted path; siblings before it leave no trace in the name */
    assert_true(nul_field("{\"title\":\"ok\",\"compensation\":{\"kind\":\"money\",\"currency\":\"\\u0000\"}}", name,
                          sizeof(name)));
    assert_string_equal(name, "compensation.currency");
    /* an array's elements by the array's name, at any depth */
    assert_true(nul_field("{\"skills\":[\"a\",\"b\\u0000\"]}", name, sizeof(name)));
    assert_string_equal(name, "skills");
    assert_true(nul_field("{\"a\":[{\"b\":[[\"\\u0000\"]]}]}", name, sizeof(name)));
    assert_string_equal(name, "a.b");
    /* only a NUL counts: other control characters are the validators' business */
    assert_false(nul_field("{\"a\":\"\\u0001\\n\\t\"}", name, sizeof(name)));
    /* a name longer than the buffer is cut, never overrun */
    char small[8];
    assert_true(nul_field("{\"abcdef\":{\"ghijkl\":\"\\u0000\"}}", small, sizeof(small)));
    assert_string_equal(small, "abcdef.");
}

/* ==== is_ours() and find_route() against the real table ==================================== */

static void test_is_ours(void **state)
{
    (void)state;
    static const char *const ours[] = {"/api", "/api/", "/api/v1/tasks", "/healthz", "/metrics"};
    static const char *const theirs[] = {"/",         "/index.html", "/apix",   "/ap",    "/healthz/",
                                         "/metricsx", "/app.js",     "/API/v1", "/health"};
    for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
        assert_true(is_ours(h2o_iovec_init(ours[i], strlen(ours[i]))));
    for (size_t i = 0; i < sizeof(theirs) / sizeof(theirs[0]); i++)
        assert_false(is_ours(h2o_iovec_init(theirs[i], strlen(theirs[i]))));
}

static int route_index(const char *method, const char *pattern)
{
    for (int i = 0; i < pw_route_count; i++)
        if (strcmp(pw_routes[i].method, method) == 0 && strcmp(pw_routes[i].pattern, pattern) == 0)
            return i;
    return -1;
}

/* The app as main.c builds it, as far as the router looks: the API's route table. */
static pw_app routed_app;

static int lookup(const char *method, const char *path, pw_req *rq, char *allow, size_t allow_size)
{
    routed_app.routes = pw_routes;
    routed_app.route_count = pw_route_count;
    pw_router_init(&routed_app); /* as the server does before its loops start (idempotent) */
    memset(rq, 0, sizeof(*rq));
    rq->app = &routed_app;
    return find_route(rq, h2o_iovec_init(method, strlen(method)), h2o_iovec_init(path, strlen(path)), allow,
                      allow_size);
}

static void test_find_route(void **state)
{
    (void)state;
    pw_req rq;
    char allow[64];
    int ack = route_index("POST", "/api/v1/tasks/{id}/ack");
    assert_true(ack >= 0);
    assert_int_equal(lookup("POST", "/api/v1/tasks/42/ack", &rq, allow, sizeof(allow)), ack);
    assert_int_equal(rq.param_count, 1);
    assert_string_equal(rq.params[0], "42");

    /* wrong method on a known path: -2 and the Allow list in table order */
    assert_int_equal(lookup("GET", "/api/v1/tasks/42/ack", &rq, allow, sizeof(allow)), -2);
    assert_string_equal(allow, "POST");
    assert_int_equal(rq.param_count, 0); /* nothing captured for a refused request */
    assert_int_equal(lookup("DELETE", "/api/v1/tasks", &rq, allow, sizeof(allow)), -2);
    assert_string_equal(allow, "POST, GET");
    assert_int_equal(lookup("PATCH", "/api/v1/me/worker", &rq, allow, sizeof(allow)), -2);
    assert_string_equal(allow, "PUT, GET");

    /* HEAD is served by the GET route */
    assert_int_equal(lookup("HEAD", "/healthz", &rq, allow, sizeof(allow)), route_index("GET", "/healthz"));
    assert_int_equal(lookup("HEAD", "/api/v1/tasks/7", &rq, allow, sizeof(allow)),
                     route_index("GET", "/api/v1/tasks/{id}"));
    assert_string_equal(rq.params[0], "7");

    /* method names are exact */
    assert_int_equal(lookup("get", "/healthz", &rq, allow, sizeof(allow)), -2);
    assert_int_equal(lookup("GETX", "/healthz", &rq, allow, sizeof(allow)), -2);

    /* unknown paths: -1 */
    assert_int_equal(lookup("GET", "/api/v1/nope", &rq, allow, sizeof(allow)), -1);
    assert_int_equal(lookup("GET", "/api/v1/tasks/42/ack/more", &rq, allow, sizeof(allow)), -1);
    assert_int_equal(lookup("GET", "/api/v1/tasks/", &rq, allow, sizeof(allow)), -1);
    assert_int_equal(lookup("GET", "/api", &rq, allow, sizeof(allow)), -1);

    /* /users/{id}/reputation and /users/{id} are distinct rows */
    assert_int_equal(lookup("GET", "/api/v1/users/5/reputation", &rq, allow, sizeof(allow)),
                     route_index("GET", "/api/v1/users/{id}/reputation"));
    assert_int_equal(lookup("GET", "/api/v1/users/5", &rq, allow, sizeof(allow)),
                     route_index("GET", "/api/v1/users/{id}"));
}

/* ==== the route table ===================================================================== */

static int known_method(const char *m)
{
    static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
        if (strcmp(m, methods[i]) == 0)
            return 1;
    return 0;
}

/* A pattern is "/seg/seg…": non-empty segments, each either literal (no braces) or a
 * whole {name}; no trailing slash; at most PW_ROUTE_PARAMS_MAX captures. Writes into
 * `example` a concrete path for it ({name} -> "1", "2", …). */
static int pattern_well_formed(const char *pattern, char *example, size_t example_size)
{
    if (pattern[0] != '/')
        return 0;
    size_t len = strlen(pattern);
    if (len > 1 && pattern[len - 1] == '/')
        return 0;
    int captures = 0;
    example[0] = '\0';
    const char *p = pattern;
    while (*p == '/') {
        p++;
        const char *end = strchr(p, '/');
        if (end == NULL)
            end = p + strlen(p);
        size_t seg = (size_t)(end - p);
        if (seg == 0)
            return 0;
        if (p[0] == '{') {
            if (seg < 3 || p[seg - 1] != '}' || memchr(p + 1, '{', seg - 1) || memchr(p + 1, '}', seg - 2))
                return 0;
            captures++;
            snprintf(example + strlen(example), example_size - strlen(example), "/%d", captures);
        } else {
            if (memchr(p, '{', seg) || memchr(p, '}', seg))
                return 0;
            snprintf(example + strlen(example), example_size - strlen(example), "/%.*s", (int)seg, p);
        }
        p = end;
    }
    return *p == '\0' && captures <= PW_ROUTE_PARAMS_MAX;
}

static void test_route_table_rows(void **state)
{
    (void)state;
    assert_true(pw_route_count >= 30);
    for (int i = 0; i < pw_route_count; i++) {
        const pw_route *r = &pw_routes[i];
        if (!known_method(r->method) || r->handler == NULL || r->pattern == NULL)
            print_error("route row %d (%s %s) is malformed\n", i, r->method, r->pattern ? r->pattern : "(null)");
        assert_true(known_method(r->method));
        assert_non_null(r->handler);
        assert_non_null(r->pattern);
        assert_int_equal(r->pattern[0], '/');
        char example[256];
        if (!pattern_well_formed(r->pattern, example, sizeof(example)))
            print_error("route row %d: pattern \"%s\" is not well formed\n", i, r->pattern);
        assert_true(pattern_well_formed(r->pattern, example, sizeof(example)));
        compiled_route c; /* the router can split it: segments and captures within bounds */
        assert_int_equal(compile(r->pattern, &c), 0);
        /* the server only routes paths that is_ours() accepts */
        assert_true(is_ours(h2o_iovec_init(r->pattern, strlen(r->pattern))));
        assert_true(r->allow >= PW_ALLOW_ANYONE && r->allow <= PW_ALLOW_ADMIN);
        assert_int_equal(r->flags & ~(PW_ROUTE_JSON_BODY | PW_ROUTE_IDEMPOTENT | PW_ROUTE_OPTIONAL_BODY), 0);
        if (r->flags & PW_ROUTE_OPTIONAL_BODY)
            assert_true(r->flags & PW_ROUTE_JSON_BODY);
        if (r->flags & PW_ROUTE_JSON_BODY) /* GET bodies are not read */
            assert_string_not_equal(r->method, "GET");
        if (r->flags & PW_ROUTE_IDEMPOTENT) /* Idempotency-Key: unsafe methods only */
            assert_string_equal(r->method, "POST");
        assert_true(r->body_max_bytes <= PW_HTTP_ENTITY_MAX_BYTES);
        assert_true(strlen(r->pattern) <= PW_HTTP_PATH_MAX_BYTES);
        for (int j = 0; j < i; j++) {
            int same = strcmp(pw_routes[j].method, r->method) == 0 && strcmp(pw_routes[j].pattern, r->pattern) == 0;
            if (same)
                print_error("route rows %d and %d are both %s %s\n", j, i, r->method, r->pattern);
            assert_false(same);
        }
    }
}

/* Every row is reachable: its example path with its method finds that very row (no
 * earlier row shadows it), and the captures come back in order. */
static void test_route_table_reachable(void **state)
{
    (void)state;
    for (int i = 0; i < pw_route_count; i++) {
        const pw_route *r = &pw_routes[i];
        char example[256], allow[64];
        assert_true(pattern_well_formed(r->pattern, example, sizeof(example)));
        pw_req rq;
        int found = lookup(r->method, example, &rq, allow, sizeof(allow));
        if (found != i)
            print_error("%s %s (row %d) routes to row %d\n", r->method, example, i, found);
        assert_int_equal(found, i);
        for (int k = 0; k < rq.param_count; k++) {
            char want[16];
            snprintf(want, sizeof(want), "%d", k + 1);
            assert_string_equal(rq.params[k], want);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match_literal),
        cmocka_unit_test(test_match_params),
        cmocka_unit_test(test_match_respects_length),
        cmocka_unit_test(test_json_depth),
        cmocka_unit_test(test_find_nul),
        cmocka_unit_test(test_is_ours),
        cmocka_unit_test(test_find_route),
        cmocka_unit_test(test_route_table_rows),
        cmocka_unit_test(test_route_table_reachable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
