/* simulate.c — `peerwork simulate`: flags, the progress bar, and the report.
 *
 * Standard output carries only the report, whose every figure is a function of the seed
 * and the flags: fixed formats, no times of day, no paths, no wall-clock figures. The
 * wall time and the speed-up (virtual time / wall time) go to standard error, and so does
 * a progress bar, only when standard error is a terminal, redrawn at most every
 * PROGRESS_INTERVAL_NS. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "sim/sim.h"

#define PROGRESS_INTERVAL_NS 250000000LL /* at most four redraws a second */
#define PROGRESS_BAR_CELLS   40

static const char USAGE[] =
    "usage: peerwork simulate [--seed N] [--workers W] [--clients C] [--hours H]\n"
    "                         [--policy greedy|batch] [--db FILE] [--batch-window-s S] [--ack-window-s S]\n"
    "                         [--dispatch-weights W]\n"
    "\n"
    "Runs a deterministic marketplace simulation: generated workers and clients use the real\n"
    "task lifecycle, dispatch engine and ledger on a fresh database, on a virtual clock.\n"
    "The report on standard output is identical for identical flags; the wall time and the\n"
    "speed-up go to standard error. See docs/SIMULATOR.md.\n"
    "\n"
    "  --seed N            seed of every random stream and id (default 1)\n"
    "  --workers W         workers, 1..1000000 (default 1000)\n"
    "  --clients C         clients, 0..1000000; each posts ~1.5 tasks a day (default 400)\n"
    "  --hours H           virtual hours to simulate, from 08:00 on a Monday, 1..336 (default 24)\n"
    "  --policy P          greedy: every task dispatched on its own, at posting and then each\n"
    "                      window, oldest first; batch: urgent tasks at posting, the rest in\n"
    "                      rounds matched by the solver (default batch)\n"
    "  --db FILE           keep the database in FILE (must not exist; default: a temporary\n"
    "                      file in $TMPDIR, removed at the end)\n"
    "  --batch-window-s S  period of the timers and dispatch rounds, 1..3600 (default 30)\n"
    "  --ack-window-s S    time a worker has to acknowledge, 10..3600 (default 120)\n"
    "  --dispatch-weights W  the score's weights over the server's defaults, as for serve:\n"
    "                      fit=,distance=,reputation=,reliability=,fairness=,bad_pairing=,earned_half=\n"
    "  --help              this text\n";

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("peerwork simulate: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\n(see peerwork simulate --help)\n", stderr);
    va_end(ap);
    return 2;
}

static int parse_number(const char *flag, const char *text, long long min, long long max, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v < min || v > max) {
        fprintf(stderr, "peerwork simulate: %s must be an integer from %lld to %lld\n(see peerwork simulate --help)\n",
                flag, min, max);
        return PW_EREFUSED;
    }
    *out = v;
    return 0;
}

static int parse_seed(const char *text, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || text[0] == '-')
        return PW_EREFUSED;
    *out = v;
    return 0;
}

enum {
    OPT_SEED = 1,
    OPT_WORKERS,
    OPT_CLIENTS,
    OPT_HOURS,
    OPT_POLICY,
    OPT_DB,
    OPT_WINDOW,
    OPT_ACK,
    OPT_WEIGHTS,
    OPT_HELP
};

/* The integer flags: each its range and the field of the config it sets. */
static const struct int_flag {
    int opt;
    const char *flag;
    long long min, max;
    size_t field; /* offset of an int in pw_sim_config */
} INT_FLAGS[] = {
    {OPT_WORKERS, "--workers", 1, PW_SIM_WORKERS_MAX, offsetof(pw_sim_config, workers)},
    {OPT_CLIENTS, "--clients", 0, PW_SIM_CLIENTS_MAX, offsetof(pw_sim_config, clients)},
    {OPT_HOURS, "--hours", 1, PW_SIM_HOURS_MAX, offsetof(pw_sim_config, hours)},
    {OPT_WINDOW, "--batch-window-s", 1, PW_SIM_WINDOW_S_MAX, offsetof(pw_sim_config, batch_window_s)},
    {OPT_ACK, "--ack-window-s", PW_SIM_ACK_WINDOW_S_MIN, PW_SIM_ACK_WINDOW_S_MAX,
     offsetof(pw_sim_config, ack_window_s)},
};

/* The integer flag `opt`, or NULL if it is another. */
static const struct int_flag *int_flag_of(int opt)
{
    for (size_t i = 0; i < sizeof(INT_FLAGS) / sizeof(INT_FLAGS[0]); i++)
        if (INT_FLAGS[i].opt == opt)
            return &INT_FLAGS[i];
    return NULL;
}

/* 0 parsed, 1 help shown, 2 usage error (message printed). */
static int parse_args(int argc, char **argv, pw_sim_config *c)
{
    static const struct option options[] = {{"seed", required_argument, NULL, OPT_SEED},
                                            {"workers", required_argument, NULL, OPT_WORKERS},
                                            {"clients", required_argument, NULL, OPT_CLIENTS},
                                            {"hours", required_argument, NULL, OPT_HOURS},
                                            {"policy", required_argument, NULL, OPT_POLICY},
                                            {"db", required_argument, NULL, OPT_DB},
                                            {"batch-window-s", required_argument, NULL, OPT_WINDOW},
                                            {"ack-window-s", required_argument, NULL, OPT_ACK},
                                            {"dispatch-weights", required_argument, NULL, OPT_WEIGHTS},
                                            {"help", no_argument, NULL, OPT_HELP},
                                            {NULL, 0, NULL, 0}};
    int opt;
    long long v = 0;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
        const struct int_flag *f = int_flag_of(opt);
        if (f != NULL) {
            if (parse_number(f->flag, optarg, f->min, f->max, &v) != 0)
                return 2;
            *(int *)((char *)c + f->field) = (int)v;
            continue;
        }
        switch (opt) {
        case OPT_SEED:
            if (parse_seed(optarg, &c->seed) != 0)
                return usage_error("--seed must be a non-negative integer, not '%s'", optarg);
            break;
        case OPT_POLICY:
            if (strcmp(optarg, "greedy") != 0 && strcmp(optarg, "batch") != 0)
                return usage_error("--policy must be greedy or batch, not '%s'", optarg);
            c->policy = strcmp(optarg, "greedy") == 0 ? PW_SIM_GREEDY : PW_SIM_BATCH;
            break;
        case OPT_DB:
            if (optarg[0] == '\0' || strlen(optarg) >= PW_SIM_PATH_MAX_BYTES)
                return usage_error("--db needs a file name");
            c->db_path = optarg;
            break;
        case OPT_WEIGHTS: {
            char err[160];
            if (pw_dispatch_weights_parse(optarg, &c->weights, err, sizeof(err)) != 0)
                return usage_error("--dispatch-weights: %s", err);
            break;
        }
        case OPT_HELP: return fputs(USAGE, stdout), 1;
        case ':': return usage_error("%s needs a value", argv[optind - 1]);
        default: return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return usage_error("unexpected argument '%s'", argv[optind]);
    return 0;
}

/* ---- progress (stderr, terminals only) ------------------------------------------------------- */

typedef struct progress {
    int64_t last_ns;
} progress;

static void draw_progress(void *ctx, int64_t virtual_ms, int64_t end_ms)
{
    progress *p = ctx;
    int64_t now = pw_monotonic_ns();
    if (now - p->last_ns < PROGRESS_INTERVAL_NS)
        return;
    p->last_ns = now;
    int filled = end_ms > 0 ? (int)(virtual_ms * PROGRESS_BAR_CELLS / end_ms) : 0;
    char bar[PROGRESS_BAR_CELLS + 1];
    for (int i = 0; i < PROGRESS_BAR_CELLS; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[PROGRESS_BAR_CELLS] = '\0';
    fprintf(stderr, "\r[%s] %3d%%  virtual %3lldh%02lldm", bar, (int)(virtual_ms * 100 / (end_ms > 0 ? end_ms : 1)),
            (long long)(virtual_ms / 3600000), (long long)(virtual_ms / 60000 % 60));
    fflush(stderr);
}

int pw_cmd_simulate(int argc, char **argv)
{
    pw_sim_config c;
    pw_sim_config_defaults(&c);
    int parsed = parse_args(argc, argv, &c);
    if (parsed != 0)
        return parsed == 1 ? 0 : 2;
    pw_log_set_level(PW_LOG_WARN); /* no migration or index-build lines around the report */
    progress p = {0};
    if (isatty(STDERR_FILENO)) {
        c.progress = draw_progress;
        c.progress_ctx = &p;
    }
    pw_sim_report r;
    int64_t start_ns = pw_monotonic_ns();
    int rc = pw_sim_run(&c, &r);
    double wall_s = (double)(pw_monotonic_ns() - start_ns) / 1e9;
    if (c.progress != NULL)
        fputs("\r\033[K", stderr);
    if (rc != 0)
        return 1;
    pw_sim_report_print(stdout, &c, &r);
    fflush(stdout);
    fprintf(stderr, "simulate: %" PRId64 " events, wall %.2f s, virtual %.1f h, speed-up %.0fx real time\n", r.events,
            wall_s, (double)r.virtual_ms / 3600000.0, wall_s > 0 ? (double)r.virtual_ms / 1000.0 / wall_s : 0.0);
    if (r.rounds > 0)
        fprintf(stderr,
                "simulate: %" PRId64 " batch rounds assigned tasks, mean %.2f ms, longest %.2f ms (%" PRId64
                " assigned; a round with its database work: load, search, solve, write)\n",
                r.rounds, r.rounds_wall_ms / (double)r.rounds, r.round_max_wall_ms, r.round_max_assigned);
    return r.ledger_failures == 0 ? 0 : 1;
}
