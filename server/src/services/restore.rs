//! Audited versions of an object: compared with each other or with the object as it is
//! now, and restored through the change pipeline (SPEC §5) like any other change. The
//! trail keeps each version redacted, so a restore sets back every field but the secret
//! values, which stay as they are now (and the review says which).

use super::{change_error, decode_draft, get_object, refused_rules};
use crate::audit::chain::{Event, EventKind};
use crate::audit::redact::redact;
use crate::audit::store::ObjectRef;
use crate::change::pipeline::Confirmations;
use crate::change::{
    ChangePipeline, ChangeRequest, FollowUpPlan, PipelineError, Requester, RestoredVersion, Step,
};
use crate::kube::resources::{
    CLUSTER_ROLE_BINDING, CONFIG_MAP, IMAGE_CONFIG, IMAGE_PRUNER, PERSISTENT_VOLUME_CLAIM,
    REGISTRY_CONFIG, ROLE_BINDING, Resource, SECRET, by_kind,
};
use app::api::error::ConsoleError;
use app::api::ports::{BoxFuture, ChangeService, VersionAccess};
use app::domain::audit::{ObjectVersion, payload_diffs};
use app::domain::change::{Applied, ChangePreview};
use app::domain::diff::strip_noise;
use app::domain::form_draft::FormDraft;
use app::domain::restore::{
    NotRestorable, NowState, RestoreOffer, SeenObject, VersionComparison, compare, content,
    credential_storage, read_draft, restore_plan,
};
use app::domain::violation::{Severity, Violation};
use serde_json::{Value, json};
use std::sync::Arc;

/// The kinds a restore writes: those the console changes. Secrets are left out on
/// purpose: their values are never in the trail.
const RESTORABLE: [Resource; 7] = [
    REGISTRY_CONFIG,
    IMAGE_PRUNER,
    IMAGE_CONFIG,
    CONFIG_MAP,
    ROLE_BINDING,
    CLUSTER_ROLE_BINDING,
    PERSISTENT_VOLUME_CLAIM,
];

/// One request's access to the trail's versions and to the objects as they are now, as
/// its user.
pub struct RestoreService {
    pub client: kube::Client,
    pub pipeline: Arc<ChangePipeline>,
    pub requester: Requester,
    /// Only admins restore (the pipeline's server function checks again).
    pub admin: bool,
}

/// One object's version as a change recorded it.
struct Recorded {
    meta: ObjectVersion,
    object: ObjectRef,
    /// Redacted, without server noise; `None`: the change deleted the object.
    state: Option<Value>,
}

fn refused(field: &str, key: &str) -> ConsoleError {
    change_error(PipelineError::Invalid(vec![Violation {
        field: field.into(),
        key: key.into(),
        params: Vec::new(),
        severity: Severity::Error,
    }]))
}

/// Whether the change whose events these are wrote `object` (an outside change did, by
/// being seen; a console change did when its result lists it as applied).
fn wrote(events: &[Event], object: &ObjectRef) -> bool {
    let wanted = serde_json::to_value(object).unwrap_or_default();
    events.iter().any(|e| match e.kind {
        EventKind::Outside => true,
        EventKind::Result => serde_json::from_str::<Value>(&e.payload)
            .ok()
            .and_then(|p| p.get("applied").cloned())
            .and_then(|a| a.as_array().cloned())
            .is_some_and(|list| list.contains(&wanted)),
        _ => false,
    })
}

/// Object `index` of the change whose events are `events`, as that change left it.
fn recorded_in(change_id: &str, events: &[Event], index: usize) -> Result<Recorded, ConsoleError> {
    let Some(first) = events.first() else {
        return Err(ConsoleError::Invalid(format!(
            "there is no change {change_id} in the audit trail"
        )));
    };
    let objects: Vec<ObjectRef> = serde_json::from_str(&first.objects).unwrap_or_default();
    let object = objects.get(index).cloned().ok_or_else(|| {
        ConsoleError::Invalid(format!("change {change_id} has no object {index}"))
    })?;
    if !wrote(events, &object) {
        return Err(ConsoleError::Invalid(format!(
            "change {change_id} did not write {object}: it made no version of it"
        )));
    }
    let payload: Value = serde_json::from_str(&first.payload).unwrap_or_default();
    let state = payload["objects"][index]
        .get("after")
        .filter(|a| !a.is_null())
        .cloned();
    let diffs = payload_diffs(&payload);
    let fields = diffs
        .get(index)
        .map(|changes| changes.iter().map(|c| c.path.clone()).collect())
        .unwrap_or_default();
    let outcome = events
        .iter()
        .rev()
        .find_map(|e| e.outcome.clone())
        .unwrap_or_default();
    Ok(Recorded {
        meta: ObjectVersion {
            change_id: first.change_id.clone(),
            at: first.at.clone(),
            actor_subject: first.actor_subject.clone(),
            actor_name: first.actor_name.clone(),
            reason: first.reason.clone(),
            outside: first.kind == EventKind::Outside,
            outcome,
            fields,
            object_index: index,
        },
        object,
        state,
    })
}

impl RestoreService {
    /// Every event of change `change_id`.
    async fn events(&self, change_id: &str) -> Result<Vec<Event>, ConsoleError> {
        self.pipeline
            .audit
            .change_events(change_id)
            .await
            .map_err(|e| ConsoleError::Unavailable(e.to_string()))
    }

    /// Object `index` of change `change_id` as that change left it.
    async fn recorded(&self, change_id: &str, index: usize) -> Result<Recorded, ConsoleError> {
        recorded_in(change_id, &self.events(change_id).await?, index)
    }

    /// The same object as change `change_id` left it (it must have touched it).
    async fn recorded_of(
        &self,
        change_id: &str,
        object: &ObjectRef,
    ) -> Result<Recorded, ConsoleError> {
        let events = self.events(change_id).await?;
        let objects: Vec<ObjectRef> = events
            .first()
            .map(|e| serde_json::from_str(&e.objects).unwrap_or_default())
            .unwrap_or_default();
        let index = objects.iter().position(|o| o == object).ok_or_else(|| {
            ConsoleError::Invalid(format!("change {change_id} did not touch {object}"))
        })?;
        recorded_in(change_id, &events, index)
    }

    /// The object as it is now, as the user (real values: never sent to the browser).
    async fn now(
        &self,
        resource: Resource,
        object: &ObjectRef,
    ) -> Result<Option<Value>, ConsoleError> {
        get_object(
            &self.client,
            resource,
            object.namespace.as_deref(),
            &object.name,
        )
        .await
    }

    fn shown(&self, object: &Value) -> Value {
        redact(&strip_noise(object), &self.pipeline.fingerprints)
    }

    /// What a restore of `recorded` would need, or why there is none.
    fn offer(
        &self,
        recorded: &Recorded,
        resource: Option<Resource>,
        now: &Result<Option<Value>, ConsoleError>,
    ) -> Result<RestoreOffer, NotRestorable> {
        if !self.admin {
            return Err(NotRestorable::NotAdmin);
        }
        let Some(version) = &recorded.state else {
            return Err(NotRestorable::Deletion);
        };
        let resource = match resource {
            Some(r) if r == SECRET => return Err(NotRestorable::SecretValues),
            Some(r) if RESTORABLE.contains(&r) => r,
            _ => return Err(NotRestorable::Kind),
        };
        let Ok(current) = now else {
            return Err(NotRestorable::NowUnreadable);
        };
        let shown = current.as_ref().map(|c| self.shown(c));
        let plan = restore_plan(version, current.as_ref(), shown.as_ref());
        if let Some(shown) = &shown
            && compare(shown, &self.shown(&plan.desired)).is_empty()
        {
            return Err(NotRestorable::Same);
        }
        let state = |object: Option<&Value>| {
            object
                .and_then(|o| o.pointer("/spec/managementState"))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        Ok(RestoreOffer {
            base: match (current, &shown) {
                (Some(current), Some(shown)) => serde_json::to_string(&SeenObject {
                    version: current
                        .pointer("/metadata/resourceVersion")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    content: content(shown),
                })
                .unwrap_or_default(),
                _ => String::new(),
            },
            kept_secrets: plan.kept_secrets,
            credentials: (resource == REGISTRY_CONFIG)
                .then(|| credential_storage(version))
                .flatten(),
            registry_config: resource == REGISTRY_CONFIG,
            removal: state(Some(version)).as_deref() == Some("Removed")
                && state(current.as_ref()).as_deref() != Some("Removed"),
            creates: current.is_none(),
        })
    }

    async fn comparison(
        &self,
        version: String,
        index: usize,
        with: String,
    ) -> Result<VersionComparison, ConsoleError> {
        let recorded = self.recorded(&version, index).await?;
        let resource = by_kind(&recorded.object.group, &recorded.object.kind).copied();
        let now = match resource {
            Some(resource) => self.now(resource, &recorded.object).await,
            None => Err(ConsoleError::Invalid(format!(
                "the console does not read {}",
                recorded.object
            ))),
        };
        let empty = json!({});
        let from = recorded.state.as_ref().unwrap_or(&empty);
        let (with_meta, changes) = if with.trim().is_empty() {
            let changes = match &now {
                Ok(current) => compare(
                    from,
                    &current.as_ref().map(|c| self.shown(c)).unwrap_or_default(),
                ),
                Err(_) => Vec::new(),
            };
            (None, changes)
        } else {
            let other = self.recorded_of(with.trim(), &recorded.object).await?;
            let changes = compare(from, other.state.as_ref().unwrap_or(&empty));
            (Some(other.meta), changes)
        };
        let restore = self.offer(&recorded, resource, &now);
        Ok(VersionComparison {
            object: super::audit::object_labels(
                &serde_json::to_string(&[&recorded.object]).unwrap_or_default(),
            )
            .into_iter()
            .next()
            .unwrap_or_default(),
            object_index: index,
            version_deleted: recorded.state.is_none(),
            now: match &now {
                Ok(Some(_)) => NowState::Exists,
                Ok(None) => NowState::Absent,
                Err(e) => NowState::Unreadable(e.to_string()),
            },
            version: recorded.meta,
            with: with_meta,
            changes,
            restore,
        })
    }

    /// The restore form as a pipeline request, the version it restores, and the reason the
    /// review starts with.
    async fn request(
        &self,
        draft: &str,
        reason: String,
    ) -> Result<(ChangeRequest, RestoredVersion, String), ConsoleError> {
        let draft: FormDraft = decode_draft(draft)?;
        let draft = read_draft(&draft).map_err(|v| change_error(PipelineError::Invalid(v)))?;
        let recorded = self.recorded(&draft.version, draft.object).await?;
        let field = app::domain::restore::FIELD_VERSION;
        let Some(version) = &recorded.state else {
            return Err(refused(field, "restore.deletion"));
        };
        let resource = match by_kind(&recorded.object.group, &recorded.object.kind).copied() {
            Some(r) if r == SECRET => return Err(refused(field, "restore.secret_values")),
            Some(r) if RESTORABLE.contains(&r) => r,
            _ => return Err(refused(field, "restore.kind")),
        };
        let current = self.now(resource, &recorded.object).await?;
        let shown = current.as_ref().map(|c| self.shown(c));
        let mut plan = restore_plan(version, current.as_ref(), shown.as_ref());
        let mut warnings: Vec<Violation> = Vec::new();
        if resource == REGISTRY_CONFIG && draft.new_http_secret {
            plan.desired["spec"]["httpSecret"] =
                json!(super::registry_config::generate_http_secret());
            plan.kept_secrets.retain(|f| f != "spec.httpSecret");
        }
        for kept in &plan.kept_secrets {
            warnings.push(Violation {
                field: kept.clone(),
                key: "restore.secret_kept".into(),
                params: vec![("field".into(), kept.clone())],
                severity: Severity::Warning,
            });
        }
        if resource == REGISTRY_CONFIG
            && let Some(storage) = credential_storage(version)
        {
            warnings.push(Violation {
                field: "spec.storage".into(),
                key: "restore.credentials_kept".into(),
                params: vec![("type".into(), storage)],
                severity: Severity::Warning,
            });
        }
        let namespace = recorded.object.namespace.as_deref();
        let step = match &draft.seen {
            // Gone when the user looked: created again (a conflict if it is back now).
            None => Step::create(resource, namespace, plan.desired),
            Some(seen) => {
                let mut base = seen.content.clone();
                if let Some(map) = base.as_object_mut() {
                    map.insert(
                        "metadata".into(),
                        json!({
                            "name": recorded.object.name,
                            "namespace": recorded.object.namespace,
                            "resourceVersion": seen.version,
                        }),
                    );
                }
                Step::patch(
                    resource,
                    namespace,
                    &recorded.object.name,
                    base,
                    true,
                    plan.desired,
                )
            }
        };
        let request = ChangeRequest {
            reason,
            steps: vec![step],
            confirmations: Confirmations {
                removal: draft.confirm_removed,
            },
            follow_up: if resource == REGISTRY_CONFIG {
                FollowUpPlan::RegistryRollout
            } else {
                FollowUpPlan::None
            },
            warnings,
        };
        let suggested: String = draft
            .reason
            .trim()
            .chars()
            .take(self.pipeline.max_reason)
            .collect();
        Ok((
            request,
            RestoredVersion {
                change_id: recorded.meta.change_id,
                object: recorded.object,
            },
            suggested,
        ))
    }
}

impl VersionAccess for RestoreService {
    fn compare(
        &self,
        version: String,
        object: usize,
        with: String,
    ) -> BoxFuture<'_, Result<VersionComparison, ConsoleError>> {
        Box::pin(self.comparison(version, object, with))
    }
}

impl ChangeService for RestoreService {
    /// The form has nothing to type but a choice or two: its checks are the request's.
    fn check(&self, draft: String) -> BoxFuture<'_, Result<Vec<Violation>, ConsoleError>> {
        Box::pin(async move { refused_rules(self.request(&draft, String::new()).await) })
    }

    fn preview(&self, draft: String) -> BoxFuture<'_, Result<ChangePreview, ConsoleError>> {
        Box::pin(async move {
            let (request, _, suggested) = self.request(&draft, String::new()).await?;
            let mut preview = self
                .pipeline
                .preview(self.client.clone(), &request)
                .await
                .map_err(change_error)?;
            preview.suggested_reason = (!suggested.is_empty()).then_some(suggested);
            Ok(preview)
        })
    }

    fn apply(&self, draft: String, reason: String) -> BoxFuture<'_, Result<Applied, ConsoleError>> {
        Box::pin(async move {
            let (request, restores, _) = self.request(&draft, reason).await?;
            self.pipeline
                .apply_restoring(self.client.clone(), &self.requester, request, restores)
                .await
                .map_err(change_error)
        })
    }
}
