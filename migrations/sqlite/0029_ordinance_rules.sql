-- The アナログ規制 review, continued (#19): the town's own versions of the detection rules, what
-- each re-scan changed, comments on candidates, and a person's 点検済 mark on a 例規.
CREATE TABLE ordinance_rules (
    version INTEGER PRIMARY KEY,
    -- The rules file as saved (TOML, the format of the bundled rules).
    text TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    saved_by TEXT NOT NULL,
    saved_at TEXT NOT NULL
);

CREATE TABLE ordinance_rescans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    rules_version INTEGER NOT NULL,
    at TEXT NOT NULL,
    username TEXT NOT NULL,
    added INTEGER NOT NULL,
    withdrawn INTEGER NOT NULL,
    -- Decided candidates the new rules no longer propose (kept: a person decided them).
    kept INTEGER NOT NULL
);

CREATE TABLE ordinance_rescan_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    rescan_id INTEGER NOT NULL REFERENCES ordinance_rescans(id),
    clause_id INTEGER NOT NULL REFERENCES ordinance_clauses(id),
    category TEXT NOT NULL,
    -- added | withdrawn | kept
    change TEXT NOT NULL,
    phrase TEXT NOT NULL
);
CREATE INDEX ordinance_rescan_changes_rescan ON ordinance_rescan_changes (rescan_id, id);

CREATE TABLE ordinance_finding_comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    finding_id INTEGER NOT NULL REFERENCES ordinance_findings(id),
    at TEXT NOT NULL,
    username TEXT NOT NULL,
    department TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL
);
CREATE INDEX ordinance_finding_comments_finding ON ordinance_finding_comments (finding_id, id);

-- A person confirmed that every clause of the 例規 was read (not only the candidates); cleared
-- when a newer text changes a clause.
ALTER TABLE ordinances ADD COLUMN checked_by TEXT NOT NULL DEFAULT '';
ALTER TABLE ordinances ADD COLUMN checked_at TEXT NOT NULL DEFAULT '';
-- The rules version each 例規 was last read with (an upgrade of machi or a saved version makes
-- older ones stale until re-scanned).
ALTER TABLE ordinances ADD COLUMN rules_version INTEGER NOT NULL DEFAULT 1;

-- KPI 1-⑤-1 as it stood at the last record in each 年度: a 年度 that is over keeps its figure.
CREATE TABLE ordinance_progress (
    fiscal_year INTEGER PRIMARY KEY,
    ordinances INTEGER NOT NULL,
    complete INTEGER NOT NULL,
    recorded_at TEXT NOT NULL
);

-- Whether the rules in force still propose a decided candidate (a re-scan lists a decided one
-- the first time the rules stop proposing it, and its page says so).
ALTER TABLE ordinance_findings ADD COLUMN proposed INTEGER NOT NULL DEFAULT 1;
