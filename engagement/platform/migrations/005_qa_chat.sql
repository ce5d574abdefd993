-- Live Q&A, chat with moderation, per-event interaction settings, and the public display name chat shows.

-- A public name that is never derived from the email: "viewer-" and 4 random hex digits until the user picks one.
-- The default is volatile, so every existing row gets its own.
ALTER TABLE users ADD COLUMN display_name text NOT NULL DEFAULT ('viewer-' || substr(md5(random()::text || clock_timestamp()::text), 1, 4));

-- Per-event settings; an event without a row has the defaults (no slow mode, pre-moderation on, no blocked words).
CREATE TABLE interaction_settings (
  event_id text PRIMARY KEY REFERENCES events(id) ON DELETE CASCADE,
  slow_mode_sec integer NOT NULL DEFAULT 0 CHECK (slow_mode_sec BETWEEN 0 AND 3600),
  qa_premoderation boolean NOT NULL DEFAULT true,
  blocked_words jsonb NOT NULL DEFAULT '[]',
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Bans (no end) and timeouts (until) of one user on one event; at most one of either per user and event.
CREATE TABLE chat_restrictions (
  event_id text NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('ban', 'timeout')),
  until timestamptz,
  reason text NOT NULL DEFAULT '',
  created_by text REFERENCES users(id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (event_id, user_id),
  CHECK ((kind = 'ban') = (until IS NULL))
);

CREATE TABLE questions (
  id text PRIMARY KEY,
  event_id text NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  -- The asker's display name when asking (what the feed item carried).
  author_name text NOT NULL,
  text text NOT NULL,
  anonymous boolean NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
  pinned boolean NOT NULL DEFAULT false,
  answered_at timestamptz,
  -- Kept equal to the question's rows in question_upvotes, in the same transaction as their insert.
  upvotes integer NOT NULL DEFAULT 0 CHECK (upvotes >= 0),
  created_at timestamptz NOT NULL,
  -- Optional client key (Idempotency-Key header): a retried ask returns the stored question.
  client_key text,
  UNIQUE (user_id, client_key)
);
CREATE INDEX questions_event ON questions (event_id, created_at DESC);

CREATE TABLE question_upvotes (
  question_id text NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (question_id, user_id)
);

CREATE TABLE chat_messages (
  id text PRIMARY KEY,
  event_id text NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  -- The message's seq in the event's realtime feed (paging follows it).
  seq bigint NOT NULL,
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  author_name text NOT NULL,
  text text NOT NULL,
  created_at timestamptz NOT NULL,
  deleted_at timestamptz,
  deleted_by text REFERENCES users(id) ON DELETE SET NULL,
  client_key text,
  UNIQUE (event_id, seq),
  UNIQUE (user_id, client_key)
);

-- One report per user per message.
CREATE TABLE chat_reports (
  message_id text NOT NULL REFERENCES chat_messages(id) ON DELETE CASCADE,
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  event_id text NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  reason text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL,
  PRIMARY KEY (message_id, user_id)
);
CREATE INDEX chat_reports_event ON chat_reports (event_id, created_at DESC);
