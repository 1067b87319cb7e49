-- A project's Team page keeps its first page and the project's waiting
-- invitations in memory (issue 33: three statements on every request) under
-- the organization's members_version and the project's team_version, and
-- reads them again when either moves. These triggers move team_version with
-- every change the page shows that members_version does not (roles set on
-- the project, direct collaborators, invitations), whichever code or tool
-- makes the change.
ALTER TABLE projects ADD COLUMN team_version BIGINT NOT NULL DEFAULT 0;

CREATE TRIGGER project_grants_team_insert AFTER INSERT ON project_grants BEGIN
    UPDATE projects SET team_version = team_version + 1 WHERE id = new.project_id;
END;
CREATE TRIGGER project_grants_team_update AFTER UPDATE ON project_grants BEGIN
    UPDATE projects SET team_version = team_version + 1 WHERE id IN (old.project_id, new.project_id);
END;
CREATE TRIGGER project_grants_team_delete AFTER DELETE ON project_grants BEGIN
    UPDATE projects SET team_version = team_version + 1 WHERE id = old.project_id;
END;

CREATE TRIGGER project_invitations_team_insert AFTER INSERT ON project_invitations BEGIN
    UPDATE projects SET team_version = team_version + 1 WHERE id = new.project_id;
END;
CREATE TRIGGER project_invitations_team_update AFTER UPDATE ON project_invitations BEGIN
    UPDATE projects SET team_version = team_version + 1 WHERE id IN (old.project_id, new.project_id);
END;
CREATE TRIGGER project_invitations_team_delete AFTER DELETE ON project_invitations BEGIN
    UPDATE projects SET team_version = team_version + 1 WHERE id = old.project_id;
END;

-- A direct collaborator's name or address: they are not members, so
-- members_version does not move for them.
CREATE TRIGGER users_team_version AFTER UPDATE OF name, email ON users
WHEN old.name IS NOT new.name OR old.email IS NOT new.email BEGIN
    UPDATE projects SET team_version = team_version + 1
        WHERE id IN (SELECT project_id FROM project_grants WHERE user_id = new.id AND direct);
END;
