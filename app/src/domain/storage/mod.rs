//! Registry storage: the credentials Secret and its keys, and the storage wizard's paths.

pub mod credentials;
pub use credentials::*;
