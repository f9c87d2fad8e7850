-- Table Schemas of the standard datasets as edited by 企画課 (the bundled ones apply otherwise).
CREATE TABLE od_schemas (
    key TEXT PRIMARY KEY NOT NULL,
    schema_json TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
