//! The `oc` command each step of a change amounts to, so an admin can repeat or script it
//! (SPEC §5). Every value is one shell word ([`app::domain::shell`]). Secret values never
//! appear, not even as fingerprints: a Secret's values and the Config's `httpSecret` and
//! proxy passwords are placeholders (`<REGISTRY_STORAGE_S3_SECRETKEY>`, `<httpSecret>`,
//! `<proxy password>`) that the user fills in, and the command says which ones it has.

use crate::kube::resources::Resource;
use app::domain::diff::{oc_patch_command, strip_noise};
use app::domain::shell::{command, heredoc};
use serde_json::{Map, Value};

/// A command to show, and the placeholders in it that stand for secret values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Shown {
    pub command: String,
    pub placeholders: Vec<String>,
}

/// The placeholder of a Config's `httpSecret`.
pub const HTTP_SECRET_PLACEHOLDER: &str = "<httpSecret>";
/// The placeholder of a proxy URL's password.
pub const PROXY_PASSWORD_PLACEHOLDER: &str = "<proxy password>";

/// `oc create -f - <<'EOF' … EOF` with the object as YAML; the guide's shorter forms for
/// a TLS Secret (`oc create secret tls`) and a ConfigMap of CA files (`oc create configmap
/// --from-file`).
pub fn create_command(resource: &Resource, desired: &Value) -> Shown {
    let mut object = strip_noise(desired);
    if let Some(command) = from_files_command(resource, &object) {
        return Shown {
            command,
            placeholders: Vec::new(),
        };
    }
    let placeholders = with_placeholders(resource, &mut object);
    let yaml = serde_saphyr::to_string(&object).unwrap_or_else(|_| object.to_string());
    Shown {
        command: heredoc("oc create -f -", yaml.trim_end()),
        placeholders,
    }
}

/// The command that creates `object` from files, when the guide shows one for it: a TLS
/// Secret holding only its certificate, key and CA (guide 6.1), or a ConfigMap of PEM
/// certificates (guide 2.5). The files are named after what they hold; values never appear.
fn from_files_command(resource: &Resource, object: &Value) -> Option<String> {
    let name = object.pointer("/metadata/name")?.as_str()?;
    let namespace = object
        .pointer("/metadata/namespace")
        .and_then(Value::as_str);
    let metadata_keys = object.get("metadata")?.as_object()?.len();
    // Labels, annotations or anything else `--from-file` cannot express: the full object.
    if metadata_keys > 2 || object.get("stringData").is_some() || object.get("binaryData").is_some()
    {
        return None;
    }
    let data = object.get("data")?.as_object()?;
    let keys: Vec<&str> = data.keys().map(String::as_str).collect();
    let with_namespace = |mut parts: Vec<String>| {
        if let Some(ns) = namespace {
            parts.extend(["-n".to_string(), ns.to_string()]);
        }
        parts
    };
    if resource.is("", "Secret") {
        if object.get("type").and_then(Value::as_str) != Some("kubernetes.io/tls") {
            return None;
        }
        let mut parts: Vec<String> = match keys.as_slice() {
            ["tls.crt", "tls.key"] => ["oc", "create", "secret", "tls", name],
            ["tls.cacrt", "tls.crt", "tls.key"] => ["oc", "create", "secret", "generic", name],
            _ => return None,
        }
        .iter()
        .map(|p| p.to_string())
        .collect();
        parts = with_namespace(parts);
        let files: &[&str] = if keys.len() == 2 {
            &["--cert=tls.crt", "--key=tls.key"]
        } else {
            &[
                "--type=kubernetes.io/tls",
                "--from-file=tls.crt=tls.crt",
                "--from-file=tls.key=tls.key",
                "--from-file=tls.cacrt=ca.crt",
            ]
        };
        parts.extend(files.iter().map(|f| f.to_string()));
        return Some(command(&parts));
    }
    let all_certificates = !keys.is_empty()
        && data.values().all(|v| {
            v.as_str()
                .is_some_and(|pem| pem.trim_start().starts_with("-----BEGIN CERTIFICATE-----"))
        });
    if !resource.is("", "ConfigMap") || !all_certificates {
        return None;
    }
    let mut parts: Vec<String> = ["oc", "create", "configmap", name]
        .iter()
        .map(|p| p.to_string())
        .collect();
    parts.extend(keys.iter().map(|key| {
        let file = if keys.len() == 1 {
            "ca.crt".to_string()
        } else {
            format!("{key}.crt")
        };
        format!("--from-file={key}={file}")
    }));
    Some(command(&with_namespace(parts)))
}

/// `<KEY>`: what stands for a Secret's value in a command.
fn key_placeholder(key: &str) -> String {
    format!("<{key}>")
}

/// Replaces every secret value of `object` (a whole object or a merge patch of one) by its
/// placeholder; the placeholders used, sorted.
///
/// A Secret's values go to `stringData` (the form `oc` users write by hand, and the one a
/// merge patch may carry: `data` must be base64, which a placeholder is not); a removed key
/// stays `null` under `data`.
fn with_placeholders(resource: &Resource, object: &mut Value) -> Vec<String> {
    let mut placeholders = Vec::new();
    let Some(map) = object.as_object_mut() else {
        return placeholders;
    };
    if resource.is("", "Secret") {
        let mut set: Map<String, Value> = Map::new();
        let mut removed: Map<String, Value> = Map::new();
        for field in ["data", "stringData"] {
            if let Some(Value::Object(data)) = map.remove(field) {
                for (key, value) in data {
                    if value.is_null() {
                        removed.insert(key, Value::Null);
                    } else {
                        placeholders.push(key_placeholder(&key));
                        set.insert(key.clone(), Value::String(key_placeholder(&key)));
                    }
                }
            }
        }
        if !removed.is_empty() {
            map.insert("data".into(), Value::Object(removed));
        }
        if !set.is_empty() {
            map.insert("stringData".into(), Value::Object(set));
        }
    } else if resource.is("imageregistry.operator.openshift.io", "Config") {
        if let Some(secret) = map
            .get_mut("spec")
            .and_then(|s| s.get_mut("httpSecret"))
            .filter(|s| s.as_str().is_some_and(|t| !t.is_empty()))
        {
            *secret = Value::String(HTTP_SECRET_PLACEHOLDER.into());
            placeholders.push(HTTP_SECRET_PLACEHOLDER.into());
        }
        for field in ["http", "https"] {
            if let Some(url) = map
                .get_mut("spec")
                .and_then(|s| s.get_mut("proxy"))
                .and_then(|p| p.get_mut(field))
                && let Some(text) = url.as_str()
                && let Some(shown) = url_with_password_placeholder(text)
            {
                *url = Value::String(shown);
                placeholders.push(PROXY_PASSWORD_PLACEHOLDER.into());
            }
        }
    }
    placeholders.sort();
    placeholders.dedup();
    placeholders
}

/// `http://user:pass@host` → `http://user:<proxy password>@host`; `None` without a password.
fn url_with_password_placeholder(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let (userinfo, host) = authority.rsplit_once('@')?;
    let (user, _) = userinfo.split_once(':')?;
    Some(format!(
        "{scheme}://{user}:{PROXY_PASSWORD_PLACEHOLDER}@{host}{path}"
    ))
}

/// `oc patch <resource> <name> [-n <ns>] --type merge -p '<patch>'` for the merge patch
/// `patch` (as it is sent, secret values and all), secret values as placeholders.
pub fn patch_command(
    resource: &Resource,
    namespace: Option<&str>,
    name: &str,
    patch: &Value,
) -> Shown {
    let mut shown = patch.clone();
    let placeholders = with_placeholders(resource, &mut shown);
    Shown {
        command: oc_patch_command(&resource.oc_name(), name, namespace, &shown),
        placeholders,
    }
}

/// `oc delete <resource> <name> [-n <ns>]`.
pub fn delete_command(resource: &Resource, namespace: Option<&str>, name: &str) -> Shown {
    let oc_name = resource.oc_name();
    let mut parts = vec!["oc", "delete", oc_name.as_str(), name];
    if let Some(ns) = namespace {
        parts.extend(["-n", ns]);
    }
    Shown {
        command: command(&parts),
        placeholders: Vec::new(),
    }
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
        let command = create_command(&SECRET, &secret).command;
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
        let command = create_command(&CONFIG_MAP, &map).command;
        assert!(command.starts_with("oc create -f - <<'EOF'\n"), "{command}");
        assert!(command.contains("registry.example.com..5000"), "{command}");
        let labelled = json!({
            "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
            "metadata": { "name": "t", "namespace": "n", "labels": { "a": "b" } },
            "data": { "tls.crt": "Qw==", "tls.key": "Sw==" }
        });
        assert!(
            create_command(&SECRET, &labelled)
                .command
                .starts_with("oc create -f -")
        );
    }

    #[test]
    fn the_guides_from_file_commands() {
        let map = json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": { "name": "registry-config", "namespace": "openshift-config" },
            "data": { "registry.example.com..5000": "-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----\n" }
        });
        assert_eq!(
            create_command(&CONFIG_MAP, &map).command,
            "oc create configmap registry-config --from-file=registry.example.com..5000=ca.crt -n openshift-config"
        );
        let secret = json!({
            "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
            "metadata": { "name": "public-route-tls", "namespace": "openshift-image-registry" },
            "data": { "tls.crt": "Q0FOQVJZ", "tls.key": "S0VZ" }
        });
        let command = create_command(&SECRET, &secret).command;
        assert_eq!(
            command,
            "oc create secret tls public-route-tls -n openshift-image-registry --cert=tls.crt --key=tls.key"
        );
        let mut with_ca = secret.clone();
        with_ca["data"]["tls.cacrt"] = json!("Q0E=");
        let command = create_command(&SECRET, &with_ca).command;
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
            delete_command(&SECRET, Some("openshift-image-registry"), "public-tls").command,
            "oc delete secrets public-tls -n openshift-image-registry"
        );
    }

    #[test]
    fn patched_secret_values_are_placeholders_under_string_data() {
        let patch =
            json!({ "data": { "REGISTRY_STORAGE_AZURE_ACCOUNTKEY": "Y2FuYXJ5", "OLD": null } });
        let shown = patch_command(&SECRET, Some("openshift-image-registry"), "creds", &patch);
        assert_eq!(
            shown.command,
            r#"oc patch secrets creds -n openshift-image-registry --type merge -p '{"data":{"OLD":null},"stringData":{"REGISTRY_STORAGE_AZURE_ACCOUNTKEY":"<REGISTRY_STORAGE_AZURE_ACCOUNTKEY>"}}'"#
        );
        assert_eq!(
            shown.placeholders,
            vec!["<REGISTRY_STORAGE_AZURE_ACCOUNTKEY>"]
        );
    }

    #[test]
    fn a_configs_http_secret_and_proxy_passwords_are_placeholders() {
        use crate::kube::resources::REGISTRY_CONFIG;
        let patch = json!({ "spec": {
            "httpSecret": "canary-secret",
            "proxy": { "http": "http://bob:canary-pass@proxy.example.com:3128/x", "https": "https://proxy.example.com" }
        }});
        let shown = patch_command(&REGISTRY_CONFIG, None, "cluster", &patch);
        assert!(!shown.command.contains("canary"), "{}", shown.command);
        assert!(
            shown.command.contains(r#""httpSecret":"<httpSecret>""#),
            "{}",
            shown.command
        );
        assert!(
            shown
                .command
                .contains("http://bob:<proxy password>@proxy.example.com:3128/x"),
            "{}",
            shown.command
        );
        assert!(
            shown
                .command
                .contains(r#""https":"https://proxy.example.com""#)
        );
        assert_eq!(shown.placeholders, vec!["<httpSecret>", "<proxy password>"]);
        let cleared = patch_command(
            &REGISTRY_CONFIG,
            None,
            "cluster",
            &json!({ "spec": { "httpSecret": "" } }),
        );
        assert!(
            cleared.placeholders.is_empty(),
            "an empty value is no secret"
        );
    }
}
