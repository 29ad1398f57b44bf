//! The storage wizard (an island): choose a path (the platform's first), fill in its
//! fields and credentials, checked as the user types, then the shared change review. After
//! an apply it continues from the new versions, with the typed credentials forgotten.

use super::paths::PathFields;
use crate::api::changes::FieldError;
use crate::api::session::use_session;
use crate::api::storage::storage_state;
use crate::components::change_review::{ChangeReview, Review};
use crate::components::language::I18n;
use crate::domain::change::ChangeArea;
use crate::domain::storage::wizard::{
    PLATFORMS, StorageIntent, StoragePath, StorageSubmission, WizardState, desired_spec, is_switch,
    paths_for_platform, validate_submission,
};
use crate::domain::violation::Severity;
use leptos::prelude::*;
use std::collections::BTreeMap;

#[island(lazy)]
pub fn StorageWizard(state: WizardState) -> impl IntoView {
    let i18n = I18n::expect();
    let denied = state.update_denied.clone();
    // The console's role and the API server must both allow it (the server checks both
    // again on every call).
    let is_admin = use_session().is_some_and(|s| s.roles.admin);
    let may_change = denied.is_none() && is_admin;
    let detected = state.platform.clone();
    let can_rotate = state.can_rotate();
    let form = RwSignal::new(state.form());
    let loaded = RwSignal::new(state);
    let intent = RwSignal::new(StorageIntent::Configure);
    let credentials = RwSignal::new(BTreeMap::<String, String>::new());
    let confirm_empty_dir = RwSignal::new(false);
    let confirm_switch = RwSignal::new(false);
    let platform = RwSignal::new(detected.clone().unwrap_or_default());
    // Checks show once the user has changed something (not on an untouched form).
    let touched = RwSignal::new(false);
    let review = Review::new(ChangeArea::Storage);

    let submission = Memo::new(move |_| {
        loaded.with(|state| StorageSubmission {
            intent: intent.get(),
            config_version: state.config_version.clone(),
            config_spec: state.spec.clone(),
            secret_version: state.secret_version.clone(),
            form: form.get(),
            credentials: credentials.get(),
            confirm_empty_dir: confirm_empty_dir.get(),
            confirm_switch: confirm_switch.get(),
        })
    });
    let draft = Memo::new(move |_| serde_json::to_string(&submission.get()).unwrap_or_default());
    // Live checks: the same functions the server runs before its dry run. Messages are
    // filled directly: none of them has plural forms.
    let live = Memo::new(move |_| {
        if !touched.get() {
            return Vec::new();
        }
        let found = loaded.with(|state| validate_submission(&submission.get(), &state.facts()));
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

    let switching = move || {
        intent.get() == StorageIntent::Configure
            && loaded.with(|s| is_switch(&s.spec, &desired_spec(&s.spec, &form.get())))
    };
    let reload = move |keep_edits: bool| {
        leptos::task::spawn_local(async move {
            if let Ok(text) = storage_state().await
                && let Ok(fresh) = serde_json::from_str::<WizardState>(&text)
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
    let reset = move || {
        form.set(loaded.with_untracked(WizardState::form));
        intent.set(StorageIntent::Configure);
        credentials.set(BTreeMap::new());
        confirm_empty_dir.set(false);
        confirm_switch.set(false);
        review.reset();
        touched.set(false);
    };

    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let path_choice = move |path: StoragePath| {
        view! {
            <label class="choice" data-path=path.id()>
                <input
                    type="radio"
                    name="path"
                    value=path.id()
                    prop:checked=move || form.with(|f| f.path == path.id())
                    on:change=move |_| {
                        form.update(|f| f.path = path.id().to_string());
                        review.reset();
                    }
                />
                <strong>{i18n.t(path.title_key())}</strong>
                <span class="help">{i18n.t(path.help_key())}</span>
            </label>
        }
    };
    let configuring = move || intent.get() == StorageIntent::Configure;
    let claims = Signal::derive(move || loaded.with(|s| s.claims.clone()));
    let classes =
        Signal::derive(move || loaded.with(|s| s.storage_classes.clone().unwrap_or_default()));
    let existing = Signal::derive(move || loaded.with(|s| s.existing_keys.clone()));
    let intent_choice = move |value: &'static str, chosen: StorageIntent, key: &'static str| {
        view! {
            <label class="choice">
                <input type="radio" name="intent" value=value
                    prop:checked=move || intent.get() == chosen
                    on:change=move |_| {
                        intent.set(chosen);
                        form.set(loaded.with_untracked(WizardState::form));
                        review.reset();
                    } />
                {i18n.t(key)}
            </label>
        }
    };

    view! {
        <section
            class="card storage-wizard"
            aria-labelledby="wizard-heading"
            data-hydrated=move || hydrated.get().to_string()
            data-version=move || loaded.with(|s| s.config_version.clone())
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
            // method="post": a submit before hydration is refused by the CSRF check instead
            // of putting the fields into a GET URL.
            <form
                method="post"
                on:input=move |_| touched.set(true)
                on:change=move |_| touched.set(true)
                on:submit=move |ev| {
                    ev.prevent_default();
                    touched.set(true);
                    review.preview(draft.get_untracked());
                }
            >
                <fieldset class="plain" disabled=!may_change>
                    <fieldset data-group="intent" hidden=!can_rotate>
                        <legend>{i18n.t("storage.intent.title")}</legend>
                        {intent_choice("configure", StorageIntent::Configure, "storage.intent.configure")}
                        {intent_choice("rotate", StorageIntent::RotateCredentials, "storage.intent.rotate")}
                    </fieldset>
                    <fieldset data-group="path" hidden=move || !configuring()>
                        <legend>{i18n.t("storage.wizard.path")}</legend>
                        <label class="field" data-field="platform" hidden=detected.is_some()>
                            <span class="label">{i18n.t("storage.platform.ask")}</span>
                            <select name="platform" on:change=move |ev| platform.set(event_target_value(&ev))>
                                <option value="">{i18n.t("storage.platform.unknown")}</option>
                                {PLATFORMS.map(|p| view! { <option value=p>{p}</option> })}
                            </select>
                        </label>
                        {move || {
                            let chosen = platform.get();
                            let (own, others) = paths_for_platform((!chosen.is_empty()).then_some(chosen.as_str()));
                            let headed = !own.is_empty();
                            view! {
                                <div data-paths="own">
                                    <h3 hidden=!headed>{crate::i18n::fill(i18n.t("storage.wizard.recommended"), &[("platform", &chosen)])}</h3>
                                    {own.into_iter().map(path_choice).collect_view()}
                                </div>
                                <div data-paths="others">
                                    <h3 hidden=!headed>{i18n.t("storage.wizard.others")}</h3>
                                    {others.into_iter().map(path_choice).collect_view()}
                                </div>
                            }
                        }}
                        <p class="notice notice-info" data-from-removed=""
                            hidden=move || loaded.with(|s| s.management_state() != "Removed")>
                            {i18n.t("storage.wizard.from_removed")}
                        </p>
                    </fieldset>
                    <PathFields form errors credentials existing claims classes confirm_empty_dir />
                    <div class="notice notice-warning" data-switch="" hidden=move || !switching()>
                        <p>{i18n.t("storage.switch.warning")}</p>
                        <label class="confirm">
                            <input type="checkbox" name="confirm.switch"
                                prop:checked=move || confirm_switch.get()
                                on:change=move |ev| confirm_switch.set(event_target_checked(&ev)) />
                            {i18n.t("storage.switch.confirm")}
                        </label>
                    </div>
                    {move || {
                        errors.with(|all| {
                            all.iter()
                                .filter(|e| e.field == "path" || e.field == "confirm.switch")
                                .map(|e| view! { <p class="field-errors" data-errors-for=e.field.clone()>{e.text.clone()}</p> })
                                .collect_view()
                        })
                    }}
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
                    <button type="button" class="button" data-action="reset" disabled=!may_change on:click=move |_| reset()>
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
