//! The server over real HTTP: health, readiness, metrics, security headers, language
//! negotiation and the shell, each against a real SQLite file.

mod support;

use std::io::Write;
use std::path::Path;

struct Server {
    base: String,
    _dir: tempfile::TempDir,
}

/// A kubeconfig for an API server that is not there (connection refused at once).
fn unreachable_kubeconfig(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("kubeconfig");
    let mut f = std::fs::File::create(&path).expect("create kubeconfig");
    f.write_all(
        b"apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\n    insecure-skip-tls-verify: true\nusers:\n- name: u\n  user:\n    token: not-a-real-token\ncontexts:\n- name: x\n  context:\n    cluster: c\n    user: u\ncurrent-context: x\n",
    )
    .expect("write kubeconfig");
    path
}

async fn start_with(extra: &[&str], prepare: impl FnOnce(&Path) -> Vec<String>) -> Server {
    let dir = tempfile::tempdir().expect("temp dir");
    let kubeconfig = unreachable_kubeconfig(dir.path());
    let mut args: Vec<String> = vec![
        "--listen-addr".into(),
        "127.0.0.1:0".into(),
        "--data-dir".into(),
        dir.path().display().to_string(),
        "--kubeconfig".into(),
        kubeconfig.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    args.extend(prepare(dir.path()));
    Server {
        base: support::start_console(args).await,
        _dir: dir,
    }
}

async fn start() -> Server {
    start_with(&[], |_| Vec::new()).await
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

#[tokio::test]
async fn healthz_answers_with_request_id_and_security_headers() {
    let server = start().await;
    let response = client()
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), 200);
    let h = response.headers();
    let id = h
        .get("x-request-id")
        .expect("request id")
        .to_str()
        .expect("ascii");
    assert_eq!(id.len(), 36, "a UUID: {id}");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "same-origin");
    let csp = h["content-security-policy"].to_str().expect("ascii");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(
        !csp.contains("nonce-"),
        "JSON responses need no script nonce: {csp}"
    );
    assert!(
        h.get("strict-transport-security").is_none(),
        "plain http: no HSTS"
    );
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn request_ids_are_generated_never_taken_from_the_client() {
    let server = start().await;
    let response = client()
        .get(format!("{}/healthz", server.base))
        .header("x-request-id", "forged")
        .send()
        .await
        .expect("get");
    assert_ne!(response.headers()["x-request-id"], "forged");
}

#[tokio::test]
async fn readyz_names_the_unreachable_kubernetes_api() {
    let server = start().await;
    let response = client()
        .get(format!("{}/readyz", server.base))
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["ready"], false);
    let checks = body["checks"].as_array().expect("checks");
    let database = checks
        .iter()
        .find(|c| c["name"] == "database")
        .expect("database check");
    let kubernetes = checks
        .iter()
        .find(|c| c["name"] == "kubernetes")
        .expect("kubernetes check");
    assert_eq!(database["ok"], true, "{body}");
    assert_eq!(kubernetes["ok"], false, "{body}");
    let error = kubernetes["error"].as_str().expect("error text");
    assert!(
        error.contains("https://127.0.0.1:1"),
        "names the API server: {error}"
    );
    assert!(
        !error.contains("not-a-real-token"),
        "never leaks the credential: {error}"
    );
}

#[tokio::test]
async fn readyz_names_a_database_that_refuses_writes() {
    // A real read-only database: created and migrated first, then opened with mode=ro.
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("ro.db");
    let url = format!("sqlite://{}", file.display());
    registry_console::db::open(&url)
        .await
        .expect("create and migrate")
        .close()
        .await;
    let ro_url = format!("{url}?mode=ro");
    let server = start_with(&["--database-url", &ro_url], |_| Vec::new()).await;
    let response = client()
        .get(format!("{}/readyz", server.base))
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.expect("json");
    let database = body["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["name"] == "database")
        .expect("database check")
        .clone();
    assert_eq!(database["ok"], false, "{body}");
    assert!(
        database["error"]
            .as_str()
            .expect("error")
            .contains("readonly"),
        "{body}"
    );
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_kubernetes_calls_by_outcome() {
    // Without the outside-change recorder, whose Lease requests would add to the counts.
    let server = start_with(&["--audit-record-outside-changes=false"], |_| Vec::new()).await;
    let c = client();
    for _ in 0..3 {
        c.get(format!("{}/healthz", server.base))
            .send()
            .await
            .expect("get");
    }
    c.get(format!("{}/readyz", server.base))
        .send()
        .await
        .expect("get");
    c.get(format!("{}/no/such/page", server.base))
        .send()
        .await
        .expect("get");
    let response = c
        .get(format!("{}/metrics", server.base))
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("application/openmetrics-text")
    );
    let text = response.text().await.expect("text");
    assert!(
        text.contains(
            r#"registry_console_http_requests_total{method="GET",route="/healthz",status="200"} 3"#
        ),
        "{text}"
    );
    assert!(
        text.contains(
            r#"registry_console_http_requests_total{method="GET",route="/readyz",status="503"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains(
            r#"registry_console_http_requests_total{method="GET",route="unmatched",status="303"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains("registry_console_http_request_duration_seconds_bucket"),
        "{text}"
    );
    assert!(
        text.contains(
            r#"registry_console_kubernetes_requests_total{verb="get",outcome="transport_error"} 1"#
        ),
        "{text}"
    );
}

#[tokio::test]
async fn shell_renders_with_a_nonce_that_matches_the_policy() {
    let server = start().await;
    let response = client()
        .get(format!("{}/sign-in", server.base))
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), 200);
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_string();
    assert_eq!(response.headers()["cache-control"], "no-store");
    let html = response.text().await.expect("html");
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce in the policy");
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "the page's inline scripts carry the policy's nonce"
    );
    // A page without islands is complete as rendered: it loads no script and no WASM.
    assert!(
        !html.contains("/pkg/registry_console.js") && !html.contains(".wasm"),
        "no bundle on a page without islands: {html}"
    );
    assert!(html.contains("<html lang=\"en\""), "English by default");
    assert!(
        html.contains("href=\"/auth/login?return_to=/\""),
        "offers sign-in: {html}"
    );
    for page in app::domain::page::Page::ALL {
        assert!(
            !html.contains(&format!("href=\"{}\" aria-current", page.path())),
            "no navigation before sign-in"
        );
    }
}

#[tokio::test]
async fn language_follows_accept_language_then_the_cookie() {
    let server = start().await;
    let c = client();
    let ja = c
        .get(format!("{}/sign-in", server.base))
        .header("accept-language", "ja-JP,ja;q=0.9,en;q=0.5")
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("html");
    assert!(ja.contains("<html lang=\"ja\""), "Accept-Language ja");
    assert!(ja.contains("<h1>サインイン"), "{ja}");
    let en = c
        .get(format!("{}/sign-in", server.base))
        .header("accept-language", "ja")
        .header("cookie", "rc_lang=en")
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("html");
    assert!(
        en.contains("<html lang=\"en\""),
        "the remembered choice wins"
    );
    assert!(en.contains("<h1>Sign in"));
}

#[tokio::test]
async fn language_switch_sets_the_cookie_and_never_redirects_off_site() {
    let server = start().await;
    let c = client();
    let response = c
        .get(format!(
            "{}/lang/ja?return_to=%2Fpruner%3Fx%3D1",
            server.base
        ))
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/pruner?x=1");
    let cookie = response.headers()["set-cookie"].to_str().expect("ascii");
    assert!(cookie.starts_with("rc_lang=ja;"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    for evil in [
        "https%3A%2F%2Fevil.example%2F",
        "%2F%2Fevil.example",
        "%2F%5Cevil.example",
    ] {
        let response = c
            .get(format!("{}/lang/en?return_to={evil}", server.base))
            .send()
            .await
            .expect("get");
        assert_eq!(response.headers()["location"], "/", "{evil}");
    }
    let response = c
        .get(format!("{}/lang/fr", server.base))
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), 404);
    assert!(response.headers().get("set-cookie").is_none());
}

#[tokio::test]
async fn anonymous_page_requests_go_to_sign_in_and_server_functions_get_401() {
    let server = start().await;
    let c = client();
    for path in ["/", "/nowhere?x=1", "/audit"] {
        let target = app::domain::return_to::encode_query_value(path);
        let response = c
            .get(format!("{}{path}", server.base))
            .send()
            .await
            .expect("get");
        assert_eq!(response.status(), 303, "{path}");
        assert_eq!(
            response.headers()["location"],
            format!("/sign-in?reason=required&return_to={target}").as_str()
        );
    }
    // Server functions answer with the typed error the UI turns into "sign in again".
    let response = c
        .post(format!("{}/api/my_access", server.base))
        .header("origin", &server.base)
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 401);
    assert_eq!(response.text().await.expect("body"), "\"SignInRequired\"");
    // The sign-in page and probes stay public.
    for path in ["/sign-in", "/signed-out", "/healthz"] {
        let response = c
            .get(format!("{}{path}", server.base))
            .send()
            .await
            .expect("get");
        assert_eq!(response.status(), 200, "{path}");
    }
}

#[tokio::test]
async fn https_public_url_adds_hsts_and_secure_cookies() {
    let server = start_with(&["--public-url", "https://console.example"], |_| Vec::new()).await;
    let c = client();
    let response = c
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .expect("get");
    assert_eq!(
        response.headers()["strict-transport-security"],
        "max-age=31536000"
    );
    let response = c
        .get(format!("{}/lang/ja", server.base))
        .send()
        .await
        .expect("get");
    let cookie = response.headers()["set-cookie"].to_str().expect("ascii");
    assert!(cookie.contains("; Secure"), "{cookie}");
}

/// With `--site-root`, pages name the site's files under `/assets/<hash>/`, and they are
/// served from that directory, never cached long (they may change while the console
/// runs); another hash, or a path out of the directory, is 404.
#[tokio::test]
async fn site_files_are_served_from_the_site_root_under_its_hash() {
    let server = start_with(&[], |dir| {
        let site = dir.join("site");
        std::fs::create_dir_all(site.join("pkg")).expect("mkdir");
        std::fs::write(
            site.join("pkg/registry_console_bg.wasm"),
            b"\0asm\x01\0\0\0",
        )
        .expect("write");
        std::fs::write(site.join("pkg/registry_console.css"), b"body {}").expect("write");
        std::fs::write(dir.join("secret.txt"), b"outside the site").expect("write");
        vec!["--site-root".into(), site.display().to_string()]
    })
    .await;
    let page = client()
        .get(format!("{}/sign-in", server.base))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    let css = page
        .split('"')
        .find(|part| part.starts_with("/assets/") && part.ends_with("/pkg/registry_console.css"))
        .unwrap_or_else(|| panic!("no stylesheet link in {page}"))
        .to_string();
    let get = |path: String| {
        let url = format!("{}{path}", server.base);
        async move { client().get(url).send().await.expect("get") }
    };
    let response = get(css.clone()).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/css");
    assert_eq!(response.headers()["cache-control"], "no-cache");
    let wasm = get(css.replace("registry_console.css", "registry_console_bg.wasm")).await;
    assert_eq!(wasm.status(), 200);
    assert_eq!(wasm.headers()["content-type"], "application/wasm");
    assert_eq!(wasm.headers()["x-content-type-options"], "nosniff");
    let hash = css.split('/').nth(2).expect("hash");
    for path in [
        css.replace(hash, "0000000000000000"),
        css.replace("pkg/registry_console.css", "..%2Fsecret.txt"),
        css.replace("pkg/registry_console.css", "pkg/%2E%2E/%2E%2E/secret.txt"),
    ] {
        assert_eq!(get(path.clone()).await.status(), 404, "{path}");
    }
}

/// A submission larger than the console accepts gets 413 with the limit, as the error a
/// page shows, announced or streamed; nothing decodes it.
#[tokio::test]
async fn oversized_requests_get_413_with_the_limit() {
    let server = start().await;
    let limit = registry_console::http::body_limit::MAX_REQUEST_BYTES;
    let big = "x".repeat(limit + 1);
    let announced = client()
        .post(format!("{}/api/preview_change", server.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("draft={big}"))
        .send()
        .await
        .expect("post");
    assert_eq!(announced.status(), 413);
    let error: app::api::error::ConsoleError = announced.json().await.expect("typed error");
    assert_eq!(
        error,
        app::api::error::ConsoleError::TooLarge {
            limit: limit as u64
        }
    );
    // Streamed without a Content-Length: cut off at the limit all the same.
    let chunks = futures::stream::iter(
        (0..40).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![b'x'; 64 * 1024]))),
    );
    let streamed = client()
        .post(format!("{}/api/apply_change", server.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .expect("post");
    assert_eq!(streamed.status(), 413);
    // A normal request is untouched (refused for lack of a session, not for its size).
    let small = client()
        .post(format!("{}/api/preview_change", server.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("draft=%7B%7D")
        .send()
        .await
        .expect("post");
    assert_eq!(small.status(), 401);
}
