//! Every condition message the Image Registry Operator writes, as it writes it, and what
//! each one means for the doctor.
//!
//! Read from openshift/cluster-image-registry-operator at commit 02bb5c2 (2026-07-23):
//! `pkg/operator/status.go` (Available, Progressing, Degraded, Removed and the pruner's
//! conditions), the side controllers (`nodecadaemon.go`, `imageconfig.go`,
//! `imageregistrycertificates.go`, `azurestackcloud.go`, library-go's config observer),
//! `pkg/storage/*/` (the Storage* conditions, and the errors that reach Progressing as
//! `Unable to apply resources: unable to sync storage configuration: …`) and
//! `pkg/resource/*` with `generator.go` (the other apply errors). Templates are quoted
//! verbatim; Go's format verbs (`%s`, `%v`, `%q`, `%d`, `%w`) stand for any text.
//!
//! A condition is matched on its type, status, reason and message. Messages that wrap an
//! error (`Unable to apply resources: %s`, `Error: %s`) are matched again on the wrapped
//! error, down to the one that says what is wrong.

/// What a matched message means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Meaning {
    /// All is as it should be (nothing to report).
    Healthy,
    /// The finding class it is evidence of (see [`super::classes`]).
    Finding(&'static str),
    /// The message wraps an error: match the part in place of its `%s` (or `%v`) against
    /// [`ERRORS`]; `&'static str` is the class when no error template matches.
    Wraps(&'static str),
}

/// One message the operator writes.
#[derive(Clone, Copy, Debug)]
pub struct Template {
    /// The condition types it is written on.
    pub types: &'static [&'static str],
    /// `True`, `False` or `Unknown`; `*` for more than one.
    pub status: &'static str,
    pub reason: &'static str,
    pub message: &'static str,
    pub meaning: Meaning,
    /// Where the operator writes it.
    pub source: &'static str,
}

/// An error text that reaches a condition wrapped in another message.
#[derive(Clone, Copy, Debug)]
pub struct ErrorTemplate {
    pub text: &'static str,
    pub meaning: Meaning,
    pub source: &'static str,
}

/// Whether `text` is `template` with its format verbs filled in (each verb: any text,
/// possibly empty). Written here because the templates are Go format strings, which no
/// matcher crate reads: a glob with one wildcard kind, matched piece by piece.
pub fn matches(template: &str, text: &str) -> bool {
    let mut pieces = split_verbs(template);
    let first = pieces.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    // Each piece is found after the one before; the last must end the text.
    let mut pending: Option<&str> = None;
    for piece in pieces {
        if let Some(middle) = pending.replace(piece) {
            match rest.find(middle) {
                Some(at) => rest = &rest[at + middle.len()..],
                None => return false,
            }
        }
    }
    match pending {
        None => rest.is_empty(),
        Some(last) => rest.ends_with(last),
    }
}

/// The text that stands where the template's last verb is (for templates that wrap one
/// error: `Unable to apply resources: %s` → the error).
pub fn wrapped<'t>(template: &str, text: &'t str) -> Option<&'t str> {
    let mut pieces = split_verbs(template);
    let first = pieces.next()?;
    let last = pieces.last()?;
    text.strip_prefix(first)?.strip_suffix(last)
}

/// The literal pieces between a Go format string's verbs (`%s`, `%v`, `%q`, `%d`, `%w`),
/// as an iterator: the catalogue is matched on every render, so without allocating.
fn split_verbs(template: &str) -> impl Iterator<Item = &str> {
    let bytes = template.as_bytes();
    let mut start = 0;
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let mut i = start;
        while i + 1 < bytes.len() {
            if bytes[i] == b'%' && b"svqdw".contains(&bytes[i + 1]) {
                let piece = &template[start..i];
                start = i + 2;
                return Some(piece);
            }
            i += 1;
        }
        done = true;
        Some(&template[start..])
    })
}

use Meaning::{Finding, Healthy, Wraps};

const AVAILABLE: &[&str] = &["Available"];
const PROGRESSING: &[&str] = &["Progressing"];
const DEGRADED: &[&str] = &["Degraded"];
const AVAILABLE_DEGRADED: &[&str] = &["Available", "Degraded"];
const ALL_THREE: &[&str] = &["Available", "Progressing", "Degraded"];
const REMOVED: &[&str] = &["Removed"];
const EXISTS: &[&str] = &["StorageExists"];

/// The operator's condition messages. Storage messages are written on the Config only;
/// the ClusterOperator carries the Available, Progressing and Degraded ones (one
/// `Type: message` line each), which the doctor splits and matches the same way.
pub const TEMPLATES: &[Template] = &[
    // --- pkg/operator/status.go: Available ---------------------------------------------
    Template {
        types: ALL_THREE,
        status: "*",
        reason: "Unmanaged",
        message: "The registry configuration is set to unmanaged mode",
        meaning: Finding("state.unmanaged"),
        source: "pkg/operator/status.go:261",
    },
    Template {
        types: AVAILABLE_DEGRADED,
        status: "*",
        reason: "VerificationFailed",
        message: "Error: %s",
        meaning: Wraps("spec.invalid"),
        source: "pkg/operator/status.go:266",
    },
    Template {
        types: AVAILABLE_DEGRADED,
        status: "*",
        reason: "StorageNotConfigured",
        message: "Error: %s",
        meaning: Wraps("storage.not_configured"),
        source: "pkg/operator/status.go:266",
    },
    Template {
        types: AVAILABLE,
        status: "True",
        reason: "Removed",
        message: "The registry is removed",
        meaning: Finding("state.removed"),
        source: "pkg/operator/status.go:269",
    },
    Template {
        types: AVAILABLE,
        status: "False",
        reason: "DeploymentNotFound",
        message: "The deployment does not exist",
        meaning: Finding("workload.deployment_missing"),
        source: "pkg/operator/status.go:273",
    },
    Template {
        types: AVAILABLE,
        status: "False",
        reason: "DeploymentDeleted",
        message: "The deployment is being deleted",
        meaning: Finding("workload.deployment_deleting"),
        source: "pkg/operator/status.go:277",
    },
    Template {
        types: AVAILABLE,
        status: "False",
        reason: "NoReplicasAvailable",
        message: "The deployment does not have available replicas",
        meaning: Finding("workload.no_replicas"),
        source: "pkg/operator/status.go:280",
    },
    Template {
        types: AVAILABLE,
        status: "True",
        reason: "MinimumAvailability",
        message: "The registry has minimum availability",
        meaning: Finding("workload.minimum_availability"),
        source: "pkg/operator/status.go:283",
    },
    Template {
        types: AVAILABLE,
        status: "True",
        reason: "Ready",
        message: "The registry is ready",
        meaning: Healthy,
        source: "pkg/operator/status.go:287",
    },
    // --- Progressing --------------------------------------------------------------------
    Template {
        types: PROGRESSING,
        status: "True",
        reason: "DeletingDeployment",
        message: "The deployment is being removed",
        meaning: Finding("state.removing"),
        source: "pkg/operator/status.go:305",
    },
    Template {
        types: PROGRESSING,
        status: "False",
        reason: "Removed",
        message: "All registry resources are removed",
        meaning: Healthy,
        source: "pkg/operator/status.go:308",
    },
    Template {
        types: PROGRESSING,
        status: "*",
        reason: "Error",
        message: "Unable to apply resources: %s",
        meaning: Wraps("operator.apply_failed"),
        source: "pkg/operator/status.go:313",
    },
    Template {
        types: PROGRESSING,
        status: "True",
        reason: "WaitingForDeployment",
        message: "All resources are successfully applied, but the deployment does not exist",
        meaning: Finding("workload.waiting"),
        source: "pkg/operator/status.go:319",
    },
    Template {
        types: PROGRESSING,
        status: "True",
        reason: "FinalizingDeployment",
        message: "The deployment is being deleted",
        meaning: Finding("workload.deployment_deleting"),
        source: "pkg/operator/status.go:322",
    },
    Template {
        types: PROGRESSING,
        status: "True",
        reason: "DeploymentNotCompleted",
        message: "The deployment has not completed",
        meaning: Finding("workload.rollout"),
        source: "pkg/operator/status.go:325",
    },
    Template {
        types: PROGRESSING,
        status: "False",
        reason: "Ready",
        message: "The registry is ready",
        meaning: Healthy,
        source: "pkg/operator/status.go:328",
    },
    Template {
        types: PROGRESSING,
        status: "True",
        reason: "Removing",
        message: "The registry is being removed",
        meaning: Finding("state.removing"),
        source: "pkg/operator/status.go:107",
    },
    Template {
        types: PROGRESSING,
        status: "True",
        reason: "Removing",
        message: "The image pruner is being removed",
        meaning: Finding("state.removing"),
        source: "pkg/operator/status.go:118",
    },
    // --- Degraded -----------------------------------------------------------------------
    Template {
        types: DEGRADED,
        status: "False",
        reason: "Removed",
        message: "The registry is removed",
        meaning: Healthy,
        source: "pkg/operator/status.go:349",
    },
    Template {
        types: DEGRADED,
        status: "True",
        reason: "Unavailable",
        message: "%s",
        meaning: Finding("workload.unavailable"),
        source: "pkg/operator/status.go:352",
    },
    Template {
        types: DEGRADED,
        status: "True",
        reason: "ProgressDeadlineExceeded",
        message: "Registry deployment has timed out progressing: %s",
        meaning: Finding("workload.progress_deadline"),
        source: "pkg/operator/status.go:359",
    },
    Template {
        types: DEGRADED,
        status: "True",
        reason: "RouteDegraded",
        message: "route %s (host %s, router %s) not admitted: %s",
        meaning: Finding("routes.not_admitted"),
        source: "pkg/operator/status.go:220",
    },
    Template {
        types: DEGRADED,
        status: "True",
        reason: "RemoveFailed",
        message: "Unable to remove registry: %s",
        meaning: Finding("state.remove_failed"),
        source: "pkg/operator/status.go:125",
    },
    Template {
        types: DEGRADED,
        status: "False",
        reason: "",
        message: "",
        meaning: Healthy,
        source: "pkg/operator/status.go:337",
    },
    Template {
        types: DEGRADED,
        status: "False",
        reason: "AsExpected",
        message: "",
        meaning: Healthy,
        source: "pkg/resource/clusteroperator.go:64",
    },
    // --- Removed ------------------------------------------------------------------------
    Template {
        types: REMOVED,
        status: "True",
        reason: "Removed",
        message: "The registry is removed",
        meaning: Finding("state.removed"),
        source: "pkg/operator/status.go:380",
    },
    Template {
        types: REMOVED,
        status: "False",
        reason: "",
        message: "",
        meaning: Healthy,
        source: "pkg/operator/status.go:388",
    },
    // --- side controllers ---------------------------------------------------------------
    Template {
        types: &["NodeCADaemonAvailable", "NodeCADaemonProgressing"],
        status: "*",
        reason: "NotFound",
        message: "The daemon set node-ca does not exist",
        meaning: Finding("nodeca.problem"),
        source: "pkg/operator/nodecadaemon.go:134",
    },
    Template {
        types: &["NodeCADaemonAvailable"],
        status: "Unknown",
        reason: "Unknown",
        message: "Unable to check daemon set availability: %s",
        meaning: Finding("nodeca.problem"),
        source: "pkg/operator/nodecadaemon.go:142",
    },
    Template {
        types: &["NodeCADaemonProgressing"],
        status: "Unknown",
        reason: "Unknown",
        message: "Unable to check daemon set progress: %s",
        meaning: Finding("nodeca.problem"),
        source: "pkg/operator/nodecadaemon.go:145",
    },
    Template {
        types: &["NodeCADaemonAvailable"],
        status: "True",
        reason: "AsExpected",
        message: "The daemon set node-ca has available replicas",
        meaning: Healthy,
        source: "pkg/operator/nodecadaemon.go:150",
    },
    Template {
        types: &["NodeCADaemonAvailable"],
        status: "False",
        reason: "NoAvailableReplicas",
        message: "The daemon set node-ca does not have available replicas",
        meaning: Finding("nodeca.problem"),
        source: "pkg/operator/nodecadaemon.go:154",
    },
    Template {
        types: &["NodeCADaemonProgressing"],
        status: "True",
        reason: "Progressing",
        message: "The daemon set node-ca is updating node pods",
        meaning: Finding("nodeca.updating"),
        source: "pkg/operator/nodecadaemon.go:160",
    },
    Template {
        types: &["NodeCADaemonProgressing"],
        status: "False",
        reason: "AsExpected",
        message: "The daemon set node-ca is deployed",
        meaning: Healthy,
        source: "pkg/operator/nodecadaemon.go:164",
    },
    Template {
        types: &["ImageRegistryCertificatesControllerDegraded"],
        status: "True",
        reason: "Error",
        message: "%s",
        meaning: Wraps("operator.controller_degraded"),
        source: "pkg/operator/imageregistrycertificates.go:161",
    },
    Template {
        types: &[
            "NodeCADaemonControllerDegraded",
            "ImageConfigControllerDegraded",
            "AzureStackCloudControllerDegraded",
            "ConfigObservationDegraded",
        ],
        status: "True",
        reason: "Error",
        message: "%s",
        meaning: Finding("operator.controller_degraded"),
        source: "pkg/operator/nodecadaemon.go:192, imageconfig.go:236, azurestackcloud.go:150, library-go config_observer_controller.go:184",
    },
    Template {
        types: &[
            "NodeCADaemonControllerDegraded",
            "ImageConfigControllerDegraded",
            "ImageRegistryCertificatesControllerDegraded",
            "AzureStackCloudControllerDegraded",
            "ConfigObservationDegraded",
        ],
        status: "False",
        reason: "AsExpected",
        message: "",
        meaning: Healthy,
        source: "pkg/operator/nodecadaemon.go:208",
    },
    Template {
        types: &["ConfigObservationDegraded"],
        status: "False",
        reason: "",
        message: "",
        meaning: Healthy,
        source: "library-go config_observer_controller.go:193",
    },
    // --- the image pruner (ImagePruner status; ImagePruner* on the ClusterOperator) ------
    Template {
        types: &["Available", "ImagePrunerAvailable"],
        status: "False",
        reason: "Error",
        message: "Pruner CronJob does not exist",
        meaning: Finding("pruner.cronjob_missing"),
        source: "pkg/operator/status.go:137",
    },
    Template {
        types: &["Available", "ImagePrunerAvailable"],
        status: "True",
        reason: "AsExpected",
        message: "Pruner CronJob has been created",
        meaning: Healthy,
        source: "pkg/operator/status.go:145",
    },
    Template {
        types: &["Failed", "ImagePrunerFailed"],
        status: "True",
        reason: "%s",
        message: "%s",
        meaning: Finding("pruner.job_failed"),
        source: "pkg/operator/status.go:155",
    },
    Template {
        types: &["Failed", "ImagePrunerFailed"],
        status: "False",
        reason: "Complete",
        message: "Pruner completed successfully",
        meaning: Healthy,
        source: "pkg/operator/status.go:167",
    },
    Template {
        types: &["Scheduled", "ImagePrunerScheduled"],
        status: "False",
        reason: "Suspended",
        message: "The pruner job has been suspended",
        meaning: Finding("pruner.suspended"),
        source: "pkg/operator/status.go:176",
    },
    Template {
        types: &["Scheduled", "ImagePrunerScheduled"],
        status: "True",
        reason: "Scheduled",
        message: "The pruner job has been scheduled",
        meaning: Healthy,
        source: "pkg/operator/status.go:186",
    },
    Template {
        types: &["Degraded", "ImagePrunerDegraded"],
        status: "True",
        reason: "SyncError",
        message: "Error: %v",
        meaning: Finding("pruner.sync_error"),
        source: "pkg/operator/status.go:198",
    },
    Template {
        types: &["Degraded", "ImagePrunerDegraded"],
        status: "True",
        reason: "JobFailed",
        message: "%s",
        meaning: Finding("pruner.job_failed"),
        source: "pkg/operator/status.go:204",
    },
    // --- S3 (pkg/storage/s3/s3.go) --------------------------------------------------------
    Template {
        types: EXISTS,
        status: "False",
        reason: "NoSuchBucket",
        message: "%s",
        meaning: Finding("storage.s3_error"),
        source: "pkg/storage/s3/s3.go:595",
    },
    Template {
        types: EXISTS,
        status: "False",
        reason: "Forbidden",
        message: "%s",
        meaning: Finding("storage.s3_error"),
        source: "pkg/storage/s3/s3.go:595",
    },
    Template {
        types: EXISTS,
        status: "False",
        reason: "NotFound",
        message: "%s",
        meaning: Finding("storage.s3_error"),
        source: "pkg/storage/s3/s3.go:595",
    },
    Template {
        types: EXISTS,
        status: "Unknown",
        reason: "Unknown Error Occurred",
        message: "%s",
        meaning: Finding("storage.unknown_error"),
        source: "pkg/storage/s3/s3.go:599, gcs.go:196, ibmcos.go:392",
    },
    Template {
        types: EXISTS,
        status: "True",
        reason: "S3 Bucket Exists",
        message: "",
        meaning: Healthy,
        source: "pkg/storage/s3/s3.go:603",
    },
    Template {
        types: EXISTS,
        status: "Unknown",
        reason: "S3 Configuration Changed",
        message: "S3 storage is in an unknown state",
        meaning: Finding("storage.changing"),
        source: "pkg/storage/s3/s3.go:611",
    },
    Template {
        types: EXISTS,
        status: "True",
        reason: "S3 Bucket Exists",
        message: "User supplied S3 bucket exists and is accessible",
        meaning: Healthy,
        source: "pkg/storage/s3/s3.go:668",
    },
    Template {
        types: EXISTS,
        status: "False",
        reason: "Unable to Access Bucket",
        message: "The bucket %s exists, but is owned by another account",
        meaning: Finding("storage.bucket_owned_elsewhere"),
        source: "pkg/storage/s3/s3.go:692",
    },
    Template {
        types: EXISTS,
        status: "True",
        reason: "Creation Successful",
        message: "S3 bucket was successfully created",
        meaning: Healthy,
        source: "pkg/storage/s3/s3.go:711",
    },
    Template {
        types: EXISTS,
        status: "False",
        reason: "S3 Bucket Deleted",
        message: "The S3 bucket did not exist.",
        meaning: Finding("storage.bucket_removed"),
        source: "pkg/storage/s3/s3.go:914",
    },
    Template {
        types: EXISTS,
        status: "False",
        reason: "S3 Bucket Deleted",
        message: "The S3 bucket has been removed.",
        meaning: Finding("storage.bucket_removed"),
        source: "pkg/storage/s3/s3.go:946",
    },
    Template {
        types: &["StoragePublicAccessBlocked"],
        status: "True",
        reason: "Public Access Block Successful",
        message: "Public access to the S3 bucket and its contents have been successfully blocked.",
        meaning: Healthy,
        source: "pkg/storage/s3/s3.go:744",
    },
    Template {
        types: &["StorageTagged"],
        status: "True",
        reason: "Tagging Successful",
        message: "Tags were successfully applied to the S3 bucket",
        meaning: Healthy,
        source: "pkg/storage/s3/s3.go:795",
    },
    Template {
        types: &["StorageEncrypted"],
        status: "True",
        reason: "Encryption Successful",
        message: "Default %s encryption was successfully enabled on the S3 bucket",
        meaning: Healthy,
        source: "pkg/storage/s3/s3.go:838",
    },
    Template {
        types: &["StorageIncompleteUploadCleanupEnabled"],
        status: "True",
        reason: "Enable Cleanup Successful",
        message: "Default cleanup of incomplete multipart uploads after one (1) day was successfully enabled",
        meaning: Healthy,
        source: "pkg/storage/s3/s3.go:879",
    },
    // --- PVC (pkg/storage/pvc/pvc.go) -----------------------------------------------------
    Template {
        types: EXISTS,
        status: "True",
        reason: "PVC Exists",
        message: "",
        meaning: Healthy,
        source: "pkg/storage/pvc/pvc.go:98",
    },
    Template {
        types: EXISTS,
        status: "Unknown",
        reason: "Unknown error occurred checking for volume claim %s",
        message: "%s",
        meaning: Finding("storage.pvc_check_failed"),
        source: "pkg/storage/pvc/pvc.go:102",
    },
    Template {
        types: EXISTS,
        status: "False",
        reason: "PVC does not exist",
        message: "",
        meaning: Finding("storage.pvc_missing"),
        source: "pkg/storage/pvc/pvc.go:106",
    },
    Template {
        types: EXISTS,
        status: "Unknown",
        reason: "PVC Configuration Changed",
        message: "PVC storage is in an old state",
        meaning: Finding("storage.changing"),
        source: "pkg/storage/pvc/pvc.go:112",
    },
    Template {
        types: EXISTS,
        status: "False",
        reason: "PVC Already Exists",
        message: "could not create default PVC, it already exists and is not owned by the operator",
        meaning: Finding("storage.pvc_not_owned"),
        source: "pkg/storage/pvc/pvc.go:205",
    },
    Template {
        types: EXISTS,
        status: "False",
        reason: "Creation Failed",
        message: "%s",
        meaning: Finding("storage.create_failed"),
        source: "pkg/storage/pvc/pvc.go:212, swift.go:511",
    },
    Template {
        types: EXISTS,
        status: "True",
        reason: "PVC Created",
        message: "",
        meaning: Healthy,
        source: "pkg/storage/pvc/pvc.go:215",
    },
    Template {
        types: EXISTS,
        status: "False",
        reason: "PVC Issues Found",
        message: "%s",
        meaning: Wraps("storage.pvc_problem"),
        source: "pkg/storage/pvc/pvc.go:224",
    },
    // --- emptyDir (pkg/storage/emptydir/emptydir.go) ---------------------------------------
    Template {
        types: EXISTS,
        status: "Unknown",
        reason: "EmptyDir Configuration Changed",
        message: "EmptyDir storage is in an unknown state",
        meaning: Finding("storage.changing"),
        source: "pkg/storage/emptydir/emptydir.go:69",
    },
    Template {
        types: EXISTS,
        status: "True",
        reason: "Creation Successful",
        message: "EmptyDir storage successfully created",
        meaning: Healthy,
        source: "pkg/storage/emptydir/emptydir.go:84",
    },
    // --- GCS (pkg/storage/gcs/gcs.go, gcp_labels_tags.go) ----------------------------------
    Template {
        types: EXISTS,
        status: "False",
        reason: "Bucket does not exist",
        message: "%s",
        meaning: Finding("storage.cloud_error"),
        source: "pkg/storage/gcs/gcs.go:193",
    },
    Template {
        types: EXISTS,
        status: "True",
        reason: "GCS Bucket Exists",
        message: "",
        meaning: Healthy,
        source: "pkg/storage/gcs/gcs.go:200",
    },
    Template {
        types: EXISTS,
        status: "Unknown",
        reason: "GCS Configuration Changed",
        message: "GCS storage is in an unknown state",
        meaning: Finding("storage.changing"),
        source: "pkg/storage/gcs/gcs.go:207",
    },
    Template {
        types: EXISTS,
        status: "True",
        reason: "GCS Bucket Exists",
        message: "User supplied GCS bucket exists and is accessible",
        meaning: Healthy,
        source: "pkg/storage/gcs/gcs.go:257",
    },
    Template {
        types: EXISTS,
        status: "False",
        reason: "%d",
        message: "googleapi: %s",
        meaning: Finding("storage.cloud_error"),
        source: "pkg/storage/gcs/gcs.go:289",
    },
    Template {
        types: EXISTS,
        status: "False",
        reason: "Unknown Error Occurred",
        message: "%s",
        meaning: Finding("storage.unknown_error"),
        source: "pkg/storage/gcs/gcs.go:292",
    },
    Template {
        types: EXISTS,
        status: "True",
        reason: "Creation Successful",
        message: "GCS bucket was successfully created",
        meaning: Healthy,
        source: "pkg/storage/gcs/gcs.go:305",
    },
    Template {
        types: &["StorageLabeled"],
        status: "True",
        reason: "Bucket Labeled Successfully",
        message: "Successfully added user-defined labels to %s storage bucket",
        meaning: Healthy,
        source: "pkg/storage/gcs/gcs.go:307",
    },
    Template {
        types: &["StorageEncrypted"],
        status: "True",
        reason: "Encryption Successful",
        message: "KMS encryption was successfully enabled on the GCS bucket",
        meaning: Healthy,
        source: "pkg/storage/gcs/gcs.go:325",
    },
    Template {
        types: &["StorageTagged"],
        status: "False",
        reason: "SuccessTaggingBucket",
        message: "user did not define any tags",
        meaning: Healthy,
        source: "pkg/storage/gcs/gcp_labels_tags.go:382",
    },
    Template {
        types: &["StorageTagged"],
        status: "False",
        reason: "ErrorTaggingBucket",
        message: "%s",
        meaning: Finding("storage.bucket_setting_failed"),
        source: "pkg/storage/gcs/gcp_labels_tags.go:386",
    },
    Template {
        types: &["StorageTagged"],
        status: "True",
        reason: "SuccessTaggingBucket",
        message: "Successfully added user-defined tags to %s storage bucket",
        meaning: Healthy,
        source: "pkg/storage/gcs/gcp_labels_tags.go:391",
    },
    Template {
        types: EXISTS,
        status: "False",
        reason: "GCS Bucket Deleted",
        message: "The GCS bucket has been removed.",
        meaning: Finding("storage.bucket_removed"),
        source: "pkg/storage/gcs/gcs.go:387",
    },
    // --- Azure (pkg/storage/azure/azure.go) ------------------------------------------------
    Template {
        types: EXISTS,
        status: "Unknown",
        reason: "AzureError",
        message: "%s",
        meaning: Finding("storage.cloud_error"),
        source: "pkg/storage/azure/azure.go:421-1116",
    },
    Template {
        types: EXISTS,
        status: "False",
        reason: "AzureError",
        message: "Unable to delete storage account: %s",
        meaning: Finding("storage.remove_failed"),
        source: "pkg/storage/azure/azure.go:1138",
    },
    Template {
        types: EXISTS,
        status: "Unknown",
        reason: "ConfigError",
        message: "%s",
        meaning: Finding("storage.cloud_config"),
        source: "pkg/storage/azure/azure.go:436, 468, 474, 846",
    },
    Template {
        types: EXISTS,
        status: "False",
        reason: "ContainerNotFound",
        message: "Could not find storage container %s",
        meaning: Finding("storage.cloud_error"),
        source: "pkg/storage/azure/azure.go:451",
    },
    Template {
        types: EXISTS,
        status: "True",
        reason: "ContainerExists",
        message: "Storage container exists",
        meaning: Healthy,
        source: "pkg/storage/azure/azure.go:455",
    },
    Template {
        types: EXISTS,
        status: "False",
        reason: "StorageNotConfigured",
        message: "%s",
        meaning: Finding("storage.cloud_config"),
        source: "pkg/storage/azure/azure.go:462, 784, 795",
    },
    Template {
        types: EXISTS,
        status: "True",
        reason: "UserManaged",
        message: "Storage is managed by the user",
        meaning: Healthy,
        source: "pkg/storage/azure/azure.go:814",
    },
    Template {
        types: EXISTS,
        status: "False",
        reason: "ContainerNotFound",
        message: "Container has been already deleted%s",
        meaning: Finding("storage.bucket_removed"),
        source: "pkg/storage/azure/azure.go:971, 991, 1016",
    },
    Template {
        types: EXISTS,
        status: "False",
        reason: "ContainerDeleted",
        message: "Storage container has been deleted",
        meaning: Finding("storage.bucket_removed"),
        source: "pkg/storage/azure/azure.go:1027",
    },
    Template {
        types: EXISTS,
        status: "False",
        reason: "AccountNotFound",
        message: "Account has been already deleted: %s",
        meaning: Finding("storage.bucket_removed"),
        source: "pkg/storage/azure/azure.go:1038",
    },
    Template {
        types: EXISTS,
        status: "False",
        reason: "AccountDeleted",
        message: "Storage account has been deleted",
        meaning: Finding("storage.bucket_removed"),
        source: "pkg/storage/azure/azure.go:1145",
    },
    // --- Swift (pkg/storage/swift/swift.go) ------------------------------------------------
    Template {
        types: EXISTS,
        status: "Unknown",
        reason: "Could not connect to registry storage",
        message: "%s",
        meaning: Finding("storage.cloud_error"),
        source: "pkg/storage/swift/swift.go:423",
    },
    Template {
        types: EXISTS,
        status: "False",
        reason: "Storage does not exist",
        message: "%s",
        meaning: Finding("storage.cloud_error"),
        source: "pkg/storage/swift/swift.go:430",
    },
    Template {
        types: EXISTS,
        status: "Unknown",
        reason: "Unknown error occurred",
        message: "%s",
        meaning: Finding("storage.unknown_error"),
        source: "pkg/storage/swift/swift.go:433",
    },
    Template {
        types: EXISTS,
        status: "True",
        reason: "Swift container Exists",
        message: "",
        meaning: Healthy,
        source: "pkg/storage/swift/swift.go:437",
    },
    Template {
        types: EXISTS,
        status: "Unknown",
        reason: "Swift Configuration Changed",
        message: "Swift storage is in an unknown state",
        meaning: Finding("storage.changing"),
        source: "pkg/storage/swift/swift.go:443",
    },
    Template {
        types: EXISTS,
        status: "False",
        reason: "Unable to check if container exists",
        message: "Error occurred checking if container exists: %v",
        meaning: Finding("storage.cloud_error"),
        source: "pkg/storage/swift/swift.go:477",
    },
    Template {
        types: EXISTS,
        status: "True",
        reason: "Container exists",
        message: "User supplied container already exists",
        meaning: Healthy,
        source: "pkg/storage/swift/swift.go:489",
    },
    Template {
        types: EXISTS,
        status: "True",
        reason: "Swift Container Created",
        message: "",
        meaning: Healthy,
        source: "pkg/storage/swift/swift.go:515",
    },
    Template {
        types: EXISTS,
        status: "False",
        reason: "Swift Container Deleted",
        message: "The swift container has been removed.",
        meaning: Finding("storage.bucket_removed"),
        source: "pkg/storage/swift/swift.go:590",
    },
    // --- IBM COS (pkg/storage/ibmcos/ibmcos.go) --------------------------------------------
    Template {
        types: EXISTS,
        status: "False",
        reason: "IBM COS Instance Active",
        message: "IBM COS service instance is active",
        meaning: Healthy,
        source: "pkg/storage/ibmcos/ibmcos.go:231",
    },
    Template {
        types: EXISTS,
        status: "False",
        reason: "IBM COS Instance Provisioning",
        message: "IBM COS service instance is provisioning",
        meaning: Finding("storage.changing"),
        source: "pkg/storage/ibmcos/ibmcos.go:234",
    },
    Template {
        types: EXISTS,
        status: "False",
        reason: "IBM COS Instance Gone",
        message: "IBM COS service instance is inactive or has been removed.",
        meaning: Finding("storage.cloud_error"),
        source: "pkg/storage/ibmcos/ibmcos.go:239",
    },
    Template {
        types: EXISTS,
        status: "False",
        reason: "IBM COS Instance Creation Successful",
        message: "IBM COS service instance was successfully created",
        meaning: Healthy,
        source: "pkg/storage/ibmcos/ibmcos.go:319",
    },
    Template {
        types: EXISTS,
        status: "False",
        reason: "IBM COS Resource Key Creation Successful",
        message: "IBM COS resource key was successfully created",
        meaning: Healthy,
        source: "pkg/storage/ibmcos/ibmcos.go:345",
    },
    Template {
        types: EXISTS,
        status: "False",
        reason: "IBM COS Resource Key Valid",
        message: "IBM COS resource key exists and is valid",
        meaning: Healthy,
        source: "pkg/storage/ibmcos/ibmcos.go:376",
    },
    Template {
        types: EXISTS,
        status: "True",
        reason: "IBM COS Bucket Exists",
        message: "User supplied IBM COS bucket exists and is accessible",
        meaning: Healthy,
        source: "pkg/storage/ibmcos/ibmcos.go:414",
    },
    Template {
        types: EXISTS,
        status: "True",
        reason: "IBM COS Bucket Exists",
        message: "",
        meaning: Healthy,
        source: "pkg/storage/ibmcos/ibmcos.go:780",
    },
    Template {
        types: EXISTS,
        status: "True",
        reason: "Creation Successful",
        message: "IBM COS bucket was successfully created",
        meaning: Healthy,
        source: "pkg/storage/ibmcos/ibmcos.go:466",
    },
    Template {
        types: EXISTS,
        status: "False",
        reason: "IBM COS Bucket Deleted",
        message: "IBM COS bucket did not exist.",
        meaning: Finding("storage.bucket_removed"),
        source: "pkg/storage/ibmcos/ibmcos.go:690",
    },
    Template {
        types: EXISTS,
        status: "False",
        reason: "IBM COS Bucket Deleted",
        message: "IBM COS bucket has been removed.",
        meaning: Finding("storage.bucket_removed"),
        source: "pkg/storage/ibmcos/ibmcos.go:721",
    },
    Template {
        types: EXISTS,
        status: "Unknown",
        reason: "IBMCOS Configuration Changed",
        message: "IBMCOS storage is in an unknown state",
        meaning: Finding("storage.changing"),
        source: "pkg/storage/ibmcos/ibmcos.go:754",
    },
    // --- written with the cloud's own error code as the reason (S3 CreateBucket, the S3 and
    //     IBM COS delete paths, Swift's client errors): matched last, on the message shape.
    Template {
        types: &[
            "StoragePublicAccessBlocked",
            "StorageTagged",
            "StorageEncrypted",
            "StorageIncompleteUploadCleanupEnabled",
        ],
        status: "False",
        reason: "%s",
        message: "%s",
        meaning: Finding("storage.bucket_setting_failed"),
        source: "pkg/storage/s3/s3.go:739, 790, 833, 874",
    },
    Template {
        types: EXISTS,
        status: "*",
        reason: "%s",
        message: "%s\n\tstatus code: %d%s",
        meaning: Finding("storage.s3_error"),
        source: "pkg/storage/s3/s3.go:645, 695, 719, 917, 928; ibmcos.go:390, 441, 454, 693, 704, 772",
    },
    Template {
        types: EXISTS,
        status: "False",
        reason: "%s",
        message: "%s",
        meaning: Finding("storage.cloud_error"),
        source: "pkg/storage/swift/swift.go:453",
    },
    Template {
        types: EXISTS,
        status: "Unknown",
        reason: "%s",
        message: "%s",
        meaning: Finding("storage.cloud_error"),
        source: "pkg/storage/swift/swift.go:576",
    },
    Template {
        types: EXISTS,
        status: "True",
        reason: "",
        message: "%s",
        meaning: Finding("storage.remove_failed"),
        source: "pkg/storage/gcs/gcs.go:371",
    },
];

/// Error texts that reach a condition wrapped (`Unable to apply resources: %s`,
/// `Error: %s`, `PVC Issues Found`, the certificates controller's). The first that
/// matches says what the error is; one that wraps again is matched again.
pub const ERRORS: &[ErrorTemplate] = &[
    // --- generator.go / controller.go / complete.go ---------------------------------------
    ErrorTemplate {
        text: "unable to sync storage configuration: %s",
        meaning: Wraps("storage.sync_failed"),
        source: "pkg/resource/generator.go:239",
    },
    ErrorTemplate {
        text: "exactly one storage type should be configured at the same time, got %d: %v",
        meaning: Finding("storage.two_types"),
        source: "pkg/storage/storage.go:41",
    },
    ErrorTemplate {
        text: "unable to get storage configuration from cluster install config: %s",
        meaning: Finding("operator.internal"),
        source: "pkg/resource/generator.go:143",
    },
    ErrorTemplate {
        text: "failed to get watch namespace: %s",
        meaning: Finding("operator.internal"),
        source: "pkg/storage/pvc/pvc.go:39",
    },
    ErrorTemplate {
        text: "storage backend not configured",
        meaning: Finding("storage.not_configured"),
        source: "pkg/operator/controller.go:224",
    },
    ErrorTemplate {
        text: "unable to complete resource: %s",
        meaning: Wraps("spec.invalid"),
        source: "pkg/operator/controller.go:215",
    },
    ErrorTemplate {
        text: "replicas must be greater than or equal to 0",
        meaning: Finding("spec.invalid"),
        source: "pkg/resource/complete.go:28",
    },
    ErrorTemplate {
        text: "duplication of names has been detected in the additional routes",
        meaning: Finding("spec.invalid"),
        source: "pkg/resource/complete.go:38",
    },
    ErrorTemplate {
        text: "could not generate random bytes for HTTP secret: %s",
        meaning: Finding("operator.internal"),
        source: "pkg/resource/complete.go:50",
    },
    ErrorTemplate {
        text: "unable to get generators: %s",
        meaning: Finding("operator.internal"),
        source: "pkg/resource/generator.go:258",
    },
    ErrorTemplate {
        text: "clients.Networking not initialized",
        meaning: Finding("operator.internal"),
        source: "pkg/resource/generator.go:105",
    },
    ErrorTemplate {
        text: "unable to apply objects: failed to %s object %s: %s",
        meaning: Wraps("operator.apply_failed"),
        source: "pkg/resource/generator.go:34, 39, 57",
    },
    ErrorTemplate {
        text: "unable to remove obsolete routes: %s",
        meaning: Finding("operator.apply_failed"),
        source: "pkg/resource/generator.go:270",
    },
    // --- the Deployment's and the Secret's generators (deployment.go, podtemplatespec.go,
    //     secret.go, envvar.go) --------------------------------------------------------
    ErrorTemplate {
        text: "no storage driver present",
        meaning: Finding("storage.not_configured"),
        source: "pkg/resource/podtemplatespec.go:143, secret.go:49",
    },
    ErrorTemplate {
        text: "unable to get cluster proxy configuration: %v",
        meaning: Finding("operator.internal"),
        source: "pkg/resource/podtemplatespec.go:201",
    },
    ErrorTemplate {
        text: "Requests.%s.%s must be positive number",
        meaning: Finding("spec.invalid"),
        source: "pkg/resource/podtemplatespec.go:250-262",
    },
    ErrorTemplate {
        text: "generate security context for deployment config: %s",
        meaning: Finding("operator.internal"),
        source: "pkg/resource/deployment.go:81",
    },
    ErrorTemplate {
        text: "unable to generate tls config: %s",
        meaning: Finding("operator.internal"),
        source: "pkg/resource/podtemplatespec.go:300",
    },
    ErrorTemplate {
        text: "could not check nodes for zone failure domain: %s",
        meaning: Finding("operator.internal"),
        source: "pkg/resource/podtemplatespec.go:330",
    },
    ErrorTemplate {
        text: "invalid unsupportedConfigOverrides: %w",
        meaning: Finding("spec.invalid"),
        source: "pkg/resource/deployment.go:165",
    },
    ErrorTemplate {
        text: "unable to encode environment variable %s: %s",
        meaning: Finding("operator.internal"),
        source: "pkg/resource/envvar.go:28",
    },
    // --- credentials (every driver) --------------------------------------------------------
    ErrorTemplate {
        text: "unable to get cluster minted credentials %q: %v",
        meaning: Finding("credentials.cluster_minted"),
        source: "pkg/storage/s3/s3.go:206, gcs.go:104, swift.go:102",
    },
    ErrorTemplate {
        text: "unable to get cluster minted credentials: %s",
        meaning: Finding("credentials.cluster_minted"),
        source: "pkg/storage/azure/azure.go:98",
    },
    ErrorTemplate {
        text: "failed to generate shared secrets data: %v",
        meaning: Finding("credentials.invalid"),
        source: "pkg/storage/s3/s3.go:211",
    },
    ErrorTemplate {
        text: "invalid secret for aws credentials",
        meaning: Finding("credentials.invalid"),
        source: "pkg/storage/s3/s3.go:982",
    },
    ErrorTemplate {
        text: "secret %q does not contain required key %s",
        meaning: Finding("credentials.key_missing"),
        source: "pkg/storage/s3/s3.go:221, 226; gcs.go:109, 117; swift.go:153; ibmcos.go:899, 907",
    },
    ErrorTemplate {
        text: "secret %q does not contain required keys %s",
        meaning: Finding("credentials.key_missing"),
        source: "pkg/storage/swift/swift.go:168",
    },
    ErrorTemplate {
        text: "secret \"%s/%s\" does not contain required key \"REGISTRY_STORAGE_AZURE_ACCOUNTKEY\"",
        meaning: Finding("credentials.key_missing"),
        source: "pkg/storage/azure/azure.go:128",
    },
    ErrorTemplate {
        text: "the secret %s/%s has an empty value for REGISTRY_STORAGE_AZURE_ACCOUNTKEY; %s",
        meaning: Finding("credentials.invalid"),
        source: "pkg/storage/azure/azure.go:133",
    },
    ErrorTemplate {
        text: "unable to get user provided secrets: %s",
        meaning: Finding("credentials.invalid"),
        source: "pkg/storage/azure/azure.go:104",
    },
    ErrorTemplate {
        text: "failed to unmarshal clouds credentials: %v",
        meaning: Finding("credentials.invalid"),
        source: "pkg/storage/swift/swift.go:110",
    },
    ErrorTemplate {
        text: "clouds.yaml does not contain required cloud \"openstack\"",
        meaning: Finding("credentials.invalid"),
        source: "pkg/storage/swift/swift.go:150",
    },
    ErrorTemplate {
        text: "failed to get keys for the storage account %s: %s",
        meaning: Finding("credentials.invalid"),
        source: "pkg/storage/azure/azure.go:185",
    },
    ErrorTemplate {
        text: "specified resource key %s",
        meaning: Finding("credentials.invalid"),
        source: "pkg/storage/ibmcos/ibmcos.go:360-378",
    },
    ErrorTemplate {
        text: "resource key has not been set",
        meaning: Finding("credentials.invalid"),
        source: "pkg/storage/ibmcos/ibmcos.go:916",
    },
    // --- CAs and transports -----------------------------------------------------------------
    ErrorTemplate {
        text: "unable to get S3 CA bundle: %w",
        meaning: Wraps("ca.bundle"),
        source: "pkg/storage/s3/s3.go:292",
    },
    ErrorTemplate {
        text: "failed to get trusted CA %q: %w",
        meaning: Finding("ca.bundle"),
        source: "pkg/storage/s3/s3.go:239, caconfig.go:130",
    },
    ErrorTemplate {
        text: "trusted CA config map %q does not contain required key %q",
        meaning: Finding("ca.bundle"),
        source: "pkg/storage/s3/s3.go:243, caconfig.go:140",
    },
    ErrorTemplate {
        text: "configmap %q not found",
        meaning: Finding("ca.bundle"),
        source: "pkg/operator/caconfig.go:123",
    },
    ErrorTemplate {
        text: "unable to get the kube cloud config: %w",
        meaning: Finding("operator.internal"),
        source: "pkg/storage/s3/s3.go:254",
    },
    ErrorTemplate {
        text: "unable to load system root CA bundle: %w",
        meaning: Finding("ca.bundle"),
        source: "pkg/storage/s3/s3.go:299",
    },
    ErrorTemplate {
        text: "failed to get cloud provider CA certificate: %w",
        meaning: Finding("ca.bundle"),
        source: "pkg/storage/swift/swift.go:257",
    },
    ErrorTemplate {
        text: "unable to configure http2 transport: %w",
        meaning: Finding("operator.internal"),
        source: "pkg/storage/s3/s3.go:328",
    },
    ErrorTemplate {
        text: "failed to determine if region %s has dual stack S3: %w",
        meaning: Finding("storage.cloud_config"),
        source: "pkg/storage/s3/s3.go:271",
    },
    ErrorTemplate {
        text: "failed to create file for shared credentials: %v",
        meaning: Finding("operator.internal"),
        source: "pkg/storage/s3/s3.go:962",
    },
    ErrorTemplate {
        text: "failed to write credentials to %s: %v",
        meaning: Finding("operator.internal"),
        source: "pkg/storage/s3/s3.go:968",
    },
    // --- the PVC driver's checks (PVC Issues Found) ----------------------------------------
    ErrorTemplate {
        text: "cannot use %s access mode with more than one replica of the image registry",
        meaning: Finding("storage.rwo_replicas"),
        source: "pkg/storage/pvc/pvc.go:147",
    },
    ErrorTemplate {
        text: "cannot use %s access mode with %s rollout strategy",
        meaning: Finding("storage.rwo_rolling"),
        source: "pkg/storage/pvc/pvc.go:151",
    },
    ErrorTemplate {
        text: "PVC %s does not contain the necessary access modes: %s or %s",
        meaning: Finding("storage.pvc_access_modes"),
        source: "pkg/storage/pvc/pvc.go:157",
    },
    ErrorTemplate {
        text: "persistentvolumeclaims %q not found",
        meaning: Finding("storage.pvc_missing"),
        source: "pkg/storage/pvc/pvc.go:142",
    },
    // --- cloud configuration (Swift, Azure, IBM COS) ----------------------------------------
    ErrorTemplate {
        text: "unable to parse authVersion: %s",
        meaning: Finding("storage.cloud_config"),
        source: "pkg/storage/swift/swift.go:345",
    },
    ErrorTemplate {
        text: "Incorrect Auth URL: %s",
        meaning: Finding("storage.cloud_config"),
        source: "pkg/storage/swift/swift.go:404",
    },
    ErrorTemplate {
        text: "unable to get infrastructure object: %s",
        meaning: Finding("operator.internal"),
        source: "pkg/storage/azure/azure.go:112",
    },
    ErrorTemplate {
        text: "unable to get location from infrastructure",
        meaning: Finding("operator.internal"),
        source: "pkg/storage/ibmcos/ibmcos.go:825",
    },
    ErrorTemplate {
        text: "unable to %s resource %s",
        meaning: Finding("storage.cloud_error"),
        source: "pkg/storage/ibmcos/ibmcos.go:208-355",
    },
    ErrorTemplate {
        text: "unable to determine account ID: %s",
        meaning: Finding("storage.cloud_error"),
        source: "pkg/storage/ibmcos/ibmcos.go:249",
    },
    ErrorTemplate {
        text: "unable to find any resource groups with resp code: %d",
        meaning: Finding("storage.cloud_error"),
        source: "pkg/storage/ibmcos/ibmcos.go:267",
    },
    ErrorTemplate {
        text: "waiting for IBM COS service instance to finish provisioning",
        meaning: Finding("storage.changing"),
        source: "pkg/storage/ibmcos/ibmcos.go:235",
    },
    ErrorTemplate {
        text: "bucket %s exists but is owned by another account",
        meaning: Finding("storage.bucket_owned_elsewhere"),
        source: "pkg/storage/s3/s3.go:692",
    },
];

/// How the doctor reads a condition: the class of the finding it is evidence of, `None`
/// when it is healthy, and whether a template knew it (`false`: only the raw text says
/// what is wrong).
pub fn classify(
    kind: &str,
    status: &str,
    reason: &str,
    message: &str,
) -> (Option<&'static str>, bool) {
    // The ClusterOperator prefixes the pruner's conditions; the Config's are matched bare.
    for template in TEMPLATES {
        if !template.types.contains(&kind)
            || (template.status != "*" && template.status != status)
            || !matches(template.reason, reason)
            || !matches(template.message, message)
        {
            continue;
        }
        return match template.meaning {
            Healthy => (None, true),
            Finding(class) => (Some(class), true),
            Wraps(class) => match wrapped(template.message, message) {
                Some(inner) => classify_error(inner, class),
                None => (Some(class), true),
            },
        };
    }
    (Some("condition.unknown"), false)
}

/// The class of a wrapped error text; `outer` when no template knows it (still known: the
/// wrapping message said what kind of failure it is).
pub fn classify_error(text: &str, outer: &'static str) -> (Option<&'static str>, bool) {
    // An error wraps another at its first `: ` most of the time; the templates say where.
    for error in ERRORS {
        if !matches(error.text, text) {
            continue;
        }
        return match error.meaning {
            Healthy => (None, true),
            Finding(class) => (Some(class), true),
            Wraps(class) => match wrapped(error.text, text) {
                Some(inner) => {
                    let (found, known) = classify_error(inner, class);
                    (found.or(Some(class)), known)
                }
                None => (Some(class), true),
            },
        };
    }
    (Some(outer), true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbs_stand_for_any_text() {
        assert!(matches(
            "Error: %s",
            "Error: storage backend not configured"
        ));
        assert!(matches("Error: %s", "Error: "));
        assert!(!matches("Error: %s", "error: x"));
        assert!(matches(
            "route %s (host %s, router %s) not admitted: %s",
            "route default-route (host h.example, router default) not admitted: HostAlreadyClaimed"
        ));
        assert!(!matches("The registry is ready", "The registry is ready!"));
        assert!(matches("", ""));
        assert_eq!(
            wrapped(
                "Unable to apply resources: %s",
                "Unable to apply resources: boom"
            ),
            Some("boom")
        );
    }
}
