-- The Activity page keeps each organization's filter choices in memory
-- (issue 33: one statement on every Activity request, for lists that change
-- when a new action or actor first appears) under facets_version, and reads
-- them again when it moves. These triggers move it with every change the
-- choices show, whichever code or tool makes the change.
ALTER TABLE organizations ADD COLUMN facets_version BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION org_facets_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE organizations SET facets_version = facets_version + 1 WHERE id = OLD.scope;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.scope IS DISTINCT FROM OLD.scope) THEN
        UPDATE organizations SET facets_version = facets_version + 1 WHERE id = NEW.scope;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER activity_facets_version AFTER INSERT OR UPDATE OR DELETE ON activity_facets
    FOR EACH ROW EXECUTE FUNCTION org_facets_version();

-- The actors' choices show their addresses, and an actor whose account is
-- deleted drops out: the logs they acted in are found by this index.
CREATE INDEX activity_facets_actor ON activity_facets (value) WHERE kind = 'actor';
CREATE FUNCTION users_facets_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE organizations SET facets_version = facets_version + 1
        WHERE id IN (SELECT scope FROM activity_facets WHERE kind = 'actor' AND value = OLD.id);
    RETURN NULL;
END $$;

CREATE TRIGGER users_facets_version_email AFTER UPDATE OF email ON users
    FOR EACH ROW WHEN (OLD.email IS DISTINCT FROM NEW.email)
    EXECUTE FUNCTION users_facets_version();
CREATE TRIGGER users_facets_version_delete AFTER DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION users_facets_version();
