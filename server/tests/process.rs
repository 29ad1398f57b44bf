//! The real binary as an operator runs it: migrations at start, a failed migration stopping
//! it, configuration errors, JSON logs with request ids, and graceful shutdown on signals.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BINARY: &str = env!("CARGO_BIN_EXE_registry-console");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// The console with a clean environment (no inherited `REGISTRY_CONSOLE_*`, no cluster).
fn console(dir: &std::path::Path, port: u16) -> Command {
    let mut command = Command::new(BINARY);
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .args(["--listen-addr", &format!("127.0.0.1:{port}")])
        .args(["--data-dir", &dir.display().to_string()])
        .stdin(Stdio::null());
    command
}

fn wait_until_serving(port: u16, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("console exited early: {status}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("console did not listen within 30 s");
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
}

fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("console did not stop within 15 s of the signal");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn get(port: u16, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    response
}

#[test]
fn json_logs_carry_the_request_id_and_sigterm_stops_gracefully() {
    let dir = tempfile::tempdir().expect("dir");
    let port = free_port();
    let mut child = console(dir.path(), port)
        .args(["--log-format", "json", "--log-level", "debug"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    wait_until_serving(port, &mut child);
    let response = get(port, "/healthz");
    let request_id = response
        .lines()
        .find_map(|l| l.strip_prefix("x-request-id: "))
        .expect("x-request-id header")
        .trim()
        .to_string();
    signal(&child, "TERM");
    let status = wait_exit(&mut child);
    assert!(status.success(), "graceful exit: {status}");

    let stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map_while(Result::ok)
        .map(|l| serde_json::from_str(&l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let of_request: Vec<_> = lines
        .iter()
        .filter(|l| l["span"]["request_id"] == request_id.as_str())
        .collect();
    assert!(
        of_request
            .iter()
            .any(|l| l["message"] == "served" && l["status"] == 200),
        "the access line carries the request id: {lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l["message"] == "SIGTERM received, shutting down"),
        "{lines:#?}"
    );
    assert!(
        lines.iter().any(|l| l["message"] == "stopped"),
        "{lines:#?}"
    );
}

#[test]
fn sigint_stops_gracefully_too() {
    let dir = tempfile::tempdir().expect("dir");
    let port = free_port();
    let mut child = console(dir.path(), port)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    wait_until_serving(port, &mut child);
    signal(&child, "INT");
    assert!(wait_exit(&mut child).success());
}

#[test]
fn a_failed_migration_stops_the_server_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("registry-console.db");
    // Make the first migration's table exist already: applying it must fail.
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        use sqlx::ConnectOptions;
        let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&db)
            .create_if_missing(true)
            .connect()
            .await
            .expect("create database");
        sqlx::query("CREATE TABLE health_probe (x)")
            .execute(&mut conn)
            .await
            .expect("create table");
    });
    let output = console(dir.path(), free_port()).output().expect("run");
    assert!(!output.status.success(), "must not start");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("database migration failed"), "{stderr}");
    assert!(
        stderr.contains("health_probe"),
        "names what failed: {stderr}"
    );
}

#[test]
fn an_edited_applied_migration_is_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let url = format!("sqlite://{}/registry-console.db", dir.path().display());
    rt.block_on(async {
        let registry_console::db::Db::Sqlite(pool) = registry_console::db::open(&url)
            .await
            .expect("fresh database migrates")
        else {
            unreachable!("a sqlite:// URL opens SQLite")
        };
        sqlx::query("UPDATE _sqlx_migrations SET checksum = x'00'")
            .execute(&pool)
            .await
            .expect("tamper");
        pool.close().await;
        let err = registry_console::db::open(&url)
            .await
            .expect_err("checksum mismatch");
        assert!(
            err.to_string().contains("database migration failed"),
            "{err}"
        );
    });
}

#[test]
fn fresh_database_is_migrated_in_wal_mode() {
    let dir = tempfile::tempdir().expect("dir");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let url = format!("sqlite://{}/nested/dir/console.db", dir.path().display());
        let db = registry_console::db::open(&url).await.expect("open");
        let registry_console::db::Db::Sqlite(pool) = db.clone() else {
            unreachable!("a sqlite:// URL opens SQLite")
        };
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&pool)
            .await
            .expect("pragma");
        assert_eq!(mode, "wal");
        let applied: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
                .fetch_one(&pool)
                .await
                .expect("migrations table");
        assert_eq!(
            applied as usize,
            registry_console::db::SQLITE_MIGRATOR.iter().count()
        );
        registry_console::db::probe_write(&db)
            .await
            .expect("writable");
        registry_console::db::probe_write(&db)
            .await
            .expect("idempotent");
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM health_probe")
            .fetch_one(&pool)
            .await
            .expect("count");
        assert_eq!(rows, 1);
    });
}

#[test]
fn configuration_errors_exit_2_naming_the_problem() {
    let dir = tempfile::tempdir().expect("dir");
    let output = console(dir.path(), free_port())
        .env("REGISTRY_CONSOLE_LISTEN_ADR", "x")
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("unknown environment variable REGISTRY_CONSOLE_LISTEN_ADR"),
        "{stderr}"
    );

    let output = console(dir.path(), free_port())
        .arg("--bogus")
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--bogus"));
}

#[test]
fn config_subcommand_prints_values_and_sources() {
    let dir = tempfile::tempdir().expect("dir");
    let output = console(dir.path(), 9999)
        .env("REGISTRY_CONSOLE_LOG_FORMAT", "json")
        .arg("config")
        .output()
        .expect("run");
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("listen_addr = \"127.0.0.1:9999\"  # flag --listen-addr"),
        "{stdout}"
    );
    assert!(
        stdout.contains("format = \"json\"  # environment REGISTRY_CONSOLE_LOG_FORMAT"),
        "{stdout}"
    );
}

/// One binary: copied alone into an empty directory and started there (no checkout, no
/// `--site-root`), it serves the sign-in page and every file the page names, under the
/// site's hash, immutable, precompressed with brotli or gzip as the browser accepts, and
/// revalidated with its ETag. `./dev test` builds the binary with the release site
/// embedded (`EMBED_SITE_ROOT`).
#[tokio::test]
async fn the_binary_alone_serves_the_whole_console() {
    assert!(
        registry_console::http::assets::Site::open(None)
            .describe()
            .starts_with("embedded"),
        "this build has no site embedded: build it with EMBED_SITE_ROOT=target/site (./dev test does)"
    );
    let dir = tempfile::tempdir().expect("dir");
    let alone = dir.path().join("registry-console");
    std::fs::copy(BINARY, &alone).expect("copy the binary");
    let port = free_port();
    let mut child = Command::new(&alone)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir.path())
        .current_dir(dir.path())
        .args(["--listen-addr", &format!("127.0.0.1:{port}")])
        .args(["--data-dir", &dir.path().join("data").display().to_string()])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start");
    wait_until_serving(port, &mut child);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let base = format!("http://127.0.0.1:{port}");
    let page = client
        .get(format!("{base}/sign-in"))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    let assets: Vec<&str> = page
        .split('"')
        .filter(|part| part.starts_with("/assets/"))
        .collect();
    assert!(
        assets
            .iter()
            .any(|a| a.ends_with("/pkg/registry_console.css")),
        "{page}"
    );
    for (asset, encoding) in [
        ("pkg/registry_console.css", "br"),
        ("pkg/registry_console.js", "gzip"),
        ("pkg/registry_console_bg.wasm", "br"),
        ("live.js", "br"),
    ] {
        let url = format!(
            "{base}{}",
            assets[0].replace("pkg/registry_console.css", asset)
        );
        let response = client
            .get(&url)
            .header("accept-encoding", encoding)
            .send()
            .await
            .expect("get");
        assert_eq!(response.status(), 200, "{url}");
        assert_eq!(
            response.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(response.headers()["content-encoding"], encoding, "{url}");
        let etag = response.headers()["etag"].clone();
        let again = client
            .get(&url)
            .header("if-none-match", etag)
            .send()
            .await
            .expect("get");
        assert_eq!(again.status(), 304, "{url}");
    }
    let favicon = client
        .get(format!("{base}/favicon.svg"))
        .send()
        .await
        .expect("get");
    assert_eq!(favicon.status(), 200);
    signal(&child, "TERM");
    assert!(wait_exit(&mut child).success());
}

/// With tls.cert_file and tls.key_file the console serves HTTPS itself (a reencrypt
/// Route's backend), and still stops cleanly on SIGTERM; one file without the other is a
/// configuration error.
#[tokio::test]
async fn serves_https_with_its_own_certificate() {
    let dir = tempfile::tempdir().expect("dir");
    let key = rcgen::KeyPair::generate().expect("key");
    let cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()])
        .expect("params")
        .self_signed(&key)
        .expect("cert");
    let cert_file = dir.path().join("tls.crt");
    let key_file = dir.path().join("tls.key");
    std::fs::write(&cert_file, cert.pem()).expect("write");
    std::fs::write(&key_file, key.serialize_pem()).expect("write");

    let alone = console(dir.path(), free_port())
        .args(["--tls-cert-file", &cert_file.display().to_string()])
        .output()
        .expect("run");
    assert!(!alone.status.success());
    assert!(
        String::from_utf8_lossy(&alone.stderr)
            .contains("tls.cert_file and tls.key_file go together"),
        "{}",
        String::from_utf8_lossy(&alone.stderr)
    );

    let port = free_port();
    let mut child = console(dir.path(), port)
        .args(["--tls-cert-file", &cert_file.display().to_string()])
        .args(["--tls-key-file", &key_file.display().to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start");
    wait_until_serving(port, &mut child);
    let client = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(cert.pem().as_bytes()).expect("ca"))
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let response = client
        .get(format!("https://127.0.0.1:{port}/healthz"))
        .send()
        .await
        .expect("https");
    assert_eq!(response.status(), 200);
    signal(&child, "TERM");
    assert!(wait_exit(&mut child).success());
}
