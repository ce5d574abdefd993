-- Pruning of realtime_feed (engagement/realtime/feed-prune.ts): when the prune job first saw each event ended.
-- The events table keeps no end time; retention after the end counts from this moment, which is at most one
-- prune period after the real end, so rows are never removed early. Kept apart from realtime_feed_seq so the
-- job never waits on the counter row that appenders hold locked until they commit.
CREATE TABLE realtime_feed_ended (
  event_id text PRIMARY KEY REFERENCES events(id) ON DELETE CASCADE,
  seen_at timestamptz NOT NULL
);
