//! What the `machi plan` and `machi kpi` commands do, kept apart from argument parsing so tests
//! call the same code.

use super::file::{self, BUNDLED_PLAN, BUNDLED_PLAN_NAME, PlanFileError, PlanFileErrors};
use super::model::Plan;
use super::service::check_actual;
use super::store::{self, ImportOutcome};
use crate::db::Db;
use crate::fiscal::FiscalYear;
use std::path::Path;

/// Reads and checks a plan file; nothing is written.
pub fn read_plan_file(path: &Path) -> anyhow::Result<Plan> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        PlanFileErrors(vec![PlanFileError {
            file: name.clone(),
            line: None,
            field: None,
            message: format!("ファイルを読めません: {e}"),
        }])
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let line = bytes_line(e.as_bytes(), e.utf8_error().valid_up_to());
        PlanFileErrors(vec![PlanFileError {
            file: name.clone(),
            line: Some(line),
            field: None,
            message: "UTF-8 ではない文字があります。UTF-8 で保存してください".into(),
        }])
    })?;
    Ok(file::parse(text.trim_start_matches('\u{feff}'), &name)?)
}

fn bytes_line(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset].iter().filter(|b| **b == b'\n').count() + 1
}

/// Stores a checked plan. A plan that names its predecessor (`succeeds`) becomes the current plan
/// and the predecessor stays readable; a KPI continuing one of the predecessor's (`follows`) must
/// name a KPI that plan has. Re-importing the predecessor (a correction) keeps its successor current.
pub async fn import(db: &Db, plan: &Plan, source: &str) -> anyhow::Result<ImportOutcome> {
    check_succession(db, plan, source).await?;
    let current = store::current(db).await?;
    let keep_successor = current
        .as_ref()
        .is_some_and(|c| c.plan.id != plan.id && c.plan.succeeds == plan.id);
    store::import_as(db, plan, source, !keep_successor).await
}

/// The links of a plan to its predecessor, against what is stored.
pub async fn check_succession(db: &Db, plan: &Plan, source: &str) -> anyhow::Result<()> {
    if plan.succeeds.is_empty() {
        return Ok(());
    }
    let error = |field: String, message: String| PlanFileError {
        file: source.to_string(),
        line: None,
        field: Some(field),
        message,
    };
    let following: Vec<_> = plan
        .kpis()
        .into_iter()
        .filter(|k| !k.kpi.follows.is_empty())
        .collect();
    let Some(previous) = store::stored(db, &plan.succeeds).await? else {
        if following.is_empty() {
            return Ok(());
        }
        return Err(PlanFileErrors(vec![error(
            "succeeds".into(),
            format!(
                "前の計画「{}」がまだ読み込まれていません。KPIを引き継ぐ(follows)には、先に前の計画を読み込んでください",
                plan.succeeds
            ),
        )])
        .into());
    };
    let errors: Vec<PlanFileError> = following
        .iter()
        .filter(|k| previous.plan.kpi(&k.kpi.follows).is_none())
        .map(|k| {
            error(
                format!("KPI {} の follows", k.kpi.key),
                format!(
                    "前の計画「{}」に KPI「{}」はありません(前の計画のKPIのコードを書いてください)",
                    previous.plan.title, k.kpi.follows
                ),
            )
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(PlanFileErrors(errors).into())
    }
}

pub fn describe_import(plan: &Plan, outcome: &ImportOutcome) -> String {
    match outcome {
        ImportOutcome::Created(r) => format!(
            "計画「{}」({})を{}として登録しました({} {}件・KPI {}件)",
            plan.title,
            plan.id,
            r.label,
            plan.measure_level(),
            plan.measures.len(),
            plan.kpis().len()
        ),
        ImportOutcome::Revised(r) => format!(
            "計画「{}」({})の改定を{}として登録しました",
            plan.title, plan.id, r.label
        ),
        ImportOutcome::Unchanged(r) => format!(
            "計画「{}」({})は{}と同じ内容のため、何も変更していません",
            plan.title, plan.id, r.label
        ),
    }
}

/// Loads the bundled plan when the database has none; returns what happened, or None if a plan
/// was already there.
pub async fn ensure_plan(db: &Db) -> anyhow::Result<Option<(Plan, ImportOutcome)>> {
    if store::current_plan_id(db).await?.is_some() {
        return Ok(None);
    }
    let plan = file::parse(BUNDLED_PLAN, BUNDLED_PLAN_NAME)?;
    let outcome = store::import(db, &plan, BUNDLED_PLAN_NAME).await?;
    Ok(Some((plan, outcome)))
}

pub async fn export(db: &Db) -> anyhow::Result<String> {
    let stored = store::current(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("計画がまだ読み込まれていません"))?;
    Ok(file::to_toml(&stored.plan))
}

/// Checks and records one actual; returns a sentence saying what was stored.
pub async fn record_actual(
    db: &Db,
    code: &str,
    fiscal_year: &str,
    value: &str,
    note: &str,
    recorded_by: &str,
) -> anyhow::Result<String> {
    let stored = store::current(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("計画がまだ読み込まれていません"))?;
    let plan = &stored.plan;
    let (fy, v): (FiscalYear, f64) = check_actual(plan, code, fiscal_year, value)?;
    let k = plan.kpi(code.trim()).expect("checked above");
    let actor = crate::audit::Actor {
        user_id: None,
        username: recorded_by.to_string(),
        ip: "local".into(),
    };
    store::record_actual(db, &plan.id, &k.kpi.key, fy, v, note.trim(), &actor).await?;
    Ok(format!(
        "{} {} の{}の実績を {} として記録しました",
        k.item.label(),
        k.kpi.name,
        k.kpi.years.wareki(fy),
        super::kpi::format_value(v, &k.kpi.unit)
    ))
}
