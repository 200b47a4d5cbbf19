/* settle.c — the ledger's compound operations: settling a task's escrow, and deposits
 * and payouts through a payment provider.
 *
 * Each runs in one SAVEPOINT, so it happens whole or not at all. Settling posts the
 * client's hold into escrow, then pays out of escrow with single-phase transfers: the
 * worker's share net of the fee, the fee, the pool's part of the fee (fees -> pool), and
 * the remainder back to the client; zero-amount legs are skipped (a transfer is > 0).
 * A deposit charges the provider first and books external -> wallet only once the charge
 * is accepted; a payout books wallet -> external first (that is where insufficient funds
 * is decided) and then asks the provider, whose refusal rolls the booking back. The
 * provider is called on the writer thread inside the transaction: fine for the sandbox,
 * which answers at once; a real provider belongs behind an outbox (a pending transfer
 * posted or voided when the provider's answer arrives). */
#include <string.h>

#include "base/assert.h"
#include "ledger/ledger.h"
#include "ledger/ledger_internal.h"

/* ---- settle_task ------------------------------------------------------------------------- */

typedef struct settlement {
    int64_t task_id;
    int64_t client_account; /* where the hold came from */
    int64_t escrow_account; /* where it went */
    int64_t worker_account; /* 0 if nothing goes to a worker */
    int64_t fees_account;
    int64_t pool_account;
    const char *asset;
} settlement;

static int leg(pw_db *db, const settlement *s, int64_t from, int64_t to, int64_t amount, const char *kind,
               int64_t now_ms, pw_error *err)
{
    pw_assert(amount >= 0 && (amount == 0 || (from > 0 && to > 0))); /* a leg with money has both its accounts */
    if (amount == 0)
        return 0;
    pw_transfer t = {.debit_account = from,
                     .credit_account = to,
                     .amount = amount,
                     .asset = s->asset,
                     .kind = kind,
                     .task_id = s->task_id};
    return pw_ledger_move(db, &t, now_ms, NULL, err);
}

/* Checks the hold belongs to this client and went into escrow, and finds the accounts. */
static int prepare(pw_db *db, const pw_ledger_transfer_row *h, int64_t client_id, int64_t worker_id,
                   int64_t worker_gross, settlement *s, pw_error *err)
{
    pw_ledger_account_row client, escrow;
    int rc = pw_ledger_load_account(db, h->debit_account, &client);
    if (rc == 1)
        rc = pw_ledger_load_account(db, h->credit_account, &escrow);
    if (rc < 0)
        return rc;
    if (rc == 0 || strcmp(client.kind, PW_ACCOUNT_USER) != 0 || client.owner_user_id != client_id ||
        strcmp(escrow.kind, PW_ACCOUNT_ESCROW) != 0)
        return pw_error_set(err, 409, "invalid_state", NULL, "this hold is not the client's escrow");
    if (worker_gross < 0 || worker_gross > h->amount)
        return pw_error_set(err, 422, "validation_failed", "worker_share", "the worker's share must be 0 to the hold");
    if (worker_gross > 0 && worker_id == 0)
        return pw_error_set(err, 409, "invalid_state", NULL, "no worker to pay");
    s->client_account = client.id;
    s->escrow_account = escrow.id;
    rc = PW_OK;
    if (worker_gross > 0)
        rc = pw_ledger_account(db, worker_id, PW_ACCOUNT_USER, h->asset, &s->worker_account);
    if (rc == PW_OK)
        rc = pw_ledger_account(db, 0, PW_ACCOUNT_FEES, h->asset, &s->fees_account);
    if (rc == PW_OK)
        rc = pw_ledger_account(db, 0, PW_ACCOUNT_POOL, h->asset, &s->pool_account);
    return rc;
}

static int settle(pw_db *db, int64_t pending_id, int64_t task_id, int64_t client_id, int64_t worker_id,
                  int64_t worker_gross, int fee_bps, int pool_share_bps, int64_t now_ms, pw_error *err)
{
    pw_ledger_transfer_row h;
    int rc = pw_ledger_load_transfer(db, pending_id, &h);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return pw_error_set(err, 404, "not_found", NULL, "no such pending transfer");
    settlement s = {.task_id = task_id, .asset = h.asset};
    rc = prepare(db, &h, client_id, worker_id, worker_gross, &s, err);
    if (rc == PW_OK)
        rc = pw_ledger_post_pending_internal(db, pending_id, now_ms, &h, err);
    if (rc != PW_OK)
        return rc;
    /* prepare() answered a share outside the hold, and found the worker's account for a share */
    pw_assert(worker_gross >= 0 && worker_gross <= h.amount && (worker_gross == 0 || s.worker_account > 0));
    int64_t worker = 0, fee = 0, pool = 0;
    int is_credits = strcmp(h.asset, "TIME") == 0;
    pw_ledger_fee_split(worker_gross, is_credits ? 0 : fee_bps, pool_share_bps, &worker, &fee, &pool);
    pw_assert(worker + fee == worker_gross);
    rc = leg(db, &s, s.escrow_account, s.worker_account, worker, "release", now_ms, err);
    if (rc == PW_OK)
        rc = leg(db, &s, s.escrow_account, s.fees_account, fee, "fee", now_ms, err);
    if (rc == PW_OK)
        rc = leg(db, &s, s.fees_account, s.pool_account, pool, "pool_share", now_ms, err);
    if (rc == PW_OK)
        rc = leg(db, &s, s.escrow_account, s.client_account, h.amount - worker_gross, "refund", now_ms, err);
    return rc;
}

int pw_ledger_settle_task(pw_db *db, int64_t pending_id, int64_t task_id, int64_t client_id, int64_t worker_id,
                          int64_t worker_gross, int fee_bps, int pool_share_bps, int64_t now_ms, pw_error *err)
{
    pw_assert(pending_id > 0 && task_id > 0 && client_id > 0 && worker_id >= 0);
    pw_assert(fee_bps >= 0 && fee_bps <= 10000 && pool_share_bps >= 0 && pool_share_bps <= 10000);
    int rc = pw_ledger_op_begin(db, err);
    if (rc != PW_OK)
        return rc;
    int result = settle(db, pending_id, task_id, client_id, worker_id, worker_gross, fee_bps, pool_share_bps, now_ms,
                        err);
    return pw_ledger_op_end(db, result, err);
}

/* ---- deposits and payouts ------------------------------------------------------------------- */

/* The user's wallet and the external account of the amount's asset. */
static int wallet_and_external(pw_db *db, int64_t user_id, const char *asset, int64_t *wallet, int64_t *external,
                               pw_error *err)
{
    int rc = pw_ledger_account(db, user_id, PW_ACCOUNT_USER, asset, wallet);
    if (rc == PW_OK)
        rc = pw_ledger_account(db, 0, PW_ACCOUNT_EXTERNAL, asset, external);
    return rc;
}

static int deposit(pw_db *db, const pw_payment_provider *provider, int64_t user_id, const pw_amount *amount,
                   int64_t now_ms, int64_t *transfer_id_out, pw_error *err)
{
    int64_t wallet = 0, external = 0;
    int rc = wallet_and_external(db, user_id, amount->asset, &wallet, &external, err);
    if (rc == PW_OK)
        rc = provider->charge(user_id, amount, err);
    if (rc != PW_OK)
        return rc;
    pw_transfer t = {.debit_account = external,
                     .credit_account = wallet,
                     .amount = amount->amount,
                     .asset = amount->asset,
                     .kind = "deposit"};
    return pw_ledger_move(db, &t, now_ms, transfer_id_out, err);
}

static int payout(pw_db *db, const pw_payment_provider *provider, int64_t user_id, const pw_amount *amount,
                  int64_t now_ms, int64_t *transfer_id_out, pw_error *err)
{
    int64_t wallet = 0, external = 0;
    int rc = wallet_and_external(db, user_id, amount->asset, &wallet, &external, err);
    if (rc != PW_OK)
        return rc;
    pw_transfer t = {.debit_account = wallet,
                     .credit_account = external,
                     .amount = amount->amount,
                     .asset = amount->asset,
                     .kind = "payout"};
    rc = pw_ledger_move(db, &t, now_ms, transfer_id_out, err);
    if (rc != PW_OK)
        return rc;
    return provider->payout(user_id, amount, err);
}

int pw_ledger_deposit(pw_db *db, const pw_payment_provider *provider, int64_t user_id, const pw_amount *amount,
                      int64_t now_ms, int64_t *transfer_id_out, pw_error *err)
{
    pw_assert(user_id != 0 && pw_asset_valid(amount->asset, 1));
    int rc = pw_ledger_op_begin(db, err);
    if (rc != PW_OK)
        return rc;
    return pw_ledger_op_end(db, deposit(db, provider, user_id, amount, now_ms, transfer_id_out, err), err);
}

int pw_ledger_payout(pw_db *db, const pw_payment_provider *provider, int64_t user_id, const pw_amount *amount,
                     int64_t now_ms, int64_t *transfer_id_out, pw_error *err)
{
    pw_assert(user_id != 0 && pw_asset_valid(amount->asset, 1));
    int rc = pw_ledger_op_begin(db, err);
    if (rc != PW_OK)
        return rc;
    return pw_ledger_op_end(db, payout(db, provider, user_id, amount, now_ms, transfer_id_out, err), err);
}
