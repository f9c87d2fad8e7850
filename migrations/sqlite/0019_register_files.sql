-- Files attached to a register row (a flyer, a screenshot of a post, a signed plan as PDF): kept
-- in the town's own database with the row, so a row and its files are deleted, backed up and
-- restored together. The type was sniffed from the bytes; `public` = 1 lets a public register's
-- summary link to it.
CREATE TABLE register_files (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    register_key TEXT NOT NULL,
    row_id BIGINT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    public BIGINT NOT NULL DEFAULT 0,
    content BLOB NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX register_files_by_row ON register_files (register_key, row_id);
