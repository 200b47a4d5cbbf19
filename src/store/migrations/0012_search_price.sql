-- The price estimate of a search (GET /api/v1/search, src/market/searching.c) reads the
-- latest completed money tasks of one category; without this every search read every task.
CREATE INDEX tasks_completed_money ON tasks (category, id) WHERE status = 'completed' AND comp_kind = 'money';
