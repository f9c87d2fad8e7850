-- The plan: one row per plan, its revisions as whole documents (the plan file as JSON), and the
-- KPI actuals recorded against a measure code and 年度.
CREATE TABLE plans (
    id TEXT PRIMARY KEY NOT NULL,
    title TEXT NOT NULL,
    municipality_code TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE plan_revisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id TEXT NOT NULL REFERENCES plans(id),
    number INTEGER NOT NULL,
    label TEXT NOT NULL,
    status TEXT NOT NULL,
    document TEXT NOT NULL,
    source TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (plan_id, number)
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

CREATE TABLE kpi_actuals (
    plan_id TEXT NOT NULL REFERENCES plans(id),
    measure_code TEXT NOT NULL,
    fiscal_year INTEGER NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    PRIMARY KEY (plan_id, measure_code, fiscal_year)
);
