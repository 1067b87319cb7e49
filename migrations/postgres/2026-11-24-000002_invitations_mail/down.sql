DROP INDEX memberships_org_joined;
ALTER TABLE organizations DROP COLUMN member_count;
DROP TABLE mail_outbox;
DROP TABLE invitations;
