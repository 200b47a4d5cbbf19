/* verify.c — pw_ledger_verify: checks every ledger invariant against the stored rows.
 *
 * Each invariant is one SQL query that returns the rows violating it (none when it
 * holds), so the checks are data: a name, the query, and names for the columns it
 * returns, which make the first failure readable ("account balance equals the sum of its
 * entries: account=7 balance=500 entries=400"). Every returned row counts as one
 * failure. The queries use only what SQLite and PostgreSQL share (GROUP BY / HAVING,
 * LEFT JOIN, EXISTS, a window sum). For a consistent picture run it inside one read
 * transaction; the CLI does. */
#include <stdio.h>
#include <string.h>

#include "ledger/ledger.h"
#include "base/limits.h"

typedef struct check {
    const char *name;                                 /* the invariant, for people */
    const char *sql;                                  /* returns one row per violation */
    const char *columns[PW_LEDGER_CHECK_COLUMNS_MAX]; /* names of the returned columns; NULL-terminated */
} check;

static const check CHECKS[] = {
    {"per asset, account balances sum to zero",
     "SELECT asset, sum(balance) FROM ledger_accounts GROUP BY asset HAVING sum(balance) <> 0",
     {"asset", "sum"}},
    {"per asset, entries sum to zero",
     "SELECT a.asset, sum(e.amount) FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id "
     "GROUP BY a.asset HAVING sum(e.amount) <> 0",
     {"asset", "sum"}},
    {"account balance equals the sum of its entries",
     "SELECT a.id, a.balance, coalesce(sum(e.amount), 0) FROM ledger_accounts a "
     "LEFT JOIN ledger_entries e ON e.account_id = a.id GROUP BY a.id, a.balance "
     "HAVING a.balance <> coalesce(sum(e.amount), 0)",
     {"account", "balance", "entries"}},
    {"account held equals the sum of its pending debits",
     "SELECT a.id, a.held, coalesce(sum(t.amount), 0) FROM ledger_accounts a "
     "LEFT JOIN ledger_transfers t ON t.debit_account = a.id AND t.status = 'pending' GROUP BY a.id, a.held "
     "HAVING a.held <> coalesce(sum(t.amount), 0)",
     {"account", "held", "pending"}},
    {"an account that may not go negative has balance - held >= 0",
     "SELECT id, balance, held FROM ledger_accounts WHERE held < 0 OR (allow_negative = 0 AND balance - held < 0)",
     {"account", "balance", "held"}},
    {"account shape: only external accounts may go negative; user accounts, and only they, have an owner",
     "SELECT id, kind FROM ledger_accounts WHERE allow_negative <> (CASE WHEN kind = 'external' THEN 1 ELSE 0 END) "
     "OR (kind = 'user' AND owner_user_id IS NULL) OR (kind <> 'user' AND owner_user_id IS NOT NULL)",
     {"account", "kind"}},
    {"a transfer moves a positive amount between two accounts of its asset",
     "SELECT t.id, t.asset, d.asset, c.asset FROM ledger_transfers t "
     "JOIN ledger_accounts d ON d.id = t.debit_account JOIN ledger_accounts c ON c.id = t.credit_account "
     "WHERE t.amount <= 0 OR t.debit_account = t.credit_account OR t.asset <> d.asset OR t.asset <> c.asset",
     {"transfer", "asset", "debit_asset", "credit_asset"}},
    {"a movement has exactly two entries (-amount on debit, +amount on credit); a hold has none",
     "SELECT t.id, count(e.id), "
     "sum(CASE WHEN e.account_id = t.debit_account AND e.amount = -t.amount THEN 1 ELSE 0 END), "
     "sum(CASE WHEN e.account_id = t.credit_account AND e.amount = t.amount THEN 1 ELSE 0 END) "
     "FROM ledger_transfers t LEFT JOIN ledger_entries e ON e.transfer_id = t.id GROUP BY t.id, t.two_phase "
     "HAVING (t.two_phase = 1 AND count(e.id) <> 0) OR (t.two_phase = 0 AND NOT (count(e.id) = 2 "
     "AND sum(CASE WHEN e.account_id = t.debit_account AND e.amount = -t.amount THEN 1 ELSE 0 END) = 1 "
     "AND sum(CASE WHEN e.account_id = t.credit_account AND e.amount = t.amount THEN 1 ELSE 0 END) = 1))",
     {"transfer", "entries", "debit_entries", "credit_entries"}},
    {"a post names a posted hold with the same accounts, amount and asset",
     "SELECT p.id, p.pending_id FROM ledger_transfers p LEFT JOIN ledger_transfers h ON h.id = p.pending_id "
     "WHERE p.pending_id IS NOT NULL AND (h.id IS NULL OR h.two_phase <> 1 OR h.status <> 'posted' "
     "OR h.debit_account <> p.debit_account OR h.credit_account <> p.credit_account OR h.amount <> p.amount "
     "OR h.asset <> p.asset)",
     {"transfer", "hold"}},
    {"a hold is posted exactly once, or pending or voided and never posted",
     "SELECT h.id, h.status FROM ledger_transfers h WHERE h.two_phase = 1 AND ("
     "(h.status = 'posted') <> EXISTS (SELECT 1 FROM ledger_transfers p WHERE p.pending_id = h.id) "
     "OR (h.status = 'pending') <> (h.resolved_at IS NULL))",
     {"hold", "status"}},
    {"each entry's balance_after is the running sum of its account's entries",
     "SELECT r.id, r.account_id, r.balance_after, r.running FROM (SELECT id, account_id, balance_after, "
     "sum(amount) OVER (PARTITION BY account_id ORDER BY id ROWS UNBOUNDED PRECEDING) AS running "
     "FROM ledger_entries) r WHERE r.balance_after <> r.running",
     {"entry", "account", "balance_after", "running_sum"}},
};

static int count_rows(pw_db *db, const char *sql, int64_t *out)
{
    pw_stmt *st = pw_db_stmt(db, sql);
    if (st == NULL)
        return PW_EDB;
    int rc = pw_stmt_step(st);
    if (rc == PW_ROW)
        *out = pw_stmt_column_int64(st, 0);
    pw_stmt_done(st);
    return rc == PW_ROW ? PW_OK : rc < 0 ? rc : PW_EDB; /* no row where one must be: the database failed */
}

static void describe(pw_stmt *st, const check *c, char *out, size_t out_size)
{
    size_t used = (size_t)snprintf(out, out_size, "%s:", c->name);
    for (int i = 0; i < PW_LEDGER_CHECK_COLUMNS_MAX && c->columns[i] != NULL && used < out_size; i++) {
        const char *v = pw_stmt_column_is_null(st, i) ? "NULL" : pw_stmt_column_text(st, i);
        used += (size_t)snprintf(out + used, out_size - used, " %s=%s", c->columns[i], v ? v : "?");
    }
}

/* Runs one check: adds its violations to the report. */
static int run_check(pw_db *db, const check *c, pw_ledger_report *r)
{
    pw_stmt *st = pw_db_stmt(db, c->sql);
    if (st == NULL)
        return PW_EDB;
    int rc;
    while ((rc = pw_stmt_step(st)) == PW_ROW) {
        if (r->failures == 0)
            describe(st, c, r->first_failure, sizeof(r->first_failure));
        r->failures++;
    }
    pw_stmt_done(st);
    return rc == PW_DONE ? PW_OK : rc;
}

int pw_ledger_verify(pw_db *db, pw_ledger_report *out)
{
    memset(out, 0, sizeof(*out));
    int rc = count_rows(db, "SELECT count(*) FROM ledger_accounts", &out->accounts);
    if (rc == PW_OK)
        rc = count_rows(db, "SELECT count(*) FROM ledger_transfers", &out->transfers);
    if (rc == PW_OK)
        rc = count_rows(db, "SELECT count(*) FROM ledger_transfers WHERE status = 'pending'", &out->pending);
    for (size_t i = 0; i < sizeof(CHECKS) / sizeof(CHECKS[0]) && rc == PW_OK; i++)
        rc = run_check(db, &CHECKS[i], out);
    return rc;
}
