CREATE INDEX memberships_user ON memberships (user_id);
DROP INDEX memberships_user_orgs;

DROP TRIGGER users_search_insert;
DROP TRIGGER users_search_update;
DROP TRIGGER users_search_delete;
DROP TABLE users_search;
ALTER TABLE users_search_docs DROP COLUMN name;
ALTER TABLE users_search_docs DROP COLUMN email;

CREATE VIRTUAL TABLE users_search USING fts5 (document, tokenize = 'trigram');
INSERT INTO users_search (rowid, document)
    SELECT d.doc, u.name || char(10) || u.email FROM users_search_docs d JOIN users u ON u.id = d.user_id;

CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN
    INSERT INTO users_search_docs (user_id) VALUES (new.id);
    INSERT INTO users_search (rowid, document) VALUES (last_insert_rowid(), new.name || char(10) || new.email);
END;

CREATE TRIGGER users_search_update AFTER UPDATE OF name, email ON users
WHEN old.name IS NOT new.name OR old.email IS NOT new.email BEGIN
    UPDATE users_search SET document = new.name || char(10) || new.email
        WHERE rowid = (SELECT doc FROM users_search_docs WHERE user_id = new.id);
END;

CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN
    DELETE FROM users_search WHERE rowid = (SELECT doc FROM users_search_docs WHERE user_id = old.id);
    DELETE FROM users_search_docs WHERE user_id = old.id;
END;
