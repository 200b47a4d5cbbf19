/* test_config.c — unit tests of src/base/config.c: the defaults every server starts from
 * (each value, and nothing left over from before), the core count that sizes the thread
 * defaults, and a subcommand's option loop (--db, --help, an unknown option, a missing
 * argument, and the options it hands back).
 *
 * Only the public headers are used. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "base/config.h"
#include "base/limits.h"

static void test_config_defaults(void **state)
{
    (void)state;
    pw_config cfg;
    memset(&cfg, 0x5a, sizeof(cfg)); /* whatever was there before is gone */
    pw_config_defaults(&cfg);
    assert_string_equal(cfg.listen_host, "127.0.0.1");
    assert_int_equal(cfg.listen_port, 8080);
    assert_string_equal(cfg.db_path, "data/peerwork.db");
    assert_string_equal(cfg.web_root, "web/dist");
    assert_string_equal(cfg.places_path, "build/places.tsv");
    assert_int_equal(cfg.loops, pw_online_cores(PW_HTTP_LOOPS_MAX));
    assert_int_equal(cfg.max_connections, PW_HTTP_CONNECTIONS_MAX);
    assert_int_equal(cfg.ack_window_s, 120);
    assert_int_equal(cfg.review_window_s, 3 * 24 * 3600);
    assert_int_equal(cfg.batch_window_ms, 2000);
    assert_int_equal(cfg.dispatch_threads, 0); /* one per core */
    assert_int_equal(cfg.fee_bps, 1000);
    assert_int_equal(cfg.pool_share_bps, 2000);
    assert_int_equal(cfg.cookie_secure, 0);
    assert_int_equal(cfg.dev_clock, 0);
    assert_int_equal(cfg.remote_cap, 3);
    assert_int_equal(cfg.heartbeat_timeout_s, 15 * 60);
    assert_int_equal(cfg.cancel_limit, PW_CANCELS_PER_WINDOW);
    assert_int_equal(cfg.events_heartbeat_ms, PW_EVENTS_HEARTBEAT_MS);
    assert_int_equal(cfg.group_commit, 1);
    assert_string_equal(cfg.dispatch_weights, ""); /* the engine's own weights */
}

/* The cores online, capped at max: never below 1, never above the cap. */
static void test_online_cores(void **state)
{
    (void)state;
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    assert_true(online >= 1);
    assert_int_equal(pw_online_cores(1), 1);
    assert_int_equal(pw_online_cores(1 << 20), (int)online);
    assert_int_equal(pw_online_cores((int)online), (int)online);
    int loops = pw_online_cores(PW_HTTP_LOOPS_MAX);
    assert_true(loops >= 1 && loops <= PW_HTTP_LOOPS_MAX);
}

static const struct option options[] = {
    {"db", required_argument, NULL, 'd'},
    {"help", no_argument, NULL, 'h'},
    {"force", no_argument, NULL, 'f'},
    {NULL, 0, NULL, 0},
};

/* Runs pw_cli_option over argv from the start (getopt's state reset) until it stops or
 * ends; the letters it handed back in `seen`, the last return value as the result. */
static int cli(int argc, char **argv, pw_config *cfg, int *exit_code, char *seen, size_t seen_size)
{
    optind = 0; /* glibc: reinitialise the scan */
    opterr = 0; /* the unknown-option message is not this test's output */
    size_t n = 0;
    int rc;
    while ((rc = pw_cli_option(argc, argv, options, "usage: test [--db FILE] [--force]\n", cfg, exit_code)) >= 0)
        if (n + 1 < seen_size)
            seen[n++] = (char)rc;
    seen[n] = '\0';
    return rc;
}

static void test_cli_option(void **state)
{
    (void)state;
    pw_config cfg;
    pw_config_defaults(&cfg);
    char seen[8];
    int exit_code = 99;

    char *db_then_force[] = {"peerwork", "--db", "/tmp/pw-test-cli.db", "--force", NULL};
    assert_int_equal(cli(4, db_then_force, &cfg, &exit_code, seen, sizeof(seen)), -1);
    assert_string_equal(cfg.db_path, "/tmp/pw-test-cli.db"); /* --db is taken here */
    assert_string_equal(seen, "f");                          /* the rest goes to the caller */
    assert_int_equal(exit_code, 99);                         /* untouched: nothing stopped */

    char *nothing[] = {"peerwork", NULL};
    assert_int_equal(cli(1, nothing, &cfg, &exit_code, seen, sizeof(seen)), -1);
    assert_string_equal(seen, "");

    char *unknown[] = {"peerwork", "--force", "--bogus", NULL};
    assert_int_equal(cli(3, unknown, &cfg, &exit_code, seen, sizeof(seen)), PW_CLI_STOP);
    assert_string_equal(seen, "f");
    assert_int_equal(exit_code, 2);

    char *missing[] = {"peerwork", "--db", NULL};
    pw_config_defaults(&cfg);
    exit_code = 99;
    assert_int_equal(cli(2, missing, &cfg, &exit_code, seen, sizeof(seen)), PW_CLI_STOP);
    assert_int_equal(exit_code, 2);
    assert_string_equal(cfg.db_path, "data/peerwork.db");

    char *help[] = {"peerwork", "--help", "--force", NULL};
    exit_code = 99;
    assert_int_equal(cli(3, help, &cfg, &exit_code, seen, sizeof(seen)), PW_CLI_STOP);
    assert_int_equal(exit_code, 0); /* asked for: a success */
    assert_string_equal(seen, "");  /* it stopped at --help */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_defaults),
        cmocka_unit_test(test_online_cores),
        cmocka_unit_test(test_cli_option),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
