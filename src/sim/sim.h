/* sim.h — the deterministic marketplace simulator (`peerwork simulate`).
 *
 * pw_sim_run builds a fresh database with the real schema, generates a population of
 * workers and clients from a seed, and drives the REAL subsystems in-process — accounts,
 * worker profiles, pw_tasks_* (posting with escrow, the lifecycle actions, the timers),
 * the dispatch engine and the ledger — on a virtual clock advanced by an event queue.
 * Nothing looks at the wall clock except the progress bar and the wall-time figure, so
 * the report (pw_sim_report_print) is byte-for-byte the same for the same seed and flags.
 * docs/SIMULATOR.md describes the model, the report's definitions and the rules that keep
 * a run reproducible. */
#ifndef PW_SIM_H
#define PW_SIM_H
#include <stdint.h>
#include <stdio.h>

#include "base/limits.h"
#include "dispatch/dispatch.h"

#define SIM_COHORT 5 /* workers per cohort of equally good workers (population.c, measure.c) */

/* ---- limits: each bounds memory or run time of one simulation -------------------------- */

typedef enum { PW_SIM_GREEDY, PW_SIM_BATCH } pw_sim_policy;

typedef struct pw_sim_config {
    uint64_t seed;               /* every random stream and every id derives from it */
    int workers, clients, hours; /* population and virtual duration */
    pw_sim_policy policy;
    int batch_window_s;          /* timers + dispatch round period (virtual seconds) */
    int ack_window_s;            /* the dispatch policy's ack window */
    pw_dispatch_weights weights; /* the score's weights (defaults: the server's) */
    const char *db_path;         /* NULL: a new temporary file, removed at the end */
    /* Called every few thousand events with the virtual time reached; may be NULL. Only
     * for a progress display: it must not influence the run. */
    void (*progress)(void *ctx, int64_t virtual_ms, int64_t end_ms);
    void *progress_ctx;
} pw_sim_config;

enum { PW_SIM_STATUS_COUNT = 9 }; /* task states, in pw_task_state order */

typedef struct pw_sim_report {
    /* tasks */
    int64_t posted, assigned;                              /* assigned: at least once */
    int64_t never_expired, never_cancelled, never_waiting; /* posted but never assigned, by end state */
    int64_t status[PW_SIM_STATUS_COUNT];                   /* tasks by state at the end */
    int64_t deposits, insufficient_funds; /* client top-ups; postings refused for funds (then retried) */
    /* assignments (offers) */
    int64_t assignments, acked, missed, released, withdrawn, pending; /* by outcome */
    int64_t late_acks;       /* ack attempts refused because the window had closed */
    int64_t refused_actions; /* other actions the state machine refused (raced a timer) */
    int64_t disputes, resolutions;
    /* dispatch quality */
    double fill_rate;                        /* assigned / posted */
    double tta_p50_s, tta_p99_s, tta_mean_s; /* time to first assignment, virtual seconds */
    int64_t local_assigned;                  /* local tasks with a first assignment */
    double travel_mean_km;                   /* their mean distance to the worker's base */
    double score_total;                      /* sum of first-assignment scores */
    double optimum_total;                    /* offline optimum (hour windows, see SIMULATOR.md) */
    int64_t optimum_tasks;                   /* tasks that optimum matched */
    /* earnings (EUR minor units) */
    int64_t worker_earnings, fees, pool; /* worker wallets, fee account, pool account */
    int64_t workers_earning;             /* workers with a positive wallet */
    double gini_all, gini_earning;       /* over all workers; over earning workers */
    double gini_alike;                   /* mean over cohorts of equally good workers (measure.c) */
    int64_t alike_groups;                /* cohorts with any earnings */
    /* ledger verify */
    int64_t ledger_accounts, ledger_transfers, ledger_pending, ledger_failures;
    /* population */
    int64_t workers_remote, workers_flaky, clients_posting;
    int64_t shift_changes, comebacks; /* set_active calls from shifts; re-activations after a miss */
    /* run (not printed on stdout: the caller puts these on stderr) */
    int64_t events;
    int64_t virtual_ms;
    int64_t rounds;                           /* batch rounds that assigned anyone */
    double rounds_wall_ms, round_max_wall_ms; /* their wall time in all, and the longest one's */
    int64_t round_max_assigned;               /* what the longest one assigned */
} pw_sim_report;

void pw_sim_config_defaults(pw_sim_config *c);
/* Runs the simulation: PW_OK, or a code (base/error.h; PW_EREFUSED: the database file
 * exists) with a message on stderr. */
int pw_sim_run(const pw_sim_config *c, pw_sim_report *out);
/* The deterministic report (fixed format; see docs/SIMULATOR.md). */
void pw_sim_report_print(FILE *f, const pw_sim_config *c, const pw_sim_report *r);
/* Gini coefficient of n non-negative values (sorted in place); 0 for n < 2 or all zero. */
double pw_sim_gini(int64_t *values, int64_t n);

/* `peerwork simulate ...`; argv[0] is "simulate". 0 ok, 1 failed, 2 usage. */
int pw_cmd_simulate(int argc, char **argv);

#endif
