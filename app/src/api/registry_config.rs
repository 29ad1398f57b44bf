//! The Configuration page's read: the registry `Config` as the signed-in user. Its changes
//! go through [`super::changes`] like every other change.

use super::error::ConsoleError;
use crate::domain::registry_config::form::ConfigView;

#[leptos::server(prefix = "/api", endpoint = "registry_config", client = super::csrf_client::CsrfClient)]
pub async fn registry_config() -> Result<ConfigView, ConsoleError> {
    use crate::domain::access::Who;
    super::with_service(
        Who::AdminsAndViewers,
        "reading the registry configuration",
        |services| services.registry_config(),
        |config| async move { config.load().await },
    )
    .await
}
