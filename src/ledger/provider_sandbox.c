/* provider_sandbox.c — the default payment provider: a sandbox that moves no real money.
 *
 * It accepts every charge and every payout except one magic amount, 40002 minor units,
 * which it declines (answered as 422 payment_declined) so tests and demos can exercise
 * the declined path the way card sandboxes use magic card numbers. It keeps no state and
 * answers at once, so calling it inside the writer's transaction costs nothing. */
#include "ledger/ledger.h"

#define SANDBOX_DECLINED_AMOUNT 40002 /* the one amount the sandbox declines, in any asset */

static int sandbox_answer(const pw_amount *amount, const char *what, pw_error *err)
{
    if (amount->amount == SANDBOX_DECLINED_AMOUNT)
        return pw_error_set(err, 422, "payment_declined", "amount",
                            "the payment provider declined the %s (sandbox: amount %d is always declined)", what,
                            SANDBOX_DECLINED_AMOUNT);
    return 0;
}

static int sandbox_charge(int64_t user_id, const pw_amount *amount, pw_error *err)
{
    return sandbox_answer(amount, "charge", err);
}

static int sandbox_payout(int64_t user_id, const pw_amount *amount, pw_error *err)
{
    return sandbox_answer(amount, "payout", err);
}

const pw_payment_provider pw_payment_sandbox = {
    .name = "sandbox",
    .charge = sandbox_charge,
    .payout = sandbox_payout,
};
