-- Member search by any part of a name or an address (issue 11): trigram
-- indexes that LIKE '%term%' can use. pg_trgm ships with PostgreSQL and is a
-- trusted extension: a database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
-- fastupdate off: new people go straight into the index instead of a pending
-- list that every search would read whole until the next vacuum (accounts are
-- created rarely, searched often).
CREATE INDEX users_name_trgm ON users USING gin (lower(name) gin_trgm_ops) WITH (fastupdate = off);
CREATE INDEX users_email_trgm ON users USING gin (email gin_trgm_ops) WITH (fastupdate = off);
