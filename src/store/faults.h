/* faults.h — fault injection for the store, as SQLite's and TigerBeetle's test builds do it.
 *
 * In a build configured with -DPW_FAULTS=ON (`make fault-test`; never the binary `make run`
 * serves) the Nth database step, or the Nth memory allocation (SQLite's and jansson's),
 * made inside a writer job after arming fails as the real failure would: a step returns
 * PW_EDB as on an I/O error, an allocation returns NULL and SQLite turns it into
 * SQLITE_NOMEM (which may end the transaction, as on a real device). Only events inside a
 * writer job count (the writer marks where a job's run() starts and ends), so a loop over
 * N walks every failure point of one request sequence in order. tests/faults/ drives it
 * through POST /api/v1/dev/faults (compiled only in this build) and checks after each run
 * that every answer was clean and that the ledger and the task/hold invariants hold.
 *
 * In every other build these are empty inlines and cost nothing. */
#ifndef PW_FAULTS_H
#define PW_FAULTS_H

enum { PW_FAULT_STEP = 0, PW_FAULT_ALLOC = 1, PW_FAULT_KINDS = 2 };

#ifdef PW_FAULTS
/* Arms `kind`: its nth event inside a writer job from now fails (nth >= 1), once; nth 0
 * disarms. Any thread. */
void pw_faults_arm(int kind, long nth);
/* Events of `kind` seen inside jobs since it was armed, and whether the fault fired. */
void pw_faults_status(int kind, long *seen_out, int *fired_out);
/* The writer, around each job's run(). */
void pw_faults_job(int inside);
/* 1 if this event fails (counts it when inside a job and armed). */
int pw_faults_hit(int kind);
/* Routes SQLite's and jansson's allocations through the counter: before the first
 * connection is opened (db_sqlite.c calls it once). */
void pw_faults_install_allocators(void);
#else
static inline void pw_faults_job(int inside) { (void)inside; }
static inline int pw_faults_hit(int kind)
{
    (void)kind;
    return 0;
}
static inline void pw_faults_install_allocators(void) {}
#endif

#endif
