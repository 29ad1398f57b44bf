//! A table of status conditions (type, status, reason, message).

use crate::components::language::I18n;
use crate::domain::conditions::ConditionView;
use leptos::prelude::*;

#[component]
pub fn ConditionsTable(#[prop(into)] conditions: Signal<Vec<ConditionView>>) -> impl IntoView {
    let i18n = I18n::expect();
    view! {
        <table class="table conditions">
            <thead>
                <tr>
                    <th scope="col">{i18n.t("condition.type")}</th>
                    <th scope="col">{i18n.t("condition.status")}</th>
                    <th scope="col">{i18n.t("condition.reason")}</th>
                    <th scope="col">{i18n.t("condition.message")}</th>
                </tr>
            </thead>
            <tbody>
                {move || {
                    conditions
                        .get()
                        .into_iter()
                        .map(|c| {
                            let (kind, status) = (c.kind.clone(), c.status.clone());
                            view! {
                                <tr data-condition=kind data-status=status>
                                    <td>{c.kind}</td>
                                    <td>{c.status}</td>
                                    <td lang="en">{c.reason}</td>
                                    <td lang="en">{c.message}</td>
                                </tr>
                            }
                        })
                        .collect_view()
                }}
            </tbody>
        </table>
    }
}
