-- Customer accounts imported by the operator (`orgportal customers import`).
CREATE TABLE customers (
    id TEXT PRIMARY KEY NOT NULL,
    external_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    org_id TEXT REFERENCES organizations (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX customers_org ON customers (org_id);

CREATE TABLE customer_contacts (
    id TEXT PRIMARY KEY NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    portal_role TEXT NOT NULL,
    UNIQUE (customer_id, email)
);
CREATE INDEX customer_contacts_email ON customer_contacts (email);

CREATE TABLE entitlements (
    id TEXT PRIMARY KEY NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    product TEXT NOT NULL,
    support_level TEXT NOT NULL,
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    quantity INTEGER NOT NULL
);
CREATE INDEX entitlements_customer ON entitlements (customer_id);

CREATE TABLE tickets (
    id TEXT PRIMARY KEY NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    number TEXT NOT NULL,
    subject TEXT NOT NULL,
    status TEXT NOT NULL,
    priority TEXT NOT NULL,
    opened_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (customer_id, number)
);
