-- DELETE /me (src/market/privacy.c): the account is anonymised, not erased — the ledger,
-- the tasks and the other side's records still point at the row — and this says when.
-- NULL: a live account. The search index and sign-in read it.
ALTER TABLE users ADD COLUMN deleted_at BIGINT;
