//! The storage wizard's page (SPEC §6): where the registry keeps its images now, the
//! credentials (key names only), the claims and storage classes, rendered on the server;
//! the wizard itself is an island whose changes go through the shared change review.

mod form;
mod paths;
mod steps;
mod wizard;

pub use paths::read_posted;
pub use steps::{StepPage, storage_step};

use crate::api::session::use_session;
use crate::api::storage::storage;
use crate::components::claims::ClaimsTable;
use crate::components::conditions::ConditionsTable;
use crate::components::error_notice::ErrorNotice;
use crate::components::language::I18n;
use crate::components::page_frame::PageFrame;
use crate::components::plain_fields::{FactLabel, Unreadable};
use crate::components::status::Status;
use crate::domain::page::Page;
use crate::domain::status::Tone;
use crate::domain::storage::credentials_violation;
use crate::domain::storage::steps::Step;
use crate::domain::storage::wizard::{ClaimRow, CredentialsView, StorageClassRow, StorageView};
use crate::domain::violation::message;
use form::WizardFields;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use steps::SteppedWizard;
use wizard::StorageWizard;

#[component]
pub fn StoragePage() -> impl IntoView {
    let i18n = I18n::expect();
    let state = Resource::new_blocking(|| (), |_| storage());
    // `?step=…&draft=…`: the wizard in steps, each a plain form (no JavaScript needed).
    let query = use_query_map();
    let asked = query.with_untracked(|q| {
        (
            q.get("step").unwrap_or_default(),
            q.get("draft").unwrap_or_default(),
            q.get("checked").is_some(),
        )
    });
    let step = Step::from_id(&asked.0);
    let draft_id = asked.1.clone();
    // Only an admin gets the steps (a viewer's `?step=` must not turn the page into a 403).
    let may_step = use_session().is_some_and(|s| s.roles.admin);
    let step_page = Resource::new_blocking(
        move || asked.clone(),
        move |(step, draft, checked)| async move {
            if step.is_empty() || !may_step {
                Ok(steps::StepPage::default())
            } else {
                storage_step(draft, step, checked).await
            }
        },
    );
    view! {
        <PageFrame
            title_key=Page::Storage.title_key()
            summary_key=Page::Storage.summary_key()
            data_page=Page::Storage.path()
        >
            <Suspense fallback=move || view! { <p>{i18n.t("common.loading")}</p> }>
                {move || {
                    state
                        .get()
                        .map(|result| match result {
                            Ok(view) => {
                                // Someone who may not change storage gets what it is (the cards
                                // above) and who changes it, not a wizard they cannot use.
                                let is_admin = use_session().is_some_and(|s| s.roles.admin);
                                let state = view.wizard_state();
                                let wizard = if is_admin && state.update_denied.is_none() {
                                    match (step, step_page.get()) {
                                        (Some(step), Some(Ok(page))) => view! {
                                            <SteppedWizard state step draft_id=draft_id.clone() page />
                                        }
                                        .into_any(),
                                        (Some(_), Some(Err(e))) => view! { <ErrorNotice error=e /> }.into_any(),
                                        _ => {
                                            let fields = state.clone();
                                            view! {
                                                <StorageWizard state>
                                                    <WizardFields state=fields.clone() />
                                                </StorageWizard>
                                            }
                                            .into_any()
                                        }
                                    }
                                } else {
                                    let why = state
                                        .update_denied
                                        .filter(|_| is_admin)
                                        .unwrap_or_else(|| i18n.t("forms.not_admin").to_string());
                                    view! {
                                        <section class="card" aria-labelledby="wizard-heading" data-read-only-summary="storage">
                                            <h2 id="wizard-heading">{i18n.t("storage.wizard.title")}</h2>
                                            <p>{i18n.t("storage.wizard.read_only_summary")}</p>
                                            <p><small>{why}</small></p>
                                        </section>
                                    }
                                    .into_any()
                                };
                                view! {
                                    <NowCard view=view.clone() />
                                    <CredentialsCard view=view.clone() />
                                    <ClaimsCard claims=view.claims.clone() classes=view.storage_classes.clone() />
                                    {wizard}
                                }
                                .into_any()
                            }
                            Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        })
                }}
            </Suspense>
        </PageFrame>
    }
}

/// The platform, the management state, the storage and the operator's conditions.
#[component]
fn NowCard(view: StorageView) -> impl IntoView {
    let i18n = I18n::expect();
    let platform = match view.platform {
        Ok(Some(p)) => view! {
            <p data-platform=p.clone()>{i18n.fill("storage.platform.detected", &[("platform", &p)])}</p>
        }
        .into_any(),
        Ok(None) => view! { <p data-platform="">{i18n.t("storage.platform.absent")}</p> }.into_any(),
        Err(why) => view! { <Unreadable what="storage.platform.unreadable" why /> }.into_any(),
    };
    let removed = view.management_state == "Removed";
    let kind = view.storage.kind.clone().unwrap_or_default();
    let shown = if kind.is_empty() {
        i18n.t("config.storage.none").to_string()
    } else {
        kind.clone()
    };
    view! {
        <section class="card" aria-labelledby="now-heading">
            <h2 id="now-heading">{i18n.t("storage.now.title")}</h2>
            {platform}
            <dl class="facts">
                <FactLabel label="overview.fact.management_state" path="spec.managementState" />
                <dd data-management-state=view.management_state.clone()>
                    {if removed {
                        view! { <Status tone=Tone::Critical text=view.management_state.clone() /> }.into_any()
                    } else {
                        view! { {view.management_state.clone()} }.into_any()
                    }}
                </dd>
                <dt>{i18n.t("storage.now.storage")}</dt>
                <dd data-storage=kind>{shown}</dd>
                {view
                    .storage
                    .details
                    .into_iter()
                    .map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> })
                    .collect_view()}
            </dl>
            {removed
                .then(|| {
                    view! {
                        <div class="notice notice-warning" role="status" data-alert="ImageRegistryRemoved">
                            <p><strong>"ImageRegistryRemoved"</strong></p>
                            <p>{i18n.t("storage.removed.alert")}</p>
                            <p>{i18n.t("storage.removed.next")}</p>
                        </div>
                    }
                })}
            <ConditionsTable conditions=Signal::stored(view.conditions) />
        </section>
    }
}

/// The credentials Secret: its key names, who set them and when, and whether they match
/// the storage. Never a value.
#[component]
fn CredentialsCard(view: StorageView) -> impl IntoView {
    let i18n = I18n::expect();
    let kind = view.storage.kind.clone().unwrap_or_default();
    let body = match view.credentials {
        Err(why) => view! { <Unreadable what="storage.credentials.unreadable" why /> }.into_any(),
        Ok(CredentialsView { version: None, .. }) => view! {
            <p data-credentials="absent">{i18n.t("storage.credentials.absent")}</p>
        }
        .into_any(),
        Ok(credentials) => {
            let keys: Vec<&str> = credentials.keys.iter().map(String::as_str).collect();
            let verdict = match credentials_violation(&kind, &keys, "secret") {
                Some(v) => view! {
                    <p class="notice notice-error" data-credentials-match="false">{message(i18n.lang(), &v)}</p>
                }
                .into_any(),
                None if crate::domain::storage::credential_key_sets(&kind).is_empty() => view! {
                    <p data-credentials-match="unused">{i18n.t("storage.credentials.unused")}</p>
                }
                .into_any(),
                None => {
                    let unused = crate::domain::storage::credentials::unused_credential_keys(&kind, &keys);
                    if unused.is_empty() {
                        view! {
                            <p data-credentials-match="true">{i18n.fill("storage.credentials.match", &[("storage", &kind)])}</p>
                        }
                        .into_any()
                    } else {
                        let text = i18n.fill(
                            "storage.credentials.match_with_unused",
                            &[("storage", &kind), ("keys", &unused.join(", "))],
                        );
                        view! { <p class="notice notice-warning" data-credentials-match="unused-keys">{text}</p> }.into_any()
                    }
                }
            };
            let who = match (&credentials.set_by, &credentials.set_at) {
                (Some(by), Some(at)) => {
                    i18n.fill("storage.credentials.set_by", &[("who", by), ("when", at)])
                }
                _ => i18n.t("storage.credentials.set_outside").to_string(),
            };
            let link = credentials
                .change_id
                .map(|id| view! { " " <a href=format!("/audit?object={}", crate::domain::storage::CREDENTIALS_SECRET) data-change=id>{i18n.t("storage.credentials.audit")}</a> });
            view! {
                <ul class="keys" data-credentials="present">
                    {credentials
                        .keys
                        .iter()
                        .map(|k| view! { <li><code data-key=k.clone()>{k.clone()}</code></li> })
                        .collect_view()}
                </ul>
                <p data-credentials-who="">{who}{link}</p>
                {verdict}
            }
            .into_any()
        }
    };
    view! {
        <section class="card" aria-labelledby="credentials-heading">
            <h2 id="credentials-heading">{i18n.t("storage.credentials.title")}</h2>
            <p class="help">{i18n.t("storage.credentials.help")}</p>
            {body}
        </section>
    }
}

/// The claims in the registry's namespace and the cluster's storage classes.
#[component]
fn ClaimsCard(
    claims: Result<Vec<ClaimRow>, String>,
    classes: Result<Vec<StorageClassRow>, String>,
) -> impl IntoView {
    let i18n = I18n::expect();
    let claims = match claims {
        Err(why) => view! { <Unreadable what="storage.claims.unreadable" why /> }.into_any(),
        Ok(list) if list.is_empty() => {
            view! { <p data-claims="none">{i18n.t("storage.claims.none")}</p> }.into_any()
        }
        Ok(list) => view! { <ClaimsTable claims=list /> }.into_any(),
    };
    let classes = match classes {
        Err(why) => view! { <Unreadable what="storage.classes.unreadable" why /> }.into_any(),
        Ok(list) if list.is_empty() => view! { <p>{i18n.t("storage.classes.none")}</p> }.into_any(),
        Ok(list) => view! {
            <ul data-classes="">
                {list
                    .into_iter()
                    .map(|c| {
                        let default = c.default.then(|| view! { " " <span class="badge">{i18n.t("storage.classes.default")}</span> });
                        let name = c.name.clone();
                        view! { <li data-class=name><code>{c.name}</code>" (" {c.provisioner} ")" {default}</li> }
                    })
                    .collect_view()}
            </ul>
        }
        .into_any(),
    };
    view! {
        <section class="card" aria-labelledby="claims-heading">
            <h2 id="claims-heading">{i18n.t("storage.claims.title")}</h2>
            {claims}
            <h3>{i18n.t("storage.classes.title")}</h3>
            {classes}
        </section>
    }
}
