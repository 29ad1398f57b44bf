//! The kinds of finding: how bad each is and which page fixes it. Their words are in the
//! catalogues (`doctor.<id>.title`, `.explain`, `.fix`); a test holds every id to both.

use super::Severity::{self, Critical, Info, Warning};
use crate::domain::page::Page;

#[derive(Clone, Copy, Debug)]
pub struct Class {
    pub id: &'static str,
    pub severity: Severity,
    /// The page whose form fixes it (`None`: nothing in the console changes it).
    pub page: Option<Page>,
}

const fn c(id: &'static str, severity: Severity, page: Option<Page>) -> Class {
    Class { id, severity, page }
}

const CONFIGURATION: Option<Page> = Some(Page::Configuration);
const STORAGE: Option<Page> = Some(Page::Storage);
const EXPOSURE: Option<Page> = Some(Page::Exposure);
const CA_TRUST: Option<Page> = Some(Page::CaTrust);
const PRUNER: Option<Page> = Some(Page::Pruner);
const LOGS: Option<Page> = Some(Page::Logs);

pub const CLASSES: &[Class] = &[
    // The management state.
    c("state.removed", Warning, STORAGE),
    c("state.unmanaged", Warning, CONFIGURATION),
    c("state.removing", Info, None),
    c("state.remove_failed", Critical, CONFIGURATION),
    c("spec.invalid", Critical, CONFIGURATION),
    // Storage, as the operator reports it.
    c("storage.not_configured", Critical, STORAGE),
    c("storage.two_types", Critical, STORAGE),
    c("storage.changing", Info, None),
    c("storage.sync_failed", Critical, STORAGE),
    c("storage.s3_error", Critical, STORAGE),
    c("storage.unknown_error", Critical, STORAGE),
    c("storage.bucket_owned_elsewhere", Critical, STORAGE),
    c("storage.bucket_removed", Info, None),
    c("storage.bucket_setting_failed", Warning, STORAGE),
    c("storage.cloud_error", Critical, STORAGE),
    c("storage.cloud_config", Critical, STORAGE),
    c("storage.remove_failed", Warning, STORAGE),
    c("storage.pvc_check_failed", Critical, STORAGE),
    c("storage.pvc_missing", Critical, STORAGE),
    c("storage.pvc_not_owned", Critical, STORAGE),
    c("storage.create_failed", Critical, STORAGE),
    c("storage.pvc_problem", Critical, STORAGE),
    c("storage.rwo_replicas", Critical, CONFIGURATION),
    c("storage.rwo_rolling", Critical, CONFIGURATION),
    c("storage.pvc_access_modes", Critical, STORAGE),
    // Storage, as the doctor sees it in the spec and the claims.
    c("emptydir.replicas", Warning, CONFIGURATION),
    c("emptydir.ephemeral", Warning, STORAGE),
    c("claim.pending", Critical, STORAGE),
    c("claim.lost", Critical, STORAGE),
    c("claim.deleting", Critical, STORAGE),
    // Credentials.
    c("credentials.key_missing", Critical, STORAGE),
    c("credentials.invalid", Critical, STORAGE),
    c("credentials.cluster_minted", Critical, STORAGE),
    c("credentials.mismatch", Warning, STORAGE),
    // Trusted CAs.
    c("ca.bundle", Critical, CA_TRUST),
    c("ca.expired", Critical, CA_TRUST),
    c("ca.key_port", Critical, CA_TRUST),
    // The operator itself.
    c("operator.apply_failed", Warning, None),
    c("operator.internal", Warning, None),
    c("operator.controller_degraded", Warning, None),
    c("nodeca.problem", Warning, None),
    c("nodeca.updating", Info, None),
    // The registry's workload.
    c("workload.deployment_missing", Critical, None),
    c("workload.deployment_deleting", Info, None),
    c("workload.no_replicas", Critical, LOGS),
    c("workload.minimum_availability", Warning, LOGS),
    c("workload.waiting", Info, None),
    c("workload.rollout", Info, None),
    c("workload.unavailable", Critical, LOGS),
    c("workload.progress_deadline", Critical, LOGS),
    c("workload.degraded_soon", Info, None),
    c("pod.pending", Critical, None),
    c("pod.crash_loop", Critical, LOGS),
    c("pod.image_pull", Critical, None),
    c("pod.oom_killed", Critical, CONFIGURATION),
    c("pod.probe_failing", Warning, LOGS),
    // What the registry's own log says.
    c("log.s3_credentials", Critical, STORAGE),
    c("log.s3_no_bucket", Critical, STORAGE),
    c("log.x509", Critical, CA_TRUST),
    c("log.permission_denied", Critical, STORAGE),
    c("log.no_space", Critical, STORAGE),
    c("log.read_only_fs", Critical, STORAGE),
    // Routes.
    c("routes.not_admitted", Critical, EXPOSURE),
    c("route.cert_expired", Critical, EXPOSURE),
    c("route.cert_expiring", Warning, EXPOSURE),
    c("route.cert_host", Critical, EXPOSURE),
    // The pruner.
    c("pruner.cronjob_missing", Warning, PRUNER),
    c("pruner.job_failed", Warning, PRUNER),
    c("pruner.suspended", Info, PRUNER),
    c("pruner.sync_error", Warning, PRUNER),
    c("pruner.no_recent_success", Warning, PRUNER),
    // Metrics.
    c("metrics.errors", Warning, LOGS),
    c("metrics.slow", Warning, LOGS),
    // A condition no template knows: its raw text.
    c("condition.unknown", Warning, None),
];

pub fn class(id: &str) -> Option<&'static Class> {
    CLASSES.iter().find(|c| c.id == id)
}
