-- A client's tasks that ended with no work done (cancelled, or expired unfilled), newest
-- first: POST /tasks counts them over a rolling day to limit probing by post-and-cancel
-- (docs/SECURITY.md, "Locating workers").
CREATE INDEX tasks_client_withdrawn ON tasks(client_id, updated_at) WHERE status IN ('cancelled', 'expired');
