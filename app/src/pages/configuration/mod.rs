//! The Configuration page (SPEC §6): every field of the registry `Config`, grouped, with
//! the guide's help. The page and its form are rendered on the server; the change-forms
//! island reads the form, and its changes go through the shared change review.

mod fields;

use crate::api::registry_config::registry_config;
use crate::components::conditions::ConditionsTable;
use crate::components::language::I18n;
use crate::components::plain_fields::FormsPage;
use crate::domain::change::ChangeArea;
use crate::domain::conditions::ConditionView;
use crate::domain::page::Page;
use crate::domain::registry_config::form::StorageSummary;
use fields::ConfigFields;
use leptos::prelude::*;

#[component]
pub fn ConfigurationPage() -> impl IntoView {
    view! {
        <FormsPage
            page=Page::Configuration
            area=ChangeArea::RegistryConfig
            load=registry_config
            denied=|view| view.update_denied.clone()
            content=|view, denied| {
                let (conditions, storage) = (view.rollout.conditions.clone(), view.storage.clone());
                view! {
                    <StatusCards conditions storage />
                    <ConfigFields view denied />
                }
            }
        />
    }
}

/// The operator's conditions and the storage, as the page was loaded (the change review
/// follows the conditions live after a change).
#[component]
fn StatusCards(conditions: Vec<ConditionView>, storage: StorageSummary) -> impl IntoView {
    let i18n = I18n::expect();
    view! {
        <section class="card" aria-labelledby="status-heading">
            <h2 id="status-heading">{i18n.t("config.group.status")}</h2>
            <ConditionsTable conditions=Signal::stored(conditions) />
            <crate::components::versions_link::VersionsLink group="imageregistry.operator.openshift.io" kind="Config" name="cluster" />
        </section>
        <section class="card" aria-labelledby="storage-heading">
            <h2 id="storage-heading">{i18n.t("config.group.storage")}</h2>
            <p data-storage=storage.kind.clone().unwrap_or_default()>
                {storage.kind.clone().unwrap_or_else(|| i18n.t("config.storage.none").to_string())}
            </p>
            <dl class="facts">
                {storage
                    .details
                    .into_iter()
                    .map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> })
                    .collect_view()}
                {storage.management_state.map(|m| view! { <dt>"managementState"</dt><dd>{m}</dd> })}
            </dl>
            <p><small>{i18n.t("config.storage.wizard")}</small></p>
        </section>
    }
}
