/* routes.c — THE route table: every endpoint, who may call it, and its body rules.
 * Read it top to bottom to know the whole API surface (docs/openapi.yaml describes the
 * same). Unlisted paths under /api are 404; a listed path with another method is 405. */
#include "api/api.h"

#define ANY    PW_ALLOW_ANYONE
#define USER   PW_ALLOW_USER
#define CLIENT PW_ALLOW_CLIENT
#define WORKER PW_ALLOW_WORKER
#define ADMIN  PW_ALLOW_ADMIN
#define BODY   PW_ROUTE_JSON_BODY
#define IDEM   PW_ROUTE_IDEMPOTENT
#define OPT    PW_ROUTE_OPTIONAL_BODY

/* clang-format off */
const pw_route pw_routes[] = {
    /* method  pattern                               handler                  allow   flags        body cap */
    {"GET",    "/healthz",                            pw_api_healthz,          ANY,    0,           0},
    {"GET",    "/metrics",                            pw_api_metrics,          ANY,    0,           0},
    {"POST",   "/api/v1/users",                       pw_api_users_create,     ANY,    BODY,        0},
    {"POST",   "/api/v1/sessions",                    pw_api_sessions_create,  ANY,    BODY,        0},
    {"DELETE", "/api/v1/sessions/current",            pw_api_sessions_delete,  USER,   0,           0},
    {"GET",    "/api/v1/me",                          pw_api_me_get,           USER,   0,           0},
    {"DELETE", "/api/v1/me",                          pw_api_me_delete,        USER,   0,           0},
    {"GET",    "/api/v1/me/export",                   pw_api_me_export,        USER,   0,           0},
    {"POST",   "/api/v1/dev/clock",                   pw_api_dev_clock,        ANY,    BODY,        0},
    {"GET",    "/api/v1/wallet",                      pw_api_wallet_get,       USER,   0,           0},
    {"GET",    "/api/v1/wallet/entries",              pw_api_wallet_entries,   USER,   0,           0},
    {"POST",   "/api/v1/wallet/deposits",             pw_api_wallet_deposit,   USER,   BODY | IDEM, 0},
    {"POST",   "/api/v1/wallet/payouts",              pw_api_wallet_payout,    USER,   BODY | IDEM, 0},
    {"PUT",    "/api/v1/me/worker",                   pw_api_worker_put,       WORKER, BODY,        0},
    {"GET",    "/api/v1/me/worker",                   pw_api_worker_get,       WORKER, 0,           0},
    {"POST",   "/api/v1/me/availability",             pw_api_availability,     WORKER, BODY,        0},
    {"GET",    "/api/v1/users/{id}",                  pw_api_user_get,         ANY,    0,           0},
    {"GET",    "/api/v1/users/{id}/reputation",       pw_api_user_reputation,  ANY,    0,           0},
    {"POST",   "/api/v1/tasks",                       pw_api_tasks_create,     CLIENT, BODY | IDEM, 0},
    {"GET",    "/api/v1/tasks",                       pw_api_tasks_list,       USER,   0,           0},
    {"GET",    "/api/v1/tasks/{id}",                  pw_api_tasks_get,        USER,   0,           0},
    {"GET",    "/api/v1/tasks/{id}/dispatch",         pw_api_tasks_dispatch,   USER,   0,           0},
    {"POST",   "/api/v1/tasks/{id}/ack",              pw_api_tasks_ack,        USER,   0,           0},
    {"POST",   "/api/v1/tasks/{id}/release",          pw_api_tasks_release,    USER,   0,           0},
    {"POST",   "/api/v1/tasks/{id}/submit",           pw_api_tasks_submit,     USER,   BODY | OPT,  0},
    {"POST",   "/api/v1/tasks/{id}/approve",          pw_api_tasks_approve,    USER,   IDEM,        0},
    {"POST",   "/api/v1/tasks/{id}/cancel",           pw_api_tasks_cancel,     USER,   0,           0},
    {"POST",   "/api/v1/tasks/{id}/dispute",          pw_api_tasks_dispute,    USER,   BODY,        0},
    {"GET",    "/api/v1/tasks/{id}/messages",         pw_api_messages_list,    USER,   0,           0},
    {"POST",   "/api/v1/tasks/{id}/messages",         pw_api_messages_create,  USER,   BODY,        0},
    {"GET",    "/api/v1/events",                      pw_api_events,           USER,   0,           0},
    {"GET",    "/api/v1/places",                      pw_api_places,           ANY,    0,           0},
    {"GET",    "/api/v1/search",                      pw_api_search,           ANY,    0,           0},
    {"GET",    "/api/v1/admin/metrics",               pw_api_admin_metrics,    ADMIN,  0,           0},
    {"GET",    "/api/v1/admin/metrics/series",        pw_api_admin_series,     ADMIN,  0,           0},
    {"GET",    "/api/v1/admin/disputes",              pw_api_disputes_list,    ADMIN,  0,           0},
    {"POST",   "/api/v1/admin/disputes/{id}/resolve", pw_api_disputes_resolve, ADMIN,  BODY,        0},
    {"GET",    "/api/v1/admin/audit",                 pw_api_admin_audit,      ADMIN,  0,           0},
    {"GET",    "/api/v1/admin/tasks",                 pw_api_admin_tasks,      ADMIN,  0,           0},
#ifdef PW_BENCH_ROUTES
    {"POST",   "/api/v1/bench/write",                 pw_api_bench_write,      ANY,    0,           0},
#endif
#ifdef PW_FAULTS
    {"POST",   "/api/v1/dev/faults",                  pw_api_dev_faults,       ANY,    BODY,        0},
#endif
};
/* clang-format on */

const int pw_route_count = (int)(sizeof(pw_routes) / sizeof(pw_routes[0]));
