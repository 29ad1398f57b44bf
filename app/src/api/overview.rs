//! The Overview's and the Logs page's reads, as the signed-in user: nothing here changes
//! the cluster.

use super::error::ConsoleError;
use crate::domain::logs::{LogsQuery, LogsView};
use crate::domain::overview::OverviewView;

#[leptos::server(prefix = "/api", endpoint = "overview", client = super::csrf_client::CsrfClient)]
pub async fn overview() -> Result<OverviewView, ConsoleError> {
    use crate::domain::access::Who;
    super::with_service(
        Who::AdminsAndViewers,
        "reading the registry's health",
        |services| services.overview(),
        |overview| async move { overview.load().await },
    )
    .await
}

#[leptos::server(prefix = "/api", endpoint = "logs", client = super::csrf_client::CsrfClient)]
pub async fn logs(#[server(default)] query: LogsQuery) -> Result<LogsView, ConsoleError> {
    use crate::domain::access::Who;
    super::with_service(
        Who::AdminsAndViewers,
        "reading the registry's logs",
        |services| services.logs(),
        |logs| async move { logs.load(query).await },
    )
    .await
}
