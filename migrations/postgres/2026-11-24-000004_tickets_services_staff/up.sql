-- Tickets raised in the portal sit next to imported ones; an import replaces
-- only the imported tickets (source = 'import').
ALTER TABLE tickets ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE tickets ADD COLUMN source TEXT NOT NULL DEFAULT 'import';
ALTER TABLE tickets ADD COLUMN raised_by TEXT REFERENCES users (id) ON DELETE SET NULL;
-- Derived from status by domain::ticket::is_closed when a ticket is written.
ALTER TABLE tickets ADD COLUMN closed BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE tickets SET closed = TRUE
    WHERE lower(status) IN ('closed', 'resolved', 'solved', 'cancelled', 'canceled');
CREATE INDEX tickets_list ON tickets (customer_id, closed, updated_at, id);

-- Connection tokens for services (Percona's PMM server); only a hash is kept.
CREATE TABLE service_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    UNIQUE (org_id, name)
);

-- Support staff added with `orgportal staff add` (ORGPORTAL_STAFF_EMAILS adds more).
CREATE TABLE staff (
    email TEXT PRIMARY KEY NOT NULL,
    added_at TIMESTAMP NOT NULL
);
