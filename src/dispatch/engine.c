/* engine.c — candidate search and assignment over the worker index (pure: no database).
 *
 * Search. A remote task reads the REMOTE posting lists of its category and skills,
 * starting each list at a rotating offset so that, past the scan bound, no worker is
 * always first; each eligible worker is scored as met. A local task reads the (cell, tag)
 * lists of the grid cells around it, ring by ring outwards to the farthest radius any
 * worker has (at most PW_DISPATCH_QUERY_RADIUS_KM), keeping the scan_max nearest workers
 * that pass the hot checks in a distance heap, and stops when the next ring cannot hold
 * anyone nearer; only those nearest are then scored. A small per-thread set of the workers
 * that passed the hot checks makes a worker listed under several tags count once; the best
 * k scores are kept in a top-k heap. A search only reads the index.
 *
 * Batch. Every task's top-k become edges of a sparse assignment whose cost is the negated
 * weighted score; the solver (assign.c) matches as many tasks as possible and, among
 * those, maximises the total. The weight (pw_engine_task_weight) grows with the time a
 * task has waited and near its deadline, so a task that keeps losing its contested
 * workers wins in the end, and shrinks with a poor client record, so when two tasks want
 * the same worker the better client's task wins; it is still served without a contest.
 *
 * Threads. A round's searches are independent reads of the index, so they run side by
 * side on the engine's lanes (base/parallel.h: the writer thread and policy.search_threads
 * - 1 helpers) while the writer waits; each lane has its own seen-set. The rotation each
 * search starts its remote lists at is drawn in task order before the searches start, and
 * the solver's edges are laid out in task order after they end, so a round's result does
 * not depend on the number of threads or on which thread ran which search. */
#include "dispatch/engine.h"

#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/parallel.h"
#include "dispatch/assign.h"
#include "base/error.h"

/* The workers one search has met that passed the hot checks: open addressing over
 * (stamp << 32 | slot + 1) entries, where an entry of an earlier search's stamp is empty,
 * so nothing is cleared between searches. A search inserts at most
 * PW_DISPATCH_EXAMINE_MAX workers: the table stays at most half full. */
#define SEEN_SLOTS (2 * PW_DISPATCH_EXAMINE_MAX)
_Static_assert((SEEN_SLOTS & (SEEN_SLOTS - 1)) == 0, "the seen-set's size is a power of two");

typedef struct seen_set {
    uint64_t *entries; /* SEEN_SLOTS */
    uint32_t stamp;    /* the current search's; 0 is never used */
} seen_set;

struct pw_engine {
    pw_index *index;
    pw_dispatch_policy policy;
    uint32_t rotation;  /* rotating start for remote lists */
    pw_parallel *lanes; /* a round's searches run on these */
    seen_set *seen;     /* one per lane */
    pw_engine_stats stats;
    int64_t *dirty; /* workers to re-read after the commit */
    int dirty_count;
    int rebuild;           /* too many dirty: rebuild the index */
    int64_t next_round_ms; /* when the next batch round is due */
};

int pw_engine_new(const pw_dispatch_policy *policy, pw_engine **out)
{
    pw_engine *e = calloc(1, sizeof(*e));
    if (e == NULL)
        return PW_ENOMEM;
    e->policy = *policy;
    int lanes = policy->search_threads < 1                                ? 1
                : policy->search_threads > PW_DISPATCH_SEARCH_THREADS_MAX ? PW_DISPATCH_SEARCH_THREADS_MAX
                                                                          : policy->search_threads;
    e->policy.search_threads = lanes;
    static const double round_bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
    static const double task_bounds[] = {1, 5, 10, 50, 100, 500, 1000, 2500, 5000};
    static const double greedy_bounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1};
    pw_histogram_init(&e->stats.round_seconds, round_bounds, (int)(sizeof(round_bounds) / sizeof(round_bounds[0])));
    pw_histogram_init(&e->stats.round_tasks, task_bounds, (int)(sizeof(task_bounds) / sizeof(task_bounds[0])));
    pw_histogram_init(&e->stats.greedy_seconds, greedy_bounds, (int)(sizeof(greedy_bounds) / sizeof(greedy_bounds[0])));
    e->dirty = malloc(sizeof(int64_t) * PW_ENGINE_DIRTY_MAX);
    e->seen = calloc((size_t)lanes, sizeof(*e->seen));
    int ok = e->dirty != NULL && e->seen != NULL && pw_index_new(&e->index) == 0;
    for (int i = 0; ok && i < lanes; i++)
        ok = (e->seen[i].entries = calloc(SEEN_SLOTS, sizeof(uint64_t))) != NULL;
    int rc = ok ? pw_parallel_new(lanes, &e->lanes) : PW_ENOMEM;
    if (rc != PW_OK) {
        pw_engine_free(e);
        return rc;
    }
    *out = e;
    return 0;
}

void pw_engine_free(pw_engine *e)
{
    if (e == NULL)
        return;
    pw_parallel_free(e->lanes);
    for (int i = 0; e->seen != NULL && i < e->policy.search_threads; i++)
        free(e->seen[i].entries);
    free(e->seen);
    pw_index_free(e->index);
    free(e->dirty);
    free(e);
}

pw_index *pw_engine_index(pw_engine *e) { return e->index; }

pw_engine_stats *pw_engine_get_stats(pw_engine *e) { return &e->stats; }

const pw_dispatch_policy *pw_engine_policy(const pw_engine *e) { return &e->policy; }

int pw_engine_put(pw_engine *e, const pw_engine_worker *in)
{
    int32_t slot = pw_index_put(e->index, &in->profile);
    if (slot < 0)
        return slot;
    pw_index_worker *w = pw_index_slot(e->index, slot);
    w->last_assigned_ms = in->last_assigned_ms;
    w->acked = (uint32_t)in->acked;
    w->missed_acks = (uint32_t)in->missed_acks;
    w->releases = (uint32_t)in->releases;
    w->completed = (uint32_t)in->completed;
    w->on_time = (uint32_t)in->on_time;
    pw_index_hot_slot(e->index, slot)->busy = 0;
    pw_index_add_busy(e->index, slot, in->busy_local, in->busy_remote);
    int64_t recent = in->assigned_recently, earned = in->earned_recent;
    w->assigned_today = (uint8_t)(recent > UINT8_MAX ? UINT8_MAX : recent);
    w->earned_recent = (uint32_t)(earned > UINT32_MAX ? UINT32_MAX : earned < 0 ? 0 : earned);
    return PW_OK;
}

void pw_engine_loaded(pw_engine *e, int bulk)
{
    if (bulk)
        pw_index_shrink(e->index);
    atomic_store(&e->stats.active_workers, (int64_t)pw_index_count(e->index));
}

/* ---- one worker against one task ---------------------------------------------------------- */

static int listed(const int64_t *ids, int count, int64_t id)
{
    for (int i = 0; i < count; i++)
        if (ids[i] == id)
            return 1;
    return 0;
}

static int has_tag(const pw_index_worker *w, int from, int count, uint32_t tag)
{
    for (int i = from; i < from + count; i++)
        if (w->tags[i] == tag)
            return 1;
    return 0;
}

/* Distance for dispatch: equirectangular at the pair's mean latitude, whose cosine comes
 * from the task's (cos, sin) to first order in the latitude difference. Within
 * PW_DISPATCH_QUERY_RADIUS_KM it differs from the great circle (pw_distance_km) by less
 * than 0.01 %, and it needs no trigonometry per worker: the search meets hundreds. */
static double local_distance_km(const pw_engine_task *t, double cos_lat, double sin_lat, const pw_index_hot *h)
{
    const double km_per_degree = 6371.0088 * M_PI / 180.0;
    double dlat = (double)(h->lat_e6 - t->lat_e6) / 1e6, dlon = (double)(h->lon_e6 - t->lon_e6) / 1e6;
    if (dlon > 180)
        dlon -= 360;
    else if (dlon < -180)
        dlon += 360;
    double cos_mean = cos_lat - sin_lat * (dlat * M_PI / 360.0);
    double dx = dlon * km_per_degree * cos_mean, dy = dlat * km_per_degree;
    return sqrt(dx * dx + dy * dy);
}

/* The hot checks: live, not busy, can take this kind of task, in radius (distance_out). */
static int hot_ok(const pw_engine *e, const pw_engine_task *t, double cos_lat, double sin_lat, const pw_index_hot *h,
                  double *distance_out)
{
    if (!(h->flags & PW_IW_LIVE) || pw_hot_busy_local(h) > 0)
        return 0;
    if (!t->has_location)
        return (h->flags & PW_IW_REMOTE) && pw_hot_busy_remote(h) < e->policy.remote_cap;
    if (!(h->flags & PW_IW_BASE) || pw_hot_busy_remote(h) != 0)
        return 0;
    *distance_out = local_distance_km(t, cos_lat, sin_lat, h);
    return *distance_out <= (double)h->radius_km;
}

/* 1 and a scored candidate if the worker in `slot` (past the hot checks, at
 * distance_km for a local task) may take t; 0 if not. */
static int consider(const pw_engine *e, const pw_engine_task *t, int32_t slot, double distance_km, int64_t now_ms,
                    pw_engine_candidate *out)
{
    pw_index_worker *w = pw_index_slot(e->index, slot);
    const pw_index_hot *h = pw_index_hot_slot(e->index, slot);
    if (w->user_id == t->client_id || listed(t->excluded, t->excluded_count, w->user_id))
        return 0;
    pw_candidate *c = &out->c;
    *c = (pw_candidate){.worker_id = w->user_id, .remote_task = !t->has_location, .radius_km = h->radius_km};
    c->skills_wanted = t->skill_count;
    for (int i = 0; i < t->skill_count; i++)
        c->skills_matched += t->skills[i] != 0 && has_tag(w, 0, w->skill_count, t->skills[i]);
    c->category_match = t->category != 0 && has_tag(w, w->skill_count, w->category_count, t->category);
    if (c->skills_matched == 0 && !c->category_match)
        return 0; /* found through a stale list entry: no longer fits */
    c->distance_km = c->remote_task ? 0 : distance_km;
    c->base_lat_e6 = c->remote_task ? 0 : h->lat_e6;
    c->base_lon_e6 = c->remote_task ? 0 : h->lon_e6;
    c->rating = w->rating;
    c->acked = w->acked;
    c->missed_acks = w->missed_acks;
    c->releases = w->releases;
    c->completed = w->completed;
    c->on_time = w->on_time;
    c->idle_s = (double)(now_ms - w->last_assigned_ms) / 1000.0;
    c->assigned_recently = w->assigned_today;
    c->earned_recent = w->earned_recent;
    c->bad_pairing = listed(t->avoid, t->avoid_count, w->user_id);
    out->slot = slot;
    pw_dispatch_score(&e->policy.weights, c, &out->parts);
    return 1;
}

int pw_engine_fits(const pw_engine *e, const pw_engine_task *t, int64_t worker_id, int64_t now_ms,
                   pw_engine_candidate *out)
{
    int32_t slot = worker_id > 0 ? pw_index_find(e->index, worker_id) : -1;
    if (slot < 0 || listed(t->avoid, t->avoid_count, worker_id))
        return 0;
    double distance_km = 0;
    double cos_lat = cos((double)t->lat_e6 / 1e6 * M_PI / 180.0), sin_lat = sin((double)t->lat_e6 / 1e6 * M_PI / 180.0);
    if (!hot_ok(e, t, cos_lat, sin_lat, pw_index_hot_slot(e->index, slot), &distance_km))
        return 0;
    if (t->has_location && distance_km > PW_DISPATCH_QUERY_RADIUS_KM)
        return 0; /* past what any search reaches */
    return consider(e, t, slot, distance_km, now_ms, out);
}

void pw_engine_hold(pw_engine *e, int32_t slot, const pw_engine_task *t, int sign)
{
    pw_index_add_busy(e->index, slot, sign * t->has_location, sign * !t->has_location);
}

/* ---- top-k ------------------------------------------------------------------------------------ */

typedef struct topk {
    pw_engine_candidate *items;
    int count, k;
} topk;

/* a is worse than b: lower score, or equal and a higher worker id (ties go to the lower id) */
static int worse(const pw_engine_candidate *a, const pw_engine_candidate *b)
{
    if (a->parts.total != b->parts.total)
        return a->parts.total < b->parts.total;
    return a->c.worker_id > b->c.worker_id;
}

static void sift_down(topk *h, int i)
{
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->count && worse(&h->items[l], &h->items[m]))
            m = l;
        if (r < h->count && worse(&h->items[r], &h->items[m]))
            m = r;
        if (m == i)
            return;
        pw_engine_candidate tmp = h->items[i];
        h->items[i] = h->items[m];
        h->items[m] = tmp;
        i = m;
    }
}

static void topk_offer(topk *h, const pw_engine_candidate *c)
{
    if (h->count < h->k) {
        int i = h->count++;
        h->items[i] = *c;
        while (i > 0 && worse(&h->items[i], &h->items[(i - 1) / 2])) {
            pw_engine_candidate tmp = h->items[i];
            h->items[i] = h->items[(i - 1) / 2];
            h->items[(i - 1) / 2] = tmp;
            i = (i - 1) / 2;
        }
    } else if (worse(&h->items[0], c)) {
        h->items[0] = *c;
        sift_down(h, 0);
    }
}

static int best_first(const void *a, const void *b)
{
    const pw_engine_candidate *x = a, *y = b;
    return worse(x, y) ? 1 : worse(y, x) ? -1 : 0;
}

/* ---- search ------------------------------------------------------------------------------------- */

/* The larger of the two paths' scan bounds: the size of a search's nearest-workers heap. */
#define SCAN_BOUND_MAX \
    (PW_DISPATCH_SCAN_MAX > PW_DISPATCH_BATCH_SCAN_MAX ? PW_DISPATCH_SCAN_MAX : PW_DISPATCH_BATCH_SCAN_MAX)

/* List entries ahead of the one being examined whose hot record is prefetched. */
#define SCAN_PREFETCH 8

/* Starts a search on this set. */
static void seen_begin(seen_set *set)
{
    if (++set->stamp == 0) { /* wrapped: old entries could match, clear them */
        memset(set->entries, 0, SEEN_SLOTS * sizeof(uint64_t));
        set->stamp = 1;
    }
}

/* 1 if the slot was met before in this search; else remembers it and returns 0. */
static int seen_check(seen_set *set, int32_t slot)
{
    uint64_t entry = (uint64_t)set->stamp << 32 | (uint32_t)(slot + 1);
    uint32_t i = ((uint32_t)slot * 2654435761u) >> (32 - __builtin_ctz(SEEN_SLOTS));
    for (;; i = (i + 1) & (SEEN_SLOTS - 1)) {
        uint64_t at = set->entries[i];
        if (at == entry)
            return 1;
        if (at >> 32 != set->stamp) {
            set->entries[i] = entry;
            return 0;
        }
    }
}

typedef struct near_entry {
    double distance_km;
    int32_t slot;
} near_entry;

typedef struct search {
    const pw_engine *e;
    const pw_engine_task *t;
    int64_t now_ms;
    seen_set *seen;          /* this lane's */
    uint32_t rotation;       /* where remote lists start */
    const pw_index_hot *hot; /* the index's hot records and slots, by slot (fixed during a search) */
    pw_index_worker *slots;
    double cos_lat, sin_lat; /* of the task, for local_distance_km */
    int scan_max;            /* eligible workers to score at most */
    int scanned;             /* eligible workers scored */
    int examined;            /* list entries looked at (at most PW_DISPATCH_EXAMINE_MAX) */
    topk heap;
    near_entry *near; /* local tasks: the nearest hot-eligible workers, a max-heap by distance */
    int near_count;
    int near_seen; /* hot-eligible workers met (local); the search stops at PW_DISPATCH_NEAR_FACTOR x scan_max */
} search;

static int search_full(const search *s)
{
    return s->scanned >= s->scan_max || s->examined >= PW_DISPATCH_EXAMINE_MAX ||
           s->near_seen >= PW_DISPATCH_NEAR_FACTOR * s->scan_max;
}

/* Keeps the scan_max nearest: a max-heap on distance, the farthest at the root. */
static void near_offer(search *s, int32_t slot, double distance_km)
{
    near_entry *h = s->near;
    int i;
    if (s->near_count < s->scan_max) {
        i = s->near_count++;
    } else if (distance_km < h[0].distance_km) {
        i = 0;
        for (;;) { /* sift the hole at the root down */
            int l = 2 * i + 1, r = l + 1, m = i;
            double far = distance_km;
            if (l < s->near_count && h[l].distance_km > far)
                m = l, far = h[l].distance_km;
            if (r < s->near_count && h[r].distance_km > far)
                m = r;
            if (m == i)
                break;
            h[i] = h[m];
            i = m;
        }
        h[i] = (near_entry){distance_km, slot};
        return;
    } else {
        return;
    }
    while (i > 0 && h[(i - 1) / 2].distance_km < distance_km) {
        h[i] = h[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h[i] = (near_entry){distance_km, slot};
}

static void scan_list(search *s, int32_t cell, uint32_t tag, int rotate)
{
    size_t n;
    const pw_index_entry *entries = pw_index_list(s->e->index, cell, tag, &n);
    if (n == 0)
        return;
    size_t start = rotate ? s->rotation % n : 0;
    for (size_t i = 0; i < n && !search_full(s); i++) {
        size_t at = start + i < n ? start + i : start + i - n; /* rotate: wraps once */
        int32_t slot = entries[at].slot;
        if (i + SCAN_PREFETCH < n) { /* list order is not memory order: ask for the record early */
            size_t ahead = at + SCAN_PREFETCH < n ? at + SCAN_PREFETCH : at + SCAN_PREFETCH - n;
            __builtin_prefetch(&s->hot[entries[ahead].slot]);
        }
        const pw_index_hot *h = &s->hot[slot];
        s->examined++;
        double distance_km = 0; /* the hot checks are pure: a second meeting gives the same answer */
        if (!hot_ok(s->e, s->t, s->cos_lat, s->sin_lat, h, &distance_km) || seen_check(s->seen, slot))
            continue;
        if (s->near != NULL) { /* local: collect by distance, score later */
            near_offer(s, slot, distance_km);
            s->near_seen++;
            continue;
        }
        pw_engine_candidate c;
        if (!consider(s->e, s->t, slot, distance_km, s->now_ms, &c))
            continue;
        s->scanned++;
        topk_offer(&s->heap, &c);
    }
}

static void scan_cell(search *s, int32_t cell)
{
    if (s->t->category != 0)
        scan_list(s, cell, s->t->category, cell == PW_INDEX_REMOTE_CELL);
    for (int i = 0; i < s->t->skill_count; i++)
        if (s->t->skills[i] != 0)
            scan_list(s, cell, s->t->skills[i], cell == PW_INDEX_REMOTE_CELL);
}

static void search_local(search *s)
{
    const double km_per_cell = 111.2 / PW_GRID_CELLS_PER_DEGREE;
    int radius_km = pw_index_max_radius_km(s->e->index);
    if (radius_km > PW_DISPATCH_QUERY_RADIUS_KM)
        radius_km = PW_DISPATCH_QUERY_RADIUS_KM;
    double lat = (double)s->t->lat_e6 / 1e6;
    double lon_scale = 1.0 / fmax(0.05, cos(lat * M_PI / 180.0)); /* lon cells per lat cell of distance */
    int rings = (int)ceil(radius_km / km_per_cell);
    int lat0, lon0;
    pw_grid_cell_coords(pw_grid_cell(s->t->lat_e6, s->t->lon_e6), &lat0, &lon0);
    int lon_max = 180 * PW_GRID_CELLS_PER_DEGREE;
    for (int d = 0; d <= rings && !search_full(s); d++) {
        /* ring d is at least (d - 1) cells away: with scan_max nearer ones in hand, stop */
        if (s->near_count == s->scan_max && s->near[0].distance_km <= (d - 1) * km_per_cell * 0.99)
            break;
        int reach = (int)fmin(lon_max, ceil(d * lon_scale)),
            inner = d > 0 ? (int)fmin(lon_max, ceil((d - 1) * lon_scale)) : -1;
        for (int dy = -d; dy <= d; dy++) {
            for (int dx = -reach; dx <= reach; dx++) {
                if (d > 0 && abs(dy) <= d - 1 && abs(dx) <= inner)
                    continue; /* inside an earlier ring */
                int32_t cell = pw_grid_cell_at(lat0 + dy, lon0 + dx);
                if (cell >= 0)
                    scan_cell(s, cell);
            }
        }
    }
    for (int i = 0; i < s->near_count; i++) { /* their slots are scattered: fetch them all at once */
        const char *w = (const char *)&s->slots[s->near[i].slot];
        __builtin_prefetch(w);
        __builtin_prefetch(w + 64);
        __builtin_prefetch(w + 128);
    }
    for (int i = 0; i < s->near_count; i++) { /* score the nearest, keep the best */
        pw_engine_candidate c;
        if (!consider(s->e, s->t, s->near[i].slot, s->near[i].distance_km, s->now_ms, &c))
            continue;
        s->scanned++;
        topk_offer(&s->heap, &c);
    }
}

/* The next start for remote lists (an LCG: each search gets the next value). */
static uint32_t next_rotation(pw_engine *e)
{
    e->rotation = e->rotation * 1103515245u + 12345u;
    return e->rotation;
}

/* One search on `lane`; reads the engine, writes only out and the lane's seen-set. */
static int candidates(const pw_engine *e, int lane, uint32_t rotation, const pw_engine_task *t, int64_t now_ms, int k,
                      int scan_max, pw_engine_candidate *out, int *considered_out)
{
    if (k > PW_DISPATCH_TOP_K)
        k = PW_DISPATCH_TOP_K;
    search s = {.e = e,
                .t = t,
                .now_ms = now_ms,
                .seen = &e->seen[lane],
                .rotation = rotation,
                .scan_max = scan_max,
                .cos_lat = cos((double)t->lat_e6 / 1e6 * M_PI / 180.0),
                .sin_lat = sin((double)t->lat_e6 / 1e6 * M_PI / 180.0),
                .heap = {.items = out, .k = k},
                .hot = pw_index_hots(e->index),
                .slots = pw_index_slots(e->index)};
    seen_begin(s.seen);
    near_entry near[SCAN_BOUND_MAX];
    if (scan_max > SCAN_BOUND_MAX)
        s.scan_max = SCAN_BOUND_MAX;
    if (t->has_location) {
        s.near = near;
        search_local(&s);
    } else {
        scan_cell(&s, PW_INDEX_REMOTE_CELL);
    }
    qsort(out, (size_t)s.heap.count, sizeof(*out), best_first);
    if (considered_out != NULL)
        *considered_out = s.scanned;
    return s.heap.count;
}

int pw_engine_candidates(pw_engine *e, const pw_engine_task *t, int64_t now_ms, int k, pw_engine_candidate *out,
                         int *considered_out)
{
    return candidates(e, 0, next_rotation(e), t, now_ms, k, PW_DISPATCH_SCAN_MAX, out, considered_out);
}

/* ---- batch --------------------------------------------------------------------------------------- */

double pw_engine_task_weight(const pw_engine_task *t, int64_t now_ms)
{
    double standing = 0.5 + 0.5 * fmin(1.0, fmax(0.0, t->client_standing));
    double waited_min = t->created_ms > 0 ? (double)(now_ms - t->created_ms) / 60000.0 : 0.0;
    double age = fmin(1.0, fmax(0.0, waited_min / 30.0));
    double closing = t->deadline_ms > 0 && t->deadline_ms - now_ms < 3600 * 1000 ? 1.0 : 0.0;
    return standing * (1.0 + age + closing);
}

/* How deep a round searches per task: as deep as an urgent search while the round is small,
 * shallower as it grows, so a round of PW_DISPATCH_BATCH_MAX tasks still fits its slot. */
int pw_engine_round_scan(int tasks)
{
    long scan = tasks > 0 ? PW_DISPATCH_ROUND_SCAN_BUDGET / tasks : PW_DISPATCH_BATCH_SCAN_MAX;
    return (int)(scan < PW_DISPATCH_BATCH_SCAN_MIN   ? PW_DISPATCH_BATCH_SCAN_MIN
                 : scan > PW_DISPATCH_BATCH_SCAN_MAX ? PW_DISPATCH_BATCH_SCAN_MAX
                                                     : scan);
}

/* Tasks a lane takes at a time from a round's shared counter: small enough that the
 * lanes finish together, large enough that the counter is not contended. */
#define SEARCH_CHUNK 8

/* A pass's searches, shared out on the lanes. */
typedef struct round_searches {
    const pw_engine *e;
    const pw_engine_task *tasks;
    const int *todo;           /* the open tasks' indexes, in task order */
    const uint32_t *rotations; /* each one's remote-list start, drawn in that order */
    int64_t now_ms;
    int k, scan;
    pw_engine_candidate *cands;
    int *counts;
} round_searches;

static void search_some(void *ctx, int begin, int end, int lane)
{
    const round_searches *r = ctx;
    for (int j = begin; j < end; j++) {
        int i = r->todo[j];
        r->counts[i] = candidates(r->e, lane, r->rotations[j], &r->tasks[i], r->now_ms, r->k, r->scan,
                                  r->cands + (size_t)i * r->k, NULL);
    }
}

/* One pass: candidates for the tasks still open (choice -1 and not exhausted), one solve,
 * their choices set. Returns the number matched, or a negative error. todo and rotations
 * hold n entries. */
static int match_pass(pw_engine *e, const pw_engine_task *tasks, int n, int64_t now_ms, int k, int scan,
                      pw_engine_candidate *cands, int *counts, int *choice, char *open, pw_assign_edge *edges,
                      int32_t *task_to_worker, int *todo, uint32_t *rotations)
{
    int open_count = 0;
    for (int i = 0; i < n; i++) {
        if (!open[i])
            continue;
        todo[open_count] = i;
        rotations[open_count++] = next_rotation(e);
    }
    round_searches r = {.e = e,
                        .tasks = tasks,
                        .todo = todo,
                        .rotations = rotations,
                        .now_ms = now_ms,
                        .k = k,
                        .scan = scan,
                        .cands = cands,
                        .counts = counts};
    pw_parallel_for(e->lanes, open_count, SEARCH_CHUNK, search_some, &r);
    size_t m = 0;
    int32_t max_slot = 0;
    for (int i = 0; i < n; i++) {
        if (!open[i])
            continue;
        open[i] = counts[i] > 0; /* nobody left who fits: no later pass can help */
        double weight = pw_engine_task_weight(&tasks[i], now_ms);
        for (int j = 0; j < counts[i]; j++) {
            const pw_engine_candidate *c = &cands[(size_t)i * k + j];
            edges[m++] = (pw_assign_edge){.task = i, .worker = c->slot, .cost = -c->parts.total * weight};
            if (c->slot > max_slot)
                max_slot = c->slot;
        }
    }
    if (m == 0)
        return 0;
    double total;
    int32_t matched;
    int rc = pw_assign_solve_sparse(n, max_slot + 1, edges, m, task_to_worker, &total, &matched);
    if (rc != PW_OK)
        return rc;
    for (int i = 0; i < n; i++) {
        for (int j = 0; open[i] && task_to_worker[i] >= 0 && j < counts[i]; j++) {
            if (cands[(size_t)i * k + j].slot != task_to_worker[i])
                continue;
            choice[i] = j;
            open[i] = 0;
            /* held for the rest of the round, so a later pass looks past this worker */
            pw_index_add_busy(e->index, task_to_worker[i], tasks[i].has_location, !tasks[i].has_location);
        }
    }
    return matched;
}

int pw_engine_match(pw_engine *e, const pw_engine_task *tasks, int n, int64_t now_ms, int k, pw_engine_candidate *cands,
                    int *counts, int *choice)
{
    if (k > PW_DISPATCH_TOP_K)
        k = PW_DISPATCH_TOP_K;
    size_t count = (size_t)(n > 0 ? n : 1);
    pw_assign_edge *edges = calloc(count * (size_t)k, sizeof(*edges));
    int32_t *task_to_worker = malloc(sizeof(int32_t) * count);
    char *open = malloc(count);
    int *todo = malloc(sizeof(int) * count);
    uint32_t *rotations = malloc(sizeof(uint32_t) * count);
    if (edges == NULL || task_to_worker == NULL || open == NULL || todo == NULL || rotations == NULL) {
        free(edges);
        free(task_to_worker);
        free(open);
        free(todo);
        free(rotations);
        return PW_ENOMEM;
    }
    for (int i = 0; i < n; i++) {
        choice[i] = -1;
        counts[i] = 0;
        open[i] = 1;
    }
    /* Nearby tasks share their nearest candidates, so one solve can leave a task without a
     * worker while others further out are free: each further pass searches again for the
     * tasks left open, past the workers already matched in this round. */
    int rc = 0, scan = pw_engine_round_scan(n);
    for (int pass = 0; pass < PW_DISPATCH_MATCH_PASSES; pass++) {
        rc = match_pass(e, tasks, n, now_ms, k, scan, cands, counts, choice, open, edges, task_to_worker, todo,
                        rotations);
        if (rc <= 0)
            break;
    }
    for (int i = 0; i < n; i++) /* the held marks were for this round only */
        if (choice[i] >= 0)
            pw_index_add_busy(e->index, cands[(size_t)i * k + choice[i]].slot, -tasks[i].has_location,
                              -!tasks[i].has_location);
    free(edges);
    free(task_to_worker);
    free(open);
    free(todo);
    free(rotations);
    return rc < 0 ? rc : PW_OK;
}

/* ---- state changes ----------------------------------------------------------------------------- */

int pw_engine_round_due(pw_engine *e, int64_t now_ms)
{
    if (now_ms < e->next_round_ms)
        return 0;
    e->next_round_ms = now_ms + e->policy.batch_window_ms;
    return 1;
}

void pw_engine_round_now(pw_engine *e) { e->next_round_ms = 0; }

void pw_engine_touch(pw_engine *e, int64_t worker_id)
{
    for (int i = e->dirty_count - 1; i >= 0 && i >= e->dirty_count - 8; i--)
        if (e->dirty[i] == worker_id)
            return; /* the common repeat: the same worker twice in a job */
    if (e->dirty_count == PW_ENGINE_DIRTY_MAX)
        e->rebuild = 1;
    else
        e->dirty[e->dirty_count++] = worker_id;
}

void pw_engine_note_assigned(pw_engine *e, int64_t worker_id, int remote_task, int64_t money_minor, int64_t now_ms)
{
    int32_t slot = pw_index_find(e->index, worker_id);
    if (slot >= 0) {
        pw_index_worker *w = pw_index_slot(e->index, slot);
        pw_index_add_busy(e->index, slot, remote_task ? 0 : 1, remote_task ? 1 : 0);
        w->last_assigned_ms = now_ms;
        if (w->assigned_today < UINT8_MAX)
            w->assigned_today++;
        int64_t earned = (int64_t)w->earned_recent + (money_minor > 0 ? money_minor : 0);
        w->earned_recent = (uint32_t)(earned > UINT32_MAX ? UINT32_MAX : earned);
    }
    pw_engine_touch(e, worker_id);
}

void pw_engine_note_freed(pw_engine *e, int64_t worker_id, int remote_task)
{
    int32_t slot = pw_index_find(e->index, worker_id);
    if (slot >= 0)
        pw_index_add_busy(e->index, slot, remote_task ? 0 : -1, remote_task ? -1 : 0);
    pw_engine_touch(e, worker_id);
}

void pw_engine_remove(pw_engine *e, int64_t worker_id)
{
    pw_index_remove(e->index, worker_id);
    pw_engine_touch(e, worker_id);
}

int pw_engine_clear(pw_engine *e)
{
    pw_index *fresh;
    int rc = pw_index_new(&fresh);
    if (rc != PW_OK)
        return rc;
    pw_index_free(e->index);
    e->index = fresh;
    return 0;
}

int pw_engine_take_dirty(pw_engine *e, int64_t **ids_out, int *rebuild_out)
{
    int n = e->dirty_count;
    *ids_out = e->dirty;
    *rebuild_out = e->rebuild;
    e->dirty_count = 0;
    e->rebuild = 0;
    return n;
}
