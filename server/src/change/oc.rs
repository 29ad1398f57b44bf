//! The `oc` command each step of a change amounts to, so an admin can repeat or script it
//! (SPEC §5). Secret values never appear: a created Secret shows `stringData` with a
//! placeholder per key for the user to fill in, a patch shows fingerprints.

use crate::kube::resources::Resource;
use app::domain::diff::{oc_patch_command, shell_quote, strip_noise};
use serde_json::{Map, Value};

/// `oc create -f - <<'EOF' … EOF` with the object as YAML.
pub fn create_command(resource: &Resource, desired: &Value) -> String {
    let mut object = strip_noise(desired);
    if resource.is("", "Secret") {
        with_placeholders(&mut object);
    }
    let yaml = serde_saphyr::to_string(&object).unwrap_or_else(|_| object.to_string());
    format!("oc create -f - <<'EOF'\n{}\nEOF", yaml.trim_end())
}

/// A Secret's values replaced by `<KEY>` placeholders under `stringData` (the form `oc`
/// users write by hand), so no value, not even a fingerprint, is in a command to copy.
fn with_placeholders(secret: &mut Value) {
    let Some(map) = secret.as_object_mut() else {
        return;
    };
    let mut keys: Vec<String> = Vec::new();
    for field in ["data", "stringData"] {
        if let Some(Value::Object(data)) = map.remove(field) {
            keys.extend(data.keys().cloned());
        }
    }
    keys.sort();
    keys.dedup();
    if !keys.is_empty() {
        let placeholders: Map<String, Value> = keys
            .into_iter()
            .map(|k| {
                let value = Value::String(format!("<{k}>"));
                (k, value)
            })
            .collect();
        map.insert("stringData".into(), Value::Object(placeholders));
    }
}

/// `oc patch <resource> <name> [-n <ns>] --type merge -p '<patch>'` (the patch already
/// redacted).
pub fn patch_command(
    resource: &Resource,
    namespace: Option<&str>,
    name: &str,
    shown_patch: &Value,
) -> String {
    oc_patch_command(&resource.oc_name(), name, namespace, shown_patch)
}

/// `oc delete <resource> <name> [-n <ns>]`.
pub fn delete_command(resource: &Resource, namespace: Option<&str>, name: &str) -> String {
    let namespace = namespace
        .map(|ns| format!(" -n {}", shell_quote(ns)))
        .unwrap_or_default();
    format!(
        "oc delete {} {}{namespace}",
        resource.oc_name(),
        shell_quote(name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::resources::{CONFIG_MAP, SECRET};
    use serde_json::json;

    #[test]
    fn a_created_secret_shows_placeholders_never_values() {
        let secret = json!({
            "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": { "name": "image-registry-private-configuration-user", "namespace": "openshift-image-registry", "resourceVersion": "1" },
            "data": { "REGISTRY_STORAGE_S3_ACCESSKEY": "Y2FuYXJ5", "REGISTRY_STORAGE_S3_SECRETKEY": "c2VjcmV0" }
        });
        let command = create_command(&SECRET, &secret);
        assert!(command.starts_with("oc create -f - <<'EOF'\n"), "{command}");
        assert!(command.ends_with("\nEOF"), "{command}");
        assert!(
            command.contains("REGISTRY_STORAGE_S3_ACCESSKEY: <REGISTRY_STORAGE_S3_ACCESSKEY>"),
            "{command}"
        );
        assert!(
            !command.contains("Y2FuYXJ5") && !command.contains("canary"),
            "{command}"
        );
        assert!(!command.contains("resourceVersion"), "{command}");
    }

    #[test]
    fn other_objects_are_shown_whole() {
        let map = json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": { "name": "registry-config", "namespace": "openshift-config" },
            "data": { "registry.example.com..5000": "-----BEGIN CERTIFICATE-----" }
        });
        let command = create_command(&CONFIG_MAP, &map);
        assert!(command.contains("registry.example.com..5000"), "{command}");
    }

    #[test]
    fn deletes_name_the_namespace() {
        assert_eq!(
            delete_command(&SECRET, Some("openshift-image-registry"), "public-tls"),
            "oc delete secrets 'public-tls' -n 'openshift-image-registry'"
        );
    }
}
