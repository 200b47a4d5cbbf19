/* temp_db.h — for tests: a database file of their own in /tmp, migrated, and its removal
 * with the WAL's side files; a cmocka fixture of just that, and a user row made directly.
 * The caller includes cmocka first. */
#ifndef PW_TEST_TEMP_DB_H
#define PW_TEST_TEMP_DB_H
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/roles.h"
#include "store/db.h"
#include "store/migrate.h"

/* A new empty file /tmp/pw-test-NAME-XXXXXX; its name in path (64 bytes). */
static inline void temp_db_make(char *path, size_t size, const char *name)
{
    snprintf(path, size, "/tmp/pw-test-%s-XXXXXX", name);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
}

/* Removes the file and its -wal and -shm side files (the connection closed first). */
static inline void temp_db_remove(const char *path)
{
    char side[1024];
    unlink(path);
    snprintf(side, sizeof(side), "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", path);
    unlink(side);
}

/* A fresh migrated database in a new file /tmp/pw-test-NAME-XXXXXX (its name in path). */
static inline pw_db *temp_db_migrated(char *path, size_t size, const char *name)
{
    temp_db_make(path, size, name);
    pw_db *db = NULL;
    int rc = pw_migrate_open(path, &db, NULL);
    if (rc != PW_OK)
        print_error("%s: cannot open and migrate: %d\n", path, rc);
    assert_int_equal(rc, PW_OK);
    return db;
}

/* A test's own database: a cmocka state of its own, or the first member of a larger one. */
typedef struct temp_db {
    char path[64];
    pw_db *db;
} temp_db;

static inline void temp_db_open(temp_db *t, const char *name)
{
    t->db = temp_db_migrated(t->path, sizeof(t->path), name);
}

static inline void temp_db_close(temp_db *t)
{
    pw_db_close(t->db);
    temp_db_remove(t->path);
}

/* A temp_db on the heap, for a cmocka setup; temp_db_teardown closes and frees it. */
static inline temp_db *temp_db_new(const char *name)
{
    temp_db *t = calloc(1, sizeof(*t));
    assert_non_null(t);
    temp_db_open(t, name);
    return t;
}

static inline int temp_db_teardown(void **state)
{
    temp_db_close(*state);
    free(*state);
    return 0;
}

/* A user row made directly: id `id`, e-mail u<id>@example.test, no usable password. */
static inline void temp_db_add_user(pw_db *db, int64_t id, const char *display_name, int roles)
{
    pw_stmt *st = pw_db_stmt(db, "INSERT INTO users (id, email, password_hash, display_name, roles, created_at) "
                                 "VALUES (?, ?, 'x', ?, ?, 0)");
    assert_non_null(st);
    char email[64];
    snprintf(email, sizeof(email), "u%lld@example.test", (long long)id);
    pw_stmt_int64(st, 1, id);
    pw_stmt_text(st, 2, email);
    pw_stmt_text(st, 3, display_name);
    pw_stmt_int64(st, 4, roles);
    assert_int_equal(pw_stmt_run(st), PW_OK);
}

#endif
