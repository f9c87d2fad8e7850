//! The plan as served: the current revision, its actuals and every KPI evaluated, plus the checks
//! on a new actual that the CLI and the web share.

use super::kpi::{self, Actual, Context, Evaluation, Rollup};
use super::model::{Plan, Policy};
use super::store::{self, Revision, StoredPlan};
use crate::app::AppState;
use crate::db::Db;
use crate::error::AppError;
use crate::fiscal::FiscalYear;
use crate::input::parse_number;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a loaded plan is served before machi looks whether anything changed. Writes made
/// through this process clear it at once; this bounds how long a change made by another process
/// (the CLI) takes to show.
const PLAN_CACHE_TTL: Duration = Duration::from_secs(1);

/// What the plan data was computed from: the newest audit entry (every change to a town's data
/// writes one, in the same transaction) and the day (statuses and the current 年度's module
/// figures depend on it).
type Stamp = (i64, time::Date);

/// A town's loaded plan, when it was last known fresh, and what it was computed from.
#[derive(Clone, Default)]
pub struct PlanCache(crate::modules::Kept<(Instant, Stamp), PlanData>);

async fn stamp(state: &AppState) -> Result<Stamp, AppError> {
    let last: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM audit_log")
        .fetch_one(&mut *state.db.conn().await?)
        .await?;
    Ok((last.unwrap_or(0), state.today()))
}

/// The town's current plan with its actuals (the modules' figures included) and evaluations.
/// Kept while nothing changed: after a second it costs one look at the audit log, and a town
/// whose data did not change keeps its plan and its rendered pages.
pub async fn current(state: &AppState) -> Result<Arc<PlanData>, AppError> {
    let cache = state.cache::<PlanCache>();
    if let Some(data) = cache.0.get(|(at, _)| at.elapsed() < PLAN_CACHE_TTL) {
        return Ok(data);
    }
    let stamp = stamp(state).await?;
    if let Some(data) = cache.0.get(|(_, s)| *s == stamp) {
        cache.0.put((Instant::now(), stamp), data.clone());
        return Ok(data);
    }
    let mut data = PlanData::load(&state.db, state.current_fiscal_year())
        .await?
        .ok_or(AppError::NoPlan)?;
    super::sources::apply(state, &mut data).await?;
    let data = Arc::new(data);
    cache.0.put((Instant::now(), stamp), data.clone());
    Ok(data)
}

/// Call after any write that changes what `current` returns.
pub fn invalidate(state: &AppState) {
    state.cache::<PlanCache>().0.clear();
}

pub struct PlanData {
    pub plan: Plan,
    pub revision: Revision,
    pub actuals: HashMap<String, Vec<Actual>>,
    /// The 年度 everything is judged as of (the current one).
    pub as_of: FiscalYear,
    pub evaluations: HashMap<String, Evaluation>,
    /// KPI definition changes of approved revisions: (revision label, approved at, change).
    pub kpi_changes: Vec<(String, String, super::revision::KpiChange)>,
}

impl PlanData {
    pub async fn load(db: &Db, as_of: FiscalYear) -> anyhow::Result<Option<PlanData>> {
        let Some(StoredPlan { plan, revision }) = store::current(db).await? else {
            return Ok(None);
        };
        let actuals = store::actuals_by_measure(db, &plan.id).await?;
        let mut data = PlanData::new(plan, revision, actuals, as_of);
        data.kpi_changes = super::revision::approved(db, &data.plan.id)
            .await?
            .into_iter()
            .flat_map(|r| {
                r.kpi_changes
                    .into_iter()
                    .map(move |c| (r.label.clone(), r.approved_at.clone(), c))
            })
            .collect();
        Ok(Some(data))
    }

    pub fn new(
        plan: Plan,
        revision: Revision,
        actuals: HashMap<String, Vec<Actual>>,
        as_of: FiscalYear,
    ) -> PlanData {
        let mut data = PlanData {
            plan,
            revision,
            actuals,
            as_of,
            evaluations: HashMap::new(),
            kpi_changes: Vec::new(),
        };
        let ctx = data.context();
        data.evaluations = data
            .plan
            .measures
            .iter()
            .map(|m| {
                (
                    m.code.clone(),
                    kpi::evaluate(&m.kpi, data.actuals_of(&m.code), ctx),
                )
            })
            .collect();
        data
    }

    /// Evaluates every KPI again after actuals changed.
    pub fn reevaluate(&mut self) {
        let ctx = self.context();
        self.evaluations = self
            .plan
            .measures
            .iter()
            .map(|m| {
                (
                    m.code.clone(),
                    kpi::evaluate(&m.kpi, self.actuals_of(&m.code), ctx),
                )
            })
            .collect();
    }

    pub fn context(&self) -> Context {
        Context {
            as_of: self.as_of,
            plan_start: self.plan.period.first_fiscal_year(),
            discontinued: false,
        }
    }

    pub fn actuals_of(&self, code: &str) -> &[Actual] {
        self.actuals
            .get(code)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    pub fn evaluation(&self, code: &str) -> Option<&Evaluation> {
        self.evaluations.get(code)
    }

    /// Fiscal years a KPI table shows: the roadmap's years and the plan period.
    pub fn table_years(&self) -> Vec<FiscalYear> {
        let first = self
            .plan
            .roadmap_years
            .first
            .min(self.plan.period.first_fiscal_year());
        let last = self
            .plan
            .roadmap_years
            .last
            .max(self.plan.period.last_fiscal_year());
        (first.0..=last.0).map(FiscalYear).collect()
    }

    pub fn rollup_all(&self) -> Rollup {
        kpi::rollup(self.evaluations.values())
    }

    pub fn rollup_policy(&self, policy: &Policy) -> Rollup {
        kpi::rollup(
            self.plan
                .measures
                .iter()
                .filter(|m| m.policy_number() == policy.number)
                .filter_map(|m| self.evaluations.get(&m.code)),
        )
    }

    pub fn rollup_area(&self, area_code: &str) -> Rollup {
        kpi::rollup(
            self.plan
                .measures
                .iter()
                .filter(|m| m.area_code() == area_code)
                .filter_map(|m| self.evaluations.get(&m.code)),
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActualError {
    #[error("施策コード「{0}」はこの計画にありません(例: 1-1-1)")]
    UnknownMeasure(String),
    #[error("年度: {0}")]
    FiscalYear(crate::fiscal::FiscalYearError),
    #[error("年度: {year}は計画の対象({first}〜{last})の外です")]
    YearOutOfRange {
        year: String,
        first: String,
        last: String,
    },
    #[error("値: {0}")]
    Number(crate::input::NumberError),
    #[error("値: 「{0}」は負の数です。実績は0以上で入力してください")]
    Negative(String),
    #[error("値: 「{0}」は100を超えています。単位が%の実績は0〜100で入力してください")]
    OverHundredPercent(String),
}

/// Checks a new actual as a person typed it: the measure exists, the 年度 is in the plan's span,
/// the value is a number that makes sense for the unit.
pub fn check_actual(
    plan: &Plan,
    code: &str,
    fiscal_year: &str,
    value: &str,
) -> Result<(FiscalYear, f64), ActualError> {
    let measure = plan
        .measure(code.trim())
        .ok_or_else(|| ActualError::UnknownMeasure(code.to_string()))?;
    let fy = FiscalYear::parse(fiscal_year).map_err(ActualError::FiscalYear)?;
    let first = plan
        .roadmap_years
        .first
        .min(plan.period.first_fiscal_year());
    let last = plan.roadmap_years.last.max(plan.period.last_fiscal_year());
    if fy < first || fy > last {
        return Err(ActualError::YearOutOfRange {
            year: fy.wareki(),
            first: first.wareki(),
            last: last.wareki(),
        });
    }
    let v = parse_number(value).map_err(ActualError::Number)?;
    if v < 0.0 {
        return Err(ActualError::Negative(value.to_string()));
    }
    if measure.kpi.unit == "%" && v > 100.0 {
        return Err(ActualError::OverHundredPercent(value.to_string()));
    }
    Ok((fy, v))
}
