/* faults.c — the counters behind faults.h (PW_FAULTS builds only; empty otherwise).
 *
 * One countdown per kind, armed from any thread, counted only on the writer thread while
 * it is inside a job (a thread-local flag), so the loops' reads and the hash pool never
 * consume a fault. Allocations are counted by wrapping SQLite's default allocator
 * (SQLITE_CONFIG_GETMALLOC, then SQLITE_CONFIG_MALLOC with the wrapper) and jansson's
 * (json_set_alloc_funcs). */
#include "store/faults.h"

#ifdef PW_FAULTS
#include <jansson.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "base/assert.h"
#include "base/log.h"

typedef struct fault_counter {
    atomic_long nth;  /* 0: disarmed */
    atomic_long seen; /* events inside jobs since armed */
    atomic_int fired;
} fault_counter;

static fault_counter counters[PW_FAULT_KINDS];
static _Thread_local int in_job;
static sqlite3_mem_methods sqlite_default;
static const char *const kind_names[PW_FAULT_KINDS] = {"step", "alloc"};

void pw_faults_arm(int kind, long nth)
{
    pw_assert(kind >= 0 && kind < PW_FAULT_KINDS && nth >= 0);
    fault_counter *c = &counters[kind];
    atomic_store(&c->nth, 0);
    atomic_store(&c->seen, 0);
    atomic_store(&c->fired, 0);
    atomic_store(&c->nth, nth);
}

void pw_faults_status(int kind, long *seen_out, int *fired_out)
{
    pw_assert(kind >= 0 && kind < PW_FAULT_KINDS);
    *seen_out = atomic_load(&counters[kind].seen);
    *fired_out = atomic_load(&counters[kind].fired);
}

void pw_faults_job(int inside) { in_job = inside; }

int pw_faults_hit(int kind)
{
    fault_counter *c = &counters[kind];
    if (!in_job || atomic_load(&c->nth) == 0)
        return 0;
    long seen = atomic_fetch_add(&c->seen, 1) + 1;
    if (seen != atomic_load(&c->nth))
        return 0;
    atomic_store(&c->fired, 1);
    in_job = 0; /* the log line below allocates; and one fault per arming */
    pw_log_warn("msg=\"injected fault\" kind=%s nth=%ld", kind_names[kind], seen);
    in_job = 1;
    return 1;
}

static void *fault_sqlite_malloc(int n) { return pw_faults_hit(PW_FAULT_ALLOC) ? NULL : sqlite_default.xMalloc(n); }
static void *fault_sqlite_realloc(void *p, int n)
{
    return pw_faults_hit(PW_FAULT_ALLOC) ? NULL : sqlite_default.xRealloc(p, n);
}
static void *fault_json_malloc(size_t n) { return pw_faults_hit(PW_FAULT_ALLOC) ? NULL : malloc(n); }

void pw_faults_install_allocators(void)
{
    pw_assert(sqlite3_config(SQLITE_CONFIG_GETMALLOC, &sqlite_default) == SQLITE_OK);
    sqlite3_mem_methods wrapped = sqlite_default;
    wrapped.xMalloc = fault_sqlite_malloc;
    wrapped.xRealloc = fault_sqlite_realloc;
    pw_assert(sqlite3_config(SQLITE_CONFIG_MALLOC, &wrapped) == SQLITE_OK);
    json_set_alloc_funcs(fault_json_malloc, free);
}
#endif
