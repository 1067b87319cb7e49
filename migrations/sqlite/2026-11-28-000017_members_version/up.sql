-- The Members page (issue 11) keeps each organization's first page of members
-- in memory under members_version and reads it again when the number moves.
-- These triggers move it on every change the page shows (a membership added,
-- changed or removed, directly or by a cascade; a member's name or address),
-- whichever code or tool makes the change.
ALTER TABLE organizations ADD COLUMN members_version BIGINT NOT NULL DEFAULT 0;

CREATE TRIGGER memberships_version_insert AFTER INSERT ON memberships BEGIN
    UPDATE organizations SET members_version = members_version + 1 WHERE id = new.org_id;
END;

CREATE TRIGGER memberships_version_update AFTER UPDATE ON memberships BEGIN
    UPDATE organizations SET members_version = members_version + 1 WHERE id IN (old.org_id, new.org_id);
END;

CREATE TRIGGER memberships_version_delete AFTER DELETE ON memberships BEGIN
    UPDATE organizations SET members_version = members_version + 1 WHERE id = old.org_id;
END;

CREATE TRIGGER users_members_version AFTER UPDATE OF name, email ON users
WHEN old.name IS NOT new.name OR old.email IS NOT new.email BEGIN
    UPDATE organizations SET members_version = members_version + 1
        WHERE id IN (SELECT org_id FROM memberships WHERE user_id = new.id);
END;
