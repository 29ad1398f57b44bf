//! Broken rules as lists: all of a change's (with each field named), or those of one field
//! next to its input.

use crate::components::language::I18n;
use crate::domain::violation::{Violation, message};
use leptos::prelude::*;

/// Whether an error on `path` concerns `field` or a field under it.
pub fn concerns(path: &str, field: &str) -> bool {
    path == field
        || path
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
