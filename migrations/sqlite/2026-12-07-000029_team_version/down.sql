DROP TRIGGER users_team_version;
DROP TRIGGER project_invitations_team_delete;
DROP TRIGGER project_invitations_team_update;
DROP TRIGGER project_invitations_team_insert;
DROP TRIGGER project_grants_team_delete;
DROP TRIGGER project_grants_team_update;
DROP TRIGGER project_grants_team_insert;
ALTER TABLE projects DROP COLUMN team_version;
