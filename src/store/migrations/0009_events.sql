-- The event bus (docs/internals/events.md): every change a person should see live, one
-- row per recipient, written in the transaction of the change. `seq` orders the whole
-- table and is what a stream's `id:` and a reconnect's Last-Event-ID carry. It is given
-- by the writer as MAX(seq) + 1 (one writer per database; the newest row is never pruned,
-- so a seq is never handed out twice); a PostgreSQL back end with many instances gives it
-- from a sequence instead. (0010: 0009 is kept for another branch's migration.)
CREATE TABLE events (
    seq        BIGINT PRIMARY KEY,             -- 1, 2, 3, … in commit order
    user_id    BIGINT NOT NULL,                -- the one recipient; entitlement was decided when written
    kind       TEXT NOT NULL,                  -- task | assignment | message | wallet
    task_id    BIGINT,                         -- the task it is about, if any
    data       TEXT NOT NULL,                  -- a JSON object, sent as the frame's data
    created_at BIGINT NOT NULL                 -- ms since the epoch: retention
);
CREATE INDEX events_user_seq ON events (user_id, seq);
CREATE INDEX events_created ON events (created_at);
