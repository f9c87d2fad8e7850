//! The plan file: TOML in, TOML out (docs/plan-format.md). A file that does not parse or does not
//! make a consistent plan is refused as a whole, with every problem named by file, line and field.

use super::model::{Plan, RoadmapItem, parse_measure_code};
use std::collections::HashSet;
use std::fmt;
use toml::de::{DeTable, DeValue};

pub const FORMAT: &str = "machi-plan/1";

/// The plan bundled with machi: 香美町's DX推進計画 (令和5年4月策定).
pub const BUNDLED_KAMI: &str = include_str!("../../plans/kami-2023.toml");
pub const BUNDLED_KAMI_NAME: &str = "plans/kami-2023.toml";

/// The bundled plan, parsed once.
pub fn bundled() -> &'static Plan {
    static PLAN: std::sync::OnceLock<Plan> = std::sync::OnceLock::new();
    PLAN.get_or_init(|| parse(BUNDLED_KAMI, BUNDLED_KAMI_NAME).expect("the bundled plan parses"))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanFileError {
    pub file: String,
    pub line: Option<usize>,
    /// Path of the field, e.g. measures[3].kpi.target
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for PlanFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, " {line}行目")?;
        }
        if let Some(field) = &self.field {
            write!(f, " 項目 {field}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// All problems found in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanFileErrors(pub Vec<PlanFileError>);

impl fmt::Display for PlanFileErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "計画ファイルを読み込めません({}件の問題):", self.0.len())?;
        for e in &self.0 {
            writeln!(f, "  {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PlanFileErrors {}

#[derive(Debug, Clone)]
enum Seg {
    Key(&'static str),
    Index(usize),
}

fn path_text(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => s.push_str(&format!("[{}]", i + 1)),
        }
    }
    s
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The span of the deepest part of `path` that exists in the document.
fn span_of(doc: &DeTable<'_>, path: &[Seg]) -> Option<std::ops::Range<usize>> {
    let mut table = doc;
    let mut value: Option<&toml::Spanned<DeValue<'_>>> = None;
    let mut best = None;
    for seg in path {
        let next = match (seg, value.map(|v| v.get_ref())) {
            (Seg::Key(k), None | Some(DeValue::Table(_))) => {
                if let Some(DeValue::Table(t)) = value.map(|v| v.get_ref()) {
                    table = t;
                }
                table
                    .iter()
                    .find(|(key, _)| key.get_ref().as_ref() == *k)
                    .map(|(key, v)| {
                        // A whole table's span may be empty for [[headers]]: point at the key.
                        best = Some(key.span());
                        v
                    })
            }
            (Seg::Index(i), Some(DeValue::Array(a))) => a.get(*i),
            _ => None,
        };
        match next {
            Some(v) => {
                if !v.span().is_empty() {
                    best = Some(v.span());
                }
                value = Some(v);
            }
            None => break,
        }
    }
    best
}

/// Turns serde's English messages into plain Japanese for the person fixing the file.
fn plain_message(msg: &str) -> String {
    let msg = msg.trim();
    let quoted = |s: &str| -> Vec<String> {
        s.split('`')
            .enumerate()
            .filter(|(i, _)| i % 2 == 1)
            .map(|(_, p)| p.to_string())
            .collect()
    };
    if let Some(rest) = msg.strip_prefix("unknown field ") {
        let q = quoted(rest);
        let allowed = q.get(1..).unwrap_or_default().join(", ");
        return format!(
            "項目「{}」はこの場所では使えません(使える項目: {allowed})",
            q.first().cloned().unwrap_or_default()
        );
    }
    if let Some(rest) = msg.strip_prefix("missing field ") {
        return format!(
            "必須の項目「{}」がありません",
            quoted(rest).first().cloned().unwrap_or_default()
        );
    }
    if let Some(rest) = msg.strip_prefix("unknown variant ") {
        let q = quoted(rest);
        return format!(
            "「{}」は使えない値です(使える値: {})",
            q.first().cloned().unwrap_or_default(),
            q.get(1..).unwrap_or_default().join(", ")
        );
    }
    if let Some(rest) = msg.strip_prefix("invalid type: ") {
        let (got, expected) = rest.split_once(", expected ").unwrap_or((rest, "?"));
        let expected = match expected {
            "f64" | "a float" => "数値",
            "u32" | "i32" | "i64" | "u64" => "整数",
            "a string" | "a borrowed string" => "文字列",
            "a boolean" => "true または false",
            "a sequence" => "配列 [ ... ]",
            e if e.starts_with("struct ") => "表(テーブル)",
            e => e,
        };
        return format!("値の種類が違います({expected}が必要ですが {got} が書かれています)");
    }
    if let Some(rest) = msg.strip_prefix("duplicate key") {
        return format!("同じ項目が二度書かれています{rest}");
    }
    msg.to_string()
}

/// Reads and checks a plan file. `file` names it in messages.
pub fn parse(text: &str, file: &str) -> Result<Plan, PlanFileErrors> {
    let doc = DeTable::parse(text).map_err(|e| {
        PlanFileErrors(vec![PlanFileError {
            file: file.to_string(),
            line: e.span().map(|s| line_of(text, s.start)),
            field: None,
            message: format!("TOMLとして読めません: {}", plain_message(e.message())),
        }])
    })?;
    let plan: Plan = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start));
        let field = line.and_then(|l| {
            text.lines()
                .nth(l - 1)
                .and_then(|t| t.split_once('='))
                .map(|(k, _)| k.trim().to_string())
                .filter(|k| !k.is_empty() && !k.starts_with('['))
        });
        PlanFileErrors(vec![PlanFileError {
            file: file.to_string(),
            line,
            field,
            message: plain_message(e.message()),
        }])
    })?;
    let problems = validate(&plan);
    if problems.is_empty() {
        return Ok(plan);
    }
    let doc = doc.into_inner();
    Err(PlanFileErrors(
        problems
            .into_iter()
            .map(|(path, message)| PlanFileError {
                file: file.to_string(),
                line: span_of(&doc, &path).map(|s| line_of(text, s.start)),
                field: Some(path_text(&path)),
                message,
            })
            .collect(),
    ))
}

/// The plan as a plan file. `parse(&to_toml(p))` gives back `p`.
pub fn to_toml(plan: &Plan) -> String {
    let body = toml::to_string_pretty(plan).expect("a plan always serialises");
    format!(
        "# {} — machi plan file ({FORMAT}); format: docs/plan-format.md\n\n{body}",
        plan.title
    )
}

/// The consistency checks of a plan file, for a plan edited in the browser: (field path, message).
pub fn check(plan: &Plan) -> Vec<(String, String)> {
    validate(plan)
        .into_iter()
        .map(|(path, message)| (path_text(&path), message))
        .collect()
}

/// 全国地方公共団体コード: 5 digits and a check digit.
pub fn municipality_code_is_valid(code: &str) -> bool {
    crate::towns::code::check_digit_ok(code)
}

fn validate(plan: &Plan) -> Vec<(Vec<Seg>, String)> {
    use Seg::{Index, Key};
    let mut out: Vec<(Vec<Seg>, String)> = Vec::new();
    let mut err = |path: Vec<Seg>, msg: String| out.push((path, msg));

    if plan.format != FORMAT {
        err(
            vec![Key("format")],
            format!(
                "形式は \"{FORMAT}\" である必要があります(「{}」)",
                plan.format
            ),
        );
    }
    if plan.id.is_empty()
        || !plan
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        err(
            vec![Key("id")],
            "計画IDは半角英小文字・数字・ハイフンで書いてください(例: kami-2023)".into(),
        );
    }
    for (path, value) in [
        (vec![Key("title")], &plan.title),
        (
            vec![Key("municipality"), Key("name")],
            &plan.municipality.name,
        ),
    ] {
        if value.trim().is_empty() {
            err(path, "空にはできません".into());
        }
    }
    if !municipality_code_is_valid(&plan.municipality.code) {
        err(
            vec![Key("municipality"), Key("code")],
            format!(
                "「{}」は全国地方公共団体コード(6桁、検査数字付き)として正しくありません",
                plan.municipality.code
            ),
        );
    }
    if plan.period.start > plan.period.end {
        err(
            vec![Key("period"), Key("end")],
            "計画期間の終わりが始まりより前です".into(),
        );
    }
    if plan.roadmap_years.first > plan.roadmap_years.last {
        err(
            vec![Key("roadmap_years"), Key("last")],
            "行程表の最終年度が最初の年度より前です".into(),
        );
    }

    let mut policies = HashSet::new();
    for (i, p) in plan.policies.iter().enumerate() {
        if !policies.insert(p.number) {
            err(
                vec![Key("policies"), Index(i), Key("number")],
                format!("基本方針 {} が二度定義されています", p.number),
            );
        }
        if p.title.trim().is_empty() {
            err(
                vec![Key("policies"), Index(i), Key("title")],
                "空にはできません".into(),
            );
        }
    }
    if plan.policies.is_empty() {
        err(vec![Key("policies")], "基本方針が一つもありません".into());
    }
    let mut areas = HashSet::new();
    for (i, a) in plan.areas.iter().enumerate() {
        if !policies.contains(&a.policy) {
            err(
                vec![Key("areas"), Index(i), Key("policy")],
                format!("基本方針 {} は定義されていません", a.policy),
            );
        }
        if !areas.insert(a.code()) {
            err(
                vec![Key("areas"), Index(i), Key("number")],
                format!("取組内容 {} が二度定義されています", a.label()),
            );
        }
        if a.title.trim().is_empty() {
            err(
                vec![Key("areas"), Index(i), Key("title")],
                "空にはできません".into(),
            );
        }
    }

    let mut codes = HashSet::new();
    for (i, m) in plan.measures.iter().enumerate() {
        let at = |k: &'static str| vec![Key("measures"), Index(i), Key(k)];
        let kpi_at = |k: &'static str| vec![Key("measures"), Index(i), Key("kpi"), Key(k)];
        match parse_measure_code(&m.code) {
            None => err(
                at("code"),
                format!(
                    "施策コード「{}」は「基本方針-取組内容-施策」の番号で書いてください(例: 1-1-1)",
                    m.code
                ),
            ),
            Some((p, a, _)) => {
                if !areas.contains(&format!("{p}-{a}")) {
                    err(
                        at("code"),
                        format!("施策 {} の取組内容 {p}-{a} は定義されていません", m.code),
                    );
                }
                if !codes.insert(m.code.clone()) {
                    err(
                        at("code"),
                        format!("施策 {} が二度定義されています", m.code),
                    );
                }
            }
        }
        if m.title.trim().is_empty() {
            err(at("title"), "空にはできません".into());
        }
        let k = &m.kpi;
        if k.name.trim().is_empty() {
            err(kpi_at("name"), "KPIの名前が空です".into());
        }
        if k.unit.trim().is_empty() {
            err(kpi_at("unit"), "単位が空です(例: 手続、%、人)".into());
        }
        match (k.target, k.target_change_percent) {
            (Some(_), Some(_)) => err(
                kpi_at("target_change_percent"),
                "target と target_change_percent はどちらか一方だけを書いてください".into(),
            ),
            (None, None) => err(
                kpi_at("target"),
                "目標値(target)か基準値からの増減率(target_change_percent)が必要です".into(),
            ),
            _ => {}
        }
        for v in [k.target, k.target_change_percent]
            .into_iter()
            .flatten()
            .chain(k.baseline.as_ref().and_then(|b| b.value))
        {
            if !v.is_finite() {
                err(kpi_at("target"), "数値が有限ではありません".into());
            }
        }
        if !crate::modules::kpi_source_keys().contains(&k.source.as_str()) {
            err(
                kpi_at("source"),
                format!(
                    "実績の出どころ「{}」はありません(使える値: {})",
                    k.source,
                    crate::modules::kpi_source_keys().join(", ")
                ),
            );
        }
        if !k.kind.is_empty() && super::kinds::by_key(&k.kind).is_none() {
            err(
                kpi_at("kind"),
                format!(
                    "KPIの種類「{}」はありません(使える値: {})",
                    k.kind,
                    super::kinds::KINDS
                        .iter()
                        .map(|k| k.key)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        let mut years = HashSet::new();
        for (j, y) in k.yearly_targets.iter().enumerate() {
            let path = vec![
                Key("measures"),
                Index(i),
                Key("kpi"),
                Key("yearly_targets"),
                Index(j),
                Key("fiscal_year"),
            ];
            if !years.insert(y.fiscal_year) {
                err(
                    path,
                    format!("{}の年度別目標が二度書かれています", y.fiscal_year.wareki()),
                );
            } else if !y.target.is_finite() {
                err(path, "年度別目標が数値ではありません".into());
            }
        }
        if let Some(ap) = &m.action_plan {
            for (r, row) in ap.schedule.iter().enumerate() {
                for (j, item) in row.items.iter().enumerate() {
                    check_item(
                        plan,
                        item,
                        vec![
                            Key("measures"),
                            Index(i),
                            Key("action_plan"),
                            Key("schedule"),
                            Index(r),
                            Key("items"),
                            Index(j),
                        ],
                        &mut err,
                    );
                }
            }
        }
    }
    if plan.measures.is_empty() {
        err(vec![Key("measures")], "施策が一つもありません".into());
    }

    let marks: HashSet<&str> = plan.roadmap_notes.iter().map(|n| n.mark.as_str()).collect();
    for (i, row) in plan.roadmap.iter().enumerate() {
        if !row.measure.is_empty() && !codes.contains(&row.measure) {
            err(
                vec![Key("roadmap"), Index(i), Key("measure")],
                format!("施策 {} は定義されていません", row.measure),
            );
        }
        for mark in &row.notes {
            if !marks.contains(mark.as_str()) {
                err(
                    vec![Key("roadmap"), Index(i), Key("notes")],
                    format!("注記 {mark} が roadmap_notes にありません"),
                );
            }
        }
        if row.items.is_empty() && row.label.is_empty() {
            err(
                vec![Key("roadmap"), Index(i)],
                "取組事項も工程もない行です".into(),
            );
        }
        for (j, item) in row.items.iter().enumerate() {
            check_item(
                plan,
                item,
                vec![Key("roadmap"), Index(i), Key("items"), Index(j)],
                &mut err,
            );
        }
    }
    out
}

fn check_item(
    plan: &Plan,
    item: &RoadmapItem,
    path: Vec<Seg>,
    err: &mut impl FnMut(Vec<Seg>, String),
) {
    let years = plan.roadmap_years;
    let mut p = path;
    if item.text.trim().is_empty() {
        p.push(Seg::Key("text"));
        err(p, "工程の内容が空です".into());
        return;
    }
    if item.from > item.to {
        p.push(Seg::Key("to"));
        err(
            p,
            format!(
                "終わりの年度({})が始まり({})より前です",
                item.to.wareki(),
                item.from.wareki()
            ),
        );
    } else if item.from < years.first || item.to > years.last {
        p.push(Seg::Key("from"));
        err(
            p,
            format!(
                "行程表の期間({}〜{})の外です",
                years.first.wareki(),
                years.last.wareki()
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digit() {
        assert!(municipality_code_is_valid("285854")); // 香美町
        assert!(municipality_code_is_valid("131016")); // 千代田区
        assert!(!municipality_code_is_valid("285855"));
        assert!(!municipality_code_is_valid("28585"));
        assert!(!municipality_code_is_valid("２８５８５４"));
    }

    #[test]
    fn bundled_plan_parses_and_round_trips() {
        let plan = parse(BUNDLED_KAMI, BUNDLED_KAMI_NAME).unwrap_or_else(|e| panic!("{e}"));
        let again = parse(&to_toml(&plan), "export.toml").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(plan, again);
    }

    #[test]
    fn messages_are_plain_japanese() {
        assert_eq!(
            plain_message("missing field `title`"),
            "必須の項目「title」がありません"
        );
        assert!(
            plain_message("unknown variant `up`, expected one of `increase`, `decrease`")
                .contains("increase, decrease")
        );
        assert!(plain_message("invalid type: string \"x\", expected f64").contains("数値が必要"));
    }
}
