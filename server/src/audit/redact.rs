//! Secret values never enter the audit trail (pure: no I/O).
//!
//! Before an object is recorded, every secret value in it is replaced by a keyed
//! fingerprint: the key names stay (so an auditor sees *which* credential changed) and the
//! fingerprint shows *whether* it changed, without revealing or allowing a guess at the
//! value (HMAC-SHA-256 with a key kept outside the audit database).

use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

/// The key of the fingerprints; 32 random bytes, created once per installation.
#[derive(Clone)]
pub struct FingerprintKey(pub [u8; 32]);

impl std::fmt::Debug for FingerprintKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FingerprintKey([redacted])")
    }
}

impl FingerprintKey {
    /// The installation's key from `path`, created (random, mode 0600) on first use
    /// ([`crate::data_dir::load_or_create_key`]): beside the database rather than in it, so
    /// a copy of the database alone does not allow testing guesses against the fingerprints.
    pub fn load_or_create(path: &std::path::Path) -> std::io::Result<Self> {
        crate::data_dir::load_or_create_key(path).map(FingerprintKey)
    }

    /// `fingerprint:` and the first 16 hex digits of HMAC-SHA-256(key, value).
    pub fn fingerprint(&self, value: &[u8]) -> String {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.0) else {
            return "fingerprint:unavailable".to_string();
        };
        mac.update(value);
        let digest = mac.finalize().into_bytes();
        format!("fingerprint:{}", &super::chain::hex(&digest)[..16])
    }
}

/// Annotation where `kubectl apply` keeps a full copy of the object (secrets included).
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// A copy of `object` with every secret value replaced by its fingerprint.
pub fn redact(object: &Value, key: &FingerprintKey) -> Value {
    let mut out = object.clone();
    let kind = object
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if let Some(annotations) = out
        .pointer_mut("/metadata/annotations")
        .and_then(Value::as_object_mut)
        && let Some(copy) = annotations.get_mut(LAST_APPLIED)
        && let Some(text) = copy.as_str()
    {
        *copy = Value::String(key.fingerprint(text.as_bytes()));
    }
    match kind {
        "Secret" => {
            if let Some(data) = out.get_mut("data").and_then(Value::as_object_mut) {
                for value in data.values_mut() {
                    let raw = value.as_str().unwrap_or_default();
                    // Fingerprint the decoded bytes, so `data` and `stringData` agree.
                    let bytes = base64::engine::general_purpose::STANDARD
                        .decode(raw)
                        .unwrap_or_else(|_| raw.as_bytes().to_vec());
                    *value = Value::String(key.fingerprint(&bytes));
                }
            }
            if let Some(data) = out.get_mut("stringData").and_then(Value::as_object_mut) {
                for value in data.values_mut() {
                    let raw = value.as_str().unwrap_or_default().as_bytes().to_vec();
                    *value = Value::String(key.fingerprint(&raw));
                }
            }
        }
        "Config" => {
            if let Some(secret) = out.pointer_mut("/spec/httpSecret")
                && let Some(text) = secret.as_str()
                && !text.is_empty()
            {
                *secret = Value::String(key.fingerprint(text.as_bytes()));
            }
            for field in ["http", "https"] {
                if let Some(url) = out.pointer_mut(&format!("/spec/proxy/{field}"))
                    && let Some(text) = url.as_str()
                {
                    *url = Value::String(redact_url_password(text, key));
                }
            }
        }
        _ => {}
    }
    out
}

/// The spec of the registry Config `config` with its secrets redacted by the Config's own
/// rules, whatever the object carries as its kind: every view of a Config goes through
/// here, so no page can show a spec that only looks redacted.
pub fn redacted_registry_spec(config: &Value, key: &FingerprintKey) -> Value {
    let object = serde_json::json!({
        "kind": "Config",
        "spec": config.get("spec").cloned().unwrap_or_else(|| serde_json::json!({})),
    });
    redact(&object, key)
        .get_mut("spec")
        .map(Value::take)
        .unwrap_or_default()
}

/// The secret values in `object` (as [`redact`] finds them), for scrubbing texts that may
/// quote them, such as the API server's validation messages.
pub fn secret_values(object: &Value) -> Vec<String> {
    let mut out = Vec::new();
    match object.get("kind").and_then(Value::as_str) {
        Some("Secret") => {
            for field in ["data", "stringData"] {
                for value in object
                    .get(field)
                    .and_then(Value::as_object)
                    .into_iter()
                    .flat_map(|m| m.values())
                    .filter_map(Value::as_str)
                {
                    out.push(value.to_string());
                    if field == "data"
                        && let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(value)
                        && let Ok(text) = String::from_utf8(bytes)
                    {
                        out.push(text);
                    }
                }
            }
        }
        Some("Config") => {
            if let Some(secret) = object.pointer("/spec/httpSecret").and_then(Value::as_str) {
                out.push(secret.to_string());
            }
            for field in ["http", "https"] {
                if let Some(url) = object
                    .pointer(&format!("/spec/proxy/{field}"))
                    .and_then(Value::as_str)
                    && let Some((_, rest)) = url.split_once("://")
                    && let Some((userinfo, _)) =
                        rest.split('/').next().unwrap_or_default().rsplit_once('@')
                    && let Some((_, password)) = userinfo.split_once(':')
                {
                    out.push(password.to_string());
                }
            }
        }
        _ => {}
    }
    out.retain(|v| !v.is_empty());
    out
}

/// `text` with each of `secrets` replaced by its fingerprint (longest first, so a secret
/// containing another is replaced whole).
pub fn scrub(text: &str, secrets: &[String], key: &FingerprintKey) -> String {
    let mut secrets: Vec<&String> = secrets.iter().collect();
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    secrets.into_iter().fold(text.to_string(), |out, secret| {
        out.replace(secret.as_str(), &key.fingerprint(secret.as_bytes()))
    })
}

/// `http://user:pass@host` → `http://user:fingerprint:…@host`; other URLs unchanged.
pub fn redact_url_password(url: &str, key: &FingerprintKey) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return url.to_string();
    };
    match userinfo.split_once(':') {
        Some((user, password)) => format!(
            "{scheme}://{user}:{}@{host}{path}",
            key.fingerprint(password.as_bytes())
        ),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key() -> FingerprintKey {
        FingerprintKey([7u8; 32])
    }

    #[test]
    fn secret_values_become_fingerprints_and_keys_stay() {
        let secret = json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {
                "name": "image-registry-private-configuration-user",
                "annotations": { LAST_APPLIED: "{\"data\":{\"REGISTRY_STORAGE_S3_SECRETKEY\":\"c2VjcmV0LWtleQ==\"}}" }
            },
            "data": { "REGISTRY_STORAGE_S3_ACCESSKEY": "QUtJQUVYQU1QTEU=", "REGISTRY_STORAGE_S3_SECRETKEY": "c2VjcmV0LWtleQ==" },
            "stringData": { "extra": "secret-key" }
        });
        let out = redact(&secret, &key());
        let text = out.to_string();
        for leaked in [
            "QUtJQUVYQU1QTEU=",
            "c2VjcmV0LWtleQ==",
            "secret-key",
            "AKIAEXAMPLE",
        ] {
            assert!(!text.contains(leaked), "{leaked} in {text}");
        }
        let data = out["data"].as_object().expect("data");
        assert!(data.contains_key("REGISTRY_STORAGE_S3_SECRETKEY"));
        // The same value gives the same fingerprint, through data or stringData.
        assert_eq!(
            out["data"]["REGISTRY_STORAGE_S3_SECRETKEY"],
            out["stringData"]["extra"]
        );
        assert_ne!(
            out["data"]["REGISTRY_STORAGE_S3_SECRETKEY"],
            out["data"]["REGISTRY_STORAGE_S3_ACCESSKEY"]
        );
    }

    #[test]
    fn the_key_file_is_created_once_and_read_back() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("keys/audit-fingerprint.key");
        let first = FingerprintKey::load_or_create(&path).expect("create");
        let again = FingerprintKey::load_or_create(&path).expect("read");
        assert_eq!(first.0, again.0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "nonsense").expect("write");
        assert!(FingerprintKey::load_or_create(&path).is_err());
    }

    #[test]
    fn fingerprints_depend_on_the_key() {
        let other = FingerprintKey([8u8; 32]);
        assert_ne!(key().fingerprint(b"x"), other.fingerprint(b"x"));
        assert!(key().fingerprint(b"x").starts_with("fingerprint:"));
        assert_eq!(format!("{:?}", key()), "FingerprintKey([redacted])");
    }

    #[test]
    fn the_registry_http_secret_and_proxy_passwords_are_redacted() {
        let config = json!({
            "kind": "Config",
            "spec": {
                "httpSecret": "0123456789abcdef",
                "proxy": { "http": "http://proxyuser:pr0xy-pass@proxy.example.com:3128/", "https": "https://proxy.example.com", "noProxy": "x" }
            }
        });
        let out = redact(&config, &key());
        let text = out.to_string();
        assert!(!text.contains("0123456789abcdef"));
        assert!(!text.contains("pr0xy-pass"));
        assert!(text.contains("proxyuser:fingerprint:"), "{text}");
        assert!(text.contains("@proxy.example.com:3128/"));
        assert_eq!(out["spec"]["proxy"]["https"], "https://proxy.example.com");
    }

    #[test]
    fn messages_quoting_secrets_are_scrubbed() {
        let config = json!({ "kind": "Config", "spec": { "httpSecret": "s3cret-value", "proxy": { "http": "http://u:pr0xy@p:1/" } } });
        let secret = json!({ "kind": "Secret", "data": { "KEY": "YWNjZXNzLWtleQ==" } });
        let mut values = secret_values(&config);
        values.extend(secret_values(&secret));
        assert!(values.contains(&"access-key".to_string()), "{values:?}");
        let message =
            "spec.httpSecret: Invalid value: \"s3cret-value\"; proxy pr0xy; key access-key";
        let out = scrub(message, &values, &key());
        for leaked in ["s3cret-value", "pr0xy", "access-key"] {
            assert!(!out.contains(leaked), "{out}");
        }
        assert!(out.contains("fingerprint:"));
        assert!(secret_values(&json!({ "kind": "ConfigMap", "data": { "a": "b" } })).is_empty());
    }

    #[test]
    fn a_secret_that_looks_like_a_fingerprint_is_still_redacted() {
        let config =
            json!({ "kind": "Config", "spec": { "httpSecret": "fingerprint:0123456789abcdef" } });
        assert_ne!(
            redact(&config, &key())["spec"]["httpSecret"],
            config["spec"]["httpSecret"]
        );
    }

    #[test]
    fn other_objects_are_unchanged() {
        let route = json!({ "kind": "Route", "spec": { "host": "registry.example.com" } });
        assert_eq!(redact(&route, &key()), route);
    }
}
