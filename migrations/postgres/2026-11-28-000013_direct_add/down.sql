ALTER TABLE memberships DROP COLUMN added_by;
