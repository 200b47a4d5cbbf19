/* ledger.c — accounts, transfers and two-phase holds on the writer's connection.
 *
 * Every movement goes through move(): it loads both accounts, checks the asset, the
 * debit account's available (balance - held, unless the account may go negative) and
 * int64 overflow on both sides before anything is written, then inserts the transfer,
 * updates both balances (UPDATE … RETURNING gives the balance each entry records) and
 * inserts the two entries. A hold only raises the debit account's `held` and records a
 * 'pending' transfer; posting it lowers `held` again, marks the hold 'posted' and moves
 * the money as a new transfer whose pending_id names the hold; voiding marks it 'voided'
 * and lowers `held`. The UPDATE … WHERE status = 'pending' and the UNIQUE pending_id make
 * "exactly once" hold in the database as well as in the code, and a CHECK on the account
 * row keeps (balance - held) >= 0 for every account that may not go negative.
 *
 * Each public function that writes runs inside its own SAVEPOINT, so a failure half-way
 * (a declined payout after the money was booked, a database error) leaves nothing behind
 * even when the caller has no savepoint of its own. An account's created_at is the time
 * of its first movement or hold: pw_ledger_account() has no clock, so it leaves it NULL
 * and the first UPDATE that touches the account fills it in. */
#include <stdio.h>
#include <string.h>

#include "base/assert.h"
#include "ledger/ledger.h"
#include "ledger/ledger_internal.h"
#include "base/log.h"

/* ---- statements ----------------------------------------------------------------------- */

static const char SQL_SAVEPOINT[] = "SAVEPOINT pw_ledger_op";
static const char SQL_RELEASE[] = "RELEASE SAVEPOINT pw_ledger_op";
static const char SQL_ROLLBACK_TO[] = "ROLLBACK TO SAVEPOINT pw_ledger_op";
static const char SQL_ACCOUNT_GET[] =
    "SELECT kind, asset, balance, held, allow_negative, coalesce(owner_user_id, 0) FROM ledger_accounts WHERE id = ?";
static const char SQL_USER_ACCOUNT_FIND[] =
    "SELECT id FROM ledger_accounts WHERE owner_user_id = ? AND kind = ? AND asset = ?";
static const char SQL_PLATFORM_ACCOUNT_FIND[] =
    "SELECT id FROM ledger_accounts WHERE owner_user_id IS NULL AND kind = ? AND asset = ?";
static const char SQL_ACCOUNT_INSERT[] =
    "INSERT INTO ledger_accounts (owner_user_id, kind, asset, allow_negative) VALUES (?, ?, ?, ?) RETURNING id";
static const char SQL_BALANCE_ADD[] =
    "UPDATE ledger_accounts SET balance = balance + ?, created_at = coalesce(created_at, ?) WHERE id = ? "
    "RETURNING balance";
static const char SQL_HELD_ADD[] =
    "UPDATE ledger_accounts SET held = held + ?, created_at = coalesce(created_at, ?) WHERE id = ?";
static const char SQL_TRANSFER_INSERT[] =
    "INSERT INTO ledger_transfers (debit_account, credit_account, amount, asset, kind, task_id, two_phase, status, "
    "pending_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_TRANSFER_GET[] =
    "SELECT debit_account, credit_account, amount, asset, kind, coalesce(task_id, 0), two_phase, status "
    "FROM ledger_transfers WHERE id = ?";
static const char SQL_TRANSFER_RESOLVE[] =
    "UPDATE ledger_transfers SET status = ?, resolved_at = ? WHERE id = ? AND status = 'pending' AND two_phase = 1";
static const char SQL_ENTRY_INSERT[] =
    "INSERT INTO ledger_entries (account_id, transfer_id, amount, balance_after, created_at) VALUES (?, ?, ?, ?, ?)";

/* ---- small helpers ---------------------------------------------------------------------- */

/* A caller's bug caught at run time (same account on both sides, an account that is not
 * there, mixed assets): logged loudly and refused as 503 unavailable, the error convention's
 * answer for "the server cannot do this now", so PW_EREFUSED with *err filled and nothing
 * booked. Not an assertion: the unit tests drive these paths, and a request must not abort
 * the server for a bug the ledger can refuse safely. */
static int misuse(pw_error *err, const char *what)
{
    pw_log_error("msg=\"ledger misuse\" what=\"%s\"", what);
    return pw_error_set(err, 503, "unavailable", NULL, "ledger misuse: %s", what);
}

static int run(pw_db *db, const char *sql)
{
    pw_stmt *st = pw_db_stmt(db, sql);
    pw_assert(st != NULL);
    return pw_stmt_run(st);
}

int pw_ledger_op_begin(pw_db *db, pw_error *err) { return run(db, SQL_SAVEPOINT); }

int pw_ledger_op_end(pw_db *db, int result, pw_error *err)
{
    if (result != 0 && run(db, SQL_ROLLBACK_TO) != PW_OK)
        return result;
    int rc = run(db, SQL_RELEASE);
    return result == PW_OK ? rc : result;
}

static void read_account(pw_stmt *st, int64_t id, void *row)
{
    pw_ledger_account_row *out = row;
    memset(out, 0, sizeof(*out));
    out->id = id;
    snprintf(out->kind, sizeof(out->kind), "%s", pw_stmt_column_text(st, 0));
    snprintf(out->asset, sizeof(out->asset), "%s", pw_stmt_column_text(st, 1));
    out->balance = pw_stmt_column_int64(st, 2);
    out->held = pw_stmt_column_int64(st, 3);
    out->allow_negative = (int)pw_stmt_column_int64(st, 4);
    out->owner_user_id = pw_stmt_column_int64(st, 5);
    /* read back as the ledger keeps it (and the table's CHECKs back): held is never negative,
     * only an account that may go negative is below its held amount, only wallets have an owner */
    pw_assert(out->held >= 0 && (out->allow_negative || out->balance >= out->held));
    pw_assert((strcmp(out->kind, PW_ACCOUNT_USER) == 0) == (out->owner_user_id != 0));
}

/* 1 found, 0 not, negative on error. */
int pw_ledger_load_account(pw_db *db, int64_t id, pw_ledger_account_row *out)
{
    return pw_db_load_by_id(db, SQL_ACCOUNT_GET, id, read_account, out);
}

/* ---- accounts ----------------------------------------------------------------------------- */

static int find_account(pw_db *db, int64_t owner, const char *kind, const char *asset, int64_t *id_out)
{
    pw_stmt *st = pw_db_stmt(db, owner != 0 ? SQL_USER_ACCOUNT_FIND : SQL_PLATFORM_ACCOUNT_FIND);
    pw_assert(st != NULL);
    int i = 1;
    if (owner != 0)
        pw_stmt_int64(st, i++, owner);
    pw_stmt_text(st, i++, kind);
    pw_stmt_text(st, i, asset);
    int rc = pw_stmt_run_int64(st, id_out);
    return rc == PW_OK ? 1 : rc == PW_DONE ? 0 : rc;
}

int pw_ledger_account(pw_db *db, int64_t owner_user_id, const char *kind, const char *asset, int64_t *account_id_out)
{
    int is_user = strcmp(kind, PW_ACCOUNT_USER) == 0;
    pw_assert(is_user == (owner_user_id != 0));
    pw_assert(pw_asset_valid(asset, 1));
    int rc = find_account(db, owner_user_id, kind, asset, account_id_out);
    if (rc != 0)
        return rc == 1 ? PW_OK : rc;
    pw_stmt *st = pw_db_stmt(db, SQL_ACCOUNT_INSERT);
    pw_assert(st != NULL);
    /* 0 exactly for platform accounts (asserted above) */
    pw_stmt_bind(st, PW_I64_OR_NULL(owner_user_id), PW_TEXT(kind), PW_TEXT(asset),
                 PW_I64(strcmp(kind, PW_ACCOUNT_EXTERNAL) == 0));
    rc = pw_stmt_run_int64(st, account_id_out);
    pw_assert(rc != PW_OK || *account_id_out > 0);
    return rc == PW_DONE ? PW_EDB : rc;
}

/* ---- movements ----------------------------------------------------------------------------- */

/* Loads both sides of `t` and checks the transfer is well-formed: positive amount, two
 * distinct existing accounts of t's asset. */
static int load_pair(pw_db *db, const pw_transfer *t, pw_ledger_account_row *debit, pw_ledger_account_row *credit,
                     pw_error *err)
{
    if (t->amount <= 0)
        return pw_error_set(err, 422, "validation_failed", "amount", "amount must be positive");
    if (t->debit_account == t->credit_account)
        return misuse(err, "debit and credit are the same account");
    int rc = pw_ledger_load_account(db, t->debit_account, debit);
    if (rc == 1)
        rc = pw_ledger_load_account(db, t->credit_account, credit);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return misuse(err, "no such account");
    if (t->asset == NULL || strcmp(debit->asset, t->asset) != 0 || strcmp(credit->asset, t->asset) != 0)
        return misuse(err, "the accounts' assets differ from the transfer's");
    return 0;
}

static int check_available(const pw_ledger_account_row *a, int64_t amount, pw_error *err)
{
    if (a->allow_negative || a->balance - a->held >= amount)
        return 0;
    return pw_error_set(err, 409, "insufficient_funds", NULL, "insufficient funds: %lld %s available, %lld needed",
                        (long long)(a->balance - a->held), a->asset, (long long)amount);
}

static int check_overflow(const pw_ledger_account_row *debit, const pw_ledger_account_row *credit, int64_t amount,
                          pw_error *err)
{
    int64_t ignored;
    if (__builtin_sub_overflow(debit->balance, amount, &ignored) ||
        __builtin_add_overflow(credit->balance, amount, &ignored) ||
        __builtin_add_overflow(debit->held, amount, &ignored))
        return pw_error_set(err, 409, "limit_exceeded", NULL, "this transfer would overflow an account balance");
    return 0;
}

/* SQL_BALANCE_ADD or SQL_HELD_ADD, bound: delta, now, the account. */
static pw_stmt *account_change(pw_db *db, const char *sql, int64_t account, int64_t delta, int64_t now_ms)
{
    pw_stmt *st = pw_db_stmt(db, sql);
    pw_assert(st != NULL);
    pw_stmt_int64(st, 1, delta);
    pw_stmt_int64(st, 2, now_ms);
    pw_stmt_int64(st, 3, account);
    return st;
}

static int add_balance(pw_db *db, int64_t account, int64_t delta, int64_t now_ms, int64_t *balance_out)
{
    int rc = pw_stmt_run_int64(account_change(db, SQL_BALANCE_ADD, account, delta, now_ms), balance_out);
    return rc == PW_DONE ? PW_EDB : rc;
}

static int add_held(pw_db *db, int64_t account, int64_t delta, int64_t now_ms)
{
    int rc = pw_stmt_run(account_change(db, SQL_HELD_ADD, account, delta, now_ms));
    return rc == PW_OK && pw_db_changes(db) != 1 ? PW_EDB : rc;
}

static int insert_transfer(pw_db *db, const pw_transfer *t, int two_phase, int64_t pending_id, int64_t now_ms,
                           int64_t *id_out)
{
    /* load_pair checked these before anything was written */
    pw_assert(t->amount > 0 && t->debit_account != t->credit_account && t->asset != NULL && t->kind != NULL);
    pw_assert(pending_id == 0 || !two_phase); /* a post is itself single-phase */
    pw_stmt *st = pw_db_stmt(db, SQL_TRANSFER_INSERT);
    pw_assert(st != NULL);
    pw_stmt_bind(st, PW_I64(t->debit_account), PW_I64(t->credit_account), PW_I64(t->amount), PW_TEXT(t->asset),
                 PW_TEXT(t->kind), PW_I64_OR_NULL(t->task_id), PW_I64(two_phase),
                 PW_TEXT(two_phase ? "pending" : "posted"), PW_I64_OR_NULL(pending_id), PW_I64(now_ms));
    int rc = pw_stmt_run_int64(st, id_out);
    return rc == PW_DONE ? PW_EDB : rc;
}

/* One side of a movement: the balance change and its entry. `expected_after` is the balance
 * read before plus delta: the one written back must be it (nothing moved it in between). */
static int book(pw_db *db, int64_t account, int64_t transfer_id, int64_t delta, int64_t expected_after, int64_t now_ms)
{
    pw_assert(delta != 0 && transfer_id > 0);
    int64_t balance_after = 0;
    int rc = add_balance(db, account, delta, now_ms, &balance_after);
    if (rc != PW_OK)
        return rc;
    pw_assert(balance_after == expected_after);
    pw_stmt *st = pw_db_stmt(db, SQL_ENTRY_INSERT);
    pw_assert(st != NULL);
    pw_stmt_bind(st, PW_I64(account), PW_I64(transfer_id), PW_I64(delta), PW_I64(balance_after), PW_I64(now_ms));
    return pw_stmt_run(st);
}

/* The checks before a movement or a hold: the pair (read into *debit and *credit), the
 * funds, no overflow. PW_OK, a refusal, or the database's code. */
static int check_move(pw_db *db, const pw_transfer *t, pw_ledger_account_row *debit, pw_ledger_account_row *credit,
                      pw_error *err)
{
    int rc = load_pair(db, t, debit, credit, err);
    if (rc == PW_OK)
        rc = check_available(debit, t->amount, err);
    if (rc == PW_OK)
        rc = check_overflow(debit, credit, t->amount, err);
    return rc;
}

/* Moves t->amount now: checks everything, then the transfer row and its two entries. */
static int move(pw_db *db, const pw_transfer *t, int64_t pending_id, int64_t now_ms, int64_t *id_out, pw_error *err)
{
    pw_ledger_account_row debit, credit;
    int rc = check_move(db, t, &debit, &credit, err);
    if (rc != PW_OK)
        return rc;
    int64_t id = 0;
    rc = insert_transfer(db, t, 0, pending_id, now_ms, &id);
    if (rc == PW_OK)
        rc = book(db, t->debit_account, id, -t->amount, debit.balance - t->amount, now_ms);
    if (rc == PW_OK)
        rc = book(db, t->credit_account, id, t->amount, credit.balance + t->amount, now_ms);
    if (rc != PW_OK)
        return rc;
    if (id_out != NULL)
        *id_out = id;
    return 0;
}

int pw_ledger_move(pw_db *db, const pw_transfer *t, int64_t now_ms, int64_t *transfer_id_out, pw_error *err)
{
    return move(db, t, 0, now_ms, transfer_id_out, err);
}

int pw_ledger_post_transfer(pw_db *db, const pw_transfer *t, int64_t now_ms, int64_t *transfer_id_out, pw_error *err)
{
    int rc = pw_ledger_op_begin(db, err);
    if (rc != PW_OK)
        return rc;
    return pw_ledger_op_end(db, move(db, t, 0, now_ms, transfer_id_out, err), err);
}

/* ---- two-phase holds ----------------------------------------------------------------------- */

static int hold(pw_db *db, const pw_transfer *t, int64_t now_ms, int64_t *pending_id_out, pw_error *err)
{
    pw_ledger_account_row debit, credit;
    int rc = check_move(db, t, &debit, &credit, err);
    if (rc == PW_OK)
        rc = add_held(db, t->debit_account, t->amount, now_ms);
    if (rc == PW_OK)
        rc = insert_transfer(db, t, 1, 0, now_ms, pending_id_out);
    return rc;
}

int pw_ledger_hold(pw_db *db, const pw_transfer *t, int64_t now_ms, int64_t *pending_id_out, pw_error *err)
{
    int rc = pw_ledger_op_begin(db, err);
    if (rc != PW_OK)
        return rc;
    return pw_ledger_op_end(db, hold(db, t, now_ms, pending_id_out, err), err);
}

static void read_transfer(pw_stmt *st, int64_t id, void *row)
{
    pw_ledger_transfer_row *out = row;
    memset(out, 0, sizeof(*out));
    out->id = id;
    out->debit_account = pw_stmt_column_int64(st, 0);
    out->credit_account = pw_stmt_column_int64(st, 1);
    out->amount = pw_stmt_column_int64(st, 2);
    snprintf(out->asset, sizeof(out->asset), "%s", pw_stmt_column_text(st, 3));
    snprintf(out->kind, sizeof(out->kind), "%s", pw_stmt_column_text(st, 4));
    out->task_id = pw_stmt_column_int64(st, 5);
    out->two_phase = (int)pw_stmt_column_int64(st, 6);
    snprintf(out->status, sizeof(out->status), "%s", pw_stmt_column_text(st, 7));
    /* read back as written (the table's CHECKs back it): a positive amount, only a hold is ever not posted */
    pw_assert(out->amount > 0 && out->debit_account != out->credit_account);
    pw_assert(out->two_phase == 1 || strcmp(out->status, "posted") == 0);
}

int pw_ledger_load_transfer(pw_db *db, int64_t id, pw_ledger_transfer_row *out)
{
    return pw_db_load_by_id(db, SQL_TRANSFER_GET, id, read_transfer, out);
}

/* Marks the hold `status` ('posted' or 'voided') and releases its held amount; fills *h. */
static int resolve(pw_db *db, int64_t pending_id, const char *status, int64_t now_ms, pw_ledger_transfer_row *h,
                   pw_error *err)
{
    pw_assert(strcmp(status, "posted") == 0 || strcmp(status, "voided") == 0);
    int rc = pw_ledger_load_transfer(db, pending_id, h);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return pw_error_set(err, 404, "not_found", NULL, "no such pending transfer");
    if (!h->two_phase || strcmp(h->status, "pending") != 0)
        return pw_error_set(err, 409, "invalid_state", NULL, "transfer %lld is %s, not pending", (long long)pending_id,
                            h->two_phase ? h->status : "not a hold");
    pw_stmt *st = pw_db_stmt(db, SQL_TRANSFER_RESOLVE);
    pw_assert(st != NULL);
    pw_stmt_text(st, 1, status);
    pw_stmt_int64(st, 2, now_ms);
    pw_stmt_int64(st, 3, pending_id);
    rc = pw_stmt_run(st);
    if (rc == PW_OK && pw_db_changes(db) != 1)
        return pw_error_set(err, 409, "invalid_state", NULL, "transfer %lld is no longer pending",
                            (long long)pending_id);
    if (rc == PW_OK)
        rc = add_held(db, h->debit_account, -h->amount, now_ms);
    return rc;
}

int pw_ledger_post_pending_internal(pw_db *db, int64_t pending_id, int64_t now_ms, pw_ledger_transfer_row *h,
                                    pw_error *err)
{
    int rc = resolve(db, pending_id, "posted", now_ms, h, err);
    if (rc != PW_OK)
        return rc;
    pw_transfer t = {.debit_account = h->debit_account,
                     .credit_account = h->credit_account,
                     .amount = h->amount,
                     .asset = h->asset,
                     .kind = h->kind,
                     .task_id = h->task_id};
    return move(db, &t, pending_id, now_ms, NULL, err);
}

int pw_ledger_post_pending(pw_db *db, int64_t pending_id, int64_t now_ms, pw_error *err)
{
    int rc = pw_ledger_op_begin(db, err);
    if (rc != PW_OK)
        return rc;
    pw_ledger_transfer_row h;
    return pw_ledger_op_end(db, pw_ledger_post_pending_internal(db, pending_id, now_ms, &h, err), err);
}

int pw_ledger_void_pending(pw_db *db, int64_t pending_id, int64_t now_ms, pw_error *err)
{
    int rc = pw_ledger_op_begin(db, err);
    if (rc != PW_OK)
        return rc;
    pw_ledger_transfer_row h;
    return pw_ledger_op_end(db, resolve(db, pending_id, "voided", now_ms, &h, err), err);
}
