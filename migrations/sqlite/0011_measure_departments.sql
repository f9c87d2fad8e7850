-- Who reports on each item of the lowest level (施策 …): the coordinating department assigns a
-- 担当課 in the browser where the plan names none (or names another). It applies on top of the
-- plan's approved revision; a later revision drafted from the plan carries it.
CREATE TABLE measure_departments (
    plan_id TEXT NOT NULL,
    measure_code TEXT NOT NULL,
    department TEXT NOT NULL,
    assigned_at TEXT NOT NULL,
    assigned_by TEXT NOT NULL,
    PRIMARY KEY (plan_id, measure_code)
);
