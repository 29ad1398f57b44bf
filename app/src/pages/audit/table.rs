//! One page of changes, newest (or oldest) first, with the link to the next page.

use crate::components::health::Time;
use crate::components::language::I18n;
use crate::domain::audit::{AuditPage, AuditQuery, actor_label, outcome_key};
use crate::domain::return_to::encode_query_value;
use leptos::prelude::*;

/// Characters of a reason the list shows; the entry's detail shows it whole.
const REASON_SHOWN: usize = 160;

/// `reason`, cut at [`REASON_SHOWN`] characters with an ellipsis.
pub(super) fn shortened(reason: &str) -> String {
    match reason.char_indices().nth(REASON_SHOWN) {
        Some((cut, _)) => format!("{}…", &reason[..cut]),
        None => reason.to_string(),
    }
}

#[component]
pub fn AuditTable(page: AuditPage, query: AuditQuery) -> impl IntoView {
    let i18n = I18n::expect();
    if page.rows.is_empty() {
        return view! { <p class="empty" data-empty="audit">{i18n.t("audit.empty")}</p> }
            .into_any();
    }
    let next = page.next_before.map(|cursor| query.href(Some(cursor)));
    let next_key = if query.order.is_some() {
        "audit.next_newer"
    } else {
        "audit.next"
    };
    view! {
        <div class="table-scroll">
        <table class="table audit-table">
            <thead>
                <tr>
                    <th scope="col">{i18n.t("audit.col.time")}</th>
                    <th scope="col">{i18n.t("audit.col.actor")}</th>
                    <th scope="col">{i18n.t("audit.col.objects")}</th>
                    <th scope="col">{i18n.t("audit.col.reason")}</th>
                    <th scope="col">{i18n.t("audit.col.outcome")}</th>
                </tr>
            </thead>
            <tbody>
                {page
                    .rows
                    .into_iter()
                    .map(|row| {
                        let key = outcome_key(&row.outcome);
                        view! {
                            <tr data-change=row.change_id.clone() data-outcome=row.outcome.clone()>
                                <td>
                                    <a href=format!("/audit?change={}", encode_query_value(&row.change_id)) data-action="details">
                                        <Time at=row.at.clone() />
                                    </a>
                                </td>
                                // Names, objects and reasons are the users' and the API's: never translated.
                                <td title=row.actor_subject.clone() translate="no">{actor_label(i18n.lang(), &row.actor_subject, &row.actor_name)}</td>
                                <td>{row.objects.iter().enumerate().map(|(i, o)| view! { {(i > 0).then_some(", ")} <code>{o.clone()}</code> }).collect_view()}</td>
                                // An outside change has no reason of its own; its badge says what it is.
                                <td translate="no">{(row.outcome != "outside").then(|| row.reason.as_deref().map(shortened)).flatten()}</td>
                                <td><span class="badge">{i18n.t(key)}</span></td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
        </div>
        {next.map(|href| view! {
            <p><a class="button" href=href rel="external" data-action="next-page">{i18n.t(next_key)}</a></p>
        })}
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_reasons_are_cut_on_a_character_boundary() {
        assert_eq!(shortened("short"), "short");
        let long = "理".repeat(REASON_SHOWN + 5);
        let cut = shortened(&long);
        assert_eq!(cut.chars().count(), REASON_SHOWN + 1);
        assert!(cut.ends_with('…'));
    }
}
