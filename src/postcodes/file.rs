//! Reading Japan Post's 郵便番号データ, in both of its layouts:
//! - `utf_all.csv` (since 2023): UTF-8, one line per row;
//! - `KEN_ALL.CSV` / `utf_ken_all.csv`: Shift_JIS or UTF-8, where a 町域名 longer than 38
//!   characters continues on the next lines (same postcode, the bracket not yet closed).
//!
//! Both have 15 columns; machi keeps the postcode (3rd), 都道府県 (7th), 市区町村 (8th) and
//! 町域 (9th). The 町域 is cleaned for filling an address field: the bracketed notes (番地
//! ranges, 「次のビルを除く」, floors) go, and the phrases that mean "the whole 市区町村"
//! (以下に掲載がない場合, …の次に番地がくる場合, …一円) become empty.

use std::collections::HashSet;
use std::io::Read as _;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub code: String,
    pub prefecture: String,
    pub city: String,
    pub town: String,
}

impl Address {
    /// As one writes it on a form: 北海道千歳市協和.
    pub fn full(&self) -> String {
        format!("{}{}{}", self.prefecture, self.city, self.town)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FileError {
    #[error("ファイルが空です")]
    Empty,
    #[error("ZIPファイルを読めません: {0}")]
    Zip(String),
    #[error("ZIPファイルの中にCSVがありません")]
    NoCsv,
    #[error(transparent)]
    Encoding(#[from] crate::textfile::EncodingError),
    #[error("{line}行目: {message}")]
    Line { line: usize, message: String },
    #[error(
        "郵便番号データの行がありません(日本郵便の KEN_ALL.CSV か utf_all.csv を指定してください)"
    )]
    NoRows,
}

/// The CSV inside a ZIP as downloaded from Japan Post, or the bytes as they are.
pub fn unzip(bytes: Vec<u8>) -> Result<Vec<u8>, FileError> {
    if bytes.is_empty() {
        return Err(FileError::Empty);
    }
    if !bytes.starts_with(b"PK\x03\x04") {
        return Ok(bytes);
    }
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| FileError::Zip(e.to_string()))?;
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).map_err(|e| FileError::Zip(e.to_string()))?;
        let name = f.name().map_err(|e| FileError::Zip(e.to_string()))?;
        if name.to_lowercase().ends_with(".csv") {
            let mut out = Vec::new();
            f.read_to_end(&mut out)
                .map_err(|e| FileError::Zip(e.to_string()))?;
            return Ok(out);
        }
    }
    Err(FileError::NoCsv)
}

/// Parses the whole file: every error names its line, and one bad line refuses the file.
pub fn parse(bytes: &[u8]) -> Result<Vec<Address>, FileError> {
    let (text, _) = crate::textfile::decode_text(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut out: Vec<Address> = Vec::new();
    // A 町域 whose bracket is still open continues on the next line.
    let mut open: Option<Address> = None;
    for (i, record) in reader.records().enumerate() {
        let line = i + 1;
        let bad = |message: String| FileError::Line { line, message };
        let r = record.map_err(|e| bad(format!("CSVとして読めません({e})")))?;
        if r.len() != 15 {
            return Err(bad(format!(
                "列の数が{}です。郵便番号データは15列です",
                r.len()
            )));
        }
        let code = r[2].trim();
        if code.len() != 7 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad(format!(
                "3列目の郵便番号「{code}」が7桁の数字ではありません"
            )));
        }
        let town = r[8].trim();
        if let Some(mut prev) = open.take() {
            if prev.code == code {
                prev.town.push_str(town);
                if bracket_open(&prev.town) {
                    open = Some(prev);
                } else {
                    out.push(prev);
                }
                continue;
            }
            // The continuation never came: keep what there is.
            out.push(prev);
        }
        let a = Address {
            code: code.to_string(),
            prefecture: r[6].trim().to_string(),
            city: r[7].trim().to_string(),
            town: town.to_string(),
        };
        if a.prefecture.is_empty() || a.city.is_empty() {
            return Err(bad("都道府県名か市区町村名が空です".into()));
        }
        if bracket_open(&a.town) {
            open = Some(a);
        } else {
            out.push(a);
        }
    }
    out.extend(open);
    if out.is_empty() {
        return Err(FileError::NoRows);
    }
    let mut seen = HashSet::new();
    Ok(out
        .into_iter()
        .map(|mut a| {
            a.town = clean_town(&a.town);
            a
        })
        .filter(|a| seen.insert((a.code.clone(), a.full())))
        .collect())
}

fn bracket_open(town: &str) -> bool {
    town.matches('（').count() > town.matches('）').count()
}

/// The 町域 as it goes into an address field.
pub fn clean_town(raw: &str) -> String {
    let mut t = String::new();
    let mut depth = 0;
    for c in raw.chars() {
        match c {
            '（' => depth += 1,
            '）' => depth -= 1,
            _ if depth == 0 => t.push(c),
            _ => {}
        }
    }
    let t = t.trim();
    if t == "以下に掲載がない場合" || t.ends_with("の次に番地がくる場合") {
        return String::new();
    }
    // 「○○町一円」 means all of ○○町; 一円 alone is a real 町域 (滋賀県犬上郡多賀町一円).
    if t.ends_with("一円") && t != "一円" {
        return String::new();
    }
    t.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn towns_lose_notes_and_whole_area_phrases() {
        assert_eq!(clean_town("以下に掲載がない場合"), "");
        assert_eq!(clean_town("協和（８８－２、２７１－１０番地）"), "協和");
        assert_eq!(
            clean_town("丸の内グラントウキョウサウスタワー（地階・階層不明）"),
            "丸の内グラントウキョウサウスタワー"
        );
        assert_eq!(clean_town("大通西（１～１９丁目）"), "大通西");
        assert_eq!(clean_town("犬上郡多賀町の次に番地がくる場合"), "");
        assert_eq!(clean_town("一円"), "一円");
        assert_eq!(clean_town("協和"), "協和");
    }

    #[test]
    fn errors_name_the_line() {
        let bad = "01224,\"066  \",\"0660005\",\"ホッカイドウ\",\"チトセシ\",\"キョウワ\",\"北海道\",\"千歳市\",\"協和\",1,0,0,0,0,0\n01224,\"066  \",\"06600\",\"a\",\"b\",\"c\",\"北海道\",\"千歳市\",\"x\",0,0,0,0,0,0\n";
        assert_eq!(
            parse(bad.as_bytes()).unwrap_err().to_string(),
            "2行目: 3列目の郵便番号「06600」が7桁の数字ではありません"
        );
        assert_eq!(
            parse("a,b,c\n".as_bytes()).unwrap_err().to_string(),
            "1行目: 列の数が3です。郵便番号データは15列です"
        );
    }
}
