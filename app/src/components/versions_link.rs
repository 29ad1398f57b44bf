//! The link from a page's object to its every audited version (compare, restore), for the
//! users who may open the audit trail.

use crate::api::session::use_session;
use crate::components::language::I18n;
use crate::domain::access::may_open;
use crate::domain::audit::object_key;
use crate::domain::change::ObjectRef;
use crate::domain::page::Page;
use crate::domain::return_to::encode_query_value;
use leptos::prelude::*;

/// The cluster-scoped object `group` `kind` `name`'s versions in the audit trail.
#[component]
pub fn VersionsLink(group: &'static str, kind: &'static str, name: &'static str) -> impl IntoView {
    let i18n = I18n::expect();
    let may = use_session().is_some_and(|user| may_open(user.roles, Page::Audit));
    let key = object_key(&ObjectRef {
        group: group.into(),
        kind: kind.into(),
        namespace: None,
        name: name.into(),
    });
    // The object's name is an API name, set as code within the sentence.
    let template = i18n.t("audit.versions.link");
    let (before, after) = template.split_once("{object}").unwrap_or((template, ""));
    may.then(|| {
        view! {
            <p class="versions-link">
                <a href=format!("/audit?versions={}", encode_query_value(&key)) data-action="versions">
                    {before.to_string()} <code>{format!("{kind} {name}")}</code> {after.to_string()}
                </a>
            </p>
        }
    })
}
