/* cli.h — what the subcommands in main.c share, and the table rows other subsystems add.
 * A subsystem's command is `int NAME(int argc, char **argv)` with argv[0] the command,
 * declared in that subsystem's header; only main.c includes this file (the top layer). */
#ifndef PW_CLI_H
#define PW_CLI_H
#include "dispatch/assign.h"
#include "ledger/ledger.h"
#include "market/accounts.h"
#include "market/seed.h"
#include "sim/sim.h"

typedef struct pw_command {
    const char *name;                  /* argv[1] */
    int (*run)(int argc, char **argv); /* exit status */
    const char *summary;               /* for the top-level help; NULL for the built-ins */
} pw_command;

int pw_cli_admin_create(const char *db_path, pw_new_user *user);

/* Commands provided by subsystems (filled in as they land). */
#define PW_CLI_EXTRA_COMMANDS                                                                             \
    {"ledger", pw_cmd_ledger, "check the ledger's invariants (ledger verify)"},                           \
        {"solve-assignment", pw_cmd_solve_assignment, "solve a sparse assignment instance (see --help)"}, \
        {"seed", pw_cmd_seed, "fill a new database with a demo marketplace (seed --demo)"},               \
        {"simulate", pw_cmd_simulate, "run the deterministic marketplace simulation"},

#endif
