//! Changes made outside the console (`oc edit`, `kubectl patch`, another controller), seen
//! afterwards and recorded as [`EventKind::Outside`] events (SPEC §5, §6).
//!
//! A watcher per watched object, with the console's own client (read-only: get, list,
//! watch). For each object the console keeps a baseline in its database: the generation,
//! the uid, the managedFields stamps (manager, operation, time) and the object without
//! server noise, redacted. When the object shows a generation newer than the baseline (or,
//! for objects without a generation such as ConfigMaps, Secrets and RoleBindings: other
//! content at another resourceVersion),
//! `metadata.managedFields` says who wrote it (the newest entry of the object itself, not
//! of a subresource such as status, that moved since the baseline; see [`last_writer`]):
//! when only the console's own field manager wrote since the baseline, the change pipeline
//! wrote it and audited it already, so only the baseline moves; when anyone else wrote too
//! (even before the console's newer write), the newest of them gets an `outside` event
//! with the diff from the baseline (see [`outside_writer`]). The baseline is persisted, so
//! a change made while the console was down is recorded at the next start.
//!
//! Pure parts: [`decide`] ([`last_writer`], [`outside_writer`]); I/O: [`baseline`] (the
//! stored baselines), [`watch`] (the watchers) and [`OutsideRecorder`], which puts them
//! together.

mod baseline;
mod decide;
mod watch;

pub use baseline::{Baseline, load_baseline};
pub use decide::{Decision, Seen, Stamp, Writer, decide, last_writer, outside_writer, stamps};
pub use watch::spawn;

use super::chain::EventKind;
use super::redact::{FingerprintKey, redact};
use super::store::{Actor, AuditError, AuditStore, NewEvent, ObjectRef};
use crate::kube::resources::{IMAGE_CONFIG, IMAGE_PRUNER, REGISTRY_CONFIG, Resource};
use app::domain::diff::{field_diff, strip_noise};
use kube::api::{Api, DynamicObject};
use serde_json::{Value, json};
use sqlx::SqlitePool;
use tracing::instrument;

/// One object watched for changes made outside the console.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Watched {
    pub resource: Resource,
    pub namespace: Option<&'static str>,
    pub name: &'static str,
}

/// What the console watches: the registry's cluster singletons. Each needs get, list and
/// watch for the console's own identity (see README, "Changes made outside the console").
pub const WATCHED: &[Watched] = &[
    Watched {
        resource: REGISTRY_CONFIG,
        namespace: None,
        name: "cluster",
    },
    Watched {
        resource: IMAGE_PRUNER,
        namespace: None,
        name: "cluster",
    },
    Watched {
        resource: IMAGE_CONFIG,
        namespace: None,
        name: "cluster",
    },
];

impl Watched {
    /// `configs.imageregistry.operator.openshift.io`, as `oc` names resources; the
    /// baseline's key.
    pub fn resource(&self) -> String {
        self.resource.oc_name()
    }

    pub fn object_ref(&self) -> ObjectRef {
        self.resource.object_ref(self.namespace, self.name)
    }

    fn api(&self, client: kube::Client) -> Api<DynamicObject> {
        self.resource.api(client, self.namespace)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OutsideError {
    #[error("the baseline of changes outside the console cannot be read or written: {0}")]
    Baseline(#[from] sqlx::Error),
    #[error(transparent)]
    Audit(#[from] AuditError),
    #[error("the object cannot be read as JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// Compares what it is shown with the baseline and records changes made outside the
/// console.
#[derive(Clone)]
pub struct OutsideRecorder {
    pub db: SqlitePool,
    pub audit: AuditStore,
    pub fingerprints: FingerprintKey,
}

impl OutsideRecorder {
    /// Handles one sighting of `watched`. The event is appended before the baseline moves:
    /// if the append fails, the next sighting (or the next start) records the change.
    #[instrument(skip_all, fields(object = %watched.resource(), name = watched.name), err)]
    pub async fn observe(
        &self,
        watched: &Watched,
        object: &DynamicObject,
    ) -> Result<Decision, OutsideError> {
        let now = Seen {
            uid: object.metadata.uid.clone().unwrap_or_default(),
            generation: object.metadata.generation.unwrap_or(0),
        };
        let entries = object
            .metadata
            .managed_fields
            .as_deref()
            .unwrap_or_default();
        let baseline = load_baseline(&self.db, watched).await?;
        let mut raw = serde_json::to_value(object)?;
        // `redact` finds secret fields by kind; a watch event always carries it, but be sure.
        if let Some(map) = raw.as_object_mut() {
            map.entry("kind")
                .or_insert_with(|| Value::String(watched.resource.kind.to_string()));
        }
        let after = redact(&strip_noise(&raw), &self.fingerprints);
        let content_changed = baseline.as_ref().is_some_and(|b| b.object != after);
        let decision = decide(baseline.as_ref(), &now, entries, content_changed);
        if decision == Decision::Unchanged {
            return Ok(decision);
        }
        if let (Decision::Outside { writer, recreated }, Some(base)) = (&decision, &baseline) {
            let diff = field_diff(&base.object, &after);
            let event = self
                .audit
                .append(NewEvent {
                    change_id: uuid::Uuid::new_v4().to_string(),
                    kind: EventKind::Outside,
                    actor: Actor {
                        subject: writer.manager.clone(),
                        name: writer.label(),
                        email: None,
                        groups: Vec::new(),
                    },
                    client_addr: None,
                    request_id: None,
                    reason: Some("changed outside the console".to_string()),
                    objects: vec![watched.object_ref()],
                    outcome: None,
                    payload: json!({
                        "objects": [{ "before": base.object, "after": after }],
                        "diff": [diff],
                        "generation": { "before": base.seen.generation, "after": now.generation },
                        "uid": now.uid,
                        "recreated": recreated,
                        "resource_version": object.metadata.resource_version,
                        "managed_fields": writer.entry,
                        "also_written_by": writer.also,
                    }),
                })
                .await?;
            tracing::info!(
                seq = event.seq,
                manager = %writer.manager,
                generation = now.generation,
                "recorded a change made outside the console"
            );
        }
        baseline::save_baseline(
            &self.db,
            watched,
            &Baseline {
                seen: now,
                stamps: stamps(entries),
                object: after,
            },
        )
        .await?;
        Ok(decision)
    }
}

#[cfg(test)]
mod tests {
    use super::decide::Decision;
    use super::*;
    use futures::StreamExt;
    use serde_json::json;

    const T1: &str = "2026-11-24T03:00:00Z";
    const T2: &str = "2026-11-24T03:00:05Z";
    const T3: &str = "2026-11-24T03:00:09Z";

    fn seen(uid: &str, generation: i64) -> Seen {
        Seen {
            uid: uid.into(),
            generation,
        }
    }

    #[test]
    fn resources_are_named_as_oc_names_them() {
        assert_eq!(
            WATCHED[0].resource(),
            "configs.imageregistry.operator.openshift.io"
        );
        assert_eq!(WATCHED[2].resource(), "images.config.openshift.io");
        let core = Watched {
            resource: crate::kube::resources::CONFIG_MAP,
            namespace: Some("ns"),
            name: "s",
        };
        assert_eq!(core.resource(), "configmaps");
        assert_eq!(core.object_ref().namespace.as_deref(), Some("ns"));
    }

    async fn recorder() -> (OutsideRecorder, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("dir");
        let db = crate::db::open(&format!("sqlite://{}", dir.path().join("o.db").display()))
            .await
            .expect("db");
        (
            OutsideRecorder {
                audit: AuditStore::new(db.clone()),
                db,
                fingerprints: FingerprintKey([5u8; 32]),
            },
            dir,
        )
    }

    fn config(generation: i64, log_level: &str, managers: &[(&str, &str)]) -> DynamicObject {
        let fields: Vec<Value> = managers
            .iter()
            .map(|(m, t)| json!({ "manager": m, "operation": "Update", "time": t, "fieldsType": "FieldsV1", "fieldsV1": {} }))
            .collect();
        serde_json::from_value(json!({
            "apiVersion": "imageregistry.operator.openshift.io/v1", "kind": "Config",
            "metadata": { "name": "cluster", "uid": "u1", "generation": generation, "resourceVersion": "1", "managedFields": fields },
            "spec": { "logLevel": log_level, "httpSecret": "s3cr3t-http-secret" },
            "status": { "observedGeneration": generation }
        }))
        .expect("object")
    }

    async fn outside_events(r: &OutsideRecorder) -> Vec<super::super::chain::Event> {
        let events: Vec<_> = r.audit.events().collect().await;
        events
            .into_iter()
            .map(|e| e.expect("event"))
            .filter(|e| e.kind == EventKind::Outside)
            .collect()
    }

    #[tokio::test]
    async fn sightings_record_outside_changes_once_redacted_and_move_the_baseline() {
        let (r, _dir) = recorder().await;
        let w = &WATCHED[0];
        let first = config(3, "Normal", &[("registry-console", T1)]);
        assert_eq!(
            r.observe(w, &first).await.expect("first"),
            Decision::FirstSight
        );
        assert_eq!(
            r.observe(w, &first).await.expect("again"),
            Decision::Unchanged
        );
        let own = config(4, "Debug", &[("registry-console", T2)]);
        assert_eq!(r.observe(w, &own).await.expect("own"), Decision::Own);
        assert!(outside_events(&r).await.is_empty());
        let patched = config(
            5,
            "Trace",
            &[("registry-console", T2), ("kubectl-patch", T3)],
        );
        assert!(matches!(
            r.observe(w, &patched).await.expect("patched"),
            Decision::Outside { .. }
        ));
        assert_eq!(
            r.observe(w, &patched).await.expect("replayed"),
            Decision::Unchanged
        );
        let events = outside_events(&r).await;
        assert_eq!(events.len(), 1);
        let e = &events[0];
        assert_eq!(e.actor_subject, "kubectl-patch");
        assert_eq!(e.actor_name, "kubectl-patch (Update)");
        assert!(!e.payload.contains("s3cr3t-http-secret"), "{}", e.payload);
        let payload: Value = serde_json::from_str(&e.payload).expect("payload");
        assert_eq!(
            payload["diff"][0],
            json!([{ "path": "spec.logLevel", "before": "Debug", "after": "Trace" }])
        );
        assert_eq!(payload["generation"], json!({ "before": 4, "after": 5 }));
        assert_eq!(payload["managed_fields"]["manager"], "kubectl-patch");
        let rows = r
            .audit
            .list(&Default::default(), None, 10)
            .await
            .expect("list");
        assert_eq!(rows[0].outcome, "outside");
        let stored = load_baseline(&r.db, w)
            .await
            .expect("load")
            .expect("baseline");
        assert_eq!(stored.seen, seen("u1", 5));
        assert_eq!(
            stored
                .stamps
                .iter()
                .map(|s| s.manager.as_str())
                .collect::<Vec<_>>(),
            vec!["registry-console", "kubectl-patch"]
        );
        assert!(!stored.object.to_string().contains("s3cr3t-http-secret"));
        assert!(stored.object.get("status").is_none());
        assert_eq!(r.audit.verify().await.expect("read"), Ok(1));
    }
}
