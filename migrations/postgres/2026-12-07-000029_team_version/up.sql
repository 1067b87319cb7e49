-- A project's Team page keeps its first page and the project's waiting
-- invitations in memory (issue 33: three statements on every request) under
-- the organization's members_version and the project's team_version, and
-- reads them again when either moves. These triggers move team_version with
-- every change the page shows that members_version does not (roles set on
-- the project, direct collaborators, invitations), whichever code or tool
-- makes the change.
ALTER TABLE projects ADD COLUMN team_version BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION project_team_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE projects SET team_version = team_version + 1 WHERE id = OLD.project_id;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.project_id IS DISTINCT FROM OLD.project_id) THEN
        UPDATE projects SET team_version = team_version + 1 WHERE id = NEW.project_id;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER project_grants_team_version AFTER INSERT OR UPDATE OR DELETE ON project_grants
    FOR EACH ROW EXECUTE FUNCTION project_team_version();
CREATE TRIGGER project_invitations_team_version AFTER INSERT OR UPDATE OR DELETE ON project_invitations
    FOR EACH ROW EXECUTE FUNCTION project_team_version();

-- A direct collaborator's name or address: they are not members, so
-- members_version does not move for them.
CREATE FUNCTION users_team_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE projects SET team_version = team_version + 1
        WHERE id IN (SELECT project_id FROM project_grants WHERE user_id = NEW.id AND direct);
    RETURN NULL;
END $$;

CREATE TRIGGER users_team_version AFTER UPDATE OF name, email ON users
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.email IS DISTINCT FROM NEW.email)
    EXECUTE FUNCTION users_team_version();
