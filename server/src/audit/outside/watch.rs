//! The watchers: one per [`Watched`] entry, with the console's own read-only client. Bursts
//! of events are settled into one sighting of each object's newest state.

use super::{OutsideRecorder, Selection, Watched};
use futures::StreamExt;
use kube::api::DynamicObject;
use kube::runtime::{WatchStreamExt, watcher};
use std::collections::{BTreeMap, BTreeSet};
use tracing::instrument;

/// What a burst of events left to handle for one object.
enum Pending {
    Seen(Box<DynamicObject>),
    Deleted(Box<DynamicObject>),
}

/// The events of a burst, newest per object, and what of a listing happened in it.
#[derive(Default)]
struct Burst {
    objects: BTreeMap<(String, String), Pending>,
    /// A (re-)listing began: what it shows is all there is.
    listing: bool,
    /// The objects a listing showed in this burst.
    listed: BTreeSet<(String, String)>,
    /// A listing ended.
    listing_done: bool,
}

impl Burst {
    fn add(&mut self, event: Result<watcher::Event<DynamicObject>, watcher::Error>) {
        let key = |o: &DynamicObject| {
            (
                o.metadata.namespace.clone().unwrap_or_default(),
                o.metadata.name.clone().unwrap_or_default(),
            )
        };
        match event {
            Ok(watcher::Event::Apply(object)) => {
                self.objects
                    .insert(key(&object), Pending::Seen(Box::new(object)));
            }
            Ok(watcher::Event::InitApply(object)) => {
                self.listed.insert(key(&object));
                self.objects
                    .insert(key(&object), Pending::Seen(Box::new(object)));
            }
            Ok(watcher::Event::Delete(object)) => {
                self.objects
                    .insert(key(&object), Pending::Deleted(Box::new(object)));
            }
            Ok(watcher::Event::InitDone) => self.listing_done = true,
            Ok(watcher::Event::Init) => {
                self.listing = true;
                self.listed.clear();
            }
            Err(e) => tracing::warn!(error = %e, "watch failed; retrying with backoff"),
        }
    }
}

impl OutsideRecorder {
    /// Watches `watched` until the task is dropped or aborted. Watch errors (API server
    /// down, RBAC missing, …) are logged and retried with exponential backoff (up to 30 s);
    /// nothing here ends the console.
    #[instrument(skip_all, fields(object = %watched.resource()))]
    pub async fn run(self, client: kube::Client, watched: Watched) {
        let config = match watched.selection {
            Selection::Named(name) => {
                watcher::Config::default().fields(&format!("metadata.name={name}"))
            }
            Selection::Relevant(_) => watcher::Config::default(),
        };
        let stream = watcher(watched.api(client), config).default_backoff();
        let mut stream = std::pin::pin!(stream);
        let mut ended = false;
        // What the current listing has shown so far (a listing may span bursts).
        let mut listing: Option<BTreeSet<(String, String)>> = None;
        while !ended {
            let Some(event) = stream.next().await else {
                break;
            };
            let mut burst = Burst::default();
            burst.add(event);
            // Settle: what arrives within SETTLE is one sighting of each object's newest
            // state.
            let deadline = tokio::time::Instant::now() + SETTLE;
            loop {
                match tokio::time::timeout_at(deadline, stream.next()).await {
                    Err(_) => break,
                    Ok(None) => {
                        ended = true;
                        break;
                    }
                    Ok(Some(event)) => burst.add(event),
                }
            }
            // Errors are logged by `observe`; the baseline stays, so the change is recorded
            // at the next sighting.
            for pending in burst.objects.into_values() {
                match pending {
                    Pending::Seen(object) => {
                        let _ = self.observe(&watched, &object).await;
                    }
                    Pending::Deleted(object) => {
                        if let Err(e) = self.observe_deleted(&watched, &object).await {
                            tracing::warn!(error = %e, "a deletion could not be recorded");
                        }
                    }
                }
            }
            if burst.listing {
                listing = Some(BTreeSet::new());
            }
            if let Some(seen) = listing.as_mut() {
                seen.extend(burst.listed);
            }
            if burst.listing_done
                && let Some(seen) = listing.take()
                && matches!(watched.selection, Selection::Relevant(_))
            {
                // Objects deleted while the watch was down (or the console stopped) do not
                // come as deletions: they are missing from the listing.
                if let Err(e) = self.observe_listing(&watched, &seen).await {
                    tracing::warn!(error = %e, "deletions found by a listing could not be recorded");
                }
                if let Err(e) = self.mark_started(&watched).await {
                    tracing::warn!(error = %e, "the end of the first listing could not be noted");
                }
            }
        }
        // The watcher retries by itself and never ends; if it does, say so.
        tracing::error!("the watch ended; changes made outside the console are not recorded");
    }
}

/// Events this close together are handled as one, with the newest object: a burst (an
/// edit and the operator's reaction) is one decision, and the console's own change is
/// handled after the pipeline has written its result (SQLite has one writer at a time).
const SETTLE: std::time::Duration = std::time::Duration::from_secs(1);

/// Starts one watcher task per entry of `watched` on the current runtime.
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
