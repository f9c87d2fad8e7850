//! The detection rules: data (`rules.toml`, bundled), read and checked once, each pattern
//! compiled. An error names the category and rule.

use regex::Regex;
use serde::Deserialize;

/// The categories a finding may have, in the names the review uses.
pub const CATEGORIES: [&str; 8] = [
    "目視",
    "実地監査",
    "定期検査",
    "書面掲示",
    "対面講習",
    "常駐専任",
    "往訪閲覧",
    "記録媒体",
];

/// The rules machi ships.
pub const BUNDLED: &str = include_str!("rules.toml");

#[derive(Deserialize)]
struct File {
    version: u32,
    #[serde(default)]
    skip_article: String,
    #[serde(default)]
    skip_clause: String,
    #[serde(default)]
    skip_amending_provisions: bool,
    category: Vec<CategoryFile>,
}

#[derive(Deserialize)]
struct CategoryFile {
    name: String,
    #[serde(default)]
    definition: String,
    #[serde(default)]
    rule: Vec<RuleFile>,
}

#[derive(Deserialize)]
struct RuleFile {
    pattern: String,
    #[serde(default)]
    unless: String,
    reason: String,
    confidence: f64,
}

#[derive(Clone)]
pub struct Rule {
    pub category: &'static str,
    pub pattern: Regex,
    pub unless: Option<Regex>,
    pub reason: String,
    pub confidence: f64,
}

#[derive(Clone)]
pub struct Rules {
    pub version: u32,
    /// Articles not judged at all (罰則).
    pub skip_article: Option<Regex>,
    /// Clauses not judged (definitions).
    pub skip_clause: Option<Regex>,
    /// 附則 of amending laws (附則(…)) are not judged.
    pub skip_amending_provisions: bool,
    pub rules: Vec<Rule>,
    /// (category, definition)
    pub definitions: Vec<(&'static str, String)>,
}

impl Rules {
    pub fn bundled() -> &'static Rules {
        static R: std::sync::OnceLock<Rules> = std::sync::OnceLock::new();
        R.get_or_init(|| Rules::read(BUNDLED).expect("the bundled rules read"))
    }

    /// Reads a rules file; errors name what is wrong, in Japanese.
    pub fn read(text: &str) -> Result<Rules, String> {
        let f: File = toml::from_str(text).map_err(|e| format!("規則ファイルを読めません: {e}"))?;
        let mut rules = Vec::new();
        let mut definitions = Vec::new();
        for c in f.category {
            let Some(name) = CATEGORIES.iter().find(|n| **n == c.name) else {
                return Err(format!(
                    "類型「{}」はありません(使える類型: {})",
                    c.name,
                    CATEGORIES.join("、")
                ));
            };
            definitions.push((*name, c.definition));
            for (i, r) in c.rule.into_iter().enumerate() {
                let at = format!("{} の{}番目の規則", name, i + 1);
                let pattern = Regex::new(&r.pattern)
                    .map_err(|e| format!("{at}: pattern を読めません: {e}"))?;
                let unless = if r.unless.is_empty() {
                    None
                } else {
                    Some(
                        Regex::new(&r.unless)
                            .map_err(|e| format!("{at}: unless を読めません: {e}"))?,
                    )
                };
                if !(0.0..=1.0).contains(&r.confidence) {
                    return Err(format!("{at}: confidence は0から1にしてください"));
                }
                rules.push(Rule {
                    category: name,
                    pattern,
                    unless,
                    reason: r.reason,
                    confidence: r.confidence,
                });
            }
        }
        let optional = |p: &str, what: &str| -> Result<Option<Regex>, String> {
            if p.is_empty() {
                Ok(None)
            } else {
                Regex::new(p)
                    .map(Some)
                    .map_err(|e| format!("{what} を読めません: {e}"))
            }
        };
        Ok(Rules {
            version: f.version,
            skip_article: optional(&f.skip_article, "skip_article")?,
            skip_clause: optional(&f.skip_clause, "skip_clause")?,
            skip_amending_provisions: f.skip_amending_provisions,
            rules,
            definitions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_rules_cover_every_category_and_errors_are_named() {
        let r = Rules::bundled();
        for c in CATEGORIES {
            assert!(r.rules.iter().any(|x| x.category == c), "{c}");
        }
        let e = Rules::read("version = 1\n[[category]]\nname = \"押印\"\n")
            .err()
            .unwrap();
        assert!(e.contains("類型「押印」はありません"));
        let e = Rules::read("version = 1\n[[category]]\nname = \"目視\"\n[[category.rule]]\npattern = \"(\"\nreason = \"x\"\nconfidence = 0.5\n").err().unwrap();
        assert!(
            e.starts_with("目視 の1番目の規則: pattern を読めません"),
            "{e}"
        );
    }
}
