//! `POST /storage/steps`: the storage wizard's steps without JavaScript. Each step's plain
//! form posts here (after the CSRF check, like every form); the draft between steps waits
//! in [`app::api::storage_drafts`], and the browser is sent (303) to the next step's page,
//! or back to the first step whose rule the draft breaks. Apply runs the same change
//! pipeline as the island's review, so it is checked, dry-run, audited and followed alike.

use super::request_services;
use crate::AppState;
use crate::auth::guard::CurrentUser;
use app::api::ports::Services;
use app::api::storage_drafts::{self, Draft};
use app::domain::change::ChangeArea;
use app::domain::storage::steps::{Step, after_checks};
use app::domain::storage::wizard::{StorageIntent, StorageSubmission};
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

/// No step form comes close (a pasted key file is a few KiB).
const MAX_FORM_BYTES: usize = 256 * 1024;

fn step_url(step: Step, draft: &str, checked: bool) -> String {
    let checked = if checked { "&checked=1" } else { "" };
    // The fragment scrolls to the wizard, below the page's cards.
    format!(
        "/storage?step={}&draft={draft}{checked}#wizard-heading",
        step.id()
    )
}

fn refuse(status: StatusCode, text: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{text} Nothing was changed.\n"),
    )
        .into_response()
}

pub async fn post(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Some(CurrentUser(user)) = parts.extensions.get::<CurrentUser>().cloned() else {
        return Redirect::to("/auth/login?return_to=%2Fstorage").into_response();
    };
    let (session, services) = request_services(&state, &user, &parts);
    if !session.roles.admin {
        return refuse(
            StatusCode::FORBIDDEN,
            "Forbidden: your console role does not allow changing the cluster.",
        );
    }
    let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM_BYTES).await else {
        return refuse(StatusCode::PAYLOAD_TOO_LARGE, "The form is too large.");
    };
    let posted: Vec<(String, String)> = form_urlencoded::parse(&bytes).into_owned().collect();
    let value = |name: &str| {
        posted
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .unwrap_or_default()
    };
    let owner = session.csrf_token.as_str();
    let step = Step::from_id(value("step")).unwrap_or(Step::Path);
    let action = value("action");
    let mut id = value("draft").to_string();
    if action == "cancel" {
        storage_drafts::remove(&id, owner);
        return Redirect::to("/storage").into_response();
    }
    let held = (!id.is_empty())
        .then(|| storage_drafts::get(&id, owner))
        .flatten();
    let mut draft = match held {
        Some(draft) => draft,
        // The page says so and starts again (its form then carries no id).
        None if !id.is_empty() => {
            return Redirect::to(&step_url(Step::Path, &id, false)).into_response();
        }
        None => {
            let loaded = match services.storage() {
                Ok(storage) => storage.load().await,
                Err(e) => Err(e),
            };
            let view = match loaded {
                Ok(view) => view.wizard_state(),
                Err(e) => {
                    return refuse(
                        StatusCode::SERVICE_UNAVAILABLE,
                        &format!("The registry's storage could not be read: {e}."),
                    );
                }
            };
            id = uuid::Uuid::new_v4().simple().to_string();
            Draft {
                submission: StorageSubmission {
                    intent: StorageIntent::Configure,
                    config_version: view.config_version.clone(),
                    config_spec: view.spec.clone(),
                    secret_version: view.secret_version.clone(),
                    form: view.form(),
                    ..Default::default()
                },
                apply_error: None,
                applied: None,
            }
        }
    };
    draft.submission = app::pages::storage::read_posted(draft.submission, &posted);
    draft.apply_error = None;
    let changes = match services.changes(ChangeArea::Storage) {
        Ok(changes) => changes,
        Err(e) => {
            return refuse(
                StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                &e.to_string(),
            );
        }
    };
    let json = match serde_json::to_string(&draft.submission) {
        Ok(json) => json,
        Err(e) => return refuse(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let target = match action {
        "back" => step_url(step.previous(&draft.submission), &id, false),
        "apply" => match changes.apply(json, value("reason").to_string()).await {
            Ok(applied) => {
                // The values went to the Secret; the draft keeps none of them.
                draft.submission.credentials.clear();
                draft.applied = Some(applied);
                step_url(Step::Done, &id, false)
            }
            Err(e) => {
                draft.apply_error = Some(e);
                step_url(Step::Review, &id, true)
            }
        },
        _ => match changes.check(json).await {
            Ok(broken) => {
                let fields = broken
                    .iter()
                    .filter(|v| v.severity == app::domain::violation::Severity::Error)
                    .map(|v| v.field.as_str());
                match after_checks(step, &draft.submission, fields) {
                    Ok(next) => step_url(next, &id, false),
                    Err(back) => step_url(back, &id, true),
                }
            }
            // The review step runs the whole pipeline's checks and says what failed.
            Err(_) => step_url(Step::Review, &id, true),
        },
    };
    storage_drafts::put(&id, owner, draft);
    Redirect::to(&target).into_response()
}
