ALTER TABLE organizations DROP COLUMN sso_required;
ALTER TABLE sso_connections DROP COLUMN required;
ALTER TABLE sessions DROP COLUMN provider;
