ALTER TABLE memberships DROP COLUMN default_project_role;
DROP TABLE project_grants;
DROP TABLE projects;
