-- The Billing page keeps what its first page shows in memory (issue 33:
-- four to six statements on every request) under billing_version, and reads
-- it again when it moves. These triggers move it with every change the page
-- shows (billing details, the customer account, its entitlements and
-- invoices, the billed members and their names), whichever code or tool
-- makes the change: the customer import writes most of these.
ALTER TABLE organizations ADD COLUMN billing_version BIGINT NOT NULL DEFAULT 0;

-- Rows with an org_id: billing details, billed members, customer accounts.
CREATE FUNCTION org_billing_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE organizations SET billing_version = billing_version + 1 WHERE id = OLD.org_id;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.org_id IS DISTINCT FROM OLD.org_id) THEN
        UPDATE organizations SET billing_version = billing_version + 1 WHERE id = NEW.org_id;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER billing_details_billing_version AFTER INSERT OR UPDATE OR DELETE ON billing_details
    FOR EACH ROW EXECUTE FUNCTION org_billing_version();
CREATE TRIGGER billed_members_billing_version AFTER INSERT OR UPDATE OR DELETE ON billed_members
    FOR EACH ROW EXECUTE FUNCTION org_billing_version();
CREATE TRIGGER customers_billing_version AFTER INSERT OR UPDATE OR DELETE ON customers
    FOR EACH ROW EXECUTE FUNCTION org_billing_version();

-- Rows of a customer account: entitlements and invoices.
CREATE FUNCTION customer_billing_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE organizations SET billing_version = billing_version + 1
            WHERE id = (SELECT org_id FROM customers WHERE id = OLD.customer_id);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.customer_id IS DISTINCT FROM OLD.customer_id) THEN
        UPDATE organizations SET billing_version = billing_version + 1
            WHERE id = (SELECT org_id FROM customers WHERE id = NEW.customer_id);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER entitlements_billing_version AFTER INSERT OR UPDATE OR DELETE ON entitlements
    FOR EACH ROW EXECUTE FUNCTION customer_billing_version();
CREATE TRIGGER invoices_billing_version AFTER INSERT OR UPDATE OR DELETE ON invoices
    FOR EACH ROW EXECUTE FUNCTION customer_billing_version();

-- A billed member's name or address (they may have left the organization
-- since, so members_version does not cover them).
CREATE INDEX billed_members_user ON billed_members (user_id);
CREATE FUNCTION users_billing_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE organizations SET billing_version = billing_version + 1
        WHERE id IN (SELECT org_id FROM billed_members WHERE user_id = NEW.id);
    RETURN NULL;
END $$;

CREATE TRIGGER users_billing_version AFTER UPDATE OF name, email ON users
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.email IS DISTINCT FROM NEW.email)
    EXECUTE FUNCTION users_billing_version();
