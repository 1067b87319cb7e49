DROP TRIGGER users_facets_version_delete ON users;
DROP TRIGGER users_facets_version_email ON users;
DROP FUNCTION users_facets_version();
DROP INDEX activity_facets_actor;
DROP TRIGGER activity_facets_version ON activity_facets;
DROP FUNCTION org_facets_version();
ALTER TABLE organizations DROP COLUMN facets_version;
