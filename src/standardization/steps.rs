//! The steps of 総務省's 手順書 that the dashboard counts (40), kept as the town's data: which
//! edition numbers them 1–40 is not confirmed, so machi ships placeholders 「ステップNN」 except
//! the names confirmed at their numbers, and the coordinating department writes in the names of
//! the edition it reports against (each step says whether its name and number are verified).

/// A step as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub no: i64,
    pub phase: String,
    pub name: String,
    /// Name and number checked against the 手順書 or the dashboard.
    pub verified: bool,
}

/// How the shipped list describes itself.
pub const BUNDLED_EDITION: &str = "machi の初期値(ステップ24・25の名前だけ確認済み。Fit&Gap分析・予算要求調整・ベンダ選定も手順書にありますが番号は未確認です。手順書の版に合わせて書き換えてください)";

/// The shipped list: 40 steps, names confirmed only for 24 and 25 (三木浩平, 2025; see
/// ../shared/reference/registers.md §1.3).
pub fn bundled() -> Vec<Step> {
    (1..=40)
        .map(|no| match no {
            24 => Step {
                no,
                phase: "システム選定".into(),
                name: "RFPベンダー質問回答".into(),
                verified: true,
            },
            25 => Step {
                no,
                phase: "システム選定".into(),
                name: "ベンダーからのRFP回答".into(),
                verified: true,
            },
            _ => Step {
                no,
                phase: String::new(),
                name: format!("ステップ{no:02}"),
                verified: false,
            },
        })
        .collect()
}

/// The list as the staff page shows it for editing: 「番号,フェーズ,名前,確認済み」 per line.
pub fn to_text(steps: &[Step]) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    for s in steps {
        let _ = w.write_record([
            s.no.to_string(),
            s.phase.clone(),
            s.name.clone(),
            if s.verified {
                "確認済み"
            } else {
                "未確認"
            }
            .to_string(),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Reads the edited list; every fault names its line. Numbers run 1, 2, 3 … without gaps, so
/// the dashboard's denominators (the number of steps) stay right.
pub fn parse(text: &str) -> Result<Vec<Step>, Vec<String>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    for (i, record) in reader.records().enumerate() {
        let line = i + 1;
        let Ok(r) = record else {
            errors.push(format!("{line}行目を読めません"));
            continue;
        };
        if r.iter().all(str::is_empty) {
            continue;
        }
        let expected = out.len() as i64 + 1;
        let no = crate::input::parse_number(r.get(0).unwrap_or(""));
        match no {
            Ok(n) if n == expected as f64 => {}
            _ => errors.push(format!(
                "{line}行目: 番号は{expected}にしてください(いま「{}」。1から順に、抜けなく書きます)",
                r.get(0).unwrap_or("")
            )),
        }
        let name = r.get(2).unwrap_or("").to_string();
        if name.is_empty() {
            errors.push(format!("{line}行目: ステップの名前がありません"));
        }
        let verified = match r.get(3).unwrap_or("") {
            "確認済み" | "確認済" | "はい" => true,
            "未確認" | "" | "いいえ" => false,
            other => {
                errors.push(format!(
                    "{line}行目: 4列目「{other}」は「確認済み」か「未確認」で書きます"
                ));
                false
            }
        };
        out.push(Step {
            no: expected,
            phase: r.get(1).unwrap_or("").to_string(),
            name,
            verified,
        });
    }
    if out.is_empty() && errors.is_empty() {
        errors.push("ステップが1つもありません".into());
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_round_trips_and_faults_name_their_line() {
        let shipped = bundled();
        assert_eq!(shipped.len(), 40);
        assert_eq!(shipped.iter().filter(|s| s.verified).count(), 2);
        assert_eq!(parse(&to_text(&shipped)).unwrap(), shipped);
        let e = parse("1,計画立案,推進体制の立ち上げ,確認済み\n3,,x,\n2,,y,たぶん\n").unwrap_err();
        assert_eq!(
            e[0],
            "2行目: 番号は2にしてください(いま「3」。1から順に、抜けなく書きます)"
        );
        assert_eq!(
            e[1],
            "3行目: 番号は3にしてください(いま「2」。1から順に、抜けなく書きます)"
        );
        assert!(e[2].starts_with("3行目: 4列目「たぶん」"));
        assert!(parse("\n").is_err());
    }
}
