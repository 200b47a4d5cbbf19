/* auth.c — reading the caller's session from a request, and CSRF.
 *
 * A session token is 32 random bytes, base64url (43 characters), given to the client
 * once. A request authenticates with `Authorization: Bearer <token>` (API clients; no
 * CSRF) or the `pw_session` cookie (the web interface; unsafe methods must carry
 * X-CSRF-Token equal to the session's csrf_token, compared in constant time). Which
 * sessions are live, and what the database keeps of a token (its BLAKE2b hash only), is
 * the session store's, handed down in app->sessions (http.h): this file finds the token,
 * asks the store on the loop's read connection, and when the store says the use is due to
 * be recorded (at most once a minute) hands its touch() to the writer as a detached job.
 * Cookies are read by name from the Cookie header (pw_req_cookie: also the sign-in's
 * pw_device). */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "http/internal.h"

const char *pw_req_cookie(pw_req *rq, const char *name, size_t *len_out)
{
    size_t len = 0, name_len = strlen(name);
    const char *v = pw_req_header(rq, "cookie", &len);
    if (v == NULL)
        return NULL; /* and no arithmetic on a NULL pointer: undefined even + 0 (UBSan, fuzz_http) */
    const char *end = v + len;
    while (v < end) {
        while (v < end && (*v == ' ' || *v == ';'))
            v++;
        const char *semi = memchr(v, ';', (size_t)(end - v));
        const char *item_end = semi ? semi : end;
        if ((size_t)(item_end - v) > name_len && memcmp(v, name, name_len) == 0 && v[name_len] == '=') {
            *len_out = (size_t)(item_end - v) - name_len - 1;
            return v + name_len + 1;
        }
        v = item_end;
    }
    return NULL;
}

/* Finds the token: bearer first, then the cookie. Returns its length, 0 if none. */
size_t pw_auth_find_token(pw_req *rq, const char **token_out, int *via_cookie)
{
    size_t len = 0;
    const char *v = pw_req_header(rq, "authorization", &len);
    if (v != NULL && len > 7 && strncasecmp(v, "Bearer ", 7) == 0) {
        *token_out = v + 7;
        *via_cookie = 0;
        return len - 7;
    }
    v = pw_req_cookie(rq, "pw_session", &len);
    if (v == NULL || len == 0)
        return 0;
    *token_out = v;
    *via_cookie = 1;
    return len;
}

typedef struct touch_job {
    pw_job job;
    const pw_session_store *sessions;
    int64_t session_id, user_id;
} touch_job;

static int touch_run(pw_job *job, pw_db *db, int64_t now_ms)
{
    touch_job *t = (touch_job *)job;
    return t->sessions->touch(db, t->session_id, t->user_id, now_ms);
}

/* Records the session's use by a detached write; a refused one (a full queue) is skipped:
 * the next request a minute on tries again. */
void pw_auth_touch_later(pw_app *app, int64_t session_id, int64_t user_id)
{
    touch_job *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return;
    t->job.run = touch_run;
    t->sessions = app->sessions;
    t->session_id = session_id;
    t->user_id = user_id;
    if (pw_app_write_detached(app, &t->job) != 0)
        free(t);
}

static void touch_later(pw_req *rq) { pw_auth_touch_later(rq->app, rq->auth.session_id, rq->auth.user_id); }

int pw_auth_load(pw_req *rq, pw_error *err)
{
    const char *token = NULL;
    int via_cookie = 0, touch_due = 0;
    (void)err;
    size_t len = pw_auth_find_token(rq, &token, &via_cookie);
    if (len == 0)
        return 0;
    pw_auth auth = {0};
    int64_t now_ms = pw_clock_now_ms(&rq->app->clock);
    if (rq->app->sessions->load(pw_loop_db(rq->loop), token, len, now_ms, &auth, &touch_due) != 1)
        return 0; /* no live session (or the read failed): anonymous */
    auth.via_cookie = via_cookie;
    rq->auth = auth;
    if (touch_due)
        touch_later(rq);
    return 0;
}

int pw_auth_check_csrf(pw_req *rq, pw_error *err)
{
    if (!rq->auth.via_cookie)
        return 0;
    h2o_iovec_t m = rq->req->method;
    if ((m.len == 3 && memcmp(m.base, "GET", 3) == 0) || (m.len == 4 && memcmp(m.base, "HEAD", 4) == 0))
        return 0;
    size_t len = 0;
    const char *given = pw_req_header(rq, "x-csrf-token", &len);
    size_t want = strlen(rq->auth.csrf_token);
    if (given == NULL || len != want || want == 0 || sodium_memcmp(given, rq->auth.csrf_token, want) != 0)
        return pw_error_set(err, 403, "csrf_failed", "X-CSRF-Token",
                            "a cookie-authenticated change needs the X-CSRF-Token header from GET /api/v1/me");
    return 0;
}
