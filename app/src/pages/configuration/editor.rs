//! The Configuration editor (an island): the form and the change review. After an apply it continues from the new version; after a conflict it
//! reloads the Config and keeps the user's edits on top.

use super::fieldsets::{
    AdvancedFieldset, LoggingFieldset, ProxyFieldset, ReplicasFieldset, RequestsFieldset,
    RoutesFieldset, SecretMode, StateFieldset,
};
use crate::api::registry_config::registry_config_state;
use crate::api::session::use_session;
use crate::components::change_review::{ChangeReview, Review};
use crate::components::language::I18n;
use crate::domain::change::ChangeArea;
use crate::domain::registry_config::form::{ConfigSubmission, ConfigView, HttpSecretChange};
use leptos::prelude::*;

#[island(lazy)]
pub fn ConfigEditor(view: ConfigView) -> impl IntoView {
    let i18n = I18n::expect();
    let denied = view.update_denied.clone();
    // The console's role and the API server must both allow it (the server checks both
    // again on every call).
    let is_admin = use_session().is_some_and(|s| s.roles.admin);
    let may_change = denied.is_none() && is_admin;
    let original = RwSignal::new(view.form.clone());
    let form = RwSignal::new(view.form.clone());
    let base = RwSignal::new((view.resource_version.clone(), view.spec.clone()));
    let http_secret_set = RwSignal::new(view.http_secret_set);
    let secret = RwSignal::new(SecretMode::Keep);
    let secret_value = RwSignal::new(String::new());
    let confirm_removed = RwSignal::new(false);
    let review = Review::new(ChangeArea::RegistryConfig);
    let errors = review.field_errors();

    let draft = Memo::new(move |_| {
        let submission = ConfigSubmission {
            base_version: base.with(|b| b.0.clone()),
            base_spec: base.with(|b| b.1.clone()),
            original: original.get(),
            edited: form.get(),
            http_secret: match secret.get() {
                SecretMode::Keep => HttpSecretChange::Keep,
                SecretMode::Generate => HttpSecretChange::Generate,
                SecretMode::Set => HttpSecretChange::Set(secret_value.get()),
            },
            confirm_removed: confirm_removed.get(),
        };
        serde_json::to_string(&submission).unwrap_or_default()
    });

    // After an apply (keep_edits = false) or a conflict (true): the Config as it is now.
    let reload = move |keep_edits: bool| {
        leptos::task::spawn_local(async move {
            if let Ok(text) = registry_config_state().await
                && let Ok(fresh) = serde_json::from_str::<ConfigView>(&text)
            {
                base.try_set((fresh.resource_version.clone(), fresh.spec.clone()));
                http_secret_set.try_set(fresh.http_secret_set);
                if !keep_edits {
                    original.try_set(fresh.form.clone());
                    form.try_set(fresh.form);
                    secret.try_set(SecretMode::Keep);
                    secret_value.try_set(String::new());
                    confirm_removed.try_set(false);
                }
            }
        });
    };

    // Effects run only in the browser: the end-to-end tests wait for this mark before
    // they type.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    view! {
        <div
            class="config-editor"
            data-version=move || base.with(|b| b.0.clone())
            data-hydrated=move || hydrated.get().to_string()
        >
            {denied
                .map(|reason| {
                    view! {
                        <div class="notice notice-warning" role="status" data-denied="change_config">
                            <p>{i18n.t("config.read_only")}</p>
                            <p><small>{reason}</small></p>
                        </div>
                    }
                })}
            // method="post": a submit before hydration is refused by the CSRF check instead
            // of putting the fields into a GET URL.
            <form
                class="config-form"
                method="post"
                on:submit=move |ev| {
                    ev.prevent_default();
                    review.preview(draft.get_untracked());
                }
            >
                <fieldset class="plain" disabled=!may_change>
                    <StateFieldset form original confirm_removed errors />
                    <ReplicasFieldset form errors />
                    <RoutesFieldset form errors />
                    <RequestsFieldset form errors />
                    <ProxyFieldset form errors />
                    <LoggingFieldset form errors />
                    <AdvancedFieldset form errors http_secret_set secret secret_value />
                </fieldset>
                <div class="actions">
                    <button
                        type="submit"
                        class="button button-primary"
                        data-action="preview"
                        disabled=move || !may_change || review.busy()
                    >
                        {i18n.t("config.preview")}
                    </button>
                    <button
                        type="button"
                        class="button"
                        data-action="reset"
                        disabled=!may_change
                        on:click=move |_| {
                            form.set(original.get());
                            secret.set(SecretMode::Keep);
                            secret_value.set(String::new());
                            confirm_removed.set(false);
                            review.reset();
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
                on_applied=Callback::new(move |()| reload(false))
                on_reapply=Callback::new(move |_| {
                    review.reset();
                    reload(true);
                })
            />
        </div>
    }
}
