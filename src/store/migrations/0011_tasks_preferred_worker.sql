-- A worker the client found and prefers for the task (POST /tasks preferred_worker_id):
-- the dispatcher offers the task to them first when they are active and fit, and
-- otherwise dispatches it as any other (docs/internals/dispatch.md). Shown to the client
-- and admins only; NULL: none.
ALTER TABLE tasks ADD COLUMN preferred_worker_id BIGINT REFERENCES users(id);
