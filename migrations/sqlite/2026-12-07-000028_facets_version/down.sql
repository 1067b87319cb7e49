DROP TRIGGER users_facets_version_delete;
DROP TRIGGER users_facets_version_email;
DROP INDEX activity_facets_actor;
DROP TRIGGER activity_facets_version_delete;
DROP TRIGGER activity_facets_version_update;
DROP TRIGGER activity_facets_version_insert;
ALTER TABLE organizations DROP COLUMN facets_version;
