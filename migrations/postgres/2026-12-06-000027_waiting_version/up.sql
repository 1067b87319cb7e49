-- The Members page keeps each organization's side lists in memory (issue 33:
-- the pending invitations, the join requests and the people its directory
-- suspended, three statements that found nothing on most requests) under
-- waiting_version, with members_version (an inviter's name), and reads them
-- again when either moves. These triggers move it on every change those
-- lists show, whichever code or tool makes the change.
ALTER TABLE organizations ADD COLUMN waiting_version BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION org_waiting_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE organizations SET waiting_version = waiting_version + 1 WHERE id = OLD.org_id;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.org_id IS DISTINCT FROM OLD.org_id) THEN
        UPDATE organizations SET waiting_version = waiting_version + 1 WHERE id = NEW.org_id;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER invitations_waiting_version AFTER INSERT OR UPDATE OR DELETE ON invitations
    FOR EACH ROW EXECUTE FUNCTION org_waiting_version();
CREATE TRIGGER join_requests_waiting_version AFTER INSERT OR UPDATE OR DELETE ON join_requests
    FOR EACH ROW EXECUTE FUNCTION org_waiting_version();
CREATE TRIGGER scim_users_waiting_version AFTER INSERT OR UPDATE OR DELETE ON scim_users
    FOR EACH ROW EXECUTE FUNCTION org_waiting_version();

-- A requester's or a suspended person's name or address: they are not
-- members, so members_version does not move for them. (An inviter who has
-- since left and is renamed is not looked for: invitations have no index by
-- inviter, and a directory renaming thousands would read them all each
-- time; the old name shows until the list's next change.)
CREATE FUNCTION users_waiting_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE organizations SET waiting_version = waiting_version + 1
        WHERE id IN (SELECT org_id FROM join_requests WHERE user_id = NEW.id)
           OR id IN (SELECT org_id FROM scim_users WHERE user_id = NEW.id);
    RETURN NULL;
END $$;

CREATE TRIGGER users_waiting_version AFTER UPDATE OF name, email ON users
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.email IS DISTINCT FROM NEW.email)
    EXECUTE FUNCTION users_waiting_version();
