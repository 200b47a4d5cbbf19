/* ledger_cmd.c — `peerwork ledger verify --db FILE`: the ledger's invariants, checked
 * from the command line.
 *
 * It opens (and migrates) the database, runs pw_ledger_verify inside one read
 * transaction so every check sees the same snapshot, and prints one summary line:
 *     ledger ok: 12 accounts, 40 transfers, 3 pending, 0 failures
 *     ledger FAILED: 12 accounts, 40 transfers, 3 pending, 2 failures; first: …
 * Exit status: 0 when every invariant holds, 1 when one does not (or the database cannot
 * be read), 2 for a usage error. A missing database file is an error, not an empty (and
 * so trivially correct) ledger. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ledger/ledger.h"
#include "store/migrate.h"

static const char LEDGER_USAGE[] =
    "usage: peerwork ledger verify [--db FILE]\n"
    "\n"
    "Checks every ledger invariant and prints a one-line summary; exits 0 only when all hold:\n"
    "  - per asset, all account balances (and all entries) sum to zero;\n"
    "  - each account's balance is the sum of its entries, and each entry's balance_after\n"
    "    the running sum;\n"
    "  - each account's held is the sum of its pending holds; no account that may not go\n"
    "    negative (all but the external ones) has balance - held below zero;\n"
    "  - each movement has exactly two entries, -amount and +amount, on its accounts, of\n"
    "    its asset; each hold is pending, voided, or posted exactly once.\n"
    "\n"
    "  --db FILE   the database (env PEERWORK_DB); it must exist\n"
    "  --help      this text\n"
    "\n"
    "exit status: 0 all invariants hold, 1 a failure (or an unreadable database), 2 usage\n";

static int verify(const char *db_path)
{
    if (access(db_path, F_OK) != 0) {
        fprintf(stderr, "peerwork ledger: no database at %s\n", db_path);
        return 1;
    }
    pw_db *db = NULL;
    if (pw_migrate_open(db_path, &db, NULL) != 0) {
        fprintf(stderr, "peerwork ledger: cannot open %s\n", db_path);
        return 1;
    }
    pw_ledger_report r;
    int rc = pw_db_exec(db, "BEGIN");
    if (rc == PW_OK)
        rc = pw_ledger_verify(db, &r);
    pw_db_exec(db, "COMMIT");
    pw_db_close(db);
    if (rc != PW_OK) {
        fprintf(stderr, "peerwork ledger: cannot read the ledger (error %d)\n", rc);
        return 1;
    }
    if (r.failures == 0) {
        printf("ledger ok: %lld accounts, %lld transfers, %lld pending, 0 failures\n", (long long)r.accounts,
               (long long)r.transfers, (long long)r.pending);
        return 0;
    }
    printf("ledger FAILED: %lld accounts, %lld transfers, %lld pending, %lld failures; first: %s\n",
           (long long)r.accounts, (long long)r.transfers, (long long)r.pending, (long long)r.failures, r.first_failure);
    return 1;
}

int pw_cmd_ledger(int argc, char **argv)
{
    const char *action = NULL;
    const char *db_path = getenv("PEERWORK_DB");
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(LEDGER_USAGE, stdout);
            return 0;
        } else if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
            db_path = argv[++i];
        } else if (strncmp(argv[i], "--db=", 5) == 0) {
            db_path = argv[i] + 5;
        } else if (action == NULL && argv[i][0] != '-') {
            action = argv[i];
        } else {
            fprintf(stderr, "peerwork ledger: unexpected argument '%s'\n%s", argv[i], LEDGER_USAGE);
            return 2;
        }
    }
    if (action == NULL || strcmp(action, "verify") != 0 || db_path == NULL || db_path[0] == '\0') {
        fputs(LEDGER_USAGE, stderr);
        return 2;
    }
    return verify(db_path);
}
