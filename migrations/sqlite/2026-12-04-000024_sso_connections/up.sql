-- An organization's own identity provider (issue 31): one connection per
-- organization; kind 'oidc' (OpenID Connect) now, room for 'saml'. The client
-- secret is sealed (domain::sealed). `domains` lists the organization's
-- verified domains the connection covers, separated by spaces. A change of
-- issuer, client or secret clears tested_at: it is offered at sign-in only
-- after a successful test sign-in by an admin.
CREATE TABLE sso_connections (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL UNIQUE REFERENCES organizations (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    issuer TEXT NOT NULL,
    client_id TEXT NOT NULL,
    client_secret TEXT NOT NULL,
    domains TEXT NOT NULL,
    default_role TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    tested_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    tested_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
