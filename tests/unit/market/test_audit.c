/* test_audit.c — unit tests of the admin audit log (market/audit.h) on a real, migrated
 * SQLite file: action names round-trip, a row reads back as written (the command line's
 * null admin and a list's null object included), pages are newest first and walk by
 * cursor without a gap or a repeat, and each filter (action, admin, both) keeps exactly
 * its rows. The HTTP side (who may read it, what is recorded when) is
 * tests/api/audit.test.mjs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "market/audit.h"
#include "store/db.h"
#include "store/migrate.h"
#include "temp_db.h"

#define T0 1795568523000LL /* 2026-11-25T01:02:03Z */

typedef temp_db fixture;

/* Two admins, 11 and 22, on a fresh database. */
static int setup(void **state)
{
    fixture *f = temp_db_new("audit");
    temp_db_add_user(f->db, 11, "Admin", PW_ROLE_CLIENT | PW_ROLE_ADMIN);
    temp_db_add_user(f->db, 22, "Admin", PW_ROLE_CLIENT | PW_ROLE_ADMIN);
    *state = f;
    return 0;
}

static void test_action_names(void **state)
{
    (void)state;
    for (int a = 0; a < PW_AUDIT_ACTION_COUNT; a++) {
        pw_audit_action back;
        assert_int_equal(pw_audit_action_parse(pw_audit_action_name((pw_audit_action)a), &back), 0);
        assert_int_equal(back, a);
    }
    pw_audit_action out;
    assert_int_equal(pw_audit_action_parse("task.delete", &out), PW_EREFUSED);
    assert_int_equal(pw_audit_action_parse("", &out), PW_EREFUSED);
    assert_int_equal(pw_audit_action_parse("TASK.READ", &out), PW_EREFUSED);
    assert_string_equal(pw_audit_action_name(PW_AUDIT_TASK_MESSAGES_READ), "task.messages.read");
}

static json_t *page(pw_db *db, const pw_audit_filter *f, int limit, int64_t cursor, int *count)
{
    json_t *out = NULL;
    assert_int_equal(pw_audit_list_json(db, f, limit, cursor, &out, count), PW_OK);
    assert_non_null(out);
    return out;
}

static void test_record_reads_back(void **state)
{
    fixture *f = *state;
    json_t *detail = json_pack("{s:s, s:i}", "status", "disputed", "items", 2);
    assert_int_equal(pw_audit_record(f->db, T0, 11, PW_AUDIT_TASK_MESSAGES_READ, "task", 777, detail), PW_OK);
    assert_int_equal(pw_audit_record(f->db, T0 + 1000, 0, PW_AUDIT_ADMIN_CREATE, "user", 22, NULL), PW_OK);
    assert_int_equal(pw_audit_record(f->db, T0 + 2000, 22, PW_AUDIT_DISPUTES_READ, NULL, 0, NULL), PW_OK);
    pw_audit_filter all = {0};
    int n = 0;
    json_t *out = page(f->db, &all, 10, 0, &n);
    assert_int_equal(n, 3);
    json_t *items = json_object_get(out, "items");
    /* newest first; the command line has no admin; a list read has no object */
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "action")), "disputes.read");
    assert_true(json_is_null(json_object_get(json_array_get(items, 0), "object_kind")));
    assert_true(json_is_null(json_object_get(json_array_get(items, 0), "object_id")));
    assert_true(json_is_null(json_object_get(json_array_get(items, 1), "admin_id")));
    json_t *first = json_array_get(items, 2);
    assert_string_equal(json_string_value(json_object_get(first, "admin_id")), "11");
    assert_string_equal(json_string_value(json_object_get(first, "object_kind")), "task");
    assert_string_equal(json_string_value(json_object_get(first, "object_id")), "777");
    assert_string_equal(json_string_value(json_object_get(first, "at")), "2026-11-25T01:02:03Z");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(first, "detail"), "items")), 2);
    assert_true(json_is_null(json_object_get(out, "next_cursor")));
    json_decref(out);
}

static void test_pages_and_filters(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < 25; i++)
        assert_int_equal(pw_audit_record(f->db, T0 + i, i % 2 ? 11 : 22,
                                         i % 3 ? PW_AUDIT_TASK_READ : PW_AUDIT_DISPUTE_RESOLVE, "task", 1000 + i, NULL),
                         PW_OK);
    /* walk every page of 4: 25 rows once each, ids strictly falling */
    pw_audit_filter all = {0};
    int64_t cursor = 0, prev = INT64_MAX;
    int seen = 0, pages = 0;
    for (;;) {
        int n = 0;
        json_t *out = page(f->db, &all, 4, cursor, &n);
        json_t *e;
        size_t i;
        json_array_foreach(json_object_get(out, "items"), i, e) {
            int64_t id = strtoll(json_string_value(json_object_get(e, "id")), NULL, 10);
            assert_true(id < prev);
            prev = id;
            seen++;
        }
        pages++;
        json_t *next = json_object_get(out, "next_cursor");
        cursor = json_is_null(next) ? 0 : strtoll(json_string_value(next), NULL, 10);
        json_decref(out);
        if (cursor == 0)
            break;
        assert_int_equal(n, 4);
    }
    assert_int_equal(seen, 25);
    assert_int_equal(pages, 7);
    /* each filter keeps exactly its rows: odd i by 11; i % 3 == 0 resolutions (0, 3, …, 24: 9) */
    struct {
        pw_audit_filter filter;
        int want;
    } cases[] = {
        {{.admin_id = 11}, 12},
        {{.admin_id = 22}, 13},
        {{.has_action = 1, .action = PW_AUDIT_DISPUTE_RESOLVE}, 9},
        {{.has_action = 1, .action = PW_AUDIT_DISPUTE_RESOLVE, .admin_id = 11}, 4}, /* 3, 9, 15, 21 */
        {{.has_action = 1, .action = PW_AUDIT_AUDIT_READ}, 0},
        {{.admin_id = 33}, 0},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        int n = 0;
        json_t *out = page(f->db, &cases[c].filter, 100, 0, &n);
        assert_int_equal(n, cases[c].want);
        json_t *e;
        size_t i;
        json_array_foreach(json_object_get(out, "items"), i, e) {
            if (cases[c].filter.has_action)
                assert_string_equal(json_string_value(json_object_get(e, "action")),
                                    pw_audit_action_name(cases[c].filter.action));
            if (cases[c].filter.admin_id == 11)
                assert_string_equal(json_string_value(json_object_get(e, "admin_id")), "11");
        }
        json_decref(out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_action_names),
        cmocka_unit_test_setup_teardown(test_record_reads_back, setup, temp_db_teardown),
        cmocka_unit_test_setup_teardown(test_pages_and_filters, setup, temp_db_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
