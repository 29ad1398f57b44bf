//! The audit trail's server functions (admins and auditors).

use super::error::ConsoleError;
use crate::domain::audit::{AuditEventView, AuditPage, AuditQuery, ChainCheck, ObjectHistory};
use crate::domain::restore::VersionComparison;

#[leptos::server(prefix = "/api", endpoint = "audit_changes", client = super::csrf_client::CsrfClient)]
pub async fn audit_changes(
    #[server(default)] query: AuditQuery,
) -> Result<AuditPage, ConsoleError> {
    use crate::domain::access::Who;
    super::with_service(
        Who::AdminsAndAuditors,
        "reading the audit trail",
        |services| services.audit(),
        |audit| async move { audit.list(query).await },
    )
    .await
}

#[leptos::server(prefix = "/api", endpoint = "audit_change", client = super::csrf_client::CsrfClient)]
pub async fn audit_change(
    #[server(default)] change_id: String,
) -> Result<Vec<AuditEventView>, ConsoleError> {
    use crate::domain::access::Who;
    super::with_service(
        Who::AdminsAndAuditors,
        "reading the audit trail",
        |services| services.audit(),
        |audit| async move { audit.change(change_id).await },
    )
    .await
}

#[leptos::server(prefix = "/api", endpoint = "audit_object_histories", client = super::csrf_client::CsrfClient)]
pub async fn audit_object_histories(
    #[server(default)] change_id: String,
) -> Result<Vec<ObjectHistory>, ConsoleError> {
    use crate::domain::access::Who;
    super::with_service(
        Who::AdminsAndAuditors,
        "reading the audit trail",
        |services| services.audit(),
        |audit| async move { audit.object_histories(change_id).await },
    )
    .await
}

#[leptos::server(prefix = "/api", endpoint = "audit_object_versions", client = super::csrf_client::CsrfClient)]
pub async fn audit_object_versions(
    #[server(default)] object: String,
) -> Result<ObjectHistory, ConsoleError> {
    use crate::domain::access::Who;
    super::with_service(
        Who::AdminsAndAuditors,
        "reading the audit trail",
        |services| services.audit(),
        |audit| async move { audit.object_versions(object).await },
    )
    .await
}

#[leptos::server(prefix = "/api", endpoint = "audit_compare", client = super::csrf_client::CsrfClient)]
pub async fn audit_compare(
    #[server(default)] version: String,
    #[server(default)] object: usize,
    #[server(default)] with: String,
) -> Result<VersionComparison, ConsoleError> {
    use crate::domain::access::Who;
    super::with_service(
        Who::AdminsAndAuditors,
        "reading the audit trail",
        |services| services.versions(),
        |versions| async move { versions.compare(version, object, with).await },
    )
    .await
}

#[leptos::server(prefix = "/api", endpoint = "verify_audit_chain", client = super::csrf_client::CsrfClient)]
pub async fn verify_audit_chain() -> Result<ChainCheck, ConsoleError> {
    use crate::domain::access::Who;
    super::with_service(
        Who::AdminsAndAuditors,
        "checking the audit trail",
        |services| services.audit(),
        |audit| async move { audit.verify().await },
    )
    .await
}
