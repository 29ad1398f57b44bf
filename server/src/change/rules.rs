//! The checks a change must pass before its dry run, per step (the rules of the step's
//! kind) and over the whole request (objects that must agree with each other). The checks
//! are pure; what they need from the cluster is read first, as the user, into [`Facts`]
//! (an object the same change creates or patches counts as it will be, not as it is).

use super::pipeline::{ChangeRequest, Step};
use crate::kube::resources::{PERSISTENT_VOLUME_CLAIM, REGISTRY_CONFIG, SECRET};
use app::api::error::ConsoleError;
use app::domain::access::REGISTRY_NAMESPACE;
use app::domain::change::Operation;
use app::domain::podspec::validate_pod_scheduling;
use app::domain::registry_config::rules::{RuleContext, STORAGE_TYPES, validate_config_spec};
use app::domain::storage::{CREDENTIALS_SECRET, credentials_violation};
use app::domain::violation::{Severity, Violation};
use base64::Engine;
use serde_json::Value;
use std::collections::BTreeMap;

/// Claim the operator creates when `storage.pvc.claim` is left empty.
pub const DEFAULT_CLAIM: &str = "image-registry-storage";

/// A Secret as the rules see it. Its `Debug` shows key names only.
#[derive(Clone, PartialEq)]
pub enum SecretFact {
    Absent,
    /// Key → decoded value. Held in memory for the checks only; never shown or recorded.
    Data(BTreeMap<String, Vec<u8>>),
    /// The user may not read it, or the API server did not answer: why.
    Unreadable(String),
}

impl std::fmt::Debug for SecretFact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretFact::Absent => f.write_str("Absent"),
            SecretFact::Data(data) => f.debug_list().entries(data.keys()).finish(),
            SecretFact::Unreadable(why) => write!(f, "Unreadable({why})"),
        }
    }
}

/// What the rules read from the cluster.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    /// The registry Config's spec the request's Secrets must agree with: as the request
    /// writes it, or (when the request writes Secrets of the registry but not the Config)
    /// as it is now.
    pub config_spec: Option<Value>,
    /// Access modes of the claim a PVC storage names (`None`: no such claim yet).
    pub claim_access_modes: Option<Vec<String>>,
    /// The claim a PVC storage names by name does not exist, and the request does not
    /// create it (an empty name is the operator's own claim, which it creates).
    pub claim_missing: bool,
    /// Secrets in the registry's namespace the change refers to, by name.
    pub secrets: BTreeMap<String, SecretFact>,
}

/// The registry Config a request writes, as it will be.
fn desired_config(request: &ChangeRequest) -> Option<&Value> {
    request
        .steps
        .iter()
        .find(|s| s.resource == REGISTRY_CONFIG && s.operation != Operation::Delete)
        .and_then(|s| s.desired.as_ref())
}

/// The step of `request` that writes the object `resource` `name` in the registry's
/// namespace, if any.
fn step_for<'a>(
    request: &'a ChangeRequest,
    resource: &crate::kube::resources::Resource,
    name: &str,
) -> Option<&'a Step> {
    request.steps.iter().find(|s| {
        s.resource == *resource
            && s.name == name
            && s.namespace.as_deref() == Some(REGISTRY_NAMESPACE)
    })
}

/// The storage type a Config spec sets (the first, if several: that is refused anyway).
pub fn storage_type(spec: &Value) -> Option<&'static str> {
    let storage = spec.get("storage")?;
    STORAGE_TYPES
        .iter()
        .copied()
        .find(|t| storage.get(*t).is_some_and(|v| !v.is_null()))
}

/// A Secret object's keys and decoded values (`data` is base64, `stringData` plain).
pub fn secret_data(secret: &Value) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    if let Some(data) = secret.get("data").and_then(Value::as_object) {
        for (key, value) in data {
            let raw = value.as_str().unwrap_or_default();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(raw)
                .unwrap_or_default();
            out.insert(key.clone(), bytes);
        }
    }
    if let Some(data) = secret.get("stringData").and_then(Value::as_object) {
        for (key, value) in data {
            out.insert(
                key.clone(),
                value.as_str().unwrap_or_default().as_bytes().to_vec(),
            );
        }
    }
    out
}

/// Routes of a Config spec whose TLS secret must be checked: the ones this change adds or
/// changes (a route left alone is not re-judged on an unrelated change).
fn changed_routes(spec: &Value, current_spec: Option<&Value>) -> Vec<(usize, Value)> {
    let current: Vec<Value> = current_spec
        .and_then(|s| s.get("routes"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    spec.get("routes")
        .and_then(Value::as_array)
        .map(|routes| {
            routes
                .iter()
                .enumerate()
                .filter(|(_, route)| !current.contains(route))
                .map(|(i, route)| (i, route.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// The spec of the registry Config as it is now, when the request changes it.
fn current_config_spec<'a>(
    request: &ChangeRequest,
    currents: &'a [Option<Value>],
) -> Option<&'a Value> {
    request
        .steps
        .iter()
        .zip(currents)
        .find(|(s, _)| s.resource == REGISTRY_CONFIG)
        .and_then(|(_, c)| c.as_ref())
        .and_then(|c| c.get("spec"))
}

/// Reads what the rules need, as the user. A claim that cannot be read refuses the change:
/// skipping the ReadWriteOnce rules would let through what they exist to stop.
pub async fn gather(
    client: &kube::Client,
    request: &ChangeRequest,
    currents: &[Option<Value>],
) -> Result<Facts, ConsoleError> {
    use crate::kube::user::console_error;
    let mut facts = Facts::default();
    let written_secrets: Vec<&Step> = request
        .steps
        .iter()
        .filter(|s| s.resource == SECRET && s.namespace.as_deref() == Some(REGISTRY_NAMESPACE))
        .collect();
    let spec = match desired_config(request) {
        Some(config) => config.get("spec").cloned().unwrap_or(Value::Null),
        None if !written_secrets.is_empty() => {
            // The Secrets must still agree with the Config as it is.
            match REGISTRY_CONFIG
                .api(client.clone(), None)
                .get_opt("cluster")
                .await
                .map_err(console_error)?
            {
                Some(config) => config.data.get("spec").cloned().unwrap_or(Value::Null),
                None => return Ok(facts),
            }
        }
        None => return Ok(facts),
    };
    facts.config_spec = Some(spec.clone());
    let current_spec = current_config_spec(request, currents);

    if let Some(pvc) = spec.pointer("/storage/pvc") {
        let name = pvc
            .get("claim")
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty())
            .unwrap_or(DEFAULT_CLAIM);
        let modes = |claim: &Value| {
            claim
                .pointer("/spec/accessModes")
                .and_then(Value::as_array)
                .map(|list| {
                    list.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
        };
        let named = pvc
            .get("claim")
            .and_then(Value::as_str)
            .is_some_and(|c| !c.is_empty());
        facts.claim_access_modes = match step_for(request, &PERSISTENT_VOLUME_CLAIM, name) {
            Some(step) => step.desired.as_ref().and_then(modes),
            None => {
                let claim = PERSISTENT_VOLUME_CLAIM
                    .api(client.clone(), Some(REGISTRY_NAMESPACE))
                    .get_opt(&crate::kube::resources::path_segment(name))
                    .await
                    .map_err(console_error)?;
                facts.claim_missing = named && claim.is_none();
                claim
                    .and_then(|claim| serde_json::to_value(claim).ok())
                    .and_then(|claim| modes(&claim))
            }
        };
    }

    let mut names: Vec<String> = changed_routes(&spec, current_spec)
        .iter()
        .filter_map(|(_, route)| route.get("secretName").and_then(Value::as_str))
        .filter(|name| !name.is_empty())
        .map(str::to_string)
        .collect();
    // Secrets the request writes that a route uses are checked as they will be.
    names.extend(written_secrets.iter().map(|s| s.name.clone()));
    let storage_changed = desired_config(request).is_some()
        && storage_type(&spec) != current_spec.and_then(storage_type);
    if storage_type(&spec).is_some_and(|t| !app::domain::storage::credential_key_sets(t).is_empty())
        && (storage_changed || step_for(request, &SECRET, CREDENTIALS_SECRET).is_some())
    {
        names.push(CREDENTIALS_SECRET.to_string());
    }
    names.sort();
    names.dedup();
    for name in names {
        let fact = match step_for(request, &SECRET, &name) {
            Some(step) => match &step.desired {
                Some(desired) => SecretFact::Data(secret_data(desired)),
                None => SecretFact::Absent,
            },
            None => match SECRET
                .api(client.clone(), Some(REGISTRY_NAMESPACE))
                .get_opt(&crate::kube::resources::path_segment(&name))
                .await
            {
                Ok(Some(secret)) => serde_json::to_value(secret)
                    .map(|s| SecretFact::Data(secret_data(&s)))
                    .unwrap_or(SecretFact::Absent),
                Ok(None) => SecretFact::Absent,
                Err(e) => SecretFact::Unreadable(console_error(e).to_string()),
            },
        };
        facts.secrets.insert(name, fact);
    }
    Ok(facts)
}

/// Every check of the request: each step by its kind, then the request as a whole.
/// `currents` are the objects as they are now (step order).
pub fn check(
    request: &ChangeRequest,
    currents: &[Option<Value>],
    facts: &Facts,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<Violation> {
    let mut out = Vec::new();
    for (step, current) in request.steps.iter().zip(currents) {
        let Some(desired) = &step.desired else {
            continue;
        };
        if super::crds::schema_for(
            step.resource.group,
            step.resource.version,
            step.resource.kind,
        )
        .is_some()
        {
            out.extend(super::crds::validate_object(
                step.resource.group,
                step.resource.version,
                step.resource.kind,
                desired,
            ));
        }
        if step.resource == REGISTRY_CONFIG {
            let spec = desired.get("spec").cloned().unwrap_or(Value::Null);
            let current_spec = current.as_ref().and_then(|c| c.get("spec"));
            let context = RuleContext {
                claim_access_modes: facts.claim_access_modes.clone(),
                claim_missing: facts.claim_missing,
                removal_confirmed: request.confirmations.removal,
                current_state: current_spec
                    .and_then(|s| s.get("managementState"))
                    .and_then(Value::as_str)
                    .map(str::to_string),
            };
            out.extend(validate_config_spec(&spec, &context));
            out.extend(validate_pod_scheduling(&spec));
            out.extend(route_tls(&spec, current_spec, facts, now));
        }
    }
    let current_config_spec = current_config_spec(request, currents);
    out.extend(routes_of_written_secrets(
        request,
        current_config_spec,
        facts,
        now,
    ));
    out.extend(credentials(request, facts));
    out
}

/// Two steps on one object: the second would be checked against the object as it was
/// before the first, and applied on top of it unseen. Requests are built by the server, so
/// this is a bug in the page that built it; it is refused before anything is read.
pub fn same_object_twice(request: &ChangeRequest) -> Option<Violation> {
    let mut seen = std::collections::HashSet::new();
    request
        .steps
        .iter()
        .map(Step::object_ref)
        .find(|object| !seen.insert(object.to_string()))
        .map(|object| Violation::error(&object.to_string(), "rule.change.same_object_twice"))
}

/// A Secret the request writes or deletes that one of the Config's routes uses (the routes
/// the request itself changes are checked with the Config): the route must still find a
/// usable certificate in it.
fn routes_of_written_secrets(
    request: &ChangeRequest,
    current_config_spec: Option<&Value>,
    facts: &Facts,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<Violation> {
    let Some(spec) = &facts.config_spec else {
        return Vec::new();
    };
    let config_changed_routes: Vec<usize> = if desired_config(request).is_some() {
        // Already checked with the Config (see `route_tls`), whatever they name.
        changed_routes(spec, current_config_spec)
            .iter()
            .map(|(i, _)| *i)
            .collect()
    } else {
        Vec::new()
    };
    let mut out = Vec::new();
    for step in request
        .steps
        .iter()
        .filter(|s| s.resource == SECRET && s.namespace.as_deref() == Some(REGISTRY_NAMESPACE))
    {
        let routes = spec
            .get("routes")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (index, route) in routes.iter().enumerate() {
            if config_changed_routes.contains(&index)
                || route.get("secretName").and_then(Value::as_str) != Some(step.name.as_str())
            {
                continue;
            }
            let field = format!("spec.routes[{index}].secretName");
            let hostname = route
                .get("hostname")
                .and_then(Value::as_str)
                .filter(|h| !h.is_empty());
            match facts.secrets.get(&step.name) {
                Some(SecretFact::Data(data)) => {
                    out.extend(super::tls::check_tls_secret(
                        &field, &step.name, data, hostname, now,
                    ));
                }
                _ => out.push(
                    Violation::error(&field, "rule.route.secret_in_use")
                        .with("secret", &step.name)
                        .with(
                            "route",
                            route
                                .get("name")
                                .and_then(Value::as_str)
                                .unwrap_or_default(),
                        ),
                ),
            }
        }
    }
    out
}

/// SPEC §4 rule 5: a route's TLS secret exists in the registry's namespace and holds a
/// certificate and key that match and cover the route's hostname.
fn route_tls(
    spec: &Value,
    current_spec: Option<&Value>,
    facts: &Facts,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<Violation> {
    let mut out = Vec::new();
    for (index, route) in changed_routes(spec, current_spec) {
        let Some(name) = route
            .get("secretName")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
        else {
            continue;
        };
        let field = format!("spec.routes[{index}].secretName");
        let hostname = route
            .get("hostname")
            .and_then(Value::as_str)
            .filter(|h| !h.is_empty());
        match facts.secrets.get(name) {
            Some(SecretFact::Data(data)) => {
                out.extend(super::tls::check_tls_secret(
                    &field, name, data, hostname, now,
                ));
            }
            Some(SecretFact::Unreadable(why)) => out.push(
                Violation::error(&field, "rule.route.secret_unreadable")
                    .with("secret", name)
                    .with("reason", why),
            ),
            Some(SecretFact::Absent) | None => out.push(
                Violation::error(&field, "rule.route.secret_missing")
                    .with("secret", name)
                    .with("namespace", REGISTRY_NAMESPACE),
            ),
        }
    }
    out
}

/// SPEC §4 rule 7: the credentials Secret's keys match the storage type. Written in the
/// same change, a mismatch is refused; found in the cluster, it is a warning.
fn credentials(request: &ChangeRequest, facts: &Facts) -> Vec<Violation> {
    let Some(kind) = facts.config_spec.as_ref().and_then(storage_type) else {
        return Vec::new();
    };
    let written = step_for(request, &SECRET, CREDENTIALS_SECRET).is_some();
    let keys: Vec<&str> = match facts.secrets.get(CREDENTIALS_SECRET) {
        Some(SecretFact::Data(data)) => data.keys().map(String::as_str).collect(),
        Some(SecretFact::Absent) => Vec::new(),
        // Not read (no need, or not allowed): nothing to say.
        Some(SecretFact::Unreadable(_)) | None => return Vec::new(),
    };
    let field = if written {
        "secret.data"
    } else {
        "spec.storage"
    };
    credentials_violation(kind, &keys, field)
        .map(|v| {
            if written {
                v
            } else {
                Violation {
                    severity: Severity::Warning,
                    ..v
                }
            }
        })
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::change::pipeline::Confirmations;
    use serde_json::json;

    fn config_step(spec: Value) -> Step {
        Step::patch(
            REGISTRY_CONFIG,
            None,
            "cluster",
            json!({ "metadata": { "name": "cluster", "resourceVersion": "1" }, "spec": {} }),
            true,
            json!({ "apiVersion": "imageregistry.operator.openshift.io/v1", "kind": "Config", "metadata": { "name": "cluster" }, "spec": spec }),
        )
    }

    fn secret_step(keys: &[&str]) -> Step {
        let data: serde_json::Map<String, Value> = keys
            .iter()
            .map(|k| (k.to_string(), json!("Y2FuYXJ5")))
            .collect();
        Step::create(
            SECRET,
            Some(REGISTRY_NAMESPACE),
            json!({ "apiVersion": "v1", "kind": "Secret", "metadata": { "name": CREDENTIALS_SECRET, "namespace": REGISTRY_NAMESPACE }, "data": data }),
        )
    }

    fn request(steps: Vec<Step>) -> ChangeRequest {
        ChangeRequest {
            reason: String::new(),
            steps,
            confirmations: Confirmations::default(),
            follow_up: super::super::pipeline::FollowUpPlan::None,
            warnings: Vec::new(),
        }
    }

    fn keys(violations: &[Violation]) -> Vec<(String, String, Severity)> {
        violations
            .iter()
            .map(|v| (v.field.clone(), v.key.clone(), v.severity))
            .collect()
    }

    fn facts_for(request: &ChangeRequest) -> Facts {
        let mut facts = Facts {
            config_spec: desired_config(request).and_then(|c| c.get("spec")).cloned(),
            ..Facts::default()
        };
        if let Some(step) = step_for(request, &SECRET, CREDENTIALS_SECRET) {
            facts.secrets.insert(
                CREDENTIALS_SECRET.into(),
                SecretFact::Data(secret_data(step.desired.as_ref().expect("desired"))),
            );
        }
        facts
    }

    #[test]
    fn a_credentials_secret_must_match_the_storage_chosen_in_the_same_change() {
        let s3 = json!({ "managementState": "Managed", "storage": { "s3": { "bucket": "images", "region": "us-east-1" } } });
        let good = request(vec![
            secret_step(&[
                "REGISTRY_STORAGE_S3_ACCESSKEY",
                "REGISTRY_STORAGE_S3_SECRETKEY",
            ]),
            config_step(s3.clone()),
        ]);
        let currents = vec![None, None];
        let found = check(&good, &currents, &facts_for(&good), chrono::Utc::now());
        assert!(
            keys(&found)
                .iter()
                .all(|(_, k, _)| k != "rule.credentials.keys"),
            "{found:?}"
        );

        let bad = request(vec![
            secret_step(&["REGISTRY_STORAGE_GCS_KEYFILE"]),
            config_step(s3),
        ]);
        let found = check(&bad, &currents, &facts_for(&bad), chrono::Utc::now());
        assert!(
            keys(&found).contains(&(
                "secret.data".into(),
                "rule.credentials.keys".into(),
                Severity::Error
            )),
            "{found:?}"
        );
    }

    #[test]
    fn credentials_found_in_the_cluster_that_do_not_match_are_a_warning() {
        let azure = json!({ "managementState": "Managed", "storage": { "azure": { "accountName": "images1", "container": "registry" } } });
        let change = request(vec![config_step(azure)]);
        let mut facts = facts_for(&change);
        facts.secrets.insert(
            CREDENTIALS_SECRET.into(),
            SecretFact::Data(BTreeMap::from([(
                "REGISTRY_STORAGE_S3_ACCESSKEY".into(),
                b"x".to_vec(),
            )])),
        );
        let found = check(&change, &[None], &facts, chrono::Utc::now());
        assert!(
            keys(&found).contains(&(
                "spec.storage".into(),
                "rule.credentials.keys".into(),
                Severity::Warning
            )),
            "{found:?}"
        );
    }

    /// A change of Secrets alone is checked against the Config as it is: rotated
    /// credentials must still fit the storage, and a route's TLS secret may not go.
    #[test]
    fn secrets_changed_without_the_config_still_agree_with_it() {
        let config = json!({ "managementState": "Managed", "storage": { "s3": { "bucket": "images", "region": "us-east-1" } },
            "routes": [{ "name": "public", "hostname": "registry.example.com", "secretName": "public-tls" }] });
        let rotation = request(vec![secret_step(&["REGISTRY_STORAGE_GCS_KEYFILE"])]);
        let mut facts = facts_for(&rotation);
        facts.config_spec = Some(config.clone());
        let found = keys(&check(&rotation, &[None], &facts, chrono::Utc::now()));
        assert!(
            found.contains(&(
                "secret.data".into(),
                "rule.credentials.keys".into(),
                Severity::Error
            )),
            "{found:?}"
        );
        let removal = request(vec![Step::delete(
            SECRET,
            Some(REGISTRY_NAMESPACE),
            "public-tls",
            json!({ "metadata": { "name": "public-tls", "namespace": REGISTRY_NAMESPACE } }),
            false,
        )]);
        let mut facts = Facts {
            config_spec: Some(config),
            ..Facts::default()
        };
        facts
            .secrets
            .insert("public-tls".into(), SecretFact::Absent);
        let found = keys(&check(&removal, &[None], &facts, chrono::Utc::now()));
        assert_eq!(
            found,
            vec![(
                "spec.routes[0].secretName".into(),
                "rule.route.secret_in_use".into(),
                Severity::Error
            )]
        );
    }

    #[test]
    fn a_route_naming_a_missing_or_unreadable_secret_is_refused() {
        let spec = json!({ "managementState": "Removed", "routes": [
            { "name": "public", "hostname": "registry.example.com", "secretName": "public-tls" },
            { "name": "internal", "hostname": "internal.example.com", "secretName": "internal-tls" }
        ] });
        let change = request(vec![config_step(spec)]);
        let mut facts = Facts::default();
        facts
            .secrets
            .insert("public-tls".into(), SecretFact::Absent);
        facts.secrets.insert(
            "internal-tls".into(),
            SecretFact::Unreadable("forbidden".into()),
        );
        let found = keys(&check(&change, &[None], &facts, chrono::Utc::now()));
        assert!(
            found.contains(&(
                "spec.routes[0].secretName".into(),
                "rule.route.secret_missing".into(),
                Severity::Error
            )),
            "{found:?}"
        );
        assert!(
            found.contains(&(
                "spec.routes[1].secretName".into(),
                "rule.route.secret_unreadable".into(),
                Severity::Error
            )),
            "{found:?}"
        );
    }

    #[test]
    fn routes_left_alone_are_not_judged_again() {
        let route = json!({ "name": "public", "hostname": "registry.example.com", "secretName": "public-tls" });
        let spec = json!({ "managementState": "Removed", "replicas": 1, "logLevel": "Debug", "routes": [route.clone()] });
        let current =
            json!({ "spec": { "managementState": "Removed", "replicas": 1, "routes": [route] } });
        let change = request(vec![config_step(spec)]);
        let found = check(
            &change,
            &[Some(current)],
            &Facts::default(),
            chrono::Utc::now(),
        );
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn a_request_may_name_each_object_once() {
        assert!(
            same_object_twice(&request(vec![config_step(json!({})), secret_step(&["a"])]))
                .is_none()
        );
        let twice = same_object_twice(&request(vec![
            secret_step(&["a"]),
            config_step(json!({})),
            secret_step(&["b"]),
        ]))
        .expect("the credentials Secret is named twice");
        assert_eq!(twice.key, "rule.change.same_object_twice");
        assert!(twice.field.contains(CREDENTIALS_SECRET), "{}", twice.field);
    }
}
