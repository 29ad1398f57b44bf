//! Starts the whole sandbox: OIDC provider → etcd + kube-apiserver (trusting that provider
//! and the sandbox kubelet) → CRDs and cluster content → kubelet + registry endpoints →
//! stand-in operator; then proves that an OIDC token authenticates.

use crate::oidc_login::Provider;
use crate::operator::{Operator, Settings};
use crate::processes::{Child, free_port};
use crate::{Error, Result, content, kubelet};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The sandbox cluster's apps domain (`ingresses.config.openshift.io/cluster` `spec.domain`).
pub const INGRESS_DOMAIN: &str = "apps.sandbox.example";

/// Where the sandbox keeps its state, and where its scripts and the CRDs are.
#[derive(Clone, Debug)]
pub struct Options {
    /// State directory (certificates, logs, kubeconfig, `sandbox.env`).
    pub dir: PathBuf,
    /// The console's public URLs (several consoles may share one sandbox); each one's
    /// `/auth/callback` is registered at the provider, and its `/signed-out` as a
    /// post-logout redirect.
    pub console_urls: Vec<String>,
    pub crds_dir: PathBuf,
    pub scripts_dir: PathBuf,
    /// Fixed OIDC port (default: any free port).
    pub oidc_port: Option<u16>,
    /// How long the OIDC provider may take to answer its discovery URL.
    pub oidc_ready_within: Duration,
}

impl Options {
    /// Defaults for this checkout: the repository this binary was built from.
    pub fn for_checkout(dir: PathBuf, console_urls: Vec<String>) -> Self {
        Self::for_root(&checkout_root(), dir, console_urls)
    }

    /// The sandbox of the repository at `root`: its scripts in `root/sandbox`, the CRDs in
    /// `root/crds` (the same files the console is built with). A clone alone has both.
    pub fn for_root(root: &Path, dir: PathBuf, console_urls: Vec<String>) -> Self {
        Options {
            dir,
            console_urls,
            crds_dir: root.join("crds"),
            scripts_dir: root.join("sandbox"),
            oidc_port: None,
            oidc_ready_within: OIDC_READY_WITHIN,
        }
    }
}

/// The repository this crate was built from (`REGISTRY_CONSOLE_ROOT` overrides it).
pub fn checkout_root() -> PathBuf {
    std::env::var_os("REGISTRY_CONSOLE_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/..")))
}

/// Debian's kubectl (v1.20.2, the API server's version) that `./dev deps` unpacks into the
/// cache: tests run the `oc` commands the console shows with it.
pub fn kubectl() -> PathBuf {
    let cache = std::env::var_os("REGISTRY_CONSOLE_CACHE")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/registry-console"))
        })
        .unwrap_or_else(|| PathBuf::from(".cache/registry-console"));
    cache.join("kubectl-v1.20.2/kubectl")
}

/// What a client of the sandbox needs (also written to `<dir>/sandbox.env`).
#[derive(Clone, Debug)]
pub struct Info {
    pub dir: PathBuf,
    pub kubeconfig: PathBuf,
    pub apiserver_url: String,
    pub apiserver_ca_file: PathBuf,
    pub oidc: Provider,
    pub registry_metrics_url: String,
    pub registry_ca_file: PathBuf,
    /// The router's loopback address (port 443): where the Routes' hosts resolve.
    pub router_address: std::net::IpAddr,
    /// The CA of the router's ingress default certificate (no client trusts it).
    pub ingress_ca_file: PathBuf,
    /// The S3 server (`regionEndpoint` [`crate::s3::S3Server::endpoint`]).
    pub s3: crate::s3::S3Server,
    /// The registry Service's front, plain HTTP on 127.0.0.1 (the router forwards to it).
    pub front: std::net::SocketAddr,
    pub startup_seconds: f64,
}

/// A running sandbox; dropping it stops everything it started.
pub struct Sandbox {
    pub info: Info,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    // Declared last: children stop after the tasks that talk to them.
    cluster: Child,
    oidc: Child,
}

impl Sandbox {
    pub async fn start(options: Options) -> Result<Sandbox> {
        let started = Instant::now();
        let dir = &options.dir;
        std::fs::create_dir_all(dir)?;
        if !options.crds_dir.is_dir() {
            return Err(Error::Setup(format!(
                "the CRDs directory {} is missing: the sandbox installs the repository's crds/ (is this a whole checkout?)",
                options.crds_dir.display()
            )));
        }

        // 1. OIDC provider.
        let oidc_dir = dir.join("oidc");
        let oidc_port = match options.oidc_port {
            Some(port) => port,
            None => free_port()?,
        };
        let consoles: Vec<&str> = options
            .console_urls
            .iter()
            .map(|url| url.trim_end_matches('/'))
            .collect();
        let Some(first_console) = consoles.first() else {
            return Err(Error::Setup(
                "no console URL to register at the provider".into(),
            ));
        };
        let redirect_uri = format!("{first_console}/auth/callback");
        let mut command = Command::new(options.scripts_dir.join("oidc/start.sh"));
        command
            .arg("--dir")
            .arg(&oidc_dir)
            .args(["--port", &oidc_port.to_string()]);
        for console in &consoles {
            command
                .args(["--redirect-uri", &format!("{console}/auth/callback")])
                .args([
                    "--post-logout-redirect-uri",
                    &format!("{console}/signed-out"),
                ]);
        }
        tracing::info!(port = oidc_port, "starting the OIDC provider");
        let reports = oidc_dir.join("reports");
        std::fs::create_dir_all(&reports)?;
        // A diagnostic report (the JavaScript stack, libuv handles, resources) on SIGUSR2, for
        // a provider that does not become ready: the error then says what it was doing.
        command.env(
            "NODE_OPTIONS",
            format!(
                "--report-on-signal --report-signal=SIGUSR2 --report-directory={}",
                reports.display()
            ),
        );
        let provider_started = Instant::now();
        let log = dir.join("oidc.log");
        let (mut oidc, _oidc_lines) = Child::spawn("OIDC provider", command, &log)?;
        let issuer = format!("https://127.0.0.1:{oidc_port}");
        let ca_file = oidc_dir.join("ca.crt");
        wait_for_discovery(
            &mut oidc,
            &issuer,
            &ca_file,
            &log,
            &reports,
            options.oidc_ready_within,
        )
        .await?;
        tracing::info!(
            seconds = provider_started.elapsed().as_secs_f64(),
            "the OIDC provider answers its discovery URL"
        );
        let provider = Provider {
            issuer,
            ca_file,
            client_id: "registry-console".to_string(),
            client_secret_file: oidc_dir.join("client-secret"),
            redirect_uri,
        };

        // 2. Kubelet endpoint certificates and ports, known before the API server starts.
        let tls = kubelet::make_tls()?;
        let kubelet_ca = kubelet::ca_path(dir);
        std::fs::write(&kubelet_ca, &tls.ca_pem)?;
        let listeners = kubelet::bind()?;
        let kubelet_port = listeners.kubelet.local_addr()?.port();
        let registry_port = listeners.registry.local_addr()?.port();
        let pod_endpoint = listeners.pod.as_ref().and_then(|l| l.local_addr().ok());

        // 3. etcd + kube-apiserver.
        let cluster_dir = dir.join("cluster");
        let _ = std::fs::remove_file(cluster_dir.join("ready"));
        let mut command = Command::new(options.scripts_dir.join("cluster/start.sh"));
        command
            .arg("--dir")
            .arg(&cluster_dir)
            .env("OIDC_ISSUER_URL", &provider.issuer)
            .env("OIDC_CA_FILE", &provider.ca_file)
            .env("OIDC_CLIENT_ID", &provider.client_id)
            .env("OIDC_USERNAME_CLAIM", "sub")
            .env(
                "EXTRA_APISERVER_ARGS",
                format!(
                    "--kubelet-certificate-authority={} --kubelet-preferred-address-types=InternalIP",
                    kubelet_ca.display()
                ),
            );
        tracing::info!(
            "starting etcd and kube-apiserver (the first run builds kube-apiserver: minutes)"
        );
        let (mut cluster, _lines) =
            Child::spawn("etcd + kube-apiserver", command, &dir.join("cluster.log"))?;
        let ready = wait_for_file(
            &mut cluster,
            &cluster_dir.join("ready"),
            Duration::from_secs(1500),
        )?;
        let kubeconfig = PathBuf::from(ready.get("KUBECONFIG").cloned().unwrap_or_default());
        let apiserver_url = ready.get("APISERVER_URL").cloned().unwrap_or_default();
        let apiserver_ca_file = PathBuf::from(ready.get("CA_FILE").cloned().unwrap_or_default());

        let client = admin_client(&kubeconfig).await?;

        // 4. Content of a fresh install.
        content::install_crds(&client, &options.crds_dir).await?;
        // The CRDs the console only reads (the platform and the ingress domain).
        content::install_crds(&client, &options.crds_dir.join("read-only")).await?;
        content::install_objects(&client).await?;
        content::install_platform(&client, INGRESS_DOMAIN).await?;

        // 5. The real parts under the registry: the S3 server, the pods' runtime (Debian's
        //    docker-registry), the front that authorizes pulls and pushes with the API
        //    server, and the router (HAProxy) for the Routes.
        let s3 = crate::s3::start(&dir.join("s3")).await?;
        let (hosts_file, resolv_file, config_file) =
            crate::runtime::prepare(dir, &[("127.0.0.1", crate::s3::S3_HOST)])?;
        let version = crate::runtime::registry_version();
        let table = crate::runtime::PodTable::default();
        let pod_ip = pod_endpoint
            .map(|e| e.ip().to_string())
            .unwrap_or_else(|| "127.0.0.1".into());
        let front = crate::front::start(client.clone(), table.clone(), version.clone()).await?;
        // Clients follow the registry's redirects to the S3 server (presigned URLs).
        let s3_host = (s3.addr.ip(), crate::s3::S3_HOST.to_string());
        let router =
            crate::router::Router::start(dir, INGRESS_DOMAIN, front, vec![s3_host]).await?;
        let router_address = router.address;
        let ingress_ca_file = router.ingress_ca.clone();

        // 6. Kubelet + registry endpoints, then the operator.
        let mut tasks = Vec::new();
        {
            let client = client.clone();
            let table = table.clone();
            let version = version.clone();
            tasks.push(tokio::spawn(async move {
                if let Err(e) = kubelet::serve(client, &tls, listeners, table, version).await {
                    tracing::error!(error = %e, "sandbox kubelet stopped");
                }
            }));
        }
        kubelet::register_node(&client, kubelet_port).await?;
        tasks.push(tokio::spawn(crate::runtime::run(
            crate::runtime::Settings {
                client: client.clone(),
                state_dir: dir.clone(),
                node_name: kubelet::NODE_NAME.to_string(),
                pod_ip,
                hosts_file,
                resolv_file,
                config_file,
                table: table.clone(),
            },
        )));
        tasks.push(tokio::spawn(router.follow_routes(client.clone())));
        let operator = Operator::new(
            client.clone(),
            Settings {
                domain: INGRESS_DOMAIN.to_string(),
                node_name: kubelet::NODE_NAME.to_string(),
                pod_endpoint,
                s3: Some(s3.clone()),
            },
        );
        tasks.push(tokio::spawn(operator.run()));
        tasks.push(tokio::spawn(crate::volumes::run(client.clone())));
        tasks.push(tokio::spawn(crate::pruner::run(client.clone())));

        // 7. The API server's OIDC authenticator needs a few seconds after start.
        wait_for_oidc_authentication(&provider, &apiserver_url, &apiserver_ca_file).await?;

        let info = Info {
            dir: dir.clone(),
            kubeconfig,
            apiserver_url,
            apiserver_ca_file,
            oidc: provider,
            registry_metrics_url: format!(
                "https://127.0.0.1:{registry_port}/extensions/v2/metrics"
            ),
            registry_ca_file: kubelet_ca,
            router_address,
            ingress_ca_file,
            s3,
            front,
            startup_seconds: started.elapsed().as_secs_f64(),
        };
        // Before sandbox.env: its presence tells scripts the sandbox is ready.
        write_sample_route_tls(dir)?;
        write_env_file(&info)?;
        Ok(Sandbox {
            info,
            tasks,
            cluster,
            oidc,
        })
    }

    /// Stops everything (also done on drop).
    pub fn stop(mut self) {
        self.stop_tasks();
        self.cluster.stop(Duration::from_secs(15));
        self.oidc.stop(Duration::from_secs(5));
    }

    fn stop_tasks(&mut self) {
        for task in self.tasks.drain(..) {
            task.abort();
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.stop_tasks();
    }
}

/// A client with the sandbox's admin credentials.
pub async fn admin_client(kubeconfig: &Path) -> Result<kube::Client> {
    let config = kube::config::Kubeconfig::read_from(kubeconfig)
        .map_err(|e| Error::Setup(format!("kubeconfig {}: {e}", kubeconfig.display())))?;
    let config = kube::Config::from_custom_kubeconfig(config, &Default::default())
        .await
        .map_err(|e| Error::Setup(format!("kubeconfig {}: {e}", kubeconfig.display())))?;
    Ok(kube::Client::try_from(config)?)
}

/// Writes `<dir>/impersonator.kubeconfig`: the console's service account (which may only
/// impersonate) with a fresh token from the TokenRequest API, valid for an hour.
pub async fn impersonator_kubeconfig(info: &Info) -> Result<PathBuf> {
    let admin = admin_client(&info.kubeconfig).await?;
    let token = crate::client::service_account_token(
        &admin,
        crate::content::CONSOLE_NAMESPACE,
        crate::content::CONSOLE_SERVICE_ACCOUNT,
    )
    .await?
    .token;
    let path = info.dir.join("impersonator.kubeconfig");
    let kubeconfig = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: sandbox\n  cluster:\n    server: {server}\n    certificate-authority: {ca}\nusers:\n- name: registry-console\n  user:\n    token: {token}\ncontexts:\n- name: registry-console\n  context:\n    cluster: sandbox\n    user: registry-console\ncurrent-context: registry-console\n",
        server = info.apiserver_url,
        ca = info.apiserver_ca_file.display(),
    );
    std::fs::write(&path, kubeconfig)?;
    Ok(path)
}

/// A client that authenticates with a bearer token (an OIDC ID token) and trusts `ca_file`.
pub fn token_client(apiserver_url: &str, ca_file: &Path, token: &str) -> Result<kube::Client> {
    let mut config = kube::Config::new(
        apiserver_url
            .parse()
            .map_err(|e| Error::Setup(format!("API server URL: {e}")))?,
    );
    let pem = std::fs::read(ca_file)?;
    config.root_cert = Some(pem_certificates(&pem));
    config.auth_info.token = Some(token.to_string().into());
    Ok(kube::Client::try_from(config)?)
}

/// DER bytes of every certificate in a PEM bundle.
fn pem_certificates(pem: &[u8]) -> Vec<Vec<u8>> {
    use base64::Engine;
    let text = String::from_utf8_lossy(pem);
    let mut out = Vec::new();
    let mut current = String::new();
    let mut inside = false;
    for line in text.lines() {
        if line.starts_with("-----BEGIN CERTIFICATE-----") {
            inside = true;
            current.clear();
        } else if line.starts_with("-----END CERTIFICATE-----") {
            inside = false;
            if let Ok(der) = base64::engine::general_purpose::STANDARD.decode(current.trim()) {
                out.push(der);
            }
        } else if inside {
            current.push_str(line.trim());
        }
    }
    out
}

fn wait_for_file(
    child: &mut Child,
    path: &Path,
    timeout: Duration,
) -> Result<HashMap<String, String>> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Ok(text) = std::fs::read_to_string(path) {
            let values: HashMap<String, String> = text
                .lines()
                .filter_map(|l| l.split_once('='))
                .map(|(k, v)| {
                    (
                        k.trim().to_string(),
                        v.trim().trim_matches(['"', '\'']).to_string(),
                    )
                })
                .collect();
            if values.contains_key("KUBECONFIG") && values.contains_key("APISERVER_URL") {
                return Ok(values);
            }
        }
        if let Some(status) = child.exited() {
            return Err(Error::Setup(format!(
                "etcd + kube-apiserver exited ({status}) before they were ready; see {}",
                path.parent().unwrap_or(path).display()
            )));
        }
        if Instant::now() > deadline {
            return Err(Error::Setup(
                "etcd + kube-apiserver not ready in time".into(),
            ));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// How long the OIDC provider may take to answer its discovery URL (it takes about a
/// second here, cold caches included).
pub const OIDC_READY_WITHIN: Duration = Duration::from_secs(90);

/// Waits until the provider answers `<issuer>/.well-known/openid-configuration` with its
/// own issuer: the provider is ready when it serves, whatever it prints. Fails early when
/// it exits; on time out, asks it for a diagnostic report and says what it was doing, with
/// its own output.
async fn wait_for_discovery(
    child: &mut Child,
    issuer: &str,
    ca_file: &Path,
    log: &Path,
    reports: &Path,
    within: Duration,
) -> Result<()> {
    let url = format!("{issuer}/.well-known/openid-configuration");
    let deadline = Instant::now() + within;
    let mut last = String::from("no answer yet");
    loop {
        if let Some(status) = child.exited() {
            return Err(Error::Setup(format!(
                "the OIDC provider exited ({status}) before it was ready; its output:\n{}",
                tail(log, 40)
            )));
        }
        // The CA appears when start.sh has made it; until then there is nothing to trust.
        if ca_file.exists() {
            match crate::oidc_login::http_client(ca_file) {
                Ok(http) => match http.get(&url).timeout(Duration::from_secs(2)).send().await {
                    Ok(response) if response.status().is_success() => {
                        let body: serde_json::Value = response.json().await.unwrap_or_default();
                        if body["issuer"] == issuer {
                            return Ok(());
                        }
                        last = format!("the discovery document names issuer {}", body["issuer"]);
                    }
                    Ok(response) => last = format!("{url} answered {}", response.status()),
                    Err(e) => last = format!("{url}: {e}"),
                },
                Err(e) => last = format!("the provider's CA {}: {e}", ca_file.display()),
            }
        }
        if Instant::now() > deadline {
            return Err(Error::Setup(format!(
                "the OIDC provider did not answer {url} within {} s (last: {last}); {}; its output:\n{}",
                within.as_secs(),
                what_it_was_doing(child, reports).await,
                tail(log, 40)
            )));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What a provider that does not answer was doing: its scheduler state and kernel wait
/// channel, and the JavaScript stack from the diagnostic report it writes on SIGUSR2.
async fn what_it_was_doing(child: &Child, reports: &Path) -> String {
    let pid = child.id();
    let proc_file = |name: &str| {
        std::fs::read_to_string(format!("/proc/{pid}/{name}"))
            .map(|t| t.trim().to_string())
            .unwrap_or_else(|e| format!("({e})"))
    };
    let state = proc_file("status")
        .lines()
        .find(|l| l.starts_with("State:"))
        .unwrap_or("State: unknown")
        .to_string();
    let wchan = proc_file("wchan");
    child.signal(libc::SIGUSR2);
    let mut stack = String::from("no diagnostic report");
    for _ in 0..30 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let report = std::fs::read_dir(reports)
            .into_iter()
            .flatten()
            .flatten()
            .find(|e| e.file_name().to_string_lossy().ends_with(".json"));
        if let Some(report) = report
            && let Ok(text) = std::fs::read_to_string(report.path())
            && let Ok(json) = serde_json::from_str::<serde_json::Value>(&text)
        {
            // Idle in the event loop, the stack is empty: the live handles then say what it
            // waits for (a listening server, a timer, a child process).
            let handles: Vec<String> = json["libuv"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|h| h["is_active"] == true)
                .filter_map(|h| h["type"].as_str().map(str::to_string))
                .collect();
            stack = format!(
                "JavaScript stack: {}; active handles: {}; report {}",
                json["javascriptStack"]["stack"],
                handles.join(", "),
                report.path().display()
            );
            break;
        }
    }
    format!(
        "pid {pid} {state}, waiting in {wchan}; {stack}; native stacks: {}",
        native_stacks(pid)
    )
}

/// The native stacks of every thread of `pid`, from gdb when the machine has it (the
/// JavaScript stack says nothing when the main thread is stuck outside JavaScript).
fn native_stacks(pid: u32) -> String {
    let out = Command::new("gdb")
        .args([
            "-p",
            &pid.to_string(),
            "-batch",
            "-ex",
            "set pagination off",
            "-ex",
            "thread apply all bt 25",
        ])
        .output();
    match out {
        Ok(out) => {
            let text = String::from_utf8_lossy(&out.stdout);
            let frames: Vec<&str> = text
                .lines()
                .filter(|l| l.starts_with("Thread ") || l.starts_with('#'))
                .collect();
            if frames.is_empty() {
                "none (gdb could not attach)".to_string()
            } else {
                format!("\n{}", frames.join("\n"))
            }
        }
        Err(e) => format!("none (gdb: {e})"),
    }
}

/// The last `lines` lines of a log file.
fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

async fn wait_for_oidc_authentication(
    provider: &Provider,
    apiserver_url: &str,
    ca_file: &Path,
) -> Result<()> {
    let tokens = crate::oidc_login::sign_in(provider, "admin", "admin-password").await?;
    let client = token_client(apiserver_url, ca_file, &tokens.id_token)?;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match client.apiserver_version().await {
            Ok(_) => {
                // /version is public; prove the token is accepted on a protected path.
                let namespaces: kube::Api<k8s_openapi::api::core::v1::Namespace> =
                    kube::Api::all(client.clone());
                match namespaces.get("openshift-image-registry").await {
                    Ok(_) => return Ok(()),
                    Err(kube::Error::Api(s)) if s.code == 401 => {}
                    Err(e) => {
                        return Err(Error::Setup(format!(
                            "OIDC admin cannot read namespaces: {e}"
                        )));
                    }
                }
            }
            Err(e) => tracing::debug!(error = %e, "API server not answering yet"),
        }
        if Instant::now() > deadline {
            return Err(Error::Setup(
                "the API server does not accept OIDC tokens after 60 s".into(),
            ));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The host of the sample route certificate, in the sandbox's apps domain.
pub const SAMPLE_ROUTE_HOST: &str = "registry.apps.sandbox.example";

/// A certificate to try the exposure wizard and CA trust with (by hand, and in the browser
/// tests): `<dir>/sample-route-tls/` holds `tls.crt` and `tls.key` for
/// [`SAMPLE_ROUTE_HOST`], and `ca.crt`, the private CA that issued it. Sandbox only.
fn write_sample_route_tls(dir: &Path) -> Result<()> {
    let tls = kubelet::issue("Sandbox sample registry CA", &[SAMPLE_ROUTE_HOST], &[])?;
    let out = dir.join("sample-route-tls");
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join("tls.crt"), &tls.cert_pem)?;
    std::fs::write(out.join("tls.key"), &tls.key_pem)?;
    std::fs::write(out.join("ca.crt"), &tls.ca_pem)?;
    Ok(())
}

fn write_env_file(info: &Info) -> Result<()> {
    let text = format!(
        "# Written by registry-console-sandbox; sandbox only.\n\
SANDBOX_DIR={}\n\
KUBECONFIG={}\n\
APISERVER_URL={}\n\
APISERVER_CA_FILE={}\n\
OIDC_ISSUER_URL={}\n\
OIDC_CA_FILE={}\n\
OIDC_CLIENT_ID={}\n\
OIDC_CLIENT_SECRET_FILE={}\n\
REGISTRY_METRICS_URL={}\n\
REGISTRY_CA_FILE={}\n\
ROUTER_ADDRESS={}\n\
INGRESS_CA_FILE={}\n\
S3_ENDPOINT={}\n\
S3_ACCESS_KEY={}\n\
S3_SECRET_KEY={}\n\
KUBECTL={}\n\
STARTUP_SECONDS={:.1}\n",
        info.dir.display(),
        info.kubeconfig.display(),
        info.apiserver_url,
        info.apiserver_ca_file.display(),
        info.oidc.issuer,
        info.oidc.ca_file.display(),
        info.oidc.client_id,
        info.oidc.client_secret_file.display(),
        info.registry_metrics_url,
        info.registry_ca_file.display(),
        info.router_address,
        info.ingress_ca_file.display(),
        info.s3.endpoint(),
        crate::s3::ACCESS_KEY,
        crate::s3::SECRET_KEY,
        kubectl().display(),
        info.startup_seconds,
    );
    std::fs::write(info.dir.join("sandbox.env"), text)?;
    Ok(())
}
