-- The 標準化 tracker (施策 2-①-1): the steps of 総務省's 手順書 as the town keeps them (the list is
-- data, versioned, each step marked whether its name and number are verified), one row per
-- 標準化対象業務 with its systems and dates, and a status per 業務 × step.
CREATE TABLE std_step_list (
    id BIGINT PRIMARY KEY,
    edition TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE TABLE std_steps (
    step_no BIGINT PRIMARY KEY,
    phase TEXT NOT NULL,
    name TEXT NOT NULL,
    verified BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE std_businesses (
    business_no BIGINT PRIMARY KEY,
    department TEXT NOT NULL DEFAULT '',
    vendor TEXT NOT NULL DEFAULT '',
    current_system TEXT NOT NULL DEFAULT '',
    target_system TEXT NOT NULL DEFAULT '',
    compliant BIGINT NOT NULL DEFAULT 0,
    gov_cloud TEXT NOT NULL DEFAULT '',
    planned_cutover TEXT NOT NULL DEFAULT '',
    actual_cutover TEXT NOT NULL DEFAULT '',
    tokutei BIGINT NOT NULL DEFAULT 0,
    tokutei_reason TEXT NOT NULL DEFAULT '',
    tokutei_deadline TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE TABLE std_cells (
    business_no BIGINT NOT NULL,
    step_no BIGINT NOT NULL,
    status TEXT NOT NULL,
    planned_on TEXT NOT NULL DEFAULT '',
    done_on TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (business_no, step_no)
);
