-- The Activity page's filter choices: every action and actor that appears in
-- a log, kept as rows are written, so no page reads the whole log for them.
CREATE TABLE activity_facets (
    -- The organization's id; '' for the site-wide log (rows of no organization).
    scope TEXT NOT NULL,
    -- 'action' or 'actor'
    kind TEXT NOT NULL,
    -- The action, or the actor's user id.
    value TEXT NOT NULL,
    PRIMARY KEY (scope, kind, value)
) WITHOUT ROWID;
INSERT INTO activity_facets (scope, kind, value)
    SELECT DISTINCT COALESCE(org_id, ''), 'action', action FROM activity;
INSERT INTO activity_facets (scope, kind, value)
    SELECT DISTINCT COALESCE(org_id, ''), 'actor', actor_id FROM activity WHERE actor_id IS NOT NULL;
