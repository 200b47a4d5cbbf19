-- The audit log of admin reads and actions (docs/SECURITY.md, "What admins see").
-- One row per admin read of private data (a task, its messages, its dispatch explanation,
-- the disputes, this log) and per admin action (a dispute resolved, a task cancelled, an
-- admin made on the command line), written in the same transaction as the read's answer
-- or the action. Nothing updates or deletes a row: no endpoint or command has a
-- statement for it. The detail is a small JSON object of ids, states and counts, never a
-- message body, a reason, a place or anything else personal copied in.

CREATE TABLE admin_audit (
    id                BIGINT PRIMARY KEY,             -- time-ordered (ms << 15 | 15 random bits): pages newest first
    at                BIGINT NOT NULL,                -- ms since the epoch
    admin_id          BIGINT REFERENCES users(id),    -- who; NULL: the command line (an operator at the database)
    action            TEXT NOT NULL,                  -- a stable name: "task.messages.read", "dispute.resolve", …
    object_kind       TEXT,                           -- "task", "dispute", "user"; NULL for a list
    object_id         BIGINT,
    detail            TEXT NOT NULL                   -- a JSON object
);
CREATE INDEX admin_audit_action ON admin_audit (action, id);
CREATE INDEX admin_audit_admin ON admin_audit (admin_id, id);
