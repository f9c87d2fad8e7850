-- Where each figure comes from (確定 through the reporting cycle, 記録 by the coordinating
-- department), and a report's figures per KPI (a 施策 may have several KPIs). The KPI key is
-- stored where the measure code was: a 施策 with one KPI has the same key as before.
ALTER TABLE kpi_actuals ADD COLUMN provenance TEXT NOT NULL DEFAULT 'recorded';
UPDATE kpi_actuals SET provenance = 'confirmed' WHERE EXISTS (
    SELECT 1 FROM reports r JOIN reporting_periods p ON p.id = r.period_id
    WHERE p.plan_id = kpi_actuals.plan_id AND r.measure_code = kpi_actuals.measure_code
      AND p.fiscal_year = kpi_actuals.fiscal_year AND p.kind = 'yearly' AND r.state = 'finalized'
);

CREATE TABLE report_values (
    report_id BIGINT NOT NULL REFERENCES reports(id),
    kpi_key TEXT NOT NULL,
    value DOUBLE PRECISION,
    note TEXT NOT NULL DEFAULT '',
    computed_status TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (report_id, kpi_key)
);
INSERT INTO report_values (report_id, kpi_key, value, note, computed_status)
    SELECT id, measure_code, actual_value, actual_note, computed_status FROM reports
    WHERE actual_value IS NOT NULL OR actual_note <> '';
ALTER TABLE reports DROP COLUMN actual_value;
ALTER TABLE reports DROP COLUMN actual_note;
