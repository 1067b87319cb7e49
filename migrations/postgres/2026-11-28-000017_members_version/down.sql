DROP TRIGGER users_members_version ON users;
DROP FUNCTION users_members_version();
DROP TRIGGER memberships_members_version ON memberships;
DROP FUNCTION memberships_members_version();
ALTER TABLE organizations DROP COLUMN members_version;
