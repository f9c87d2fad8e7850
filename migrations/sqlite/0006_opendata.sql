-- The open data catalog: datasets, their resources (uploaded files or links), and the log of
-- publications that the オープンデータ KPI counts.
CREATE TABLE od_datasets (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    department TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '[]',
    license_id TEXT NOT NULL,
    frequency TEXT NOT NULL DEFAULT '',
    standard TEXT NOT NULL DEFAULT '',
    contact TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    created_at TEXT NOT NULL,
    modified_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX od_datasets_modified ON od_datasets(modified_at);

CREATE TABLE od_resources (
    id TEXT PRIMARY KEY NOT NULL,
    dataset_id TEXT NOT NULL REFERENCES od_datasets(id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    format TEXT NOT NULL,
    url TEXT NOT NULL DEFAULT '',
    file_name TEXT NOT NULL DEFAULT '',
    stored_path TEXT NOT NULL DEFAULT '',
    size INTEGER NOT NULL DEFAULT 0,
    sha256 TEXT NOT NULL DEFAULT '',
    mimetype TEXT NOT NULL DEFAULT '',
    validation TEXT NOT NULL DEFAULT 'not_checked',
    validation_report TEXT NOT NULL DEFAULT '',
    override_reason TEXT NOT NULL DEFAULT '',
    downloads INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    modified_at TEXT NOT NULL
);
CREATE INDEX od_resources_dataset ON od_resources(dataset_id);

CREATE TABLE od_publications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dataset_id TEXT NOT NULL REFERENCES od_datasets(id),
    event TEXT NOT NULL,
    at TEXT NOT NULL
);
