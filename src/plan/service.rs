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
    let mut data = PlanData::load(&state.db, state.today())
        .await?
        .ok_or(AppError::NoPlan)?;
    super::sources::apply(state, &mut data).await?;
    data.identity = Arc::new(crate::identity::store::load(&state.db).await?);
    let data = Arc::new(data);
    cache.0.put((Instant::now(), stamp), data.clone());
    Ok(data)
}

/// An earlier plan of the town, evaluated as of today (its KPIs past their deadline carry their
/// 最終評価). Not kept: earlier plans are read rarely. The current plan's id gives the current data.
pub async fn earlier(state: &AppState, plan_id: &str) -> Result<Arc<PlanData>, AppError> {
    let current = current(state).await;
    if let Ok(c) = &current
        && c.plan.id == plan_id
    {
        return current;
    }
    let stored = store::stored(&state.db, plan_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut data =
        PlanData::load_plan(&state.db, stored.plan, stored.revision, state.today()).await?;
    super::sources::apply(state, &mut data).await?;
    data.identity = Arc::new(crate::identity::store::load(&state.db).await?);
    data.browsed = true;
    Ok(Arc::new(data))
}

/// The town's words: from its plan, or neutral ones (with its name) before a plan is loaded.
pub async fn words(state: &AppState) -> Arc<super::model::Words> {
    frame(state).await.0
}

/// What the site frame shows: the town's words and its identity (address, phone, emblem …).
pub async fn frame(
    state: &AppState,
) -> (
    Arc<super::model::Words>,
    Arc<crate::identity::model::Identity>,
) {
    match current(state).await {
        Ok(d) => (d.words.clone(), d.identity.clone()),
        Err(_) => (
            Arc::new(super::model::Words::neutral(&state.town.name)),
            Arc::new(
                crate::identity::store::load(&state.db)
                    .await
                    .unwrap_or_default(),
            ),
        ),
    }
}

/// Call after any write that changes what `current` returns.
pub fn invalidate(state: &AppState) {
    state.cache::<PlanCache>().0.clear();
}

pub struct PlanData {
    pub plan: Plan,
    pub revision: Revision,
    /// Figures by KPI key.
    pub actuals: HashMap<String, Vec<Actual>>,
    /// The 年度 everything is judged as of (the current one).
    pub as_of: FiscalYear,
    /// The day it was judged (calendar-year KPIs and module counts use it).
    pub today: time::Date,
    /// Evaluations by KPI key.
    pub evaluations: HashMap<String, Evaluation>,
    /// KPI definition changes of approved revisions: (revision label, approved at, change).
    pub kpi_changes: Vec<(String, String, super::revision::KpiChange)>,
    /// The town's identity for the site frame, read with the plan (its edits are audited, so
    /// it is as fresh as the plan data and the pages rendered from it).
    pub identity: Arc<crate::identity::model::Identity>,
    /// Years where a module's count and a confirmed or recorded figure disagree.
    pub discrepancies: Vec<Discrepancy>,
    /// Where a module-fed KPI's figures come from, as pages say it, by KPI key (a register's
    /// own label; filled by `sources::apply`).
    pub source_labels: HashMap<String, String>,
    /// A public page showing what a module-fed KPI counted, by KPI key (a public register).
    pub source_links: HashMap<String, String>,
    /// Figures modules show beside a KPI's (by KPI key).
    pub source_details: HashMap<String, crate::modules::Details>,
    /// The body's words, from the plan.
    pub words: Arc<super::model::Words>,
    /// The town's other plans (earlier ones, browsable): (id, title).
    pub history: Vec<(String, String)>,
    /// Shown as an earlier plan of the town (read-only, under `/plans/{id}`), not the current one.
    pub browsed: bool,
    /// How each 行程 went, per 年度 (`progress`).
    pub progress: Vec<super::progress::Progress>,
}

/// A module counted something else than the figure that stands for the same year.
#[derive(Debug, Clone, PartialEq)]
pub struct Discrepancy {
    pub kpi_key: String,
    pub fiscal_year: FiscalYear,
    /// The figure that stands (確定 or 記録).
    pub standing: Actual,
    /// What the module counts.
    pub counted: f64,
}

impl PlanData {
    /// Where a KPI's figures come from, as pages say it ("" for figures entered by staff).
    pub fn source_label(&self, kpi: &super::model::KpiDefinition) -> String {
        match self.source_labels.get(&kpi.key) {
            Some(label) => label.clone(),
            None => crate::modules::kpi_source_label(&kpi.source).to_string(),
        }
    }

    pub async fn load(db: &Db, today: time::Date) -> anyhow::Result<Option<PlanData>> {
        let Some(StoredPlan { plan, revision }) = store::current(db).await? else {
            return Ok(None);
        };
        PlanData::load_plan(db, plan, revision, today)
            .await
            .map(Some)
    }

    /// A stored plan (the current one or an earlier) with its figures and evaluations.
    pub async fn load_plan(
        db: &Db,
        plan: Plan,
        revision: Revision,
        today: time::Date,
    ) -> anyhow::Result<PlanData> {
        let actuals = store::actuals_by_kpi(db, &plan).await?;
        let history = store::plans(db)
            .await?
            .into_iter()
            .filter(|(id, _)| *id != plan.id)
            .collect();
        let progress = super::progress::load(db, &plan.id).await?;
        let mut data = PlanData::new(plan, revision, actuals, today);
        data.history = history;
        data.progress = progress;
        data.kpi_changes = super::revision::approved(db, &data.plan.id)
            .await?
            .into_iter()
            .flat_map(|r| {
                r.kpi_changes
                    .into_iter()
                    .map(move |c| (r.label.clone(), r.approved_at.clone(), c))
            })
            .collect();
        Ok(data)
    }

    pub fn new(
        plan: Plan,
        revision: Revision,
        actuals: HashMap<String, Vec<Actual>>,
        today: time::Date,
    ) -> PlanData {
        let words = Arc::new(super::model::Words::of(&plan));
        let mut data = PlanData {
            words,
            history: Vec::new(),
            browsed: false,
            plan,
            revision,
            actuals,
            as_of: FiscalYear::of_date(today),
            today,
            evaluations: HashMap::new(),
            progress: Vec::new(),
            kpi_changes: Vec::new(),
            discrepancies: Vec::new(),
            source_labels: HashMap::new(),
            source_links: HashMap::new(),
            source_details: HashMap::new(),
            identity: Arc::default(),
        };
        data.reevaluate();
        data
    }

    /// Evaluates every KPI again after actuals changed.
    pub fn reevaluate(&mut self) {
        let evaluations = self
            .plan
            .kpis()
            .into_iter()
            .map(|k| {
                (
                    k.kpi.key.clone(),
                    kpi::evaluate(k.kpi, self.actuals_of(&k.kpi.key), self.context_for(k.kpi)),
                )
            })
            .collect();
        self.evaluations = evaluations;
    }

    /// The context of the plan, as of the current 年度.
    pub fn context(&self) -> Context {
        Context {
            as_of: self.as_of,
            plan_start: self.plan.period.first_fiscal_year(),
            plan_end: self.plan.period.last_fiscal_year(),
            discontinued: false,
        }
    }

    /// The context of one KPI: a calendar-year KPI is judged as of the current year.
    pub fn context_for(&self, kpi: &super::model::KpiDefinition) -> Context {
        Context {
            as_of: kpi.years.of_date(self.today),
            ..self.context()
        }
    }

    pub fn actuals_of(&self, key: &str) -> &[Actual] {
        self.actuals.get(key).map(Vec::as_slice).unwrap_or_default()
    }

    pub fn evaluation(&self, key: &str) -> Option<&Evaluation> {
        self.evaluations.get(key)
    }

    /// Whether the plan period is over.
    pub fn ended(&self) -> bool {
        self.as_of > self.plan.period.last_fiscal_year()
    }

    /// Years a KPI table shows: the roadmap's years and the plan period, and the current year
    /// once the period is over (その後の実績).
    pub fn table_years(&self) -> Vec<FiscalYear> {
        let period = (
            self.plan.period.first_fiscal_year(),
            self.plan.period.last_fiscal_year(),
        );
        let (mut first, mut last) = match self.plan.roadmap_years {
            Some(r) => (r.first.min(period.0), r.last.max(period.1)),
            None => period,
        };
        for k in self.plan.kpis() {
            if let Some(by) = k.kpi.baseline.as_ref().and_then(|b| b.fiscal_year) {
                first = first.min(by);
            }
            // A KPI continuing one of the previous plan's runs back over that plan's years.
            if !k.kpi.follows.is_empty()
                && let Some(a) = self.actuals_of(&k.kpi.key).first()
            {
                first = first.min(a.fiscal_year);
            }
        }
        if self.ended() {
            last = last.max(self.as_of);
        }
        (first.0..=last.0).map(FiscalYear).collect()
    }

    pub fn rollup_all(&self) -> Rollup {
        kpi::rollup(self.evaluations.values())
    }

    /// Every KPI at or below an item (a 基本方針, a 取組内容 …).
    pub fn rollup_within(&self, code: &str) -> Rollup {
        kpi::rollup(
            self.plan
                .kpis_within(code)
                .into_iter()
                .filter_map(|k| self.evaluations.get(&k.kpi.key)),
        )
    }

    pub fn rollup_policy(&self, policy: &Policy) -> Rollup {
        self.rollup_within(&policy.code)
    }

    pub fn rollup_area(&self, area_code: &str) -> Rollup {
        self.rollup_within(area_code)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActualError {
    #[error(
        "KPI「{0}」はこの計画にありません(KPIのコード。{1}のKPIが一つならその{1}の番号、例: 1-1-1)"
    )]
    UnknownKpi(String, String),
    #[error("年度: {0}")]
    FiscalYear(crate::fiscal::FiscalYearError),
    #[error("年度: {year}は実績を入力できる年度({first}〜{last})の外です")]
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
    #[error(
        "年度: {0}の値は報告で確定しています。変えるときは、その年度の報告を差し戻して直してください"
    )]
    Confirmed(String),
}

/// How many years after its period a plan still takes figures (その後の実績).
const YEARS_AFTER: i32 = 3;

/// Checks a new actual as a person typed it: the KPI exists (by its key), the year is in the
/// plan's span (or a few years after it), the value is a number that makes sense for the unit.
pub fn check_actual(
    plan: &Plan,
    key: &str,
    fiscal_year: &str,
    value: &str,
) -> Result<(FiscalYear, f64), ActualError> {
    let k = plan.kpi(key.trim()).ok_or_else(|| {
        ActualError::UnknownKpi(key.to_string(), plan.measure_level().to_string())
    })?;
    let fy = FiscalYear::parse(fiscal_year).map_err(ActualError::FiscalYear)?;
    let mut first = plan.period.first_fiscal_year();
    let mut last = plan.period.last_fiscal_year();
    if let Some(r) = plan.roadmap_years {
        first = first.min(r.first);
        last = last.max(r.last);
    }
    if let Some(by) = k.kpi.baseline.as_ref().and_then(|b| b.fiscal_year) {
        first = first.min(by);
    }
    let last = FiscalYear(last.0 + YEARS_AFTER);
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
    if k.kpi.unit == "%" && v > 100.0 {
        return Err(ActualError::OverHundredPercent(value.to_string()));
    }
    Ok((fy, v))
}
