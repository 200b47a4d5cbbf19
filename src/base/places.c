/* places.c — the gazetteer table (places.h): parse, fold, prefix and nearest queries. */
#include "base/places.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/error.h"
#include "base/fold.h"
#include "base/limits.h"

#define FIELDS 7

struct pw_places {
    char *text;        /* the file, its tabs and newlines made NULs: the fields point into it */
    pw_place *rows;    /* in the file's order */
    char *folds;       /* the names folded by pw_fold, NUL after each: rows[].folded point into it */
    uint32_t *by_name; /* row indexes sorted by folded name, then row */
    int64_t count;
    int by_population; /* the rows are most populous first (the script writes them so) */
};

/* ---- folding ------------------------------------------------------------------------ */

int pw_places_fold(const char *in, char *out, size_t out_size)
{
    size_t n = 0;
    int rc = pw_fold(in, strlen(in), out, out_size, &n, NULL);
    return rc == PW_OK ? (int)n : rc;
}

/* Each row's name folded by pw_fold into one block, t->folds; a name it refuses (it cannot:
 * the rows are checked UTF-8 and short) keeps the script's folded column. */
static int fold_names(pw_places *t)
{
    pw_buf folds;
    pw_buf_init(&folds);
    size_t *at = malloc((size_t)(t->count ? t->count : 1) * sizeof(*at));
    int rc = at ? PW_OK : PW_ENOMEM;
    for (int64_t i = 0; rc == PW_OK && i < t->count; i++) {
        char folded[4 * PW_PLACE_NAME_MAX_BYTES + 1]; /* NFKD may lengthen a name; not past this */
        size_t n = 0;
        at[i] = SIZE_MAX;
        if (pw_fold(t->rows[i].name, strlen(t->rows[i].name), folded, sizeof(folded), &n, NULL) != PW_OK)
            continue;
        at[i] = folds.len;
        rc = pw_buf_append(&folds, folded, n + 1);
    }
    if (rc == PW_OK) {
        t->folds = folds.data; /* the block is the table's now */
        for (int64_t i = 0; i < t->count; i++)
            if (at[i] != SIZE_MAX)
                t->rows[i].folded = t->folds + at[i];
    } else {
        pw_buf_cleanup(&folds);
    }
    free(at);
    return rc;
}

/* ---- loading ------------------------------------------------------------------------ */

static int parse_double(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !(v >= lo && v <= hi))
        return PW_EREFUSED;
    *out = v;
    return 0;
}

/* Well-formed UTF-8 (shortest forms, no surrogates): what a JSON answer can carry. */
static int utf8_ok(const unsigned char *p)
{
    while (*p) {
        int n = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2 : (*p & 0xF8) == 0xF0 ? 3 : -1;
        if (n < 0 || (n == 1 && *p < 0xC2))
            return 0;
        unsigned cp = n == 0 ? *p : *p & (0x3Fu >> n);
        for (int i = 1; i <= n; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i] & 0x3Fu);
        }
        if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
            return 0;
        p += n + 1;
    }
    return 1;
}

static int parse_row(char *line, pw_place *row)
{
    char *f[FIELDS];
    int n = 0;
    char *p = line;
    f[n++] = p;
    for (; *p; p++) {
        if (*p == '\t') {
            if (n == FIELDS)
                return PW_EREFUSED;
            *p = '\0';
            f[n++] = p + 1;
        }
    }
    if (n != FIELDS)
        return PW_EREFUSED;
    for (int i = 0; i < FIELDS; i++)
        if (strlen(f[i]) > PW_PLACE_NAME_MAX_BYTES || !utf8_ok((const unsigned char *)f[i]))
            return PW_EREFUSED;
    if (f[0][0] == '\0' || f[1][0] == '\0' || f[2][0] == '\0')
        return PW_EREFUSED;
    if (parse_double(f[4], -90, 90, &row->lat) != 0 || parse_double(f[5], -180, 180, &row->lon) != 0)
        return PW_EREFUSED;
    char *end;
    errno = 0;
    long long pop = strtoll(f[6], &end, 10);
    if (errno != 0 || end == f[6] || *end != '\0' || pop < 0)
        return PW_EREFUSED;
    row->name = f[0];
    row->folded = f[1];
    row->country = f[2];
    row->admin = f[3];
    row->population = pop;
    double la = row->lat * (M_PI / 180), lo = row->lon * (M_PI / 180);
    row->x = cos(la) * cos(lo);
    row->y = cos(la) * sin(lo);
    row->z = sin(la);
    return 0;
}

static const pw_place *sort_rows; /* qsort has no context argument; the load is single-threaded */

static int by_name_cmp(const void *a, const void *b)
{
    uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
    int c = strcmp(sort_rows[i].folded, sort_rows[j].folded);
    return c != 0 ? c : (i < j ? -1 : i > j);
}

int pw_places_parse(const char *text, size_t len, pw_places **out, pw_places_stats *stats)
{
    *out = NULL;
    if (stats)
        *stats = (pw_places_stats){0, 0};
    if (len > PW_PLACES_FILE_MAX_BYTES)
        return PW_EINVAL;
    pw_places *t = calloc(1, sizeof(*t));
    if (!t || !(t->text = malloc(len + 1))) {
        free(t);
        return PW_ENOMEM;
    }
    memcpy(t->text, text, len);
    t->text[len] = '\0';
    int64_t lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += t->text[i] == '\n';
    lines++;
    if (lines > PW_PLACES_MAX)
        lines = PW_PLACES_MAX;
    t->rows = malloc((size_t)lines * sizeof(*t->rows));
    if (!t->rows) {
        pw_places_free(t);
        return PW_ENOMEM;
    }
    int64_t skipped = 0;
    char *p = t->text, *stop = t->text + len;
    while (p < stop) {
        char *nl = memchr(p, '\n', (size_t)(stop - p));
        char *next = nl ? nl + 1 : stop;
        if (nl)
            *nl = '\0';
        if (nl && nl > p && nl[-1] == '\r')
            nl[-1] = '\0';
        if (*p != '\0') { /* an empty line is not a place, nor a bad one */
            if (t->count < PW_PLACES_MAX && parse_row(p, &t->rows[t->count]) == 0)
                t->count++;
            else
                skipped++;
        }
        p = next;
    }
    int rc = fold_names(t);
    if (rc != PW_OK) {
        pw_places_free(t);
        return rc;
    }
    t->by_population = 1;
    for (int64_t i = 1; i < t->count && t->by_population; i++)
        t->by_population = t->rows[i - 1].population >= t->rows[i].population;
    t->by_name = malloc((size_t)(t->count ? t->count : 1) * sizeof(*t->by_name));
    if (!t->by_name) {
        pw_places_free(t);
        return PW_ENOMEM;
    }
    for (int64_t i = 0; i < t->count; i++)
        t->by_name[i] = (uint32_t)i;
    sort_rows = t->rows;
    qsort(t->by_name, (size_t)t->count, sizeof(*t->by_name), by_name_cmp);
    sort_rows = NULL;
    if (stats)
        *stats = (pw_places_stats){t->count, skipped};
    *out = t;
    return PW_OK;
}

int pw_places_load(const char *path, pw_places **out, pw_places_stats *stats)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return PW_EREFUSED;
    char *buf = NULL;
    size_t len = 0;
    int rc = PW_EREFUSED;
    if (fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        if (size >= 0 && size <= PW_PLACES_FILE_MAX_BYTES && fseek(f, 0, SEEK_SET) == 0) {
            buf = malloc((size_t)size + 1);
            if (!buf)
                rc = PW_ENOMEM;
            else if ((len = fread(buf, 1, (size_t)size, f)) == (size_t)size && !ferror(f))
                rc = PW_OK;
        }
    }
    fclose(f);
    if (rc == PW_OK)
        rc = pw_places_parse(buf, len, out, stats);
    free(buf);
    return rc == PW_EINVAL ? PW_EREFUSED : rc;
}

void pw_places_free(pw_places *places)
{
    if (!places)
        return;
    free(places->by_name);
    free(places->rows);
    free(places->folds);
    free(places->text);
    free(places);
}

int64_t pw_places_count(const pw_places *places) { return places ? places->count : 0; }

/* ---- queries ------------------------------------------------------------------------ */

/* Keeps out[0..*n) the best `limit` seen so far, highest score first (ties: the first seen). */
static void keep(const pw_place **out, int *n, int limit, const pw_place *p, double score, double *scores)
{
    if (*n == limit && score <= scores[*n - 1])
        return;
    int i = *n < limit ? (*n)++ : limit - 1;
    while (i > 0 && score > scores[i - 1]) {
        out[i] = out[i - 1];
        scores[i] = scores[i - 1];
        i--;
    }
    out[i] = p;
    scores[i] = score;
}

int pw_places_prefix(const pw_places *places, const char *folded_prefix, int limit, const pw_place **out)
{
    if (!places || limit < 1 || places->count == 0)
        return 0;
    if (limit > PW_PLACES_LIMIT_MAX)
        limit = PW_PLACES_LIMIT_MAX;
    size_t plen = strlen(folded_prefix);
    /* first row whose folded name is >= the prefix */
    int64_t lo = 0, hi = places->count;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (strcmp(places->rows[places->by_name[mid]].folded, folded_prefix) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* and the first past the names that start with it */
    int64_t end_lo = lo, end_hi = places->count;
    while (end_lo < end_hi) {
        int64_t mid = end_lo + (end_hi - end_lo) / 2;
        if (strncmp(places->rows[places->by_name[mid]].folded, folded_prefix, plen) == 0)
            end_lo = mid + 1;
        else
            end_hi = mid;
    }
    double scores[PW_PLACES_LIMIT_MAX];
    int n = 0;
    int64_t range = end_lo - lo;
    if (places->by_population && range > PW_PLACES_WIDE_PREFIX_ROWS) {
        /* A wide range (a letter or two): the rows in the file's order are the answer's order,
         * and a match turns up about every count / range rows, so the first `limit` matches
         * come after some limit * count / range rows (under 3,000 of 135k for one letter)
         * rather than the whole range's. */
        for (int64_t r = 0; r < places->count && n < limit; r++)
            if (strncmp(places->rows[r].folded, folded_prefix, plen) == 0)
                out[n++] = &places->rows[r];
        return n;
    }
    for (int64_t k = lo; k < end_lo; k++) {
        uint32_t r = places->by_name[k];
        /* most populous first, then the file's order: the score orders both at once */
        double score = (double)places->rows[r].population - (double)r / (double)(places->count + 1);
        keep(out, &n, limit, &places->rows[r], score, scores);
    }
    return n;
}

int pw_places_nearest(const pw_places *places, double lat, double lon, int limit, const pw_place **out)
{
    if (!places || limit < 1 || places->count == 0)
        return 0;
    if (limit > PW_PLACES_LIMIT_MAX)
        limit = PW_PLACES_LIMIT_MAX;
    double la = lat * (M_PI / 180), lo = lon * (M_PI / 180);
    double x = cos(la) * cos(lo), y = cos(la) * sin(lo), z = sin(la);
    double scores[PW_PLACES_LIMIT_MAX];
    int n = 0;
    for (int64_t i = 0; i < places->count; i++) {
        const pw_place *p = &places->rows[i];
        double dot = p->x * x + p->y * y + p->z * z;
        keep(out, &n, limit, p, dot, scores);
    }
    return n;
}
