-- Where a receipt came from (#17): the counter visit that recorded it, the file that brought it,
-- and the 日計 a counter closes each day with two people. A day being closed or confirmed locks
-- the counter's receipts of that day: nothing is appended or reversed on it any more.
ALTER TABLE receipts ADD COLUMN source TEXT NOT NULL DEFAULT 'manual';
ALTER TABLE receipts ADD COLUMN visit_id BIGINT;
ALTER TABLE receipts ADD COLUMN import_id BIGINT;
CREATE INDEX receipts_visit ON receipts (visit_id);

CREATE TABLE receipt_imports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    rows BIGINT NOT NULL,
    total BIGINT NOT NULL,
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL
);

-- One row per counter and day: the first clerk closes it with the cash counted in the drawer
-- (the totals recorded then are kept), a second, different person confirms. Until confirmed the
-- close can be withdrawn; once confirmed the row never changes.
CREATE TABLE receipt_days (
    counter TEXT NOT NULL,
    day TEXT NOT NULL,
    cash_count BIGINT NOT NULL,
    cash_yen BIGINT NOT NULL,
    cashless_count BIGINT NOT NULL,
    cashless_yen BIGINT NOT NULL,
    counted_cash BIGINT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    closed_by TEXT NOT NULL,
    closed_at TEXT NOT NULL,
    confirmed_by TEXT,
    confirmed_at TEXT,
    PRIMARY KEY (counter, day)
);

-- Certificates issued (住民票の写し, 印鑑登録証明書 …) per kind and channel, in copies (通). A
-- row is one issue at the counter or by mail, or a month's aggregate from the コンビニ交付
-- statistics. Append-only like the ledger: a mistake is cancelled by a row naming it.
CREATE TABLE certificate_issues (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    copies BIGINT NOT NULL CHECK (copies > 0),
    free BIGINT NOT NULL DEFAULT 0,
    issued_on TEXT NOT NULL,
    month_total BIGINT NOT NULL DEFAULT 0,
    office TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL,
    receipt_id BIGINT REFERENCES receipts (id),
    visit_id BIGINT,
    import_id BIGINT,
    cancels BIGINT REFERENCES certificate_issues (id),
    note TEXT NOT NULL DEFAULT '',
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL
);
CREATE INDEX certificate_issues_on ON certificate_issues (issued_on);
CREATE INDEX certificate_issues_visit ON certificate_issues (visit_id);
CREATE UNIQUE INDEX certificate_issues_cancel ON certificate_issues (cancels) WHERE cancels IS NOT NULL;

-- 消込: a receipt the clerk recorded, matched to the line of the terminal's or the agent's file
-- that confirms it (one line, one receipt). Receipts brought by a file are confirmed by it.
CREATE TABLE receipt_matches (
    receipt_id BIGINT PRIMARY KEY REFERENCES receipts (id),
    reference TEXT NOT NULL,
    import_id BIGINT,
    matched_at TEXT NOT NULL
);
CREATE INDEX receipt_matches_reference ON receipt_matches (reference);
