/* test_tasks.c — unit tests of a new task's validation (market/tasks.h,
 * pw_tasks_parse_new) with a fixed now_ms: a valid body, the deadline's bounds, every
 * kind of compensation, and the other fields' rules.
 *
 * Only public headers are used. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/limits.h"
#include "market/tasks.h"
#include "json_fixture.h"

#define T0 1795568523000LL /* 2026-11-25T01:02:03Z: the fixed "now" of these tests */

/* ==== tasks ================================================================================= */

/* A valid task body with one member replaced (or added) by `name: value_json`. */
static json_t *task_body(const char *name, const char *value_json)
{
    json_t *body = J("{\"title\": \"Fix a tap\", \"description\": \"The kitchen tap drips.\\nSince Monday.\", "
                     "\"category\": \"Plumbing\", \"skills\": [\"Plumbing\", \"tools\"], "
                     "\"location\": {\"lat\": 52.3676, \"lon\": 4.9041}, "
                     "\"compensation\": {\"kind\": \"money\", \"amount\": 5000, \"currency\": \"EUR\"}, "
                     "\"deadline\": \"2026-11-26T01:02:03Z\"}");
    if (name != NULL) {
        if (value_json == NULL)
            json_object_del(body, name);
        else
            json_object_set_new(body, name, J(value_json));
    }
    return body;
}

static int parse_task(const char *name, const char *value_json, pw_new_task *out, pw_error *err)
{
    json_t *body = task_body(name, value_json);
    int rc = pw_tasks_parse_new(body, T0, out, err);
    json_decref(body);
    return rc;
}

/* Each test gets a pw_new_task on the heap (it is large) as its state. */
static int task_setup(void **state)
{
    *state = malloc(sizeof(pw_new_task));
    return *state == NULL ? -1 : 0;
}

static int task_teardown(void **state)
{
    free(*state);
    return 0;
}

static void test_tasks_parse_new_valid(void **state)
{
    pw_new_task *t = *state;
    pw_error err;
    assert_int_equal(parse_task(NULL, NULL, t, &err), 0);
    assert_string_equal(t->title, "Fix a tap");
    assert_string_equal(t->description, "The kitchen tap drips.\nSince Monday.");
    assert_string_equal(t->category, "plumbing");
    assert_int_equal(t->skills.count, 2);
    assert_string_equal(t->skills.tag[0], "plumbing");
    assert_int_equal(t->location.present, 1);
    assert_int_equal(t->location.lat_e6, 52367600);
    assert_int_equal(t->comp.kind, PW_COMP_MONEY);
    assert_int_equal(t->comp.amount.amount, 5000);
    assert_string_equal(t->comp.amount.asset, "EUR");
    assert_int_equal(t->deadline_ms, T0 + 86400000);
    assert_int_equal(t->urgent, 0);

    /* remote task, no skills, urgent */
    json_t *body = task_body("location", NULL);
    json_object_del(body, "skills");
    json_object_set_new(body, "urgent", json_true());
    assert_int_equal(pw_tasks_parse_new(body, T0, t, &err), 0);
    json_decref(body);
    assert_int_equal(t->location.present, 0);
    assert_int_equal(t->skills.count, 0);
    assert_int_equal(t->urgent, 1);
    assert_int_equal(parse_task("location", "null", t, &err), 0);
    assert_int_equal(t->location.present, 0);
    assert_int_equal(parse_task("urgent", "false", t, &err), 0);
    assert_int_equal(t->urgent, 0);
    assert_int_equal(parse_task("urgent", "null", t, &err), 0);
    assert_int_equal(t->urgent, 0);
}

static void test_tasks_parse_new_deadline(void **state)
{
    pw_new_task *t = *state;
    pw_error err;
    /* at least PW_TASK_DEADLINE_MIN_S (5 min) ahead, inclusive */
    assert_int_equal(PW_TASK_DEADLINE_MIN_S, 300);
    assert_int_equal(parse_task("deadline", "\"2026-11-25T01:07:03Z\"", t, &err), 0);
    assert_int_equal(t->deadline_ms, T0 + 300000);
    assert_int_equal(parse_task("deadline", "\"2026-11-25T01:07:02.999Z\"", t, &err), PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "deadline");
    assert_int_equal(parse_task("deadline", "\"2026-11-25T01:02:03Z\"", t, &err), PW_EREFUSED); /* now */
    assert_error(&err, 422, "validation_failed", "deadline");
    assert_int_equal(parse_task("deadline", "\"2020-01-01T00:00:00Z\"", t, &err), PW_EREFUSED); /* the past */
    assert_error(&err, 422, "validation_failed", "deadline");
    /* at most PW_TASK_DEADLINE_MAX_DAYS (365) ahead, inclusive; 2027 is not a leap year */
    assert_int_equal(parse_task("deadline", "\"2027-11-25T01:02:03Z\"", t, &err), 0);
    assert_int_equal(t->deadline_ms, T0 + 365LL * 86400000);
    assert_int_equal(parse_task("deadline", "\"2027-11-25T01:02:03.001Z\"", t, &err), PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "deadline");
    /* offsets are honoured in the bound */
    assert_int_equal(parse_task("deadline", "\"2026-11-25T03:07:03+02:00\"", t, &err), 0);
    assert_int_equal(t->deadline_ms, T0 + 300000);
    assert_int_equal(parse_task("deadline", "\"2026-11-25T03:07:02+02:00\"", t, &err), PW_EREFUSED);
    /* shape */
    assert_int_equal(parse_task("deadline", NULL, t, &err), PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "deadline");
    assert_int_equal(parse_task("deadline", "null", t, &err), PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "deadline");
    assert_int_equal(parse_task("deadline", "1795654923000", t, &err), PW_EREFUSED);
    assert_error(&err, 400, "wrong_type", "deadline");
    assert_int_equal(parse_task("deadline", "\"tomorrow\"", t, &err), PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "deadline");
    assert_int_equal(parse_task("deadline", "\"2026-11-26\"", t, &err), PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "deadline");
}

static void test_tasks_parse_new_compensation(void **state)
{
    pw_new_task *t = *state;
    pw_error err;
    assert_int_equal(parse_task("compensation", "{\"kind\": \"credits\", \"amount\": 90}", t, &err), 0);
    assert_int_equal(t->comp.kind, PW_COMP_CREDITS);
    assert_int_equal(t->comp.amount.amount, 90);
    assert_string_equal(t->comp.amount.asset, "TIME"); /* credits are minutes of TIME */
    assert_int_equal(parse_task("compensation", "{\"kind\": \"goods\", \"description\": \"A used bicycle\"}", t, &err),
                     0);
    assert_int_equal(t->comp.kind, PW_COMP_GOODS);
    assert_string_equal(t->comp.goods, "A used bicycle");
    assert_int_equal(parse_task("compensation", "{\"kind\": \"money\", \"amount\": 1, \"currency\": \"JPY\"}", t, &err),
                     0);
    assert_string_equal(t->comp.amount.asset, "JPY");
    assert_int_equal(t->comp.amount.amount, 1);

    static const struct {
        const char *comp; /* NULL: absent */
        int status;
        const char *field;
    } bad[] = {
        {NULL, 422, "compensation"},
        {"null", 422, "compensation"},
        {"\"50 EUR\"", 400, "compensation"},
        {"{}", 422, "compensation.kind"},
        {"{\"kind\": 1}", 400, "compensation.kind"},
        {"{\"kind\": \"barter\"}", 422, "compensation.kind"},
        {"{\"kind\": \"Money\", \"amount\": 5, \"currency\": \"EUR\"}", 422, "compensation.kind"},
        {"{\"kind\": \"money\", \"currency\": \"EUR\"}", 422, "compensation.amount"},
        {"{\"kind\": \"money\", \"amount\": 0, \"currency\": \"EUR\"}", 422, "compensation.amount"},
        {"{\"kind\": \"money\", \"amount\": -5, \"currency\": \"EUR\"}", 422, "compensation.amount"},
        {"{\"kind\": \"money\", \"amount\": 50.5, \"currency\": \"EUR\"}", 400, "compensation.amount"},
        {"{\"kind\": \"money\", \"amount\": \"50\", \"currency\": \"EUR\"}", 400, "compensation.amount"},
        {"{\"kind\": \"money\", \"amount\": 100000000001, \"currency\": \"EUR\"}", 422, "compensation.amount"},
        {"{\"kind\": \"money\", \"amount\": 5}", 422, "compensation.currency"},
        {"{\"kind\": \"money\", \"amount\": 5, \"currency\": \"eur\"}", 422, "compensation.currency"},
        {"{\"kind\": \"money\", \"amount\": 5, \"currency\": \"XXX\"}", 422, "compensation.currency"},
        {"{\"kind\": \"money\", \"amount\": 5, \"currency\": \"TIME\"}", 422, "compensation.currency"},
        {"{\"kind\": \"credits\"}", 422, "compensation.amount"},
        {"{\"kind\": \"credits\", \"amount\": 0}", 422, "compensation.amount"},
        {"{\"kind\": \"credits\", \"amount\": 100001}", 422, "compensation.amount"},
        {"{\"kind\": \"credits\", \"amount\": 1.5}", 400, "compensation.amount"},
        {"{\"kind\": \"goods\"}", 422, "compensation.description"},
        {"{\"kind\": \"goods\", \"description\": \"  \"}", 422, "compensation.description"},
        {"{\"kind\": \"goods\", \"description\": 7}", 400, "compensation.description"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = parse_task("compensation", bad[i].comp, t, &err);
        assert_refused(rc, &err, bad[i].status, bad[i].field, bad[i].comp);
    }
    /* credits up to PW_CREDITS_MAX_MINUTES; goods description up to 500 characters */
    assert_int_equal(parse_task("compensation", "{\"kind\": \"credits\", \"amount\": 100000}", t, &err), 0);
    char comp[700], goods[502];
    memset(goods, 'g', 500);
    goods[500] = '\0';
    snprintf(comp, sizeof(comp), "{\"kind\": \"goods\", \"description\": \"%s\"}", goods);
    assert_int_equal(parse_task("compensation", comp, t, &err), 0);
    goods[500] = 'g';
    goods[501] = '\0';
    snprintf(comp, sizeof(comp), "{\"kind\": \"goods\", \"description\": \"%s\"}", goods);
    assert_int_equal(parse_task("compensation", comp, t, &err), PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "compensation.description");
}

static void test_tasks_parse_new_fields(void **state)
{
    pw_new_task *t = *state;
    pw_error err;
    static const struct {
        const char *name, *value; /* value NULL: removed */
        int status;
        const char *field;
    } bad[] = {
        {"title", NULL, 422, "title"},
        {"title", "\"\"", 422, "title"},
        {"title", "\"   \"", 422, "title"},
        {"title", "\"a\\nb\"", 422, "title"},     /* one line */
        {"title", "\"a\\u202eb\"", 422, "title"}, /* no bidi override in a title */
        {"title", "42", 400, "title"},
        {"description", NULL, 422, "description"},
        {"description", "[]", 400, "description"},
        {"category", NULL, 422, "category"},
        {"category", "\"\"", 422, "category"},
        {"skills", "\"plumbing\"", 400, "skills"},
        {"location", "{\"lat\": 100, \"lon\": 0}", 422, "location"},
        {"urgent", "\"yes\"", 400, "urgent"},
        {"urgent", "1", 400, "urgent"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = parse_task(bad[i].name, bad[i].value, t, &err);
        if (rc != PW_EREFUSED)
            print_error("field %s:\n", bad[i].name);
        assert_refused(rc, &err, bad[i].status, bad[i].field, bad[i].value);
    }
    /* title: 120 characters; description: newlines allowed */
    char title[130], value[200];
    memset(title, 'T', 120);
    title[120] = '\0';
    snprintf(value, sizeof(value), "\"%s\"", title);
    assert_int_equal(parse_task("title", value, t, &err), 0);
    assert_int_equal(strlen(t->title), 120);
    title[120] = 'T';
    title[121] = '\0';
    snprintf(value, sizeof(value), "\"%s\"", title);
    assert_int_equal(parse_task("title", value, t, &err), PW_EREFUSED);
    assert_error(&err, 422, "validation_failed", "title");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tasks_parse_new_valid, task_setup, task_teardown),
        cmocka_unit_test_setup_teardown(test_tasks_parse_new_deadline, task_setup, task_teardown),
        cmocka_unit_test_setup_teardown(test_tasks_parse_new_compensation, task_setup, task_teardown),
        cmocka_unit_test_setup_teardown(test_tasks_parse_new_fields, task_setup, task_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
