-- The series (GET /admin/metrics/series, src/market/series.c) reads the history by time
-- range: the timeline's events and the ledger's transfers by when they happened, the tasks
-- by when they were posted, and the tasks not yet final by when they were posted (those
-- posted before the range that are still open count as open in it). Without these every
-- answer read every task and every event (docs/BENCHMARKS.md, "Series"). The two time
-- indexes carry the columns the series reads, so a range is read from the index alone.
CREATE INDEX task_events_at ON task_events (at, event, to_status, worker_id);
CREATE INDEX tasks_created ON tasks (created_at);
CREATE INDEX tasks_open_created ON tasks (created_at)
    WHERE status NOT IN ('completed', 'resolved', 'cancelled', 'expired');
CREATE INDEX ledger_transfers_created ON ledger_transfers (created_at, status, kind, asset, amount);
