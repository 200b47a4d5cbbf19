-- What dispatch reads about a client for every waiting task of theirs, kept as it
-- happens instead of recomputed from the whole history each round.

-- The client's record behind their standing (dispatch/engine_db.c).
CREATE TABLE client_records (
    user_id           INTEGER PRIMARY KEY REFERENCES users(id),
    completed         INTEGER NOT NULL DEFAULT 0,   -- tasks completed or resolved
    disputes_lost     INTEGER NOT NULL DEFAULT 0,   -- disputes they opened that were resolved "release"
    late_cancels      INTEGER NOT NULL DEFAULT 0    -- cancellations after a worker was assigned
);

-- Pairs whose work went badly: a missed ack, a release, or a dispute between them.
CREATE TABLE bad_pairings (
    client_id         INTEGER NOT NULL,
    worker_id         INTEGER NOT NULL,
    at                INTEGER NOT NULL,
    PRIMARY KEY (client_id, worker_id)
) WITHOUT ROWID;

-- Backfill from what happened before this migration.
INSERT INTO client_records (user_id, completed, disputes_lost, late_cancels)
SELECT u.id,
       (SELECT count(*) FROM tasks t WHERE t.client_id = u.id AND t.status IN ('completed', 'resolved')),
       (SELECT count(*) FROM disputes d JOIN tasks t ON t.id = d.task_id
         WHERE t.client_id = u.id AND d.opened_by = u.id AND d.outcome = 'release'),
       (SELECT count(*) FROM task_events e JOIN tasks t ON t.id = e.task_id
         WHERE t.client_id = u.id AND e.event = 'cancelled' AND e.from_status = 'assigned')
FROM users u WHERE EXISTS (SELECT 1 FROM tasks t WHERE t.client_id = u.id);

INSERT OR IGNORE INTO bad_pairings (client_id, worker_id, at)
SELECT t.client_id, a.worker_id, coalesce(a.resolved_at, a.assigned_at) FROM task_assignments a
  JOIN tasks t ON t.id = a.task_id WHERE a.outcome IN ('missed', 'released');
INSERT OR IGNORE INTO bad_pairings (client_id, worker_id, at)
SELECT t.client_id, t.worker_id, d.created_at FROM disputes d JOIN tasks t ON t.id = d.task_id
 WHERE t.worker_id IS NOT NULL;
