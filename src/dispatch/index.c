/* index.c — see index.h. Three hash maps (user -> slot, (cell, tag) -> list, tag string
 * -> id), all open addressing with linear probing, grown at half full; user entries are
 * deleted by backward shift, so no tombstones accumulate. */
#include "dispatch/index.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"

_Static_assert(sizeof(pw_index_worker) + sizeof(pw_index_hot) <= 256, "a worker's slot must stay within 256 bytes");
_Static_assert(sizeof(pw_index_worker) == 136,
               "the cold record is 136 bytes: a new field must fit the padding or be measured");
_Static_assert(sizeof(pw_index_hot) == 16, "four hot records per cache line");
_Static_assert(PW_REMOTE_CONCURRENT_MAX <= 15, "busy counts are 4 bits: a cap above 15 could never be reached");

/* ---- u64 -> i32 map -------------------------------------------------------------------- */

typedef struct u64map {
    uint64_t *keys; /* 0 is the empty key: callers never store key 0 */
    int32_t *values;
    size_t cap, count; /* cap is a power of two */
} u64map;

static size_t mix(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    return (size_t)k;
}

static int u64map_grow(u64map *m)
{
    size_t cap = m->cap ? m->cap * 2 : 1024;
    uint64_t *keys = calloc(cap, sizeof(*keys));
    int32_t *values = malloc(cap * sizeof(*values));
    if (keys == NULL || values == NULL) {
        free(keys);
        free(values);
        return PW_ENOMEM;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (m->keys[i] == 0)
            continue;
        size_t j = mix(m->keys[i]) & (cap - 1);
        while (keys[j] != 0)
            j = (j + 1) & (cap - 1);
        keys[j] = m->keys[i];
        values[j] = m->values[i];
    }
    free(m->keys);
    free(m->values);
    m->keys = keys;
    m->values = values;
    m->cap = cap;
    return PW_OK;
}

static int32_t u64map_get(const u64map *m, uint64_t key)
{
    if (m->cap == 0)
        return PW_INDEX_NONE;
    for (size_t i = mix(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (m->keys[i] == key)
            return m->values[i];
        if (m->keys[i] == 0)
            return PW_INDEX_NONE;
    }
}

static int u64map_put(u64map *m, uint64_t key, int32_t value)
{
    pw_assert(key != 0);
    if ((m->count + 1) * 2 > m->cap && u64map_grow(m) != PW_OK)
        return PW_ENOMEM;
    size_t i = mix(key) & (m->cap - 1);
    while (m->keys[i] != 0 && m->keys[i] != key)
        i = (i + 1) & (m->cap - 1);
    if (m->keys[i] == 0)
        m->count++;
    m->keys[i] = key;
    m->values[i] = value;
    return 0;
}

static void u64map_delete(u64map *m, uint64_t key)
{
    if (m->cap == 0)
        return;
    size_t mask = m->cap - 1, i = mix(key) & mask;
    while (m->keys[i] != key) {
        if (m->keys[i] == 0)
            return;
        i = (i + 1) & mask;
    }
    /* backward shift: move later entries of the probe run into the hole */
    for (size_t j = (i + 1) & mask; m->keys[j] != 0; j = (j + 1) & mask) {
        size_t home = mix(m->keys[j]) & mask;
        if (((j - home) & mask) >= ((j - i) & mask)) {
            m->keys[i] = m->keys[j];
            m->values[i] = m->values[j];
            i = j;
        }
    }
    m->keys[i] = 0;
    m->count--;
}

static void u64map_free(u64map *m)
{
    free(m->keys);
    free(m->values);
}

/* ---- the index ---------------------------------------------------------------------------- */

typedef struct list {
    pw_index_entry *entries;
    uint32_t len, cap, stale;
} list;

struct pw_index {
    pw_index_worker *slots;
    pw_index_hot *hot;            /* parallel to slots */
    int32_t slot_count, slot_cap; /* slots handed out (live or free) and allocated */
    int32_t *free_slots;
    int32_t free_count;
    size_t live;
    u64map users;   /* user_id -> slot */
    u64map list_of; /* (cell << 32 | tag) -> index into lists */
    list *lists;
    int32_t list_count, list_cap;
    u64map tag_ids;   /* string hash -> tag id (collisions resolved in tag_names) */
    char **tag_names; /* id -> string; [0] unused */
    uint32_t tag_count;
    int radius_counts[PW_RADIUS_MAX_KM + 1]; /* live local workers per radius, for max radius */
};

int pw_index_new(pw_index **out)
{
    pw_index *ix = calloc(1, sizeof(*ix));
    if (ix == NULL)
        return PW_ENOMEM;
    *out = ix;
    return 0;
}

void pw_index_free(pw_index *ix)
{
    if (ix == NULL)
        return;
    for (int32_t i = 0; i < ix->list_count; i++)
        free(ix->lists[i].entries);
    for (uint32_t t = 1; t <= ix->tag_count; t++)
        free(ix->tag_names[t]);
    free(ix->tag_names);
    free(ix->lists);
    free(ix->slots);
    free(ix->hot);
    free(ix->free_slots);
    u64map_free(&ix->users);
    u64map_free(&ix->list_of);
    u64map_free(&ix->tag_ids);
    free(ix);
}

/* ---- tags ------------------------------------------------------------------------------------ */

static uint64_t tag_key(const char *s, uint64_t seed)
{
    uint64_t h = 1469598103934665603ull ^ seed;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h | 1; /* never the empty key */
}

/* Finds the tag's id; with `add`, interns it. 0: absent (or out of memory). */
static uint32_t tag_lookup(pw_index *ix, const char *tag, int add)
{
    for (uint64_t seed = 0;; seed++) {
        uint64_t key = tag_key(tag, seed);
        int32_t id = u64map_get(&ix->tag_ids, key);
        if (id > 0 && strcmp(ix->tag_names[id], tag) == 0)
            return (uint32_t)id;
        if (id > 0)
            continue; /* another tag has this hash: next seed */
        if (!add || ix->tag_count >= PW_INDEX_TAG_VOCABULARY_MAX)
            return 0;
        char **names = realloc(ix->tag_names, (ix->tag_count + 2) * sizeof(*names));
        if (names == NULL)
            return 0;
        ix->tag_names = names;
        char *copy = strdup(tag);
        if (copy == NULL || u64map_put(&ix->tag_ids, key, (int32_t)ix->tag_count + 1) != 0) {
            free(copy);
            return 0;
        }
        names[++ix->tag_count] = copy;
        return ix->tag_count;
    }
}

uint32_t pw_index_tag(const pw_index *ix, const char *tag) { return tag_lookup((pw_index *)ix, tag, 0); }

/* ---- grid ---------------------------------------------------------------------------------------- */

#define LAT_CELLS (180 * PW_GRID_CELLS_PER_DEGREE)
#define LON_CELLS (360 * PW_GRID_CELLS_PER_DEGREE)

int32_t pw_grid_cell_at(int lat_index, int lon_index)
{
    if (lat_index < 0 || lat_index >= LAT_CELLS)
        return PW_INDEX_NONE;
    lon_index %= LON_CELLS;
    if (lon_index < 0)
        lon_index += LON_CELLS;
    return lat_index * LON_CELLS + lon_index;
}

int32_t pw_grid_cell(int32_t lat_e6, int32_t lon_e6)
{
    int lat_index = (int)floor(((double)lat_e6 / 1e6 + 90.0) * PW_GRID_CELLS_PER_DEGREE);
    int lon_index = (int)floor(((double)lon_e6 / 1e6 + 180.0) * PW_GRID_CELLS_PER_DEGREE);
    if (lat_index >= LAT_CELLS)
        lat_index = LAT_CELLS - 1;
    return pw_grid_cell_at(lat_index, lon_index);
}

void pw_grid_cell_coords(int32_t cell, int *lat_index, int *lon_index)
{
    *lat_index = cell / LON_CELLS;
    *lon_index = cell % LON_CELLS;
}

/* ---- lists ----------------------------------------------------------------------------------------- */

static list *list_get(pw_index *ix, int32_t cell, uint32_t tag, int add)
{
    uint64_t key = ((uint64_t)(uint32_t)cell << 32) | tag;
    int32_t at = u64map_get(&ix->list_of, key);
    if (at >= 0)
        return &ix->lists[at];
    if (!add)
        return NULL;
    if (ix->list_count == ix->list_cap) {
        int32_t cap = ix->list_cap ? ix->list_cap * 2 : 1024;
        list *lists = realloc(ix->lists, (size_t)cap * sizeof(*lists));
        if (lists == NULL)
            return NULL;
        ix->lists = lists;
        ix->list_cap = cap;
    }
    if (u64map_put(&ix->list_of, key, ix->list_count) != 0)
        return NULL;
    list *l = &ix->lists[ix->list_count++];
    *l = (list){0};
    return l;
}

static void list_compact(pw_index *ix, list *l)
{
    uint32_t kept = 0;
    for (uint32_t i = 0; i < l->len; i++) {
        pw_index_entry e = l->entries[i];
        if (ix->slots[e.slot].generation == e.generation && (ix->hot[e.slot].flags & PW_IW_LIVE))
            l->entries[kept++] = e;
    }
    l->len = kept;
    l->stale = 0;
}

static int list_add(pw_index *ix, int32_t cell, uint32_t tag, int32_t slot)
{
    list *l = list_get(ix, cell, tag, 1);
    if (l == NULL)
        return PW_ENOMEM;
    if (l->stale * 2 > l->len)
        list_compact(ix, l);
    if (l->len == l->cap) {
        uint32_t cap = l->cap ? l->cap * 2 : 8;
        pw_index_entry *e = realloc(l->entries, cap * sizeof(*e));
        if (e == NULL)
            return PW_ENOMEM;
        l->entries = e;
        l->cap = cap;
    }
    l->entries[l->len++] = (pw_index_entry){slot, ix->slots[slot].generation};
    return 0;
}

/* The slot's current entries become stale (before a re-index or a removal). */
static void unlist(pw_index *ix, int32_t slot)
{
    pw_index_worker *w = &ix->slots[slot];
    pw_index_hot *h = &ix->hot[slot];
    int count = w->skill_count + w->category_count;
    for (int i = 0; i < count; i++) {
        if (h->flags & PW_IW_BASE) {
            list *l = list_get(ix, w->cell, w->tags[i], 0);
            if (l != NULL)
                l->stale++;
        }
        if (h->flags & PW_IW_REMOTE) {
            list *l = list_get(ix, PW_INDEX_REMOTE_CELL, w->tags[i], 0);
            if (l != NULL)
                l->stale++;
        }
    }
    if (h->flags & PW_IW_BASE)
        ix->radius_counts[h->radius_km]--;
    w->generation++;
}

const pw_index_entry *pw_index_list(const pw_index *ix, int32_t cell, uint32_t tag, size_t *count_out)
{
    list *l = list_get((pw_index *)ix, cell, tag, 0);
    *count_out = l ? l->len : 0;
    return l ? l->entries : NULL;
}

/* ---- slots ------------------------------------------------------------------------------------------- */

/* A free slot, or PW_ENOMEM. */
static int32_t new_slot(pw_index *ix)
{
    if (ix->free_count > 0)
        return ix->free_slots[--ix->free_count];
    if (ix->slot_count == ix->slot_cap) {
        int32_t cap = ix->slot_cap ? ix->slot_cap * 2 : 1024;
        pw_index_worker *slots = realloc(ix->slots, (size_t)cap * sizeof(*slots));
        if (slots != NULL)
            ix->slots = slots;
        pw_index_hot *hot = realloc(ix->hot, (size_t)cap * sizeof(*hot));
        if (hot != NULL)
            ix->hot = hot;
        int32_t *free_slots = realloc(ix->free_slots, (size_t)cap * sizeof(*free_slots));
        if (free_slots != NULL)
            ix->free_slots = free_slots;
        if (slots == NULL || hot == NULL || free_slots == NULL)
            return PW_ENOMEM;
        ix->slot_cap = cap;
    }
    memset(&ix->slots[ix->slot_count], 0, sizeof(pw_index_worker));
    memset(&ix->hot[ix->slot_count], 0, sizeof(pw_index_hot));
    return ix->slot_count++;
}

int32_t pw_index_put(pw_index *ix, const pw_index_profile *p)
{
    int32_t slot = u64map_get(&ix->users, (uint64_t)p->user_id);
    if (slot >= 0) {
        unlist(ix, slot);
    } else {
        slot = new_slot(ix);
        if (slot < 0)
            return slot;
        if (u64map_put(&ix->users, (uint64_t)p->user_id, slot) != PW_OK)
            return PW_ENOMEM;
        uint32_t generation = ix->slots[slot].generation;
        memset(&ix->slots[slot], 0, sizeof(pw_index_worker));
        memset(&ix->hot[slot], 0, sizeof(pw_index_hot));
        ix->slots[slot].generation = generation + 1;
        ix->slots[slot].rating = -1;
        ix->live++;
    }
    pw_index_worker *w = &ix->slots[slot];
    pw_index_hot *h = &ix->hot[slot];
    w->user_id = p->user_id;
    h->flags = PW_IW_LIVE | (p->remote ? PW_IW_REMOTE : 0) | (p->has_base ? PW_IW_BASE : 0);
    h->lat_e6 = p->lat_e6;
    h->lon_e6 = p->lon_e6;
    h->radius_km = (uint16_t)(p->radius_km < 0 ? 0 : p->radius_km > PW_RADIUS_MAX_KM ? PW_RADIUS_MAX_KM : p->radius_km);
    w->cell = p->has_base ? pw_grid_cell(p->lat_e6, p->lon_e6) : -1;
    w->skill_count = w->category_count = 0;
    /* A tag past the vocabulary cap interns as 0 and is left out: it matches nobody. */
    for (int i = 0; i < p->skill_count && w->skill_count < PW_INDEX_TAGS_MAX / 2; i++) {
        uint32_t id = tag_lookup(ix, p->skills[i], 1);
        if (id != 0)
            w->tags[w->skill_count++] = (uint16_t)id;
    }
    for (int i = 0; i < p->category_count && w->category_count < PW_INDEX_TAGS_MAX / 2; i++) {
        uint32_t id = tag_lookup(ix, p->categories[i], 1);
        if (id != 0)
            w->tags[w->skill_count + w->category_count++] = (uint16_t)id;
    }
    int count = w->skill_count + w->category_count;
    for (int i = 0; i < count; i++) {
        if ((h->flags & PW_IW_BASE) && list_add(ix, w->cell, w->tags[i], slot) != PW_OK)
            return PW_ENOMEM;
        if ((h->flags & PW_IW_REMOTE) && list_add(ix, PW_INDEX_REMOTE_CELL, w->tags[i], slot) != PW_OK)
            return PW_ENOMEM;
    }
    if (h->flags & PW_IW_BASE)
        ix->radius_counts[h->radius_km]++;
    return slot;
}

void pw_index_remove(pw_index *ix, int64_t user_id)
{
    int32_t slot = u64map_get(&ix->users, (uint64_t)user_id);
    if (slot < 0)
        return;
    unlist(ix, slot);
    ix->hot[slot].flags = 0;
    u64map_delete(&ix->users, (uint64_t)user_id);
    ix->free_slots[ix->free_count++] = slot;
    ix->live--;
}

int32_t pw_index_find(const pw_index *ix, int64_t user_id) { return u64map_get(&ix->users, (uint64_t)user_id); }
pw_index_worker *pw_index_slot(pw_index *ix, int32_t slot) { return &ix->slots[slot]; }
pw_index_hot *pw_index_hot_slot(pw_index *ix, int32_t slot) { return &ix->hot[slot]; }
pw_index_worker *pw_index_slots(pw_index *ix) { return ix->slots; }
pw_index_hot *pw_index_hots(pw_index *ix) { return ix->hot; }

void pw_index_add_busy(pw_index *ix, int32_t slot, int local_delta, int remote_delta)
{
    pw_index_hot *h = &ix->hot[slot];
    int local = pw_hot_busy_local(h) + local_delta, remote = pw_hot_busy_remote(h) + remote_delta;
    local = local < 0 ? 0 : local > 15 ? 15 : local;
    remote = remote < 0 ? 0 : remote > 15 ? 15 : remote;
    h->busy = (uint8_t)(local << 4 | remote);
}

void pw_index_shrink(pw_index *ix)
{
    for (int32_t i = 0; i < ix->list_count; i++) {
        list *l = &ix->lists[i];
        list_compact(ix, l);
        if (l->len == 0 || l->len == l->cap)
            continue;
        pw_index_entry *e = realloc(l->entries, l->len * sizeof(*e));
        if (e != NULL) {
            l->entries = e;
            l->cap = l->len;
        }
    }
}
size_t pw_index_count(const pw_index *ix) { return ix->live; }

int pw_index_max_radius_km(const pw_index *ix)
{
    for (int r = PW_RADIUS_MAX_KM; r > 0; r--)
        if (ix->radius_counts[r] > 0)
            return r;
    return 0;
}

size_t pw_index_memory_bytes(const pw_index *ix)
{
    size_t bytes = sizeof(*ix) +
                   (size_t)ix->slot_cap * (sizeof(pw_index_worker) + sizeof(pw_index_hot) + sizeof(int32_t));
    bytes += (ix->users.cap + ix->list_of.cap + ix->tag_ids.cap) * (sizeof(uint64_t) + sizeof(int32_t));
    bytes += (size_t)ix->list_cap * sizeof(list);
    for (int32_t i = 0; i < ix->list_count; i++)
        bytes += ix->lists[i].cap * sizeof(pw_index_entry);
    return bytes;
}
