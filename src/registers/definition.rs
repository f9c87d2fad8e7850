//! A register declared as data: a TOML file per register (bundled ones in `src/registers/bundled/`,
//! a town's own uploaded by the coordinating department) says what its rows hold and how its KPI
//! is counted, so a town adds or changes a register without code (docs/registers.md).
//!
//! ```toml
//! key = "ai_rpa"
//! title = "AI・RPA導入業務"
//! owner_field = "department"          # the field naming the 課 that owns a row
//! public = true                       # a public summary may be shown (no personal data)
//! attachments = true                  # rows may hold files (images, PDF) as evidence
//!
//! [[fields]]
//! key = "business"
//! label = "業務"
//! type = "text"                       # text | long_text | number | integer | date | choice | flag | url
//! required = true
//!
//! [kpi]                               # optional: what the KPI source `registers.ai_rpa` counts
//! measure = "count_distinct"
//! field = "business"
//! active_from = "started_on"          # rows in force at 年度末
//! active_until = "stopped_on"
//! ```

use super::value::FieldValue;
use serde::Deserialize;
use std::collections::HashSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    LongText,
    Number,
    Integer,
    Date,
    Choice,
    Flag,
    Url,
    /// A month (2024-04, 令和6年4月); kept as its first day.
    Month,
}

impl FieldKind {
    /// What a person is asked to write, in words.
    pub fn expected(self) -> &'static str {
        match self {
            FieldKind::Text | FieldKind::LongText => "文字",
            FieldKind::Number => "数値(例: 12.5)",
            FieldKind::Integer => "整数(例: 12)",
            FieldKind::Date => "日付(例: 2025-04-01、令和7年4月1日)",
            FieldKind::Choice => "選択肢のどれか",
            FieldKind::Flag => "「はい」か「いいえ」",
            FieldKind::Url => "https:// で始まるアドレス",
            FieldKind::Month => "年月(例: 2025-04、令和7年4月)",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    pub key: String,
    pub label: String,
    #[serde(rename = "type")]
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    /// The values a choice field allows, in the order shown.
    #[serde(default)]
    pub choices: Vec<String>,
    /// A line of help under the field.
    #[serde(default)]
    pub help: Option<String>,
    /// Personal data (a staff member's name …): shown only to the coordinating department and
    /// the row's owner, never in a public summary or open data.
    #[serde(default)]
    pub personal: bool,
    /// Other column names a CSV may use for this field (a copier vendor's 「部署名」 for 課).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Filled in when a form opens and when an imported line leaves the cell blank or has no
    /// such column.
    #[serde(default)]
    pub default: Option<String>,
}

/// How a register's rows become a KPI figure per 年度.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// The rows.
    Count,
    /// Different values of `field`.
    CountDistinct,
    /// The sum of `field`.
    Sum,
    /// `field` of the row with the latest `year_by` date.
    Latest,
    /// Sum of `numerator` ÷ sum of `denominator`, as a percentage.
    Ratio,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KpiDef {
    pub measure: Measure,
    #[serde(default)]
    pub field: Option<String>,
    #[serde(default)]
    pub numerator: Option<String>,
    #[serde(default)]
    pub denominator: Option<String>,
    /// The date field that places a row in a 年度.
    #[serde(default)]
    pub year_by: Option<String>,
    /// Rows of this and every earlier 年度 count (with `year_by`).
    #[serde(default)]
    pub cumulative: bool,
    /// Rows in force on 年度末: started on or before 3月31日 and not stopped by then.
    #[serde(default)]
    pub active_from: Option<String>,
    #[serde(default)]
    pub active_until: Option<String>,
    /// Only rows whose choice field has one of these values (`where = { state = ["実施中"] }`).
    #[serde(default, rename = "where")]
    pub only: std::collections::BTreeMap<String, Vec<String>>,
    /// How the KPI page names where the figure comes from.
    #[serde(default)]
    pub label: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterDef {
    pub key: String,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub owner_field: Option<String>,
    #[serde(default)]
    pub public: bool,
    /// Rows may hold files (images, PDF): a flyer, a screenshot, a plan.
    #[serde(default)]
    pub attachments: bool,
    pub fields: Vec<FieldDef>,
    #[serde(default)]
    pub kpi: Option<KpiDef>,
    /// Columns a CSV to import may have that the register does not keep (they are skipped).
    #[serde(default)]
    pub ignore_columns: Vec<String>,
}

/// Why a register file cannot be used, in Japanese, naming the line or the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DefinitionError(pub String);

impl RegisterDef {
    /// The KPI source key a plan's KPI names to be fed by this register.
    pub fn source_key(&self) -> String {
        format!("registers.{}", self.key)
    }

    pub fn field(&self, key: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.key == key)
    }

    pub fn parse(text: &str) -> Result<RegisterDef, DefinitionError> {
        let def: RegisterDef = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].lines().count().max(1));
            DefinitionError(format!(
                "台帳の定義を読めません{}: {}",
                line.map(|l| format!("({l}行目)")).unwrap_or_default(),
                e.message()
            ))
        })?;
        def.check()?;
        Ok(def)
    }

    fn check(&self) -> Result<(), DefinitionError> {
        let err = |m: String| Err(DefinitionError(m));
        let key_ok = |k: &str| {
            !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        };
        if !key_ok(&self.key) {
            return err(format!(
                "台帳のkey「{}」は半角英小文字・数字・_で書きます",
                self.key
            ));
        }
        if self.fields.is_empty() {
            return err("項目(fields)がありません".into());
        }
        let mut seen = HashSet::new();
        for f in &self.fields {
            if !key_ok(&f.key) {
                return err(format!(
                    "項目「{}」のkey「{}」は半角英小文字・数字・_で書きます",
                    f.label, f.key
                ));
            }
            if !seen.insert(f.key.as_str()) {
                return err(format!("項目のkey「{}」が二度あります", f.key));
            }
            if let Some(d) = &f.default
                && let Err(e) = FieldValue::read(f, d)
            {
                return err(format!("項目「{}」の default: {e}", f.label));
            }
            if (f.kind == FieldKind::Choice) == f.choices.is_empty() {
                return err(format!(
                    "項目「{}」: 選択肢(choices)は type = \"choice\" の項目にだけ、必ず書きます",
                    f.label
                ));
            }
        }
        if let Some(owner) = &self.owner_field
            && self.field(owner).is_none()
        {
            return err(format!("owner_field「{owner}」という項目がありません"));
        }
        if let Some(k) = &self.kpi {
            self.check_kpi(k)?;
        }
        Ok(())
    }

    fn check_kpi(&self, k: &KpiDef) -> Result<(), DefinitionError> {
        let need = |name: &str, v: &Option<String>, kinds: &[FieldKind]| {
            let Some(key) = v else {
                return Err(DefinitionError(format!(
                    "[kpi] の measure = \"{}\" には {name} が要ります",
                    measure_name(k.measure)
                )));
            };
            match self.field(key) {
                None => Err(DefinitionError(format!(
                    "[kpi] の {name}「{key}」という項目がありません"
                ))),
                Some(f) if !kinds.is_empty() && !kinds.contains(&f.kind) => {
                    Err(DefinitionError(format!(
                        "[kpi] の {name}「{key}」は{}の項目ではありません",
                        kinds
                            .iter()
                            .map(|k| k.expected())
                            .collect::<Vec<_>>()
                            .join("か")
                    )))
                }
                Some(_) => Ok(()),
            }
        };
        let numbers = [FieldKind::Number, FieldKind::Integer];
        match k.measure {
            Measure::Count => {}
            Measure::CountDistinct => need("field", &k.field, &[])?,
            Measure::Sum => need("field", &k.field, &numbers)?,
            Measure::Latest => {
                need("field", &k.field, &numbers)?;
                need("year_by", &k.year_by, &[FieldKind::Date, FieldKind::Month])?;
            }
            Measure::Ratio => {
                need("numerator", &k.numerator, &numbers)?;
                need("denominator", &k.denominator, &numbers)?;
            }
        }
        if k.year_by.is_some() {
            need("year_by", &k.year_by, &[FieldKind::Date, FieldKind::Month])?;
        }
        if k.active_from.is_some() || k.active_until.is_some() {
            need("active_from", &k.active_from, &[FieldKind::Date])?;
            if k.active_until.is_some() {
                need("active_until", &k.active_until, &[FieldKind::Date])?;
            }
            if k.year_by.is_some() {
                return Err(DefinitionError(
                    "[kpi] には year_by か active_from のどちらか一方を書きます".into(),
                ));
            }
        }
        if k.cumulative && k.year_by.is_none() {
            return Err(DefinitionError(
                "[kpi] の cumulative には year_by(年度を決める日付の項目)が要ります".into(),
            ));
        }
        if k.year_by.is_none() && k.active_from.is_none() {
            return Err(DefinitionError(
                "[kpi] には year_by か active_from(年度を決める日付の項目)が要ります".into(),
            ));
        }
        for (key, values) in &k.only {
            let Some(f) = self.field(key) else {
                return Err(DefinitionError(format!(
                    "[kpi] の where「{key}」という項目がありません"
                )));
            };
            if let Some(v) = values.iter().find(|v| !f.choices.contains(v)) {
                return Err(DefinitionError(format!(
                    "[kpi] の where: 「{v}」は項目「{}」の選択肢にありません",
                    f.label
                )));
            }
        }
        Ok(())
    }

    /// Reads one row as typed (`None` for a blank cell); the errors name the field.
    pub fn read_row(
        &self,
        input: &std::collections::BTreeMap<String, String>,
    ) -> Result<Vec<(String, Option<FieldValue>)>, Vec<String>> {
        let mut row = Vec::new();
        let mut errors = Vec::new();
        for f in &self.fields {
            let text = input.get(&f.key).map(|s| s.trim()).unwrap_or("");
            match FieldValue::read(f, text) {
                Ok(None) if f.required => errors.push(format!("「{}」は必須です", f.label)),
                Ok(v) => row.push((f.key.clone(), v)),
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(row)
        } else {
            Err(errors)
        }
    }
}

fn measure_name(m: Measure) -> &'static str {
    match m {
        Measure::Count => "count",
        Measure::CountDistinct => "count_distinct",
        Measure::Sum => "sum",
        Measure::Latest => "latest",
        Measure::Ratio => "ratio",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
key = "uses"
title = "利用の記録"
[[fields]]
key = "name"
label = "名前"
type = "text"
required = true
[[fields]]
key = "state"
label = "状態"
type = "choice"
choices = ["立案", "実施中"]
[[fields]]
key = "on"
label = "日付"
type = "date"
"#;

    #[test]
    fn a_register_file_is_checked_with_its_faults_named() {
        assert!(RegisterDef::parse(BASE).is_ok());
        let with = |kpi: &str| RegisterDef::parse(&format!("{BASE}[kpi]\n{kpi}\n"));
        assert!(with("measure = \"count\"\nyear_by = \"on\"").is_ok());
        let e = with("measure = \"sum\"\nfield = \"name\"\nyear_by = \"on\"").unwrap_err();
        assert!(e.0.contains("「name」は数値"), "{e}");
        let e = with("measure = \"count\"").unwrap_err();
        assert!(e.0.contains("year_by か active_from"), "{e}");
        let e = with("measure = \"count\"\nyear_by = \"on\"\nwhere = { state = [\"完了\"] }")
            .unwrap_err();
        assert!(
            e.0.contains("「完了」は項目「状態」の選択肢にありません"),
            "{e}"
        );
        let e = RegisterDef::parse(&BASE.replace("\"state\"", "\"name\"")).unwrap_err();
        assert!(e.0.contains("二度"), "{e}");
        let e = RegisterDef::parse(&BASE.replace("type = \"date\"", "type = \"day\"")).unwrap_err();
        assert!(e.0.starts_with("台帳の定義を読めません(17行目): "), "{e}");
    }
}
