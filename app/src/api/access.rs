//! Access: what the API server lets the signed-in user do ("Your access"), and who has the
//! registry roles where (the Access page).

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

/// Who has the registry roles where, and what each role allows (the Access page).
#[leptos::server(prefix = "/api", endpoint = "registry_access", client = super::csrf_client::CsrfClient)]
pub async fn registry_access() -> Result<crate::domain::registry_access::AccessView, ConsoleError> {
    use crate::domain::access::Who;
    super::with_service(
        Who::AdminsAndViewers,
        "reading who may use the registry",
        |services| services.access_bindings(),
        |access| async move { access.load().await },
    )
    .await
}
