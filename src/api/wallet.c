/* wallet.c — GET /wallet, GET /wallet/entries, POST /wallet/deposits, POST /wallet/payouts.
 *
 * Reads answer at once from the loop's read connection. Deposits and payouts validate
 * {amount, currency} on the loop (money only: TIME credits are earned and spent on tasks,
 * never bought or cashed out), then run on the writer: the ledger books the movement
 * through the payment provider (the sandbox by default: it declines exactly one amount,
 * 40002, as 422 payment_declined) and the reply — the transfer and the wallet's balance
 * in that currency right after it — is built inside the same transaction. The routes are
 * flagged IDEM, so the HTTP layer stores that reply with the Idempotency-Key in the same
 * transaction and a retry gets it back without moving money again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "ledger/ledger.h"
#include "market/events.h"

/* The configured payment provider; the sandbox is the only one so far. */
static const pw_payment_provider *provider(void) { return &pw_payment_sandbox; }

/* ---- GET /wallet ---------------------------------------------------------------------------- */

void pw_api_wallet_get(pw_req *rq)
{
    json_t *out = NULL;
    int rc = pw_ledger_balances_json(pw_loop_db(rq->loop), rq->auth.user_id, &out);
    pw_reply_result(rq, rc, out);
}

/* ---- GET /wallet/entries ---------------------------------------------------------------------- */

void pw_api_wallet_entries(pw_req *rq)
{
    pw_error err;
    int limit;
    int64_t cursor_id;
    if (pw_api_page(rq, &limit, &cursor_id, &err) != 0)
        return pw_reply_error(rq, &err);
    char cursor[PW_CURSOR_MAX_BYTES + 1] = "";
    if (cursor_id > 0)
        snprintf(cursor, sizeof(cursor), "%lld", (long long)cursor_id);
    json_t *out = NULL;
    int rc = pw_ledger_entries_json(pw_loop_db(rq->loop), rq->auth.user_id, limit, cursor, &out);
    if (rc == PW_EREFUSED)
        return pw_reply_errorf(rq, 422, "validation_failed", "cursor", "cursor is not one this server gave");
    pw_reply_result(rq, rc, out);
}

/* ---- POST /wallet/deposits, POST /wallet/payouts ------------------------------------------------ */

typedef int (*booking)(pw_db *db, const pw_payment_provider *provider, int64_t user_id, const pw_amount *amount,
                       int64_t now_ms, int64_t *transfer_id_out, pw_error *err);

typedef struct money_move {
    pw_amount amount; /* validated on the loop */
    booking book;     /* pw_ledger_deposit or pw_ledger_payout */
} money_move;

static int money_move_run(pw_call *call, pw_db *db, int64_t now_ms)
{
    money_move *m = pw_call_data(call);
    int64_t transfer_id = 0;
    int rc = m->book(db, provider(), call->auth.user_id, &m->amount, now_ms, &transfer_id, &call->error);
    if (rc == PW_OK)
        rc = pw_events_wallet(db, call->auth.user_id, m->amount.asset, now_ms); /* live, to the owner */
    if (rc != PW_OK)
        return pw_call_failure(call, rc, &call->error);
    json_t *balance = NULL;
    rc = pw_ledger_wallet_json(db, call->auth.user_id, m->amount.asset, &balance);
    if (rc != PW_OK)
        return rc; /* status still 0: a 503, and the movement rolls back */
    char id[24], created[PW_RFC3339_BYTES];
    snprintf(id, sizeof(id), "%lld", (long long)transfer_id);
    pw_time_format_rfc3339(now_ms, created);
    call->status = 201;
    call->output = json_pack("{s:s, s:o, s:s, s:s, s:o}", "id", id, "amount",
                             pw_amount_json(m->amount.amount, m->amount.asset), "status", "completed", "created_at",
                             created, "balance", balance);
    return 0;
}

static void money_move_start(pw_req *rq, booking book)
{
    pw_error err;
    money_move m = {.book = book};
    if (pw_amount_parse(rq->body, 0, NULL, &m.amount, &err) != 0)
        return pw_reply_error(rq, &err);
    pw_call *call = pw_call_new(rq, sizeof(money_move));
    if (call == NULL)
        return pw_api_reply_nomem(rq);
    memcpy(pw_call_data(call), &m, sizeof(m));
    pw_call_write(call, money_move_run, NULL);
}

void pw_api_wallet_deposit(pw_req *rq) { money_move_start(rq, pw_ledger_deposit); }
void pw_api_wallet_payout(pw_req *rq) { money_move_start(rq, pw_ledger_payout); }
