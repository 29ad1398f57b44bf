//! The exposure wizard's service (SPEC §6, guide 2.4 and 6.1): the routes the Config asks
//! for, the Route objects the operator made, each route's certificate (facts only), and
//! the wizard's changes through the change pipeline: a custom route with an uploaded
//! certificate is the `kubernetes.io/tls` Secret and the `spec.routes` entry in one
//! audited change.
//!
//! The private key arrives in the draft and leaves only towards the API server: the page
//! never gets it back, the audit trail gets a keyed fingerprint (the pipeline redacts
//! Secrets by kind), and no log line carries the draft.

use super::{change_error, decode_draft, denied_reason, get_object, get_required, text};
use crate::audit::redact::redacted_registry_spec;
use crate::change::rules::secret_data;
use crate::change::tls::{self, check_tls_material};
use crate::change::{ChangePipeline, ChangeRequest, FollowUpPlan, PipelineError, Requester, Step};
use crate::kube::resources::{INGRESS_CONFIG, REGISTRY_CONFIG, ROUTE, SECRET};
use crate::kube::user::console_error;
use app::api::error::ConsoleError;
use app::api::ports::{BoxFuture, ChangeService, ClusterAccess, ExposureAccess};
use app::domain::access::REGISTRY_NAMESPACE;
use app::domain::change::{Applied, ChangePreview};
use app::domain::exposure::{
    ConfigRoute, ExposedHost, ExposureChange, ExposureSubmission, ExposureView, FIELD_SECRET,
    NewRoute, RouteObject, SECRET_CA_KEY, SECRET_CERT_KEY, SeenConfig, Trust, config_routes,
    desired_spec, generated_host, read_submission, validate_new_route, validate_removal,
};
use app::domain::form_draft::FormDraft;
use app::domain::registry_config::rules::DEFAULT_ROUTE;
use app::domain::violation::{Severity, Violation};
use base64::Engine;
use serde_json::{Value, json};
use std::sync::Arc;

/// One request's access to the registry's routes, as its user.
pub struct ExposureService {
    pub client: kube::Client,
    pub cluster: Arc<dyn ClusterAccess>,
    pub pipeline: Arc<ChangePipeline>,
    pub requester: Requester,
}

/// A Route object as the page lists it.
fn route_object(route: &Value) -> RouteObject {
    RouteObject {
        name: text(route, "/metadata/name"),
        host: text(route, "/spec/host"),
        termination: text(route, "/spec/tls/termination"),
    }
}

/// How a client can trust the chain a route's Secret holds.
fn trust_of(
    data: &std::collections::BTreeMap<String, Vec<u8>>,
    chain: &[tls::ShownCertificate],
) -> Trust {
    let has_ca = data
        .get(SECRET_CA_KEY)
        .is_some_and(|ca| !ca.iter().all(u8::is_ascii_whitespace));
    if has_ca || chain.last().is_some_and(|c| c.info.self_signed) {
        Trust::PrivateCa
    } else {
        Trust::IssuedCa
    }
}

impl ExposureService {
    async fn config(&self) -> Result<Value, ConsoleError> {
        get_required(&self.client, REGISTRY_CONFIG, "cluster").await
    }

    async fn secret(&self, name: &str) -> Result<Option<Value>, ConsoleError> {
        get_object(&self.client, SECRET, Some(REGISTRY_NAMESPACE), name).await
    }

    /// The cluster's apps domain (`None`: not set, or no Ingress config).
    async fn apps_domain(&self) -> Result<Option<String>, ConsoleError> {
        let object = INGRESS_CONFIG
            .api(self.client.clone(), None)
            .get_opt("cluster")
            .await
            .map_err(console_error)?;
        Ok(object
            .and_then(|o| {
                o.data
                    .pointer("/spec/domain")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .filter(|d| !d.is_empty()))
    }

    async fn route_objects(&self) -> Result<Vec<RouteObject>, ConsoleError> {
        let list = ROUTE
            .api(self.client.clone(), Some(REGISTRY_NAMESPACE))
            .list(&Default::default())
            .await
            .map_err(console_error)?;
        Ok(list
            .items
            .into_iter()
            .filter_map(|o| serde_json::to_value(o).ok())
            .map(|o| route_object(&o))
            .collect())
    }

    /// A custom route's certificate, read from its Secret (facts only), and how clients
    /// can trust it.
    async fn certificate(
        &self,
        secret_name: &str,
    ) -> (Result<Vec<tls::ShownCertificate>, String>, Trust) {
        let now = chrono::Utc::now();
        let secret = match self.secret(secret_name).await {
            Ok(Some(secret)) => secret,
            Ok(None) => {
                let why = format!("secret {secret_name} not found in {REGISTRY_NAMESPACE}");
                return (Err(why.clone()), Trust::Unknown(why));
            }
            Err(e) => return (Err(e.to_string()), Trust::Unknown(e.to_string())),
        };
        let data = secret_data(&secret);
        let parsed = data
            .get(SECRET_CERT_KEY)
            .map(|pem| tls::parse_certificates(SECRET_CERT_KEY, pem))
            .unwrap_or_else(|| Err(Violation::error(SECRET_CERT_KEY, "tls.secret_crt_missing")));
        match parsed {
            Ok(infos) => {
                let chain: Vec<_> = infos.into_iter().map(|i| tls::shown(i, now)).collect();
                let trust = trust_of(&data, &chain);
                (Ok(chain), trust)
            }
            Err(v) => {
                let why = format!("{}: {}", secret_name, v.key);
                (Err(why.clone()), Trust::Unknown(why))
            }
        }
    }

    async fn load_view(&self) -> Result<ExposureView, ConsoleError> {
        let config = self.config().await?;
        let raw_spec = config.get("spec").cloned().unwrap_or_else(|| json!({}));
        let routes = config_routes(&raw_spec);
        let default_route = raw_spec.get("defaultRoute").and_then(Value::as_bool) == Some(true);
        let (domain, objects, denied) = tokio::join!(
            self.apps_domain(),
            self.route_objects(),
            denied_reason(self.cluster.as_ref(), "action.change_config"),
        );
        let domain = domain.map_err(|e| e.to_string());
        let known_domain = domain.clone().ok().flatten();
        let (objects, route_objects_error) = match objects {
            Ok(objects) => (objects, None),
            Err(e) => (Vec::new(), Some(e.to_string())),
        };
        let object = |name: &str| objects.iter().find(|o| o.name == name);
        let mut hosts = Vec::new();
        if default_route || object(DEFAULT_ROUTE).is_some() {
            hosts.push(ExposedHost {
                route: DEFAULT_ROUTE.to_string(),
                host: object(DEFAULT_ROUTE)
                    .map(|o| o.host.clone())
                    .filter(|h| !h.is_empty())
                    .or_else(|| {
                        known_domain
                            .as_deref()
                            .map(|d| generated_host(DEFAULT_ROUTE, d))
                    }),
                exists: object(DEFAULT_ROUTE).is_some(),
                secret_name: String::new(),
                certificates: None,
                trust: Trust::IngressDefault,
            });
        }
        // Each route's Secret, read at once.
        let read = futures::future::join_all(routes.iter().map(|route| async move {
            if route.secret_name.is_empty() {
                (None, Trust::IngressDefault)
            } else {
                let (certificates, trust) = self.certificate(&route.secret_name).await;
                (Some(certificates), trust)
            }
        }))
        .await;
        for (route, (certificates, trust)) in routes.iter().zip(read) {
            let configured = (!route.hostname.is_empty()).then(|| route.hostname.clone());
            hosts.push(ExposedHost {
                route: route.name.clone(),
                host: object(&route.name)
                    .map(|o| o.host.clone())
                    .filter(|h| !h.is_empty())
                    .or(configured)
                    .or_else(|| {
                        known_domain
                            .as_deref()
                            .map(|d| generated_host(&route.name, d))
                    }),
                exists: object(&route.name).is_some(),
                secret_name: route.secret_name.clone(),
                certificates,
                trust,
            });
        }
        Ok(ExposureView {
            base: SeenConfig {
                version: text(&config, "/metadata/resourceVersion"),
                spec: redacted_registry_spec(&config, &self.pipeline.fingerprints),
            },
            default_route,
            apps_domain: domain,
            routes,
            route_objects_error,
            hosts,
            update_denied: denied,
        })
    }

    /// The problems of a draft against the cluster as it is now: the form's rules, then
    /// the uploaded certificate's (warnings included).
    async fn problems(
        &self,
        submission: &ExposureSubmission,
        routes: &[ConfigRoute],
    ) -> Result<Vec<Violation>, ConsoleError> {
        Ok(match &submission.change {
            ExposureChange::DefaultRoute { .. } => Vec::new(),
            ExposureChange::RemoveRoute { name, .. } => validate_removal(name, routes),
            ExposureChange::AddRoute(route) => {
                let mut out = validate_new_route(route, routes);
                if route.has_tls() && !route.certificate.is_empty() && !route.key.is_empty() {
                    out.extend(self.tls_problems(route).await);
                }
                out
            }
        })
    }

    /// The uploaded chain, key and CA (SPEC §4 rule 5), for the host the route will have,
    /// and the Secret's name is free.
    async fn tls_problems(&self, route: &NewRoute) -> Vec<Violation> {
        let host = if route.hostname.is_empty() {
            // The router will generate the host: the certificate must cover that one.
            self.apps_domain()
                .await
                .ok()
                .flatten()
                .map(|d| generated_host(&route.name, &d))
        } else {
            Some(route.hostname.clone())
        };
        let ca = (!route.ca.is_empty()).then_some(route.ca.as_bytes());
        let mut out = check_tls_material(
            route.certificate.as_bytes(),
            route.key.as_bytes(),
            ca,
            host.as_deref(),
            chrono::Utc::now(),
        );
        if let Ok(Some(_)) = self.secret(&route.secret()).await {
            out.push(
                Violation::error(FIELD_SECRET, "exposure.secret_exists")
                    .with("value", route.secret())
                    .with("namespace", REGISTRY_NAMESPACE),
            );
        }
        out
    }

    /// The draft as a pipeline request, with the warnings the review shows. The
    /// checks run again here (against the cluster as it is now), so a draft built by hand
    /// gets the same answers.
    async fn request(&self, draft: &str, reason: String) -> Result<ChangeRequest, ConsoleError> {
        let draft: FormDraft = decode_draft(draft)?;
        let submission =
            read_submission(&draft).map_err(|v| change_error(PipelineError::Invalid(v)))?;
        let config = self.config().await?;
        let spec = config.get("spec").cloned().unwrap_or_else(|| json!({}));
        let routes = config_routes(&spec);
        let (errors, warnings): (Vec<_>, Vec<_>) = self
            .problems(&submission, &routes)
            .await?
            .into_iter()
            .partition(|v| v.severity == Severity::Error);
        if !errors.is_empty() {
            return Err(change_error(PipelineError::Invalid(errors)));
        }
        let mut steps = Vec::new();
        match &submission.change {
            ExposureChange::AddRoute(route) if route.has_tls() => {
                let data: serde_json::Map<String, Value> =
                    app::domain::exposure::secret_data(route)
                        .into_iter()
                        .map(|(k, v)| {
                            let encoded =
                                base64::engine::general_purpose::STANDARD.encode(v.as_bytes());
                            (k.to_string(), Value::String(encoded))
                        })
                        .collect();
                steps.push(Step::create(
                    SECRET,
                    Some(REGISTRY_NAMESPACE),
                    json!({
                        "metadata": { "name": route.secret(), "namespace": REGISTRY_NAMESPACE },
                        "type": "kubernetes.io/tls",
                        "data": data,
                    }),
                ));
            }
            ExposureChange::RemoveRoute {
                name,
                delete_secret: true,
            } => {
                let secret_name = routes
                    .iter()
                    .find(|r| r.name == *name)
                    .map(|r| r.secret_name.clone())
                    .unwrap_or_default();
                if !secret_name.is_empty()
                    && let Some(secret) = self.secret(&secret_name).await?
                {
                    steps.push(Step::delete(
                        SECRET,
                        Some(REGISTRY_NAMESPACE),
                        &secret_name,
                        secret,
                        false,
                    ));
                }
            }
            _ => {}
        }
        let mut desired = config.clone();
        desired["spec"] = desired_spec(&spec, &submission.change);
        steps.push(Step::patch(
            REGISTRY_CONFIG,
            None,
            "cluster",
            seen_config(&submission.base),
            true,
            desired,
        ));
        Ok(ChangeRequest {
            reason,
            steps,
            confirmations: Default::default(),
            follow_up: FollowUpPlan::RegistryRollout,
            warnings,
        })
    }
}

/// The Config as the page saw it, as a patch's base (its version is the precondition).
fn seen_config(seen: &SeenConfig) -> Value {
    json!({
        "apiVersion": REGISTRY_CONFIG.api_version(),
        "kind": REGISTRY_CONFIG.kind,
        "metadata": { "name": "cluster", "resourceVersion": seen.version },
        "spec": seen.spec,
    })
}

impl ExposureAccess for ExposureService {
    fn load(&self) -> BoxFuture<'_, Result<ExposureView, ConsoleError>> {
        Box::pin(self.load_view())
    }
}

impl ChangeService for ExposureService {
    fn check(&self, draft: String) -> BoxFuture<'_, Result<Vec<Violation>, ConsoleError>> {
        Box::pin(async move {
            let draft: FormDraft = decode_draft(&draft)?;
            let submission = match read_submission(&draft) {
                Ok(s) => s,
                Err(v) => return Ok(v),
            };
            let config = self.config().await?;
            let routes = config_routes(config.get("spec").unwrap_or(&json!({})));
            self.problems(&submission, &routes).await
        })
    }

    fn preview(&self, draft: String) -> BoxFuture<'_, Result<ChangePreview, ConsoleError>> {
        Box::pin(async move {
            let request = self.request(&draft, String::new()).await?;
            self.pipeline
                .preview(self.client.clone(), &request)
                .await
                .map_err(change_error)
        })
    }

    fn apply(&self, draft: String, reason: String) -> BoxFuture<'_, Result<Applied, ConsoleError>> {
        Box::pin(async move {
            let request = self.request(&draft, reason).await?;
            self.pipeline
                .apply(self.client.clone(), &self.requester, request)
                .await
                .map_err(change_error)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn chain(self_signed: bool) -> Vec<tls::ShownCertificate> {
        vec![tls::ShownCertificate {
            info: tls::CertificateInfo {
                subject: "CN=r".into(),
                issuer: "CN=ca".into(),
                not_before: String::new(),
                not_after: String::new(),
                sha256_fingerprint: String::new(),
                dns_names: Vec::new(),
                ip_addresses: Vec::new(),
                is_ca: false,
                self_signed,
                serial: String::new(),
            },
            days_left: 90,
            not_yet_valid: false,
        }]
    }

    #[test]
    fn a_private_ca_is_one_given_or_at_the_end_of_the_chain() {
        let none = BTreeMap::new();
        assert_eq!(trust_of(&none, &chain(false)), Trust::IssuedCa);
        assert_eq!(trust_of(&none, &chain(true)), Trust::PrivateCa);
        let with_ca: BTreeMap<String, Vec<u8>> =
            [(SECRET_CA_KEY.to_string(), b"PEM".to_vec())].into();
        assert_eq!(trust_of(&with_ca, &chain(false)), Trust::PrivateCa);
    }

    #[test]
    fn route_objects_show_their_host_and_termination() {
        let route = json!({ "metadata": { "name": "public" }, "spec": { "host": "r.example.com", "tls": { "termination": "reencrypt" } } });
        assert_eq!(
            route_object(&route),
            RouteObject {
                name: "public".into(),
                host: "r.example.com".into(),
                termination: "reencrypt".into()
            }
        );
    }
}
