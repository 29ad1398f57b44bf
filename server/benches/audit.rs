//! Audit store benchmark (not a test): fills a real SQLite file with 1,000,000 events and
//! prints append rate (one writer, and 64 concurrent writers whose appends are group
//! committed), filtered page latency (p50/p95), full export time and memory, and
//! chain verification time. Figures are also given as ratios against a baseline measured
//! in the same process, because this machine's absolute speed varies.
//!
//! `cargo bench -p registry-console --bench audit` (AUDIT_BENCH_EVENTS to change the size;
//! AUDIT_BENCH_ENGINES=sqlite or =postgres for one engine). Each engine runs the same
//! steps; PostgreSQL is a real server of Debian's started for the run, fsync on.
//! `cargo test --all-targets` runs it too (without `--bench`): then as a quick smoke run of
//! 3,000 events, so the benchmark cannot rot unnoticed.

use futures::StreamExt;
use registry_console::audit::chain::{Event, EventKind, event_hash};
use registry_console::audit::store::{
    Actor, AuditStore, Filter, NewEvent, ObjectRef, timestamp, write_events, write_events_postgres,
};
use registry_console::db::Db;
use std::time::{Duration, Instant};

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[index]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

const ACTORS: [&str; 8] = [
    "admin", "ops", "alice", "bob", "carol", "dave", "erin", "frank",
];
const OUTCOMES: [&str; 4] = ["healthy", "degraded", "conflict", "timeout"];

fn new_event(i: u64, kind: EventKind) -> NewEvent {
    let who = ACTORS[(i % ACTORS.len() as u64) as usize];
    NewEvent {
        change_id: format!("change-{}", i / 3),
        kind,
        actor: Actor {
            subject: who.to_string(),
            name: format!("{who} example"),
            email: Some(format!("{who}@example.com")),
            groups: vec!["registry-admins".into()],
        },
        client_addr: Some("10.0.0.1".into()),
        request_id: Some(format!("req-{i}")),
        reason: (kind == EventKind::Intent)
            .then(|| format!("ticket OPS-{} change replicas", i / 3)),
        objects: vec![ObjectRef {
            group: "imageregistry.operator.openshift.io".into(),
            kind: "Config".into(),
            namespace: None,
            name: if i.is_multiple_of(7) {
                "special".into()
            } else {
                "cluster".into()
            },
        }],
        outcome: match kind {
            EventKind::Intent => None,
            EventKind::Result => Some("applied".into()),
            _ => Some(OUTCOMES[((i / 3) % 4) as usize].into()),
        },
        payload: serde_json::json!({
            "diff": [{ "path": "spec.replicas", "before": i % 3, "after": (i % 3) + 1 }],
            "dry_run": "accepted"
        }),
    }
}

/// Writes `count` chained events in large transactions, with the store's own hashing, so the
/// table looks exactly as if they had been appended one by one (much faster to build).
async fn bulk_fill(db: &Db, start: u64, count: u64, mut prev: String) -> String {
    let base = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
        .expect("time")
        .with_timezone(&chrono::Utc);
    let mut i = start;
    while i < start + count {
        let mut events = Vec::with_capacity(20_000);
        for _ in 0..20_000 {
            if i >= start + count {
                break;
            }
            let kind = match i % 3 {
                0 => EventKind::Intent,
                1 => EventKind::Result,
                _ => EventKind::FollowUp,
            };
            let new = new_event(i, kind);
            let mut e = Event {
                seq: i as i64 + 1,
                change_id: new.change_id.clone(),
                kind,
                at: timestamp(base + chrono::Duration::seconds(i as i64 * 20)),
                actor_subject: new.actor.subject.clone(),
                actor_name: new.actor.name.clone(),
                actor_email: new.actor.email.clone(),
                actor_groups: serde_json::to_string(&new.actor.groups).expect("json"),
                client_addr: new.client_addr.clone(),
                request_id: new.request_id.clone(),
                reason: new.reason.clone(),
                objects: serde_json::to_string(&new.objects).expect("json"),
                outcome: new.outcome.clone(),
                payload: new.payload.to_string(),
                prev_hash: prev.clone(),
                hash: String::new(),
            };
            e.hash = event_hash(&e);
            prev = e.hash.clone();
            events.push(e);
            i += 1;
        }
        match db {
            Db::Sqlite(pool) => {
                let mut tx = pool.begin().await.expect("tx");
                write_events(&mut tx, &events).await.expect("insert");
                tx.commit().await.expect("commit");
            }
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await.expect("tx");
                write_events_postgres(&mut tx, &events)
                    .await
                    .expect("insert");
                tx.commit().await.expect("commit");
            }
        }
    }
    prev
}

/// A durable single-row INSERT per transaction, `count` times: the baseline of appends
/// (the same durability, no chain, no list row): SQLite with synchronous=FULL,
/// PostgreSQL with synchronous_commit on (its default).
async fn baseline_inserts_per_second(db: &Db, count: u64) -> f64 {
    let payload = |i| new_event(i, EventKind::Intent).payload.to_string();
    let started;
    match db {
        Db::Sqlite(pool) => {
            sqlx::query("CREATE TABLE baseline (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)")
                .execute(pool)
                .await
                .expect("baseline table");
            let mut conn = pool.acquire().await.expect("conn");
            sqlx::query("PRAGMA synchronous = FULL")
                .execute(&mut *conn)
                .await
                .expect("pragma");
            started = Instant::now();
            for i in 0..count {
                sqlx::query("INSERT INTO baseline (payload) VALUES (?)")
                    .bind(payload(i))
                    .execute(&mut *conn)
                    .await
                    .expect("insert");
            }
            sqlx::query("PRAGMA synchronous = NORMAL")
                .execute(&mut *conn)
                .await
                .expect("pragma");
        }
        Db::Postgres(pool) => {
            sqlx::query("CREATE TABLE baseline (id BIGSERIAL PRIMARY KEY, payload TEXT NOT NULL)")
                .execute(pool)
                .await
                .expect("baseline table");
            let mut conn = pool.acquire().await.expect("conn");
            started = Instant::now();
            for i in 0..count {
                sqlx::query("INSERT INTO baseline (payload) VALUES ($1)")
                    .bind(payload(i))
                    .execute(&mut *conn)
                    .await
                    .expect("insert");
            }
        }
    }
    count as f64 / started.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let total: u64 = std::env::var("AUDIT_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if benchmarking { 1_000_000 } else { 3_000 });
    let engines = std::env::var("AUDIT_BENCH_ENGINES").unwrap_or("sqlite,postgres".into());
    let dir = tempfile::tempdir().expect("dir");
    // PostgreSQL: a real server of its own (Debian's), on this machine, fsync on.
    let postgres = engines.contains("postgres").then(|| {
        registry_console_sandbox::postgres::Postgres::start(&dir.path().join("pg"))
            .expect("postgres")
    });
    for engine in engines.split(',') {
        let urls = match engine {
            "sqlite" => [
                format!("sqlite://{}", dir.path().join("audit.db").display()),
                format!("sqlite://{}", dir.path().join("concurrent.db").display()),
            ],
            "postgres" => {
                let server = postgres.as_ref().expect("postgres");
                [
                    server.create_database("audit").expect("database"),
                    server.create_database("concurrent").expect("database"),
                ]
            }
            other => panic!("AUDIT_BENCH_ENGINES: unknown engine `{other}` (sqlite, postgres)"),
        };
        println!("\n== {engine}: {total} events");
        run(total, benchmarking, &urls).await;
    }
}

async fn run(total: u64, benchmarking: bool, [url, concurrent_url]: &[String; 2]) {
    let db = registry_console::db::open(url).await.expect("open");
    let store = AuditStore::new(db.clone());
    let appends = total.min(2_000);
    let baseline_rate = baseline_inserts_per_second(&db, appends).await;

    // The real append path: intent, result and follow-up of each change, one at a time.
    let started = Instant::now();
    for i in 0..appends {
        let kind = match i % 3 {
            0 => EventKind::Intent,
            1 => EventKind::Result,
            _ => EventKind::FollowUp,
        };
        store.append(new_event(i, kind)).await.expect("append");
    }
    let append_rate = appends as f64 / started.elapsed().as_secs_f64();
    println!(
        "append (one event per durable transaction): {append_rate:.0} events/s; baseline plain insert {baseline_rate:.0}/s; ratio {:.2}",
        append_rate / baseline_rate
    );

    // Concurrent appends (group commit), on a second file so the fill below keeps its
    // numbering: 64 tasks, each appending the intent and then the result of its changes,
    // as 64 admins applying changes at once would.
    let concurrent_store = AuditStore::new(
        registry_console::db::open(concurrent_url)
            .await
            .expect("open"),
    );
    const WRITERS: u64 = 64;
    let per_writer = if benchmarking { 320 } else { 10 };
    let started = Instant::now();
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let store = concurrent_store.clone();
            tokio::spawn(async move {
                for n in 0..per_writer / 2 {
                    let i = (w * per_writer + n) * 3;
                    store
                        .append(new_event(i, EventKind::Intent))
                        .await
                        .expect("intent");
                    store
                        .append(new_event(i + 1, EventKind::Result))
                        .await
                        .expect("result");
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.expect("writer");
    }
    let concurrent_events = WRITERS * (per_writer / 2) * 2;
    let concurrent_rate = concurrent_events as f64 / started.elapsed().as_secs_f64();
    assert_eq!(
        concurrent_store.verify().await.expect("read"),
        Ok(concurrent_events)
    );
    println!(
        "append, {WRITERS} concurrent writers (group commit): {concurrent_rate:.0} events/s; ratio {:.2} against the plain insert",
        concurrent_rate / baseline_rate
    );

    // Fill to the total with the same chain.
    let last: Option<(String,)> = db
        .fetch_optional(
            "SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1",
            &[],
        )
        .await
        .expect("last");
    let started = Instant::now();
    bulk_fill(
        &db,
        appends,
        total.saturating_sub(appends),
        last.expect("appended").0,
    )
    .await;
    println!(
        "filled {} more events in {:.1} s (bulk, same hashing)",
        total.saturating_sub(appends),
        started.elapsed().as_secs_f64()
    );
    db.execute("ANALYZE", &[]).await.expect("analyze");

    // Page queries (50 rows), each filter 40 times at random depths.
    let mut deep_cursor = None;
    {
        let mut page = store
            .list(&Filter::default(), None, 500)
            .await
            .expect("page");
        for _ in 0..100 {
            match page.last() {
                Some(row) => deep_cursor = Some(row.first_seq),
                None => break,
            }
            page = store
                .list(&Filter::default(), deep_cursor, 500)
                .await
                .expect("page");
        }
    }
    let filters: Vec<(&str, Filter, Option<i64>)> = vec![
        ("no filter, first page", Filter::default(), None),
        (
            "no filter, page ~50,000 rows deep",
            Filter::default(),
            deep_cursor,
        ),
        (
            "actor",
            Filter {
                actor: Some("carol".into()),
                ..Default::default()
            },
            None,
        ),
        (
            "outcome",
            Filter {
                outcome: Some("degraded".into()),
                ..Default::default()
            },
            None,
        ),
        (
            "time range (one day)",
            Filter {
                from: Some("2026-03-01T00:00:00Z".into()),
                to: Some("2026-03-02T00:00:00Z".into()),
                ..Default::default()
            },
            None,
        ),
        (
            "object (substring)",
            Filter {
                object: Some("special".into()),
                ..Default::default()
            },
            None,
        ),
        (
            "free text",
            Filter {
                text: Some("OPS-123".into()),
                ..Default::default()
            },
            None,
        ),
        (
            "actor + outcome",
            Filter {
                actor: Some("erin".into()),
                outcome: Some("timeout".into()),
                ..Default::default()
            },
            None,
        ),
    ];
    let mut baseline_p50 = None;
    println!("filtered page queries (50 rows), 100 runs each:");
    for (name, filter, cursor) in &filters {
        let mut samples = Vec::new();
        let mut rows = 0;
        for _ in 0..100 {
            let started = Instant::now();
            rows = store.list(filter, *cursor, 50).await.expect("list").len();
            samples.push(started.elapsed());
        }
        let p50 = percentile(&mut samples, 0.5);
        let p95 = percentile(&mut samples, 0.95);
        let p99 = percentile(&mut samples, 0.99);
        let base = *baseline_p50.get_or_insert(p50);
        println!(
            "  {name:<36} p50 {:>8.2} ms  p95 {:>8.2} ms  p99 {:>8.2} ms  ({rows} rows; p50 {:.1}x the first page)",
            ms(p50),
            ms(p95),
            ms(p99),
            p50.as_secs_f64() / base.as_secs_f64()
        );
    }

    // Full export, streamed into a sink; memory sampled as it goes.
    let before = rss_kib();
    let mut peak = before;
    let started = Instant::now();
    let mut bytes = 0u64;
    let mut lines = 0u64;
    let mut export = std::pin::pin!(
        store
            .export_json_lines(&Default::default())
            .expect("filter")
    );
    while let Some(line) = export.next().await {
        bytes += line.expect("line").len() as u64;
        lines += 1;
        if lines.is_multiple_of(50_000) {
            peak = peak.max(rss_kib());
        }
    }
    let export_time = started.elapsed();
    println!(
        "export JSON Lines: {lines} events, {:.0} MB in {:.1} s ({:.0} events/s); RSS {} MiB before, peak {} MiB (+{} MiB)",
        bytes as f64 / 1e6,
        export_time.as_secs_f64(),
        lines as f64 / export_time.as_secs_f64(),
        before / 1024,
        peak / 1024,
        peak.saturating_sub(before) / 1024
    );

    let started = Instant::now();
    let verified = store.verify().await.expect("read");
    println!(
        "verify chain: {:?} in {:.1} s ({:.2}x the export's time)",
        verified,
        started.elapsed().as_secs_f64(),
        started.elapsed().as_secs_f64() / export_time.as_secs_f64()
    );
    assert_eq!(verified, Ok(total));
}
