DROP INDEX memberships_org_joined;
DROP TABLE mail_outbox;
DROP TABLE invitations;
