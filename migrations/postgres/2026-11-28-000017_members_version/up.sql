-- The Members page (issue 11) keeps each organization's first page of members
-- in memory under members_version and reads it again when the number moves.
-- These triggers move it on every change the page shows (a membership added,
-- changed or removed, directly or by a cascade; a member's name or address),
-- whichever code or tool makes the change.
ALTER TABLE organizations ADD COLUMN members_version BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION memberships_members_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE organizations SET members_version = members_version + 1 WHERE id = OLD.org_id;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.org_id IS DISTINCT FROM OLD.org_id) THEN
        UPDATE organizations SET members_version = members_version + 1 WHERE id = NEW.org_id;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER memberships_members_version AFTER INSERT OR UPDATE OR DELETE ON memberships
    FOR EACH ROW EXECUTE FUNCTION memberships_members_version();

CREATE FUNCTION users_members_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE organizations SET members_version = members_version + 1
        WHERE id IN (SELECT org_id FROM memberships WHERE user_id = NEW.id);
    RETURN NULL;
END $$;

CREATE TRIGGER users_members_version AFTER UPDATE OF name, email ON users
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.email IS DISTINCT FROM NEW.email)
    EXECUTE FUNCTION users_members_version();
