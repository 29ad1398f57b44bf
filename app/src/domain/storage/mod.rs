//! Registry storage: the credentials Secret and its keys, each storage type's field
//! checks, and the storage wizard's paths.

pub mod credentials;
pub mod steps;
pub mod validate;
pub mod wizard;

pub use credentials::*;
