/* searching.c — the search index fed from the database, the blend, the price estimate
 * (see searching.h). */
#include "market/searching.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/fold.h"
#include "base/geo.h"
#include "base/log.h"
#include "market/workers.h"

/* One worker's ranking figures, kept beside the text (sorted by id). */
typedef struct figures_row {
    int64_t id;
    uint8_t remote, active, has_area, seen; /* seen: a rebuild's mark */
    int32_t area_lat_e6, area_lon_e6;       /* the public area's centre, never the base */
    int64_t acked, completed, on_time;
    int category_count;
    uint64_t category[PW_TAGS_MAX]; /* pw_searching_tag_hash of each folded category */
} figures_row;

struct pw_searching {
    pw_search *index;
    const pw_places *places;
    pthread_rwlock_t lock; /* index and rows change together under it (the writer) */
    figures_row *rows;
    size_t count, cap;
    pthread_mutex_t dirty_lock;
    int64_t dirty[PW_SEARCH_DIRTY_MAX];
    int dirty_count, dirty_overflow;
};

uint64_t pw_searching_tag_hash(const char *folded)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)folded; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return h;
}

int pw_searching_new(const char *synonyms_path, const pw_places *places, pw_searching **out)
{
    pw_searching *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return PW_ENOMEM;
    pw_search_synonyms *syn = NULL;
    pw_error err;
    if (pw_search_synonyms_load(synonyms_path, &syn, &err) != PW_OK) {
        pw_log_warn("msg=\"search synonyms not loaded: searching without them\" path=\"%s\" error=\"%s\"",
                    synonyms_path, err.message);
        syn = NULL;
    }
    if (pw_search_new(NULL, syn, &s->index) != PW_OK) {
        free(s);
        return PW_ENOMEM;
    }
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&s->lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    pthread_mutex_init(&s->dirty_lock, NULL);
    s->places = places;
    *out = s;
    return PW_OK;
}

void pw_searching_free(pw_searching *s)
{
    if (s == NULL)
        return;
    pw_search_free(s->index);
    pthread_rwlock_destroy(&s->lock);
    pthread_mutex_destroy(&s->dirty_lock);
    free(s->rows);
    free(s);
}

void pw_searching_touch(pw_searching *s, int64_t user_id)
{
    if (s == NULL)
        return;
    pthread_mutex_lock(&s->dirty_lock);
    if (s->dirty_count < PW_SEARCH_DIRTY_MAX)
        s->dirty[s->dirty_count++] = user_id;
    else
        s->dirty_overflow = 1;
    pthread_mutex_unlock(&s->dirty_lock);
}

/* ---- the rows -------------------------------------------------------------------------- */

/* The row of id, or where it would go. */
static size_t row_find(const pw_searching *s, int64_t id, int *found)
{
    size_t lo = 0, hi = s->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->rows[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < s->count && s->rows[lo].id == id;
    return lo;
}

static const figures_row *row_get(const pw_searching *s, int64_t id)
{
    int found;
    size_t at = row_find(s, id, &found);
    return found ? &s->rows[at] : NULL;
}

/* Under the exclusive lock: puts row r (replacing the one with its id). */
static int row_put(pw_searching *s, const figures_row *r)
{
    int found;
    size_t at = row_find(s, r->id, &found);
    if (!found) {
        if (s->count == s->cap) {
            size_t cap = s->cap ? s->cap * 2 : 256;
            figures_row *rows = realloc(s->rows, cap * sizeof(*rows));
            if (rows == NULL)
                return PW_ENOMEM;
            s->rows = rows;
            s->cap = cap;
        }
        memmove(&s->rows[at + 1], &s->rows[at], (s->count - at) * sizeof(*s->rows));
        s->count++;
    }
    s->rows[at] = *r;
    return PW_OK;
}

static void row_remove(pw_searching *s, int64_t id)
{
    int found;
    size_t at = row_find(s, id, &found);
    if (!found)
        return;
    memmove(&s->rows[at], &s->rows[at + 1], (s->count - at - 1) * sizeof(*s->rows));
    s->count--;
}

/* ---- reading workers -------------------------------------------------------------------- */

#define SQL_COLUMNS                                                                                            \
    "SELECT w.user_id, w.bio, w.skills, w.categories, w.remote, w.lat_e6, w.lon_e6, w.active, w.acked_count, " \
    "w.completed_count, w.on_time_count FROM worker_profiles w JOIN users u ON u.id = w.user_id "              \
    "WHERE (u.roles & 2) != 0 AND u.deleted_at IS NULL "
static const char SQL_ALL[] = SQL_COLUMNS "AND ?1 = 0";
static const char SQL_ONE[] = SQL_COLUMNS "AND w.user_id = ?1";

/* Joins tags by ", " into out (sized for PW_TAGS_MAX tags). */
static void join_tags(const pw_tags *t, char *out, size_t size)
{
    size_t n = 0;
    out[0] = '\0';
    for (int i = 0; i < t->count; i++)
        n += (size_t)snprintf(out + n, size - n, "%s%s", i ? ", " : "", t->tag[i]);
}

typedef struct text_buf {
    char skills[PW_TAGS_MAX * (4 * PW_TAG_MAX_CHARS + 2) + 1];
    char categories[PW_TAGS_MAX * (4 * PW_TAG_MAX_CHARS + 2) + 1];
    pw_tags tags;
} text_buf;

/* Reads the row into the document and the figures, and puts both under the lock. */
static int put_row(pw_searching *s, pw_stmt *st, text_buf *tb)
{
    figures_row r = {.id = pw_stmt_column_int64(st, 0),
                     .remote = (uint8_t)(pw_stmt_column_int64(st, 4) != 0),
                     .active = (uint8_t)(pw_stmt_column_int64(st, 7) != 0),
                     .has_area = (uint8_t)!pw_stmt_column_is_null(st, 5),
                     .seen = 1,
                     .acked = pw_stmt_column_int64(st, 8),
                     .completed = pw_stmt_column_int64(st, 9),
                     .on_time = pw_stmt_column_int64(st, 10)};
    const char *area_name = "";
    if (r.has_area) {
        int64_t lat, lon;
        pw_geo_public_area(pw_stmt_column_int64(st, 5), pw_stmt_column_int64(st, 6), &lat, &lon);
        r.area_lat_e6 = (int32_t)lat;
        r.area_lon_e6 = (int32_t)lon;
        const pw_place *near[1];
        if (s->places != NULL && pw_places_nearest(s->places, (double)lat / 1e6, (double)lon / 1e6, 1, near) == 1)
            area_name = near[0]->name; /* the public area's place: named from its centre alone */
    }
    pw_tags_from_json_text(pw_stmt_column_text(st, 2), &tb->tags);
    join_tags(&tb->tags, tb->skills, sizeof(tb->skills));
    pw_tags_from_json_text(pw_stmt_column_text(st, 3), &tb->tags);
    join_tags(&tb->tags, tb->categories, sizeof(tb->categories));
    for (int i = 0; i < tb->tags.count; i++) {
        char folded[PW_SEARCH_CATEGORY_MAX_BYTES * 2];
        if (pw_fold(tb->tags.tag[i], strlen(tb->tags.tag[i]), folded, sizeof(folded), NULL, NULL) == PW_OK)
            r.category[r.category_count++] = pw_searching_tag_hash(folded);
    }
    pw_search_doc doc = {.id = r.id,
                         .field = {[PW_SEARCH_FIELD_SKILLS] = tb->skills,
                                   [PW_SEARCH_FIELD_CATEGORIES] = tb->categories,
                                   [PW_SEARCH_FIELD_BIO] = pw_stmt_column_text(st, 1),
                                   [PW_SEARCH_FIELD_AREA] = area_name}};
    pthread_rwlock_wrlock(&s->lock);
    int rc = pw_search_put(s->index, &doc);
    if (rc == PW_EREFUSED) { /* a field the index cannot take: the worker is not found by text */
        pw_log_warn("msg=\"search index refused a profile\" user_id=%lld", (long long)r.id);
        pw_search_remove(s->index, r.id);
        row_remove(s, r.id);
        rc = PW_OK;
    } else if (rc == PW_OK) {
        rc = row_put(s, &r);
        if (rc != PW_OK)
            pw_search_remove(s->index, r.id);
    }
    pthread_rwlock_unlock(&s->lock);
    return rc;
}

/* Reads one worker (user_id) or all (0); *found counts them. */
static int load(pw_searching *s, pw_db *db, int64_t user_id, int *found)
{
    text_buf *tb = malloc(sizeof(*tb));
    if (tb == NULL)
        return PW_ENOMEM;
    pw_stmt *st = pw_db_stmt(db, user_id != 0 ? SQL_ONE : SQL_ALL);
    pw_stmt_int64(st, 1, user_id);
    int rc, count = 0;
    while ((rc = pw_stmt_step(st)) == PW_ROW) {
        if ((rc = put_row(s, st, tb)) != PW_OK)
            break;
        count++;
    }
    pw_stmt_done(st);
    free(tb);
    *found = count;
    return rc == PW_DONE ? PW_OK : rc;
}

/* Reads every worker again; rows no longer there leave. */
static int rebuild(pw_searching *s, pw_db *db, int *count)
{
    pthread_rwlock_wrlock(&s->lock);
    for (size_t i = 0; i < s->count; i++)
        s->rows[i].seen = 0;
    pthread_rwlock_unlock(&s->lock);
    int rc = load(s, db, 0, count);
    if (rc != PW_OK)
        return rc;
    pthread_rwlock_wrlock(&s->lock);
    size_t kept = 0;
    for (size_t i = 0; i < s->count; i++) {
        if (s->rows[i].seen)
            s->rows[kept++] = s->rows[i];
        else
            pw_search_remove(s->index, s->rows[i].id);
    }
    s->count = kept;
    pthread_rwlock_unlock(&s->lock);
    return PW_OK;
}

int pw_searching_load(pw_searching *s, pw_db *db)
{
    int count = 0;
    int rc = rebuild(s, db, &count);
    if (rc == PW_OK) {
        pw_search_stats st;
        pw_search_stats_get(s->index, &st);
        pw_log_info("msg=\"search index built\" workers=%d terms=%zu bytes=%zu", count, st.terms, st.memory_bytes);
    }
    return rc;
}

int pw_searching_refresh(pw_searching *s, pw_db *db)
{
    int64_t ids[PW_SEARCH_DIRTY_MAX];
    pthread_mutex_lock(&s->dirty_lock);
    int n = s->dirty_count, overflow = s->dirty_overflow;
    memcpy(ids, s->dirty, (size_t)n * sizeof(ids[0]));
    s->dirty_count = 0;
    s->dirty_overflow = 0;
    pthread_mutex_unlock(&s->dirty_lock);
    if (overflow) {
        int count = 0;
        return rebuild(s, db, &count);
    }
    int rc = PW_OK;
    for (int i = 0; i < n && rc == PW_OK; i++) {
        int dup = 0;
        for (int j = 0; j < i && !dup; j++)
            dup = ids[j] == ids[i];
        if (dup)
            continue;
        int found = 0;
        rc = load(s, db, ids[i], &found);
        if (rc == PW_OK && !found) {
            pthread_rwlock_wrlock(&s->lock);
            pw_search_remove(s->index, ids[i]);
            row_remove(s, ids[i]);
            pthread_rwlock_unlock(&s->lock);
        }
    }
    return rc;
}

/* ---- the query: filter and blend ----------------------------------------------------------- */

typedef struct query_ctx {
    const pw_searching *s;
    const pw_searching_params *q;
} query_ctx;

/* The figures of r for query q. */
static void figures_of(const figures_row *r, const pw_searching_params *q, pw_searching_figures *f)
{
    memset(f, 0, sizeof(*f));
    f->remote = r->remote;
    f->active = r->active;
    f->has_area = r->has_area;
    f->acked = r->acked;
    f->completed = r->completed;
    f->on_time = r->on_time;
    f->distance_km = -1;
    if (q->has_point && r->has_area) {
        /* the shown distance, banded, from the public area's centre: a function of the cell */
        f->distance_km = pw_geo_shown_distance_km(q->lat_e6, q->lon_e6, r->area_lat_e6, r->area_lon_e6);
        f->in_radius = f->distance_km <= q->radius_km;
        if (f->in_radius)
            f->proximity = 1.0 / (1.0 + f->distance_km / PW_SEARCHING_DISTANCE_KM);
    }
    /* Laplace-smoothed completion and on-time rates: 0.5 each with no record */
    double completion = (double)(r->completed + 1) / (double)(r->acked + 2);
    double on_time = (double)(r->on_time + 1) / (double)(r->completed + 2);
    if (completion > 1)
        completion = 1;
    if (on_time > 1)
        on_time = 1;
    f->reliability = (completion + on_time) / 2;
}

static int keep(int64_t id, void *ctx)
{
    const query_ctx *c = ctx;
    const figures_row *r = row_get(c->s, id);
    if (r == NULL)
        return 0;
    const pw_searching_params *q = c->q;
    if (q->active_only && !r->active)
        return 0;
    if (q->remote == 1 && !r->remote)
        return 0;
    if (q->remote == 0 && !r->has_area)
        return 0;
    if (q->has_category) {
        int hit = 0;
        for (int i = 0; i < r->category_count && !hit; i++)
            hit = r->category[i] == q->category_hash;
        if (!hit)
            return 0;
    }
    if (q->has_point) { /* local work within the radius (shown distance), or remote work unless local asked */
        pw_searching_figures f;
        figures_of(r, q, &f);
        if (!f.in_radius && !(r->remote && q->remote != 0))
            return 0;
    }
    return 1;
}

static double blend(int64_t id, double text_score, void *ctx)
{
    const query_ctx *c = ctx;
    const figures_row *r = row_get(c->s, id);
    pw_assert(r != NULL); /* the filter kept it */
    pw_searching_figures f;
    figures_of(r, c->q, &f);
    double factor = PW_SEARCHING_W_BASE + PW_SEARCHING_W_RELIABILITY * f.reliability +
                    PW_SEARCHING_W_PRESENCE * f.active + PW_SEARCHING_W_DISTANCE * f.proximity;
    pw_assert(factor <= PW_SEARCHING_BLEND_BOUND + 1e-12); /* the rank_bound the engine prunes by */
    return text_score * factor;
}

int pw_searching_query(pw_searching *s, const pw_searching_params *q, pw_searching_answer *out, pw_error *err)
{
    query_ctx c = {.s = s, .q = q};
    pw_search_query sq = {.text = q->text,
                          .prefix_last = q->prefix_last,
                          .limit = q->limit,
                          .after = q->after,
                          .after_score = q->after_score,
                          .after_id = q->after_id,
                          .filter = keep,
                          .filter_ctx = &c,
                          .rank = blend,
                          .rank_ctx = &c,
                          .rank_bound = PW_SEARCHING_BLEND_BOUND};
    pthread_rwlock_rdlock(&s->lock);
    int rc = pw_search_run(s->index, &sq, &out->result, err);
    if (rc == PW_OK) {
        for (int i = 0; i < out->result.hit_count; i++) {
            const figures_row *r = row_get(s, out->result.hit[i].id);
            pw_assert(r != NULL);
            figures_of(r, q, &out->figures[i]);
        }
    }
    pthread_rwlock_unlock(&s->lock);
    return rc;
}

/* ---- the price estimate --------------------------------------------------------------------- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The q-th quantile (0..1) of sorted v[0..n), the nearest rank. */
static int64_t quantile(const int64_t *v, int n, double q)
{
    int at = (int)(q * (n - 1) + 0.5);
    return v[at];
}

int pw_searching_price_estimate(pw_db *db, const char *category, int has_point, int64_t lat_e6, int64_t lon_e6,
                                int radius_km, json_t **estimate_out, json_t **reason_out)
{
    *estimate_out = json_null();
    *reason_out = json_null();
    if (category[0] == '\0') {
        *reason_out = json_string("no category could be told from the request, so there is nothing to compare it with");
        return PW_OK;
    }
    /* the box around the point: radius_km of latitude, and of longitude at the point's latitude */
    int64_t dlat = (int64_t)radius_km * 1000000 / 111;
    double c = cos((double)lat_e6 / 1e6 * M_PI / 180);
    int64_t dlon = (int64_t)((double)dlat / (c > 0.1 ? c : 0.1));
    pw_stmt *st = pw_db_stmt(
        db, "SELECT comp_asset, count(*) FROM (SELECT comp_asset FROM tasks WHERE status = 'completed' "
            "AND comp_kind = 'money' AND category = ?1 AND (?2 = 0 OR (lat_e6 BETWEEN ?3 AND ?4 "
            "AND lon_e6 BETWEEN ?5 AND ?6)) ORDER BY id DESC LIMIT ?7) AS recent GROUP BY comp_asset "
            "ORDER BY count(*) DESC, comp_asset LIMIT 1");
    pw_stmt_bind(st, PW_TEXT(category), PW_I64(has_point), PW_I64(lat_e6 - dlat), PW_I64(lat_e6 + dlat),
                 PW_I64(lon_e6 - dlon), PW_I64(lon_e6 + dlon), PW_I64(PW_SEARCH_PRICE_TASKS_MAX));
    char asset[16] = "";
    int64_t count = 0;
    int rc = pw_stmt_step(st);
    if (rc == PW_ROW) {
        snprintf(asset, sizeof(asset), "%s", pw_stmt_column_text(st, 0));
        count = pw_stmt_column_int64(st, 1);
    }
    pw_stmt_done(st);
    if (rc != PW_ROW && rc != PW_DONE)
        return rc;
    if (count < PW_SEARCH_PRICE_TASKS_MIN) {
        *reason_out = json_sprintf("%lld completed money task%s in %s%s so far: an estimate needs at least %d",
                                   (long long)count, count == 1 ? "" : "s", category, has_point ? " near there" : "",
                                   PW_SEARCH_PRICE_TASKS_MIN);
        return PW_OK;
    }
    int64_t *v = malloc((size_t)count * sizeof(*v));
    if (v == NULL)
        return PW_ENOMEM;
    st = pw_db_stmt(db, "SELECT comp_amount FROM (SELECT comp_amount FROM tasks WHERE status = 'completed' "
                        "AND comp_kind = 'money' AND category = ?1 AND comp_asset = ?8 AND (?2 = 0 OR "
                        "(lat_e6 BETWEEN ?3 AND ?4 AND lon_e6 BETWEEN ?5 AND ?6)) ORDER BY id DESC LIMIT ?7) AS recent "
                        "ORDER BY comp_amount");
    pw_stmt_bind(st, PW_TEXT(category), PW_I64(has_point), PW_I64(lat_e6 - dlat), PW_I64(lat_e6 + dlat),
                 PW_I64(lon_e6 - dlon), PW_I64(lon_e6 + dlon), PW_I64(PW_SEARCH_PRICE_TASKS_MAX), PW_TEXT(asset));
    int n = 0;
    while ((rc = pw_stmt_step(st)) == PW_ROW && n < count)
        v[n++] = pw_stmt_column_int64(st, 0);
    pw_stmt_done(st);
    if (rc != PW_ROW && rc != PW_DONE) {
        free(v);
        return rc;
    }
    qsort(v, (size_t)n, sizeof(*v), cmp_i64);
    if (n < PW_SEARCH_PRICE_TASKS_MIN) { /* changed between the two reads */
        free(v);
        *reason_out = json_string("too few completed money tasks in this category so far");
        return PW_OK;
    }
    *estimate_out = json_pack("{s:I, s:I, s:I, s:s, s:i, s:b, s:s}", "median", (json_int_t)quantile(v, n, 0.5), "p25",
                              (json_int_t)quantile(v, n, 0.25), "p75", (json_int_t)quantile(v, n, 0.75), "currency",
                              asset, "task_count", n, "near", has_point, "category", category);
    free(v);
    return *estimate_out ? PW_OK : PW_ENOMEM;
}
