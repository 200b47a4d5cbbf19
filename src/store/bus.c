/* bus.c — see bus.h. The subscribers are a small array behind a mutex (loops come and go
 * only at start and stop); the latest seq is an atomic every loop reads each turn. */
#include "store/bus.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "base/assert.h"
#include "base/limits.h"

typedef struct subscriber {
    pw_bus_wake wake;
    void *ctx;
} subscriber;

struct pw_bus {
    pthread_mutex_t lock;               /* guards subs, count and the publish order */
    subscriber subs[PW_HTTP_LOOPS_MAX]; /* who to wake */
    int count;                          /* subs in use */
    _Atomic int64_t latest;             /* the newest committed seq published */
};

int pw_bus_new(pw_bus **out)
{
    pw_bus *bus = calloc(1, sizeof(*bus));
    if (bus == NULL)
        return PW_ENOMEM;
    pthread_mutex_init(&bus->lock, NULL);
    *out = bus;
    return PW_OK;
}

void pw_bus_free(pw_bus *bus)
{
    if (bus == NULL)
        return;
    pw_assert(bus->count == 0); /* every loop unsubscribed before it stopped */
    pthread_mutex_destroy(&bus->lock);
    free(bus);
}

int pw_bus_subscribe(pw_bus *bus, pw_bus_wake wake, void *ctx)
{
    pw_assert(wake != NULL && ctx != NULL);
    pthread_mutex_lock(&bus->lock);
    int rc = PW_EBUSY;
    if (bus->count < PW_HTTP_LOOPS_MAX) {
        bus->subs[bus->count++] = (subscriber){wake, ctx};
        rc = PW_OK;
    }
    pthread_mutex_unlock(&bus->lock);
    return rc;
}

void pw_bus_unsubscribe(pw_bus *bus, void *ctx)
{
    pthread_mutex_lock(&bus->lock);
    for (int i = 0; i < bus->count; i++) {
        if (bus->subs[i].ctx == ctx) {
            bus->subs[i] = bus->subs[--bus->count];
            break;
        }
    }
    pthread_mutex_unlock(&bus->lock);
}

void pw_bus_publish(pw_bus *bus, int64_t seq)
{
    pthread_mutex_lock(&bus->lock);
    if (seq > atomic_load(&bus->latest)) {
        atomic_store(&bus->latest, seq);
        for (int i = 0; i < bus->count; i++)
            bus->subs[i].wake(bus->subs[i].ctx);
    }
    pthread_mutex_unlock(&bus->lock);
}

int64_t pw_bus_latest(const pw_bus *bus) { return atomic_load(&((pw_bus *)bus)->latest); }

int pw_bus_after_commit(pw_bus *bus, pw_db *db)
{
    pw_stmt *st = pw_db_stmt(db, "SELECT COALESCE(MAX(seq), 0) FROM events");
    int rc = pw_stmt_step(st);
    int64_t seq = rc == PW_ROW ? pw_stmt_column_int64(st, 0) : 0;
    pw_stmt_done(st);
    if (rc != PW_ROW)
        return rc < 0 ? rc : PW_EDB; /* an aggregate without its row: the database failed */
    pw_bus_publish(bus, seq);
    return PW_OK;
}

static const char SQL_READ_USER[] = "SELECT seq, user_id, kind, task_id, data FROM events "
                                    "WHERE user_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?";
static const char SQL_READ_ALL[] = "SELECT seq, user_id, kind, task_id, data FROM events "
                                   "WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?";

int pw_bus_read(pw_db *db, int64_t user_id, int64_t after_seq, int64_t upto_seq, int limit, pw_bus_row_fn fn, void *ctx,
                int *count_out)
{
    pw_assert(limit > 0 && fn != NULL && user_id >= 0);
    pw_stmt *st = pw_db_stmt(db, user_id != 0 ? SQL_READ_USER : SQL_READ_ALL);
    int i = 1;
    if (user_id != 0)
        pw_stmt_int64(st, i++, user_id);
    pw_stmt_int64(st, i++, after_seq);
    pw_stmt_int64(st, i++, upto_seq);
    pw_stmt_int64(st, i, limit);
    int rc, count = 0;
    while ((rc = pw_stmt_step(st)) == PW_ROW) {
        pw_bus_event ev = {.seq = pw_stmt_column_int64(st, 0),
                           .user_id = pw_stmt_column_int64(st, 1),
                           .kind = pw_stmt_column_text(st, 2),
                           .task_id = pw_stmt_column_is_null(st, 3) ? 0 : pw_stmt_column_int64(st, 3),
                           .data = pw_stmt_column_text(st, 4)};
        pw_assert(ev.seq > after_seq && ev.seq <= upto_seq && (user_id == 0 || ev.user_id == user_id));
        fn(ctx, &ev);
        count++;
    }
    pw_stmt_done(st);
    *count_out = count;
    return rc == PW_DONE ? PW_OK : rc;
}
