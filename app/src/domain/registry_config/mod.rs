//! The registry `Config` (SPEC §3): the operator's rules (SPEC §4), the Configuration
//! page's form and how it maps onto a spec, and how a rollout is judged from the status.

pub mod form;
pub mod rollout;
pub mod rules;
