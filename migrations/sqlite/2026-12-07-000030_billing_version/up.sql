-- The Billing page keeps what its first page shows in memory (issue 33:
-- four to six statements on every request) under billing_version, and reads
-- it again when it moves. These triggers move it with every change the page
-- shows (billing details, the customer account, its entitlements and
-- invoices, the billed members and their names), whichever code or tool
-- makes the change: the customer import writes most of these.
ALTER TABLE organizations ADD COLUMN billing_version BIGINT NOT NULL DEFAULT 0;

CREATE TRIGGER billing_details_version_insert AFTER INSERT ON billing_details BEGIN
    UPDATE organizations SET billing_version = billing_version + 1 WHERE id = new.org_id;
END;
CREATE TRIGGER billing_details_version_update AFTER UPDATE ON billing_details BEGIN
    UPDATE organizations SET billing_version = billing_version + 1 WHERE id IN (old.org_id, new.org_id);
END;
CREATE TRIGGER billing_details_version_delete AFTER DELETE ON billing_details BEGIN
    UPDATE organizations SET billing_version = billing_version + 1 WHERE id = old.org_id;
END;

CREATE TRIGGER billed_members_version_insert AFTER INSERT ON billed_members BEGIN
    UPDATE organizations SET billing_version = billing_version + 1 WHERE id = new.org_id;
END;
CREATE TRIGGER billed_members_version_update AFTER UPDATE ON billed_members BEGIN
    UPDATE organizations SET billing_version = billing_version + 1 WHERE id IN (old.org_id, new.org_id);
END;
CREATE TRIGGER billed_members_version_delete AFTER DELETE ON billed_members BEGIN
    UPDATE organizations SET billing_version = billing_version + 1 WHERE id = old.org_id;
END;

CREATE TRIGGER customers_billing_version_insert AFTER INSERT ON customers BEGIN
    UPDATE organizations SET billing_version = billing_version + 1 WHERE id = new.org_id;
END;
CREATE TRIGGER customers_billing_version_update AFTER UPDATE ON customers BEGIN
    UPDATE organizations SET billing_version = billing_version + 1 WHERE id IN (old.org_id, new.org_id);
END;
CREATE TRIGGER customers_billing_version_delete AFTER DELETE ON customers BEGIN
    UPDATE organizations SET billing_version = billing_version + 1 WHERE id = old.org_id;
END;

CREATE TRIGGER entitlements_billing_version_insert AFTER INSERT ON entitlements BEGIN
    UPDATE organizations SET billing_version = billing_version + 1
        WHERE id = (SELECT org_id FROM customers WHERE id = new.customer_id);
END;
CREATE TRIGGER entitlements_billing_version_update AFTER UPDATE ON entitlements BEGIN
    UPDATE organizations SET billing_version = billing_version + 1
        WHERE id IN (SELECT org_id FROM customers WHERE id IN (old.customer_id, new.customer_id));
END;
CREATE TRIGGER entitlements_billing_version_delete AFTER DELETE ON entitlements BEGIN
    UPDATE organizations SET billing_version = billing_version + 1
        WHERE id = (SELECT org_id FROM customers WHERE id = old.customer_id);
END;

CREATE TRIGGER invoices_billing_version_insert AFTER INSERT ON invoices BEGIN
    UPDATE organizations SET billing_version = billing_version + 1
        WHERE id = (SELECT org_id FROM customers WHERE id = new.customer_id);
END;
CREATE TRIGGER invoices_billing_version_update AFTER UPDATE ON invoices BEGIN
    UPDATE organizations SET billing_version = billing_version + 1
        WHERE id IN (SELECT org_id FROM customers WHERE id IN (old.customer_id, new.customer_id));
END;
CREATE TRIGGER invoices_billing_version_delete AFTER DELETE ON invoices BEGIN
    UPDATE organizations SET billing_version = billing_version + 1
        WHERE id = (SELECT org_id FROM customers WHERE id = old.customer_id);
END;

-- A billed member's name or address (they may have left the organization
-- since, so members_version does not cover them).
CREATE INDEX billed_members_user ON billed_members (user_id);
CREATE TRIGGER users_billing_version AFTER UPDATE OF name, email ON users
WHEN old.name IS NOT new.name OR old.email IS NOT new.email BEGIN
    UPDATE organizations SET billing_version = billing_version + 1
        WHERE id IN (SELECT org_id FROM billed_members WHERE user_id = new.id);
END;
