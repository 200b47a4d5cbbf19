-- The double-entry ledger (src/ledger/): accounts, transfers and their entries.
-- Amounts are integer minor units (or minutes for TIME); nothing here is ever a float.
-- Times are integer milliseconds since the epoch, UTC. Rows are never deleted, so the
-- INTEGER PRIMARY KEY of transfers and entries grows monotonically and orders them in
-- time (the entries cursor relies on it). pw_ledger_verify checks what SQL cannot.

-- One account per (owner, kind, asset). User wallets have an owner (kind 'user');
-- platform accounts ('escrow', 'fees', 'pool', 'external') have none: NULL owner, made
-- unique per (kind, asset) by the partial index below, because UNIQUE treats NULLs as
-- distinct. Only 'external' (the world outside) may go negative.
CREATE TABLE ledger_accounts (
    id              INTEGER PRIMARY KEY,
    owner_user_id   INTEGER REFERENCES users(id),  -- NULL for platform accounts
    kind            TEXT NOT NULL CHECK (kind IN ('user', 'escrow', 'fees', 'pool', 'external')),
    asset           TEXT NOT NULL CHECK (length(asset) BETWEEN 3 AND 4),
    balance         INTEGER NOT NULL DEFAULT 0,    -- sum of this account's entries
    held            INTEGER NOT NULL DEFAULT 0 CHECK (held >= 0), -- sum of its pending debits
    allow_negative  INTEGER NOT NULL CHECK (allow_negative IN (0, 1)),
    created_at      INTEGER,                       -- its first movement or hold (NULL until then)
    CHECK ((kind = 'user') = (owner_user_id IS NOT NULL)),
    CHECK (allow_negative = 1 OR balance - held >= 0),
    UNIQUE (owner_user_id, kind, asset)
);
CREATE UNIQUE INDEX ledger_accounts_platform ON ledger_accounts(kind, asset) WHERE owner_user_id IS NULL;

-- A transfer moves `amount` from debit_account to credit_account. Single-phase ones are
-- 'posted' at once. A two-phase one (a hold) starts 'pending' and becomes 'posted' or
-- 'voided' exactly once; when posted, the movement itself is a second transfer whose
-- pending_id names the hold (UNIQUE: a hold is posted at most once). Entries belong to
-- the transfers that moved money: posted single-phase ones.
CREATE TABLE ledger_transfers (
    id              INTEGER PRIMARY KEY,
    debit_account   INTEGER NOT NULL REFERENCES ledger_accounts(id),
    credit_account  INTEGER NOT NULL REFERENCES ledger_accounts(id),
    amount          INTEGER NOT NULL CHECK (amount > 0),
    asset           TEXT NOT NULL,
    kind            TEXT NOT NULL,                 -- deposit, payout, escrow, release, fee, pool_share, refund, ...
    task_id         INTEGER,                       -- NULL if none
    two_phase       INTEGER NOT NULL DEFAULT 0 CHECK (two_phase IN (0, 1)),
    status          TEXT NOT NULL CHECK (status IN ('posted', 'pending', 'voided')),
    pending_id      INTEGER UNIQUE REFERENCES ledger_transfers(id), -- the hold this transfer posts
    created_at      INTEGER NOT NULL,
    resolved_at     INTEGER,                       -- when a hold was posted or voided
    CHECK (debit_account <> credit_account),
    CHECK (two_phase = 1 OR status = 'posted'),
    CHECK (two_phase = 0 OR pending_id IS NULL)
);
CREATE INDEX ledger_transfers_task ON ledger_transfers(task_id) WHERE task_id IS NOT NULL;
CREATE INDEX ledger_transfers_pending ON ledger_transfers(debit_account) WHERE status = 'pending';

-- Two entries per money-moving transfer: -amount on the debit account, +amount on the
-- credit account, each with the account's balance right after it.
CREATE TABLE ledger_entries (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES ledger_accounts(id),
    transfer_id     INTEGER NOT NULL REFERENCES ledger_transfers(id),
    amount          INTEGER NOT NULL CHECK (amount <> 0), -- signed: negative leaves the account
    balance_after   INTEGER NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX ledger_entries_account ON ledger_entries(account_id, id DESC);
CREATE INDEX ledger_entries_transfer ON ledger_entries(transfer_id);
