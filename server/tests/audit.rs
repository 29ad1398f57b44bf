//! The audit store on real SQLite files and a real PostgreSQL server: appending, the change list with filters and
//! keyset pages, streamed exports, tamper detection at the right event (through the store
//! and the `audit verify` command), and refusing to write when the database is read-only.

use futures::StreamExt;
use registry_console::audit::chain::EventKind;
use registry_console::audit::store::{Actor, AuditStore, Filter, NewEvent, ObjectRef};
use std::path::{Path, PathBuf};

fn actor(name: &str) -> Actor {
    Actor {
        subject: name.to_string(),
        name: format!("{name} (sandbox)"),
        email: None,
        groups: vec!["registry-admins".into()],
    }
}

fn config_object() -> ObjectRef {
    ObjectRef {
        group: "imageregistry.operator.openshift.io".into(),
        kind: "Config".into(),
        namespace: None,
        name: "cluster".into(),
    }
}

fn event(
    change: &str,
    kind: EventKind,
    who: &str,
    reason: &str,
    outcome: Option<&str>,
) -> NewEvent {
    NewEvent {
        change_id: change.to_string(),
        kind,
        actor: actor(who),
        client_addr: Some("127.0.0.1".into()),
        request_id: Some(format!("req-{change}")),
        reason: Some(reason.to_string()),
        objects: vec![config_object()],
        outcome: outcome.map(str::to_string),
        payload: serde_json::json!({ "diff": [{ "path": "spec.managementState", "before": "Removed", "after": "Managed" }] }),
    }
}

async fn store_at(url: &str) -> AuditStore {
    AuditStore::new(registry_console::db::open(url).await.expect("open"))
}

/// Each check runs on SQLite (a file) and on PostgreSQL (a database of its own on the test
/// process's real server), with two stores on the same database (as two consoles).
macro_rules! on_both_engines {
    ($($check:ident),* $(,)?) => {$(
        mod $check {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                let dir = tempfile::tempdir().expect("dir");
                let (first, file) = super::store(dir.path()).await;
                let second = super::store_at(&format!("sqlite://{}", file.display())).await;
                super::$check(first, second).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                let url = registry_console_sandbox::harness::postgres_database("audit");
                super::$check(super::store_at(&url).await, super::store_at(&url).await).await;
            }
        }
    )*};
}

on_both_engines!(
    appended_events_form_an_intact_chain_and_one_row_per_change,
    a_result_without_an_intent_is_refused,
    filters_and_keyset_pages,
    exports_stream_every_event,
    free_text_finds_substrings_in_japanese_and_short_words,
    concurrent_appends_keep_one_chain_and_fail_alone,
    an_objects_history_is_every_change_that_wrote_it,
);

async fn store(dir: &Path) -> (AuditStore, PathBuf) {
    let file = dir.join("audit.db");
    let pool = registry_console::db::open(&format!("sqlite://{}", file.display()))
        .await
        .expect("open");
    (AuditStore::new(pool), file)
}

/// Three changes by two people: one applied and healthy, one conflicting, one pending.
async fn fill(store: &AuditStore) {
    let at = |minute: u32| {
        chrono::DateTime::parse_from_rfc3339(&format!("2026-11-24T10:{minute:02}:00Z"))
            .expect("time")
            .with_timezone(&chrono::Utc)
    };
    let appends = [
        (
            event(
                "c1",
                EventKind::Intent,
                "admin",
                "guide 2.1: Removed to Managed",
                None,
            ),
            0,
        ),
        (
            event("c1", EventKind::Result, "admin", "", Some("applied")),
            1,
        ),
        (
            event("c1", EventKind::FollowUp, "admin", "", Some("healthy")),
            2,
        ),
        (
            event("c2", EventKind::Intent, "ops", "two replicas for HA", None),
            3,
        ),
        (
            event("c2", EventKind::Result, "ops", "", Some("conflict")),
            4,
        ),
        (
            event("c3", EventKind::Intent, "admin", "route for podman", None),
            5,
        ),
    ];
    for (new, minute) in appends {
        store.append_at(new, at(minute)).await.expect("append");
    }
}

async fn appended_events_form_an_intact_chain_and_one_row_per_change(
    store: AuditStore,
    _second: AuditStore,
) {
    fill(&store).await;
    assert_eq!(store.verify().await.expect("read"), Ok(6));
    let all = store
        .list(&Filter::default(), None, 50)
        .await
        .expect("list");
    let summary: Vec<(&str, &str)> = all
        .iter()
        .map(|r| (r.change_id.as_str(), r.outcome.as_str()))
        .collect();
    assert_eq!(
        summary,
        vec![("c3", "pending"), ("c2", "conflict"), ("c1", "healthy")]
    );
}

async fn a_result_without_an_intent_is_refused(store: AuditStore, _second: AuditStore) {
    let refused = store
        .append(event(
            "ghost",
            EventKind::Result,
            "admin",
            "",
            Some("applied"),
        ))
        .await;
    assert!(refused.is_err());
    assert_eq!(
        store.verify().await.expect("read"),
        Ok(0),
        "nothing was written"
    );
}

async fn filters_and_keyset_pages(store: AuditStore, _second: AuditStore) {
    fill(&store).await;
    let ids = |rows: Vec<registry_console::audit::store::ChangeRow>| {
        rows.into_iter().map(|r| r.change_id).collect::<Vec<_>>()
    };
    let store = &store;
    let by = |f: Filter| async move { ids(store.list(&f, None, 50).await.expect("list")) };
    assert_eq!(
        by(Filter {
            actor: Some("ops".into()),
            ..Default::default()
        })
        .await,
        vec!["c2"]
    );
    assert_eq!(
        by(Filter {
            actor: Some("admin (sand".into()),
            ..Default::default()
        })
        .await,
        vec!["c3", "c1"]
    );
    assert_eq!(
        by(Filter {
            outcome: Some("healthy".into()),
            ..Default::default()
        })
        .await,
        vec!["c1"]
    );
    // A part of a name that several subjects share: their changes merged in change order,
    // and pages that continue across subjects.
    let everyone = Filter {
        actor: Some("(SANDBOX)".into()),
        ..Default::default()
    };
    assert_eq!(by(everyone.clone()).await, vec!["c3", "c2", "c1"]);
    let page = store.list(&everyone, None, 2).await.expect("page");
    assert_eq!(ids(page.clone()), ["c3", "c2"]);
    let next = store
        .list(&everyone, Some(page[1].first_seq), 2)
        .await
        .expect("page");
    assert_eq!(ids(next), ["c1"]);
    let oldest = store
        .list(
            &Filter {
                oldest_first: true,
                ..everyone.clone()
            },
            None,
            2,
        )
        .await
        .expect("page");
    assert_eq!(ids(oldest), ["c1", "c2"]);
    // Actor and outcome together; an actor nobody is.
    assert_eq!(
        by(Filter {
            outcome: Some("conflict".into()),
            ..everyone.clone()
        })
        .await,
        vec!["c2"]
    );
    assert_eq!(
        by(Filter {
            actor: Some("admin".into()),
            outcome: Some("conflict".into()),
            ..Default::default()
        })
        .await,
        Vec::<String>::new()
    );
    assert!(
        by(Filter {
            actor: Some("nobody".into()),
            ..Default::default()
        })
        .await
        .is_empty()
    );
    assert_eq!(
        by(Filter {
            object: Some("cluster".into()),
            ..Default::default()
        })
        .await
        .len(),
        3
    );
    assert_eq!(
        by(Filter {
            object: Some("Secret".into()),
            ..Default::default()
        })
        .await
        .len(),
        0
    );
    assert_eq!(
        by(Filter {
            text: Some("podman route".into()),
            ..Default::default()
        })
        .await,
        vec!["c3"]
    );
    assert_eq!(
        by(Filter {
            text: Some("100%".into()),
            ..Default::default()
        })
        .await
        .len(),
        0,
        "% is literal"
    );
    assert_eq!(
        by(Filter {
            from: Some("2026-11-24T10:03:00Z".into()),
            to: Some("2026-11-24T10:05:00Z".into()),
            ..Default::default()
        })
        .await,
        vec!["c2"]
    );
    // Days, as the page's date inputs send them: the `to` day is included.
    assert_eq!(
        by(Filter {
            from: Some("2026-11-24".into()),
            to: Some("2026-11-24".into()),
            ..Default::default()
        })
        .await,
        vec!["c3", "c2", "c1"]
    );
    assert_eq!(
        by(Filter {
            to: Some("2026-11-23".into()),
            ..Default::default()
        })
        .await
        .len(),
        0
    );
    let bad = store
        .list(
            &Filter {
                from: Some("yesterday".into()),
                ..Default::default()
            },
            None,
            5,
        )
        .await
        .expect_err("not a time");
    assert!(
        bad.to_string()
            .contains("from: `yesterday` is neither a day (2026-11-24) nor an RFC 3339 time")
    );
    // Pages of one: each page starts after the last row of the previous one.
    let first = store.list(&Filter::default(), None, 1).await.expect("page");
    let second = store
        .list(&Filter::default(), Some(first[0].first_seq), 1)
        .await
        .expect("page");
    let third = store
        .list(&Filter::default(), Some(second[0].first_seq), 1)
        .await
        .expect("page");
    let fourth = store
        .list(&Filter::default(), Some(third[0].first_seq), 1)
        .await
        .expect("page");
    assert_eq!(
        [
            &first[0].change_id,
            &second[0].change_id,
            &third[0].change_id
        ],
        ["c3", "c2", "c1"]
    );
    assert!(fourth.is_empty());
    // Oldest first pages forward in time.
    let oldest = Filter {
        oldest_first: true,
        ..Default::default()
    };
    let first = store.list(&oldest, None, 2).await.expect("page");
    let rest = store
        .list(&oldest, Some(first[1].first_seq), 2)
        .await
        .expect("page");
    assert_eq!(ids(first), ["c1", "c2"]);
    assert_eq!(ids(rest), ["c3"]);
}

async fn exports_stream_every_event(store: AuditStore, _second: AuditStore) {
    fill(&store).await;
    let lines: Vec<String> = store
        .export_json_lines(&Filter::default())
        .expect("filter")
        .map(|l| l.expect("line"))
        .collect()
        .await;
    assert_eq!(lines.len(), 6);
    let first: serde_json::Value = serde_json::from_str(&lines[0]).expect("json");
    assert_eq!(first["kind"], "intent");
    assert_eq!(first["reason"], "guide 2.1: Removed to Managed");
    let csv: Vec<String> = store
        .export_csv(&Filter::default())
        .expect("filter")
        .map(|l| l.expect("line"))
        .collect()
        .await;
    assert_eq!(csv.len(), 7, "header and six events");
    assert!(csv[0].starts_with("seq,change_id,kind,at,"));
    assert!(
        csv[1].contains("\"[\"\"registry-admins\"\"]\""),
        "{}",
        csv[1]
    );
    // The page's filters select whole changes: every event of c1 (healthy), nothing else.
    let healthy = Filter {
        outcome: Some("healthy".into()),
        ..Default::default()
    };
    let lines: Vec<serde_json::Value> = store
        .export_json_lines(&healthy)
        .expect("filter")
        .map(|l| serde_json::from_str(&l.expect("line")).expect("json"))
        .collect()
        .await;
    let kinds: Vec<(&str, &str)> = lines
        .iter()
        .map(|e| {
            (
                e["change_id"].as_str().unwrap_or(""),
                e["kind"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [("c1", "intent"), ("c1", "result"), ("c1", "follow_up")]
    );
    // A filter that does not parse fails before anything streams.
    let bad = Filter {
        from: Some("yesterday".into()),
        ..Default::default()
    };
    assert!(store.export_csv(&bad).is_err());
}

/// Someone with the database file drops the guard triggers and edits history: the store and
/// the CLI both name the first event that no longer fits.
#[tokio::test]
async fn tampering_is_found_at_the_right_event() {
    let dir = tempfile::tempdir().expect("dir");
    let (store, file) = store(dir.path()).await;
    fill(&store).await;
    let raw = sqlx::SqlitePool::connect(&format!("sqlite://{}", file.display()))
        .await
        .expect("raw");
    let refused = sqlx::query("UPDATE audit_events SET reason = 'nothing to see' WHERE seq = 4")
        .execute(&raw)
        .await;
    assert!(refused.is_err(), "the triggers refuse edits");
    sqlx::query("DROP TRIGGER audit_events_append_only_update")
        .execute(&raw)
        .await
        .expect("drop trigger");
    sqlx::query("UPDATE audit_events SET reason = 'nothing to see' WHERE seq = 4")
        .execute(&raw)
        .await
        .expect("tamper");
    raw.close().await;
    let broken = store.verify().await.expect("read").expect_err("broken");
    assert_eq!(broken.seq, 4);

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_registry-console"))
        .args(["audit", "verify", "--database-url"])
        .arg(format!("sqlite://{}", file.display()))
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("BROKEN at event 4"), "{stdout}");
}

#[tokio::test]
async fn the_cli_reports_an_intact_chain() {
    let dir = tempfile::tempdir().expect("dir");
    let (store, file) = store(dir.path()).await;
    fill(&store).await;
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_registry-console"))
        .args(["audit", "verify", "--database-url"])
        .arg(format!("sqlite://{}", file.display()))
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("intact: 6 events verified"), "{stdout}");
}

/// Fail-closed starts here: a database that cannot be written refuses the intent.
#[tokio::test]
async fn a_read_only_database_refuses_to_record() {
    let dir = tempfile::tempdir().expect("dir");
    let (store, file) = store(dir.path()).await;
    fill(&store).await;
    let ro = registry_console::db::open(&format!("sqlite://{}?mode=ro", file.display())).await;
    // Opening read-only already fails at the migration bookkeeping or on the first write.
    if let Ok(pool) = ro {
        let ro_store = AuditStore::new(pool);
        let result = ro_store
            .append(event(
                "c9",
                EventKind::Intent,
                "admin",
                "should not land",
                None,
            ))
            .await;
        assert!(result.is_err(), "a read-only trail must refuse");
    }
    assert_eq!(store.verify().await.expect("read"), Ok(6), "nothing new");
}

/// Free text goes through the trigram index: substrings in any language, any case; words
/// shorter than three characters still match (checked with LIKE); quotes are plain text.
async fn free_text_finds_substrings_in_japanese_and_short_words(
    store: AuditStore,
    _second: AuditStore,
) {
    fill(&store).await;
    store
        .append(event(
            "ja",
            EventKind::Intent,
            "admin",
            "レジストリーのストレージを設定",
            None,
        ))
        .await
        .expect("append");
    store
        .append(event(
            "q",
            EventKind::Intent,
            "admin",
            "say \"HA\" OR not",
            None,
        ))
        .await
        .expect("append");
    let ids = |rows: Vec<registry_console::audit::store::ChangeRow>| {
        rows.into_iter().map(|r| r.change_id).collect::<Vec<_>>()
    };
    let text = |t: &str| Filter {
        text: Some(t.into()),
        ..Default::default()
    };
    let find = |t: &'static str| {
        let store = store.clone();
        async move { ids(store.list(&text(t), None, 50).await.expect("list")) }
    };
    assert_eq!(find("ストレージ").await, ["ja"]);
    assert_eq!(
        find("REMOVED to").await,
        ["c1"],
        "any case; `to` is a short word"
    );
    assert_eq!(
        find("\"HA\" OR").await,
        ["q"],
        "quotes and OR are text, not operators"
    );
    assert_eq!(find("replicas HA").await, ["c2"]);
    assert!(find("nowhere-to-be-found").await.is_empty());
}

/// Group commit: 200 changes appended at once, by two stores on one file (as two console
/// processes would), give one intact chain with every event exactly once; a refused event
/// in the middle of a group fails alone, and the events around it are kept.
async fn concurrent_appends_keep_one_chain_and_fail_alone(first: AuditStore, second: AuditStore) {
    let mut appends = Vec::new();
    for i in 0..200 {
        let store = if i % 2 == 0 {
            first.clone()
        } else {
            second.clone()
        };
        appends.push(tokio::spawn(async move {
            let change = format!("c{i}");
            let intent = store
                .append(event(&change, EventKind::Intent, "admin", "load", None))
                .await?;
            let refused = store
                .append(event(
                    &format!("never-{i}"),
                    EventKind::Result,
                    "admin",
                    "",
                    Some("applied"),
                ))
                .await;
            assert!(refused.is_err(), "a result without an intent was recorded");
            let result = store
                .append(event(
                    &change,
                    EventKind::Result,
                    "admin",
                    "",
                    Some("applied"),
                ))
                .await?;
            assert!(result.seq > intent.seq);
            Ok::<_, registry_console::audit::store::AuditError>(())
        }));
    }
    for append in appends {
        append.await.expect("task").expect("append");
    }
    assert_eq!(first.verify().await.expect("read"), Ok(400));
    let mut seen = std::collections::HashMap::<String, Vec<EventKind>>::new();
    let mut events = std::pin::pin!(first.events());
    while let Some(event) = events.next().await {
        let event = event.expect("event");
        seen.entry(event.change_id).or_default().push(event.kind);
    }
    assert_eq!(seen.len(), 200);
    assert!(
        seen.values()
            .all(|kinds| kinds == &[EventKind::Intent, EventKind::Result])
    );
    let rows = first
        .list(&Filter::default(), None, 500)
        .await
        .expect("list");
    assert_eq!(rows.len(), 200);
    assert!(rows.iter().all(|row| row.outcome == "applied"));
}

/// An object's versions: the console's changes that wrote it and the ones made outside,
/// newest first, with the fields each changed; never a refused or pending change, never
/// another object of the same name.
async fn an_objects_history_is_every_change_that_wrote_it(store: AuditStore, _second: AuditStore) {
    fill(&store).await;
    let pruner = ObjectRef {
        group: "imageregistry.operator.openshift.io".into(),
        kind: "ImagePruner".into(),
        namespace: None,
        name: "cluster".into(),
    };
    let mut pruned = event("p1", EventKind::Intent, "admin", "suspend the pruner", None);
    pruned.objects = vec![pruner.clone()];
    pruned.payload = serde_json::json!({ "diff": [[{ "path": "spec.suspend", "before": false, "after": true }]] });
    store.append(pruned).await.expect("append");
    store
        .append(event("p1", EventKind::Result, "admin", "", Some("applied")))
        .await
        .expect("append");
    let mut outside = event(
        "o1",
        EventKind::Outside,
        "kubectl-patch",
        "",
        Some("outside"),
    );
    outside.payload =
        serde_json::json!({ "diff": [{ "path": "spec.replicas", "before": 1, "after": 2 }] });
    store.append(outside).await.expect("append");

    let history = store
        .object_history(&config_object(), 50)
        .await
        .expect("history");
    let rows: Vec<(&str, &str, Vec<String>)> = history
        .iter()
        .map(|(row, fields, _)| (row.change_id.as_str(), row.kind.as_str(), fields.clone()))
        .collect();
    assert_eq!(
        rows,
        vec![
            ("o1", "outside", vec!["spec.replicas".to_string()]),
            ("c1", "intent", vec!["spec.managementState".to_string()]),
        ],
        "c2 was refused (conflict), c3 is pending, p1 is the pruner"
    );
    let pruner_history = store.object_history(&pruner, 50).await.expect("history");
    assert_eq!(pruner_history.len(), 1);
    assert_eq!(pruner_history[0].1, vec!["spec.suspend".to_string()]);
    assert_eq!(
        store
            .object_history(&config_object(), 1)
            .await
            .expect("history")
            .len(),
        1,
        "the limit holds"
    );
}
