//! The audit trail in SQLite: append (group commit: one writer at a time, each event chained
//! to the last, appends that arrive together in one durable transaction),
//! verify (streamed, constant memory), list changes with filters and keyset pagination,
//! and export (streamed).

use super::chain::{BrokenLink, ChainVerifier, Event, EventKind, GENESIS, event_hash};
use crate::db::{Bind, Db};
use futures::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
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
    db: Db,
    /// Appends not yet committed. Whoever holds `commit_lock` takes them all and writes
    /// them in one durable transaction (group commit): under concurrent load one fsync
    /// serves many events, and each is still answered only after its commit.
    waiting: Arc<std::sync::Mutex<Vec<Waiting>>>,
    /// One committer at a time within this process. Other processes (other replicas, or
    /// a second console on the same SQLite file) are kept out by the database: `BEGIN
    /// IMMEDIATE` on SQLite, a transaction-scoped advisory lock on PostgreSQL.
    commit_lock: Arc<tokio::sync::Mutex<()>>,
}

fn like(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// An event as stored (both engines decode it).
#[derive(sqlx::FromRow)]
struct EventRow {
    seq: i64,
    change_id: String,
    kind: String,
    at: String,
    actor_subject: String,
    actor_name: String,
    actor_email: Option<String>,
    actor_groups: String,
    client_addr: Option<String>,
    request_id: Option<String>,
    reason: Option<String>,
    objects: String,
    outcome: Option<String>,
    payload: String,
    prev_hash: String,
    hash: String,
}

impl TryFrom<EventRow> for Event {
    type Error = AuditError;
    fn try_from(row: EventRow) -> Result<Event> {
        Ok(Event {
            seq: row.seq,
            change_id: row.change_id,
            kind: EventKind::parse(&row.kind)
                .ok_or_else(|| AuditError::Read(format!("unknown event kind `{}`", row.kind)))?,
            at: row.at,
            actor_subject: row.actor_subject,
            actor_name: row.actor_name,
            actor_email: row.actor_email,
            actor_groups: row.actor_groups,
            client_addr: row.client_addr,
            request_id: row.request_id,
            reason: row.reason,
            objects: row.objects,
            outcome: row.outcome,
            payload: row.payload,
            prev_hash: row.prev_hash,
            hash: row.hash,
        })
    }
}

fn read_error(e: sqlx::Error) -> AuditError {
    AuditError::Read(e.to_string())
}

fn write_error(e: sqlx::Error) -> AuditError {
    AuditError::Write(e.to_string())
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

/// What PostgreSQL's free-text filter searches: the expression its trigram index is on.
const TEXT_COLUMNS: &str = "COALESCE(reason, '') || ' ' || actor_name || ' ' || objects";

/// An FTS5 query matching rows that contain every word (each quoted, so operators and
/// punctuation in the words are plain text).
fn text_match(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// The subjects the actor filter means (binds: the text, then its LIKE pattern): the
/// subject itself, or every subject whose name holds it. From the small `audit_actors`
/// table, never a scan of the changes.
fn actor_subjects_sql(postgres: bool) -> String {
    // SQLite's LIKE ignores ASCII case; PostgreSQL's ILIKE is the same match.
    let like_op = if postgres { "ILIKE" } else { "LIKE" };
    format!("SELECT subject FROM audit_actors WHERE subject = ? OR name {like_op} ? ESCAPE '\\'")
}

/// Above this many subjects for one actor filter, `list` asks once with all of them
/// (sorting their changes) instead of once per subject.
const MERGED_SUBJECTS: usize = 20;

/// The SQL conditions (` AND …`, on `audit_changes`) of `filter` and their parameters, in
/// order. A bound that is not a time is an error naming the field.
fn filter_clause(filter: &Filter, postgres: bool) -> Result<(String, Vec<Bind>)> {
    let mut sql = String::new();
    let mut binds: Vec<Bind> = Vec::new();
    // SQLite's LIKE ignores ASCII case; PostgreSQL's ILIKE is the same match.
    let like_op = if postgres { "ILIKE" } else { "LIKE" };
    if let Some(actor) = &filter.actor {
        sql.push_str(&format!(
            " AND actor_subject IN ({})",
            actor_subjects_sql(postgres)
        ));
        binds.push(actor.into());
        binds.push(like(actor).into());
    }
    if let Some(object) = &filter.object {
        sql.push_str(&format!(" AND objects {like_op} ? ESCAPE '\\'"));
        binds.push(like(object).into());
    }
    if let Some(outcome) = &filter.outcome {
        sql.push_str(" AND outcome = ?");
        binds.push(outcome.into());
    }
    // Stored times all have the same shape, so text order is time order; bounds are
    // brought to that shape first (`…:00Z` and `…:00.000Z` would not compare right).
    // A day (the page's date inputs send `2026-11-24`) is that day in UTC, the `to` day
    // included; a full time (typed, or in a link) is taken as it is.
    let bound = |name: &str, text: &str, day_end: bool| {
        let at = match chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(day) => {
                let day = if day_end { day.succ_opt() } else { Some(day) };
                day.and_then(|d| d.and_hms_opt(0, 0, 0))
                    .map(|t| t.and_utc())
                    .ok_or(())
            }
            Err(_) => chrono::DateTime::parse_from_rfc3339(text)
                .map(|t| t.with_timezone(&chrono::Utc))
                .map_err(|_| ()),
        };
        at.map(timestamp).map_err(|()| {
            AuditError::Filter(format!(
                "{name}: `{text}` is neither a day (2026-11-24) nor an RFC 3339 time (2026-11-24T10:00:00Z)"
            ))
        })
    };
    if let Some(from) = &filter.from {
        sql.push_str(" AND at >= ?");
        binds.push(bound("from", from, false)?.into());
    }
    if let Some(to) = &filter.to {
        sql.push_str(" AND at < ?");
        binds.push(bound("to", to, true)?.into());
    }
    if let Some(text) = &filter.text
        && postgres
    {
        // Every word through the pg_trgm index on the three columns (migrations/postgres).
        for word in text.split_whitespace() {
            sql.push_str(&format!(" AND ({TEXT_COLUMNS}) ILIKE ? ESCAPE '\\'"));
            binds.push(like(word).into());
        }
    } else if let Some(text) = &filter.text {
        // Words of three or more characters go through the trigram index (a substring
        // match, like LIKE, without scanning); shorter ones, which a trigram index cannot
        // hold, are checked with LIKE on the rows the index found.
        let (indexed, short): (Vec<&str>, Vec<&str>) = text
            .split_whitespace()
            .partition(|w| w.chars().count() >= 3);
        if !indexed.is_empty() {
            sql.push_str(" AND first_seq IN (SELECT rowid FROM audit_changes_text WHERE audit_changes_text MATCH ?)");
            binds.push(text_match(&indexed).into());
        }
        for word in short {
            sql.push_str(
                " AND (reason LIKE ? ESCAPE '\\' OR actor_name LIKE ? ESCAPE '\\' OR objects LIKE ? ESCAPE '\\')",
            );
            for _ in 0..3 {
                binds.push(like(word).into());
            }
        }
    }
    Ok((sql, binds))
}

/// The events `sql` selects (with `binds`), streamed row by row: memory stays flat.
fn event_stream(
    db: &Db,
    sql: String,
    binds: Vec<Bind>,
) -> impl Stream<Item = Result<Event>> + Send + 'static {
    db.fetch_stream::<EventRow>(sql, binds)
        .map(|row| row.map_err(read_error).and_then(Event::try_from))
}

const SELECT_CHANGE_EVENTS: &str = concat!(
    "SELECT ",
    event_columns!(),
    " FROM audit_events WHERE change_id = ? ORDER BY seq"
);

/// PostgreSQL advisory lock key of the audit chain's appenders ("audit" in ASCII).
const AUDIT_CHAIN_LOCK: i64 = 0x0061_7564_6974;

/// Inside the open transaction `$tx`: reads the chain's head, chains `$batch` onto it and
/// writes it with `$write` (straight through, or with a savepoint per event), then commits.
/// A macro, not a function, because it is the same text for each engine's types.
macro_rules! chain_batch {
    ($tx:ident, $batch:expr, $per_event:expr, $write:path) => {{
        let last: Option<(i64, String)> =
            sqlx::query_as("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&mut *$tx)
                .await
                .map_err(write_error)?;
        let (mut last_seq, mut prev_hash) = last.unwrap_or((0, GENESIS.to_string()));
        let mut outcomes = Vec::with_capacity($batch.len());
        if $per_event {
            for waiting in $batch {
                let event = chained(&waiting.new, waiting.now, last_seq + 1, &prev_hash);
                let mut savepoint = $tx.begin().await.map_err(write_error)?;
                match $write(&mut savepoint, std::slice::from_ref(&event)).await {
                    Ok(()) => {
                        savepoint.commit().await.map_err(write_error)?;
                        last_seq = event.seq;
                        prev_hash = event.hash.clone();
                        outcomes.push(Ok(event));
                    }
                    Err(refused) => {
                        savepoint.rollback().await.map_err(write_error)?;
                        outcomes.push(Err(refused));
                    }
                }
            }
        } else {
            let events: Vec<Event> = $batch
                .iter()
                .map(|waiting| {
                    let event = chained(&waiting.new, waiting.now, last_seq + 1, &prev_hash);
                    last_seq = event.seq;
                    prev_hash = event.hash.clone();
                    event
                })
                .collect();
            // Refused: dropping the transaction rolls everything back.
            $write(&mut $tx, &events).await?;
            outcomes.extend(events.into_iter().map(Ok));
        }
        $tx.commit().await.map_err(write_error)?;
        Ok(outcomes)
    }};
}

impl AuditStore {
    pub fn new(db: Db) -> Self {
        AuditStore {
            db,
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
        match &self.db {
            Db::Sqlite(pool) => {
                let mut conn = pool.acquire().await.map_err(write_error)?;
                // The database runs synchronous=NORMAL (fast session writes); an audit event
                // must be on disk before the change it records is applied: this commit is FULL.
                sqlx::query("PRAGMA synchronous = FULL")
                    .execute(&mut *conn)
                    .await
                    .map_err(write_error)?;
                let committed = async {
                    // IMMEDIATE: take the write lock before reading the chain's head. A
                    // deferred transaction would fail at once with SQLITE_BUSY (no waiting)
                    // if another connection or process wrote between the read and the insert.
                    let mut tx = conn
                        .begin_with("BEGIN IMMEDIATE")
                        .await
                        .map_err(write_error)?;
                    chain_batch!(tx, batch, per_event, write_events)
                }
                .await;
                let _ = sqlx::query("PRAGMA synchronous = NORMAL")
                    .execute(&mut *conn)
                    .await;
                committed
            }
            Db::Postgres(pool) => {
                // Several replicas append to one chain. Each appender takes this
                // transaction-scoped advisory lock before reading the head, so appends are
                // serialised across every process and the head it reads is the true one.
                // Chosen over SERIALIZABLE, which would abort and retry under exactly this
                // contention, and over a sequence, which numbers events but cannot give
                // each the hash of the one before without the same ordering. Group commit
                // makes one hold of the lock cover every append waiting in this replica.
                // The commit waits for the WAL flush (synchronous_commit, on by default).
                let mut tx = pool.begin().await.map_err(write_error)?;
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(AUDIT_CHAIN_LOCK)
                    .execute(&mut *tx)
                    .await
                    .map_err(write_error)?;
                chain_batch!(tx, batch, per_event, write_events_postgres)
            }
        }
    }

    /// Every event, in order, streamed (the stream owns its pool handle, so it can be an
    /// HTTP response body).
    pub fn events(&self) -> impl Stream<Item = Result<Event>> + Send + 'static {
        event_stream(&self.db, SELECT_EVENTS.to_string(), Vec::new())
    }

    /// Every event of one change, in order (the entry's detail view).
    pub async fn change_events(&self, change_id: &str) -> Result<Vec<Event>> {
        let rows: Vec<EventRow> = self
            .db
            .fetch_all(SELECT_CHANGE_EVENTS, &[change_id.into()])
            .await
            .map_err(read_error)?;
        rows.into_iter().map(Event::try_from).collect()
    }

    /// Whether a change applied through the console since `since` deleted `object` (so
    /// its disappearance is no change made outside the console): an intent to delete it,
    /// and a result that lists it as applied.
    pub async fn deleted_by_console(
        &self,
        object: &ObjectRef,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool> {
        let rows: Vec<(String, String, String, String)> = self
            .db
            .fetch_all(
                "SELECT change_id, kind, objects, payload FROM audit_events WHERE kind IN ('intent', 'result') AND at >= ? AND objects LIKE ? ESCAPE '\\' ORDER BY seq",
                &[
                    timestamp(since).into(),
                    like(&format!("\"name\":\"{}\"", object.name)).into(),
                ],
            )
            .await
            .map_err(read_error)?;
        let wanted = serde_json::to_value(object).unwrap_or_default();
        let mut intended: Vec<String> = Vec::new();
        for (change_id, kind, objects, payload) in rows {
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

    /// The objects as the console's applied changes of `object` since `since` wanted them
    /// (redacted, without server noise), oldest first: what the console itself wrote.
    pub async fn console_writes(
        &self,
        object: &ObjectRef,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<serde_json::Value>> {
        let rows: Vec<(String, String, String, String)> = self
            .db
            .fetch_all(
                "SELECT change_id, kind, objects, payload FROM audit_events WHERE kind IN ('intent', 'result') AND at >= ? AND objects LIKE ? ESCAPE '\\' ORDER BY seq",
                &[
                    timestamp(since).into(),
                    like(&format!("\"name\":\"{}\"", object.name)).into(),
                ],
            )
            .await
            .map_err(read_error)?;
        let wanted = serde_json::to_value(object).unwrap_or_default();
        let mut intended: Vec<(String, serde_json::Value)> = Vec::new();
        let mut written = Vec::new();
        for (change_id, kind, objects, payload) in rows {
            let objects: Vec<serde_json::Value> =
                serde_json::from_str(&objects).unwrap_or_default();
            let payload: serde_json::Value = serde_json::from_str(&payload).unwrap_or_default();
            match kind.as_str() {
                "intent" => {
                    if let Some(i) = objects.iter().position(|o| *o == wanted)
                        && let Some(after) =
                            payload["objects"][i].get("after").filter(|a| !a.is_null())
                    {
                        intended.push((change_id, after.clone()));
                    }
                }
                _ => {
                    let applied = payload["applied"]
                        .as_array()
                        .is_some_and(|list| list.contains(&wanted));
                    if applied
                        && let Some(at) = intended.iter().position(|(id, _)| *id == change_id)
                    {
                        written.push(intended.remove(at).1);
                    }
                }
            }
        }
        Ok(written)
    }

    /// The console's changes applied (or partly applied) since `since`, newest first: what
    /// the doctor offers as the cause of a problem that began right after one.
    pub async fn recent_changes(
        &self,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<app::domain::doctor::RecentChange>> {
        let rows: Vec<(String, String, String, String)> = self
            .db
            .fetch_all(
                "SELECT change_id, at, actor_name, objects FROM audit_events WHERE kind = 'result' AND outcome IN ('applied', 'partial') AND at >= ? ORDER BY seq DESC LIMIT 50",
                &[timestamp(since).into()],
            )
            .await
            .map_err(read_error)?;
        Ok(rows
            .into_iter()
            .map(|(change_id, at, actor, objects)| {
                let objects: Vec<ObjectRef> = serde_json::from_str(&objects).unwrap_or_default();
                app::domain::doctor::RecentChange {
                    change_id,
                    at,
                    actor,
                    objects: objects.iter().map(ToString::to_string).collect(),
                }
            })
            .collect())
    }

    /// The first change of `object` after the change `change_id` began: an applied console
    /// change (partly applied counts) or one made outside the console. Its id.
    pub async fn newer_change_of(
        &self,
        object: &ObjectRef,
        change_id: &str,
    ) -> Result<Option<String>> {
        let rows: Vec<(String, String, String, Option<String>)> = self
            .db
            .fetch_all(
                "SELECT change_id, kind, objects, outcome FROM audit_events WHERE seq > (SELECT COALESCE(MIN(seq), 0) FROM audit_events WHERE change_id = ?) AND change_id <> ? AND kind IN ('intent', 'result', 'outside') AND objects LIKE ? ESCAPE '\\' ORDER BY seq",
                &[
                    change_id.to_string().into(),
                    change_id.to_string().into(),
                    like(&format!("\"name\":\"{}\"", object.name)).into(),
                ],
            )
            .await
            .map_err(read_error)?;
        let wanted = serde_json::to_value(object).unwrap_or_default();
        let mut intended: Vec<String> = Vec::new();
        for (id, kind, objects, outcome) in rows {
            let objects: Vec<serde_json::Value> =
                serde_json::from_str(&objects).unwrap_or_default();
            if !objects.contains(&wanted) {
                continue;
            }
            match kind.as_str() {
                "outside" => return Ok(Some(id)),
                "intent" => intended.push(id),
                _ if intended.contains(&id)
                    && matches!(outcome.as_deref(), Some("applied" | "partial")) =>
                {
                    return Ok(Some(id));
                }
                _ => {}
            }
        }
        Ok(None)
    }

    /// The recorded changes of `object`, newest first, at most `limit`: the console's
    /// (those that wrote something: not refused, failed or still pending) and those made
    /// outside it, each with the field paths it changed in this object and the object's
    /// index in that change's list.
    pub async fn object_history(
        &self,
        object: &ObjectRef,
        limit: u32,
    ) -> Result<Vec<(ChangeRow, Vec<String>, usize)>> {
        type Row = (
            i64,
            String,
            String,
            String,
            String,
            String,
            Option<String>,
            String,
            String,
            String,
        );
        // The objects column is the serialized list, so the object's own JSON is a
        // substring of it exactly when the change touched it.
        let exact = serde_json::to_string(object).unwrap_or_default();
        let rows: Vec<Row> = self
            .db
            .fetch_all(
                "SELECT c.first_seq, c.change_id, c.kind, c.at, c.actor_subject, c.actor_name, c.reason, c.objects, c.outcome, e.payload FROM audit_changes c JOIN audit_events e ON e.seq = c.first_seq WHERE c.objects LIKE ? ESCAPE '\\' AND c.outcome NOT IN ('conflict', 'failed', 'pending') ORDER BY c.first_seq DESC LIMIT ?",
                &[like(&exact).into(), i64::from(limit.clamp(1, 500)).into()],
            )
            .await
            .map_err(read_error)?;
        let wanted = serde_json::to_value(object).unwrap_or_default();
        Ok(rows
            .into_iter()
            .filter_map(
                |(
                    first_seq,
                    change_id,
                    kind,
                    at,
                    actor_subject,
                    actor_name,
                    reason,
                    objects,
                    outcome,
                    payload,
                )| {
                    let list: Vec<serde_json::Value> =
                        serde_json::from_str(&objects).unwrap_or_default();
                    let index = list.iter().position(|o| *o == wanted)?;
                    let payload: serde_json::Value =
                        serde_json::from_str(&payload).unwrap_or_default();
                    let diffs = app::domain::audit::payload_diffs(&payload);
                    let fields = diffs
                        .get(index)
                        .or(diffs.first().filter(|_| diffs.len() == 1))
                        .map(|changes| changes.iter().map(|c| c.path.clone()).collect())
                        .unwrap_or_default();
                    Some((
                        ChangeRow {
                            first_seq,
                            change_id,
                            kind,
                            at,
                            actor_subject,
                            actor_name,
                            reason,
                            objects,
                            outcome,
                        },
                        fields,
                        index,
                    ))
                },
            )
            .collect())
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
        let Some(actor) = &filter.actor else {
            return self.list_of(filter, None, before, limit).await;
        };
        // The subjects first; then, for each, one walk of its index in change order,
        // merged: no sort of every change of an actor (or a scan for one with none).
        let postgres = self.db.is_postgres();
        let subjects: Vec<(String,)> = self
            .db
            .fetch_all(
                &format!(
                    "SELECT DISTINCT subject FROM ({}) AS s",
                    actor_subjects_sql(postgres)
                ),
                &[actor.into(), like(actor).into()],
            )
            .await
            .map_err(read_error)?;
        if subjects.len() > MERGED_SUBJECTS {
            return self.list_of(filter, None, before, limit).await;
        }
        let others = Filter {
            actor: None,
            ..filter.clone()
        };
        let mut rows = Vec::new();
        for (subject,) in &subjects {
            rows.extend(self.list_of(&others, Some(subject), before, limit).await?);
        }
        rows.sort_by_key(|row| row.first_seq);
        if !filter.oldest_first {
            rows.reverse();
        }
        rows.truncate(limit.clamp(1, 500) as usize);
        Ok(rows)
    }

    /// `list`, of one subject's changes when `subject` is given.
    async fn list_of(
        &self,
        filter: &Filter,
        subject: Option<&str>,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<ChangeRow>> {
        let (clause, mut binds) = filter_clause(filter, self.db.is_postgres())?;
        let mut sql = format!(
            "SELECT first_seq, change_id, kind, at, actor_subject, actor_name, reason, objects, outcome FROM audit_changes WHERE 1 = 1{clause}"
        );
        if let Some(subject) = subject {
            sql.push_str(" AND actor_subject = ?");
            binds.push(subject.into());
        }
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
        if let Some(cursor) = before {
            binds.push(cursor.into());
        }
        binds.push(i64::from(limit.clamp(1, 500)).into());
        self.db.fetch_all(&sql, &binds).await.map_err(read_error)
    }

    /// Every event as JSON Lines, streamed.
    /// The events of the changes `filter` selects (all events for an empty filter), in
    /// chain order. A filter that does not parse is an error before anything streams.
    pub fn matching_events(
        &self,
        filter: &Filter,
    ) -> Result<impl Stream<Item = Result<Event>> + Send + 'static> {
        let (clause, binds) = filter_clause(filter, self.db.is_postgres())?;
        let sql = if clause.is_empty() {
            SELECT_EVENTS.to_string()
        } else {
            format!(
                "SELECT {} FROM audit_events WHERE change_id IN (SELECT change_id FROM audit_changes WHERE 1 = 1{clause}) ORDER BY seq",
                event_columns!()
            )
        };
        Ok(event_stream(&self.db, sql, binds))
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

/// The multi-row INSERT of `$events` for database `$db`, run on `$conn` (the same text for
/// each engine's types, hence a macro).
macro_rules! insert_events {
    ($db:ty, $conn:expr, $events:expr) => {{
        // 16 parameters a row; SQLite allows 32,766 in one statement, PostgreSQL 65,535.
        for chunk in $events.chunks(1_000) {
            let mut insert = sqlx::QueryBuilder::<$db>::new(concat!(
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
                .execute(&mut *$conn)
                .await
                .map_err(|e| match chunk {
                    [one] if e.to_string().contains("no intent recorded") => AuditError::Write(
                        format!("no intent recorded for change {}", one.change_id),
                    ),
                    _ => AuditError::Write(e.to_string()),
                })?;
        }
        Ok(())
    }};
}

/// Writes `events` (hashed already) in one INSERT, on `conn` inside the caller's
/// transaction; triggers (migrations/) keep each change's row in the list. Shared by
/// [`AuditStore::append`] and the benchmark's bulk fill, so both produce the same rows.
/// A result or follow-up whose change has no intent fails the whole statement.
pub async fn write_events(conn: &mut sqlx::SqliteConnection, events: &[Event]) -> Result<()> {
    insert_events!(sqlx::Sqlite, conn, events)
}

/// [`write_events`] on PostgreSQL.
pub async fn write_events_postgres(conn: &mut sqlx::PgConnection, events: &[Event]) -> Result<()> {
    insert_events!(sqlx::Postgres, conn, events)
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
