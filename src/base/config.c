/* config.c — defaults for pw_config (see config.h). */
#include "base/config.h"
#include "base/limits.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int pw_online_cores(int max)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return cores < 1 ? 1 : cores > max ? max : (int)cores;
}

void pw_config_defaults(pw_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    snprintf(cfg->listen_host, sizeof(cfg->listen_host), "127.0.0.1");
    cfg->listen_port = 8080;
    snprintf(cfg->db_path, sizeof(cfg->db_path), "data/peerwork.db");
    snprintf(cfg->web_root, sizeof(cfg->web_root), "web/dist");
    snprintf(cfg->places_path, sizeof(cfg->places_path), "build/places.tsv");
    snprintf(cfg->synonyms_path, sizeof(cfg->synonyms_path), "data/search/synonyms.tsv");
    cfg->loops = pw_online_cores(PW_HTTP_LOOPS_MAX);
    cfg->max_connections = PW_HTTP_CONNECTIONS_MAX;
    cfg->ack_window_s = 120;
    cfg->review_window_s = 3 * 24 * 3600;
    cfg->batch_window_ms = 2000;
    cfg->fee_bps = 1000;
    cfg->pool_share_bps = 2000;
    cfg->remote_cap = 3;
    cfg->heartbeat_timeout_s = 15 * 60;
    cfg->cancel_limit = PW_CANCELS_PER_WINDOW;
    cfg->group_commit = 1;
    cfg->events_heartbeat_ms = PW_EVENTS_HEARTBEAT_MS;
}

int pw_cli_option(int argc, char **argv, const struct option *options, const char *usage, pw_config *cfg,
                  int *exit_code)
{
    for (;;) {
        int opt = getopt_long(argc, argv, "", options, NULL);
        if (opt == 'd') {
            snprintf(cfg->db_path, sizeof(cfg->db_path), "%s", optarg);
            continue;
        }
        if (opt == 'h' || opt == '?' || opt == ':') {
            fputs(usage, opt == 'h' ? stdout : stderr);
            *exit_code = opt == 'h' ? 0 : 2;
            return PW_CLI_STOP;
        }
        return opt;
    }
}
