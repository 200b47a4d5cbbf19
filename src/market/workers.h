/* workers.h — worker profiles, availability, and the public view of a user.
 *
 * A worker's profile says what they do (skills, categories), where (remote, and/or a
 * base location with a radius) and whether they are active. The exact location is
 * private: it is used for dispatch and never leaves the server; the public profile shows
 * an area rounded to a 0.1-degree grid (about 11 km). */
#ifndef PW_WORKERS_H
#define PW_WORKERS_H
#include <jansson.h>
#include <stdint.h>

#include "base/error.h"
#include "base/limits.h"
#include "store/db.h"

typedef struct pw_tags {
    int count;
    char tag[PW_TAGS_MAX][4 * PW_TAG_MAX_CHARS + 1]; /* lower-cased, trimmed */
} pw_tags;

typedef struct pw_location {
    int present;            /* 0: none (remote only) */
    int64_t lat_e6, lon_e6; /* micro-degrees */
} pw_location;

typedef struct pw_worker_profile {
    char bio[4 * PW_BIO_MAX_CHARS + 1];
    pw_tags skills, categories;
    int remote;
    pw_location location;
    int radius_km;
} pw_worker_profile;

/* Parses a tag list field ("skills"): array of 1..40-char strings, at most PW_TAGS_MAX,
 * lower-cased, duplicates dropped. required: missing is 422. */
int pw_tags_parse(json_t *obj, const char *field, int required, pw_tags *out, pw_error *err);
json_t *pw_tags_json(const pw_tags *tags);
/* The tags of a stored JSON array (strings past the limits skipped): PW_OK, or PW_EREFUSED
 * if the text is not a JSON array. */
int pw_tags_from_json_text(const char *text, pw_tags *out);
/* {lat, lon} or null. */
int pw_location_parse(json_t *obj, const char *field, pw_location *out, pw_error *err);

int pw_worker_profile_parse(json_t *body, pw_worker_profile *out, pw_error *err);
/* Writer: inserts or replaces the profile (needs the worker role; checked by the route). */
int pw_worker_profile_save(pw_db *db, int64_t user_id, const pw_worker_profile *p, int64_t now_ms);
/* Writer: sets active; returns the row's active_since in *since_out. PW_OK; PW_EREFUSED
 * with 409 profile_required if the worker has no profile yet; or the database's code. */
int pw_worker_set_active(pw_db *db, int64_t user_id, int active, int64_t now_ms, int64_t *since_out, pw_error *err);
/* Writer: the worker's own changes (PUT /me/worker, POST /me/availability), saved as
 * above and told to the dispatcher under policy p: the worker is re-read into the dispatch
 * index after the commit, and one going inactive leaves it at once. */
struct pw_market_policy;
int pw_worker_change_profile(pw_db *db, const struct pw_market_policy *p, int64_t user_id,
                             const pw_worker_profile *profile, int64_t now_ms);
int pw_worker_change_availability(pw_db *db, const struct pw_market_policy *p, int64_t user_id, int active,
                                  int64_t now_ms, int64_t *since_out, pw_error *err);
/* Writer: an active worker was heard from (a request on their session) at now_ms: the
 * heartbeat that keeps them active (a silent worker is set inactive, docs/ARCHITECTURE.md). */
int pw_worker_heard(pw_db *db, int64_t user_id, int64_t now_ms);
/* The private view (for the worker): everything, location included. NULL if no profile. */
json_t *pw_worker_profile_json(pw_db *db, int64_t user_id);
/* The public view of any user (404 -> NULL). Never e-mail, never exact location. */
json_t *pw_user_public_json(pw_db *db, int64_t user_id);
/* {score, rating_count, reliability:{…}, verification_level} (NULL if no such user). */
json_t *pw_user_reputation_json(pw_db *db, int64_t user_id);

#endif
