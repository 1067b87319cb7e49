DROP TABLE write_lock;
DROP INDEX memberships_org_joined;
DROP TABLE mail_outbox;
DROP TABLE invitations;
