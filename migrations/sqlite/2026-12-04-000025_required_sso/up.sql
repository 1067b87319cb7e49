-- Required SSO (issue 31): each session records the provider it was signed
-- in with ('sso:<connection id>' for an organization's own), and an
-- organization that requires its provider for the covered domains says so
-- on its own row ('<connection id> <domain> ...'), which every page of the
-- organization reads anyway: checking it costs no statement.
ALTER TABLE sessions ADD COLUMN provider TEXT NOT NULL DEFAULT '';
ALTER TABLE sso_connections ADD COLUMN required BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE organizations ADD COLUMN sso_required TEXT;
