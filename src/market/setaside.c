/* setaside.c — see setaside.h. The table is a small unordered array searched from the
 * start (at most PW_TICK_SET_ASIDE_MAX entries, usually none: the lookup every waiting
 * task pays is one comparison of the count with zero); removal moves the last entry into
 * the hole. */
#include "market/setaside.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "base/log.h"

typedef struct entry {
    int64_t task_id;
    int64_t retry_at_ms; /* skipped until then */
    int failures;        /* in a row */
    pw_tick_step step;   /* where it failed last */
} entry;

struct pw_setaside {
    int count; /* entries in use */
    entry entries[PW_TICK_SET_ASIDE_MAX];
    pw_setaside_stats stats; /* exported through /metrics */
};

static const char SQL_SAVEPOINT[] = "SAVEPOINT tick_task";
static const char SQL_ROLLBACK_TO[] = "ROLLBACK TO tick_task";
static const char SQL_RELEASE[] = "RELEASE tick_task";

static const char *const step_names[PW_TICK_STEP_COUNT] = {"ack_timeout", "auto_approve", "expire", "dispatch_load",
                                                           "dispatch_assign"};
static const char *const scan_names[PW_TICK_SCAN_COUNT] = {"acks_due", "reviews_due", "deadlines_due", "silent_workers",
                                                           "waiting_tasks"};

int pw_setaside_new(pw_setaside **out)
{
    *out = calloc(1, sizeof(**out));
    return *out != NULL ? PW_OK : PW_ENOMEM;
}

void pw_setaside_free(pw_setaside *s) { free(s); }

pw_setaside_stats *pw_setaside_get_stats(pw_setaside *s) { return &s->stats; }

const char *pw_tick_step_name(pw_tick_step step)
{
    return step >= 0 && step < PW_TICK_STEP_COUNT ? step_names[step] : "unknown";
}

const char *pw_tick_scan_name(pw_tick_scan scan)
{
    return scan >= 0 && scan < PW_TICK_SCAN_COUNT ? scan_names[scan] : "unknown";
}

int pw_setaside_count(const pw_setaside *s) { return s != NULL ? s->count : 0; }

/* ---- the table --------------------------------------------------------------------------------- */

int64_t pw_setaside_backoff_ms(int failures)
{
    int64_t wait = PW_TICK_RETRY_BASE_MS;
    for (int i = 1; i < failures && wait < PW_TICK_RETRY_MAX_MS; i++)
        wait *= 2;
    return wait < PW_TICK_RETRY_MAX_MS ? wait : PW_TICK_RETRY_MAX_MS;
}

static entry *find(const pw_setaside *s, int64_t task_id)
{
    for (int i = 0; s != NULL && i < s->count; i++)
        if (s->entries[i].task_id == task_id)
            return (entry *)&s->entries[i];
    return NULL;
}

static void forget(pw_setaside *s, entry *e)
{
    *e = s->entries[--s->count];
    atomic_store(&s->stats.held, s->count);
}

static int is_timer(pw_tick_step step) { return step < PW_TICK_DISPATCH_LOAD; }

int pw_setaside_waiting(const pw_setaside *s, int64_t task_id, pw_tick_step step, int64_t now_ms)
{
    if (s == NULL || s->count == 0)
        return 0;
    const entry *e = find(s, task_id);
    return e != NULL && now_ms < e->retry_at_ms && (!is_timer(step) || is_timer(e->step));
}

void pw_setaside_sweep(pw_setaside *s, int64_t now_ms)
{
    for (int i = 0; s != NULL && i < s->count;) {
        if (now_ms - s->entries[i].retry_at_ms >= PW_TICK_RETRY_MAX_MS)
            forget(s, &s->entries[i]); /* the last entry moved here: look at i again */
        else
            i++;
    }
}

/* One more failure of task_id: its failures in a row (1 the first time), and when it may
 * be tried again; 0 if it could not be remembered (s NULL or full). */
static int remember(pw_setaside *s, int64_t task_id, pw_tick_step step, int64_t now_ms, int64_t *retry_at_ms)
{
    if (s == NULL)
        return 0;
    entry *e = find(s, task_id);
    if (e == NULL && s->count == PW_TICK_SET_ASIDE_MAX) {
        atomic_fetch_add(&s->stats.unremembered, 1);
        return 0;
    }
    if (e == NULL) {
        e = &s->entries[s->count++];
        *e = (entry){.task_id = task_id};
        atomic_store(&s->stats.held, s->count);
    }
    e->failures++;
    e->step = step;
    e->retry_at_ms = now_ms + pw_setaside_backoff_ms(e->failures);
    *retry_at_ms = e->retry_at_ms;
    return e->failures;
}

/* ---- failures: log and count ------------------------------------------------------------------- */

/* Copies text into out, with quotes, backslashes and control characters made spaces, so a
 * log line stays one line of key="value" pairs. */
static void log_safe(const char *text, char *out, size_t size)
{
    size_t n = 0;
    for (; text != NULL && text[0] != '\0' && n + 1 < size; text++, n++)
        out[n] = *text == '"' || *text == '\\' || (unsigned char)*text < 0x20 ? ' ' : *text;
    out[n] = '\0';
}

/* A refusal as "code: message"; any other failure (base/error.h) as "unavailable: what
 * kind" with the engine's reason, which must be read before the rollback that clears it.
 * Codes and messages are the platform's own words (the API shows them to users); the
 * engine names tables and constraints, never values. */
static void describe(pw_db *db, int failure, const pw_error *refusal, char *out, size_t size)
{
    int refused = failure == PW_EREFUSED && refusal != NULL;
    char message[PW_ERROR_MESSAGE_MAX_BYTES], reason[160];
    log_safe(refused ? refusal->message : pw_status_text(failure), message, sizeof(message));
    log_safe(refused ? NULL : pw_db_errmsg(db), reason, sizeof(reason));
    if (strcmp(reason, "not an error") == 0)
        reason[0] = '\0'; /* SQLite's text once a nested rollback (the ledger's) cleared the reason */
    const char *code = !refused ? "unavailable" : refusal->code != NULL ? refusal->code : "error";
    snprintf(out, size, "%s: %s%s%s%s", code, message, reason[0] != '\0' ? " (database: " : "", reason,
             reason[0] != '\0' ? ")" : "");
}

static void set_aside(pw_setaside *s, int64_t task_id, pw_tick_step step, const char *error, int64_t now_ms)
{
    int64_t retry_at_ms = 0;
    int failures = remember(s, task_id, step, now_ms, &retry_at_ms);
    if (s != NULL)
        atomic_fetch_add(&s->stats.failures[step], 1);
    if (failures > 0)
        pw_log_error("msg=\"task set aside\" task_id=%lld step=%s error=\"%s\" failures=%d retry_in_s=%lld",
                     (long long)task_id, pw_tick_step_name(step), error, failures,
                     (long long)((retry_at_ms - now_ms) / 1000));
    else
        pw_log_error("msg=\"task failed\" task_id=%lld step=%s error=\"%s\" set_aside=%s", (long long)task_id,
                     pw_tick_step_name(step), error, s == NULL ? "none" : "full");
}

int pw_setaside_fail(pw_db *db, pw_setaside *s, int64_t task_id, pw_tick_step step, int failure,
                     const pw_error *refusal, int64_t now_ms)
{
    char error[PW_ERROR_MESSAGE_MAX_BYTES + 200];
    describe(db, failure, refusal, error, sizeof(error));
    set_aside(s, task_id, step, error, now_ms);
    return pw_db_in_transaction(db) ? PW_OK : PW_EDB;
}

int pw_setaside_scan_failed(pw_db *db, pw_setaside *s, pw_tick_scan scan)
{
    char reason[160];
    log_safe(pw_db_errmsg(db), reason, sizeof(reason));
    int open = pw_db_in_transaction(db);
    pw_log_error("msg=\"tick scan failed\" scan=%s error=\"%s\"%s", pw_tick_scan_name(scan), reason,
                 open ? "" : " transaction=ended");
    if (s != NULL)
        atomic_fetch_add(&s->stats.scan_failures[scan], 1);
    return open ? PW_OK : PW_EDB;
}

/* ---- one task's savepoint ---------------------------------------------------------------------- */

int pw_setaside_begin(pw_db *db) { return pw_db_run(db, SQL_SAVEPOINT); }

int pw_setaside_end(pw_db *db, pw_setaside *s, int64_t task_id, pw_tick_step step, int failure, const pw_error *refusal,
                    int64_t now_ms)
{
    if (failure == PW_OK) {
        int rc = pw_db_run(db, SQL_RELEASE);
        entry *e = rc == PW_OK ? find(s, task_id) : NULL;
        if (e != NULL) {
            pw_log_info("msg=\"task recovered\" task_id=%lld step=%s failures=%d failed_at=%s", (long long)task_id,
                        pw_tick_step_name(step), e->failures, pw_tick_step_name(e->step));
            forget(s, e);
            atomic_fetch_add(&s->stats.recovered, 1);
        }
        return rc;
    }
    char error[PW_ERROR_MESSAGE_MAX_BYTES + 200];
    describe(db, failure, refusal, error, sizeof(error));
    int rc = pw_db_run(db, SQL_ROLLBACK_TO);
    if (rc == PW_OK)
        rc = pw_db_run(db, SQL_RELEASE);
    set_aside(s, task_id, step, error, now_ms);
    return rc;
}
