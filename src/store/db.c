/* db.c — engine selection and the helpers shared by every engine. */
#include "store/db.h"

#include <string.h>

#include "base/assert.h"

int pw_db_open(const char *location, int flags, pw_db **out)
{
    /* postgres:// URLs select the libpq engine once it exists; everything else is a file. */
    if (strncmp(location, "postgres://", 11) == 0 || strncmp(location, "postgresql://", 13) == 0)
        return PW_EINVAL;
    return pw_db_sqlite_ops.open(location, flags, out);
}

void pw_db_close(pw_db *db)
{
    if (db != NULL)
        db->ops->close(db);
}

void pw_stmt_text(pw_stmt *st, int i, const char *text)
{
    if (text == NULL)
        st->ops->bind_null(st, i);
    else
        st->ops->bind_text(st, i, text, strlen(text));
}

void pw_stmt_bind_args(pw_stmt *st, const pw_arg *args, int n)
{
    pw_assert(n > 0);
    for (int i = 0; i < n; i++) {
        const pw_arg *a = &args[i];
        switch (a->type) {
        case PW_ARG_INT64: pw_stmt_int64(st, i + 1, a->i); break;
        case PW_ARG_INT64_OR_NULL: pw_stmt_int64_or_null(st, i + 1, a->i); break;
        case PW_ARG_TEXT: pw_stmt_text(st, i + 1, a->s); break;
        case PW_ARG_DOUBLE: pw_stmt_double(st, i + 1, a->d); break;
        case PW_ARG_BLOB: pw_stmt_blob(st, i + 1, a->blob.data, a->blob.len); break;
        case PW_ARG_NULL: pw_stmt_null(st, i + 1); break;
        default: pw_unreachable("a pw_arg of no known type");
        }
    }
}

int pw_stmt_run(pw_stmt *st)
{
    int rc = pw_stmt_step(st);
    pw_stmt_done(st);
    if (rc == PW_ROW || rc == PW_DONE)
        return PW_OK;
    return rc;
}

int pw_stmt_run_int64(pw_stmt *st, int64_t *value_out)
{
    int rc = pw_stmt_step(st);
    if (rc == PW_ROW)
        *value_out = pw_stmt_column_int64(st, 0);
    pw_stmt_done(st);
    return rc == PW_ROW ? PW_OK : rc;
}

int pw_db_load_by_id(pw_db *db, const char *sql, int64_t id, pw_row_reader *read, void *out)
{
    pw_stmt *st = pw_db_stmt(db, sql);
    pw_stmt_int64(st, 1, id);
    int rc = pw_stmt_step(st);
    if (rc == PW_ROW)
        read(st, id, out);
    pw_stmt_done(st);
    return rc == PW_ROW ? 1 : rc == PW_DONE ? 0 : rc;
}

/* ---- the failed statement ----------------------------------------------------------------
 *
 * pw_db_stmt never returns NULL: a statement that could not be prepared (out of memory,
 * the database busy or broken) is this stand-in, whose binds do nothing and whose step
 * answers the error, so every caller's ordinary error path handles it and no caller has
 * to test for NULL. It holds no state: one const instance per error serves every thread. */
typedef struct failed_stmt {
    pw_stmt base;
    int code;
} failed_stmt;

static void failed_bind_int64(pw_stmt *st, int i, int64_t v) {}
static void failed_bind_text(pw_stmt *st, int i, const char *t, size_t n) {}
static void failed_bind_blob(pw_stmt *st, int i, const void *d, size_t n) {}
static void failed_bind_null(pw_stmt *st, int i) {}
static void failed_bind_double(pw_stmt *st, int i, double v) {}
static int failed_step(pw_stmt *st) { return ((failed_stmt *)st)->code; }
static void failed_done(pw_stmt *st) {}
/* A column is read only after step gave a row, which a failed statement never gives. */
static int64_t failed_column_int64(pw_stmt *st, int c) { pw_unreachable("a column of a failed statement"); }
static const char *failed_column_text(pw_stmt *st, int c) { pw_unreachable("a column of a failed statement"); }
static const void *failed_column_blob(pw_stmt *st, int c) { pw_unreachable("a column of a failed statement"); }
static size_t failed_column_bytes(pw_stmt *st, int c) { pw_unreachable("a column of a failed statement"); }
static int failed_column_is_null(pw_stmt *st, int c) { pw_unreachable("a column of a failed statement"); }

static const pw_db_ops failed_ops = {
    .name = "failed",
    .bind_int64 = failed_bind_int64,
    .bind_text = failed_bind_text,
    .bind_blob = failed_bind_blob,
    .bind_null = failed_bind_null,
    .bind_double = failed_bind_double,
    .step = failed_step,
    .column_int64 = failed_column_int64,
    .column_text = failed_column_text,
    .column_blob = failed_column_blob,
    .column_bytes = failed_column_bytes,
    .column_is_null = failed_column_is_null,
    .done = failed_done,
};

static const failed_stmt failed_nomem = {{&failed_ops}, PW_ENOMEM};
static const failed_stmt failed_busy = {{&failed_ops}, PW_EBUSY};
static const failed_stmt failed_db = {{&failed_ops}, PW_EDB};

pw_stmt *pw_stmt_failed(int code)
{
    pw_assert(code < 0);
    const failed_stmt *f = code == PW_ENOMEM ? &failed_nomem : code == PW_EBUSY ? &failed_busy : &failed_db;
    return (pw_stmt *)&f->base; /* const in memory: nothing ever writes through it */
}

int pw_stmt_is_failed(const pw_stmt *st) { return st->ops == &failed_ops; }
