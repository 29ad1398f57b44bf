//! The CA-trust page's rules (SPEC §4 rule 8, §6; guide 2.5): the trusted registry CAs
//! live in a ConfigMap in `openshift-config`, one key per registry host, written
//! `host..port` (never with `:`), named by `images.config.openshift.io/cluster`
//! `spec.additionalTrustedCA.name`. Adding the first CA creates the ConfigMap and sets the
//! reference in one change.
//!
//! The certificates are parsed on the server (`server/src/change/tls.rs`).

use crate::domain::certificate::ShownCertificate;
use crate::domain::form_draft::FormDraft;
use crate::domain::registry_config::rules::is_dns_subdomain;
use crate::domain::violation::Violation;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Where the ConfigMap lives (the image config's reference has no namespace).
pub const CONFIG_NAMESPACE: &str = "openshift-config";
/// The name the guide uses, offered when no ConfigMap is named yet.
pub const DEFAULT_CONFIG_MAP: &str = "registry-config";

pub const FORM_ADD_CA: &str = "add-ca";
pub const FORM_REMOVE_CA: &str = "remove-ca";

pub const FIELD_BASE: &str = "base";
pub const FIELD_HOST: &str = "host";
pub const FIELD_PORT: &str = "port";
pub const FIELD_PEM: &str = "pem";
pub const FIELD_CONFIG_MAP: &str = "configMap";
pub const FIELD_KEY: &str = "key";
/// Removing the last CA: `keep` the empty ConfigMap referenced, or `unset` the reference
/// and delete the ConfigMap.
pub const FIELD_WHEN_EMPTY: &str = "whenEmpty";

/// The ConfigMap key for a registry at `host` (and `port`): `host..port` (guide 2.5).
pub fn registry_key(host: &str, port: &str) -> String {
    if port.is_empty() {
        host.to_string()
    } else {
        format!("{host}..{port}")
    }
}

/// The registry address a key stands for: `host..port` → `host:port`.
pub fn registry_address(key: &str) -> String {
    match key.split_once("..") {
        Some((host, port)) => format!("{host}:{port}"),
        None => key.to_string(),
    }
}

/// The objects as the page saw them: the preconditions of a change, and what a conflict is
/// shown against.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SeenTrust {
    /// `images.config.openshift.io/cluster`: its resourceVersion and spec.
    pub image_version: String,
    pub image_spec: Value,
    /// The referenced ConfigMap, when it exists.
    pub config_map: Option<SeenConfigMap>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SeenConfigMap {
    pub name: String,
    pub version: String,
    pub data: BTreeMap<String, String>,
}

impl SeenTrust {
    /// `spec.additionalTrustedCA.name`, when set.
    pub fn reference(&self) -> Option<String> {
        self.image_spec
            .pointer("/additionalTrustedCA/name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .map(str::to_string)
    }
}

/// One trusted registry CA as the page lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrustedCa {
    pub key: String,
    /// The bundle's certificates, or why it does not parse (a catalogue violation).
    pub certificates: Result<Vec<ShownCertificate>, Violation>,
}

/// What the CA-trust page shows, read as the signed-in user.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CaTrustView {
    pub seen: SeenTrust,
    /// The referenced ConfigMap could not be read: why.
    pub config_map_error: Option<String>,
    /// The reference names a ConfigMap that does not exist.
    pub config_map_missing: bool,
    pub entries: Vec<TrustedCa>,
    pub update_denied: Option<String>,
}

/// What the user asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CaTrustChange {
    /// Add the CA of a registry, or replace the one its key has.
    Add {
        host: String,
        port: String,
        pem: String,
        /// The ConfigMap to create when none is named yet.
        config_map: String,
    },
    Remove {
        key: String,
        unset_when_empty: bool,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct CaTrustSubmission {
    pub seen: SeenTrust,
    pub change: CaTrustChange,
}

/// Every catalogue key this module can emit.
pub const MESSAGE_KEYS: [&str; 9] = [
    "ca_trust.host_required",
    "ca_trust.host_scheme",
    "ca_trust.host_colon",
    "ca_trust.host_invalid",
    "ca_trust.port",
    "ca_trust.pem_required",
    "ca_trust.config_map_name",
    "ca_trust.key_unknown",
    "ca_trust.replaces",
];

pub fn read_submission(draft: &FormDraft) -> Result<CaTrustSubmission, Vec<Violation>> {
    let seen: SeenTrust = serde_json::from_str(&draft.text(FIELD_BASE))
        .map_err(|_| vec![Violation::error(FIELD_BASE, "form.base")])?;
    let change = match draft.form.as_str() {
        FORM_ADD_CA => CaTrustChange::Add {
            host: draft.text(FIELD_HOST),
            port: draft.text(FIELD_PORT),
            pem: draft
                .pasted_or_file(FIELD_PEM)
                .map_err(|e| vec![Violation::error(&e.0, "form.ambiguous_file")])?,
            config_map: draft.text(FIELD_CONFIG_MAP),
        },
        FORM_REMOVE_CA => CaTrustChange::Remove {
            key: draft.text(FIELD_KEY),
            unset_when_empty: draft.fields.get(FIELD_WHEN_EMPTY).map(String::as_str)
                == Some("unset"),
        },
        other => {
            return Err(vec![
                Violation::error("form", "form.unknown_form").with("value", other),
            ]);
        }
    };
    Ok(CaTrustSubmission { seen, change })
}

/// The form's rules (the PEM itself is parsed on the server).
pub fn validate(submission: &CaTrustSubmission) -> Vec<Violation> {
    let mut out = Vec::new();
    match &submission.change {
        CaTrustChange::Add {
            host,
            port,
            pem,
            config_map,
        } => {
            out.extend(host_problem(host));
            if !port.is_empty() && port.parse::<u16>().map_or(true, |p| p == 0) {
                out.push(Violation::error(FIELD_PORT, "ca_trust.port").with("value", port));
            }
            if pem.is_empty() {
                out.push(Violation::error(FIELD_PEM, "ca_trust.pem_required"));
            }
            if submission.seen.reference().is_none()
                && !config_map.is_empty()
                && !is_dns_subdomain(config_map)
            {
                out.push(
                    Violation::error(FIELD_CONFIG_MAP, "ca_trust.config_map_name")
                        .with("value", config_map),
                );
            }
            if out.is_empty() {
                let key = registry_key(host, port);
                if submission
                    .seen
                    .config_map
                    .as_ref()
                    .is_some_and(|m| m.data.contains_key(&key))
                {
                    out.push(
                        Violation::warning(FIELD_HOST, "ca_trust.replaces")
                            .with("key", &key)
                            .with("address", registry_address(&key)),
                    );
                }
            }
        }
        CaTrustChange::Remove { key, .. } => {
            if !submission
                .seen
                .config_map
                .as_ref()
                .is_some_and(|m| m.data.contains_key(key))
            {
                out.push(Violation::error(FIELD_KEY, "ca_trust.key_unknown").with("value", key));
            }
        }
    }
    out
}

/// A registry host as the key needs it: a DNS name or an IPv4 address, lower case, with
/// the port in its own field.
fn host_problem(host: &str) -> Option<Violation> {
    let error = |key: &str| Some(Violation::error(FIELD_HOST, key).with("value", host));
    if host.is_empty() {
        return Some(Violation::error(FIELD_HOST, "ca_trust.host_required"));
    }
    if host.contains("://") || host.contains('/') {
        return error("ca_trust.host_scheme");
    }
    if let Some((name, port)) = host.rsplit_once(':') {
        return Some(
            Violation::error(FIELD_HOST, "ca_trust.host_colon")
                .with("value", host)
                .with("host", name)
                .with("port", port)
                .with("key", registry_key(name, port)),
        );
    }
    if host.parse::<std::net::Ipv4Addr>().is_ok() || is_dns_subdomain(host) {
        None
    } else {
        error("ca_trust.host_invalid")
    }
}

/// The ConfigMap's data after the change, from the data as it is.
pub fn desired_data(
    data: &BTreeMap<String, String>,
    change: &CaTrustChange,
) -> BTreeMap<String, String> {
    let mut data = data.clone();
    match change {
        CaTrustChange::Add {
            host, port, pem, ..
        } => {
            data.insert(registry_key(host, port), format!("{}\n", pem.trim_end()));
        }
        CaTrustChange::Remove { key, .. } => {
            data.remove(key);
        }
    }
    data
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn add(host: &str, port: &str) -> CaTrustSubmission {
        CaTrustSubmission {
            seen: SeenTrust::default(),
            change: CaTrustChange::Add {
                host: host.into(),
                port: port.into(),
                pem: "PEM".into(),
                config_map: String::new(),
            },
        }
    }

    fn keys(v: &[Violation]) -> Vec<(&str, &str)> {
        v.iter()
            .map(|v| (v.field.as_str(), v.key.as_str()))
            .collect()
    }

    #[test]
    fn keys_are_host_dot_dot_port_both_ways() {
        assert_eq!(
            registry_key("registry.example.com", ""),
            "registry.example.com"
        );
        assert_eq!(
            registry_key("registry-with-port.example.com", "5000"),
            "registry-with-port.example.com..5000"
        );
        assert_eq!(
            registry_address("registry-with-port.example.com..5000"),
            "registry-with-port.example.com:5000"
        );
        assert_eq!(
            registry_address("registry.example.com"),
            "registry.example.com"
        );
        assert_eq!(registry_address("10.0.0.1..443"), "10.0.0.1:443");
    }

    #[test]
    fn a_host_with_a_colon_is_refused_with_the_key_to_use() {
        let v = validate(&add("registry.example.com:5000", ""));
        assert_eq!(keys(&v), vec![(FIELD_HOST, "ca_trust.host_colon")]);
        assert!(
            v[0].params
                .contains(&("key".into(), "registry.example.com..5000".into()))
        );
        assert_eq!(
            keys(&validate(&add("https://registry.example.com", ""))),
            vec![(FIELD_HOST, "ca_trust.host_scheme")]
        );
        assert_eq!(
            keys(&validate(&add("Registry.Example.com", ""))),
            vec![(FIELD_HOST, "ca_trust.host_invalid")]
        );
        assert_eq!(
            keys(&validate(&add("", ""))),
            vec![(FIELD_HOST, "ca_trust.host_required")]
        );
        assert!(validate(&add("10.0.0.1", "5000")).is_empty());
        assert!(validate(&add("registry.example.com", "")).is_empty());
        for port in ["0", "65536", "x", "-1"] {
            assert_eq!(
                keys(&validate(&add("r.example.com", port))),
                vec![(FIELD_PORT, "ca_trust.port")],
                "{port}"
            );
        }
    }

    #[test]
    fn replacing_an_existing_key_is_a_warning_and_removing_an_unknown_one_an_error() {
        let mut submission = add("r.example.com", "5000");
        submission.seen.config_map = Some(SeenConfigMap {
            name: "registry-config".into(),
            version: "3".into(),
            data: [("r.example.com..5000".to_string(), "OLD".to_string())].into(),
        });
        let v = validate(&submission);
        assert_eq!(keys(&v), vec![(FIELD_HOST, "ca_trust.replaces")]);
        assert_eq!(v[0].severity, crate::domain::violation::Severity::Warning);
        submission.change = CaTrustChange::Remove {
            key: "other".into(),
            unset_when_empty: false,
        };
        assert_eq!(
            keys(&validate(&submission)),
            vec![(FIELD_KEY, "ca_trust.key_unknown")]
        );
    }

    #[test]
    fn the_config_map_name_is_checked_only_when_it_will_be_created() {
        let mut submission = add("r.example.com", "");
        submission.change = CaTrustChange::Add {
            host: "r.example.com".into(),
            port: String::new(),
            pem: "PEM".into(),
            config_map: "Bad Name".into(),
        };
        assert_eq!(
            keys(&validate(&submission)),
            vec![(FIELD_CONFIG_MAP, "ca_trust.config_map_name")]
        );
        submission.seen.image_spec =
            json!({ "additionalTrustedCA": { "name": "registry-config" } });
        assert!(validate(&submission).is_empty());
        assert_eq!(
            submission.seen.reference().as_deref(),
            Some("registry-config")
        );
    }

    #[test]
    fn data_gains_or_loses_exactly_one_key() {
        let data: BTreeMap<String, String> =
            [("a.example.com".to_string(), "A\n".to_string())].into();
        let added = desired_data(&data, &add("b.example.com", "5000").change);
        assert_eq!(added.len(), 2);
        assert_eq!(added["b.example.com..5000"], "PEM\n");
        let removed = desired_data(
            &added,
            &CaTrustChange::Remove {
                key: "a.example.com".into(),
                unset_when_empty: false,
            },
        );
        assert_eq!(
            removed.keys().collect::<Vec<_>>(),
            vec!["b.example.com..5000"]
        );
    }

    #[test]
    fn drafts_decode_per_form() {
        let base = r#"{"image_version":"1","image_spec":{},"config_map":null}"#;
        let draft = FormDraft::new(
            FORM_REMOVE_CA,
            &[("base", base), ("key", "a..5000"), ("whenEmpty", "unset")],
        );
        assert_eq!(
            read_submission(&draft).unwrap().change,
            CaTrustChange::Remove {
                key: "a..5000".into(),
                unset_when_empty: true
            }
        );
        let both = FormDraft::new(
            FORM_ADD_CA,
            &[("base", base), ("pem", "A"), ("pem.file", "B")],
        );
        assert_eq!(
            keys(&read_submission(&both).unwrap_err()),
            vec![(FIELD_PEM, "form.ambiguous_file")]
        );
    }
}
