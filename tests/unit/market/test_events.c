/* test_events.c — unit tests of src/market/events.c and src/store/bus.c on a real migrated
 * SQLite file:
 *   - rows get seq 1, 2, 3, … and pw_bus_read gives one user's rows after a seq, up to a
 *     bound, oldest first, at most `limit` (the replay's cursor and its batches);
 *   - after_commit publishes MAX(seq); a subscriber is woken once per growth, not for the
 *     same seq again, and not after it unsubscribed;
 *   - retention: rows past PW_EVENTS_RETENTION_S go, the newest row of the table stays
 *     even when old (so a seq is never handed out twice), and a user's rows past their
 *     newest PW_EVENTS_PER_USER_KEPT_MAX go while another user's stay;
 *   - data past PW_EVENT_DATA_MAX_BYTES is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "base/limits.h"
#include "market/events.h"
#include "store/bus.h"
#include "store/migrate.h"
#include "../temp_db.h"

#define T0     1795568523000LL
#define DAY_MS (24 * 3600 * 1000LL)

typedef temp_db fixture;

static int setup(void **state)
{
    *state = temp_db_new("events");
    return 0;
}

typedef struct seen {
    int64_t seqs[2 * PW_EVENTS_PER_USER_KEPT_MAX];
    int count;
} seen;

static void collect(void *ctx, const pw_bus_event *ev)
{
    seen *s = ctx;
    s->seqs[s->count++] = ev->seq;
}

static int64_t count_rows(pw_db *db, int64_t user_id)
{
    pw_stmt *st = pw_db_stmt(db, "SELECT COUNT(*) FROM events WHERE user_id = ?");
    pw_stmt_int64(st, 1, user_id);
    assert_int_equal(pw_stmt_step(st), PW_ROW);
    int64_t n = pw_stmt_column_int64(st, 0);
    pw_stmt_done(st);
    return n;
}

static void read_after_cursor_bounded(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < 10; i++) /* users 1 and 2 alternate: seq 1,3,5,7,9 are user 1's */
        assert_int_equal(pw_events_wallet(f->db, 1 + i % 2, "EUR", T0 + i), PW_OK);
    seen s = {0};
    int n = 0;
    assert_int_equal(pw_bus_read(f->db, 1, 3, 10, 100, collect, &s, &n), PW_OK);
    assert_int_equal(n, 3);
    assert_int_equal(s.seqs[0], 5);
    assert_int_equal(s.seqs[1], 7);
    assert_int_equal(s.seqs[2], 9);
    s.count = 0; /* the upper bound: nothing past what was published */
    assert_int_equal(pw_bus_read(f->db, 1, 0, 6, 100, collect, &s, &n), PW_OK);
    assert_int_equal(n, 3);
    assert_int_equal(s.seqs[2], 5);
    s.count = 0; /* a batch: the limit */
    assert_int_equal(pw_bus_read(f->db, 2, 0, 10, 2, collect, &s, &n), PW_OK);
    assert_int_equal(n, 2);
    assert_int_equal(s.seqs[0], 2);
    assert_int_equal(s.seqs[1], 4);
    s.count = 0; /* every user's (the loop's scan) */
    assert_int_equal(pw_bus_read(f->db, 0, 8, 10, 100, collect, &s, &n), PW_OK);
    assert_int_equal(n, 2);
    assert_int_equal(s.seqs[0], 9);
}

static void data_too_long_refused(void **state)
{
    fixture *f = *state;
    char data[PW_EVENT_DATA_MAX_BYTES + 16];
    memset(data, 'x', sizeof(data) - 1);
    data[0] = '{';
    data[sizeof(data) - 1] = '\0';
    assert_int_equal(pw_events_add(f->db, 1, "task", 0, data, T0), PW_EINVAL);
    assert_int_equal(count_rows(f->db, 1), 0);
}

typedef struct wakes {
    int count;
} wakes;

static void on_wake(void *ctx) { ((wakes *)ctx)->count++; }

static void bus_publishes_growth_only(void **state)
{
    fixture *f = *state;
    pw_bus *bus = NULL;
    assert_int_equal(pw_bus_new(&bus), PW_OK);
    wakes w = {0};
    assert_int_equal(pw_bus_subscribe(bus, on_wake, &w), PW_OK);
    assert_int_equal(pw_bus_after_commit(bus, f->db), PW_OK); /* empty table: 0, no growth */
    assert_int_equal(pw_bus_latest(bus), 0);
    assert_int_equal(w.count, 0);
    assert_int_equal(pw_events_wallet(f->db, 7, "EUR", T0), PW_OK);
    assert_int_equal(pw_events_wallet(f->db, 8, "EUR", T0), PW_OK);
    assert_int_equal(pw_bus_after_commit(bus, f->db), PW_OK);
    assert_int_equal(pw_bus_latest(bus), 2);
    assert_int_equal(w.count, 1);
    assert_int_equal(pw_bus_after_commit(bus, f->db), PW_OK); /* the same seq: no wake-up */
    pw_bus_publish(bus, 1);                                   /* an older one: ignored */
    assert_int_equal(w.count, 1);
    assert_int_equal(pw_bus_latest(bus), 2);
    pw_bus_unsubscribe(bus, &w);
    pw_bus_publish(bus, 3);
    assert_int_equal(w.count, 1);
    assert_int_equal(pw_bus_latest(bus), 3);
    pw_bus_free(bus);
}

static void retention_keeps_the_newest(void **state)
{
    fixture *f = *state;
    int64_t old = T0 - (int64_t)PW_EVENTS_RETENTION_S * 1000 - DAY_MS;
    for (int i = 0; i < 3; i++)
        assert_int_equal(pw_events_wallet(f->db, 1, "EUR", old + i), PW_OK);
    int pruned = 0;
    assert_int_equal(pw_events_prune(f->db, T0, &pruned), PW_OK);
    assert_int_equal(pruned, 2); /* the newest row stays, though old: it carries the sequence */
    assert_int_equal(count_rows(f->db, 1), 1);
    assert_int_equal(pw_events_wallet(f->db, 2, "EUR", T0), PW_OK);
    seen s = {0};
    int n = 0;
    assert_int_equal(pw_bus_read(f->db, 2, 0, 100, 10, collect, &s, &n), PW_OK);
    assert_int_equal(n, 1);
    assert_int_equal(s.seqs[0], 4); /* the sequence went on */
    assert_int_equal(pw_events_prune(f->db, T0, &pruned), PW_OK);
    assert_int_equal(count_rows(f->db, 1), 0);
    assert_int_equal(count_rows(f->db, 2), 1);
}

static void per_user_cap(void **state)
{
    fixture *f = *state;
    int over = 25;
    assert_int_equal(pw_events_wallet(f->db, 2, "EUR", T0), PW_OK); /* another user's, older */
    assert_int_equal(pw_db_exec(f->db, "BEGIN"), PW_OK);
    for (int i = 0; i < PW_EVENTS_PER_USER_KEPT_MAX + over; i++)
        assert_int_equal(pw_events_wallet(f->db, 1, "EUR", T0 + i), PW_OK);
    assert_int_equal(pw_db_exec(f->db, "COMMIT"), PW_OK);
    int pruned = 0;
    assert_int_equal(pw_events_prune(f->db, T0 + DAY_MS, &pruned), PW_OK);
    assert_int_equal(pruned, over);
    assert_int_equal(count_rows(f->db, 1), PW_EVENTS_PER_USER_KEPT_MAX);
    assert_int_equal(count_rows(f->db, 2), 1);
    seen s = {0};
    int n = 0; /* the kept ones are the newest */
    assert_int_equal(pw_bus_read(f->db, 1, 0, INT64_MAX, 1, collect, &s, &n), PW_OK);
    assert_int_equal(s.seqs[0], 2 + over);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(read_after_cursor_bounded, setup, temp_db_teardown),
        cmocka_unit_test_setup_teardown(data_too_long_refused, setup, temp_db_teardown),
        cmocka_unit_test_setup_teardown(bus_publishes_growth_only, setup, temp_db_teardown),
        cmocka_unit_test_setup_teardown(retention_keeps_the_newest, setup, temp_db_teardown),
        cmocka_unit_test_setup_teardown(per_user_cap, setup, temp_db_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
