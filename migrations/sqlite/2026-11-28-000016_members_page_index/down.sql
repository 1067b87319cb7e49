CREATE INDEX memberships_org_joined ON memberships (org_id, created_at, user_id);
DROP INDEX memberships_org_page;
