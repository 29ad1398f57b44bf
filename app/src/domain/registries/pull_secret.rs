//! The cluster's pull secret (`openshift-config/pull-secret`, key `.dockerconfigjson`):
//! read, and changed one registry at a time.
//!
//! Every entry the change does not touch is kept byte for byte: the JSON is read with each
//! entry (and each other top-level key) as its raw text, in its order, and written back
//! with those texts unchanged. Only the one entry the user changes is written anew.

use indexmap::IndexMap;
use serde_json::value::RawValue;
use serde_json::{Value, json};

/// The key of a `kubernetes.io/dockerconfigjson` Secret.
pub const DOCKER_CONFIG_KEY: &str = ".dockerconfigjson";
pub const SECRET_TYPE: &str = "kubernetes.io/dockerconfigjson";

/// A `.dockerconfigjson` document, its entries kept as they were written. Its `Debug` is
/// the one of its registries: the entries hold credentials.
#[derive(Clone)]
pub struct DockerConfig {
    /// Every top-level key but `auths`, raw, in order (`auths` is where it was).
    top: IndexMap<String, Box<RawValue>>,
    auths: IndexMap<String, Box<RawValue>>,
}

/// What an entry holds, without any of its values: never a password, token, `auth` or
/// username (many pull secrets put a token in the username).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EntryFacts {
    pub auth: bool,
    pub email: bool,
    pub identity_token: bool,
}

impl std::fmt::Debug for DockerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.auths.keys()).finish()
    }
}

impl DockerConfig {
    /// Parses the document; the error is the parser's reason (it quotes no value).
    pub fn parse(text: &str) -> Result<DockerConfig, String> {
        let mut top: IndexMap<String, Box<RawValue>> =
            serde_json::from_str(text).map_err(|e| e.to_string())?;
        let auths = match top.get("auths") {
            Some(raw) => serde_json::from_str::<IndexMap<String, Box<RawValue>>>(raw.get())
                .map_err(|e| format!("auths: {e}"))?,
            None => return Err("no \"auths\" object".into()),
        };
        for (host, entry) in &auths {
            if !entry.get().trim_start().starts_with('{') {
                return Err(format!("auths.{host}: not an object"));
            }
        }
        // `auths` is written back from `self.auths`; a placeholder keeps its position.
        if let Some(slot) = top.get_mut("auths") {
            *slot = raw("{}");
        }
        Ok(DockerConfig { top, auths })
    }

    /// An empty document (a cluster without a pull secret yet).
    pub fn empty() -> DockerConfig {
        let mut top = IndexMap::new();
        top.insert("auths".to_string(), raw("{}"));
        DockerConfig {
            top,
            auths: IndexMap::new(),
        }
    }

    /// The registries with credentials, in the document's order, each with its entry's raw
    /// text (for a keyed fingerprint; never shown).
    pub fn entries(&self) -> impl Iterator<Item = (&str, &str)> {
        self.auths.iter().map(|(h, e)| (h.as_str(), e.get()))
    }

    pub fn contains(&self, host: &str) -> bool {
        self.auths.contains_key(host)
    }

    /// The raw text of `host`'s entry.
    pub fn entry(&self, host: &str) -> Option<&str> {
        self.auths.get(host).map(|e| e.get())
    }

    /// Sets `host`'s entry to `username`:`secret` (the `auth` that `oc registry login` and
    /// `podman login` write). An email the entry had stays; anything else of the old entry
    /// (an identity token, an old password) goes.
    pub fn set_basic(&mut self, host: &str, username: &str, secret: &str) {
        use base64::Engine;
        let auth = base64::engine::general_purpose::STANDARD.encode(format!("{username}:{secret}"));
        let mut entry = json!({ "auth": auth });
        if let Some(email) = self
            .entry(host)
            .and_then(|e| serde_json::from_str::<Value>(e).ok())
            .and_then(|e| e.get("email").cloned())
        {
            entry["email"] = email;
        }
        self.set_raw(host, raw(&entry.to_string()));
    }

    /// Sets `host`'s entry to `entry` (raw JSON, as another document has it).
    pub fn set_raw(&mut self, host: &str, entry: Box<RawValue>) {
        match self.auths.get_mut(host) {
            Some(slot) => *slot = entry,
            None => {
                self.auths.insert(host.to_string(), entry);
            }
        }
    }

    pub fn remove(&mut self, host: &str) -> bool {
        self.auths.shift_remove(host).is_some()
    }

    /// The document as text: the untouched entries and keys exactly as they were.
    pub fn to_text(&self) -> String {
        let mut out = String::from("{");
        for (i, (key, value)) in self.top.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&Value::String(key.clone()).to_string());
            out.push(':');
            if key == "auths" {
                out.push('{');
                for (j, (host, entry)) in self.auths.iter().enumerate() {
                    if j > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String(host.clone()).to_string());
                    out.push(':');
                    out.push_str(entry.get());
                }
                out.push('}');
            } else {
                out.push_str(value.get());
            }
        }
        out.push('}');
        out
    }
}

/// What an entry's raw text holds.
pub fn facts(entry: &str) -> EntryFacts {
    let value: Value = serde_json::from_str(entry).unwrap_or_default();
    let set = |key: &str| {
        value
            .get(key)
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
    };
    EntryFacts {
        auth: set("auth") || (set("username") && set("password")),
        email: set("email"),
        identity_token: set("identitytoken"),
    }
}

fn raw(text: &str) -> Box<RawValue> {
    // Only called with JSON this module wrote itself.
    RawValue::from_string(text.to_string()).unwrap_or_else(|_| {
        RawValue::from_string("{}".to_string()).unwrap_or_else(|_| unreachable!())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const THREE: &str = r#"{"auths":{"cloud.openshift.com":{"auth":"b3BlbnNoaWZ0OnRva2Vu","email":"admin@example.com"},
 "quay.io" : {"auth":"cXVheTp0b2tlbg==", "email":"admin@example.com"},"registry.redhat.io":{"auth":"cmg6dG9rZW4="}}, "credsStore":"x"}"#;

    #[test]
    fn other_entries_stay_byte_for_byte() {
        let mut config = DockerConfig::parse(THREE).unwrap();
        config.set_basic("registry.example.com", "robot", "s3cret");
        let text = config.to_text();
        for (host, entry) in DockerConfig::parse(THREE).unwrap().entries() {
            assert!(text.contains(entry), "{host}: {text}");
        }
        assert!(
            text.ends_with(
                r#""registry.example.com":{"auth":"cm9ib3Q6czNjcmV0"}},"credsStore":"x"}"#
            ),
            "{text}"
        );
        let mut back = DockerConfig::parse(&text).unwrap();
        assert_eq!(back.entries().count(), 4);
        assert!(back.remove("quay.io") && !back.contains("quay.io"));
    }

    #[test]
    fn replacing_keeps_the_email_and_removing_keeps_the_rest() {
        let mut config = DockerConfig::parse(THREE).unwrap();
        config.set_basic("quay.io", "u", "p");
        let entry: Value = serde_json::from_str(config.entry("quay.io").unwrap()).unwrap();
        assert_eq!(
            entry,
            json!({ "auth": "dTpw", "email": "admin@example.com" })
        );
        assert!(config.remove("registry.redhat.io"));
        let back: Value = serde_json::from_str(&config.to_text()).unwrap();
        assert_eq!(back["auths"].as_object().unwrap().len(), 2);
        assert_eq!(back["credsStore"], "x");
    }

    #[test]
    fn a_document_that_is_not_a_docker_config_says_why() {
        assert!(
            DockerConfig::parse("not json")
                .unwrap_err()
                .contains("line 1")
        );
        assert_eq!(
            DockerConfig::parse("{}").unwrap_err(),
            "no \"auths\" object"
        );
        assert!(
            DockerConfig::parse(r#"{"auths":{"a":1}}"#)
                .unwrap_err()
                .contains("auths.a")
        );
        assert_eq!(DockerConfig::empty().to_text(), r#"{"auths":{}}"#);
    }

    #[test]
    fn facts_name_what_an_entry_has_never_its_values() {
        assert_eq!(
            facts(r#"{"auth":"x","email":"e"}"#),
            EntryFacts {
                auth: true,
                email: true,
                identity_token: false
            }
        );
        assert_eq!(
            facts(r#"{"identitytoken":"t"}"#),
            EntryFacts {
                auth: false,
                email: false,
                identity_token: true
            }
        );
    }
}
