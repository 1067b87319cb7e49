DROP TABLE tickets;
DROP TABLE entitlements;
DROP TABLE customer_contacts;
DROP TABLE customers;
