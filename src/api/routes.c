/* routes.c — THE route table: every endpoint, who may call it, and its body rules.
 * Read it top to bottom to know the whole API surface (docs/openapi.yaml describes the
 * same). Unlisted paths under /api are 404; a listed path with another method is 405. */
#include "api/api.h"

#define ANY PW_ALLOW_ANYONE
#define USER PW_ALLOW_USER
#define CLIENT PW_ALLOW_CLIENT
#define WORKER PW_ALLOW_WORKER
#define ADMIN PW_ALLOW_ADMIN
#define BODY PW_ROUTE_JSON_BODY
#define IDEM PW_ROUTE_IDEMPOTENT

const pw_route pw_routes[] = {
    /* method    pattern                           handler                   allow   flags  body cap */
    {"GET",    "/healthz",                         pw_api_healthz,           ANY,    0,     0},
    {"GET",    "/metrics",                         pw_api_metrics,           ANY,    0,     0},
    {"POST",   "/api/v1/users",                    pw_api_users_create,      ANY,    BODY,  0},
    {"POST",   "/api/v1/sessions",                 pw_api_sessions_create,   ANY,    BODY,  0},
    {"DELETE", "/api/v1/sessions/current",         pw_api_sessions_delete,   USER,   0,     0},
    {"GET",    "/api/v1/me",                       pw_api_me_get,            USER,   0,     0},
    {"POST",   "/api/v1/dev/clock",                pw_api_dev_clock,         ANY,    BODY,  0},
#ifdef PW_BENCH_ROUTES
    {"POST",   "/api/v1/bench/write",              pw_api_bench_write,       ANY,    0,     0},
#endif
};

const int pw_route_count = (int)(sizeof(pw_routes) / sizeof(pw_routes[0]));
