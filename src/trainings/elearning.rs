//! Completions from the e-learning system's CSV: who finished, and when. People are found by
//! 職員番号 (or their machi account); anyone the directory does not know is an error naming the
//! line, and nothing is recorded until every line reads.

use super::directory::Member;
use super::model::{Status, Via};
use super::store::{Mark, Training, TrainingError, put};
use crate::audit::{self, Actor, Change};
use crate::db::Db;
use std::collections::HashMap;

const ID: &[&str] = &[
    "職員番号",
    "職員コード",
    "職員ID",
    "ユーザーID",
    "ログインID",
    "受講者ID",
    "ID",
];
const STATUS: &[&str] = &[
    "受講状況",
    "受講状態",
    "進捗状況",
    "状態",
    "ステータス",
    "修了状況",
    "合否",
];
const DATE: &[&str] = &[
    "修了日",
    "完了日",
    "修了日時",
    "完了日時",
    "受講完了日",
    "受講完了日時",
    "最終受講日",
];
const DONE: &[&str] = &["修了", "完了", "受講済", "受講済み", "済", "合格", "100%"];
const NOT_DONE: &[&str] = &[
    "未受講",
    "未完了",
    "未修了",
    "受講中",
    "学習中",
    "不合格",
    "",
];

/// A completion read from the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub line: usize,
    pub staff_id: i64,
    /// YYYY-MM-DD, or empty when the file gives no date.
    pub completed_on: String,
}

/// What the file holds, checked against the directory and the training's 年度.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Read {
    pub completions: Vec<Completion>,
    /// Lines of people who have not finished.
    pub not_done: usize,
    /// Completions dated outside the training's 年度 (not counted for it).
    pub other_year: usize,
}

pub fn parse(bytes: &[u8], training: &Training, members: &[Member]) -> Result<Read, Vec<String>> {
    let (text, _) = crate::textfile::decode_text(bytes).map_err(|e| vec![e.to_string()])?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h
            .iter()
            .map(|s| s.trim().trim_start_matches('\u{feff}').to_string())
            .collect(),
        Err(e) => return Err(vec![format!("1行目(見出し)を読めません: {e}")]),
    };
    let find = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
    let Some(id_at) = find(ID) else {
        return Err(vec![format!(
            "1行目(見出し)に職員番号の列(「職員番号」「ユーザーID」など)がありません。見出しは {} です",
            headers.join("、")
        )]);
    };
    let (status_at, date_at) = (find(STATUS), find(DATE));
    if status_at.is_none() && date_at.is_none() {
        return Err(vec![
            "1行目(見出し)に受講状況の列(「受講状況」「修了日」など)がありません".into(),
        ]);
    }
    let by_code: HashMap<&str, &Member> = members.iter().map(|m| (m.code.as_str(), m)).collect();
    let by_user: HashMap<&str, &Member> = members
        .iter()
        .filter(|m| !m.username.is_empty())
        .map(|m| (m.username.as_str(), m))
        .collect();
    let mut out = Read::default();
    let mut errors = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(format!("{line}行目: 読めません({e})"));
                continue;
            }
        };
        if record.iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        let cell = |at: Option<usize>| {
            at.and_then(|i| record.get(i))
                .map(|v| v.trim().to_string())
                .unwrap_or_default()
        };
        let id = crate::fiscal::fold_width(&cell(Some(id_at)));
        let status = cell(status_at);
        let date = cell(date_at);
        let done = match status_at {
            Some(_) if DONE.contains(&status.as_str()) => true,
            Some(_) if NOT_DONE.contains(&status.as_str()) => false,
            Some(_) => {
                errors.push(format!(
                    "{line}行目: 受講状況「{status}」が読めません(修了・完了・未受講などにしてください)"
                ));
                continue;
            }
            None => !date.is_empty(),
        };
        let Some(member) = by_code
            .get(id.as_str())
            .or_else(|| by_user.get(id.as_str()))
        else {
            errors.push(format!(
                "{line}行目: 職員番号「{id}」は職員名簿にありません(名簿を取り込んでから、もう一度取り込んでください)"
            ));
            continue;
        };
        if !done {
            out.not_done += 1;
            continue;
        }
        // 2024/06/10 13:45 → the day.
        let day_text = date.split([' ', 'T']).next().unwrap_or("");
        let completed_on = if day_text.is_empty() {
            String::new()
        } else {
            match crate::fiscal::parse_date(day_text) {
                Ok(d) if training.fiscal_year.contains(d) => d.to_string(),
                Ok(_) => {
                    out.other_year += 1;
                    continue;
                }
                Err(e) => {
                    errors.push(format!("{line}行目: 修了日: {e}"));
                    continue;
                }
            }
        };
        out.completions.push(Completion {
            line,
            staff_id: member.id,
            completed_on,
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Records the completions as 出席 (e-learning), all or nothing.
pub async fn import(
    db: &Db,
    training: &Training,
    read: &Read,
    file_name: &str,
    actor: &Actor,
) -> Result<usize, TrainingError> {
    let mut tx = db.begin().await?;
    let mut n = 0;
    for c in &read.completions {
        let mark = Mark {
            training,
            staff_id: c.staff_id,
            session_id: None,
            status: Status::Present,
            reason: "",
            via: Via::Import,
            completed_on: &c.completed_on,
        };
        if put(&mut tx, &mark, actor).await? {
            n += 1;
        }
    }
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "training.elearning_import",
            entity: "training",
            entity_id: &training.id.to_string(),
            before: None,
            after: Some(serde_json::json!({
                "file": file_name, "completions": read.completions.len(), "recorded": n,
                "not_done": read.not_done, "other_year": read.other_year
            })),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fiscal::FiscalYear;
    use crate::trainings::model::{Category, Kind, Target};

    fn training() -> Training {
        Training {
            id: 1,
            title: "情報セキュリティ研修".into(),
            category: Category::Security,
            kind: Kind::Elearning,
            fiscal_year: FiscalYear(2024),
            target: Target::AllStaff,
            required: true,
            description: String::new(),
        }
    }

    fn members() -> Vec<Member> {
        vec![
            Member {
                id: 7,
                code: "00123".into(),
                ..Member::default()
            },
            Member {
                id: 8,
                code: "00124".into(),
                username: "yamada".into(),
                ..Member::default()
            },
        ]
    }

    #[test]
    fn completions_are_read_by_number_or_account() {
        let csv = "ユーザーID,氏名,受講状況,修了日時\n\
                   00123,A,修了,2024/06/10 13:45\n\
                   yamada,B,未受講,\n\
                   00124,B,完了,2025/04/02 09:00\n";
        let r = parse(csv.as_bytes(), &training(), &members()).unwrap();
        assert_eq!(
            r.completions,
            [Completion {
                line: 2,
                staff_id: 7,
                completed_on: "2024-06-10".into()
            }]
        );
        assert_eq!((r.not_done, r.other_year), (1, 1));
    }

    #[test]
    fn unknown_people_and_statuses_name_the_line() {
        let csv = "職員番号,受講状況\n00999,修了\n00123,途中\n";
        let e = parse(csv.as_bytes(), &training(), &members()).unwrap_err();
        assert_eq!(e.len(), 2);
        assert!(e[0].starts_with("2行目: 職員番号「00999」は職員名簿にありません"));
        assert!(e[1].starts_with("3行目: 受講状況「途中」が読めません"));
    }
}
