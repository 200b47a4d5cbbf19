/* db_sqlite.c — the SQLite engine behind db.h.
 *
 * Each connection keeps a fixed open-addressing table of prepared statements keyed by the
 * address of the SQL text (callers pass literals, so the address is a stable identity);
 * the table has PW_STMT_CACHE_SLOTS slots and a statement that finds it full is prepared,
 * used and finalized on its own. Connections are opened in WAL mode with
 * synchronous=FULL: a COMMIT returns only after the WAL is on disk, so an acknowledged
 * write survives kill -9 and power loss. */
#include "store/db.h"

#include <sqlite3.h>
#include <stdint.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/limits.h"
#include "base/log.h"
#include "store/faults.h"

typedef struct sqlite_stmt {
    pw_stmt base;         /* ops; must be first */
    sqlite3_stmt *handle; /* the prepared statement */
    const char *sql;      /* the key: address of the SQL text */
    struct sqlite_db *db; /* owning connection */
    int cached;           /* 0: finalize on done */
    int bind_rc;          /* the first failed bind's code (PW_ENOMEM ...) since done, or PW_OK */
} sqlite_stmt;

typedef struct sqlite_db {
    pw_db base;                             /* ops; must be first */
    sqlite3 *handle;                        /* the connection */
    sqlite_stmt slots[PW_STMT_CACHE_SLOTS]; /* statement cache, open addressing */
    int txn_lost;                           /* the engine ended our transaction (see sq_step) */
} sqlite_db;

static int map_rc(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK: return PW_OK;
    case SQLITE_ROW: return PW_ROW;
    case SQLITE_DONE: return PW_DONE;
    case SQLITE_CONSTRAINT: return PW_ECONSTRAINT;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return PW_EBUSY;
    case SQLITE_NOMEM: return PW_ENOMEM;
    default: return PW_EDB;
    }
}

static int sq_exec(pw_db *base, const char *sql)
{
    sqlite_db *db = (sqlite_db *)base;
    char *err = NULL;
    int rc = sqlite3_exec(db->handle, sql, NULL, NULL, &err);
    if (rc != SQLITE_OK) {
        pw_log_error("msg=\"sql exec failed\" err=\"%s\"", err ? err : sqlite3_errstr(rc));
        sqlite3_free(err);
    }
    return map_rc(rc);
}

/* Before the first connection: no global memory statistics. With them on (SQLite's
 * default) every allocation SQLite makes takes a process-wide mutex, and we never read
 * them. pthread_once: the loops, the writer and the tools all open connections. */
static void configure_sqlite(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    pw_faults_install_allocators(); /* PW_FAULTS builds only */
}

static int sq_open(const char *location, int flags, pw_db **out)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, configure_sqlite);
    sqlite_db *db = calloc(1, sizeof(*db));
    if (db == NULL)
        return PW_ENOMEM;
    db->base.ops = &pw_db_sqlite_ops;
    int open_flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(location, &db->handle, open_flags, NULL);
    if (rc != SQLITE_OK) {
        pw_log_error("msg=\"cannot open database\" path=\"%s\" err=\"%s\"", location,
                     db->handle ? sqlite3_errmsg(db->handle) : sqlite3_errstr(rc));
        sqlite3_close(db->handle);
        free(db);
        return PW_EDB;
    }
    sqlite3_busy_timeout(db->handle, PW_DB_BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(db->handle, 1);
    rc = sq_exec(&db->base, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                            "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-16384;");
    if (rc == PW_OK && (flags & PW_DB_READONLY))
        rc = sq_exec(&db->base, "PRAGMA query_only=1;");
    if (rc != PW_OK) {
        sqlite3_close(db->handle);
        free(db);
        return rc;
    }
    *out = &db->base;
    return PW_OK;
}

static void sq_close(pw_db *base)
{
    sqlite_db *db = (sqlite_db *)base;
    for (size_t i = 0; i < PW_STMT_CACHE_SLOTS; i++)
        sqlite3_finalize(db->slots[i].handle);
    sqlite3_close(db->handle);
    free(db);
}

/* NULL with *code_out set (PW_ENOMEM, PW_EBUSY, PW_EDB) if it cannot be prepared. */
static sqlite3_stmt *prepare(sqlite_db *db, const char *sql, int *code_out)
{
    sqlite3_stmt *handle = NULL;
    int rc = sqlite3_prepare_v3(db->handle, sql, -1, SQLITE_PREPARE_PERSISTENT, &handle, NULL);
    if (rc != SQLITE_OK) {
        pw_log_error("msg=\"sql prepare failed\" err=\"%s\"", sqlite3_errmsg(db->handle));
        sqlite3_finalize(handle);
        int code = map_rc(rc);
        *code_out = code < 0 ? code : PW_EDB;
        return NULL;
    }
    return handle;
}

static pw_stmt *sq_stmt(pw_db *base, const char *sql)
{
    sqlite_db *db = (sqlite_db *)base;
    /* Fibonacci hashing: the product's high bits depend on every bit of the address. */
    size_t h = (size_t)(((uint64_t)(uintptr_t)sql * 0x9E3779B97F4A7C15ull) >> 56);
    _Static_assert(PW_STMT_CACHE_SLOTS == 256, "the shift above picks 8 bits");
    for (size_t probe = 0; probe < PW_STMT_CACHE_SLOTS; probe++) {
        sqlite_stmt *slot = &db->slots[(h + probe) % PW_STMT_CACHE_SLOTS];
        if (slot->sql == sql) {
            pw_assert(slot->db == db && slot->cached && slot->handle != NULL); /* a slot is filled once, whole */
            return &slot->base;
        }
        if (slot->sql == NULL) {
            int code = PW_EDB;
            slot->handle = prepare(db, sql, &code);
            if (slot->handle == NULL)
                return pw_stmt_failed(code); /* the slot stays free: the next use tries again */
            slot->base.ops = &pw_db_sqlite_ops;
            slot->sql = sql;
            slot->db = db;
            slot->cached = 1;
            return &slot->base;
        }
    }
    /* Cache full: a one-off statement, finalized by done(). */
    sqlite_stmt *one = calloc(1, sizeof(*one));
    if (one == NULL)
        return pw_stmt_failed(PW_ENOMEM);
    int code = PW_EDB;
    one->handle = prepare(db, sql, &code);
    if (one->handle == NULL) {
        free(one);
        return pw_stmt_failed(code);
    }
    one->base.ops = &pw_db_sqlite_ops;
    one->sql = sql;
    one->db = db;
    return &one->base;
}

/* A bind that fails (SQLITE_NOMEM copying a text, say) leaves the parameter NULL; the
 * statement must not run with it (an UPDATE ... WHERE id = NULL changes nothing, an INSERT
 * writes a NULL), so the first failure is kept and the step answers it instead. */
static void bound(pw_stmt *base, int rc)
{
    sqlite_stmt *st = (sqlite_stmt *)base;
    if (rc != SQLITE_OK && st->bind_rc == PW_OK) {
        int code = map_rc(rc);
        st->bind_rc = code < 0 ? code : PW_EDB;
    }
}
static void sq_bind_int64(pw_stmt *st, int i, int64_t v)
{
    bound(st, sqlite3_bind_int64(((sqlite_stmt *)st)->handle, i, v));
}
static void sq_bind_text(pw_stmt *st, int i, const char *t, size_t n)
{
    bound(st, sqlite3_bind_text64(((sqlite_stmt *)st)->handle, i, t, n, SQLITE_TRANSIENT, SQLITE_UTF8));
}
static void sq_bind_blob(pw_stmt *st, int i, const void *d, size_t n)
{
    bound(st, sqlite3_bind_blob64(((sqlite_stmt *)st)->handle, i, d, n, SQLITE_TRANSIENT));
}
static void sq_bind_null(pw_stmt *st, int i) { bound(st, sqlite3_bind_null(((sqlite_stmt *)st)->handle, i)); }
static void sq_bind_double(pw_stmt *st, int i, double v)
{
    bound(st, sqlite3_bind_double(((sqlite_stmt *)st)->handle, i, v));
}

/* SQLite may end a transaction itself when a statement fails with SQLITE_NOMEM, _IOERR,
 * _FULL or _BUSY (its documentation: "the application should check sqlite3_get_autocommit").
 * The savepoints go with it, and whatever the caller runs next would be in autocommit mode:
 * each statement committed on its own, a half-done job made durable. So once that has
 * happened every statement fails until the caller's ROLLBACK (which finds nothing left to
 * undo, and succeeds) or a new BEGIN. */
static int lost_transaction(sqlite_stmt *st)
{
    const char *sql = sqlite3_sql(st->handle);
    if (strncmp(sql, "ROLLBACK", 8) == 0 && strncmp(sql, "ROLLBACK TO", 11) != 0) {
        st->db->txn_lost = 0;
        return PW_DONE;
    }
    if (strncmp(sql, "BEGIN", 5) == 0) {
        st->db->txn_lost = 0;
        return 0; /* run it */
    }
    return PW_EDB;
}

static int sq_step(pw_stmt *base)
{
    sqlite_stmt *st = (sqlite_stmt *)base;
    if (st->db->txn_lost) {
        int rc = lost_transaction(st);
        if (rc != 0)
            return rc;
    }
    if (st->bind_rc != PW_OK) {
        pw_log_error("msg=\"sql bind failed\" code=%d sql=\"%.60s\"", st->bind_rc, sqlite3_sql(st->handle));
        return st->bind_rc;
    }
    if (pw_faults_hit(PW_FAULT_STEP)) /* PW_FAULTS builds: as an I/O error would */
        return PW_EDB;
    int in_transaction = !sqlite3_get_autocommit(st->db->handle);
    int rc = sqlite3_step(st->handle);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE && (rc & 0xff) != SQLITE_CONSTRAINT) {
        pw_log_error("msg=\"sql step failed\" err=\"%s\"", sqlite3_errmsg(st->db->handle));
        if (in_transaction && sqlite3_get_autocommit(st->db->handle)) {
            pw_log_error("msg=\"the engine rolled the transaction back\"");
            st->db->txn_lost = 1;
        }
    }
    return map_rc(rc);
}

static int64_t sq_col_int64(pw_stmt *st, int c) { return sqlite3_column_int64(((sqlite_stmt *)st)->handle, c); }
static const char *sq_col_text(pw_stmt *st, int c)
{
    return (const char *)sqlite3_column_text(((sqlite_stmt *)st)->handle, c);
}
static const void *sq_col_blob(pw_stmt *st, int c) { return sqlite3_column_blob(((sqlite_stmt *)st)->handle, c); }
static size_t sq_col_bytes(pw_stmt *st, int c) { return (size_t)sqlite3_column_bytes(((sqlite_stmt *)st)->handle, c); }
static int sq_col_is_null(pw_stmt *st, int c)
{
    return sqlite3_column_type(((sqlite_stmt *)st)->handle, c) == SQLITE_NULL;
}

static void sq_done(pw_stmt *base)
{
    sqlite_stmt *st = (sqlite_stmt *)base;
    st->bind_rc = PW_OK;
    if (!st->cached) {
        sqlite3_finalize(st->handle);
        free(st);
        return;
    }
    sqlite3_reset(st->handle);
    sqlite3_clear_bindings(st->handle);
}

static int64_t sq_changes(pw_db *db) { return sqlite3_changes64(((sqlite_db *)db)->handle); }
static const char *sq_errmsg(pw_db *db) { return sqlite3_errmsg(((sqlite_db *)db)->handle); }
static int sq_in_transaction(pw_db *db) { return !sqlite3_get_autocommit(((sqlite_db *)db)->handle); }

const pw_db_ops pw_db_sqlite_ops = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .exec = sq_exec,
    .stmt = sq_stmt,
    .bind_int64 = sq_bind_int64,
    .bind_text = sq_bind_text,
    .bind_blob = sq_bind_blob,
    .bind_null = sq_bind_null,
    .bind_double = sq_bind_double,
    .step = sq_step,
    .column_int64 = sq_col_int64,
    .column_text = sq_col_text,
    .column_blob = sq_col_blob,
    .column_bytes = sq_col_bytes,
    .column_is_null = sq_col_is_null,
    .done = sq_done,
    .changes = sq_changes,
    .errmsg = sq_errmsg,
    .in_transaction = sq_in_transaction,
};
