//! What a validation found, for machines (JSON: frictionless's error types, rows and columns,
//! then machi's own checks apart) and for people (grouped by column and kind, counts first,
//! values cut to a readable length, what was expected in words, how to fix it in Excel).

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidationError {
    /// Frictionless's error type (`type-error`, `missing-label` …).
    #[serde(rename = "type")]
    pub kind: String,
    /// Row in the file, the header being row 1 (as Frictionless counts); none for the header's
    /// own errors, as Frictionless reports them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_number: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_number: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cell: Option<String>,
    /// What is wrong, in Japanese.
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The file should not be published like this.
    Error,
    /// Worth fixing; the file is still valid.
    Warning,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "エラー",
            Severity::Warning => "注意",
        }
    }
}

/// One of machi's own checks, beyond what Frictionless looks at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckFinding {
    pub check: String,
    pub severity: Severity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_number: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_number: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cell: Option<String>,
    pub message: String,
}

/// How many of one kind in one column, over the whole file (the lists are capped).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    /// An error type, or a machi check's name.
    pub kind: String,
    /// Whether it is one of machi's own checks.
    #[serde(default)]
    pub machi: bool,
    #[serde(default)]
    pub severity: Option<Severity>,
    #[serde(default)]
    pub field_number: Option<usize>,
    #[serde(default)]
    pub field_name: Option<String>,
    pub count: usize,
    /// The first rows (up to five).
    pub rows: Vec<usize>,
    /// The first finding's message and value.
    pub message: String,
    #[serde(default)]
    pub cell: Option<String>,
    /// How to fix it in Excel.
    #[serde(default)]
    pub hint: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub valid: bool,
    pub encoding: String,
    pub rows: usize,
    /// All Frictionless-type errors found, even those not listed.
    pub error_count: usize,
    pub errors: Vec<ValidationError>,
    /// machi's own checks, apart from Frictionless's findings.
    #[serde(default)]
    pub check_count: usize,
    #[serde(default)]
    pub checks: Vec<CheckFinding>,
    /// Counts per kind and column over everything found, errors first.
    #[serde(default)]
    pub groups: Vec<Group>,
    /// The header is an earlier layout of the standard: how its columns map to the current one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legacy: Option<crate::opendata::legacy::LegacyNote>,
}

impl Group {
    /// Where in the file, as a clerk reads it: 「緯度」(16列目), 見出し(1行目), 行 …
    pub fn place(&self) -> String {
        match (&self.field_name, self.field_number) {
            (Some(n), Some(c)) if !n.is_empty() => format!("「{n}」({c}列目)"),
            (_, Some(c)) => format!("{c}列目"),
            _ => match self.kind.as_str() {
                "blank-row" | "encoding-error" | "source-error" => "行".into(),
                "primary-key" => "主キー".into(),
                k if is_header_kind(k) => "見出し(1行目)".into(),
                _ => "ファイル全体".into(),
            },
        }
    }

    /// The first rows: 2・3・4行目 ほか.
    pub fn rows_text(&self) -> String {
        if self.rows.is_empty() {
            return if is_header_kind(&self.kind) {
                "1行目".into()
            } else {
                "—".into()
            };
        }
        let rows: Vec<String> = self.rows.iter().map(|r| r.to_string()).collect();
        format!(
            "{}行目{}",
            rows.join("・"),
            if self.count > self.rows.len() {
                " ほか"
            } else {
                ""
            }
        )
    }

    /// How to fix it in Excel.
    pub fn hint_text(&self) -> &str {
        if self.hint.is_empty() {
            kind_hint(&self.kind)
        } else {
            &self.hint
        }
    }
}

impl Report {
    /// The verdict in one line: 直すところがあります(UTF-8、30行、エラー279件).
    pub fn summary(&self) -> String {
        format!(
            "{}({}、{}行、エラー{}件{})",
            if self.valid {
                "問題ありません"
            } else {
                "直すところがあります"
            },
            self.encoding,
            self.rows,
            self.error_count,
            if self.check_count > 0 {
                format!("、machiの追加チェック{}件", self.check_count)
            } else {
                String::new()
            }
        )
    }

    /// Whether the header row is wrong (the cells' errors may follow from it).
    pub fn header_wrong(&self) -> bool {
        self.groups
            .iter()
            .any(|g| !g.machi && is_header_kind(&g.kind))
    }

    pub fn check_errors(&self) -> usize {
        self.groups
            .iter()
            .filter(|g| g.machi && g.severity == Some(Severity::Error))
            .map(|g| g.count)
            .sum()
    }
}

/// Japanese names of the error types and of machi's checks.
pub fn kind_label(kind: &str) -> &'static str {
    match kind {
        "encoding-error" => "文字コードの誤り",
        "missing-label" => "見出しの不足",
        "extra-label" => "余分な見出し",
        "incorrect-label" => "見出しの誤り・順序違い",
        "duplicate-label" => "見出しの重複",
        "blank-label" => "空の見出し",
        "blank-header" => "見出し行が空",
        "unmatched-header" => "見出しが一つも合わない",
        "blank-row" => "空の行",
        "extra-cell" => "余分なセル",
        "missing-cell" => "セルの不足",
        "type-error" => "型の誤り",
        "constraint-error" => "制約違反",
        "unique-error" => "重複(一意であるべき値)",
        "primary-key" => "主キーの重複",
        "source-error" => "ファイルの読み取り不能",
        "full-width-digits" => "全角数字",
        "check-digit" => "検査数字の誤り",
        "non-iso-date" => "日付・時刻の書き方",
        "placeholder-text" => "仮の値",
        "outside-japan" => "日本の外の座標",
        "zero-coordinates" => "座標が0",
        _ => "その他",
    }
}

/// The error types about the header row.
pub fn is_header_kind(kind: &str) -> bool {
    matches!(
        kind,
        "missing-label"
            | "extra-label"
            | "incorrect-label"
            | "duplicate-label"
            | "blank-label"
            | "blank-header"
            | "unmatched-header"
    )
}

/// Said before the findings when the header is wrong: the cells' errors may follow from it.
pub const HEADER_FIRST: &str = "見出し(1行目)が項目定義と合っていません。列がずれていると、値の誤りの多くはそのせいで出ます。先に見出しを直してから、もう一度確かめてください。";

/// How to fix each kind in Excel, in one line.
pub fn kind_hint(kind: &str) -> &'static str {
    match kind {
        "encoding-error" => {
            "Excelの「名前を付けて保存」で「CSV UTF-8(コンマ区切り)」を選んで保存し直します。"
        }
        "missing-label" | "extra-label" | "incorrect-label" | "unmatched-header" => {
            "1行目の見出しを、データセットの項目定義のとおりの名前と順序に直します(列の追加・削除・並べ替え)。"
        }
        "duplicate-label" | "blank-label" | "blank-header" => {
            "1行目の見出しに、空欄や同じ名前がないように直します。"
        }
        "blank-row" => "空の行を削除します(行番号を右クリック →「削除」)。",
        "extra-cell" => "見出しのない列に値があります。余分な値を消すか、見出しを付けます。",
        "missing-cell" => {
            "その行の列が足りません。セルの結合や、途中で改行されたセルがないか確かめます。"
        }
        "type-error" => {
            "数字の列は単位・カンマ・全角を消し、日付は 2023-04-01 の形にして、セルの書式を「文字列」にしてから保存します。"
        }
        "constraint-error" => {
            "必須の空欄を埋め、決められた値・桁数・範囲に合わせます(メッセージの「使える値」「形」を見てください)。"
        }
        "unique-error" | "primary-key" => {
            "同じ値が二度あります。IDを振り直すか、重複した行を削除します(「データ」→「重複の削除」)。"
        }
        "source-error" => "CSVとして読めません。Excelで開き直し、「CSV UTF-8」で保存し直します。",
        "full-width-digits" => "全角の数字を半角にします(Excelの ASC 関数、または検索と置換)。",
        "check-digit" => {
            "全国地方公共団体コードの6桁目(検査数字)を、総務省のコード表で確かめます。"
        }
        "non-iso-date" => {
            "0 を補って 2023-04-01、09:00 の形にします(セルの書式を「文字列」にしてから入力)。"
        }
        "placeholder-text" => "確定した値を入れるか、空欄にします。",
        "outside-japan" => "緯度と経度が入れ替わっていないか、桁がずれていないかを確かめます。",
        "zero-coordinates" => {
            "地図で位置を確かめ、緯度・経度を入れます。わからなければ空欄にします。"
        }
        _ => "",
    }
}

/// How to fix a type error in Excel, by the column's type.
pub fn type_hint(field_kind: &str) -> &'static str {
    match field_kind {
        "integer" | "number" | "year" => {
            "数字だけにします(単位・カンマ・全角・「約」などを消す)。わからない値は空欄にします。"
        }
        "date" | "yearmonth" => {
            "西暦で 2023-04-01(年月は 2023-04)の形にします。Excelが日付を 2023/4/1 に変えないよう、セルの書式を「文字列」にしてから入力します。"
        }
        "time" | "datetime" => {
            "時刻は 09:00 の形にします。Excelが変えないよう、セルの書式を「文字列」にしてから入力します。"
        }
        "boolean" => "true か false に置き換えます。",
        _ => "決められた形(URL・メールアドレスなど)に合わせます。",
    }
}

/// A cell as people read it in a report: at most 40 characters, and how long it really was.
pub fn short(cell: &str) -> String {
    let n = cell.chars().count();
    if n <= 40 {
        cell.to_string()
    } else {
        format!("{}…({}文字)", cell.chars().take(40).collect::<String>(), n)
    }
}

/// Collects findings: lists capped at `limit`, counts per kind and column over everything.
pub struct Collector {
    pub limit: usize,
    pub count: usize,
    pub errors: Vec<ValidationError>,
    pub check_count: usize,
    pub checks: Vec<CheckFinding>,
    groups: Vec<Group>,
    index: HashMap<(bool, String, Option<usize>), usize>,
    pub legacy: Option<crate::opendata::legacy::LegacyNote>,
}

impl Collector {
    pub fn new(limit: usize) -> Collector {
        Collector {
            limit,
            count: 0,
            errors: Vec::new(),
            check_count: 0,
            checks: Vec::new(),
            groups: Vec::new(),
            index: HashMap::new(),
            legacy: None,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn group(
        &mut self,
        machi: bool,
        kind: &str,
        severity: Option<Severity>,
        field_number: Option<usize>,
        field_name: &Option<String>,
        row: Option<usize>,
        message: &str,
        cell: &Option<String>,
        hint: &str,
    ) {
        // The header's errors group by kind alone: one old header is one finding, not forty.
        let header = row.is_none() && field_number.is_some() && !machi;
        let (field_number, field_name) = if header {
            (None, &None)
        } else {
            (field_number, field_name)
        };
        let key = (machi, kind.to_string(), field_number);
        match self.index.get(&key) {
            Some(&i) => {
                let g = &mut self.groups[i];
                g.count += 1;
                if let Some(r) = row
                    && g.rows.len() < 5
                {
                    g.rows.push(r);
                }
            }
            None => {
                self.index.insert(key, self.groups.len());
                self.groups.push(Group {
                    kind: kind.to_string(),
                    machi,
                    severity,
                    field_number,
                    field_name: field_name.clone(),
                    count: 1,
                    rows: row.into_iter().collect(),
                    message: message.to_string(),
                    cell: cell.as_deref().map(short),
                    hint: hint.to_string(),
                });
            }
        }
    }

    pub fn push(&mut self, e: ValidationError) {
        let hint = kind_hint(&e.kind);
        self.push_with_hint(e, hint);
    }

    /// A finding whose fix depends on more than its kind (a type error: the column's type).
    pub fn push_with_hint(&mut self, e: ValidationError, hint: &str) {
        self.count += 1;
        self.group(
            false,
            &e.kind,
            None,
            e.field_number,
            &e.field_name,
            e.row_number,
            &e.message,
            &e.cell,
            hint,
        );
        if self.errors.len() < self.limit {
            self.errors.push(e);
        }
    }

    pub fn check(&mut self, f: CheckFinding) {
        self.check_count += 1;
        self.group(
            true,
            &f.check,
            Some(f.severity),
            f.field_number,
            &f.field_name,
            f.row_number,
            &f.message,
            &f.cell,
            kind_hint(&f.check),
        );
        if self.checks.len() < self.limit {
            self.checks.push(f);
        }
    }

    /// Counts the rows of what was found in a block from where the block starts.
    pub fn shift(&mut self, by: usize) {
        for r in self.errors.iter_mut().filter_map(|e| e.row_number.as_mut()) {
            *r += by;
        }
        for r in self.checks.iter_mut().filter_map(|c| c.row_number.as_mut()) {
            *r += by;
        }
        for r in self.groups.iter_mut().flat_map(|g| g.rows.iter_mut()) {
            *r += by;
        }
    }

    /// Joins what two threads found: the lists in file order (rows, then columns) and capped
    /// again, the counts added, the groups joined.
    pub fn merge(mut self, other: Collector) -> Collector {
        let key = |row: Option<usize>, field: Option<usize>| (row.unwrap_or(0), field.unwrap_or(0));
        self.errors.extend(other.errors);
        self.errors
            .sort_by_key(|e| key(e.row_number, e.field_number));
        self.errors.truncate(self.limit);
        self.checks.extend(other.checks);
        self.checks
            .sort_by_key(|c| key(c.row_number, c.field_number));
        self.checks.truncate(self.limit);
        self.count += other.count;
        self.check_count += other.check_count;
        self.legacy = self.legacy.or(other.legacy);
        for g in other.groups {
            let k = (g.machi, g.kind.clone(), g.field_number);
            match self.index.get(&k) {
                Some(&i) => {
                    let mine = &mut self.groups[i];
                    mine.count += g.count;
                    if g.rows.first() < mine.rows.first() {
                        mine.message = g.message;
                        mine.cell = g.cell;
                    }
                    mine.rows.extend(g.rows);
                    mine.rows.sort_unstable();
                    mine.rows.truncate(5);
                }
                None => {
                    self.index.insert(k, self.groups.len());
                    self.groups.push(g);
                }
            }
        }
        self
    }

    pub fn finish(mut self, encoding: String, rows: usize) -> Report {
        let key = |row: Option<usize>, field: Option<usize>| (row.unwrap_or(0), field.unwrap_or(0));
        self.errors
            .sort_by_key(|e| key(e.row_number, e.field_number));
        self.checks
            .sort_by_key(|c| key(c.row_number, c.field_number));
        // Frictionless's kinds first, then machi's errors, then its warnings; the largest first.
        // The header first (the rest may follow from it).
        self.groups.sort_by_key(|g| {
            (
                g.machi,
                g.severity == Some(Severity::Warning),
                !is_header_kind(&g.kind),
                std::cmp::Reverse(g.count),
                // Ties in file order, whichever thread found them first.
                g.rows.first().copied(),
                g.field_number,
            )
        });
        let mut report = Report {
            valid: false,
            encoding,
            rows,
            error_count: self.count,
            errors: self.errors,
            check_count: self.check_count,
            checks: self.checks,
            groups: self.groups,
            legacy: self.legacy,
        };
        report.valid = report.error_count == 0 && report.check_errors() == 0;
        report
    }
}
