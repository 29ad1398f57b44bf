//! A stand-in for the image pruner controller of the Image Registry Operator and for the
//! CronJob and Job controllers of kube-controller-manager, which the sandbox does not run:
//! the `image-pruner` CronJob (batch/v1beta1, what the 1.20 API server serves) follows
//! `imagepruners.imageregistry.operator.openshift.io/cluster`; a Job of it (made on
//! schedule, or on demand by a test as `kubectl create job --from=cronjob/image-pruner`
//! would) runs: a pod whose log the sandbox kubelet serves, then Complete or Failed; the
//! history limits are kept; and the ImagePruner's status says Available, Scheduled and
//! Failed.
//!
//! A Job annotated `sandbox.registry-console/outcome: failed` fails, as a pruner that cannot
//! reach the registry does; any other Job succeeds.

use crate::Result;
use crate::operator::NAMESPACE;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use kube::Client;
use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::{Value, json};
use std::time::Duration;

pub const CRONJOB: &str = "image-pruner";
/// The annotation a test sets on a Job to have it fail.
pub const OUTCOME_ANNOTATION: &str = "sandbox.registry-console/outcome";
/// The annotation holding a pruner pod's log (the sandbox kubelet serves it).
pub const LOG_ANNOTATION: &str = "sandbox.registry-console/log";
const FIELD_MANAGER: &str = "sandbox-image-pruner";

pub fn cronjob_resource() -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("batch", "v1beta1", "CronJob"),
        "cronjobs",
    )
}

fn pruner_resource() -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("imageregistry.operator.openshift.io", "v1", "ImagePruner"),
        "imagepruners",
    )
}

/// The pruner's command line, as the operator writes it (`--prune-registry` follows the
/// registry's management state: only a Managed registry has its storage pruned).
pub fn pruner_args(spec: &Value, management_state: &str) -> Vec<String> {
    let mut args = vec![
        "adm".to_string(),
        "prune".into(),
        "images".into(),
        "--certificate-authority=/var/run/configmaps/serviceca/service-ca.crt".into(),
        format!(
            "--keep-tag-revisions={}",
            spec.get("keepTagRevisions")
                .and_then(Value::as_i64)
                .unwrap_or(3)
        ),
        format!(
            "--keep-younger-than={}",
            spec.get("keepYoungerThanDuration")
                .and_then(Value::as_str)
                .unwrap_or("60m")
        ),
        format!(
            "--ignore-invalid-refs={}",
            spec.get("ignoreInvalidImageReferences")
                .and_then(Value::as_bool)
                .unwrap_or(true)
        ),
        "--confirm=true".into(),
    ];
    // Managed: the flag is left out (it defaults to true); otherwise there is no storage
    // the pruner may touch.
    if management_state != "Managed" {
        args.push("--prune-registry=false".into());
    }
    let level = match spec.get("logLevel").and_then(Value::as_str) {
        Some("Debug") => 2,
        Some("Trace") => 4,
        Some("TraceAll") => 8,
        _ => 0,
    };
    args.push(format!("--loglevel={level}"));
    args
}

/// Keeps the CronJob, the Jobs and the pruner's status in step, every 2 seconds.
pub async fn run(client: Client) {
    let mut tick = tokio::time::interval(Duration::from_secs(2));
    loop {
        tick.tick().await;
        if let Err(e) = reconcile(&client).await {
            tracing::debug!(error = %e, "image pruner pass failed; retrying");
        }
    }
}

pub async fn reconcile(client: &Client) -> Result<()> {
    let pruners: Api<DynamicObject> = Api::all_with(client.clone(), &pruner_resource());
    let Some(pruner) = pruners.get_opt("cluster").await? else {
        return Ok(());
    };
    let spec = pruner
        .data
        .get("spec")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let configs: Api<DynamicObject> =
        Api::all_with(client.clone(), &crate::operator::config_resource());
    let management_state = configs
        .get_opt("cluster")
        .await?
        .and_then(|c| {
            c.data
                .pointer("/spec/managementState")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .unwrap_or_else(|| "Managed".into());
    let cronjobs: Api<DynamicObject> =
        Api::namespaced_with(client.clone(), NAMESPACE, &cronjob_resource());
    let suspend = spec
        .get("suspend")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let limit = |key: &str| spec.get(key).and_then(Value::as_i64).unwrap_or(3);
    let cronjob = json!({
        "apiVersion": "batch/v1beta1",
        "kind": "CronJob",
        "metadata": { "name": CRONJOB, "namespace": NAMESPACE },
        "spec": {
            "schedule": spec.get("schedule").and_then(Value::as_str).filter(|s| !s.is_empty()).unwrap_or("0 0 * * *"),
            "suspend": suspend,
            "concurrencyPolicy": "Forbid",
            "successfulJobsHistoryLimit": limit("successfulJobsHistoryLimit"),
            "failedJobsHistoryLimit": limit("failedJobsHistoryLimit"),
            "jobTemplate": { "spec": { "template": { "spec": {
                "restartPolicy": "Never",
                "serviceAccountName": "pruner",
                "containers": [{
                    "name": "image-pruner",
                    "image": "quay.io/openshift/origin-cli:latest",
                    "command": ["oc"],
                    "args": pruner_args(&spec, &management_state),
                }]
            } } } }
        }
    });
    let apply = PatchParams::apply(FIELD_MANAGER).force();
    cronjobs
        .patch(CRONJOB, &apply, &Patch::Apply(&cronjob))
        .await?;

    if !suspend {
        run_on_schedule(client, &cronjobs).await?;
    }
    let jobs: Api<Job> = Api::namespaced(client.clone(), NAMESPACE);
    let mut ours: Vec<Job> = jobs
        .list(&ListParams::default())
        .await?
        .items
        .into_iter()
        .filter(|j| {
            j.metadata
                .name
                .as_deref()
                .is_some_and(|n| n.starts_with(CRONJOB))
        })
        .collect();
    for job in &ours {
        if job
            .status
            .as_ref()
            .and_then(|s| s.start_time.as_ref())
            .is_none()
        {
            run_job(client, job).await?;
        }
    }
    // History limits, oldest first.
    ours.sort_by_key(|j| j.metadata.creation_timestamp.clone());
    let refreshed: Vec<Job> = jobs.list(&ListParams::default()).await?.items;
    let outcome = |j: &Job| {
        j.status.as_ref().and_then(|s| {
            if s.succeeded.unwrap_or(0) > 0 {
                Some(true)
            } else if s.failed.unwrap_or(0) > 0 {
                Some(false)
            } else {
                None
            }
        })
    };
    let mut finished: Vec<&Job> = refreshed
        .iter()
        .filter(|j| {
            j.metadata
                .name
                .as_deref()
                .is_some_and(|n| n.starts_with(CRONJOB))
        })
        .filter(|j| outcome(j).is_some())
        .collect();
    finished.sort_by_key(|j| j.metadata.creation_timestamp.clone());
    for (succeeded, key) in [
        (true, "successfulJobsHistoryLimit"),
        (false, "failedJobsHistoryLimit"),
    ] {
        let of_kind: Vec<&&Job> = finished
            .iter()
            .filter(|j| outcome(j) == Some(succeeded))
            .collect();
        let keep = limit(key).max(0) as usize;
        for old in of_kind.iter().take(of_kind.len().saturating_sub(keep)) {
            if let Some(name) = &old.metadata.name {
                let _ = jobs.delete(name, &DeleteParams::background()).await;
            }
        }
    }
    let last_failed = finished
        .last()
        .filter(|j| outcome(j) == Some(false))
        .map(|j| j.metadata.name.clone().unwrap_or_default());
    let condition = |kind: &str, status: bool, reason: &str, message: String| {
        json!({ "type": kind, "status": if status { "True" } else { "False" }, "reason": reason, "message": message,
            "lastTransitionTime": crate::kubelet::rfc3339(unix_now()) })
    };
    let status = json!({ "status": {
        "observedGeneration": pruner.metadata.generation.unwrap_or(0),
        "conditions": [
            condition("Available", true, "AsExpected", "Pruner CronJob has been created".into()),
            if suspend {
                condition("Scheduled", false, "Suspended", "The pruner job has been suspended".into())
            } else {
                condition("Scheduled", true, "Scheduled", "The pruner job has been scheduled".into())
            },
            // As the operator copies them from the newest finished Job (status.go:155-209).
            match &last_failed {
                Some(_) => condition("Failed", true, "BackoffLimitExceeded", "Job has reached the specified backoff limit".into()),
                None => condition("Failed", false, "Complete", "Pruner completed successfully".into()),
            },
            match &last_failed {
                Some(_) => condition("Degraded", true, "JobFailed", "Job has reached the specified backoff limit".into()),
                None => condition("Degraded", false, "AsExpected", String::new()),
            },
        ]
    } });
    // Only when it changes: a new transition time every pass would be noise.
    let now_conditions = pruner.data.pointer("/status/conditions").cloned();
    let same = now_conditions
        .as_ref()
        .and_then(Value::as_array)
        .is_some_and(|now| {
            let key = |c: &Value| {
                (
                    c["type"].clone(),
                    c["status"].clone(),
                    c["reason"].clone(),
                    c["message"].clone(),
                )
            };
            let wanted = status["status"]["conditions"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            now.len() == wanted.len()
                && now.iter().zip(wanted.iter()).all(|(a, b)| key(a) == key(b))
        });
    if !same {
        pruners
            .patch_status("cluster", &PatchParams::default(), &Patch::Merge(&status))
            .await?;
    }
    Ok(())
}

/// The CronJob controller's part: a Job when the schedule comes due (the first due time
/// after the last one, or after the CronJob was made), named after that minute.
async fn run_on_schedule(client: &Client, cronjobs: &Api<DynamicObject>) -> Result<()> {
    use std::str::FromStr;
    let Some(cronjob) = cronjobs.get_opt(CRONJOB).await? else {
        return Ok(());
    };
    let schedule = cronjob.data["spec"]["schedule"]
        .as_str()
        .unwrap_or_default();
    let Ok(cron) = croner::Cron::from_str(schedule) else {
        return Ok(());
    };
    let since = cronjob.data["status"]["lastScheduleTime"]
        .as_str()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&chrono::Utc))
        .or_else(|| {
            cronjob
                .metadata
                .creation_timestamp
                .as_ref()
                .and_then(|t| chrono::DateTime::from_timestamp(t.0.as_second(), 0))
        });
    let Some(since) = since else { return Ok(()) };
    let Ok(due) = cron.find_next_occurrence(&since, false) else {
        return Ok(());
    };
    if due > chrono::Utc::now() {
        return Ok(());
    }
    let jobs: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        NAMESPACE,
        &ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk("batch", "v1", "Job"), "jobs"),
    );
    let job: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {
            "name": format!("{CRONJOB}-{}", due.timestamp() / 60),
            "namespace": NAMESPACE,
            "ownerReferences": [{ "apiVersion": "batch/v1beta1", "kind": "CronJob", "name": CRONJOB,
                "uid": cronjob.metadata.uid.clone().unwrap_or_default(), "controller": true }]
        },
        "spec": cronjob.data["spec"]["jobTemplate"]["spec"].clone(),
    }))
    .map_err(|e| crate::Error::Operator(e.to_string()))?;
    let _ = jobs.create(&PostParams::default(), &job).await;
    cronjobs
        .patch_status(
            CRONJOB,
            &PatchParams::default(),
            &Patch::Merge(json!({ "status": { "lastScheduleTime": due.to_rfc3339_opts(chrono::SecondsFormat::Secs, true) } })),
        )
        .await?;
    Ok(())
}

/// Runs one Job: its pod (with its log) and the Job's status.
async fn run_job(client: &Client, job: &Job) -> Result<()> {
    let name = job.metadata.name.clone().unwrap_or_default();
    let fails = job
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(OUTCOME_ANNOTATION))
        .is_some_and(|o| o == "failed");
    let log = if fails {
        "I1129 00:00:01.000000       1 prune.go:312] Creating image pruner with keepYoungerThan=1h0m0s, keepTagRevisions=3\n\
         error: failed to ping registry https://image-registry.openshift-image-registry.svc:5000: Get \"https://image-registry.openshift-image-registry.svc:5000/\": dial tcp 172.30.0.10:5000: connect: connection refused\n"
    } else {
        "I1129 00:00:01.000000       1 prune.go:312] Creating image pruner with keepYoungerThan=1h0m0s, keepTagRevisions=3\n\
         Deleting istags 0 ...\nDeleting images 0 ...\nSummary: deleted 0 objects\n"
    };
    let now = crate::kubelet::rfc3339(unix_now());
    let pods: Api<Pod> = Api::namespaced(client.clone(), NAMESPACE);
    let pod: Pod = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": format!("{name}-run"), "namespace": NAMESPACE,
            "labels": { "job-name": name },
            "annotations": { LOG_ANNOTATION: log }
        },
        "spec": {
            "restartPolicy": "Never",
            "nodeName": crate::kubelet::NODE_NAME,
            "containers": [{ "name": "image-pruner", "image": "quay.io/openshift/origin-cli:latest" }]
        }
    }))
    .map_err(|e| crate::Error::Operator(e.to_string()))?;
    if pods.get_opt(&format!("{name}-run")).await?.is_none() {
        pods.create(&PostParams::default(), &pod).await?;
    }
    let phase = if fails { "Failed" } else { "Succeeded" };
    pods.patch_status(
        &format!("{name}-run"),
        &PatchParams::default(),
        &Patch::Merge(json!({ "status": { "phase": phase, "startTime": now } })),
    )
    .await?;
    let jobs: Api<Job> = Api::namespaced(client.clone(), NAMESPACE);
    let (kind, counts) = if fails {
        ("Failed", json!({ "failed": 1 }))
    } else {
        ("Complete", json!({ "succeeded": 1 }))
    };
    let mut status = json!({
        "startTime": now,
        "conditions": [{ "type": kind, "status": "True", "lastProbeTime": now, "lastTransitionTime": now,
            "reason": if fails { "BackoffLimitExceeded" } else { "" },
            "message": if fails { "Job has reached the specified backoff limit" } else { "" } }]
    });
    if !fails {
        status["completionTime"] = json!(now);
    }
    if let (Some(map), Some(extra)) = (status.as_object_mut(), counts.as_object()) {
        map.extend(extra.clone());
    }
    jobs.patch_status(
        &name,
        &PatchParams::default(),
        &Patch::Merge(json!({ "status": status })),
    )
    .await?;
    Ok(())
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prune_registry_follows_the_management_state() {
        let spec =
            json!({ "keepTagRevisions": 5, "keepYoungerThanDuration": "2h", "logLevel": "Debug" });
        let managed = pruner_args(&spec, "Managed");
        assert!(!managed.iter().any(|a| a.starts_with("--prune-registry")));
        assert!(managed.contains(&"--keep-tag-revisions=5".to_string()));
        assert!(managed.contains(&"--keep-younger-than=2h".to_string()));
        assert!(managed.contains(&"--loglevel=2".to_string()));
        for state in ["Removed", "Unmanaged"] {
            assert!(pruner_args(&spec, state).contains(&"--prune-registry=false".to_string()));
        }
    }
}
