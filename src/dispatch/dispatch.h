/* dispatch.h — choosing the worker for a task. No job board: the platform assigns.
 *
 * Dispatch decides, market applies. This layer is the rules, over plain structs and with
 * no database handle: the score of a (task, worker) pair (pw_dispatch_score, pure), what of
 * it a client may be shown (pw_dispatch_shown_parts), the in-memory worker index and its
 * search (index.h, engine.h), the solver (assign.h), and the decisions (decide.h): an
 * urgent task goes at once to its best candidate (greedy), all other waiting tasks are
 * matched in rounds (every --batch-window-ms) by the assignment that maximises the total
 * score. Market (market/dispatching.h) is the layer above: it reads the workers and the
 * waiting tasks from the database, hands them to the engine as plain structs, and applies
 * each decision as a task state transition with its timeline and explanation.
 *
 * Candidates are active workers whose skills or category fit, who are in radius (or
 * remote for a remote task), not busy (1 local task at a time, up to remote_cap remote
 * ones), not the client, and not already tried on this task. Every assignment stores its
 * explanation for the client and admins (GET /tasks/{id}/dispatch): how many candidates
 * were considered, the chosen worker's score parts as they may be shown
 * (pw_dispatch_shown_parts: from the public area, never the exact distance), and why the
 * winner won. Other candidates are not named. */
#ifndef PW_DISPATCH_H
#define PW_DISPATCH_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* Score weights: configuration, documented in docs/internals/dispatch.md. */
typedef struct pw_dispatch_weights {
    double fit;         /* skills/category match, 0..1 */
    double distance;    /* nearness within the worker's radius, 0..1 (1 for remote) */
    double reputation;  /* worker rating, 0..1 (neutral 0.6 until rated) */
    double reliability; /* ack/completion/on-time record, 0..1 */
    double fairness;    /* time since the last assignment and recent load, 0..1 */
    double bad_pairing; /* factor on the total when this client's tasks went badly with this worker */
    double earned_half; /* fairness: money taken in the last 24 h (minor units) that halves its earnings part */
} pw_dispatch_weights;

/* Applies "key=value,key=value" (keys: fit, distance, reputation, reliability, fairness,
 * bad_pairing, earned_half; any subset) over *w. PW_OK, or PW_EREFUSED with err set (the
 * refusal in words) and *w unchanged. */
int pw_dispatch_weights_parse(const char *spec, pw_dispatch_weights *w, char *err, size_t err_len);

/* What the engine decides by. The engine keeps a copy (pw_engine_new); the market's
 * dispatching settings (market/dispatching.h) hold this one beside its own rules. */
typedef struct pw_dispatch_policy {
    int remote_cap;      /* remote tasks a worker may hold at once */
    int batch_window_ms; /* batch rounds run this often */
    int search_threads;  /* a round's candidate searches run on this many threads (the writer and helpers) */
    pw_dispatch_weights weights;
} pw_dispatch_policy;

void pw_dispatch_policy_defaults(pw_dispatch_policy *p);
/* One search thread per core, at most PW_DISPATCH_SEARCH_THREADS_MAX. */
int pw_dispatch_default_threads(void);

/* What the score looks at, for one (task, worker) pair. */
typedef struct pw_candidate {
    int64_t worker_id;
    int skills_wanted;                /* the task's skill count */
    int skills_matched;               /* of those, the worker has */
    int category_match;               /* the worker lists the task's category */
    int remote_task;                  /* the task has no location */
    double distance_km;               /* local tasks: from the worker's base (exact: never shown) */
    int32_t base_lat_e6, base_lon_e6; /* local tasks: the worker's base (private: shown only through base/geo.h) */
    int radius_km;                    /* the worker's radius */
    double rating;                    /* 1..5, or < 0 if not rated yet */
    int64_t acked, missed_acks, releases, completed, on_time; /* the record */
    double idle_s;                                            /* since the last assignment (or since active) */
    int assigned_recently;                                    /* assignments offered in the last 24 h */
    int64_t earned_recent; /* money value of the tasks taken in the last 24 h, minor units */
    int bad_pairing;       /* this client's tasks went badly with this worker before */
} pw_candidate;

typedef struct pw_score_parts {
    double fit, distance, reputation, reliability, fairness; /* each 0..1 before weighting */
    double pairing;                                          /* 1, or the bad-pairing factor */
    double total;                                            /* weighted sum x pairing */
} pw_score_parts;

/* Pure. Returns the total; fills parts. */
double pw_dispatch_score(const pw_dispatch_weights *w, const pw_candidate *c, pw_score_parts *parts);

/* What a client or an admin is shown of a candidate's score (docs/SECURITY.md, "Locating
 * workers"): the distance part computed from shown_km (pw_geo_shown_distance_km, the
 * public area's banded distance; ignored for a remote task) instead of the exact
 * distance, every part rounded to 2 decimals, and the total the weighted sum of those
 * shown parts. Nothing in it depends on where in its public cell the worker's base is. Pure. */
void pw_dispatch_shown_parts(const pw_dispatch_weights *w, const pw_candidate *c, const pw_score_parts *exact,
                             double shown_km, pw_score_parts *shown);
/* {worker_id, score, parts, distance_km (local tasks)} of the shown parts, for a task at
 * (task_lat_e6, task_lon_e6). */
json_t *pw_dispatch_shown_json(const pw_dispatch_weights *w, const pw_candidate *c, const pw_score_parts *exact,
                               int64_t task_lat_e6, int64_t task_lon_e6);

#endif
