//! The audit trail in SQLite: append (group commit: one writer at a time, each event chained
//! to the last, appends that arrive together in one durable transaction),
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

/// An append waiting for the next group commit, and where its answer goes.
struct Waiting {
    new: NewEvent,
    now: chrono::DateTime<chrono::Utc>,
    reply: tokio::sync::oneshot::Sender<Result<Event>>,
}

#[derive(Clone)]
pub struct AuditStore {
    pool: SqlitePool,
    /// Appends not yet committed. Whoever holds `commit_lock` takes them all and writes
    /// them in one durable transaction (group commit): under concurrent load one fsync
    /// serves many events, and each is still answered only after its commit.
    waiting: Arc<std::sync::Mutex<Vec<Waiting>>>,
    /// One committer at a time within this process; `BEGIN IMMEDIATE` guards against
    /// other processes on the same file.
    commit_lock: Arc<tokio::sync::Mutex<()>>,
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
            waiting: Arc::default(),
            commit_lock: Arc::default(),
        }
    }

    /// Appends `new` to the chain and updates the change's row in the list, in one
    /// transaction: either both are written or neither (and the caller must then not
    /// apply anything: the audit trail is fail-closed). Returns once the event is durable.
    pub async fn append(&self, new: NewEvent) -> Result<Event> {
        self.append_at(new, chrono::Utc::now()).await
    }

    pub async fn append_at(
        &self,
        new: NewEvent,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Event> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.waiting
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(Waiting { new, now, reply });
        // The commit runs in its own task, so a caller that goes away (a cancelled request)
        // cannot leave its event, or those it was to commit for others, sitting in the queue.
        // The caller waits for its answer only, not for that task: a task whose event an
        // earlier holder committed still queues for the lock, and waiting for it would
        // make every caller wait for the one before it (one event per commit again).
        let store = self.clone();
        tokio::spawn(async move {
            // Appends that arrive while a commit runs queue up behind this lock, and the
            // first of them to get it commits them all. When this caller gets it, its own
            // event may already have been committed by an earlier holder: then the queue
            // is empty, or holds only later arrivals, which it commits for them.
            let _committer = store.commit_lock.lock().await;
            // A push cannot panic half-way, so a poisoned queue is still whole: take it.
            let batch = std::mem::take(
                &mut *store
                    .waiting
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner),
            );
            if !batch.is_empty() {
                store.commit(batch).await;
            }
        });
        answer
            .await
            .map_err(|_| AuditError::Write("the append's commit failed".into()))?
    }

    /// Writes `batch` in one transaction with a FULL sync and answers every waiter, each
    /// only after the commit. One refused event (e.g. a result without an intent) fails
    /// alone: the group is first written straight through, and only if an event is refused
    /// is it written again with a savepoint per event, so the chain goes on from the event
    /// before the refused one. If the commit fails, every waiter gets the error.
    async fn commit(&self, batch: Vec<Waiting>) {
        let committed = match self.commit_on(&batch, false).await {
            Ok(events) => Ok(events),
            Err(_) => self.commit_on(&batch, true).await,
        };
        match committed {
            Ok(outcomes) => {
                for (waiting, outcome) in batch.into_iter().zip(outcomes) {
                    // A waiter that has gone away (a cancelled request) needs no answer.
                    let _ = waiting.reply.send(outcome);
                }
            }
            Err(e) => {
                for waiting in batch {
                    let _ = waiting.reply.send(Err(AuditError::Write(e.to_string())));
                }
            }
        }
    }

    /// One transaction for `batch`. Straight through (`per_event` false), any refused event
    /// fails the whole transaction; with `per_event`, each event has its own savepoint and
    /// its own outcome.
    async fn commit_on(&self, batch: &[Waiting], per_event: bool) -> Result<Vec<Result<Event>>> {
        use sqlx::Connection;
        let write = |e: sqlx::Error| AuditError::Write(e.to_string());
        let mut conn = self.pool.acquire().await.map_err(write)?;
        // The database runs synchronous=NORMAL (fast session writes); an audit event must
        // be on disk before the change it records is applied, so this commit is FULL.
        sqlx::query("PRAGMA synchronous = FULL")
            .execute(&mut *conn)
            .await
            .map_err(write)?;
        let committed = async {
            // IMMEDIATE: take the write lock before reading the chain's head. A deferred
            // transaction would fail at once with SQLITE_BUSY (no waiting) if another
            // connection or process wrote between the read and the insert.
            let mut tx = conn.begin_with("BEGIN IMMEDIATE").await.map_err(write)?;
            let last: Option<(i64, String)> =
                sqlx::query_as("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(write)?;
            let (mut last_seq, mut prev_hash) = last.unwrap_or((0, GENESIS.to_string()));
            let mut outcomes = Vec::with_capacity(batch.len());
            if per_event {
                for waiting in batch {
                    let event = chained(&waiting.new, waiting.now, last_seq + 1, &prev_hash);
                    let mut savepoint = tx.begin().await.map_err(write)?;
                    match write_events(&mut savepoint, std::slice::from_ref(&event)).await {
                        Ok(()) => {
                            savepoint.commit().await.map_err(write)?;
                            last_seq = event.seq;
                            prev_hash = event.hash.clone();
                            outcomes.push(Ok(event));
                        }
                        Err(refused) => {
                            savepoint.rollback().await.map_err(write)?;
                            outcomes.push(Err(refused));
                        }
                    }
                }
            } else {
                let events: Vec<Event> = batch
                    .iter()
                    .map(|waiting| {
                        let event = chained(&waiting.new, waiting.now, last_seq + 1, &prev_hash);
                        last_seq = event.seq;
                        prev_hash = event.hash.clone();
                        event
                    })
                    .collect();
                // Refused: dropping `tx` rolls everything back.
                write_events(&mut tx, &events).await?;
                outcomes.extend(events.into_iter().map(Ok));
            }
            tx.commit().await.map_err(write)?;
            Ok(outcomes)
        }
        .await;
        let _ = sqlx::query("PRAGMA synchronous = NORMAL")
            .execute(&mut *conn)
            .await;
        committed
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

/// Writes `events` (hashed already) in one INSERT, on `conn` inside the caller's
/// transaction; triggers (migrations/) keep each change's row in the list. Shared by
/// [`AuditStore::append`] and the benchmark's bulk fill, so both produce the same rows.
/// A result or follow-up whose change has no intent fails the whole statement.
pub async fn write_events(conn: &mut sqlx::SqliteConnection, events: &[Event]) -> Result<()> {
    // 16 parameters a row; SQLite allows 32,766 in one statement.
    for chunk in events.chunks(1_000) {
        let mut insert = sqlx::QueryBuilder::<sqlx::Sqlite>::new(concat!(
            "INSERT INTO audit_events (",
            event_columns!(),
            ") "
        ));
        insert.push_values(chunk, |mut row, event| {
            row.push_bind(event.seq)
                .push_bind(&event.change_id)
                .push_bind(event.kind.as_str())
                .push_bind(&event.at)
                .push_bind(&event.actor_subject)
                .push_bind(&event.actor_name)
                .push_bind(&event.actor_email)
                .push_bind(&event.actor_groups)
                .push_bind(&event.client_addr)
                .push_bind(&event.request_id)
                .push_bind(&event.reason)
                .push_bind(&event.objects)
                .push_bind(&event.outcome)
                .push_bind(&event.payload)
                .push_bind(&event.prev_hash)
                .push_bind(&event.hash);
        });
        insert
            .build()
            .execute(&mut *conn)
            .await
            .map_err(|e| match chunk {
                [one] if e.to_string().contains("no intent recorded") => {
                    AuditError::Write(format!("no intent recorded for change {}", one.change_id))
                }
                _ => AuditError::Write(e.to_string()),
            })?;
    }
    Ok(())
}

/// `new` as the event after `prev_hash`, numbered `seq` and hashed.
fn chained(new: &NewEvent, now: chrono::DateTime<chrono::Utc>, seq: i64, prev_hash: &str) -> Event {
    let mut event = Event {
        seq,
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
        prev_hash: prev_hash.to_string(),
        hash: String::new(),
    };
    event.hash = event_hash(&event);
    event
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
