/* api.h — the handlers named in the route table (routes.c), one file per resource. A
 * handler parses and validates its input, calls a subsystem, and renders JSON. */
#ifndef PW_API_H
#define PW_API_H
#include "http/http.h"
#include "market/audit.h"

/* routes.c: THE route table. Whoever builds the app hands it, and pw_api_sessions, to the
 * http layer below (main.c: app.routes, app.route_count, app.sessions). */
extern const pw_route pw_routes[];
extern const int pw_route_count;

void pw_api_reply_nomem(pw_req *rq);

/* accounts.c */
extern const pw_session_store pw_api_sessions; /* app->sessions: market's sessions as the router reads them */
void pw_api_users_create(pw_req *rq);
void pw_api_sessions_create(pw_req *rq);
void pw_api_sessions_delete(pw_req *rq);
void pw_api_me_get(pw_req *rq);
void pw_api_dev_clock(pw_req *rq);
void pw_api_dev_faults(pw_req *rq); /* PW_FAULTS builds only (store/faults.h) */

/* wallet.c */
void pw_api_wallet_get(pw_req *rq);
void pw_api_wallet_entries(pw_req *rq);
void pw_api_wallet_deposit(pw_req *rq);
void pw_api_wallet_payout(pw_req *rq);

/* params.c */
/* PW_OK, or PW_EREFUSED: not an id (no pw_error: the caller answers 404). */
int pw_api_id_param(pw_req *rq, int index, int64_t *out);
int pw_api_page(pw_req *rq, int *limit_out, int64_t *cursor_out, pw_error *err);
/* The query parameter `name` as a user id: 1 with *out set, 0 when it is absent (*out kept),
 * or PW_EREFUSED with a 422 on the field. */
int pw_api_query_user_id(pw_req *rq, const char *name, int64_t *out, pw_error *err);
/* A coordinate: a plain decimal number (no hex, inf or nan) within [-bound, bound]. PW_OK or
 * PW_EREFUSED (no pw_error: the caller names the field). */
int pw_api_coordinate(const char *text, double bound, double *out);

/* workers.c */
void pw_api_worker_put(pw_req *rq);
void pw_api_worker_get(pw_req *rq);
void pw_api_availability(pw_req *rq);
void pw_api_user_get(pw_req *rq);
void pw_api_user_reputation(pw_req *rq);

/* tasks.c */
void pw_api_tasks_create(pw_req *rq);
void pw_api_tasks_get(pw_req *rq);
void pw_api_tasks_list(pw_req *rq);
void pw_api_admin_tasks(pw_req *rq);
void pw_api_tasks_dispatch(pw_req *rq);
void pw_api_tasks_ack(pw_req *rq);
void pw_api_tasks_release(pw_req *rq);
void pw_api_tasks_submit(pw_req *rq);
void pw_api_tasks_approve(pw_req *rq);
void pw_api_tasks_cancel(pw_req *rq);
void pw_api_tasks_dispute(pw_req *rq);
void pw_api_messages_list(pw_req *rq);
void pw_api_messages_create(pw_req *rq);
void pw_api_disputes_list(pw_req *rq);
void pw_api_disputes_resolve(pw_req *rq);

/* admin.c */
void pw_api_admin_metrics(pw_req *rq);
void pw_api_admin_audit(pw_req *rq);
/* The end of an admin's audited read, in the call's writer job: records `action` with
 * `detail` (taken) and only then answers 200 with the output already set. A failed record
 * returns its code with the status still 0: a 503, never an unaudited answer. */
int pw_api_audited_read(pw_call *call, pw_db *db, int64_t now_ms, pw_audit_action action, json_t *detail);

/* series.c */
void pw_api_admin_series(pw_req *rq);

/* events.c */
void pw_api_events(pw_req *rq);

/* places.c: the table is loaded once, before the server starts (main.c); a file that
 * cannot be read is logged once and the endpoint answers 503. */
void pw_api_places_load(const char *path);
void pw_api_places_unload(void);
/* The table loaded, or NULL (for the search index's area names, main.c). */
const struct pw_places *pw_api_places_table(void);
void pw_api_places(pw_req *rq);
/* privacy.c: a person's own data, and the account's deletion (market/privacy.h) */
void pw_api_me_export(pw_req *rq);
/* accounts.c: a writer call's done() for an answer that ends the caller's session (sign-out,
 * DELETE /me): on 204 the session cookie is cleared, then the call's answer is sent. */
void pw_api_session_cleared_done(pw_call *call, pw_req *rq);
void pw_api_me_delete(pw_req *rq);

/* search.c */
void pw_api_search(pw_req *rq);

/* ops.c */
void pw_api_healthz(pw_req *rq);
void pw_api_metrics(pw_req *rq);
void pw_api_bench_write(pw_req *rq);

#endif
