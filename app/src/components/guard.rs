//! The guard around every page: signed in, with a console role that may open the page;
//! otherwise "sign in", "no access" or "forbidden", each with the right HTTP status.

use crate::api::session::use_session;
use crate::api::set_http_status;
use crate::components::language::I18n;
use crate::components::page_frame::PageFrame;
use crate::domain::access::{Roles, landing_path, may_open};
use crate::domain::page::Page;
use crate::domain::return_to::encode_query_value;
use crate::domain::session::SessionView;
use leptos::prelude::*;
use leptos_router::hooks::use_location;

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
    set_http_status(401);
    let href = format!(
        "/sign-in?reason=required&return_to={}",
        encode_query_value(&use_location().pathname.get_untracked())
    );
    view! {
        <PageFrame title_key="signin.title" data_page="sign-in-required" narrow=true>
            <p>{i18n.t("signin.reason.required")}</p>
            <p>
                <a class="button button-primary" href=href rel="external">{i18n.t("signin.button")}</a>
            </p>
        </PageFrame>
    }
}

/// For a signed-in user whom no configured group gives a console role.
#[component]
pub fn NoAccess(user: SessionView) -> impl IntoView {
    let i18n = I18n::expect();
    set_http_status(403);
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
        <PageFrame title_key="noaccess.title" data_page="no-access" narrow=true>
            <p>{i18n.t("noaccess.body")}</p>
            <table class="table">
                <thead>
                    <tr>
                        <th scope="col">{i18n.t("noaccess.role")}</th>
                        <th scope="col">{i18n.t("noaccess.groups")}</th>
                    </tr>
                </thead>
                <tbody>
                    {rows
                        .into_iter()
                        .map(|(role, groups)| {
                            view! {
                                <tr>
                                    <td>{i18n.t(role)}</td>
                                    <td><code>{groups}</code></td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
            <p>{i18n.t("noaccess.your_groups")} " " <code>{yours}</code></p>
        </PageFrame>
    }
}

#[component]
fn Forbidden(page: Page, roles: Roles) -> impl IntoView {
    let i18n = I18n::expect();
    set_http_status(403);
    let key = if page == Page::Audit {
        "forbidden.audit_only"
    } else if roles.auditor_only() {
        "forbidden.auditor"
    } else {
        "forbidden.generic"
    };
    view! {
        <PageFrame title_key="forbidden.title" data_page="forbidden" narrow=true>
            <p>{i18n.t(key)}</p>
            <p>
                <a href=landing_path(roles)>{i18n.t("forbidden.home")}</a>
            </p>
        </PageFrame>
    }
}
