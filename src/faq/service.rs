//! A town's search: its published FAQ entries, every procedure of the catalog and every life
//! event, in one index with the bundled synonyms and the town's own. The index is kept and made
//! again when anything it was made from changes: at once after a write through this process,
//! within a second after another process's (`machi faq import`): the database is asked every
//! quarter second whether anything changed, and making the index of 10,000 entries takes about
//! half a second.

use super::index::{Doc, Index, Kind};
use super::model::Entry;
use super::synonyms::{self, Group, Synonyms};
use crate::app::AppState;
use crate::modules::Kept;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// How long a kept index is used without asking the database whether it changed.
const TTL: Duration = Duration::from_millis(250);

/// What an index was made from.
#[derive(Clone, PartialEq)]
struct Made {
    at: Instant,
    faq: i64,
    catalog: u64,
}

/// The kept index, and a lock so that one request makes a new one while the others wait for it.
#[derive(Clone, Default)]
pub struct Cache(Kept<Made, Searcher>, Arc<tokio::sync::Mutex<()>>);

/// The index and the published entries it answers with.
pub struct Searcher {
    pub index: Index,
    pub entries: HashMap<String, Entry>,
    /// Procedures' 担当課, by key.
    pub desks: HashMap<String, String>,
    /// Documents by kind and id.
    by_key: HashMap<(Kind, String), usize>,
}

/// An answer found, as pages and the API show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Found {
    pub id: String,
    pub kind: Kind,
    pub question: String,
    /// Below the town's base (`/faq/cert-01`).
    pub url: String,
    pub score: f64,
    #[serde(skip)]
    pub category: String,
    /// The first words of the answer, for a card.
    #[serde(skip)]
    pub summary: String,
    #[serde(skip)]
    pub department: String,
}

fn bundled_groups() -> &'static [Group] {
    static GROUPS: OnceLock<Vec<Group>> = OnceLock::new();
    GROUPS.get_or_init(|| synonyms::parse(synonyms::BUNDLED).expect("the bundled synonyms read"))
}

/// The bundled groups and the town's own lines (a line that no longer reads is skipped).
pub fn dictionary(own: &[String]) -> Synonyms {
    let mut groups = bundled_groups().to_vec();
    for line in own {
        groups.extend(synonyms::parse(line).unwrap_or_default());
    }
    Synonyms::new(groups)
}

/// An address path segment for an id the town wrote (kept readable; only what must be is
/// escaped).
pub fn id_path(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// The documents of a town: published entries, procedures, life events.
pub fn docs(entries: &[Entry], catalog: &crate::procedures::cache::Snapshot) -> Vec<Doc> {
    let mut docs: Vec<Doc> = entries
        .iter()
        .filter(|e| e.published)
        .map(|e| Doc {
            id: e.id.clone(),
            kind: Kind::Faq,
            question: e.question.clone(),
            keywords: e.keywords.clone(),
            category: e.category.clone(),
            answer: e.answer.clone(),
            url: format!("/faq/{}", id_path(&e.id)),
        })
        .collect();
    docs.extend(catalog.procedures.iter().map(|p| {
        Doc {
            id: p.key.clone(),
            kind: Kind::Procedure,
            question: p.name.clone(),
            keywords: vec![p.field.clone()],
            category: p.category.clone(),
            answer: [
                p.who.as_str(),
                &p.bring.join("、"),
                &p.fee,
                &p.deadline,
                &p.note,
            ]
            .join(" "),
            url: format!("/procedures/{}", p.key),
        }
    }));
    docs.extend(catalog.life_events.iter().map(|e| Doc {
        id: e.key.clone(),
        kind: Kind::LifeEvent,
        question: e.title.clone(),
        keywords: vec![e.short.clone()],
        category: "暮らしの出来事".into(),
        answer: e.intro.clone(),
        url: format!("/life-events/{}", e.key),
    }));
    docs
}

fn catalog_stamp(c: &crate::procedures::cache::Snapshot) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for p in &c.procedures {
        (
            &p.key,
            &p.name,
            &p.category,
            &p.field,
            &p.who,
            &p.bring,
            &p.fee,
            &p.note,
        )
            .hash(&mut h);
    }
    for e in &c.life_events {
        (&e.key, &e.title, &e.short, &e.intro).hash(&mut h);
    }
    h.finish()
}

/// The town's index, made again when what it was made from changed.
pub async fn searcher(state: &AppState) -> anyhow::Result<Arc<Searcher>> {
    let cache = state.cache::<Cache>();
    if let Some(s) = cache.0.get(|m| m.at.elapsed() < TTL) {
        return Ok(s);
    }
    let _one_at_a_time = cache.1.lock().await;
    if let Some(s) = cache.0.get(|m| m.at.elapsed() < TTL) {
        return Ok(s);
    }
    let catalog = crate::procedures::cache::snapshot(state).await?;
    let made = Made {
        at: Instant::now(),
        faq: super::store::stamp(&state.db).await?,
        catalog: catalog_stamp(&catalog),
    };
    if let Some(s) = cache
        .0
        .get(|m| m.faq == made.faq && m.catalog == made.catalog)
    {
        cache.0.put(made, s.clone());
        return Ok(s);
    }
    let entries: Vec<Entry> = super::store::all(&state.db)
        .await?
        .into_iter()
        .map(|s| s.entry)
        .collect();
    let own: Vec<String> = super::store::synonyms(&state.db)
        .await?
        .into_iter()
        .map(|(_, l)| l)
        .collect();
    // Making the index of a large FAQ takes a while: off the threads that answer requests.
    let searcher = tokio::task::spawn_blocking(move || make(entries, &own, &catalog)).await?;
    let searcher = Arc::new(searcher);
    cache.0.put(made, searcher.clone());
    Ok(searcher)
}

fn make(
    entries: Vec<Entry>,
    own: &[String],
    catalog: &crate::procedures::cache::Snapshot,
) -> Searcher {
    let docs = docs(&entries, catalog);
    let by_key = docs
        .iter()
        .enumerate()
        .map(|(i, d)| ((d.kind, d.id.clone()), i))
        .collect();
    Searcher {
        by_key,
        index: Index::new(docs, dictionary(own)),
        entries: entries
            .into_iter()
            .filter(|e| e.published)
            .map(|e| (e.id.clone(), e))
            .collect(),
        desks: catalog
            .procedures
            .iter()
            .map(|p| (p.key.clone(), p.department.clone()))
            .collect(),
    }
}

/// Call after a write to the FAQ or the synonyms.
pub fn invalidate(state: &AppState) {
    state.cache::<Cache>().0.clear();
}

/// Longest query searched (characters); the rest is ignored.
pub const MAX_QUERY: usize = 200;

/// The first characters of a text, for a card.
pub fn summary(text: &str, chars: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= chars {
        flat
    } else {
        format!("{}…", flat.chars().take(chars).collect::<String>())
    }
}

impl Searcher {
    pub fn doc(&self, kind: Kind, id: &str) -> Option<&Doc> {
        self.by_key
            .get(&(kind, id.to_string()))
            .map(|i| &self.index.docs()[*i])
    }

    /// The 担当課 of an answer (empty when none is set; a life event has several).
    pub fn department(&self, kind: Kind, id: &str) -> String {
        match kind {
            Kind::Faq => self.entries.get(id).map(|e| e.department.clone()),
            Kind::Procedure => self.desks.get(id).cloned(),
            Kind::LifeEvent => None,
        }
        .unwrap_or_default()
    }

    /// The best answers for a query, of one kind or all, optionally in one category.
    pub fn find(
        &self,
        query: &str,
        kind: Option<Kind>,
        category: Option<&str>,
        limit: usize,
    ) -> Vec<Found> {
        self.find_checked(query, kind, category, limit).0
    }

    /// The best answers, and whether they answer the query or are only near it.
    pub fn find_checked(
        &self,
        query: &str,
        kind: Option<Kind>,
        category: Option<&str>,
        limit: usize,
    ) -> (Vec<Found>, bool) {
        let query: String = query.chars().take(MAX_QUERY).collect();
        let wanted = if category.is_some() {
            limit * 8 + 40
        } else {
            limit
        };
        let (hits, answered) = self.index.search_checked(&query, kind, wanted);
        let found = hits
            .into_iter()
            .map(|h| {
                let d = &self.index.docs()[h.doc];
                let department = self.department(d.kind, &d.id);
                Found {
                    id: d.id.clone(),
                    kind: d.kind,
                    question: d.question.clone(),
                    url: d.url.clone(),
                    score: (h.score * 1000.0).round() / 1000.0,
                    category: d.category.clone(),
                    summary: summary(&d.answer, 80),
                    department,
                }
            })
            .filter(|f| category.is_none_or(|c| f.category == c))
            .take(limit)
            .collect();
        (found, answered)
    }
}
