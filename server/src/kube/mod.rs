//! The console's access to Kubernetes: the connection, clients that act as each signed-in
//! user, one catalogue of the resources the console touches, and the deadline every call
//! of a request carries.

pub mod cache;
pub mod connect;
pub mod deadline;
pub mod resources;
pub mod user;

pub use connect::{KubeAccess, connect};
