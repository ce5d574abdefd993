-- Polls and their votes: one vote per account and poll (the primary key), counts at close come from these rows.
CREATE TABLE polls (
  id text PRIMARY KEY,
  event_id text NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  question text NOT NULL,
  -- [{ "id": "o1", "text": "…" }, …], 2 to 10 entries, ids stable for the poll's life.
  options jsonb NOT NULL,
  status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'open', 'closed')),
  audience text NOT NULL DEFAULT 'everyone' CHECK (audience IN ('everyone')),
  duration_sec integer CHECK (duration_sec IS NULL OR duration_sec > 0),
  -- Wall-clock stamps (the service clock): a player shows each change when its playhead reaches it.
  opened_at timestamptz,
  closes_at timestamptz,
  closed_at timestamptz,
  -- Set once the grace after close has passed; final_counts ({ optionId: n }) are then the exact counts.
  finalized_at timestamptz,
  final_counts jsonb,
  created_by text NOT NULL REFERENCES users(id),
  created_at timestamptz NOT NULL
);
CREATE INDEX polls_event ON polls (event_id, created_at DESC);
-- The sweep that closes polls at closes_at and finalizes them after the grace reads only these.
CREATE INDEX polls_unfinished ON polls (event_id) WHERE finalized_at IS NULL AND status <> 'draft';

-- user_id has no foreign key on purpose: the check would lock (and so write) every voter's users row
-- in the vote batch; the id always comes from a signed-in session.
CREATE TABLE poll_votes (
  poll_id text NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
  user_id text NOT NULL,
  option_id text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (poll_id, user_id)
);
