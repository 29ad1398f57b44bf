//! One module per page (SPEC §6).

pub mod access;
pub mod audit;
pub mod ca_trust;
pub mod configuration;
pub mod exposure;
pub mod logs;
pub mod not_found;
pub mod overview;
pub mod pruner;
pub mod registries;
pub mod sign_in;
pub mod storage;
pub mod your_access;
