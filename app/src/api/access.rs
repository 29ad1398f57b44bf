//! "Your access": what the API server lets the signed-in user do.

use super::error::ConsoleError;
use crate::domain::access::AccessDecision;

/// The console's actions and whether the API server lets this user take them.
#[leptos::server(prefix = "/api", endpoint = "my_access", client = super::csrf_client::CsrfClient)]
pub async fn my_access() -> Result<Vec<AccessDecision>, ConsoleError> {
    use crate::domain::access::{Who, console_actions};
    super::with_service(
        Who::AdminsAndViewers,
        "checking cluster permissions",
        |services| services.cluster(),
        |cluster| async move { cluster.review(console_actions()).await },
    )
    .await
}
