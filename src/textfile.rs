//! Text files people exchange with machi: CSV out in UTF-8 with BOM (Excel opens it right) or
//! Shift_JIS (CP932), and text in whose encoding is detected, never asked.

use encoding_rs::SHIFT_JIS;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvEncoding {
    Utf8Bom,
    ShiftJis,
}

impl CsvEncoding {
    /// `?encoding=shift_jis` (or sjis / cp932) asks for Shift_JIS; anything else is UTF-8.
    pub fn from_query(q: &str) -> Self {
        match q.to_ascii_lowercase().as_str() {
            "shift_jis" | "sjis" | "cp932" | "shift-jis" => CsvEncoding::ShiftJis,
            _ => CsvEncoding::Utf8Bom,
        }
    }

    pub fn charset(self) -> &'static str {
        match self {
            CsvEncoding::Utf8Bom => "utf-8",
            CsvEncoding::ShiftJis => "shift_jis",
        }
    }
}

/// A CSV file from a header and rows.
pub fn csv_bytes<I, R, S>(
    header: &[&str],
    rows: I,
    encoding: CsvEncoding,
) -> anyhow::Result<Vec<u8>>
where
    I: IntoIterator<Item = R>,
    R: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record(header)?;
    for row in rows {
        let row: Vec<String> = row.into_iter().map(|s| s.as_ref().to_string()).collect();
        w.write_record(&row)?;
    }
    let utf8 = String::from_utf8(w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?)?;
    Ok(match encoding {
        CsvEncoding::Utf8Bom => {
            let mut out = "\u{feff}".as_bytes().to_vec();
            out.extend_from_slice(utf8.as_bytes());
            out
        }
        // Characters CP932 lacks become numeric references; the KPI texts are all JIS X 0208.
        CsvEncoding::ShiftJis => SHIFT_JIS.encode(&utf8).0.into_owned(),
    })
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("文字コードを判別できません。UTF-8 か Shift_JIS で保存したCSVを使ってください")]
pub struct EncodingError;

/// Decodes UTF-8 (with or without BOM) or Shift_JIS; says which it was.
pub fn decode_text(bytes: &[u8]) -> Result<(String, &'static str), EncodingError> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF");
    if let Some(b) = body {
        return std::str::from_utf8(b)
            .map(|s| (s.to_string(), "UTF-8 (BOM付き)"))
            .map_err(|_| EncodingError);
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok((s.to_string(), "UTF-8"));
    }
    let (text, _, had_errors) = SHIFT_JIS.decode(bytes);
    if had_errors {
        return Err(EncodingError);
    }
    Ok((text.into_owned(), "Shift_JIS"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_round_trips_in_both_encodings() {
        let rows = vec![vec!["1-1-1", "髙﨑①ｶﾅ", "1,000"]];
        for enc in [CsvEncoding::Utf8Bom, CsvEncoding::ShiftJis] {
            let bytes = csv_bytes(&["コード", "名前", "値"], rows.clone(), enc).unwrap();
            let (text, label) = decode_text(&bytes).unwrap();
            assert!(text.contains("髙﨑①ｶﾅ"), "{label}");
            assert!(text.contains("\"1,000\""));
            assert_eq!(
                label,
                if enc == CsvEncoding::Utf8Bom {
                    "UTF-8 (BOM付き)"
                } else {
                    "Shift_JIS"
                }
            );
        }
        assert_eq!(decode_text("a,b".as_bytes()).unwrap().1, "UTF-8");
    }

    #[test]
    fn undecodable_bytes_are_refused() {
        assert_eq!(decode_text(b"ab\x81\x20c"), Err(EncodingError));
        assert_eq!(decode_text(b"\x82"), Err(EncodingError));
    }
}
