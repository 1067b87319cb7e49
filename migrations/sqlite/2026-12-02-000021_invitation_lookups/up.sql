-- Inviting in bulk (the management API, ten addresses a request) looked up
-- each address's pending invitation and the batch's expired ones through
-- (org_id, state, created_at): every pending invitation of the organization
-- was read for each. The partial index on (org_id, email) cannot serve a
-- query whose state is a bound parameter.
CREATE INDEX invitations_org_email ON invitations (org_id, email);
CREATE INDEX invitations_org_expiry ON invitations (org_id, state, expires_at);
