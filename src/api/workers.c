/* workers.c — PUT /me/worker, GET /me/worker, POST /me/availability, GET /users/{id},
 * GET /users/{id}/reputation. */
#include "api/api.h"
#include "market/workers.h"

static int profile_run(pw_call *call, pw_db *db, int64_t now_ms)
{
    pw_worker_profile *p = pw_call_data(call);
    int rc = pw_worker_change_profile(db, call->app->policy, call->auth.user_id, p, now_ms);
    if (rc != PW_OK)
        return rc;
    call->status = 200;
    call->output = pw_worker_profile_json(db, call->auth.user_id);
    return call->output ? PW_OK : PW_EDB; /* written, and not there to read back */
}

void pw_api_worker_put(pw_req *rq)
{
    pw_error err;
    pw_call *call = pw_call_new(rq, sizeof(pw_worker_profile));
    if (call == NULL)
        return pw_api_reply_nomem(rq);
    if (pw_worker_profile_parse(rq->body, pw_call_data(call), &err) != 0) {
        pw_call_free(call);
        return pw_reply_error(rq, &err);
    }
    pw_call_write(call, profile_run, NULL);
}

void pw_api_worker_get(pw_req *rq)
{
    json_t *out = pw_worker_profile_json(pw_loop_db(rq->loop), rq->auth.user_id);
    if (out == NULL)
        return pw_reply_errorf(rq, 404, "not_found", NULL, "no worker profile yet: PUT /api/v1/me/worker");
    pw_reply_json(rq, 200, out);
}

static int availability_run(pw_call *call, pw_db *db, int64_t now_ms)
{
    int active = *(int *)pw_call_data(call);
    int64_t since = 0;
    int rc = pw_worker_change_availability(db, call->app->policy, call->auth.user_id, active, now_ms, &since,
                                           &call->error);
    if (rc != PW_OK)
        return pw_call_failure(call, rc, &call->error);
    char text[PW_RFC3339_BYTES];
    pw_time_format_rfc3339(since, text);
    call->status = 200;
    call->output = json_pack("{s:b, s:o}", "active", active, "since", active ? json_string(text) : json_null());
    return 0;
}

void pw_api_availability(pw_req *rq)
{
    json_t *active = json_object_get(rq->body, "active");
    if (active == NULL)
        return pw_reply_errorf(rq, 422, "validation_failed", "active", "active is required");
    if (!json_is_boolean(active))
        return pw_reply_errorf(rq, 400, "wrong_type", "active", "active must be true or false");
    pw_call *call = pw_call_new(rq, sizeof(int));
    if (call == NULL)
        return pw_api_reply_nomem(rq);
    *(int *)pw_call_data(call) = json_is_true(active);
    pw_call_write(call, availability_run, NULL);
}

/* A public view of the user {id}, read on the loop: 200 with it, or 404 for no such user. */
static void reply_user_view(pw_req *rq, json_t *(*view)(pw_db *db, int64_t user_id))
{
    int64_t id;
    json_t *out = pw_api_id_param(rq, 0, &id) == 0 ? view(pw_loop_db(rq->loop), id) : NULL;
    if (out == NULL)
        return pw_reply_errorf(rq, 404, "not_found", NULL, "no such user");
    pw_reply_json(rq, 200, out);
}

void pw_api_user_get(pw_req *rq) { reply_user_view(rq, pw_user_public_json); }
void pw_api_user_reputation(pw_req *rq) { reply_user_view(rq, pw_user_reputation_json); }
