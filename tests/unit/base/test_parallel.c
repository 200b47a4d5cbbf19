/* test_parallel.c — the parallel for-loop: every item runs exactly once, on a lane in
 * range, loop after loop; uneven items are shared out; helpers take no signal. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/parallel.h"

typedef struct tally {
    atomic_int *runs;         /* per item */
    atomic_int lane_items[8]; /* per lane */
    int lanes;
    atomic_int bad_lane;
    atomic_int bad_range;
    int count;
} tally;

static void count_items(void *ctx, int begin, int end, int lane)
{
    tally *t = ctx;
    if (lane < 0 || lane >= t->lanes)
        atomic_fetch_add(&t->bad_lane, 1);
    if (begin < 0 || end > t->count || begin >= end)
        atomic_fetch_add(&t->bad_range, 1);
    for (int i = begin; i < end && i < t->count; i++) {
        atomic_fetch_add(&t->runs[i], 1);
        atomic_fetch_add(&t->lane_items[lane & 7], 1);
    }
}

static void check_loops(int lanes)
{
    pw_parallel *p = NULL;
    assert_int_equal(pw_parallel_new(lanes, &p), 0);
    assert_int_equal(pw_parallel_lanes(p), lanes);
    const int counts[] = {0, 1, 7, 8, 9, 100, 1000, 4099};
    const int chunks[] = {1, 3, 8, 64};
    for (int round = 0; round < 5; round++) {
        for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
            for (size_t k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
                tally t = {.lanes = lanes, .count = counts[c]};
                t.runs = calloc((size_t)counts[c] + 1, sizeof(atomic_int));
                pw_parallel_for(p, counts[c], chunks[k], count_items, &t);
                for (int i = 0; i < counts[c]; i++)
                    assert_int_equal(atomic_load(&t.runs[i]), 1);
                assert_int_equal(atomic_load(&t.bad_lane), 0);
                assert_int_equal(atomic_load(&t.bad_range), 0);
                free(t.runs);
            }
        }
    }
    pw_parallel_free(p);
}

static void test_one_lane(void **state)
{
    (void)state;
    check_loops(1);
}

static void test_many_lanes(void **state)
{
    (void)state;
    check_loops(2);
    check_loops(5);
}

/* Items that take a while: with two lanes, both get a share (the caller does not do
 * them all while the helper sleeps). */
static void slow_items(void *ctx, int begin, int end, int lane)
{
    tally *t = ctx;
    for (int i = begin; i < end; i++) {
        usleep(2000);
        atomic_fetch_add(&t->runs[i], 1);
        atomic_fetch_add(&t->lane_items[lane], 1);
    }
}

static void test_work_is_shared(void **state)
{
    (void)state;
    pw_parallel *p = NULL;
    assert_int_equal(pw_parallel_new(2, &p), 0);
    tally t = {.lanes = 2, .count = 100};
    t.runs = calloc(100, sizeof(atomic_int));
    pw_parallel_for(p, 100, 1, slow_items, &t);
    for (int i = 0; i < 100; i++)
        assert_int_equal(atomic_load(&t.runs[i]), 1);
    assert_true(atomic_load(&t.lane_items[0]) > 0);
    assert_true(atomic_load(&t.lane_items[1]) > 0);
    free(t.runs);
    pw_parallel_free(p);
}

/* The helpers block every signal (a SIGTERM for the server must reach the thread waiting
 * for it): read each pw-search thread's mask from /proc. */
static void test_helpers_block_signals(void **state)
{
    (void)state;
    pw_parallel *p = NULL;
    assert_int_equal(pw_parallel_new(3, &p), 0);
    DIR *d = opendir("/proc/self/task");
    assert_non_null(d);
    int helpers = 0;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        if (ent->d_name[0] == '.')
            continue;
        char path[300], line[256], name[64] = "";
        snprintf(path, sizeof(path), "/proc/self/task/%s/status", ent->d_name);
        FILE *f = fopen(path, "r");
        if (f == NULL)
            continue;
        unsigned long long blocked = 0;
        while (fgets(line, sizeof(line), f) != NULL) {
            if (strncmp(line, "Name:", 5) == 0)
                sscanf(line + 5, " %63s", name);
            if (strncmp(line, "SigBlk:", 7) == 0)
                blocked = strtoull(line + 7, NULL, 16);
        }
        fclose(f);
        if (strncmp(name, "pw-search", 9) != 0)
            continue;
        helpers++;
        assert_true(blocked & (1ull << (15 - 1))); /* SIGTERM */
        assert_true(blocked & (1ull << (2 - 1)));  /* SIGINT */
    }
    closedir(d);
    assert_int_equal(helpers, 2);
    pw_parallel_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_lane),
        cmocka_unit_test(test_many_lanes),
        cmocka_unit_test(test_work_is_shared),
        cmocka_unit_test(test_helpers_block_signals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
