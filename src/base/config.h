/* config.h — the server's configuration: flags first, then PEERWORK_* environment
 * variables, then these defaults. Policy values (windows, fees) are read by the
 * subsystems from here; hard caps are in limits.h. */
#ifndef PW_CONFIG_H
#define PW_CONFIG_H
#include <stdint.h>

#include "base/limits.h"

typedef struct pw_config {
    char listen_host[64]; /* --listen HOST:PORT, PEERWORK_LISTEN; default 127.0.0.1:8080 */
    int listen_port;
    char db_path[1024];       /* --db, PEERWORK_DB; default data/peerwork.db */
    char web_root[1024];      /* --web, PEERWORK_WEB; the static interface; default ./web */
    char places_path[1024];   /* --places, PEERWORK_PLACES; the gazetteer TSV; default build/places.tsv */
    char synonyms_path[1024]; /* --synonyms, PEERWORK_SYNONYMS; search's table; default data/search/synonyms.tsv */
    int loops;                /* --loops: event loop threads; default: one per core */
    int max_connections;      /* --max-connections: open connections in all; default PW_HTTP_CONNECTIONS_MAX */
    int ack_window_s;         /* --ack-window-s: time a worker has to acknowledge an assignment */
    int review_window_s;      /* --review-window-s: time a client has to review submitted work */
    int batch_window_ms;      /* --batch-window-ms: batch dispatch period */
    int dispatch_threads;     /* --dispatch-threads: threads a batch round's searches share; 0: one per core */
    int fee_bps;              /* --fee-bps: platform fee in basis points of money compensation */
    int pool_share_bps;       /* --pool-share-bps: share of fees paid into the workers' pool */
    int cookie_secure;        /* --cookie-secure: mark the session cookie Secure (behind TLS) */
    int dev_clock;            /* --dev-clock: enable POST /api/v1/dev/clock (tests, demos only) */
    int remote_cap;           /* --remote-cap: remote tasks one worker may hold at once */
    int heartbeat_timeout_s;  /* --heartbeat-timeout-s: silence after which an active worker goes inactive */
    int cancel_limit; /* --cancel-limit: a client's cancelled or expired tasks per PW_CANCEL_WINDOW_S before POST /tasks is 429 */
    int events_heartbeat_ms; /* --events-heartbeat-ms: ": ping" on an open event stream this often */
    int group_commit;        /* --no-group-commit sets 0: one commit per request (benchmarks) */
    char dispatch_weights[PW_DISPATCH_WEIGHTS_MAX_CHARS +
                          1]; /* --dispatch-weights, PEERWORK_DISPATCH_WEIGHTS: "fit=0.35,..." over the defaults */
} pw_config;

void pw_config_defaults(pw_config *cfg);
/* The cores online, at least 1 and at most max (the default of per-core thread counts). */
int pw_online_cores(int max);

struct option;
/* A subcommand's getopt_long loop, with --db FILE (into cfg->db_path) and --help handled here.
 * Returns the letter of any other option in `options` for the caller, -1 at the end, or
 * PW_CLI_STOP after printing usage (--help: *exit_code 0; an unknown option: 2). */
#define PW_CLI_STOP (-2)
int pw_cli_option(int argc, char **argv, const struct option *options, const char *usage, pw_config *cfg,
                  int *exit_code);

#endif
