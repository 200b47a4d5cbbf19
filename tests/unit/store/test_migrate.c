/* test_migrate.c — unit tests of src/store/migrate.c on a real SQLite file in a fresh
 * temporary directory: the migrations are all applied once, in order, recorded in
 * schema_migrations with their file names, a second run applies nothing, and a database
 * newer than this binary is refused. Only public headers are used. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "store/db.h"
#include "store/migrate.h"
#include "store_fixture.h"

/* ==== migrations ============================================================================ */

static void test_migrate(void **state)
{
    fixture *f = *state;
    assert_true(pw_migration_count >= 3);
    for (int i = 0; i < pw_migration_count; i++) {
        assert_true(pw_migrations[i].version >= 1);
        assert_true(i == 0 || pw_migrations[i].version > pw_migrations[i - 1].version);
        assert_non_null(pw_migrations[i].sql);
        assert_true(strlen(pw_migrations[i].sql) > 0);
        char prefix[8];
        snprintf(prefix, sizeof(prefix), "%04d_", pw_migrations[i].version);
        assert_int_equal(strncmp(pw_migrations[i].name, prefix, 5), 0);
    }
    int newest = pw_migrations[pw_migration_count - 1].version;

    pw_db *db = open_db(f);
    int version = -1;
    assert_int_equal(pw_migrate_current_version(db, &version), PW_OK);
    assert_int_equal(version, 0);
    int applied = -1;
    assert_int_equal(pw_migrate(db, &applied), PW_OK);
    assert_int_equal(applied, pw_migration_count);
    assert_int_equal(pw_migrate_current_version(db, &version), PW_OK);
    assert_int_equal(version, newest);

    /* schema_migrations records each version with its file name, once. */
    pw_stmt *st = pw_db_stmt(db, "SELECT version, name FROM schema_migrations ORDER BY version");
    for (int i = 0; i < pw_migration_count; i++) {
        assert_int_equal(pw_stmt_step(st), PW_ROW);
        assert_int_equal(pw_stmt_column_int64(st, 0), pw_migrations[i].version);
        assert_string_equal(pw_stmt_column_text(st, 1), pw_migrations[i].name);
    }
    assert_int_equal(pw_stmt_step(st), PW_DONE);
    pw_stmt_done(st);
    /* The schema is there. */
    assert_int_equal(query_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                                   "('users', 'sessions', 'ledger_accounts', 'tasks')"),
                     4);
    pw_db_close(db);

    /* A second run, on a fresh connection, applies nothing; NULL out-parameter allowed. */
    db = open_db(f);
    assert_int_equal(pw_migrate(db, &applied), PW_OK);
    assert_int_equal(applied, 0);
    assert_int_equal(pw_migrate(db, NULL), PW_OK);
    assert_int_equal(query_int(db, "SELECT count(*) FROM schema_migrations"), pw_migration_count);

    /* A database newer than this binary is refused. */
    assert_int_equal(pw_db_exec(db, "INSERT INTO schema_migrations (version, name) VALUES (9999, '9999_future.sql')"),
                     PW_OK);
    assert_int_equal(pw_migrate(db, &applied), PW_EINVAL);
    pw_db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        STORE_TEST(test_migrate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
