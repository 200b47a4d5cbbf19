/* scheduler.h — the market's heartbeat: a thread that, every tick, hands the writer one
 * job running pw_tasks_tick (missed acknowledgements, auto-approvals, expiries, then a
 * dispatch round). At most one tick is queued at a time, so a slow database never piles
 * ticks up. All timer state lives in the database (deadline columns), so a restart loses
 * nothing: the first tick after start handles whatever fell due while it was down. */
#ifndef PW_SCHEDULER_H
#define PW_SCHEDULER_H
#include "market/tasks.h"
#include "store/writer.h"

typedef struct pw_scheduler pw_scheduler;

/* PW_OK, or PW_ENOMEM if its memory or its thread could not be had. */
int pw_scheduler_start(pw_writer *writer, const pw_market_policy *policy, int tick_ms, pw_scheduler **out);
void pw_scheduler_stop(pw_scheduler *s);

/* Writer: one tick at once, with its batch round due whatever the batch window says (the
 * development clock's POST /dev/clock, so a test sees the world as it is at the new time). */
int pw_scheduler_tick_now(pw_db *db, const pw_market_policy *p, int64_t now_ms, pw_tick_report *report);

#endif
