-- SCIM 2.0 provisioning (issue 32). An organization's directory (Okta,
-- Entra ID, ...) calls /scim/v2/orgs/{slug}/ with a token of scim_tokens
-- (only its SHA-256 is kept). scim_users is the directory's view of a
-- member: the account it maps to, the attributes the directory sent, and,
-- while `active` is false, the role to give back (the membership itself is
-- gone, so a suspended person opens nothing). Keys are lower-cased copies
-- for the case-insensitive attributes (userName, emails, displayName) so
-- that `filter=userName eq "x"` is one index lookup at any size.
-- `active_sent` is false when the directory never sent `active` (or
-- removed it): the person counts as active and the answer leaves it out.
-- scim_groups carry the role the Provisioning page maps them to (NULL:
-- stored, grants nothing).
CREATE TABLE scim_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    creator_name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX scim_tokens_org ON scim_tokens (org_id);

CREATE TABLE scim_users (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    external_id TEXT,
    user_name TEXT NOT NULL,
    user_name_key TEXT NOT NULL,
    display_name TEXT NOT NULL,
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL,
    email_type TEXT NOT NULL,
    email_primary BOOLEAN,
    employee_number TEXT NOT NULL,
    department TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    active_sent BOOLEAN NOT NULL,
    suspended_role TEXT,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX scim_users_name ON scim_users (org_id, user_name_key);
CREATE UNIQUE INDEX scim_users_account ON scim_users (org_id, user_id);
CREATE INDEX scim_users_external ON scim_users (org_id, external_id);
CREATE INDEX scim_users_email ON scim_users (org_id, email_key);
CREATE INDEX scim_users_user ON scim_users (user_id);

CREATE TABLE scim_groups (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    display_name TEXT NOT NULL,
    display_key TEXT NOT NULL,
    external_id TEXT,
    role TEXT,
    version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX scim_groups_name ON scim_groups (org_id, display_key);
CREATE INDEX scim_groups_external ON scim_groups (org_id, external_id);

CREATE TABLE scim_group_members (
    group_id TEXT NOT NULL REFERENCES scim_groups (id) ON DELETE CASCADE,
    scim_user_id TEXT NOT NULL REFERENCES scim_users (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, scim_user_id)
);
CREATE INDEX scim_group_members_user ON scim_group_members (scim_user_id);
