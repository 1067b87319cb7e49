-- Webhooks (issue 30): an organization's endpoints, the events its changes
-- wrote (in the change's own transaction), and one delivery per event and
-- endpoint that receives it, delivered by the worker in src/webhooks/.
--
-- An endpoint outlives its organization long enough to hear org.deleted:
-- org_id becomes NULL and deleted_at is set; upkeep removes it once nothing
-- is left to deliver.
CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT REFERENCES organizations (id) ON DELETE SET NULL,
    url TEXT NOT NULL,
    description TEXT NOT NULL,
    -- "*" for every event type, or the chosen ones separated by spaces.
    event_types TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    -- Why the portal turned it off (3 days of failures); NULL otherwise.
    disabled_reason TEXT,
    -- whsec_ secrets; the previous one signs too until previous_until.
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_until TIMESTAMP,
    failing_since TIMESTAMP,
    -- The per-endpoint lease: one worker at a time delivers its queue, in order.
    locked_until TIMESTAMP,
    created_by TEXT,
    created_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE INDEX webhook_endpoints_org ON webhook_endpoints (org_id, created_at);

CREATE TABLE webhook_events (
    -- msg_ + a UUID v7: the webhook-id header, the same on every attempt.
    id TEXT PRIMARY KEY NOT NULL,
    -- No foreign key: org.deleted is delivered after the organization is gone.
    org_id TEXT,
    event_type TEXT NOT NULL,
    -- The body's data, as JSON.
    data TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX webhook_events_created ON webhook_events (created_at);

CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY NOT NULL,
    event_id TEXT NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    -- pending, delivered, failed
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    first_attempt_at TIMESTAMP,
    last_attempt_at TIMESTAMP,
    last_status INTEGER,
    last_duration_ms INTEGER,
    last_error TEXT,
    -- The first 4 KB of the last response's body.
    last_response TEXT,
    created_at TIMESTAMP NOT NULL
);
-- The worker's queue per endpoint, oldest first; the deliveries page's keyset.
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, state, created_at, id);
CREATE INDEX webhook_deliveries_listed ON webhook_deliveries (endpoint_id, created_at, id);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);
