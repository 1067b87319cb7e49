-- An organization's billing details (the Billing page; billing.manage edits them).
CREATE TABLE billing_details (
    org_id TEXT PRIMARY KEY NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    contact_name TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    legal_name TEXT NOT NULL,
    address_line1 TEXT NOT NULL,
    address_line2 TEXT NOT NULL,
    city TEXT NOT NULL,
    postal_code TEXT NOT NULL,
    -- ISO 3166-1 alpha-2
    country TEXT NOT NULL,
    tax_id TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Invoices of a customer account, from the operator's import. Amounts are
-- integers in the currency's minor unit (cents; yen have none).
CREATE TABLE invoices (
    id TEXT PRIMARY KEY NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    number TEXT NOT NULL,
    issued_on DATE NOT NULL,
    period_start DATE NOT NULL,
    period_end DATE NOT NULL,
    amount_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    -- open, paid, overdue, void
    status TEXT NOT NULL,
    due_on DATE NOT NULL,
    pdf_url TEXT,
    -- When the billing contact was told of it, and of it being overdue (once each).
    notified_at TIMESTAMP,
    overdue_notified_at TIMESTAMP,
    UNIQUE (customer_id, number)
);
-- Billing page: newest first, keyset.
CREATE INDEX invoices_customer_issued ON invoices (customer_id, issued_on, id);

-- An entitlement's price, when the import carries one (the subscription summary).
ALTER TABLE entitlements ADD COLUMN price_minor BIGINT;
ALTER TABLE entitlements ADD COLUMN price_currency TEXT;
