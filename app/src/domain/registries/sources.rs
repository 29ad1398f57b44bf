//! Registry sources (guide chapter 4; `images.config.openshift.io/cluster` spec): which
//! registries nodes may pull from, which are insecure, where short names are searched,
//! which registries image streams may import from, and the registry's external hostnames.
//!
//! The entry rules are the CRD's (its CEL pattern, lengths and counts), checked here by
//! hand rather than with a regular expression so that each refusal can say *what* is
//! wrong (a scheme, a tag, a digest, a port that is not a number) and name its row; the
//! change pipeline also runs the CRD's own CEL rules on the object it writes.

use crate::domain::violation::Violation;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub const FIELD_ALLOWED: &str = "spec.registrySources.allowedRegistries";
pub const FIELD_BLOCKED: &str = "spec.registrySources.blockedRegistries";
pub const FIELD_INSECURE: &str = "spec.registrySources.insecureRegistries";
pub const FIELD_SEARCH: &str = "spec.registrySources.containerRuntimeSearchRegistries";
pub const FIELD_IMPORT: &str = "spec.allowedRegistriesForImport";
pub const FIELD_EXTERNAL: &str = "spec.externalRegistryHostnames";
/// The user confirmed the risks the review named (a cluster registry blocked, an insecure
/// registry, image streams that stop importing).
pub const FIELD_CONFIRM_RISKS: &str = "confirm.risks";
/// The user confirmed that every node rolls out the new registries.conf.
pub const FIELD_CONFIRM_ROLLOUT: &str = "confirm.rollout";

/// The CRD's `maxItems` and `maxLength` of the registrySources lists.
pub const MAX_ENTRIES: usize = 1024;
pub const MAX_ENTRY_LENGTH: usize = 256;

/// Registries the cluster itself pulls its own images from (OpenShift 4.4): blocking them,
/// or leaving them out of an allow-list, stops updates and operators.
pub const CLUSTER_SOURCES: [&str; 2] = ["quay.io", "registry.redhat.io"];
/// Where the Samples Operator's image streams in `openshift` import from (guide 4.4).
pub const SAMPLES_SOURCE: &str = "registry.redhat.io";

/// One `allowedRegistriesForImport` entry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportLocation {
    pub domain_name: String,
    pub insecure: bool,
}

/// The lists the page edits, as the spec has them (or as the user typed them).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sources {
    pub allowed: Vec<String>,
    pub blocked: Vec<String>,
    pub insecure: Vec<String>,
    pub search: Vec<String>,
    pub import: Vec<ImportLocation>,
    pub external: Vec<String>,
}

fn strings(spec: &Value, pointer: &str) -> Vec<String> {
    spec.pointer(pointer)
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

impl Sources {
    /// The lists of an image config `spec`.
    pub fn of_spec(spec: &Value) -> Sources {
        Sources {
            allowed: strings(spec, "/registrySources/allowedRegistries"),
            blocked: strings(spec, "/registrySources/blockedRegistries"),
            insecure: strings(spec, "/registrySources/insecureRegistries"),
            search: strings(spec, "/registrySources/containerRuntimeSearchRegistries"),
            import: spec
                .get("allowedRegistriesForImport")
                .and_then(Value::as_array)
                .map(|l| {
                    l.iter()
                        .map(|v| ImportLocation {
                            domain_name: v
                                .get("domainName")
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .to_string(),
                            insecure: v.get("insecure").and_then(Value::as_bool) == Some(true),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            external: strings(spec, "/externalRegistryHostnames"),
        }
    }

    /// `spec` with these lists in place: an empty list is left out (the CRD's
    /// `minItems` and "only one of" rules count a present empty list), and an empty
    /// `registrySources` too. Every other field of `spec` stays as it is.
    pub fn apply_to(&self, spec: &Value) -> Value {
        let mut spec = spec.clone();
        if !spec.is_object() {
            spec = json!({});
        }
        let mut sources = spec
            .get("registrySources")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for (key, list) in [
            ("allowedRegistries", &self.allowed),
            ("blockedRegistries", &self.blocked),
            ("insecureRegistries", &self.insecure),
            ("containerRuntimeSearchRegistries", &self.search),
        ] {
            if list.is_empty() {
                sources.remove(key);
            } else {
                sources.insert(key.into(), json!(list));
            }
        }
        let Some(map) = spec.as_object_mut() else {
            return spec;
        };
        if sources.is_empty() {
            map.remove("registrySources");
        } else {
            map.insert("registrySources".into(), Value::Object(sources));
        }
        if self.import.is_empty() {
            map.remove("allowedRegistriesForImport");
        } else {
            let list: Vec<Value> = self
                .import
                .iter()
                .map(|l| {
                    if l.insecure {
                        json!({ "domainName": l.domain_name, "insecure": true })
                    } else {
                        json!({ "domainName": l.domain_name })
                    }
                })
                .collect();
            map.insert("allowedRegistriesForImport".into(), Value::Array(list));
        }
        if self.external.is_empty() {
            map.remove("externalRegistryHostnames");
        } else {
            map.insert("externalRegistryHostnames".into(), json!(self.external));
        }
        spec
    }

    /// Whether the parts that go to every node's registries.conf and policy.json differ.
    pub fn node_config_differs(&self, other: &Sources) -> bool {
        (&self.allowed, &self.blocked, &self.insecure, &self.search)
            != (
                &other.allowed,
                &other.blocked,
                &other.insecure,
                &other.search,
            )
    }
}

/// The non-empty lines of a text area, trimmed, each with its 1-based line number (what
/// the messages name).
pub fn lines(text: &str) -> Vec<(usize, String)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim().to_string()))
        .filter(|(_, l)| !l.is_empty())
        .collect()
}

/// An import line: `domain` or `domain insecure`.
pub fn import_line(line: &str) -> Result<ImportLocation, Option<String>> {
    let mut words = line.split_whitespace();
    let domain_name = words.next().unwrap_or_default().to_string();
    match (words.next(), words.next()) {
        (None, _) => Ok(ImportLocation {
            domain_name,
            insecure: false,
        }),
        (Some("insecure"), None) => Ok(ImportLocation {
            domain_name,
            insecure: true,
        }),
        (Some(word), _) => Err(Some(word.to_string())),
    }
}

/// How a line of a list is shown in its text area (the inverse of [`import_line`]).
pub fn import_text(location: &ImportLocation) -> String {
    if location.insecure {
        format!("{} insecure", location.domain_name)
    } else {
        location.domain_name.clone()
    }
}

/// A DNS label as the CRD's pattern has it (either case; no leading or trailing hyphen).
fn is_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

/// A path component of a scope: `[a-z0-9]+` joined by `.`, `_`, `__` or hyphens.
fn is_path_component(part: &str) -> bool {
    let bytes = part.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if bytes.is_empty() || !alnum(bytes[0]) || !alnum(bytes[bytes.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        if alnum(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !alnum(bytes[i]) {
            i += 1;
        }
        let sep = &part[start..i];
        if !(sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|b| b == b'-')) {
            return false;
        }
    }
    true
}

/// Why `entry` is not a registry scope (`hostname[:port][/path]` or `*.domain`), as a
/// catalogue key and the part at fault; `None` when it is one.
pub fn scope_problem(entry: &str, wildcard_allowed: bool) -> Option<(&'static str, String)> {
    if entry.len() > MAX_ENTRY_LENGTH {
        return Some(("registries.entry_too_long", MAX_ENTRY_LENGTH.to_string()));
    }
    if let Some((scheme, _)) = entry.split_once("://") {
        return Some(("registries.entry_scheme", format!("{scheme}://")));
    }
    if let Some((_, digest)) = entry.split_once('@') {
        return Some(("registries.entry_digest", format!("@{digest}")));
    }
    if let Some(domain) = entry.strip_prefix("*.") {
        if !wildcard_allowed {
            return Some(("registries.entry_wildcard", entry.to_string()));
        }
        return (!domain.split('.').all(is_label))
            .then(|| ("registries.entry_invalid", entry.to_string()));
    }
    let (host_port, path) = match entry.split_once('/') {
        Some((h, p)) => (h, Some(p)),
        None => (entry, None),
    };
    if let Some(path) = path {
        if let Some((_, tag)) = path.rsplit_once(':') {
            return Some(("registries.entry_tag", format!(":{tag}")));
        }
        if !path.split('/').all(is_path_component) {
            return Some(("registries.entry_path", path.to_string()));
        }
    }
    let host = match host_port.split_once(':') {
        Some((host, port)) => {
            if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
                return Some(("registries.entry_port", port.to_string()));
            }
            host
        }
        None => host_port,
    };
    (!host.split('.').all(is_label)).then(|| ("registries.entry_invalid", host.to_string()))
}

/// The violation for row `row` (1-based) of the list `field` holding `value`.
fn row_error(field: &str, row: usize, value: &str, key: &str) -> Violation {
    // The list's own field: the message names the line (what the user sees in the text
    // area), so the slot shows no index beside it.
    Violation::error(field, key)
        .with("row", row)
        .with("value", value)
}

/// The lists a submission typed, each line checked; every message names its row.
pub fn read_sources(
    allowed: &str,
    blocked: &str,
    insecure: &str,
    search: &str,
    import: &str,
    external: &str,
) -> (Sources, Vec<Violation>) {
    let mut out = Vec::new();
    let scopes = |field: &str, text: &str, out: &mut Vec<Violation>| -> Vec<String> {
        let rows = lines(text);
        if rows.len() > MAX_ENTRIES {
            out.push(
                Violation::error(field, "registries.too_many")
                    .with("count", rows.len())
                    .with("max", MAX_ENTRIES),
            );
        }
        let mut seen: Vec<&str> = Vec::new();
        for (row, entry) in &rows {
            if let Some((key, part)) = scope_problem(entry, true) {
                out.push(row_error(field, *row, entry, key).with("part", part));
            } else if seen.contains(&entry.as_str()) {
                out.push(row_error(field, *row, entry, "registries.entry_duplicate"));
            }
            seen.push(entry);
        }
        rows.into_iter().map(|(_, e)| e).collect()
    };
    let sources_allowed = scopes(FIELD_ALLOWED, allowed, &mut out);
    let sources_blocked = scopes(FIELD_BLOCKED, blocked, &mut out);
    let sources_insecure = scopes(FIELD_INSECURE, insecure, &mut out);
    if !sources_allowed.is_empty() && !sources_blocked.is_empty() {
        out.push(Violation::error(
            FIELD_BLOCKED,
            "registries.allowed_and_blocked",
        ));
    }
    // Search registries and external hostnames are host names (`format: hostname`, and
    // "hostname[:port]"): no wildcard, no path.
    let hosts = |field: &str, text: &str, port: bool, out: &mut Vec<Violation>| {
        let rows = lines(text);
        let mut seen: Vec<String> = Vec::new();
        for (row, entry) in &rows {
            let problem = match scope_problem(entry, false) {
                Some(found) => Some(found),
                None if entry.contains('/') => Some(("registries.entry_host_only", entry.clone())),
                None if !port && entry.contains(':') => {
                    Some(("registries.entry_no_port", entry.clone()))
                }
                None => None,
            };
            if let Some((key, part)) = problem {
                out.push(row_error(field, *row, entry, key).with("part", part));
            } else if seen.contains(entry) {
                out.push(row_error(field, *row, entry, "registries.entry_duplicate"));
            }
            seen.push(entry.clone());
        }
        rows.into_iter().map(|(_, e)| e).collect::<Vec<_>>()
    };
    let sources_search = hosts(FIELD_SEARCH, search, false, &mut out);
    let sources_external = hosts(FIELD_EXTERNAL, external, true, &mut out);
    let mut sources_import = Vec::new();
    for (row, line) in lines(import) {
        match import_line(&line) {
            Ok(location) => {
                // Import locations may hold `*` and `?` wildcards anywhere in the host.
                let plain = location.domain_name.replace(['*', '?'], "x");
                if let Some((key, part)) = scope_problem(&plain, false) {
                    let part = if key == "registries.entry_invalid" {
                        location.domain_name.clone()
                    } else {
                        part
                    };
                    out.push(row_error(FIELD_IMPORT, row, &line, key).with("part", part));
                } else if sources_import
                    .iter()
                    .any(|l: &ImportLocation| l.domain_name == location.domain_name)
                {
                    out.push(row_error(
                        FIELD_IMPORT,
                        row,
                        &line,
                        "registries.entry_duplicate",
                    ));
                }
                sources_import.push(location);
            }
            Err(word) => out.push(
                row_error(FIELD_IMPORT, row, &line, "registries.import_flag")
                    .with("part", word.unwrap_or_default()),
            ),
        }
    }
    (
        Sources {
            allowed: sources_allowed,
            blocked: sources_blocked,
            insecure: sources_insecure,
            search: sources_search,
            import: sources_import,
            external: sources_external,
        },
        out,
    )
}

/// The host (and port) part of a scope.
fn scope_host(scope: &str) -> &str {
    scope.split('/').next().unwrap_or(scope)
}

/// Whether the scope `scope` covers images of `host` (`host[:port]`): the same host, or a
/// `*.domain` wildcard above it (a wildcard has no port). A scope with a path covers part
/// of the host, which also counts (it is there on purpose).
pub fn scope_covers(scope: &str, host: &str) -> bool {
    let scoped = scope_host(scope);
    if let Some(domain) = scoped.strip_prefix("*.") {
        let bare = host.split(':').next().unwrap_or(host);
        return bare.ends_with(&format!(".{domain}"));
    }
    scoped == host
}

/// Whether an import location (with `*` and `?` wildcards) matches `host`.
pub fn import_covers(pattern: &str, host: &str) -> bool {
    fn matches(p: &[u8], h: &[u8]) -> bool {
        match (p.first(), h.first()) {
            (None, None) => true,
            (Some(b'*'), _) => matches(&p[1..], h) || (!h.is_empty() && matches(p, &h[1..])),
            (Some(b'?'), Some(_)) => matches(&p[1..], &h[1..]),
            (Some(a), Some(b)) if a.eq_ignore_ascii_case(b) => matches(&p[1..], &h[1..]),
            _ => false,
        }
    }
    matches(pattern.as_bytes(), host.as_bytes())
}

/// What the cluster depends on that a change may cut off.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dependencies {
    /// `status.internalRegistryHostname` (builds and deployments pull from it).
    pub internal_hostname: Option<String>,
    /// The hosts the image streams in `openshift` import from, when they could be read;
    /// else the Samples Operator's [`SAMPLES_SOURCE`].
    pub sample_hosts: Vec<String>,
}

impl Dependencies {
    fn pulled_hosts(&self) -> Vec<String> {
        CLUSTER_SOURCES
            .iter()
            .map(|h| h.to_string())
            .chain(self.internal_hostname.clone())
            .collect()
    }

    fn import_hosts(&self) -> Vec<String> {
        if self.sample_hosts.is_empty() {
            vec![SAMPLES_SOURCE.to_string()]
        } else {
            self.sample_hosts.clone()
        }
    }
}

/// The risks of going from `before` to `after` that need the user's confirmation, as
/// warnings naming the row (errors on [`FIELD_CONFIRM_RISKS`] when not confirmed).
pub fn risks(before: &Sources, after: &Sources, deps: &Dependencies) -> Vec<Violation> {
    let mut out = Vec::new();
    for host in deps.pulled_hosts() {
        if let Some(row) = after.blocked.iter().position(|s| scope_covers(s, &host)) {
            out.push(
                Violation::warning(FIELD_BLOCKED, "registries.risk.blocks_cluster")
                    .with("row", row + 1)
                    .with("host", &host),
            );
        }
        if !after.allowed.is_empty() && !after.allowed.iter().any(|s| scope_covers(s, &host)) {
            out.push(
                Violation::warning(FIELD_ALLOWED, "registries.risk.allow_misses")
                    .with("host", &host),
            );
        }
    }
    for (row, scope) in after.insecure.iter().enumerate() {
        if !before.insecure.contains(scope) {
            out.push(
                Violation::warning(FIELD_INSECURE, "registries.risk.insecure")
                    .with("row", row + 1)
                    .with("value", scope),
            );
        }
    }
    for (row, location) in after.import.iter().enumerate() {
        if location.insecure && !before.import.contains(location) {
            out.push(
                Violation::warning(FIELD_IMPORT, "registries.risk.import_insecure")
                    .with("row", row + 1)
                    .with("value", &location.domain_name),
            );
        }
    }
    if !after.import.is_empty() {
        for host in deps.import_hosts() {
            if !after
                .import
                .iter()
                .any(|l| import_covers(&l.domain_name, &host))
            {
                out.push(
                    Violation::warning(FIELD_IMPORT, "registries.risk.samples_stop")
                        .with("host", &host),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(v: &[Violation]) -> Vec<(String, String)> {
        v.iter().map(|v| (v.field.clone(), v.key.clone())).collect()
    }

    fn read_allowed(text: &str) -> Vec<(String, String)> {
        keys(&read_sources(text, "", "", "", "", "").1)
    }

    #[test]
    fn scopes_follow_the_crd_pattern_and_say_what_is_wrong() {
        for ok in [
            "quay.io",
            "registry.example.com:5000",
            "registry.example.com/team/app",
            "*.example.com",
            "localhost",
            "Registry.Example.com",
            "quay.io/my_org/a__b-c.d",
        ] {
            assert_eq!(scope_problem(ok, true), None, "{ok}");
        }
        let key = |e: &str| scope_problem(e, true);
        assert_eq!(
            key("https://quay.io"),
            Some(("registries.entry_scheme", "https://".into()))
        );
        assert_eq!(
            key("registry.example.com:port"),
            Some(("registries.entry_port", "port".into()))
        );
        assert_eq!(
            key("quay.io/org/app:latest"),
            Some(("registries.entry_tag", ":latest".into()))
        );
        assert_eq!(
            key("quay.io/org/app@sha256:abc"),
            Some(("registries.entry_digest", "@sha256:abc".into()))
        );
        assert_eq!(
            key("-bad.example.com").map(|k| k.0),
            Some("registries.entry_invalid")
        );
        assert_eq!(
            key("quay.io/Org").map(|k| k.0),
            Some("registries.entry_path")
        );
        assert_eq!(
            key(&"a".repeat(257)).map(|k| k.0),
            Some("registries.entry_too_long")
        );
        assert_eq!(
            scope_problem("*.example.com", false).map(|k| k.0),
            Some("registries.entry_wildcard")
        );
    }

    #[test]
    fn each_message_names_its_row() {
        let (_, v) = read_sources(
            "quay.io\n\nhttps://x.example.com\nquay.io",
            "",
            "",
            "",
            "",
            "",
        );
        assert_eq!(
            keys(&v),
            vec![
                (FIELD_ALLOWED.into(), "registries.entry_scheme".into()),
                (FIELD_ALLOWED.into(), "registries.entry_duplicate".into()),
            ]
        );
        assert!(v[0].params.contains(&("row".into(), "3".into())));
    }

    #[test]
    fn allowed_and_blocked_together_and_too_many_entries_are_refused() {
        let v = keys(&read_sources("quay.io", "docker.io", "", "", "", "").1);
        assert_eq!(
            v,
            vec![(
                FIELD_BLOCKED.into(),
                "registries.allowed_and_blocked".into()
            )]
        );
        let many: String = (0..1025).map(|i| format!("r{i}.example.com\n")).collect();
        assert_eq!(
            read_allowed(&many),
            vec![(FIELD_ALLOWED.into(), "registries.too_many".into())]
        );
        let most: String = (0..1024).map(|i| format!("r{i}.example.com\n")).collect();
        assert!(read_allowed(&most).is_empty());
    }

    #[test]
    fn search_and_external_hosts_have_no_path_and_search_no_port() {
        let (_, v) = read_sources(
            "",
            "",
            "",
            "quay.io\nr.example.com:5000",
            "",
            "r.example.com:443\nr.example.com/x",
        );
        assert_eq!(
            keys(&v),
            vec![
                (FIELD_SEARCH.into(), "registries.entry_no_port".into()),
                (FIELD_EXTERNAL.into(), "registries.entry_host_only".into()),
            ]
        );
    }

    #[test]
    fn import_lines_carry_an_insecure_flag_and_wildcards() {
        let (s, v) = read_sources(
            "",
            "",
            "",
            "",
            "quay.io\n*.example.com:5000 insecure\nr.example.com secure",
            "",
        );
        assert_eq!(
            keys(&v),
            vec![(FIELD_IMPORT.into(), "registries.import_flag".into())]
        );
        assert_eq!(
            s.import[1],
            ImportLocation {
                domain_name: "*.example.com:5000".into(),
                insecure: true
            }
        );
        assert_eq!(import_text(&s.import[1]), "*.example.com:5000 insecure");
        assert!(import_covers("*.redhat.io", "registry.redhat.io"));
        assert!(import_covers("registry.redhat.i?", "registry.redhat.io"));
        assert!(!import_covers("quay.io", "registry.redhat.io"));
    }

    #[test]
    fn the_spec_keeps_other_fields_and_drops_empty_lists() {
        let spec = json!({
            "additionalTrustedCA": { "name": "registry-config" },
            "registrySources": { "blockedRegistries": ["docker.io"] },
            "externalRegistryHostnames": ["old.example.com"]
        });
        let sources = Sources {
            allowed: vec!["quay.io".into()],
            import: vec![ImportLocation {
                domain_name: "quay.io".into(),
                insecure: false,
            }],
            ..Default::default()
        };
        assert_eq!(
            sources.apply_to(&spec),
            json!({
                "additionalTrustedCA": { "name": "registry-config" },
                "registrySources": { "allowedRegistries": ["quay.io"] },
                "allowedRegistriesForImport": [{ "domainName": "quay.io" }]
            })
        );
        assert_eq!(Sources::of_spec(&sources.apply_to(&spec)), sources);
        assert_eq!(
            Sources::default().apply_to(&spec),
            json!({ "additionalTrustedCA": { "name": "registry-config" } })
        );
    }

    #[test]
    fn risks_name_the_cluster_registries_insecure_rows_and_stopped_imports() {
        let deps = Dependencies {
            internal_hostname: Some("image-registry.openshift-image-registry.svc:5000".into()),
            sample_hosts: Vec::new(),
        };
        let before = Sources::default();
        let after = Sources {
            allowed: vec![
                "quay.io".into(),
                "image-registry.openshift-image-registry.svc:5000".into(),
            ],
            insecure: vec!["r.example.com".into()],
            import: vec![ImportLocation {
                domain_name: "quay.io".into(),
                insecure: false,
            }],
            ..Default::default()
        };
        let v = risks(&before, &after, &deps);
        assert_eq!(
            keys(&v),
            vec![
                (FIELD_ALLOWED.into(), "registries.risk.allow_misses".into()),
                (FIELD_INSECURE.into(), "registries.risk.insecure".into()),
                (FIELD_IMPORT.into(), "registries.risk.samples_stop".into()),
            ]
        );
        assert!(
            v[0].params
                .contains(&("host".into(), "registry.redhat.io".into()))
        );
        let blocked = Sources {
            blocked: vec!["docker.io".into(), "*.redhat.io".into()],
            ..Default::default()
        };
        let v = risks(&before, &blocked, &deps);
        assert_eq!(
            keys(&v),
            vec![(
                FIELD_BLOCKED.into(),
                "registries.risk.blocks_cluster".into()
            )]
        );
        // Unchanged insecure entries are not warned about again.
        assert!(
            risks(
                &after,
                &Sources {
                    insecure: after.insecure.clone(),
                    ..Default::default()
                },
                &deps
            )
            .is_empty()
        );
    }
}
