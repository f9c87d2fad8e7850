-- The reporting cycle: periods (yearly, quarterly), one report per 施策 and period, comments,
-- and issued report snapshots (町長報告, 委員会資料).
CREATE TABLE reporting_periods (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id TEXT NOT NULL REFERENCES plans(id),
    fiscal_year INTEGER NOT NULL,
    kind TEXT NOT NULL,
    quarter INTEGER NOT NULL,
    title TEXT NOT NULL,
    due_date TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (plan_id, fiscal_year, kind, quarter)
);

CREATE TABLE reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    period_id INTEGER NOT NULL REFERENCES reporting_periods(id),
    measure_code TEXT NOT NULL,
    state TEXT NOT NULL,
    actual_value DOUBLE PRECISION,
    actual_note TEXT NOT NULL DEFAULT '',
    progress TEXT NOT NULL DEFAULT '',
    roadmap_progress TEXT NOT NULL DEFAULT '',
    shortfall_reason TEXT NOT NULL DEFAULT '',
    improvement TEXT NOT NULL DEFAULT '',
    improvement_followup TEXT NOT NULL DEFAULT '',
    check_comment TEXT NOT NULL DEFAULT '',
    computed_status TEXT NOT NULL DEFAULT '',
    grade TEXT NOT NULL DEFAULT '',
    grade_reason TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    UNIQUE (period_id, measure_code)
);

CREATE TABLE report_comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id INTEGER NOT NULL REFERENCES reports(id),
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX report_comments_report ON report_comments(report_id);

CREATE TABLE snapshots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id TEXT NOT NULL REFERENCES plans(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    fiscal_year INTEGER NOT NULL,
    issued_at TEXT NOT NULL,
    issued_by TEXT NOT NULL,
    document TEXT NOT NULL
);

-- An issued snapshot is never changed.
CREATE TRIGGER snapshots_no_update BEFORE UPDATE ON snapshots
BEGIN
    SELECT RAISE(ABORT, 'snapshots are immutable');
END;
CREATE TRIGGER snapshots_no_delete BEFORE DELETE ON snapshots
BEGIN
    SELECT RAISE(ABORT, 'snapshots are immutable');
END;
