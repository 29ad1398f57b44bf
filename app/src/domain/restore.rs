//! Comparing audited versions of an object and restoring one (pure). The trail keeps each
//! version redacted (secret values are fingerprints), so a restore writes the version's
//! fields, keeps every secret value as it is now, and says which ones it could not set back.

use crate::domain::audit::ObjectVersion;
use crate::domain::diff::{FieldChange, field_diff, strip_noise};
use crate::domain::form_draft::FormDraft;
use crate::domain::violation::{Severity, Violation};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The restore form (`data-change-form`).
pub const FORM_RESTORE: &str = "restore";
/// The change whose version of the object is restored.
pub const FIELD_VERSION: &str = "restore.version";
/// Which of that change's objects (its index in the change's list).
pub const FIELD_OBJECT: &str = "restore.object";
/// The object as the user saw it when the comparison was shown ([`SeenObject`] as JSON;
/// empty when it did not exist).
pub const FIELD_BASE: &str = "base";
/// A new `httpSecret` instead of keeping the current one.
pub const FIELD_NEW_HTTP_SECRET: &str = "restore.httpSecret.generate";
/// The reason the review's box starts with, in the user's language.
pub const FIELD_REASON: &str = "restore.reason";
/// Same name as the Configuration page's, so the removal rule's message lands here too.
pub use crate::domain::registry_config::form::FIELD_CONFIRM_REMOVED;

/// The marker redaction puts where a secret value was.
const FINGERPRINT: &str = "fingerprint:";

/// An object as the user saw it: its `resourceVersion` and its content (no metadata or
/// status), redacted.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SeenObject {
    pub version: String,
    pub content: Value,
}

/// The restore form, decoded.
#[derive(Clone, Debug, PartialEq)]
pub struct RestoreDraft {
    pub version: String,
    pub object: usize,
    /// `None`: the object did not exist when the user looked (the restore creates it).
    pub seen: Option<SeenObject>,
    pub new_http_secret: bool,
    pub confirm_removed: bool,
    pub reason: String,
}

pub fn read_draft(draft: &FormDraft) -> Result<RestoreDraft, Vec<Violation>> {
    let refuse = |field: &str| Violation {
        field: field.into(),
        key: "restore.draft_invalid".into(),
        params: Vec::new(),
        severity: Severity::Error,
    };
    let version = draft.text(FIELD_VERSION);
    if version.trim().is_empty() {
        return Err(vec![refuse(FIELD_VERSION)]);
    }
    let object = draft
        .text(FIELD_OBJECT)
        .parse()
        .map_err(|_| vec![refuse(FIELD_OBJECT)])?;
    let base = draft.text(FIELD_BASE);
    let seen = if base.trim().is_empty() {
        None
    } else {
        Some(serde_json::from_str(&base).map_err(|_| vec![refuse(FIELD_BASE)])?)
    };
    Ok(RestoreDraft {
        version,
        object,
        seen,
        new_http_secret: draft.flag(FIELD_NEW_HTTP_SECRET),
        confirm_removed: draft.flag(FIELD_CONFIRM_REMOVED),
        reason: draft.text(FIELD_REASON),
    })
}

/// What a user edits of an object and a version compares: everything but its metadata and
/// status.
pub fn content(object: &Value) -> Value {
    let mut out = strip_noise(object);
    if let Some(map) = out.as_object_mut() {
        map.remove("metadata");
        map.remove("status");
    }
    out
}

/// The field diff from one recorded (or current, redacted) object to another.
pub fn compare(from: &Value, to: &Value) -> Vec<FieldChange> {
    field_diff(&content(from), &content(to))
}

/// What a restore writes.
#[derive(Clone, Debug, PartialEq)]
pub struct RestorePlan {
    /// The object to write: the version's content; the metadata as it is now (or, for an
    /// object deleted since, the version's name, namespace, labels and annotations).
    pub desired: Value,
    /// Fields whose secret value the version had but the trail does not keep, and that
    /// differ from now (or are gone): kept as they are now, dotted paths.
    pub kept_secrets: Vec<String>,
}

/// The object a restore of `version` (as the trail recorded it, redacted) writes, given the
/// object as it is now (`current`, real values) and the same redacted (`current_shown`).
/// A field the version lacks is absent in the result, so the merge patch removes it.
pub fn restore_plan(
    version: &Value,
    current: Option<&Value>,
    current_shown: Option<&Value>,
) -> RestorePlan {
    let mut desired = content(version);
    let metadata = match current {
        Some(current) => current.get("metadata").cloned(),
        None => strip_noise(version).get("metadata").cloned(),
    };
    if let (Some(map), Some(metadata)) = (desired.as_object_mut(), metadata) {
        map.insert("metadata".into(), metadata);
    }
    let mut secrets = Vec::new();
    fingerprinted("", &desired, &mut secrets);
    let mut kept_secrets = Vec::new();
    for pointer in secrets {
        if pointer.starts_with("/metadata") {
            continue;
        }
        let recorded = desired.pointer(&pointer).cloned();
        let same_now = current_shown.and_then(|c| c.pointer(&pointer)).cloned() == recorded;
        if !same_now {
            kept_secrets.push(dotted(&pointer));
        }
        match current.and_then(|c| c.pointer(&pointer)).cloned() {
            Some(now) => {
                if let Some(slot) = desired.pointer_mut(&pointer) {
                    *slot = now;
                }
            }
            None => remove(&mut desired, &pointer),
        }
    }
    RestorePlan {
        desired,
        kept_secrets,
    }
}

/// JSON pointers of the strings in `value` that hold a fingerprint.
fn fingerprinted(pointer: &str, value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(text) if text.contains(FINGERPRINT) => out.push(pointer.to_string()),
        Value::Object(map) => {
            for (key, child) in map {
                let key = key.replace('~', "~0").replace('/', "~1");
                fingerprinted(&format!("{pointer}/{key}"), child, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                fingerprinted(&format!("{pointer}/{i}"), child, out);
            }
        }
        _ => {}
    }
}

fn dotted(pointer: &str) -> String {
    pointer
        .trim_start_matches('/')
        .split('/')
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect::<Vec<_>>()
        .join(".")
}

/// Removes the member `pointer` names, and each object above it that is left empty (below
/// the top level), so that no empty `proxy: {}` is written. An array element is left:
/// removing it would shift the others.
fn remove(value: &mut Value, pointer: &str) {
    let Some((parent, key)) = pointer.rsplit_once('/') else {
        return;
    };
    let key = key.replace("~1", "/").replace("~0", "~");
    let emptied = match value.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.remove(&key);
            map.is_empty()
        }
        _ => false,
    };
    if emptied && parent.matches('/').count() > 1 {
        remove(value, parent);
    }
}

/// Storage types whose credentials live in a Secret (their values are never in the trail).
const CREDENTIAL_STORAGES: [&str; 5] = ["s3", "gcs", "azure", "swift", "ibmcos"];

/// The storage type of a Config version whose credentials a restore cannot set back.
pub fn credential_storage(version: &Value) -> Option<String> {
    let storage = version.pointer("/spec/storage")?.as_object()?;
    CREDENTIAL_STORAGES
        .iter()
        .find(|t| storage.contains_key(**t))
        .map(|t| t.to_string())
}

/// The object as it is now, for a comparison or a restore.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NowState {
    Exists,
    /// Deleted since (a restore creates it again).
    Absent,
    /// The user may not read it, or the API server did not answer: why.
    Unreadable(String),
}

/// Why a version cannot be restored, when it cannot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum NotRestorable {
    /// Only admins restore.
    NotAdmin,
    /// The version is the object's deletion.
    Deletion,
    /// A Secret: its values are never stored (rotate them instead).
    SecretValues,
    /// The object as it is now could not be read.
    NowUnreadable,
    /// The console does not write this kind of object.
    Kind,
    /// The version is the object as it is now.
    Same,
}

/// What the restore form needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RestoreOffer {
    /// [`SeenObject`] as JSON, empty when the object does not exist now.
    pub base: String,
    /// Secret fields the restore keeps as they are now (dotted paths).
    pub kept_secrets: Vec<String>,
    /// The version's storage needs credentials the restore does not touch (its type).
    pub credentials: Option<String>,
    /// The object is the registry Config (its `httpSecret` may be renewed).
    pub registry_config: bool,
    /// The version sets `managementState: Removed` and it is not now.
    pub removal: bool,
    /// The object is gone and is created again.
    pub creates: bool,
}

/// One version compared with another, or with the object as it is now.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VersionComparison {
    /// `Config cluster`.
    pub object: String,
    pub object_index: usize,
    /// The version compared (and restored).
    pub version: ObjectVersion,
    /// The other side: another version, or `None` for now.
    pub with: Option<ObjectVersion>,
    pub version_deleted: bool,
    pub now: NowState,
    /// From the version to the other side.
    pub changes: Vec<FieldChange>,
    pub restore: Result<RestoreOffer, NotRestorable>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config(spec: Value) -> Value {
        json!({
            "apiVersion": "imageregistry.operator.openshift.io/v1",
            "kind": "Config",
            "metadata": { "name": "cluster", "resourceVersion": "9", "labels": { "now": "yes" } },
            "spec": spec,
            "status": { "readyReplicas": 1 },
        })
    }

    #[test]
    fn a_restore_writes_the_version_and_removes_what_it_lacked() {
        let version = config(json!({ "managementState": "Managed", "replicas": 1 }));
        let current =
            config(json!({ "managementState": "Managed", "replicas": 3, "logLevel": "Debug" }));
        let plan = restore_plan(&version, Some(&current), Some(&current));
        assert_eq!(
            plan.desired["spec"],
            json!({ "managementState": "Managed", "replicas": 1 })
        );
        // Metadata is the object's now (its labels stay); status is never written.
        assert_eq!(plan.desired["metadata"], current["metadata"]);
        assert!(plan.desired.get("status").is_none());
        assert!(plan.kept_secrets.is_empty());
    }

    #[test]
    fn secret_values_stay_as_they_are_now() {
        let version = config(json!({
            "httpSecret": "fingerprint:1111111111111111",
            "proxy": { "http": "http://u:fingerprint:2222222222222222@old:3128" },
            "replicas": 1,
        }));
        let current = config(json!({ "httpSecret": "real-now", "replicas": 2 }));
        let shown = config(json!({ "httpSecret": "fingerprint:3333333333333333", "replicas": 2 }));
        let plan = restore_plan(&version, Some(&current), Some(&shown));
        assert_eq!(plan.desired["spec"]["httpSecret"], "real-now");
        // The proxy URL held a password the trail does not keep, and there is none now.
        assert!(
            plan.desired["spec"].get("proxy").is_none(),
            "{}",
            plan.desired
        );
        assert_eq!(
            plan.kept_secrets,
            vec!["spec.httpSecret", "spec.proxy.http"]
        );
        assert_eq!(plan.desired["spec"]["replicas"], 1);
    }

    #[test]
    fn an_unchanged_secret_is_the_current_value_and_not_reported() {
        let version = config(json!({ "httpSecret": "fingerprint:aaaaaaaaaaaaaaaa" }));
        let current = config(json!({ "httpSecret": "the-real-one" }));
        let shown = config(json!({ "httpSecret": "fingerprint:aaaaaaaaaaaaaaaa" }));
        let plan = restore_plan(&version, Some(&current), Some(&shown));
        assert_eq!(plan.desired["spec"]["httpSecret"], "the-real-one");
        assert!(plan.kept_secrets.is_empty());
    }

    #[test]
    fn a_deleted_object_is_created_with_the_versions_name() {
        let version = json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": { "name": "registry-viewer-alice", "namespace": "team", "uid": "u1" },
            "roleRef": { "kind": "ClusterRole", "name": "registry-viewer", "apiGroup": "rbac.authorization.k8s.io" },
            "subjects": [{ "kind": "User", "name": "alice" }],
        });
        let plan = restore_plan(&version, None, None);
        assert_eq!(plan.desired["metadata"]["name"], "registry-viewer-alice");
        assert_eq!(plan.desired["metadata"]["namespace"], "team");
        assert!(plan.desired["metadata"].get("uid").is_none());
        assert_eq!(plan.desired["subjects"], version["subjects"]);
    }

    #[test]
    fn comparisons_leave_out_metadata_and_status() {
        let a = config(json!({ "replicas": 1 }));
        let mut b = config(json!({ "replicas": 2 }));
        b["metadata"]["resourceVersion"] = json!("10");
        let changes = compare(&a, &b);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].path, "spec.replicas");
    }

    #[test]
    fn credentials_are_named_by_storage_type() {
        assert_eq!(
            credential_storage(&config(json!({ "storage": { "s3": { "bucket": "b" } } }))),
            Some("s3".into())
        );
        assert_eq!(
            credential_storage(&config(json!({ "storage": { "pvc": {} } }))),
            None
        );
    }

    #[test]
    fn drafts_name_the_field_they_break() {
        let draft = FormDraft::new(FORM_RESTORE, &[(FIELD_VERSION, "c1"), (FIELD_OBJECT, "x")]);
        assert_eq!(read_draft(&draft).unwrap_err()[0].field, FIELD_OBJECT);
        let draft = FormDraft::new(
            FORM_RESTORE,
            &[(FIELD_VERSION, "c1"), (FIELD_OBJECT, "0"), (FIELD_BASE, "")],
        );
        let read = read_draft(&draft).expect("valid");
        assert_eq!(read.seen, None);
        assert_eq!(read.object, 0);
    }
}
