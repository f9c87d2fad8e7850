-- The review of アナログ規制 candidates (#19): the decision on each candidate, and its history.
ALTER TABLE ordinance_findings ADD COLUMN decision_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE ordinance_findings ADD COLUMN phase_now TEXT NOT NULL DEFAULT '';
ALTER TABLE ordinance_findings ADD COLUMN phase_target TEXT NOT NULL DEFAULT '';
-- digitise | abolish | no_change | await_national ('' until decided)
ALTER TABLE ordinance_findings ADD COLUMN direction TEXT NOT NULL DEFAULT '';
ALTER TABLE ordinance_findings ADD COLUMN department TEXT NOT NULL DEFAULT '';
ALTER TABLE ordinance_findings ADD COLUMN planned TEXT NOT NULL DEFAULT '';
ALTER TABLE ordinance_findings ADD COLUMN amended_number TEXT NOT NULL DEFAULT '';
ALTER TABLE ordinance_findings ADD COLUMN amended_on TEXT NOT NULL DEFAULT '';
ALTER TABLE ordinance_findings ADD COLUMN decided_by TEXT NOT NULL DEFAULT '';
ALTER TABLE ordinance_findings ADD COLUMN decided_at TEXT NOT NULL DEFAULT '';

CREATE TABLE ordinance_finding_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    finding_id INTEGER NOT NULL REFERENCES ordinance_findings(id),
    at TEXT NOT NULL,
    username TEXT NOT NULL,
    state TEXT NOT NULL,
    -- The decision as made (JSON), and where a bulk decision came from.
    detail TEXT NOT NULL,
    via_finding INTEGER
);
CREATE INDEX ordinance_finding_events_finding ON ordinance_finding_events (finding_id, id);
