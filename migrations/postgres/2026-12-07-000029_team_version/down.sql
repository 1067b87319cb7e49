DROP TRIGGER users_team_version ON users;
DROP FUNCTION users_team_version();
DROP TRIGGER project_invitations_team_version ON project_invitations;
DROP TRIGGER project_grants_team_version ON project_grants;
DROP FUNCTION project_team_version();
ALTER TABLE projects DROP COLUMN team_version;
