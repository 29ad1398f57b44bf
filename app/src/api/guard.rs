//! The role guard and the service lookup every server function goes through (server only).

use super::error::ConsoleError;
use super::ports::{RequestUser, Services};
use crate::domain::access::Who;
use leptos::prelude::*;
use std::future::Future;
use std::sync::Arc;

/// The signed-in user if their console roles pass `who`; otherwise the error, with the
/// HTTP status set on the response.
pub fn require(who: Who, what: &str) -> Result<RequestUser, ConsoleError> {
    let result = match use_context::<RequestUser>() {
        None => Err(ConsoleError::SignInRequired),
        Some(user) if who.allow(user.session.roles) => Ok(user),
        Some(_) => Err(ConsoleError::Forbidden(format!(
            "your console role does not allow {what}"
        ))),
    };
    if let Err(e) = &result {
        set_status(e);
    }
    result
}

/// Sets the response status for `error` (server functions otherwise answer 500).
pub fn set_status(error: &ConsoleError) {
    super::set_http_status(error.status());
}

/// The one shape of a server function: the role check, then the service it needs (built
/// for this request only now), then the operation; any error also sets the status.
pub async fn with_service<S, T, Fut>(
    who: Who,
    what: &str,
    pick: impl FnOnce(&dyn Services) -> Result<Arc<S>, ConsoleError>,
    op: impl FnOnce(Arc<S>) -> Fut,
) -> Result<T, ConsoleError>
where
    S: ?Sized,
    Fut: Future<Output = Result<T, ConsoleError>>,
{
    let result = async {
        let user = require(who, what)?;
        let service = pick(user.services.as_ref())?;
        op(service).await
    }
    .await;
    if let Err(e) = &result {
        set_status(e);
    }
    result
}
