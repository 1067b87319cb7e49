-- The Members page keeps each organization's side lists in memory (issue 33:
-- the pending invitations, the join requests and the people its directory
-- suspended, three statements that found nothing on most requests) under
-- waiting_version, with members_version (an inviter's name), and reads them
-- again when either moves. These triggers move it on every change those
-- lists show, whichever code or tool makes the change.
ALTER TABLE organizations ADD COLUMN waiting_version BIGINT NOT NULL DEFAULT 0;

CREATE TRIGGER invitations_waiting_insert AFTER INSERT ON invitations BEGIN
    UPDATE organizations SET waiting_version = waiting_version + 1 WHERE id = new.org_id;
END;
CREATE TRIGGER invitations_waiting_update AFTER UPDATE ON invitations BEGIN
    UPDATE organizations SET waiting_version = waiting_version + 1 WHERE id IN (old.org_id, new.org_id);
END;
CREATE TRIGGER invitations_waiting_delete AFTER DELETE ON invitations BEGIN
    UPDATE organizations SET waiting_version = waiting_version + 1 WHERE id = old.org_id;
END;

CREATE TRIGGER join_requests_waiting_insert AFTER INSERT ON join_requests BEGIN
    UPDATE organizations SET waiting_version = waiting_version + 1 WHERE id = new.org_id;
END;
CREATE TRIGGER join_requests_waiting_update AFTER UPDATE ON join_requests BEGIN
    UPDATE organizations SET waiting_version = waiting_version + 1 WHERE id IN (old.org_id, new.org_id);
END;
CREATE TRIGGER join_requests_waiting_delete AFTER DELETE ON join_requests BEGIN
    UPDATE organizations SET waiting_version = waiting_version + 1 WHERE id = old.org_id;
END;

CREATE TRIGGER scim_users_waiting_insert AFTER INSERT ON scim_users BEGIN
    UPDATE organizations SET waiting_version = waiting_version + 1 WHERE id = new.org_id;
END;
CREATE TRIGGER scim_users_waiting_update AFTER UPDATE ON scim_users BEGIN
    UPDATE organizations SET waiting_version = waiting_version + 1 WHERE id IN (old.org_id, new.org_id);
END;
CREATE TRIGGER scim_users_waiting_delete AFTER DELETE ON scim_users BEGIN
    UPDATE organizations SET waiting_version = waiting_version + 1 WHERE id = old.org_id;
END;

-- A requester's or a suspended person's name or address: they are not
-- members, so members_version does not move for them. (An inviter who has
-- since left and is renamed is not looked for: invitations have no index by
-- inviter, and a directory renaming thousands would read them all each
-- time; the old name shows until the list's next change.)
CREATE TRIGGER users_waiting_version AFTER UPDATE OF name, email ON users
WHEN old.name IS NOT new.name OR old.email IS NOT new.email BEGIN
    UPDATE organizations SET waiting_version = waiting_version + 1
        WHERE id IN (SELECT org_id FROM join_requests WHERE user_id = new.id)
           OR id IN (SELECT org_id FROM scim_users WHERE user_id = new.id);
END;
