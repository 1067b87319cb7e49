DROP TABLE provider_events;
DROP TABLE payment_methods;
DROP INDEX billing_details_provider_customer;
ALTER TABLE billing_details DROP COLUMN provider_customer_id;
