DROP TABLE usage_monthly;
DROP TABLE usage_records;
DROP TABLE project_owners;
