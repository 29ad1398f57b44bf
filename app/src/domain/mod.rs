//! Pure rules and types: no I/O and no views. The server, the API layer, the components
//! and the pages all build on these, so a rule is written once and the browser and the
//! server can never disagree about it.

pub mod access;
pub mod audit;
pub mod ca_trust;
pub mod certificate;
pub mod change;
pub mod conditions;
pub mod diff;
pub mod doctor;
pub mod duration;
pub mod exposure;
pub mod form_draft;
pub mod headline;
pub mod logs;
pub mod metrics;
pub mod overview;
pub mod page;
pub mod podspec;
pub mod pruner;
pub mod registries;
pub mod registry_access;
pub mod registry_config;
pub mod restore;
pub mod return_to;
pub mod session;
pub mod shell;
pub mod status;
pub mod storage;
pub mod violation;
