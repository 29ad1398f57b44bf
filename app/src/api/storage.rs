//! The storage wizard's read: platform, storage, credential key names, claims and storage
//! classes, as the signed-in user. Its changes go through [`super::changes`] like every
//! other change (area [`crate::domain::change::ChangeArea::Storage`]).

use super::error::ConsoleError;
use crate::domain::storage::wizard::StorageView;

#[leptos::server(prefix = "/api", endpoint = "storage", client = super::csrf_client::CsrfClient)]
pub async fn storage() -> Result<StorageView, ConsoleError> {
    use crate::domain::access::Who;
    super::with_service(
        Who::AdminsAndViewers,
        "reading the registry storage",
        |services| services.storage(),
        |storage| async move { storage.load().await },
    )
    .await
}

/// What the wizard island needs of the same view, as JSON text (the island reads it with
/// the decoder its props already need, and without the full error type's decoder).
#[leptos::server(prefix = "/api", endpoint = "storage_state", client = super::csrf_client::CsrfClient)]
pub async fn storage_state() -> Result<String, super::changes::ReplyError> {
    let view = storage()
        .await
        .map_err(|e| super::changes::ReplyError::Failed(e.to_string()))?;
    serde_json::to_string(&view.wizard_state())
        .map_err(|e| super::changes::ReplyError::Failed(e.to_string()))
}
