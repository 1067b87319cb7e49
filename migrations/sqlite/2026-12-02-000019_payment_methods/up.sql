-- Payment methods through the payment provider (Stripe): the portal keeps the
-- provider's ids and what it shows of a card, never a card number.

-- The organization's customer at the provider, created on first use.
ALTER TABLE billing_details ADD COLUMN provider_customer_id TEXT;
CREATE UNIQUE INDEX billing_details_provider_customer ON billing_details (provider_customer_id);

-- What the provider last said about each of the organization's methods.
CREATE TABLE payment_methods (
    provider_id TEXT PRIMARY KEY NOT NULL,
    org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    brand TEXT NOT NULL,
    last4 TEXT NOT NULL,
    exp_month INTEGER NOT NULL,
    exp_year INTEGER NOT NULL,
    is_default BOOLEAN NOT NULL,
    added_at TIMESTAMP NOT NULL
);
CREATE INDEX payment_methods_org ON payment_methods (org_id, added_at);

-- Provider webhook events already handled: each id is handled once.
CREATE TABLE provider_events (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL
);
