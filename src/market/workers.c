/* workers.c — see workers.h. */
#include "market/workers.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/geo.h"
#include "base/json_util.h"
#include "base/roles.h"
#include "dispatch/engine.h"
#include "market/accounts.h"
#include "market/searching.h"
#include "market/tasks.h"

/* ---- tags and locations ---------------------------------------------------------------- */

int pw_tags_parse(json_t *obj, const char *field, int required, pw_tags *out, pw_error *err)
{
    memset(out, 0, sizeof(*out));
    json_t *arr = json_object_get(obj, field);
    if (arr == NULL || json_is_null(arr))
        return required ? pw_error_set(err, 422, "validation_failed", field, "%s is required", field) : 0;
    if (!json_is_array(arr))
        return pw_error_set(err, 400, "wrong_type", field, "%s must be an array of strings", field);
    if (json_array_size(arr) > PW_TAGS_MAX)
        return pw_error_set(err, 422, "validation_failed", field, "%s holds at most %d items", field, PW_TAGS_MAX);
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        if (!json_is_string(v))
            return pw_error_set(err, 400, "wrong_type", field, "%s must be an array of strings", field);
        char tag[4 * PW_TAG_MAX_CHARS + 1];
        json_t *wrap = json_pack("{s:O}", "t", v);
        int rc = pw_json_string_field(wrap, "t", 1, 1, PW_TAG_MAX_CHARS, 0, tag, sizeof(tag), err);
        json_decref(wrap);
        if (rc != 0) {
            err->field = field;
            return pw_error_set(err, 422, "validation_failed", field, "each of %s must be 1 to %d characters", field,
                                PW_TAG_MAX_CHARS);
        }
        char *start = tag, *end = tag + strlen(tag);
        while (*start == ' ' || *start == '\t')
            start++;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
            *--end = '\0';
        if (*start == '\0')
            return pw_error_set(err, 422, "validation_failed", field, "each of %s must not be blank", field);
        memmove(tag, start, (size_t)(end - start) + 1);
        for (char *p = tag; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        int dup = 0;
        for (int k = 0; k < out->count; k++)
            dup |= strcmp(out->tag[k], tag) == 0;
        if (!dup)
            memcpy(out->tag[out->count++], tag, strlen(tag) + 1);
    }
    if (required && out->count == 0)
        return pw_error_set(err, 422, "validation_failed", field, "%s must not be empty", field);
    return 0;
}

json_t *pw_tags_json(const pw_tags *tags)
{
    json_t *a = json_array();
    for (int i = 0; i < tags->count; i++)
        json_array_append_new(a, json_string(tags->tag[i]));
    return a;
}

int pw_tags_from_json_text(const char *text, pw_tags *out)
{
    memset(out, 0, sizeof(*out));
    json_t *arr = json_loads(text ? text : "[]", 0, NULL);
    if (!json_is_array(arr)) {
        json_decref(arr);
        return PW_EREFUSED;
    }
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        if (out->count == PW_TAGS_MAX || !json_is_string(v) || json_string_length(v) >= sizeof(out->tag[0]))
            continue;
        memcpy(out->tag[out->count++], json_string_value(v), json_string_length(v) + 1);
    }
    json_decref(arr);
    return 0;
}

static int coordinate(json_t *loc, const char *name, double limit, const char *field, int64_t *out, pw_error *err)
{
    json_t *v = json_object_get(loc, name);
    if (v == NULL)
        return pw_error_set(err, 422, "validation_failed", field, "%s.%s is required", field, name);
    if (!json_is_number(v))
        return pw_error_set(err, 400, "wrong_type", field, "%s.%s must be a number", field, name);
    double d = json_number_value(v);
    if (!isfinite(d) || d < -limit || d > limit)
        return pw_error_set(err, 422, "validation_failed", field, "%s.%s must be within ±%g", field, name, limit);
    *out = (int64_t)llround(d * 1e6);
    return 0;
}

int pw_location_parse(json_t *obj, const char *field, pw_location *out, pw_error *err)
{
    memset(out, 0, sizeof(*out));
    json_t *loc = json_object_get(obj, field);
    if (loc == NULL || json_is_null(loc))
        return 0;
    if (!json_is_object(loc))
        return pw_error_set(err, 400, "wrong_type", field, "%s must be {lat, lon} or null", field);
    int rc = coordinate(loc, "lat", 90, field, &out->lat_e6, err);
    if (rc == PW_OK)
        rc = coordinate(loc, "lon", 180, field, &out->lon_e6, err);
    if (rc != PW_OK)
        return rc;
    out->present = 1;
    return 0;
}

/* ---- profiles ------------------------------------------------------------------------------ */

int pw_worker_profile_parse(json_t *body, pw_worker_profile *out, pw_error *err)
{
    memset(out, 0, sizeof(*out));
    int rc = pw_tags_parse(body, "skills", 1, &out->skills, err);
    if (rc == PW_OK)
        rc = pw_tags_parse(body, "categories", 1, &out->categories, err);
    if (rc != PW_OK)
        return rc;
    rc = pw_json_string_field(body, "bio", 0, 0, PW_BIO_MAX_CHARS, 1, out->bio, sizeof(out->bio), err);
    if (rc < 0)
        return rc;
    json_t *remote = json_object_get(body, "remote");
    if (remote == NULL)
        return pw_error_set(err, 422, "validation_failed", "remote", "remote is required");
    if (!json_is_boolean(remote))
        return pw_error_set(err, 400, "wrong_type", "remote", "remote must be true or false");
    out->remote = json_is_true(remote);
    rc = pw_location_parse(body, "location", &out->location, err);
    if (rc != PW_OK)
        return rc;
    out->radius_km = 10;
    json_t *radius = json_object_get(body, "radius_km");
    if (radius != NULL && !json_is_null(radius)) {
        if (!json_is_integer(radius))
            return pw_error_set(err, 400, "wrong_type", "radius_km", "radius_km must be an integer");
        /* The radius is measured from the worker's place: without one (remote work only)
         * it is not used, and 0 says so. */
        json_int_t r = json_integer_value(radius);
        json_int_t least = out->location.present ? 1 : 0;
        if (r < least || r > PW_RADIUS_MAX_KM)
            return pw_error_set(err, 422, "validation_failed", "radius_km", "radius_km must be %d to %d%s", (int)least,
                                PW_RADIUS_MAX_KM, out->location.present ? " with a location" : "");
        out->radius_km = (int)r;
    }
    if (!out->remote && !out->location.present)
        return pw_error_set(err, 422, "validation_failed", "location",
                            "a worker who does not work remotely needs a location");
    return 0;
}

static int save_tags(pw_db *db, int64_t user_id, const pw_tags *tags, int kind)
{
    for (int i = 0; i < tags->count; i++) {
        pw_stmt *st = pw_db_stmt(db, "INSERT OR IGNORE INTO worker_tags (tag, kind, user_id) VALUES (?, ?, ?)");
        pw_stmt_text(st, 1, tags->tag[i]);
        pw_stmt_int64(st, 2, kind);
        pw_stmt_int64(st, 3, user_id);
        int rc = pw_stmt_run(st);
        if (rc != PW_OK)
            return rc;
    }
    return PW_OK;
}

int pw_worker_profile_save(pw_db *db, int64_t user_id, const pw_worker_profile *p, int64_t now_ms)
{
    json_t *sj = pw_tags_json(&p->skills), *cj = pw_tags_json(&p->categories);
    char *skills = json_dumps(sj, JSON_COMPACT), *cats = json_dumps(cj, JSON_COMPACT);
    json_decref(sj);
    json_decref(cj);
    pw_stmt *st = pw_db_stmt(
        db,
        "INSERT INTO worker_profiles (user_id, bio, skills, categories, remote, lat_e6, lon_e6, radius_km, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET bio = excluded.bio, "
        "skills = excluded.skills, categories = excluded.categories, remote = excluded.remote, "
        "lat_e6 = excluded.lat_e6, lon_e6 = excluded.lon_e6, radius_km = excluded.radius_km, "
        "updated_at = excluded.updated_at");
    pw_stmt_bind(st, PW_I64(user_id), PW_TEXT(p->bio), PW_TEXT(skills), PW_TEXT(cats), PW_I64(p->remote));
    if (p->location.present) {
        pw_stmt_int64(st, 6, p->location.lat_e6);
        pw_stmt_int64(st, 7, p->location.lon_e6);
    } else {
        pw_stmt_null(st, 6);
        pw_stmt_null(st, 7);
    }
    pw_stmt_int64(st, 8, p->radius_km);
    pw_stmt_int64(st, 9, now_ms);
    int rc = pw_stmt_run(st);
    free(skills);
    free(cats);
    if (rc != PW_OK)
        return rc;
    st = pw_db_stmt(db, "DELETE FROM worker_tags WHERE user_id = ?");
    pw_stmt_int64(st, 1, user_id);
    rc = pw_stmt_run(st);
    if (rc == PW_OK)
        rc = save_tags(db, user_id, &p->skills, 1);
    if (rc == PW_OK)
        rc = save_tags(db, user_id, &p->categories, 2);
    return rc;
}

int pw_worker_set_active(pw_db *db, int64_t user_id, int active, int64_t now_ms, int64_t *since_out, pw_error *err)
{
    pw_stmt *st = pw_db_stmt(
        db, "UPDATE worker_profiles SET active = ?, last_seen_at = ?, updated_at = ?, "
            "active_since = CASE WHEN ? = 1 AND active = 1 THEN active_since WHEN ? = 1 THEN ? ELSE NULL END "
            "WHERE user_id = ? RETURNING coalesce(active_since, 0)");
    pw_stmt_bind(st, PW_I64(active), PW_I64(now_ms), PW_I64(now_ms), PW_I64(active), PW_I64(active), PW_I64(now_ms),
                 PW_I64(user_id));
    int rc = pw_stmt_step(st);
    if (rc == PW_ROW)
        *since_out = pw_stmt_column_int64(st, 0);
    pw_stmt_done(st);
    if (rc == PW_DONE)
        return pw_error_set(err, 409, "profile_required", NULL, "set up your worker profile (PUT /me/worker) first");
    return rc == PW_ROW ? PW_OK : rc;
}

int pw_worker_change_profile(pw_db *db, const pw_market_policy *p, int64_t user_id, const pw_worker_profile *profile,
                             int64_t now_ms)
{
    int rc = pw_worker_profile_save(db, user_id, profile, now_ms);
    if (rc == PW_OK) {
        pw_engine_touch(p->dispatch.engine, user_id);
        pw_searching_touch(p->search, user_id);
    }
    return rc;
}

int pw_worker_change_availability(pw_db *db, const pw_market_policy *p, int64_t user_id, int active, int64_t now_ms,
                                  int64_t *since_out, pw_error *err)
{
    int rc = pw_worker_set_active(db, user_id, active, now_ms, since_out, err);
    if (rc != PW_OK)
        return rc;
    pw_searching_touch(p->search, user_id);
    if (active)
        pw_engine_touch(p->dispatch.engine, user_id);
    else
        pw_engine_remove(p->dispatch.engine, user_id);
    return 0;
}

int pw_worker_heard(pw_db *db, int64_t user_id, int64_t now_ms)
{
    pw_stmt *st = pw_db_stmt(db, "UPDATE worker_profiles SET last_seen_at = ? WHERE user_id = ? AND active = 1");
    pw_stmt_int64(st, 1, now_ms);
    pw_stmt_int64(st, 2, user_id);
    return pw_stmt_run(st);
}

static const char SQL_PROFILE[] =
    "SELECT bio, skills, categories, remote, lat_e6, lon_e6, radius_km, active, active_since, missed_acks, releases, "
    "completed_count, on_time_count, assigned_count, acked_count FROM worker_profiles WHERE user_id = ?";

json_t *pw_worker_profile_json(pw_db *db, int64_t user_id)
{
    pw_stmt *st = pw_db_stmt(db, SQL_PROFILE);
    pw_stmt_int64(st, 1, user_id);
    json_t *out = NULL;
    if (pw_stmt_step(st) == PW_ROW) {
        json_t *loc = json_null();
        if (!pw_stmt_column_is_null(st, 4))
            loc = json_pack("{s:f, s:f}", "lat", (double)pw_stmt_column_int64(st, 4) / 1e6, "lon",
                            (double)pw_stmt_column_int64(st, 5) / 1e6);
        char since[PW_RFC3339_BYTES] = "";
        if (!pw_stmt_column_is_null(st, 8))
            pw_time_format_rfc3339(pw_stmt_column_int64(st, 8), since);
        out = json_pack("{s:s, s:o, s:o, s:b, s:o, s:I, s:b, s:o}", "bio", pw_stmt_column_text(st, 0), "skills",
                        json_loads(pw_stmt_column_text(st, 1), 0, NULL), "categories",
                        json_loads(pw_stmt_column_text(st, 2), 0, NULL), "remote", (int)pw_stmt_column_int64(st, 3),
                        "location", loc, "radius_km", (json_int_t)pw_stmt_column_int64(st, 6), "active",
                        (int)pw_stmt_column_int64(st, 7), "active_since", since[0] ? json_string(since) : json_null());
    }
    pw_stmt_done(st);
    return out;
}

/* Reliability from the profile's counters: rates are null until there is something to rate. */
static json_t *reliability_json(pw_stmt *st, int first_col)
{
    int64_t missed = pw_stmt_column_int64(st, first_col), releases = pw_stmt_column_int64(st, first_col + 1);
    int64_t completed = pw_stmt_column_int64(st, first_col + 2), on_time = pw_stmt_column_int64(st, first_col + 3);
    int64_t acked = pw_stmt_column_int64(st, first_col + 5);
    json_t *completion = acked > 0 ? json_real((double)completed / (double)acked) : json_null();
    json_t *on_time_rate = completed > 0 ? json_real((double)on_time / (double)completed) : json_null();
    return json_pack("{s:o, s:o, s:I, s:I}", "completion_rate", completion, "on_time_rate", on_time_rate,
                     "release_count", (json_int_t)releases, "missed_acks", (json_int_t)missed);
}

/* What has been verified about a user. Staff status is a role, not a verification: it is
 * never published (an admin's public profile reads like anyone's), so an attacker cannot
 * pick out the accounts worth attacking. Every account has signed up with an e-mail
 * address; stronger levels are the reputation issue's. */
static const char VERIFICATION_LEVEL[] = "email";

json_t *pw_user_reputation_json(pw_db *db, int64_t user_id)
{
    pw_user_row user;
    if (pw_accounts_find_by_id(db, user_id, &user) != 1)
        return NULL;
    json_t *reliability = NULL;
    pw_stmt *st = pw_db_stmt(db, SQL_PROFILE);
    pw_stmt_int64(st, 1, user_id);
    if (pw_stmt_step(st) == PW_ROW)
        reliability = reliability_json(st, 9);
    pw_stmt_done(st);
    if (reliability == NULL)
        reliability = json_pack("{s:n, s:n, s:i, s:i}", "completion_rate", "on_time_rate", "release_count", 0,
                                "missed_acks", 0);
    return json_pack("{s:n, s:i, s:o, s:s}", "score", "rating_count", 0, "reliability", reliability,
                     "verification_level", VERIFICATION_LEVEL);
}

json_t *pw_user_public_json(pw_db *db, int64_t user_id)
{
    pw_user_row user;
    if (pw_accounts_find_by_id(db, user_id, &user) != 1)
        return NULL;
    char id[24];
    snprintf(id, sizeof(id), "%lld", (long long)user.id);
    int public_roles = user.roles & (PW_ROLE_CLIENT | PW_ROLE_WORKER);
    json_t *out = json_pack("{s:s, s:s, s:o, s:s, s:o, s:o, s:b, s:b, s:n, s:o}", "id", id, "display_name",
                            user.display_name, "roles", pw_accounts_roles_json(public_roles), "bio", "", "skills",
                            json_array(), "categories", json_array(), "remote", 0, "active", 0, "area", "reputation",
                            pw_user_reputation_json(db, user_id));
    pw_stmt *st = pw_db_stmt(db, SQL_PROFILE);
    pw_stmt_int64(st, 1, user_id);
    if (pw_stmt_step(st) == PW_ROW) {
        json_object_set_new(out, "bio", json_string(pw_stmt_column_text(st, 0)));
        json_object_set_new(out, "skills", json_loads(pw_stmt_column_text(st, 1), 0, NULL));
        json_object_set_new(out, "categories", json_loads(pw_stmt_column_text(st, 2), 0, NULL));
        json_object_set_new(out, "remote", json_boolean(pw_stmt_column_int64(st, 3)));
        json_object_set_new(out, "active", json_boolean(pw_stmt_column_int64(st, 7)));
        if (!pw_stmt_column_is_null(st, 4)) {
            /* City-level only: the public area (base/geo.h), never the exact spot. */
            int64_t lat, lon;
            pw_geo_public_area(pw_stmt_column_int64(st, 4), pw_stmt_column_int64(st, 5), &lat, &lon);
            json_object_set_new(out, "area",
                                json_pack("{s:f, s:f, s:i}", "lat", round((double)lat / 1e4) / 100, "lon",
                                          round((double)lon / 1e4) / 100, "precision_km", 11));
        }
    }
    pw_stmt_done(st);
    json_object_set_new(out, "verification_level", json_string(VERIFICATION_LEVEL));
    return out;
}
