/* test_db_bind.c — a statement whose bind failed does not run.
 *
 * SQLite leaves a parameter NULL when its bind fails (SQLITE_NOMEM copying a text under
 * memory pressure, SQLITE_RANGE for an index past the last parameter). Run anyway, an
 * INSERT writes a NULL and an UPDATE ... WHERE id = ? changes nothing and says PW_OK; the
 * full allocation-fault walk (FAULT_FULL=1 make fault-test) found that as a task update
 * that matched no row. The store keeps the first failed bind and the step answers it. An
 * index out of range is the failure a test can cause without a fault build. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "store/db.h"
#include "temp_db.h"

static int64_t count_rows(pw_db *db)
{
    int64_t n = -1;
    assert_int_equal(pw_stmt_run_int64(pw_db_stmt(db, "SELECT count(*) FROM t"), &n), PW_OK);
    return n;
}

static void failed_bind_stops_the_statement_and_is_forgotten_after_it(void **state)
{
    (void)state;
    char path[64];
    temp_db_make(path, sizeof(path), "bind");
    pw_db *db = NULL;
    assert_int_equal(pw_db_open(path, 0, &db), PW_OK);
    assert_int_equal(pw_db_exec(db, "CREATE TABLE t (a INTEGER, b TEXT)"), PW_OK);

    static const char insert[] = "INSERT INTO t (a, b) VALUES (?, ?)";
    pw_stmt *st = pw_db_stmt(db, insert);
    pw_stmt_int64(st, 1, 7);
    pw_stmt_text(st, 3, "past the last parameter"); /* SQLITE_RANGE: b stays unbound */
    assert_int_equal(pw_stmt_run(st), PW_EDB);
    assert_int_equal(count_rows(db), 0); /* nothing written, not (7, NULL) */

    st = pw_db_stmt(db, insert); /* the cached statement again: the failure was for that use only */
    pw_stmt_int64(st, 1, 8);
    pw_stmt_text(st, 2, "eight");
    assert_int_equal(pw_stmt_run(st), PW_OK);
    assert_int_equal(count_rows(db), 1);

    static const char update[] = "UPDATE t SET b = ? WHERE a = ?";
    st = pw_db_stmt(db, update);
    pw_stmt_text(st, 1, "changed");
    pw_stmt_int64(st, 0, 8); /* index 0 is out of range too: the WHERE would compare with NULL */
    assert_int_equal(pw_stmt_run(st), PW_EDB);
    st = pw_db_stmt(db, "SELECT b FROM t WHERE a = 8");
    assert_int_equal(pw_stmt_step(st), PW_ROW);
    assert_string_equal(pw_stmt_column_text(st, 0), "eight");
    pw_stmt_done(st);

    pw_db_close(db);
    temp_db_remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(failed_bind_stops_the_statement_and_is_forgotten_after_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
