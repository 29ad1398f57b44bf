//! The Configuration page's form and how an edit becomes a new `spec` (pure: no I/O).
//!
//! The form starts from the Config as the user loaded it. Only the fields the user changed
//! are written, onto the Config as it is when the change is applied: an admin re-applying
//! after a conflict keeps what the other admin changed underneath instead of reverting it
//! with stale form values.

use super::rules::STORAGE_TYPES;
use crate::domain::conditions::{ConditionView, conditions_of};
use crate::domain::form_draft::FormDraft;
use crate::domain::violation::{Severity, Violation};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Keys of the Advanced YAML editor (the schema checks what is under them).
pub const ADVANCED_KEYS: [&str; 5] = [
    "nodeSelector",
    "tolerations",
    "affinity",
    "topologySpreadConstraints",
    "resources",
];

/// One custom route, as edited in the Routes group.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteRow {
    pub name: String,
    pub hostname: String,
    pub secret_name: String,
}

/// `requests.read` or `requests.write`, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LimitsRow {
    pub max_running: String,
    pub max_in_queue: String,
    pub max_wait_in_queue: String,
}

/// Every field of the page, as text the user edits (numbers stay text until submitted, so
/// a typo is reported with the field's name instead of being lost).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigForm {
    pub management_state: String,
    pub log_level: String,
    pub operator_log_level: String,
    /// Deprecated integer level; shown because old clusters still set it.
    pub logging: String,
    pub replicas: String,
    pub rollout_strategy: String,
    pub default_route: bool,
    pub routes: Vec<RouteRow>,
    pub read_only: bool,
    pub disable_redirect: bool,
    pub read: LimitsRow,
    pub write: LimitsRow,
    /// Proxy URLs as loaded: passwords in them are already replaced by fingerprints.
    pub proxy_http: String,
    pub proxy_https: String,
    pub proxy_no_proxy: String,
    /// `nodeSelector`, `tolerations`, `affinity`, `topologySpreadConstraints`, `resources`.
    pub advanced_yaml: String,
}

/// What to do with the write-only `httpSecret`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum HttpSecretChange {
    #[default]
    Keep,
    /// A new random secret, made on the server; nobody ever sees it.
    Generate,
    Set(String),
}

/// What the page sends to preview or apply a change (the reason travels beside it).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ConfigSubmission {
    /// `resourceVersion` the user's edit is based on (after a conflict: the newer one they
    /// chose to re-apply on top of).
    pub base_version: String,
    /// The redacted spec of that version (what "changed underneath" is measured against).
    pub base_spec: Value,
    /// The form as it was loaded, and as the user left it.
    pub original: ConfigForm,
    pub edited: ConfigForm,
    pub http_secret: HttpSecretChange,
    pub confirm_removed: bool,
}

/// Where the registry keeps images, for the summary (the wizards edit it).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageSummary {
    /// `s3`, `pvc`, …; `None` when nothing is configured.
    pub kind: Option<String>,
    /// Scalar settings of that storage, e.g. `bucket = images`.
    pub details: Vec<(String, String)>,
    /// `storage.managementState`: whether the operator manages (and would delete) it.
    pub management_state: Option<String>,
}

/// The operator's progress on a generation, for the live follow-up.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RolloutView {
    pub generation: i64,
    pub observed_generation: i64,
    /// `pending`, `healthy` or `degraded`.
    pub state: String,
    pub message: String,
    pub conditions: Vec<ConditionView>,
}

/// The Config as the page shows it. No secret value is in here.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ConfigView {
    pub resource_version: String,
    pub generation: i64,
    /// Redacted spec: the base of the user's change.
    pub spec: Value,
    pub form: ConfigForm,
    pub http_secret_set: bool,
    pub storage: StorageSummary,
    pub rollout: RolloutView,
    /// `None` if the user may update the Config; otherwise the API server's reason.
    pub update_denied: Option<String>,
}

fn text(spec: &Value, pointer: &str) -> String {
    match spec.pointer(pointer) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn limits(spec: &Value, direction: &str) -> LimitsRow {
    LimitsRow {
        max_running: text(spec, &format!("/requests/{direction}/maxRunning")),
        max_in_queue: text(spec, &format!("/requests/{direction}/maxInQueue")),
        max_wait_in_queue: text(spec, &format!("/requests/{direction}/maxWaitInQueue")),
    }
}

/// The form for a (redacted) spec; `advanced_yaml` is rendered by the caller.
pub fn form_from_spec(spec: &Value, advanced_yaml: String) -> ConfigForm {
    let flag = |key: &str| spec.get(key).and_then(Value::as_bool).unwrap_or(false);
    ConfigForm {
        management_state: text(spec, "/managementState"),
        log_level: text(spec, "/logLevel"),
        operator_log_level: text(spec, "/operatorLogLevel"),
        logging: text(spec, "/logging"),
        replicas: text(spec, "/replicas"),
        rollout_strategy: text(spec, "/rolloutStrategy"),
        default_route: flag("defaultRoute"),
        routes: spec
            .get("routes")
            .and_then(Value::as_array)
            .map(|routes| {
                routes
                    .iter()
                    .map(|r| RouteRow {
                        name: text(r, "/name"),
                        hostname: text(r, "/hostname"),
                        secret_name: text(r, "/secretName"),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        read_only: flag("readOnly"),
        disable_redirect: flag("disableRedirect"),
        read: limits(spec, "read"),
        write: limits(spec, "write"),
        proxy_http: text(spec, "/proxy/http"),
        proxy_https: text(spec, "/proxy/https"),
        proxy_no_proxy: text(spec, "/proxy/noProxy"),
        advanced_yaml,
    }
}

/// The advanced fields of a spec, as one object (what the YAML editor shows).
pub fn advanced_fields(spec: &Value) -> Value {
    advanced_fields_of(spec, &ADVANCED_KEYS)
}

/// The fields `keys` of a spec, as one object (another object's YAML editor).
pub fn advanced_fields_of(spec: &Value, keys: &[&str]) -> Value {
    let mut out = Map::new();
    for key in keys {
        if let Some(value) = spec.get(key).filter(|v| !v.is_null()) {
            out.insert(key.to_string(), value.clone());
        }
    }
    Value::Object(out)
}

fn violation(field: &str, key: &str, value: &str) -> Violation {
    Violation {
        field: field.to_string(),
        key: key.to_string(),
        params: vec![("value".to_string(), value.to_string())],
        severity: Severity::Error,
    }
}

/// Sets `key` of `object` to `value`, or removes it when `value` is `None`.
pub fn put(object: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    match value {
        Some(v) => {
            object.insert(key.to_string(), v);
        }
        None => {
            object.remove(key);
        }
    }
}

/// The object under `key`, created (or replacing a non-object) when needed.
fn child<'a>(map: &'a mut Map<String, Value>, key: &str) -> Option<&'a mut Map<String, Value>> {
    let entry = map.entry(key).or_insert_with(|| Value::Object(Map::new()));
    if !entry.is_object() {
        *entry = Value::Object(Map::new());
    }
    entry.as_object_mut()
}

/// Blank → absent; otherwise the trimmed text.
pub fn string_value(text: &str) -> Option<Value> {
    let text = text.trim();
    (!text.is_empty()).then(|| Value::String(text.to_string()))
}

/// Blank → absent; a whole number → the number; anything else is reported on `field`.
pub fn integer_value(text: &str, field: &str, out: &mut Vec<Violation>) -> Option<Value> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match text.parse::<i64>() {
        Ok(n) => Some(Value::from(n)),
        Err(_) => {
            out.push(violation(field, "config.not_integer", text));
            None
        }
    }
}

/// The parsed Advanced editor: what was loaded and what the user typed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AdvancedEdit {
    pub original: Value,
    pub edited: Value,
}

/// Checks the edited Advanced object has only the editor's keys.
pub fn advanced_key_violations(edited: &Value) -> Vec<Violation> {
    advanced_key_violations_of(edited, &ADVANCED_KEYS)
}

/// Writes the Advanced editor's changes (`keys` only) onto `spec`, or names the keys it
/// may not set.
pub fn apply_advanced(
    spec: &mut Map<String, Value>,
    advanced: &AdvancedEdit,
    keys: &[&str],
) -> Vec<Violation> {
    let problems = advanced_key_violations_of(&advanced.edited, keys);
    if problems.is_empty() {
        for key in keys {
            let before = advanced.original.get(key).filter(|v| !v.is_null());
            let after = advanced.edited.get(key).filter(|v| !v.is_null());
            if before != after {
                put(spec, key, after.cloned());
            }
        }
    }
    problems
}

fn advanced_key_violations_of(edited: &Value, keys: &[&str]) -> Vec<Violation> {
    match edited {
        Value::Null => Vec::new(),
        Value::Object(map) => map
            .keys()
            .filter(|k| !keys.contains(&k.as_str()))
            .map(|k| {
                let mut v = violation("advanced", "config.advanced_unknown_key", k);
                v.params.push(("allowed".to_string(), keys.join(", ")));
                v
            })
            .collect(),
        _ => vec![violation("advanced", "config.advanced_not_mapping", "")],
    }
}

/// Writes the fields the user changed (`original` → `edited`) onto `spec`, the Config's
/// spec as it is now. Returns the fields that could not be read; `spec` is then not to be
/// used.
pub fn apply_form(
    spec: &mut Value,
    original: &ConfigForm,
    edited: &ConfigForm,
    advanced: &AdvancedEdit,
) -> Vec<Violation> {
    let mut out = Vec::new();
    if !spec.is_object() {
        *spec = Value::Object(Map::new());
    }
    let Some(spec) = spec.as_object_mut() else {
        return out;
    };
    for (key, before, after) in [
        (
            "managementState",
            &original.management_state,
            &edited.management_state,
        ),
        ("logLevel", &original.log_level, &edited.log_level),
        (
            "operatorLogLevel",
            &original.operator_log_level,
            &edited.operator_log_level,
        ),
        (
            "rolloutStrategy",
            &original.rollout_strategy,
            &edited.rollout_strategy,
        ),
    ] {
        if before != after {
            put(spec, key, string_value(after));
        }
    }
    for (key, before, after) in [
        ("replicas", &original.replicas, &edited.replicas),
        ("logging", &original.logging, &edited.logging),
    ] {
        if before != after {
            let value = integer_value(after, &format!("spec.{key}"), &mut out);
            put(spec, key, value);
        }
    }
    for (key, before, after) in [
        ("defaultRoute", original.default_route, edited.default_route),
        ("readOnly", original.read_only, edited.read_only),
        (
            "disableRedirect",
            original.disable_redirect,
            edited.disable_redirect,
        ),
    ] {
        if before != after {
            put(spec, key, Some(Value::Bool(after)));
        }
    }
    let duplicates = duplicate_route_names(&edited.routes);
    if !duplicates.is_empty() {
        // Merged by name, one of the two would silently win: name both rows instead.
        out.extend(duplicates);
    } else if original.routes != edited.routes {
        let routes = merge_routes(
            spec.get("routes")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
            &original.routes,
            &edited.routes,
        );
        put(
            spec,
            "routes",
            (!routes.is_empty()).then_some(Value::Array(routes)),
        );
    }
    for (direction, before, after) in [
        ("read", &original.read, &edited.read),
        ("write", &original.write, &edited.write),
    ] {
        if before == after {
            continue;
        }
        let Some(requests) = child(spec, "requests") else {
            continue;
        };
        let Some(limits) = child(requests, direction) else {
            continue;
        };
        for (key, b, a) in [
            ("maxRunning", &before.max_running, &after.max_running),
            ("maxInQueue", &before.max_in_queue, &after.max_in_queue),
        ] {
            if b != a {
                let field = format!("spec.requests.{direction}.{key}");
                let value = integer_value(a, &field, &mut out);
                put(limits, key, value);
            }
        }
        if before.max_wait_in_queue != after.max_wait_in_queue {
            put(
                limits,
                "maxWaitInQueue",
                string_value(&after.max_wait_in_queue),
            );
        }
        if limits.is_empty() {
            requests.remove(direction);
        }
        if requests.is_empty() {
            spec.remove("requests");
        }
    }
    for (key, before, after) in [
        ("http", &original.proxy_http, &edited.proxy_http),
        ("https", &original.proxy_https, &edited.proxy_https),
        ("noProxy", &original.proxy_no_proxy, &edited.proxy_no_proxy),
    ] {
        if before != after {
            let Some(proxy) = child(spec, "proxy") else {
                continue;
            };
            put(proxy, key, string_value(after));
            if proxy.is_empty() {
                spec.remove("proxy");
            }
        }
    }
    out.extend(apply_advanced(spec, advanced, &ADVANCED_KEYS));
    out
}

/// Every row whose name another row also has (blank rows aside), each named by its row.
fn duplicate_route_names(rows: &[RouteRow]) -> Vec<Violation> {
    let name = |r: &RouteRow| r.name.trim().to_string();
    rows.iter()
        .enumerate()
        .filter(|(_, row)| **row != RouteRow::default() && !name(row).is_empty())
        .filter(|(i, row)| {
            rows.iter()
                .enumerate()
                .any(|(j, other)| j != *i && name(other) == name(row))
        })
        .map(|(i, row)| {
            Violation::error(&format!("spec.routes[{i}].name"), "rule.route.duplicate")
                .with("value", name(row))
        })
        .collect()
}

fn route_value(row: &RouteRow) -> Value {
    let mut route = Map::new();
    route.insert("name".into(), Value::String(row.name.trim().to_string()));
    put(&mut route, "hostname", string_value(&row.hostname));
    put(&mut route, "secretName", string_value(&row.secret_name));
    Value::Object(route)
}

/// The user's route edits (by name) applied to the routes as they are now: a route someone
/// else added or changed meanwhile stays. Routes the user removed go; routes they added or
/// changed replace the current one of that name, or are appended.
fn merge_routes(current: Vec<Value>, original: &[RouteRow], edited: &[RouteRow]) -> Vec<Value> {
    let name = |r: &RouteRow| r.name.trim().to_string();
    let edited: Vec<&RouteRow> = edited
        .iter()
        .filter(|r| **r != RouteRow::default())
        .collect();
    let removed: Vec<String> = original
        .iter()
        .map(name)
        .filter(|n| !edited.iter().any(|e| name(e) == *n))
        .collect();
    let mut routes: Vec<Value> = current
        .into_iter()
        .filter(|r| {
            !removed
                .iter()
                .any(|n| r.get("name").and_then(Value::as_str) == Some(n))
        })
        .collect();
    for row in edited {
        if original.contains(row) {
            continue;
        }
        let value = route_value(row);
        match routes
            .iter_mut()
            .find(|r| r.get("name").and_then(Value::as_str) == Some(name(row).as_str()))
        {
            Some(existing) => *existing = value,
            None => routes.push(value),
        }
    }
    routes
}

/// The storage part of a spec, summarised.
pub fn storage_summary(spec: &Value) -> StorageSummary {
    let storage = spec.get("storage");
    let kind = STORAGE_TYPES
        .iter()
        .find(|t| {
            storage
                .and_then(|s| s.get(**t))
                .is_some_and(|v| !v.is_null())
        })
        .map(|t| t.to_string());
    let details = kind
        .as_deref()
        .and_then(|k| storage.and_then(|s| s.get(k)))
        .and_then(Value::as_object)
        .map(|fields| {
            fields
                .iter()
                .filter_map(|(k, v)| match v {
                    Value::String(s) => Some((k.clone(), s.clone())),
                    Value::Number(_) | Value::Bool(_) => Some((k.clone(), v.to_string())),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    StorageSummary {
        kind,
        details,
        management_state: storage
            .and_then(|s| s.get("managementState"))
            .and_then(Value::as_str)
            .map(str::to_string),
    }
}

/// The operator's progress on `generation`, from the Config's status.
pub fn rollout_view(status: &Value, generation: i64) -> RolloutView {
    use super::rollout::{Rollout, assess_rollout};
    let (state, message) = match assess_rollout(status, generation) {
        Rollout::Pending => ("pending", String::new()),
        Rollout::Healthy => ("healthy", String::new()),
        Rollout::Degraded(m) => ("degraded", m),
    };
    RolloutView {
        generation,
        observed_generation: status
            .get("observedGeneration")
            .and_then(Value::as_i64)
            .unwrap_or(0),
        state: state.to_string(),
        message,
        conditions: conditions_of(status),
    }
}

/// The Config as a page saw it: the precondition of the change, and what a conflict is
/// shown against (every form of the page carries it, as its `base` field).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SeenConfig {
    pub version: String,
    /// Redacted (`spec` values of secrets are fingerprints).
    pub spec: Value,
}

/// The Configuration page's form (`data-change-form`).
pub const FORM_CONFIG: &str = "config";
/// Empty route rows the page offers below the Config's routes (a row left empty is no
/// route; more rows after an apply).
pub const SPARE_ROUTE_ROWS: usize = 2;
/// Inputs that are not `spec` fields: the `httpSecret` choice and the removal confirmation.
pub const FIELD_SECRET_MODE: &str = "httpSecret.mode";
pub const FIELD_CONFIRM_REMOVED: &str = "confirm.removed";

/// The name of route row `index`'s input `key` (`name`, `hostname`, `secretName`,
/// `remove`): violations name the same path.
pub fn route_field(index: usize, key: &str) -> String {
    format!("spec.routes[{index}].{key}")
}

/// The form's text inputs: name and how to read and write the form's value.
type TextAccess = (
    &'static str,
    fn(&ConfigForm) -> &String,
    fn(&mut ConfigForm) -> &mut String,
);

/// Every text input and select of the page, by the path of its field.
pub const TEXT_FIELDS: [TextAccess; 14] = [
    (
        "spec.managementState",
        |f| &f.management_state,
        |f| &mut f.management_state,
    ),
    ("spec.replicas", |f| &f.replicas, |f| &mut f.replicas),
    (
        "spec.rolloutStrategy",
        |f| &f.rollout_strategy,
        |f| &mut f.rollout_strategy,
    ),
    (
        "spec.requests.read.maxRunning",
        |f| &f.read.max_running,
        |f| &mut f.read.max_running,
    ),
    (
        "spec.requests.read.maxInQueue",
        |f| &f.read.max_in_queue,
        |f| &mut f.read.max_in_queue,
    ),
    (
        "spec.requests.read.maxWaitInQueue",
        |f| &f.read.max_wait_in_queue,
        |f| &mut f.read.max_wait_in_queue,
    ),
    (
        "spec.requests.write.maxRunning",
        |f| &f.write.max_running,
        |f| &mut f.write.max_running,
    ),
    (
        "spec.requests.write.maxInQueue",
        |f| &f.write.max_in_queue,
        |f| &mut f.write.max_in_queue,
    ),
    (
        "spec.requests.write.maxWaitInQueue",
        |f| &f.write.max_wait_in_queue,
        |f| &mut f.write.max_wait_in_queue,
    ),
    ("spec.proxy.http", |f| &f.proxy_http, |f| &mut f.proxy_http),
    (
        "spec.proxy.https",
        |f| &f.proxy_https,
        |f| &mut f.proxy_https,
    ),
    (
        "spec.proxy.noProxy",
        |f| &f.proxy_no_proxy,
        |f| &mut f.proxy_no_proxy,
    ),
    ("spec.logLevel", |f| &f.log_level, |f| &mut f.log_level),
    (
        "spec.operatorLogLevel",
        |f| &f.operator_log_level,
        |f| &mut f.operator_log_level,
    ),
];

/// The form's checkboxes.
type FlagAccess = (
    &'static str,
    fn(&ConfigForm) -> bool,
    fn(&mut ConfigForm, bool),
);

pub const FLAG_FIELDS: [FlagAccess; 3] = [
    (
        "spec.defaultRoute",
        |f| f.default_route,
        |f, v| f.default_route = v,
    ),
    ("spec.readOnly", |f| f.read_only, |f, v| f.read_only = v),
    (
        "spec.disableRedirect",
        |f| f.disable_redirect,
        |f, v| f.disable_redirect = v,
    ),
];

/// The deprecated integer `logging` and the Advanced editor.
pub const FIELD_LOGGING: &str = "spec.logging";
pub const FIELD_ADVANCED: &str = "advanced";

/// The form as the page's inputs hold it (what a browser submits; checkboxes only when
/// checked).
pub fn form_fields(form: &ConfigForm) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = TEXT_FIELDS
        .iter()
        .map(|(name, get, _)| (name.to_string(), get(form).clone()))
        .collect();
    out.extend(
        FLAG_FIELDS
            .iter()
            .filter(|(_, get, _)| get(form))
            .map(|(name, _, _)| (name.to_string(), "on".to_string())),
    );
    out.push((FIELD_LOGGING.into(), form.logging.clone()));
    out.push((FIELD_ADVANCED.into(), form.advanced_yaml.clone()));
    for (index, route) in form.routes.iter().enumerate() {
        out.push((route_field(index, "name"), route.name.clone()));
        out.push((route_field(index, "hostname"), route.hostname.clone()));
        out.push((route_field(index, "secretName"), route.secret_name.clone()));
    }
    out
}

/// The form a draft of the page holds. A route row is read while its inputs exist; a row
/// left empty, or marked for removal, is no route.
pub fn form_from_draft(draft: &FormDraft) -> ConfigForm {
    let raw = |name: &str| draft.fields.get(name).cloned().unwrap_or_default();
    let mut form = ConfigForm::default();
    for (name, _, field) in TEXT_FIELDS.iter() {
        *field(&mut form) = raw(name);
    }
    for (name, _, set) in FLAG_FIELDS.iter() {
        set(&mut form, draft.flag(name));
    }
    form.logging = raw(FIELD_LOGGING);
    form.advanced_yaml = raw(FIELD_ADVANCED);
    let mut index = 0;
    while draft.fields.contains_key(&route_field(index, "name")) {
        let row = RouteRow {
            name: raw(&route_field(index, "name")).trim().to_string(),
            hostname: raw(&route_field(index, "hostname")).trim().to_string(),
            secret_name: raw(&route_field(index, "secretName")).trim().to_string(),
        };
        let empty = row == RouteRow::default();
        if !empty && !draft.flag(&route_field(index, "remove")) {
            form.routes.push(row);
        }
        index += 1;
    }
    form
}

/// The hidden input holding the spec the form was rendered from. Unlike `base`, the
/// island leaves it alone after a conflict: the user's edits are what changed from it, and
/// they are re-applied on top of the newer `base`.
pub const FIELD_ORIGINAL: &str = "original";

/// The page's draft as a submission: the Config it is based on (`base`, the precondition),
/// the form as the page showed it (rebuilt from the `original` spec with
/// `render_advanced`, which only the server has) and as the user left it, the
/// `httpSecret` choice and the removal confirmation.
pub fn config_submission(
    draft: &FormDraft,
    render_advanced: impl Fn(&Value) -> String,
) -> Result<ConfigSubmission, Vec<Violation>> {
    if draft.form != FORM_CONFIG {
        return Err(vec![
            Violation::error("form", "form.unknown_form").with("value", &draft.form),
        ]);
    }
    let seen: SeenConfig = serde_json::from_str(&draft.text("base"))
        .map_err(|_| vec![Violation::error("base", "form.base")])?;
    let shown: Value = serde_json::from_str(&draft.text(FIELD_ORIGINAL))
        .map_err(|_| vec![Violation::error(FIELD_ORIGINAL, "form.base")])?;
    let original = form_from_spec(&shown, render_advanced(&shown));
    Ok(ConfigSubmission {
        base_version: seen.version,
        base_spec: seen.spec,
        original,
        edited: form_from_draft(draft),
        http_secret: match draft.fields.get(FIELD_SECRET_MODE).map(String::as_str) {
            Some("generate") => HttpSecretChange::Generate,
            Some("set") => HttpSecretChange::Set(
                draft
                    .fields
                    .get("spec.httpSecret")
                    .cloned()
                    .unwrap_or_default(),
            ),
            _ => HttpSecretChange::Keep,
        },
        confirm_removed: draft.flag(FIELD_CONFIRM_REMOVED),
    })
}

/// Catalogue keys of the messages this module produces (tests check both catalogues).
pub const MESSAGE_KEYS: [&str; 5] = [
    "config.not_integer",
    "config.proxy_password_redacted",
    "config.yaml_invalid",
    "config.advanced_unknown_key",
    "config.advanced_not_mapping",
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_pages_inputs_give_back_the_form_they_were_rendered_from() {
        let form = form_from_spec(&spec(), "tolerations: []\n".into());
        let mut draft = FormDraft::new(FORM_CONFIG, &[]);
        draft.fields = form_fields(&form).into_iter().collect();
        // The spare rows the page adds are empty: no routes.
        for index in form.routes.len()..form.routes.len() + SPARE_ROUTE_ROWS {
            for key in ["name", "hostname", "secretName"] {
                draft.fields.insert(route_field(index, key), String::new());
            }
        }
        assert_eq!(form_from_draft(&draft), form);
        // A row marked for removal is no route; a filled spare row is one.
        draft.fields.insert(route_field(0, "remove"), "on".into());
        draft.fields.insert(route_field(1, "name"), "extra".into());
        let edited = form_from_draft(&draft);
        assert_eq!(
            edited.routes,
            vec![RouteRow {
                name: "extra".into(),
                ..Default::default()
            }]
        );
    }

    #[test]
    fn a_draft_carries_its_base_the_secret_choice_and_the_confirmation() {
        let seen = SeenConfig {
            version: "42".into(),
            spec: spec(),
        };
        let form = form_from_spec(&seen.spec, String::new());
        let mut draft = FormDraft::new(
            FORM_CONFIG,
            &[
                (FIELD_SECRET_MODE, "set"),
                ("spec.httpSecret", "s3cr3t"),
                (FIELD_CONFIRM_REMOVED, "on"),
            ],
        );
        draft.fields.extend(form_fields(&form));
        draft
            .fields
            .insert("base".into(), serde_json::to_string(&seen).unwrap());
        draft
            .fields
            .insert(FIELD_ORIGINAL.into(), seen.spec.to_string());
        let submission = config_submission(&draft, |_| String::new()).unwrap();
        assert_eq!(submission.base_version, "42");
        assert_eq!(submission.original, form);
        assert_eq!(submission.edited, form);
        assert_eq!(
            submission.http_secret,
            HttpSecretChange::Set("s3cr3t".into())
        );
        assert!(submission.confirm_removed);
        // After a conflict the base is newer; the edits are still what changed from the
        // form as shown.
        let newer = SeenConfig {
            version: "43".into(),
            spec: serde_json::json!({ "logLevel": "Debug" }),
        };
        draft
            .fields
            .insert("base".into(), serde_json::to_string(&newer).unwrap());
        let on_top = config_submission(&draft, |_| String::new()).unwrap();
        assert_eq!(
            (on_top.base_version.as_str(), &on_top.original),
            ("43", &form)
        );
        draft.fields.insert("base".into(), "{".into());
        assert_eq!(
            config_submission(&draft, |_| String::new()).unwrap_err()[0].key,
            "form.base"
        );
        draft.form = "other".into();
        assert_eq!(
            config_submission(&draft, |_| String::new()).unwrap_err()[0].key,
            "form.unknown_form"
        );
    }

    fn spec() -> Value {
        json!({
            "managementState": "Managed",
            "logLevel": "Normal",
            "replicas": 2,
            "rolloutStrategy": "RollingUpdate",
            "defaultRoute": false,
            "routes": [{ "name": "public", "hostname": "registry.example.com", "secretName": "public-tls" }],
            "requests": { "read": { "maxRunning": 10, "maxWaitInQueue": "30s" } },
            "proxy": { "http": "http://u:fingerprint:abc@proxy:3128" },
            "httpSecret": "fingerprint:0123",
            "storage": { "s3": { "bucket": "images", "region": "us-east-1", "encrypt": true }, "managementState": "Managed" },
            "tolerations": [{ "key": "infra", "operator": "Exists" }]
        })
    }

    fn edit(change: impl FnOnce(&mut ConfigForm)) -> (ConfigForm, ConfigForm) {
        let original = form_from_spec(&spec(), String::new());
        let mut edited = original.clone();
        change(&mut edited);
        (original, edited)
    }

    fn unchanged_advanced() -> AdvancedEdit {
        let a = advanced_fields(&spec());
        AdvancedEdit {
            original: a.clone(),
            edited: a,
        }
    }

    #[test]
    fn the_form_reads_every_group() {
        let form = form_from_spec(&spec(), "yaml".into());
        assert_eq!(form.management_state, "Managed");
        assert_eq!(form.replicas, "2");
        assert_eq!(form.routes[0].secret_name, "public-tls");
        assert_eq!(form.read.max_running, "10");
        assert_eq!(form.read.max_wait_in_queue, "30s");
        assert_eq!(form.write, LimitsRow::default());
        assert_eq!(form.proxy_http, "http://u:fingerprint:abc@proxy:3128");
        assert!(!form.default_route);
        assert_eq!(form.advanced_yaml, "yaml");
    }

    #[test]
    fn an_untouched_form_changes_nothing() {
        let (original, edited) = edit(|_| {});
        let mut now = spec();
        assert!(apply_form(&mut now, &original, &edited, &unchanged_advanced()).is_empty());
        assert_eq!(now, spec());
    }

    #[test]
    fn only_changed_fields_are_written_onto_the_current_spec() {
        let (original, edited) = edit(|f| f.management_state = "Removed".into());
        // Someone else changed logLevel meanwhile; re-applying must keep it.
        let mut now = spec();
        now["logLevel"] = json!("Debug");
        assert!(apply_form(&mut now, &original, &edited, &unchanged_advanced()).is_empty());
        assert_eq!(now["managementState"], "Removed");
        assert_eq!(now["logLevel"], "Debug");
        // The redacted proxy password was not touched, so the real one stays.
        assert_eq!(now["proxy"], spec()["proxy"]);
    }

    #[test]
    fn numbers_are_checked_and_blank_removes() {
        let (original, edited) = edit(|f| {
            f.replicas = "two".into();
            f.read.max_running = String::new();
            f.write.max_in_queue = "5".into();
        });
        let mut now = spec();
        let problems = apply_form(&mut now, &original, &edited, &unchanged_advanced());
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, "spec.replicas");
        assert_eq!(problems[0].key, "config.not_integer");
        assert_eq!(now["requests"]["read"], json!({ "maxWaitInQueue": "30s" }));
        assert_eq!(now["requests"]["write"], json!({ "maxInQueue": 5 }));
    }

    #[test]
    fn emptied_groups_disappear() {
        let (original, edited) = edit(|f| {
            f.read = LimitsRow::default();
            f.proxy_http = " ".into();
            f.routes.clear();
        });
        let mut now = spec();
        assert!(apply_form(&mut now, &original, &edited, &unchanged_advanced()).is_empty());
        assert!(now.get("requests").is_none());
        assert!(now.get("proxy").is_none());
        assert!(now.get("routes").is_none());
    }

    #[test]
    fn routes_and_flags() {
        let (original, edited) = edit(|f| {
            f.default_route = true;
            f.routes.push(RouteRow {
                name: "internal".into(),
                ..Default::default()
            });
            f.routes.push(RouteRow::default());
        });
        let mut now = spec();
        assert!(apply_form(&mut now, &original, &edited, &unchanged_advanced()).is_empty());
        assert_eq!(now["defaultRoute"], true);
        assert_eq!(
            now["routes"],
            json!([
                { "name": "public", "hostname": "registry.example.com", "secretName": "public-tls" },
                { "name": "internal" }
            ])
        );
    }

    #[test]
    fn two_rows_with_one_name_are_refused_naming_both_not_merged() {
        let (original, edited) = edit(|f| {
            f.routes.push(RouteRow {
                name: "public".into(),
                hostname: "other.example.com".into(),
                ..Default::default()
            })
        });
        let mut now = spec();
        let problems = apply_form(&mut now, &original, &edited, &unchanged_advanced());
        let named: Vec<(&str, &str)> = problems
            .iter()
            .map(|v| (v.field.as_str(), v.key.as_str()))
            .collect();
        assert_eq!(
            named,
            vec![
                ("spec.routes[0].name", "rule.route.duplicate"),
                ("spec.routes[1].name", "rule.route.duplicate")
            ]
        );
        assert_eq!(now["routes"], spec()["routes"], "nothing merged");
    }

    #[test]
    fn route_edits_merge_by_name_onto_the_current_routes() {
        // The user renames nothing, changes "public"'s host and removes nothing; someone
        // else added "mirror" meanwhile.
        let (original, edited) = edit(|f| f.routes[0].hostname = "images.example.com".into());
        let mut now = spec();
        now["routes"]
            .as_array_mut()
            .expect("routes")
            .push(json!({ "name": "mirror", "hostname": "mirror.example.com" }));
        assert!(apply_form(&mut now, &original, &edited, &unchanged_advanced()).is_empty());
        assert_eq!(
            now["routes"],
            json!([
                { "name": "public", "hostname": "images.example.com", "secretName": "public-tls" },
                { "name": "mirror", "hostname": "mirror.example.com" }
            ])
        );
        // Removing "public" keeps "mirror".
        let (original, edited) = edit(|f| f.routes.clear());
        assert!(apply_form(&mut now, &original, &edited, &unchanged_advanced()).is_empty());
        assert_eq!(
            now["routes"],
            json!([{ "name": "mirror", "hostname": "mirror.example.com" }])
        );
    }

    #[test]
    fn advanced_keys_are_set_and_removed_per_key() {
        let (original, edited) = edit(|_| {});
        let mut now = spec();
        now["nodeSelector"] = json!({ "set-by": "someone-else" });
        let advanced = AdvancedEdit {
            original: advanced_fields(&spec()),
            edited: json!({ "resources": { "limits": { "memory": "1Gi" } } }),
        };
        assert!(apply_form(&mut now, &original, &edited, &advanced).is_empty());
        assert!(now.get("tolerations").is_none(), "removed in the editor");
        assert_eq!(now["resources"]["limits"]["memory"], "1Gi");
        assert_eq!(now["nodeSelector"]["set-by"], "someone-else");
    }

    #[test]
    fn advanced_refuses_other_keys_and_non_mappings() {
        let (original, edited) = edit(|_| {});
        let mut now = spec();
        let advanced = AdvancedEdit {
            original: Value::Null,
            edited: json!({ "replicas": 3 }),
        };
        let problems = apply_form(&mut now, &original, &edited, &advanced);
        assert_eq!(problems[0].key, "config.advanced_unknown_key");
        assert_eq!(now["replicas"], 2);
        assert_eq!(
            advanced_key_violations(&json!(["x"]))[0].key,
            "config.advanced_not_mapping"
        );
        assert!(advanced_key_violations(&Value::Null).is_empty());
    }

    #[test]
    fn storage_is_summarised() {
        let summary = storage_summary(&spec());
        assert_eq!(summary.kind.as_deref(), Some("s3"));
        assert!(
            summary
                .details
                .contains(&("bucket".into(), "images".into()))
        );
        assert!(summary.details.contains(&("encrypt".into(), "true".into())));
        assert_eq!(summary.management_state.as_deref(), Some("Managed"));
        assert_eq!(storage_summary(&json!({})), StorageSummary::default());
    }

    #[test]
    fn rollout_reads_conditions() {
        let status = json!({
            "observedGeneration": 4,
            "conditions": [
                { "type": "Available", "status": "True", "reason": "Ready", "message": "ok" },
                { "type": "Progressing", "status": "False" }
            ]
        });
        let view = rollout_view(&status, 4);
        assert_eq!(view.state, "healthy");
        assert_eq!(view.conditions.len(), 2);
        assert_eq!(rollout_view(&status, 5).state, "pending");
    }
}

/// Values a link may pre-fill the Configuration form with (the doctor's fixes): only these
/// fields, only valid values. The change still goes through the review. Returns the fields
/// it filled.
pub fn prefill(form: &mut ConfigForm, get: impl Fn(&str) -> Option<String>) -> Vec<&'static str> {
    use crate::domain::registry_config::rules::{MANAGEMENT_STATES, ROLLOUT_STRATEGIES};
    let mut filled = Vec::new();
    if let Some(replicas) = get("spec.replicas")
        && !replicas.is_empty()
        && replicas.len() <= 4
        && replicas.bytes().all(|b| b.is_ascii_digit())
    {
        form.replicas = replicas;
        filled.push("spec.replicas");
    }
    if let Some(strategy) = get("spec.rolloutStrategy")
        && ROLLOUT_STRATEGIES.contains(&strategy.as_str())
    {
        form.rollout_strategy = strategy;
        filled.push("spec.rolloutStrategy");
    }
    if let Some(state) = get("spec.managementState")
        && MANAGEMENT_STATES.contains(&state.as_str())
        && state != "Removed"
    {
        form.management_state = state;
        filled.push("spec.managementState");
    }
    filled
}

#[cfg(test)]
mod prefill_tests {
    use super::*;

    #[test]
    fn only_known_fields_with_valid_values_are_prefilled() {
        let mut form = ConfigForm::default();
        let query = |k: &str| match k {
            "spec.replicas" => Some("1".to_string()),
            "spec.rolloutStrategy" => Some("Recreate".to_string()),
            "spec.managementState" => Some("Removed".to_string()),
            "spec.httpSecret" => Some("x".to_string()),
            _ => None,
        };
        assert_eq!(
            prefill(&mut form, query),
            ["spec.replicas", "spec.rolloutStrategy"]
        );
        assert_eq!(
            (form.replicas.as_str(), form.rollout_strategy.as_str()),
            ("1", "Recreate")
        );
        assert_eq!(
            form.management_state, "",
            "Removed deletes things: never from a link"
        );
        let mut form = ConfigForm::default();
        assert!(prefill(&mut form, |_| Some("$(x)".to_string())).is_empty());
    }
}
