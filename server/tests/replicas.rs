//! Several consoles on one PostgreSQL database, as replicas behind one route: a session
//! signed in through one works through the others and signing out through any one ends
//! it everywhere; appends from every replica keep one chain, which `registry-console audit
//! verify` checks. Real PostgreSQL (started by the harness), real sandbox and provider.

mod support;

use registry_console::audit::chain::EventKind;
use registry_console::audit::store::{Actor, AuditStore, NewEvent};
use support::{SandboxConsole, csrf_token, sign_in, start_sandbox_console};

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
    let mut replicas = Vec::new();
    for _ in 0..3 {
        replicas.push(start_sandbox_console(&["--database-url", &url]).await);
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
                    (EventKind::Result, Some("applied")),
                ] {
                    store
                        .append(NewEvent {
                            change_id: change.clone(),
                            kind,
                            actor: Actor {
                                subject: format!("admin-{writer}"),
                                name: "admin".into(),
                                email: None,
                                groups: vec![],
                            },
                            client_addr: None,
                            request_id: None,
                            reason: Some("replicas".into()),
                            objects: vec![],
                            outcome: outcome.map(str::to_string),
                            payload: serde_json::json!({}),
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
