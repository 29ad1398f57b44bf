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

/// The same, as the JSON text of the view, for the editor island: it reads it with the
/// decoder its props already need, and without the full error type's decoder.
#[leptos::server(prefix = "/api", endpoint = "registry_config_state", client = super::csrf_client::CsrfClient)]
pub async fn registry_config_state() -> Result<String, super::changes::ReplyError> {
    let view = registry_config()
        .await
        .map_err(|e| super::changes::ReplyError::Failed(e.to_string()))?;
    serde_json::to_string(&view).map_err(|e| super::changes::ReplyError::Failed(e.to_string()))
}
