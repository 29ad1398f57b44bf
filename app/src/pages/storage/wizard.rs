//! The storage wizard (an island): choose a path (the platform's first), fill in its
//! fields and credentials, checked as the user types, then the shared change review. After
//! an apply it continues from the new versions, with the typed credentials forgotten.

use super::paths::{
    AzureFields, BlockFields, CredentialFields, GcsFields, S3Fields, SharedClaimFields, SwiftFields,
};
use crate::api::changes::FieldError;
use crate::api::session::use_session;
use crate::api::storage::storage_state;
use crate::components::change_review::{ChangeReview, Review};
use crate::components::language::I18n;
use crate::components::violations::FieldErrors;
use crate::domain::change::ChangeArea;
use crate::domain::storage::credential_key_sets;
use crate::domain::storage::wizard::{
    PLATFORMS, StorageIntent, StoragePath, StorageSubmission, StorageView, WizardFacts,
    desired_spec, is_switch, paths_for_platform, validate_submission,
};
use crate::domain::violation::Severity;
use leptos::prelude::*;
use std::collections::BTreeMap;

#[island(lazy)]
pub fn StorageWizard(view: StorageView) -> impl IntoView {
    let i18n = I18n::expect();
    let denied = view.update_denied.clone();
    // The console's role and the API server must both allow it (the server checks both
    // again on every call).
    let is_admin = use_session().is_some_and(|s| s.roles.admin);
    let may_change = denied.is_none() && is_admin;
    let detected = view.platform.clone().ok().flatten();
    let loaded = RwSignal::new(view.clone());
    let form = RwSignal::new(view.form());
    let intent = RwSignal::new(StorageIntent::Configure);
    let credentials = RwSignal::new(BTreeMap::<String, String>::new());
    let confirm_empty_dir = RwSignal::new(false);
    let confirm_switch = RwSignal::new(false);
    let platform = RwSignal::new(detected.clone().unwrap_or_default());
    // Checks show once the user has changed something (not on an untouched form).
    let touched = RwSignal::new(false);
    let review = Review::new(ChangeArea::Storage);

    let submission = Memo::new(move |_| {
        let view = loaded.get();
        StorageSubmission {
            intent: intent.get(),
            config_version: view.config_version.clone(),
            config_spec: view.spec.clone(),
            secret_version: view
                .credentials
                .as_ref()
                .ok()
                .and_then(|c| c.version.clone()),
            form: form.get(),
            credentials: credentials.get(),
            confirm_empty_dir: confirm_empty_dir.get(),
            confirm_switch: confirm_switch.get(),
        }
    });
    let draft = Memo::new(move |_| serde_json::to_string(&submission.get()).unwrap_or_default());
    let facts = Memo::new(move |_| {
        loaded.with(|v| WizardFacts {
            existing_keys: v.existing_keys(),
            claims: v.claims.clone().unwrap_or_default(),
            storage_classes: v.storage_classes.clone().ok(),
        })
    });
    // Live checks: the same functions the server runs before its dry run. Messages are
    // filled directly: none of them has plural forms.
    let live = Memo::new(move |_| {
        if !touched.get() {
            return Vec::new();
        }
        let found = facts.with(|facts| validate_submission(&submission.get(), facts));
        found
            .into_iter()
            .filter(|v| v.severity == Severity::Error)
            .map(|v| {
                let mut params: Vec<(&str, &str)> = vec![("field", v.field.as_str())];
                params.extend(v.params.iter().map(|(k, p)| (k.as_str(), p.as_str())));
                FieldError {
                    field: v.field.clone(),
                    text: crate::i18n::fill(i18n.t(&v.key), &params),
                }
            })
            .collect::<Vec<_>>()
    });
    let review_errors = review.field_errors();
    let errors = Signal::derive(move || {
        let mut all = live.get();
        for e in review_errors.get() {
            if !all.contains(&e) {
                all.push(e);
            }
        }
        all
    });
    Effect::new(move |previous: Option<()>| {
        form.track();
        credentials.track();
        if previous.is_some() {
            touched.set(true);
        }
    });

    let switching = move || {
        loaded.with(|v| is_switch(&v.spec, &desired_spec(&v.spec, &form.get())))
            && intent.get() == StorageIntent::Configure
    };
    let current_kind = view.storage.kind.clone().unwrap_or_default();
    let can_rotate = !credential_key_sets(&current_kind).is_empty()
        && view.credentials.as_ref().is_ok_and(|c| c.version.is_some());

    let reload = move |keep_edits: bool| {
        leptos::task::spawn_local(async move {
            if let Ok(text) = storage_state().await
                && let Ok(fresh) = serde_json::from_str::<StorageView>(&text)
            {
                if !keep_edits {
                    form.try_set(fresh.form());
                    intent.try_set(StorageIntent::Configure);
                    confirm_empty_dir.try_set(false);
                    confirm_switch.try_set(false);
                }
                loaded.try_set(fresh);
            }
        });
    };

    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let choose = move |path: StoragePath| {
        move |_| {
            form.update(|f| f.path = path.id().to_string());
            review.reset();
        }
    };
    let path_choice = move |path: StoragePath| {
        view! {
            <label class="choice" data-path=path.id()>
                <input
                    type="radio"
                    name="path"
                    value=path.id()
                    checked=form.with_untracked(|f| f.path == path.id())
                    prop:checked=move || form.with(|f| f.path == path.id())
                    on:change=choose(path)
                />
                <strong>{i18n.t(path.title_key())}</strong>
                <span class="help">{i18n.t(path.help_key())}</span>
            </label>
        }
    };
    let is_path = move |path: StoragePath| form.with(|f| f.path() == Some(path));
    let configuring = move || intent.get() == StorageIntent::Configure;
    let claims = Signal::derive(move || loaded.with(|v| v.claims.clone().unwrap_or_default()));
    let classes =
        Signal::derive(move || loaded.with(|v| v.storage_classes.clone().unwrap_or_default()));
    let existing = Signal::derive(move || loaded.with(StorageView::existing_keys));

    view! {
        <section
            class="card storage-wizard"
            aria-labelledby="wizard-heading"
            data-hydrated=move || hydrated.get().to_string()
            data-version=move || loaded.with(|v| v.config_version.clone())
        >
            <h2 id="wizard-heading">{i18n.t("storage.wizard.title")}</h2>
            {denied
                .map(|reason| {
                    view! {
                        <div class="notice notice-warning" role="status" data-denied="change_config">
                            <p>{i18n.t("storage.wizard.read_only")}</p>
                            <p><small>{reason}</small></p>
                        </div>
                    }
                })}
            <form
                method="post"
                on:submit=move |ev| {
                    ev.prevent_default();
                    touched.set(true);
                    review.preview(draft.get_untracked());
                }
            >
                <fieldset class="plain" disabled=!may_change>
                    {can_rotate
                        .then(|| {
                            view! {
                                <fieldset data-group="intent">
                                    <legend>{i18n.t("storage.intent.title")}</legend>
                                    <label class="choice">
                                        <input type="radio" name="intent" value="configure"
                                            prop:checked=configuring
                                            on:change=move |_| { intent.set(StorageIntent::Configure); review.reset(); } />
                                        {i18n.t("storage.intent.configure")}
                                    </label>
                                    <label class="choice">
                                        <input type="radio" name="intent" value="rotate"
                                            prop:checked=move || !configuring()
                                            on:change=move |_| {
                                                intent.set(StorageIntent::RotateCredentials);
                                                form.set(loaded.with_untracked(StorageView::form));
                                                review.reset();
                                            } />
                                        {i18n.t("storage.intent.rotate")}
                                    </label>
                                </fieldset>
                            }
                        })}
                    <Show when=configuring>
                        <fieldset data-group="path">
                            <legend>{i18n.t("storage.wizard.path")}</legend>
                            {detected
                                .is_none()
                                .then(|| {
                                    view! {
                                        <label class="field" data-field="platform">
                                            <span class="label">{i18n.t("storage.platform.ask")}</span>
                                            <select name="platform" on:change=move |ev| platform.set(event_target_value(&ev))>
                                                <option value="">{i18n.t("storage.platform.unknown")}</option>
                                                {PLATFORMS.iter().map(|p| view! { <option value=*p>{*p}</option> }).collect_view()}
                                            </select>
                                        </label>
                                    }
                                })}
                            {move || {
                                let chosen = platform.get();
                                let (own, others) = paths_for_platform((!chosen.is_empty()).then_some(chosen.as_str()));
                                let own_heading = (!own.is_empty())
                                    .then(|| view! { <h3>{crate::i18n::fill(i18n.t("storage.wizard.recommended"), &[("platform", &chosen)])}</h3> });
                                let others_heading = (!own.is_empty()).then(|| view! { <h3>{i18n.t("storage.wizard.others")}</h3> });
                                view! {
                                    <div data-paths="own">{own_heading}{own.into_iter().map(path_choice).collect_view()}</div>
                                    <div data-paths="others">{others_heading}{others.into_iter().map(path_choice).collect_view()}</div>
                                }
                            }}
                            <FieldErrors all=errors field="path" />
                        </fieldset>
                        <Show when=move || is_path(StoragePath::S3)><S3Fields form errors /></Show>
                        <Show when=move || is_path(StoragePath::Gcs)><GcsFields form errors /></Show>
                        <Show when=move || is_path(StoragePath::Azure)><AzureFields form errors /></Show>
                        <Show when=move || is_path(StoragePath::Swift)><SwiftFields form errors /></Show>
                        <Show when=move || is_path(StoragePath::SharedClaim)><SharedClaimFields form errors claims /></Show>
                        <Show when=move || is_path(StoragePath::BlockClaim)><BlockFields form errors classes /></Show>
                        <Show when=move || is_path(StoragePath::EmptyDir)>
                            <fieldset data-group="emptyDir">
                                <legend>{i18n.t("storage.path.emptydir")}</legend>
                                <div class="notice notice-warning"><p>{i18n.t("storage.emptydir.warning")}</p></div>
                                <label class="confirm">
                                    <input type="checkbox" name="confirm.emptyDir"
                                        prop:checked=move || confirm_empty_dir.get()
                                        on:change=move |ev| confirm_empty_dir.set(event_target_checked(&ev)) />
                                    {i18n.t("storage.emptydir.confirm")}
                                </label>
                                <FieldErrors all=errors field="confirm.emptyDir" />
                            </fieldset>
                        </Show>
                    </Show>
                    <CredentialFields form errors credentials existing />
                    <Show when=switching>
                        <div class="notice notice-warning" data-switch="">
                            <p>{i18n.t("storage.switch.warning")}</p>
                            <label class="confirm">
                                <input type="checkbox" name="confirm.switch"
                                    prop:checked=move || confirm_switch.get()
                                    on:change=move |ev| confirm_switch.set(event_target_checked(&ev)) />
                                {i18n.t("storage.switch.confirm")}
                            </label>
                            <FieldErrors all=errors field="confirm.switch" />
                        </div>
                    </Show>
                    <Show when=move || loaded.with(|v| v.management_state == "Removed") && configuring()>
                        <p class="notice notice-info" data-from-removed="">{i18n.t("storage.wizard.from_removed")}</p>
                    </Show>
                </fieldset>
                <div class="actions">
                    <button
                        type="submit"
                        class="button button-primary"
                        data-action="preview"
                        disabled=move || !may_change || review.busy()
                    >
                        {i18n.t("storage.wizard.preview")}
                    </button>
                    <button
                        type="button"
                        class="button"
                        data-action="reset"
                        disabled=!may_change
                        on:click=move |_| {
                            form.set(loaded.with_untracked(StorageView::form));
                            intent.set(StorageIntent::Configure);
                            credentials.set(BTreeMap::new());
                            confirm_empty_dir.set(false);
                            confirm_switch.set(false);
                            review.reset();
                            touched.set(false);
                        }
                    >
                        {i18n.t("config.reset")}
                    </button>
                </div>
            </form>
            <ChangeReview
                review
                draft
                may_change
                on_applied=Callback::new(move |()| {
                    // The values went to the Secret; the page keeps none of them.
                    credentials.set(BTreeMap::new());
                    touched.set(false);
                    reload(false);
                })
                on_reapply=Callback::new(move |_| {
                    review.reset();
                    reload(true);
                })
            />
        </section>
    }
}
