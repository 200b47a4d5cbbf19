/* migrate.c — applies the embedded migrations in version order. */
#include "store/migrate.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/log.h"

static const char SQL_CREATE[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
    "applied_at INTEGER NOT NULL DEFAULT (unixepoch()))";
static const char SQL_MAX[] = "SELECT coalesce(max(version), 0) FROM schema_migrations";
static const char SQL_RECORD[] = "INSERT INTO schema_migrations (version, name) VALUES (?, ?)";

int pw_migrate_current_version(pw_db *db, int *version_out)
{
    int rc = pw_db_exec(db, SQL_CREATE);
    if (rc != PW_OK)
        return rc;
    pw_stmt *st = pw_db_stmt(db, SQL_MAX);
    if (st == NULL)
        return PW_EDB;
    rc = pw_stmt_step(st);
    if (rc == PW_ROW)
        *version_out = (int)pw_stmt_column_int64(st, 0);
    pw_stmt_done(st);
    return rc == PW_ROW ? PW_OK : rc < 0 ? rc : PW_EDB; /* no row where one must be: the database failed */
}

int pw_migrate(pw_db *db, int *applied_out)
{
    int current = 0, applied = 0;
    int rc = pw_migrate_current_version(db, &current);
    if (rc != PW_OK)
        return rc;
    int newest = pw_migration_count > 0 ? pw_migrations[pw_migration_count - 1].version : 0;
    if (current > newest) {
        pw_log_error("msg=\"database schema is newer than this binary\" db_version=%d binary_version=%d", current,
                     newest);
        return PW_EINVAL;
    }
    for (int i = 0; i < pw_migration_count; i++) {
        const pw_migration *m = &pw_migrations[i];
        if (m->version <= current)
            continue;
        rc = pw_db_exec(db, "BEGIN IMMEDIATE");
        if (rc == PW_OK)
            rc = pw_db_exec(db, m->sql);
        if (rc == PW_OK) {
            pw_stmt *st = pw_db_stmt(db, SQL_RECORD);
            pw_stmt_int64(st, 1, m->version);
            pw_stmt_text(st, 2, m->name);
            rc = pw_stmt_run(st);
        }
        if (rc == PW_OK)
            rc = pw_db_exec(db, "COMMIT");
        if (rc != PW_OK) {
            pw_db_exec(db, "ROLLBACK");
            pw_log_error("msg=\"migration failed\" migration=%s", m->name);
            return rc;
        }
        pw_log_info("msg=\"migration applied\" migration=%s", m->name);
        applied++;
    }
    if (applied_out != NULL)
        *applied_out = applied;
    return PW_OK;
}

/* Makes the database file's directory if it is missing; mkdir's failure is the open's to report. */
static void ensure_parent_dir(const char *path)
{
    char dir[1024];
    int n = snprintf(dir, sizeof(dir), "%s", path);
    if (n < 0 || (size_t)n >= sizeof(dir))
        return;
    char *slash = strrchr(dir, '/');
    if (slash == NULL || slash == dir)
        return;
    *slash = '\0';
    mkdir(dir, 0750);
}

int pw_migrate_open(const char *db_path, pw_db **out, int *applied_out)
{
    ensure_parent_dir(db_path);
    int rc = pw_db_open(db_path, 0, out);
    if (rc != PW_OK)
        return rc;
    rc = pw_migrate(*out, applied_out);
    if (rc != PW_OK) {
        pw_db_close(*out);
        *out = NULL;
        return rc;
    }
    return 0;
}
