-- The body's identity as residents see it in the site frame (address, main phone, hours, website,
-- emblem) and each department's contact, shown on the procedures it handles. One row of
-- town_identity (id = 1), written by staff.
CREATE TABLE town_identity (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    postal_code TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    hours TEXT NOT NULL DEFAULT '',
    website TEXT NOT NULL DEFAULT '',
    emblem BYTEA,
    emblem_type TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL DEFAULT '',
    updated_by TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 0
);
INSERT INTO town_identity (id) VALUES (1);

CREATE TABLE departments (
    name TEXT PRIMARY KEY NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
