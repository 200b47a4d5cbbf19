/* places.h — the gazetteer: places by name, and the place nearest a point (issue 14).
 *
 * Loaded once at start from the TSV scripts/build_places.mjs writes (--places; one place a
 * line: name, folded name, country code, admin code, lat, lon, population), then read-only:
 * any number of threads may query one table at once. Pure: no I/O past the load.
 *
 * FOLDING. A query matches a place when the query, folded, is a prefix of the place's folded
 * name. Both are folded by the same function, base/fold's pw_fold (utf8proc: compatibility
 * decomposition, full case folding, marks removed, ø đ ł ı æ œ þ by hand): each name at load
 * and each query as it comes, so the two cannot disagree, in any script: "München",
 * "munchen" and "MÜNCHEN" all fold to "munchen", "МОСКВА" to "москва". The file's second
 * column is the build script's fold of the name (the same rule in JavaScript), kept for
 * people and tools reading the file; the server does not rely on it.
 *
 * PREFIX QUERIES: an index of the rows sorted by folded name; a binary search finds the range
 * of names with the prefix, and the range is walked keeping the `limit` most populous (ties:
 * the file's order). One letter is the widest range (~10k rows of ~135k).
 *
 * NEAREST: each place is kept as a unit vector; the nearest by great circle is the largest
 * dot product with the point's. A scan of every row, 3 multiplications each (measured in
 * docs/internals/places.md). */
#ifndef PW_PLACES_H
#define PW_PLACES_H
#include <stddef.h>
#include <stdint.h>

#include "base/limits.h"

typedef struct pw_place {
    const char *name;    /* as written, UTF-8 */
    const char *folded;  /* what a query is matched against */
    const char *country; /* ISO 3166 alpha-2 */
    const char *admin;   /* GeoNames admin1 code, may be "" */
    double lat, lon;     /* degrees */
    int64_t population;
    double x, y, z; /* unit vector, for pw_places_nearest */
} pw_place;

typedef struct pw_places pw_places;

typedef struct pw_places_stats {
    int64_t loaded;  /* rows kept */
    int64_t skipped; /* bad lines (fields missing, too long, not numbers, out of range) and rows past PW_PLACES_MAX */
} pw_places_stats;

/* Parses `text` (len bytes, a copy is kept) into a new table in *out. PW_OK (even with
 * every line bad: an empty table), PW_ENOMEM, PW_EINVAL (len past PW_PLACES_FILE_MAX_BYTES). */
int pw_places_parse(const char *text, size_t len, pw_places **out, pw_places_stats *stats);
/* Reads and parses the file at `path`. PW_OK, PW_ENOMEM, PW_EREFUSED (cannot open or read
 * it, or it is larger than PW_PLACES_FILE_MAX_BYTES). */
int pw_places_load(const char *path, pw_places **out, pw_places_stats *stats);
void pw_places_free(pw_places *places);
int64_t pw_places_count(const pw_places *places);

/* Folds `in` (UTF-8) into out (NUL-terminated) with pw_fold. Returns the folded length, or
 * PW_EREFUSED when it is not UTF-8 or does not fit in out_size, or PW_ENOMEM. */
int pw_places_fold(const char *in, char *out, size_t out_size);

/* The places whose folded name starts with `folded_prefix` (already folded), most populous
 * first, at most `limit` (1..PW_PLACES_LIMIT_MAX) of them into out. Returns how many. */
int pw_places_prefix(const pw_places *places, const char *folded_prefix, int limit, const pw_place **out);
/* The `limit` places nearest (lat, lon), nearest first. Returns how many. */
int pw_places_nearest(const pw_places *places, double lat, double lon, int limit, const pw_place **out);

#endif
