DROP TRIGGER users_members_version;
DROP TRIGGER memberships_version_delete;
DROP TRIGGER memberships_version_update;
DROP TRIGGER memberships_version_insert;
ALTER TABLE organizations DROP COLUMN members_version;
