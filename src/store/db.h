/* db.h — the database interface every subsystem uses; no subsystem includes sqlite3.h.
 *
 * A pw_db is one connection. SQL is written once in the portable subset SQLite and
 * PostgreSQL share (`?` placeholders, ON CONFLICT, RETURNING); an engine file implements
 * the small table of operations below (db_sqlite.c today; a libpq one translates `?` to
 * `$n`). Statements are prepared once per connection and cached by the address of their
 * SQL text, so callers pass string literals and never think about preparing:
 *
 *     pw_stmt *st = pw_db_stmt(db, "SELECT id FROM users WHERE email = ?");
 *     pw_stmt_text(st, 1, email);
 *     if (pw_stmt_step(st) == PW_ROW) id = pw_stmt_column_int64(st, 0);
 *     pw_stmt_done(st);          // always: resets it and ends its read
 *
 * Results: PW_ROW / PW_DONE from step, 0 or a negative PW_E* code elsewhere. */
#ifndef PW_DB_H
#define PW_DB_H
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

typedef struct pw_db pw_db;
typedef struct pw_stmt pw_stmt;

/* PW_OK, PW_ROW, PW_DONE and the PW_E* codes: base/error.h, the one convention. */

enum { PW_DB_READONLY = 1 }; /* pw_db_open flags */

typedef struct pw_db_ops {
    const char *name;
    int (*open)(const char *location, int flags, pw_db **out);
    void (*close)(pw_db *db);
    int (*exec)(pw_db *db, const char *sql);
    pw_stmt *(*stmt)(pw_db *db, const char *sql);
    void (*bind_int64)(pw_stmt *st, int index, int64_t value);
    void (*bind_text)(pw_stmt *st, int index, const char *text, size_t len);
    void (*bind_blob)(pw_stmt *st, int index, const void *data, size_t len);
    void (*bind_null)(pw_stmt *st, int index);
    void (*bind_double)(pw_stmt *st, int index, double value);
    int (*step)(pw_stmt *st);
    int64_t (*column_int64)(pw_stmt *st, int col);
    const char *(*column_text)(pw_stmt *st, int col);
    const void *(*column_blob)(pw_stmt *st, int col);
    size_t (*column_bytes)(pw_stmt *st, int col);
    int (*column_is_null)(pw_stmt *st, int col);
    void (*done)(pw_stmt *st);
    int64_t (*changes)(pw_db *db);
    const char *(*errmsg)(pw_db *db);
    int (*in_transaction)(pw_db *db);
} pw_db_ops;

struct pw_db {
    const pw_db_ops *ops; /* the engine */
};

extern const pw_db_ops pw_db_sqlite_ops;

/* Opens `location`: a file path (SQLite). Sets WAL, synchronous=FULL, foreign keys. */
int pw_db_open(const char *location, int flags, pw_db **out);
void pw_db_close(pw_db *db);

static inline int pw_db_exec(pw_db *db, const char *sql) { return db->ops->exec(db, sql); }
/* The cached statement for this SQL text. Never NULL: if it cannot be prepared (out of
 * memory, busy, or SQL that does not compile — logged) it is a failed statement whose binds
 * do nothing and whose step returns the error (PW_ENOMEM, PW_EBUSY, PW_EDB), so the
 * caller's ordinary error path handles it. */
static inline pw_stmt *pw_db_stmt(pw_db *db, const char *sql) { return db->ops->stmt(db, sql); }
/* The stand-in an engine returns from stmt() when it cannot prepare (code < 0). */
struct pw_stmt *pw_stmt_failed(int code);
int pw_stmt_is_failed(const struct pw_stmt *st);
static inline int64_t pw_db_changes(pw_db *db) { return db->ops->changes(db); }
static inline const char *pw_db_errmsg(pw_db *db) { return db->ops->errmsg(db); }
/* 1 while a transaction is open. An engine may end one itself on some errors (SQLite does
 * on a full disk, an I/O error or out of memory): code that goes on after a failed
 * statement checks this first, or its next SAVEPOINT would open a transaction of its own. */
static inline int pw_db_in_transaction(pw_db *db) { return db->ops->in_transaction(db); }

/* Statements carry their connection's ops in their first field. */
struct pw_stmt {
    const pw_db_ops *ops;
};
static inline void pw_stmt_int64(pw_stmt *st, int i, int64_t v) { st->ops->bind_int64(st, i, v); }
void pw_stmt_text(pw_stmt *st, int i, const char *text); /* NULL binds NULL */
static inline void pw_stmt_textn(pw_stmt *st, int i, const char *t, size_t n) { st->ops->bind_text(st, i, t, n); }
static inline void pw_stmt_blob(pw_stmt *st, int i, const void *d, size_t n) { st->ops->bind_blob(st, i, d, n); }
static inline void pw_stmt_null(pw_stmt *st, int i) { st->ops->bind_null(st, i); }
static inline void pw_stmt_double(pw_stmt *st, int i, double v) { st->ops->bind_double(st, i, v); }
static inline int pw_stmt_step(pw_stmt *st) { return st->ops->step(st); }
static inline int64_t pw_stmt_column_int64(pw_stmt *st, int c) { return st->ops->column_int64(st, c); }
static inline const char *pw_stmt_column_text(pw_stmt *st, int c) { return st->ops->column_text(st, c); }
static inline const void *pw_stmt_column_blob(pw_stmt *st, int c) { return st->ops->column_blob(st, c); }
static inline size_t pw_stmt_column_bytes(pw_stmt *st, int c) { return st->ops->column_bytes(st, c); }
static inline int pw_stmt_column_is_null(pw_stmt *st, int c) { return st->ops->column_is_null(st, c); }
static inline void pw_stmt_done(pw_stmt *st) { st->ops->done(st); }

/* Runs a statement that returns no rows to completion and finishes it: PW_OK or error. */
int pw_stmt_run(pw_stmt *st);
/* Runs a statement that returns one row whose first column is an integer (an INSERT or
 * UPDATE ... RETURNING) and finishes it: PW_OK with *value_out, PW_DONE if it returned no
 * row (*value_out untouched), or the error. */
int pw_stmt_run_int64(pw_stmt *st, int64_t *value_out);
/* Loads one row by its id: runs `sql` (one `?`, the id) and, if it gives a row, calls
 * read(st, id, out) to copy it out before finishing the statement. 1 found, 0 not (out
 * untouched), negative on error. */
typedef void pw_row_reader(pw_stmt *st, int64_t id, void *out);
int pw_db_load_by_id(pw_db *db, const char *sql, int64_t id, pw_row_reader *read, void *out);
/* Binds a value whose 0 means "none" (an id, an optional time): NULL when it is 0. */
static inline void pw_stmt_int64_or_null(pw_stmt *st, int i, int64_t v)
{
    if (v != 0)
        pw_stmt_int64(st, i, v);
    else
        pw_stmt_null(st, i);
}
/* ---- binding many at once ------------------------------------------------------------------
 * A statement's parameters from 1 up, in one call, each a typed value:
 *
 *     pw_stmt_bind(st, PW_I64(task_id), PW_TEXT(event), PW_I64_OR_NULL(actor_id));
 *
 * binds ?1 to ?3 as pw_stmt_int64, pw_stmt_text and pw_stmt_int64_or_null would. It goes
 * through the same engine operations as the single binds, so it is engine-neutral; the
 * list is a compound literal, counted at compile time. */
typedef enum pw_arg_type {
    PW_ARG_INT64,         /* i */
    PW_ARG_INT64_OR_NULL, /* i, NULL when 0 (pw_stmt_int64_or_null) */
    PW_ARG_TEXT,          /* s, NULL binds NULL (pw_stmt_text) */
    PW_ARG_DOUBLE,        /* d */
    PW_ARG_BLOB,          /* blob: len bytes at data */
    PW_ARG_NULL,
} pw_arg_type;
typedef struct pw_arg {
    pw_arg_type type;
    union {
        int64_t i;
        const char *s;
        double d;
        struct {
            const void *data;
            size_t len;
        } blob;
    };
} pw_arg;
#define PW_I64(v)         ((pw_arg){.type = PW_ARG_INT64, .i = (v)})
#define PW_I64_OR_NULL(v) ((pw_arg){.type = PW_ARG_INT64_OR_NULL, .i = (v)})
#define PW_TEXT(v)        ((pw_arg){.type = PW_ARG_TEXT, .s = (v)})
#define PW_DOUBLE(v)      ((pw_arg){.type = PW_ARG_DOUBLE, .d = (v)})
#define PW_BLOB(p, n)     ((pw_arg){.type = PW_ARG_BLOB, .blob = {(p), (n)}})
#define PW_NULL           ((pw_arg){.type = PW_ARG_NULL})
/* Binds args[0..n) to parameters 1..n. */
void pw_stmt_bind_args(pw_stmt *st, const pw_arg *args, int n);
#define pw_stmt_bind(st, ...) \
    pw_stmt_bind_args((st), (const pw_arg[]){__VA_ARGS__}, (int)(sizeof((pw_arg[]){__VA_ARGS__}) / sizeof(pw_arg)))

/* Runs a parameterless statement (transaction control: BEGIN, SAVEPOINT, RELEASE, ...)
 * through the statement cache: parsing it on every use costs more than the small writes
 * it wraps. PW_OK or an error. */
static inline int pw_db_run(pw_db *db, const char *sql) { return pw_stmt_run(pw_db_stmt(db, sql)); }

#endif
