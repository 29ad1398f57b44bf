//! The live parts of the Overview and Logs pages, as server-sent events, and the log
//! download:
//!
//! - `GET /live/overview`: `changed` whenever a shared cache changes (bursts coalesced),
//!   and `tick` every metrics interval. It carries no data: the page fetches itself again,
//!   rendered for the user with their own permission checks, so the stream can never
//!   show anyone more than the page would.
//! - `GET /logs/follow`: a pod's new log lines, read as the user (`pods/log`, follow).
//! - `GET /logs/download`: a pod's log as a file, read as the user.
//!
//! Each answers only admins and viewers (the pages' roles); the API server decides the rest.

use crate::AppState;
use crate::auth::guard::CurrentUser;
use crate::auth::session::SignedIn;
use crate::kube::cache::NAMESPACE;
use crate::services::logs::log_params;
use app::domain::logs::{LogsQuery, matches, split_timestamp};
use axum::Extension;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::{AsyncBufReadExt, Stream, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::api::Api;
use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;

/// Bursts of cache changes within this time become one `changed` event.
const COALESCE: Duration = Duration::from_millis(300);
/// How often a stream asks whether its session still stands: it ends within this of the
/// session ending (sign-out, here or through another replica; the idle or absolute limit).
const SESSION_CHECK: Duration = Duration::from_secs(2);

/// `events` for as long as the session `id` is a live sign-in: then an `end` event saying
/// so, and the stream closes.
fn while_signed_in(
    state: AppState,
    id: Option<tower_sessions::session::Id>,
    events: impl Stream<Item = Result<Event, Infallible>> + Send + 'static,
) -> impl Stream<Item = Result<Event, Infallible>> + Send + 'static {
    async_stream::stream! {
        let Some(id) = id else {
            yield Ok(Event::default().event("end").data("the session ended: sign in again"));
            return;
        };
        let mut events = std::pin::pin!(events);
        let mut check = tokio::time::interval(SESSION_CHECK);
        check.tick().await;
        loop {
            tokio::select! {
                next = events.next() => match next {
                    Some(event) => yield event,
                    None => break,
                },
                _ = check.tick() => {
                    let now = crate::auth::now_secs();
                    if !crate::auth::guard::still_signed_in(&state.auth, &state.sessions, &id, now).await {
                        yield Ok(Event::default().event("end").data("the session ended: sign in again"));
                        break;
                    }
                }
            }
        }
    }
}

/// Why a request is refused: its status and a line of text naming the cause.
struct Refusal(StatusCode, String);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (self.0, format!("{}\n", self.1)).into_response()
    }
}

/// The signed-in admin or viewer, or the refusal.
fn reader(
    state: &AppState,
    user: Option<Extension<CurrentUser>>,
) -> Result<std::sync::Arc<SignedIn>, Refusal> {
    let Some(Extension(CurrentUser(user))) = user else {
        return Err(Refusal(StatusCode::UNAUTHORIZED, "Sign in first.".into()));
    };
    let roles = state.auth.mapping.roles(&user.identity.groups);
    if roles.admin || roles.viewer {
        Ok(user)
    } else {
        Err(Refusal(
            StatusCode::FORBIDDEN,
            "The registry's health and logs are for admins and viewers.".into(),
        ))
    }
}

pub async fn overview(
    State(state): State<AppState>,
    session: tower_sessions::Session,
    user: Option<Extension<CurrentUser>>,
) -> Response {
    if let Err(refusal) = reader(&state, user) {
        return refusal.into_response();
    }
    let session_id = session.id();
    let Some(caches) = state.caches.clone() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "No Kubernetes cluster is configured.\n",
        )
            .into_response();
    };
    let mut changes = caches.subscribe();
    changes.mark_unchanged();
    let events = async_stream::stream! {
        let mut tick = tokio::time::interval(crate::services::registry_metrics::INTERVAL);
        tick.tick().await;
        yield Ok::<_, Infallible>(Event::default().event("ready").data("0"));
        loop {
            tokio::select! {
                changed = changes.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    tokio::time::sleep(COALESCE).await;
                    let seen = *changes.borrow_and_update();
                    yield Ok(Event::default().event("changed").data(seen.to_string()));
                }
                _ = tick.tick() => {
                    yield Ok(Event::default().event("tick").data("metrics"));
                }
            }
        }
    };
    sse(while_signed_in(state, session_id, events))
}

fn sse(events: impl Stream<Item = Result<Event, Infallible>> + Send + 'static) -> Response {
    (
        [(header::CACHE_CONTROL, "no-store")],
        Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))),
    )
        .into_response()
}

/// The signed-in reader's log query (checked like the page's, with a pod) and their
/// client, or the refusal.
fn log_request(
    state: &AppState,
    user: Option<Extension<CurrentUser>>,
    params: &HashMap<String, String>,
) -> Result<(LogsQuery, kube::Client), Refusal> {
    let user = reader(state, user)?;
    let query = LogsQuery::from_pairs(|name| params.get(name).cloned()).map_err(|problem| {
        Refusal(
            StatusCode::BAD_REQUEST,
            format!(
                "{}: {}",
                problem.field,
                app::i18n::text(
                    app::i18n::Lang::En,
                    &problem.key,
                    &[("value", &problem.value)]
                )
            ),
        )
    })?;
    if query.pod.is_empty() {
        return Err(Refusal(
            StatusCode::BAD_REQUEST,
            "pod: choose a pod.".into(),
        ));
    }
    let users = state.users.as_ref().ok_or_else(|| {
        Refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            "No Kubernetes cluster is configured.".into(),
        )
    })?;
    let client = users
        .client_for(&user)
        .map_err(|e| Refusal(StatusCode::SERVICE_UNAVAILABLE, e))?;
    Ok((query, client))
}

/// The API server's refusal as this endpoint answers it.
fn log_error(e: kube::Error) -> Response {
    match crate::kube::user::console_error(e) {
        app::api::error::ConsoleError::Kubernetes { code, message } => (
            StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_GATEWAY),
            format!("{message}\n"),
        )
            .into_response(),
        other => (StatusCode::BAD_GATEWAY, format!("{other}\n")).into_response(),
    }
}

/// New lines of `pod` after `after` (the last line the page showed, RFC 3339 with
/// nanoseconds): each a `line` event with `{"at","text"}`; `end` with the reason when the
/// log ends or the API server refuses.
pub async fn follow(
    State(state): State<AppState>,
    session: tower_sessions::Session,
    user: Option<Extension<CurrentUser>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let session_id = session.id();
    let (query, client) = match log_request(&state, user, &params) {
        Ok(request) => request,
        Err(refusal) => return refusal.into_response(),
    };
    let after = params.get("after").cloned().unwrap_or_default();
    let mut log_params = log_params(&query, &query.container);
    log_params.follow = true;
    log_params.tail_lines = None;
    log_params.since_seconds = None;
    // Whole seconds: lines of that second already shown are skipped below.
    log_params.since_time =
        time::OffsetDateTime::parse(&after, &time::format_description::well_known::Rfc3339)
            .ok()
            .and_then(|t| jiff::Timestamp::from_second(t.unix_timestamp()).ok());
    if log_params.since_time.is_none() {
        log_params.tail_lines = Some(0);
    }
    let api: Api<Pod> = Api::namespaced(client, NAMESPACE);
    let lines = match api
        .log_stream(
            &crate::kube::resources::path_segment(&query.pod),
            &log_params,
        )
        .await
    {
        Ok(reader) => reader.lines(),
        Err(e) => return log_error(e),
    };
    let events = async_stream::stream! {
        let mut lines = std::pin::pin!(lines);
        while let Some(line) = lines.next().await {
            match line {
                Ok(line) => {
                    let line = split_timestamp(&line);
                    // RFC 3339 with the same precision compares as text.
                    if !after.is_empty() && line.at.as_str() <= after.as_str() {
                        continue;
                    }
                    let data = serde_json::to_string(&line).unwrap_or_default();
                    yield Ok::<_, Infallible>(Event::default().event("line").data(data));
                }
                Err(e) => {
                    yield Ok(Event::default().event("end").data(e.to_string()));
                    return;
                }
            }
        }
        yield Ok(Event::default().event("end").data("the log ended (the container stopped)"));
    };
    sse(while_signed_in(state, session_id, events))
}

/// The log as a file: what the page shows (its tail, since and filter), or with `all=1`
/// the whole log. Streamed, so a long log does not sit in memory.
pub async fn download(
    State(state): State<AppState>,
    user: Option<Extension<CurrentUser>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let (query, client) = match log_request(&state, user, &params) {
        Ok(request) => request,
        Err(refusal) => return refusal.into_response(),
    };
    let all = params.get("all").is_some_and(|v| v == "1");
    let mut log_params = log_params(&query, &query.container);
    if all {
        log_params.tail_lines = None;
        log_params.since_seconds = None;
    }
    let api: Api<Pod> = Api::namespaced(client, NAMESPACE);
    let lines = match api
        .log_stream(
            &crate::kube::resources::path_segment(&query.pod),
            &log_params,
        )
        .await
    {
        Ok(reader) => reader.lines(),
        Err(e) => return log_error(e),
    };
    let filter = if all {
        String::new()
    } else {
        query.filter.clone()
    };
    let timestamps = query.timestamps;
    let body = lines.filter_map(move |line| {
        let out = match line {
            Ok(line) => {
                let line = split_timestamp(&line);
                matches(&line.text, &filter).then(|| {
                    Ok(if timestamps {
                        format!("{} {}\n", line.at, line.text)
                    } else {
                        format!("{}\n", line.text)
                    })
                })
            }
            Err(e) => Some(Err(e)),
        };
        std::future::ready(out)
    });
    let file = format!(
        "attachment; filename=\"{}{}.log\"",
        query.pod,
        if all { "" } else { "-shown" }
    );
    (
        [
            (
                header::CONTENT_TYPE,
                "text/plain; charset=utf-8".to_string(),
            ),
            (header::CONTENT_DISPOSITION, file),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        Body::from_stream(body),
    )
        .into_response()
}
