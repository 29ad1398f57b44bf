//! A minimal kubelet for the sandbox's one Node, so pod logs travel the real path: the
//! client asks the API server for `pods/{name}/log`, and the API server fetches them from
//! this endpoint (`/containerLogs/...`, TLS verified with the CA the API server was given).
//!
//! Also the registry pods' metrics endpoint (`/extensions/v2/metrics`, the guide's names
//! computed from the running registries' own counters, basic auth with the Config's
//! `httpSecret` as the password, as in the guide §5.5).
//!
//! A registry pod's log is what its process wrote ([`crate::runtime`]); a pruner run's log
//! travels on its pod ([`crate::pruner`]).

use crate::operator::config_resource;
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
use std::time::Duration;

pub const NODE_NAME: &str = "sandbox-node";

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
    /// The registry pods' address (see [`pod_address`]), when the machine has one.
    pod_ip: Option<std::net::IpAddr>,
    /// The registry pods the runtime runs (their logs and metrics).
    table: crate::runtime::PodTable,
    /// The registry's version, for the guide's build info.
    version: String,
}

/// Serves the kubelet API on `kubelet_addr` and registry metrics on `registry_addr`.
pub async fn serve(
    client: Client,
    tls: &Tls,
    listeners: Listeners,
    table: crate::runtime::PodTable,
    version: String,
) -> Result<()> {
    let Listeners {
        kubelet,
        registry,
        pod,
    } = listeners;
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
        pod_ip,
        table,
        version,
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
    previous: Option<bool>,
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
    let running = shared
        .table
        .read()
        .ok()
        .and_then(|t| t.get(&pod_name).cloned());
    let Some(running) = running else {
        return (
            StatusCode::BAD_REQUEST,
            format!("container \"{container}\" in pod \"{pod_name}\" is waiting to start: ContainerCreating"),
        )
            .into_response();
    };
    let file = if query.previous.unwrap_or(false) {
        match running.previous_log {
            Some(file) => file,
            None => {
                return (
                    StatusCode::BAD_REQUEST,
                    format!("previous terminated container \"{container}\" in pod \"{pod_name}\" not found"),
                )
                    .into_response();
            }
        }
    } else {
        match running.log {
            Some(file) => file,
            None => return String::new().into_response(),
        }
    };
    let timestamps = query.timestamps.unwrap_or(false);
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    let mut lines: Vec<&str> = text.lines().collect();
    if let Some(since) = query.since_seconds {
        let since = chrono::Utc::now() - chrono::Duration::seconds(since.max(0));
        lines.retain(|line| {
            line.split_once(' ')
                .and_then(|(at, _)| chrono::DateTime::parse_from_rfc3339(at).ok())
                .is_none_or(|at| at >= since)
        });
    }
    if let Some(tail) = query.tail_lines {
        let tail = tail.max(0) as usize;
        lines = lines.split_off(lines.len().saturating_sub(tail));
    }
    let shown = move |line: &str| -> String {
        if timestamps {
            format!("{line}\n")
        } else {
            format!("{}\n", line.split_once(' ').map_or(line, |(_, rest)| rest))
        }
    };
    let mut body: String = lines.iter().map(|l| shown(l)).collect();
    if let Some(limit) = query.limit_bytes.filter(|l| *l > 0).map(|l| l as usize) {
        let mut cut = limit.min(body.len());
        while !body.is_char_boundary(cut) {
            cut -= 1;
        }
        body.truncate(cut);
        return body.into_response();
    }
    if !query.follow.unwrap_or(false) {
        return body.into_response();
    }
    // Follow: what the file gets from now on, until the pod's container runs again (the
    // next run writes another file) or the pod is gone.
    let offset = text.len() as u64;
    let table = shared.table.clone();
    let initial = futures::stream::once(async move { Ok::<_, std::convert::Infallible>(body) });
    let more =
        futures::stream::unfold((offset, String::new()), move |(mut offset, mut partial)| {
            let file = file.clone();
            let table = table.clone();
            let pod_name = pod_name.clone();
            async move {
                loop {
                    let still = table
                        .read()
                        .ok()
                        .and_then(|t| t.get(&pod_name).and_then(|p| p.log.clone()))
                        == Some(file.clone());
                    let bytes = std::fs::read(&file).unwrap_or_default();
                    if (bytes.len() as u64) > offset {
                        partial.push_str(&String::from_utf8_lossy(&bytes[offset as usize..]));
                        offset = bytes.len() as u64;
                        if let Some(end) = partial.rfind('\n') {
                            let ready: String = partial[..=end].lines().map(&shown).collect();
                            partial = partial[end + 1..].to_string();
                            return Some((Ok(ready), (offset, partial)));
                        }
                    }
                    if !still {
                        return None;
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        });
    Body::from_stream(futures::StreamExt::chain(initial, more)).into_response()
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
    (
        [("content-type", "text/plain; version=0.0.4; charset=utf-8")],
        crate::runtime::metrics_text(&shared.table, &shared.version).await,
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
