/* accounts.c — POST /users, POST /sessions, DELETE /sessions/current, GET /me, and the
 * development clock.
 *
 * Sign-up: validate on the loop -> argon2id on the hash pool -> insert on the writer ->
 * 201 once durable. Sign-in: user lookup and the attempt's reservation in the limits on
 * the loop (http/throttle.h: per address, and per device cookie or per account) -> verify
 * on the hash pool (against a dummy hash when the e-mail is unknown, so both cost the
 * same) -> the reservation settled -> on success a new session on the writer (revoking the
 * session the request came with: rotation) -> {token, user}, the session cookie and a new
 * device cookie (market/devices.h). Both failure kinds give one identical 401. Sign-out
 * revokes the session and, in the same transaction, writes the user a `session` event row:
 * the signal that ends that session's open GET /api/v1/events streams (http/events.c). */
#include <stdio.h>
#include <sodium.h>
#include <string.h>

#include "api/api.h"
#include "base/json_util.h"
#include "http/throttle.h"
#include "market/accounts.h"
#include "market/devices.h"
#include "market/events.h"
#include "market/scheduler.h"
#include "market/tasks.h"

/* ---- POST /users ------------------------------------------------------------------------ */

typedef struct signup {
    pw_new_user user;
    char password_hash[PW_PASSWORD_HASH_BYTES];
} signup;

static int signup_hash(pw_call *call, pw_db *db, int64_t now_ms)
{
    signup *s = pw_call_data(call);
    int rc = pw_accounts_hash_password(s->user.password, s->password_hash);
    sodium_memzero(s->user.password, sizeof(s->user.password));
    return rc;
}

static int signup_insert(pw_call *call, pw_db *db, int64_t now_ms)
{
    signup *s = pw_call_data(call);
    pw_user_row row;
    int rc = pw_accounts_insert_user(db, &s->user, s->password_hash, now_ms, &row, &call->error);
    if (rc != PW_OK)
        return pw_call_failure(call, rc, &call->error);
    call->status = 201;
    call->output = pw_accounts_user_json(&row);
    return 0;
}

static void signup_hashed(pw_call *call, pw_req *rq)
{
    if (call->job.result != PW_OK) {
        pw_reply_failure(rq, call->job.result, NULL);
        return;
    }
    pw_call_write(call, signup_insert, NULL);
}

void pw_api_users_create(pw_req *rq)
{
    pw_error err;
    pw_call *call = pw_call_new(rq, sizeof(signup));
    if (call == NULL)
        return pw_api_reply_nomem(rq);
    signup *s = pw_call_data(call);
    if (pw_accounts_parse_new_user(rq->body, &s->user, &err) != 0) {
        pw_call_free(call);
        return pw_reply_error(rq, &err);
    }
    pw_call_hash(call, signup_hash, signup_hashed);
}

/* ---- POST /sessions ---------------------------------------------------------------------- */

typedef struct signin {
    char email[PW_EMAIL_MAX_BYTES + 1];
    char password[PW_PASSWORD_MAX_BYTES + 1];
    char ip[64];
    int found;          /* the e-mail exists */
    int checked, wrong; /* set by the hash: the password was checked, and was wrong */
    pw_user_row user;
    pw_throttle_ticket ticket; /* the attempt's place in the limits, until settled */
    char token[PW_TOKEN_TEXT_BYTES];
    char csrf[PW_CSRF_TEXT_BYTES];
    char device[PW_DEVICE_COOKIE_TEXT_BYTES];
} signin;

_Static_assert(sizeof(((pw_app *)0)->device_key) == PW_DEVICE_KEY_BYTES, "device cookie key");

/* Ends the attempt's reservation by what the hash found; an attempt never checked (the
 * hash queue was full, the server stopped) gives its place back. */
static void signin_settle(pw_call *call)
{
    signin *s = pw_call_data(call);
    int outcome = !s->checked ? PW_THROTTLE_UNCHECKED : s->wrong ? PW_THROTTLE_FAILED : PW_THROTTLE_SUCCEEDED;
    pw_throttle_settle(call->app->throttle, &s->ticket, outcome, pw_clock_now_ms(&call->app->clock));
}

static int signin_verify(pw_call *call, pw_db *db, int64_t now_ms)
{
    signin *s = pw_call_data(call);
    int rc = pw_accounts_verify_password(s->found ? s->user.password_hash : NULL, s->password);
    sodium_memzero(s->password, sizeof(s->password));
    s->wrong = rc != 0;
    s->checked = 1;
    return rc;
}

static int signin_session(pw_call *call, pw_db *db, int64_t now_ms)
{
    signin *s = pw_call_data(call);
    int rc = pw_accounts_create_session(db, s->user.id, call->auth.session_id, now_ms, s->token, s->csrf);
    if (rc != PW_OK)
        return rc;
    call->status = 200;
    json_t *user = pw_accounts_user_json(&s->user);
    call->output = json_pack("{s:s, s:o}", "token", s->token, "user", user);
    return 0;
}

static void signin_done(pw_call *call, pw_req *rq)
{
    signin *s = pw_call_data(call);
    if (call->status == 200) {
        const char *secure = call->app->cfg.cookie_secure || pw_req_is_https(rq) ? "; Secure" : "";
        char cookie[200];
        snprintf(cookie, sizeof(cookie), "pw_session=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%d%s", s->token,
                 PW_SESSION_ABSOLUTE_S, secure);
        pw_reply_header(rq, "set-cookie", cookie);
        pw_devices_issue(call->app->device_key, s->user.id, call->now_ms, s->device);
        snprintf(cookie, sizeof(cookie), "pw_device=%s; Path=/api/v1/sessions; HttpOnly; SameSite=Lax; Max-Age=%d%s",
                 s->device, PW_DEVICE_COOKIE_MAX_AGE_S, secure);
        pw_reply_header(rq, "set-cookie", cookie);
    }
    sodium_memzero(s->token, sizeof(s->token));
    pw_call_reply(call, rq);
}

static void signin_verified(pw_call *call, pw_req *rq)
{
    signin_settle(call);
    if (call->job.result != 0) {
        pw_reply_errorf(rq, 401, "invalid_credentials", NULL, "wrong email or password");
        return;
    }
    pw_call_write(call, signin_session, signin_done);
}

/* Takes the attempt's place in the per-address limit and in either its device cookie's
 * limit (a valid pw_device cookie naming this account) or the account's, shared by every
 * untrusted client. 0, or the seconds to wait. */
static int signin_reserve(pw_req *rq, signin *s, int64_t now_ms)
{
    pw_device device;
    size_t len = 0;
    const char *text = pw_req_cookie(rq, "pw_device", &len);
    int trusted = text != NULL && s->found && pw_devices_open(rq->app->device_key, text, len, now_ms, &device) == 0 &&
                  device.user_id == s->user.id;
    pw_throttle_key keys[2] = {
        {.kind = "ip:", .key = s->ip, .len = strlen(s->ip), .limit = PW_LOGIN_FAILS_PER_IP},
        trusted ? (pw_throttle_key){.kind = "device:",
                                    .key = device.nonce,
                                    .len = sizeof(device.nonce),
                                    .limit = PW_LOGIN_FAILS_PER_DEVICE,
                                    .clear_on_success = 1}
                : (pw_throttle_key){.kind = "email:",
                                    .key = s->email,
                                    .len = strlen(s->email),
                                    .limit = PW_LOGIN_FAILS_PER_ACCOUNT},
    };
    return pw_throttle_reserve(rq->app->throttle, keys, 2, now_ms, &s->ticket);
}

void pw_api_sessions_create(pw_req *rq)
{
    pw_error err;
    pw_call *call = pw_call_new(rq, sizeof(signin));
    if (call == NULL)
        return pw_api_reply_nomem(rq);
    signin *s = pw_call_data(call);
    if (pw_json_string_field(rq->body, "email", 1, 1, PW_EMAIL_MAX_BYTES, 0, s->email, sizeof(s->email), &err) != 0 ||
        pw_json_string_field(rq->body, "password", 1, 1, PW_PASSWORD_MAX_CHARS, 1, s->password, sizeof(s->password),
                             &err) != 0) {
        pw_call_free(call);
        return pw_reply_error(rq, &err);
    }
    for (char *p = s->email; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    pw_req_peer_ip(rq, s->ip, sizeof(s->ip));
    int found = pw_accounts_find_by_email(pw_loop_db(rq->loop), s->email, &s->user);
    if (found < 0) {
        pw_call_free(call);
        return pw_reply_failure(rq, found, NULL);
    }
    s->found = found;
    int wait_s = signin_reserve(rq, s, pw_clock_now_ms(&rq->app->clock));
    if (wait_s > 0) {
        pw_call_free(call);
        pw_error_set(&err, 429, "rate_limited", NULL, "too many sign-in attempts; try again later");
        err.retry_after_s = wait_s;
        return pw_reply_error(rq, &err);
    }
    call->on_free = signin_settle; /* a reservation never outlives its call */
    pw_call_hash(call, signin_verify, signin_verified);
}

/* ---- the session behind a request's token (app->sessions, http/auth.c) ----------------------- */

static int session_load(pw_db *db, const char *token, size_t len, int64_t now_ms, pw_auth *auth, int *touch_due)
{
    pw_session_row session;
    int found = pw_accounts_find_session(db, token, len, now_ms, &session);
    if (found != 1)
        return found;
    auth->session_id = session.id;
    auth->user_id = session.user_id;
    auth->roles = session.roles;
    _Static_assert(sizeof(auth->csrf_token) >= sizeof(session.csrf_token), "the CSRF token fits");
    memcpy(auth->csrf_token, session.csrf_token, sizeof(session.csrf_token));
    *touch_due = session.touch_due;
    return 1;
}

const pw_session_store pw_api_sessions = {.load = session_load, .touch = pw_accounts_touch_session};

/* ---- DELETE /sessions/current ---------------------------------------------------------------- */

static int signout_run(pw_call *call, pw_db *db, int64_t now_ms)
{
    int rc = pw_accounts_revoke_session(db, call->auth.session_id, now_ms);
    if (rc != PW_OK)
        return rc;
    /* never sent to a stream: it makes the user's streams ask whether their session still lives */
    char data[64];
    snprintf(data, sizeof(data), "{\"session_id\":\"%lld\",\"status\":\"ended\"}", (long long)call->auth.session_id);
    rc = pw_events_add(db, call->auth.user_id, "session", 0, data, now_ms);
    if (rc != PW_OK)
        return rc;
    call->status = 204;
    return 0;
}

void pw_api_session_cleared_done(pw_call *call, pw_req *rq)
{
    if (call->status == 204)
        pw_reply_header(rq, "set-cookie", "pw_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    pw_call_reply(call, rq);
}

void pw_api_sessions_delete(pw_req *rq)
{
    pw_call *call = pw_call_new(rq, 0);
    if (call == NULL)
        return pw_api_reply_nomem(rq);
    pw_call_write(call, signout_run, pw_api_session_cleared_done);
}

/* ---- GET /me ------------------------------------------------------------------------------------ */

void pw_api_me_get(pw_req *rq)
{
    pw_user_row user;
    int found = pw_accounts_find_by_id(pw_loop_db(rq->loop), rq->auth.user_id, &user);
    if (found != 1)
        return pw_reply_errorf(rq, 401, "unauthenticated", NULL, "sign in first");
    json_t *out = pw_accounts_user_json(&user);
    json_object_set_new(out, "csrf_token", json_string(rq->auth.csrf_token));
    /* public policy numbers (--fee-bps, --pool-share-bps), so the interface can show the fee */
    json_object_set_new(out, "fee_bps", json_integer(rq->app->policy->fee_bps));
    json_object_set_new(out, "pool_share_bps", json_integer(rq->app->policy->pool_share_bps));
    /* the market's clock (the dev clock when moved): what deadlines count against */
    char now[PW_RFC3339_BYTES];
    pw_time_format_rfc3339(pw_clock_now_ms(&rq->app->clock), now);
    json_object_set_new(out, "now", json_string(now));
    pw_reply_json(rq, 200, out);
}

/* ---- POST /dev/clock (only with --dev-clock) ------------------------------------------------------ */

/* Runs the market's timers and a batch round at the new time, and answers after every
 * write queued before it has committed, so a test sees the world as it is then. */
static int dev_clock_run(pw_call *call, pw_db *db, int64_t batch_now_ms)
{
    /* The clock moves here, on the writer, so no scheduler tick slips in between the
     * move and this tick: whatever falls due at the new time is this answer's. */
    pw_clock_advance_ms(&call->app->clock, *(int64_t *)pw_call_data(call));
    int64_t now_ms = pw_clock_now_ms(&call->app->clock);
    pw_tick_report r;
    int rc = pw_scheduler_tick_now(db, call->app->policy, now_ms, &r);
    if (rc != PW_OK)
        return rc;
    char now[PW_RFC3339_BYTES];
    pw_time_format_rfc3339(now_ms, now);
    call->status = 200;
    call->output = json_pack("{s:s, s:{s:i, s:i, s:i, s:i, s:i, s:i}}", "now", now, "tick", "acks_missed",
                             r.acks_missed, "auto_approved", r.auto_approved, "expired", r.expired, "assigned",
                             r.assigned, "silenced", r.silenced, "failed", r.failed);
    return 0;
}

void pw_api_dev_clock(pw_req *rq)
{
    if (!rq->app->cfg.dev_clock)
        return pw_reply_errorf(rq, 404, "not_found", NULL, "no such endpoint");
    json_t *v = json_object_get(rq->body, "advance_s");
    if (v == NULL)
        return pw_reply_errorf(rq, 422, "validation_failed", "advance_s", "advance_s is required");
    if (!json_is_integer(v))
        return pw_reply_errorf(rq, 400, "wrong_type", "advance_s", "advance_s must be an integer");
    json_int_t s = json_integer_value(v);
    if (s < 0 || s > 366 * 24 * 3600)
        return pw_reply_errorf(rq, 422, "validation_failed", "advance_s", "advance_s must be 0 to one year");
    pw_call *call = pw_call_new(rq, sizeof(int64_t));
    if (call == NULL)
        return pw_api_reply_nomem(rq);
    *(int64_t *)pw_call_data(call) = (int64_t)s * 1000;
    pw_call_write_alone(call, dev_clock_run, NULL); /* the market tick, as the scheduler runs it */
}
