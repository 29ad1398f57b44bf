//! Exactly one console records changes made outside it, however many replicas run: the
//! holder of a `coordination.k8s.io` Lease (held and renewed by the kube-lease-manager
//! crate). Its watchers run only while it holds the Lease and are stopped the moment it
//! loses it. A replica that is killed stops renewing; another takes the Lease once it
//! expires and starts from the baselines in the shared database, so a change made in
//! between is recorded by the new holder, once.

use super::{OutsideRecorder, Watched};
use kube_lease_manager::LeaseManagerBuilder;
use std::time::Duration;

/// Name of the Lease in the console's namespace.
pub const LEASE_NAME: &str = "registry-console-outside-changes";

/// How the Lease is held.
#[derive(Clone, Debug)]
pub struct LeaseOptions {
    pub namespace: String,
    /// This replica's name in the Lease (`holderIdentity`).
    pub identity: String,
    /// How long a holder that stops renewing keeps the Lease.
    pub duration: Duration,
}

impl LeaseOptions {
    /// The Lease in `namespace`, held by this host and process, for 15 s.
    pub fn for_this_process(namespace: &str) -> Self {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_else(|_| "console".into());
        LeaseOptions {
            namespace: namespace.to_string(),
            identity: format!("{host}-{}", std::process::id()),
            duration: Duration::from_secs(15),
        }
    }
}

/// Aborts the watchers when dropped: when the Lease is lost, and when this task ends.
struct Watchers(Vec<tokio::task::JoinHandle<()>>);

impl Drop for Watchers {
    fn drop(&mut self) {
        for watcher in &self.0 {
            watcher.abort();
        }
    }
}

/// Holds (or waits for) the Lease and records outside changes while holding it. Runs
/// until the task is aborted; Lease errors (API server away, RBAC missing) are logged and
/// retried.
pub async fn record_while_holding(
    client: kube::Client,
    options: LeaseOptions,
    recorder: OutsideRecorder,
    watched: &'static [Watched],
) {
    let seconds = options.duration.as_secs().max(3);
    loop {
        let manager = LeaseManagerBuilder::new(client.clone(), LEASE_NAME)
            .with_namespace(&options.namespace)
            .with_identity(&options.identity)
            .with_duration(seconds)
            // Renewed this long before it would expire.
            .with_grace((seconds / 3).max(1))
            .build()
            .await;
        let manager = match manager {
            Ok(manager) => manager,
            Err(e) => {
                tracing::warn!(
                    error = %e,
                    namespace = %options.namespace,
                    lease = LEASE_NAME,
                    "cannot use the Lease that decides which console records outside changes; retrying"
                );
                tokio::time::sleep(Duration::from_secs(5)).await;
                continue;
            }
        };
        // Dropping the receiver (this task aborted) makes the manager release the Lease.
        let (mut holding, manager_task) = manager.watch().await;
        let mut watchers: Option<Watchers> = None;
        loop {
            let leader = *holding.borrow_and_update();
            match (leader, watchers.is_some()) {
                (true, false) => {
                    tracing::info!(identity = %options.identity, "holding the Lease: recording changes made outside the console");
                    watchers = Some(Watchers(super::spawn(
                        client.clone(),
                        recorder.clone(),
                        watched,
                    )));
                }
                (false, true) => {
                    tracing::info!(identity = %options.identity, "lost the Lease: another console records outside changes");
                    watchers = None;
                }
                _ => {}
            }
            if holding.changed().await.is_err() {
                break;
            }
        }
        drop(watchers);
        match manager_task.await {
            Ok(Err(e)) => tracing::warn!(error = %e, "the Lease manager stopped; retrying"),
            Err(e) => tracing::warn!(error = %e, "the Lease manager failed; retrying"),
            Ok(Ok(_)) => {}
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
