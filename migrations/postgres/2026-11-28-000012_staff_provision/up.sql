-- Staff who may set up organizations for customers (staff.provision), beside
-- the read-only staff rights every listed person has.
ALTER TABLE staff ADD COLUMN can_provision BOOLEAN NOT NULL DEFAULT FALSE;
