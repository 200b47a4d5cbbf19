/* temp_db.h — for tests: a database file of their own in /tmp, and its removal with the
 * WAL's side files. The caller includes cmocka first. */
#ifndef PW_TEST_TEMP_DB_H
#define PW_TEST_TEMP_DB_H
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

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

#endif
