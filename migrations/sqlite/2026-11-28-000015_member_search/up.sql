-- Member search by any part of a name or an address (issue 11): an FTS5 index
-- with the trigram tokenizer (case-insensitive substrings of three or more
-- characters). Each user has a document number of its own: the users table's
-- implicit rowid can change on VACUUM, and an FTS row is only found quickly
-- by its rowid, so updates and deletes go through this small map. A document
-- is the name and the address on two lines: one column, so that one MATCH
-- searches both, and a term (one line) never spans the two.
CREATE TABLE users_search_docs (
    doc INTEGER PRIMARY KEY,
    user_id TEXT NOT NULL UNIQUE
);
CREATE VIRTUAL TABLE users_search USING fts5 (document, tokenize = 'trigram');

INSERT INTO users_search_docs (user_id) SELECT id FROM users;
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
