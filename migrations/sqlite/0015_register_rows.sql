-- The rows of the registers staff keep (AI/RPA uses, telework applications, paper …). A register
-- is declared in a file (src/registers/); a row's cells are a JSON object of field key → text as
-- written back (dates YYYY-MM-DD), read again by the register's field types. `version` counts
-- saves, for optimistic locking.
CREATE TABLE register_rows (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    register_key TEXT NOT NULL,
    cells TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE INDEX register_rows_by_register ON register_rows (register_key, id);
