//! Who changed an object and whether it was the console (pure): from the baseline, the
//! object now and its `metadata.managedFields`.

use super::baseline::Baseline;
use crate::change::FIELD_MANAGER;
use app::domain::diff::{FieldChange, field_diff};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ManagedFieldsEntry, Time};
use serde::{Deserialize, Serialize};
use serde_json::Value;

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

    /// `kubectl patch`, the registry operator: the writer as the actor's name.
    pub fn label(&self) -> String {
        plain_manager(&self.manager)
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

/// The writer to name for the fields `outside` (what no console write or operator default
/// explains): when `writer` (the newest) owns none of them but another manager that wrote
/// since `before` does, that one. Why: the operator fills in its defaults moments after an
/// `oc patch`; when the recorder sees both at once, the newest writer is the operator, but
/// the change the auditor must see is the patch's, by the patch's manager.
pub fn writer_of_fields(
    writer: Writer,
    outside: &[FieldChange],
    entries: &[ManagedFieldsEntry],
    before: &[Stamp],
) -> Writer {
    let owns_any = |e: &ManagedFieldsEntry| outside.iter().any(|c| owns(e, &c.path));
    if writer.entry.as_ref().is_none_or(owns_any) {
        return writer;
    }
    let (candidates, _) = moved_since(entries, before);
    let owners: Vec<&ManagedFieldsEntry> = candidates
        .iter()
        .copied()
        .filter(|e| manager_of(e) != FIELD_MANAGER && owns_any(e))
        .collect();
    match newest_first(&owners).first() {
        Some(owner) => writer_of(owner, &candidates),
        None => writer,
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
///
/// Objects without a generation (0: ConfigMaps, Secrets, RoleBindings) changed when their
/// redacted content differs from the baseline's (`content_changed`); for the others only
/// a newer generation counts (a status or label update is no change of the spec).
pub fn decide(
    baseline: Option<&Baseline>,
    now: &Seen,
    entries: &[ManagedFieldsEntry],
    content_changed: bool,
) -> Decision {
    let Some(baseline) = baseline else {
        return Decision::FirstSight;
    };
    let base = &baseline.seen;
    let same_object = if base.uid.is_empty() || now.uid.is_empty() {
        now.generation >= base.generation
    } else {
        base.uid == now.uid
    };
    let generationless = now.generation == 0 && base.generation == 0;
    if same_object
        && (if generationless {
            !content_changed
        } else {
            now.generation <= base.generation
        })
    {
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

/// Field managers of the Image Registry Operator: the real one, and the sandbox's stand-in
/// (which writes under the real one's name).
pub const OPERATOR_MANAGERS: &[&str] = &["cluster-image-registry-operator"];

/// The fields of the registry Config's spec the operator fills in itself when they are
/// empty (its defaults: a generated `httpSecret`, the claim it created, the storage it
/// provisioned and whether it manages it): writing them is the operator doing its job,
/// not a change anyone made.
const OPERATOR_DEFAULTS: &[&str] = &[
    "spec.httpSecret",
    "spec.storage.managementState",
    "spec.storage.pvc.claim",
    "spec.storage.s3.bucket",
    "spec.storage.s3.region",
    "spec.storage.gcs.bucket",
    "spec.storage.gcs.region",
    "spec.storage.gcs.projectID",
    "spec.storage.azure.accountName",
    "spec.storage.azure.container",
    "spec.storage.swift.container",
    "spec.storage.ibmcos.bucket",
];

/// What a change since the baseline consists of: the fields nobody but an outside writer
/// explains, and those the console's own writes or the operator's defaults explain.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Explained {
    pub outside: Vec<FieldChange>,
    pub console: Vec<FieldChange>,
    pub operator: Vec<FieldChange>,
}

/// `a` is `b`, inside it, or holds it (diff paths: `spec.proxy.http`, `spec.routes[name=x]`).
fn overlaps(a: &str, b: &str) -> bool {
    let within = |inner: &str, outer: &str| {
        inner
            .strip_prefix(outer)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
    };
    a == b || within(a, b) || within(b, a)
}

/// Whether the managedFields entry `entry` owns the field at the dot path `path` (objects
/// only: the operator's defaults sit in none of the spec's lists).
fn owns(entry: &ManagedFieldsEntry, path: &str) -> bool {
    let Some(fields) = entry.fields_v1.as_ref() else {
        return false;
    };
    let mut node = &fields.0;
    for segment in path.split('.') {
        match node.get(format!("f:{segment}")) {
            Some(next) => node = next,
            None => return false,
        }
    }
    true
}

/// A change that adds or removes a whole object, as one change per leaf field: the diff
/// says `spec.storage.pvc` went from nothing to `{claim: …}` where the console wrote
/// `pvc: {}` and the operator filled in the claim, two writers of one object. An object
/// that is empty stays one change.
fn leaves(change: FieldChange) -> Vec<FieldChange> {
    let object = |v: &Option<Value>| match v {
        Some(Value::Object(map)) if !map.is_empty() => Some(map.clone()),
        _ => None,
    };
    let absent = |v: &Option<Value>| matches!(v, None | Some(Value::Null));
    let (added, removed) = (object(&change.after), object(&change.before));
    let split = |map: serde_json::Map<String, Value>, added: bool| -> Vec<FieldChange> {
        map.into_iter()
            .flat_map(|(key, value)| {
                let path = format!("{}.{key}", change.path);
                let (before, after) = if added {
                    (None, Some(value))
                } else {
                    (Some(value), None)
                };
                leaves(FieldChange {
                    path,
                    before,
                    after,
                })
            })
            .collect()
    };
    match (added, removed) {
        (Some(map), None) if absent(&change.before) => split(map, true),
        (None, Some(map)) if absent(&change.after) => split(map, false),
        _ => vec![change],
    }
}

/// Splits `changes` (baseline → `now`, both redacted and without noise) into what the
/// console wrote itself (`console_writes`: the objects its applied changes wanted; a field
/// is the console's when `now` still has the value the console gave it), what the operator
/// filled in as its default (a default field, empty before, owned now by an operator
/// manager in `entries`), and the rest: the outside change.
pub fn explain(
    kind: &str,
    changes: Vec<FieldChange>,
    console_writes: &[Value],
    now: &Value,
    entries: &[ManagedFieldsEntry],
) -> Explained {
    let differs_from_console: Vec<Vec<String>> = console_writes
        .iter()
        .map(|wanted| {
            field_diff(wanted, now)
                .into_iter()
                .map(|c| c.path)
                .collect()
        })
        .collect();
    let mut out = Explained::default();
    for change in changes.into_iter().flat_map(leaves) {
        let console = differs_from_console
            .iter()
            .any(|paths| !paths.iter().any(|p| overlaps(p, &change.path)));
        let empty = |value: Option<&Value>| match value {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.is_empty(),
            Some(_) => false,
        };
        // Empty in the baseline, or as the console's own write left it (the console cleared
        // it, the operator filled it in again, both seen at once).
        let pointer = format!("/{}", change.path.replace('.', "/"));
        let empty_before = empty(change.before.as_ref())
            || console_writes.iter().any(|w| empty(w.pointer(&pointer)));
        let operator = kind == "Config"
            && empty_before
            && OPERATOR_DEFAULTS.contains(&change.path.as_str())
            && entries.iter().any(|e| {
                is_main_resource(e)
                    && OPERATOR_MANAGERS.contains(&manager_of(e))
                    && owns(e, &change.path)
            });
        if console {
            out.console.push(change);
        } else if operator {
            out.operator.push(change);
        } else {
            out.outside.push(change);
        }
    }
    out
}

/// The field manager as people say it: `kubectl patch`, `the registry operator`; never a
/// bare "unknown". (English: the audit trail stores it; pages show it translated by
/// [`app::domain::audit::manager_label`].)
pub fn plain_manager(manager: &str) -> String {
    app::domain::audit::manager_label(app::i18n::Lang::En, manager)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

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
        assert_eq!(writer.label(), "kubectl patch");
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
            "ci-pipeline",
            "an empty subresource is the object itself"
        );
    }

    #[test]
    fn the_manager_owning_the_outside_fields_is_named_not_the_operator_filling_defaults() {
        let with_fields = |manager: &str, time: &str, fields: Value| -> ManagedFieldsEntry {
            let mut e = entry(manager, "Update", time, None);
            e.fields_v1 = Some(serde_json::from_value(fields).expect("fields"));
            e
        };
        let entries = [
            with_fields(
                "kubectl-patch",
                T2,
                json!({ "f:spec": { "f:managementState": {}, "f:storage": { "f:emptyDir": {} } } }),
            ),
            with_fields(
                "cluster-image-registry-operator",
                T3,
                json!({ "f:spec": { "f:storage": { "f:managementState": {} } } }),
            ),
        ];
        let newest = last_writer(&entries, &[]).expect("writer");
        assert_eq!(newest.manager, "cluster-image-registry-operator");
        let change = |path: &str| FieldChange {
            path: path.into(),
            before: Some(json!("Removed")),
            after: Some(json!("Managed")),
        };
        let outside = [change("spec.managementState")];
        let named = writer_of_fields(newest.clone(), &outside, &entries, &[]);
        assert_eq!(named.manager, "kubectl-patch");
        assert_eq!(named.also, vec!["cluster-image-registry-operator"]);
        // The operator's own field: the operator stays named; nobody's field: the newest.
        let own = [change("spec.storage.managementState")];
        assert_eq!(
            writer_of_fields(newest.clone(), &own, &entries, &[]).manager,
            "cluster-image-registry-operator"
        );
        let removed = [change("spec.logLevel")];
        assert_eq!(
            writer_of_fields(newest, &removed, &entries, &[]).manager,
            "cluster-image-registry-operator"
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
        assert_eq!(
            decide(Some(&baseline), &seen("u1", 6), &now, false),
            Decision::Own
        );
        // The other way round: the console at T2, seen; then `oc patch` at T2.
        let then = [
            entry("registry-console", "Update", T2, None),
            entry("kubectl-patch", "Update", T1, None),
        ];
        let baseline = stamped("u1", 5, &then);
        let decision = decide(Some(&baseline), &seen("u1", 6), &now, false);
        assert_eq!(manager(&decision), Some("kubectl-patch"));
        // A new manager is a write even when older than another entry that did not move.
        let now = [
            entry("registry-console", "Update", T3, None),
            entry("kubectl-edit", "Update", T2, None),
        ];
        let baseline = stamped("u1", 5, &[entry("registry-console", "Update", T3, None)]);
        let decision = decide(Some(&baseline), &seen("u1", 6), &now, false);
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
        let decision = decide(Some(&baseline), &seen("u1", 6), &now, false);
        assert_eq!(manager(&decision), Some("kubectl-patch"));
        let own = [
            entry("registry-console", "Update", T2, None),
            entry("kubectl-patch", "Update", T1, None),
        ];
        let baseline = stamped("u1", 5, &own);
        assert_eq!(
            decide(Some(&baseline), &seen("u1", 6), &own, false),
            Decision::Own
        );
    }

    #[test]
    fn a_recreated_object_ignores_the_old_stamps() {
        let old = [entry("kubectl-create", "Update", T2, None)];
        let baseline = stamped("u1", 4, &old);
        let decision = decide(Some(&baseline), &seen("u2", 1), &old, false);
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
        assert_eq!(
            decide(None, &seen("u1", 7), &entries, false),
            Decision::FirstSight
        );
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
            decide(Some(&baseline), &seen("u1", 4), &entries, false),
            Decision::Unchanged
        );
        assert_eq!(
            decide(Some(&baseline), &seen("u1", 3), &entries, false),
            Decision::Unchanged
        );
        assert_eq!(
            decide(Some(&baseline), &seen("", 4), &entries, false),
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
            decide(Some(&baseline), &seen("u1", 5), &entries, false),
            Decision::Own
        );
        assert_eq!(outside_writer(&entries, &baseline.stamps), None);
        // Only the console, and no baseline stamps at all.
        let own = [
            entry("registry-console", "Update", T2, None),
            entry("registry-console", "Apply", T1, None),
        ];
        assert_eq!(
            decide(Some(&base("u1", 4)), &seen("u1", 5), &own, false),
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
        let decision = decide(Some(&baseline), &seen("u1", 7), &now, false);
        match decision {
            Decision::Outside { writer, recreated } => {
                assert!(!recreated);
                assert_eq!(writer.manager, "kubectl-patch");
                assert_eq!(writer.label(), "kubectl patch");
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
        let decision = decide(Some(&base("u1", 5)), &seen("u1", 7), &now, false);
        assert_eq!(manager(&decision), Some("kubectl-patch"));
        // The newest of several other managers is the writer.
        let now = [
            entry("registry-console", "Update", T3, None),
            entry("kubectl-patch", "Update", T1, None),
            entry("kubectl-edit", "Update", T2, None),
            entry("kubectl-client-side-apply", "Update", T1, None),
        ];
        let baseline = stamped("u1", 5, &[entry("kubectl-patch", "Update", T1, None)]);
        match decide(Some(&baseline), &seen("u1", 6), &now, false) {
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
        match decide(Some(&baseline), &seen("u1", 7), &now, false) {
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
        let decision = decide(Some(&base("u1", 4)), &seen("u1", 6), &entries, false);
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
        let decision = decide(Some(&base("u1", 4)), &seen("u1", 5), &[], false);
        assert_eq!(manager(&decision), Some(UNKNOWN_MANAGER));
        let status_only = [entry("operator", "Update", T3, Some("status"))];
        let decision = decide(Some(&base("u1", 4)), &seen("u1", 5), &status_only, false);
        assert_eq!(manager(&decision), Some(UNKNOWN_MANAGER));
        match decision {
            Decision::Outside { writer, .. } => {
                assert_eq!(writer.label(), "a client that named no field manager")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_recreated_object_is_a_change_even_with_a_lower_generation() {
        let entries = [entry("kubectl-create", "Update", T3, None)];
        for now in [seen("u2", 1), seen("u2", 9), seen("", 1)] {
            let decision = decide(Some(&base("u1", 4)), &now, &entries, false);
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
        let decision = decide(Some(&base("", 4)), &seen("u1", 5), &entries, false);
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
            decide(Some(&base("u1", 4)), &seen("u2", 1), &own, false),
            Decision::Own
        );
    }

    #[test]
    fn an_object_without_generation_changes_when_its_content_does() {
        let entries = [entry(
            "kubectl-edit",
            "Update",
            "2026-11-24T10:00:00Z",
            None,
        )];
        let baseline = stamped("u1", 0, &[]);
        assert_eq!(
            decide(Some(&baseline), &seen("u1", 0), &entries, false),
            Decision::Unchanged,
            "same content (a new resourceVersion alone is no change)"
        );
        match decide(Some(&baseline), &seen("u1", 0), &entries, true) {
            Decision::Outside { writer, recreated } => {
                assert_eq!(writer.manager, "kubectl-edit");
                assert!(!recreated);
            }
            other => panic!("{other:?}"),
        }
        let own = [entry(FIELD_MANAGER, "Update", "2026-11-24T10:00:00Z", None)];
        assert_eq!(
            decide(Some(&baseline), &seen("u1", 0), &own, true),
            Decision::Own
        );
    }

    fn operator_entry(fields: Value) -> ManagedFieldsEntry {
        serde_json::from_value(json!({
            "manager": "cluster-image-registry-operator", "operation": "Update",
            "apiVersion": "imageregistry.operator.openshift.io/v1", "time": T2,
            "fieldsType": "FieldsV1", "fieldsV1": fields
        }))
        .expect("entry")
    }

    #[test]
    fn the_consoles_own_fields_and_the_operators_defaults_are_explained() {
        let baseline = json!({ "spec": { "logLevel": "Normal", "httpSecret": "fingerprint:a", "replicas": 1 } });
        let console = json!({ "spec": { "logLevel": "Debug", "replicas": 1 } });
        let now = json!({ "spec": { "logLevel": "Debug", "httpSecret": "fingerprint:b", "replicas": 3 } });
        let entries = [operator_entry(json!({ "f:spec": { "f:httpSecret": {} } }))];
        let parts = explain(
            "Config",
            field_diff(&baseline, &now),
            &[console],
            &now,
            &entries,
        );
        let paths = |list: &[FieldChange]| list.iter().map(|c| c.path.clone()).collect::<Vec<_>>();
        assert_eq!(paths(&parts.console), vec!["spec.logLevel"]);
        assert_eq!(
            paths(&parts.operator),
            vec!["spec.httpSecret"],
            "the console cleared it, the operator filled it in"
        );
        assert_eq!(paths(&parts.outside), vec!["spec.replicas"]);
        // Without the operator owning it, a new secret is somebody's change.
        let parts = explain("Config", field_diff(&baseline, &now), &[], &now, &[]);
        assert_eq!(
            paths(&parts.outside),
            vec!["spec.httpSecret", "spec.logLevel", "spec.replicas"]
        );
        // A default the operator owns but that was set before is an edit, not a default.
        let parts = explain("Config", field_diff(&baseline, &now), &[], &now, &entries);
        assert!(paths(&parts.outside).contains(&"spec.httpSecret".to_string()));
    }

    #[test]
    fn a_claim_the_operator_names_in_the_consoles_new_storage_is_its_default() {
        // The storage wizard writes `pvc: {}` (guide 3.4.4); the operator names its claim.
        let baseline = json!({ "spec": { "managementState": "Removed", "storage": {} } });
        let console = json!({ "spec": { "managementState": "Managed", "storage": { "pvc": {} } } });
        let now = json!({ "spec": { "managementState": "Managed", "storage": { "pvc": { "claim": "image-registry-storage" } } } });
        let entries = [operator_entry(
            json!({ "f:spec": { "f:storage": { "f:pvc": { "f:claim": {} } } } }),
        )];
        let parts = explain(
            "Config",
            field_diff(&baseline, &now),
            &[console],
            &now,
            &entries,
        );
        assert!(parts.outside.is_empty(), "{parts:?}");
        assert_eq!(parts.operator.len(), 1);
        assert_eq!(parts.operator[0].path, "spec.storage.pvc.claim");
        // Somebody else's new object stays theirs, field by field.
        let parts = explain("Config", field_diff(&baseline, &now), &[], &now, &[]);
        let paths: Vec<_> = parts.outside.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(paths, ["spec.managementState", "spec.storage.pvc.claim"]);
    }

    #[test]
    fn a_console_write_explains_only_what_still_has_its_value() {
        let baseline = json!({ "spec": { "proxy": {} } });
        let console = json!({ "spec": { "proxy": { "http": "http://p" } } });
        let now = json!({ "spec": { "proxy": { "http": "http://p", "https": "https://q" } } });
        let parts = explain("Config", field_diff(&baseline, &now), &[console], &now, &[]);
        assert_eq!(parts.console.len(), 1);
        assert_eq!(parts.outside.len(), 1);
        assert_eq!(parts.outside[0].path, "spec.proxy.https");
    }
}
