-- Invitations to one project for someone outside its organization (or into
-- a personal project): accepted, they become a direct collaborator.
CREATE TABLE project_invitations (
    id TEXT PRIMARY KEY NOT NULL,
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    role TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    invited_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    -- pending, accepted, declined, revoked, expired
    state TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    responded_at TIMESTAMP,
    responded_by TEXT REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX project_invitations_project_state ON project_invitations (project_id, state, created_at);
-- At most one pending invitation per address and project.
CREATE UNIQUE INDEX project_invitations_one_pending ON project_invitations (project_id, email) WHERE state = 'pending';

ALTER TABLE mail_outbox ADD COLUMN project_invitation_id TEXT REFERENCES project_invitations (id) ON DELETE CASCADE;
CREATE INDEX mail_outbox_project_invitation ON mail_outbox (project_invitation_id);

-- Team page: a project's direct collaborators in the order they were added.
CREATE INDEX project_grants_direct ON project_grants (project_id, direct, created_at, user_id);
