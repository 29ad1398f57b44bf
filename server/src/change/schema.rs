//! Validation of objects against their CRD schemas (`openAPIV3Schema`), pure: no I/O.
//!
//! The console checks the schema itself because the sandbox API server (Kubernetes 1.20)
//! silently prunes unknown fields, so a misspelled field would vanish without a word, and it
//! cannot run `x-kubernetes-validations` (CEL) rules at all. Every violation names the field
//! and the fix through a `schema.*` catalogue key, like the operator rules in
//! [`app::domain::registry_config::rules`].
//!
//! Keywords checked (what the shipped CRDs use): `default` (filled in first, as the API
//! server does), `type`, `nullable`,
//! `x-kubernetes-int-or-string`, `x-kubernetes-preserve-unknown-fields`, `enum`, `pattern`,
//! `format` (int32, int64, date-time, duration, hostname), `minimum`, `maximum`,
//! `exclusiveMinimum`, `exclusiveMaximum`, `minLength`, `maxLength`, `minItems`, `maxItems`,
//! `minProperties`, `maxProperties`, `required`, `properties` (unknown fields are errors, with
//! the closest known name suggested), `additionalProperties`, `items`, `allOf`, `anyOf`,
//! `oneOf`, `not`, and `x-kubernetes-list-type` `set` / `map` uniqueness.
//!
//! CEL rules (`x-kubernetes-validations`) are run by a CEL interpreter (crates.io `cel`,
//! with the strings extension Kubernetes enables), so a rule a CRD update adds is enforced
//! with no code change. [`CEL_MESSAGES`] words the known rules in the console's bilingual
//! messages; any other rule's violation quotes the CRD's own message and names the field.
//! Not run:
//!
//! - transition rules (`oldSelf`, e.g. `self >= oldSelf` on Config
//!   `status.latestAvailableRevision`): they need the stored object, which a pure check of
//!   the new value does not have; the shipped one guards `status`, which the console never
//!   writes ([`UNCHECKED_CEL_RULES`]).
//!
//! The server's tests walk every shipped CRD: each rule must compile or be listed.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, PoisonError};

use regex::Regex;
use serde_json::{Map, Value};

use app::domain::violation::Violation;

/// Validates `value` against `schema`; `path` names `value` in the violations (e.g. `spec`,
/// giving fields such as `spec.tolerations[0].effect`).
pub fn validate(schema: &Value, value: &Value, path: &str) -> Vec<Violation> {
    let mut out = Vec::new();
    // The API server fills in defaults before it validates, and rules depend on them (a
    // Route's `to.kind`, `wildcardPolicy`), so the check sees the object as it will.
    let value = with_defaults(schema, value);
    check(schema, &value, path, Mode::Structural, &mut out);
    out
}

/// `value` with the `default` of every absent field filled in, as the API server does (a null
/// in a non-nullable field counts as absent: it is pruned first).
fn with_defaults(schema: &Value, value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let properties = schema.get("properties").and_then(Value::as_object);
            let extra = schema.get("additionalProperties").filter(|v| v.is_object());
            let mut out = Map::new();
            for (key, child) in map {
                let child = match properties.and_then(|p| p.get(key)).or(extra) {
                    Some(child_schema) => with_defaults(child_schema, child),
                    None => child.clone(),
                };
                out.insert(key.clone(), child);
            }
            for (key, child_schema) in properties.into_iter().flatten() {
                let absent = out
                    .get(key)
                    .is_none_or(|v| v.is_null() && !nullable(child_schema));
                if absent && let Some(default) = child_schema.get("default") {
                    out.insert(key.clone(), with_defaults(child_schema, default));
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => match schema.get("items").filter(|i| i.is_object()) {
            Some(item_schema) => Value::Array(
                items
                    .iter()
                    .map(|item| with_defaults(item_schema, item))
                    .collect(),
            ),
            None => value.clone(),
        },
        other => other.clone(),
    }
}

/// Structural nodes describe the object's shape: unknown fields there are pruned by the API
/// server, so they are errors. Inside `allOf`/`anyOf`/`oneOf`/`not` a schema only adds
/// constraints and lists a subset of the fields, so unknown fields are not judged there.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Structural,
    Value,
}

fn check(schema: &Value, value: &Value, path: &str, mode: Mode, out: &mut Vec<Violation>) {
    let Some(s) = schema.as_object() else {
        return;
    };
    if value.is_null() && flag(s, "nullable") {
        return;
    }
    if !check_type(s, value, path, out) {
        // Further keywords would only repeat the same mistake in other words.
        return;
    }
    check_enum(s, value, path, out);
    match value {
        Value::String(text) => check_string(s, text, path, out),
        Value::Number(_) => check_number(s, value, path, out),
        Value::Array(items) => check_array(s, items, path, mode, out),
        Value::Object(map) => check_object(s, map, path, mode, out),
        _ => {}
    }
    check_combinators(s, value, path, out);
    if mode == Mode::Structural {
        check_cel(s, value, path, out);
    }
}

fn flag(s: &Map<String, Value>, name: &str) -> bool {
    s.get(name).and_then(Value::as_bool).unwrap_or(false)
}

fn nullable(schema: &Value) -> bool {
    schema
        .get("nullable")
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// `has(x)` in the API server's sense: present and not null (nulls of non-nullable fields
/// are pruned before validation).
fn has(value: &Value, field: &str) -> bool {
    value.get(field).is_some_and(|v| !v.is_null())
}

fn child_path(path: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    match (path.is_empty(), plain) {
        (true, true) => key.to_string(),
        (false, true) => format!("{path}.{key}"),
        // Keys such as `kubernetes.io/os` would be ambiguous after a dot.
        (_, false) => format!("{path}[{}]", Value::String(key.to_string())),
    }
}

fn index_path(path: &str, index: usize) -> String {
    format!("{path}[{index}]")
}

/// A value as the messages show it: text as is, anything else as JSON, cut short so a
/// pasted certificate does not flood the page.
fn shown(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    cut(&text)
}

fn cut(text: &str) -> String {
    const MAX: usize = 80;
    if text.chars().count() > MAX {
        format!("{}…", text.chars().take(MAX).collect::<String>())
    } else {
        text.to_string()
    }
}

/// A whole number, also when written as `3.0` (JSON has no separate integer type).
fn as_integer(value: &Value) -> Option<i128> {
    if let Some(n) = value.as_i64() {
        return Some(i128::from(n));
    }
    if let Some(n) = value.as_u64() {
        return Some(i128::from(n));
    }
    value
        .as_f64()
        .filter(|f| f.is_finite() && f.fract() == 0.0)
        // Saturating cast: beyond i128 is out of every range checked here anyway.
        .map(|f| f as i128)
}

fn check_type(s: &Map<String, Value>, value: &Value, path: &str, out: &mut Vec<Violation>) -> bool {
    let expected = if flag(s, "x-kubernetes-int-or-string") {
        "int-or-string"
    } else if let Some(t) = s.get("type").and_then(Value::as_str) {
        t
    } else {
        return true;
    };
    let (ok, key) = match expected {
        "int-or-string" => (
            as_integer(value).is_some() || value.is_string(),
            "schema.type.int_or_string",
        ),
        "object" => (value.is_object(), "schema.type.object"),
        "array" => (value.is_array(), "schema.type.array"),
        "string" => (value.is_string(), "schema.type.string"),
        "integer" => (as_integer(value).is_some(), "schema.type.integer"),
        "number" => (value.is_number(), "schema.type.number"),
        "boolean" => (value.is_boolean(), "schema.type.boolean"),
        // A type name this code does not know: nothing sensible to check.
        _ => (true, "schema.type"),
    };
    if !ok {
        // JSON rendering on purpose: `"3"` must look different from `3` here.
        out.push(Violation::error(path, key).with("value", cut(&value.to_string())));
    }
    ok
}

fn check_enum(s: &Map<String, Value>, value: &Value, path: &str, out: &mut Vec<Violation>) {
    let Some(allowed) = s.get("enum").and_then(Value::as_array) else {
        return;
    };
    if allowed.contains(value) {
        return;
    }
    if allowed.iter().all(Value::is_null) {
        // `enum: [null]` (used inside `anyOf`) means "must not be set".
        out.push(Violation::error(path, "schema.forbidden"));
        return;
    }
    let listed: Vec<String> = allowed
        .iter()
        .map(|v| match v {
            Value::String(s) if s.is_empty() => "\"\"".to_string(),
            other => shown(other),
        })
        .collect();
    out.push(
        Violation::error(path, "schema.enum")
            .with("value", shown(value))
            .with("allowed", listed.join(", ")),
    );
}

/// Compiled patterns, kept because the same few dozen are checked on every edit.
fn regex(pattern: &str) -> Option<Regex> {
    static CACHE: LazyLock<Mutex<HashMap<String, Option<Regex>>>> =
        LazyLock::new(|| Mutex::new(HashMap::new()));
    // A poisoned cache still holds valid compiled patterns.
    let mut cache = CACHE.lock().unwrap_or_else(PoisonError::into_inner);
    cache
        .entry(pattern.to_string())
        .or_insert_with(|| Regex::new(pattern).ok())
        .clone()
}

/// `^(A|B|C)$` is an enum in disguise (e.g. `managementState`); listing the choices is
/// clearer than showing the regular expression.
fn pattern_choices(pattern: &str) -> Option<Vec<&str>> {
    let inner = pattern.strip_prefix("^(")?.strip_suffix(")$")?;
    let choices: Vec<&str> = inner.split('|').collect();
    choices
        .iter()
        .all(|c| {
            !c.is_empty()
                && c.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .then_some(choices)
}

fn check_string(s: &Map<String, Value>, text: &str, path: &str, out: &mut Vec<Violation>) {
    // A pattern the regex crate cannot compile (Go syntax it lacks) is skipped rather than
    // reported against the user's value.
    if let Some(pattern) = s.get("pattern").and_then(Value::as_str)
        && let Some(re) = regex(pattern)
        && !re.is_match(text)
    {
        let violation = match pattern_choices(pattern) {
            Some(choices) => Violation::error(path, "schema.enum")
                .with("value", cut(text))
                .with("allowed", choices.join(", ")),
            None => Violation::error(path, "schema.pattern")
                .with("value", cut(text))
                .with("pattern", pattern),
        };
        out.push(violation);
    }
    let format_key = match s.get("format").and_then(Value::as_str) {
        Some("date-time") if !is_date_time(text) => Some("schema.format.date_time"),
        Some("duration") if !app::domain::duration::is_kubernetes_duration(text) => {
            Some("schema.format.duration")
        }
        Some("hostname") if !is_hostname(text) => Some("schema.format.hostname"),
        _ => None,
    };
    if let Some(key) = format_key {
        out.push(Violation::error(path, key).with("value", cut(text)));
    }
    // Characters, not bytes, as the API server counts them.
    let length = text.chars().count() as u64;
    if let Some(min) = s.get("minLength").and_then(Value::as_u64)
        && length < min
    {
        out.push(if length == 0 {
            Violation::error(path, "schema.not_empty")
        } else {
            Violation::error(path, "schema.min_length")
                .with("value", cut(text))
                .with("length", length)
                .with("limit", min)
        });
    }
    if let Some(max) = s.get("maxLength").and_then(Value::as_u64)
        && length > max
    {
        out.push(if max == 0 {
            Violation::error(path, "schema.must_be_empty")
        } else {
            Violation::error(path, "schema.max_length")
                .with("value", cut(text))
                .with("length", length)
                .with("limit", max)
        });
    }
}

/// RFC 3339 date-time, as Kubernetes' `date-time` format.
fn is_date_time(text: &str) -> bool {
    regex(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
        .is_some_and(|re| re.is_match(text))
}

/// RFC 1123 host name: dot-separated labels of 1–63 letters, digits and hyphens, not
/// starting or ending with a hyphen, at most 255 characters in all.
fn is_hostname(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 255
        && text.split('.').all(|label| {
            !label.is_empty()
                && label.chars().count() <= 63
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// `exclusiveMinimum` is a flag in OpenAPI 3.0 and a number in later JSON Schema; both are
/// read so a schema written either way is honoured.
fn limit(s: &Map<String, Value>, plain: &str, exclusive: &str) -> Option<(f64, bool, String)> {
    match (s.get(plain), s.get(exclusive)) {
        (Some(limit), exclusive_flag) if limit.is_number() => Some((
            limit.as_f64()?,
            exclusive_flag.and_then(Value::as_bool).unwrap_or(false),
            limit.to_string(),
        )),
        (_, Some(limit)) if limit.is_number() => Some((limit.as_f64()?, true, limit.to_string())),
        _ => None,
    }
}

fn check_number(s: &Map<String, Value>, value: &Value, path: &str, out: &mut Vec<Violation>) {
    let range = match s.get("format").and_then(Value::as_str) {
        Some("int32") => Some((i128::from(i32::MIN), i128::from(i32::MAX), "int32")),
        Some("int64") => Some((i128::from(i64::MIN), i128::from(i64::MAX), "int64")),
        _ => None,
    };
    if let (Some((min, max, format)), Some(n)) = (range, as_integer(value))
        && !(min..=max).contains(&n)
    {
        out.push(
            Violation::error(path, "schema.format.int")
                .with("value", shown(value))
                .with("format", format)
                .with("min", min)
                .with("max", max),
        );
    }
    let Some(number) = value.as_f64() else {
        return;
    };
    if let Some((min, exclusive, text)) = limit(s, "minimum", "exclusiveMinimum")
        && (number < min || (exclusive && number == min))
    {
        let key = if exclusive {
            "schema.minimum_exclusive"
        } else {
            "schema.minimum"
        };
        out.push(
            Violation::error(path, key)
                .with("value", shown(value))
                .with("limit", text),
        );
    }
    if let Some((max, exclusive, text)) = limit(s, "maximum", "exclusiveMaximum")
        && (number > max || (exclusive && number == max))
    {
        let key = if exclusive {
            "schema.maximum_exclusive"
        } else {
            "schema.maximum"
        };
        out.push(
            Violation::error(path, key)
                .with("value", shown(value))
                .with("limit", text),
        );
    }
}

fn check_array(
    s: &Map<String, Value>,
    items: &[Value],
    path: &str,
    mode: Mode,
    out: &mut Vec<Violation>,
) {
    let count = items.len() as u64;
    if let Some(min) = s.get("minItems").and_then(Value::as_u64)
        && count < min
    {
        out.push(
            Violation::error(path, "schema.min_items")
                .with("count", count)
                .with("limit", min),
        );
    }
    if let Some(max) = s.get("maxItems").and_then(Value::as_u64)
        && count > max
    {
        out.push(
            Violation::error(path, "schema.max_items")
                .with("count", count)
                .with("limit", max),
        );
    }
    match s.get("x-kubernetes-list-type").and_then(Value::as_str) {
        Some("set") => {
            for (i, item) in items.iter().enumerate() {
                if let Some(first) = items[..i].iter().position(|earlier| earlier == item) {
                    out.push(
                        Violation::error(&index_path(path, i), "schema.list_set_duplicate")
                            .with("value", shown(item))
                            .with("first", index_path(path, first)),
                    );
                }
            }
        }
        Some("map") => {
            let names: Vec<&str> = s
                .get("x-kubernetes-list-map-keys")
                .and_then(Value::as_array)
                .map(|keys| keys.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let key_of = |item: &Value| -> Vec<Value> {
                names
                    .iter()
                    .map(|n| item.get(*n).cloned().unwrap_or(Value::Null))
                    .collect()
            };
            if !names.is_empty() {
                for (i, item) in items.iter().enumerate() {
                    let key = key_of(item);
                    if let Some(first) = items[..i].iter().position(|e| key_of(e) == key) {
                        let shown_key: Vec<String> = names
                            .iter()
                            .zip(&key)
                            .map(|(n, v)| format!("{n}={}", shown(v)))
                            .collect();
                        out.push(
                            Violation::error(&index_path(path, i), "schema.list_map_duplicate")
                                .with("keys", shown_key.join(", "))
                                .with("names", names.join(", "))
                                .with("first", index_path(path, first)),
                        );
                    }
                }
            }
        }
        _ => {}
    }
    if let Some(item_schema) = s.get("items").filter(|i| i.is_object()) {
        for (i, item) in items.iter().enumerate() {
            check(item_schema, item, &index_path(path, i), mode, out);
        }
    }
}

fn check_object(
    s: &Map<String, Value>,
    map: &Map<String, Value>,
    path: &str,
    mode: Mode,
    out: &mut Vec<Violation>,
) {
    let count = map.len() as u64;
    if let Some(min) = s.get("minProperties").and_then(Value::as_u64)
        && count < min
    {
        out.push(
            Violation::error(path, "schema.min_properties")
                .with("count", count)
                .with("limit", min),
        );
    }
    if let Some(max) = s.get("maxProperties").and_then(Value::as_u64)
        && count > max
    {
        out.push(
            Violation::error(path, "schema.max_properties")
                .with("count", count)
                .with("limit", max),
        );
    }
    let properties = s.get("properties").and_then(Value::as_object);
    if let Some(required) = s.get("required").and_then(Value::as_array) {
        for name in required.iter().filter_map(Value::as_str) {
            let present = map.get(name).is_some_and(|v| {
                !v.is_null() || properties.and_then(|p| p.get(name)).is_some_and(nullable)
            });
            if !present {
                out.push(missing(path, name));
            }
        }
    }
    for (key, child) in map {
        // The API server validates an object's metadata itself; CRD schemas leave it open.
        if path.is_empty() && key == "metadata" {
            continue;
        }
        let child_at = child_path(path, key);
        let child_schema = match properties.and_then(|p| p.get(key)) {
            Some(known) => Some(known),
            None => match s.get("additionalProperties") {
                Some(Value::Bool(true)) => None,
                Some(extra @ Value::Object(_)) => Some(extra),
                Some(Value::Bool(false)) => {
                    out.push(unknown_field(&child_at, key, path, properties));
                    None
                }
                _ => {
                    if mode == Mode::Structural && !flag(s, "x-kubernetes-preserve-unknown-fields")
                    {
                        out.push(unknown_field(&child_at, key, path, properties));
                    }
                    None
                }
            },
        };
        if let Some(child_schema) = child_schema {
            // A null non-nullable field is pruned by the API server, as if it were absent.
            if child.is_null() && !nullable(child_schema) {
                continue;
            }
            check(child_schema, child, &child_at, mode, out);
        }
    }
}

/// A required field is missing. Below the top (`spec`), leaving out the enclosing object is a
/// fix too (e.g. a half-filled `cloudFront`); at the top it is not.
fn missing(parent: &str, name: &str) -> Violation {
    let field = child_path(parent, name);
    if parent.contains(['.', '[']) {
        Violation::error(&field, "schema.required").with("parent", parent)
    } else {
        Violation::error(&field, "schema.required.top")
    }
}

fn unknown_field(
    field: &str,
    key: &str,
    parent: &str,
    properties: Option<&Map<String, Value>>,
) -> Violation {
    let mut known: Vec<&str> = properties
        .map(|p| p.keys().map(String::as_str).collect())
        .unwrap_or_default();
    // Sorted, whatever order the map keeps, so the message and the suggestion are stable.
    known.sort_unstable();
    if known.is_empty() {
        return Violation::error(field, "schema.unknown_field.none").with("parent", parent);
    }
    match closest(key, &known) {
        Some(name) => Violation::error(field, "schema.unknown_field").with("suggestion", name),
        None => {
            Violation::error(field, "schema.unknown_field.known").with("known", known.join(", "))
        }
    }
}

/// The known name nearest to a misspelling (case-insensitive edit distance, a swap of two
/// neighbours counting once), if it is near enough to be a plausible typo: at most a third
/// of the name, and never the whole of a short one (`b` is no typo of `a`).
fn closest<'a>(typed: &str, known: &[&'a str]) -> Option<&'a str> {
    let typed_lower = typed.to_lowercase();
    let typed_len = typed_lower.chars().count();
    let allowed = (typed_len / 3).max(1);
    known
        .iter()
        .map(|name| {
            let distance = strsim::osa_distance(&typed_lower, &name.to_lowercase());
            (distance, *name)
        })
        .filter(|(distance, name)| {
            *distance <= allowed && *distance < typed_len.min(name.chars().count())
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| name)
}

fn branch_violations(branch: &Value, value: &Value, path: &str) -> Vec<Violation> {
    let mut found = Vec::new();
    check(branch, value, path, Mode::Value, &mut found);
    found
}

fn check_combinators(s: &Map<String, Value>, value: &Value, path: &str, out: &mut Vec<Violation>) {
    if let Some(all) = s.get("allOf").and_then(Value::as_array) {
        for branch in all {
            check(branch, value, path, Mode::Value, out);
        }
    }
    if let Some(any) = s.get("anyOf").and_then(Value::as_array)
        && !any.is_empty()
    {
        let results: Vec<Vec<Violation>> = any
            .iter()
            .map(|b| branch_violations(b, value, path))
            .collect();
        if !results.iter().any(Vec::is_empty) {
            no_branch_matches(s, any, results, value, path, out);
        }
    }
    if let Some(one) = s.get("oneOf").and_then(Value::as_array)
        && !one.is_empty()
    {
        let results: Vec<Vec<Violation>> = one
            .iter()
            .map(|b| branch_violations(b, value, path))
            .collect();
        match results.iter().filter(|r| r.is_empty()).count() {
            0 => no_branch_matches(s, one, results, value, path, out),
            1 => {}
            _ => out.push(Violation::error(path, "schema.one_of_many")),
        }
    }
    if let Some(not) = s.get("not")
        && branch_violations(not, value, path).is_empty()
    {
        out.extend(describe_not(not, value, path));
    }
}

fn no_branch_matches(
    s: &Map<String, Value>,
    branches: &[Value],
    results: Vec<Vec<Violation>>,
    value: &Value,
    path: &str,
    out: &mut Vec<Violation>,
) {
    let types: Option<Vec<&str>> = branches
        .iter()
        .map(|b| {
            let only_type = b.as_object().is_some_and(|m| m.len() == 1);
            only_type
                .then(|| b.get("type").and_then(Value::as_str))
                .flatten()
        })
        .collect();
    match types {
        // int-or-string spelled as `anyOf` of types: `check_type` already reported it.
        Some(_) if flag(s, "x-kubernetes-int-or-string") => {}
        Some(types) => out.push(
            Violation::error(path, "schema.type")
                .with("value", cut(&value.to_string()))
                .with("expected", types.join(" | ")),
        ),
        // No alternative holds: the one closest to holding says what to change; each of its
        // messages names a field and a fix, which reads better than a list of alternatives.
        None => {
            if let Some(best) = results.into_iter().min_by_key(Vec::len) {
                out.extend(best);
            }
        }
    }
}

/// What a failed `not` forbids, in terms of the field concerned where the shape allows.
fn describe_not(not: &Value, value: &Value, path: &str) -> Vec<Violation> {
    let generic = || vec![Violation::error(path, "schema.not")];
    let Some(n) = not.as_object() else {
        return generic();
    };
    if n.len() != 1 {
        return generic();
    }
    if let Some(required) = n.get("required").and_then(Value::as_array) {
        let present: Vec<Violation> = required
            .iter()
            .filter_map(Value::as_str)
            .filter(|name| has(value, name))
            .map(|name| Violation::error(&child_path(path, name), "schema.forbidden"))
            .collect();
        return if present.is_empty() {
            generic()
        } else {
            present
        };
    }
    if n.contains_key("enum") {
        return vec![Violation::error(path, "schema.not_enum").with("value", shown(value))];
    }
    if n.get("maxLength").and_then(Value::as_u64) == Some(0) {
        return vec![Violation::error(path, "schema.not_empty")];
    }
    if let Some(properties) = n.get("properties").and_then(Value::as_object)
        && properties.len() == 1
        && let Some((name, inner)) = properties.iter().next()
    {
        let at = child_path(path, name);
        return match value.get(name).filter(|v| !v.is_null()) {
            Some(child) => describe_not(inner, child, &at),
            // `properties` holds vacuously for a missing field, so setting it is the fix.
            None => vec![missing(path, name)],
        };
    }
    generic()
}

/// Every `pattern` in `schema` that the regex crate cannot compile (such a pattern is not
/// checked); tests assert the shipped CRDs have none.
pub fn uncompilable_patterns(schema: &Value) -> Vec<String> {
    let mut found = Vec::new();
    collect_uncompilable(schema, &mut found);
    found
}

fn collect_uncompilable(node: &Value, found: &mut Vec<String>) {
    match node {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("pattern", Value::String(pattern)) if regex(pattern).is_none() => {
                        found.push(pattern.clone());
                    }
                    _ => collect_uncompilable(value, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_uncompilable(i, found)),
        _ => {}
    }
}

/// How a failed CEL rule is told in the console's own words: the violation for the value
/// `self` at `path` that the rule refused (which field to name, which message key and
/// parameters). The interpreter decides whether the rule holds; this only words it.
type CelMessage = fn(&Value, &str) -> Violation;

/// The bilingual message of each CEL rule of the shipped CRDs, by its whitespace-normalised
/// text. A rule without an entry still runs; its violation quotes the CRD's own message.
pub const CEL_MESSAGES: [(&str, CelMessage); 13] = [
    // Config spec.storage.azure.networkAccess (and the same block in status).
    (
        "has(self.type) && self.type == 'Internal' ? true : !has(self.internal)",
        |_, p| Violation::error(&child_path(p, "internal"), "schema.cel.azure_internal"),
    ),
    // Image spec.registrySources.{allowed,blocked,insecure}Registries[*].
    (
        r"self.matches('^\\*(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))+$|^((?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))+)?(?::[0-9]+)?)(?:(?:/[a-z0-9]+(?:(?:(?:[._]|__|[-]*)[a-z0-9]+)+)?)+)?$')",
        |v, p| {
            Violation::error(p, "schema.cel.registry_scope")
                .with("value", cut(v.as_str().unwrap_or_default()))
        },
    ),
    // Image spec.registrySources.
    (
        "has(self.blockedRegistries) ? !has(self.allowedRegistries) : true",
        |_, p| {
            Violation::error(
                &child_path(p, "allowedRegistries"),
                "schema.cel.blocked_and_allowed",
            )
        },
    ),
    // Route spec.httpHeaders.actions.{request,response}[*].action.
    (
        "has(self.type) && self.type == 'Set' ? has(self.set) : !has(self.set)",
        |v, p| {
            let key = if has(v, "set") {
                "schema.cel.header_set_forbidden"
            } else {
                "schema.cel.header_set_required"
            };
            Violation::error(&child_path(p, "set"), key)
        },
    ),
    // Route spec.httpHeaders.actions.{request,response}[*].name (four rules).
    (
        "self.lowerAscii() != 'strict-transport-security'",
        |_, p| header_reserved(p, "strict-transport-security"),
    ),
    ("self.lowerAscii() != 'proxy'", |_, p| {
        header_reserved(p, "proxy")
    }),
    ("self.lowerAscii() != 'cookie'", |_, p| {
        header_reserved(p, "cookie")
    }),
    ("self.lowerAscii() != 'set-cookie'", |_, p| {
        header_reserved(p, "set-cookie")
    }),
    // Route spec.httpHeaders.actions.request (judged item by item: `self` is one item).
    (
        r#"self.all(key, key.action.type == "Delete" || (has(key.action.set) && key.action.set.value.matches('^(?:%(?:%|(?:\\{[-+]?[QXE](?:,[-+]?[QXE])*\\})?\\[(?:req\\.hdr\\([0-9A-Za-z-]+\\)|ssl_c_der)(?:,(?:lower|base64))*\\])|[^%[:cntrl:]])+$')))"#,
        |v, p| header_value(v, p, "req"),
    ),
    // Route spec.httpHeaders.actions.response.
    (
        r#"self.all(key, key.action.type == "Delete" || (has(key.action.set) && key.action.set.value.matches('^(?:%(?:%|(?:\\{[-+]?[QXE](?:,[-+]?[QXE])*\\})?\\[(?:res\\.hdr\\([0-9A-Za-z-]+\\)|ssl_c_der)(?:,(?:lower|base64))*\\])|[^%[:cntrl:]])+$')))"#,
        |v, p| header_value(v, p, "res"),
    ),
    // Route spec.tls (two rules).
    (
        "has(self.termination) && has(self.insecureEdgeTerminationPolicy) ? !((self.termination=='passthrough') && (self.insecureEdgeTerminationPolicy=='Allow')) : true",
        |_, p| {
            Violation::error(
                &child_path(p, "insecureEdgeTerminationPolicy"),
                "schema.cel.route_passthrough_allow",
            )
        },
    ),
    (
        "!(has(self.certificate) && has(self.externalCertificate))",
        |_, p| {
            Violation::error(
                &child_path(p, "externalCertificate"),
                "schema.cel.route_cert_and_external",
            )
        },
    ),
    // Route spec.
    (
        "!has(self.tls) || self.tls.termination != 'passthrough' || !has(self.httpHeaders)",
        |_, p| {
            Violation::error(
                &child_path(p, "httpHeaders"),
                "schema.cel.route_passthrough_headers",
            )
        },
    ),
];

/// CEL rules of the shipped CRDs that are not checked, with the reason.
pub const UNCHECKED_CEL_RULES: [(&str, &str); 1] = [(
    "self >= oldSelf",
    "transition rule: needs the stored object; guards status, which the console never writes",
)];

/// Collapses whitespace runs, as YAML folding of long rules varies between generators.
pub fn normalize_rule(rule: &str) -> String {
    rule.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn header_reserved(path: &str, name: &str) -> Violation {
    Violation::error(path, "schema.cel.header_reserved").with("name", name)
}

/// One header action whose value the rule refused (`self` is a one-item list).
fn header_value(value: &Value, path: &str, direction: &str) -> Violation {
    let text = value
        .pointer("/0/action/set/value")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let field = if text.is_empty() {
        format!("{path}.action.set")
    } else {
        format!("{path}.action.set.value")
    };
    let key = if text.is_empty() {
        "schema.cel.header_set_required"
    } else {
        "schema.cel.header_value"
    };
    Violation::error(&field, key)
        .with("value", cut(text))
        .with("fetchers", format!("{direction}.hdr(name), ssl_c_der"))
}

/// Whether a rule refers to the stored object (`oldSelf`): a transition rule, which a
/// check of the new value alone cannot run.
fn is_transition_rule(rule: &str) -> bool {
    rule.contains("oldSelf")
}

/// The CEL environment of Kubernetes' validation rules that the shipped CRDs use: the
/// standard library and the strings extension (`lowerAscii`).
fn cel_env() -> Result<std::sync::Arc<cel::Env>, String> {
    static ENV: LazyLock<Result<std::sync::Arc<cel::Env>, String>> = LazyLock::new(|| {
        let mut env = cel::Env::stdlib();
        env.add_extension(cel::extensions::strings)
            .map_err(|e| e.to_string())?;
        Ok(std::sync::Arc::new(env))
    });
    ENV.clone()
}

/// Compiled rules, by text: a rule is compiled once.
/// A rule compiled, or why it does not compile.
type Compiled = Result<std::sync::Arc<cel::Program>, String>;

static CEL_PROGRAMS: LazyLock<Mutex<HashMap<String, Compiled>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

fn compiled(rule: &str) -> Compiled {
    let mut cache = CEL_PROGRAMS.lock().unwrap_or_else(PoisonError::into_inner);
    cache
        .entry(rule.to_string())
        .or_insert_with(|| {
            cel_env()
                .and_then(|env| env.compile(rule).map_err(|e| e.to_string()))
                .map(std::sync::Arc::new)
        })
        .clone()
}

/// Whether `rule` holds for `value` (`self`): `Err` with the reason when it cannot be
/// evaluated (it does not parse, or fails at run time, which Kubernetes refuses too).
pub fn evaluate_rule(rule: &str, value: &Value) -> Result<bool, String> {
    let program = compiled(rule)?;
    let mut context = cel::Context::with_env(cel_env()?);
    let this = cel::to_value(value).map_err(|e| e.to_string())?;
    context.add_variable_from_value("self", this);
    match program.execute(&context) {
        Ok(cel::Value::Bool(holds)) => Ok(holds),
        Ok(other) => Err(format!("the rule gave {other:?}, not a boolean")),
        Err(e) => Err(e.to_string()),
    }
}

/// Whether a CEL rule (any whitespace) is run by [`validate`]: it compiles and is no
/// transition rule.
pub fn cel_rule_is_checked(rule: &str) -> bool {
    !is_transition_rule(rule) && compiled(&normalize_rule(rule)).is_ok()
}

fn cel_message_for(normalized: &str) -> Option<CelMessage> {
    CEL_MESSAGES
        .iter()
        .find(|(rule, _)| *rule == normalized)
        .map(|(_, message)| *message)
}

/// The rules of `x-kubernetes-validations` on `value`, run by the CEL interpreter. A rule
/// that fails is worded by [`CEL_MESSAGES`], else by the CRD's own message naming the field
/// (`fieldPath` when the rule gives one). A rule on a list that fails is narrowed to the
/// items that fail it alone, so the violation names the item.
fn check_cel(s: &Map<String, Value>, value: &Value, path: &str, out: &mut Vec<Violation>) {
    let Some(rules) = s.get("x-kubernetes-validations").and_then(Value::as_array) else {
        return;
    };
    for rule in rules {
        let Some(text) = rule.get("rule").and_then(Value::as_str) else {
            continue;
        };
        if is_transition_rule(text) {
            continue;
        }
        let normalized = normalize_rule(text);
        let fail = |value: &Value, path: &str| match cel_message_for(&normalized) {
            Some(message) => message(value, path),
            None => {
                let field = rule
                    .get("fieldPath")
                    .and_then(Value::as_str)
                    .map(|f| format!("{path}{f}"))
                    .unwrap_or_else(|| path.to_string());
                let said = rule
                    .get("message")
                    .and_then(Value::as_str)
                    .filter(|m| !m.is_empty())
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("failed rule: {}", cut(&normalized)));
                Violation::error(&field, "schema.cel.failed").with("message", said)
            }
        };
        match evaluate_rule(&normalized, value) {
            Ok(true) => {}
            Ok(false) => match value.as_array() {
                Some(items) if !items.is_empty() => {
                    let mut narrowed = false;
                    for (i, item) in items.iter().enumerate() {
                        let one = Value::Array(vec![item.clone()]);
                        if evaluate_rule(&normalized, &one) == Ok(false) {
                            out.push(fail(&one, &index_path(path, i)));
                            narrowed = true;
                        }
                    }
                    if !narrowed {
                        out.push(fail(value, path));
                    }
                }
                _ => out.push(fail(value, path)),
            },
            Err(reason) => out.push(
                Violation::error(path, "schema.cel.error")
                    .with("rule", cut(&normalized))
                    .with("reason", reason),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::domain::registry_config::rules::MESSAGE_KEYS;
    use app::domain::violation::Severity;
    use app::i18n::Lang;
    use serde_json::json;

    /// `field key` of each violation; also checks every key is catalogued and an error.
    fn found(schema: Value, value: Value) -> Vec<String> {
        validate(&schema, &value, "spec")
            .into_iter()
            .map(|v| {
                assert!(
                    MESSAGE_KEYS.contains(&v.key.as_str()),
                    "{} not listed",
                    v.key
                );
                assert_eq!(v.severity, Severity::Error);
                format!("{} {}", v.field, v.key)
            })
            .collect()
    }

    fn ok(schema: Value, value: Value) -> bool {
        let violations = found(schema, value);
        violations.is_empty() || panic!("unexpected: {violations:?}")
    }

    fn param(v: &Violation, name: &str) -> String {
        v.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    fn object(properties: Value) -> Value {
        json!({ "type": "object", "properties": properties })
    }

    #[test]
    fn types_accept_their_values_and_name_the_expected_type() {
        let cases = [
            ("object", json!({}), json!([]), "schema.type.object"),
            ("array", json!([1]), json!({}), "schema.type.array"),
            ("string", json!("x"), json!(3), "schema.type.string"),
            ("integer", json!(3), json!("3"), "schema.type.integer"),
            ("integer", json!(3.0), json!(3.5), "schema.type.integer"),
            ("number", json!(3.5), json!("3.5"), "schema.type.number"),
            (
                "boolean",
                json!(false),
                json!("false"),
                "schema.type.boolean",
            ),
        ];
        for (t, good, bad, key) in cases {
            assert!(ok(json!({ "type": t }), good), "{t}");
            assert_eq!(
                found(json!({ "type": t }), bad),
                [format!("spec {key}")],
                "{t}"
            );
        }
        // Unknown type names are not guessed at.
        assert!(ok(json!({ "type": "quantity" }), json!(1)));
        // The value is shown as JSON so a quoted number is recognisable.
        let v = validate(&json!({ "type": "integer" }), &json!("3"), "spec");
        assert_eq!(param(&v[0], "value"), "\"3\"");
    }

    #[test]
    fn a_type_error_is_reported_once() {
        let schema = json!({ "type": "string", "enum": ["a"], "minLength": 3 });
        assert_eq!(found(schema, json!(5)), ["spec schema.type.string"]);
    }

    #[test]
    fn int_or_string() {
        let schema = json!({
            "x-kubernetes-int-or-string": true,
            "anyOf": [{ "type": "integer" }, { "type": "string" }],
            "pattern": "^[0-9]+(Mi|Gi)?$"
        });
        assert!(ok(schema.clone(), json!(5)));
        assert!(ok(schema.clone(), json!("512Mi")));
        assert_eq!(
            found(schema.clone(), json!(true)),
            ["spec schema.type.int_or_string"]
        );
        assert_eq!(found(schema, json!("lots")), ["spec schema.pattern"]);
        // A bare `anyOf` of types without the marker still names the types.
        let v = validate(
            &json!({ "anyOf": [{ "type": "integer" }, { "type": "boolean" }] }),
            &json!("x"),
            "spec",
        );
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].key, "schema.type");
        assert_eq!(param(&v[0], "expected"), "integer | boolean");
    }

    #[test]
    fn nulls_are_allowed_when_nullable_and_pruned_fields_otherwise() {
        let schema = object(json!({
            "overrides": { "type": "object", "nullable": true, "x-kubernetes-preserve-unknown-fields": true },
            "replicas": { "type": "integer" }
        }));
        assert!(ok(schema.clone(), json!({ "overrides": null })));
        // The API server prunes a null non-nullable field: as if it were not there.
        assert!(ok(schema, json!({ "replicas": null })));
        // A null list entry is not pruned, it is a wrong value.
        let list = json!({ "type": "array", "items": { "type": "string" } });
        assert_eq!(
            found(list, json!(["a", null])),
            ["spec[1] schema.type.string"]
        );
    }

    #[test]
    fn preserve_unknown_fields_keeps_unknown_but_checks_known() {
        let schema = json!({
            "type": "object",
            "x-kubernetes-preserve-unknown-fields": true,
            "properties": { "known": { "type": "integer" } }
        });
        assert!(ok(schema.clone(), json!({ "anything": { "deep": [1] } })));
        assert_eq!(
            found(schema, json!({ "known": "x" })),
            ["spec.known schema.type.integer"]
        );
    }

    #[test]
    fn enum_lists_the_allowed_values() {
        let schema = json!({ "type": "string", "enum": ["", "Normal", "Debug"] });
        assert!(ok(schema.clone(), json!("")));
        assert!(ok(schema.clone(), json!("Debug")));
        let v = validate(&schema, &json!("Verbose"), "spec.logLevel");
        assert_eq!(v.len(), 1);
        assert_eq!(
            (v[0].field.as_str(), v[0].key.as_str()),
            ("spec.logLevel", "schema.enum")
        );
        assert_eq!(param(&v[0], "allowed"), "\"\", Normal, Debug");
        assert_eq!(param(&v[0], "value"), "Verbose");
        // `enum: [null]` only admits "not set".
        assert_eq!(
            found(json!({ "enum": [null] }), json!({})),
            ["spec schema.forbidden"]
        );
        // Numbers compare as values.
        assert!(ok(json!({ "enum": [0, 1] }), json!(1)));
    }

    #[test]
    fn pattern() {
        let schema = json!({ "type": "string", "pattern": "^[a-z]+(-[a-z]+)*$" });
        assert!(ok(schema.clone(), json!("my-bucket")));
        let v = validate(&schema, &json!("My_Bucket"), "spec.bucket");
        assert_eq!(v[0].key, "schema.pattern");
        assert_eq!(param(&v[0], "pattern"), "^[a-z]+(-[a-z]+)*$");
        // Patterns match anywhere unless anchored, as in Go.
        assert!(ok(json!({ "pattern": "b" }), json!("abc")));
        // A pattern the regex crate cannot compile is not held against the value.
        assert!(ok(json!({ "pattern": "(?=x)" }), json!("y")));
    }

    #[test]
    fn a_pattern_of_alternatives_reads_as_a_choice() {
        let schema = json!({ "type": "string", "pattern": "^(Managed|Unmanaged|Force|Removed)$" });
        assert!(ok(schema.clone(), json!("Force")));
        let v = validate(&schema, &json!("managed"), "spec.managementState");
        assert_eq!(v[0].key, "schema.enum");
        assert_eq!(
            param(&v[0], "allowed"),
            "Managed, Unmanaged, Force, Removed"
        );
    }

    #[test]
    fn integer_formats_bound_the_range() {
        let int32 = json!({ "type": "integer", "format": "int32" });
        assert!(ok(int32.clone(), json!(2_147_483_647)));
        assert!(ok(int32.clone(), json!(-2_147_483_648)));
        let v = validate(&int32, &json!(2_147_483_648_i64), "spec.replicas");
        assert_eq!(v[0].key, "schema.format.int");
        assert_eq!(param(&v[0], "max"), "2147483647");
        let int64 = json!({ "type": "integer", "format": "int64" });
        assert!(ok(int64.clone(), json!(i64::MAX)));
        assert_eq!(found(int64, json!(u64::MAX)), ["spec schema.format.int"]);
        // Formats apply to their own kind of value only.
        assert!(ok(json!({ "format": "int32" }), json!("x")));
        assert!(ok(
            json!({ "format": "hostname", "type": "array" }),
            json!(["-"])
        ));
    }

    #[test]
    fn string_formats() {
        let date = json!({ "type": "string", "format": "date-time" });
        assert!(ok(date.clone(), json!("2025-01-31T12:00:00Z")));
        assert!(ok(date.clone(), json!("2025-01-31T12:00:00.5+09:00")));
        assert_eq!(
            found(date, json!("31/01/2025")),
            ["spec schema.format.date_time"]
        );
        let duration = json!({ "type": "string", "format": "duration" });
        for good in [
            "0", "1h30m", "1.5h", "500ms", "-5m", "3 days", "2w", "1h 30m",
        ] {
            assert!(ok(duration.clone(), json!(good)), "{good}");
        }
        for bad in ["", "5", "1 fortnight", "h1", "1h30"] {
            assert_eq!(
                found(duration.clone(), json!(bad)),
                ["spec schema.format.duration"],
                "{bad}"
            );
        }
        let host = json!({ "type": "string", "format": "hostname" });
        assert!(ok(host.clone(), json!("Registry-1.example.com")));
        for bad in ["", "-a.com", "a..com", "a_b.com", "host:5000"] {
            assert_eq!(
                found(host.clone(), json!(bad)),
                ["spec schema.format.hostname"],
                "{bad}"
            );
        }
        // Unknown formats are not guessed at.
        assert!(ok(
            json!({ "type": "string", "format": "byte" }),
            json!("%%")
        ));
    }

    #[test]
    fn numeric_bounds() {
        let inclusive = json!({ "type": "integer", "minimum": 1, "maximum": 10 });
        assert!(ok(inclusive.clone(), json!(1)));
        assert!(ok(inclusive.clone(), json!(10)));
        assert_eq!(found(inclusive.clone(), json!(0)), ["spec schema.minimum"]);
        assert_eq!(found(inclusive.clone(), json!(11)), ["spec schema.maximum"]);
        let v = validate(&inclusive, &json!(0), "spec");
        assert_eq!(
            (param(&v[0], "limit"), param(&v[0], "value")),
            ("1".into(), "0".into())
        );
        // OpenAPI 3.0 flags.
        let flags = json!({ "type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": 1, "exclusiveMaximum": true });
        assert!(ok(flags.clone(), json!(0.5)));
        assert_eq!(
            found(flags.clone(), json!(0)),
            ["spec schema.minimum_exclusive"]
        );
        assert_eq!(found(flags, json!(1)), ["spec schema.maximum_exclusive"]);
        // Later JSON Schema numbers.
        let numbers = json!({ "type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 5 });
        assert!(ok(numbers.clone(), json!(4.9)));
        assert_eq!(
            found(numbers.clone(), json!(0)),
            ["spec schema.minimum_exclusive"]
        );
        assert_eq!(found(numbers, json!(5)), ["spec schema.maximum_exclusive"]);
    }

    #[test]
    fn string_lengths_count_characters() {
        let schema = json!({ "type": "string", "minLength": 2, "maxLength": 3 });
        assert!(ok(schema.clone(), json!("日本語")));
        assert_eq!(
            found(schema.clone(), json!("a")),
            ["spec schema.min_length"]
        );
        assert_eq!(
            found(schema.clone(), json!("abcd")),
            ["spec schema.max_length"]
        );
        let v = validate(&schema, &json!("abcd"), "spec");
        assert_eq!(
            (param(&v[0], "length"), param(&v[0], "limit")),
            ("4".into(), "3".into())
        );
        // The two common special cases read better in their own words.
        assert_eq!(found(schema, json!("")), ["spec schema.not_empty"]);
        assert_eq!(
            found(json!({ "type": "string", "maxLength": 0 }), json!("/x")),
            ["spec schema.must_be_empty"]
        );
    }

    #[test]
    fn item_and_property_counts() {
        let list = json!({ "type": "array", "minItems": 1, "maxItems": 2 });
        assert!(ok(list.clone(), json!(["a"])));
        assert_eq!(found(list.clone(), json!([])), ["spec schema.min_items"]);
        assert_eq!(found(list, json!([1, 2, 3])), ["spec schema.max_items"]);
        let map = json!({ "type": "object", "additionalProperties": true, "minProperties": 1, "maxProperties": 1 });
        assert!(ok(map.clone(), json!({ "a": 1 })));
        assert_eq!(
            found(map.clone(), json!({})),
            ["spec schema.min_properties"]
        );
        assert_eq!(
            found(map, json!({ "a": 1, "b": 2 })),
            ["spec schema.max_properties"]
        );
    }

    #[test]
    fn required_fields_name_the_missing_field_and_its_parent() {
        let schema = object(json!({
            "routes": { "type": "array", "items": {
                "type": "object", "required": ["name"],
                "properties": { "name": { "type": "string" }, "hostname": { "type": "string" } }
            } },
            "extra": { "type": "object", "nullable": true }
        }));
        assert!(ok(schema.clone(), json!({ "routes": [{ "name": "a" }] })));
        let v = validate(
            &schema,
            &json!({ "routes": [{ "name": "a" }, { "hostname": "h" }] }),
            "spec",
        );
        assert_eq!(v.len(), 1);
        assert_eq!(
            (v[0].field.as_str(), v[0].key.as_str()),
            ("spec.routes[1].name", "schema.required")
        );
        assert_eq!(param(&v[0], "parent"), "spec.routes[1]");
        // A null is pruned, so it does not satisfy `required`, unless the field is nullable.
        assert_eq!(
            found(schema.clone(), json!({ "routes": [{ "name": null }] })),
            ["spec.routes[0].name schema.required"]
        );
        let nullable = json!({ "type": "object", "required": ["extra"], "properties": { "extra": { "type": "object", "nullable": true } } });
        assert!(ok(nullable, json!({ "extra": null })));
    }

    #[test]
    fn unknown_fields_suggest_the_closest_known_name() {
        let schema = object(json!({
            "logLevel": { "type": "string" },
            "operatorLogLevel": { "type": "string" },
            "replicas": { "type": "integer" },
            "nodeSelector": { "type": "object", "additionalProperties": { "type": "string" } }
        }));
        let v = validate(&schema, &json!({ "logLevle": "Debug" }), "spec");
        assert_eq!(v.len(), 1);
        assert_eq!(
            (v[0].field.as_str(), v[0].key.as_str()),
            ("spec.logLevle", "schema.unknown_field")
        );
        assert_eq!(param(&v[0], "suggestion"), "logLevel");
        assert_eq!(
            app::domain::violation::message(Lang::En, &v[0]),
            "Unknown field; did you mean logLevel? The API server would silently drop it, so rename or remove it."
        );
        assert!(app::domain::violation::message(Lang::Ja, &v[0]).contains("logLevel"));
        for (typed, meant) in [
            ("replica", "replicas"),
            ("nodeselector", "nodeSelector"),
            ("operatorLoglevel", "operatorLogLevel"),
        ] {
            let v = validate(&schema, &json!({ typed: 1 }), "spec");
            assert_eq!(param(&v[0], "suggestion"), meant, "{typed}");
        }
        // Nothing close: the known names are listed instead.
        let v = validate(&schema, &json!({ "storage": {} }), "spec");
        assert_eq!(v[0].key, "schema.unknown_field.known");
        assert_eq!(
            param(&v[0], "known"),
            "logLevel, nodeSelector, operatorLogLevel, replicas"
        );
        // An object without fields, such as `emptyDir: {}`.
        let empty = object(json!({ "emptyDir": { "type": "object" } }));
        let v = validate(
            &empty,
            &json!({ "emptyDir": { "medium": "Memory" } }),
            "spec.storage",
        );
        assert_eq!(v[0].field, "spec.storage.emptyDir.medium");
        assert_eq!(v[0].key, "schema.unknown_field.none");
        assert_eq!(param(&v[0], "parent"), "spec.storage.emptyDir");
    }

    #[test]
    fn additional_properties() {
        let schema = object(json!({
            "nodeSelector": { "type": "object", "additionalProperties": { "type": "string" } },
            "closed": { "type": "object", "additionalProperties": false, "properties": { "a": {} } },
            "open": { "type": "object", "additionalProperties": true }
        }));
        assert!(ok(
            schema.clone(),
            json!({ "nodeSelector": { "kubernetes.io/os": "linux" }, "open": { "x": [1] } })
        ));
        // Keys that are not plain names are quoted in the path.
        assert_eq!(
            found(
                schema.clone(),
                json!({ "nodeSelector": { "kubernetes.io/os": 1 } })
            ),
            ["spec.nodeSelector[\"kubernetes.io/os\"] schema.type.string"]
        );
        assert_eq!(
            found(schema, json!({ "closed": { "b": 1 } })),
            ["spec.closed.b schema.unknown_field.known"]
        );
    }

    #[test]
    fn paths_follow_items_and_properties() {
        let schema = object(json!({
            "tolerations": { "type": "array", "items": object(json!({
                "effect": { "type": "string", "enum": ["NoSchedule", "NoExecute"] }
            })) },
            "requests": object(json!({ "read": object(json!({ "maxRunning": { "type": "integer", "minimum": 0 } })) }))
        }));
        let mut violations = found(
            schema,
            json!({
                "tolerations": [{ "effect": "NoSchedule" }, { "effect": "Never" }],
                "requests": { "read": { "maxRunning": -1 } }
            }),
        );
        violations.sort();
        assert_eq!(
            violations,
            [
                "spec.requests.read.maxRunning schema.minimum",
                "spec.tolerations[1].effect schema.enum"
            ]
        );
        // The root has no leading dot, and its metadata is the API server's business.
        let root = object(
            json!({ "spec": object(json!({ "a": { "type": "string" } })), "metadata": { "type": "object" } }),
        );
        let v = validate(
            &root,
            &json!({ "metadata": { "name": "cluster" }, "spec": { "a": 1 } }),
            "",
        );
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].field, "spec.a");
    }

    #[test]
    fn all_of_reports_every_branch() {
        let schema =
            json!({ "type": "string", "allOf": [{ "minLength": 2 }, { "pattern": "^a" }] });
        assert!(ok(schema.clone(), json!("ab")));
        assert_eq!(
            found(schema, json!("b")),
            ["spec schema.min_length", "spec schema.pattern"]
        );
    }

    /// The `anyOf` of the Config's `storage.oss.encryption`.
    fn kms_encryption() -> Value {
        json!({
            "type": "object",
            "anyOf": [
                { "not": { "required": ["kms"] }, "properties": { "method": { "not": { "enum": ["KMS"] } } } },
                { "properties": { "method": { "enum": ["KMS"] } }, "required": ["kms"] }
            ],
            "properties": {
                "kms": { "type": "object", "properties": { "keyID": { "type": "string" } } },
                "method": { "type": "string", "enum": ["KMS", "AES256"] }
            }
        })
    }

    #[test]
    fn any_of_reports_the_nearest_alternative() {
        let schema = kms_encryption();
        assert!(ok(schema.clone(), json!({ "method": "AES256" })));
        assert!(ok(
            schema.clone(),
            json!({ "method": "KMS", "kms": { "keyID": "k" } })
        ));
        assert!(ok(schema.clone(), json!({})));
        // KMS without a key: both alternatives are one change away; the first is named.
        assert_eq!(
            found(schema.clone(), json!({ "method": "KMS" })),
            ["spec.method schema.not_enum"]
        );
        assert_eq!(
            found(
                schema,
                json!({ "method": "AES256", "kms": { "keyID": "k" } })
            ),
            ["spec.kms schema.forbidden"]
        );
        // Unknown fields are judged by the structural schema only, not by the branches.
        let branchy = json!({ "type": "object", "properties": { "a": {}, "b": {} },
            "anyOf": [{ "properties": { "a": { "maxLength": 0 } } }, { "required": ["b"] }] });
        assert!(ok(branchy.clone(), json!({ "a": "", "b": 1 })));
        assert_eq!(
            found(branchy, json!({ "a": "x" })),
            ["spec.a schema.must_be_empty"]
        );
    }

    #[test]
    fn one_of_needs_exactly_one() {
        let schema = json!({ "type": "object", "properties": { "a": {}, "b": {} },
            "oneOf": [{ "required": ["a"] }, { "required": ["b"] }] });
        assert!(ok(schema.clone(), json!({ "a": 1 })));
        assert_eq!(
            found(schema.clone(), json!({ "a": 1, "b": 2 })),
            ["spec schema.one_of_many"]
        );
        assert_eq!(found(schema, json!({})), ["spec.a schema.required.top"]);
    }

    #[test]
    fn not_names_the_field_concerned() {
        // The Route's spec rule: a host must be given with a Subdomain wildcard policy.
        let route = json!({ "type": "object",
            "properties": { "host": { "type": "string" }, "wildcardPolicy": { "type": "string" } },
            "anyOf": [
                { "not": { "properties": { "host": { "maxLength": 0 } } } },
                { "not": { "properties": { "wildcardPolicy": { "enum": ["Subdomain"] } } } }
            ] });
        assert!(ok(
            route.clone(),
            json!({ "host": "a.example.com", "wildcardPolicy": "Subdomain" })
        ));
        assert!(ok(
            route.clone(),
            json!({ "host": "", "wildcardPolicy": "None" })
        ));
        assert_eq!(
            found(
                route.clone(),
                json!({ "host": "", "wildcardPolicy": "Subdomain" })
            ),
            ["spec.host schema.not_empty"]
        );
        assert_eq!(
            found(route, json!({ "wildcardPolicy": "Subdomain" })),
            ["spec.host schema.required.top"]
        );
        // Targets that are not 0 or "".
        let port = json!({ "x-kubernetes-int-or-string": true, "allOf": [{ "not": { "enum": [0] } }, { "not": { "enum": [""] } }] });
        assert!(ok(port.clone(), json!(8080)));
        assert_eq!(found(port.clone(), json!(0)), ["spec schema.not_enum"]);
        assert_eq!(found(port, json!("")), ["spec schema.not_enum"]);
        // Anything else gets the general wording.
        assert_eq!(
            found(
                json!({ "not": { "type": "string", "minLength": 1 } }),
                json!("x")
            ),
            ["spec schema.not"]
        );
    }

    #[test]
    fn list_types_set_and_map_are_unique() {
        let set = json!({ "type": "array", "items": { "type": "string" }, "x-kubernetes-list-type": "set" });
        assert!(ok(set.clone(), json!(["a", "b"])));
        let v = validate(&set, &json!(["a", "b", "a"]), "spec.registries");
        assert_eq!(v.len(), 1);
        assert_eq!(
            (v[0].field.as_str(), v[0].key.as_str()),
            ("spec.registries[2]", "schema.list_set_duplicate")
        );
        assert_eq!(param(&v[0], "first"), "spec.registries[0]");
        let map = json!({ "type": "array", "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["name", "kind"],
            "items": object(json!({ "name": { "type": "string" }, "kind": { "type": "string" } })) });
        assert!(ok(
            map.clone(),
            json!([{ "name": "a", "kind": "Service" }, { "name": "a", "kind": "Other" }])
        ));
        let v = validate(
            &map,
            &json!([{ "name": "a", "kind": "S" }, { "name": "a", "kind": "S" }]),
            "spec.claims",
        );
        assert_eq!(v[0].key, "schema.list_map_duplicate");
        assert_eq!(v[0].field, "spec.claims[1]");
        assert_eq!(param(&v[0], "keys"), "name=a, kind=S");
        assert_eq!(param(&v[0], "names"), "name, kind");
        // atomic lists may repeat.
        assert!(ok(
            json!({ "type": "array", "x-kubernetes-list-type": "atomic" }),
            json!([1, 1])
        ));
    }

    fn with_rule(schema: Value, rule: &str) -> Value {
        let mut schema = schema;
        schema["x-kubernetes-validations"] = json!([{ "rule": rule, "message": "m" }]);
        schema
    }

    fn cel_rule(index: usize) -> &'static str {
        CEL_MESSAGES[index].0
    }

    #[test]
    fn cel_table_is_normalised_and_complete() {
        for (rule, _) in CEL_MESSAGES {
            assert_eq!(normalize_rule(rule), rule);
            assert!(cel_rule_is_checked(rule), "{rule} compiles");
        }
        for (rule, reason) in UNCHECKED_CEL_RULES {
            assert!(!cel_rule_is_checked(rule) && !reason.is_empty());
        }
        // YAML folding differences do not matter.
        assert!(cel_rule_is_checked(
            "has(self.type) && self.type == 'Internal' ?  true\n  : !has(self.internal)"
        ));
        // A rule nobody wrote a message for is still run.
        assert!(cel_rule_is_checked("self.size() > 0"));
        assert_eq!(
            validate(
                &with_rule(json!({ "type": "string" }), "self.size() > 99"),
                &json!("x"),
                "spec"
            )[0]
            .key,
            "schema.cel.failed"
        );
        assert!(!cel_rule_is_checked("self.("), "does not parse");
    }

    /// A rule added to a copy of a shipped CRD is enforced with no code change: its
    /// violation names the field and quotes the CRD's own message.
    #[test]
    fn a_rule_added_to_a_crd_is_enforced_without_code() {
        let text = include_str!("../../../crds/00_configs.crd.yaml");
        let mut schema = crate::change::crds::load_crd_schema(text, "v1").expect("schema");
        schema["properties"]["spec"]["properties"]["replicas"]["x-kubernetes-validations"] =
            json!([{ "rule": "self <= 5", "message": "at most five replicas here" }]);
        schema["properties"]["spec"]["x-kubernetes-validations"] = json!([{
            "rule": "!has(self.proxy) || has(self.proxy.noProxy)",
            "message": "a proxy needs noProxy",
            "fieldPath": ".proxy.noProxy"
        }]);
        let spec = schema["properties"]["spec"].clone();
        let ok_spec = json!({ "managementState": "Managed", "replicas": 2 });
        assert!(validate(&spec, &ok_spec, "spec").is_empty());
        let bad = json!({ "managementState": "Managed", "replicas": 7, "proxy": { "http": "http://p:3128" } });
        let found: Vec<(String, String, String)> = validate(&spec, &bad, "spec")
            .into_iter()
            .map(|v| {
                (
                    v.field.clone(),
                    v.key.clone(),
                    param(&v, "message").to_string(),
                )
            })
            .collect();
        assert_eq!(
            found,
            vec![
                (
                    "spec.replicas".to_string(),
                    "schema.cel.failed".to_string(),
                    "at most five replicas here".to_string()
                ),
                (
                    "spec.proxy.noProxy".to_string(),
                    "schema.cel.failed".to_string(),
                    "a proxy needs noProxy".to_string()
                ),
            ]
        );
        let message = app::domain::violation::message(Lang::Ja, &validate(&spec, &bad, "spec")[0]);
        assert!(message.contains("at most five replicas here"), "{message}");
    }

    #[test]
    fn cel_azure_internal_needs_type_internal() {
        let schema = with_rule(
            object(
                json!({ "internal": { "type": "object" , "x-kubernetes-preserve-unknown-fields": true }, "type": { "type": "string" } }),
            ),
            "has(self.type) && self.type == 'Internal' ?  true : !has(self.internal)",
        );
        assert!(ok(
            schema.clone(),
            json!({ "type": "Internal", "internal": { "vnetName": "v" } })
        ));
        assert!(ok(schema.clone(), json!({ "type": "External" })));
        assert!(ok(schema.clone(), json!({})));
        assert_eq!(
            found(
                schema.clone(),
                json!({ "type": "External", "internal": {} })
            ),
            ["spec.internal schema.cel.azure_internal"]
        );
        assert_eq!(
            found(schema, json!({ "internal": {} })),
            ["spec.internal schema.cel.azure_internal"]
        );
    }

    #[test]
    fn cel_registry_scope() {
        let schema = with_rule(json!({ "type": "string" }), cel_rule(1));
        for good in [
            "quay.io",
            "quay.io/myorg",
            "registry:5000/a/b_c",
            "*.example.com",
            "localhost",
            "a.b.c/x--y",
        ] {
            assert!(ok(schema.clone(), json!(good)), "{good}");
        }
        for bad in [
            "quay.io/org:latest",
            "quay.io/org@sha256:abc",
            "*example.com",
            "-bad.com",
            "https://quay.io",
            "Quay.io/Org",
        ] {
            assert_eq!(
                found(schema.clone(), json!(bad)),
                ["spec schema.cel.registry_scope"],
                "{bad}"
            );
        }
    }

    #[test]
    fn cel_blocked_and_allowed_are_exclusive() {
        let schema = with_rule(
            json!({ "type": "object", "x-kubernetes-preserve-unknown-fields": true }),
            "has(self.blockedRegistries) ? !has(self.allowedRegistries) : true",
        );
        assert!(ok(schema.clone(), json!({ "blockedRegistries": ["a.io"] })));
        assert!(ok(schema.clone(), json!({ "allowedRegistries": ["a.io"] })));
        assert_eq!(
            found(
                schema,
                json!({ "blockedRegistries": ["a.io"], "allowedRegistries": ["b.io"] })
            ),
            ["spec.allowedRegistries schema.cel.blocked_and_allowed"]
        );
    }

    #[test]
    fn cel_header_action_set_goes_with_type_set() {
        let schema = with_rule(
            json!({ "type": "object", "x-kubernetes-preserve-unknown-fields": true }),
            "has(self.type) && self.type == 'Set' ?  has(self.set) : !has(self.set)",
        );
        assert!(ok(
            schema.clone(),
            json!({ "type": "Set", "set": { "value": "v" } })
        ));
        assert!(ok(schema.clone(), json!({ "type": "Delete" })));
        assert_eq!(
            found(schema.clone(), json!({ "type": "Set" })),
            ["spec.set schema.cel.header_set_required"]
        );
        assert_eq!(
            found(schema, json!({ "type": "Delete", "set": { "value": "v" } })),
            ["spec.set schema.cel.header_set_forbidden"]
        );
    }

    #[test]
    fn cel_reserved_headers() {
        for (index, name) in [
            (4, "strict-transport-security"),
            (5, "proxy"),
            (6, "cookie"),
            (7, "set-cookie"),
        ] {
            let schema = with_rule(json!({ "type": "string" }), cel_rule(index));
            assert!(ok(schema.clone(), json!("X-Frame-Options")));
            let v = validate(&schema, &json!(name.to_uppercase()), "spec.name");
            assert_eq!(v.len(), 1, "{name}");
            assert_eq!(v[0].key, "schema.cel.header_reserved");
            assert_eq!(param(&v[0], "name"), name);
        }
    }

    #[test]
    fn cel_header_values() {
        for (index, direction) in [(8, "req"), (9, "res")] {
            let schema = with_rule(json!({ "type": "array" }), cel_rule(index));
            let fetch = format!("%[{direction}.hdr(Host),lower]");
            assert!(ok(
                schema.clone(),
                json!([
                    { "name": "a", "action": { "type": "Set", "set": { "value": "plain text 100%%" } } },
                    { "name": "b", "action": { "type": "Set", "set": { "value": fetch } } },
                    { "name": "c", "action": { "type": "Set", "set": { "value": "%{+Q}[ssl_c_der,base64]" } } },
                    { "name": "d", "action": { "type": "Delete" } }
                ])
            ));
            let other = if direction == "req" {
                "%[res.hdr(Host)]"
            } else {
                "%[req.hdr(Host)]"
            };
            for bad in ["100%", "line\nbreak", other, "%[ssl_c_der,upper]"] {
                let v = validate(
                    &schema,
                    &json!([{ "name": "a", "action": { "type": "Set", "set": { "value": bad } } }]),
                    "spec.httpHeaders.actions.request",
                );
                assert_eq!(v.len(), 1, "{bad}");
                assert_eq!(
                    v[0].field,
                    "spec.httpHeaders.actions.request[0].action.set.value"
                );
                assert_eq!(v[0].key, "schema.cel.header_value");
                assert_eq!(
                    param(&v[0], "fetchers"),
                    format!("{direction}.hdr(name), ssl_c_der")
                );
            }
        }
    }

    #[test]
    fn cel_route_tls_rules() {
        let passthrough_allow = with_rule(
            json!({ "type": "object", "x-kubernetes-preserve-unknown-fields": true }),
            cel_rule(10),
        );
        assert!(ok(
            passthrough_allow.clone(),
            json!({ "termination": "passthrough", "insecureEdgeTerminationPolicy": "Redirect" })
        ));
        assert!(ok(
            passthrough_allow.clone(),
            json!({ "termination": "edge", "insecureEdgeTerminationPolicy": "Allow" })
        ));
        assert_eq!(
            found(
                passthrough_allow,
                json!({ "termination": "passthrough", "insecureEdgeTerminationPolicy": "Allow" })
            ),
            ["spec.insecureEdgeTerminationPolicy schema.cel.route_passthrough_allow"]
        );
        let cert = with_rule(
            json!({ "type": "object", "x-kubernetes-preserve-unknown-fields": true }),
            cel_rule(11),
        );
        assert!(ok(cert.clone(), json!({ "certificate": "PEM" })));
        assert!(ok(
            cert.clone(),
            json!({ "externalCertificate": { "name": "s" } })
        ));
        assert_eq!(
            found(
                cert,
                json!({ "certificate": "PEM", "externalCertificate": { "name": "s" } })
            ),
            ["spec.externalCertificate schema.cel.route_cert_and_external"]
        );
        let headers = with_rule(
            json!({ "type": "object", "x-kubernetes-preserve-unknown-fields": true }),
            cel_rule(12),
        );
        assert!(ok(headers.clone(), json!({ "httpHeaders": {} })));
        assert!(ok(
            headers.clone(),
            json!({ "tls": { "termination": "edge" }, "httpHeaders": {} })
        ));
        assert!(ok(
            headers.clone(),
            json!({ "tls": { "termination": "passthrough" } })
        ));
        assert_eq!(
            found(
                headers,
                json!({ "tls": { "termination": "passthrough" }, "httpHeaders": {} })
            ),
            ["spec.httpHeaders schema.cel.route_passthrough_headers"]
        );
    }

    #[test]
    fn cel_rules_do_not_run_inside_alternatives() {
        // Kubernetes only allows CEL rules in the structural schema; a rule inside `anyOf`
        // is ignored rather than judged against a partial view.
        let schema = json!({ "type": "string", "anyOf": [with_rule(json!({}), cel_rule(5))] });
        assert!(ok(schema, json!("proxy")));
    }

    #[test]
    fn every_message_renders_without_repeating_the_field_in_both_languages() {
        for key in MESSAGE_KEYS.iter().filter(|k| k.starts_with("schema.")) {
            let v = Violation::error("spec.x", key);
            for lang in Lang::ALL {
                let text = app::domain::violation::message(lang, &v);
                // The field is shown beside the message, never repeated in it.
                assert!(!text.starts_with("spec.x"), "{key} {lang:?}: {text}");
                assert_ne!(text, "[missing translation]");
            }
        }
    }

    #[test]
    fn uncompilable_patterns_are_found() {
        let schema = object(json!({
            "a": { "type": "string", "pattern": "(?=x)" },
            "b": { "type": "string", "pattern": "^ok$" },
            // A field named `pattern` is a schema, not a pattern.
            "pattern": { "type": "string" }
        }));
        assert_eq!(uncompilable_patterns(&schema), ["(?=x)"]);
    }

    #[test]
    fn defaults_are_filled_in_before_the_checks() {
        let route = json!({ "type": "object", "required": ["kind", "name"],
            "properties": { "kind": { "type": "string", "default": "Service" }, "name": { "type": "string" } } });
        // A default satisfies `required`, also in place of a pruned null.
        assert!(ok(route.clone(), json!({ "name": "r" })));
        assert!(ok(route.clone(), json!({ "name": "r", "kind": null })));
        assert_eq!(
            found(route, json!({ "kind": "Service" })),
            ["spec.name schema.required.top"]
        );
        // Alternatives and CEL rules see the defaults, nested ones included.
        let mut encryption = kms_encryption();
        encryption["properties"]["method"]["default"] = json!("AES256");
        assert!(ok(encryption.clone(), json!({})));
        assert_eq!(
            found(encryption, json!({ "kms": { "keyID": "k" } })),
            ["spec.kms schema.forbidden"]
        );
        let azure = object(json!({ "networkAccess": with_rule(
            json!({ "type": "object", "default": { "type": "External" },
                "properties": { "type": { "type": "string", "default": "External" },
                    "internal": { "type": "object", "x-kubernetes-preserve-unknown-fields": true } } }),
            cel_rule(0),
        ) }));
        assert!(ok(azure.clone(), json!({})));
        assert_eq!(
            found(azure, json!({ "networkAccess": { "internal": {} } })),
            ["spec.networkAccess.internal schema.cel.azure_internal"]
        );
        // A nullable null is a value of its own and keeps it.
        let nullable = object(
            json!({ "x": { "type": "string", "nullable": true, "default": "d", "enum": ["d"] } }),
        );
        assert!(ok(nullable, json!({ "x": null })));
    }

    #[test]
    fn long_values_are_shortened() {
        let pem = "A".repeat(500);
        let v = validate(
            &json!({ "type": "string", "maxLength": 10 }),
            &json!(pem),
            "spec",
        );
        assert_eq!(param(&v[0], "value").chars().count(), 81);
    }
}
