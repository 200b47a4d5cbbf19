/* sim_internal.h — what the simulator's files share: the catalogue and the generated
 * population (population.c), the event queue (queue.c), the run state (run.c, acts.c)
 * and the measurements (measure.c). Nothing here is used outside src/sim/.
 *
 * Indexes, not pointers: workers, clients and tasks live in arrays and events name them
 * by index, so no order anywhere depends on an address. */
#ifndef PW_SIM_INTERNAL_H
#define PW_SIM_INTERNAL_H
#include <stdint.h>

#include "base/rand.h"
#include "dispatch/assign.h"
#include "dispatch/engine.h"
#include "market/tasks.h"
#include "sim/sim.h"

#define SIM_EPOCH_MS                1767571200000LL /* 2026-01-05T00:00:00Z, a Monday: the hours of the day count from here */
#define SIM_START_HOUR              8               /* a run starts at 08:00 (short runs see a working morning) */
#define SIM_HOUR_MS                 (3600LL * 1000)
#define SIM_DAY_MS                  (24 * SIM_HOUR_MS)
#define SIM_CATEGORIES              12
#define SIM_SKILLS_PER_CATEGORY_MAX 4
#define SIM_CITIES                  3
#define SIM_PROGRESS_EVERY          4096 /* events between progress callbacks */

/* ---- catalogue and population (population.c) ------------------------------------------- */

typedef struct sim_category {
    const char *name;
    const char *skills[SIM_SKILLS_PER_CATEGORY_MAX]; /* NULL-terminated if fewer */
    double remote_share;                             /* share of its tasks that are remote */
    int price_eur;                                   /* median compensation */
    int work_min;                                    /* median duration of the work */
} sim_category;

extern const sim_category sim_catalogue[SIM_CATEGORIES];

typedef struct sim_worker {
    int64_t user_id;
    int32_t lat_e6, lon_e6; /* base */
    uint16_t radius_km;
    uint8_t remote, flaky;
    uint8_t city;                        /* the home city (index into the population's cities) */
    uint8_t category[2], category_count; /* catalogue indexes */
    uint8_t skill_count;
    uint8_t skill[6][2];                    /* (category, skill) pairs */
    float ack_probability;                  /* chance to acknowledge an assignment */
    float reaction_median_s;                /* median delay before acknowledging */
    int32_t shift_start_min, shift_len_min; /* daily shift, minutes from midnight */
    uint8_t on_shift;                       /* the person means to work now */
    uint8_t comeback_pending;               /* a re-activation after a missed ack is queued */
} sim_worker;

typedef struct sim_client {
    int64_t user_id;
    int32_t lat_e6, lon_e6; /* home */
    uint8_t deposited;      /* made a first deposit */
    uint8_t posted;         /* posted at least once */
} sim_client;

/* Both arrays are generated from their own streams; user ids come from pw_rand. */
void sim_population_workers(pw_rng *r, sim_worker *w, int n);
void sim_population_clients(pw_rng *r, sim_client *c, int n);
/* Draws a new task of client c at virtual time t (ms); fills the pw_new_task. */
typedef struct sim_task_draw {
    pw_new_task task;
    int category;
    int local;
    int work_min; /* median duration of the work */
    int cancel;   /* the client will try to cancel it */
    int64_t cancel_after_ms;
} sim_task_draw;
void sim_population_task(pw_rng *r, const sim_client *c, int64_t now_ms, sim_task_draw *out);
/* Arrival-rate multiplier for the hour of the day (mean 1 over a day), and its maximum. */
double sim_rate_of_hour(int hour);
double sim_rate_max(void);
/* Helpers over a pw_rng. */
double sim_normal(pw_rng *r);
double sim_exponential(pw_rng *r, double mean);
double sim_lognormal(pw_rng *r, double median, double sigma);

/* ---- event queue (queue.c): a binary heap on (at_ms, seq) -------------------------------- */

typedef enum {
    EV_TICK,     /* timers + dispatch (per policy) */
    EV_HOUR,     /* an hour window closed: solve its offline optimum */
    EV_POST,     /* the next client posting (Poisson) */
    EV_ACK,      /* a worker acknowledges (index task, ref assignment id) */
    EV_RELEASE,  /* a worker gives an accepted task back */
    EV_SUBMIT,   /* a worker submits the work */
    EV_REVIEW,   /* the client approves or disputes */
    EV_RESOLVE,  /* the admin resolves a dispute */
    EV_CANCEL,   /* the client withdraws the task */
    EV_SHIFT_ON, /* index worker */
    EV_SHIFT_OFF,
    EV_COMEBACK, /* a worker made inactive by a missed ack turns active again */
} sim_event_kind;

typedef struct sim_event {
    int64_t at_ms; /* virtual time */
    uint64_t seq;  /* insertion order: breaks ties */
    int32_t kind;  /* sim_event_kind */
    int32_t index; /* task or worker index */
    int64_t ref;   /* assignment id the event belongs to, or 0 */
} sim_event;

typedef struct sim_queue {
    sim_event *items;
    int64_t count, capacity;
    uint64_t next_seq;
} sim_queue;

/* Makes room for one more item in a growable array of `count` items: doubles *capacity
 * (from `initial` when it is 0) when the array is full. PW_OK, or PW_ENOMEM (the
 * array as it was). */
int sim_grow(void **items, int64_t *capacity, int64_t count, int64_t initial, size_t item_size);
int sim_queue_push(sim_queue *q, int64_t at_ms, int kind, int32_t index, int64_t ref); /* PW_OK or PW_ENOMEM */
int sim_queue_pop(sim_queue *q, sim_event *out);                                       /* 1 popped, 0 empty */
void sim_queue_free(sim_queue *q);

/* ---- run state ----------------------------------------------------------------------------- */

typedef struct sim_task {
    int64_t id;                           /* tasks.id (increasing in posting order) */
    int64_t posted_ms, first_assigned_ms; /* virtual; first_assigned 0: never */
    int64_t assignment_id;                /* the current assignment (events carry theirs) */
    int32_t client, worker;               /* indexes; worker: of the current assignment, -1 */
    int32_t lat_e6, lon_e6;
    uint8_t local, category, urgent;
    uint16_t work_min;
    double first_score, first_distance_km;
} sim_task;

typedef struct sim_window { /* the offline optimum's current hour */
    int64_t start_ms;
    int32_t first_task, task_count; /* tasks [first_task, first_task + task_count) */
    pw_assign_edge *edges;
    size_t edge_count, edge_capacity;
} sim_window;

typedef struct sim {
    const pw_sim_config *cfg;
    pw_db *db;
    pw_market_policy policy; /* with the real engine */
    pw_engine *engine;
    pw_rng arrivals, draws, behaviour; /* independent streams: arrival times, task contents, decisions */
    sim_worker *workers;
    int64_t *worker_ids_sorted; /* (user_id) sorted, with ... */
    int32_t *worker_by_sorted;  /* ... the worker index at each position */
    sim_client *clients;
    sim_task *tasks;
    int64_t task_count, task_capacity;
    int64_t admin_id;
    int64_t start_ms, now_ms, end_ms; /* virtual, absolute */
    int64_t last_assignment_id;       /* task_assignments.id seen so far */
    sim_queue queue;
    sim_window window;
    pw_engine_candidate *cands; /* PW_DISPATCH_TOP_K scratch */
    pw_sim_report *report;
} sim;

/* Everything below but the lookups returns PW_OK or a code (base/error.h), passed up
 * unchanged to pw_sim_run. */
/* run.c */
#define SIM_NONE (-1)                                /* the lookups' "no such one": not a status */
int sim_worker_index(const sim *s, int64_t user_id); /* SIM_NONE if not a worker */
int sim_task_index(const sim *s, int64_t task_id);   /* SIM_NONE if unknown */
int sim_savepoint(sim *s);
int sim_release(sim *s, int ok); /* RELEASE, or ROLLBACK TO + RELEASE */
/* acts.c: arrivals, postings, and reading new assignments back (the workers' reactions) */
int sim_on_post(sim *s, const sim_event *e);
int sim_scan_assignments(sim *s);
/* lifecycle.c: the other events */
int sim_handle(sim *s, const sim_event *e);
int sim_schedule_shifts(sim *s, int i, int64_t from_ms);
/* measure.c */
/* The candidates of a new task at posting (into s->cands; their count), before any dispatch;
 * then, once it is posted, its edges into the current hour window. */
int sim_window_candidates(sim *s, const pw_new_task *t, int64_t client_user_id);
int sim_window_add(sim *s, int task_index, int candidates);
int sim_window_close(sim *s);
int sim_measure(sim *s);

#endif
