//! The change pipeline (SPEC §5): every write to the cluster goes through [`ChangePipeline::apply`].
//!
//! reason → conflict check against what the user edited → the operator's rules → diff and
//! merge patch per object → server-side dry run of every object → audit intent (nothing is
//! applied if it cannot be written) → apply in order, each patch carrying the
//! `resourceVersion` the user saw (the API server answers 409 instead of overwriting a
//! newer object) → audit result. The follow-up (watching the operator) is a separate step
//! recorded on the same change.
//!
//! Every Kubernetes call here uses the client it is given, which acts as the signed-in
//! user; the pipeline never holds the console's own credentials.

use crate::audit::chain::EventKind;
use crate::audit::redact::{FingerprintKey, redact, scrub, secret_values};
use crate::audit::store::{Actor, AuditStore, NewEvent, ObjectRef};
use crate::schemas;
use app::config_rules::{RuleContext, Severity, Violation, validate_config_spec};
use app::diff::{field_diff, merge_patch, oc_patch_command, strip_noise};
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::Value;

/// API group of the registry's `Config`.
pub const REGISTRY_GROUP: &str = "imageregistry.operator.openshift.io";

/// The registry's `Config` objects (only `cluster` exists).
pub fn registry_config_api(client: kube::Client) -> Api<DynamicObject> {
    Api::all_with(
        client,
        &ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk(REGISTRY_GROUP, "v1", "Config"),
            "configs",
        ),
    )
}

/// Field manager the console's writes are recorded under in `managedFields`.
pub const FIELD_MANAGER: &str = "registry-console";

/// One object to change: what the user loaded and what they want it to be.
#[derive(Clone, Debug)]
pub struct Step {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub plural: String,
    pub namespace: Option<String>,
    pub name: String,
    /// The object as the user loaded it (its `resourceVersion` is the precondition).
    pub base: Value,
    /// `base` came from a page, so its secrets are already fingerprints (redacting it again
    /// would fingerprint the fingerprints).
    pub base_redacted: bool,
    /// The object as the user wants it.
    pub desired: Value,
}

impl Step {
    fn resource(&self) -> ApiResource {
        ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk(&self.group, &self.version, &self.kind),
            &self.plural,
        )
    }

    fn api(&self, client: kube::Client) -> Api<DynamicObject> {
        match &self.namespace {
            Some(ns) => Api::namespaced_with(client, ns, &self.resource()),
            None => Api::all_with(client, &self.resource()),
        }
    }

    pub fn object_ref(&self) -> ObjectRef {
        ObjectRef {
            group: self.group.clone(),
            kind: self.kind.clone(),
            namespace: self.namespace.clone(),
            name: self.name.clone(),
        }
    }

    /// `configs.imageregistry.operator.openshift.io`, as `oc` names resources.
    pub fn oc_resource(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }
}

/// A change as the user submits it: one reason, one or more objects in apply order.
#[derive(Clone, Debug)]
pub struct ChangeRequest {
    pub reason: String,
    pub steps: Vec<Step>,
    pub rules: RuleContext,
}

/// Who is asking, for the audit trail.
#[derive(Clone, Debug)]
pub struct Requester {
    pub actor: Actor,
    pub client_addr: Option<String>,
    pub request_id: Option<String>,
}

pub use app::change::{
    Applied, ChangeError as PipelineError, ChangePreview, FollowUp, StepPreview,
};

/// The objects as they are now and what the change does to them.
struct Prepared {
    currents: Vec<Value>,
    previews: Vec<StepPreview>,
    /// The real merge patches (secrets included), in step order.
    patches: Vec<Value>,
    warnings: Vec<Violation>,
}

pub struct ChangePipeline {
    pub audit: AuditStore,
    pub fingerprints: FingerprintKey,
    pub min_reason: usize,
    /// How long [`ChangePipeline::follow_up`] watches before recording a timeout.
    pub follow_up_timeout: std::time::Duration,
}

fn api_message(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(status) => format!("{} ({})", status.message, status.code),
        other => other.to_string(),
    }
}

impl ChangePipeline {
    /// The API server's message about `e`, with any secret value of the change's objects
    /// (as the user wants them, and as they are) replaced by its fingerprint: validation
    /// messages can quote the value they refuse.
    fn message(&self, e: &kube::Error, request: &ChangeRequest, currents: &[Value]) -> String {
        let secrets: Vec<String> = request
            .steps
            .iter()
            .map(|s| &s.desired)
            .chain(currents)
            .flat_map(secret_values)
            .collect();
        scrub(&api_message(e), &secrets, &self.fingerprints)
    }

    /// Diff, merge patch and `oc` command of each step against the object as it is now.
    /// What the user sees of one step (secrets redacted everywhere, the patch included),
    /// and the real merge patch, which never leaves the server.
    fn step_preview(&self, step: &Step, current: &Value) -> (StepPreview, Value) {
        let now = strip_noise(current);
        let desired = strip_noise(&step.desired);
        let patch = merge_patch(&now, &desired);
        let redacted_now = redact(&now, &self.fingerprints);
        let redacted_desired = redact(&desired, &self.fingerprints);
        let shown_patch = redacted_patch(&patch, &step.kind, &self.fingerprints);
        let preview = StepPreview {
            object: step.object_ref(),
            diff: field_diff(&redacted_now, &redacted_desired),
            oc_command: oc_patch_command(
                &step.oc_resource(),
                &step.name,
                step.namespace.as_deref(),
                &shown_patch,
            ),
            patch: shown_patch,
        };
        (preview, patch)
    }

    /// Steps 1–4 of the pipeline, shared by [`Self::preview`] and [`Self::apply`]: nothing
    /// is recorded or applied here.
    async fn prepare(
        &self,
        client: &kube::Client,
        request: &ChangeRequest,
    ) -> Result<Prepared, PipelineError> {
        // 1. Current objects; a newer version than the user saw is a conflict, never an
        //    overwrite.
        let mut currents = Vec::with_capacity(request.steps.len());
        for step in &request.steps {
            let current = step
                .api(client.clone())
                .get(&step.name)
                .await
                .map_err(|e| PipelineError::Kubernetes(api_message(&e)))?;
            let current = serde_json::to_value(&current)
                .map_err(|e| PipelineError::Kubernetes(e.to_string()))?;
            let seen = step.base.pointer("/metadata/resourceVersion");
            if seen != current.pointer("/metadata/resourceVersion") {
                // A newer version whose content is the same (the operator updated the
                // status, someone labelled it) is no conflict: the patch is computed
                // against the current object and carries its resourceVersion.
                let base = if step.base_redacted {
                    content(&step.base)
                } else {
                    redact(&content(&step.base), &self.fingerprints)
                };
                let underneath = field_diff(&base, &redact(&content(&current), &self.fingerprints));
                if !underneath.is_empty() {
                    return Err(PipelineError::Conflict {
                        object: step.object_ref(),
                        underneath,
                    });
                }
            }
            currents.push(current);
        }

        // 2. The CRD schema (the 1.20 API server prunes unknown fields silently and cannot
        //    run CEL rules) and the operator's rules.
        let mut warnings = Vec::new();
        let mut errors = Vec::new();
        for step in &request.steps {
            if schemas::schema_for(&step.group, &step.version, &step.kind).is_some() {
                errors.extend(schemas::validate_object(
                    &step.group,
                    &step.version,
                    &step.kind,
                    &step.desired,
                ));
            }
            if step.kind == "Config" && step.group == REGISTRY_GROUP {
                let spec = step.desired.get("spec").cloned().unwrap_or(Value::Null);
                for v in validate_config_spec(&spec, &request.rules) {
                    match v.severity {
                        Severity::Error => errors.push(v),
                        Severity::Warning => warnings.push(v),
                    }
                }
            }
        }
        if !errors.is_empty() {
            return Err(PipelineError::Invalid(errors));
        }

        // 3. Diff and patches.
        let (previews, patches): (Vec<StepPreview>, Vec<Value>) = request
            .steps
            .iter()
            .zip(&currents)
            .map(|(step, current)| self.step_preview(step, current))
            .unzip();
        if previews.iter().all(|p| p.diff.is_empty()) {
            return Err(PipelineError::NoChange);
        }

        // 4. Server-side dry run of every object, before anything is recorded or applied.
        for ((step, patch), current) in request.steps.iter().zip(&patches).zip(&currents) {
            let patch = with_precondition(patch, current);
            let params = PatchParams {
                field_manager: Some(FIELD_MANAGER.to_string()),
                dry_run: true,
                ..Default::default()
            };
            if let Err(e) = step
                .api(client.clone())
                .patch(&step.name, &params, &Patch::Merge(&patch))
                .await
            {
                return Err(PipelineError::DryRunRejected {
                    object: step.object_ref(),
                    message: self.message(&e, request, &currents),
                });
            }
        }

        Ok(Prepared {
            currents,
            previews,
            patches,
            warnings,
        })
    }

    /// Everything up to and including the API server's dry run, without a reason, a record
    /// or an apply: what the user reviews before applying.
    pub async fn preview(
        &self,
        client: kube::Client,
        request: &ChangeRequest,
    ) -> Result<ChangePreview, PipelineError> {
        let prepared = self.prepare(&client, request).await?;
        Ok(ChangePreview {
            steps: prepared.previews,
            warnings: prepared.warnings,
        })
    }

    /// Runs the whole pipeline as the user behind `client`.
    pub async fn apply(
        &self,
        client: kube::Client,
        requester: &Requester,
        request: ChangeRequest,
    ) -> Result<Applied, PipelineError> {
        if request.reason.trim().chars().count() < self.min_reason {
            return Err(PipelineError::ReasonTooShort {
                min: self.min_reason,
            });
        }

        let Prepared {
            currents,
            previews,
            patches,
            warnings,
        } = self.prepare(&client, &request).await?;

        // 5. Intent, fail-closed.
        let change_id = uuid::Uuid::new_v4().to_string();
        let objects: Vec<ObjectRef> = request.steps.iter().map(Step::object_ref).collect();
        let before_after: Vec<Value> = request
            .steps
            .iter()
            .zip(&currents)
            .map(|(step, current)| {
                serde_json::json!({
                    "before": redact(&strip_noise(current), &self.fingerprints),
                    "after": redact(&strip_noise(&step.desired), &self.fingerprints),
                })
            })
            .collect();
        self.audit
            .append(NewEvent {
                change_id: change_id.clone(),
                kind: EventKind::Intent,
                actor: requester.actor.clone(),
                client_addr: requester.client_addr.clone(),
                request_id: requester.request_id.clone(),
                reason: Some(request.reason.trim().to_string()),
                objects: objects.clone(),
                outcome: None,
                payload: serde_json::json!({
                    "objects": before_after,
                    "diff": previews.iter().map(|p| &p.diff).collect::<Vec<_>>(),
                    "oc": previews.iter().map(|p| &p.oc_command).collect::<Vec<_>>(),
                    "dry_run": "accepted",
                    "warnings": warnings,
                }),
            })
            .await
            .map_err(|e| PipelineError::AuditUnavailable(e.to_string()))?;

        // 6. Apply in order, each with the version the dry run saw.
        let mut applied = Vec::new();
        // Whether anything was written yet (`applied` also lists objects already as wanted).
        let mut wrote = false;
        let mut config_generation = None;
        for (index, (((step, preview), patch), current)) in request
            .steps
            .iter()
            .zip(&previews)
            .zip(&patches)
            .zip(&currents)
            .enumerate()
        {
            if preview.diff.is_empty() {
                applied.push(step.object_ref());
                continue;
            }
            let patch = with_precondition(patch, current);
            let params = PatchParams {
                field_manager: Some(FIELD_MANAGER.to_string()),
                ..Default::default()
            };
            let result = step
                .api(client.clone())
                .patch(&step.name, &params, &Patch::Merge(&patch))
                .await;
            if let Ok(object) = &result
                && step.kind == "Config"
                && step.group == REGISTRY_GROUP
            {
                config_generation = object.metadata.generation;
            }
            if let Err(e) = result {
                // A 409 on the first object is a conflict (nothing applied; re-apply on
                // top). After earlier objects were applied it is a partial failure: the
                // user must be told what was applied.
                let conflict = !wrote && matches!(&e, kube::Error::Api(s) if s.code == 409);
                let not_applied: Vec<ObjectRef> = objects.iter().skip(index + 1).cloned().collect();
                let outcome = if conflict {
                    "conflict"
                } else if wrote {
                    "partial"
                } else {
                    "failed"
                };
                self.record_result(
                    &change_id,
                    requester,
                    &objects,
                    outcome,
                    serde_json::json!({
                        "applied": applied,
                        "failed": step.object_ref(),
                        "not_applied": not_applied,
                        "message": self.message(&e, &request, &currents),
                    }),
                )
                .await;
                if conflict {
                    let now = step
                        .api(client.clone())
                        .get(&step.name)
                        .await
                        .ok()
                        .and_then(|o| serde_json::to_value(o).ok())
                        .unwrap_or(Value::Null);
                    return Err(PipelineError::Conflict {
                        object: step.object_ref(),
                        underneath: field_diff(
                            &redact(&strip_noise(current), &self.fingerprints),
                            &redact(&strip_noise(&now), &self.fingerprints),
                        ),
                    });
                }
                return Err(PipelineError::ApplyFailed {
                    applied,
                    failed: step.object_ref(),
                    not_applied,
                    message: self.message(&e, &request, &currents),
                });
            }
            applied.push(step.object_ref());
            wrote = true;
        }
        self.record_result(
            &change_id,
            requester,
            &objects,
            "applied",
            serde_json::json!({ "applied": applied }),
        )
        .await;
        Ok(Applied {
            change_id,
            steps: previews,
            warnings,
            objects,
            config_generation,
        })
    }

    /// Watches the registry Config (as the user) until the operator has observed the
    /// change's generation and the registry is healthy or Degraded, or the follow-up timeout
    /// passes; records the outcome on the change.
    pub async fn follow_up(
        &self,
        client: kube::Client,
        requester: &Requester,
        applied: &Applied,
    ) -> FollowUp {
        use app::config_rules::{Rollout, assess_rollout};
        let configs = registry_config_api(client);
        let deadline = tokio::time::Instant::now() + self.follow_up_timeout;
        let generation = applied.config_generation.unwrap_or(0);
        let outcome = loop {
            let status = match configs.get("cluster").await {
                Ok(config) => config.data.get("status").cloned().unwrap_or(Value::Null),
                Err(e) => {
                    tracing::warn!(error = %api_message(&e), "follow-up cannot read the registry Config");
                    Value::Null
                }
            };
            match assess_rollout(&status, generation) {
                Rollout::Healthy => break FollowUp::Healthy,
                Rollout::Degraded(message) => break FollowUp::Degraded(message),
                Rollout::Pending if tokio::time::Instant::now() >= deadline => {
                    break FollowUp::TimedOut;
                }
                Rollout::Pending => tokio::time::sleep(std::time::Duration::from_millis(500)).await,
            }
        };
        let result = self
            .audit
            .append(NewEvent {
                change_id: applied.change_id.clone(),
                kind: EventKind::FollowUp,
                actor: requester.actor.clone(),
                client_addr: requester.client_addr.clone(),
                request_id: requester.request_id.clone(),
                reason: None,
                objects: applied.objects.clone(),
                outcome: Some(outcome.outcome().to_string()),
                payload: serde_json::json!({
                    "generation": generation,
                    "message": match &outcome { FollowUp::Degraded(m) => m.clone(), _ => String::new() },
                }),
            })
            .await;
        if let Err(e) = result {
            tracing::error!(change_id = %applied.change_id, error = %e, "the follow-up of a change could not be recorded");
        }
        outcome
    }

    /// The result event. The change has happened (or not) in the cluster whatever this
    /// returns; a failure to record it is logged loudly and shows as `pending` in the trail.
    async fn record_result(
        &self,
        change_id: &str,
        requester: &Requester,
        objects: &[ObjectRef],
        outcome: &str,
        payload: Value,
    ) {
        let result = self
            .audit
            .append(NewEvent {
                change_id: change_id.to_string(),
                kind: EventKind::Result,
                actor: requester.actor.clone(),
                client_addr: requester.client_addr.clone(),
                request_id: requester.request_id.clone(),
                reason: None,
                objects: objects.to_vec(),
                outcome: Some(outcome.to_string()),
                payload,
            })
            .await;
        if let Err(e) = result {
            tracing::error!(change_id, outcome, error = %e, "the result of a change could not be recorded");
        }
    }
}

/// What a user edits of an object: everything but its metadata and status (noise removed;
/// `kind` kept, so redaction knows where the secrets are).
fn content(object: &Value) -> Value {
    let mut out = strip_noise(object);
    if let Some(map) = out.as_object_mut() {
        map.remove("metadata");
        map.remove("status");
    }
    out
}

/// The merge patch plus the `resourceVersion` precondition: the API server refuses it with
/// 409 if the object changed since `current` was read.
fn with_precondition(patch: &Value, current: &Value) -> Value {
    let mut patch = patch.clone();
    if let (Some(map), Some(version)) = (
        patch.as_object_mut(),
        current.pointer("/metadata/resourceVersion"),
    ) {
        let metadata = map
            .entry("metadata")
            .or_insert_with(|| Value::Object(Default::default()));
        if let Some(metadata) = metadata.as_object_mut() {
            metadata.insert("resourceVersion".into(), version.clone());
        }
    }
    patch
}

/// The patch with secret values replaced (`redact` needs the object's kind to know where
/// they are), for the `oc` command shown to the user.
fn redacted_patch(patch: &Value, kind: &str, key: &FingerprintKey) -> Value {
    let mut object = patch.clone();
    if let Some(map) = object.as_object_mut() {
        map.insert("kind".into(), Value::String(kind.to_string()));
    }
    let mut out = redact(&object, key);
    if let Some(map) = out.as_object_mut() {
        map.remove("kind");
    }
    out
}
