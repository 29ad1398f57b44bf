//! `GET /audit/export.jsonl` and `GET /audit/export.csv`: the trail, streamed, for
//! auditors and admins only; the audit page's filters in the query string select which
//! changes (all events of each). Memory stays flat however long the trail is.

use crate::AppState;
use crate::auth::guard::CurrentUser;
use axum::Extension;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use std::collections::HashMap;

/// The refusal for anyone but auditors and admins; `None` lets the request through.
fn refusal(state: &AppState, user: Option<&CurrentUser>) -> Option<Response> {
    let Some(CurrentUser(user)) = user else {
        return Some(StatusCode::UNAUTHORIZED.into_response());
    };
    let roles = state.auth.mapping.roles(&user.identity.groups);
    if roles.admin || roles.auditor {
        return None;
    }
    tracing::warn!(subject = %user.identity.subject, "audit export refused: not an auditor or admin");
    Some(
        (
            StatusCode::FORBIDDEN,
            "The audit trail is for auditors and admins.\n",
        )
            .into_response(),
    )
}

fn streamed(
    lines: impl futures::Stream<Item = super::store::Result<String>> + Send + 'static,
    content_type: &'static str,
    file: &'static str,
) -> Response {
    // An error mid-stream ends the body early; the client sees a truncated download rather
    // than a partial file that looks complete.
    let body = Body::from_stream(lines.map(|line| line.map_err(std::io::Error::other)));
    (
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CONTENT_DISPOSITION,
                match file {
                    "csv" => "attachment; filename=\"registry-console-audit.csv\"",
                    _ => "attachment; filename=\"registry-console-audit.jsonl\"",
                },
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// The audit page's filters from the query string.
fn filter(params: &HashMap<String, String>) -> super::store::Filter {
    app::domain::audit::AuditQuery::from_pairs(|name| params.get(name).cloned()).into()
}

/// A filter that does not parse: 400 naming the field, nothing streamed.
fn bad_filter(e: super::store::AuditError) -> Response {
    (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response()
}

pub async fn json_lines(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    export(&state, user, &params, "jsonl")
}

pub async fn csv(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    export(&state, user, &params, "csv")
}

/// The role check, the filters, then the stream in `format` (`jsonl` or `csv`).
fn export(
    state: &AppState,
    user: Option<Extension<CurrentUser>>,
    params: &HashMap<String, String>,
    format: &'static str,
) -> Response {
    if let Some(refused) = refusal(state, user.as_ref().map(|Extension(u)| u)) {
        return refused;
    }
    let audit = &state.pipeline.audit;
    let filter = filter(params);
    let streamed = match format {
        "csv" => audit
            .export_csv(&filter)
            .map(|lines| streamed(lines, "text/csv; charset=utf-8", "csv")),
        _ => audit
            .export_json_lines(&filter)
            .map(|lines| streamed(lines, "application/jsonl; charset=utf-8", "jsonl")),
    };
    streamed.unwrap_or_else(bad_filter)
}
