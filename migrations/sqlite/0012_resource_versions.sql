-- Earlier files of a resource: when staff upload a corrected file over a resource, the file it
-- replaces is kept (and listed to staff) instead of being overwritten.
CREATE TABLE od_resource_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    resource_id TEXT NOT NULL REFERENCES od_resources(id),
    file_name TEXT NOT NULL,
    stored_path TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    validation TEXT NOT NULL,
    replaced_at TEXT NOT NULL,
    replaced_by TEXT NOT NULL
);
