/* job.h — a unit of work handed to another thread (the writer, the hash pool) and handed
 * back through complete(). Embed it first in a bigger struct to carry inputs and results. */
#ifndef PW_JOB_H
#define PW_JOB_H
#include <stdint.h>

struct pw_db;

typedef struct pw_job pw_job;
struct pw_job {
    pw_job *next;                                              /* queue link, owned by the queue while queued */
    int (*run)(pw_job *job, struct pw_db *db, int64_t now_ms); /* the work; db is NULL off the writer */
    void (*complete)(pw_job *job); /* after run (and for the writer, after the commit); NULL: free(job) */
    int result;                    /* run()'s return; for the writer PW_EDB if the commit failed */
    int committed;                 /* writer: 1 once durable */
    int alone;                     /* writer: run in a transaction of its own, without a
                                                  * savepoint (a job of thousands of statements: see writer.h) */
    void *ctx;                     /* the submitter's */
};

#endif
