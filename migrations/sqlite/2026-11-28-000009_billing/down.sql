ALTER TABLE entitlements DROP COLUMN price_currency;
ALTER TABLE entitlements DROP COLUMN price_minor;
DROP TABLE invoices;
DROP TABLE billing_details;
