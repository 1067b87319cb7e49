-- Server-side sessions: the cookie carries a random token; only its SHA-256
-- hash is kept. Sign-out deletes the row, so a copied cookie dies with it.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    -- The absolute end (created + ORGPORTAL_SESSION_MAX); the idle end is
    -- last_seen_at + ORGPORTAL_SESSION_IDLE, checked with the setting in force.
    expires_at TIMESTAMP NOT NULL,
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id, created_at);

-- A person's own sign-ins, sign-outs and session revocations (Settings ->
-- Security log); removed with the account.
CREATE TABLE security_events (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    action TEXT NOT NULL,
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    details TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX security_events_user_time ON security_events (user_id, created_at, id);

-- The actor's name as it was, filled in when the account is deleted (the
-- activity row then loses its actor_id but keeps who did it).
ALTER TABLE activity ADD COLUMN actor_name TEXT;
