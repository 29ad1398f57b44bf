//! A minimal kubelet for the sandbox's one Node, so pod logs travel the real path: the
//! client asks the API server for `pods/{name}/log`, and the API server fetches them from
//! this endpoint (`/containerLogs/...`, TLS verified with the CA the API server was given).
//!
//! Also the registry pods' metrics endpoint (`/extensions/v2/metrics`, registry format,
//! basic auth with the Config's `httpSecret` as the password, as in the guide §5.5).
//!
//! Log lines are generated from the pod's start time, deterministically, so the same
//! request gives the same lines and new lines keep arriving for `follow`.

use crate::operator::{NAMESPACE, config_resource};
use crate::{Error, Result};
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use k8s_openapi::api::core::v1::{Node, Pod};
use kube::Client;
use kube::api::{Api, DynamicObject, Patch, PatchParams, PostParams};
use serde_json::json;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub const NODE_NAME: &str = "sandbox-node";
/// One request line every this many seconds after the start-up lines.
const LINE_INTERVAL_SECS: u64 = 2;

/// TLS material for the kubelet and registry endpoints (the API server is given `ca`).
pub struct Tls {
    pub ca_pem: String,
    pub cert_pem: String,
    pub key_pem: String,
}

/// Makes a CA and a serving certificate for 127.0.0.1 (X.509 v3, as rustls and Go want).
pub fn make_tls() -> Result<Tls> {
    issue(
        "registry-console sandbox kubelet CA",
        &["localhost", NODE_NAME],
        &[std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST)],
    )
}

/// A new private CA named `ca_name` and a server certificate it issued for `dns_names`
/// and `ips` (the first DNS name is its common name).
pub fn issue(ca_name: &str, dns_names: &[&str], ips: &[std::net::IpAddr]) -> Result<Tls> {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose, SanType,
    };
    let err = |e: rcgen::Error| Error::Setup(format!("certificate for {dns_names:?}: {e}"));
    let ca_key = KeyPair::generate().map_err(err)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    ca_params
        .distinguished_name
        .push(DnType::CommonName, ca_name);
    let ca_cert = ca_params.self_signed(&ca_key).map_err(err)?;
    let issuer = Issuer::new(ca_params, ca_key);

    let key = KeyPair::generate().map_err(err)?;
    let mut params =
        CertificateParams::new(dns_names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
            .map_err(err)?;
    params
        .subject_alt_names
        .extend(ips.iter().map(|ip| SanType::IpAddress(*ip)));
    params.distinguished_name.push(
        DnType::CommonName,
        dns_names.first().copied().unwrap_or("server"),
    );
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = params.signed_by(&key, &issuer).map_err(err)?;
    Ok(Tls {
        ca_pem: ca_cert.pem(),
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    })
}

#[derive(Clone)]
struct Shared {
    client: Client,
    /// When the endpoints started: metrics move from here while no registry pod runs.
    started: u64,
    /// The registry pods' address (see [`pod_address`]), when the machine has one.
    pod_ip: Option<std::net::IpAddr>,
}

/// Serves the kubelet API on `kubelet_addr` and registry metrics on `registry_addr`.
pub async fn serve(
    client: Client,
    tls: &Tls,
    kubelet: std::net::TcpListener,
    registry: std::net::TcpListener,
    pod: Option<std::net::TcpListener>,
) -> Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = axum_server::tls_rustls::RustlsConfig::from_pem(
        tls.cert_pem.clone().into_bytes(),
        tls.key_pem.clone().into_bytes(),
    )
    .await
    .map_err(|e| Error::Setup(format!("kubelet TLS: {e}")))?;
    let pod_ip = pod
        .as_ref()
        .and_then(|l| l.local_addr().ok())
        .map(|a| a.ip());
    let shared = Arc::new(Shared {
        client,
        started: unix_now(),
        pod_ip,
    });
    let kubelet_app = axum::Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route(
            "/containerLogs/{namespace}/{pod}/{container}",
            get(container_logs),
        )
        .with_state(shared.clone());
    let registry_app = axum::Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/extensions/v2/metrics", get(registry_metrics))
        .with_state(shared);
    kubelet.set_nonblocking(true)?;
    registry.set_nonblocking(true)?;
    let kubelet_server = axum_server::from_tcp_rustls(kubelet, config.clone())?
        .serve(kubelet_app.into_make_service());
    let registry_server = axum_server::from_tcp_rustls(registry, config.clone())?.serve(
        registry_app
            .clone()
            .into_make_service_with_connect_info::<SocketAddr>(),
    );
    match pod {
        Some(pod) => {
            pod.set_nonblocking(true)?;
            let pod_server = axum_server::from_tcp_rustls(pod, config)?
                .serve(registry_app.into_make_service_with_connect_info::<SocketAddr>());
            tokio::try_join!(kubelet_server, registry_server, pod_server)?;
        }
        None => {
            tokio::try_join!(kubelet_server, registry_server)?;
        }
    }
    Ok(())
}

/// Registers the Node the API server asks for logs (address 127.0.0.1, this port).
pub async fn register_node(client: &Client, kubelet_port: u16) -> Result<()> {
    let nodes: Api<Node> = Api::all(client.clone());
    let node: Node = serde_json::from_value(json!({
        "metadata": { "name": NODE_NAME, "labels": { "kubernetes.io/hostname": NODE_NAME, "node-role.kubernetes.io/worker": "" } },
        "spec": {}
    }))?;
    match nodes.create(&PostParams::default(), &node).await {
        Ok(_) => {}
        Err(kube::Error::Api(s)) if s.code == 409 => {}
        Err(e) => return Err(e.into()),
    }
    let status = json!({
        "status": {
            "addresses": [
                { "type": "InternalIP", "address": "127.0.0.1" },
                { "type": "Hostname", "address": NODE_NAME }
            ],
            "daemonEndpoints": { "kubeletEndpoint": { "Port": kubelet_port } },
            "conditions": [{
                "type": "Ready", "status": "True", "reason": "KubeletReady",
                "message": "sandbox kubelet is posting ready status"
            }],
            "nodeInfo": {
                "machineID": "sandbox", "systemUUID": "sandbox", "bootID": "sandbox",
                "kernelVersion": "sandbox", "osImage": "Red Hat Enterprise Linux CoreOS (sandbox)",
                "containerRuntimeVersion": "cri-o://1.17.0", "kubeletVersion": "v1.20.2",
                "kubeProxyVersion": "v1.20.2", "operatingSystem": "linux", "architecture": "amd64"
            }
        }
    });
    nodes
        .patch_status(NODE_NAME, &PatchParams::default(), &Patch::Merge(&status))
        .await?;
    Ok(())
}

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct LogQuery {
    follow: Option<bool>,
    tail_lines: Option<i64>,
    since_seconds: Option<i64>,
    timestamps: Option<bool>,
    limit_bytes: Option<i64>,
}

async fn container_logs(
    State(shared): State<Arc<Shared>>,
    Path((namespace, pod_name, container)): Path<(String, String, String)>,
    Query(query): Query<LogQuery>,
) -> Response {
    let pods: Api<Pod> = Api::namespaced(shared.client.clone(), &namespace);
    let pod = match pods.get_opt(&pod_name).await {
        Ok(Some(pod)) => pod,
        Ok(None) => {
            return (
                StatusCode::NOT_FOUND,
                format!("pod {namespace}/{pod_name} not found"),
            )
                .into_response();
        }
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    };
    let has_container = pod
        .spec
        .as_ref()
        .is_some_and(|s| s.containers.iter().any(|c| c.name == container));
    if !has_container {
        return (
            StatusCode::NOT_FOUND,
            format!("container {container} is not in pod {pod_name}"),
        )
            .into_response();
    }
    // A pruner run's pod carries its whole log (`crate::pruner`).
    if let Some(log) = pod
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(crate::pruner::LOG_ANNOTATION))
    {
        let lines: Vec<&str> = log.lines().collect();
        let tail = query
            .tail_lines
            .map(|t| t.max(0) as usize)
            .unwrap_or(lines.len())
            .min(lines.len());
        let mut text = lines[lines.len() - tail..].join("\n");
        text.push('\n');
        return text.into_response();
    }
    let started = pod
        .metadata
        .creation_timestamp
        .map(|t| t.0.as_second())
        .unwrap_or_else(|| unix_now() as i64)
        .max(0) as u64;
    let log = PodLog {
        pod: pod_name,
        started,
        timestamps: query.timestamps.unwrap_or(false),
    };
    let now = unix_now();
    let mut first = 0;
    let available = log.count_at(now);
    if let Some(since) = query.since_seconds {
        let since_time = now.saturating_sub(since.max(0) as u64);
        first = (0..available)
            .find(|k| log.time_of(*k) >= since_time)
            .unwrap_or(available);
    }
    if let Some(tail) = query.tail_lines {
        first = first.max(available.saturating_sub(tail.max(0) as u64));
    }
    let mut text = String::new();
    for k in first..available {
        text.push_str(&log.line(k));
    }
    let limit = query.limit_bytes.filter(|l| *l > 0).map(|l| l as usize);
    if let Some(limit) = limit {
        let mut cut = limit.min(text.len());
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        return text.into_response();
    }
    if !query.follow.unwrap_or(false) {
        return text.into_response();
    }
    let initial = futures::stream::once(async move { Ok::<_, std::convert::Infallible>(text) });
    let more = futures::stream::unfold(available, move |k| {
        let log = log.clone();
        async move {
            let due = log.time_of(k);
            let now = unix_now();
            if due > now {
                tokio::time::sleep(Duration::from_secs(due - now)).await;
            }
            Some((Ok(log.line(k)), k + 1))
        }
    });
    Body::from_stream(futures::StreamExt::chain(initial, more)).into_response()
}

/// The generated log of one pod.
#[derive(Clone, Debug)]
pub struct PodLog {
    pub pod: String,
    /// Unix seconds of the container's start.
    pub started: u64,
    pub timestamps: bool,
}

const STARTUP: [&str; 5] = [
    "level=info msg=\"version=v2.6.0+unknown\"",
    "level=info msg=\"redis not configured\"",
    "level=info msg=\"using inmemory layerinfo cache\"",
    "level=info msg=\"Using OpenShift Auth handler\"",
    "level=info msg=\"listening on :5000\"",
];

impl PodLog {
    /// Number of lines written by `now` (unix seconds).
    pub fn count_at(&self, now: u64) -> u64 {
        STARTUP.len() as u64 + now.saturating_sub(self.started) / LINE_INTERVAL_SECS
    }

    pub fn time_of(&self, k: u64) -> u64 {
        let startup = STARTUP.len() as u64;
        if k < startup {
            self.started
        } else {
            self.started + (k - startup + 1) * LINE_INTERVAL_SECS
        }
    }

    /// Line `k`, with its newline.
    pub fn line(&self, k: u64) -> String {
        let time = rfc3339(self.time_of(k));
        let instance = format!("instance.id={}", pseudo_uuid(&self.pod, u64::MAX));
        let body = match STARTUP.get(k as usize) {
            Some(text) => format!("time=\"{time}\" {text} {instance}"),
            None => {
                let n = pseudo_random(&self.pod, k);
                let (method, uri, status, written) = match n % 10 {
                    0..=5 => ("GET", "/healthz".to_string(), 200, 0),
                    6 | 7 => (
                        "GET",
                        format!("/v2/project-{}/app/manifests/latest", n % 3),
                        200,
                        1778,
                    ),
                    8 => (
                        "PUT",
                        format!("/v2/project-{}/app/blobs/uploads/", n % 3),
                        201,
                        0,
                    ),
                    _ => (
                        "GET",
                        "/v2/missing/app/manifests/latest".to_string(),
                        404,
                        92,
                    ),
                };
                let level = if status >= 400 { "warning" } else { "info" };
                format!(
                    "time=\"{time}\" level={level} msg=\"response completed\" go.version=go1.13.4 http.request.host=\"image-registry.openshift-image-registry.svc:5000\" http.request.id={} http.request.method={method} http.request.remoteaddr=\"10.128.2.{}:{}\" http.request.uri=\"{uri}\" http.response.duration=\"{}.{}ms\" http.response.status={status} http.response.written={written} {instance}",
                    pseudo_uuid(&self.pod, k),
                    n % 250 + 1,
                    40000 + n % 20000,
                    n % 40,
                    n % 1000,
                )
            }
        };
        if self.timestamps {
            format!(
                "{time_nanos} {body}\n",
                time_nanos = rfc3339_nanos(self.time_of(k), k)
            )
        } else {
            format!("{body}\n")
        }
    }
}

fn pseudo_random(seed: &str, k: u64) -> u64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{seed}/{k}").as_bytes());
    u64::from_le_bytes(digest[..8].try_into().unwrap_or([0; 8]))
}

fn pseudo_uuid(seed: &str, k: u64) -> String {
    let a = pseudo_random(seed, k);
    let b = pseudo_random(seed, k ^ 0x5a5a);
    format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        b >> 52,
        b & 0xffff_ffff_ffff
    )
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `YYYY-MM-DDTHH:MM:SSZ` for unix seconds (proleptic Gregorian, UTC).
pub fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn rfc3339_nanos(secs: u64, k: u64) -> String {
    let base = rfc3339(secs);
    let nanos = (k * 7_919_113) % 1_000_000_000;
    format!("{}.{nanos:09}Z", base.trim_end_matches('Z'))
}

/// Days since 1970-01-01 to (year, month, day); Howard Hinnant's algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// The registry's metrics, moving with time since the pod started.
async fn registry_metrics(
    State(shared): State<Arc<Shared>>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let configs: Api<DynamicObject> = Api::all_with(shared.client.clone(), &config_resource());
    let secret = match configs.get_opt("cluster").await {
        Ok(Some(c)) => c
            .data
            .pointer("/spec/httpSecret")
            .and_then(|s| s.as_str())
            .unwrap_or("")
            .to_string(),
        _ => String::new(),
    };
    // Two ways in, as in the guide §5.5: the metrics secret (`curl -u <user>:<secret>`), or
    // a request the API server's service proxy forwarded, which it authorized first
    // (`services/proxy`) and which the console sends only for users a
    // SelfSubjectAccessReview allows `get` on `registry/metrics` (prometheus-scraper). The
    // real registry checks a bearer token there, which the API server does not pass on.
    // Only from this machine (the API server runs here), never from the network.
    let local = peer.ip().is_loopback() || Some(peer.ip()) == shared.pod_ip;
    let proxied =
        local && headers.contains_key("x-forwarded-for") && !headers.contains_key("authorization");
    if !proxied && (secret.is_empty() || !basic_auth_password_is(&headers, &secret)) {
        return (
            StatusCode::UNAUTHORIZED,
            [("www-authenticate", "Basic realm=\"registry\"")],
            "authentication required",
        )
            .into_response();
    }
    let pods: Api<Pod> = Api::namespaced(shared.client.clone(), NAMESPACE);
    let started = pods
        .list(&kube::api::ListParams::default().labels("docker-registry=default"))
        .await
        .ok()
        .and_then(|l| {
            l.items
                .iter()
                .filter_map(|p| {
                    p.metadata
                        .creation_timestamp
                        .as_ref()
                        .map(|t| t.0.as_second())
                })
                .min()
        })
        .map(|t| t.max(0) as u64)
        .unwrap_or(shared.started);
    (
        [("content-type", "text/plain; version=0.0.4; charset=utf-8")],
        registry_metrics_text(unix_now().saturating_sub(started)),
    )
        .into_response()
}

fn basic_auth_password_is(headers: &HeaderMap, expected: &str) -> bool {
    use base64::Engine;
    let Some(value) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let Some(encoded) = value.strip_prefix("Basic ") else {
        return false;
    };
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
        return false;
    };
    let text = String::from_utf8_lossy(&decoded);
    text.split_once(':')
        .is_some_and(|(_, password)| password == expected)
}

/// The metrics text after `uptime` seconds: counters grow with uptime.
pub fn registry_metrics_text(uptime: u64) -> String {
    let requests = uptime / LINE_INTERVAL_SECS;
    let gets = requests * 8 / 10;
    let puts = requests / 10;
    let errors = requests - gets - puts;
    let hits = requests * 3 / 4;
    let scoped_hits = requests * 2 / 3;
    let in_flight = uptime % 3;
    let sum = gets as f64 * 0.0131;
    format!(
        "# HELP imageregistry_build_info A metric with a constant '1' value labeled by major, minor, git commit & git version from which the image registry was built.\n\
# TYPE imageregistry_build_info gauge\n\
imageregistry_build_info{{gitCommit=\"sandbox\",gitVersion=\"v4.4.0+sandbox\",major=\"4\",minor=\"4\"}} 1\n\
# HELP imageregistry_digest_cache_requests_total Total number of requests without scope to the digest cache.\n\
# TYPE imageregistry_digest_cache_requests_total counter\n\
imageregistry_digest_cache_requests_total{{type=\"Hit\"}} {hits}\n\
imageregistry_digest_cache_requests_total{{type=\"Miss\"}} {}\n\
# HELP imageregistry_digest_cache_scoped_requests_total Total number of scoped requests to the digest cache.\n\
# TYPE imageregistry_digest_cache_scoped_requests_total counter\n\
imageregistry_digest_cache_scoped_requests_total{{type=\"Hit\"}} {scoped_hits}\n\
imageregistry_digest_cache_scoped_requests_total{{type=\"Miss\"}} {}\n\
# HELP imageregistry_http_in_flight_requests A gauge of requests currently being served by the registry.\n\
# TYPE imageregistry_http_in_flight_requests gauge\n\
imageregistry_http_in_flight_requests {in_flight}\n\
# HELP imageregistry_http_request_duration_seconds A histogram of latencies for requests to the registry.\n\
# TYPE imageregistry_http_request_duration_seconds summary\n\
imageregistry_http_request_duration_seconds{{method=\"get\",quantile=\"0.5\"}} 0.01296087\n\
imageregistry_http_request_duration_seconds{{method=\"get\",quantile=\"0.9\"}} 0.014847248\n\
imageregistry_http_request_duration_seconds{{method=\"get\",quantile=\"0.99\"}} 0.015981195\n\
imageregistry_http_request_duration_seconds_sum{{method=\"get\"}} {sum}\n\
imageregistry_http_request_duration_seconds_count{{method=\"get\"}} {gets}\n\
# HELP imageregistry_http_requests_total Total number of HTTP requests made.\n\
# TYPE imageregistry_http_requests_total counter\n\
imageregistry_http_requests_total{{code=\"200\",method=\"get\"}} {gets}\n\
imageregistry_http_requests_total{{code=\"201\",method=\"put\"}} {puts}\n\
imageregistry_http_requests_total{{code=\"404\",method=\"get\"}} {errors}\n",
        requests - hits,
        requests - scoped_hits,
    )
}

/// Where the sandbox writes the kubelet CA for the API server's `--kubelet-certificate-authority`.
pub fn ca_path(dir: &std::path::Path) -> PathBuf {
    dir.join("kubelet-ca.crt")
}

/// The kubelet's, the registry's and (when the machine has a non-loopback address) the
/// registry pods' listeners, bound now so their ports are known before the API server
/// starts.
pub struct Listeners {
    pub kubelet: std::net::TcpListener,
    pub registry: std::net::TcpListener,
    pub pod: Option<std::net::TcpListener>,
}

pub fn bind() -> Result<Listeners> {
    let any = SocketAddr::from(([127, 0, 0, 1], 0));
    Ok(Listeners {
        kubelet: std::net::TcpListener::bind(any)?,
        registry: std::net::TcpListener::bind(any)?,
        pod: pod_address().and_then(|ip| std::net::TcpListener::bind((ip, 0)).ok()),
    })
}

/// This machine's address on its default route: the registry pods' IP. The API server's
/// service proxy needs one (Endpoints may not point into 127.0.0.0/8); it is only the
/// address the kernel would send from, nothing is sent.
pub fn pod_address() -> Option<std::net::IpAddr> {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("198.51.100.1:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_format_as_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_478_399), "2026-11-23T23:59:59Z");
    }

    #[test]
    fn logs_grow_with_time_and_are_reproducible() {
        let log = PodLog {
            pod: "image-registry-abc-x".into(),
            started: 1_000,
            timestamps: false,
        };
        assert_eq!(log.count_at(1_000), 5);
        assert_eq!(log.count_at(1_010), 10);
        assert!(log.line(4).contains("listening on :5000"));
        assert!(log.line(7).contains("response completed"));
        assert_eq!(log.line(7), log.line(7));
        assert!(log.time_of(5) > log.time_of(4));
        let with_times = PodLog {
            timestamps: true,
            ..log
        };
        assert!(
            with_times
                .line(0)
                .starts_with("1970-01-01T00:16:40.000000000Z time=\"1970-01-01T00:16:40Z\"")
        );
    }

    #[test]
    fn metrics_move_with_uptime() {
        let early = registry_metrics_text(10);
        let later = registry_metrics_text(1_000);
        assert_ne!(early, later);
        assert!(
            later.contains("imageregistry_http_requests_total{code=\"200\",method=\"get\"} 400"),
            "{later}"
        );
        assert!(later.contains("# TYPE imageregistry_digest_cache_requests_total counter"));
    }

    #[test]
    fn metrics_password_is_checked() {
        use base64::Engine;
        let mut headers = HeaderMap::new();
        let token = base64::engine::general_purpose::STANDARD.encode("anyone:s3cret");
        headers.insert(
            "authorization",
            format!("Basic {token}").parse().expect("header"),
        );
        assert!(basic_auth_password_is(&headers, "s3cret"));
        assert!(!basic_auth_password_is(&headers, "other"));
        assert!(!basic_auth_password_is(&HeaderMap::new(), "s3cret"));
    }

    #[test]
    fn certificates_are_made() {
        let tls = make_tls().expect("tls");
        assert!(tls.ca_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(tls.key_pem.contains("PRIVATE KEY"));
    }
}
