-- Members added directly by someone with members.invite (ORGPORTAL_DIRECT_ADD),
-- without an invitation to accept: who did it, shown on the Members page.
ALTER TABLE memberships ADD COLUMN added_by TEXT;
