/* accounts.c — see accounts.h. */
#include "market/accounts.h"

#include <ctype.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/clock.h"
#include "base/json_util.h"
#include "base/rand.h"
#include "base/roles.h"
#include "market/workers.h"

/* ---- validation ------------------------------------------------------------------------ */

int pw_accounts_validate_email(const char *email, pw_error *err)
{
    const char *at = strchr(email, '@');
    size_t len = strlen(email);
    int ok = at != NULL && at != email && strchr(at + 1, '@') == NULL && len <= PW_EMAIL_MAX_BYTES &&
             strchr(at + 1, '.') != NULL && at[1] != '.' && email[len - 1] != '.';
    for (size_t i = 0; ok && i < len; i++)
        if ((unsigned char)email[i] <= 0x20 || email[i] == 0x7f || email[i] == ',' || email[i] == '<' ||
            email[i] == '>')
            ok = 0;
    if (!ok)
        return pw_error_set(err, 422, "validation_failed", "email", "email must be an address like name@example.com");
    /* ".invalid" (RFC 2606) receives no mail, and deleted accounts are renamed into it (privacy.c) */
    if (len >= 8 && strcasecmp(email + len - 8, ".invalid") == 0)
        return pw_error_set(err, 422, "validation_failed", "email", "email must be an address that can receive mail");
    return 0;
}

int pw_accounts_parse_roles(json_t *roles, int *roles_out, pw_error *err)
{
    if (roles == NULL)
        return pw_error_set(err, 422, "validation_failed", "roles", "roles is required");
    if (!json_is_array(roles))
        return pw_error_set(err, 400, "wrong_type", "roles", "roles must be an array of strings");
    int bits = 0;
    size_t i;
    json_t *r;
    if (json_array_size(roles) == 0 || json_array_size(roles) > 2)
        return pw_error_set(err, 422, "validation_failed", "roles", "roles must be [\"client\"], [\"worker\"] or both");
    json_array_foreach(roles, i, r) {
        if (!json_is_string(r))
            return pw_error_set(err, 400, "wrong_type", "roles", "roles must be an array of strings");
        const char *s = json_string_value(r);
        int bit = strcmp(s, "client") == 0 ? PW_ROLE_CLIENT : strcmp(s, "worker") == 0 ? PW_ROLE_WORKER : 0;
        if (bit == 0 || (bits & bit))
            return pw_error_set(err, 422, "validation_failed", "roles",
                                "roles must be [\"client\"], [\"worker\"] or both");
        bits |= bit;
    }
    *roles_out = bits;
    return 0;
}

json_t *pw_accounts_roles_json(int roles)
{
    json_t *a = json_array();
    if (roles & PW_ROLE_CLIENT)
        json_array_append_new(a, json_string("client"));
    if (roles & PW_ROLE_WORKER)
        json_array_append_new(a, json_string("worker"));
    if (roles & PW_ROLE_ADMIN)
        json_array_append_new(a, json_string("admin"));
    return a;
}

int pw_accounts_parse_new_user(json_t *body, pw_new_user *out, pw_error *err)
{
    memset(out, 0, sizeof(*out));
    int rc = pw_json_string_field(body, "email", 1, 3, PW_EMAIL_MAX_BYTES, 0, out->email, sizeof(out->email), err);
    if (rc != PW_OK)
        return rc;
    for (char *p = out->email; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    rc = pw_accounts_validate_email(out->email, err);
    if (rc != PW_OK)
        return rc;
    /* The rules sign-in reads the password with (api/accounts.c), and stricter in length: a
     * password sign-up took but sign-in refuses (a control character, all blanks) would lock
     * its account out for good. */
    rc = pw_json_string_field(body, "password", 1, PW_PASSWORD_MIN_CHARS, PW_PASSWORD_MAX_CHARS, 1, out->password,
                              sizeof(out->password), err);
    if (rc != PW_OK)
        return rc;
    rc = pw_json_string_field(body, "display_name", 1, 1, PW_DISPLAY_NAME_MAX_CHARS, 0, out->display_name,
                              sizeof(out->display_name), err);
    if (rc != PW_OK)
        return rc;
    return pw_accounts_parse_roles(json_object_get(body, "roles"), &out->roles, err);
}

/* ---- crypto -------------------------------------------------------------------------------- */

int pw_accounts_hash_password(const char *password, char out[PW_PASSWORD_HASH_BYTES])
{
    _Static_assert(PW_PASSWORD_HASH_BYTES == crypto_pwhash_STRBYTES, "hash buffer");
    int rc = crypto_pwhash_str_alg(out, password, strlen(password), PW_ARGON2_OPSLIMIT, PW_ARGON2_MEMLIMIT_BYTES,
                                   crypto_pwhash_ALG_ARGON2ID13);
    return rc == 0 ? PW_OK : PW_ENOMEM; /* libsodium fails it only when the memory cannot be had */
}

static char dummy_hash[PW_PASSWORD_HASH_BYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy_hash(void)
{
    if (pw_accounts_hash_password("peerwork-dummy-password", dummy_hash) != 0)
        dummy_hash[0] = '\0';
}

int pw_accounts_verify_password(const char *hash, const char *password)
{
    if (hash == NULL) { /* unknown account: spend the same time, then fail whatever it says */
        pthread_once(&dummy_once, make_dummy_hash);
        int ignored = crypto_pwhash_str_verify(dummy_hash, password, strlen(password));
        (void)ignored;
        return PW_EREFUSED;
    }
    return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0 ? PW_OK : PW_EREFUSED;
}

void pw_accounts_new_token(char out[PW_TOKEN_TEXT_BYTES])
{
    unsigned char raw[PW_SESSION_TOKEN_BYTES];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2base64(out, PW_TOKEN_TEXT_BYTES, raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int pw_accounts_token_hash(const char *token, size_t len, unsigned char out[PW_TOKEN_HASH_BYTES])
{
    if (len != PW_TOKEN_TEXT_BYTES - 1)
        return PW_EREFUSED;
    crypto_generichash(out, PW_TOKEN_HASH_BYTES, (const unsigned char *)token, len, NULL, 0);
    return 0;
}

int64_t pw_random_id(void)
{
    uint64_t v;
    do {
        v = pw_rand_u64() & INT64_MAX;
    } while (v == 0);
    return (int64_t)v;
}

/* ---- storage -------------------------------------------------------------------------------- */

static const char SQL_INSERT_USER[] =
    "INSERT INTO users (id, email, password_hash, display_name, roles, created_at) VALUES (?, ?, ?, ?, ?, ?)";
static const char SQL_USER_BY_EMAIL[] =
    "SELECT id, email, display_name, roles, created_at, password_hash FROM users WHERE email = ?";
static const char SQL_USER_BY_ID[] =
    "SELECT id, email, display_name, roles, created_at, password_hash FROM users WHERE id = ?";
static const char SQL_INSERT_SESSION[] =
    "INSERT INTO sessions (id, user_id, token_hash, csrf_token, created_at, last_seen_at, expires_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)";
static const char SQL_REVOKE_SESSION[] = "UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL";
static const char SQL_FIND_SESSION[] =
    "SELECT s.id, s.user_id, s.csrf_token, s.last_seen_at, s.expires_at, u.roles "
    "FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND s.revoked_at IS NULL";
static const char SQL_TOUCH_SESSION[] = "UPDATE sessions SET last_seen_at = ? WHERE id = ?";

int pw_accounts_insert_user(pw_db *db, const pw_new_user *u, const char *password_hash, int64_t now_ms,
                            pw_user_row *out, pw_error *err)
{
    pw_stmt *st = pw_db_stmt(db, SQL_INSERT_USER);
    int64_t id = pw_random_id();
    pw_stmt_bind(st, PW_I64(id), PW_TEXT(u->email), PW_TEXT(password_hash), PW_TEXT(u->display_name), PW_I64(u->roles),
                 PW_I64(now_ms));
    int rc = pw_stmt_run(st);
    if (rc == PW_ECONSTRAINT)
        return pw_error_set(err, 409, "email_taken", "email", "an account with this email already exists");
    if (rc != PW_OK)
        return rc;
    *out = (pw_user_row){.id = id, .roles = u->roles, .created_at_ms = now_ms};
    snprintf(out->email, sizeof(out->email), "%s", u->email);
    snprintf(out->display_name, sizeof(out->display_name), "%s", u->display_name);
    return 0;
}

static int find_user(pw_stmt *st, pw_user_row *out)
{
    int rc = pw_stmt_step(st);
    if (rc == PW_ROW) {
        out->id = pw_stmt_column_int64(st, 0);
        snprintf(out->email, sizeof(out->email), "%s", pw_stmt_column_text(st, 1));
        snprintf(out->display_name, sizeof(out->display_name), "%s", pw_stmt_column_text(st, 2));
        out->roles = (int)pw_stmt_column_int64(st, 3);
        out->created_at_ms = pw_stmt_column_int64(st, 4);
        snprintf(out->password_hash, sizeof(out->password_hash), "%s", pw_stmt_column_text(st, 5));
    }
    pw_stmt_done(st);
    return rc == PW_ROW ? 1 : rc == PW_DONE ? 0 : rc;
}

int pw_accounts_find_by_email(pw_db *db, const char *email, pw_user_row *out)
{
    pw_stmt *st = pw_db_stmt(db, SQL_USER_BY_EMAIL);
    pw_stmt_text(st, 1, email);
    return find_user(st, out);
}

int pw_accounts_find_by_id(pw_db *db, int64_t id, pw_user_row *out)
{
    pw_stmt *st = pw_db_stmt(db, SQL_USER_BY_ID);
    pw_stmt_int64(st, 1, id);
    return find_user(st, out);
}

int pw_accounts_create_session(pw_db *db, int64_t user_id, int64_t replaces_session_id, int64_t now_ms,
                               char token_out[PW_TOKEN_TEXT_BYTES], char csrf_out[PW_CSRF_TEXT_BYTES])
{
    int rc = replaces_session_id != 0 ? pw_accounts_revoke_session(db, replaces_session_id, now_ms) : PW_OK;
    if (rc != PW_OK)
        return rc;
    unsigned char hash[PW_TOKEN_HASH_BYTES];
    pw_accounts_new_token(token_out);
    pw_accounts_new_token(csrf_out);
    pw_accounts_token_hash(token_out, strlen(token_out), hash);
    pw_stmt *st = pw_db_stmt(db, SQL_INSERT_SESSION);
    pw_stmt_bind(st, PW_I64(pw_random_id()), PW_I64(user_id), PW_BLOB(hash, sizeof(hash)), PW_TEXT(csrf_out),
                 PW_I64(now_ms), PW_I64(now_ms), PW_I64(now_ms + (int64_t)PW_SESSION_ABSOLUTE_S * 1000));
    return pw_stmt_run(st);
}

int pw_accounts_revoke_session(pw_db *db, int64_t session_id, int64_t now_ms)
{
    pw_stmt *st = pw_db_stmt(db, SQL_REVOKE_SESSION);
    pw_stmt_int64(st, 1, now_ms);
    pw_stmt_int64(st, 2, session_id);
    return pw_stmt_run(st);
}

int pw_accounts_find_session(pw_db *db, const char *token, size_t len, int64_t now_ms, pw_session_row *out)
{
    unsigned char hash[PW_TOKEN_HASH_BYTES];
    if (pw_accounts_token_hash(token, len, hash) != 0)
        return 0;
    pw_stmt *st = pw_db_stmt(db, SQL_FIND_SESSION);
    if (st == NULL)
        return PW_EDB;
    pw_stmt_blob(st, 1, hash, sizeof(hash));
    int rc = pw_stmt_step(st), found = 0;
    if (rc == PW_ROW) {
        int64_t last_seen_ms = pw_stmt_column_int64(st, 3), expires_ms = pw_stmt_column_int64(st, 4);
        if (expires_ms > now_ms && last_seen_ms + (int64_t)PW_SESSION_IDLE_S * 1000 > now_ms) {
            const char *csrf = pw_stmt_column_text(st, 2);
            out->id = pw_stmt_column_int64(st, 0);
            out->user_id = pw_stmt_column_int64(st, 1);
            snprintf(out->csrf_token, sizeof(out->csrf_token), "%s", csrf != NULL ? csrf : "");
            out->roles = (int)pw_stmt_column_int64(st, 5);
            out->touch_due = now_ms - last_seen_ms >= (int64_t)PW_SESSION_TOUCH_INTERVAL_S * 1000;
            found = 1;
        }
    }
    pw_stmt_done(st);
    return rc == PW_ROW || rc == PW_DONE ? found : rc;
}

int pw_accounts_touch_session(pw_db *db, int64_t session_id, int64_t user_id, int64_t now_ms)
{
    pw_stmt *st = pw_db_stmt(db, SQL_TOUCH_SESSION);
    pw_stmt_int64(st, 1, now_ms);
    pw_stmt_int64(st, 2, session_id);
    int rc = pw_stmt_run(st);
    return rc == PW_OK ? pw_worker_heard(db, user_id, now_ms) : rc;
}

json_t *pw_accounts_user_json(const pw_user_row *u)
{
    char id[24], created[PW_RFC3339_BYTES];
    snprintf(id, sizeof(id), "%lld", (long long)u->id);
    pw_time_format_rfc3339(u->created_at_ms, created);
    return json_pack("{s:s, s:s, s:s, s:o, s:s}", "id", id, "email", u->email, "display_name", u->display_name, "roles",
                     pw_accounts_roles_json(u->roles), "created_at", created);
}
