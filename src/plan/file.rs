//! The plan file: TOML in, TOML out (docs/plan-format.md). A file that does not parse or does not
//! make a consistent plan is refused as a whole, with every problem named by file, line and field.

use super::model::{FORMAT, FORMAT_V1, Plan, RoadmapItem, code_numbers, parent_code};
use std::collections::HashSet;
use std::fmt;
use toml::de::{DeTable, DeValue};

/// Whether a town is the body whose plan (and catalogs) machi bundles: only that town is seeded
/// with them, since their words and facts are that body's.
pub fn is_bundled_town(town: &crate::app::AppState) -> bool {
    town.town.code.map(|c| c.to_string()) == Some(bundled().municipality.code.clone())
}

/// The plan bundled with machi (`plans/kami-2023.toml`); its body's words live in that file.
pub const BUNDLED_PLAN: &str = include_str!("../../plans/kami-2023.toml");
pub const BUNDLED_PLAN_NAME: &str = "plans/kami-2023.toml";

/// The bundled plan, parsed once.
pub fn bundled() -> &'static Plan {
    static PLAN: std::sync::OnceLock<Plan> = std::sync::OnceLock::new();
    PLAN.get_or_init(|| parse(BUNDLED_PLAN, BUNDLED_PLAN_NAME).expect("the bundled plan parses"))
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
    let mut plan = plan;
    let v1 = plan.format == FORMAT_V1;
    plan.normalize();
    let problems = validate(&plan, v1);
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
    validate(plan, false)
        .into_iter()
        .map(|(path, message)| (path_text(&path), message))
        .collect()
}

/// 全国地方公共団体コード: 5 digits and a check digit.
pub fn municipality_code_is_valid(code: &str) -> bool {
    crate::towns::code::check_digit_ok(code)
}

fn validate(plan: &Plan, v1: bool) -> Vec<(Vec<Seg>, String)> {
    use Seg::{Index, Key};
    let mut out: Vec<(Vec<Seg>, String)> = Vec::new();
    let mut err = |path: Vec<Seg>, msg: String| out.push((path, msg));

    if plan.format != FORMAT && plan.format != FORMAT_V1 {
        err(
            vec![Key("format")],
            format!(
                "形式は \"{FORMAT}\"(または以前の \"{FORMAT_V1}\")である必要があります(「{}」)",
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
    if !plan.succeeds.is_empty() && plan.succeeds == plan.id {
        err(
            vec![Key("succeeds")],
            "自分自身を前の計画にはできません".into(),
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
    if plan.municipality.kind.is_empty() {
        err(
            vec![Key("municipality"), Key("kind")],
            "団体の種類を書いてください(例: 町、村、市、区、県、広域連合)".into(),
        );
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
    if let Some(y) = plan.roadmap_years
        && y.first > y.last
    {
        err(
            vec![Key("roadmap_years"), Key("last")],
            "行程表の最終年度が最初の年度より前です".into(),
        );
    }
    let depth = plan.levels.len();
    if !(2..=4).contains(&depth) {
        err(
            vec![Key("levels")],
            format!(
                "階層は2〜4段で、上から名前を書いてください(例: [\"基本方針\", \"取組内容\", \"施策\"])。いまは{depth}段です"
            ),
        );
    }
    for (i, l) in plan.levels.iter().enumerate() {
        if l.trim().is_empty() {
            err(vec![Key("levels"), Index(i)], "階層の名前が空です".into());
        }
    }
    let mut class_keys = HashSet::new();
    for (i, c) in plan.classes.iter().enumerate() {
        if c.key.trim().is_empty() || !class_keys.insert(c.key.as_str()) {
            err(
                vec![Key("classes"), Index(i), Key("key")],
                format!("分類のキー「{}」が空か、二度使われています", c.key),
            );
        }
        if c.label.trim().is_empty() {
            err(
                vec![Key("classes"), Index(i), Key("label")],
                "空にはできません".into(),
            );
        }
    }
    let level = |d: usize| {
        plan.levels
            .get(d.wrapping_sub(1))
            .map_or("", String::as_str)
    };

    // Every item: its code's shape, its parent, no duplicates.
    let mut codes: HashSet<String> = HashSet::new();
    for (i, p) in plan.policies.iter().enumerate() {
        let at = || {
            vec![
                Key("policies"),
                Index(i),
                Key(if v1 { "number" } else { "code" }),
            ]
        };
        match code_numbers(&p.code) {
            Some(n) if n.len() == 1 => {
                if !codes.insert(p.code.clone()) {
                    err(
                        at(),
                        format!("{} {} が二度定義されています", level(1), p.label),
                    );
                }
            }
            _ => err(
                at(),
                format!(
                    "{}のコード「{}」は 1、2 … の番号で書いてください",
                    level(1),
                    p.code
                ),
            ),
        }
        if p.title.trim().is_empty() {
            err(
                vec![Key("policies"), Index(i), Key("title")],
                "空にはできません".into(),
            );
        }
    }
    if plan.policies.is_empty() {
        err(
            vec![Key("policies")],
            format!("{}が一つもありません", level(1)),
        );
    }
    for (i, a) in plan.areas.iter().enumerate() {
        let at = || {
            vec![
                Key("areas"),
                Index(i),
                Key(if v1 { "policy" } else { "code" }),
            ]
        };
        match code_numbers(&a.code) {
            Some(n) if n.len() >= 2 && n.len() < depth => {
                let parent = parent_code(&a.code);
                if !codes.contains(parent) {
                    err(
                        at(),
                        format!(
                            "{} {} の上の階層 {parent} は定義されていません",
                            level(n.len()),
                            a.label
                        ),
                    );
                } else if !codes.insert(a.code.clone()) {
                    err(
                        at(),
                        format!("{} {} が二度定義されています", level(n.len()), a.label),
                    );
                }
            }
            _ => err(
                at(),
                format!(
                    "中間の階層のコード「{}」は上からの番号をハイフンでつないで書いてください(例: 1-2。{depth}段の計画で2〜{}個の番号)",
                    a.code,
                    depth.saturating_sub(1)
                ),
            ),
        }
        if a.title.trim().is_empty() {
            err(
                vec![Key("areas"), Index(i), Key("title")],
                "空にはできません".into(),
            );
        }
    }
    for (i, m) in plan.measures.iter().enumerate() {
        let at = |k: &'static str| vec![Key("measures"), Index(i), Key(k)];
        match code_numbers(&m.code) {
            Some(n) if n.len() == depth => {
                let parent = parent_code(&m.code);
                if !codes.contains(parent) {
                    err(
                        at("code"),
                        format!(
                            "{} {} の上の階層 {parent} は定義されていません",
                            level(depth),
                            m.code
                        ),
                    );
                } else if !codes.insert(m.code.clone()) {
                    err(
                        at("code"),
                        format!("{} {} が二度定義されています", level(depth), m.code),
                    );
                }
            }
            _ => err(
                at("code"),
                format!(
                    "{}のコード「{}」は上からの番号をハイフンでつないで書いてください({depth}段の計画では{depth}個の番号。例: {})",
                    level(depth),
                    m.code,
                    vec!["1"; depth.max(1)].join("-")
                ),
            ),
        }
        if m.title.trim().is_empty() {
            err(at("title"), "空にはできません".into());
        }
        if plan.classes.is_empty() {
            if !m.class.is_empty() {
                err(
                    at("class"),
                    format!(
                        "分類「{}」がありません(classes に定義してください)",
                        m.class
                    ),
                );
            }
        } else if !m.class.is_empty() && !class_keys.contains(m.class.as_str()) {
            err(
                at("class"),
                format!(
                    "分類「{}」は classes にありません(使える値: {})",
                    m.class,
                    plan.classes
                        .iter()
                        .map(|c| c.key.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
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
        err(
            vec![Key("measures")],
            format!("{}が一つもありません", level(depth)),
        );
    }

    // Every KPI, wherever it is.
    let mut keys = HashSet::new();
    let kpi_lists = plan
        .policies
        .iter()
        .enumerate()
        .map(|(i, p)| ("policies", i, &p.kpis))
        .chain(
            plan.areas
                .iter()
                .enumerate()
                .map(|(i, a)| ("areas", i, &a.kpis)),
        )
        .chain(
            plan.measures
                .iter()
                .enumerate()
                .map(|(i, m)| ("measures", i, &m.kpis)),
        );
    for (list, i, kpis) in kpi_lists {
        for (j, k) in kpis.iter().enumerate() {
            let kpi_at = |field: &'static str| {
                if v1 && list == "measures" {
                    vec![Key(list), Index(i), Key("kpi"), Key(field)]
                } else {
                    vec![Key(list), Index(i), Key("kpis"), Index(j), Key(field)]
                }
            };
            if !keys.insert(k.key.as_str()) {
                err(
                    kpi_at("key"),
                    format!("KPIのキー「{}」が二度使われています", k.key),
                );
            }
            if k.key.is_empty()
                || !k
                    .key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
            {
                err(
                    kpi_at("key"),
                    format!(
                        "KPIのキー「{}」は半角英数字・ハイフン・ドットで書いてください",
                        k.key
                    ),
                );
            }
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
            if !crate::modules::is_kpi_source(&k.source) {
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
            if !k.follows.is_empty() && plan.succeeds.is_empty() {
                err(
                    kpi_at("follows"),
                    "前の計画のKPIを引き継ぐには、前の計画(succeeds)を書いてください".into(),
                );
            }
            let mut years = HashSet::new();
            for (n, y) in k.yearly_targets.iter().enumerate() {
                let mut path = kpi_at("yearly_targets");
                path.extend([Index(n), Key("fiscal_year")]);
                if !years.insert(y.fiscal_year) {
                    err(
                        path,
                        format!(
                            "{}の年度別目標が二度書かれています",
                            k.years.wareki(y.fiscal_year)
                        ),
                    );
                } else if !y.target.is_finite() {
                    err(path, "年度別目標が数値ではありません".into());
                }
            }
        }
    }

    let marks: HashSet<&str> = plan.roadmap_notes.iter().map(|n| n.mark.as_str()).collect();
    if !plan.roadmap.is_empty() && plan.roadmap_years.is_none() {
        err(
            vec![Key("roadmap_years")],
            "行程表(roadmap)を書くときは、その年度の範囲(roadmap_years)も書いてください".into(),
        );
    }
    for (i, row) in plan.roadmap.iter().enumerate() {
        if !row.measure.is_empty() && plan.measure(&row.measure).is_none() {
            err(
                vec![Key("roadmap"), Index(i), Key("measure")],
                format!("{} {} は定義されていません", level(depth), row.measure),
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
    } else if let Some(years) = plan.roadmap_years
        && (item.from < years.first || item.to > years.last)
    {
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
#[path = "file_tests.rs"]
mod tests;
