-- The Members page (issue 11) reads an organization's members in join order
-- from this index, role and "added by" included, so that a page no longer
-- looks up each of its fifty memberships in the table as well. It replaces
-- memberships_org_joined (the same first columns).
CREATE INDEX memberships_org_page ON memberships (org_id, created_at, user_id, role, added_by);
DROP INDEX memberships_org_joined;
