//! Every write to the cluster (SPEC §5): the change pipeline, the checks it runs before
//! anything is applied (the CRD schemas, the operator's rules, Kubernetes' own rules for
//! pod specs, TLS material), the `oc` commands it shows, and the follow-up after applying.

pub mod crds;
pub mod follow_up;
pub mod oc;
pub mod pipeline;
pub mod rules;
pub mod schema;
pub mod tls;

pub use pipeline::{
    ChangePipeline, ChangeRequest, FollowUpPlan, PipelineError, Requester, RestoredVersion, Step,
};

/// Field manager the console's writes are recorded under in `managedFields`.
pub const FIELD_MANAGER: &str = "registry-console";
