//! Every change to the cluster, from any page: preview, apply and follow-up (SPEC §5). The
//! draft is the page's own submission as JSON, decoded by that area's service after the role
//! check (a form encoding would also turn nested values into strings).

use super::error::ConsoleError;
use crate::domain::change::{Applied, ChangeArea, ChangePreview, FollowUpView};

#[leptos::server(prefix = "/api", endpoint = "preview_change", client = super::csrf_client::CsrfClient)]
pub async fn preview_change(
    #[server(default)] area: ChangeArea,
    #[server(default)] draft: String,
) -> Result<ChangePreview, ConsoleError> {
    use crate::domain::access::Who;
    super::with_service(
        Who::Admins,
        "changing the cluster",
        |services| services.changes(area),
        |changes| async move { changes.preview(draft).await },
    )
    .await
}

#[leptos::server(prefix = "/api", endpoint = "apply_change", client = super::csrf_client::CsrfClient)]
pub async fn apply_change(
    #[server(default)] area: ChangeArea,
    #[server(default)] draft: String,
    #[server(default)] reason: String,
) -> Result<Applied, ConsoleError> {
    use crate::domain::access::Who;
    super::with_service(
        Who::Admins,
        "changing the cluster",
        |services| services.changes(area),
        |changes| async move { changes.apply(draft, reason).await },
    )
    .await
}

#[leptos::server(prefix = "/api", endpoint = "change_follow_up", client = super::csrf_client::CsrfClient)]
pub async fn change_follow_up(
    #[server(default)] change_id: String,
) -> Result<FollowUpView, ConsoleError> {
    use crate::domain::access::Who;
    super::with_service(
        Who::Admins,
        "following a change",
        |services| services.follow_ups(),
        |follow_ups| async move { follow_ups.get(change_id).await },
    )
    .await
}
