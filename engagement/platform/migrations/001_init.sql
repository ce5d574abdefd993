-- Accounts, per-event roles, TOTP, events, stream keys, monetization, audit.
CREATE TABLE users (
  id text PRIMARY KEY,
  email text NOT NULL UNIQUE,
  password_hash text NOT NULL,
  is_admin boolean NOT NULL DEFAULT false,
  totp_secret text,
  totp_enabled boolean NOT NULL DEFAULT false,
  totp_last_step bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE recovery_codes (
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  code_hash text NOT NULL,
  used_at timestamptz,
  PRIMARY KEY (user_id, code_hash)
);

CREATE TABLE events (
  id text PRIMARY KEY,
  title text NOT NULL,
  description text NOT NULL DEFAULT '',
  starts_at timestamptz,
  free boolean NOT NULL DEFAULT true,
  status text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'live', 'ended')),
  created_by text NOT NULL REFERENCES users(id),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE event_roles (
  user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  event_id text NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('organizer', 'creator', 'moderator', 'advertiser')),
  PRIMARY KEY (user_id, event_id, role)
);

CREATE TABLE stream_keys (
  id text PRIMARY KEY,
  event_id text NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  angle text NOT NULL,
  label text NOT NULL DEFAULT '',
  key_hash text NOT NULL UNIQUE,
  key_sealed text NOT NULL,
  key_last4 text NOT NULL,
  created_by text NOT NULL REFERENCES users(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
CREATE INDEX stream_keys_event ON stream_keys (event_id, angle);

CREATE TABLE monetization (
  event_id text PRIMARY KEY REFERENCES events(id) ON DELETE CASCADE,
  price_cents integer NOT NULL DEFAULT 0,
  currency text NOT NULL DEFAULT 'EUR',
  payout_iban text NOT NULL DEFAULT '',
  payout_holder text NOT NULL DEFAULT '',
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  actor_id text,
  action text NOT NULL,
  event_id text,
  target text NOT NULL DEFAULT '',
  ip text NOT NULL DEFAULT '',
  result text NOT NULL,
  detail text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_event ON audit_log (event_id, id DESC);
