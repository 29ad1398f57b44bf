//! The cluster's router, as OpenShift's is: HAProxy (Debian's `haproxy` 2.6), serving the
//! Routes of the registry's namespace on port 443 of a loopback address of its own (one of
//! 127.0.0.0/8, so the hosts in the console's commands need no port and every sandbox has
//! its own). TLS ends here, the certificate chosen by the client's SNI:
//!
//! - a Route with its own certificate (`spec.tls.certificate` and `key`, which the
//!   operator copies from the Route's Secret) is served with it;
//! - every other Route host, the default route's among them, gets the ingress default
//!   wildcard certificate for `*.<apps domain>`, issued by a CA of the sandbox that no
//!   client trusts, so `podman --tls-verify=false` is really needed, as the guide says.
//!
//! A host no Route names gets HAProxy's 503. The configuration is written again from the
//! Routes whenever they change, and HAProxy reloads without dropping a connection
//! (master-worker mode, SIGUSR2; a configuration it refuses leaves the old one serving).

use crate::operator::{NAMESPACE, route_resource};
use crate::processes::Child;
use crate::{Error, Result};
use futures::StreamExt;
use kube::Client;
use kube::api::{Api, DynamicObject, ListParams};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Router {
    pub address: IpAddr,
    /// The ingress default certificate's CA (`<state>/router/ingress-ca.crt`): what a client
    /// would have to trust to verify the default route.
    pub ingress_ca: PathBuf,
    dir: PathBuf,
    front: SocketAddr,
    child: Child,
    /// Other hosts clients resolve (the S3 server, for the registry's redirects).
    other_hosts: Vec<(IpAddr, String)>,
}

/// A loopback address of its own for this sandbox's router, free on port 443.
fn pick_address() -> Result<IpAddr> {
    use rand::Rng;
    let mut rng = rand::rng();
    for _ in 0..50 {
        let ip = IpAddr::V4(Ipv4Addr::new(
            127,
            rng.random_range(16..=250),
            rng.random_range(1..=250),
            rng.random_range(1..=250),
        ));
        if std::net::TcpListener::bind((ip, 443)).is_ok() {
            return Ok(ip);
        }
    }
    Err(Error::Setup(
        "the router cannot listen on port 443 of any loopback address (binding port 443 needs root or CAP_NET_BIND_SERVICE)".into(),
    ))
}

/// One Route as the router serves it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Served {
    pub name: String,
    pub host: String,
    /// The Route's own certificate and key (PEM), when it has them.
    pub certificate: Option<(String, String)>,
}

/// The Routes' hosts and certificates.
pub fn served(routes: &[DynamicObject]) -> Vec<Served> {
    let mut out: Vec<Served> = routes
        .iter()
        .filter_map(|route| {
            let host = route.data.pointer("/spec/host")?.as_str()?.to_string();
            let text = |key: &str| {
                route
                    .data
                    .pointer(&format!("/spec/tls/{key}"))
                    .and_then(|v| v.as_str())
                    .filter(|t| !t.trim().is_empty())
                    .map(str::to_string)
            };
            Some(Served {
                name: route.metadata.name.clone().unwrap_or_default(),
                host,
                certificate: text("certificate").zip(text("key")),
            })
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// HAProxy's configuration and its certificate list for `routes`.
pub fn config(dir: &Path, address: IpAddr, front: SocketAddr) -> String {
    format!(
        "global\n\
         \x20   log stdout format raw local0 warning\n\
         \x20   pidfile {dir}/haproxy.pid\n\
         \x20   stats socket {dir}/admin.sock mode 600 level admin expose-fd listeners\n\
         defaults\n\
         \x20   mode http\n\
         \x20   log global\n\
         \x20   timeout connect 5s\n\
         \x20   timeout client 300s\n\
         \x20   timeout server 300s\n\
         frontend routes\n\
         \x20   bind {address}:443 ssl crt-list {dir}/crt-list.txt alpn http/1.1\n\
         \x20   http-request set-header X-Forwarded-Proto https\n\
         \x20   http-request set-header X-Forwarded-For %[src]\n\
         \x20   use_backend registry if {{ ssl_fc_sni -i -f {dir}/hosts.lst }}\n\
         \x20   default_backend no_route\n\
         backend registry\n\
         \x20   server front {front}\n\
         backend no_route\n\
         \x20   http-request return status 503 content-type text/plain string \"{NO_ROUTE}\"\n",
        dir = dir.display(),
    )
}

fn write_routes(dir: &Path, routes: &[Served]) -> Result<()> {
    let certs = dir.join("certs");
    std::fs::create_dir_all(&certs)?;
    let mut list = format!("{}\n", dir.join("default.pem").display());
    let mut hosts = String::new();
    for route in routes {
        hosts.push_str(&format!("{}\n", route.host));
        if let Some((certificate, key)) = &route.certificate {
            let file = certs.join(format!("{}.pem", route.name));
            std::fs::write(
                &file,
                format!("{}\n{}\n", certificate.trim_end(), key.trim_end()),
            )?;
            list.push_str(&format!("{} {}\n", file.display(), route.host));
        }
    }
    // Replaced whole, so a reload never reads half a file.
    let write = |name: &str, text: &str| -> Result<()> {
        let temp = dir.join(format!(".{name}.new"));
        std::fs::write(&temp, text)?;
        std::fs::rename(&temp, dir.join(name))?;
        Ok(())
    };
    write("crt-list.txt", &list)?;
    write("hosts.lst", &hosts)?;
    Ok(())
}

impl Router {
    /// Starts HAProxy for the apps `domain`, forwarding to `front`; fails naming why when
    /// HAProxy is missing or does not start.
    /// `other_hosts`: further hosts the sandbox's clients resolve (see [`write_client_hosts`]).
    pub async fn start(
        state_dir: &Path,
        domain: &str,
        front: SocketAddr,
        other_hosts: Vec<(IpAddr, String)>,
    ) -> Result<Router> {
        let dir = state_dir.join("router");
        std::fs::create_dir_all(&dir)?;
        let dir = dir.canonicalize()?;
        let version = Command::new("haproxy").arg("-v").output().map_err(|e| {
            Error::Setup(format!(
                "the router `haproxy` cannot run ({e}): ./dev deps installs Debian's haproxy"
            ))
        })?;
        if !version.status.success() {
            return Err(Error::Setup("`haproxy -v` failed".into()));
        }
        let wildcard = format!("*.{domain}");
        let tls =
            crate::kubelet::issue("Sandbox ingress default CA (untrusted)", &[&wildcard], &[])?;
        std::fs::write(
            dir.join("default.pem"),
            format!("{}{}", tls.cert_pem, tls.key_pem),
        )?;
        let ingress_ca = dir.join("ingress-ca.crt");
        std::fs::write(&ingress_ca, &tls.ca_pem)?;
        let address = pick_address()?;
        write_routes(&dir, &[])?;
        write_client_hosts(&dir, address, &[], &other_hosts)?;
        std::fs::write(dir.join("haproxy.cfg"), config(&dir, address, front))?;
        let check = Command::new("haproxy")
            .args(["-c", "-q", "-f"])
            .arg(dir.join("haproxy.cfg"))
            .output()?;
        if !check.status.success() {
            return Err(Error::Setup(format!(
                "the router's configuration is refused by haproxy: {}",
                String::from_utf8_lossy(&check.stderr)
            )));
        }
        let mut command = Command::new("haproxy");
        command
            .arg("-W")
            .arg("-db")
            .arg("-f")
            .arg(dir.join("haproxy.cfg"));
        let (mut child, _lines) =
            Child::spawn("router (haproxy)", command, &dir.join("haproxy.log"))?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect_timeout(
            &SocketAddr::new(address, 443),
            Duration::from_millis(200),
        )
        .is_err()
        {
            if let Some(status) = child.exited() {
                return Err(Error::Setup(format!(
                    "the router (haproxy) exited ({status}): {}",
                    std::fs::read_to_string(dir.join("haproxy.log")).unwrap_or_default()
                )));
            }
            if Instant::now() > deadline {
                return Err(Error::Setup(
                    "the router (haproxy) did not listen within 10 s".into(),
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tracing::info!(%address, "router (haproxy) listening on port 443");
        Ok(Router {
            address,
            ingress_ca,
            dir,
            front,
            child,
            other_hosts,
        })
    }

    /// Serves the Routes as they are, and again whenever they change.
    pub async fn follow_routes(self, client: Client) {
        let routes: Api<DynamicObject> = Api::namespaced_with(client, NAMESPACE, &route_resource());
        let watch =
            kube::runtime::watcher(routes.clone(), kube::runtime::watcher::Config::default());
        let mut watch = std::pin::pin!(watch);
        let mut resync = tokio::time::interval(Duration::from_secs(5));
        let mut current: Option<Vec<Served>> = None;
        loop {
            tokio::select! {
                event = watch.next() => match event {
                    Some(Ok(_)) => {}
                    Some(Err(_)) => {
                        tokio::time::sleep(Duration::from_millis(500)).await;
                        continue;
                    }
                    None => return,
                },
                _ = resync.tick() => {}
            }
            let Ok(list) = routes.list(&ListParams::default()).await else {
                continue;
            };
            let wanted = served(&list.items);
            if current.as_ref() == Some(&wanted) {
                continue;
            }
            match write_routes(&self.dir, &wanted) {
                Ok(()) => {
                    // The master starts a new worker with the files as they are now.
                    self.child.signal(libc::SIGUSR2);
                    let hosts: Vec<&str> = wanted.iter().map(|r| r.host.as_str()).collect();
                    if let Err(host) = self.wait_until_served(&hosts).await {
                        tracing::warn!(%host, "the router does not serve the route's host 10 s after its reload");
                    }
                    // Clients resolve a host only once the router serves it.
                    if let Err(e) =
                        write_client_hosts(&self.dir, self.address, &hosts, &self.other_hosts)
                    {
                        tracing::warn!(error = %e, "client hosts file not written");
                    }
                    tracing::info!(routes = wanted.len(), "router reloaded");
                    current = Some(wanted);
                }
                Err(e) => tracing::warn!(error = %e, "router configuration not written"),
            }
        }
    }

    /// Where a client reaches the front through the router (`https://<host>`).
    pub fn front(&self) -> SocketAddr {
        self.front
    }

    /// Waits (10 s at most) until the new worker routes every host to the registry: until
    /// then, the old one answers its 503 for a host it does not know. Err: a host not served.
    async fn wait_until_served(&self, hosts: &[&str]) -> std::result::Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        for host in hosts {
            let probe = reqwest::Client::builder()
                .resolve(host, SocketAddr::new(self.address, 443))
                // The probe asks which backend answers, not who the server is.
                .danger_accept_invalid_certs(true)
                .no_proxy()
                .timeout(Duration::from_secs(1))
                .build()
                .map_err(|_| host.to_string())?;
            loop {
                let routed = match probe.get(format!("https://{host}/v2/")).send().await {
                    Ok(response) => response
                        .text()
                        .await
                        .map(|body| body != NO_ROUTE)
                        .unwrap_or(false),
                    Err(_) => false,
                };
                if routed {
                    break;
                }
                if Instant::now() > deadline {
                    return Err(host.to_string());
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        Ok(())
    }
}

/// HAProxy's answer for a host no Route names.
const NO_ROUTE: &str = "Application is not available";

/// `<router>/client-hosts`: an `/etc/hosts` for the sandbox's clients, the served Route
/// hosts on the router's address ([`crate::client`] mounts it over `/etc/hosts`).
fn write_client_hosts(
    dir: &Path,
    address: IpAddr,
    hosts: &[&str],
    other_hosts: &[(IpAddr, String)],
) -> Result<()> {
    let mut text = String::from("127.0.0.1 localhost\n::1 localhost\n");
    for (ip, host) in other_hosts {
        text.push_str(&format!("{ip} {host}\n"));
    }
    for host in hosts {
        text.push_str(&format!("{address} {host}\n"));
    }
    let temp = dir.join(".client-hosts.new");
    std::fs::write(&temp, text)?;
    std::fs::rename(&temp, dir.join("client-hosts"))?;
    Ok(())
}
