CREATE TABLE invitations (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    invited_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    -- pending, accepted, declined, revoked, expired, replaced (by a resend)
    state TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    responded_at TIMESTAMP,
    responded_by TEXT REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX invitations_org_state ON invitations (org_id, state, created_at);
-- At most one pending invitation per address and organization.
CREATE UNIQUE INDEX invitations_one_pending ON invitations (org_id, email) WHERE state = 'pending';

CREATE TABLE mail_outbox (
    id TEXT PRIMARY KEY NOT NULL,
    invitation_id TEXT REFERENCES invitations (id) ON DELETE CASCADE,
    to_addr TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    -- queued, sent, retrying, failed (gave up)
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX mail_outbox_due ON mail_outbox (state, next_attempt_at);
CREATE INDEX mail_outbox_invitation ON mail_outbox (invitation_id);

-- The Members page shows the count on every request: kept up to date by the
-- store in the same transaction as each membership change, so its cost does
-- not grow with the organization.
ALTER TABLE organizations ADD COLUMN member_count INTEGER NOT NULL DEFAULT 0;
UPDATE organizations SET member_count = (SELECT COUNT(*) FROM memberships WHERE memberships.org_id = organizations.id);

-- Members page: keyset pages in join order.
CREATE INDEX memberships_org_joined ON memberships (org_id, created_at, user_id);

-- Every write transaction updates this row first (see db::write_transaction),
-- so it takes SQLite's write lock before reading and waits for it, instead
-- of failing when another writer commits between its read and its write.
CREATE TABLE write_lock (id INTEGER PRIMARY KEY NOT NULL, n INTEGER NOT NULL);
INSERT INTO write_lock (id, n) VALUES (1, 0);
