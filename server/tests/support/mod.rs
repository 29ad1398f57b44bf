#![allow(dead_code)]
//! Starting the console in-process for HTTP tests.

use registry_console::config;
use std::ffi::OsString;

/// Serves the console configured by `args` (as on the command line, without the program
/// name) on a free port of 127.0.0.1; returns its base URL.
pub async fn start_console(args: Vec<String>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    serve(listener, args).await
}

/// Serves the console configured by `args` on `listener`; returns its base URL.
async fn serve(listener: tokio::net::TcpListener, args: Vec<String>) -> String {
    let argv = std::iter::once("registry-console".to_string()).chain(args);
    let (_, loaded) = config::load(argv.map(OsString::from), Vec::new()).expect("config");
    let state = registry_console::build_state(loaded.config)
        .await
        .expect("state");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        axum::serve(
            listener,
            registry_console::router(state)
                .into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .expect("serve");
    });
    base
}

/// A console started against the shared sandbox (real API server and OIDC provider) on a
/// port whose callback the provider knows.
pub struct SandboxConsole {
    pub base: String,
    pub database: std::path::PathBuf,
    pub sandbox: &'static registry_console_sandbox::sandbox::Info,
    _dir: tempfile::TempDir,
}

impl SandboxConsole {
    /// A console started elsewhere (its own process) on a reserved port of the sandbox,
    /// keeping its data directory alive.
    pub fn external(base: String, dir: tempfile::TempDir) -> SandboxConsole {
        SandboxConsole {
            database: dir.path().join("registry-console.db"),
            base,
            sandbox: registry_console_sandbox::harness::shared(),
            _dir: dir,
        }
    }
}

/// Starts a console with sign-in configured for the shared sandbox, plus `extra` flags.
pub async fn start_sandbox_console(extra: &[&str]) -> SandboxConsole {
    start_sandbox_console_in(tempfile::tempdir().expect("temp dir"), extra).await
}

/// As [`start_sandbox_console`], with `dir` (which may hold files already) as its data
/// directory.
pub async fn start_sandbox_console_in(dir: tempfile::TempDir, extra: &[&str]) -> SandboxConsole {
    let sandbox = registry_console_sandbox::harness::shared();
    let listener = registry_console_sandbox::harness::console_listener();
    let port = listener.local_addr().expect("addr").port();
    let base = format!("http://127.0.0.1:{port}");
    let oidc = &sandbox.oidc;
    let mut args: Vec<String> = vec![
        "--data-dir".into(),
        dir.path().display().to_string(),
        "--public-url".into(),
        base.clone(),
        "--oidc-issuer-url".into(),
        oidc.issuer.clone(),
        "--oidc-client-id".into(),
        oidc.client_id.clone(),
        "--oidc-client-secret-file".into(),
        oidc.client_secret_file.display().to_string(),
        "--oidc-ca-file".into(),
        oidc.ca_file.display().to_string(),
        // The sandbox API server's --oidc-username-prefix and --oidc-groups-prefix.
        "--kube-username-prefix".into(),
        "oidc:".into(),
    ];
    if !extra.contains(&"--kubeconfig") {
        args.push("--kubeconfig".into());
        args.push(sandbox.kubeconfig.display().to_string());
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    listener.set_nonblocking(true).expect("non-blocking");
    let listener = tokio::net::TcpListener::from_std(listener).expect("the reserved port");
    serve(listener, args).await;
    SandboxConsole {
        base,
        database: dir.path().join("registry-console.db"),
        sandbox,
        _dir: dir,
    }
}

/// A browser stand-in: keeps cookies, does not follow redirects, trusts the provider's CA.
pub fn browser(sandbox: &registry_console_sandbox::sandbox::Info) -> reqwest::Client {
    let ca = std::fs::read(&sandbox.oidc.ca_file).expect("provider CA");
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        // A console that never answers fails the test instead of hanging it.
        .read_timeout(std::time::Duration::from_secs(60))
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).expect("CA"))
        .build()
        .expect("client")
}

/// What the provider sends back to the console for `user`, starting from the console's
/// `/auth/login` (the callback URL, not fetched yet).
pub async fn callback_url(
    console: &SandboxConsole,
    browser: &reqwest::Client,
    user: &str,
    return_to: &str,
) -> String {
    let response = browser
        .get(format!(
            "{}/auth/login?return_to={}",
            console.base,
            app::domain::return_to::encode_query_value(return_to)
        ))
        .send()
        .await
        .expect("login");
    assert_eq!(response.status(), 303, "login redirects to the provider");
    let authorize = response.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert!(
        authorize.starts_with(&console.sandbox.oidc.issuer),
        "{authorize}"
    );
    registry_console_sandbox::oidc_login::authorize(
        browser,
        &console.sandbox.oidc,
        &authorize,
        &format!("{}/auth/callback", console.base),
        user,
        &format!("{user}-password"),
    )
    .await
    .expect("provider sign-in")
}

/// Signs `user` in through the console; returns the browser and where the callback sent it.
pub async fn sign_in(
    console: &SandboxConsole,
    user: &str,
    return_to: &str,
) -> (reqwest::Client, String) {
    let browser = browser(console.sandbox);
    let callback = callback_url(console, &browser, user, return_to).await;
    let response = browser.get(&callback).send().await.expect("callback");
    assert_eq!(response.status(), 303, "callback redirects");
    let location = response.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_string();
    (browser, location)
}

/// The CSRF token a signed-in page carries in its `<meta name="csrf-token">`.
pub fn csrf_token(html: &str) -> String {
    html.split("name=\"csrf-token\" content=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the page carries a CSRF token")
        .to_string()
}

/// A signed-in user's browser on one page: its cookies and the page's CSRF token, for
/// calling server functions as the page does.
pub struct Browser {
    pub client: reqwest::Client,
    pub csrf: String,
}

impl Browser {
    /// Signs `user` in and opens `page`.
    pub async fn open(console: &SandboxConsole, user: &str, page: &str) -> Browser {
        let (client, _) = sign_in(console, user, page).await;
        let mut browser = Browser {
            client,
            csrf: String::new(),
        };
        browser.csrf = csrf_token(&browser.page(console, page).await);
        browser
    }

    /// The HTML of `page` as this user's browser gets it.
    pub async fn page(&self, console: &SandboxConsole, page: &str) -> String {
        self.client
            .get(format!("{}{page}", console.base))
            .send()
            .await
            .expect("page")
            .text()
            .await
            .expect("html")
    }

    /// Calls the server function `function` with a form body: status, JSON (or null) and
    /// the body as text.
    pub async fn call(
        &self,
        console: &SandboxConsole,
        function: &str,
        form: &[(&str, String)],
    ) -> (u16, serde_json::Value, String) {
        let response = self
            .client
            .post(format!("{}/api/{function}", console.base))
            .header("origin", &console.base)
            .header("x-csrf-token", &self.csrf)
            .form(form)
            .send()
            .await
            .expect("server function");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
            text,
        )
    }
}

/// The registry Config's API, as `client`.
pub fn configs(client: kube::Client) -> kube::Api<kube::api::DynamicObject> {
    kube::Api::all_with(
        client,
        &kube::core::ApiResource::from_gvk_with_plural(
            &kube::core::GroupVersionKind::gvk(
                "imageregistry.operator.openshift.io",
                "v1",
                "Config",
            ),
            "configs",
        ),
    )
}

/// The shared sandbox's cluster admin, for fixtures (never the console's identity).
pub async fn admin_kube() -> kube::Client {
    let sandbox = registry_console_sandbox::harness::shared();
    registry_console_sandbox::sandbox::admin_client(&sandbox.kubeconfig)
        .await
        .expect("admin client")
}

/// The registry Config as it is now.
pub async fn config_now(kube: &kube::Client) -> serde_json::Value {
    serde_json::to_value(configs(kube.clone()).get("cluster").await.expect("get")).expect("json")
}

/// Everything the console process logs (this test binary's global subscriber).
static LOG: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());

struct LogWriter;
impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut log) = LOG.lock() {
            log.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Sends everything the console process logs (this test binary's global subscriber, at
/// debug) to [`captured_log`], for canary searches.
pub fn capture_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("debug")
        .with_writer(|| LogWriter)
        .try_init();
}

/// Everything logged since [`capture_logs`].
pub fn captured_log() -> String {
    String::from_utf8_lossy(&LOG.lock().expect("log")).into_owned()
}

/// `group/version kind` (`plural`) as `kube`: in `ns`, or across the cluster.
pub fn dynamic_api(
    kube: &kube::Client,
    group: &str,
    version: &str,
    kind: &str,
    plural: &str,
    ns: Option<&str>,
) -> kube::Api<kube::api::DynamicObject> {
    let resource = kube::core::ApiResource::from_gvk_with_plural(
        &kube::core::GroupVersionKind::gvk(group, version, kind),
        plural,
    );
    match ns {
        Some(ns) => kube::Api::namespaced_with(kube.clone(), ns, &resource),
        None => kube::Api::all_with(kube.clone(), &resource),
    }
}

/// What `probe` finds, asked every 200 ms for up to 30 s (controllers act in their time).
pub async fn eventually<T>(what: &str, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
    for _ in 0..150 {
        if let Some(found) = probe().await {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    panic!("{what} never happened");
}

/// An object without its status, as it is validated against its CRD.
pub fn without_status(mut object: serde_json::Value) -> serde_json::Value {
    if let Some(map) = object.as_object_mut() {
        map.remove("status");
    }
    object
}

/// `object` must validate against the real CRD (`../shared/crds`).
pub fn valid(group: &str, kind: &str, object: &serde_json::Value) {
    let problems = registry_console::change::crds::validate_object(group, "v1", kind, object);
    assert!(problems.is_empty(), "{kind} invalid: {problems:?}");
}

/// Waits until the outside-change recorder's baseline of the registry Config has reached
/// `generation`: everything up to it has been decided (an outside event is written before
/// the baseline moves).
pub async fn baseline_reaches(db: &registry_console::db::Db, generation: i64) {
    use registry_console::audit::outside;
    eventually("the outside-change baseline", async || {
        let key = outside::BaselineKey {
            resource: outside::WATCHED[0].resource(),
            namespace: String::new(),
            name: "cluster".into(),
        };
        let baseline = outside::load_baseline(db, &key).await.expect("baseline");
        baseline.filter(|b| b.seen.generation >= generation)
    })
    .await;
}
