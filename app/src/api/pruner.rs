//! The Pruner page's read: the image pruner's settings, status, next and last runs, as the
//! signed-in user. Its changes go through [`super::changes`] like every other change
//! (area [`crate::domain::change::ChangeArea::Pruner`]).

use super::error::ConsoleError;
use crate::domain::pruner::PrunerView;

#[leptos::server(prefix = "/api", endpoint = "pruner", client = super::csrf_client::CsrfClient)]
pub async fn pruner() -> Result<PrunerView, ConsoleError> {
    use crate::domain::access::Who;
    super::with_service(
        Who::AdminsAndViewers,
        "reading the image pruner",
        |services| services.pruner(),
        |pruner| async move { pruner.load().await },
    )
    .await
}
