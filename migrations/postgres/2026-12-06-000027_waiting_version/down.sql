DROP TRIGGER users_waiting_version ON users;
DROP FUNCTION users_waiting_version();
DROP TRIGGER scim_users_waiting_version ON scim_users;
DROP TRIGGER join_requests_waiting_version ON join_requests;
DROP TRIGGER invitations_waiting_version ON invitations;
DROP FUNCTION org_waiting_version();
ALTER TABLE organizations DROP COLUMN waiting_version;
