/* store_fixture.h — for the store's tests: a fresh temporary directory holding the
 * database file (setup/teardown as a cmocka fixture, the file and its WAL side files
 * removed after), a connection to it, the single integer a query returns, and the small
 * items table the connection and writer tests write. Shared by test_db_sqlite.c,
 * test_migrate.c and test_writer.c; the caller includes cmocka first. */
#ifndef PW_TEST_STORE_FIXTURE_H
#define PW_TEST_STORE_FIXTURE_H
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "store/db.h"

typedef struct fixture {
    char dir[256];  /* the temporary directory */
    char path[300]; /* the database file in it */
} fixture;

static inline int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return -1;
    const char *tmp = getenv("TMPDIR");
    snprintf(f->dir, sizeof(f->dir), "%s/pw_test_store_XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof(f->path), "%s/test.db", f->dir);
    *state = f;
    return 0;
}

static inline int teardown(void **state)
{
    fixture *f = *state;
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        char p[320];
        snprintf(p, sizeof(p), "%s%s", f->path, suffixes[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static inline pw_db *open_db(const fixture *f)
{
    pw_db *db = NULL;
    assert_int_equal(pw_db_open(f->path, 0, &db), PW_OK);
    assert_non_null(db);
    return db;
}

/* The single integer a query returns. */
static inline int64_t query_int(pw_db *db, const char *sql)
{
    pw_stmt *st = pw_db_stmt(db, sql);
    assert_non_null(st);
    assert_int_equal(pw_stmt_step(st), PW_ROW);
    int64_t v = pw_stmt_column_int64(st, 0);
    assert_int_equal(pw_stmt_step(st), PW_DONE);
    pw_stmt_done(st);
    return v;
}

static const char SQL_CREATE_ITEMS[] = "CREATE TABLE items (id INTEGER PRIMARY KEY, tag INTEGER NOT NULL)";
static const char SQL_INSERT_ITEM[] = "INSERT INTO items (id, tag) VALUES (?, ?)";
static const char SQL_COUNT_ITEMS[] = "SELECT count(*) FROM items";

#define STORE_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

#endif
