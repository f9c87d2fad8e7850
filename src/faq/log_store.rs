//! What residents told the town without signing in: the help chat's exchanges, the page votes
//! and the messages sent after 「いいえ」. Nothing here names a person.

use crate::db::{Db, now_text};
use crate::fiscal::FiscalYear;
use sqlx::Row as _;
use time::Date;

/// How long the help chat's log and the messages are kept (days).
pub const RETENTION_DAYS: i64 = 365;

#[derive(Debug, Clone)]
pub struct Exchange {
    pub id: i64,
    pub asked_at: String,
    pub query: String,
    /// The answers shown: `kind:id`, in order.
    pub shown: Vec<String>,
    pub opened: Vec<String>,
    /// The answers shown held what the question was about (not only near it).
    pub answered: bool,
    pub solved: Option<bool>,
}

fn exchange(r: &sqlx::any::AnyRow) -> anyhow::Result<Exchange> {
    let split = |t: String| -> Vec<String> {
        t.split('\n')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect()
    };
    Ok(Exchange {
        id: r.try_get("id")?,
        asked_at: r.try_get("asked_at")?,
        query: r.try_get("query")?,
        shown: split(r.try_get("shown")?),
        opened: split(r.try_get("opened")?),
        answered: r.try_get::<i64, _>("answered")? != 0,
        solved: r.try_get::<Option<i64>, _>("solved")?.map(|s| s != 0),
    })
}

/// Logs a question and what was shown; returns its id.
pub async fn log_question(
    db: &Db,
    conversation: &str,
    query: &str,
    shown: &[String],
    answered: bool,
    day: Date,
) -> anyhow::Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO help_log (asked_at, day, conversation, query, shown, answered)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(now_text())
    .bind(day.to_string())
    .bind(conversation)
    .bind(query)
    .bind(shown.join("\n"))
    .bind(i64::from(answered))
    .fetch_one(&mut *db.conn().await?)
    .await?;
    Ok(id)
}

/// A conversation's exchanges, oldest first (the last day's only).
pub async fn conversation(db: &Db, conversation: &str) -> anyhow::Result<Vec<Exchange>> {
    if conversation.is_empty() {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(
        "SELECT * FROM help_log WHERE conversation = $1 AND day >= $2 ORDER BY id LIMIT 50",
    )
    .bind(conversation)
    .bind((crate::fiscal::today_jst() - time::Duration::days(1)).to_string())
    .fetch_all(&mut *db.conn().await?)
    .await?;
    rows.iter().map(exchange).collect()
}

/// Records that an answer was opened from an exchange of this conversation.
pub async fn opened(db: &Db, conversation: &str, id: i64, answer: &str) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    let before: Option<String> =
        sqlx::query_scalar("SELECT opened FROM help_log WHERE id = $1 AND conversation = $2")
            .bind(id)
            .bind(conversation)
            .fetch_optional(&mut *tx)
            .await?;
    if let Some(before) = before
        && !before.split('\n').any(|o| o == answer)
    {
        let after = if before.is_empty() {
            answer.to_string()
        } else {
            format!("{before}\n{answer}")
        };
        sqlx::query("UPDATE help_log SET opened = $1 WHERE id = $2")
            .bind(after)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Records 解決しましたか's answer; false when the exchange is not this conversation's.
pub async fn solved(db: &Db, conversation: &str, id: i64, yes: bool) -> anyhow::Result<bool> {
    let done = sqlx::query("UPDATE help_log SET solved = $1 WHERE id = $2 AND conversation = $3")
        .bind(i64::from(yes))
        .bind(id)
        .bind(conversation)
        .execute(&mut *db.conn().await?)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Questions that found nothing or did not help, newest first (at most `limit`).
pub async fn unhelped(db: &Db, since: Date, limit: i64) -> anyhow::Result<Vec<Exchange>> {
    let rows = sqlx::query(
        "SELECT * FROM help_log WHERE day >= $1 AND (shown = '' OR answered = 0 OR solved = 0)
         ORDER BY id DESC LIMIT $2",
    )
    .bind(since.to_string())
    .bind(limit)
    .fetch_all(&mut *db.conn().await?)
    .await?;
    rows.iter().map(exchange).collect()
}

/// Whether this browser already voted on the page today.
pub async fn voted(db: &Db, page: &str, voter: &str, day: Date) -> anyhow::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM page_votes WHERE page = $1 AND voter = $2 AND day = $3",
    )
    .bind(page)
    .bind(voter)
    .bind(day.to_string())
    .fetch_one(&mut *db.conn().await?)
    .await?;
    Ok(n > 0)
}

/// Keeps a vote (the comment already masked).
pub async fn vote(
    db: &Db,
    page: &str,
    helpful: bool,
    comment: &str,
    voter: &str,
    day: Date,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO page_votes (voted_at, day, page, helpful, comment, voter) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(now_text())
    .bind(day.to_string())
    .bind(page)
    .bind(i64::from(helpful))
    .bind(comment)
    .bind(voter)
    .execute(&mut *db.conn().await?)
    .await?;
    Ok(())
}

/// Votes per page: (page, yes, no, last vote day), over the days from `since`.
pub async fn votes_by_page(
    db: &Db,
    since: Date,
) -> anyhow::Result<Vec<(String, i64, i64, String)>> {
    let rows = sqlx::query(
        "SELECT page, CAST(SUM(helpful) AS BIGINT) AS yes, CAST(SUM(1 - helpful) AS BIGINT) AS no, MAX(day) AS last
         FROM page_votes WHERE day >= $1 GROUP BY page",
    )
    .bind(since.to_string())
    .fetch_all(&mut *db.conn().await?)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("page")?,
                r.try_get("yes")?,
                r.try_get("no")?,
                r.try_get("last")?,
            ))
        })
        .collect()
}

/// One page's votes: (day, helpful, comment), newest first.
pub async fn page_votes(db: &Db, page: &str) -> anyhow::Result<Vec<(String, bool, String)>> {
    let rows = sqlx::query(
        "SELECT day, helpful, comment FROM page_votes WHERE page = $1 ORDER BY id DESC LIMIT 1000",
    )
    .bind(page)
    .fetch_all(&mut *db.conn().await?)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("day")?,
                r.try_get::<i64, _>("helpful")? != 0,
                r.try_get("comment")?,
            ))
        })
        .collect()
}

/// A message from the help chat.
#[derive(Debug, Clone)]
pub struct Message {
    pub id: i64,
    pub sent_at: String,
    pub department: String,
    pub query: String,
    pub message: String,
    pub contact: String,
    pub done: bool,
}

pub async fn send_message(
    db: &Db,
    department: &str,
    query: &str,
    message: &str,
    contact: &str,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO help_messages (sent_at, department, query, message, contact) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(now_text())
    .bind(department)
    .bind(query)
    .bind(message)
    .bind(contact)
    .execute(&mut *db.conn().await?)
    .await?;
    Ok(())
}

pub async fn messages(db: &Db) -> anyhow::Result<Vec<Message>> {
    let rows = sqlx::query("SELECT * FROM help_messages ORDER BY id DESC LIMIT 500")
        .fetch_all(&mut *db.conn().await?)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Message {
                id: r.try_get("id")?,
                sent_at: r.try_get("sent_at")?,
                department: r.try_get("department")?,
                query: r.try_get("query")?,
                message: r.try_get("message")?,
                contact: r.try_get("contact")?,
                done: r.try_get::<i64, _>("done")? != 0,
            })
        })
        .collect()
}

/// Marks a message answered (audited); false when it already was.
pub async fn message_done(db: &Db, id: i64, actor: &crate::audit::Actor) -> anyhow::Result<bool> {
    let mut tx = db.begin().await?;
    let n = sqlx::query("UPDATE help_messages SET done = 1 WHERE id = $1 AND done = 0")
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 1 {
        crate::audit::record(
            &mut tx,
            actor,
            crate::audit::Change {
                action: "faq.message_done",
                entity: "help_message",
                entity_id: &id.to_string(),
                before: None,
                after: None,
                note: "",
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(n == 1)
}

/// The answers 「役に立った」 and all answers of a 年度: page votes and the help chat's
/// 解決しましたか.
pub async fn helpful_counts(db: &Db, year: FiscalYear) -> anyhow::Result<(i64, i64)> {
    let (from, to) = (year.first_day().to_string(), year.last_day().to_string());
    let row = sqlx::query(
        "SELECT (SELECT CAST(COALESCE(SUM(helpful), 0) AS BIGINT) FROM page_votes WHERE day >= $1 AND day <= $2) AS vy,
                (SELECT COUNT(*) FROM page_votes WHERE day >= $1 AND day <= $2) AS vn,
                (SELECT CAST(COALESCE(SUM(solved), 0) AS BIGINT) FROM help_log WHERE solved IS NOT NULL AND day >= $1 AND day <= $2) AS hy,
                (SELECT COUNT(*) FROM help_log WHERE solved IS NOT NULL AND day >= $1 AND day <= $2) AS hn",
    )
    .bind(from)
    .bind(to)
    .fetch_one(&mut *db.conn().await?)
    .await?;
    Ok((
        row.try_get::<i64, _>("vy")? + row.try_get::<i64, _>("hy")?,
        row.try_get::<i64, _>("vn")? + row.try_get::<i64, _>("hn")?,
    ))
}

/// Forgets what is past its time: the chat's log and messages after the retention period, and
/// which browser voted once the day is over. Returns how many rows changed.
pub async fn purge(db: &Db, today: Date) -> anyhow::Result<u64> {
    let cutoff = (today - time::Duration::days(RETENTION_DAYS)).to_string();
    let mut tx = db.begin().await?;
    let mut n = sqlx::query("DELETE FROM help_log WHERE day < $1")
        .bind(&cutoff)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    n += sqlx::query("DELETE FROM help_messages WHERE sent_at < $1")
        .bind(&cutoff)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    n += sqlx::query("UPDATE page_votes SET voter = '' WHERE day < $1 AND voter <> ''")
        .bind(today.to_string())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    Ok(n)
}
