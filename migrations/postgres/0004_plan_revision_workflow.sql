-- Plan revisions drafted by 企画課 and decided by the committee; KPI definition changes keep
-- their reasons.
ALTER TABLE plan_revisions ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE plan_revisions ADD COLUMN approved_at TEXT NOT NULL DEFAULT '';
ALTER TABLE plan_revisions ADD COLUMN approved_by TEXT NOT NULL DEFAULT '';
ALTER TABLE plan_revisions ADD COLUMN kpi_changes TEXT NOT NULL DEFAULT '[]';
ALTER TABLE plan_revisions ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
