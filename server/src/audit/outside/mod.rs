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

pub use baseline::{Baseline, BaselineKey, load_baseline};
pub use decide::{
    Decision, Explained, OPERATOR_MANAGERS, Seen, Stamp, Writer, decide, explain, last_writer,
    outside_writer, plain_manager, stamps, writer_of_fields,
};
pub use watch::spawn;
pub mod lease;

use super::chain::EventKind;
use super::redact::{FingerprintKey, redact};
use super::store::{Actor, AuditError, AuditStore, NewEvent, ObjectRef};
use crate::kube::resources::{
    CLUSTER_ROLE_BINDING, CONFIG_MAP, IMAGE_CONFIG, IMAGE_PRUNER, REGISTRY_CONFIG, ROLE_BINDING,
    Resource,
};
use app::domain::access::REGISTRY_ROLES;
use app::domain::diff::{field_diff, strip_noise};
use kube::api::{Api, DynamicObject};
use serde_json::{Value, json};
use tracing::instrument;

/// Namespace of the ConfigMap the image config names for trusted registry CAs (guide 2.5).
pub const TRUST_NAMESPACE: &str = "openshift-config";

/// Which objects of a resource a watcher follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selection {
    /// One object, by name.
    Named(&'static str),
    /// Every object (in the namespace, or cluster-wide) that concerns the registry.
    Relevant(Relevance),
}

/// What makes an object of a [`Selection::Relevant`] watch concern the registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relevance {
    /// A binding of a role that grants registry access (guide 5.1, 5.5).
    RegistryRoleBinding,
    /// The ConfigMap the image config names in `spec.additionalTrustedCA` (guide 2.5).
    TrustedCaConfigMap,
}

/// Objects watched for changes made outside the console.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Watched {
    pub resource: Resource,
    /// `None`: cluster objects, or every namespace.
    pub namespace: Option<&'static str>,
    pub selection: Selection,
}

/// What the console watches: the registry's cluster singletons, the bindings of the
/// registry's roles, and the trusted-CA ConfigMap. Each needs get, list and watch for the
/// console's own identity (see README, "Changes made outside the console"). Secrets are
/// not watched: the console's own identity may not read them.
pub const WATCHED: &[Watched] = &[
    Watched {
        resource: REGISTRY_CONFIG,
        namespace: None,
        selection: Selection::Named("cluster"),
    },
    Watched {
        resource: IMAGE_PRUNER,
        namespace: None,
        selection: Selection::Named("cluster"),
    },
    Watched {
        resource: IMAGE_CONFIG,
        namespace: None,
        selection: Selection::Named("cluster"),
    },
    Watched {
        resource: ROLE_BINDING,
        namespace: None,
        selection: Selection::Relevant(Relevance::RegistryRoleBinding),
    },
    Watched {
        resource: CLUSTER_ROLE_BINDING,
        namespace: None,
        selection: Selection::Relevant(Relevance::RegistryRoleBinding),
    },
    Watched {
        resource: CONFIG_MAP,
        namespace: Some(TRUST_NAMESPACE),
        selection: Selection::Relevant(Relevance::TrustedCaConfigMap),
    },
];

impl Watched {
    /// `configs.imageregistry.operator.openshift.io`, as `oc` names resources; part of
    /// the baseline's key.
    pub fn resource(&self) -> String {
        self.resource.oc_name()
    }

    fn api(&self, client: kube::Client) -> Api<DynamicObject> {
        self.resource.api(client, self.namespace)
    }

    /// The baseline key and the audit trail's name of `object`.
    fn identify(&self, object: &DynamicObject) -> (BaselineKey, ObjectRef) {
        let namespace = object
            .metadata
            .namespace
            .clone()
            .filter(|_| self.resource.namespaced);
        let name = object.metadata.name.clone().unwrap_or_default();
        (
            BaselineKey {
                resource: self.resource(),
                namespace: namespace.clone().unwrap_or_default(),
                name: name.clone(),
            },
            self.resource.object_ref(namespace.as_deref(), &name),
        )
    }
}

/// The binding OpenShift creates in every project for its builder service account: a
/// new project is no grant of registry access.
const PROJECT_DEFAULT_BINDING: &str = "system:image-builders";

/// Whether a binding grants one of the registry's roles, other than a project's default
/// binding (pure).
pub fn is_registry_role_binding(object: &Value) -> bool {
    let name = object.pointer("/metadata/name").and_then(Value::as_str);
    name != Some(PROJECT_DEFAULT_BINDING)
        && object
            .pointer("/roleRef/name")
            .and_then(Value::as_str)
            .is_some_and(|role| REGISTRY_ROLES.contains(&role))
}

/// What a watch does with an object it sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Interest {
    /// Baseline it and record its changes.
    Record,
    /// Keep its baseline, so that its diff is right once it concerns the registry (a
    /// ConfigMap the image config may name later), but record nothing.
    Baseline,
    /// Not the registry's business.
    Ignore,
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
    pub db: crate::db::Db,
    pub audit: AuditStore,
    pub fingerprints: FingerprintKey,
}

impl OutsideRecorder {
    /// What the watch does with `object` (a binding of another role is ignored; a
    /// ConfigMap the image config does not name is only baselined).
    async fn interest(&self, watched: &Watched, object: &Value) -> Result<Interest, OutsideError> {
        Ok(match watched.selection {
            Selection::Named(_) => Interest::Record,
            Selection::Relevant(Relevance::RegistryRoleBinding) => {
                if is_registry_role_binding(object) {
                    Interest::Record
                } else {
                    Interest::Ignore
                }
            }
            Selection::Relevant(Relevance::TrustedCaConfigMap) => {
                // The image config's own watch keeps its latest state as a baseline.
                let image = load_baseline(
                    &self.db,
                    &BaselineKey {
                        resource: IMAGE_CONFIG.oc_name(),
                        namespace: String::new(),
                        name: "cluster".into(),
                    },
                )
                .await?;
                let named = image.and_then(|b| {
                    b.object
                        .pointer("/spec/additionalTrustedCA/name")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                });
                let is_named = named.is_some()
                    && named.as_deref() == object.pointer("/metadata/name").and_then(Value::as_str);
                if is_named {
                    Interest::Record
                } else {
                    Interest::Baseline
                }
            }
        })
    }

    /// Handles one sighting of an object of `watched`. The event is appended before the
    /// baseline moves: if the append fails, the next sighting (or the next start) records
    /// the change.
    #[instrument(skip_all, fields(object = %watched.resource(), name = ?object.metadata.name), err)]
    pub async fn observe(
        &self,
        watched: &Watched,
        object: &DynamicObject,
    ) -> Result<Decision, OutsideError> {
        let mut raw = serde_json::to_value(object)?;
        // `redact` finds secret fields by kind; a watch event always carries it, but be sure.
        if let Some(map) = raw.as_object_mut() {
            map.entry("kind")
                .or_insert_with(|| Value::String(watched.resource.kind.to_string()));
        }
        let interest = self.interest(watched, &raw).await?;
        if interest == Interest::Ignore {
            return Ok(Decision::Unchanged);
        }
        let (key, object_ref) = watched.identify(object);
        let now = Seen {
            uid: object.metadata.uid.clone().unwrap_or_default(),
            generation: object.metadata.generation.unwrap_or(0),
        };
        let entries = object
            .metadata
            .managed_fields
            .as_deref()
            .unwrap_or_default();
        let baseline = load_baseline(&self.db, &key).await?;
        let after = redact(&strip_noise(&raw), &self.fingerprints);
        let content_changed = baseline.as_ref().is_some_and(|b| b.object != after);
        let mut decision = decide(baseline.as_ref(), &now, entries, content_changed);
        // A new binding or ConfigMap is itself the change (a cluster singleton has always
        // existed; its first sighting is only where the record starts).
        if decision == Decision::FirstSight
            && matches!(watched.selection, Selection::Relevant(_))
            && self.started_watching(&key).await?
        {
            decision = match decide(Some(&Baseline::empty()), &now, entries, true) {
                Decision::Own => Decision::Own,
                Decision::Outside { writer, .. } => Decision::Outside {
                    writer,
                    recreated: false,
                },
                other => other,
            };
        }
        if decision == Decision::Unchanged {
            return Ok(decision);
        }
        // What the console wrote itself (a write of its own coalesced with the operator's in
        // one sighting) and what the operator filled in as its defaults is no outside change.
        let mut explained = None;
        if let Decision::Outside {
            recreated: false, ..
        } = &decision
            && interest == Interest::Record
        {
            let before = baseline
                .as_ref()
                .map(|b| b.object.clone())
                .unwrap_or(json!({}));
            let since = chrono::Utc::now() - chrono::Duration::minutes(30);
            let console = self.audit.console_writes(&object_ref, since).await?;
            let parts = explain(
                watched.resource.kind,
                field_diff(&before, &after),
                &console,
                &after,
                entries,
            );
            if parts.outside.is_empty() {
                tracing::debug!(
                    console = parts.console.len(),
                    operator = parts.operator.len(),
                    "a write explained by the console's own change and the operator's defaults"
                );
                decision = Decision::Own;
            } else {
                if let Decision::Outside { writer, .. } = &mut decision {
                    let before = baseline
                        .as_ref()
                        .map(|b| b.stamps.as_slice())
                        .unwrap_or(&[]);
                    **writer =
                        writer_of_fields((**writer).clone(), &parts.outside, entries, before);
                }
                explained = Some(parts);
            }
        }
        if let Decision::Outside { writer, recreated } = &decision
            && interest == Interest::Record
        {
            let before = baseline.as_ref().map(|b| b.object.clone());
            let (diff, also_explained) = match explained {
                Some(parts) => (
                    parts.outside,
                    json!({ "by_console": parts.console, "operator_defaults": parts.operator }),
                ),
                None => (
                    field_diff(before.as_ref().unwrap_or(&json!({})), &after),
                    Value::Null,
                ),
            };
            let event = self
                .record(
                    Actor {
                        subject: writer.manager.clone(),
                        name: writer.label(),
                        email: None,
                        groups: Vec::new(),
                    },
                    object_ref,
                    json!({
                        "objects": [{ "before": before, "after": after }],
                        "diff": [diff],
                        "generation": { "before": baseline.as_ref().map(|b| b.seen.generation), "after": now.generation },
                        "uid": now.uid,
                        "recreated": recreated,
                        "resource_version": object.metadata.resource_version,
                        "managed_fields": writer.entry,
                        "also_written_by": writer.also,
                        "explained": also_explained,
                    }),
                )
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
            &key,
            &Baseline {
                seen: now,
                stamps: stamps(entries),
                object: after,
            },
        )
        .await?;
        Ok(decision)
    }

    /// Handles the deletion of an object of `watched`: recorded, unless the console deleted
    /// it itself (its change pipeline audited that), then forgotten.
    pub async fn observe_deleted(
        &self,
        watched: &Watched,
        object: &DynamicObject,
    ) -> Result<bool, OutsideError> {
        let (key, object_ref) = watched.identify(object);
        self.deleted(&key, object_ref).await
    }

    /// After a listing of `watched` (at start, or after the watch was down): every object
    /// with a baseline that the listing did not show was deleted meanwhile.
    pub async fn observe_listing(
        &self,
        watched: &Watched,
        listed: &std::collections::BTreeSet<(String, String)>,
    ) -> Result<usize, OutsideError> {
        let mut recorded = 0;
        for key in baseline::keys_of(&self.db, &watched.resource()).await? {
            let outside_scope = watched.namespace.is_some_and(|ns| ns != key.namespace);
            if key.name == WATCH_STARTED
                || outside_scope
                || listed.contains(&(key.namespace.clone(), key.name.clone()))
            {
                continue;
            }
            let namespace = (!key.namespace.is_empty()).then_some(key.namespace.as_str());
            let object_ref = watched.resource.object_ref(namespace, &key.name);
            if self.deleted(&key, object_ref).await? {
                recorded += 1;
            }
        }
        Ok(recorded)
    }

    async fn deleted(
        &self,
        key: &BaselineKey,
        object_ref: ObjectRef,
    ) -> Result<bool, OutsideError> {
        let Some(baseline) = load_baseline(&self.db, key).await? else {
            return Ok(false);
        };
        let since = chrono::Utc::now() - chrono::Duration::minutes(10);
        let recorded = if self.audit.deleted_by_console(&object_ref, since).await? {
            false
        } else {
            self.record(
                Actor {
                    subject: "deleted".into(),
                    name: plain_manager("deleted"),
                    email: None,
                    groups: Vec::new(),
                },
                object_ref,
                json!({
                    "objects": [{ "before": baseline.object, "after": null }],
                    "diff": [field_diff(&baseline.object, &json!({}))],
                    "uid": baseline.seen.uid,
                    "deleted": true,
                }),
            )
            .await?;
            true
        };
        baseline::remove_baseline(&self.db, key).await?;
        Ok(recorded)
    }

    /// Whether this console's watch of `key`'s resource is past its first listing: only
    /// then is a new object a change rather than one that was always there. A watch marks
    /// its resource as started once its first listing is handled.
    async fn started_watching(&self, key: &BaselineKey) -> Result<bool, OutsideError> {
        let marker = BaselineKey {
            resource: key.resource.clone(),
            namespace: String::new(),
            name: WATCH_STARTED.into(),
        };
        Ok(load_baseline(&self.db, &marker).await?.is_some())
    }

    /// Marks `watched`'s resource as listed once (see [`Self::started_watching`]).
    pub async fn mark_started(&self, watched: &Watched) -> Result<(), OutsideError> {
        baseline::save_baseline(
            &self.db,
            &BaselineKey {
                resource: watched.resource(),
                namespace: String::new(),
                name: WATCH_STARTED.into(),
            },
            &Baseline::empty(),
        )
        .await
    }

    async fn record(
        &self,
        actor: Actor,
        object: ObjectRef,
        payload: Value,
    ) -> Result<super::chain::Event, OutsideError> {
        Ok(self
            .audit
            .append(NewEvent {
                change_id: uuid::Uuid::new_v4().to_string(),
                kind: EventKind::Outside,
                actor,
                client_addr: None,
                request_id: None,
                reason: Some("changed outside the console".to_string()),
                objects: vec![object],
                outcome: None,
                payload,
            })
            .await?)
    }
}

/// The name of the marker row that says a resource's watch has listed once (no object is
/// named so: names are DNS labels or subdomains).
const WATCH_STARTED: &str = "*listed*";

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
        let maps = WATCHED
            .iter()
            .find(|w| w.resource == CONFIG_MAP)
            .expect("trusted CA maps");
        assert_eq!(maps.resource(), "configmaps");
        let map: DynamicObject = serde_json::from_value(json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": { "name": "registry-cas", "namespace": TRUST_NAMESPACE }
        }))
        .expect("map");
        let (key, object) = maps.identify(&map);
        assert_eq!(key.namespace, TRUST_NAMESPACE);
        assert_eq!(
            object.to_string(),
            "ConfigMap openshift-config/registry-cas"
        );
    }

    #[test]
    fn only_bindings_of_registry_roles_concern_the_registry() {
        let binding = |role: &str| json!({ "roleRef": { "kind": "ClusterRole", "name": role } });
        for role in REGISTRY_ROLES {
            assert!(is_registry_role_binding(&binding(role)), "{role}");
        }
        assert!(!is_registry_role_binding(&binding("admin")));
        assert!(!is_registry_role_binding(&json!({})));
    }

    fn binding(name: &str, role: &str, managers: &[(&str, &str)], users: &[&str]) -> DynamicObject {
        let fields: Vec<Value> = managers
            .iter()
            .map(|(m, t)| json!({ "manager": m, "operation": "Update", "time": t, "fieldsType": "FieldsV1", "fieldsV1": {} }))
            .collect();
        let subjects: Vec<Value> = users
            .iter()
            .map(|u| json!({ "kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": u }))
            .collect();
        serde_json::from_value(json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": { "name": name, "namespace": "team-a", "uid": format!("uid-{name}"), "resourceVersion": "7", "managedFields": fields },
            "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role },
            "subjects": subjects
        }))
        .expect("binding")
    }

    /// Bindings have no generation: a change is other content. Before the first listing
    /// ends, what is there is the starting point; afterwards a new binding is a change, and
    /// so is a deletion, unless the console's own audited change did it.
    #[tokio::test]
    async fn bindings_are_recorded_when_created_changed_or_deleted_outside() {
        let (r, _dir) = recorder().await;
        let w = WATCHED
            .iter()
            .find(|w| w.resource == ROLE_BINDING)
            .expect("bindings");
        let listed = binding(
            "registry-viewer",
            "registry-viewer",
            &[("kubectl-create", T1)],
            &["alice"],
        );
        assert_eq!(
            r.observe(w, &listed).await.expect("listed"),
            Decision::FirstSight
        );
        // Another role's binding is none of the registry's business.
        let other = binding("admin", "admin", &[("kubectl-create", T1)], &["alice"]);
        assert_eq!(
            r.observe(w, &other).await.expect("other"),
            Decision::Unchanged
        );
        r.mark_started(w).await.expect("listed once");

        let added = binding(
            "registry-viewer",
            "registry-viewer",
            &[("kubectl-create", T1), ("oc", T2)],
            &["alice", "bob"],
        );
        match r.observe(w, &added).await.expect("added") {
            Decision::Outside { writer, .. } => assert_eq!(writer.manager, "oc"),
            other => panic!("{other:?}"),
        }
        let new = binding(
            "registry-editor",
            "registry-editor",
            &[("kubectl-create", T3)],
            &["carol"],
        );
        assert!(matches!(
            r.observe(w, &new).await.expect("new"),
            Decision::Outside { .. }
        ));
        let own = binding(
            "registry-editor-2",
            "registry-editor",
            &[(crate::change::FIELD_MANAGER, T3)],
            &["dan"],
        );
        assert_eq!(r.observe(w, &own).await.expect("own"), Decision::Own);
        assert!(r.observe_deleted(w, &added).await.expect("deleted"));
        assert!(
            !r.observe_deleted(w, &added).await.expect("again"),
            "forgotten once recorded"
        );

        let events = outside_events(&r).await;
        assert_eq!(events.len(), 3);
        let payloads: Vec<Value> = events
            .iter()
            .map(|e| serde_json::from_str(&e.payload).expect("payload"))
            .collect();
        assert!(
            payloads[0]["diff"][0].to_string().contains("bob"),
            "{}",
            payloads[0]
        );
        assert_eq!(payloads[1]["objects"][0]["before"], Value::Null, "created");
        assert_eq!(payloads[2]["objects"][0]["after"], Value::Null, "deleted");
        assert_eq!(
            events[2].objects,
            r#"[{"group":"rbac.authorization.k8s.io","kind":"RoleBinding","namespace":"team-a","name":"registry-viewer"}]"#
        );
    }

    /// Only the ConfigMap the image config names for trusted CAs is recorded; every
    /// ConfigMap of openshift-config keeps a baseline, so that once the image config names
    /// one, its next change shows as a diff rather than as a creation.
    #[tokio::test]
    async fn the_trusted_ca_map_is_the_one_the_image_config_names() {
        let (r, _dir) = recorder().await;
        let maps = WATCHED
            .iter()
            .find(|w| w.resource == CONFIG_MAP)
            .expect("maps");
        r.mark_started(maps).await.expect("listed once");
        let map = |name: &str, ca: &str, manager: &str| -> DynamicObject {
            serde_json::from_value(json!({
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": { "name": name, "namespace": TRUST_NAMESPACE, "uid": format!("u-{name}"),
                    "managedFields": [{ "manager": manager, "operation": "Update", "time": T1, "fieldsType": "FieldsV1", "fieldsV1": {} }] },
                "data": { "registry.example.com..5000": ca }
            }))
            .expect("map")
        };
        // Created before the image config names it: a baseline, nothing recorded.
        r.observe(maps, &map("registry-cas", "first CA", "kubectl-create"))
            .await
            .expect("unnamed");
        assert!(outside_events(&r).await.is_empty());
        let image: DynamicObject = serde_json::from_value(json!({
            "apiVersion": "config.openshift.io/v1", "kind": "Image",
            "metadata": { "name": "cluster", "uid": "i1", "generation": 2 },
            "spec": { "additionalTrustedCA": { "name": "registry-cas" } }
        }))
        .expect("image");
        r.observe(&WATCHED[2], &image).await.expect("image config");
        r.observe(maps, &map("unrelated", "x", "kubectl-create"))
            .await
            .expect("other");
        assert!(matches!(
            r.observe(maps, &map("registry-cas", "second CA", "kubectl-edit"))
                .await
                .expect("named"),
            Decision::Outside { .. }
        ));
        let events = outside_events(&r).await;
        assert_eq!(events.len(), 1, "only the named map");
        let payload: Value = serde_json::from_str(&events[0].payload).expect("payload");
        assert_eq!(
            payload["diff"][0],
            json!([{ "path": "data.registry.example.com..5000", "before": "first CA", "after": "second CA" }])
        );
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
        assert_eq!(e.actor_name, "kubectl patch");
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
        let (key, _) = w.identify(&patched);
        let stored = load_baseline(&r.db, &key)
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
