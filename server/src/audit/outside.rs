//! Changes made outside the console (`oc edit`, `kubectl patch`, another controller), seen
//! afterwards and recorded as [`EventKind::Outside`] events (SPEC §5, §6).
//!
//! A watcher per watched object, with the console's own client (read-only: get, list,
//! watch). For each object the console keeps a baseline in its database: the generation,
//! the uid, the managedFields stamps (manager, operation, time) and the object without
//! server noise, redacted. When the object shows a generation newer than the baseline,
//! `metadata.managedFields` says who wrote it (the newest entry of the object itself, not
//! of a subresource such as status, that moved since the baseline; see [`last_writer`]):
//! when only the console's own field manager wrote since the baseline, the change pipeline
//! wrote it and audited it already, so only the baseline moves; when anyone else wrote too
//! (even before the console's newer write), the newest of them gets an `outside` event
//! with the diff from the baseline (see [`outside_writer`]). The baseline is persisted, so
//! a change made while the console was down is recorded at the next start.
//!
//! Pure parts: [`last_writer`], [`outside_writer`] and [`decide`]; I/O: [`OutsideRecorder`] and [`spawn`].

use super::chain::EventKind;
use super::redact::{FingerprintKey, redact};
use super::store::{Actor, AuditError, AuditStore, NewEvent, ObjectRef, timestamp};
use crate::pipeline::{FIELD_MANAGER, REGISTRY_GROUP};
use app::diff::{field_diff, strip_noise};
use futures::StreamExt;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ManagedFieldsEntry, Time};
use kube::api::{Api, DynamicObject};
use kube::core::{ApiResource, GroupVersionKind};
use kube::runtime::{WatchStreamExt, watcher};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sqlx::{Row, SqlitePool};
use tracing::instrument;

/// One object watched for changes made outside the console. Only objects with a `spec`
/// qualify: the API server bumps `metadata.generation` on spec changes only (a ConfigMap
/// has no generation at all).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Watched {
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub plural: &'static str,
    pub namespace: Option<&'static str>,
    pub name: &'static str,
}

/// What the console watches: the registry's cluster singletons. Each needs get, list and
/// watch for the console's own identity (see README, "Changes made outside the console").
pub const WATCHED: &[Watched] = &[
    Watched {
        group: REGISTRY_GROUP,
        version: "v1",
        kind: "Config",
        plural: "configs",
        namespace: None,
        name: "cluster",
    },
    Watched {
        group: REGISTRY_GROUP,
        version: "v1",
        kind: "ImagePruner",
        plural: "imagepruners",
        namespace: None,
        name: "cluster",
    },
    Watched {
        group: "config.openshift.io",
        version: "v1",
        kind: "Image",
        plural: "images",
        namespace: None,
        name: "cluster",
    },
];

impl Watched {
    /// `configs.imageregistry.operator.openshift.io`, as `oc` names resources; the
    /// baseline's key.
    pub fn resource(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    pub fn object_ref(&self) -> ObjectRef {
        ObjectRef {
            group: self.group.to_string(),
            kind: self.kind.to_string(),
            namespace: self.namespace.map(str::to_string),
            name: self.name.to_string(),
        }
    }

    fn api(&self, client: kube::Client) -> Api<DynamicObject> {
        let resource = ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk(self.group, self.version, self.kind),
            self.plural,
        );
        match self.namespace {
            Some(ns) => Api::namespaced_with(client, ns, &resource),
            None => Api::all_with(client, &resource),
        }
    }
}

/// Which version of which object: uid (empty when unknown) and generation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    pub uid: String,
    pub generation: i64,
}

/// One managedFields entry of the object itself, without its field set: who last wrote
/// with which operation, and when (the API server keeps seconds).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub manager: String,
    pub operation: Option<String>,
    pub time: Option<Time>,
}

impl Stamp {
    fn of(entry: &ManagedFieldsEntry) -> Self {
        Stamp {
            manager: manager_of(entry).to_string(),
            operation: entry.operation.clone(),
            time: entry.time.clone(),
        }
    }
}

/// The stamps of the entries of the object itself (not of subresources such as status).
pub fn stamps(entries: &[ManagedFieldsEntry]) -> Vec<Stamp> {
    entries
        .iter()
        .filter(|e| is_main_resource(e))
        .map(Stamp::of)
        .collect()
}

/// Who wrote the newest generation, from `metadata.managedFields`.
#[derive(Clone, Debug, PartialEq)]
pub struct Writer {
    /// The field manager (`kubectl-patch`, `kubectl-edit`, …); `unknown` without
    /// managedFields.
    pub manager: String,
    /// `Update` or `Apply`.
    pub operation: Option<String>,
    /// The entry itself (field names only, never values).
    pub entry: Option<ManagedFieldsEntry>,
    /// Other managers that wrote since the baseline (or, without one, in the same second:
    /// the API server keeps seconds).
    pub also: Vec<String>,
}

/// Manager recorded when managedFields say nothing.
pub const UNKNOWN_MANAGER: &str = "unknown";

impl Writer {
    fn unknown() -> Self {
        Writer {
            manager: UNKNOWN_MANAGER.to_string(),
            operation: None,
            entry: None,
            also: Vec::new(),
        }
    }

    /// `kubectl-patch (Update)`, for the actor's name.
    pub fn label(&self) -> String {
        match &self.operation {
            Some(op) => format!("{} ({op})", self.manager),
            None => self.manager.clone(),
        }
    }
}

fn is_main_resource(entry: &ManagedFieldsEntry) -> bool {
    entry.subresource.as_deref().unwrap_or_default().is_empty()
}

fn manager_of(entry: &ManagedFieldsEntry) -> &str {
    entry.manager.as_deref().unwrap_or(UNKNOWN_MANAGER)
}

/// The newest writer of the object itself (entries of subresources such as `status` are
/// not: they never change the generation) since `before` (the stamps of the baseline).
///
/// An entry whose stamp is the same as in the baseline did not write since (the API server
/// moves an entry's time whenever its manager changes the object), so a write moments
/// after someone else's, in the same second, is still told apart. Only when no entry moved
/// (a manager wrote again within the second of its previous write) do all entries count.
/// On a tie, a manager other than the console wins: recording a change the console also
/// made is visible and explainable, hiding one made outside is not.
pub fn last_writer(entries: &[ManagedFieldsEntry], before: &[Stamp]) -> Option<Writer> {
    let (candidates, moved_any) = moved_since(entries, before);
    let tied = newest_first(&candidates);
    let first = tied.first()?;
    // Everyone else who wrote since the baseline, or, when that is unknown, in the same
    // second.
    let others = if moved_any { &candidates } else { &tied };
    Some(writer_of(first, others))
}

/// The newest writer since `before` other than the console, when the console was not the
/// only one to write since: `None` when every entry that moved belongs to the console (or,
/// when no entry moved, every entry of the newest second does). The console stays listed
/// in [`Writer::also`], so the auditor sees that both wrote.
pub fn outside_writer(entries: &[ManagedFieldsEntry], before: &[Stamp]) -> Option<Writer> {
    let (candidates, moved_any) = moved_since(entries, before);
    // When no entry moved, only the newest second says who wrote.
    let others = if moved_any {
        candidates
    } else {
        newest_first(&candidates)
    };
    let outside: Vec<&ManagedFieldsEntry> = others
        .iter()
        .copied()
        .filter(|e| manager_of(e) != FIELD_MANAGER)
        .collect();
    let first = *newest_first(&outside).first()?;
    Some(writer_of(first, &others))
}

/// The entries of the object itself that moved since `before`, and `true`; or, when none
/// did, all of them, and `false`.
fn moved_since<'a>(
    entries: &'a [ManagedFieldsEntry],
    before: &[Stamp],
) -> (Vec<&'a ManagedFieldsEntry>, bool) {
    let main: Vec<&ManagedFieldsEntry> = entries.iter().filter(|e| is_main_resource(e)).collect();
    let moved: Vec<&ManagedFieldsEntry> = main
        .iter()
        .copied()
        .filter(|e| !before.contains(&Stamp::of(e)))
        .collect();
    if moved.is_empty() {
        (main, false)
    } else {
        (moved, true)
    }
}

/// The entries of `candidates` with the newest time, the one that wins first: a manager
/// other than the console, then by name and operation, so it is stable.
fn newest_first<'a>(candidates: &[&'a ManagedFieldsEntry]) -> Vec<&'a ManagedFieldsEntry> {
    let Some(newest) = candidates.iter().map(|e| &e.time).max() else {
        return Vec::new();
    };
    let mut tied: Vec<&ManagedFieldsEntry> = candidates
        .iter()
        .copied()
        .filter(|e| &e.time == newest)
        .collect();
    tied.sort_by(|a, b| {
        let key = |e: &ManagedFieldsEntry| {
            (
                manager_of(e) == FIELD_MANAGER,
                manager_of(e).to_string(),
                e.operation.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    tied
}

/// `first` as the writer, with the other managers of `others` in [`Writer::also`].
fn writer_of(first: &ManagedFieldsEntry, others: &[&ManagedFieldsEntry]) -> Writer {
    let mut also: Vec<String> = others
        .iter()
        .map(|e| manager_of(e).to_string())
        .filter(|m| m != manager_of(first))
        .collect();
    also.sort();
    also.dedup();
    Writer {
        manager: manager_of(first).to_string(),
        operation: first.operation.clone(),
        entry: Some(first.clone()),
        also,
    }
}

/// What to do with one sighting of an object.
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    /// Nothing new (the same generation, e.g. a status update, or an older one).
    Unchanged,
    /// No baseline yet: the object as it is becomes the baseline; nothing is recorded,
    /// since nothing says what it was before.
    FirstSight,
    /// The console's own write, audited by the change pipeline, and nobody else's since
    /// the baseline: the baseline moves.
    Own,
    /// A change made outside the console: recorded, then the baseline moves.
    Outside {
        /// Boxed: the other variants are empty.
        writer: Box<Writer>,
        recreated: bool,
    },
}

/// Decides from the baseline, the object now and its managedFields. A different uid (or,
/// when a uid is unknown, a generation going backwards) means the object was deleted and
/// created again: its generation starts over, and the new object is a change too.
pub fn decide(baseline: Option<&Baseline>, now: &Seen, entries: &[ManagedFieldsEntry]) -> Decision {
    let Some(baseline) = baseline else {
        return Decision::FirstSight;
    };
    let base = &baseline.seen;
    let same_object = if base.uid.is_empty() || now.uid.is_empty() {
        now.generation >= base.generation
    } else {
        base.uid == now.uid
    };
    if same_object && now.generation <= base.generation {
        return Decision::Unchanged;
    }
    // A new object's entries are all new: the old object's stamps say nothing about them.
    let before: &[Stamp] = if same_object { &baseline.stamps } else { &[] };
    let writer = last_writer(entries, before).unwrap_or_else(Writer::unknown);
    // The console's write is its own only when nobody else wrote since the baseline:
    // otherwise the other manager's change would never be recorded.
    let writer = if writer.manager == FIELD_MANAGER {
        match outside_writer(entries, before) {
            Some(outside) => outside,
            None => return Decision::Own,
        }
    } else {
        writer
    };
    Decision::Outside {
        writer: Box::new(writer),
        recreated: !same_object,
    }
}

/// What the console last saw of an object.
#[derive(Clone, Debug, PartialEq)]
pub struct Baseline {
    pub seen: Seen,
    /// Who had written the object then.
    pub stamps: Vec<Stamp>,
    /// Noise-stripped and redacted.
    pub object: Value,
}

#[derive(Debug, thiserror::Error)]
pub enum OutsideError {
    #[error("the baseline of changes outside the console cannot be read or written: {0}")]
    Baseline(#[from] sqlx::Error),
    #[error(transparent)]
    Audit(#[from] AuditError),
    #[error("the object cannot be read as JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// The stored baseline of `watched`, if any.
pub async fn load_baseline(
    db: &SqlitePool,
    watched: &Watched,
) -> Result<Option<Baseline>, OutsideError> {
    let row = sqlx::query(
        "SELECT uid, generation, managed_fields, object FROM outside_baseline WHERE resource = ? AND namespace = ? AND name = ?",
    )
    .bind(watched.resource())
    .bind(watched.namespace.unwrap_or_default())
    .bind(watched.name)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let object: String = row.try_get("object")?;
    let stamps: String = row.try_get("managed_fields")?;
    Ok(Some(Baseline {
        seen: Seen {
            uid: row.try_get("uid")?,
            generation: row.try_get("generation")?,
        },
        stamps: serde_json::from_str(&stamps)?,
        object: serde_json::from_str(&object)?,
    }))
}

async fn save_baseline(
    db: &SqlitePool,
    watched: &Watched,
    baseline: &Baseline,
) -> Result<(), OutsideError> {
    sqlx::query(
        "INSERT INTO outside_baseline (resource, namespace, name, uid, generation, managed_fields, object, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (resource, namespace, name) DO UPDATE SET uid = excluded.uid, generation = excluded.generation, managed_fields = excluded.managed_fields, object = excluded.object, seen_at = excluded.seen_at",
    )
    .bind(watched.resource())
    .bind(watched.namespace.unwrap_or_default())
    .bind(watched.name)
    .bind(&baseline.seen.uid)
    .bind(baseline.seen.generation)
    .bind(serde_json::to_string(&baseline.stamps)?)
    .bind(baseline.object.to_string())
    .bind(timestamp(chrono::Utc::now()))
    .execute(db)
    .await?;
    Ok(())
}

/// Compares what it is shown with the baseline and records changes made outside the
/// console.
#[derive(Clone)]
pub struct OutsideRecorder {
    pub db: SqlitePool,
    pub audit: AuditStore,
    pub fingerprints: FingerprintKey,
}

impl OutsideRecorder {
    /// Handles one sighting of `watched`. The event is appended before the baseline moves:
    /// if the append fails, the next sighting (or the next start) records the change.
    #[instrument(skip_all, fields(object = %watched.resource(), name = watched.name), err)]
    pub async fn observe(
        &self,
        watched: &Watched,
        object: &DynamicObject,
    ) -> Result<Decision, OutsideError> {
        let now = Seen {
            uid: object.metadata.uid.clone().unwrap_or_default(),
            generation: object.metadata.generation.unwrap_or(0),
        };
        let entries = object
            .metadata
            .managed_fields
            .as_deref()
            .unwrap_or_default();
        let baseline = load_baseline(&self.db, watched).await?;
        let decision = decide(baseline.as_ref(), &now, entries);
        if decision == Decision::Unchanged {
            return Ok(decision);
        }
        let mut raw = serde_json::to_value(object)?;
        // `redact` finds secret fields by kind; a watch event always carries it, but be sure.
        if let Some(map) = raw.as_object_mut() {
            map.entry("kind")
                .or_insert_with(|| Value::String(watched.kind.to_string()));
        }
        let after = redact(&strip_noise(&raw), &self.fingerprints);
        if let (Decision::Outside { writer, recreated }, Some(base)) = (&decision, &baseline) {
            let diff = field_diff(&base.object, &after);
            let event = self
                .audit
                .append(NewEvent {
                    change_id: uuid::Uuid::new_v4().to_string(),
                    kind: EventKind::Outside,
                    actor: Actor {
                        subject: writer.manager.clone(),
                        name: writer.label(),
                        email: None,
                        groups: Vec::new(),
                    },
                    client_addr: None,
                    request_id: None,
                    reason: Some("changed outside the console".to_string()),
                    objects: vec![watched.object_ref()],
                    outcome: None,
                    payload: json!({
                        "objects": [{ "before": base.object, "after": after }],
                        "diff": [diff],
                        "generation": { "before": base.seen.generation, "after": now.generation },
                        "uid": now.uid,
                        "recreated": recreated,
                        "resource_version": object.metadata.resource_version,
                        "managed_fields": writer.entry,
                        "also_written_by": writer.also,
                    }),
                })
                .await?;
            tracing::info!(
                seq = event.seq,
                manager = %writer.manager,
                generation = now.generation,
                "recorded a change made outside the console"
            );
        }
        save_baseline(
            &self.db,
            watched,
            &Baseline {
                seen: now,
                stamps: stamps(entries),
                object: after,
            },
        )
        .await?;
        Ok(decision)
    }

    /// Watches `watched` until the task is dropped or aborted. Watch errors (API server
    /// down, RBAC missing, …) are logged and retried with exponential backoff (up to 30 s);
    /// nothing here ends the console.
    #[instrument(skip_all, fields(object = %watched.resource(), name = watched.name))]
    pub async fn run(self, client: kube::Client, watched: Watched) {
        let config = watcher::Config::default().fields(&format!("metadata.name={}", watched.name));
        let stream = watcher(watched.api(client), config).default_backoff();
        let mut stream = std::pin::pin!(stream);
        let mut ended = false;
        while !ended {
            let Some(event) = stream.next().await else {
                break;
            };
            let Some(mut latest) = sighting(event) else {
                continue;
            };
            // Settle: what arrives within SETTLE is one sighting of the newest object.
            let deadline = tokio::time::Instant::now() + SETTLE;
            loop {
                match tokio::time::timeout_at(deadline, stream.next()).await {
                    Err(_) => break,
                    Ok(None) => {
                        ended = true;
                        break;
                    }
                    Ok(Some(event)) => {
                        if let Some(object) = sighting(event) {
                            latest = object;
                        }
                    }
                }
            }
            // Errors are logged by `observe`; the baseline stays, so the change is recorded
            // at the next sighting.
            let _ = self.observe(&watched, &latest).await;
        }
        // The watcher retries by itself and never ends; if it does, say so.
        tracing::error!("the watch ended; changes made outside the console are not recorded");
    }
}

/// Events this close together are handled as one, with the newest object: a burst (an
/// edit and the operator's reaction) is one decision, and the console's own change is
/// handled after the pipeline has written its result (SQLite has one writer at a time).
const SETTLE: std::time::Duration = std::time::Duration::from_secs(1);

/// The object of a watch event, if it carries one worth comparing; logs the rest.
fn sighting(event: Result<watcher::Event<DynamicObject>, watcher::Error>) -> Option<DynamicObject> {
    match event {
        Ok(watcher::Event::Apply(object) | watcher::Event::InitApply(object)) => Some(object),
        Ok(watcher::Event::Delete(_)) => {
            // Kept: if it is created again, the new object is compared with it.
            tracing::warn!("watched object deleted; its baseline is kept");
            None
        }
        Ok(watcher::Event::Init | watcher::Event::InitDone) => None,
        Err(e) => {
            tracing::warn!(error = %e, "watch failed; retrying with backoff");
            None
        }
    }
}

/// Starts one watcher task per object in `watched` on the current runtime.
pub fn spawn(
    client: kube::Client,
    recorder: OutsideRecorder,
    watched: &[Watched],
) -> Vec<tokio::task::JoinHandle<()>> {
    watched
        .iter()
        .map(|w| tokio::spawn(recorder.clone().run(client.clone(), *w)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(
        manager: &str,
        operation: &str,
        time: &str,
        subresource: Option<&str>,
    ) -> ManagedFieldsEntry {
        let mut e = json!({
            "manager": manager, "operation": operation, "apiVersion": "imageregistry.operator.openshift.io/v1",
            "time": time, "fieldsType": "FieldsV1", "fieldsV1": { "f:spec": { "f:logLevel": {} } }
        });
        if let Some(sub) = subresource {
            e["subresource"] = json!(sub);
        }
        serde_json::from_value(e).expect("entry")
    }

    fn seen(uid: &str, generation: i64) -> Seen {
        Seen {
            uid: uid.into(),
            generation,
        }
    }

    /// A baseline without stamps: every entry counts as moved.
    fn base(uid: &str, generation: i64) -> Baseline {
        stamped(uid, generation, &[])
    }

    fn stamped(uid: &str, generation: i64, entries: &[ManagedFieldsEntry]) -> Baseline {
        Baseline {
            seen: seen(uid, generation),
            stamps: stamps(entries),
            object: Value::Null,
        }
    }

    const T1: &str = "2026-11-24T03:00:00Z";
    const T2: &str = "2026-11-24T03:00:05Z";
    const T3: &str = "2026-11-24T03:00:09Z";

    fn manager(decision: &Decision) -> Option<&str> {
        match decision {
            Decision::Outside { writer, .. } => Some(writer.manager.as_str()),
            _ => None,
        }
    }

    #[test]
    fn the_newest_entry_of_the_object_itself_is_the_writer() {
        let entries = [
            entry("registry-console", "Update", T1, None),
            entry("kubectl-patch", "Update", T2, None),
            entry("operator", "Update", T3, Some("status")),
        ];
        let writer = last_writer(&entries, &[]).expect("writer");
        assert_eq!(writer.manager, "kubectl-patch");
        assert_eq!(writer.operation.as_deref(), Some("Update"));
        assert_eq!(writer.label(), "kubectl-patch (Update)");
        assert_eq!(writer.entry, Some(entries[1].clone()));
        assert_eq!(
            writer.also,
            vec!["registry-console"],
            "without stamps, every entry counts as written since"
        );
        let before = stamps(&entries[..1]);
        let writer = last_writer(&entries, &before).expect("writer");
        assert!(writer.also.is_empty(), "{:?}", writer.also);
        let apply = [entry("ci-pipeline", "Apply", T2, Some(""))];
        assert_eq!(
            last_writer(&apply, &[]).expect("writer").label(),
            "ci-pipeline (Apply)",
            "an empty subresource is the object itself"
        );
    }

    #[test]
    fn only_status_entries_or_none_give_no_writer() {
        assert_eq!(last_writer(&[], &[]), None);
        assert_eq!(
            last_writer(&[entry("operator", "Update", T3, Some("status"))], &[]),
            None
        );
    }

    #[test]
    fn a_tie_goes_to_the_manager_that_is_not_the_console() {
        let entries = [
            entry("registry-console", "Update", T2, None),
            entry("kubectl-patch", "Update", T2, None),
            entry("kubectl-edit", "Update", T2, None),
        ];
        let writer = last_writer(&entries, &[]).expect("writer");
        assert_eq!(
            writer.manager, "kubectl-edit",
            "then by name, so it is stable"
        );
        assert_eq!(writer.also, vec!["kubectl-patch", "registry-console"]);
        let own = [
            entry("registry-console", "Update", T2, None),
            entry("registry-console", "Apply", T2, None),
        ];
        let writer = last_writer(&own, &[]).expect("writer");
        assert_eq!(writer.manager, "registry-console");
        assert!(writer.also.is_empty(), "{:?}", writer.also);
    }

    #[test]
    fn an_entry_unchanged_since_the_baseline_did_not_write_even_in_the_same_second() {
        // `oc patch` at T2, seen; then the console at T2 too.
        let then = [
            entry("registry-console", "Update", T1, None),
            entry("kubectl-patch", "Update", T2, None),
        ];
        let now = [
            entry("registry-console", "Update", T2, None),
            entry("kubectl-patch", "Update", T2, None),
            entry("operator", "Update", T3, Some("status")),
        ];
        let baseline = stamped("u1", 5, &then);
        assert_eq!(decide(Some(&baseline), &seen("u1", 6), &now), Decision::Own);
        // The other way round: the console at T2, seen; then `oc patch` at T2.
        let then = [
            entry("registry-console", "Update", T2, None),
            entry("kubectl-patch", "Update", T1, None),
        ];
        let baseline = stamped("u1", 5, &then);
        let decision = decide(Some(&baseline), &seen("u1", 6), &now);
        assert_eq!(manager(&decision), Some("kubectl-patch"));
        // A new manager is a write even when older than another entry that did not move.
        let now = [
            entry("registry-console", "Update", T3, None),
            entry("kubectl-edit", "Update", T2, None),
        ];
        let baseline = stamped("u1", 5, &[entry("registry-console", "Update", T3, None)]);
        let decision = decide(Some(&baseline), &seen("u1", 6), &now);
        assert_eq!(manager(&decision), Some("kubectl-edit"));
    }

    #[test]
    fn when_no_entry_moved_the_newest_counts_and_a_tie_is_recorded() {
        // A manager wrote again within the second of its previous write: nothing moved.
        let now = [
            entry("registry-console", "Update", T2, None),
            entry("kubectl-patch", "Update", T2, None),
        ];
        let baseline = stamped("u1", 5, &now);
        let decision = decide(Some(&baseline), &seen("u1", 6), &now);
        assert_eq!(manager(&decision), Some("kubectl-patch"));
        let own = [
            entry("registry-console", "Update", T2, None),
            entry("kubectl-patch", "Update", T1, None),
        ];
        let baseline = stamped("u1", 5, &own);
        assert_eq!(decide(Some(&baseline), &seen("u1", 6), &own), Decision::Own);
    }

    #[test]
    fn a_recreated_object_ignores_the_old_stamps() {
        let old = [entry("kubectl-create", "Update", T2, None)];
        let baseline = stamped("u1", 4, &old);
        let decision = decide(Some(&baseline), &seen("u2", 1), &old);
        assert_eq!(manager(&decision), Some("kubectl-create"));
    }

    #[test]
    fn an_entry_without_time_is_the_oldest() {
        let mut untimed = entry("old-tool", "Update", T1, None);
        untimed.time = None;
        let entries = [untimed, entry("kubectl-patch", "Update", T1, None)];
        assert_eq!(
            last_writer(&entries, &[]).expect("writer").manager,
            "kubectl-patch"
        );
    }

    #[test]
    fn first_sight_is_a_baseline_only() {
        let entries = [entry("kubectl-patch", "Update", T2, None)];
        assert_eq!(decide(None, &seen("u1", 7), &entries), Decision::FirstSight);
    }

    #[test]
    fn the_same_or_an_older_generation_is_unchanged() {
        let baseline = base("u1", 4);
        // A status update: the operator's entry is newest, the generation stays.
        let entries = [
            entry("kubectl-patch", "Update", T1, None),
            entry("operator", "Update", T3, Some("status")),
        ];
        assert_eq!(
            decide(Some(&baseline), &seen("u1", 4), &entries),
            Decision::Unchanged
        );
        assert_eq!(
            decide(Some(&baseline), &seen("u1", 3), &entries),
            Decision::Unchanged
        );
        assert_eq!(
            decide(Some(&baseline), &seen("", 4), &entries),
            Decision::Unchanged
        );
    }

    #[test]
    fn a_newer_generation_by_the_console_only_moves_the_baseline() {
        let then = [
            entry("kubectl-patch", "Update", T1, None),
            entry("registry-console", "Update", T1, None),
        ];
        let entries = [
            entry("kubectl-patch", "Update", T1, None),
            entry("registry-console", "Update", T2, None),
            entry("operator", "Update", T3, Some("status")),
        ];
        let baseline = stamped("u1", 4, &then);
        assert_eq!(
            decide(Some(&baseline), &seen("u1", 5), &entries),
            Decision::Own
        );
        assert_eq!(outside_writer(&entries, &baseline.stamps), None);
        // Only the console, and no baseline stamps at all.
        let own = [
            entry("registry-console", "Update", T2, None),
            entry("registry-console", "Apply", T1, None),
        ];
        assert_eq!(
            decide(Some(&base("u1", 4)), &seen("u1", 5), &own),
            Decision::Own
        );
    }

    #[test]
    fn the_console_newest_does_not_hide_another_manager_that_also_wrote() {
        let then = [
            entry("registry-console", "Update", T1, None),
            entry("kubectl-patch", "Update", T1, None),
        ];
        // `kubectl patch` at T2, then the console at T3, both before the next sighting.
        let now = [
            entry("registry-console", "Update", T3, None),
            entry("kubectl-patch", "Update", T2, None),
            entry("operator", "Update", T3, Some("status")),
        ];
        let baseline = stamped("u1", 5, &then);
        let writer = last_writer(&now, &baseline.stamps).expect("writer");
        assert_eq!(writer.manager, "registry-console");
        assert_eq!(writer.also, vec!["kubectl-patch"]);
        let decision = decide(Some(&baseline), &seen("u1", 7), &now);
        match decision {
            Decision::Outside { writer, recreated } => {
                assert!(!recreated);
                assert_eq!(writer.manager, "kubectl-patch");
                assert_eq!(writer.label(), "kubectl-patch (Update)");
                assert_eq!(writer.entry, Some(now[1].clone()));
                assert_eq!(
                    writer.also,
                    vec!["registry-console"],
                    "the auditor sees that both wrote"
                );
            }
            other => panic!("{other:?}"),
        }
        // Without baseline stamps every entry counts as moved: the same.
        let decision = decide(Some(&base("u1", 5)), &seen("u1", 7), &now);
        assert_eq!(manager(&decision), Some("kubectl-patch"));
        // The newest of several other managers is the writer.
        let now = [
            entry("registry-console", "Update", T3, None),
            entry("kubectl-patch", "Update", T1, None),
            entry("kubectl-edit", "Update", T2, None),
            entry("kubectl-client-side-apply", "Update", T1, None),
        ];
        let baseline = stamped("u1", 5, &[entry("kubectl-patch", "Update", T1, None)]);
        match decide(Some(&baseline), &seen("u1", 6), &now) {
            Decision::Outside { writer, .. } => {
                assert_eq!(writer.manager, "kubectl-edit");
                assert_eq!(
                    writer.also,
                    vec!["kubectl-client-side-apply", "registry-console"],
                    "an entry that did not move is not listed"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn another_manager_newest_with_the_console_also_moved_is_recorded() {
        let then = [
            entry("registry-console", "Update", T1, None),
            entry("kubectl-patch", "Update", T1, None),
        ];
        let now = [
            entry("registry-console", "Update", T2, None),
            entry("kubectl-patch", "Update", T3, None),
        ];
        let baseline = stamped("u1", 5, &then);
        match decide(Some(&baseline), &seen("u1", 7), &now) {
            Decision::Outside { writer, recreated } => {
                assert!(!recreated);
                assert_eq!(writer.manager, "kubectl-patch");
                assert_eq!(writer.entry, Some(now[1].clone()));
                assert_eq!(writer.also, vec!["registry-console"]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_newer_generation_by_someone_else_is_recorded() {
        let entries = [
            entry("registry-console", "Update", T1, None),
            entry("kubectl-patch", "Update", T2, None),
            entry("operator", "Update", T3, Some("status")),
        ];
        let decision = decide(Some(&base("u1", 4)), &seen("u1", 6), &entries);
        assert_eq!(manager(&decision), Some("kubectl-patch"));
        assert!(matches!(
            decision,
            Decision::Outside {
                recreated: false,
                ..
            }
        ));
    }

    #[test]
    fn a_newer_generation_without_managed_fields_is_recorded_as_unknown() {
        let decision = decide(Some(&base("u1", 4)), &seen("u1", 5), &[]);
        assert_eq!(manager(&decision), Some(UNKNOWN_MANAGER));
        let status_only = [entry("operator", "Update", T3, Some("status"))];
        let decision = decide(Some(&base("u1", 4)), &seen("u1", 5), &status_only);
        assert_eq!(manager(&decision), Some(UNKNOWN_MANAGER));
        match decision {
            Decision::Outside { writer, .. } => assert_eq!(writer.label(), "unknown"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_recreated_object_is_a_change_even_with_a_lower_generation() {
        let entries = [entry("kubectl-create", "Update", T3, None)];
        for now in [seen("u2", 1), seen("u2", 9), seen("", 1)] {
            let decision = decide(Some(&base("u1", 4)), &now, &entries);
            assert_eq!(manager(&decision), Some("kubectl-create"), "{now:?}");
            assert!(
                matches!(
                    decision,
                    Decision::Outside {
                        recreated: true,
                        ..
                    }
                ),
                "{now:?}"
            );
        }
        // An unknown uid and a higher generation: the same object, changed.
        let decision = decide(Some(&base("", 4)), &seen("u1", 5), &entries);
        assert!(matches!(
            decision,
            Decision::Outside {
                recreated: false,
                ..
            }
        ));
        // Recreated by the console (it never does today): still its own.
        let own = [entry("registry-console", "Update", T3, None)];
        assert_eq!(
            decide(Some(&base("u1", 4)), &seen("u2", 1), &own),
            Decision::Own
        );
    }

    #[test]
    fn resources_are_named_as_oc_names_them() {
        assert_eq!(
            WATCHED[0].resource(),
            "configs.imageregistry.operator.openshift.io"
        );
        assert_eq!(WATCHED[2].resource(), "images.config.openshift.io");
        let core = Watched {
            group: "",
            version: "v1",
            kind: "Service",
            plural: "services",
            namespace: Some("ns"),
            name: "s",
        };
        assert_eq!(core.resource(), "services");
        assert_eq!(core.object_ref().namespace.as_deref(), Some("ns"));
    }

    async fn recorder() -> (OutsideRecorder, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("dir");
        let db = crate::db::open(&format!("sqlite://{}", dir.path().join("o.db").display()))
            .await
            .expect("db");
        (
            OutsideRecorder {
                audit: AuditStore::new(db.clone()),
                db,
                fingerprints: FingerprintKey([5u8; 32]),
            },
            dir,
        )
    }

    fn config(generation: i64, log_level: &str, managers: &[(&str, &str)]) -> DynamicObject {
        let fields: Vec<Value> = managers
            .iter()
            .map(|(m, t)| json!({ "manager": m, "operation": "Update", "time": t, "fieldsType": "FieldsV1", "fieldsV1": {} }))
            .collect();
        serde_json::from_value(json!({
            "apiVersion": "imageregistry.operator.openshift.io/v1", "kind": "Config",
            "metadata": { "name": "cluster", "uid": "u1", "generation": generation, "resourceVersion": "1", "managedFields": fields },
            "spec": { "logLevel": log_level, "httpSecret": "s3cr3t-http-secret" },
            "status": { "observedGeneration": generation }
        }))
        .expect("object")
    }

    async fn outside_events(r: &OutsideRecorder) -> Vec<super::super::chain::Event> {
        let events: Vec<_> = r.audit.events().collect().await;
        events
            .into_iter()
            .map(|e| e.expect("event"))
            .filter(|e| e.kind == EventKind::Outside)
            .collect()
    }

    #[tokio::test]
    async fn sightings_record_outside_changes_once_redacted_and_move_the_baseline() {
        let (r, _dir) = recorder().await;
        let w = &WATCHED[0];
        let first = config(3, "Normal", &[("registry-console", T1)]);
        assert_eq!(
            r.observe(w, &first).await.expect("first"),
            Decision::FirstSight
        );
        assert_eq!(
            r.observe(w, &first).await.expect("again"),
            Decision::Unchanged
        );
        let own = config(4, "Debug", &[("registry-console", T2)]);
        assert_eq!(r.observe(w, &own).await.expect("own"), Decision::Own);
        assert!(outside_events(&r).await.is_empty());
        let patched = config(
            5,
            "Trace",
            &[("registry-console", T2), ("kubectl-patch", T3)],
        );
        assert!(matches!(
            r.observe(w, &patched).await.expect("patched"),
            Decision::Outside { .. }
        ));
        assert_eq!(
            r.observe(w, &patched).await.expect("replayed"),
            Decision::Unchanged
        );
        let events = outside_events(&r).await;
        assert_eq!(events.len(), 1);
        let e = &events[0];
        assert_eq!(e.actor_subject, "kubectl-patch");
        assert_eq!(e.actor_name, "kubectl-patch (Update)");
        assert!(!e.payload.contains("s3cr3t-http-secret"), "{}", e.payload);
        let payload: Value = serde_json::from_str(&e.payload).expect("payload");
        assert_eq!(
            payload["diff"][0],
            json!([{ "path": "spec.logLevel", "before": "Debug", "after": "Trace" }])
        );
        assert_eq!(payload["generation"], json!({ "before": 4, "after": 5 }));
        assert_eq!(payload["managed_fields"]["manager"], "kubectl-patch");
        let rows = r
            .audit
            .list(&Default::default(), None, 10)
            .await
            .expect("list");
        assert_eq!(rows[0].outcome, "outside");
        let stored = load_baseline(&r.db, w)
            .await
            .expect("load")
            .expect("baseline");
        assert_eq!(stored.seen, seen("u1", 5));
        assert_eq!(
            stored
                .stamps
                .iter()
                .map(|s| s.manager.as_str())
                .collect::<Vec<_>>(),
            vec!["registry-console", "kubectl-patch"]
        );
        assert!(!stored.object.to_string().contains("s3cr3t-http-secret"));
        assert!(stored.object.get("status").is_none());
        assert_eq!(r.audit.verify().await.expect("read"), Ok(1));
    }
}
