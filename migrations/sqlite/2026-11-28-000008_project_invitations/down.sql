DROP INDEX project_grants_direct;
DROP INDEX mail_outbox_project_invitation;
DELETE FROM mail_outbox WHERE project_invitation_id IS NOT NULL;
ALTER TABLE mail_outbox DROP COLUMN project_invitation_id;
DROP TABLE project_invitations;
