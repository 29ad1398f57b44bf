//! Prometheus metrics of the console itself (not of the registry): HTTP requests by route
//! and status, request latency, and Kubernetes API calls by verb and outcome.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    pub method: String,
    /// The matched route pattern (`/lang/{code}`), never the raw path, so labels stay few.
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KubeLabels {
    pub verb: &'static str,
    pub outcome: &'static str,
}

/// All of the console's metrics; cheap to clone.
#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    http_requests: Family<HttpLabels, Counter>,
    http_duration: Family<RouteLabels, Histogram, fn() -> Histogram>,
    kube_requests: Family<KubeLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("registry_console");
        let http_requests = Family::<HttpLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests served, by method, route and status",
            http_requests.clone(),
        );
        let http_duration: Family<RouteLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(|| {
                Histogram::new([
                    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
                ])
            });
        registry.register(
            "http_request_duration_seconds",
            "Time to produce the response head, by route",
            http_duration.clone(),
        );
        let kube_requests = Family::<KubeLabels, Counter>::default();
        registry.register(
            "kubernetes_requests",
            "Calls to the Kubernetes API, by verb and outcome",
            kube_requests.clone(),
        );
        Metrics {
            registry: Arc::new(registry),
            http_requests,
            http_duration,
            kube_requests,
        }
    }

    pub fn observe_http(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.http_requests
            .get_or_create(&HttpLabels {
                method: method.to_string(),
                route: route.to_string(),
                status,
            })
            .inc();
        self.http_duration
            .get_or_create(&RouteLabels {
                route: route.to_string(),
            })
            .observe(seconds);
    }

    pub fn observe_kube(&self, verb: &'static str, outcome: &'static str) {
        self.kube_requests
            .get_or_create(&KubeLabels { verb, outcome })
            .inc();
    }

    /// OpenMetrics text, which Prometheus scrapes natively.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// The Kubernetes verb of an API request, from its method and path: what RBAC and the
/// API server's own metrics call it (`get` vs `list` vs `watch`, `delete` vs
/// `deletecollection`).
pub fn kube_verb(method: &http::Method, path_and_query: &str) -> &'static str {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let watch = query
        .split('&')
        .any(|kv| kv == "watch=true" || kv == "watch=1");
    let names_an_object = resource_path_has_name(path);
    match *method {
        http::Method::GET if watch => "watch",
        http::Method::GET if names_an_object.unwrap_or(true) => "get",
        http::Method::GET => "list",
        http::Method::POST => "create",
        http::Method::PUT => "update",
        http::Method::PATCH => "patch",
        http::Method::DELETE if names_an_object.unwrap_or(true) => "delete",
        http::Method::DELETE => "deletecollection",
        _ => "other",
    }
}

/// For a resource path, whether it names one object; `None` for non-resource paths such as
/// `/version`.
fn resource_path_has_name(path: &str) -> Option<bool> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let rest = match segments.as_slice() {
        ["api", _version, rest @ ..] => rest,
        ["apis", _group, _version, rest @ ..] => rest,
        _ => return None,
    };
    Some(match rest {
        [] => false,
        // /namespaces/{ns}/{resource}[/{name}[/{subresource}]]
        ["namespaces", _ns, _resource, more @ ..] => !more.is_empty(),
        // /{resource}[/{name}…], including /namespaces and /namespaces/{name}
        [_resource, more @ ..] => !more.is_empty(),
    })
}

fn outcome(status: http::StatusCode) -> &'static str {
    match status.as_u16() {
        200..=299 => "success",
        409 => "conflict",
        401 | 403 => "denied",
        404 => "not_found",
        400..=499 => "client_error",
        _ => "server_error",
    }
}

/// Tower layer for kube's client stack that counts every API call.
#[derive(Clone)]
pub struct KubeMetricsLayer {
    pub metrics: Metrics,
}

impl<S> tower::Layer<S> for KubeMetricsLayer {
    type Service = KubeMetricsService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        KubeMetricsService {
            inner,
            metrics: self.metrics.clone(),
        }
    }
}

#[derive(Clone)]
pub struct KubeMetricsService<S> {
    inner: S,
    metrics: Metrics,
}

impl<S, B, R> tower::Service<http::Request<B>> for KubeMetricsService<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<R>>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let verb = kube_verb(
            request.method(),
            request
                .uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/"),
        );
        let metrics = self.metrics.clone();
        let started = Instant::now();
        let future = self.inner.call(request);
        Box::pin(async move {
            let result = future.await;
            let label = match &result {
                Ok(response) => outcome(response.status()),
                Err(_) => "transport_error",
            };
            metrics.observe_kube(verb, label);
            tracing::debug!(
                verb,
                outcome = label,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "kubernetes call"
            );
            result
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Method;

    #[test]
    fn verbs_follow_kubernetes_naming() {
        let cases = [
            (Method::GET, "/version", "get"),
            (Method::GET, "/api/v1/namespaces", "list"),
            (
                Method::GET,
                "/api/v1/namespaces/openshift-image-registry",
                "get",
            ),
            (Method::GET, "/api/v1/namespaces/ns/pods", "list"),
            (
                Method::GET,
                "/api/v1/namespaces/ns/pods?labelSelector=a%3Db",
                "list",
            ),
            (
                Method::GET,
                "/api/v1/namespaces/ns/pods?watch=true&resourceVersion=1",
                "watch",
            ),
            (Method::GET, "/api/v1/namespaces/ns/pods/p/log", "get"),
            (
                Method::GET,
                "/apis/imageregistry.operator.openshift.io/v1/configs",
                "list",
            ),
            (
                Method::GET,
                "/apis/imageregistry.operator.openshift.io/v1/configs/cluster",
                "get",
            ),
            (
                Method::PATCH,
                "/apis/imageregistry.operator.openshift.io/v1/configs/cluster/status",
                "patch",
            ),
            (
                Method::POST,
                "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                "create",
            ),
            (Method::PUT, "/api/v1/namespaces/ns/secrets/s", "update"),
            (Method::DELETE, "/api/v1/namespaces/ns/pods/p", "delete"),
            (
                Method::DELETE,
                "/api/v1/namespaces/ns/pods",
                "deletecollection",
            ),
            (Method::OPTIONS, "/api/v1/pods", "other"),
        ];
        for (method, path, verb) in cases {
            assert_eq!(kube_verb(&method, path), verb, "{method} {path}");
        }
    }

    #[test]
    fn outcomes_group_statuses() {
        assert_eq!(outcome(http::StatusCode::CREATED), "success");
        assert_eq!(outcome(http::StatusCode::CONFLICT), "conflict");
        assert_eq!(outcome(http::StatusCode::FORBIDDEN), "denied");
        assert_eq!(
            outcome(http::StatusCode::UNPROCESSABLE_ENTITY),
            "client_error"
        );
        assert_eq!(
            outcome(http::StatusCode::SERVICE_UNAVAILABLE),
            "server_error"
        );
    }

    #[test]
    fn encoding_contains_observed_series() {
        let metrics = Metrics::new();
        metrics.observe_http("GET", "/healthz", 200, 0.002);
        metrics.observe_kube("get", "success");
        let text = metrics.encode();
        assert!(text.contains(r#"registry_console_http_requests_total{method="GET",route="/healthz",status="200"} 1"#), "{text}");
        assert!(text.contains(r#"registry_console_http_request_duration_seconds_bucket{le="0.005",route="/healthz"} 1"#), "{text}");
        assert!(
            text.contains(
                r#"registry_console_kubernetes_requests_total{verb="get",outcome="success"} 1"#
            ),
            "{text}"
        );
    }
}
