-- How each 行程 of the 行程表 went in a 年度, marked by the coordinating department:
-- on_track (予定どおり), delayed (遅れ), done (完了), stopped (中止), with a note. A 行程 is
-- named by its 施策 (empty for plan-wide rows) and its text, as the plan writes them.
CREATE TABLE roadmap_progress (
    plan_id TEXT NOT NULL,
    measure_code TEXT NOT NULL,
    item_text TEXT NOT NULL,
    fiscal_year BIGINT NOT NULL,
    state TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (plan_id, measure_code, item_text, fiscal_year)
);
