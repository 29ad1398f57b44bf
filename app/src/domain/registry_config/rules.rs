//! The operator's rules for the registry `Config` (SPEC §4), checked before anything is
//! applied (pure: no I/O). The API server accepts these mistakes and the operator then goes
//! Degraded, or (emptyDir with several replicas) silently keeps separate images per pod, so
//! the console is the only guard. Each violation names the field and the fix, through a
//! catalogue key, so it reads the same in English and Japanese.

use crate::domain::storage::validate::storage_field_rules;
pub use crate::domain::storage::validate::{is_http_url, is_s3_bucket, without_password};
pub use crate::domain::violation::{Severity, Violation, message};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What the rules need beyond the spec itself (read from the cluster by the caller).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleContext {
    /// Access modes of the claim named in `spec.storage.pvc.claim`, when it exists.
    pub claim_access_modes: Option<Vec<String>>,
    /// The user confirmed that `Removed` deletes the storage the operator provisioned.
    pub removal_confirmed: bool,
    /// `managementState` before this change.
    pub current_state: Option<String>,
    /// `spec.storage.pvc.claim` names a claim that does not exist (and the change does not
    /// create it): typically the operator's own, which `Removed` deleted.
    pub claim_missing: bool,
}

/// `managementState` values (SPEC §3).
pub const MANAGEMENT_STATES: [&str; 3] = ["Managed", "Unmanaged", "Removed"];
/// `logLevel` and `operatorLogLevel` values.
pub const LOG_LEVELS: [&str; 4] = ["Normal", "Debug", "Trace", "TraceAll"];
/// `rolloutStrategy` values.
pub const ROLLOUT_STRATEGIES: [&str; 2] = ["RollingUpdate", "Recreate"];

/// The storage types of `spec.storage`; exactly one may be set.
pub const STORAGE_TYPES: [&str; 7] = ["s3", "gcs", "azure", "swift", "pvc", "emptyDir", "ibmcos"];
/// Name of the route the operator creates for `defaultRoute: true`.
pub const DEFAULT_ROUTE: &str = "default-route";

fn one_of(spec: &Value, field: &str, allowed: &[&str], out: &mut Vec<Violation>) {
    if let Some(value) = spec.get(field) {
        match value.as_str() {
            Some(text) if allowed.contains(&text) => {}
            _ => out.push(
                Violation::error(&format!("spec.{field}"), "rule.one_of")
                    .with("value", value_text(value))
                    .with("allowed", allowed.join(", ")),
            ),
        }
    }
}

fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A DNS-1123 subdomain (route hostnames): lower-case labels of letters, digits and `-`,
/// separated by dots, at most 253 characters.
pub fn is_dns_subdomain(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// SPEC §3 `proxy`: the registry hands these to its HTTP client; anything but an http(s)
/// URL with a host makes every upstream request fail.
fn proxy_rules(spec: &Value, out: &mut Vec<Violation>) {
    for key in ["http", "https"] {
        if let Some(url) = spec
            .pointer(&format!("/proxy/{key}"))
            .and_then(Value::as_str)
            && !url.is_empty()
            && !is_http_url(url)
        {
            out.push(
                Violation::error(&format!("spec.proxy.{key}"), "rule.proxy_url")
                    .with("value", without_password(url)),
            );
        }
    }
}

/// `maxWaitInQueue` as the registry reads it: a Go duration (`30s`, `1m30s`, `500ms`, `0`),
/// and not a negative one (a wait cannot be).
fn is_wait_duration(text: &str) -> bool {
    crate::domain::duration::parse_go(text).is_ok_and(|d| !d.is_negative())
}

/// SPEC §4 rule 3: a claim only one node can mount (no ReadWriteMany) runs one replica, and
/// only with the Recreate rollout (the new pod cannot start while the old holds it).
pub fn read_write_once_rules(
    replicas: i64,
    strategy: &str,
    modes: &[String],
    out: &mut Vec<Violation>,
) {
    if modes.iter().any(|m| m == "ReadWriteMany") {
        return;
    }
    if replicas > 1 {
        out.push(
            Violation::error("spec.replicas", "rule.pvc.rwo_replicas").with("replicas", replicas),
        );
    }
    if strategy != "Recreate" {
        out.push(Violation::error(
            "spec.rolloutStrategy",
            "rule.pvc.rwo_strategy",
        ));
    }
}

fn storage_rules(spec: &Value, ctx: &RuleContext, out: &mut Vec<Violation>) {
    let storage = spec.get("storage").and_then(Value::as_object);
    let set: Vec<&str> = STORAGE_TYPES
        .iter()
        .copied()
        .filter(|t| storage.is_some_and(|s| s.get(*t).is_some_and(|v| !v.is_null())))
        .collect();
    let state = spec
        .get("managementState")
        .and_then(Value::as_str)
        .unwrap_or("Managed");
    if set.len() > 1 {
        out.push(
            Violation::error("spec.storage", "rule.storage.several").with("types", set.join(", ")),
        );
    }
    if set.is_empty() && state == "Managed" {
        out.push(Violation::error("spec.storage", "rule.storage.none"));
    }
    let replicas = spec.get("replicas").and_then(Value::as_i64).unwrap_or(1);
    let strategy = spec
        .get("rolloutStrategy")
        .and_then(Value::as_str)
        .unwrap_or("RollingUpdate");
    if set == ["emptyDir"] {
        if replicas > 1 {
            out.push(
                Violation::error("spec.replicas", "rule.emptydir.replicas")
                    .with("replicas", replicas),
            );
        }
        out.push(Violation::warning(
            "spec.storage.emptyDir",
            "rule.emptydir.not_production",
        ));
    }
    if set == ["pvc"]
        && let Some(modes) = &ctx.claim_access_modes
    {
        read_write_once_rules(replicas, strategy, modes, out);
    }
    if set == ["pvc"] && state == "Managed" && ctx.claim_missing {
        let claim = spec
            .pointer("/storage/pvc/claim")
            .and_then(Value::as_str)
            .unwrap_or_default();
        out.push(
            Violation::error("spec.storage.pvc.claim", "rule.pvc.claim_missing")
                .with("claim", claim),
        );
    }
    if let Some(storage) = storage {
        storage_field_rules(storage, out);
    }
}

fn route_rules(spec: &Value, out: &mut Vec<Violation>) {
    let Some(routes) = spec.get("routes").and_then(Value::as_array) else {
        return;
    };
    let mut seen: Vec<&str> = Vec::new();
    for (i, route) in routes.iter().enumerate() {
        let name = route
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let field = format!("spec.routes[{i}]");
        if name.is_empty() || name.contains('.') || !is_dns_subdomain(name) {
            out.push(
                Violation::error(&format!("{field}.name"), "rule.route.name").with("value", name),
            );
        }
        if name == DEFAULT_ROUTE {
            out.push(Violation::error(
                &format!("{field}.name"),
                "rule.route.reserved",
            ));
        }
        if seen.contains(&name) {
            out.push(
                Violation::error(&format!("{field}.name"), "rule.route.duplicate")
                    .with("value", name),
            );
        }
        seen.push(name);
        if let Some(host) = route.get("hostname").and_then(Value::as_str)
            && !host.is_empty()
            && !is_dns_subdomain(host)
        {
            out.push(
                Violation::error(&format!("{field}.hostname"), "rule.route.hostname")
                    .with("value", host),
            );
        }
    }
}

fn request_rules(spec: &Value, out: &mut Vec<Violation>) {
    for direction in ["read", "write"] {
        let Some(limits) = spec.pointer(&format!("/requests/{direction}")) else {
            continue;
        };
        for key in ["maxRunning", "maxInQueue"] {
            if let Some(value) = limits.get(key)
                && value.as_i64().is_none_or(|n| n < 0)
            {
                out.push(
                    Violation::error(
                        &format!("spec.requests.{direction}.{key}"),
                        "rule.non_negative",
                    )
                    .with("value", value_text(value)),
                );
            }
        }
        if let Some(wait) = limits.get("maxWaitInQueue")
            && !wait.as_str().is_some_and(is_wait_duration)
        {
            out.push(
                Violation::error(
                    &format!("spec.requests.{direction}.maxWaitInQueue"),
                    "rule.duration",
                )
                .with("value", value_text(wait)),
            );
        }
    }
}

/// Every rule of SPEC §4 that concerns the Config's own fields (the secret's keys, route
/// TLS secrets and CA bundles have their own checks where those objects are edited).
pub fn validate_config_spec(spec: &Value, ctx: &RuleContext) -> Vec<Violation> {
    let mut out = Vec::new();
    one_of(spec, "managementState", &MANAGEMENT_STATES, &mut out);
    for field in ["logLevel", "operatorLogLevel"] {
        one_of(spec, field, &LOG_LEVELS, &mut out);
    }
    one_of(spec, "rolloutStrategy", &ROLLOUT_STRATEGIES, &mut out);
    if let Some(replicas) = spec.get("replicas")
        && replicas.as_i64().is_none_or(|n| n < 0)
    {
        out.push(
            Violation::error("spec.replicas", "rule.non_negative")
                .with("value", value_text(replicas)),
        );
    }
    if spec
        .get("httpSecret")
        .is_some_and(|s| s.as_str() == Some(""))
    {
        out.push(Violation::error(
            "spec.httpSecret",
            "rule.http_secret_empty",
        ));
    }
    storage_rules(spec, ctx, &mut out);
    route_rules(spec, &mut out);
    proxy_rules(spec, &mut out);
    request_rules(spec, &mut out);
    let state = spec.get("managementState").and_then(Value::as_str);
    if state == Some("Removed")
        && ctx.current_state.as_deref() != Some("Removed")
        && !ctx.removal_confirmed
    {
        out.push(Violation::error(
            "spec.managementState",
            "rule.removed_confirm",
        ));
    }
    out
}

/// Catalogue key explaining what a management state does, including the image pruner's
/// `--prune-registry` flag (SPEC §4 rule 9).
pub fn management_state_help_key(state: &str) -> Option<&'static str> {
    Some(match state {
        "Managed" => "state.help.managed",
        "Unmanaged" => "state.help.unmanaged",
        "Removed" => "state.help.removed",
        _ => return None,
    })
}

/// Every message key the rules can produce (tests check both catalogues have them).
pub const MESSAGE_KEYS: [&str; 85] = [
    "rule.one_of",
    "rule.non_negative",
    "rule.http_secret_empty",
    "rule.storage.several",
    "rule.storage.none",
    "rule.emptydir.replicas",
    "rule.emptydir.not_production",
    "rule.pvc.rwo_replicas",
    "rule.pvc.rwo_strategy",
    "rule.pvc.claim_missing",
    "rule.s3.bucket",
    "rule.url",
    "rule.endpoint.link_local",
    "rule.endpoint.loopback",
    "rule.endpoint.private",
    "rule.s3.key_without_encrypt",
    "rule.s3.chunk",
    "rule.azure.account",
    "rule.azure.container",
    "rule.gcs.bucket",
    "rule.required",
    "rule.route.name",
    "rule.route.reserved",
    "rule.route.duplicate",
    "rule.route.hostname",
    "rule.duration",
    "rule.proxy_url",
    "rule.credentials.keys",
    "rule.route.secret_missing",
    "rule.route.secret_unreadable",
    "rule.route.secret_in_use",
    "rule.removed_confirm",
    "state.help.managed",
    "state.help.unmanaged",
    "state.help.removed",
    "schema.type",
    "schema.type.object",
    "schema.type.array",
    "schema.type.string",
    "schema.type.integer",
    "schema.type.number",
    "schema.type.boolean",
    "schema.type.int_or_string",
    "schema.enum",
    "schema.pattern",
    "schema.format.int",
    "schema.format.date_time",
    "schema.format.duration",
    "schema.format.hostname",
    "schema.minimum",
    "schema.minimum_exclusive",
    "schema.maximum",
    "schema.maximum_exclusive",
    "schema.not_empty",
    "schema.min_length",
    "schema.max_length",
    "schema.must_be_empty",
    "schema.min_items",
    "schema.max_items",
    "schema.min_properties",
    "schema.max_properties",
    "schema.required",
    "schema.required.top",
    "schema.unknown_field",
    "schema.unknown_field.known",
    "schema.unknown_field.none",
    "schema.forbidden",
    "schema.not_enum",
    "schema.not",
    "schema.one_of_many",
    "schema.list_set_duplicate",
    "schema.list_map_duplicate",
    "schema.no_schema",
    "schema.cel.azure_internal",
    "schema.cel.registry_scope",
    "schema.cel.blocked_and_allowed",
    "schema.cel.header_set_required",
    "schema.cel.header_set_forbidden",
    "schema.cel.header_reserved",
    "schema.cel.header_value",
    "schema.cel.route_passthrough_allow",
    "schema.cel.route_cert_and_external",
    "schema.cel.route_passthrough_headers",
    "schema.cel.failed",
    "schema.cel.error",
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn keys(spec: Value, ctx: &RuleContext) -> Vec<String> {
        validate_config_spec(&spec, ctx)
            .into_iter()
            .filter(|v| v.severity == Severity::Error)
            .map(|v| format!("{} {}", v.field, v.key))
            .collect()
    }

    fn ok(spec: Value) -> bool {
        keys(spec, &RuleContext::default()).is_empty()
    }

    #[test]
    fn the_guides_bare_metal_setup_is_valid() {
        assert!(ok(
            json!({ "managementState": "Managed", "replicas": 1, "storage": { "pvc": { "claim": "" } } })
        ));
        let fresh_install = RuleContext {
            current_state: Some("Removed".into()),
            ..Default::default()
        };
        assert!(
            keys(
                json!({ "managementState": "Removed", "storage": {} }),
                &fresh_install
            )
            .is_empty()
        );
    }

    #[test]
    fn rule_1_exactly_one_storage_type() {
        assert_eq!(
            keys(
                json!({ "managementState": "Managed", "storage": { "emptyDir": {}, "pvc": { "claim": "" } } }),
                &RuleContext::default()
            ),
            vec!["spec.storage rule.storage.several"]
        );
        assert_eq!(
            keys(
                json!({ "managementState": "Managed", "storage": {} }),
                &RuleContext::default()
            ),
            vec!["spec.storage rule.storage.none"]
        );
        assert!(
            ok(json!({ "managementState": "Unmanaged" })),
            "unmanaged needs nothing"
        );
    }

    #[test]
    fn rule_2_empty_dir_has_one_replica_and_a_warning() {
        let spec =
            json!({ "managementState": "Managed", "replicas": 2, "storage": { "emptyDir": {} } });
        assert_eq!(
            keys(spec, &RuleContext::default()),
            vec!["spec.replicas rule.emptydir.replicas"]
        );
        let one = validate_config_spec(
            &json!({ "managementState": "Managed", "replicas": 1, "storage": { "emptyDir": {} } }),
            &RuleContext::default(),
        );
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].severity, Severity::Warning);
        assert_eq!(one[0].key, "rule.emptydir.not_production");
    }

    #[test]
    fn rule_3_read_write_once_claims() {
        let rwo = RuleContext {
            claim_access_modes: Some(vec!["ReadWriteOnce".into()]),
            ..Default::default()
        };
        let spec = |replicas: i64, strategy: &str| json!({ "managementState": "Managed", "replicas": replicas, "rolloutStrategy": strategy, "storage": { "pvc": { "claim": "block-pvc" } } });
        assert_eq!(
            keys(spec(2, "RollingUpdate"), &rwo),
            vec![
                "spec.replicas rule.pvc.rwo_replicas",
                "spec.rolloutStrategy rule.pvc.rwo_strategy"
            ]
        );
        assert!(
            keys(spec(1, "Recreate"), &rwo).is_empty(),
            "the guide's fix"
        );
        let rwx = RuleContext {
            claim_access_modes: Some(vec!["ReadWriteMany".into()]),
            ..Default::default()
        };
        assert!(keys(spec(3, "RollingUpdate"), &rwx).is_empty());
        assert!(
            keys(spec(3, "RollingUpdate"), &RuleContext::default()).is_empty(),
            "claim created by the operator is RWX"
        );
    }

    #[test]
    fn rule_4_replicas_and_route_names() {
        assert_eq!(
            keys(
                json!({ "managementState": "Unmanaged", "replicas": -1 }),
                &RuleContext::default()
            ),
            vec!["spec.replicas rule.non_negative"]
        );
        let routes = json!({ "managementState": "Unmanaged", "routes": [
            { "name": "public", "hostname": "registry.apps.example.com" },
            { "name": "public", "hostname": "other.apps.example.com" },
            { "name": "default-route" },
            { "name": "Bad_Name", "hostname": "not a host" }
        ]});
        assert_eq!(
            keys(routes, &RuleContext::default()),
            vec![
                "spec.routes[1].name rule.route.duplicate",
                "spec.routes[2].name rule.route.reserved",
                "spec.routes[3].name rule.route.name",
                "spec.routes[3].hostname rule.route.hostname",
            ]
        );
    }

    #[test]
    fn rule_5_hostnames_are_dns_names() {
        assert!(is_dns_subdomain(
            "default-route-openshift-image-registry.apps.example.com"
        ));
        for bad in [
            "",
            "-a.example.com",
            "a..b",
            "UPPER.example.com",
            "a_b.example.com",
            &"a".repeat(64),
        ] {
            assert!(!is_dns_subdomain(bad), "{bad}");
        }
    }

    #[test]
    fn rule_6_storage_fields() {
        assert!(is_s3_bucket("my-registry.bucket-1"));
        for bad in ["ab", "My-Bucket", "a..b", "192.168.0.1", "-abc", "abc-"] {
            assert!(!is_s3_bucket(bad), "{bad}");
        }
        let s3 = |extra: Value| {
            let mut s3 = json!({ "bucket": "registry", "region": "us-east-1" });
            for (k, v) in extra.as_object().expect("object") {
                s3[k] = v.clone();
            }
            json!({ "managementState": "Managed", "storage": { "s3": s3 } })
        };
        assert!(ok(s3(json!({}))));
        assert_eq!(
            keys(
                s3(json!({ "keyID": "arn:aws:kms:k" })),
                &RuleContext::default()
            ),
            vec!["spec.storage.s3.keyID rule.s3.key_without_encrypt"]
        );
        assert!(ok(s3(json!({ "keyID": "arn:aws:kms:k", "encrypt": true }))));
        assert_eq!(
            keys(s3(json!({ "chunkSizeMiB": 4 })), &RuleContext::default()),
            vec!["spec.storage.s3.chunkSizeMiB rule.s3.chunk"]
        );
        assert_eq!(
            keys(
                s3(json!({ "regionEndpoint": "minio:9000" })),
                &RuleContext::default()
            ),
            vec!["spec.storage.s3.regionEndpoint rule.url"]
        );
        assert!(ok(s3(
            json!({ "regionEndpoint": "https://minio.example.com:9000" })
        )));
        let azure = |account: &str, container: &str| json!({ "managementState": "Managed", "storage": { "azure": { "accountName": account, "container": container } } });
        assert!(ok(azure("registrystore01", "images")));
        assert_eq!(
            keys(azure("Registry", "images"), &RuleContext::default()),
            vec!["spec.storage.azure.accountName rule.azure.account"]
        );
        assert_eq!(
            keys(azure("registry", "a--b"), &RuleContext::default()),
            vec!["spec.storage.azure.container rule.azure.container"]
        );
        let swift = json!({ "managementState": "Managed", "storage": { "swift": { "authURL": "keystone:5000", "container": "" } } });
        assert_eq!(
            keys(swift, &RuleContext::default()),
            vec![
                "spec.storage.swift.authURL rule.url",
                "spec.storage.swift.container rule.required"
            ]
        );
    }

    #[test]
    fn rule_9_removed_needs_confirmation_once() {
        let spec = json!({ "managementState": "Removed" });
        let managed = RuleContext {
            current_state: Some("Managed".into()),
            ..Default::default()
        };
        assert_eq!(
            keys(spec.clone(), &managed),
            vec!["spec.managementState rule.removed_confirm"]
        );
        let confirmed = RuleContext {
            removal_confirmed: true,
            ..managed
        };
        assert!(keys(spec.clone(), &confirmed).is_empty());
        let already = RuleContext {
            current_state: Some("Removed".into()),
            ..Default::default()
        };
        assert!(
            keys(spec, &already).is_empty(),
            "no confirmation to stay Removed"
        );
        for state in ["Managed", "Unmanaged", "Removed"] {
            assert!(management_state_help_key(state).is_some());
        }
    }

    #[test]
    fn messages_say_what_is_wrong_without_repeating_the_field() {
        let violations = validate_config_spec(
            &json!({ "managementState": "Managed", "replicas": 2, "storage": { "emptyDir": {} } }),
            &RuleContext::default(),
        );
        let en = message(crate::i18n::Lang::En, &violations[0]);
        let ja = message(crate::i18n::Lang::Ja, &violations[0]);
        assert_eq!(violations[0].field, "spec.replicas");
        for text in [&en, &ja] {
            // The field is shown beside the message; the message must not repeat it.
            assert!(!text.contains("spec.replicas"), "{text}");
            assert!(text.contains('2'), "{text}");
            assert!(!text.contains('{'), "all placeholders filled: {text}");
        }
        assert_ne!(en, ja);
    }

    #[test]
    fn proxies_are_http_urls_with_a_host() {
        let found = keys(
            json!({ "managementState": "Unmanaged", "proxy": { "http": "javascript:alert(8)", "https": "http://user:pw@" , "noProxy": ".cluster.local" } }),
            &RuleContext::default(),
        );
        assert_eq!(
            found,
            vec![
                "spec.proxy.http rule.proxy_url",
                "spec.proxy.https rule.proxy_url"
            ]
        );
        assert!(ok(json!({ "managementState": "Unmanaged", "proxy": {
            "http": "http://proxy.example.com:3128",
            "https": "http://u:fingerprint:0123456789abcdef@proxy.example.com:3128/"
        } })));
    }

    #[test]
    fn a_url_quoted_in_a_message_never_carries_its_password() {
        let found = validate_config_spec(
            &json!({ "managementState": "Unmanaged", "proxy": { "http": "socks5://user:pr0xy-pass@proxy:1080" } }),
            &RuleContext::default(),
        );
        let shown = serde_json::to_string(&found).expect("json");
        assert!(!shown.contains("pr0xy-pass"), "{shown}");
        assert!(shown.contains("socks5://user:…@proxy:1080"), "{shown}");
        assert_eq!(
            without_password("http://proxy:3128/x"),
            "http://proxy:3128/x"
        );
        assert_eq!(without_password("http://u@proxy"), "http://u@proxy");
        assert_eq!(
            without_password("javascript:alert(8)"),
            "javascript:alert(8)"
        );
    }

    #[test]
    fn enums_and_request_limits() {
        let spec = json!({ "managementState": "Force", "logLevel": "Loud", "rolloutStrategy": "BlueGreen",
            "requests": { "read": { "maxRunning": -1, "maxWaitInQueue": "soon" }, "write": { "maxInQueue": 5, "maxWaitInQueue": "1m30s" } } });
        assert_eq!(
            keys(spec, &RuleContext::default()),
            vec![
                "spec.managementState rule.one_of",
                "spec.logLevel rule.one_of",
                "spec.rolloutStrategy rule.one_of",
                "spec.requests.read.maxRunning rule.non_negative",
                "spec.requests.read.maxWaitInQueue rule.duration",
            ]
        );
        assert!(
            is_wait_duration("500ms")
                && is_wait_duration("2h45m")
                && is_wait_duration("0")
                && !is_wait_duration("5")
                && !is_wait_duration("m")
                && !is_wait_duration("-1s")
        );
    }
}
