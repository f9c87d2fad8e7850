-- The procedure catalog (手続き), the life-event guide and application forms (each stored as the
-- document staff edit), and the 書かない窓口 counter's visits. A visit's personal data lives in
-- three nullable columns that the purge empties; the timings stay.
CREATE TABLE procedures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE life_events (
    key TEXT PRIMARY KEY NOT NULL,
    position INTEGER NOT NULL,
    body TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE forms (
    key TEXT PRIMARY KEY NOT NULL,
    body TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE counter_visits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    opened_on TEXT NOT NULL,
    receipt_no INTEGER NOT NULL,
    life_event TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    guidance_at TEXT,
    closed_at TEXT,
    stay_seconds INTEGER,
    answers TEXT,
    person TEXT,
    form_values TEXT,
    entry_token_hash TEXT,
    entry_expires_at TEXT,
    purged_at TEXT,
    opened_by TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (opened_on, receipt_no)
);
CREATE INDEX counter_visits_opened ON counter_visits(opened_at);
CREATE INDEX counter_visits_token ON counter_visits(entry_token_hash);

CREATE TABLE counter_steps (
    visit_id INTEGER NOT NULL REFERENCES counter_visits(id),
    desk TEXT NOT NULL,
    done_at TEXT NOT NULL,
    PRIMARY KEY (visit_id, desk)
);
