-- Projects (Particle's products, Segments' datasets, Packet's projects),
-- owned by an organization or by one person's personal space.
CREATE TABLE projects (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT REFERENCES organizations (id) ON DELETE CASCADE,
    owner_user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    slug TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    CHECK ((org_id IS NULL) <> (owner_user_id IS NULL))
);
-- The URL name is unique within its owner.
CREATE UNIQUE INDEX projects_org_slug ON projects (org_id, slug) WHERE org_id IS NOT NULL;
CREATE UNIQUE INDEX projects_personal_slug ON projects (owner_user_id, slug) WHERE owner_user_id IS NOT NULL;
-- Project lists: keyset pages in name order.
CREATE INDEX projects_org_name ON projects (org_id, name, id);
CREATE INDEX projects_personal_name ON projects (owner_user_id, name, id);

-- A member's role on one project of their organization ('' for none), or a
-- direct collaborator's role on a project (direct = true: not a member).
CREATE TABLE project_grants (
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    direct BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_grants_user ON project_grants (user_id);

-- A member's role on every project of the organization: NULL for "same as
-- organization role", '' for none, else a catalog role.
ALTER TABLE memberships ADD COLUMN default_project_role TEXT;
