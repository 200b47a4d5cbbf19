-- Worker profiles, tasks, their timeline, assignments, messages and disputes.
-- Coordinates are stored as integer micro-degrees (lat_e6, lon_e6): exact, private, and
-- never shown publicly (public profiles show a rounded area only).

CREATE TABLE worker_profiles (
    user_id           INTEGER PRIMARY KEY REFERENCES users(id),
    bio               TEXT NOT NULL DEFAULT '',
    skills            TEXT NOT NULL DEFAULT '[]',     -- JSON array of lower-case tags
    categories        TEXT NOT NULL DEFAULT '[]',     -- JSON array of lower-case tags
    remote            INTEGER NOT NULL DEFAULT 0,     -- takes remote tasks
    lat_e6            INTEGER,                        -- home base, for local tasks (NULL: remote only)
    lon_e6            INTEGER,
    radius_km         INTEGER NOT NULL DEFAULT 10,
    active            INTEGER NOT NULL DEFAULT 0,     -- available for dispatch
    active_since      INTEGER,
    last_seen_at      INTEGER,                        -- heartbeat: availability calls and worker polling
    last_assigned_at  INTEGER,
    assigned_count    INTEGER NOT NULL DEFAULT 0,     -- assignments offered
    acked_count       INTEGER NOT NULL DEFAULT 0,
    missed_acks       INTEGER NOT NULL DEFAULT 0,
    releases          INTEGER NOT NULL DEFAULT 0,
    completed_count   INTEGER NOT NULL DEFAULT 0,
    on_time_count     INTEGER NOT NULL DEFAULT 0,     -- completed before the task's deadline
    updated_at        INTEGER NOT NULL
);
CREATE INDEX worker_profiles_active ON worker_profiles(active) WHERE active = 1;

-- One row per (worker, tag): the dispatcher's skill and category lookups.
CREATE TABLE worker_tags (
    tag               TEXT NOT NULL,
    kind              INTEGER NOT NULL,               -- 1 skill, 2 category
    user_id           INTEGER NOT NULL REFERENCES worker_profiles(user_id),
    PRIMARY KEY (tag, kind, user_id)
) WITHOUT ROWID;

CREATE TABLE tasks (
    id                INTEGER PRIMARY KEY,
    client_id         INTEGER NOT NULL REFERENCES users(id),
    title             TEXT NOT NULL,
    description       TEXT NOT NULL,
    category          TEXT NOT NULL,
    skills            TEXT NOT NULL,                  -- JSON array
    lat_e6            INTEGER,                        -- NULL: remote
    lon_e6            INTEGER,
    comp_kind         TEXT NOT NULL CHECK (comp_kind IN ('money', 'credits', 'goods')),
    comp_amount       INTEGER,                        -- minor units or minutes; NULL for goods
    comp_asset        TEXT,                           -- "EUR" …, "TIME"; NULL for goods
    comp_goods        TEXT,                           -- the goods offered
    hold_id           INTEGER,                        -- the ledger's pending transfer (escrow)
    deadline_at       INTEGER NOT NULL,
    urgent            INTEGER NOT NULL DEFAULT 0,
    status            TEXT NOT NULL,
    worker_id         INTEGER REFERENCES users(id),   -- the current (or last) assignee
    assignment_id     INTEGER,                        -- the current assignment
    ack_deadline_at   INTEGER,
    review_deadline_at INTEGER,
    submit_note       TEXT,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX tasks_client ON tasks(client_id, id);
CREATE INDEX tasks_worker ON tasks(worker_id, id);
CREATE INDEX tasks_waiting ON tasks(created_at) WHERE status = 'dispatching';
CREATE INDEX tasks_ack_due ON tasks(ack_deadline_at) WHERE status = 'assigned';
CREATE INDEX tasks_review_due ON tasks(review_deadline_at) WHERE status = 'submitted';
CREATE INDEX tasks_deadline ON tasks(deadline_at) WHERE status = 'dispatching';

-- The timeline: every transition, in order.
CREATE TABLE task_events (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id           INTEGER NOT NULL REFERENCES tasks(id),
    at                INTEGER NOT NULL,
    event             TEXT NOT NULL,
    from_status       TEXT,
    to_status         TEXT NOT NULL,
    actor_id          INTEGER,                        -- NULL: the platform (timers, dispatcher)
    worker_id         INTEGER                         -- the worker concerned, if any
);
CREATE INDEX task_events_task ON task_events(task_id, id);

-- Every assignment offered, with why.
CREATE TABLE task_assignments (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id           INTEGER NOT NULL REFERENCES tasks(id),
    worker_id         INTEGER NOT NULL REFERENCES users(id),
    assigned_at       INTEGER NOT NULL,
    ack_deadline_at   INTEGER NOT NULL,
    outcome           TEXT NOT NULL DEFAULT 'pending', -- pending, acked, missed, released, cancelled
    resolved_at       INTEGER,
    score             REAL NOT NULL,
    explanation       TEXT NOT NULL                   -- JSON: candidates considered and their score parts
);
CREATE INDEX task_assignments_task ON task_assignments(task_id, id);
CREATE INDEX task_assignments_worker ON task_assignments(worker_id, task_id);

CREATE TABLE task_messages (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id           INTEGER NOT NULL REFERENCES tasks(id),
    sender_id         INTEGER NOT NULL REFERENCES users(id),
    body              TEXT NOT NULL,
    created_at        INTEGER NOT NULL
);
CREATE INDEX task_messages_task ON task_messages(task_id, id);

CREATE TABLE disputes (
    id                INTEGER PRIMARY KEY,
    task_id           INTEGER NOT NULL UNIQUE REFERENCES tasks(id),
    opened_by         INTEGER NOT NULL REFERENCES users(id),
    reason            TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'open',   -- open, resolved
    outcome           TEXT,                           -- release, refund, split
    worker_share_pct  INTEGER,
    created_at        INTEGER NOT NULL,
    resolved_at       INTEGER
);
CREATE INDEX disputes_open ON disputes(created_at) WHERE status = 'open';
