-- Uploaded actuals waiting for confirmation: the checked rows of one file, committed all at once.
CREATE TABLE import_batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users(id),
    file_name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    rows_json TEXT NOT NULL,
    committed INTEGER NOT NULL DEFAULT 0
);
