-- The registers a town keeps, each declared by a TOML file (src/registers/definition.rs): the
-- bundled ones for the bundled town, a town's own uploaded by the coordinating department.
-- `version` counts saves, for optimistic locking.
CREATE TABLE register_definitions (
    register_key TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
