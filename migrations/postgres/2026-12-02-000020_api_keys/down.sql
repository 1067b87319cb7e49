DROP TABLE api_idempotency;
ALTER TABLE activity DROP COLUMN via;
DROP TABLE api_keys;
