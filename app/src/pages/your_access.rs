//! "Your access": the console's actions and whether the API server lets the signed-in
//! user take them, with the permission each one needs.

use crate::api::access::my_access;
use crate::components::error_notice::ErrorNotice;
use crate::components::language::I18n;
use crate::components::page_frame::PageFrame;
use crate::domain::access::AccessDecision;
use leptos::prelude::*;

#[component]
pub fn YourAccessPage() -> impl IntoView {
    let i18n = I18n::expect();
    let decisions = Resource::new_blocking(|| (), |_| my_access());
    view! {
        <PageFrame title_key="youraccess.title" summary_key="youraccess.summary" data_page="/your-access">
            <Suspense fallback=move || view! { <p>{i18n.t("common.loading")}</p> }>
                {move || {
                    decisions
                        .get()
                        .map(|result| match result {
                            Ok(list) => view! { <AccessTable list /> }.into_any(),
                            Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        })
                }}
            </Suspense>
        </PageFrame>
    }
}

#[component]
fn AccessTable(list: Vec<AccessDecision>) -> impl IntoView {
    let i18n = I18n::expect();
    view! {
        <div class="table-scroll">
        <table class="table access-table">
            <thead>
                <tr>
                    <th scope="col">{i18n.t("youraccess.action")}</th>
                    <th scope="col">{i18n.t("youraccess.permission")}</th>
                    <th scope="col">{i18n.t("youraccess.allowed")}</th>
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
                                        view! { <span class="badge badge-ok">{i18n.t("youraccess.yes")}</span> }.into_any()
                                    } else {
                                        let needs = permission.clone();
                                        view! {
                                            <span class="badge badge-no">{i18n.t("youraccess.no")}</span>
                                            " "
                                            <span class="reason">{i18n.t("youraccess.needs")} " " <code>{needs.clone()}</code></span>
                                            {reason.clone().map(|r| view! { <small class="reason-detail" lang="en">{r}</small> })}
                                        }.into_any()
                                    }}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
        </div>
    }
}
