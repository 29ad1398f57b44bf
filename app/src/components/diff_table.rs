//! Before and after of each changed field, as the review, the conflict notice and the
//! audit trail show them.

use crate::components::language::I18n;
use crate::domain::diff::FieldChange;
use leptos::prelude::*;

fn shown(value: Option<serde_json::Value>) -> String {
    match value {
        None => "—".to_string(),
        Some(serde_json::Value::String(s)) => s,
        Some(other) => other.to_string(),
    }
}

#[component]
pub fn DiffTable(changes: Vec<FieldChange>) -> impl IntoView {
    let i18n = I18n::expect();
    view! {
        <table class="table diff">
            <thead>
                <tr>
                    <th scope="col">{i18n.t("diff.field")}</th>
                    <th scope="col">{i18n.t("diff.before")}</th>
                    <th scope="col">{i18n.t("diff.after")}</th>
                </tr>
            </thead>
            <tbody>
                {changes
                    .into_iter()
                    .map(|c| {
                        let path = c.path.clone();
                        view! {
                            <tr data-path=path>
                                <td><code>{c.path}</code></td>
                                <td class="before">{shown(c.before)}</td>
                                <td class="after">{shown(c.after)}</td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}
