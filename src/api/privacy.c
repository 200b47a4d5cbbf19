/* privacy.c — GET /me/export (the caller's own data, market/privacy.h) and DELETE /me (the
 * account anonymised, on the writer; a cookie session needs its CSRF token, as every
 * unsafe method does). */
#include "api/api.h"
#include "market/privacy.h"

void pw_api_me_export(pw_req *rq)
{
    json_t *out = NULL;
    int rc = pw_privacy_export(pw_loop_db(rq->loop), rq->auth.user_id, pw_clock_now_ms(&rq->app->clock), &out);
    pw_reply_result(rq, rc, out);
}

static int delete_run(pw_call *call, pw_db *db, int64_t now_ms)
{
    int rc = pw_privacy_delete(db, call->app->policy, call->auth.user_id, now_ms, &call->error);
    if (rc != PW_OK)
        return pw_call_failure(call, rc, &call->error);
    call->status = 204;
    return 0;
}

void pw_api_me_delete(pw_req *rq)
{
    pw_call *call = pw_call_new(rq, 0);
    if (call == NULL)
        return pw_api_reply_nomem(rq);
    pw_call_write(call, delete_run, pw_api_session_cleared_done);
}
