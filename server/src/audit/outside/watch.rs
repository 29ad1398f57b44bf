//! The watchers: one per watched object, with the console's own read-only client; bursts
//! of events are settled into one sighting of the newest object.

use super::{OutsideRecorder, Watched};
use futures::StreamExt;
use kube::api::DynamicObject;
use kube::runtime::{WatchStreamExt, watcher};
use tracing::instrument;

impl OutsideRecorder {
    /// Watches `watched` until the task is dropped or aborted. Watch errors (API server
    /// down, RBAC missing, …) are logged and retried with exponential backoff (up to 30 s);
    /// nothing here ends the console.
    #[instrument(skip_all, fields(object = %watched.resource(), name = watched.name))]
    pub async fn run(self, client: kube::Client, watched: Watched) {
        let config = watcher::Config::default().fields(&format!("metadata.name={}", watched.name));
        let stream = watcher(watched.api(client), config).default_backoff();
        let mut stream = std::pin::pin!(stream);
        let mut ended = false;
        while !ended {
            let Some(event) = stream.next().await else {
                break;
            };
            let Some(mut latest) = sighting(event) else {
                continue;
            };
            // Settle: what arrives within SETTLE is one sighting of the newest object.
            let deadline = tokio::time::Instant::now() + SETTLE;
            loop {
                match tokio::time::timeout_at(deadline, stream.next()).await {
                    Err(_) => break,
                    Ok(None) => {
                        ended = true;
                        break;
                    }
                    Ok(Some(event)) => {
                        if let Some(object) = sighting(event) {
                            latest = object;
                        }
                    }
                }
            }
            // Errors are logged by `observe`; the baseline stays, so the change is recorded
            // at the next sighting.
            let _ = self.observe(&watched, &latest).await;
        }
        // The watcher retries by itself and never ends; if it does, say so.
        tracing::error!("the watch ended; changes made outside the console are not recorded");
    }
}

/// Events this close together are handled as one, with the newest object: a burst (an
/// edit and the operator's reaction) is one decision, and the console's own change is
/// handled after the pipeline has written its result (SQLite has one writer at a time).
const SETTLE: std::time::Duration = std::time::Duration::from_secs(1);

/// The object of a watch event, if it carries one worth comparing; logs the rest.
fn sighting(event: Result<watcher::Event<DynamicObject>, watcher::Error>) -> Option<DynamicObject> {
    match event {
        Ok(watcher::Event::Apply(object) | watcher::Event::InitApply(object)) => Some(object),
        Ok(watcher::Event::Delete(_)) => {
            // Kept: if it is created again, the new object is compared with it.
            tracing::warn!("watched object deleted; its baseline is kept");
            None
        }
        Ok(watcher::Event::Init | watcher::Event::InitDone) => None,
        Err(e) => {
            tracing::warn!(error = %e, "watch failed; retrying with backoff");
            None
        }
    }
}

/// Starts one watcher task per object in `watched` on the current runtime.
pub fn spawn(
    client: kube::Client,
    recorder: OutsideRecorder,
    watched: &[Watched],
) -> Vec<tokio::task::JoinHandle<()>> {
    watched
        .iter()
        .map(|w| tokio::spawn(recorder.clone().run(client.clone(), *w)))
        .collect()
}
