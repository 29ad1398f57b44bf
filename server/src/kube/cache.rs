//! Watch-backed caches of the objects the Overview shows, shared by every request: one
//! watch per kind with the console's own read-only identity, instead of a fan-out of API
//! calls per page view (issue: 1,000 overview renders/s). Sharing never widens what a user
//! sees: the Overview serves a kind from here only after the user's own
//! SelfSubjectAccessReview allows listing it (see `services::overview`).
//!
//! Each cache also knows whether it is usable: synced, or why not (the console's identity
//! lacks the permission, the API server is unreachable). A change to any cache bumps one
//! counter that live pages wait on.

use super::resources::Resource;
use futures::StreamExt;
use kube::api::DynamicObject;
use kube::runtime::reflector::{self, Store};
use kube::runtime::{WatchStreamExt, watcher};
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

/// The registry's namespace.
pub const NAMESPACE: &str = "openshift-image-registry";

/// A kind the Overview watches: the resource, where, and which object (all when `None`).
#[derive(Clone, Copy, Debug)]
pub struct Watched {
    pub resource: Resource,
    pub namespace: Option<&'static str>,
    pub name: Option<&'static str>,
}

/// What the Overview watches, in the order of [`Caches::get`]'s index.
pub const OVERVIEW_KINDS: [Watched; 8] = [
    Watched {
        resource: super::resources::CLUSTER_OPERATOR,
        namespace: None,
        name: Some("image-registry"),
    },
    Watched {
        resource: super::resources::REGISTRY_CONFIG,
        namespace: None,
        name: Some("cluster"),
    },
    Watched {
        resource: super::resources::IMAGE_PRUNER,
        namespace: None,
        name: Some("cluster"),
    },
    Watched {
        resource: super::resources::DEPLOYMENT,
        namespace: Some(NAMESPACE),
        name: None,
    },
    Watched {
        resource: super::resources::POD,
        namespace: Some(NAMESPACE),
        name: None,
    },
    Watched {
        resource: super::resources::PERSISTENT_VOLUME_CLAIM,
        namespace: Some(NAMESPACE),
        name: None,
    },
    Watched {
        resource: super::resources::EVENT,
        namespace: Some(NAMESPACE),
        name: None,
    },
    Watched {
        resource: super::resources::ROUTE,
        namespace: Some(NAMESPACE),
        name: None,
    },
];

/// Whether a cache can be served.
#[derive(Clone, Debug, Default)]
enum Health {
    #[default]
    Syncing,
    Synced,
    /// The watch failed: why (kept until it lists again).
    Failed(String),
}

/// One kind's cache.
pub struct Cache {
    pub watched: Watched,
    store: Store<DynamicObject>,
    health: Arc<Mutex<Health>>,
}

impl Cache {
    /// The objects, or why the cache cannot be served.
    pub fn objects(&self) -> Result<Vec<Arc<DynamicObject>>, String> {
        let health = self
            .health
            .lock()
            .map(|h| h.clone())
            .unwrap_or(Health::Failed("cache lock poisoned".into()));
        let what = self.watched.resource.oc_name();
        match health {
            Health::Synced => Ok(self.store.state()),
            Health::Syncing => Err(format!(
                "the console has not finished reading {what} yet; the page updates when it has"
            )),
            Health::Failed(why) => Err(format!("the console cannot watch {what}: {why}")),
        }
    }
}

/// Every cache, and the counter of changes live pages wait on.
pub struct Caches {
    caches: Vec<Cache>,
    changes: watch::Sender<u64>,
}

impl Caches {
    /// Starts one watch per kind with `client` (the console's own identity). The tasks
    /// retry with backoff for as long as the runtime lives.
    pub fn spawn(client: kube::Client, kinds: &[Watched]) -> Arc<Caches> {
        let (changes, _) = watch::channel(0u64);
        let caches = kinds
            .iter()
            .map(|watched| {
                let writer =
                    reflector::store::Writer::<DynamicObject>::new(watched.resource.api_resource());
                let store = writer.as_reader();
                let health = Arc::new(Mutex::new(Health::Syncing));
                tokio::spawn(run(
                    client.clone(),
                    *watched,
                    writer,
                    health.clone(),
                    changes.clone(),
                ));
                Cache {
                    watched: *watched,
                    store,
                    health,
                }
            })
            .collect();
        Arc::new(Caches { caches, changes })
    }

    /// The cache of `resource`, if it is watched.
    pub fn get(&self, resource: Resource) -> Option<&Cache> {
        self.caches.iter().find(|c| c.watched.resource == resource)
    }

    /// A receiver that sees the change counter move.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }
}

async fn run(
    client: kube::Client,
    watched: Watched,
    writer: reflector::store::Writer<DynamicObject>,
    health: Arc<Mutex<Health>>,
    changes: watch::Sender<u64>,
) {
    let config = match watched.name {
        Some(name) => watcher::Config::default().fields(&format!("metadata.name={name}")),
        None => watcher::Config::default(),
    };
    let api = watched.resource.api(client, watched.namespace);
    let stream = reflector::reflector(writer, watcher(api, config).default_backoff());
    let mut stream = std::pin::pin!(stream);
    let set = |h: Health| {
        if let Ok(mut health) = health.lock() {
            *health = h;
        }
    };
    while let Some(event) = stream.next().await {
        match event {
            Ok(watcher::Event::InitDone) => {
                set(Health::Synced);
                changes.send_modify(|n| *n += 1);
            }
            Ok(watcher::Event::Apply(_) | watcher::Event::Delete(_)) => {
                changes.send_modify(|n| *n += 1);
            }
            Ok(watcher::Event::Init | watcher::Event::InitApply(_)) => {}
            Err(e) => {
                tracing::warn!(resource = %watched.resource.oc_name(), error = %e, "overview watch failed; retrying with backoff");
                set(Health::Failed(e.to_string()));
                changes.send_modify(|n| *n += 1);
            }
        }
    }
}
