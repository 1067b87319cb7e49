-- The Members page (issue 11) reads an organization's members in join order
-- from this index, role and "added by" included, so that a page can be an
-- index-only scan of memberships. It replaces memberships_org_joined (the
-- same key columns).
CREATE INDEX memberships_org_page ON memberships (org_id, created_at, user_id) INCLUDE (role, added_by);
DROP INDEX memberships_org_joined;
