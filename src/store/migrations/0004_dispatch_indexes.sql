-- Indexes the dispatch engine and the timers need at scale (found by the simulator):
-- re-saving a profile deletes its tags by user; the heartbeat sweep looks for active
-- workers silent since a time.
CREATE INDEX worker_tags_user ON worker_tags(user_id);
DROP INDEX worker_profiles_active;
CREATE INDEX worker_profiles_active_seen ON worker_profiles(active, last_seen_at);
