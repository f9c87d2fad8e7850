//! The catalog file (`machi-procedures/1`): procedures and life events, as bundled (for the body of the bundled plan) and
//! as another town writes its own (docs/procedures.md). Forms come as separate files.

use super::form::FormDef;
use super::model::{LifeEvent, Procedure};
use serde::{Deserialize, Serialize};

pub const FORMAT: &str = "machi-procedures/1";

pub const BUNDLED_PLAN: &str = include_str!("seed/kami.toml");

/// The bundled forms, one file each.
pub const BUNDLED_FORMS: [&str; 12] = [
    include_str!("seed/forms/juumin-idou.toml"),
    include_str!("seed/forms/inkan-touroku.toml"),
    include_str!("seed/forms/kokuho-kanyu.toml"),
    include_str!("seed/forms/kokuho-soushitsu.toml"),
    include_str!("seed/forms/kokuho-sousaihi.toml"),
    include_str!("seed/forms/kokumin-nenkin.toml"),
    include_str!("seed/forms/kouki-idou.toml"),
    include_str!("seed/forms/kouki-sousaihi.toml"),
    include_str!("seed/forms/kaigo-idou.toml"),
    include_str!("seed/forms/kaigo-soushitsu.toml"),
    include_str!("seed/forms/jidou-teate-nintei.toml"),
    include_str!("seed/forms/jidou-teate-shoumetsu.toml"),
];

/// Bundled forms as earlier releases shipped them. A town still holding one unchanged gets the
/// current version (its staff never edited it); an edited form is left as the town made it.
pub const PREVIOUS_BUNDLED_FORMS: [&str; 4] = [
    include_str!("seed/forms/previous/jidou-teate-nintei.toml"),
    include_str!("seed/forms/previous/kokuho-kanyu.toml"),
    include_str!("seed/forms/previous/kokuho-soushitsu.toml"),
    include_str!("seed/forms/previous/kaigo-soushitsu.toml"),
];

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogFile {
    pub format: String,
    #[serde(default)]
    pub procedures: Vec<Procedure>,
    #[serde(default)]
    pub life_events: Vec<LifeEvent>,
}

impl CatalogFile {
    /// Parses and checks a catalog file; errors name the line or the procedure.
    pub fn parse(text: &str) -> Result<CatalogFile, Vec<String>> {
        let f: CatalogFile =
            toml::from_str(text).map_err(|e| vec![super::form::toml_error(&e, text)])?;
        let mut errors = Vec::new();
        if f.format != FORMAT {
            errors.push(format!("format は \"{FORMAT}\" にしてください"));
        }
        for (i, p) in f.procedures.iter().enumerate() {
            if f.procedures[..i].iter().any(|q| q.key == p.key) {
                errors.push(format!("手続きのキー「{}」が重複しています", p.key));
            }
            for (field, m) in p.problems() {
                errors.push(format!("手続き「{}」の {field}: {m}", p.key));
            }
        }
        let exists = |k: &str| f.procedures.iter().any(|p| p.key == k);
        for (i, e) in f.life_events.iter().enumerate() {
            if f.life_events[..i].iter().any(|x| x.key == e.key) {
                errors.push(format!("ライフイベントのキー「{}」が重複しています", e.key));
            }
            for m in e.problems(&exists) {
                errors.push(format!("ライフイベント「{}」: {m}", e.key));
            }
        }
        if errors.is_empty() {
            Ok(f)
        } else {
            Err(errors)
        }
    }

    pub fn bundled() -> CatalogFile {
        CatalogFile::parse(BUNDLED_PLAN).expect("the bundled catalog is valid")
    }
}

pub fn bundled_forms() -> Vec<FormDef> {
    BUNDLED_FORMS
        .iter()
        .map(|t| FormDef::parse(t).expect("the bundled forms are valid"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_catalog_and_forms_are_valid_and_linked() {
        let c = CatalogFile::bundled();
        assert_eq!(c.life_events.len(), 4);
        assert_eq!(c.procedures.iter().filter(|p| p.priority).count(), 28);
        for f in bundled_forms() {
            for p in &f.procedures {
                assert!(
                    c.procedures.iter().any(|q| &q.key == p),
                    "form {} names unknown procedure {p}",
                    f.key
                );
            }
        }
    }
}
