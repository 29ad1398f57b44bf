//! What a change does to an object, for people (pure: no I/O).
//!
//! - [`strip_noise`]: the object without what the server maintains (managedFields,
//!   status, resourceVersion, …), so a diff shows only what someone decided.
//! - [`field_diff`]: field-level changes with readable paths (`spec.routes[name=public].hostname`).
//! - [`merge_patch`]: the RFC 7386 JSON merge patch from one object to the other, and
//!   [`oc_patch_command`]: the `oc patch … --type merge -p '…'` an admin can run instead.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Metadata the API server maintains; never part of what a person changes.
const NOISY_METADATA: [&str; 7] = [
    "managedFields",
    "resourceVersion",
    "uid",
    "generation",
    "creationTimestamp",
    "selfLink",
    "deletionGracePeriodSeconds",
];
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// A copy of `object` without status and server-maintained metadata.
pub fn strip_noise(object: &Value) -> Value {
    let mut out = object.clone();
    if let Some(map) = out.as_object_mut() {
        map.remove("status");
    }
    if let Some(metadata) = out.get_mut("metadata").and_then(Value::as_object_mut) {
        for key in NOISY_METADATA {
            metadata.remove(key);
        }
        if let Some(annotations) = metadata
            .get_mut("annotations")
            .and_then(Value::as_object_mut)
        {
            annotations.remove(LAST_APPLIED);
            if annotations.is_empty() {
                metadata.remove("annotations");
            }
        }
    }
    out
}

/// One changed field. `None` means absent on that side.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    pub path: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Field-level differences between two objects (noise not removed here: call
/// [`strip_noise`] first). Lists of objects that all have a `name` are matched by name, so
/// inserting a route does not show every later route as changed.
pub fn field_diff(before: &Value, after: &Value) -> Vec<FieldChange> {
    let mut changes = Vec::new();
    walk("", Some(before), Some(after), &mut changes);
    changes
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn named(items: &[Value]) -> Option<Vec<(&str, &Value)>> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        out.push((item.get("name")?.as_str()?, item));
    }
    let mut names: Vec<&str> = out.iter().map(|(n, _)| *n).collect();
    names.sort_unstable();
    names.dedup();
    (names.len() == out.len()).then_some(out)
}

fn walk(path: &str, before: Option<&Value>, after: Option<&Value>, out: &mut Vec<FieldChange>) {
    match (before, after) {
        (Some(Value::Object(b)), Some(Value::Object(a))) => {
            let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                walk(&join(path, key), b.get(key), a.get(key), out);
            }
        }
        (Some(Value::Array(b)), Some(Value::Array(a))) if b != a => match (named(b), named(a)) {
            (Some(b), Some(a)) if !b.is_empty() || !a.is_empty() => {
                let mut names: Vec<&str> = b.iter().chain(a.iter()).map(|(n, _)| *n).collect();
                names.sort_unstable();
                names.dedup();
                for name in names {
                    let find = |list: &[(&str, &Value)]| {
                        list.iter()
                            .find(|(n, _)| *n == name)
                            .map(|(_, v)| (*v).clone())
                    };
                    let (bv, av) = (find(&b), find(&a));
                    walk(
                        &format!("{path}[name={name}]"),
                        bv.as_ref(),
                        av.as_ref(),
                        out,
                    );
                }
            }
            _ => out.push(FieldChange {
                path: path.to_string(),
                before: Some(Value::Array(b.clone())),
                after: Some(Value::Array(a.clone())),
            }),
        },
        (b, a) if b != a => out.push(FieldChange {
            path: path.to_string(),
            before: b.cloned(),
            after: a.cloned(),
        }),
        _ => {}
    }
}

/// The JSON merge patch (RFC 7386) that turns `before` into `after`: changed and added
/// fields, `null` for removed ones, lists replaced whole.
pub fn merge_patch(before: &Value, after: &Value) -> Value {
    match (before, after) {
        (Value::Object(b), Value::Object(a)) => {
            let mut patch = Map::new();
            for (key, value) in a {
                match b.get(key) {
                    Some(old) if old == value => {}
                    Some(old) if old.is_object() && value.is_object() => {
                        patch.insert(key.clone(), merge_patch(old, value));
                    }
                    _ => {
                        patch.insert(key.clone(), value.clone());
                    }
                }
            }
            for key in b.keys() {
                if !a.contains_key(key) {
                    patch.insert(key.clone(), Value::Null);
                }
            }
            Value::Object(patch)
        }
        (_, a) => a.clone(),
    }
}

/// `oc patch <resource> <name> [-n <ns>] --type merge -p '<patch>'`, each value one shell
/// word.
pub fn oc_patch_command(
    resource: &str,
    name: &str,
    namespace: Option<&str>,
    patch: &Value,
) -> String {
    let patch = patch.to_string();
    let mut parts = vec!["oc", "patch", resource, name];
    if let Some(ns) = namespace {
        parts.extend(["-n", ns]);
    }
    parts.extend(["--type", "merge", "-p", &patch]);
    crate::domain::shell::command(&parts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config(state: &str) -> Value {
        json!({
            "apiVersion": "imageregistry.operator.openshift.io/v1",
            "kind": "Config",
            "metadata": {
                "name": "cluster", "resourceVersion": "42", "generation": 3, "uid": "u",
                "creationTimestamp": "2026-11-24T00:00:00Z",
                "managedFields": [{ "manager": "cluster-image-registry-operator" }],
                "annotations": { LAST_APPLIED: "{}" }
            },
            "spec": { "managementState": state, "replicas": 1, "storage": {} },
            "status": { "observedGeneration": 3 }
        })
    }

    #[test]
    fn noise_is_removed() {
        let clean = strip_noise(&config("Removed"));
        assert!(clean.get("status").is_none());
        let metadata = clean["metadata"].as_object().expect("metadata");
        assert_eq!(metadata.keys().collect::<Vec<_>>(), vec!["name"]);
    }

    #[test]
    fn the_guides_switch_to_managed_is_one_field() {
        let before = strip_noise(&config("Removed"));
        let mut after = before.clone();
        after["spec"]["managementState"] = json!("Managed");
        after["spec"]["storage"] = json!({ "pvc": { "claim": "" } });
        let diff = field_diff(&before, &after);
        assert_eq!(
            diff,
            vec![
                FieldChange {
                    path: "spec.managementState".into(),
                    before: Some(json!("Removed")),
                    after: Some(json!("Managed"))
                },
                FieldChange {
                    path: "spec.storage.pvc".into(),
                    before: None,
                    after: Some(json!({ "claim": "" }))
                },
            ]
        );
        let patch = merge_patch(&before, &after);
        assert_eq!(
            patch,
            json!({ "spec": { "managementState": "Managed", "storage": { "pvc": { "claim": "" } } } })
        );
        assert_eq!(
            oc_patch_command(
                "configs.imageregistry.operator.openshift.io",
                "cluster",
                None,
                &patch
            ),
            r#"oc patch configs.imageregistry.operator.openshift.io cluster --type merge -p '{"spec":{"managementState":"Managed","storage":{"pvc":{"claim":""}}}}'"#
        );
    }

    #[test]
    fn removed_fields_are_null_in_the_patch() {
        let before = json!({ "spec": { "storage": { "emptyDir": {} }, "replicas": 1 } });
        let after = json!({ "spec": { "storage": { "pvc": { "claim": "" } }, "replicas": 1 } });
        assert_eq!(
            merge_patch(&before, &after),
            json!({ "spec": { "storage": { "pvc": { "claim": "" }, "emptyDir": null } } })
        );
    }

    #[test]
    fn routes_are_matched_by_name() {
        let before = json!({ "routes": [{ "name": "a", "hostname": "a.example.com" }, { "name": "b", "hostname": "b.example.com" }] });
        let after = json!({ "routes": [{ "name": "new", "hostname": "n.example.com" }, { "name": "a", "hostname": "a.example.com" }, { "name": "b", "hostname": "b2.example.com" }] });
        let paths: Vec<String> = field_diff(&before, &after)
            .into_iter()
            .map(|c| c.path)
            .collect();
        assert_eq!(paths, vec!["routes[name=b].hostname", "routes[name=new]"]);
    }

    #[test]
    fn unnamed_lists_change_as_a_whole() {
        let before = json!({ "tolerations": [{ "key": "a" }] });
        let after = json!({ "tolerations": [{ "key": "a" }, { "key": "b" }] });
        let diff = field_diff(&before, &after);
        assert_eq!(diff.len(), 1);
        assert_eq!(diff[0].path, "tolerations");
    }

    #[test]
    fn shell_quoting_survives_single_quotes() {
        let patch = json!({ "spec": { "note": "it's" } });
        let command = oc_patch_command(
            "configs.imageregistry.operator.openshift.io",
            "cluster",
            Some("ns"),
            &patch,
        );
        assert!(
            command.ends_with(r#"-p '{"spec":{"note":"it'\''s"}}'"#),
            "{command}"
        );
        assert!(command.contains(" -n ns "));
    }

    #[test]
    fn identical_objects_have_no_diff_and_an_empty_patch() {
        let c = strip_noise(&config("Managed"));
        assert!(field_diff(&c, &c).is_empty());
        assert_eq!(merge_patch(&c, &c), json!({}));
    }
}
