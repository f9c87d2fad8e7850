//! The catalog as pages read it, parsed once and kept for a second: the public pages and the
//! counter read it on every request, and parsing ~100 procedures and the guide's documents each
//! time cost more than the rest of the page. Writes through this process clear it at once.

use super::form::FormDef;
use super::model::{LifeEvent, Procedure};
use super::{search, store};
use crate::app::AppState;
use std::sync::Arc;
use std::time::{Duration, Instant};

const TTL: Duration = Duration::from_secs(1);

/// A town's parsed catalog and when it was read.
#[derive(Clone, Default)]
pub struct Cache(crate::modules::Kept<Instant, Snapshot>);

pub struct Snapshot {
    pub procedures: Vec<Procedure>,
    /// Folded search text, by position in `procedures`.
    pub haystacks: Vec<String>,
    pub life_events: Vec<LifeEvent>,
    pub forms: Vec<FormDef>,
}

impl Snapshot {
    pub fn procedure(&self, key: &str) -> Option<&Procedure> {
        self.procedures.iter().find(|p| p.key == key)
    }
    pub fn life_event(&self, key: &str) -> Option<&LifeEvent> {
        self.life_events.iter().find(|e| e.key == key)
    }
}

pub async fn snapshot(state: &AppState) -> anyhow::Result<Arc<Snapshot>> {
    let cache = state.cache::<Cache>();
    if let Some(snap) = cache.0.get(|at| at.elapsed() < TTL) {
        return Ok(snap);
    }
    let procedures: Vec<Procedure> = store::procedures(&state.db)
        .await?
        .into_iter()
        .map(|p| p.procedure)
        .collect();
    let snap = Arc::new(Snapshot {
        haystacks: procedures.iter().map(search::haystack).collect(),
        procedures,
        life_events: store::life_events(&state.db).await?,
        forms: store::forms(&state.db).await?,
    });
    cache.0.put(Instant::now(), snap.clone());
    Ok(snap)
}

/// Call after a write to the catalog, the guide or the forms.
pub fn invalidate(state: &AppState) {
    state.cache::<Cache>().0.clear();
}
