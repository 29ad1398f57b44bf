//! The registry's Service as clients meet it: pull and push authorized by the API server,
//! as OpenShift's registry does, in front of the upstream registry processes (which check
//! nothing themselves).
//!
//! - `GET /v2/` answers a Basic challenge, so `podman login -u <anything> -p <token>` works;
//!   the password (or a `Bearer` token) is checked with a TokenReview.
//! - Each repository request is authorized with a SubjectAccessReview on
//!   `imagestreams/layers` (group `image.openshift.io`) in the repository's first path
//!   segment (the project): `get` to pull, `update` to push. So registry-viewer pulls but
//!   cannot push, registry-editor and system:image-builder push, and a revoked user can do
//!   neither. A cross-repository mount from a project the user may not read becomes an
//!   ordinary upload.
//! - `/extensions/v2/metrics`: the guide's metrics (§5.5), for `get` on `registry/metrics`
//!   or the Config's `httpSecret` as a Basic password.
//! - Everything else is forwarded to a ready registry pod, round robin, as it came (the
//!   `Host` and `X-Forwarded-Proto` the router set included: the registry builds its upload
//!   URLs from them).

use crate::operator::config_resource;
use crate::runtime::{PodTable, metrics_text, ready_upstreams};
use crate::{Error, Result};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kube::Client;
use kube::api::{Api, DynamicObject, PostParams};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a token's review is reused.
const REVIEW_TTL: Duration = Duration::from_secs(30);

#[derive(Clone)]
struct Front {
    client: Client,
    table: PodTable,
    upstream: reqwest::Client,
    next: Arc<AtomicUsize>,
    reviews: Arc<Mutex<Reviews>>,
    version: String,
}

/// SHA-256 of a token → who it is (or `None`: nobody), and when that was asked.
type Reviews = HashMap<[u8; 32], (Instant, Option<User>)>;

#[derive(Clone, Debug)]
struct User {
    name: String,
    uid: String,
    groups: Vec<String>,
}

/// Starts the front on a free port of 127.0.0.1; its address.
pub async fn start(
    client: Client,
    table: PodTable,
    version: String,
) -> Result<std::net::SocketAddr> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| Error::Setup(format!("registry front: cannot listen: {e}")))?;
    let addr = listener.local_addr()?;
    let front = Front {
        client,
        table,
        upstream: reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(2))
            .build()?,
        next: Arc::default(),
        reviews: Arc::default(),
        version,
    };
    let app = axum::Router::new()
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .fallback(handle)
        .with_state(front);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    tracing::info!(%addr, "registry front (authorized by the API server) listening");
    Ok(addr)
}

fn registry_error(status: StatusCode, code: &str, message: &str) -> Response {
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        format!(
            "{{\"errors\":[{{\"code\":\"{code}\",\"message\":\"{message}\",\"detail\":null}}]}}"
        ),
    )
        .into_response();
    response.headers_mut().insert(
        "docker-distribution-api-version",
        HeaderValue::from_static("registry/2.0"),
    );
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"openshift\""),
        );
    }
    response
}

/// The token of a request: the Basic password (`podman login -p`) or a Bearer token.
fn token_of(headers: &HeaderMap) -> Option<String> {
    use base64::Engine;
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    if let Some(token) = value.strip_prefix("Bearer ") {
        return Some(token.trim().to_string());
    }
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    text.split_once(':')
        .map(|(_, password)| password.to_string())
}

impl Front {
    /// Who `token` is, from a TokenReview (reused for [`REVIEW_TTL`]).
    async fn authenticate(&self, token: &str) -> Option<User> {
        use sha2::{Digest, Sha256};
        let key: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        if let Ok(reviews) = self.reviews.lock()
            && let Some((at, user)) = reviews.get(&key)
            && at.elapsed() < REVIEW_TTL
        {
            return user.clone();
        }
        use k8s_openapi::api::authentication::v1::{TokenReview, TokenReviewSpec};
        let reviews: Api<TokenReview> = Api::all(self.client.clone());
        let review = TokenReview {
            spec: TokenReviewSpec {
                token: Some(token.to_string()),
                ..Default::default()
            },
            ..Default::default()
        };
        let user = match reviews.create(&PostParams::default(), &review).await {
            Ok(answer) => answer.status.and_then(|s| {
                s.authenticated.unwrap_or(false).then_some(())?;
                let info = s.user?;
                Some(User {
                    name: info.username.unwrap_or_default(),
                    uid: info.uid.unwrap_or_default(),
                    groups: info.groups.unwrap_or_default(),
                })
            }),
            Err(e) => {
                tracing::warn!(error = %e, "token review failed");
                return None;
            }
        };
        if let Ok(mut reviews) = self.reviews.lock() {
            reviews.retain(|_, (at, _)| at.elapsed() < REVIEW_TTL);
            reviews.insert(key, (Instant::now(), user.clone()));
        }
        user
    }

    /// Whether `user` may `verb` `resource` of `group` (in `namespace`).
    async fn allowed(
        &self,
        user: &User,
        verb: &str,
        group: &str,
        resource: &str,
        subresource: Option<&str>,
        namespace: Option<&str>,
    ) -> bool {
        use k8s_openapi::api::authorization::v1::{
            ResourceAttributes, SubjectAccessReview, SubjectAccessReviewSpec,
        };
        let reviews: Api<SubjectAccessReview> = Api::all(self.client.clone());
        let review = SubjectAccessReview {
            spec: SubjectAccessReviewSpec {
                user: Some(user.name.clone()),
                uid: Some(user.uid.clone()).filter(|u| !u.is_empty()),
                groups: Some(user.groups.clone()),
                resource_attributes: Some(ResourceAttributes {
                    verb: Some(verb.to_string()),
                    group: Some(group.to_string()),
                    resource: Some(resource.to_string()),
                    subresource: subresource.map(str::to_string),
                    namespace: namespace.map(str::to_string),
                    ..Default::default()
                }),
                ..Default::default()
            },
            ..Default::default()
        };
        match reviews.create(&PostParams::default(), &review).await {
            Ok(answer) => answer.status.is_some_and(|s| s.allowed),
            Err(e) => {
                tracing::warn!(error = %e, "subject access review failed");
                false
            }
        }
    }

    async fn http_secret(&self) -> String {
        let configs: Api<DynamicObject> = Api::all_with(self.client.clone(), &config_resource());
        configs
            .get_opt("cluster")
            .await
            .ok()
            .flatten()
            .and_then(|c| {
                c.data
                    .pointer("/spec/httpSecret")
                    .and_then(|s| s.as_str())
                    .map(str::to_string)
            })
            .unwrap_or_default()
    }
}

async fn handle(State(front): State<Front>, request: Request) -> Response {
    let path = request.uri().path().to_string();
    if path == "/extensions/v2/metrics" {
        return metrics(&front, request.headers()).await;
    }
    if path != "/v2" && !path.starts_with("/v2/") {
        return registry_error(StatusCode::NOT_FOUND, "NOT_FOUND", "not found");
    }
    let Some(token) = token_of(request.headers()) else {
        return registry_error(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "authentication required",
        );
    };
    let Some(user) = front.authenticate(&token).await else {
        return registry_error(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "authentication required",
        );
    };
    let mut request = request;
    if let Some(project) = repository_project(&path) {
        let verb = if matches!(*request.method(), Method::GET | Method::HEAD) {
            "get"
        } else {
            "update"
        };
        if !front
            .allowed(
                &user,
                verb,
                "image.openshift.io",
                "imagestreams",
                Some("layers"),
                Some(project),
            )
            .await
        {
            return registry_error(
                StatusCode::FORBIDDEN,
                "DENIED",
                "requested access to the resource is denied",
            );
        }
        // A blob mounted from another project needs reading it there.
        if let Some(from_project) = mount_source(request.uri().query().unwrap_or_default())
            && !front
                .allowed(
                    &user,
                    "get",
                    "image.openshift.io",
                    "imagestreams",
                    Some("layers"),
                    Some(&from_project),
                )
                .await
            && let Ok(uri) = path.parse()
        {
            *request.uri_mut() = uri;
        }
    }
    forward(&front, request).await
}

/// The project of a repository request (`/v2/<project>/<image>/manifests/…`); `None` for
/// `/v2/` itself and the catalog.
fn repository_project(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/v2/")?;
    if rest.is_empty() || rest.starts_with("_catalog") {
        return None;
    }
    let marker = ["/manifests/", "/blobs/", "/tags/"]
        .iter()
        .filter_map(|m| rest.find(m))
        .min()?;
    rest[..marker].split('/').next().filter(|p| !p.is_empty())
}

/// The project of `from=<project>/<image>` when a blob upload asks to mount one.
fn mount_source(query: &str) -> Option<String> {
    let pairs: HashMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    pairs.get("mount")?;
    pairs.get("from")?.split('/').next().map(str::to_string)
}

async fn metrics(front: &Front, headers: &HeaderMap) -> Response {
    let secret = front.http_secret().await;
    let by_secret = !secret.is_empty() && token_of(headers).as_deref() == Some(secret.as_str());
    let by_role = match token_of(headers) {
        Some(token) if !by_secret => match front.authenticate(&token).await {
            Some(user) => {
                front
                    .allowed(
                        &user,
                        "get",
                        "image.openshift.io",
                        "registry",
                        Some("metrics"),
                        None,
                    )
                    .await
            }
            None => false,
        },
        _ => false,
    };
    if !by_secret && !by_role {
        return registry_error(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "authentication required",
        );
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        metrics_text(&front.table, &front.version).await,
    )
        .into_response()
}

/// Headers that belong to one connection, not to the request.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

async fn forward(front: &Front, request: Request) -> Response {
    let upstreams = ready_upstreams(&front.table);
    if upstreams.is_empty() {
        return registry_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "UNAVAILABLE",
            "no registry pod is ready",
        );
    }
    let upstream = upstreams[front.next.fetch_add(1, Ordering::Relaxed) % upstreams.len()];
    let (parts, body) = request.into_parts();
    let target = format!(
        "http://{upstream}{}",
        parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/")
    );
    let mut outgoing = front.upstream.request(parts.method.clone(), target);
    for (name, value) in parts.headers.iter() {
        let lower = name.as_str();
        if HOP_BY_HOP.contains(&lower) || lower == "authorization" {
            continue;
        }
        outgoing = outgoing.header(name.clone(), value.clone());
    }
    let stream = body.into_data_stream();
    outgoing = outgoing.body(reqwest::Body::wrap_stream(stream));
    let answer = match outgoing.send().await {
        Ok(answer) => answer,
        Err(e) => {
            tracing::warn!(error = %e, %upstream, "the registry pod did not answer");
            return registry_error(
                StatusCode::BAD_GATEWAY,
                "UNAVAILABLE",
                "the registry did not answer",
            );
        }
    };
    let mut response = Response::builder().status(answer.status().as_u16());
    for (name, value) in answer.headers() {
        if HOP_BY_HOP.contains(&name.as_str()) {
            continue;
        }
        response = response.header(name, value);
    }
    let head = parts.method == Method::HEAD;
    let body = if head {
        Body::empty()
    } else {
        Body::from_stream(answer.bytes_stream())
    };
    response
        .body(body)
        .unwrap_or_else(|_| registry_error(StatusCode::BAD_GATEWAY, "UNAVAILABLE", "bad answer"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repositories_name_their_project() {
        assert_eq!(
            repository_project("/v2/team-a/app/manifests/latest"),
            Some("team-a")
        );
        assert_eq!(
            repository_project("/v2/team-a/group/app/blobs/uploads/"),
            Some("team-a")
        );
        assert_eq!(
            repository_project("/v2/team-a/app/tags/list"),
            Some("team-a")
        );
        assert_eq!(repository_project("/v2/"), None);
        assert_eq!(repository_project("/v2/_catalog"), None);
        assert_eq!(
            mount_source("mount=sha256%3Aab&from=other%2Fapp").as_deref(),
            Some("other")
        );
        assert_eq!(mount_source("digest=sha256%3Aab"), None);
    }

    #[test]
    fn the_token_is_the_basic_password_or_a_bearer_token() {
        use base64::Engine;
        let mut headers = HeaderMap::new();
        let basic = base64::engine::general_purpose::STANDARD.encode("anyone:the-token");
        headers.insert(
            header::AUTHORIZATION,
            format!("Basic {basic}").parse().expect("header"),
        );
        assert_eq!(token_of(&headers).as_deref(), Some("the-token"));
        headers.insert(header::AUTHORIZATION, "Bearer abc".parse().expect("header"));
        assert_eq!(token_of(&headers).as_deref(), Some("abc"));
    }
}
