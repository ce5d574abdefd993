-- Real-time feed: every ordered item (questions, chat, deletions, moderation) of an event, sequenced per event.
-- One row per event holds the last seq handed out; appending updates it inside the caller's transaction, so
-- the row lock orders appends and a rolled-back effect leaves no hole in the sequence.
CREATE TABLE realtime_feed_seq (
  event_id text PRIMARY KEY REFERENCES events(id) ON DELETE CASCADE,
  last_seq bigint NOT NULL CHECK (last_seq >= 0)
);

CREATE TABLE realtime_feed (
  event_id text NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  seq bigint NOT NULL CHECK (seq > 0),
  -- What the audience sees; NULL for moderator-only items (pending questions, reports).
  public_msg jsonb,
  -- What moderators see (always present).
  moderator_msg jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (event_id, seq)
);
