//! The exposure wizard's and the CA-trust page's reads, as the signed-in user. Their
//! changes go through [`super::changes`] like every other change (areas
//! [`crate::domain::change::ChangeArea::Exposure`] and
//! [`crate::domain::change::ChangeArea::CaTrust`]).

use super::error::ConsoleError;
use crate::domain::ca_trust::CaTrustView;
use crate::domain::exposure::ExposureView;
use crate::domain::registries::RegistriesView;

#[leptos::server(prefix = "/api", endpoint = "exposure", client = super::csrf_client::CsrfClient)]
pub async fn exposure() -> Result<ExposureView, ConsoleError> {
    use crate::domain::access::Who;
    super::with_service(
        Who::AdminsAndViewers,
        "reading the registry's routes",
        |services| services.exposure(),
        |exposure| async move { exposure.load().await },
    )
    .await
}

#[leptos::server(prefix = "/api", endpoint = "ca_trust", client = super::csrf_client::CsrfClient)]
pub async fn ca_trust() -> Result<CaTrustView, ConsoleError> {
    use crate::domain::access::Who;
    super::with_service(
        Who::AdminsAndViewers,
        "reading the trusted registry CAs",
        |services| services.ca_trust(),
        |trust| async move { trust.load().await },
    )
    .await
}

/// The Registries page's read (guide chapter 4): registry sources, the pull secret's
/// registries (never a value) and the Samples Operator's copy. Changes go through
/// [`super::changes`] (area [`crate::domain::change::ChangeArea::Registries`]).
#[leptos::server(prefix = "/api", endpoint = "registries", client = super::csrf_client::CsrfClient)]
pub async fn registries() -> Result<RegistriesView, ConsoleError> {
    use crate::domain::access::Who;
    super::with_service(
        Who::AdminsAndViewers,
        "reading registry sources and pull credentials",
        |services| services.registries(),
        |registries| async move { registries.load().await },
    )
    .await
}
