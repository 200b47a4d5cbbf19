/* bus.h — the event bus: the events table (migration 0010) and "new events up to seq N".
 *
 * A change a person should see live is written as rows of `events` in the change's own
 * transaction (market/events.c decides who gets which row). The bus carries only one fact
 * between threads, and later between instances: events up to seq N are committed. After
 * each writer batch, pw_bus_after_commit reads MAX(seq) on the writer's connection and,
 * if it grew, publishes it: the latest seq is stored (atomically) and every subscriber's
 * wake() is called, on the writer thread, to do no more than wake its event loop. Each
 * loop then reads the rows itself on its own read connection (pw_bus_read), so nothing
 * but a number crosses threads and no loop ever waits on the writer's fsync.
 *
 * With PostgreSQL and many instances the same interface holds: a LISTEN thread turns each
 * NOTIFY carrying a seq into pw_bus_publish(), and the rows come from the shared table, so
 * an instance that missed a notification still reads everything up to the next one. */
#ifndef PW_BUS_H
#define PW_BUS_H
#include <stdint.h>

#include "store/db.h"

typedef struct pw_bus pw_bus;
/* Called on the publishing thread when the latest seq grows: must only post a wake-up. */
typedef void (*pw_bus_wake)(void *ctx);

/* One row as a stream sends it. The strings live until the next step of the read. */
typedef struct pw_bus_event {
    int64_t seq;
    int64_t user_id;
    int64_t task_id; /* 0: none */
    const char *kind;
    const char *data; /* a JSON object */
} pw_bus_event;

int pw_bus_new(pw_bus **out);
void pw_bus_free(pw_bus *bus); /* after every subscriber has gone; NULL is a no-op */
/* At most PW_HTTP_LOOPS_MAX subscribers: PW_OK, or PW_EBUSY when full. */
int pw_bus_subscribe(pw_bus *bus, pw_bus_wake wake, void *ctx);
void pw_bus_unsubscribe(pw_bus *bus, void *ctx);
/* Events up to seq are committed: stores it and wakes the subscribers if it grew. */
void pw_bus_publish(pw_bus *bus, int64_t seq);
/* The latest committed seq published (0 before the first). Any thread. */
int64_t pw_bus_latest(const pw_bus *bus);
/* The writer's hook after a batch (and at start): reads MAX(seq) and publishes it. */
int pw_bus_after_commit(pw_bus *bus, pw_db *db);

/* Rows of user_id (0: every user's) with after_seq < seq <= upto_seq, oldest first, at most
 * `limit`; fn is called for each. *count_out gets how many. PW_OK or the database's code. */
typedef void (*pw_bus_row_fn)(void *ctx, const pw_bus_event *ev);
int pw_bus_read(pw_db *db, int64_t user_id, int64_t after_seq, int64_t upto_seq, int limit, pw_bus_row_fn fn, void *ctx,
                int *count_out);

#endif
