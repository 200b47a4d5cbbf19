/* migrate.h — versioned schema migrations, embedded in the binary from
 * src/store/migrations/NNNN_name.sql. Each file is applied once, in its own transaction,
 * and recorded in schema_migrations; a database newer than the binary is refused. */
#ifndef PW_MIGRATE_H
#define PW_MIGRATE_H
#include "store/db.h"

typedef struct pw_migration {
    int version;      /* NNNN from the file name */
    const char *name; /* the file name */
    const char *sql;  /* its text */
} pw_migration;

extern const pw_migration pw_migrations[];
extern const int pw_migration_count;

/* Applies what is missing. *applied_out (may be NULL) gets how many were applied. */
int pw_migrate(pw_db *db, int *applied_out);
/* The newest version applied to this database (0 for a new one). */
int pw_migrate_current_version(pw_db *db, int *version_out);
/* Opens the database read-write, making its directory if it is missing (data/ on a fresh
 * clone), and applies what is missing (*applied_out, may be NULL, gets how many): what every
 * command that writes starts with. PW_OK, or pw_db_open's or pw_migrate's code. */
int pw_migrate_open(const char *db_path, pw_db **out, int *applied_out);

#endif
