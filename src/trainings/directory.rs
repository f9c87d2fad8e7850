//! The staff directory: every employee (not only machi's users), from the CSV the personnel
//! section keeps. The file is the whole list: a person missing from it is no longer counted in
//! any training's target (在籍外), and comes back when a later file has them. All or nothing.

use crate::audit::{self, Actor, Change};
use crate::db::Db;
use sqlx::Row as _;
use std::collections::{BTreeSet, HashMap};

/// A member of staff as the directory knows them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Member {
    pub id: i64,
    /// 職員番号.
    pub code: String,
    pub name: String,
    pub kana: String,
    pub department: String,
    pub job: String,
    pub employment: String,
    /// 採用日, YYYY-MM-DD or empty.
    pub joined_on: String,
    pub username: String,
    pub active: bool,
}

/// A column of the file, by the headings personnel systems use.
const COLUMNS: [(&str, &[&str]); 8] = [
    ("code", &["職員番号", "職員コード", "職員ID", "個人番号"]),
    ("name", &["氏名", "職員氏名", "名前"]),
    (
        "kana",
        &["フリガナ", "ふりがな", "氏名カナ", "カナ氏名", "カナ"],
    ),
    (
        "department",
        &["所属", "所属課", "課", "課名", "所属名", "部署"],
    ),
    ("job", &["職種"]),
    (
        "employment",
        &["雇用区分", "任用区分", "職員区分", "雇用形態"],
    ),
    ("joined_on", &["採用日", "採用年月日", "入庁日"]),
    ("username", &["ログインID", "アカウント", "ユーザー名"]),
];

fn column_label(key: &str) -> &'static str {
    COLUMNS
        .iter()
        .find(|(k, _)| *k == key)
        .map_or("", |(_, names)| names[0])
}

/// Reads the personnel section's CSV (UTF-8 or Shift_JIS). `departments` are the 課 machi
/// knows; any other is an error, so a typo never makes a 課 of its own. Errors name the line.
pub fn parse(bytes: &[u8], departments: &BTreeSet<String>) -> Result<Vec<Member>, Vec<String>> {
    let (text, _) = crate::textfile::decode_text(bytes).map_err(|e| vec![e.to_string()])?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_string()).collect(),
        Err(e) => return Err(vec![format!("1行目(見出し)を読めません: {e}")]),
    };
    let mut at: HashMap<&str, usize> = HashMap::new();
    for (key, names) in COLUMNS {
        if let Some(i) = headers.iter().position(|h| names.contains(&h.as_str())) {
            at.insert(key, i);
        }
    }
    let missing: Vec<&str> = ["code", "name", "department"]
        .into_iter()
        .filter(|k| !at.contains_key(k))
        .map(column_label)
        .collect();
    if !missing.is_empty() {
        return Err(vec![format!(
            "1行目(見出し)に「{}」の列がありません。見出しは {} です",
            missing.join("」「"),
            headers.join("、")
        )]);
    }
    let mut errors = Vec::new();
    let mut members: Vec<Member> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
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
        let get = |key: &str| {
            at.get(key)
                .and_then(|&i| record.get(i))
                .map(|v| v.trim().to_string())
                .unwrap_or_default()
        };
        let code = crate::fiscal::fold_width(&get("code"));
        let name = get("name");
        let department = get("department");
        if code.is_empty() {
            errors.push(format!("{line}行目: 職員番号が空です"));
            continue;
        }
        if let Some(first) = seen.insert(code.clone(), line) {
            errors.push(format!(
                "{line}行目: 職員番号「{code}」は{first}行目と同じです"
            ));
        }
        if name.is_empty() {
            errors.push(format!("{line}行目: 職員番号「{code}」の氏名が空です"));
        }
        if department.is_empty() {
            errors.push(format!("{line}行目: 職員番号「{code}」の所属が空です"));
        } else if !departments.contains(&department) {
            errors.push(format!(
                "{line}行目: 所属「{department}」はmachiに登録されていない課です(課の一覧に加えるか、名前を直してください)"
            ));
        }
        let joined = get("joined_on");
        let joined_on = if joined.is_empty() {
            String::new()
        } else {
            match crate::fiscal::parse_date(&joined) {
                Ok(d) => d.to_string(),
                Err(e) => {
                    errors.push(format!("{line}行目: 採用日: {e}"));
                    String::new()
                }
            }
        };
        members.push(Member {
            id: 0,
            code,
            name,
            kana: get("kana"),
            department,
            job: get("job"),
            employment: get("employment"),
            joined_on,
            username: get("username"),
            active: true,
        });
    }
    if members.is_empty() && errors.is_empty() {
        errors.push("職員の行がありません".into());
    }
    if errors.is_empty() {
        Ok(members)
    } else {
        Err(errors)
    }
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Imported {
    pub added: usize,
    pub updated: usize,
    /// In the directory but not in the file: no longer counted.
    pub left: usize,
}

/// Replaces the directory with the file's list, in one transaction.
pub async fn import(
    db: &Db,
    members: &[Member],
    file_name: &str,
    actor: &Actor,
) -> anyhow::Result<Imported> {
    let mut tx = db.begin().await?;
    let existing: HashMap<String, i64> = sqlx::query("SELECT id, code FROM staff_members")
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|r| Ok((r.try_get("code")?, r.try_get("id")?)))
        .collect::<Result<_, sqlx::Error>>()?;
    let now = crate::db::now_text();
    let mut done = Imported::default();
    for m in members {
        if let Some(id) = existing.get(&m.code) {
            let listed = Member {
                id: *id,
                active: true,
                ..m.clone()
            };
            update(&mut tx, &listed, &now).await?;
            done.updated += 1;
        } else {
            insert(&mut tx, m, &now).await?;
            done.added += 1;
        }
    }
    let listed: BTreeSet<&str> = members.iter().map(|m| m.code.as_str()).collect();
    for (code, id) in &existing {
        if !listed.contains(code.as_str()) {
            let r = sqlx::query(
                "UPDATE staff_members SET active = 0, updated_at = $1 WHERE id = $2 AND active = 1",
            )
            .bind(&now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            done.left += r.rows_affected() as usize;
        }
    }
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "staff_directory.import",
            entity: "staff_directory",
            entity_id: "",
            before: None,
            after: Some(serde_json::json!({
                "file": file_name, "added": done.added, "updated": done.updated, "left": done.left
            })),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(done)
}

async fn update(tx: &mut crate::db::Tx, m: &Member, now: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE staff_members SET name = $1, kana = $2, department = $3, job = $4,
         employment = $5, joined_on = $6, username = $7, active = $8, updated_at = $9
         WHERE id = $10",
    )
    .bind(&m.name)
    .bind(&m.kana)
    .bind(&m.department)
    .bind(&m.job)
    .bind(&m.employment)
    .bind(&m.joined_on)
    .bind(&m.username)
    .bind(i64::from(m.active))
    .bind(now)
    .bind(m.id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn insert(tx: &mut crate::db::Tx, m: &Member, now: &str) -> Result<i64, sqlx::Error> {
    sqlx::query(
        "INSERT INTO staff_members (code, name, kana, department, job, employment, joined_on,
         username, active, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9) RETURNING id",
    )
    .bind(&m.code)
    .bind(&m.name)
    .bind(&m.kana)
    .bind(&m.department)
    .bind(&m.job)
    .bind(&m.employment)
    .bind(&m.joined_on)
    .bind(&m.username)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?
    .try_get("id")
}

/// Saves one person as the coordinating department edits them (a new one when `id` is 0).
pub async fn save(db: &Db, m: &Member, actor: &Actor) -> anyhow::Result<i64> {
    let mut tx = db.begin().await?;
    let now = crate::db::now_text();
    let before = if m.id == 0 {
        None
    } else {
        Some(
            get_in(&mut tx, m.id)
                .await?
                .ok_or(crate::error::AppError::NotFound)?,
        )
    };
    let id = match &before {
        None => insert(&mut tx, m, &now).await?,
        Some(_) => {
            update(&mut tx, m, &now).await?;
            m.id
        }
    };
    let json = |m: &Member| {
        serde_json::json!({
            "code": m.code, "department": m.department, "job": m.job,
            "employment": m.employment, "joined_on": m.joined_on, "active": m.active
        })
    };
    audit::record(
        &mut tx,
        actor,
        Change {
            action: "staff_directory.save",
            entity: "staff_member",
            entity_id: &id.to_string(),
            before: before.as_ref().map(json),
            after: Some(json(m)),
            note: "",
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

fn member(r: &sqlx::any::AnyRow) -> Result<Member, sqlx::Error> {
    Ok(Member {
        id: r.try_get("id")?,
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        kana: r.try_get("kana")?,
        department: r.try_get("department")?,
        job: r.try_get("job")?,
        employment: r.try_get("employment")?,
        joined_on: r.try_get("joined_on")?,
        username: r.try_get("username")?,
        active: r.try_get::<i64, _>("active")? != 0,
    })
}

const SELECT: &str = "SELECT id, code, name, kana, department, job, employment, joined_on, username, active FROM staff_members";

async fn get_in(tx: &mut crate::db::Tx, id: i64) -> Result<Option<Member>, sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE id = $1")))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .map(|r| member(&r))
        .transpose()
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Member>, sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE id = $1")))
        .bind(id)
        .fetch_optional(&mut *db.conn().await?)
        .await?
        .map(|r| member(&r))
        .transpose()
}

/// Everyone in the directory (those no longer listed last), by 課 and 職員番号.
pub async fn all(db: &Db) -> Result<Vec<Member>, sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} ORDER BY active DESC, department, code"
    )))
    .fetch_all(&mut *db.conn().await?)
    .await?
    .iter()
    .map(member)
    .collect()
}

/// The directory entry of a machi account, if the person is listed.
pub async fn of_username(db: &Db, username: &str) -> Result<Option<Member>, sqlx::Error> {
    if username.is_empty() {
        return Ok(None);
    }
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE username = $1 AND active = 1"
    )))
    .bind(username)
    .fetch_optional(&mut *db.conn().await?)
    .await?
    .map(|r| member(&r))
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depts() -> BTreeSet<String> {
        ["総務課", "税務課"].iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_personnel_file_reads_with_its_own_headings() {
        let csv = "職員番号,氏名,フリガナ,所属課,職種,任用区分,採用年月日\n\
                   00123,𠮷田 花子,ヨシダ ハナコ,総務課,一般事務,正規職員,令和6年4月1日\n\
                   ００１２４,山田 太郎,,税務課,一般事務,会計年度任用職員,\n";
        let m = parse(csv.as_bytes(), &depts()).unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].name, "𠮷田 花子");
        assert_eq!(m[0].joined_on, "2024-04-01");
        assert_eq!(m[1].code, "00124");
        assert_eq!(m[1].employment, "会計年度任用職員");
    }

    #[test]
    fn errors_name_the_line_and_value() {
        let csv = "職員番号,氏名,所属\n1,A,総務課\n1,B,総務課\n2,,企画部\n";
        let e = parse(csv.as_bytes(), &depts()).unwrap_err();
        assert_eq!(e[0], "3行目: 職員番号「1」は2行目と同じです");
        assert!(e[1].starts_with("4行目: 職員番号「2」の氏名が空です"));
        assert!(e[2].contains("4行目: 所属「企画部」はmachiに登録されていない課です"));
        let e = parse("番号,名前\n1,A\n".as_bytes(), &depts()).unwrap_err();
        assert!(
            e[0].contains("「職員番号」「所属」の列がありません"),
            "{e:?}"
        );
    }
}
