ALTER TABLE staff DROP COLUMN can_provision;
