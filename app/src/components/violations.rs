//! Broken rules as lists: all of a change's (with each field named), or those of one field
//! next to its input.

use crate::components::language::I18n;
use crate::domain::violation::{Violation, message};
use leptos::prelude::*;

/// Whether `violation` concerns `field` or a field under it.
pub fn concerns(violation: &Violation, field: &str) -> bool {
    violation.field == field
        || violation
            .field
            .strip_prefix(field)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
}

#[component]
pub fn ViolationList(list: Vec<Violation>, #[prop(optional)] warning: bool) -> impl IntoView {
    let i18n = I18n::expect();
    let (class, kind, title) = if warning {
        ("notice notice-warning", "warning", "review.warnings")
    } else {
        ("notice notice-error", "error", "review.invalid")
    };
    view! {
        <div class=class role="alert" data-violations=kind>
            <p>{i18n.t(title)}</p>
            <ul>
                {list
                    .into_iter()
                    .map(|v| {
                        let text = message(i18n.lang(), &v);
                        view! { <li><code>{v.field}</code>" "{text}</li> }
                    })
                    .collect_view()}
            </ul>
        </div>
    }
}

/// The violations of `field` (and the fields under it) among `all`, next to its input;
/// a field under it is named, the field itself is not (it is right there).
#[component]
pub fn FieldErrors(
    #[prop(into)] all: Signal<Vec<Violation>>,
    field: &'static str,
) -> impl IntoView {
    let i18n = I18n::expect();
    move || {
        let list: Vec<Violation> =
            all.with(|all| all.iter().filter(|v| concerns(v, field)).cloned().collect());
        (!list.is_empty()).then(|| {
            view! {
                <ul class="field-errors" data-errors-for=field id=format!("{field}-errors")>
                    {list
                        .into_iter()
                        .map(|v| {
                            let text = message(i18n.lang(), &v);
                            let sub = (v.field != field).then_some(v.field);
                            view! { <li>{sub.map(|f| view! { <code>{f}</code>" " })}{text}</li> }
                        })
                        .collect_view()}
                </ul>
            }
        })
    }
}
