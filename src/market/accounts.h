/* accounts.h — users, passwords and sessions: the rules, the crypto and the SQL.
 *
 * Validation functions are pure (input -> pw_error). Password hashing is argon2id
 * (libsodium, t=2, m=19 MiB: the OWASP minimum) and is slow on purpose: callers run it
 * on the hash pool, never on an event loop. Storage functions take the writer's
 * connection inside its transaction (create, sign-in, sign-out, a session's use) or a
 * read connection (lookups, the session behind a request's token). */
#ifndef PW_ACCOUNTS_H
#define PW_ACCOUNTS_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/limits.h"
#include "store/db.h"

#define PW_TOKEN_TEXT_BYTES    44 /* base64url of 32 bytes (43) + NUL */
#define PW_TOKEN_HASH_BYTES    32 /* BLAKE2b-256 */
#define PW_CSRF_TEXT_BYTES     44
#define PW_PASSWORD_HASH_BYTES 128 /* crypto_pwhash_STRBYTES */

typedef struct pw_new_user {
    char email[PW_EMAIL_MAX_BYTES + 1]; /* lower-cased */
    char password[PW_PASSWORD_MAX_BYTES + 1];
    char display_name[4 * PW_DISPLAY_NAME_MAX_CHARS + 1];
    int roles; /* PW_ROLE_* bits */
} pw_new_user;

/* ---- validation (pure): PW_OK, or PW_EREFUSED with *err filled ---------------------- */
int pw_accounts_validate_email(const char *email, pw_error *err);
/* Parses the sign-up body. */
int pw_accounts_parse_new_user(json_t *body, pw_new_user *out, pw_error *err);
/* ["client","worker"] -> bits; admin may not be self-assigned. */
int pw_accounts_parse_roles(json_t *roles, int *roles_out, pw_error *err);
json_t *pw_accounts_roles_json(int roles);

/* ---- crypto ---------------------------------------------------------------------------- */
/* PW_OK, or PW_ENOMEM (argon2id's memory could not be had). */
int pw_accounts_hash_password(const char *password, char out[PW_PASSWORD_HASH_BYTES]);
/* PW_OK if the password matches, PW_EREFUSED if not (no pw_error: the caller answers one
 * 401 for every failure). A NULL hash verifies against a fixed dummy (same cost). */
int pw_accounts_verify_password(const char *hash, const char *password);
void pw_accounts_new_token(char out[PW_TOKEN_TEXT_BYTES]);
/* PW_OK, or PW_EREFUSED if it is not a token's length. */
int pw_accounts_token_hash(const char *token, size_t len, unsigned char out[PW_TOKEN_HASH_BYTES]);
/* A random positive 63-bit id. */
int64_t pw_random_id(void);

/* ---- storage ---------------------------------------------------------------------------- */
typedef struct pw_user_row {
    int64_t id;
    char email[PW_EMAIL_MAX_BYTES + 1];
    char display_name[4 * PW_DISPLAY_NAME_MAX_CHARS + 1];
    int roles;
    int64_t created_at_ms;
    char password_hash[PW_PASSWORD_HASH_BYTES];
} pw_user_row;

/* Inserts the user (password already hashed): PW_OK; PW_EREFUSED with 409 email_taken on a
 * duplicate; or the database's code. */
int pw_accounts_insert_user(pw_db *db, const pw_new_user *u, const char *password_hash, int64_t now_ms,
                            pw_user_row *out, pw_error *err);
/* 1 found, 0 not found, negative on error. */
int pw_accounts_find_by_email(pw_db *db, const char *email, pw_user_row *out);
int pw_accounts_find_by_id(pw_db *db, int64_t id, pw_user_row *out);
/* Starts a session; revokes `replaces_session_id` (rotation) if non-zero. PW_OK or the
 * database's code, as for revoke. */
int pw_accounts_create_session(pw_db *db, int64_t user_id, int64_t replaces_session_id, int64_t now_ms,
                               char token_out[PW_TOKEN_TEXT_BYTES], char csrf_out[PW_CSRF_TEXT_BYTES]);
int pw_accounts_revoke_session(pw_db *db, int64_t session_id, int64_t now_ms);

/* A live session, as a request reads it. */
typedef struct pw_session_row {
    int64_t id, user_id;
    int roles; /* the user's PW_ROLE_* bits */
    char csrf_token[PW_CSRF_TEXT_BYTES];
    int touch_due; /* its use was last recorded PW_SESSION_TOUCH_INTERVAL_S
                                                               or more ago: pw_accounts_touch_session is due */
} pw_session_row;
/* Loop (read connection): the session the token names, if it is live at now_ms: not
 * revoked, before its absolute expiry, used within PW_SESSION_IDLE_S. The database holds
 * only the token's BLAKE2b hash. 1 found, 0 not (unknown, dead, or not a token we could
 * have issued), negative on a database error. */
int pw_accounts_find_session(pw_db *db, const char *token, size_t len, int64_t now_ms, pw_session_row *out);
/* Writer: records the session's use and, for an active worker, the heartbeat that keeps
 * them active (pw_worker_heard). */
int pw_accounts_touch_session(pw_db *db, int64_t session_id, int64_t user_id, int64_t now_ms);
/* The private view of a user (for its owner): id, email, display_name, roles, created_at. */
json_t *pw_accounts_user_json(const pw_user_row *u);

#endif
