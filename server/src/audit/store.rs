//! The audit trail in SQLite: append (one writer at a time, each event chained to the last),
//! verify (streamed, constant memory), list changes with filters and keyset pagination,
//! and export (streamed).

use super::chain::{BrokenLink, ChainVerifier, Event, EventKind, GENESIS, event_hash};
use futures::{Stream, StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use sqlx::{Row, SqlitePool};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("the audit trail cannot be written: {0}")]
    Write(String),
    #[error("the audit trail cannot be read: {0}")]
    Read(String),
    #[error("{0}")]
    Filter(String),
}

pub type Result<T> = std::result::Result<T, AuditError>;

/// Who made a change (from the verified ID token, or a managedFields manager for changes
/// made outside the console).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub subject: String,
    pub name: String,
    pub email: Option<String>,
    pub groups: Vec<String>,
}

pub use app::domain::change::ObjectRef;

/// An event to append; the store gives it its sequence number, time and hashes.
#[derive(Clone, Debug)]
pub struct NewEvent {
    pub change_id: String,
    pub kind: EventKind,
    pub actor: Actor,
    pub client_addr: Option<String>,
    pub request_id: Option<String>,
    pub reason: Option<String>,
    pub objects: Vec<ObjectRef>,
    pub outcome: Option<String>,
    /// Already redacted (see `redact`): the store writes what it is given.
    pub payload: serde_json::Value,
}

/// One change in the auditor's list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeRow {
    pub first_seq: i64,
    pub change_id: String,
    pub kind: String,
    pub at: String,
    pub actor_subject: String,
    pub actor_name: String,
    pub reason: Option<String>,
    pub objects: String,
    pub outcome: String,
}

/// Filters of the auditor's list; every field narrows it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    pub actor: Option<String>,
    /// Part of an object's name, kind or namespace.
    pub object: Option<String>,
    pub outcome: Option<String>,
    /// RFC 3339; inclusive.
    pub from: Option<String>,
    /// RFC 3339; exclusive.
    pub to: Option<String>,
    /// Words in the reason, the actor's name or the objects.
    pub text: Option<String>,
    /// Oldest changes first (the cursor then pages forward in time).
    pub oldest_first: bool,
}

/// Outcome of a change before its result is known.
pub const PENDING: &str = "pending";

/// `2026-11-24T03:04:05.678Z`
pub fn timestamp(now: chrono::DateTime<chrono::Utc>) -> String {
    now.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

#[derive(Clone)]
pub struct AuditStore {
    pool: SqlitePool,
    /// One appender at a time within this process; the transaction guards the rest.
    append_lock: Arc<tokio::sync::Mutex<()>>,
}

fn like(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

fn event_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<Event> {
    let read = |e: sqlx::Error| AuditError::Read(e.to_string());
    let kind: String = row.try_get("kind").map_err(read)?;
    Ok(Event {
        seq: row.try_get("seq").map_err(read)?,
        change_id: row.try_get("change_id").map_err(read)?,
        kind: EventKind::parse(&kind)
            .ok_or_else(|| AuditError::Read(format!("unknown event kind `{kind}`")))?,
        at: row.try_get("at").map_err(read)?,
        actor_subject: row.try_get("actor_subject").map_err(read)?,
        actor_name: row.try_get("actor_name").map_err(read)?,
        actor_email: row.try_get("actor_email").map_err(read)?,
        actor_groups: row.try_get("actor_groups").map_err(read)?,
        client_addr: row.try_get("client_addr").map_err(read)?,
        request_id: row.try_get("request_id").map_err(read)?,
        reason: row.try_get("reason").map_err(read)?,
        objects: row.try_get("objects").map_err(read)?,
        outcome: row.try_get("outcome").map_err(read)?,
        payload: row.try_get("payload").map_err(read)?,
        prev_hash: row.try_get("prev_hash").map_err(read)?,
        hash: row.try_get("hash").map_err(read)?,
    })
}

macro_rules! event_columns {
    () => {
        "seq, change_id, kind, at, actor_subject, actor_name, actor_email, actor_groups, client_addr, request_id, reason, objects, outcome, payload, prev_hash, hash"
    };
}
const INSERT_EVENT: &str = concat!(
    "INSERT INTO audit_events (",
    event_columns!(),
    ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
);
const SELECT_EVENTS: &str = concat!(
    "SELECT ",
    event_columns!(),
    " FROM audit_events ORDER BY seq"
);

/// An FTS5 query matching rows that contain every word (each quoted, so operators and
/// punctuation in the words are plain text).
fn text_match(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// The SQL conditions (` AND …`, on `audit_changes`) of `filter` and their parameters, in
/// order. A bound that is not a time is an error naming the field.
fn filter_clause(filter: &Filter) -> Result<(String, Vec<String>)> {
    let mut sql = String::new();
    let mut binds: Vec<String> = Vec::new();
    if let Some(actor) = &filter.actor {
        sql.push_str(" AND (actor_subject = ? OR actor_name LIKE ? ESCAPE '\\')");
        binds.push(actor.clone());
        binds.push(like(actor));
    }
    if let Some(object) = &filter.object {
        sql.push_str(" AND objects LIKE ? ESCAPE '\\'");
        binds.push(like(object));
    }
    if let Some(outcome) = &filter.outcome {
        sql.push_str(" AND outcome = ?");
        binds.push(outcome.clone());
    }
    // Stored times all have the same shape, so text order is time order; bounds are
    // brought to that shape first (`…:00Z` and `…:00.000Z` would not compare right).
    let bound = |name: &str, text: &str| {
        chrono::DateTime::parse_from_rfc3339(text)
            .map(|t| timestamp(t.with_timezone(&chrono::Utc)))
            .map_err(|_| {
                AuditError::Filter(format!(
                    "{name}: `{text}` is not an RFC 3339 time, e.g. 2026-11-24T10:00:00Z"
                ))
            })
    };
    if let Some(from) = &filter.from {
        sql.push_str(" AND at >= ?");
        binds.push(bound("from", from)?);
    }
    if let Some(to) = &filter.to {
        sql.push_str(" AND at < ?");
        binds.push(bound("to", to)?);
    }
    if let Some(text) = &filter.text {
        // Words of three or more characters go through the trigram index (a substring
        // match, like LIKE, without scanning); shorter ones, which a trigram index cannot
        // hold, are checked with LIKE on the rows the index found.
        let (indexed, short): (Vec<&str>, Vec<&str>) = text
            .split_whitespace()
            .partition(|w| w.chars().count() >= 3);
        if !indexed.is_empty() {
            sql.push_str(" AND first_seq IN (SELECT rowid FROM audit_changes_text WHERE audit_changes_text MATCH ?)");
            binds.push(text_match(&indexed));
        }
        for word in short {
            sql.push_str(
                " AND (reason LIKE ? ESCAPE '\\' OR actor_name LIKE ? ESCAPE '\\' OR objects LIKE ? ESCAPE '\\')",
            );
            for _ in 0..3 {
                binds.push(like(word));
            }
        }
    }
    Ok((sql, binds))
}

/// The events `sql` selects (with `binds`), streamed row by row: memory stays flat.
fn event_stream(
    pool: SqlitePool,
    sql: String,
    binds: Vec<String>,
) -> impl Stream<Item = Result<Event>> + Send + 'static {
    async_stream::try_stream! {
        let mut query = sqlx::query(&sql);
        for value in &binds {
            query = query.bind(value);
        }
        let mut rows = query.fetch(&pool);
        while let Some(row) = rows
            .try_next()
            .await
            .map_err(|e| AuditError::Read(e.to_string()))?
        {
            yield event_from_row(&row)?;
        }
    }
}

const SELECT_CHANGE_EVENTS: &str = concat!(
    "SELECT ",
    event_columns!(),
    " FROM audit_events WHERE change_id = ? ORDER BY seq"
);

impl AuditStore {
    pub fn new(pool: SqlitePool) -> Self {
        AuditStore {
            pool,
            append_lock: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    /// Appends `new` to the chain and updates the change's row in the list, in one
    /// transaction: either both are written or neither (and the caller must then not
    /// apply anything: the audit trail is fail-closed).
    pub async fn append(&self, new: NewEvent) -> Result<Event> {
        self.append_at(new, chrono::Utc::now()).await
    }

    pub async fn append_at(
        &self,
        new: NewEvent,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Event> {
        let write = |e: sqlx::Error| AuditError::Write(e.to_string());
        let _guard = self.append_lock.lock().await;
        let mut conn = self.pool.acquire().await.map_err(write)?;
        // The database runs synchronous=NORMAL (fast session writes); an audit event must
        // be on disk before the change it records is applied, so this commit is FULL.
        sqlx::query("PRAGMA synchronous = FULL")
            .execute(&mut *conn)
            .await
            .map_err(write)?;
        let result = Self::append_on(&mut conn, new, now).await;
        let _ = sqlx::query("PRAGMA synchronous = NORMAL")
            .execute(&mut *conn)
            .await;
        result
    }

    async fn append_on(
        conn: &mut sqlx::pool::PoolConnection<sqlx::Sqlite>,
        new: NewEvent,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Event> {
        use sqlx::Connection;
        let write = |e: sqlx::Error| AuditError::Write(e.to_string());
        // IMMEDIATE: take the write lock before reading the chain's head. A deferred
        // transaction would fail at once with SQLITE_BUSY (no waiting) if another connection
        // (a session save, the outside-change watcher) wrote between the read and the insert.
        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await.map_err(write)?;
        let last: Option<(i64, String)> =
            sqlx::query_as("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&mut *tx)
                .await
                .map_err(write)?;
        let (last_seq, prev_hash) = last.unwrap_or((0, GENESIS.to_string()));
        let mut event = Event {
            seq: last_seq + 1,
            change_id: new.change_id.clone(),
            kind: new.kind,
            at: timestamp(now),
            actor_subject: new.actor.subject.clone(),
            actor_name: new.actor.name.clone(),
            actor_email: new.actor.email.clone(),
            actor_groups: to_json(&new.actor.groups),
            client_addr: new.client_addr.clone(),
            request_id: new.request_id.clone(),
            reason: new.reason.clone(),
            objects: to_json(&new.objects),
            outcome: new.outcome.clone(),
            payload: new.payload.to_string(),
            prev_hash,
            hash: String::new(),
        };
        event.hash = event_hash(&event);
        write_event(&mut tx, &event).await?;
        tx.commit().await.map_err(write)?;
        Ok(event)
    }

    /// Every event, in order, streamed (the stream owns its pool handle, so it can be an
    /// HTTP response body).
    pub fn events(&self) -> impl Stream<Item = Result<Event>> + Send + 'static {
        event_stream(self.pool.clone(), SELECT_EVENTS.to_string(), Vec::new())
    }

    /// Every event of one change, in order (the entry's detail view).
    pub async fn change_events(&self, change_id: &str) -> Result<Vec<Event>> {
        let rows = sqlx::query(SELECT_CHANGE_EVENTS)
            .bind(change_id)
            .fetch_all(&self.pool)
            .await
            .map_err(|e| AuditError::Read(e.to_string()))?;
        rows.iter().map(event_from_row).collect()
    }

    /// Whether a change applied through the console since `since` deleted `object` (so
    /// its disappearance is no change made outside the console): an intent to delete it,
    /// and a result that lists it as applied.
    pub async fn deleted_by_console(
        &self,
        object: &ObjectRef,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool> {
        let read = |e: sqlx::Error| AuditError::Read(e.to_string());
        let rows = sqlx::query(
            "SELECT change_id, kind, objects, payload FROM audit_events WHERE kind IN ('intent', 'result') AND at >= ? AND objects LIKE ? ESCAPE '\\' ORDER BY seq",
        )
        .bind(timestamp(since))
        .bind(like(&format!("\"name\":\"{}\"", object.name)))
        .fetch_all(&self.pool)
        .await
        .map_err(read)?;
        let wanted = serde_json::to_value(object).unwrap_or_default();
        let mut intended: Vec<String> = Vec::new();
        for row in &rows {
            let change_id: String = row.try_get("change_id").map_err(read)?;
            let kind: String = row.try_get("kind").map_err(read)?;
            let objects: String = row.try_get("objects").map_err(read)?;
            let payload: String = row.try_get("payload").map_err(read)?;
            let objects: Vec<serde_json::Value> =
                serde_json::from_str(&objects).unwrap_or_default();
            let payload: serde_json::Value = serde_json::from_str(&payload).unwrap_or_default();
            match kind.as_str() {
                "intent" => {
                    let deletes = objects.iter().enumerate().any(|(i, o)| {
                        *o == wanted && payload["objects"][i]["operation"] == "Delete"
                    });
                    if deletes {
                        intended.push(change_id);
                    }
                }
                _ if intended.contains(&change_id) => {
                    let applied = payload["applied"]
                        .as_array()
                        .is_some_and(|list| list.contains(&wanted));
                    if applied {
                        return Ok(true);
                    }
                }
                _ => {}
            }
        }
        Ok(false)
    }

    /// Walks the whole chain; `Ok(Err(link))` names the first broken link.
    pub async fn verify(&self) -> Result<std::result::Result<u64, BrokenLink>> {
        let mut verifier = ChainVerifier::default();
        let mut events = std::pin::pin!(self.events());
        while let Some(event) = events.next().await {
            if let Err(broken) = verifier.check(&event?) {
                return Ok(Err(broken));
            }
        }
        Ok(Ok(verifier.checked))
    }

    /// One page of changes, newest first, after the cursor (`first_seq` of the last row of
    /// the previous page). Keyset pagination: a page deep in millions of rows costs the same
    /// as the first.
    pub async fn list(
        &self,
        filter: &Filter,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<ChangeRow>> {
        let (clause, binds) = filter_clause(filter)?;
        let mut sql = format!(
            "SELECT first_seq, change_id, kind, at, actor_subject, actor_name, reason, objects, outcome FROM audit_changes WHERE 1 = 1{clause}"
        );
        if before.is_some() {
            sql.push_str(if filter.oldest_first {
                " AND first_seq > ?"
            } else {
                " AND first_seq < ?"
            });
        }
        sql.push_str(if filter.oldest_first {
            " ORDER BY first_seq ASC LIMIT ?"
        } else {
            " ORDER BY first_seq DESC LIMIT ?"
        });
        let mut query = sqlx::query(&sql);
        for value in &binds {
            query = query.bind(value);
        }
        if let Some(cursor) = before {
            query = query.bind(cursor);
        }
        let rows = query
            .bind(i64::from(limit.clamp(1, 500)))
            .fetch_all(&self.pool)
            .await
            .map_err(|e| AuditError::Read(e.to_string()))?;
        rows.iter()
            .map(|row| {
                let read = |e: sqlx::Error| AuditError::Read(e.to_string());
                Ok(ChangeRow {
                    first_seq: row.try_get("first_seq").map_err(read)?,
                    change_id: row.try_get("change_id").map_err(read)?,
                    kind: row.try_get("kind").map_err(read)?,
                    at: row.try_get("at").map_err(read)?,
                    actor_subject: row.try_get("actor_subject").map_err(read)?,
                    actor_name: row.try_get("actor_name").map_err(read)?,
                    reason: row.try_get("reason").map_err(read)?,
                    objects: row.try_get("objects").map_err(read)?,
                    outcome: row.try_get("outcome").map_err(read)?,
                })
            })
            .collect()
    }

    /// Every event as JSON Lines, streamed.
    /// The events of the changes `filter` selects (all events for an empty filter), in
    /// chain order. A filter that does not parse is an error before anything streams.
    pub fn matching_events(
        &self,
        filter: &Filter,
    ) -> Result<impl Stream<Item = Result<Event>> + Send + 'static> {
        let (clause, binds) = filter_clause(filter)?;
        let sql = if clause.is_empty() {
            SELECT_EVENTS.to_string()
        } else {
            format!(
                "SELECT {} FROM audit_events WHERE change_id IN (SELECT change_id FROM audit_changes WHERE 1 = 1{clause}) ORDER BY seq",
                event_columns!()
            )
        };
        Ok(event_stream(self.pool.clone(), sql, binds))
    }

    /// JSON Lines of [`Self::matching_events`].
    pub fn export_json_lines(
        &self,
        filter: &Filter,
    ) -> Result<impl Stream<Item = Result<String>> + Send + 'static> {
        Ok(self.matching_events(filter)?.map(|event| {
            let event = event?;
            serde_json::to_string(&event)
                .map(|line| line + "\n")
                .map_err(|e| AuditError::Read(e.to_string()))
        }))
    }

    /// Every event as CSV (RFC 4180, header first), streamed.
    /// CSV of [`Self::matching_events`], formula-looking cells defused.
    pub fn export_csv(
        &self,
        filter: &Filter,
    ) -> Result<impl Stream<Item = Result<String>> + Send + 'static> {
        let events = self.matching_events(filter)?;
        let header = futures::stream::once(async {
            Ok("seq,change_id,kind,at,actor_subject,actor_name,actor_email,actor_groups,client_addr,request_id,reason,objects,outcome,payload,prev_hash,hash\n".to_string())
        });
        Ok(header.chain(events.map(|event| {
            let e = event?;
            let fields = [
                e.seq.to_string(),
                e.change_id,
                e.kind.as_str().to_string(),
                e.at,
                e.actor_subject,
                e.actor_name,
                e.actor_email.unwrap_or_default(),
                e.actor_groups,
                e.client_addr.unwrap_or_default(),
                e.request_id.unwrap_or_default(),
                e.reason.unwrap_or_default(),
                e.objects,
                e.outcome.unwrap_or_default(),
                e.payload,
                e.prev_hash,
                e.hash,
            ];
            Ok(fields
                .iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(",")
                + "\n")
        })))
    }
}

/// Quotes a CSV field when needed; a leading `=`, `+`, `-` or `@` is prefixed with `'` so
/// a spreadsheet does not run it as a formula.
pub fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// Writes `event` (hashed already) and its change's row in the list, on `conn` inside the
/// caller's transaction. Shared by [`AuditStore::append`] and the benchmark's bulk fill, so
/// both produce the same rows.
pub async fn write_event(conn: &mut sqlx::SqliteConnection, event: &Event) -> Result<()> {
    let write = |e: sqlx::Error| AuditError::Write(e.to_string());
    sqlx::query(INSERT_EVENT)
        .bind(event.seq)
        .bind(&event.change_id)
        .bind(event.kind.as_str())
        .bind(&event.at)
        .bind(&event.actor_subject)
        .bind(&event.actor_name)
        .bind(&event.actor_email)
        .bind(&event.actor_groups)
        .bind(&event.client_addr)
        .bind(&event.request_id)
        .bind(&event.reason)
        .bind(&event.objects)
        .bind(&event.outcome)
        .bind(&event.payload)
        .bind(&event.prev_hash)
        .bind(&event.hash)
        .execute(&mut *conn)
        .await
        .map_err(write)?;
    match event.kind {
        EventKind::Intent | EventKind::Outside => {
            let outcome = event.outcome.clone().unwrap_or_else(|| {
                if event.kind == EventKind::Outside {
                    "outside".to_string()
                } else {
                    PENDING.to_string()
                }
            });
            sqlx::query(
                    "INSERT INTO audit_changes (first_seq, change_id, kind, at, actor_subject, actor_name, reason, objects, outcome, last_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(event.seq)
                .bind(&event.change_id)
                .bind(event.kind.as_str())
                .bind(&event.at)
                .bind(&event.actor_subject)
                .bind(&event.actor_name)
                .bind(&event.reason)
                .bind(&event.objects)
                .bind(outcome)
                .bind(event.seq)
                .execute(&mut *conn)
                .await
                .map_err(write)?;
        }
        EventKind::Result | EventKind::FollowUp => {
            let updated = sqlx::query(
                    "UPDATE audit_changes SET outcome = COALESCE(?, outcome), last_seq = ? WHERE change_id = ?",
                )
                .bind(&event.outcome)
                .bind(event.seq)
                .bind(&event.change_id)
                .execute(&mut *conn)
                .await
                .map_err(write)?;
            if updated.rows_affected() != 1 {
                return Err(AuditError::Write(format!(
                    "no intent recorded for change {}",
                    event.change_id
                )));
            }
        }
    }
    Ok(())
}

/// The JSON text stored in a list column.
fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "[]".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-1"), "'-1");
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like("50%_x"), "%50\\%\\_x%");
    }
}
