/* ledger_internal.h — what the ledger's own files share and nothing else includes: the
 * row structs, the un-wrapped movement primitives (no savepoint of their own, for use
 * inside a public function that opened one) and the savepoint helpers. */
#ifndef PW_LEDGER_INTERNAL_H
#define PW_LEDGER_INTERNAL_H
#include <stdint.h>

#include "ledger/ledger.h"
#include "base/limits.h"

typedef struct pw_ledger_account_row {
    int64_t id;
    int64_t owner_user_id;           /* 0 for platform accounts */
    char kind[PW_LEDGER_KIND_BYTES]; /* PW_ACCOUNT_* */
    char asset[PW_ASSET_CODE_BYTES];
    int64_t balance;    /* sum of entries */
    int64_t held;       /* sum of pending debits */
    int allow_negative; /* 1 only for external accounts */
} pw_ledger_account_row;

typedef struct pw_ledger_transfer_row {
    int64_t id;
    int64_t debit_account;
    int64_t credit_account;
    int64_t amount; /* > 0 */
    char asset[PW_ASSET_CODE_BYTES];
    char kind[PW_LEDGER_KIND_BYTES];
    int64_t task_id; /* 0 if none */
    int two_phase;   /* 1: a hold */
    char status[16]; /* "posted", "pending", "voided" */
} pw_ledger_transfer_row;

/* 1 found, 0 not found, negative PW_E* on error. */
int pw_ledger_load_account(pw_db *db, int64_t id, pw_ledger_account_row *out);
int pw_ledger_load_transfer(pw_db *db, int64_t id, pw_ledger_transfer_row *out);

/* A posted movement without a savepoint of its own. */
int pw_ledger_move(pw_db *db, const pw_transfer *t, int64_t now_ms, int64_t *transfer_id_out, pw_error *err);
/* Posts a hold without a savepoint of its own; *hold_out gets the hold as it was. */
int pw_ledger_post_pending_internal(pw_db *db, int64_t pending_id, int64_t now_ms, pw_ledger_transfer_row *hold_out,
                                    pw_error *err);

/* SAVEPOINT around one public operation: begin (PW_OK or the database's code); then
 * end(result) rolls back unless result == PW_OK and returns the operation's answer:
 * result, or the database's code when the operation succeeded but its savepoint could not
 * be released. */
int pw_ledger_op_begin(pw_db *db, pw_error *err);
int pw_ledger_op_end(pw_db *db, int result, pw_error *err);

#endif
