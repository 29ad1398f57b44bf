//! Name, roles, "Your access" and sign-out in the top bar.

use crate::api::session::use_session;
use crate::components::language::I18n;
use crate::domain::session::CSRF_FIELD;
use leptos::prelude::*;

/// Name, roles and sign-out in the top bar. Sign-out is a form post carrying the CSRF
/// token, so it works without JavaScript and cannot be triggered from another site.
#[component]
pub fn UserMenu() -> impl IntoView {
    let i18n = I18n::expect();
    let Some(user) = use_session() else {
        return view! {
            <a class="user-signin" href="/sign-in">{i18n.t("signin.button")}</a>
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
                        <a class="user-access" href="/your-access">{i18n.t("youraccess.link")}</a>
                    }
                })}
            <form method="post" action="/auth/logout" class="signout-form">
                <input type="hidden" name=CSRF_FIELD value=user.csrf_token.clone() />
                <button type="submit" class="button-link" data-action="sign-out">
                    {i18n.t("signout.button")}
                </button>
            </form>
        </div>
    }
    .into_any()
}
