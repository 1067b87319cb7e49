-- Member search on SQLite (issue 11), second form. The index's matches were
-- looked up one by one: document -> users_search_docs -> users (by text key,
-- for the name and address to check) -> memberships (by user, then the table
-- for org_id). Now users_search_docs holds the name and address it indexes,
-- and is the FTS5 table's content (external content: the text is stored
-- once, here), so a match is checked by its document number alone; and the
-- memberships index by user holds what the Members page shows, so the
-- organization is checked in the index. PostgreSQL searches with its
-- trigram indexes and needs no change.
DROP TRIGGER users_search_insert;
DROP TRIGGER users_search_update;
DROP TRIGGER users_search_delete;
DROP TABLE users_search;

ALTER TABLE users_search_docs ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE users_search_docs ADD COLUMN email TEXT NOT NULL DEFAULT '';
UPDATE users_search_docs SET
    name = (SELECT name FROM users WHERE users.id = users_search_docs.user_id),
    email = (SELECT email FROM users WHERE users.id = users_search_docs.user_id);

CREATE VIRTUAL TABLE users_search USING fts5 (
    name, email, content = 'users_search_docs', content_rowid = 'doc', tokenize = 'trigram'
);
INSERT INTO users_search (users_search) VALUES ('rebuild');
INSERT INTO users_search (users_search) VALUES ('optimize');

-- An external-content index forgets a row by being told its old text, so
-- every change reads it from users_search_docs before that changes.
CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN
    INSERT INTO users_search_docs (user_id, name, email) VALUES (new.id, new.name, new.email);
    INSERT INTO users_search (rowid, name, email) VALUES (last_insert_rowid(), new.name, new.email);
END;

CREATE TRIGGER users_search_update AFTER UPDATE OF name, email ON users
WHEN old.name IS NOT new.name OR old.email IS NOT new.email BEGIN
    INSERT INTO users_search (users_search, rowid, name, email)
        SELECT 'delete', doc, name, email FROM users_search_docs WHERE user_id = new.id;
    UPDATE users_search_docs SET name = new.name, email = new.email WHERE user_id = new.id;
    INSERT INTO users_search (rowid, name, email)
        SELECT doc, name, email FROM users_search_docs WHERE user_id = new.id;
END;

CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN
    INSERT INTO users_search (users_search, rowid, name, email)
        SELECT 'delete', doc, name, email FROM users_search_docs WHERE user_id = old.id;
    DELETE FROM users_search_docs WHERE user_id = old.id;
END;

CREATE INDEX memberships_user_orgs ON memberships (user_id, org_id, created_at, role, added_by);
DROP INDEX memberships_user;
