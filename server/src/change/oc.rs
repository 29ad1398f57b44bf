//! The `oc` command each step of a change amounts to, so an admin can repeat or script it
//! (SPEC §5). Secret values never appear: a created Secret shows `stringData` with a
//! placeholder per key for the user to fill in, a patch shows fingerprints.

use crate::kube::resources::Resource;
use app::domain::diff::{oc_patch_command, shell_quote, strip_noise};
use serde_json::{Map, Value};

/// `oc create -f - <<'EOF' … EOF` with the object as YAML; the guide's shorter forms for
/// a TLS Secret (`oc create secret tls`) and a ConfigMap of CA files (`oc create configmap
/// --from-file`).
pub fn create_command(resource: &Resource, desired: &Value) -> String {
    let mut object = strip_noise(desired);
    if let Some(command) = from_files_command(resource, &object) {
        return command;
    }
    if resource.is("", "Secret") {
        with_placeholders(&mut object);
    }
    let yaml = serde_saphyr::to_string(&object).unwrap_or_else(|_| object.to_string());
    format!("oc create -f - <<'EOF'\n{}\nEOF", yaml.trim_end())
}

/// The command that creates `object` from files, when the guide shows one for it: a TLS
/// Secret holding only its certificate, key and CA (guide 6.1), or a ConfigMap of PEM
/// certificates (guide 2.5). The files are named after what they hold; values never appear.
fn from_files_command(resource: &Resource, object: &Value) -> Option<String> {
    let name = shell_quote(object.pointer("/metadata/name")?.as_str()?);
    let namespace = object
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .map(|ns| format!(" -n {}", shell_quote(ns)))
        .unwrap_or_default();
    let metadata_keys = object.get("metadata")?.as_object()?.len();
    // Labels, annotations or anything else `--from-file` cannot express: the full object.
    if metadata_keys > 2 || object.get("stringData").is_some() || object.get("binaryData").is_some()
    {
        return None;
    }
    let data = object.get("data")?.as_object()?;
    let keys: Vec<&str> = data.keys().map(String::as_str).collect();
    if resource.is("", "Secret") {
        if object.get("type").and_then(Value::as_str) != Some("kubernetes.io/tls") {
            return None;
        }
        return match keys.as_slice() {
            ["tls.crt", "tls.key"] => Some(format!(
                "oc create secret tls {name}{namespace} --cert=tls.crt --key=tls.key"
            )),
            ["tls.cacrt", "tls.crt", "tls.key"] => Some(format!(
                "oc create secret generic {name}{namespace} --type=kubernetes.io/tls --from-file=tls.crt=tls.crt --from-file=tls.key=tls.key --from-file=tls.cacrt=ca.crt"
            )),
            _ => None,
        };
    }
    let all_certificates = !keys.is_empty()
        && data.values().all(|v| {
            v.as_str()
                .is_some_and(|pem| pem.trim_start().starts_with("-----BEGIN CERTIFICATE-----"))
        });
    if !resource.is("", "ConfigMap") || !all_certificates {
        return None;
    }
    let files: Vec<String> = keys
        .iter()
        .map(|key| {
            let file = if keys.len() == 1 {
                "ca.crt".to_string()
            } else {
                format!("{key}.crt")
            };
            format!("--from-file={}", shell_quote(&format!("{key}={file}")))
        })
        .collect();
    Some(format!(
        "oc create configmap {name} {}{namespace}",
        files.join(" ")
    ))
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
            "metadata": { "name": "settings", "namespace": "openshift-config" },
            "data": { "registry.example.com..5000": "not a certificate" }
        });
        let command = create_command(&CONFIG_MAP, &map);
        assert!(command.starts_with("oc create -f - <<'EOF'\n"), "{command}");
        assert!(command.contains("registry.example.com..5000"), "{command}");
        let labelled = json!({
            "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
            "metadata": { "name": "t", "namespace": "n", "labels": { "a": "b" } },
            "data": { "tls.crt": "Qw==", "tls.key": "Sw==" }
        });
        assert!(create_command(&SECRET, &labelled).starts_with("oc create -f -"));
    }

    #[test]
    fn the_guides_from_file_commands() {
        let map = json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": { "name": "registry-config", "namespace": "openshift-config" },
            "data": { "registry.example.com..5000": "-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----\n" }
        });
        assert_eq!(
            create_command(&CONFIG_MAP, &map),
            "oc create configmap 'registry-config' --from-file='registry.example.com..5000=ca.crt' -n 'openshift-config'"
        );
        let secret = json!({
            "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
            "metadata": { "name": "public-route-tls", "namespace": "openshift-image-registry" },
            "data": { "tls.crt": "Q0FOQVJZ", "tls.key": "S0VZ" }
        });
        let command = create_command(&SECRET, &secret);
        assert_eq!(
            command,
            "oc create secret tls 'public-route-tls' -n 'openshift-image-registry' --cert=tls.crt --key=tls.key"
        );
        let mut with_ca = secret.clone();
        with_ca["data"]["tls.cacrt"] = json!("Q0E=");
        let command = create_command(&SECRET, &with_ca);
        assert!(
            command.contains("--type=kubernetes.io/tls")
                && command.contains("--from-file=tls.cacrt=ca.crt"),
            "{command}"
        );
        assert!(!command.contains("Q0E="), "{command}");
    }

    #[test]
    fn deletes_name_the_namespace() {
        assert_eq!(
            delete_command(&SECRET, Some("openshift-image-registry"), "public-tls"),
            "oc delete secrets 'public-tls' -n 'openshift-image-registry'"
        );
    }
}
