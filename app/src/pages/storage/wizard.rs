//! The storage wizard (an island) around the form the server rendered (its children): it
//! reads the form as the user edits it, has the server check the draft (shortly after the
//! last keystroke; the same checks it runs before its dry run, messages in the user's
//! language) and writes the messages into the form's error slots, and hands the draft to
//! the shared change review. The checks run on the server so that their code stays out of
//! the WASM every island page loads. After an apply it continues from the new versions, with the
//! typed credentials cleared from the form.

use crate::api::changes::{FieldError, ReviewStep};
use crate::api::session::use_session;
use crate::api::storage::storage_state;
use crate::components::change_review::{ChangeReview, Review, review_change};
use crate::components::language::I18n;
use crate::domain::change::ChangeArea;
use crate::domain::storage::wizard::{StorageForm, StorageIntent, StorageSubmission, WizardState};
use leptos::prelude::*;
use std::collections::BTreeMap;

/// What the form says, read from the page.
#[derive(Clone, Debug, Default, PartialEq)]
struct Edits {
    intent: StorageIntent,
    form: StorageForm,
    /// Typed credentials (key files are kept apart: a file input cannot be read back).
    typed: BTreeMap<String, String>,
    confirm_empty_dir: bool,
    confirm_switch: bool,
}

#[island(lazy)]
pub fn StorageWizard(state: WizardState, children: Children) -> impl IntoView {
    let i18n = I18n::expect();
    // The console's role and the API server must both allow it (the page renders the wizard
    // only then, and the server checks both again on every call).
    let session = use_session();
    let is_admin = session.as_ref().is_some_and(|s| s.roles.admin);
    let csrf = session.map(|s| s.csrf_token).unwrap_or_default();
    let may_change = state.update_denied.is_none() && is_admin;
    let edits = RwSignal::new(Edits {
        form: state.form(),
        ..Default::default()
    });
    let loaded = RwSignal::new(state);
    let key_files = RwSignal::new(BTreeMap::<String, String>::new());
    let review = Review::new(ChangeArea::Storage);

    let submission = Memo::new(move |_| {
        let edits = edits.get();
        let mut credentials = edits.typed;
        credentials.extend(key_files.get());
        loaded.with(|state| StorageSubmission {
            intent: edits.intent,
            config_version: state.config_version.clone(),
            config_spec: state.spec.clone(),
            secret_version: state.secret_version.clone(),
            form: edits.form,
            credentials,
            confirm_empty_dir: edits.confirm_empty_dir,
            confirm_switch: edits.confirm_switch,
        })
    });
    let draft = Memo::new(move |_| serde_json::to_string(&submission.get()).unwrap_or_default());
    // The server's checks of the latest draft, 300 ms after the last edit (an answer to
    // an older draft is dropped).
    let live = RwSignal::new(Vec::<FieldError>::new());
    let latest = StoredValue::new(0u32);
    let check = move || {
        latest.update_value(|n| *n += 1);
        let ticket = latest.get_value();
        set_timeout(
            move || {
                if latest.try_get_value() != Some(ticket) {
                    return;
                }
                let draft = draft.get_untracked();
                leptos::task::spawn_local(async move {
                    let reply = review_change(
                        ChangeArea::Storage,
                        ReviewStep::Check,
                        draft,
                        String::new(),
                        String::new(),
                    )
                    .await;
                    if let Ok(reply) = reply
                        && latest.try_get_value() == Some(ticket)
                    {
                        live.try_set(reply.field_errors);
                    }
                });
            },
            std::time::Duration::from_millis(300),
        );
    };
    let review_errors = review.field_errors();
    // The page shows the live checks and the review's (deduplicated) in the form's slots,
    // and what depends on the edits (the switch warning, the kept keys, rotation).
    Effect::new(move |_| {
        let mut all = live.get();
        for e in review_errors.get() {
            if !all.contains(&e) {
                all.push(e);
            }
        }
        // The switch warning shows once the server asks for its confirmation.
        let switching = edits.with(|e| e.intent == StorageIntent::Configure && e.confirm_switch)
            || all.iter().any(|e| e.field == "confirm.switch");
        loaded.with(|state| dom::show(&all, switching, state));
    });

    let sync = move || {
        let mut read = dom::read(edits.get_untracked().form.clone());
        if read.intent == StorageIntent::RotateCredentials {
            // Rotation keeps the storage as it is: its path decides the keys asked for.
            let path = loaded.with_untracked(|s| s.form().path);
            dom::choose_path(&path);
            read.form.path = path;
        }
        edits.set(read);
        check();
    };
    let on_change = move |ev: leptos::ev::Event| {
        if let Some(key) = dom::file_key(&ev) {
            dom::read_file(ev, move |text| {
                dom::describe_key_file(&text);
                key_files.try_update(|files| {
                    files.insert(key, text);
                });
                check();
            });
        }
        sync();
    };
    let reload = move |keep_edits: bool| {
        leptos::task::spawn_local(async move {
            if let Ok(text) = storage_state().await
                && let Ok(fresh) = serde_json::from_str::<WizardState>(&text)
            {
                if !keep_edits {
                    dom::write(&fresh.form());
                    edits.try_set(Edits {
                        form: fresh.form(),
                        ..Default::default()
                    });
                }
                loaded.try_set(fresh);
            }
        });
    };
    let reset = move || {
        dom::write(&loaded.with_untracked(WizardState::form));
        key_files.set(BTreeMap::new());
        edits.set(Edits {
            form: loaded.with_untracked(WizardState::form),
            ..Default::default()
        });
        live.set(Vec::new());
        review.reset();
    };

    // The page's other cards (what is configured now, the credentials, the claims) as the
    // server has them after a change: stale, they said Removed next to a healthy registry.
    let refresh_cards = move || {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            if let Some(fresh) = crate::components::form_dom::fetch_page().await {
                crate::components::form_dom::replace_cards(&fresh);
            }
        });
    };

    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <section
            class="card storage-wizard"
            aria-labelledby="wizard-heading"
            data-hydrated=move || hydrated.get().to_string()
            data-version=move || loaded.with(|s| s.config_version.clone())
            on:click=|ev: leptos::ev::MouseEvent| crate::components::form_dom::copy_command(&ev)
        >
            <h2 id="wizard-heading">{i18n.t("storage.wizard.title")}</h2>
            <p data-no-js-wizard="">
                <a href="/storage?step=path#wizard-heading">{i18n.t("storage.wizard.steps_link")}</a>
            </p>
            // Without JavaScript (or before the island runs) the form posts to the stepped
            // wizard's handler as if its credentials step were done: it keeps the draft on
            // the server and opens the review, or the first step with a broken rule.
            <form
                class="config-form"
                method="post"
                action="/storage/steps"
                data-wizard-form=""
                on:input=move |_| sync()
                on:change=on_change
                on:submit=move |ev| {
                    ev.prevent_default();
                    sync();
                    review.preview(draft.get_untracked());
                }
            >
                <input type="hidden" name=crate::domain::session::CSRF_FIELD value=csrf />
                <input type="hidden" name="draft" value="" />
                <input type="hidden" name="step" value="credentials" />
                <fieldset class="plain" disabled=!may_change>{children()}</fieldset>
                <div class="actions">
                    <button
                        type="submit"
                        class="button button-primary"
                        data-action="preview"
                        name="action"
                        value="next"
                        disabled=move || !may_change || review.busy()
                    >
                        {i18n.t("storage.wizard.preview")}
                    </button>
                    <button type="button" class="button" data-action="reset" disabled=!may_change on:click=move |_| reset()>
                        {i18n.t("storage.wizard.reset")}
                    </button>
                </div>
            </form>
            <ChangeReview
                review
                draft
                may_change
                on_applied=Callback::new(move |()| {
                    // The values went to the Secret; the page keeps none of them.
                    dom::clear_credentials();
                    key_files.set(BTreeMap::new());
                    live.set(Vec::new());
                    reload(false);
                    refresh_cards();
                })
                on_reapply=Callback::new(move |_| {
                    review.reset();
                    reload(true);
                })
                on_settled=Callback::new(move |_| {
                    reload(true);
                    refresh_cards();
                })
            />
        </section>
    }
}

/// The form in the page (browser only; on the server these do nothing).
mod dom {
    #[cfg(feature = "hydrate")]
    use super::super::paths::{ALL_CREDENTIAL_KEYS, FIELDS, flag};
    use super::*;
    #[cfg(feature = "hydrate")]
    use crate::components::form_dom::each;
    #[cfg(feature = "hydrate")]
    use crate::domain::storage::wizard::{FILE_KEYS, credential_field};
    #[cfg(feature = "hydrate")]
    use wasm_bindgen::JsCast;

    #[cfg(feature = "hydrate")]
    fn form() -> Option<web_sys::Element> {
        web_sys::window()?
            .document()?
            .query_selector("[data-wizard-form]")
            .ok()?
    }

    #[cfg(feature = "hydrate")]
    fn input(form: &web_sys::Element, selector: &str) -> Option<web_sys::HtmlInputElement> {
        form.query_selector(selector).ok()??.dyn_into().ok()
    }

    #[cfg(feature = "hydrate")]
    fn named(form: &web_sys::Element, name: &str) -> Option<web_sys::HtmlInputElement> {
        input(form, &format!("input[name=\"{name}\"]"))
    }

    #[cfg(feature = "hydrate")]
    fn checked(form: &web_sys::Element, name: &str) -> Option<String> {
        input(form, &format!("input[name=\"{name}\"]:checked")).map(|i| i.value())
    }

    /// The form's values (`previous` for what cannot be read).
    pub fn read(previous: StorageForm) -> Edits {
        #[cfg(feature = "hydrate")]
        if let Some(form) = form() {
            let mut read = Edits {
                form: previous,
                ..Default::default()
            };
            for row in FIELDS.iter() {
                if let Some(input) = named(&form, row.field) {
                    let value = if input.type_() == "checkbox" {
                        flag(input.checked())
                    } else {
                        input.value()
                    };
                    (row.set)(&mut read.form, value);
                }
            }
            read.form.path = checked(&form, "path").unwrap_or_default();
            read.form.swift_credential =
                checked(&form, "swiftCredential").unwrap_or_else(|| "password".into());
            read.intent = match checked(&form, "intent").as_deref() {
                Some("rotate") => StorageIntent::RotateCredentials,
                _ => StorageIntent::Configure,
            };
            for key in ALL_CREDENTIAL_KEYS {
                if FILE_KEYS.contains(&key) {
                    continue;
                }
                if let Some(input) = named(&form, &credential_field(key))
                    && !input.value().is_empty()
                {
                    read.typed.insert(key.to_string(), input.value());
                }
            }
            read.confirm_empty_dir = named(&form, "confirm.emptyDir").is_some_and(|i| i.checked());
            read.confirm_switch = named(&form, "confirm.switch").is_some_and(|i| i.checked());
            return read;
        }
        Edits {
            form: previous,
            ..Default::default()
        }
    }

    /// Puts `values` into the form (after an apply, or a reset), confirmations cleared.
    pub fn write(_values: &StorageForm) {
        #[cfg(feature = "hydrate")]
        if let Some(form) = form() {
            for row in FIELDS.iter() {
                if let Some(input) = named(&form, row.field) {
                    let value = (row.get)(_values);
                    if input.type_() == "checkbox" {
                        input.set_checked(value == "true");
                    } else {
                        input.set_value(&value);
                    }
                }
            }
            choose_path(&_values.path);
            for name in ["confirm.emptyDir", "confirm.switch"] {
                if let Some(input) = named(&form, name) {
                    input.set_checked(false);
                }
            }
            if let Some(input) = input(&form, "input[name=\"intent\"][value=\"configure\"]") {
                input.set_checked(true);
            }
            clear_credentials();
        }
    }

    /// Checks the path `id`'s radio button.
    pub fn choose_path(_id: &str) {
        #[cfg(feature = "hydrate")]
        if let Some(form) = form()
            && let Some(input) = input(&form, &format!("input[name=\"path\"][value=\"{_id}\"]"))
        {
            input.set_checked(true);
        }
    }

    /// Empties every credential input.
    pub fn clear_credentials() {
        #[cfg(feature = "hydrate")]
        if let Some(form) = form() {
            each(&form, "[data-credential] input", |e| {
                if let Ok(input) = e.dyn_into::<web_sys::HtmlInputElement>() {
                    input.set_value("");
                }
            });
            each(&form, "[data-key-file]", |e| e.set_text_content(None));
        }
    }

    /// The errors in their slots (each field's own, escaped), `aria-invalid` on the inputs,
    /// and the parts that depend on the edits and on the registry as loaded.
    pub fn show(_errors: &[FieldError], _switching: bool, _state: &WizardState) {
        #[cfg(feature = "hydrate")]
        if let Some(form) = form() {
            crate::components::form_dom::show_errors(&form, _errors);
            let hide = |selector: &str, hidden: bool| {
                each(&form, selector, |e| {
                    let _ = e.toggle_attribute_with_force("hidden", hidden);
                });
            };
            hide("[data-switch]", !_switching);
            hide(
                "[data-from-removed]",
                _state.management_state() != "Removed",
            );
            hide("[data-group=\"intent\"]", !_state.can_rotate());
            each(&form, "[data-kept]", |e| {
                let key = e.get_attribute("data-kept").unwrap_or_default();
                let _ =
                    e.toggle_attribute_with_force("hidden", !_state.existing_keys.contains(&key));
            });
        }
    }

    /// The key a file input is for, when the event comes from one.
    pub fn file_key(_ev: &leptos::ev::Event) -> Option<String> {
        #[cfg(feature = "hydrate")]
        {
            let input: web_sys::HtmlInputElement = _ev.target()?.dyn_into().ok()?;
            let key = input.name().strip_prefix("secret.")?.to_string();
            if input.type_() == "file" && FILE_KEYS.contains(&key.as_str()) {
                return Some(key);
            }
        }
        None
    }

    /// What a loaded key file is, from its public fields only (the account and project),
    /// next to its input.
    pub fn describe_key_file(_text: &str) {
        #[cfg(feature = "hydrate")]
        if let Some(form) = form() {
            let parsed: serde_json::Value = serde_json::from_str(_text).unwrap_or_default();
            let field = |name: &str| {
                parsed
                    .get(name)
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or("—")
                    .to_string()
            };
            let i18n = I18n::expect();
            let text = crate::i18n::fill(
                i18n.t("storage.gcs.keyfile_loaded"),
                &[
                    ("email", &field("client_email")),
                    ("project", &field("project_id")),
                ],
            );
            each(&form, "[data-key-file]", |e| {
                e.set_text_content(Some(&text))
            });
        }
    }

    /// Reads the file chosen in a file input as text; `done` gets it.
    pub fn read_file(_ev: leptos::ev::Event, _done: impl FnOnce(String) + 'static) {
        #[cfg(feature = "hydrate")]
        {
            let Some(file) = _ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                .and_then(|input| input.files())
                .and_then(|files| files.get(0))
            else {
                return;
            };
            leptos::task::spawn_local(async move {
                if let Ok(text) = wasm_bindgen_futures::JsFuture::from(file.text()).await
                    && let Some(text) = text.as_string()
                {
                    _done(text);
                }
            });
        }
    }
}
