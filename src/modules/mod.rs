//! The module contract and the one explicit list of feature modules.
//!
//! A module states everything it brings in one place, its `Module` implementation: public and
//! staff routes, navigation entries, permission grants, KPI sources, background jobs, seed data for
//! a new town, and its caches. Nothing else in machi names a module's parts: the router, the menus,
//! the permission rule, the KPI evaluation, the job runner and town creation all read
//! [`registry`]. Adding a module = a folder, one line in [`all`], and its migrations.

use crate::app::AppState;
use crate::auth::model::Role;
use crate::auth::permissions::{Action, Grant};
use crate::fiscal::FiscalYear;
use axum::Router;
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::time::Duration;

mod kept;
pub use kept::Kept;

/// A boxed future, for the functions modules hand to the platform.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

pub trait Module: Send + Sync {
    /// Short name, for logs and docs.
    fn name(&self) -> &'static str;
    /// Routes anyone may read.
    fn public_routes(&self) -> Router<AppState> {
        Router::new()
    }
    /// Routes behind sign-in; each handler takes `Staff` (or `StaffForm`) and checks its permission.
    fn staff_routes(&self) -> Router<AppState> {
        Router::new()
    }
    /// Menu entries (public menu, staff menu).
    fn navigation(&self) -> Vec<NavEntry> {
        Vec::new()
    }
    /// Who may do the module's actions.
    fn permissions(&self) -> Vec<Grant> {
        Vec::new()
    }
    /// KPI figures the module counts from its own data.
    fn kpi_sources(&self) -> Vec<KpiSource> {
        Vec::new()
    }
    /// Work the server repeats for every town.
    fn jobs(&self) -> Vec<Job> {
        Vec::new()
    }
    /// Puts the module's starting data into a town (run when a town is opened; must do nothing
    /// when the data is already there). Returns what it did, for the log.
    fn seed<'a>(&'a self, _town: &'a AppState) -> BoxFuture<'a, anyhow::Result<Option<String>>> {
        Box::pin(async { Ok(None) })
    }
    /// Adds the module's per-town caches (each town gets fresh ones).
    fn caches(&self, _caches: &mut Caches) {}
    /// What this person should look at, for the task list (やること): data nobody has confirmed,
    /// figures that disagree. Only what the person may act on.
    fn staff_notices<'a>(
        &'a self,
        _town: &'a AppState,
        _staff: &'a crate::auth::Staff,
    ) -> BoxFuture<'a, anyhow::Result<Vec<StaffNotice>>> {
        Box::pin(async { Ok(Vec::new()) })
    }
}

/// An item of the task list that is not a report: what to look at, and where.
#[derive(Debug, Clone)]
pub struct StaffNotice {
    pub text: String,
    /// A path of the town's site ("/staff/kpis"); empty when there is nothing this person can
    /// open about it.
    pub link: String,
    pub link_text: String,
}

/// The one explicit list of feature modules, in menu order.
pub fn all() -> Vec<Box<dyn Module>> {
    vec![
        Box::new(crate::web::home::HomeModule),
        Box::new(crate::plan::PlanModule),
        Box::new(crate::procedures::ProceduresModule),
        Box::new(crate::faq::FaqModule),
        Box::new(crate::opendata::OpendataModule),
        Box::new(crate::reporting::ReportingModule),
        Box::new(crate::counter::CounterModule),
        Box::new(crate::registers::RegistersModule),
        Box::new(crate::standardization::StandardizationModule),
        Box::new(crate::mynumber::MynumberModule),
        Box::new(crate::applications::ApplicationsModule),
        Box::new(crate::courses::CoursesModule),
        Box::new(crate::trainings::TrainingsModule),
        Box::new(crate::ordinances::OrdinancesModule),
        Box::new(crate::payments::PaymentsModule),
        Box::new(crate::receipts::ReceiptsModule),
        Box::new(crate::certificates::CertificatesModule),
        Box::new(crate::imports::ImportsModule),
        Box::new(crate::identity::IdentityModule),
        Box::new(crate::audit::AuditModule),
        Box::new(crate::auth::AuthModule),
    ]
}

/// Which menu an entry belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Menu {
    Public,
    Staff,
}

/// A menu entry a module offers.
#[derive(Debug, Clone, Copy)]
pub struct NavEntry {
    pub menu: Menu,
    /// Shown text.
    pub label: &'static str,
    /// Path below the town's base (`/plan`).
    pub path: &'static str,
    /// What pages name to mark the entry as current (`Layout::current`).
    pub key: &'static str,
    /// Staff entries: shown only to those who may do one of these somewhere (empty: to all).
    pub permission: &'static [Action],
    /// Position in the menu (lower first).
    pub order: u16,
    /// Public entries: shown only when the plan has what the page shows (e.g. a 行程表).
    pub shown_if: Option<fn(&crate::plan::model::Words) -> bool>,
}

impl NavEntry {
    pub const fn public(
        label: &'static str,
        path: &'static str,
        key: &'static str,
        order: u16,
    ) -> NavEntry {
        NavEntry {
            menu: Menu::Public,
            label,
            path,
            key,
            permission: &[],
            order,
            shown_if: None,
        }
    }

    /// Shows the entry only for plans for which `f` holds.
    pub const fn shown_if(self, f: fn(&crate::plan::model::Words) -> bool) -> NavEntry {
        NavEntry {
            shown_if: Some(f),
            ..self
        }
    }
    pub const fn staff(
        label: &'static str,
        path: &'static str,
        key: &'static str,
        permission: &'static [Action],
        order: u16,
    ) -> NavEntry {
        NavEntry {
            menu: Menu::Staff,
            label,
            path,
            key,
            permission,
            order,
            shown_if: None,
        }
    }
}

/// Figures a module counted for some 年度.
#[derive(Debug, Clone, Default)]
pub struct SourceFigures {
    /// (年度, value), each 年度 at most once.
    pub values: Vec<(FiscalYear, f64)>,
    /// A 年度 whose figure is the baseline when the plan gives none (the counter's first full
    /// 年度 of stay times).
    pub baseline_year: Option<FiscalYear>,
    /// Where the figure comes from, when the source's own label is too general (a family's
    /// member: which register).
    pub label: Option<String>,
    /// A public page (path below the town's base) where residents can see what was counted.
    pub link: Option<String>,
    /// Figures shown beside the KPI's own (a class's fill rate, a training's 受講率), per 年度.
    pub details: Option<Details>,
}

/// A small table of figures that explain a KPI's (shown under its table on the KPI pages).
#[derive(Debug, Clone, Default)]
pub struct Details {
    pub caption: String,
    /// Column headings after the 年度 column.
    pub columns: Vec<String>,
    /// (年度, one value per column).
    pub rows: Vec<(FiscalYear, Vec<String>)>,
    /// What the figures mean and how they were counted.
    pub note: String,
}

/// The figures for the 年度 asked, as of a day; the key is the KPI's `source` as the plan names
/// it (for a family, the member: `registers.ai_rpa`).
pub type FiguresFn = for<'a> fn(
    &'a AppState,
    &'a str,
    &'a [FiscalYear],
    time::Date,
) -> BoxFuture<'a, anyhow::Result<SourceFigures>>;

/// A KPI source: a KPI whose `source` is this key takes its actuals from the module.
#[derive(Clone, Copy)]
pub struct KpiSource {
    /// `counter.stay_time`; or a family, `registers.*`, whose members are named by the town's
    /// data (each register a town declares is a source, without code).
    pub key: &'static str,
    /// Where the figure comes from, as pages say it.
    pub label: &'static str,
    pub figures: FiguresFn,
}

impl KpiSource {
    /// Whether a KPI's `source` names this source (or a member of this family).
    pub fn names(&self, source: &str) -> bool {
        match self.key.strip_suffix('*') {
            Some(prefix) => source.strip_prefix(prefix).is_some_and(is_member_key),
            None => self.key == source,
        }
    }
}

/// A family member's key: half-width lower case, digits and `_`.
fn is_member_key(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Work repeated for every town; returns a line for the log when it did something.
#[derive(Clone, Copy)]
pub struct Job {
    pub name: &'static str,
    pub every: Duration,
    pub run: fn(AppState) -> BoxFuture<'static, anyhow::Result<Option<String>>>,
}

/// A town's caches, by type: each module puts in its own and finds them with `AppState::cache`.
#[derive(Default)]
pub struct Caches(axum::http::Extensions);

impl Caches {
    pub fn insert<T: Clone + Send + Sync + 'static>(&mut self, value: T) {
        self.0.insert(value);
    }
    pub fn get<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.0.get::<T>()
    }
    /// A fresh set with every module's caches.
    pub fn for_new_town() -> Caches {
        let mut caches = Caches::default();
        for m in &registry().modules {
            m.caches(&mut caches);
        }
        caches
    }
}

/// Everything the modules declared, gathered once.
pub struct Registry {
    pub modules: Vec<Box<dyn Module>>,
    pub nav: Vec<NavEntry>,
    pub grants: Vec<Grant>,
    pub kpi_sources: Vec<KpiSource>,
    pub jobs: Vec<Job>,
}

impl Registry {
    fn build() -> Registry {
        let modules = all();
        let mut nav: Vec<NavEntry> = modules.iter().flat_map(|m| m.navigation()).collect();
        nav.sort_by_key(|n| n.order);
        Registry {
            nav,
            grants: modules.iter().flat_map(|m| m.permissions()).collect(),
            kpi_sources: modules.iter().flat_map(|m| m.kpi_sources()).collect(),
            jobs: modules.iter().flat_map(|m| m.jobs()).collect(),
            modules,
        }
    }

    /// The source a KPI's `source` names (exactly, or as a member of a family).
    pub fn kpi_source(&self, key: &str) -> Option<&KpiSource> {
        self.kpi_sources.iter().find(|s| s.names(key))
    }

    /// Every action some module declared a grant for.
    pub fn actions(&self) -> Vec<Action> {
        let mut out: Vec<Action> = Vec::new();
        for g in &self.grants {
            if !out.contains(&g.action) {
                out.push(g.action);
            }
        }
        out
    }

    /// The roles that hold any grant of `action`.
    pub fn roles_for(&self, action: Action) -> Vec<Role> {
        let mut out = Vec::new();
        for g in self.grants.iter().filter(|g| g.action == action) {
            for r in g.roles {
                if !out.contains(r) {
                    out.push(*r);
                }
            }
        }
        out
    }

    /// The router of one town: every module's routes.
    pub fn routes(&self) -> Router<AppState> {
        let mut router = Router::new();
        for module in &self.modules {
            router = router
                .merge(module.public_routes())
                .merge(module.staff_routes());
        }
        router
    }
}

/// The modules and what they declared (built on first use).
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Registry::build)
}

/// "manual" plus every module's KPI source key (a family as `registers.<key>`): what a plan file
/// may name, for its error messages.
pub fn kpi_source_keys() -> Vec<String> {
    let mut keys = vec!["manual".to_string()];
    keys.extend(
        registry()
            .kpi_sources
            .iter()
            .map(|s| match s.key.strip_suffix('*') {
                Some(prefix) => format!("{prefix}<key>"),
                None => s.key.to_string(),
            }),
    );
    keys
}

/// Whether a plan file may name `source`: manual entry or some module's source.
pub fn is_kpi_source(source: &str) -> bool {
    source == "manual" || registry().kpi_source(source).is_some()
}

/// A source's general label: where the figure comes from ("" for manual entry). Pages use
/// `PlanData::source_label`, which knows a family member's own label.
pub fn kpi_source_label(source: &str) -> &'static str {
    registry().kpi_source(source).map_or("", |s| s.label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_are_unique() {
        let r = registry();
        let mut names: Vec<_> = r.modules.iter().map(|m| m.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), r.modules.len(), "module names repeat");
        let mut keys: Vec<_> = r.kpi_sources.iter().map(|s| s.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), r.kpi_sources.len(), "KPI source keys repeat");
        for s in &r.kpi_sources {
            let others = r.kpi_sources.iter().filter(|o| o.key != s.key);
            for o in others {
                assert!(!o.names(s.key), "{} is also a member of {}", s.key, o.key);
            }
        }
        for a in r.actions() {
            assert_eq!(
                r.actions().iter().filter(|b| b.key == a.key).count(),
                1,
                "action key {} names two actions",
                a.key
            );
        }
        for n in &r.nav {
            assert!(n.path.starts_with('/'), "{}", n.path);
            for p in n.permission {
                assert!(
                    !r.roles_for(*p).is_empty(),
                    "menu entry {} needs {} which nobody holds",
                    n.label,
                    p.key
                );
            }
        }
    }
}
