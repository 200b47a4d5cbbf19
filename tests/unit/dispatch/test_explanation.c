/* test_explanation.c — GET /tasks/{id}/dispatch reads explanations from the database as
 * they were stored (pw_tasks_dispatch_json in src/market/task_actions.c). One written
 * before the privacy rule (docs/SECURITY.md, "Locating workers") held every candidate's
 * exact distance and 9-digit score: it must come out cut to the count, the policy, the
 * client's standing and round weight, with no candidate; one written under the rule
 * (distance_basis "public_area") comes out as stored. A real SQLite database on a temp
 * file, migrated, with the rows inserted as an older server wrote them. */
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

#include "market/tasks.h"
#include "store/db.h"
#include "store/migrate.h"

static const char LEGACY[] =
    "{\"candidates_considered\":2,\"candidates\":[{\"worker_id\":\"11\",\"score\":0.812345678,\"parts\":{\"fit\":1.0,"
    "\"distance\":0.912345678,\"reputation\":0.6,\"reliability\":1.0,\"fairness\":0.7,\"pairing\":1.0},"
    "\"distance_km\":1.8},{\"worker_id\":\"12\",\"score\":0.7,\"parts\":{},\"distance_km\":8.9}],\"policy\":\"batch\","
    "\"why\":\"highest score of 2 available workers who fit (0.812; next 0.700)\",\"client_standing\":1.0,"
    "\"round_weight\":1.5}";
static const char CURRENT[] =
    "{\"candidates_considered\":2,\"candidates\":[{\"worker_id\":\"11\",\"score\":0.79,\"parts\":{\"fit\":1.0,"
    "\"distance\":0.75,\"reputation\":0.6,\"reliability\":1.0,\"fairness\":0.7,\"pairing\":1.0},\"distance_km\":5.0}],"
    "\"policy\":\"greedy\",\"why\":\"the highest score of 2 available workers who fit\",\"client_standing\":1.0,"
    "\"distance_basis\":\"public_area\"}";

static void exec_ok(pw_db *db, const char *sql) { assert_int_equal(pw_db_exec(db, sql), PW_OK); }

static void insert_assignment(pw_db *db, int64_t id, const char *explanation)
{
    pw_stmt *st = pw_db_stmt(db, "INSERT INTO task_assignments (id, task_id, worker_id, assigned_at, ack_deadline_at, "
                                 "outcome, score, explanation) VALUES (?, 100, 11, 1000, 2000, 'cancelled', 0.8, ?)");
    pw_stmt_int64(st, 1, id);
    pw_stmt_text(st, 2, explanation);
    assert_int_equal(pw_stmt_run(st), PW_OK);
}

static void test_legacy_explanation_is_cut(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR");
    char dir[256], path[300];
    snprintf(dir, sizeof(dir), "%s/pw_test_explanation_XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/t.db", dir);
    pw_db *db = NULL;
    assert_int_equal(pw_db_open(path, 0, &db), PW_OK);
    assert_int_equal(pw_migrate(db, NULL), PW_OK);
    exec_ok(db, "INSERT INTO users (id, email, password_hash, display_name, roles, created_at) VALUES "
                "(10, 'c@example.org', 'x', 'C', 1, 0), (11, 'w@example.org', 'x', 'W', 2, 0), "
                "(12, 'v@example.org', 'x', 'V', 2, 0)");
    exec_ok(db, "INSERT INTO tasks (id, client_id, title, description, category, skills, lat_e6, lon_e6, comp_kind, "
                "comp_goods, deadline_at, status, created_at, updated_at) VALUES (100, 10, 't', 'd', 'c', '[]', "
                "52371000, 4893000, 'goods', 'cake', 9000, 'cancelled', 0, 3000)");
    insert_assignment(db, 1, LEGACY);
    insert_assignment(db, 2, CURRENT);
    pw_task_row row;
    assert_int_equal(pw_tasks_load(db, 100, &row), 1);
    json_t *out = pw_tasks_dispatch_json(db, &row, PW_VIEW_CLIENT);
    json_t *items = json_object_get(out, "assignments");
    assert_int_equal(json_array_size(items), 2);

    json_t *legacy = json_object_get(json_array_get(items, 0), "explanation");
    char *text = json_dumps(legacy, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(text, "{\"candidates\":[],\"candidates_considered\":2,\"client_standing\":1.0,"
                              "\"policy\":\"batch\",\"round_weight\":1.5}");
    free(text);

    json_t *current = json_object_get(json_array_get(items, 1), "explanation");
    json_t *stored = json_loads(CURRENT, 0, NULL);
    assert_true(json_equal(current, stored));
    json_decref(stored);
    json_decref(out);
    pw_db_close(db);
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        char p[320];
        snprintf(p, sizeof(p), "%s%s", path, suffixes[i]);
        unlink(p);
    }
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_legacy_explanation_is_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
