//! Several consoles on one PostgreSQL database, as replicas behind one route: a session
//! signed in through one works through the others and signing out through any one ends
//! it everywhere; appends from every replica keep one chain, which `registry-console audit
//! verify` checks. Real PostgreSQL (started by the harness), real sandbox and provider.

mod support;

use registry_console::audit::chain::EventKind;
use registry_console::audit::store::{Actor, AuditStore, NewEvent};
use support::{
    SandboxConsole, csrf_token, sign_in, start_sandbox_console, start_sandbox_console_in,
};

async fn status(browser: &reqwest::Client, console: &SandboxConsole, path: &str) -> u16 {
    browser
        .get(format!("{}{path}", console.base))
        .send()
        .await
        .expect("get")
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sessions_work_across_replicas_and_sign_out_ends_them_everywhere() {
    let url = registry_console_sandbox::harness::postgres_database("replicas");
    // As in deploy/deployment.yaml, every replica has the one session-tokens key (from
    // its Secret): the sessions' tokens are sealed with it.
    let key = "5e".repeat(32);
    let mut replicas = Vec::new();
    for _ in 0..3 {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("session-tokens.key"), &key).expect("key");
        replicas.push(start_sandbox_console_in(dir, &["--database-url", &url]).await);
    }
    let [first, second, third] = &replicas[..] else {
        unreachable!("three replicas")
    };
    // The browser keeps one cookie for 127.0.0.1 (cookies ignore ports), as it would for
    // the one host of a route in front of the replicas.
    let (browser, _) = sign_in(first, "admin", "/your-access").await;
    for replica in &replicas {
        assert_eq!(
            status(&browser, replica, "/your-access").await,
            200,
            "signed in through {}, the session works on {}",
            first.base,
            replica.base
        );
    }
    let html = browser
        .get(format!("{}/your-access", third.base))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    let response = browser
        .post(format!("{}/auth/logout", third.base))
        .header("origin", &third.base)
        .form(&[("csrf_token", csrf_token(&html))])
        .send()
        .await
        .expect("sign out");
    assert_eq!(response.status(), 303);
    for replica in [first, second, third] {
        assert_eq!(
            status(&browser, replica, "/your-access").await,
            303,
            "signed out through {}, {} sends to sign-in",
            third.base,
            replica.base
        );
    }

    // Three writers (each its own pool, as each replica has) appending at once keep one
    // chain with every event exactly once; the CLI verifies it on PostgreSQL.
    let mut writers = Vec::new();
    for writer in 0..3 {
        let store = AuditStore::new(registry_console::db::open(&url).await.expect("open"));
        writers.push(tokio::spawn(async move {
            for n in 0..40 {
                let change = format!("w{writer}-{n}");
                for (kind, outcome) in [
                    (EventKind::Intent, None),
                    (EventKind::Result, Some("applied".to_string())),
                ] {
                    store
                        .append(NewEvent {
                            outcome,
                            ..event(&change, kind)
                        })
                        .await
                        .expect("append");
                }
            }
        }));
    }
    for writer in writers {
        writer.await.expect("writer");
    }
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_registry-console"))
        .env_clear()
        .args(["audit", "verify", "--database-url", &url])
        .output()
        .expect("audit verify");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{report}");
    assert!(report.contains("240"), "every event once: {report}");
}

fn event(change: &str, kind: EventKind) -> NewEvent {
    NewEvent {
        change_id: change.to_string(),
        kind,
        actor: Actor {
            subject: "admin".into(),
            name: "admin".into(),
            email: None,
            groups: vec![],
        },
        client_addr: None,
        request_id: None,
        reason: Some("outage".into()),
        objects: vec![],
        outcome: None,
        payload: serde_json::json!({}),
    }
}

/// PostgreSQL stopped in the middle: an append (what every change writes before it is
/// applied) fails within seconds instead of hanging, `/readyz` says the database is the
/// problem, and both recover when the server is back, with the chain intact.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_database_outage_refuses_changes_and_recovers() {
    let dir = tempfile::tempdir().expect("dir");
    let mut server =
        registry_console_sandbox::postgres::Postgres::start(&dir.path().join("outage"))
            .expect("postgres");
    let url = server.create_database("outage").expect("database");
    let console = start_sandbox_console(&["--database-url", &url]).await;
    let store = AuditStore::new(registry_console::db::open(&url).await.expect("open"));
    store
        .append(event("before", EventKind::Intent))
        .await
        .expect("append while up");
    let readyz = || async {
        let response = reqwest::get(format!("{}/readyz", console.base))
            .await
            .expect("readyz");
        (
            response.status().as_u16(),
            response.text().await.expect("body"),
        )
    };
    assert_eq!(readyz().await.0, 200);

    server.pause();
    let started = std::time::Instant::now();
    let refused = store.append(event("during", EventKind::Intent)).await;
    assert!(refused.is_err(), "an append with the database down");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(15),
        "refused in {:?}",
        started.elapsed()
    );
    let (status, body) = readyz().await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("database"), "{body}");

    server.resume().expect("postgres again");
    support::eventually("the console ready again", async || {
        (readyz().await.0 == 200).then_some(())
    })
    .await;
    store
        .append(event("after", EventKind::Intent))
        .await
        .expect("append after the outage");
    assert_eq!(store.verify().await.expect("read"), Ok(2));
}

/// Two console processes on one database: exactly one holds the Lease and records a change
/// made outside the console; the holder killed (SIGKILL, no release), the other takes the
/// Lease within its 15 s and records the next change; each change is recorded once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_replica_records_outside_changes_and_another_takes_over() {
    use kube::api::{Api, Patch, PatchParams, PostParams};
    let sandbox = registry_console_sandbox::harness::shared();
    let admin = support::admin_kube().await;
    // A namespace of its own, so no other console of this test process holds its Lease.
    let namespace = "registry-console-takeover";
    let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(admin.clone());
    let _ = namespaces
        .create(
            &PostParams::default(),
            &serde_json::from_value(serde_json::json!({ "metadata": { "name": namespace } }))
                .expect("namespace"),
        )
        .await;
    let url = registry_console_sandbox::harness::postgres_database("takeover");
    let dir = tempfile::tempdir().expect("dir");
    let start = |name: &str| {
        let data = dir.path().join(name);
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("port")
            .port();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_registry-console"))
            .env_clear()
            .args(["--listen-addr", &format!("127.0.0.1:{port}")])
            .args(["--data-dir", &data.display().to_string()])
            .args(["--database-url", &url])
            .args(["--kubeconfig", &sandbox.kubeconfig.display().to_string()])
            .args(["--audit-lease-namespace", namespace])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("console");
        KillOnDrop(child)
    };
    let leases: Api<k8s_openapi::api::coordination::v1::Lease> =
        Api::namespaced(admin.clone(), namespace);
    let holder = async || {
        leases
            .get_opt(registry_console::audit::outside::lease::LEASE_NAME)
            .await
            .ok()
            .flatten()
            .and_then(|lease| lease.spec?.holder_identity)
    };
    let mut first = start("first");
    let first_holds = support::eventually("the first console holds the Lease", async || {
        holder()
            .await
            .filter(|h| h.ends_with(&format!("-{}", first.0.id())))
    })
    .await;
    let second = start("second");
    let store = AuditStore::new(registry_console::db::open(&url).await.expect("open"));
    let recorded = async || {
        store
            .list(
                &registry_console::audit::store::Filter {
                    actor: Some("takeover-test".into()),
                    ..Default::default()
                },
                None,
                50,
            )
            .await
            .expect("list")
            .len()
    };
    // Give the holder's watchers their first listing (the baseline) before the change.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let patch = async |level: &str| {
        support::configs(admin.clone())
            .patch(
                "cluster",
                &PatchParams {
                    field_manager: Some("takeover-test".into()),
                    ..Default::default()
                },
                &Patch::Merge(serde_json::json!({ "spec": { "logLevel": level } })),
            )
            .await
            .expect("patch");
    };
    patch("Debug").await;
    support::eventually("the holder records the change", async || {
        (recorded().await == 1).then_some(())
    })
    .await;

    // Killed: it never releases the Lease, which must expire first.
    let _ = first.0.kill();
    let _ = first.0.wait();
    let takeover = std::time::Instant::now();
    let second_holds = support::eventually("the second console takes the Lease", async || {
        holder()
            .await
            .filter(|h| h.ends_with(&format!("-{}", second.0.id())))
    })
    .await;
    assert_ne!(first_holds, second_holds);
    assert!(
        takeover.elapsed() < std::time::Duration::from_secs(30),
        "took over in {:?}",
        takeover.elapsed()
    );
    patch("Trace").await;
    support::eventually("the new holder records the next change", async || {
        (recorded().await == 2).then_some(())
    })
    .await;
    // Nothing recorded twice: the new holder started from the shared baselines.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert_eq!(recorded().await, 2);
    assert!(store.verify().await.expect("read").is_ok());
    patch("Normal").await;
}

/// A console process killed (SIGKILL) when the test ends, however it ends.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A session id revoked through one replica (sign-out, or sign-in replacing it) is revoked
/// in the others too, so a request still running in one cannot write it back for good.
#[tokio::test(flavor = "multi_thread")]
async fn revocation_is_shared_by_replicas() {
    use registry_console::auth::revoked::RevokedSessions;
    let url = registry_console_sandbox::harness::postgres_database("revoked");
    let (here, there) = (RevokedSessions::new(1800), RevokedSessions::new(1800));
    here.share_through(&registry_console::db::open(&url).await.expect("open"));
    there.share_through(&registry_console::db::open(&url).await.expect("open"));
    assert!(!there.is_revoked("session-a").await);
    here.revoke("session-a").await;
    assert!(there.is_revoked("session-a").await);
    assert!(!there.is_revoked("session-b").await);
}
