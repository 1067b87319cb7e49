-- Members whose personal-space usage an organization pays (Particle's
-- billed users): one row per period, never rewritten but to end it.
CREATE TABLE billed_members (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    since TIMESTAMP NOT NULL,
    until TIMESTAMP,
    added_by TEXT NOT NULL,
    -- Who ended the period, or why it ended (left the organization, ...).
    ended_by TEXT NOT NULL DEFAULT ''
);
-- A person is billed to one organization at a time.
CREATE UNIQUE INDEX billed_members_current ON billed_members (user_id) WHERE until IS NULL;
CREATE INDEX billed_members_org ON billed_members (org_id, since);

-- The page of one organization's bill: totals per month, metric and space
-- ('' its own projects, a user id a billed member's personal space, '-'
-- projects deleted since), kept up to date as records arrive.
CREATE TABLE usage_org_monthly (
    org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    month DATE NOT NULL,
    space TEXT NOT NULL,
    metric TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    PRIMARY KEY (org_id, month, space, metric)
);

-- When each ownership period ended (NULL: the current owner), so that the
-- projects that left an organization in a month are found without reading
-- all of its projects.
ALTER TABLE project_owners ADD COLUMN until TIMESTAMP;
UPDATE project_owners SET until = (
    SELECT MIN(later.since) FROM project_owners later
    WHERE later.project_id = project_owners.project_id AND later.since > project_owners.since
);
CREATE INDEX project_owners_org ON project_owners (org_id, until);
-- One project's usage by day.
CREATE INDEX usage_records_day ON usage_records (project_id, day);

-- The monthly totals gain the billed member through whom an organization
-- pays ('' when it owned the project).
ALTER TABLE usage_monthly ADD COLUMN via_user_id TEXT NOT NULL DEFAULT '';
ALTER TABLE usage_monthly DROP CONSTRAINT usage_monthly_pkey;
ALTER TABLE usage_monthly ADD PRIMARY KEY (project_id, month, metric, payer_org_id, via_user_id);
DROP INDEX usage_monthly_payer;
CREATE INDEX usage_monthly_payer ON usage_monthly (payer_org_id, month, via_user_id, project_id);

INSERT INTO usage_org_monthly (org_id, month, space, metric, quantity)
    SELECT payer_org_id, month, '', metric, SUM(quantity) FROM usage_monthly
    WHERE payer_org_id IN (SELECT id FROM organizations)
    GROUP BY payer_org_id, month, metric;
