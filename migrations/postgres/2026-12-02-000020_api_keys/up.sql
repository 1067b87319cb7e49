-- Organization API keys for the management API (/api/v1/orgs/{slug}/...).
-- Only a hash of a key is kept; it acts with its permissions intersected with
-- its creator's current ones, and only while the membership it was created
-- under lasts.
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    -- Permission keys, separated by spaces ("members.invite org.view").
    permissions TEXT NOT NULL,
    created_by TEXT NOT NULL,
    -- The creator's name when the key was made: the list and the activity
    -- log still name them after their account is gone.
    creator_name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX api_keys_org ON api_keys (org_id, created_at);

-- Who acted through a key: "API key NAME (created by PERSON)".
ALTER TABLE activity ADD COLUMN via TEXT;

-- Answers to creating requests sent with an Idempotency-Key, kept 24 hours:
-- the same key and body get the first answer again. status 0: in progress.
CREATE TABLE api_idempotency (
    api_key_id TEXT NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (api_key_id, idempotency_key)
);
