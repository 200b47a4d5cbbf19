/* auth.c — reading the caller's session from a request, and CSRF.
 *
 * A session token is 32 random bytes, base64url (43 characters), given to the client
 * once; the database keeps only its BLAKE2b-256 hash, so a stolen database copy holds no
 * usable token. A request authenticates with `Authorization: Bearer <token>` (API
 * clients; no CSRF) or the `pw_session` cookie (the web interface; unsafe methods must
 * carry X-CSRF-Token equal to the session's csrf_token, compared in constant time). A
 * session is live while not revoked, before its absolute expiry, and used within the
 * idle window; use is recorded at most once a minute by a detached write. Cookies are
 * read by name from the Cookie header (pw_req_cookie: also the sign-in's pw_device). */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "http/internal.h"
#include "market/accounts.h"

static const char SQL_SESSION[] =
    "SELECT s.id, s.user_id, s.csrf_token, s.last_seen_at, s.expires_at, u.roles "
    "FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND s.revoked_at IS NULL";

const char *pw_req_cookie(pw_req *rq, const char *name, size_t *len_out)
{
    size_t len = 0, name_len = strlen(name);
    const char *v = pw_req_header(rq, "cookie", &len);
    if (v == NULL)
        return NULL;    /* and no arithmetic on a NULL pointer: undefined even + 0 (UBSan, fuzz_http) */
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
static size_t find_token(pw_req *rq, const char **token_out, int *via_cookie)
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
    int64_t session_id, user_id;
} touch_job;

/* Records use of the session and, for a worker, the heartbeat that keeps them active. */
static int touch_run(pw_job *job, pw_db *db, int64_t now_ms)
{
    touch_job *t = (touch_job *)job;
    pw_stmt *st = pw_db_stmt(db, "UPDATE sessions SET last_seen_at = ? WHERE id = ?");
    pw_stmt_int64(st, 1, now_ms);
    pw_stmt_int64(st, 2, t->session_id);
    if (pw_stmt_run(st) != PW_OK)
        return -1;
    st = pw_db_stmt(db, "UPDATE worker_profiles SET last_seen_at = ? WHERE user_id = ? AND active = 1");
    pw_stmt_int64(st, 1, now_ms);
    pw_stmt_int64(st, 2, t->user_id);
    return pw_stmt_run(st) == PW_OK ? 0 : -1;
}

int pw_auth_load(pw_req *rq, pw_error *err)
{
    const char *token = NULL;
    int via_cookie = 0;
    size_t len = find_token(rq, &token, &via_cookie);
    if (len == 0)
        return 0;
    unsigned char hash[PW_TOKEN_HASH_BYTES];
    if (pw_accounts_token_hash(token, len, hash) != 0)
        return 0;                      /* not a token we could have issued: anonymous */
    int64_t now_ms = pw_clock_now_ms(&rq->app->clock);
    pw_stmt *st = pw_db_stmt(pw_loop_db(rq->loop), SQL_SESSION);
    pw_stmt_blob(st, 1, hash, sizeof(hash));
    if (pw_stmt_step(st) == PW_ROW) {
        int64_t last_seen = pw_stmt_column_int64(st, 3), expires = pw_stmt_column_int64(st, 4);
        if (expires > now_ms && last_seen + (int64_t)PW_SESSION_IDLE_S * 1000 > now_ms) {
            rq->auth.session_id = pw_stmt_column_int64(st, 0);
            rq->auth.user_id = pw_stmt_column_int64(st, 1);
            snprintf(rq->auth.csrf_token, sizeof(rq->auth.csrf_token), "%s", pw_stmt_column_text(st, 2));
            rq->auth.roles = (int)pw_stmt_column_int64(st, 5);
            rq->auth.via_cookie = via_cookie;
            if (now_ms - last_seen >= (int64_t)PW_SESSION_TOUCH_INTERVAL_S * 1000) {
                touch_job *t = calloc(1, sizeof(*t));
                if (t != NULL) {
                    t->job.run = touch_run;
                    t->session_id = rq->auth.session_id;
                    t->user_id = rq->auth.user_id;
                    if (pw_app_write_detached(rq->app, &t->job) != 0)
                        free(t);
                }
            }
        }
    }
    pw_stmt_done(st);
    (void)err;
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
