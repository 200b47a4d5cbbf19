/* db.c — engine selection and the helpers shared by every engine. */
#include "store/db.h"

#include <string.h>

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

int pw_stmt_run(pw_stmt *st)
{
    int rc = pw_stmt_step(st);
    pw_stmt_done(st);
    if (rc == PW_ROW || rc == PW_DONE)
        return PW_OK;
    return rc;
}
