/* read.c — the ledger as a user sees it: balances per asset and entries newest first.
 *
 * These run on a read connection (an event loop's), never write, and render JSON the
 * wallet API returns as is. Entries are paged with an opaque cursor, which is the id of
 * the last entry on the previous page: entry ids grow monotonically (rows are never
 * deleted), so "id < cursor, newest first" is a stable page even while new entries
 * arrive. A wallet has one account per asset; each account's entries are read through
 * the (account_id, id DESC) index, at most limit + 1 of them, and merged, so a page
 * costs O(assets x limit) however long the history is. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "base/clock.h"
#include "base/limits.h"
#include "base/json_util.h"
#include "ledger/ledger.h"
#include "ledger/ledger_internal.h"

static const char SQL_WALLET_ACCOUNTS[] =
    "SELECT id, asset, balance, held FROM ledger_accounts WHERE owner_user_id = ? AND kind = 'user' ORDER BY asset";
static const char SQL_WALLET_ONE[] =
    "SELECT balance, held FROM ledger_accounts WHERE owner_user_id = ? AND kind = 'user' AND asset = ?";
static const char SQL_ACCOUNT_ENTRIES[] =
    "SELECT e.id, e.transfer_id, t.kind, e.amount, e.balance_after, coalesce(t.task_id, 0), e.created_at "
    "FROM ledger_entries e JOIN ledger_transfers t ON t.id = e.transfer_id "
    "WHERE e.account_id = ? AND e.id < ? ORDER BY e.id DESC LIMIT ?";

#define CURSOR_DIGITS_MAX 19 /* an int64 id in decimal */

static json_t *balance_json(const char *asset, int64_t balance, int64_t held)
{
    return json_pack("{s:s, s:I, s:I}", "currency", asset, "available", (json_int_t)(balance - held), "held",
                     (json_int_t)held);
}

int pw_ledger_balances_json(pw_db *db, int64_t user_id, json_t **out)
{
    json_t *list = json_array();
    pw_stmt *st = pw_db_stmt(db, SQL_WALLET_ACCOUNTS);
    pw_assert(st != NULL);
    pw_stmt_int64(st, 1, user_id);
    int rc;
    while ((rc = pw_stmt_step(st)) == PW_ROW)
        json_array_append_new(
            list, balance_json(pw_stmt_column_text(st, 1), pw_stmt_column_int64(st, 2), pw_stmt_column_int64(st, 3)));
    pw_stmt_done(st);
    if (rc != PW_DONE) {
        json_decref(list);
        return rc;
    }
    *out = json_pack("{s:o}", "balances", list);
    return PW_OK;
}

int pw_ledger_wallet_json(pw_db *db, int64_t user_id, const char *asset, json_t **out)
{
    pw_stmt *st = pw_db_stmt(db, SQL_WALLET_ONE);
    pw_assert(st != NULL);
    pw_stmt_int64(st, 1, user_id);
    pw_stmt_text(st, 2, asset);
    int rc = pw_stmt_step(st);
    int64_t balance = 0, held = 0;
    if (rc == PW_ROW) {
        balance = pw_stmt_column_int64(st, 0);
        held = pw_stmt_column_int64(st, 1);
    }
    pw_stmt_done(st);
    if (rc != PW_ROW && rc != PW_DONE)
        return rc;
    *out = balance_json(asset, balance, held);
    return PW_OK;
}

/* ---- entries --------------------------------------------------------------------------- */

typedef struct entry {
    int64_t id;
    int64_t transfer_id;
    int64_t amount; /* signed */
    int64_t balance_after;
    int64_t task_id; /* 0: none */
    int64_t created_at_ms;
    char kind[PW_LEDGER_KIND_BYTES];
    char asset[PW_ASSET_CODE_BYTES];
} entry;

typedef struct page {
    entry rows[PW_PAGE_MAX + 1]; /* newest first; one more than a page tells "there is more" */
    int count;
    int capacity; /* limit + 1 */
} page;

typedef struct wallet_account {
    int64_t id;
    char asset[PW_ASSET_CODE_BYTES];
} wallet_account;

/* Parses a cursor: 1..19 decimal digits, a positive id. */
static int parse_cursor(const char *cursor, int64_t *before_id)
{
    size_t n = strlen(cursor);
    if (n == 0 || n > CURSOR_DIGITS_MAX || strspn(cursor, "0123456789") != n)
        return PW_EREFUSED;
    errno = 0;
    long long v = strtoll(cursor, NULL, 10);
    if (errno != 0 || v <= 0)
        return PW_EREFUSED;
    *before_id = (int64_t)v;
    return PW_OK;
}

/* Inserts e into the page if it is among the newest `capacity`; 0 if it was too old. */
static int page_offer(page *p, const entry *e)
{
    if (p->count == p->capacity && e->id < p->rows[p->count - 1].id)
        return 0;
    int i = p->count < p->capacity ? p->count++ : p->count - 1;
    while (i > 0 && p->rows[i - 1].id < e->id) {
        p->rows[i] = p->rows[i - 1];
        i--;
    }
    p->rows[i] = *e;
    return 1;
}

static int read_account(pw_db *db, const wallet_account *a, int64_t before_id, page *p)
{
    pw_stmt *st = pw_db_stmt(db, SQL_ACCOUNT_ENTRIES);
    pw_assert(st != NULL);
    pw_stmt_int64(st, 1, a->id);
    pw_stmt_int64(st, 2, before_id);
    pw_stmt_int64(st, 3, p->capacity);
    int rc;
    while ((rc = pw_stmt_step(st)) == PW_ROW) {
        entry e = {.id = pw_stmt_column_int64(st, 0),
                   .transfer_id = pw_stmt_column_int64(st, 1),
                   .amount = pw_stmt_column_int64(st, 3),
                   .balance_after = pw_stmt_column_int64(st, 4),
                   .task_id = pw_stmt_column_int64(st, 5),
                   .created_at_ms = pw_stmt_column_int64(st, 6)};
        snprintf(e.kind, sizeof(e.kind), "%s", pw_stmt_column_text(st, 2));
        memcpy(e.asset, a->asset, sizeof(e.asset));
        if (!page_offer(p, &e)) {
            rc = PW_DONE; /* the rest of this account is older still */
            break;
        }
    }
    pw_stmt_done(st);
    return rc == PW_DONE ? PW_OK : rc;
}

static int wallet_accounts(pw_db *db, int64_t user_id, wallet_account *out, int *count_out)
{
    pw_stmt *st = pw_db_stmt(db, SQL_WALLET_ACCOUNTS);
    pw_assert(st != NULL);
    pw_stmt_int64(st, 1, user_id);
    int rc, n = 0;
    while ((rc = pw_stmt_step(st)) == PW_ROW && n < PW_LEDGER_WALLET_ASSETS_MAX) {
        out[n].id = pw_stmt_column_int64(st, 0);
        snprintf(out[n].asset, sizeof(out[n].asset), "%s", pw_stmt_column_text(st, 1));
        n++;
    }
    pw_stmt_done(st);
    *count_out = n;
    return rc == PW_DONE || rc == PW_ROW ? PW_OK : rc;
}

static json_t *entry_json(const entry *e)
{
    char created[PW_RFC3339_BYTES];
    pw_time_format_rfc3339(e->created_at_ms, created);
    return json_pack("{s:o, s:o, s:s, s:o, s:I, s:o, s:s}", "id", pw_json_id(e->id), "transfer_id",
                     pw_json_id(e->transfer_id), "kind", e->kind, "amount", pw_amount_json(e->amount, e->asset),
                     "balance_after", (json_int_t)e->balance_after, "task_id", pw_json_id(e->task_id), "created_at",
                     created);
}

int pw_ledger_entries_json(pw_db *db, int64_t user_id, int limit, const char *cursor, json_t **out)
{
    pw_assert(limit >= 1 && limit <= PW_PAGE_MAX);
    int64_t before_id = INT64_MAX;
    if (cursor != NULL && cursor[0] != '\0' && parse_cursor(cursor, &before_id) != PW_OK)
        return PW_EREFUSED;
    wallet_account accounts[PW_LEDGER_WALLET_ASSETS_MAX]; /* 4 KiB */
    page p;                                               /* 9 KiB */
    int count = 0;
    int rc = wallet_accounts(db, user_id, accounts, &count);
    p.count = 0;
    p.capacity = limit + 1;
    for (int i = 0; i < count && rc == PW_OK; i++)
        rc = read_account(db, &accounts[i], before_id, &p);
    if (rc != PW_OK)
        return rc;
    json_t *items = json_array();
    int shown = p.count < limit ? p.count : limit;
    for (int i = 0; i < shown; i++)
        json_array_append_new(items, entry_json(&p.rows[i]));
    json_t *next = p.count > limit ? pw_json_id(p.rows[limit - 1].id) : json_null();
    *out = json_pack("{s:o, s:o}", "items", items, "next_cursor", next);
    return PW_OK;
}
