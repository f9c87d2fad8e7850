//! Reading 総務省's マイナンバーカード交付状況 table (xlsx of the 市区町村別 release, or CSV —
//! also Code for Japan's extracted `all_localgovs` CSVs) and finding this body's row.
//!
//! What real releases do, and what this reader copes with:
//! - the header cells hold line breaks and the 基準日 in brackets: 「保有枚数\n(R7.8末時点)」,
//!   「交付枚数\n【H29.5.15時点】」, 「人口\n（R7.1.1時点）」; some releases drop the date from the
//!   count column (then the title 「…（令和5年6月30日現在）」 or the clerk gives it);
//! - titles and notes above the header, a 全国 row first;
//! - no 団体コード: a row is found by 都道府県名 and 市区町村名 (a code column is used when present);
//! - names extracted from PDFs carry CJK radicals (「⻑野県」 for 長野県), which are folded;
//! - the rate may be a percentage (70.12) or, in a workbook, a fraction shown as one (0.7012).

use time::Date;

/// The 47 都道府県 by the first two digits of their 団体コード.
pub const PREFECTURES: [&str; 47] = [
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
];

/// The 都道府県 of a 団体コード ("28…" → 兵庫県).
pub fn prefecture_of(code: &str) -> Option<&'static str> {
    let n: usize = code.get(..2)?.parse().ok()?;
    PREFECTURES.get(n.checked_sub(1)?).copied()
}

/// Folds what PDF extraction and typing leave in names: CJK radicals, full-width forms, spaces.
pub fn fold_name(s: &str) -> String {
    let folded: String = s
        .chars()
        .map(|c| match c {
            // Kangxi radicals (U+2F00–U+2FD5) have compatibility forms; NFKC-like by table.
            '⼀'..='⿕' => unicode_kangxi(c),
            '⺟' => '母',
            '⺠' => '民',
            '⻁' => '虎',
            '⻄' => '西',
            '⻑' => '長',
            '⻘' => '青',
            '⻝' => '食',
            '⻤' => '鬼',
            '⻨' => '麦',
            '⻩' => '黄',
            '⻫' => '斉',
            '⻭' => '歯',
            '⻯' => '竜',
            '⻲' => '亀',
            '戶' => '戸',
            '黑' => '黒',
            c => c,
        })
        .collect();
    crate::fiscal::fold_width(&folded)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// The ideograph a Kangxi radical stands for (the ones seen in names; others unchanged).
fn unicode_kangxi(c: char) -> char {
    match c {
        '⼀' => '一',
        '⼆' => '二',
        '⼈' => '人',
        '⼊' => '入',
        '⼋' => '八',
        '⼒' => '力',
        '⼗' => '十',
        '⼝' => '口',
        '⼟' => '土',
        '⼤' => '大',
        '⼥' => '女',
        '⼦' => '子',
        '⼩' => '小',
        '⼭' => '山',
        '⼯' => '工',
        '⼾' => '戸',
        '⽇' => '日',
        '⽉' => '月',
        '⽊' => '木',
        '⽔' => '水',
        '⽕' => '火',
        '⽥' => '田',
        '⽩' => '白',
        '⽬' => '目',
        '⽯' => '石',
        '⾦' => '金',
        '⾧' => '長',
        '⾨' => '門',
        '⾬' => '雨',
        '⾼' => '高',
        '⿂' => '魚',
        '⿃' => '鳥',
        '⿅' => '鹿',
        '⿊' => '黒',
        c => c,
    }
}

/// A date written in a header or title: 「R7.8末」「H29.5.15」「令和5年6月30日」「令和7年8月末」
/// 「2025/8/31」 (the last such date in the text; 「末」 is the month's last day).
pub fn date_in(text: &str) -> Option<Date> {
    let t = crate::fiscal::fold_width(text).replace(['\n', '\r', ' '], "");
    static DATE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"(令和|平成|R|H)(元|\d{1,2})[.年](\d{1,2})(?:[.月](\d{1,2})|月?(末))|(\d{4})[/.年-](\d{1,2})(?:[/.月-](\d{1,2})|月?(末))",
        )
        .expect("the date pattern")
    });
    let mut found = None;
    for c in DATE.captures_iter(&t) {
        let (year, month, day) = if let Some(era) = c.get(1) {
            let n: i32 = match &c[2] {
                "元" => 1,
                n => n.parse().ok()?,
            };
            let base = if matches!(era.as_str(), "令和" | "R") {
                2018
            } else {
                1988
            };
            let day = c.get(4).or(c.get(5)).map(|m| m.as_str().to_string())?;
            (base + n, c[3].parse::<u8>().ok()?, day)
        } else {
            let day = c.get(8).or(c.get(9)).map(|m| m.as_str().to_string())?;
            (c[6].parse().ok()?, c[7].parse::<u8>().ok()?, day)
        };
        let month = time::Month::try_from(month).ok()?;
        let day = if day == "末" {
            time::util::days_in_month(month, year)
        } else {
            day.parse().ok()?
        };
        found = Date::from_calendar_date(year, month, day).ok().or(found);
    }
    found
}

/// What the table says about this body.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// 保有枚数 (from the June 2023 releases) or 交付枚数 (before).
    pub kind: &'static str,
    pub as_of: Date,
    pub population: f64,
    pub count: f64,
    /// Percent, as published (computed from the two when the table has no rate).
    pub rate: f64,
    /// The row where it was found (1-based, as a spreadsheet shows it).
    pub row: usize,
}

fn number(s: &str) -> Option<f64> {
    crate::input::parse_number(s.trim().trim_end_matches('%')).ok()
}

/// Finds this body's row: by 団体コード where the table has one, otherwise by 都道府県 and name.
/// `as_of` is the 基準日 the clerk gave, used when the table states none.
pub fn find(
    rows: &[Vec<String>],
    code: &str,
    name: &str,
    as_of: Option<Date>,
) -> Result<Found, String> {
    let has = |cell: &str, words: &[&str]| {
        let c = fold_name(cell);
        words.iter().any(|w| c.contains(w))
    };
    let header_at = rows
        .iter()
        .position(|r| r.iter().any(|c| has(c, &["都道府県"])) && r.iter().any(|c| has(c, &["市区町村", "団体名"])))
        .ok_or("表の見出し(「都道府県名」と「市区町村名」の行)が見つかりません。総務省の「市区町村別」の表か、その形のCSVを使ってください")?;
    let header = &rows[header_at];
    let col = |pred: &dyn Fn(&str) -> bool| header.iter().position(|c| pred(&fold_name(c)));
    let pref_col = col(&|c| c.contains("都道府県"));
    let name_col = col(&|c| c.contains("市区町村") || c.contains("団体名"));
    let code_col = col(&|c| c.contains("コード"));
    let pop_col = col(&|c| c.contains("人口") && !c.contains("率"));
    let held_col = col(&|c| c.contains("保有枚数") && !c.contains("率"));
    let issued_col =
        col(&|c| (c.contains("交付枚数") || c.contains("交付件数")) && !c.contains("率"));
    let (count_col, kind) = match (held_col, issued_col) {
        (Some(c), _) => (c, "保有枚数"),
        (None, Some(c)) => (c, "交付枚数"),
        _ => {
            return Err(format!(
                "{}行目: 「保有枚数」か「交付枚数」の列がありません",
                header_at + 1
            ));
        }
    };
    let pop_col = pop_col.ok_or(format!("{}行目: 「人口」の列がありません", header_at + 1))?;
    let rate_col = col(&|c| c.contains("率") && (c.contains("保有") || c.contains("交付")));
    let (Some(pref_col), Some(name_col)) = (pref_col, name_col) else {
        return Err("見出しの列が読めません".into());
    };
    let as_of = date_in(&header[count_col])
        .or_else(|| rows[..header_at].iter().flatten().find_map(|c| date_in(c)))
        .or(as_of)
        .ok_or("表に基準日(「R7.8末時点」など)がありません。基準日を入力して、もう一度取り込んでください")?;
    let prefecture = prefecture_of(code).unwrap_or("");
    let want_name = fold_name(name);
    let code5 = code.get(..5).unwrap_or(code);
    let cell = |r: &Vec<String>, c: usize| r.get(c).map(String::as_str).unwrap_or("").to_string();
    let mut found = None;
    for (i, r) in rows.iter().enumerate().skip(header_at + 1) {
        let by_code = code_col.is_some_and(|c| {
            let v = cell(r, c).trim().to_string();
            !v.is_empty()
                && (v == code
                    || v == code5
                    || v.trim_start_matches('0') == code5.trim_start_matches('0'))
        });
        let by_name = fold_name(&cell(r, pref_col)) == prefecture
            && fold_name(&cell(r, name_col)) == want_name;
        if by_code || by_name {
            found = Some((i, r));
            break;
        }
    }
    let (i, r) = found.ok_or(format!(
        "表に{prefecture}{name}の行がありません(団体コード{code}、都道府県名と市区町村名で探しました)"
    ))?;
    let line = i + 1;
    let population = number(&cell(r, pop_col))
        .filter(|p| *p > 0.0)
        .ok_or(format!(
            "{line}行目: 人口「{}」を数として読めません",
            cell(r, pop_col)
        ))?;
    let count = number(&cell(r, count_col)).ok_or(format!(
        "{line}行目: {kind}「{}」を数として読めません",
        cell(r, count_col)
    ))?;
    let computed = count / population * 100.0;
    let rate = match rate_col.and_then(|c| number(&cell(r, c))) {
        // A workbook keeps a percentage cell as a fraction.
        Some(v) if (v * 100.0 - computed).abs() < 0.5 => v * 100.0,
        Some(v) if (v - computed).abs() < 0.5 => v,
        Some(v) => {
            return Err(format!(
                "{line}行目: 率「{v}」が{kind}÷人口({computed:.2}%)と合いません。表を確かめてください"
            ));
        }
        None => computed,
    };
    // As published: a percentage with at most two decimals (a workbook's fraction carries
    // floating-point noise once scaled).
    let rate = (rate * 100.0).round() / 100.0;
    Ok(Found {
        kind,
        as_of,
        population,
        count,
        rate,
        row: line,
    })
}

/// The cells of the first sheet named 公表用 (or the first sheet) of a workbook, or of a CSV.
pub fn read(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    if bytes.starts_with(b"PK") {
        use calamine::Reader;
        let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.to_vec()))
            .map_err(|e| format!("Excelファイルを読めません: {e}"))?;
        let names = wb.sheet_names();
        let name = names
            .iter()
            .find(|n| n.contains("公表用"))
            .or(names.first())
            .cloned()
            .ok_or("シートがありません")?;
        let range = wb
            .worksheet_range(&name)
            .map_err(|e| format!("シート「{name}」を読めません: {e}"))?;
        let (start_row, _) = range.start().unwrap_or((0, 0));
        let mut rows: Vec<Vec<String>> = (0..start_row).map(|_| Vec::new()).collect();
        rows.extend(range.rows().map(|r| {
            r.iter()
                .map(|c| match c {
                    calamine::Data::Float(f) => f.to_string(),
                    calamine::Data::Int(i) => i.to_string(),
                    other => other.to_string(),
                })
                .collect()
        }));
        return Ok(rows);
    }
    let text = crate::textfile::decode_text(bytes)
        .map_err(|e| e.to_string())?
        .0;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    reader
        .records()
        .enumerate()
        .map(|(i, r)| {
            r.map(|r| r.iter().map(str::to_string).collect())
                .map_err(|_| format!("{}行目を読めません", i + 1))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn dates_in_headers_and_titles() {
        assert_eq!(
            date_in("保有枚数\n(R7.8末時点)"),
            Some(date!(2025 - 08 - 31))
        );
        assert_eq!(
            date_in("交付枚数\n【H29.5.15時点】"),
            Some(date!(2017 - 05 - 15))
        );
        assert_eq!(
            date_in("マイナンバーカード交付状況（令和5年6月30日現在）"),
            Some(date!(2023 - 06 - 30))
        );
        assert_eq!(date_in("令和2年2月末"), Some(date!(2020 - 02 - 29)));
        assert_eq!(date_in("令和元年12月1日"), Some(date!(2019 - 12 - 01)));
        assert_eq!(date_in("交付枚数"), None);
    }

    #[test]
    fn names_from_pdfs_fold() {
        assert_eq!(fold_name("⻑野県"), "長野県");
        assert_eq!(fold_name(" ⼭形県 "), "山形県");
        assert_eq!(prefecture_of("011002"), Some("北海道"));
        assert_eq!(prefecture_of("472018"), Some("沖縄県"));
    }

    fn table(rate: &str) -> Vec<Vec<String>> {
        let rows = [
            "マイナンバーカード交付状況について,,,,",
            "都道府県名,市区町村名,\"人口\n(R7.1.1時点)\",\"保有枚数\n(R7.8末時点)\",人口に対する保有枚数率",
            "全国,,\"124,690,000\",\"97,000,000\",77.8%",
            "北海道,札幌市,1950000,1500000,76.9%",
            &format!("⻑野県,松本市,237000,180000,{rate}"),
        ];
        rows.iter()
            .map(|l| {
                csv::ReaderBuilder::new()
                    .has_headers(false)
                    .from_reader(l.as_bytes())
                    .records()
                    .next()
                    .unwrap()
                    .unwrap()
                    .iter()
                    .map(str::to_string)
                    .collect()
            })
            .collect()
    }

    #[test]
    fn a_body_is_found_by_prefecture_and_name() {
        let f = find(&table("75.9%"), "202029", "松本市", None).unwrap();
        assert_eq!(
            (f.kind, f.as_of, f.row),
            ("保有枚数", date!(2025 - 08 - 31), 5)
        );
        assert_eq!((f.population, f.count, f.rate), (237000.0, 180000.0, 75.9));
        // A workbook's percentage cell is a fraction.
        assert_eq!(
            find(&table("0.7595"), "202029", "松本市", None)
                .unwrap()
                .rate,
            75.95
        );
        let e = find(&table("12.0%"), "202029", "松本市", None).unwrap_err();
        assert!(e.contains("5行目: 率「12」"), "{e}");
        let e = find(&table("75.9%"), "011002", "函館市", None).unwrap_err();
        assert!(e.contains("北海道函館市の行がありません"), "{e}");
    }
}
