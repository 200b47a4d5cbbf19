/* api.h — the handlers named in the route table (routes.c), one file per resource. A
 * handler parses and validates its input, calls a subsystem, and renders JSON. */
#ifndef PW_API_H
#define PW_API_H
#include "http/http.h"

void pw_api_reply_nomem(pw_req *rq);

/* accounts.c */
void pw_api_users_create(pw_req *rq);
void pw_api_sessions_create(pw_req *rq);
void pw_api_sessions_delete(pw_req *rq);
void pw_api_me_get(pw_req *rq);
void pw_api_dev_clock(pw_req *rq);

/* ops.c */
void pw_api_healthz(pw_req *rq);
void pw_api_metrics(pw_req *rq);
void pw_api_bench_write(pw_req *rq);

#endif
