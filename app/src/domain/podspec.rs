//! Pod-scheduling checks for the registry `Config` (`configs.imageregistry.operator.openshift.io`).
//!
//! The operator copies `spec.nodeSelector`, `spec.tolerations`, `spec.affinity`,
//! `spec.topologySpreadConstraints` and `spec.resources` into the pod template of the registry
//! Deployment. The CRD schema only checks JSON types, so the API server accepts e.g. a
//! toleration with `operator: Sometimes` in the Config, then refuses the Deployment, and the
//! registry goes Degraded. These checks mirror what the API server runs on a Deployment's pod
//! template, so the console can refuse such values before anything is applied:
//!
//! * k8s.io/kubernetes `pkg/apis/core/validation/validation.go`: `ValidatePodSpec` →
//!   `ValidateLabels(nodeSelector)`, `ValidateTolerations`, `validateAffinity` (node, pod and
//!   pod anti-affinity), `validateTopologySpreadConstraints`, and
//!   `ValidateContainerResourceRequirements` (`validateResourceRequirements`,
//!   `validateContainerResourceName`, `ValidateResourceQuantityValue`,
//!   `validateResourceQuantityHugePageValue`, `validateResourceClaimNames`), with the helpers
//!   of `pkg/apis/core/helper` (`IsNativeResource`, `IsExtendedResourceName`,
//!   `IsOvercommitAllowed`, `IsHugePageResourceValueDivisible`, ...);
//! * apimachinery: `ValidateLabelSelector` / `ValidateLabelName` / `ValidateLabels`
//!   (meta/v1/validation), `IsQualifiedName` / `IsLabelValue` / `IsDNS1123Label` /
//!   `IsDNS1123Subdomain` (api/validate/content), and `ParseQuantity` (api/resource).
//!
//! A few rules go beyond the API server because the value it accepts can never work for the
//! registry pod; each is marked "beyond the API server" below. Values the API server accepts
//! but that are almost certainly mistakes are reported as warnings.
//!
//! Field paths use `.name` for object fields, `[i]` for list items, and for map keys `.key`
//! when the key is a plain word (`[A-Za-z_][A-Za-z0-9_-]*`, e.g. `spec.resources.limits.memory`)
//! and `["key"]` (JSON-quoted) otherwise (e.g. `spec.nodeSelector["bad key"]`).
//!
//! Pure: no I/O. Absent fields and values of the wrong JSON type are skipped (the CRD schema
//! check, which runs separately, reports the types).

use std::cmp::Ordering;
use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::domain::violation::Violation;

/// Every catalogue key this module can report (en.txt and ja.txt have a line for each).
pub const MESSAGE_KEYS: &[&str] = &[
    "podspec.label_key.empty",
    "podspec.label_key.too_many_slashes",
    "podspec.label_key.prefix_empty",
    "podspec.label_key.prefix_invalid",
    "podspec.label_key.name_empty",
    "podspec.label_key.name_too_long",
    "podspec.label_key.name_invalid",
    "podspec.label_value.too_long",
    "podspec.label_value.invalid",
    "podspec.label_value.never_matches",
    "podspec.namespace.invalid",
    "podspec.toleration.operator_unknown",
    "podspec.toleration.key_empty_needs_exists",
    "podspec.toleration.exists_with_value",
    "podspec.toleration.effect_unknown",
    "podspec.toleration.seconds_needs_noexecute",
    "podspec.toleration.seconds_without_effect",
    "podspec.node_affinity.terms_required",
    "podspec.node_affinity.empty_term",
    "podspec.selector.operator_unknown",
    "podspec.selector.values_required",
    "podspec.selector.values_forbidden",
    "podspec.selector.single_value_required",
    "podspec.selector.not_integer",
    "podspec.match_fields.key_unknown",
    "podspec.match_fields.single_value",
    "podspec.match_fields.node_name_invalid",
    "podspec.weight.range",
    "podspec.topology_key.required",
    "podspec.match_label_keys.requires_selector",
    "podspec.match_label_keys.in_selector",
    "podspec.match_label_keys.in_mismatch",
    "podspec.spread.max_skew",
    "podspec.spread.when_unsatisfiable",
    "podspec.spread.min_domains_positive",
    "podspec.spread.min_domains_needs_do_not_schedule",
    "podspec.spread.policy",
    "podspec.spread.duplicate",
    "podspec.integer.too_large",
    "podspec.quantity.invalid",
    "podspec.quantity.negative",
    "podspec.quantity.not_integer",
    "podspec.resources.name_invalid",
    "podspec.resources.extended_name_invalid",
    "podspec.resources.reserved_namespace",
    "podspec.resources.request_exceeds_limit",
    "podspec.resources.request_must_equal_limit",
    "podspec.resources.limit_required",
    "podspec.resources.hugepages_size_invalid",
    "podspec.resources.hugepages_not_multiple",
    "podspec.resources.hugepages_need_cpu_or_memory",
    "podspec.resources.claim_name_required",
    "podspec.resources.claim_duplicate",
    "podspec.resources.claim_request_invalid",
    "podspec.resources.claim_not_declared",
];

const TOLERATION_OPERATORS: &[&str] = &["Exists", "Equal"];
const TAINT_EFFECTS: &[&str] = &["NoSchedule", "PreferNoSchedule", "NoExecute"];
const NODE_SELECTOR_OPERATORS: &[&str] = &["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"];
const NODE_FIELD_SELECTOR_OPERATORS: &[&str] = &["In", "NotIn"];
const LABEL_SELECTOR_OPERATORS: &[&str] = &["In", "NotIn", "Exists", "DoesNotExist"];
const WHEN_UNSATISFIABLE: &[&str] = &["DoNotSchedule", "ScheduleAnyway"];
const NODE_INCLUSION_POLICIES: &[&str] = &["Honor", "Ignore"];
/// The only field a node field selector may match (`nodeFieldSelectorValidators`).
const NODE_FIELD_KEY: &str = "metadata.name";
const HUGEPAGES_PREFIX: &str = "hugepages-";
const STANDARD_CONTAINER_RESOURCES: &[&str] = &["cpu", "memory", "ephemeral-storage"];

/// Checks the five pod-scheduling fields of a registry Config `spec` (a JSON object; absent
/// fields are fine) the way the API server checks them in the registry Deployment.
pub fn validate_pod_scheduling(spec: &Value) -> Vec<Violation> {
    let mut out = Vec::new();
    let Some(spec) = spec.as_object() else {
        return out;
    };
    let root = Path::new("spec");
    if let Some(selector) = get_obj(spec, "nodeSelector") {
        check_labels(selector, &root.child("nodeSelector"), &mut out);
    }
    if let Some(tolerations) = get_arr(spec, "tolerations") {
        check_tolerations(tolerations, &root.child("tolerations"), &mut out);
    }
    if let Some(affinity) = get_obj(spec, "affinity") {
        check_affinity(affinity, &root.child("affinity"), &mut out);
    }
    if let Some(constraints) = get_arr(spec, "topologySpreadConstraints") {
        check_topology_spread(
            constraints,
            &root.child("topologySpreadConstraints"),
            &mut out,
        );
    }
    if let Some(resources) = get_obj(spec, "resources") {
        check_resources(resources, &root.child("resources"), &mut out);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Field paths and JSON access

#[derive(Clone, Debug)]
struct Path(String);

impl Path {
    fn new(root: &str) -> Self {
        Path(root.to_string())
    }

    fn child(&self, name: &str) -> Self {
        Path(format!("{}.{name}", self.0))
    }

    fn index(&self, i: usize) -> Self {
        Path(format!("{}[{i}]", self.0))
    }

    /// A map key: `.key` for plain words, `["key"]` (JSON string syntax) otherwise.
    fn key(&self, key: &str) -> Self {
        let plain = key
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if plain {
            self.child(key)
        } else {
            let quoted = serde_json::to_string(key).unwrap_or_else(|_| format!("\"{key}\""));
            Path(format!("{}[{quoted}]", self.0))
        }
    }

    fn as_str(&self) -> &str {
        &self.0
    }
}

type Object = Map<String, Value>;

fn get_obj<'a>(obj: &'a Object, name: &str) -> Option<&'a Object> {
    obj.get(name).and_then(Value::as_object)
}

fn get_arr<'a>(obj: &'a Object, name: &str) -> Option<&'a [Value]> {
    obj.get(name).and_then(Value::as_array).map(Vec::as_slice)
}

/// A list field, empty when absent or null.
fn list<'a>(obj: &'a Object, name: &str) -> &'a [Value] {
    get_arr(obj, name).unwrap_or(&[])
}

fn get_str<'a>(obj: &'a Object, name: &str) -> Option<&'a str> {
    obj.get(name).and_then(Value::as_str)
}

/// The string items of a list, with their index (other items are the schema check's job).
fn str_items(values: &[Value]) -> impl Iterator<Item = (usize, &str)> {
    values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.as_str().map(|s| (i, s)))
}

/// An integral JSON number (also `3.0`), without the int64 limit of `as_i64`.
fn integer(value: &Value) -> Option<i128> {
    if let Some(i) = value.as_i64() {
        return Some(i128::from(i));
    }
    if let Some(u) = value.as_u64() {
        return Some(i128::from(u));
    }
    match value.as_f64() {
        Some(f) if f.is_finite() && f.fract() == 0.0 => Some(f as i128),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Names and label values (apimachinery api/validate/content)

/// The name part of a qualified name, and a label value when non-empty:
/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`.
fn is_label_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// One RFC 1123 label without the length limit: `[a-z0-9]([-a-z0-9]*[a-z0-9])?`.
fn is_dns_label_chars(s: &str) -> bool {
    let b = s.as_bytes();
    let alnum = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    !b.is_empty()
        && alnum(&b[0])
        && alnum(&b[b.len() - 1])
        && b.iter().all(|c| alnum(c) || *c == b'-')
}

/// `IsDNS1123Label`: at most 63 characters.
fn is_dns1123_label(s: &str) -> bool {
    s.len() <= 63 && is_dns_label_chars(s)
}

/// `IsDNS1123Subdomain`: at most 253 characters in total (Kubernetes does not limit the
/// length of each dot-separated label here).
fn is_dns1123_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns_label_chars)
}

/// `ValidateLabelName` (`IsQualifiedName`): `[prefix/]name`, prefix a DNS-1123 subdomain,
/// name at most 63 characters. Reports every problem, like the API server; returns whether
/// the key is valid.
fn check_label_key(key: &str, path: &Path, out: &mut Vec<Violation>) -> bool {
    let before = out.len();
    let report = |out: &mut Vec<Violation>, msg: &str, prefix: &str, name: &str| {
        out.push(
            Violation::error(path.as_str(), msg)
                .with("value", key)
                .with("prefix", prefix)
                .with("name", name),
        );
    };
    if key.is_empty() {
        report(out, "podspec.label_key.empty", "", "");
        return false;
    }
    let parts: Vec<&str> = key.split('/').collect();
    let (prefix, name) = match parts.as_slice() {
        [name] => ("", *name),
        [prefix, name] => (*prefix, *name),
        _ => {
            report(out, "podspec.label_key.too_many_slashes", "", "");
            return false;
        }
    };
    if parts.len() == 2 {
        if prefix.is_empty() {
            report(out, "podspec.label_key.prefix_empty", prefix, name);
        } else if !is_dns1123_subdomain(prefix) {
            report(out, "podspec.label_key.prefix_invalid", prefix, name);
        }
    }
    if name.is_empty() {
        report(out, "podspec.label_key.name_empty", prefix, name);
    } else {
        if name.len() > 63 {
            out.push(
                Violation::error(path.as_str(), "podspec.label_key.name_too_long")
                    .with("value", key)
                    .with("prefix", prefix)
                    .with("name", name)
                    .with("length", name.len()),
            );
        }
        if !is_label_name(name) {
            report(out, "podspec.label_key.name_invalid", prefix, name);
        }
    }
    out.len() == before
}

fn is_label_key(key: &str) -> bool {
    check_label_key(key, &Path::new(""), &mut Vec::new())
}

fn is_label_value(value: &str) -> bool {
    value.is_empty() || (value.len() <= 63 && is_label_name(value))
}

/// `IsLabelValue`: empty, or at most 63 characters of the label-name pattern.
fn check_label_value(value: &str, path: &Path, out: &mut Vec<Violation>) {
    if value.len() > 63 {
        out.push(
            Violation::error(path.as_str(), "podspec.label_value.too_long")
                .with("value", value)
                .with("length", value.len()),
        );
    }
    if !value.is_empty() && !is_label_name(value) {
        out.push(
            Violation::error(path.as_str(), "podspec.label_value.invalid").with("value", value),
        );
    }
}

/// `ValidateLabels`: keys are qualified names, values label values (nodeSelector, matchLabels).
fn check_labels(labels: &Object, path: &Path, out: &mut Vec<Violation>) {
    for (key, value) in labels {
        let entry = path.key(key);
        check_label_key(key, &entry, out);
        if let Some(value) = value.as_str() {
            check_label_value(value, &entry, out);
        }
    }
}

/// An operator outside `allowed` (shared by node and label selectors).
fn unknown_operator(op: &str, allowed: &[&str], path: &Path, key: &str) -> Violation {
    Violation::error(path.as_str(), key)
        .with("value", op)
        .with("allowed", allowed.join(", "))
}

// ---------------------------------------------------------------------------------------------
// Tolerations (ValidateTolerations)

fn check_tolerations(tolerations: &[Value], path: &Path, out: &mut Vec<Violation>) {
    for (i, toleration) in tolerations.iter().enumerate() {
        let Some(t) = toleration.as_object() else {
            continue;
        };
        let p = path.index(i);
        let key = get_str(t, "key").unwrap_or("");
        let operator = get_str(t, "operator").unwrap_or("");
        let value = get_str(t, "value").unwrap_or("");
        let effect = get_str(t, "effect").unwrap_or("");

        if !key.is_empty() {
            check_label_key(key, &p.child("key"), out);
        }
        // An empty key with Exists (and no value) means "tolerate every taint".
        if key.is_empty() && operator != "Exists" {
            out.push(
                Violation::error(
                    p.child("operator").as_str(),
                    "podspec.toleration.key_empty_needs_exists",
                )
                .with(
                    "value",
                    if operator.is_empty() {
                        "Equal"
                    } else {
                        operator
                    },
                ),
            );
        }
        if let Some(seconds) = t.get("tolerationSeconds").filter(|v| !v.is_null()) {
            // The API server reports this on `effect`; the field the user added is this one.
            let p = p.child("tolerationSeconds");
            if effect.is_empty() {
                out.push(Violation::error(
                    p.as_str(),
                    "podspec.toleration.seconds_without_effect",
                ));
            } else if effect != "NoExecute" {
                out.push(
                    Violation::error(p.as_str(), "podspec.toleration.seconds_needs_noexecute")
                        .with("value", effect),
                );
            }
            // int64 in the Deployment; the CRD schema does not enforce `format: int64`.
            if let Some(n) = integer(seconds)
                && n > i128::from(i64::MAX)
            {
                out.push(too_large(&p, n, i128::from(i64::MAX)));
            }
        }
        match operator {
            // Empty means Equal. (The API server reports a bad value on `operator`.)
            "" | "Equal" => check_label_value(value, &p.child("value"), out),
            "Exists" => {
                if !value.is_empty() {
                    out.push(
                        Violation::error(
                            p.child("value").as_str(),
                            "podspec.toleration.exists_with_value",
                        )
                        .with("value", value),
                    );
                }
            }
            other => out.push(unknown_operator(
                other,
                TOLERATION_OPERATORS,
                &p.child("operator"),
                "podspec.toleration.operator_unknown",
            )),
        }
        // Empty means "every effect".
        if !effect.is_empty() && !TAINT_EFFECTS.contains(&effect) {
            out.push(
                Violation::error(
                    p.child("effect").as_str(),
                    "podspec.toleration.effect_unknown",
                )
                .with("value", effect)
                .with("allowed", TAINT_EFFECTS.join(", ")),
            );
        }
    }
}

fn too_large(path: &Path, value: i128, max: i128) -> Violation {
    Violation::error(path.as_str(), "podspec.integer.too_large")
        .with("value", value)
        .with("max", max)
}

// ---------------------------------------------------------------------------------------------
// Affinity (validateAffinity)

const REQUIRED: &str = "requiredDuringSchedulingIgnoredDuringExecution";
const PREFERRED: &str = "preferredDuringSchedulingIgnoredDuringExecution";

fn check_affinity(affinity: &Object, path: &Path, out: &mut Vec<Violation>) {
    if let Some(node) = get_obj(affinity, "nodeAffinity") {
        check_node_affinity(node, &path.child("nodeAffinity"), out);
    }
    for kind in ["podAffinity", "podAntiAffinity"] {
        let Some(pod) = get_obj(affinity, kind) else {
            continue;
        };
        let p = path.child(kind);
        for (i, term) in list(pod, REQUIRED).iter().enumerate() {
            if let Some(term) = term.as_object() {
                check_pod_affinity_term(term, &p.child(REQUIRED).index(i), out);
            }
        }
        for (i, weighted) in list(pod, PREFERRED).iter().enumerate() {
            let Some(weighted) = weighted.as_object() else {
                continue;
            };
            let wp = p.child(PREFERRED).index(i);
            check_weight(weighted, &wp, out);
            if let Some(term) = get_obj(weighted, "podAffinityTerm") {
                check_pod_affinity_term(term, &wp.child("podAffinityTerm"), out);
            }
        }
    }
}

/// Preferred terms: weight in 1–100.
fn check_weight(obj: &Object, path: &Path, out: &mut Vec<Violation>) {
    if let Some(weight) = obj.get("weight").and_then(integer)
        && !(1..=100).contains(&weight)
    {
        out.push(
            Violation::error(path.child("weight").as_str(), "podspec.weight.range")
                .with("value", weight),
        );
    }
}

fn check_node_affinity(node: &Object, path: &Path, out: &mut Vec<Violation>) {
    if let Some(required) = get_obj(node, REQUIRED) {
        let terms_path = path.child(REQUIRED).child("nodeSelectorTerms");
        let terms = list(required, "nodeSelectorTerms");
        if terms.is_empty() {
            out.push(Violation::error(
                terms_path.as_str(),
                "podspec.node_affinity.terms_required",
            ));
        }
        for (i, term) in terms.iter().enumerate() {
            if let Some(term) = term.as_object() {
                check_node_selector_term(term, &terms_path.index(i), true, out);
            }
        }
    }
    for (i, preferred) in list(node, PREFERRED).iter().enumerate() {
        let Some(preferred) = preferred.as_object() else {
            continue;
        };
        let p = path.child(PREFERRED).index(i);
        check_weight(preferred, &p, out);
        if let Some(term) = get_obj(preferred, "preference") {
            check_node_selector_term(term, &p.child("preference"), false, out);
        }
    }
}

/// `ValidateNodeSelectorTerm`. In preferred terms the API server allows invalid label values
/// ("they can succeed when the cluster has only one node"); they are warnings here.
fn check_node_selector_term(term: &Object, path: &Path, required: bool, out: &mut Vec<Violation>) {
    let expressions = list(term, "matchExpressions");
    let fields = list(term, "matchFields");
    if expressions.is_empty() && fields.is_empty() {
        // Accepted by the API server, but an empty term matches no node.
        out.push(Violation::warning(
            path.as_str(),
            "podspec.node_affinity.empty_term",
        ));
    }
    for (j, requirement) in expressions.iter().enumerate() {
        let Some(r) = requirement.as_object() else {
            continue;
        };
        let p = path.child("matchExpressions").index(j);
        let operator = get_str(r, "operator").unwrap_or("");
        let values = list(r, "values");
        let values_path = p.child("values");
        match operator {
            "In" | "NotIn" => {
                if values.is_empty() {
                    out.push(values_required(&values_path, operator));
                }
            }
            "Exists" | "DoesNotExist" => {
                if !values.is_empty() {
                    out.push(values_forbidden(&values_path, operator));
                }
            }
            "Gt" | "Lt" => {
                if values.len() != 1 {
                    out.push(
                        Violation::error(
                            values_path.as_str(),
                            "podspec.selector.single_value_required",
                        )
                        .with("operator", operator)
                        .with("count", values.len()),
                    );
                } else if let Some(value) = values[0].as_str()
                    && value.parse::<i64>().is_err()
                {
                    // Beyond the API server: the scheduler parses the value with
                    // strconv.ParseInt and a term it cannot parse never matches.
                    out.push(
                        Violation::error(
                            values_path.index(0).as_str(),
                            "podspec.selector.not_integer",
                        )
                        .with("operator", operator)
                        .with("value", value),
                    );
                }
            }
            other => out.push(unknown_operator(
                other,
                NODE_SELECTOR_OPERATORS,
                &p.child("operator"),
                "podspec.selector.operator_unknown",
            )),
        }
        check_label_key(get_str(r, "key").unwrap_or(""), &p.child("key"), out);
        for (k, value) in str_items(values) {
            if required {
                check_label_value(value, &values_path.index(k), out);
            } else if !is_label_value(value) {
                out.push(
                    Violation::warning(
                        values_path.index(k).as_str(),
                        "podspec.label_value.never_matches",
                    )
                    .with("value", value),
                );
            }
        }
    }
    for (j, requirement) in fields.iter().enumerate() {
        let Some(r) = requirement.as_object() else {
            continue;
        };
        let p = path.child("matchFields").index(j);
        let operator = get_str(r, "operator").unwrap_or("");
        let values = list(r, "values");
        match operator {
            "In" | "NotIn" => {
                if values.len() != 1 {
                    out.push(
                        Violation::error(
                            p.child("values").as_str(),
                            "podspec.match_fields.single_value",
                        )
                        .with("operator", operator)
                        .with("count", values.len()),
                    );
                }
            }
            other => out.push(unknown_operator(
                other,
                NODE_FIELD_SELECTOR_OPERATORS,
                &p.child("operator"),
                "podspec.selector.operator_unknown",
            )),
        }
        let key = get_str(r, "key").unwrap_or("");
        if key != NODE_FIELD_KEY {
            out.push(
                Violation::error(p.child("key").as_str(), "podspec.match_fields.key_unknown")
                    .with("value", key),
            );
        } else {
            for (k, value) in str_items(values) {
                if !is_dns1123_subdomain(value) {
                    out.push(
                        Violation::error(
                            p.child("values").index(k).as_str(),
                            "podspec.match_fields.node_name_invalid",
                        )
                        .with("value", value),
                    );
                }
            }
        }
    }
}

fn values_required(path: &Path, operator: &str) -> Violation {
    Violation::error(path.as_str(), "podspec.selector.values_required").with("operator", operator)
}

fn values_forbidden(path: &Path, operator: &str) -> Violation {
    Violation::error(path.as_str(), "podspec.selector.values_forbidden").with("operator", operator)
}

/// `validatePodAffinityTerm`.
fn check_pod_affinity_term(term: &Object, path: &Path, out: &mut Vec<Violation>) {
    let selector = get_obj(term, "labelSelector");
    if let Some(selector) = selector {
        check_label_selector(selector, &path.child("labelSelector"), out);
    }
    if let Some(selector) = get_obj(term, "namespaceSelector") {
        check_label_selector(selector, &path.child("namespaceSelector"), out);
    }
    for (i, namespace) in str_items(list(term, "namespaces")) {
        if !is_dns1123_label(namespace) {
            // (The API server reports these on `namespace`, without the index.)
            out.push(
                Violation::error(
                    path.child("namespaces").index(i).as_str(),
                    "podspec.namespace.invalid",
                )
                .with("value", namespace),
            );
        }
    }

    // validateMatchLabelKeysAndMismatchLabelKeys
    let match_keys = list(term, "matchLabelKeys");
    let mismatch_keys = list(term, "mismatchLabelKeys");
    for (name, keys) in [
        ("matchLabelKeys", match_keys),
        ("mismatchLabelKeys", mismatch_keys),
    ] {
        if keys.is_empty() {
            continue;
        }
        if selector.is_none() {
            out.push(Violation::error(
                path.child(name).as_str(),
                "podspec.match_label_keys.requires_selector",
            ));
            continue;
        }
        for (i, key) in str_items(keys) {
            check_label_key(key, &path.child(name).index(i), out);
        }
    }
    if let Some(selector) = selector {
        // The API server merges matchLabelKeys into labelSelector when it creates each pod and
        // then refuses the pod if a key is in both; the Deployment itself is accepted, so this
        // is checked here on the template (where the API server only catches a key repeated
        // within the selector).
        let selector_keys = selector_keys(selector);
        for (i, key) in str_items(match_keys) {
            if selector_keys.contains(key) {
                out.push(
                    Violation::error(
                        path.child("matchLabelKeys").index(i).as_str(),
                        "podspec.match_label_keys.in_selector",
                    )
                    .with("value", key),
                );
            }
        }
    }
    let mismatch: BTreeSet<&str> = str_items(mismatch_keys).map(|(_, k)| k).collect();
    for (i, key) in str_items(match_keys) {
        if mismatch.contains(key) {
            out.push(
                Violation::error(
                    path.child("matchLabelKeys").index(i).as_str(),
                    "podspec.match_label_keys.in_mismatch",
                )
                .with("value", key),
            );
        }
    }

    match get_str(term, "topologyKey").unwrap_or("") {
        "" => out.push(Violation::error(
            path.child("topologyKey").as_str(),
            "podspec.topology_key.required",
        )),
        key => {
            check_label_key(key, &path.child("topologyKey"), out);
        }
    }
}

/// The keys a label selector uses (matchLabels and matchExpressions).
fn selector_keys(selector: &Object) -> BTreeSet<&str> {
    let mut keys: BTreeSet<&str> = get_obj(selector, "matchLabels")
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    for expression in list(selector, "matchExpressions") {
        if let Some(key) = expression.as_object().and_then(|e| get_str(e, "key")) {
            keys.insert(key);
        }
    }
    keys
}

/// `ValidateLabelSelector` (metav1.LabelSelector).
fn check_label_selector(selector: &Object, path: &Path, out: &mut Vec<Violation>) {
    if let Some(labels) = get_obj(selector, "matchLabels") {
        check_labels(labels, &path.child("matchLabels"), out);
    }
    for (i, expression) in list(selector, "matchExpressions").iter().enumerate() {
        let Some(e) = expression.as_object() else {
            continue;
        };
        let p = path.child("matchExpressions").index(i);
        let operator = get_str(e, "operator").unwrap_or("");
        let values = list(e, "values");
        match operator {
            "In" | "NotIn" => {
                if values.is_empty() {
                    out.push(values_required(&p.child("values"), operator));
                }
            }
            "Exists" | "DoesNotExist" => {
                if !values.is_empty() {
                    out.push(values_forbidden(&p.child("values"), operator));
                }
            }
            other => out.push(unknown_operator(
                other,
                LABEL_SELECTOR_OPERATORS,
                &p.child("operator"),
                "podspec.selector.operator_unknown",
            )),
        }
        check_label_key(get_str(e, "key").unwrap_or(""), &p.child("key"), out);
        for (k, value) in str_items(values) {
            check_label_value(value, &p.child("values").index(k), out);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Topology spread constraints (validateTopologySpreadConstraints)

fn check_topology_spread(constraints: &[Value], path: &Path, out: &mut Vec<Violation>) {
    let mut seen: Vec<(usize, &str, &str)> = Vec::new();
    for (i, constraint) in constraints.iter().enumerate() {
        let Some(c) = constraint.as_object() else {
            continue;
        };
        let p = path.index(i);
        let topology_key = get_str(c, "topologyKey");
        let when = get_str(c, "whenUnsatisfiable");

        if let Some(skew) = c.get("maxSkew").and_then(integer) {
            if skew <= 0 {
                out.push(
                    Violation::error(p.child("maxSkew").as_str(), "podspec.spread.max_skew")
                        .with("value", skew),
                );
            } else if skew > i128::from(i32::MAX) {
                out.push(too_large(&p.child("maxSkew"), skew, i128::from(i32::MAX)));
            }
        }
        match topology_key {
            None | Some("") => out.push(Violation::error(
                p.child("topologyKey").as_str(),
                "podspec.topology_key.required",
            )),
            // Beyond the API server (which only requires it to be non-empty): a key that is not
            // a valid label key is on no node, so the constraint cannot work.
            Some(key) => {
                check_label_key(key, &p.child("topologyKey"), out);
            }
        }
        if let Some(when) = when
            && !WHEN_UNSATISFIABLE.contains(&when)
        {
            out.push(
                Violation::error(
                    p.child("whenUnsatisfiable").as_str(),
                    "podspec.spread.when_unsatisfiable",
                )
                .with("value", when)
                .with("allowed", WHEN_UNSATISFIABLE.join(", ")),
            );
        }
        // {topologyKey, whenUnsatisfiable} identifies a constraint. (The API server reports the
        // first of the two; the later one is reported here, naming the earlier.)
        let identity = (topology_key.unwrap_or(""), when.unwrap_or(""));
        if let Some((first, _, _)) = seen.iter().find(|(_, k, w)| (*k, *w) == identity) {
            out.push(
                Violation::error(p.as_str(), "podspec.spread.duplicate")
                    .with("other", path.index(*first).as_str())
                    .with("topology_key", identity.0)
                    .with("when", identity.1),
            );
        } else {
            seen.push((i, identity.0, identity.1));
        }
        if let Some(min_domains) = c.get("minDomains").filter(|v| !v.is_null()) {
            let mp = p.child("minDomains");
            if let Some(n) = integer(min_domains) {
                if n <= 0 {
                    out.push(
                        Violation::error(mp.as_str(), "podspec.spread.min_domains_positive")
                            .with("value", n),
                    );
                } else if n > i128::from(i32::MAX) {
                    out.push(too_large(&mp, n, i128::from(i32::MAX)));
                }
            }
            if when != Some("DoNotSchedule") {
                out.push(
                    Violation::error(
                        mp.as_str(),
                        "podspec.spread.min_domains_needs_do_not_schedule",
                    )
                    .with("value", when.unwrap_or("")),
                );
            }
        }
        for policy in ["nodeAffinityPolicy", "nodeTaintsPolicy"] {
            if let Some(value) = get_str(c, policy)
                && !NODE_INCLUSION_POLICIES.contains(&value)
            {
                out.push(
                    Violation::error(p.child(policy).as_str(), "podspec.spread.policy")
                        .with("value", value)
                        .with("allowed", NODE_INCLUSION_POLICIES.join(", ")),
                );
            }
        }
        let selector = get_obj(c, "labelSelector");
        // validateMatchLabelKeysInTopologySpread
        let match_keys = list(c, "matchLabelKeys");
        if !match_keys.is_empty() {
            let keys_path = p.child("matchLabelKeys");
            if selector.is_none() {
                out.push(Violation::error(
                    keys_path.as_str(),
                    "podspec.match_label_keys.requires_selector",
                ));
            }
            let selector_keys = selector.map(selector_keys).unwrap_or_default();
            for (k, key) in str_items(match_keys) {
                check_label_key(key, &keys_path.index(k), out);
                if selector_keys.contains(key) {
                    out.push(
                        Violation::error(
                            keys_path.index(k).as_str(),
                            "podspec.match_label_keys.in_selector",
                        )
                        .with("value", key),
                    );
                }
            }
        }
        if let Some(selector) = selector {
            check_label_selector(selector, &p.child("labelSelector"), out);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Resources (ValidateContainerResourceRequirements)

fn check_resources(resources: &Object, path: &Path, out: &mut Vec<Violation>) {
    let limits = get_obj(resources, "limits");
    let requests = get_obj(resources, "requests");
    let mut parsed_limits: Vec<(&str, Option<Quantity>, String)> = Vec::new();

    for (kind, entries) in [("limits", limits), ("requests", requests)] {
        let Some(entries) = entries else {
            continue;
        };
        for (name, value) in entries {
            let p = path.child(kind).key(name);
            check_container_resource_name(name, &p, out);
            let Some(quantity_text) = quantity_text(value) else {
                continue;
            };
            let quantity = parse_quantity(&quantity_text);
            match &quantity {
                None => out.push(
                    Violation::error(p.as_str(), "podspec.quantity.invalid")
                        .with("value", &quantity_text),
                ),
                Some(q) => check_quantity_value(name, q, &quantity_text, &p, out),
            }
            if name.starts_with(HUGEPAGES_PREFIX) {
                check_hugepages_value(name, quantity.as_ref(), &quantity_text, &p, out);
            }
            if kind == "limits" {
                parsed_limits.push((name.as_str(), quantity, quantity_text));
            } else {
                check_request_against_limit(
                    name,
                    quantity.as_ref(),
                    &quantity_text,
                    &parsed_limits,
                    path,
                    &p,
                    out,
                );
            }
        }
    }

    let names = || {
        limits
            .into_iter()
            .chain(requests)
            .flat_map(|m| m.keys().map(String::as_str))
    };
    if names().any(|n| n.starts_with(HUGEPAGES_PREFIX))
        && !names().any(|n| n == "cpu" || n == "memory")
    {
        out.push(Violation::error(
            path.as_str(),
            "podspec.resources.hugepages_need_cpu_or_memory",
        ));
    }

    if let Some(claims) = get_arr(resources, "claims") {
        check_claims(claims, &path.child("claims"), out);
    }
}

/// A quantity's text as the API server would parse it: a JSON string, or a JSON number as
/// written (int-or-string in the CRD).
fn quantity_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `validateContainerResourceName`.
fn check_container_resource_name(name: &str, path: &Path, out: &mut Vec<Violation>) {
    let invalid =
        || Violation::error(path.as_str(), "podspec.resources.name_invalid").with("value", name);
    if !is_label_key(name) {
        out.push(invalid());
    } else if !name.contains('/') {
        if !STANDARD_CONTAINER_RESOURCES.contains(&name) && !name.starts_with(HUGEPAGES_PREFIX) {
            out.push(invalid());
        }
    } else if is_native_resource(name) {
        // Accepted by the API server, but no device plugin can advertise such a name.
        out.push(
            Violation::warning(path.as_str(), "podspec.resources.reserved_namespace")
                .with("value", name),
        );
    } else if !is_extended_resource(name) {
        out.push(
            Violation::error(path.as_str(), "podspec.resources.extended_name_invalid")
                .with("value", name),
        );
    }
}

/// `IsNativeResource`: unprefixed, or in the `kubernetes.io/` namespace.
fn is_native_resource(name: &str) -> bool {
    !name.contains('/') || name.contains("kubernetes.io/")
}

/// `IsExtendedResourceName`: not native, not `requests.`-prefixed, and still a qualified name
/// with `requests.` in front (the quota name).
fn is_extended_resource(name: &str) -> bool {
    !is_native_resource(name)
        && !name.starts_with("requests.")
        && is_label_key(&format!("requests.{name}"))
}

/// `IsOvercommitAllowed`: native and not huge pages (extended resources and huge pages need
/// request == limit).
fn overcommit_allowed(name: &str) -> bool {
    is_native_resource(name) && !name.starts_with(HUGEPAGES_PREFIX)
}

/// `ValidateResourceQuantityValue`: not negative; extended resources in whole units.
fn check_quantity_value(
    name: &str,
    q: &Quantity,
    quantity_text: &str,
    path: &Path,
    out: &mut Vec<Violation>,
) {
    if q.is_negative() {
        out.push(
            Violation::error(path.as_str(), "podspec.quantity.negative")
                .with("value", quantity_text),
        );
    } else if is_extended_resource(name) && !q.milli_value_is_whole() {
        out.push(
            Violation::error(path.as_str(), "podspec.quantity.not_integer")
                .with("value", quantity_text)
                .with("resource", name),
        );
    }
}

/// `validateResourceQuantityHugePageValue` / `IsHugePageResourceValueDivisible`: the page size
/// must be a positive whole number of bytes and the amount a multiple of it.
fn check_hugepages_value(
    name: &str,
    q: Option<&Quantity>,
    quantity_text: &str,
    path: &Path,
    out: &mut Vec<Violation>,
) {
    let size_text = &name[HUGEPAGES_PREFIX.len()..];
    let page = parse_quantity(size_text).filter(|p| p.is_positive() && p.milli_value_is_whole());
    let Some(page) = page else {
        out.push(
            Violation::error(path.as_str(), "podspec.resources.hugepages_size_invalid")
                .with("value", name),
        );
        return;
    };
    if let Some(q) = q
        && !q.is_negative()
        && let (Some(amount), Some(size)) = (q.ceil_value(), page.ceil_value())
        && amount % size != 0
    {
        out.push(
            Violation::error(path.as_str(), "podspec.resources.hugepages_not_multiple")
                .with("value", quantity_text)
                .with("size", size_text),
        );
    }
}

/// Request ≤ limit; request == limit for resources that cannot be overcommitted, which also
/// need a limit whenever they are requested.
fn check_request_against_limit(
    name: &str,
    request: Option<&Quantity>,
    request_text: &str,
    limits: &[(&str, Option<Quantity>, String)],
    resources_path: &Path,
    path: &Path,
    out: &mut Vec<Violation>,
) {
    match limits.iter().find(|(n, _, _)| *n == name) {
        Some((_, limit, limit_text)) => {
            let (Some(request), Some(limit)) = (request, limit) else {
                return;
            };
            let order = request.cmp(limit);
            let key = if order != Ordering::Equal && !overcommit_allowed(name) {
                "podspec.resources.request_must_equal_limit"
            } else if order == Ordering::Greater {
                "podspec.resources.request_exceeds_limit"
            } else {
                return;
            };
            out.push(
                Violation::error(path.as_str(), key)
                    .with("value", request_text)
                    .with("limit", limit_text)
                    .with("resource", name),
            );
        }
        None if !overcommit_allowed(name) => out.push(
            Violation::error(
                resources_path.child("limits").key(name).as_str(),
                "podspec.resources.limit_required",
            )
            .with("resource", name),
        ),
        None => {}
    }
}

/// `validateResourceClaimNames`. The registry pod declares no `spec.resourceClaims`, so every
/// claim a container references is unknown to the API server.
fn check_claims(claims: &[Value], path: &Path, out: &mut Vec<Violation>) {
    let mut names: BTreeSet<String> = BTreeSet::new();
    for (i, claim) in claims.iter().enumerate() {
        let Some(claim) = claim.as_object() else {
            continue;
        };
        let p = path.index(i);
        let name = get_str(claim, "name").unwrap_or("");
        let request = get_str(claim, "request").unwrap_or("");
        if name.is_empty() {
            out.push(Violation::error(
                p.child("name").as_str(),
                "podspec.resources.claim_name_required",
            ));
            continue;
        }
        let duplicate = |value: &str| {
            Violation::error(p.as_str(), "podspec.resources.claim_duplicate").with("value", value)
        };
        if names.contains(name) {
            // Every request of that claim is already referenced.
            out.push(duplicate(name));
        } else {
            let mut key = name.to_string();
            if !request.is_empty() {
                if !is_dns1123_label(request) {
                    out.push(
                        Violation::error(
                            p.child("request").as_str(),
                            "podspec.resources.claim_request_invalid",
                        )
                        .with("value", request),
                    );
                }
                key = format!("{name}/{request}");
            }
            if names.contains(&key) {
                out.push(duplicate(&key));
            } else if request.is_empty()
                && names
                    .iter()
                    .any(|k| k.split_once('/').is_some_and(|(n, _)| n == name))
            {
                // The whole claim after one of its requests.
                out.push(duplicate(name));
            }
            names.insert(key);
        }
        out.push(
            Violation::error(
                p.child("name").as_str(),
                "podspec.resources.claim_not_declared",
            )
            .with("value", name),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Quantities (apimachinery api/resource ParseQuantity)
//
// Written by hand: the Rust crates found for Kubernetes quantities are not faithful to
// apimachinery's grammar. k8s-openapi's `Quantity` is only a string wrapper; `kube_quantity`
// parses the number with nom's float parser into `rust_decimal` (28 significant digits, float
// syntax such as `inf`, and pulls in k8s-openapi), `k8s_quantity_parser` converts through
// i64/f64 with its own unit table, and others parse floats. Here the value is kept exact.

/// A parsed quantity, exact: `±digits × 10^exp`, rounded like the API server (up to the next
/// nano, away from zero, and binary-suffixed amounts capped at 2^63−1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quantity {
    negative: bool,
    /// Decimal digits, most significant first, without leading or trailing zeros; empty = 0.
    digits: Vec<u8>,
    exp: i64,
}

/// Parses a quantity as apimachinery does:
///
/// ```text
/// <quantity>        ::= <signedNumber><suffix>
/// <signedNumber>    ::= <number> | <sign><number>
/// <number>          ::= <digits> | <digits>.<digits> | <digits>. | .<digits>
/// <suffix>          ::= <binarySI> | <decimalExponent> | <decimalSI>
/// <binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei
/// <decimalSI>       ::= n | u | m | "" | k | M | G | T | P | E
/// <decimalExponent> ::= "e" <sign?><digits> | "E" <sign?><digits>
/// ```
///
/// Deliberate differences from `ParseQuantity`, all on inputs the CRD's quantity pattern
/// rejects anyway: a number without any digit (`+`, `-`, `.`, `.Gi`), which Go reads as 0, is
/// refused; surrounding whitespace (which Go's JSON decoding trims) is refused; an exponent
/// outside the int32 range (which Go silently wraps around) is refused.
pub fn parse_quantity(s: &str) -> Option<Quantity> {
    let b = s.as_bytes();
    let mut i = 0;
    let negative = match b.first() {
        Some(b'-') => {
            i = 1;
            true
        }
        Some(b'+') => {
            i = 1;
            false
        }
        _ => false,
    };
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = &b[int_start..i];
    let mut frac_digits: &[u8] = &[];
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let frac_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        frac_digits = &b[frac_start..i];
    }
    if int_digits.is_empty() && frac_digits.is_empty() {
        return None;
    }
    let (exp10, binary_exp): (i64, u32) = match &s[i..] {
        "" => (0, 0),
        "n" => (-9, 0),
        "u" => (-6, 0),
        "m" => (-3, 0),
        "k" => (3, 0),
        "M" => (6, 0),
        "G" => (9, 0),
        "T" => (12, 0),
        "P" => (15, 0),
        "E" => (18, 0),
        "Ki" => (0, 10),
        "Mi" => (0, 20),
        "Gi" => (0, 30),
        "Ti" => (0, 40),
        "Pi" => (0, 50),
        "Ei" => (0, 60),
        suffix => {
            let exponent = suffix.strip_prefix(['e', 'E'])?;
            // strconv.ParseInt(_, 10, 64): optional sign, decimal digits; like i64::from_str.
            let exponent: i64 = exponent.parse().ok()?;
            if i32::try_from(exponent).is_err() {
                return None;
            }
            (exponent, 0)
        }
    };
    let digits: Vec<u8> = int_digits
        .iter()
        .chain(frac_digits)
        .map(|d| d - b'0')
        .collect();
    let mut q = Quantity::new(negative, digits, exp10 - frac_digits.len() as i64);
    for _ in 0..binary_exp {
        q.double();
    }
    q.round_up_to_nano();
    if binary_exp > 0 {
        let max = Quantity::new(
            false,
            i64::MAX.to_string().bytes().map(|d| d - b'0').collect(),
            0,
        );
        if q.cmp_magnitude(&max) == Ordering::Greater {
            q = Quantity {
                negative: q.negative,
                ..max
            };
        }
    }
    Some(q)
}

impl Quantity {
    fn new(negative: bool, digits: Vec<u8>, exp: i64) -> Self {
        let mut q = Quantity {
            negative,
            digits,
            exp,
        };
        q.normalize();
        q
    }

    fn normalize(&mut self) {
        let leading = self.digits.iter().take_while(|d| **d == 0).count();
        self.digits.drain(..leading);
        while self.digits.last() == Some(&0) {
            self.digits.pop();
            self.exp += 1;
        }
        if self.digits.is_empty() {
            self.negative = false;
            self.exp = 0;
        }
    }

    fn double(&mut self) {
        let mut carry = 0;
        for d in self.digits.iter_mut().rev() {
            let v = *d * 2 + carry;
            *d = v % 10;
            carry = v / 10;
        }
        if carry > 0 {
            self.digits.insert(0, carry);
        }
        self.normalize();
    }

    /// Values finer than 1n are rounded up (away from zero) to the next nano, as
    /// ParseQuantity does ("if you want some resources, you should get some").
    fn round_up_to_nano(&mut self) {
        if self.exp >= -9 {
            return;
        }
        let drop = (-9 - self.exp) as u64;
        if drop >= self.digits.len() as u64 {
            if !self.digits.is_empty() {
                self.digits = vec![1];
            }
        } else {
            let keep = self.digits.len() - drop as usize;
            let remainder = self.digits[keep..].iter().any(|d| *d != 0);
            self.digits.truncate(keep);
            if remainder {
                self.increment();
            }
        }
        self.exp = -9;
        self.normalize();
    }

    fn increment(&mut self) {
        for d in self.digits.iter_mut().rev() {
            if *d == 9 {
                *d = 0;
            } else {
                *d += 1;
                return;
            }
        }
        self.digits.insert(0, 1);
    }

    pub fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    pub fn is_negative(&self) -> bool {
        self.negative && !self.is_zero()
    }

    pub fn is_positive(&self) -> bool {
        !self.negative && !self.is_zero()
    }

    /// Compares absolute values.
    fn cmp_magnitude(&self, other: &Quantity) -> Ordering {
        match (self.is_zero(), other.is_zero()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            _ => {}
        }
        // Position of the most significant digit decides first.
        let top = |q: &Quantity| q.digits.len() as i128 + i128::from(q.exp);
        top(self).cmp(&top(other)).then_with(|| {
            // Same magnitude: compare digit by digit (no trailing zeros, so the longer one
            // is larger when the common part is equal).
            self.digits.cmp(&other.digits)
        })
    }

    /// The digits after the decimal point (with leading zeros), empty for whole numbers.
    fn fraction(&self) -> Vec<u8> {
        if self.exp >= 0 {
            return Vec::new();
        }
        let len = (-self.exp) as usize;
        if len > self.digits.len() {
            let mut f = vec![0; len - self.digits.len()];
            f.extend_from_slice(&self.digits);
            f
        } else {
            self.digits[self.digits.len() - len..].to_vec()
        }
    }

    /// `MilliValue() % 1000 == 0`, with MilliValue rounding up: whole numbers, and (a Go
    /// quirk kept on purpose) values less than a thousandth below a whole number.
    fn milli_value_is_whole(&self) -> bool {
        let f = self.fraction();
        f.is_empty() || (f.len() > 3 && f[..3] == [9, 9, 9])
    }

    /// `Value()` of a non-negative quantity (rounded up to a whole number), when it fits.
    fn ceil_value(&self) -> Option<i128> {
        if self.is_zero() {
            return Some(0);
        }
        if self.digits.len() as i128 + i128::from(self.exp) > 38 {
            return None;
        }
        let whole_len = (self.digits.len() as i64 + self.exp).max(0) as usize;
        let mut value: i128 = 0;
        for d in self.digits.iter().take(whole_len) {
            value = value.checked_mul(10)?.checked_add(i128::from(*d))?;
        }
        for _ in 0..self.exp.max(0) {
            value = value.checked_mul(10)?;
        }
        if !self.fraction().is_empty() {
            value = value.checked_add(1)?;
        }
        Some(if self.negative { -value } else { value })
    }
}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Numeric order (`Quantity.Cmp`).
impl Ord for Quantity {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.is_negative(), other.is_negative()) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => self.cmp_magnitude(other),
            (true, true) => other.cmp_magnitude(self),
        }
    }
}

// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::violation::Severity;
    use crate::i18n::{Lang, translate};
    use serde_json::json;

    fn catalogues() -> [(&'static str, Lang); 2] {
        [("en", Lang::En), ("ja", Lang::Ja)]
    }

    /// Runs the check and makes sure every reported key is catalogued and every placeholder
    /// of its messages is filled.
    fn run(spec: Value) -> Vec<Violation> {
        let violations = validate_pod_scheduling(&spec);
        for v in &violations {
            assert!(
                MESSAGE_KEYS.contains(&v.key.as_str()),
                "uncatalogued key {}",
                v.key
            );
            for (lang, cat) in catalogues() {
                let mut message = translate(cat, &v.key).replace("{field}", &v.field);
                for (name, value) in &v.params {
                    message = message.replace(&format!("{{{name}}}"), value);
                }
                for placeholder in ["{", "}"] {
                    // `hugepages-<size>` uses angle brackets, never braces.
                    assert!(
                        !message.contains(placeholder),
                        "{lang} {}: unfilled in {message}",
                        v.key
                    );
                }
            }
        }
        violations
    }

    /// `field key` pairs, for compact assertions.
    fn found(spec: Value) -> Vec<String> {
        run(spec)
            .iter()
            .map(|v| format!("{} {}", v.field, v.key))
            .collect()
    }

    fn has(spec: Value, field: &str, key: &str) -> Violation {
        let violations = run(spec);
        violations
            .iter()
            .find(|v| v.field == field && v.key == key)
            .cloned()
            .unwrap_or_else(|| panic!("no {field} {key} in {violations:#?}"))
    }

    fn param<'a>(v: &'a Violation, name: &str) -> &'a str {
        &v.params.iter().find(|(n, _)| n == name).expect(name).1
    }

    // ---- catalogue ----

    #[test]
    fn catalogues_have_exactly_the_keys() {
        for (lang, cat) in catalogues() {
            let keys: BTreeSet<&str> = crate::i18n::keys(cat)
                .into_iter()
                .filter(|k| k.starts_with("podspec."))
                .collect();
            let expected: BTreeSet<&str> = MESSAGE_KEYS.iter().copied().collect();
            assert_eq!(keys, expected, "{lang}");
            assert_eq!(
                expected.len(),
                MESSAGE_KEYS.len(),
                "duplicate in MESSAGE_KEYS"
            );
            for (key, message) in MESSAGE_KEYS.iter().map(|k| (k, translate(cat, k))) {
                assert!(key.starts_with("podspec."), "{key}");
                assert!(
                    key.bytes()
                        .all(|b| b.is_ascii_lowercase() || matches!(b, b'.' | b'_')),
                    "{key}"
                );
                assert!(
                    !message.starts_with("{field}"),
                    "{lang} {key} starts with the field"
                );
                assert!(!message.is_empty(), "{lang} {key}");
            }
        }
    }

    // ---- valid examples ----

    #[test]
    fn valid_examples_report_nothing() {
        let spec = json!({
            "nodeSelector": {"node-role.kubernetes.io/infra": "", "disktype": "ssd"},
            "tolerations": [
                {"key": "node-role.kubernetes.io/infra", "operator": "Exists", "effect": "NoSchedule"},
                {"key": "dedicated", "operator": "Equal", "value": "registry", "effect": "NoExecute", "tolerationSeconds": 300},
                {"key": "example.com/gpu", "value": "true"},
                {"operator": "Exists"}
            ],
            "affinity": {
                "nodeAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
                        {"matchExpressions": [
                            {"key": "node-role.kubernetes.io/infra", "operator": "Exists"},
                            {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64", "arm64"]},
                            {"key": "example.com/cores", "operator": "Gt", "values": ["4"]}
                        ]},
                        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["infra-0.example.com"]}]}
                    ]},
                    "preferredDuringSchedulingIgnoredDuringExecution": [
                        {"weight": 50, "preference": {"matchExpressions": [
                            {"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["eu-west-1a"]}
                        ]}}
                    ]
                },
                "podAntiAffinity": {
                    "preferredDuringSchedulingIgnoredDuringExecution": [{
                        "weight": 100,
                        "podAffinityTerm": {
                            "labelSelector": {"matchLabels": {"docker-registry": "default"}},
                            "namespaces": ["openshift-image-registry"],
                            "topologyKey": "kubernetes.io/hostname",
                            "matchLabelKeys": ["pod-template-hash"]
                        }
                    }],
                    "requiredDuringSchedulingIgnoredDuringExecution": [{
                        "labelSelector": {"matchExpressions": [
                            {"key": "docker-registry", "operator": "In", "values": ["default"]},
                            {"key": "canary", "operator": "DoesNotExist"}
                        ]},
                        "namespaceSelector": {},
                        "topologyKey": "topology.kubernetes.io/zone"
                    }]
                },
                "podAffinity": {
                    "preferredDuringSchedulingIgnoredDuringExecution": [{
                        "weight": 1,
                        "podAffinityTerm": {
                            "labelSelector": {"matchLabels": {"app": "cache"}},
                            "topologyKey": "kubernetes.io/hostname",
                            "mismatchLabelKeys": ["app"]
                        }
                    }]
                }
            },
            "topologySpreadConstraints": [
                {
                    "maxSkew": 1,
                    "topologyKey": "topology.kubernetes.io/zone",
                    "whenUnsatisfiable": "DoNotSchedule",
                    "minDomains": 2,
                    "labelSelector": {"matchLabels": {"docker-registry": "default"}},
                    "matchLabelKeys": ["pod-template-hash"],
                    "nodeAffinityPolicy": "Honor",
                    "nodeTaintsPolicy": "Ignore"
                },
                {
                    "maxSkew": 2,
                    "topologyKey": "kubernetes.io/hostname",
                    "whenUnsatisfiable": "ScheduleAnyway",
                    "labelSelector": {"matchLabels": {"docker-registry": "default"}}
                },
                {
                    "maxSkew": 1,
                    "topologyKey": "kubernetes.io/hostname",
                    "whenUnsatisfiable": "DoNotSchedule",
                    "labelSelector": {"matchLabels": {"docker-registry": "default"}}
                }
            ],
            "resources": {
                "requests": {"cpu": "100m", "memory": "256Mi"},
                "limits": {"cpu": "2", "memory": "1Gi"}
            }
        });
        assert_eq!(found(spec), Vec::<String>::new());
    }

    #[test]
    fn infra_guide_example_and_resources_as_numbers() {
        let spec = json!({
            "tolerations": [{"key": "node-role.kubernetes.io/infra", "operator": "Exists", "effect": "NoSchedule"}],
            "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"cpu": 2, "memory": "1Gi"}}
        });
        assert!(found(spec).is_empty());
        assert!(found(json!({})).is_empty());
        assert!(found(json!({"nodeSelector": null, "tolerations": null, "affinity": null, "resources": null})).is_empty());
        assert!(found(json!("not an object")).is_empty());
    }

    #[test]
    fn extended_resources_and_hugepages_valid() {
        let spec = json!({"resources": {
            "limits": {"example.com/gpu": 2, "hugepages-2Mi": "4Mi", "memory": "1Gi"},
            "requests": {"example.com/gpu": "2", "hugepages-2Mi": "4Mi", "memory": "512Mi", "ephemeral-storage": "1Gi"}
        }});
        assert!(found(spec).is_empty());
    }

    // ---- nodeSelector ----

    #[test]
    fn node_selector_keys_and_values() {
        let v = has(
            json!({"nodeSelector": {"bad key": "x"}}),
            "spec.nodeSelector[\"bad key\"]",
            "podspec.label_key.name_invalid",
        );
        assert_eq!(param(&v, "value"), "bad key");
        assert_eq!(v.severity, Severity::Error);
        has(
            json!({"nodeSelector": {"a/b/c": "x"}}),
            "spec.nodeSelector[\"a/b/c\"]",
            "podspec.label_key.too_many_slashes",
        );
        has(
            json!({"nodeSelector": {"/x": "y"}}),
            "spec.nodeSelector[\"/x\"]",
            "podspec.label_key.prefix_empty",
        );
        has(
            json!({"nodeSelector": {"Example.com/x": "y"}}),
            "spec.nodeSelector[\"Example.com/x\"]",
            "podspec.label_key.prefix_invalid",
        );
        has(
            json!({"nodeSelector": {"example.com/": "y"}}),
            "spec.nodeSelector[\"example.com/\"]",
            "podspec.label_key.name_empty",
        );
        has(
            json!({"nodeSelector": {"": "y"}}),
            "spec.nodeSelector[\"\"]",
            "podspec.label_key.empty",
        );
        let long = "a".repeat(64);
        let v = has(
            json!({"nodeSelector": {long.clone(): "y"}}),
            &format!("spec.nodeSelector.{long}"),
            "podspec.label_key.name_too_long",
        );
        assert_eq!(param(&v, "length"), "64");
        let long_prefix = format!("{}.com/x", "a".repeat(250));
        has(
            json!({"nodeSelector": {long_prefix.clone(): ""}}),
            &format!("spec.nodeSelector[\"{long_prefix}\"]"),
            "podspec.label_key.prefix_invalid",
        );
        // A 63-character name and a long (but ≤253) prefix with a long label are fine.
        let ok = format!("{}.example.com/{}", "b".repeat(70), "c".repeat(63));
        assert!(found(json!({"nodeSelector": {ok: "v"}})).is_empty());

        has(
            json!({"nodeSelector": {"disktype": "-ssd"}}),
            "spec.nodeSelector.disktype",
            "podspec.label_value.invalid",
        );
        has(
            json!({"nodeSelector": {"disktype": "a b"}}),
            "spec.nodeSelector.disktype",
            "podspec.label_value.invalid",
        );
        let v = has(
            json!({"nodeSelector": {"disktype": "v".repeat(64)}}),
            "spec.nodeSelector.disktype",
            "podspec.label_value.too_long",
        );
        assert_eq!(param(&v, "length"), "64");
        assert!(found(json!({"nodeSelector": {"disktype": "v".repeat(63)}})).is_empty());
        assert!(found(json!({"nodeSelector": {"a": "A_b.c-9"}})).is_empty());
    }

    #[test]
    fn map_keys_are_quoted_like_json() {
        has(
            json!({"nodeSelector": {"say \"hi\"": ""}}),
            "spec.nodeSelector[\"say \\\"hi\\\"\"]",
            "podspec.label_key.name_invalid",
        );
        has(
            json!({"nodeSelector": {"9lives": "-"}}),
            "spec.nodeSelector[\"9lives\"]",
            "podspec.label_value.invalid",
        );
    }

    // ---- tolerations ----

    #[test]
    fn toleration_operator() {
        let v = has(
            json!({"tolerations": [{"key": "a", "operator": "Exists"}, {"key": "k", "operator": "Sometimes"}]}),
            "spec.tolerations[1].operator",
            "podspec.toleration.operator_unknown",
        );
        assert_eq!(param(&v, "value"), "Sometimes");
        assert_eq!(param(&v, "allowed"), "Exists, Equal");
        // Lower case is not accepted either.
        has(
            json!({"tolerations": [{"key": "k", "operator": "exists"}]}),
            "spec.tolerations[0].operator",
            "podspec.toleration.operator_unknown",
        );
    }

    #[test]
    fn toleration_empty_key_needs_exists() {
        let v = has(
            json!({"tolerations": [{"operator": "Equal"}]}),
            "spec.tolerations[0].operator",
            "podspec.toleration.key_empty_needs_exists",
        );
        assert_eq!(param(&v, "value"), "Equal");
        let v = has(
            json!({"tolerations": [{"effect": "NoSchedule"}]}),
            "spec.tolerations[0].operator",
            "podspec.toleration.key_empty_needs_exists",
        );
        assert_eq!(param(&v, "value"), "Equal");
    }

    #[test]
    fn toleration_exists_with_value() {
        let v = has(
            json!({"tolerations": [{"key": "k", "operator": "Exists", "value": "v"}]}),
            "spec.tolerations[0].value",
            "podspec.toleration.exists_with_value",
        );
        assert_eq!(param(&v, "value"), "v");
        has(
            json!({"tolerations": [{"operator": "Exists", "value": "v"}]}),
            "spec.tolerations[0].value",
            "podspec.toleration.exists_with_value",
        );
    }

    #[test]
    fn toleration_key_and_value_format() {
        has(
            json!({"tolerations": [{"key": "bad key", "operator": "Exists"}]}),
            "spec.tolerations[0].key",
            "podspec.label_key.name_invalid",
        );
        has(
            json!({"tolerations": [{"key": "k", "operator": "Equal", "value": "not valid!"}]}),
            "spec.tolerations[0].value",
            "podspec.label_value.invalid",
        );
        has(
            json!({"tolerations": [{"key": "k", "value": "x".repeat(64)}]}),
            "spec.tolerations[0].value",
            "podspec.label_value.too_long",
        );
    }

    #[test]
    fn toleration_effect() {
        let v = has(
            json!({"tolerations": [{"key": "k", "operator": "Exists", "effect": "NoScheduling"}]}),
            "spec.tolerations[0].effect",
            "podspec.toleration.effect_unknown",
        );
        assert_eq!(
            param(&v, "allowed"),
            "NoSchedule, PreferNoSchedule, NoExecute"
        );
        assert!(
            found(json!({"tolerations": [{"key": "k", "operator": "Exists", "effect": ""}]}))
                .is_empty()
        );
    }

    #[test]
    fn toleration_seconds_only_with_no_execute() {
        let v = has(
            json!({"tolerations": [{"key": "k", "operator": "Exists", "effect": "NoSchedule", "tolerationSeconds": 60}]}),
            "spec.tolerations[0].tolerationSeconds",
            "podspec.toleration.seconds_needs_noexecute",
        );
        assert_eq!(param(&v, "value"), "NoSchedule");
        has(
            json!({"tolerations": [{"key": "k", "operator": "Exists", "tolerationSeconds": 60}]}),
            "spec.tolerations[0].tolerationSeconds",
            "podspec.toleration.seconds_without_effect",
        );
        // Negative seconds are allowed (treated as 0); null is "not set".
        assert!(found(json!({"tolerations": [{"key": "k", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": -5}]})).is_empty());
        assert!(found(json!({"tolerations": [{"key": "k", "operator": "Exists", "tolerationSeconds": null}]})).is_empty());
        has(
            json!({"tolerations": [{"key": "k", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 18446744073709551615u64}]}),
            "spec.tolerations[0].tolerationSeconds",
            "podspec.integer.too_large",
        );
    }

    // ---- node affinity ----

    fn node_required(terms: Value) -> Value {
        json!({"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": terms}}}})
    }

    const TERMS: &str = "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms";

    #[test]
    fn node_affinity_needs_terms() {
        has(
            node_required(json!([])),
            TERMS,
            "podspec.node_affinity.terms_required",
        );
        has(
            json!({"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {}}}}),
            TERMS,
            "podspec.node_affinity.terms_required",
        );
        let v = has(
            node_required(json!([{}])),
            &format!("{TERMS}[0]"),
            "podspec.node_affinity.empty_term",
        );
        assert_eq!(v.severity, Severity::Warning);
    }

    #[test]
    fn node_selector_requirement_operators() {
        let term = |e: Value| {
            node_required(
                json!([{"matchExpressions": [{"key": "a", "operator": "Exists"}, {"key": "b", "operator": "In", "values": ["x"]}, e]}]),
            )
        };
        let at = format!("{TERMS}[0].matchExpressions[2]");
        has(
            term(json!({"key": "k", "operator": "In"})),
            &format!("{at}.values"),
            "podspec.selector.values_required",
        );
        has(
            term(json!({"key": "k", "operator": "NotIn", "values": []})),
            &format!("{at}.values"),
            "podspec.selector.values_required",
        );
        has(
            term(json!({"key": "k", "operator": "Exists", "values": ["x"]})),
            &format!("{at}.values"),
            "podspec.selector.values_forbidden",
        );
        has(
            term(json!({"key": "k", "operator": "DoesNotExist", "values": ["x"]})),
            &format!("{at}.values"),
            "podspec.selector.values_forbidden",
        );
        let v = has(
            term(json!({"key": "k", "operator": "Gt", "values": ["1", "2"]})),
            &format!("{at}.values"),
            "podspec.selector.single_value_required",
        );
        assert_eq!(param(&v, "count"), "2");
        has(
            term(json!({"key": "k", "operator": "Lt"})),
            &format!("{at}.values"),
            "podspec.selector.single_value_required",
        );
        let v = has(
            term(json!({"key": "k", "operator": "Lt", "values": ["4.5"]})),
            &format!("{at}.values[0]"),
            "podspec.selector.not_integer",
        );
        assert_eq!(param(&v, "value"), "4.5");
        has(
            term(json!({"key": "k", "operator": "Gt", "values": ["99999999999999999999"]})),
            &format!("{at}.values[0]"),
            "podspec.selector.not_integer",
        );
        let v = has(
            term(json!({"key": "k", "operator": "Equals", "values": ["x"]})),
            &format!("{at}.operator"),
            "podspec.selector.operator_unknown",
        );
        assert_eq!(
            param(&v, "allowed"),
            "In, NotIn, Exists, DoesNotExist, Gt, Lt"
        );
        has(
            term(json!({"key": "bad key", "operator": "Exists"})),
            &format!("{at}.key"),
            "podspec.label_key.name_invalid",
        );
        has(
            term(json!({"key": "", "operator": "Exists"})),
            &format!("{at}.key"),
            "podspec.label_key.empty",
        );
        let v = has(
            term(json!({"key": "k", "operator": "In", "values": ["ok", "not ok"]})),
            &format!("{at}.values[1]"),
            "podspec.label_value.invalid",
        );
        assert_eq!(v.severity, Severity::Error);
    }

    #[test]
    fn node_match_fields() {
        let term = |f: Value| node_required(json!([{"matchFields": [f]}]));
        let at = format!("{TERMS}[0].matchFields[0]");
        let v = has(
            term(json!({"key": "metadata.labels", "operator": "In", "values": ["x"]})),
            &format!("{at}.key"),
            "podspec.match_fields.key_unknown",
        );
        assert_eq!(param(&v, "value"), "metadata.labels");
        has(
            term(json!({"key": "metadata.name", "operator": "In", "values": ["a", "b"]})),
            &format!("{at}.values"),
            "podspec.match_fields.single_value",
        );
        has(
            term(json!({"key": "metadata.name", "operator": "NotIn"})),
            &format!("{at}.values"),
            "podspec.match_fields.single_value",
        );
        let v = has(
            term(json!({"key": "metadata.name", "operator": "Exists"})),
            &format!("{at}.operator"),
            "podspec.selector.operator_unknown",
        );
        assert_eq!(param(&v, "allowed"), "In, NotIn");
        has(
            term(json!({"key": "metadata.name", "operator": "In", "values": ["Node_1"]})),
            &format!("{at}.values[0]"),
            "podspec.match_fields.node_name_invalid",
        );
    }

    #[test]
    fn node_preferred_terms() {
        let preferred = |t: Value| json!({"affinity": {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [t]}}});
        let at = "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0]";
        let term =
            json!({"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]});
        let v = has(
            preferred(json!({"weight": 0, "preference": term})),
            &format!("{at}.weight"),
            "podspec.weight.range",
        );
        assert_eq!(param(&v, "value"), "0");
        has(
            preferred(json!({"weight": 101, "preference": term})),
            &format!("{at}.weight"),
            "podspec.weight.range",
        );
        has(
            preferred(
                json!({"weight": 1, "preference": {"matchExpressions": [{"key": "zone", "operator": "Near", "values": ["a"]}]}}),
            ),
            &format!("{at}.preference.matchExpressions[0].operator"),
            "podspec.selector.operator_unknown",
        );
        // Invalid label values are allowed in preferences by the API server: a warning.
        let v = has(
            preferred(
                json!({"weight": 1, "preference": {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["not valid"]}]}}),
            ),
            &format!("{at}.preference.matchExpressions[0].values[0]"),
            "podspec.label_value.never_matches",
        );
        assert_eq!(v.severity, Severity::Warning);
        has(
            preferred(
                json!({"weight": 1, "preference": {"matchExpressions": [{"key": "cores", "operator": "Gt", "values": ["many"]}]}}),
            ),
            &format!("{at}.preference.matchExpressions[0].values[0]"),
            "podspec.selector.not_integer",
        );
    }

    // ---- pod affinity ----

    fn pod_term(kind: &str, term: Value) -> Value {
        json!({"affinity": {kind: {"requiredDuringSchedulingIgnoredDuringExecution": [term]}}})
    }

    #[test]
    fn pod_affinity_term_rules() {
        let at = "spec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]";
        let base = |extra: Value| {
            let mut term = json!({"labelSelector": {"matchLabels": {"app": "web"}}, "topologyKey": "kubernetes.io/hostname"});
            term.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            pod_term("podAffinity", term)
        };
        has(
            base(json!({"topologyKey": ""})),
            &format!("{at}.topologyKey"),
            "podspec.topology_key.required",
        );
        has(
            pod_term("podAffinity", json!({"labelSelector": {}})),
            &format!("{at}.topologyKey"),
            "podspec.topology_key.required",
        );
        has(
            base(json!({"topologyKey": "bad key"})),
            &format!("{at}.topologyKey"),
            "podspec.label_key.name_invalid",
        );
        let v = has(
            base(json!({"namespaces": ["ok", "Not_OK"]})),
            &format!("{at}.namespaces[1]"),
            "podspec.namespace.invalid",
        );
        assert_eq!(param(&v, "value"), "Not_OK");
        has(
            base(json!({"namespaces": ["a.b"]})),
            &format!("{at}.namespaces[0]"),
            "podspec.namespace.invalid",
        );
        has(
            base(
                json!({"labelSelector": {"matchExpressions": [{"key": "app", "operator": "Gt", "values": ["1"]}]}}),
            ),
            &format!("{at}.labelSelector.matchExpressions[0].operator"),
            "podspec.selector.operator_unknown",
        );
        has(
            base(
                json!({"labelSelector": {"matchExpressions": [{"key": "app", "operator": "In"}]}}),
            ),
            &format!("{at}.labelSelector.matchExpressions[0].values"),
            "podspec.selector.values_required",
        );
        has(
            base(
                json!({"labelSelector": {"matchExpressions": [{"key": "app", "operator": "Exists", "values": ["x"]}]}}),
            ),
            &format!("{at}.labelSelector.matchExpressions[0].values"),
            "podspec.selector.values_forbidden",
        );
        has(
            base(json!({"labelSelector": {"matchLabels": {"app": "not valid"}}})),
            &format!("{at}.labelSelector.matchLabels.app"),
            "podspec.label_value.invalid",
        );
        has(
            base(json!({"namespaceSelector": {"matchLabels": {"bad key": "x"}}})),
            &format!("{at}.namespaceSelector.matchLabels[\"bad key\"]"),
            "podspec.label_key.name_invalid",
        );
    }

    #[test]
    fn pod_affinity_match_label_keys() {
        let at = "spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]";
        has(
            pod_term(
                "podAntiAffinity",
                json!({"topologyKey": "kubernetes.io/hostname", "matchLabelKeys": ["pod-template-hash"]}),
            ),
            &format!("{at}.matchLabelKeys"),
            "podspec.match_label_keys.requires_selector",
        );
        has(
            pod_term(
                "podAntiAffinity",
                json!({"topologyKey": "kubernetes.io/hostname", "mismatchLabelKeys": ["tenant"]}),
            ),
            &format!("{at}.mismatchLabelKeys"),
            "podspec.match_label_keys.requires_selector",
        );
        let sel = json!({"matchLabels": {"app": "web"}, "matchExpressions": [{"key": "tier", "operator": "Exists"}]});
        let v = has(
            pod_term(
                "podAntiAffinity",
                json!({"labelSelector": sel.clone(), "topologyKey": "kubernetes.io/hostname", "matchLabelKeys": ["pod-template-hash", "app"]}),
            ),
            &format!("{at}.matchLabelKeys[1]"),
            "podspec.match_label_keys.in_selector",
        );
        assert_eq!(param(&v, "value"), "app");
        has(
            pod_term(
                "podAntiAffinity",
                json!({"labelSelector": sel.clone(), "topologyKey": "kubernetes.io/hostname", "matchLabelKeys": ["tier"]}),
            ),
            &format!("{at}.matchLabelKeys[0]"),
            "podspec.match_label_keys.in_selector",
        );
        has(
            pod_term(
                "podAntiAffinity",
                json!({"labelSelector": sel.clone(), "topologyKey": "kubernetes.io/hostname", "matchLabelKeys": ["x"], "mismatchLabelKeys": ["x"]}),
            ),
            &format!("{at}.matchLabelKeys[0]"),
            "podspec.match_label_keys.in_mismatch",
        );
        has(
            pod_term(
                "podAntiAffinity",
                json!({"labelSelector": sel.clone(), "topologyKey": "kubernetes.io/hostname", "mismatchLabelKeys": ["bad key"]}),
            ),
            &format!("{at}.mismatchLabelKeys[0]"),
            "podspec.label_key.name_invalid",
        );
        // mismatchLabelKeys may repeat a selector key.
        assert!(found(pod_term("podAntiAffinity", json!({"labelSelector": sel.clone(), "topologyKey": "kubernetes.io/hostname", "mismatchLabelKeys": ["app"]}))).is_empty());
    }

    #[test]
    fn pod_affinity_preferred_weight() {
        let spec = json!({"affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 200, "podAffinityTerm": {"topologyKey": ""}}
        ]}}});
        let at = "spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0]";
        let v = has(
            spec.clone(),
            &format!("{at}.weight"),
            "podspec.weight.range",
        );
        assert_eq!(param(&v, "value"), "200");
        has(
            spec,
            &format!("{at}.podAffinityTerm.topologyKey"),
            "podspec.topology_key.required",
        );
    }

    // ---- topology spread ----

    fn spread(constraints: Value) -> Value {
        json!({"topologySpreadConstraints": constraints})
    }

    fn constraint(extra: Value) -> Value {
        let mut c = json!({
            "maxSkew": 1,
            "topologyKey": "topology.kubernetes.io/zone",
            "whenUnsatisfiable": "DoNotSchedule",
            "labelSelector": {"matchLabels": {"docker-registry": "default"}}
        });
        c.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        c
    }

    #[test]
    fn spread_fields() {
        let at = "spec.topologySpreadConstraints[0]";
        let v = has(
            spread(json!([constraint(json!({"maxSkew": 0}))])),
            &format!("{at}.maxSkew"),
            "podspec.spread.max_skew",
        );
        assert_eq!(param(&v, "value"), "0");
        has(
            spread(json!([constraint(json!({"maxSkew": -1}))])),
            &format!("{at}.maxSkew"),
            "podspec.spread.max_skew",
        );
        let v = has(
            spread(json!([constraint(json!({"maxSkew": 3000000000u64}))])),
            &format!("{at}.maxSkew"),
            "podspec.integer.too_large",
        );
        assert_eq!(param(&v, "max"), "2147483647");
        has(
            spread(json!([constraint(json!({"topologyKey": ""}))])),
            &format!("{at}.topologyKey"),
            "podspec.topology_key.required",
        );
        has(
            spread(json!([constraint(json!({"topologyKey": "zone key"}))])),
            &format!("{at}.topologyKey"),
            "podspec.label_key.name_invalid",
        );
        let v = has(
            spread(json!([constraint(json!({"whenUnsatisfiable": "Never"}))])),
            &format!("{at}.whenUnsatisfiable"),
            "podspec.spread.when_unsatisfiable",
        );
        assert_eq!(param(&v, "allowed"), "DoNotSchedule, ScheduleAnyway");
        has(
            spread(json!([constraint(json!({"minDomains": 0}))])),
            &format!("{at}.minDomains"),
            "podspec.spread.min_domains_positive",
        );
        let v = has(
            spread(json!([constraint(
                json!({"minDomains": 3, "whenUnsatisfiable": "ScheduleAnyway"})
            )])),
            &format!("{at}.minDomains"),
            "podspec.spread.min_domains_needs_do_not_schedule",
        );
        assert_eq!(param(&v, "value"), "ScheduleAnyway");
        let v = has(
            spread(json!([constraint(
                json!({"nodeAffinityPolicy": "Respect"})
            )])),
            &format!("{at}.nodeAffinityPolicy"),
            "podspec.spread.policy",
        );
        assert_eq!(param(&v, "allowed"), "Honor, Ignore");
        has(
            spread(json!([constraint(json!({"nodeTaintsPolicy": "honor"}))])),
            &format!("{at}.nodeTaintsPolicy"),
            "podspec.spread.policy",
        );
        has(
            spread(json!([constraint(
                json!({"labelSelector": {"matchExpressions": [{"key": "app", "operator": "Within", "values": ["x"]}]}})
            )])),
            &format!("{at}.labelSelector.matchExpressions[0].operator"),
            "podspec.selector.operator_unknown",
        );
    }

    #[test]
    fn spread_match_label_keys() {
        let at = "spec.topologySpreadConstraints[0]";
        let mut no_selector = constraint(json!({"matchLabelKeys": ["pod-template-hash"]}));
        no_selector.as_object_mut().unwrap().remove("labelSelector");
        has(
            spread(json!([no_selector])),
            &format!("{at}.matchLabelKeys"),
            "podspec.match_label_keys.requires_selector",
        );
        let v = has(
            spread(json!([constraint(
                json!({"matchLabelKeys": ["pod-template-hash", "docker-registry"]})
            )])),
            &format!("{at}.matchLabelKeys[1]"),
            "podspec.match_label_keys.in_selector",
        );
        assert_eq!(param(&v, "value"), "docker-registry");
        has(
            spread(json!([constraint(json!({"matchLabelKeys": ["/x"]}))])),
            &format!("{at}.matchLabelKeys[0]"),
            "podspec.label_key.prefix_empty",
        );
    }

    #[test]
    fn spread_duplicates() {
        let v = has(
            spread(json!([
                constraint(json!({})),
                constraint(json!({"topologyKey": "kubernetes.io/hostname"})),
                constraint(json!({"maxSkew": 2}))
            ])),
            "spec.topologySpreadConstraints[2]",
            "podspec.spread.duplicate",
        );
        assert_eq!(param(&v, "other"), "spec.topologySpreadConstraints[0]");
        assert_eq!(param(&v, "topology_key"), "topology.kubernetes.io/zone");
        assert_eq!(param(&v, "when"), "DoNotSchedule");
        // Same key with another action is a different constraint.
        assert!(
            found(spread(json!([
                constraint(json!({})),
                constraint(json!({"whenUnsatisfiable": "ScheduleAnyway"}))
            ])))
            .is_empty()
        );
    }

    // ---- resources ----

    fn resources(r: Value) -> Value {
        json!({"resources": r})
    }

    #[test]
    fn resource_quantities() {
        let v = has(
            resources(json!({"limits": {"memory": "1GB"}})),
            "spec.resources.limits.memory",
            "podspec.quantity.invalid",
        );
        assert_eq!(param(&v, "value"), "1GB");
        has(
            resources(json!({"requests": {"cpu": "1 Gi"}})),
            "spec.resources.requests.cpu",
            "podspec.quantity.invalid",
        );
        has(
            resources(json!({"requests": {"cpu": "-100m"}})),
            "spec.resources.requests.cpu",
            "podspec.quantity.negative",
        );
        has(
            resources(json!({"limits": {"ephemeral-storage": -1}})),
            "spec.resources.limits.ephemeral-storage",
            "podspec.quantity.negative",
        );
        has(
            resources(json!({"limits": {"example.com/gpu": "-1"}})),
            "spec.resources.limits[\"example.com/gpu\"]",
            "podspec.quantity.negative",
        );
        let v = has(
            resources(
                json!({"limits": {"example.com/gpu": "500m"}, "requests": {"example.com/gpu": "500m"}}),
            ),
            "spec.resources.limits[\"example.com/gpu\"]",
            "podspec.quantity.not_integer",
        );
        assert_eq!(param(&v, "resource"), "example.com/gpu");
        // Zero is fine.
        assert!(found(resources(json!({"requests": {"cpu": "0", "memory": 0}}))).is_empty());
    }

    #[test]
    fn resource_names() {
        let v = has(
            resources(json!({"limits": {"gpu": "1"}})),
            "spec.resources.limits.gpu",
            "podspec.resources.name_invalid",
        );
        assert_eq!(param(&v, "value"), "gpu");
        has(
            resources(json!({"requests": {"requests.cpu": "1"}})),
            "spec.resources.requests[\"requests.cpu\"]",
            "podspec.resources.name_invalid",
        );
        has(
            resources(json!({"requests": {"pods": "1"}})),
            "spec.resources.requests.pods",
            "podspec.resources.name_invalid",
        );
        has(
            resources(json!({"requests": {"bad name/x": "1"}})),
            "spec.resources.requests[\"bad name/x\"]",
            "podspec.resources.name_invalid",
        );
        has(
            resources(json!({"requests": {"Memory": "1Gi"}})),
            "spec.resources.requests.Memory",
            "podspec.resources.name_invalid",
        );
        has(
            resources(
                json!({"limits": {"requests.example.com/gpu": "1"}, "requests": {"requests.example.com/gpu": "1"}}),
            ),
            "spec.resources.limits[\"requests.example.com/gpu\"]",
            "podspec.resources.extended_name_invalid",
        );
        let long = format!("{}.com/dev", "d".repeat(245));
        has(
            resources(json!({"limits": {long.clone(): "1"}, "requests": {long.clone(): "1"}})),
            &format!("spec.resources.limits[\"{long}\"]"),
            "podspec.resources.extended_name_invalid",
        );
        let v = has(
            resources(json!({"limits": {"example.kubernetes.io/thing": "1"}})),
            "spec.resources.limits[\"example.kubernetes.io/thing\"]",
            "podspec.resources.reserved_namespace",
        );
        assert_eq!(v.severity, Severity::Warning);
    }

    #[test]
    fn request_versus_limit() {
        let v = has(
            resources(
                json!({"requests": {"cpu": "3", "memory": "256Mi"}, "limits": {"cpu": 2, "memory": "1Gi"}}),
            ),
            "spec.resources.requests.cpu",
            "podspec.resources.request_exceeds_limit",
        );
        assert_eq!(param(&v, "value"), "3");
        assert_eq!(param(&v, "limit"), "2");
        has(
            resources(json!({"requests": {"memory": "2Gi"}, "limits": {"memory": "2G"}})),
            "spec.resources.requests.memory",
            "podspec.resources.request_exceeds_limit",
        );
        // Equal amounts in different notations are fine.
        assert!(found(resources(json!({"requests": {"cpu": "1000m", "memory": "1024Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}}))).is_empty());
        assert!(
            found(resources(
                json!({"requests": {"cpu": "0.5"}, "limits": {"cpu": "500m"}})
            ))
            .is_empty()
        );
        // Requests without limits (and limits without requests) are fine for cpu/memory.
        assert!(found(resources(json!({"requests": {"cpu": "100"}}))).is_empty());
        assert!(found(resources(json!({"limits": {"cpu": "100m"}}))).is_empty());

        let v = has(
            resources(
                json!({"requests": {"example.com/gpu": "1"}, "limits": {"example.com/gpu": "2"}}),
            ),
            "spec.resources.requests[\"example.com/gpu\"]",
            "podspec.resources.request_must_equal_limit",
        );
        assert_eq!(param(&v, "resource"), "example.com/gpu");
        has(
            resources(json!({"requests": {"example.com/gpu": "1"}})),
            "spec.resources.limits[\"example.com/gpu\"]",
            "podspec.resources.limit_required",
        );
        assert!(found(resources(json!({"limits": {"example.com/gpu": "1"}}))).is_empty());
    }

    #[test]
    fn hugepages() {
        has(
            resources(
                json!({"requests": {"memory": "1Gi", "hugepages-2Mi": "2Mi"}, "limits": {"memory": "1Gi", "hugepages-2Mi": "4Mi"}}),
            ),
            "spec.resources.requests.hugepages-2Mi",
            "podspec.resources.request_must_equal_limit",
        );
        has(
            resources(json!({"requests": {"memory": "1Gi", "hugepages-2Mi": "2Mi"}})),
            "spec.resources.limits.hugepages-2Mi",
            "podspec.resources.limit_required",
        );
        let v = has(
            resources(json!({"limits": {"memory": "1Gi", "hugepages-2Mi": "3Mi"}})),
            "spec.resources.limits.hugepages-2Mi",
            "podspec.resources.hugepages_not_multiple",
        );
        assert_eq!(param(&v, "size"), "2Mi");
        let v = has(
            resources(json!({"limits": {"memory": "1Gi", "hugepages-big": "2Mi"}})),
            "spec.resources.limits.hugepages-big",
            "podspec.resources.hugepages_size_invalid",
        );
        assert_eq!(param(&v, "value"), "hugepages-big");
        has(
            resources(json!({"limits": {"memory": "1Gi", "hugepages-0": "0"}})),
            "spec.resources.limits.hugepages-0",
            "podspec.resources.hugepages_size_invalid",
        );
        has(
            resources(json!({"limits": {"memory": "1Gi", "hugepages-500m": "1"}})),
            "spec.resources.limits.hugepages-500m",
            "podspec.resources.hugepages_size_invalid",
        );
        has(
            resources(json!({"limits": {"hugepages-1Gi": "2Gi"}})),
            "spec.resources",
            "podspec.resources.hugepages_need_cpu_or_memory",
        );
        assert!(
            found(resources(
                json!({"limits": {"cpu": "1", "hugepages-1Gi": "2Gi"}})
            ))
            .is_empty()
        );
    }

    #[test]
    fn claims() {
        let v = has(
            resources(json!({"claims": [{"name": "gpu"}]})),
            "spec.resources.claims[0].name",
            "podspec.resources.claim_not_declared",
        );
        assert_eq!(param(&v, "value"), "gpu");
        has(
            resources(json!({"claims": [{"name": ""}]})),
            "spec.resources.claims[0].name",
            "podspec.resources.claim_name_required",
        );
        has(
            resources(json!({"claims": [{}]})),
            "spec.resources.claims[0].name",
            "podspec.resources.claim_name_required",
        );
        let v = has(
            resources(json!({"claims": [{"name": "a"}, {"name": "a"}]})),
            "spec.resources.claims[1]",
            "podspec.resources.claim_duplicate",
        );
        assert_eq!(param(&v, "value"), "a");
        let v = has(
            resources(
                json!({"claims": [{"name": "a", "request": "r"}, {"name": "a", "request": "r"}]}),
            ),
            "spec.resources.claims[1]",
            "podspec.resources.claim_duplicate",
        );
        assert_eq!(param(&v, "value"), "a/r");
        has(
            resources(json!({"claims": [{"name": "a", "request": "r"}, {"name": "a"}]})),
            "spec.resources.claims[1]",
            "podspec.resources.claim_duplicate",
        );
        assert!(
            !found(resources(
                json!({"claims": [{"name": "a", "request": "r1"}, {"name": "a", "request": "r2"}]})
            ))
            .iter()
            .any(|f| f.contains("claim_duplicate"))
        );
        has(
            resources(json!({"claims": [{"name": "a", "request": "R_1"}]})),
            "spec.resources.claims[0].request",
            "podspec.resources.claim_request_invalid",
        );
    }

    // ---- quantities ----

    fn q(s: &str) -> Quantity {
        parse_quantity(s).unwrap_or_else(|| panic!("{s} should parse"))
    }

    #[test]
    fn quantity_table() {
        for valid in [
            "1",
            "0.5",
            "100m",
            "1Gi",
            "1e3",
            "1.5E-2",
            "+1",
            "10G",
            "0",
            "-0",
            ".5",
            "5.",
            "1.",
            "007",
            "1n",
            "1u",
            "1k",
            "1M",
            "1T",
            "1P",
            "1E",
            "1Ki",
            "1Mi",
            "1Ti",
            "1Pi",
            "1Ei",
            "8Ei",
            "1e+3",
            "1E3",
            "2e-9",
            "-1",
            "1.5Gi",
            "123456789012345678901234567890",
            "1e2147483647",
            "1e-2147483648",
        ] {
            assert!(parse_quantity(valid).is_some(), "{valid} should be valid");
        }
        for invalid in [
            "1GB",
            "abc",
            "1.2.3",
            "Mi",
            "",
            "1 Gi",
            " 1",
            "1 ",
            "1K",
            "1ki",
            "1mi",
            "1e",
            "1e+",
            "1E-",
            "1e1.5",
            "1ee3",
            "1Ee",
            "1e3i",
            "1n5",
            "+",
            "-",
            ".",
            ".Gi",
            "1Gi ",
            "--1",
            "+-1",
            "1,5",
            "0x10",
            "1e2147483648",
            "1e99999999999999999999",
            "∞",
            "1Mi3",
            "1m3",
            "inf",
            "NaN",
            "1_000",
        ] {
            assert!(
                parse_quantity(invalid).is_none(),
                "{invalid:?} should be invalid"
            );
        }
    }

    #[test]
    fn quantity_values() {
        assert_eq!(q("1Gi"), q("1073741824"));
        assert_eq!(q("1Gi"), q("1024Mi"));
        assert_eq!(q("1k"), q("1e3"));
        assert_eq!(q("1k"), q("1000"));
        assert_eq!(q("0.5"), q("500m"));
        assert_eq!(q("1.5E-2"), q("15m"));
        assert_eq!(q("+1"), q("1"));
        assert_eq!(q("-0"), q("0"));
        assert_eq!(q(".5Ki"), q("512"));
        assert_eq!(q("1.5Gi"), q("1536Mi"));
        assert!(q("1Gi") > q("1G"));
        assert!(q("1Mi") > q("1M"));
        assert!(q("10G") > q("9.99G"));
        assert!(q("-1") < q("0"));
        assert!(q("-2") < q("-1"));
        assert!(q("1e2147483647") > q("123456789012345678901234567890"));
        // Rounded up to the next nano, as the API server does.
        assert_eq!(q("0.1n"), q("1n"));
        assert_eq!(q("1.0000000001"), q("1.000000001"));
        assert_eq!(q("-0.1n"), q("-1n"));
        assert_eq!(q("1e-2147483648"), q("1n"));
        // Binary amounts are capped at 2^63-1.
        assert_eq!(q("8Ei"), q("9223372036854775807"));
        assert_eq!(q("16Ei"), q("9223372036854775807"));
        assert_eq!(q("-8Ei"), q("-9223372036854775807"));
        assert!(q("8E") < q("8Ei"));
        assert!(q("10E") > q("8Ei"));
        assert_eq!(q("7Ei"), q("8070450532247928832"));
        // Value() rounds up; MilliValue()%1000 quirk for integer resources.
        assert_eq!(q("2.5").ceil_value(), Some(3));
        assert_eq!(q("4Mi").ceil_value(), Some(4 * 1024 * 1024));
        assert!(q("3").milli_value_is_whole());
        assert!(!q("2.5").milli_value_is_whole());
        assert!(!q("1.001").milli_value_is_whole());
        assert!(q("0.9999").milli_value_is_whole());
        assert!(q("1e3").milli_value_is_whole());
        assert!(!q("1e-3").milli_value_is_whole());
    }

    #[test]
    fn quantity_table_through_the_validator() {
        for valid in ["1", "0.5", "100m", "1Gi", "1e3", "1.5E-2", "+1", "10G"] {
            assert!(
                found(resources(json!({"limits": {"memory": valid}}))).is_empty(),
                "{valid}"
            );
        }
        for invalid in ["1GB", "abc", "1.2.3", "Mi", "", "1 Gi"] {
            let v = has(
                resources(json!({"limits": {"memory": invalid}})),
                "spec.resources.limits.memory",
                "podspec.quantity.invalid",
            );
            assert_eq!(param(&v, "value"), invalid);
        }
    }
}
