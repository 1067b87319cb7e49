-- The Activity page keeps each organization's filter choices in memory
-- (issue 33: one statement on every Activity request, for lists that change
-- when a new action or actor first appears) under facets_version, and reads
-- them again when it moves. These triggers move it with every change the
-- choices show, whichever code or tool makes the change.
ALTER TABLE organizations ADD COLUMN facets_version BIGINT NOT NULL DEFAULT 0;

CREATE TRIGGER activity_facets_version_insert AFTER INSERT ON activity_facets BEGIN
    UPDATE organizations SET facets_version = facets_version + 1 WHERE id = new.scope;
END;
CREATE TRIGGER activity_facets_version_update AFTER UPDATE ON activity_facets BEGIN
    UPDATE organizations SET facets_version = facets_version + 1 WHERE id IN (old.scope, new.scope);
END;
CREATE TRIGGER activity_facets_version_delete AFTER DELETE ON activity_facets BEGIN
    UPDATE organizations SET facets_version = facets_version + 1 WHERE id = old.scope;
END;

-- The actors' choices show their addresses, and an actor whose account is
-- deleted drops out: the logs they acted in are found by this index.
CREATE INDEX activity_facets_actor ON activity_facets (value) WHERE kind = 'actor';
CREATE TRIGGER users_facets_version_email AFTER UPDATE OF email ON users
WHEN old.email IS NOT new.email BEGIN
    UPDATE organizations SET facets_version = facets_version + 1
        WHERE id IN (SELECT scope FROM activity_facets WHERE kind = 'actor' AND value = new.id);
END;
CREATE TRIGGER users_facets_version_delete AFTER DELETE ON users BEGIN
    UPDATE organizations SET facets_version = facets_version + 1
        WHERE id IN (SELECT scope FROM activity_facets WHERE kind = 'actor' AND value = old.id);
END;
