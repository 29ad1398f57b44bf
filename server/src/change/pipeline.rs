//! The change pipeline (SPEC §5): every write to the cluster goes through
//! [`ChangePipeline::apply`].
//!
//! reason → the objects as they are now (a step that creates an object that exists, or
//! patches or deletes one that changed since the user saw it, is a conflict, never an
//! overwrite) → the checks of each step's kind and of the request as a whole → diff and
//! `oc` command per object → server-side dry run of every step → audit intent (nothing is
//! applied if it cannot be written) → apply in a safe order, each step carrying the
//! `resourceVersion` the user saw → audit result → the follow-up, on the server, recorded
//! on the same change.
//!
//! Every Kubernetes call here uses the client it is given, which acts as the signed-in
//! user; the pipeline never holds the console's own credentials.

use super::FIELD_MANAGER;
use super::follow_up::{FollowUps, observe};
use super::rules;
use crate::audit::chain::EventKind;
use crate::audit::redact::{FingerprintKey, redact, scrub, secret_values};
use crate::audit::store::{Actor, AuditStore, NewEvent, ObjectRef};
use crate::kube::resources::{REGISTRY_CONFIG, Resource, path_segment};
use app::domain::change::{ConflictKind, FollowUpKind, Operation};
use app::domain::diff::{FieldChange, field_diff, merge_patch, strip_noise};
use app::domain::violation::{Severity, Violation};
use kube::api::{DeleteParams, DynamicObject, Patch, PatchParams, PostParams, Preconditions};
use serde_json::{Value, json};
use std::sync::Arc;

pub use app::domain::change::{
    Applied, ChangeError as PipelineError, ChangePreview, FollowUpState, StepPreview,
};

/// One object to create, patch or delete. Its `Debug` names the object only: `base` and
/// `desired` may hold secret values.
#[derive(Clone)]
pub struct Step {
    pub resource: Resource,
    pub namespace: Option<String>,
    pub name: String,
    pub operation: Operation,
    /// Patch and delete: the object as the user loaded it (its `resourceVersion` is the
    /// precondition).
    pub base: Option<Value>,
    /// `base` came from a page, so its secrets are already fingerprints (redacting it again
    /// would fingerprint the fingerprints).
    pub base_redacted: bool,
    /// Create and patch: the object as the user wants it.
    pub desired: Option<Value>,
    /// The `oc` command to show instead of the generic one, when a higher-level command
    /// does exactly this (`oc policy add-role-to-user …`).
    pub command: Option<String>,
}

impl std::fmt::Debug for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Step({:?} {})", self.operation, self.object_ref())
    }
}

/// `object` with the resource's `apiVersion` and `kind`: redaction finds secret values by
/// kind, so an object must never go without it (a merge patch would not need it).
fn typed(resource: &Resource, mut object: Value) -> Value {
    if let Some(map) = object.as_object_mut() {
        map.insert("apiVersion".into(), Value::String(resource.api_version()));
        map.insert("kind".into(), Value::String(resource.kind.to_string()));
    }
    object
}

impl Step {
    /// Creates `desired` (named by its `metadata.name`); it must not exist yet.
    pub fn create(resource: Resource, namespace: Option<&str>, desired: Value) -> Step {
        let desired = typed(&resource, desired);
        Step {
            resource,
            namespace: namespace.map(str::to_string),
            name: desired
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            operation: Operation::Create,
            base: None,
            base_redacted: false,
            desired: Some(desired),
            command: None,
        }
    }

    /// Changes the object from `base` (as the user loaded it) to `desired`.
    pub fn patch(
        resource: Resource,
        namespace: Option<&str>,
        name: &str,
        base: Value,
        base_redacted: bool,
        desired: Value,
    ) -> Step {
        Step {
            resource,
            namespace: namespace.map(str::to_string),
            name: name.to_string(),
            operation: Operation::Patch,
            base: Some(typed(&resource, base)),
            base_redacted,
            desired: Some(typed(&resource, desired)),
            command: None,
        }
    }

    /// Shows `command` as this step's `oc` command (it must do exactly what the step does).
    pub fn with_command(mut self, command: String) -> Step {
        self.command = Some(command);
        self
    }

    /// Deletes the object as the user saw it (`base`).
    pub fn delete(
        resource: Resource,
        namespace: Option<&str>,
        name: &str,
        base: Value,
        base_redacted: bool,
    ) -> Step {
        Step {
            resource,
            namespace: namespace.map(str::to_string),
            name: name.to_string(),
            operation: Operation::Delete,
            base: Some(typed(&resource, base)),
            base_redacted,
            desired: None,
            command: None,
        }
    }

    fn api(&self, client: kube::Client) -> kube::Api<DynamicObject> {
        self.resource.api(client, self.namespace.as_deref())
    }

    pub fn object_ref(&self) -> ObjectRef {
        self.resource
            .object_ref(self.namespace.as_deref(), &self.name)
    }

    /// Where the step runs in the apply order: what other objects refer to (Secrets,
    /// ConfigMaps, claims, bindings) first, then the cluster configuration that refers to
    /// them, deletions last (a Secret goes only after the route that used it).
    fn apply_rank(&self) -> u8 {
        match self.operation {
            Operation::Delete => 2,
            _ if !self.resource.namespaced => 1,
            _ => 0,
        }
    }
}

/// What the user confirmed for this change.
#[derive(Clone, Copy, Debug, Default)]
pub struct Confirmations {
    /// `Removed` deletes the storage the operator provisioned (SPEC §4 rule 9).
    pub removal: bool,
}

/// What the server follows after the change is applied.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum FollowUpPlan {
    #[default]
    None,
    /// The operator rolls out the Config this change writes.
    RegistryRollout,
    /// This claim becomes Bound.
    ClaimBound { namespace: String, name: String },
}

/// A change as the user submits it: one reason, one or more objects.
#[derive(Clone, Debug)]
pub struct ChangeRequest {
    pub reason: String,
    pub steps: Vec<Step>,
    pub confirmations: Confirmations,
    pub follow_up: FollowUpPlan,
    /// What the page's own checks warn about (a CA that is not a CA, a certificate close to
    /// its expiry): shown and recorded with the pipeline's warnings.
    pub warnings: Vec<Violation>,
}

/// The audited version a change restores: the change that made it, and which object.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RestoredVersion {
    pub change_id: String,
    pub object: ObjectRef,
}

/// Who is asking, for the audit trail.
#[derive(Clone, Debug)]
pub struct Requester {
    pub actor: Actor,
    pub client_addr: Option<String>,
    pub request_id: Option<String>,
}

/// The objects as they are now and what the change does to them.
struct Prepared {
    /// In apply order, with the objects as they are now.
    steps: Vec<(Step, Option<Value>)>,
    previews: Vec<StepPreview>,
    /// The real merge patches (secrets included) of patch steps.
    patches: Vec<Option<Value>>,
    warnings: Vec<Violation>,
}

pub struct ChangePipeline {
    pub audit: AuditStore,
    pub fingerprints: FingerprintKey,
    pub min_reason: usize,
    pub max_reason: usize,
    /// How long [`ChangePipeline::follow_up`] watches before recording a timeout.
    pub follow_up_timeout: std::time::Duration,
    pub follow_ups: FollowUps,
}

impl ChangePipeline {
    pub fn new(
        audit: AuditStore,
        fingerprints: FingerprintKey,
        reason_length: std::ops::RangeInclusive<usize>,
        follow_up_timeout: std::time::Duration,
    ) -> Self {
        ChangePipeline {
            audit,
            fingerprints,
            min_reason: *reason_length.start(),
            max_reason: *reason_length.end(),
            follow_up_timeout,
            follow_ups: FollowUps::default(),
        }
    }
}

fn api_message(e: &kube::Error) -> String {
    if let Some(deadline) = crate::kube::deadline::exceeded(e) {
        return deadline.to_string();
    }
    match e {
        kube::Error::Api(status) => format!("{} ({})", status.message, status.code),
        other => other.to_string(),
    }
}

fn is_conflict(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(status) if status.code == 409)
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

fn dynamic(object: &Value) -> Result<DynamicObject, serde_json::Error> {
    serde_json::from_value(object.clone())
}

/// The `resourceVersion` of an object as it was read.
fn version(object: &Value) -> Option<String> {
    object
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .map(str::to_string)
}

impl ChangePipeline {
    /// The API server's message about `e`, with any secret value of the change's objects
    /// (as the user wants them, and as they are) replaced by its fingerprint: validation
    /// messages can quote the value they refuse.
    fn message(&self, e: &kube::Error, steps: &[(Step, Option<Value>)]) -> String {
        let secrets: Vec<String> = steps
            .iter()
            .flat_map(|(step, current)| step.desired.iter().chain(current.iter()))
            .flat_map(secret_values)
            .collect();
        scrub(&api_message(e), &secrets, &self.fingerprints)
    }

    fn shown(&self, object: &Value) -> Value {
        redact(&content(object), &self.fingerprints)
    }

    /// What a step must find unchanged to go ahead on a newer version: the content for a
    /// create or patch (the patch only carries the user's edits, so someone else's label
    /// stays), the whole object but its status for a delete (a delete takes labels,
    /// finalizers and owners along, so they count).
    fn compared(&self, operation: Operation, object: &Value, redacted: bool) -> Value {
        match operation {
            Operation::Delete => {
                let mut whole = strip_noise(object);
                if let Some(map) = whole.as_object_mut() {
                    map.remove("status");
                }
                if redacted {
                    whole
                } else {
                    redact(&whole, &self.fingerprints)
                }
            }
            _ if redacted => content(object),
            _ => self.shown(object),
        }
    }

    /// What changed underneath the user: from what they saw to what is there now.
    fn underneath(&self, step: &Step, now: Option<&Value>) -> Vec<FieldChange> {
        let seen = match &step.base {
            Some(base) if step.base_redacted => content(base),
            Some(base) => self.shown(base),
            None => json!({}),
        };
        let now = now.map(|n| self.shown(n)).unwrap_or_else(|| json!({}));
        field_diff(&seen, &now)
    }

    /// The conflict a step has with the object as it is now, if any.
    fn conflict(&self, step: &Step, current: Option<&Value>) -> Option<PipelineError> {
        let kind = match (step.operation, current) {
            (Operation::Create, None) => return None,
            (Operation::Create, Some(_)) => ConflictKind::Exists,
            (_, None) => ConflictKind::Gone,
            (_, Some(current)) => {
                if step.base.as_ref().and_then(version) == version(current) {
                    return None;
                }
                // A newer version whose content is the same (the operator updated the
                // status, someone labelled it) is no conflict: the patch carries only the
                // user's edits and the current resourceVersion.
                let unchanged = step.base.as_ref().is_some_and(|base| {
                    self.compared(step.operation, base, step.base_redacted)
                        == self.compared(step.operation, current, false)
                });
                if unchanged {
                    return None;
                }
                ConflictKind::Changed
            }
        };
        let underneath = match kind {
            ConflictKind::Exists => field_diff(&json!({}), &self.shown(current?)),
            _ => self.underneath(step, current),
        };
        Some(PipelineError::Conflict {
            object: step.object_ref(),
            kind,
            underneath,
        })
    }

    /// Diff and `oc` command of a step against the object as it is now, and the real merge
    /// patch of a patch step (which never leaves the server).
    fn step_preview(&self, step: &Step, current: Option<&Value>) -> (StepPreview, Option<Value>) {
        let ns = step.namespace.as_deref();
        let (diff, shown, patch) = match (step.operation, &step.desired, current) {
            (Operation::Create, Some(desired), _) => (
                field_diff(&json!({}), &self.shown(desired)),
                super::oc::create_command(&step.resource, desired),
                None,
            ),
            (Operation::Patch, Some(desired), Some(current)) => {
                let (now, wanted) = (strip_noise(current), strip_noise(desired));
                let patch = merge_patch(&now, &wanted);
                (
                    field_diff(
                        &redact(&now, &self.fingerprints),
                        &redact(&wanted, &self.fingerprints),
                    ),
                    super::oc::patch_command(&step.resource, ns, &step.name, &patch),
                    Some(patch),
                )
            }
            (_, _, current) => (
                field_diff(
                    &current.map(|c| self.shown(c)).unwrap_or_else(|| json!({})),
                    &json!({}),
                ),
                super::oc::delete_command(&step.resource, ns, &step.name),
                None,
            ),
        };
        let shown = match &step.command {
            Some(command) => super::oc::Shown {
                command: command.clone(),
                placeholders: Vec::new(),
            },
            None => shown,
        };
        let preview = StepPreview {
            object: step.object_ref(),
            operation: step.operation,
            diff,
            oc_command: shown.command,
            placeholders: shown.placeholders,
        };
        (preview, patch)
    }

    /// Runs one step against the API server (`dry_run`: checked, nothing changed).
    async fn run_step(
        &self,
        client: &kube::Client,
        step: &Step,
        current: Option<&Value>,
        patch: Option<&Value>,
        dry_run: bool,
    ) -> Result<Option<DynamicObject>, kube::Error> {
        let api = step.api(client.clone());
        let seen = current.and_then(version);
        match step.operation {
            Operation::Create => {
                let params = PostParams {
                    dry_run,
                    field_manager: Some(FIELD_MANAGER.to_string()),
                };
                let object = step
                    .desired
                    .as_ref()
                    .map(dynamic)
                    .transpose()
                    .map_err(|e| kube::Error::Service(Box::new(e)))?
                    .unwrap_or_else(|| {
                        DynamicObject::new(&step.name, &step.resource.api_resource())
                    });
                api.create(&params, &object).await.map(Some)
            }
            Operation::Patch => {
                let mut patch = patch.cloned().unwrap_or_else(|| json!({}));
                // The precondition: the API server answers 409 instead of overwriting an
                // object that changed since it was read.
                if let (Some(map), Some(seen)) = (patch.as_object_mut(), seen) {
                    let metadata = map.entry("metadata").or_insert_with(|| json!({}));
                    if let Some(metadata) = metadata.as_object_mut() {
                        metadata.insert("resourceVersion".into(), Value::String(seen));
                    }
                }
                let params = PatchParams {
                    field_manager: Some(FIELD_MANAGER.to_string()),
                    dry_run,
                    ..Default::default()
                };
                api.patch(&path_segment(&step.name), &params, &Patch::Merge(&patch))
                    .await
                    .map(Some)
            }
            Operation::Delete => {
                let params = DeleteParams {
                    dry_run,
                    preconditions: Some(Preconditions {
                        resource_version: seen,
                        uid: None,
                    }),
                    ..Default::default()
                };
                api.delete(&path_segment(&step.name), &params)
                    .await
                    .map(|_| None)
            }
        }
    }

    /// [`Self::run_step`], again on the newest version when the API server's 409 came from
    /// a change of something the user does not edit (the operator writing the status, a
    /// label): what the step depends on is still what the user saw, so the same patch (the
    /// user's edits only) applies on top, with the newer version as its precondition. A
    /// real change underneath stays a conflict. `current` moves to the version the step
    /// ran against.
    async fn run_step_on_newest(
        &self,
        client: &kube::Client,
        step: &Step,
        current: &mut Option<Value>,
        patch: Option<&Value>,
        dry_run: bool,
    ) -> Result<Option<DynamicObject>, kube::Error> {
        let mut attempts = 0;
        loop {
            match self
                .run_step(client, step, current.as_ref(), patch, dry_run)
                .await
            {
                Err(e)
                    if is_conflict(&e) && step.operation != Operation::Create && attempts < 3 =>
                {
                    attempts += 1;
                    let now = step
                        .api(client.clone())
                        .get_opt(&path_segment(&step.name))
                        .await?
                        .map(serde_json::to_value)
                        .transpose()
                        .map_err(|e| kube::Error::Service(Box::new(e)))?;
                    let unchanged = match (current.as_ref(), now.as_ref()) {
                        (Some(seen), Some(now)) => {
                            self.compared(step.operation, seen, false)
                                == self.compared(step.operation, now, false)
                        }
                        _ => false,
                    };
                    if !unchanged {
                        return Err(e);
                    }
                    *current = now;
                }
                other => return other,
            }
        }
    }

    /// Everything but the reason, the record and the apply, shared by [`Self::preview`]
    /// and [`Self::apply`]: nothing is recorded or changed here.
    async fn prepare(
        &self,
        client: &kube::Client,
        request: &ChangeRequest,
    ) -> Result<Prepared, PipelineError> {
        if let Some(twice) = rules::same_object_twice(request) {
            return Err(PipelineError::Invalid(vec![twice]));
        }
        // 1. The objects as they are now.
        let mut currents = Vec::with_capacity(request.steps.len());
        for step in &request.steps {
            let current = step
                .api(client.clone())
                .get_opt(&path_segment(&step.name))
                .await
                .map_err(|e| PipelineError::Kubernetes(api_message(&e)))?
                .map(serde_json::to_value)
                .transpose()
                .map_err(|e| PipelineError::Kubernetes(e.to_string()))?;
            if let Some(conflict) = self.conflict(step, current.as_ref()) {
                return Err(conflict);
            }
            currents.push(current);
        }

        // 2. The checks: each step's kind (its CRD schema, which the 1.20 API server only
        //    partly enforces, and its rules), then the request as a whole.
        let facts = rules::gather(client, request, &currents)
            .await
            .map_err(|e| PipelineError::Kubernetes(e.to_string()))?;
        let (errors, mut warnings): (Vec<Violation>, Vec<Violation>) =
            rules::check(request, &currents, &facts, chrono::Utc::now())
                .into_iter()
                .partition(|v| v.severity == Severity::Error);
        warnings.extend(request.warnings.iter().cloned());
        if !errors.is_empty() {
            return Err(PipelineError::Invalid(errors));
        }

        // 3. In apply order; diffs, commands and patches.
        let mut steps: Vec<(Step, Option<Value>)> =
            request.steps.iter().cloned().zip(currents).collect();
        steps.sort_by_key(|(step, _)| step.apply_rank());
        let (previews, patches): (Vec<StepPreview>, Vec<Option<Value>>) = steps
            .iter()
            .map(|(step, current)| self.step_preview(step, current.as_ref()))
            .unzip();
        if previews.iter().all(|p| p.diff.is_empty()) {
            return Err(PipelineError::NoChange);
        }

        // 4. The API server's dry run of every step, before anything is recorded or
        //    applied. A 409 here is the same conflict as at apply time.
        for index in 0..steps.len() {
            let (step, current) = &mut steps[index];
            let result = self
                .run_step_on_newest(client, step, current, patches[index].as_ref(), true)
                .await;
            if let Err(e) = result {
                let (step, current) = &steps[index];
                if is_conflict(&e) {
                    return Err(self.conflict_now(client, step, current.as_ref()).await);
                }
                return Err(PipelineError::DryRunRejected {
                    object: step.object_ref(),
                    message: self.message(&e, &steps),
                });
            }
        }

        Ok(Prepared {
            steps,
            previews,
            patches,
            warnings,
        })
    }

    /// The conflict the API server reported (409) for `step`: what changed underneath,
    /// read again now.
    async fn conflict_now(
        &self,
        client: &kube::Client,
        step: &Step,
        seen: Option<&Value>,
    ) -> PipelineError {
        let now = step
            .api(client.clone())
            .get_opt(&path_segment(&step.name))
            .await
            .ok()
            .flatten()
            .and_then(|o| serde_json::to_value(o).ok());
        let (kind, underneath) = match (step.operation, &now) {
            (Operation::Create, Some(now)) => (
                ConflictKind::Exists,
                field_diff(&json!({}), &self.shown(now)),
            ),
            (_, None) => (ConflictKind::Gone, self.underneath(step, None)),
            (_, Some(now)) => (
                ConflictKind::Changed,
                field_diff(
                    &seen.map(|s| self.shown(s)).unwrap_or_else(|| json!({})),
                    &self.shown(now),
                ),
            ),
        };
        PipelineError::Conflict {
            object: step.object_ref(),
            kind,
            underneath,
        }
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
            suggested_reason: None,
        })
    }

    /// Runs the whole pipeline as the user behind `client`; the follow-up then runs on the
    /// server (and is recorded) whether or not the user stays.
    pub async fn apply(
        self: &Arc<Self>,
        client: kube::Client,
        requester: &Requester,
        request: ChangeRequest,
    ) -> Result<Applied, PipelineError> {
        self.apply_recording(client, requester, request, None).await
    }

    /// [`Self::apply`] of a change that sets an object back to an audited version: the
    /// intent names that version (`restores`: its change and object), so the trail links
    /// the restore to what it restored.
    pub async fn apply_restoring(
        self: &Arc<Self>,
        client: kube::Client,
        requester: &Requester,
        request: ChangeRequest,
        restores: RestoredVersion,
    ) -> Result<Applied, PipelineError> {
        self.apply_recording(client, requester, request, Some(restores))
            .await
    }

    async fn apply_recording(
        self: &Arc<Self>,
        client: kube::Client,
        requester: &Requester,
        request: ChangeRequest,
        restores: Option<RestoredVersion>,
    ) -> Result<Applied, PipelineError> {
        let reason = request.reason.trim();
        if reason.chars().count() < self.min_reason {
            return Err(PipelineError::ReasonTooShort {
                min: self.min_reason,
            });
        }
        if reason.chars().count() > self.max_reason {
            return Err(PipelineError::ReasonTooLong {
                max: self.max_reason,
            });
        }

        let Prepared {
            steps,
            previews,
            patches,
            warnings,
        } = self.prepare(&client, &request).await?;

        // 5. Intent, fail-closed.
        let change_id = uuid::Uuid::new_v4().to_string();
        let objects: Vec<ObjectRef> = steps.iter().map(|(s, _)| s.object_ref()).collect();
        let before_after: Vec<Value> = steps
            .iter()
            .map(|(step, current)| {
                json!({
                    "operation": step.operation,
                    "before": current.as_ref().map(|c| redact(&strip_noise(c), &self.fingerprints)),
                    "after": step.desired.as_ref().map(|d| redact(&strip_noise(d), &self.fingerprints)),
                })
            })
            .collect();
        let mut payload = json!({
            "objects": before_after,
            "diff": previews.iter().map(|p| &p.diff).collect::<Vec<_>>(),
            "oc": previews.iter().map(|p| &p.oc_command).collect::<Vec<_>>(),
            "dry_run": "accepted",
            "warnings": warnings,
        });
        if let Some(restores) = &restores {
            payload["restores"] = json!(restores);
        }
        self.audit
            .append(NewEvent {
                change_id: change_id.clone(),
                kind: EventKind::Intent,
                actor: requester.actor.clone(),
                client_addr: requester.client_addr.clone(),
                request_id: requester.request_id.clone(),
                reason: Some(reason.to_string()),
                objects: objects.clone(),
                outcome: None,
                payload,
            })
            .await
            .map_err(|e| PipelineError::AuditUnavailable(e.to_string()))?;

        // 6. Apply in order, each with the version the dry run saw.
        let mut applied = Vec::new();
        // Whether anything was written yet (`applied` also lists objects already as wanted).
        let mut wrote = false;
        let mut generation = None;
        let mut steps = steps;
        for index in 0..steps.len() {
            let preview = &previews[index];
            let (step, current) = &mut steps[index];
            if step.resource == REGISTRY_CONFIG {
                generation = current
                    .as_ref()
                    .and_then(|c| c.pointer("/metadata/generation"))
                    .and_then(Value::as_i64);
            }
            if preview.diff.is_empty() {
                applied.push(step.object_ref());
                continue;
            }
            let result = self
                .run_step_on_newest(&client, step, current, patches[index].as_ref(), false)
                .await;
            let (step, current) = &steps[index];
            match result {
                Ok(object) => {
                    if step.resource == REGISTRY_CONFIG
                        && let Some(object) = object
                    {
                        generation = object.metadata.generation;
                    }
                    applied.push(step.object_ref());
                    wrote = true;
                }
                Err(e) => {
                    // A 409 on the first object written is a conflict (nothing applied;
                    // re-apply on top). After earlier objects were written it is a partial
                    // failure: the user must be told exactly what was applied.
                    let conflict = !wrote && is_conflict(&e);
                    let not_applied: Vec<ObjectRef> =
                        objects.iter().skip(index + 1).cloned().collect();
                    let outcome = if conflict {
                        "conflict"
                    } else if wrote {
                        "partial"
                    } else {
                        "failed"
                    };
                    let message = self.message(&e, &steps);
                    self.record_result(
                        &change_id,
                        requester,
                        &objects,
                        outcome,
                        json!({
                            "applied": applied,
                            "failed": step.object_ref(),
                            "not_applied": not_applied,
                            "message": message,
                        }),
                    )
                    .await;
                    if conflict {
                        return Err(self.conflict_now(&client, step, current.as_ref()).await);
                    }
                    return Err(PipelineError::ApplyFailed {
                        applied,
                        failed: step.object_ref(),
                        not_applied,
                        message,
                    });
                }
            }
        }
        self.record_result(
            &change_id,
            requester,
            &objects,
            "applied",
            json!({ "applied": applied }),
        )
        .await;

        let follow_up = match (&request.follow_up, generation) {
            (FollowUpPlan::RegistryRollout, Some(generation)) => {
                FollowUpKind::RegistryRollout { generation }
            }
            (FollowUpPlan::ClaimBound { namespace, name }, _) => FollowUpKind::ClaimBound {
                namespace: namespace.clone(),
                name: name.clone(),
            },
            _ => FollowUpKind::None,
        };
        let applied = Applied {
            change_id,
            steps: previews,
            warnings,
            objects,
            follow_up,
        };
        if applied.follow_up != FollowUpKind::None {
            self.follow_ups.update(app::domain::change::FollowUpView {
                change_id: applied.change_id.clone(),
                kind: applied.follow_up.clone(),
                ..Default::default()
            });
            // On the server, so the outcome is recorded even if the user leaves the page.
            let pipeline = self.clone();
            let requester = requester.clone();
            let change = applied.clone();
            tokio::spawn(async move {
                pipeline.follow_up(client, &requester, &change).await;
            });
        }
        Ok(applied)
    }

    /// Follows `applied` (as the user) until it is healthy or Degraded, or the follow-up
    /// timeout passes; keeps its latest state for the page and records the outcome.
    pub async fn follow_up(
        &self,
        client: kube::Client,
        requester: &Requester,
        applied: &Applied,
    ) -> FollowUpState {
        let deadline = tokio::time::Instant::now() + self.follow_up_timeout;
        // A follow-up watches the registry Config: a newer change of it ends this one.
        let followed = applied
            .objects
            .iter()
            .find(|o| o.group == REGISTRY_CONFIG.group && o.kind == REGISTRY_CONFIG.kind)
            .cloned();
        let view = loop {
            let mut view = observe(&client, &applied.change_id, &applied.follow_up).await;
            if let Some(object) = &followed
                && let Ok(Some(newer)) =
                    self.audit.newer_change_of(object, &applied.change_id).await
            {
                view.state = FollowUpState::Superseded;
                view.superseded_by = Some(newer);
            }
            if !view.state.is_final() && tokio::time::Instant::now() >= deadline {
                view.state = FollowUpState::TimedOut;
            }
            self.follow_ups.update(view.clone());
            if view.state.is_final() {
                break view;
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        };
        let generation = match &applied.follow_up {
            FollowUpKind::RegistryRollout { generation } => Some(*generation),
            _ => None,
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
                outcome: Some(view.state.outcome().to_string()),
                payload: json!({
                    "generation": generation,
                    "claim_phase": view.claim_phase,
                    "message": view.message,
                    "superseded_by": view.superseded_by,
                }),
            })
            .await;
        if let Err(e) = result {
            tracing::error!(change_id = %applied.change_id, error = %e, "the follow-up of a change could not be recorded");
        }
        view.state
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
