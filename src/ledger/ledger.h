/* ledger.h — the multi-asset double-entry ledger: money only ever moves through here.
 *
 * Assets: an ISO 4217 currency ("EUR", amounts in minor units) or "TIME" (service
 * credits, in minutes). Every account belongs to one asset. A transfer moves an int64
 * amount from a debit account to a credit account of the same asset, and is either
 * posted at once, or *pending* (a two-phase hold) that is later *posted* or *voided*,
 * exactly once. A pending transfer raises the debit account's `held`; posting it moves
 * the amount; voiding releases it. Invariants (checked by pw_ledger_verify):
 *   - per asset, the balances of all accounts sum to zero;
 *   - each account's balance equals the sum of its entries;
 *   - each account's held equals the sum of its pending debits;
 *   - an account that may not go negative has balance - held >= 0.
 * The outside world is an account of kind "external" per asset (it goes negative as
 * money comes in through deposits). Platform accounts: "escrow", "fees", "pool".
 *
 * All functions run on the writer's connection inside its transaction (the caller's
 * savepoint makes a failed multi-step movement vanish whole), except the *_json readers
 * and verify, which read. They return PW_OK or a code (base/error.h): PW_EREFUSED with
 * the pw_error filled — 409 insufficient_funds, 409 invalid_state (posting a transfer that
 * is not pending), 422 for bad amounts, 422 payment_declined — or the database's code
 * (the API answers 503). A caller's misuse is logged and refused as 503 unavailable. */
#ifndef PW_LEDGER_H
#define PW_LEDGER_H
#include <jansson.h>
#include <stdint.h>

#include "base/error.h"
#include "base/limits.h"
#include "store/db.h"

typedef struct pw_amount {
    int64_t amount;                  /* minor units or minutes; > 0 */
    char asset[PW_ASSET_CODE_BYTES]; /* "EUR", "USD", …, or "TIME" */
} pw_amount;

/* Parses {"amount": int, "currency": "EUR"} (TIME allowed only if allow_time). field_prefix
 * names the object in errors (e.g. "compensation"). */
int pw_amount_parse(json_t *obj, int allow_time, const char *field_prefix, pw_amount *out, pw_error *err);
/* Is `code` an asset we accept: 3 upper-case letters in the ISO 4217 list we carry, or TIME. */
int pw_asset_valid(const char *code, int allow_time);
json_t *pw_amount_json(int64_t amount, const char *asset);

/* Account kinds. */
#define PW_ACCOUNT_USER     "user"     /* a user's wallet, one per asset; never negative */
#define PW_ACCOUNT_ESCROW   "escrow"   /* platform: compensation held for tasks */
#define PW_ACCOUNT_FEES     "fees"     /* platform: fee revenue */
#define PW_ACCOUNT_POOL     "pool"     /* platform: workers' profit-sharing pool */
#define PW_ACCOUNT_EXTERNAL "external" /* the world outside (payment provider); may go negative */

/* The account of (owner, kind, asset), created on first use. owner 0 for platform ones
 * (stored as a NULL owner, unique per kind and asset). Its created_at is set by its first
 * movement or hold, since this function has no clock. */
int pw_ledger_account(pw_db *db, int64_t owner_user_id, const char *kind, const char *asset, int64_t *account_id_out);

typedef struct pw_transfer {
    int64_t debit_account;  /* money leaves */
    int64_t credit_account; /* money arrives */
    int64_t amount;         /* > 0 */
    const char *asset;
    const char *kind; /* "deposit", "payout", "escrow", "release", "fee", "pool_share", "refund", … */
    int64_t task_id;  /* 0 if none */
} pw_transfer;

/* A posted transfer. 409 insufficient_funds if the debit account may not go negative and
 * its available (balance - held) is below amount. */
int pw_ledger_post_transfer(pw_db *db, const pw_transfer *t, int64_t now_ms, int64_t *transfer_id_out, pw_error *err);
/* A pending transfer (hold): checks available like the above; raises held. */
int pw_ledger_hold(pw_db *db, const pw_transfer *t, int64_t now_ms, int64_t *pending_id_out, pw_error *err);
/* Posts a pending transfer in full (exactly once; 409 invalid_state otherwise). */
int pw_ledger_post_pending(pw_db *db, int64_t pending_id, int64_t now_ms, pw_error *err);
/* Voids a pending transfer (exactly once; 409 invalid_state otherwise). */
int pw_ledger_void_pending(pw_db *db, int64_t pending_id, int64_t now_ms, pw_error *err);

/* Fee rule (pure): fee = floor(amount * fee_bps / 10000); worker gets amount - fee;
 * pool = floor(fee * pool_share_bps / 10000) of the fee. Rounding favours the worker. */
void pw_ledger_fee_split(int64_t amount, int fee_bps, int pool_share_bps, int64_t *worker_out, int64_t *fee_out,
                         int64_t *pool_out);

/* Settles a task's escrow hold (client -> escrow): posts it, then pays out of escrow.
 * worker_gross is the part of the hold the worker earned (all of it on approval, a share
 * on a split, 0 on a refund); the fee is taken from worker_gross by pw_ledger_fee_split:
 * escrow -> worker (worker_gross - fee), escrow -> fees (fee), fees -> pool (pool part),
 * escrow -> client (hold - worker_gross). For TIME credits the fee is 0. */
int pw_ledger_settle_task(pw_db *db, int64_t pending_id, int64_t task_id, int64_t client_id, int64_t worker_id,
                          int64_t worker_gross, int fee_bps, int pool_share_bps, int64_t now_ms, pw_error *err);

/* Readers. */
int pw_ledger_balances_json(pw_db *db, int64_t user_id, json_t **out); /* {"balances": [...]} */
/* {"items","next_cursor"}: limit 1..PW_PAGE_MAX; cursor NULL/"" or a next_cursor from a
 * previous page (PW_EREFUSED if it is not one: no pw_error, the caller answers 422). */
int pw_ledger_entries_json(pw_db *db, int64_t user_id, int limit, const char *cursor, json_t **out);
/* {currency, available, held} of one asset of the user's wallet (zeros if never touched). */
int pw_ledger_wallet_json(pw_db *db, int64_t user_id, const char *asset, json_t **out);

typedef struct pw_ledger_report {
    int64_t accounts, transfers, pending; /* counts */
    int64_t failures;                     /* invariant violations found */
    char first_failure[200];              /* the first one, for people */
} pw_ledger_report;
int pw_ledger_verify(pw_db *db, pw_ledger_report *out);

/* The payment provider deposits and payouts go through; the default is a sandbox. */
typedef struct pw_payment_provider {
    const char *name;
    /* PW_OK accepted; PW_EREFUSED declined (err filled: 402-class answered as 422
     * payment_declined). */
    int (*charge)(int64_t user_id, const pw_amount *amount, pw_error *err);
    int (*payout)(int64_t user_id, const pw_amount *amount, pw_error *err);
} pw_payment_provider;
extern const pw_payment_provider pw_payment_sandbox;

/* A deposit: provider->charge, then external -> the user's wallet ("deposit"). A payout:
 * the user's wallet -> external ("payout"; 409 insufficient_funds), then provider->payout,
 * whose refusal undoes the booking. Either happens whole or not at all. */
int pw_ledger_deposit(pw_db *db, const pw_payment_provider *provider, int64_t user_id, const pw_amount *amount,
                      int64_t now_ms, int64_t *transfer_id_out, pw_error *err);
int pw_ledger_payout(pw_db *db, const pw_payment_provider *provider, int64_t user_id, const pw_amount *amount,
                     int64_t now_ms, int64_t *transfer_id_out, pw_error *err);

/* `peerwork ledger verify --db FILE` (ledger_cmd.c). */
int pw_cmd_ledger(int argc, char **argv);

#endif
