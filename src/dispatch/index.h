/* index.h — the in-memory index of active workers the dispatcher searches.
 *
 * Each active worker has one slot (pw_index_worker, at most 256 bytes: a static assert
 * holds it). Skills and categories are interned to small integer tag ids. Posting lists
 * map (cell, tag) to slots: a local-capable worker is listed under the 0.1-degree grid
 * cell of their base for each of their tags, a remote-capable one under the REMOTE
 * pseudo-cell. A local task looks up the cells around it ring by ring, a remote task the
 * REMOTE lists, for the task's category and skills. Lists are append-only with lazy
 * deletion: an entry carries the slot's generation, which moves on every re-index or
 * removal, and a list is compacted when half of it is stale. Busy and reliability state
 * change in place without re-indexing. A stale entry that slips through is harmless: a
 * worker is only ever a candidate when their current tags and place fit. Only the
 * writer thread changes the index; a batch round's searches read it from several threads
 * while the writer waits for them. */
#ifndef PW_DISPATCH_INDEX_H
#define PW_DISPATCH_INDEX_H
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/limits.h"

#define PW_INDEX_REMOTE_CELL     INT32_MAX /* the pseudo-cell of remote-capable workers */
#define PW_GRID_CELLS_PER_DEGREE 10        /* 0.1-degree cells: ~11 km north-south */

enum {
    PW_IW_LIVE = 1,   /* slot in use */
    PW_IW_REMOTE = 2, /* takes remote tasks */
    PW_IW_BASE = 4,   /* has a base location (takes local tasks) */
};

/* What the search reads for every worker it meets, kept apart and small (16 bytes, 4 of
 * them spare, aligned so a record never straddles two cache lines) so a scan touches one
 * cache line per four workers before it decides to score one. A search never writes it:
 * searches run side by side on several threads (engine.c). */
typedef struct pw_index_hot {
    _Alignas(16) int32_t lat_e6; /* base (if PW_IW_BASE) */
    int32_t lon_e6;
    uint16_t radius_km;
    uint8_t flags; /* PW_IW_* */
    uint8_t busy;  /* local tasks held (high 4 bits), remote (low 4 bits) */
} pw_index_hot;

/* The rest of a worker, read only for those that pass the hot checks. */
typedef struct pw_index_worker {
    int64_t user_id;
    int64_t last_assigned_ms;                                  /* or when they went active, for fairness */
    int32_t cell;                                              /* grid cell of the base, or -1 */
    uint32_t generation;                                       /* list entries with another generation are stale */
    uint32_t acked, missed_acks, releases, completed, on_time; /* the record */
    uint32_t earned_recent; /* money value of the tasks taken in the last 24 h, minor units, saturating (fairness) */
    float rating;           /* 1..5, < 0 unrated */
    uint8_t assigned_today; /* assignments offered in the last 24 h (fairness), saturating */
    uint8_t skill_count, category_count;
    uint16_t tags[PW_INDEX_TAGS_MAX]; /* skills first, then categories */
} pw_index_worker;

static inline int pw_hot_busy_local(const pw_index_hot *h) { return h->busy >> 4; }
static inline int pw_hot_busy_remote(const pw_index_hot *h) { return h->busy & 15; }

typedef struct pw_index_entry {
    int32_t slot;
    uint32_t generation;
} pw_index_entry;

typedef struct pw_index pw_index;

/* What to put in a slot; tags are strings, interned by the index. */
typedef struct pw_index_profile {
    int64_t user_id;
    int remote, has_base;
    int32_t lat_e6, lon_e6;
    int radius_km;
    int skill_count, category_count;
    const char *skills[PW_INDEX_TAGS_MAX / 2];
    const char *categories[PW_INDEX_TAGS_MAX / 2];
} pw_index_profile;

#define PW_INDEX_NONE (-1) /* no such slot, no such cell: an answer, not a status */

int pw_index_new(pw_index **out); /* PW_OK or PW_ENOMEM */
void pw_index_free(pw_index *ix);
/* Adds or re-indexes the worker; returns the slot, or PW_ENOMEM. */
int32_t pw_index_put(pw_index *ix, const pw_index_profile *p);
/* Removes the worker (went inactive); no-op if absent. */
void pw_index_remove(pw_index *ix, int64_t user_id);
/* The slot of a user, or PW_INDEX_NONE. */
int32_t pw_index_find(const pw_index *ix, int64_t user_id);
pw_index_worker *pw_index_slot(pw_index *ix, int32_t slot);
pw_index_hot *pw_index_hot_slot(pw_index *ix, int32_t slot);
/* The arrays themselves, indexed by slot (NULL when empty); valid until the next put. */
pw_index_worker *pw_index_slots(pw_index *ix);
pw_index_hot *pw_index_hots(pw_index *ix);
/* Changes a worker's held-task counts (saturating at 15 each). */
void pw_index_add_busy(pw_index *ix, int32_t slot, int local_delta, int remote_delta);
size_t pw_index_count(const pw_index *ix);
/* Tag id of a string, or 0 if no worker ever had it (then nobody matches it). */
uint32_t pw_index_tag(const pw_index *ix, const char *tag);
/* Trims every posting list's spare capacity (after a bulk load). */
void pw_index_shrink(pw_index *ix);
/* Largest radius of any live local worker: how far a local query must look. */
int pw_index_max_radius_km(const pw_index *ix);

/* The posting list of (cell, tag); NULL count 0 if none. */
const pw_index_entry *pw_index_list(const pw_index *ix, int32_t cell, uint32_t tag, size_t *count_out);

int32_t pw_grid_cell(int32_t lat_e6, int32_t lon_e6);
void pw_grid_cell_coords(int32_t cell, int *lat_index, int *lon_index);
int32_t pw_grid_cell_at(int lat_index, int lon_index); /* wraps longitude; PW_INDEX_NONE outside latitude */

/* Bytes the index holds (slots, lists, maps), for the memory figure. */
size_t pw_index_memory_bytes(const pw_index *ix);

#endif
