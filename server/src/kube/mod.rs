//! The console's access to Kubernetes: the connection, clients that act as each signed-in
//! user, one catalogue of the resources the console touches, and the deadline every call
//! of a request carries.

pub mod connect;
pub mod deadline;
pub mod resources;
pub mod user;

pub use connect::{KubeAccess, connect};

/// How long connecting to the API server may take.
pub const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);
/// How long one whole call of a request may take (watches and log streams excepted).
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);
