DROP TABLE staff;
DROP TABLE service_tokens;
DROP INDEX tickets_list;
ALTER TABLE tickets DROP COLUMN closed;
ALTER TABLE tickets DROP COLUMN raised_by;
ALTER TABLE tickets DROP COLUMN source;
ALTER TABLE tickets DROP COLUMN description;
