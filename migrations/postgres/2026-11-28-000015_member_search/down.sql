-- The extension stays: it may have been there before, or be used by others.
DROP INDEX users_email_trgm;
DROP INDEX users_name_trgm;
