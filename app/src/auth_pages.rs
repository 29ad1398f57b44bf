//! Pages and pieces around signing in: the sign-in and signed-out pages, the page guard
//! that shows "no access" or "forbidden" (with the right HTTP status), the user menu with
//! sign-out, and "Your access", where the API server says what the user may do.

use crate::access::{AccessDecision, Roles, may_open};
use crate::error::ConsoleError;
use crate::language::I18n;
use crate::pages::Page;
use crate::return_to::{encode_query_value, safe_return_path};
use crate::session::{CSRF_FIELD, SessionView, use_session};
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_query_map};

/// Sets the HTTP status of the page being rendered on the server.
fn set_page_status(_status: u16) {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>()
        && let Ok(status) = http::StatusCode::from_u16(_status)
    {
        response.set_status(status);
    }
}

/// Catalogue key for a `?reason=` / `?error=` code on the sign-in page. Unknown codes show
/// nothing rather than echoing text from the URL.
pub fn sign_in_message_key(code: &str) -> Option<&'static str> {
    Some(match code {
        "idle" => "signin.reason.idle",
        "expired" => "signin.reason.expired",
        "refresh_failed" => "signin.reason.refresh_failed",
        "required" => "signin.reason.required",
        "state_mismatch" => "signin.error.state_mismatch",
        "provider" => "signin.error.provider",
        "token_invalid" => "signin.error.token_invalid",
        "exchange_failed" => "signin.error.exchange_failed",
        "unavailable" => "signin.error.unavailable",
        _ => return None,
    })
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let i18n = I18n::expect();
    let query = use_query_map();
    let session = use_session();
    let message = move || {
        let query = query.read();
        let code = query.get("error").or_else(|| query.get("reason"))?;
        let is_error = query.get("error").is_some();
        sign_in_message_key(&code).map(|key| (key, is_error))
    };
    let login_href = move || {
        let target = query.read().get("return_to");
        let target = safe_return_path(target.as_deref()).to_string();
        format!("/auth/login?return_to={}", encode_query_value(&target))
    };
    view! {
        <section class="page page-narrow" data-page="/sign-in">
            <h1>{move || i18n.t("signin.title")}</h1>
            {move || {
                message()
                    .map(|(key, is_error)| {
                        let class = if is_error { "notice notice-error" } else { "notice notice-warning" };
                        view! {
                            <div class=class role="alert" data-message=key>
                                <p>{move || i18n.t(key)}</p>
                            </div>
                        }
                    })
            }}
            {match session {
                Some(user) => {
                    let name = user.name.clone();
                    view! {
                        <p>{move || i18n.t("signin.already")} " " <strong>{name}</strong></p>
                        <p>
                            <a class="button" href="/">{move || i18n.t("signin.continue")}</a>
                        </p>
                    }
                        .into_any()
                }
                None => {
                    view! {
                        <p>{move || i18n.t("signin.body")}</p>
                        <p>
                            <a class="button button-primary" href=login_href rel="external" data-action="sign-in">
                                {move || i18n.t("signin.button")}
                            </a>
                        </p>
                    }
                        .into_any()
                }
            }}
        </section>
    }
}

#[component]
pub fn SignedOutPage() -> impl IntoView {
    let i18n = I18n::expect();
    view! {
        <section class="page page-narrow" data-page="/signed-out">
            <h1>{move || i18n.t("signedout.title")}</h1>
            <p>{move || i18n.t("signedout.body")}</p>
            <p>
                <a class="button" href="/sign-in">{move || i18n.t("signin.button")}</a>
            </p>
        </section>
    }
}

/// Renders `children` when the signed-in user may open `page`; otherwise "no access" (no
/// console role at all) or "forbidden" (another role is needed), both with status 403.
#[component]
pub fn Guarded(page: Page, children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    match session {
        None => view! { <SignInRequired /> }.into_any(),
        Some(user) if !user.roles.any() => view! { <NoAccess user /> }.into_any(),
        Some(user) if !may_open(user.roles, page) => {
            view! { <Forbidden page roles=user.roles /> }.into_any()
        }
        Some(_) => children().into_any(),
    }
}

#[component]
fn SignInRequired() -> impl IntoView {
    let i18n = I18n::expect();
    set_page_status(401);
    let location = use_location();
    let href = move || {
        format!(
            "/sign-in?reason=required&return_to={}",
            encode_query_value(&location.pathname.get())
        )
    };
    view! {
        <section class="page page-narrow">
            <h1>{move || i18n.t("signin.title")}</h1>
            <p>{move || i18n.t("signin.reason.required")}</p>
            <p>
                <a class="button button-primary" href=href rel="external">{move || i18n.t("signin.button")}</a>
            </p>
        </section>
    }
}

/// For a signed-in user whom no configured group gives a console role.
#[component]
pub fn NoAccess(user: SessionView) -> impl IntoView {
    let i18n = I18n::expect();
    set_page_status(403);
    let groups = |list: &[String]| {
        if list.is_empty() {
            "—".to_string()
        } else {
            list.join(", ")
        }
    };
    let rows = [
        ("role.admin", groups(&user.mapping.admin_groups)),
        ("role.viewer", groups(&user.mapping.viewer_groups)),
        ("role.auditor", groups(&user.mapping.auditor_groups)),
    ];
    let yours = groups(&user.groups);
    view! {
        <section class="page page-narrow" data-page="no-access">
            <h1>{move || i18n.t("noaccess.title")}</h1>
            <p>{move || i18n.t("noaccess.body")}</p>
            <table class="table">
                <thead>
                    <tr>
                        <th scope="col">{move || i18n.t("noaccess.role")}</th>
                        <th scope="col">{move || i18n.t("noaccess.groups")}</th>
                    </tr>
                </thead>
                <tbody>
                    {rows
                        .into_iter()
                        .map(|(role, groups)| {
                            view! {
                                <tr>
                                    <td>{move || i18n.t(role)}</td>
                                    <td><code>{groups}</code></td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
            <p>{move || i18n.t("noaccess.your_groups")} " " <code>{yours}</code></p>
        </section>
    }
}

#[component]
fn Forbidden(page: Page, roles: Roles) -> impl IntoView {
    let i18n = I18n::expect();
    set_page_status(403);
    let key = if page == Page::Audit {
        "forbidden.audit_only"
    } else if roles.auditor_only() {
        "forbidden.auditor"
    } else {
        "forbidden.generic"
    };
    view! {
        <section class="page page-narrow" data-page="forbidden">
            <h1>{move || i18n.t("forbidden.title")}</h1>
            <p>{move || i18n.t(key)}</p>
            <p>
                <a href=crate::access::landing_path(roles)>{move || i18n.t("forbidden.home")}</a>
            </p>
        </section>
    }
}

/// Name, roles and sign-out in the top bar. Sign-out is a form post carrying the CSRF
/// token, so it works without JavaScript and cannot be triggered from another site.
#[component]
pub fn UserMenu() -> impl IntoView {
    let i18n = I18n::expect();
    let Some(user) = use_session() else {
        return view! {
            <a class="user-signin" href="/sign-in">{move || i18n.t("signin.button")}</a>
        }
        .into_any();
    };
    let roles = user.roles.label_keys();
    let role_text = move || {
        if roles.is_empty() {
            i18n.t("role.none").to_string()
        } else {
            roles
                .iter()
                .map(|k| i18n.t(k))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let may_see_access = user.roles.admin || user.roles.viewer;
    view! {
        <div class="user-menu">
            <span class="user-name" data-user=user.subject.clone()>{user.name.clone()}</span>
            <span class="user-roles" data-roles="">{role_text}</span>
            {may_see_access
                .then(|| {
                    view! {
                        <a class="user-access" href="/your-access">{move || i18n.t("youraccess.link")}</a>
                    }
                })}
            <form method="post" action="/auth/logout" class="signout-form">
                <input type="hidden" name=CSRF_FIELD value=user.csrf_token.clone() />
                <button type="submit" class="button-link" data-action="sign-out">
                    {move || i18n.t("signout.button")}
                </button>
            </form>
        </div>
    }
    .into_any()
}

/// The console's actions and whether the API server lets this user take them.
#[leptos::server(prefix = "/api", endpoint = "my_access", client = crate::csrf_client::CsrfClient)]
pub async fn my_access() -> Result<Vec<AccessDecision>, ConsoleError> {
    use crate::server_api::require;
    let user = require(|r| r.admin || r.viewer, "checking cluster permissions")?;
    let cluster = user.cluster()?;
    let decisions = cluster.review(crate::access::console_actions()).await;
    if let Err(e) = &decisions {
        crate::server_api::set_status(e);
    }
    decisions
}

#[component]
pub fn YourAccessPage() -> impl IntoView {
    let i18n = I18n::expect();
    let decisions = Resource::new_blocking(|| (), |_| my_access());
    view! {
        <section class="page" data-page="/your-access">
            <h1>{move || i18n.t("youraccess.title")}</h1>
            <p class="summary">{move || i18n.t("youraccess.summary")}</p>
            <Suspense fallback=move || view! { <p>{move || i18n.t("common.loading")}</p> }>
                {move || {
                    decisions
                        .get()
                        .map(|result| match result {
                            Ok(list) => view! { <AccessTable list /> }.into_any(),
                            Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        })
                }}
            </Suspense>
        </section>
    }
}

#[component]
fn AccessTable(list: Vec<AccessDecision>) -> impl IntoView {
    let i18n = I18n::expect();
    view! {
        <table class="table access-table">
            <thead>
                <tr>
                    <th scope="col">{move || i18n.t("youraccess.action")}</th>
                    <th scope="col">{move || i18n.t("youraccess.permission")}</th>
                    <th scope="col">{move || i18n.t("youraccess.allowed")}</th>
                </tr>
            </thead>
            <tbody>
                {list
                    .into_iter()
                    .map(|d| {
                        let key = d.check.action_key.clone();
                        let permission = d.check.permission();
                        let reason = d.reason.clone();
                        let allowed = d.allowed;
                        view! {
                            <tr data-action=d.check.action_key.clone() data-allowed=allowed.to_string()>
                                <td>{move || i18n.t(&key)}</td>
                                <td><code>{permission.clone()}</code></td>
                                <td>
                                    {if allowed {
                                        view! { <span class="badge badge-ok">{move || i18n.t("youraccess.yes")}</span> }.into_any()
                                    } else {
                                        let needs = permission.clone();
                                        view! {
                                            <span class="badge badge-no">{move || i18n.t("youraccess.no")}</span>
                                            " "
                                            <span class="reason">{move || i18n.t("youraccess.needs")} " " {needs.clone()}</span>
                                            {reason.clone().map(|r| view! { <small class="reason-detail">{r}</small> })}
                                        }.into_any()
                                    }}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

/// A server function's error, in the user's language. A lapsed session keeps the page (and
/// anything typed into it) and offers sign-in in a new tab.
#[component]
pub fn ErrorNotice(error: ConsoleError) -> impl IntoView {
    let i18n = I18n::expect();
    match error {
        ConsoleError::SignInRequired => view! {
            <div class="notice notice-warning" role="alert" data-error="sign-in-required">
                <p>{move || i18n.t("error.sign_in_required")}</p>
                <p>
                    <a href="/sign-in?reason=expired" target="_blank" rel="external">
                        {move || i18n.t("signin.button")}
                    </a>
                </p>
            </div>
        }
        .into_any(),
        ConsoleError::Forbidden(detail) => view! {
            <div class="notice notice-error" role="alert" data-error="forbidden">
                <p>{move || i18n.t("error.forbidden")}</p>
                <p><small>{detail}</small></p>
            </div>
        }
        .into_any(),
        other => {
            let text = other.to_string();
            view! {
                <div class="notice notice-error" role="alert" data-error="other">
                    <p>{move || i18n.t("error.generic")}</p>
                    <p><small>{text}</small></p>
                </div>
            }
            .into_any()
        }
    }
}
