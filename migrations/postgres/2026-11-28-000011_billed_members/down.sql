CREATE TABLE usage_monthly_old AS
    SELECT project_id, month, metric, payer_org_id, SUM(quantity)::BIGINT AS quantity FROM usage_monthly
    GROUP BY project_id, month, metric, payer_org_id;
DROP TABLE usage_monthly;
CREATE TABLE usage_monthly (
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    month DATE NOT NULL,
    metric TEXT NOT NULL,
    payer_org_id TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    PRIMARY KEY (project_id, month, metric, payer_org_id)
);
INSERT INTO usage_monthly SELECT project_id, month, metric, payer_org_id, quantity FROM usage_monthly_old;
DROP TABLE usage_monthly_old;
CREATE INDEX usage_monthly_payer ON usage_monthly (payer_org_id, month, project_id);
DROP INDEX usage_records_day;
DROP INDEX project_owners_org;
ALTER TABLE project_owners DROP COLUMN until;
DROP TABLE usage_org_monthly;
DROP TABLE billed_members;
