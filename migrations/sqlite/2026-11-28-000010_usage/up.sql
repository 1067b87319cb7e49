-- Who owned a project from when: usage is billed to the owner of the day it
-- happened on, also after a transfer. Existing projects start at creation.
CREATE TABLE project_owners (
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    since TIMESTAMP NOT NULL,
    org_id TEXT REFERENCES organizations (id) ON DELETE SET NULL,
    owner_user_id TEXT REFERENCES users (id) ON DELETE SET NULL,
    PRIMARY KEY (project_id, since)
);
INSERT INTO project_owners (project_id, since, org_id, owner_user_id)
    SELECT id, created_at, org_id, owner_user_id FROM projects;

-- Usage the platform reports with a project's token; its own record id makes
-- a retry count once.
CREATE TABLE usage_records (
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    record_id TEXT NOT NULL,
    metric TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    day DATE NOT NULL,
    received_at TIMESTAMP NOT NULL,
    PRIMARY KEY (project_id, record_id)
);

-- Monthly totals kept up to date as records arrive (a page never sums raw
-- rows): per project, month, metric and the organization that pays (''
-- when nobody's organization does).
CREATE TABLE usage_monthly (
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    month DATE NOT NULL,
    metric TEXT NOT NULL,
    payer_org_id TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    PRIMARY KEY (project_id, month, metric, payer_org_id)
);
CREATE INDEX usage_monthly_payer ON usage_monthly (payer_org_id, month, project_id);
