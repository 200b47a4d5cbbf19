/* test_db_sqlite.c — unit tests of src/store/db.c and db_sqlite.c on a real SQLite file
 * in a fresh temporary directory: the connection settings (WAL, synchronous=FULL, foreign
 * keys) read back with PRAGMAs, the statement cache (same SQL address -> same pw_stmt; a
 * full cache falls back to one-off statements), binds and columns, error mapping
 * (constraint failures -> PW_ECONSTRAINT) and a statement that cannot be prepared. Only
 * public headers are used. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "base/limits.h"
#include "store/db.h"
#include "store_fixture.h"
#include "temp_db.h"

/* ==== connection ========================================================================== */

static void test_open_sets_pragmas(void **state)
{
    fixture *f = *state;
    pw_db *db = open_db(f);
    pw_stmt *st = pw_db_stmt(db, "PRAGMA journal_mode");
    assert_non_null(st);
    assert_int_equal(pw_stmt_step(st), PW_ROW);
    assert_string_equal(pw_stmt_column_text(st, 0), "wal");
    pw_stmt_done(st);
    assert_int_equal(query_int(db, "PRAGMA synchronous"), 2); /* 2 = FULL */
    assert_int_equal(query_int(db, "PRAGMA foreign_keys"), 1);
    assert_int_equal(query_int(db, "PRAGMA query_only"), 0);
    assert_int_equal(query_int(db, "PRAGMA busy_timeout"), PW_DB_BUSY_TIMEOUT_MS);
    pw_db_close(db);

    /* A second, read-only connection to the same file: same settings, writes refused. */
    db = open_db(f);
    assert_int_equal(pw_db_exec(db, SQL_CREATE_ITEMS), PW_OK);
    pw_db *ro = NULL;
    assert_int_equal(pw_db_open(f->path, PW_DB_READONLY, &ro), PW_OK);
    assert_int_equal(query_int(ro, "PRAGMA query_only"), 1);
    assert_int_equal(query_int(ro, "PRAGMA synchronous"), 2);
    pw_stmt *ins = pw_db_stmt(ro, SQL_INSERT_ITEM);
    pw_stmt_int64(ins, 1, 1);
    pw_stmt_int64(ins, 2, 1);
    assert_true(pw_stmt_run(ins) < 0);
    assert_int_equal(query_int(ro, SQL_COUNT_ITEMS), 0);
    pw_db_close(ro);
    pw_db_close(db);
    pw_db_close(NULL); /* a no-op */
}

static void test_open_refuses(void **state)
{
    fixture *f = *state;
    pw_db *db = NULL;
    assert_int_equal(pw_db_open("postgres://localhost/peerwork", 0, &db), PW_EINVAL);
    assert_null(db);
    char missing[400];
    snprintf(missing, sizeof(missing), "%s/no/such/dir/x.db", f->dir);
    assert_int_equal(pw_db_open(missing, 0, &db), PW_EDB);
    assert_null(db);
}

/* ==== statements ============================================================================ */

static const char SQL_SELECT_ONE_A[] = "SELECT 1";
static const char SQL_SELECT_ONE_B[] = "SELECT 1"; /* same text, another address */

static void test_stmt_cache(void **state)
{
    fixture *f = *state;
    pw_db *db = open_db(f);
    pw_stmt *a1 = pw_db_stmt(db, SQL_SELECT_ONE_A);
    assert_non_null(a1);
    assert_int_equal(pw_stmt_step(a1), PW_ROW);
    assert_int_equal(pw_stmt_column_int64(a1, 0), 1);
    pw_stmt_done(a1);
    pw_stmt *a2 = pw_db_stmt(db, SQL_SELECT_ONE_A);
    assert_ptr_equal(a1, a2);                   /* cached by the address of the literal */
    assert_int_equal(pw_stmt_step(a2), PW_ROW); /* done() reset it: it runs again from the top */
    pw_stmt_done(a2);
    pw_stmt *b = pw_db_stmt(db, SQL_SELECT_ONE_B);
    assert_non_null(b);
    assert_ptr_not_equal(a1, b); /* the key is the address, not the text */
    pw_stmt_done(b);
    assert_true(
        pw_stmt_is_failed(pw_db_stmt(db, "SELEKT nonsense"))); /* does not compile: a failed statement (logged) */
    assert_int_equal(pw_db_exec(db, "CREATE TABLE"), PW_EDB);
    pw_db_close(db);
}

/* More distinct statements than cache slots: the overflow ones are one-off statements
 * (prepared, used, finalized by done()) and still answer right; ASan checks none leak. */
static void test_stmt_cache_full(void **state)
{
    fixture *f = *state;
    pw_db *db = open_db(f);
    enum { N = PW_STMT_CACHE_SLOTS + 44 };
    static char sql[N][32];
    pw_stmt *first[N];
    for (int i = 0; i < N; i++) {
        snprintf(sql[i], sizeof(sql[i]), "SELECT %d", i * 7);
        pw_stmt *st = pw_db_stmt(db, sql[i]);
        assert_non_null(st);
        assert_int_equal(pw_stmt_step(st), PW_ROW);
        assert_int_equal(pw_stmt_column_int64(st, 0), i * 7);
        first[i] = st;
        pw_stmt_done(st);
    }
    /* The first PW_STMT_CACHE_SLOTS took every slot and stay cached. */
    for (int i = 0; i < PW_STMT_CACHE_SLOTS; i++) {
        pw_stmt *st = pw_db_stmt(db, sql[i]);
        assert_ptr_equal(st, first[i]);
        assert_int_equal(pw_stmt_step(st), PW_ROW);
        assert_int_equal(pw_stmt_column_int64(st, 0), i * 7);
        pw_stmt_done(st);
    }
    for (int i = PW_STMT_CACHE_SLOTS; i < N; i++) {
        pw_stmt *st = pw_db_stmt(db, sql[i]);
        assert_int_equal(pw_stmt_step(st), PW_ROW);
        assert_int_equal(pw_stmt_column_int64(st, 0), i * 7);
        pw_stmt_done(st);
    }
    pw_db_close(db);
}

static void test_bind_and_columns(void **state)
{
    fixture *f = *state;
    pw_db *db = open_db(f);
    assert_int_equal(pw_db_exec(db, "CREATE TABLE v (i INTEGER, t TEXT, b BLOB, d REAL, n TEXT)"), PW_OK);
    static const char ins_sql[] = "INSERT INTO v VALUES (?, ?, ?, ?, ?)";
    pw_stmt *ins = pw_db_stmt(db, ins_sql);
    pw_stmt_int64(ins, 1, INT64_MIN);
    pw_stmt_textn(ins, 2, "héllo, wörld", strlen("héllo"));
    pw_stmt_blob(ins, 3, "\0\1\2\377", 4);
    pw_stmt_double(ins, 4, 0.25);
    pw_stmt_text(ins, 5, NULL); /* NULL text binds SQL NULL */
    assert_int_equal(pw_stmt_run(ins), PW_OK);
    assert_int_equal(pw_db_changes(db), 1);

    pw_stmt *sel = pw_db_stmt(db, "SELECT i, t, b, d, n, typeof(d) FROM v");
    assert_int_equal(pw_stmt_step(sel), PW_ROW);
    assert_int_equal(pw_stmt_column_int64(sel, 0), INT64_MIN);
    assert_string_equal(pw_stmt_column_text(sel, 1), "héllo");
    assert_int_equal(pw_stmt_column_bytes(sel, 2), 4);
    assert_memory_equal(pw_stmt_column_blob(sel, 2), "\0\1\2\377", 4);
    assert_string_equal(pw_stmt_column_text(sel, 5), "real");
    assert_true(pw_stmt_column_is_null(sel, 4));
    assert_false(pw_stmt_column_is_null(sel, 0));
    assert_int_equal(pw_stmt_step(sel), PW_DONE);
    pw_stmt_done(sel);

    /* done() clears bindings: a reused statement does not see stale values. */
    assert_int_equal(pw_stmt_run(ins), PW_OK);
    assert_int_equal(query_int(db, "SELECT count(*) FROM v WHERE i IS NULL AND t IS NULL"), 1);
    pw_db_close(db);
}

static void test_constraint_errors(void **state)
{
    fixture *f = *state;
    pw_db *db = open_db(f);
    assert_int_equal(pw_db_exec(db, "CREATE TABLE parent (id INTEGER PRIMARY KEY);"
                                    "CREATE TABLE child (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, "
                                    "n INTEGER CHECK (n >= 0), parent_id INTEGER REFERENCES parent(id));"
                                    "INSERT INTO parent VALUES (1);"),
                     PW_OK);
    static const char sql[] = "INSERT INTO child (id, email, n, parent_id) VALUES (?, ?, ?, ?)";
    struct {
        int64_t id;
        const char *email;
        int64_t n, parent;
        int want;
    } rows[] = {
        {1, "a@x.io", 0, 1, PW_OK},           {2, "a@x.io", 0, 1, PW_ECONSTRAINT}, /* UNIQUE */
        {1, "b@x.io", 0, 1, PW_ECONSTRAINT},                                       /* PRIMARY KEY */
        {3, NULL, 0, 1, PW_ECONSTRAINT},                                           /* NOT NULL */
        {4, "c@x.io", -1, 1, PW_ECONSTRAINT},                                      /* CHECK */
        {5, "d@x.io", 0, 99, PW_ECONSTRAINT},                                      /* FOREIGN KEY (foreign_keys=ON) */
        {6, "e@x.io", 5, 1, PW_OK}, /* the statement is reusable after failures */
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        pw_stmt *st = pw_db_stmt(db, sql);
        assert_non_null(st);
        pw_stmt_int64(st, 1, rows[i].id);
        pw_stmt_text(st, 2, rows[i].email);
        pw_stmt_int64(st, 3, rows[i].n);
        pw_stmt_int64(st, 4, rows[i].parent);
        int rc = pw_stmt_run(st);
        if (rc != rows[i].want)
            print_error("row %zu: got %d, want %d\n", i, rc, rows[i].want);
        assert_int_equal(rc, rows[i].want);
    }
    assert_int_equal(query_int(db, "SELECT count(*) FROM child"), 2);
    /* exec maps the same way */
    assert_int_equal(pw_db_exec(db, "INSERT INTO child VALUES (9, 'a@x.io', 0, 1)"), PW_ECONSTRAINT);
    pw_db_close(db);
}

/* A statement that cannot be prepared is never NULL: it is a failed statement whose binds
 * do nothing and whose step says why, so callers that do not test for NULL are safe. */
static void test_stmt_that_cannot_prepare(void **state)
{
    fixture *f = *state;
    pw_db *db = open_db(f);
    static const char bad[] = "SELECT id FROM no_such_table WHERE id = ?";
    pw_stmt *st = pw_db_stmt(db, bad);
    assert_non_null(st);
    assert_true(pw_stmt_is_failed(st));
    pw_stmt_int64(st, 1, 7);
    pw_stmt_text(st, 2, "ignored");
    pw_stmt_null(st, 3);
    assert_int_equal(pw_stmt_step(st), PW_EDB);
    pw_stmt_done(st);
    assert_int_equal(pw_stmt_run(pw_db_stmt(db, bad)), PW_EDB);
    assert_int_equal(pw_db_run(db, "NOT SQL AT ALL"), PW_EDB);
    assert_true(pw_stmt_is_failed(pw_stmt_failed(PW_ENOMEM)));
    assert_int_equal(pw_stmt_step(pw_stmt_failed(PW_ENOMEM)), PW_ENOMEM);
    assert_int_equal(pw_stmt_step(pw_stmt_failed(PW_EBUSY)), PW_EBUSY);
    /* a good statement on the same connection is unaffected */
    static const char good[] = "SELECT 41 + 1";
    pw_stmt *ok = pw_db_stmt(db, good);
    assert_false(pw_stmt_is_failed(ok));
    assert_int_equal(pw_stmt_step(ok), PW_ROW);
    assert_int_equal(pw_stmt_column_int64(ok, 0), 42);
    pw_stmt_done(ok);
    pw_db_close(db);
}

/* A statement whose bind failed does not run.
 *
 * SQLite leaves a parameter NULL when its bind fails (SQLITE_NOMEM copying a text under
 * memory pressure, SQLITE_RANGE for an index past the last parameter). Run anyway, an
 * INSERT writes a NULL and an UPDATE ... WHERE id = ? changes nothing and says PW_OK; the
 * full allocation-fault walk (FAULT_FULL=1 make fault-test) found that as a task update
 * that matched no row. The store keeps the first failed bind and the step answers it. An
 * index out of range is the failure a test can cause without a fault build. */
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
        STORE_TEST(test_open_sets_pragmas),
        STORE_TEST(test_open_refuses),
        STORE_TEST(test_stmt_cache),
        STORE_TEST(test_stmt_cache_full),
        STORE_TEST(test_bind_and_columns),
        STORE_TEST(test_constraint_errors),
        STORE_TEST(test_stmt_that_cannot_prepare),
        cmocka_unit_test(failed_bind_stops_the_statement_and_is_forgotten_after_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
