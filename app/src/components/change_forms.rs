//! The change-forms island: one small controller for pages whose forms the server renders
//! (Configuration, Exposure, CA trust, Access, Pruner). It knows nothing of their fields. Each `<form data-change-form>`
//! inside it is read as a [`FormDraft`] (every named input; checkboxes only when checked;
//! a chosen file as its text), checked by the server shortly after the last edit, and
//! handed to the shared change review on submit. The server decodes the draft with the
//! page's own rules, so a page gains forms without growing the WASM.
//!
//! After an apply the island fetches the page again and puts its fresh
//! `[data-forms-region]` in place (the lists, the forms and their `base` as they are now;
//! anything typed, keys included, is gone). After a conflict it takes only the fresh
//! `base` inputs and keeps the user's edits, so the change can be re-applied on top.
//! It also shows each `<time data-local>` in the browser's time zone, which the server
//! does not know.

use crate::api::changes::{FieldError, ReviewStep};
use crate::components::change_review::{ChangeReview, Review, review_change};
use crate::components::language::I18n;
use crate::domain::change::ChangeArea;
use crate::domain::form_draft::FormDraft;
use leptos::prelude::*;

#[island(lazy)]
pub fn ChangeForms(
    area: ChangeArea,
    /// The console role and the API server both allow the page's changes (the server
    /// checks both again on every call).
    may_change: bool,
    children: Children,
) -> impl IntoView {
    let review = Review::new(area);
    let i18n = I18n::expect();
    // The draft of the form edited last, as JSON.
    let draft = RwSignal::new(String::new());
    let active = StoredValue::new(String::new());
    let live = RwSignal::new(Vec::<FieldError>::new());
    let latest = StoredValue::new(0u32);

    // Reads `form` (files take a moment), then `then` gets the draft. A chosen file larger
    // than a request may carry is named under its field instead, and nothing is sent.
    let read = move |form: dom::Form, then: Callback<String>| {
        leptos::task::spawn_local(async move {
            let (read, oversized) = dom::read(&form).await;
            if !oversized.is_empty() {
                let limit = (crate::domain::form_draft::MAX_REQUEST_BYTES / 1024).to_string();
                live.try_set(
                    oversized
                        .into_iter()
                        .map(|(field, bytes)| FieldError {
                            field,
                            text: crate::i18n::fill(
                                i18n.t("error.file_too_large"),
                                &[("size", &(bytes / 1024).to_string()), ("limit", &limit)],
                            ),
                        })
                        .collect(),
                );
                return;
            }
            if let Ok(json) = serde_json::to_string(&read) {
                then.run(json);
            }
        });
    };
    // The server's checks of the latest draft, 300 ms after the last edit (an answer to
    // an older draft is dropped).
    let check = Callback::new(move |json: String| {
        draft.set(json);
        latest.update_value(|n| *n += 1);
        let ticket = latest.get_value();
        set_timeout(
            move || {
                if latest.try_get_value() != Some(ticket) {
                    return;
                }
                let json = draft.get_untracked();
                // The forms were replaced meanwhile (after an apply): nothing to check.
                if json.is_empty() {
                    return;
                }
                leptos::task::spawn_local(async move {
                    let reply =
                        review_change(area, ReviewStep::Check, json, String::new(), String::new())
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
    });
    // Another form than the last one: its review and messages no longer apply.
    let switch_to = move |form: &dom::Form| {
        let name = dom::name(form);
        if active.get_value() != name {
            active.set_value(name);
            review.reset();
            live.set(Vec::new());
        }
    };
    let on_edit = move |ev: leptos::ev::Event| {
        if let Some(form) = dom::form_of(&ev) {
            switch_to(&form);
            read(form, check);
        }
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !may_change {
            return;
        }
        if let Some(form) = dom::form_of(&ev) {
            switch_to(&form);
            read(
                form,
                Callback::new(move |json: String| {
                    draft.set(json.clone());
                    review.preview(json);
                }),
            );
        }
    };
    // The live checks and the review's (deduplicated) in the active form's slots.
    let review_errors = review.field_errors();
    Effect::new(move |_| {
        let mut all = live.get();
        for e in review_errors.get() {
            if !all.contains(&e) {
                all.push(e);
            }
        }
        dom::show(&active.get_value(), &all);
    });
    let refresh = move |keep_edits: bool| {
        leptos::task::spawn_local(async move {
            dom::refresh(keep_edits).await;
            dom::localize_times();
            if !keep_edits {
                live.try_set(Vec::new());
                draft.try_set(String::new());
            }
        });
    };

    let hydrated = RwSignal::new(false);
    Effect::new(move |_| {
        dom::localize_times();
        hydrated.set(true);
    });
    view! {
        <div
            class="change-forms"
            data-change-forms=""
            data-hydrated=move || hydrated.get().to_string()
            on:input=on_edit
            on:change=on_edit
            on:submit=on_submit
            on:click=|ev: leptos::ev::MouseEvent| crate::components::form_dom::copy_command(&ev)
        >
            {children()}
            <ChangeReview
                review
                draft
                may_change
                on_applied=Callback::new(move |()| refresh(false))
                on_reapply=Callback::new(move |_| refresh(true))
                on_settled=Callback::new(move |_| refresh(true))
            />
        </div>
    }
}

/// The forms in the page (browser only; on the server these do nothing).
mod dom {
    use super::*;
    #[cfg(feature = "hydrate")]
    use wasm_bindgen::JsCast;

    #[cfg(feature = "hydrate")]
    pub type Form = web_sys::Element;
    #[cfg(not(feature = "hydrate"))]
    pub type Form = ();

    /// The `data-change-form` the event happened in.
    #[cfg(feature = "hydrate")]
    pub fn form_of(ev: &leptos::ev::Event) -> Option<Form> {
        let target: web_sys::Element = ev.target()?.dyn_into().ok()?;
        target.closest("form[data-change-form]").ok()?
    }
    #[cfg(not(feature = "hydrate"))]
    pub fn form_of(_ev: &leptos::ev::Event) -> Option<Form> {
        None
    }

    #[cfg(feature = "hydrate")]
    pub fn name(form: &Form) -> String {
        form.get_attribute("data-change-form").unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    pub fn name(_form: &Form) -> String {
        String::new()
    }

    /// The form's named inputs as a draft; a chosen file is read as text. Files larger than
    /// a request may carry are not read: their fields (the `.file` suffix dropped, where
    /// the errors go) and sizes come back instead.
    pub async fn read(_form: &Form) -> (FormDraft, Vec<(String, u64)>) {
        #[allow(unused_mut)]
        let mut draft = FormDraft {
            form: name(_form),
            ..Default::default()
        };
        #[allow(unused_mut)]
        let mut oversized = Vec::new();
        #[cfg(feature = "hydrate")]
        {
            let mut files = Vec::new();
            crate::components::form_dom::each(_form, "[name]", |element| {
                let name = element.get_attribute("name").unwrap_or_default();
                if let Some(input) = element.dyn_ref::<web_sys::HtmlInputElement>() {
                    match input.type_().as_str() {
                        "checkbox" | "radio" if !input.checked() => {}
                        "file" => {
                            if let Some(file) = input.files().and_then(|f| f.get(0)) {
                                files.push((name, file));
                            }
                        }
                        "submit" | "button" | "reset" => {}
                        _ => {
                            draft.fields.insert(name, input.value());
                        }
                    }
                } else if let Some(area) = element.dyn_ref::<web_sys::HtmlTextAreaElement>() {
                    draft.fields.insert(name, area.value());
                } else if let Some(select) = element.dyn_ref::<web_sys::HtmlSelectElement>() {
                    draft.fields.insert(name, select.value());
                }
            });
            for (name, file) in files {
                let bytes = file.size() as u64;
                if bytes > crate::domain::form_draft::MAX_REQUEST_BYTES {
                    let field = name
                        .strip_suffix(crate::domain::form_draft::FILE_SUFFIX)
                        .unwrap_or(&name)
                        .to_string();
                    oversized.push((field, bytes));
                    continue;
                }
                if let Ok(text) = wasm_bindgen_futures::JsFuture::from(file.text()).await
                    && let Some(text) = text.as_string()
                {
                    draft.fields.insert(name, text);
                }
            }
        }
        (draft, oversized)
    }

    /// Each `<time data-local datetime=…>` also in the browser's time zone and language (the
    /// server knows neither).
    pub fn localize_times() {
        #[cfg(feature = "hydrate")]
        if let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            let lang = root.get_attribute("lang").unwrap_or_else(|| "en".into());
            // To the minute, as the server's UTC text; the title keeps UTC to the second.
            let options = js_sys::Object::new();
            for (key, value) in [("dateStyle", "medium"), ("timeStyle", "short")] {
                let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
            }
            crate::components::form_dom::each(&root, "time[data-local]", |time| {
                let Some(at) = time.get_attribute("datetime") else {
                    return;
                };
                let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(&at));
                if date.get_time().is_nan() {
                    return;
                }
                let local: String = date.to_locale_string(&lang, &options).into();
                time.set_text_content(Some(&local));
                let _ = time.remove_attribute("data-local");
            });
        }
    }

    /// The errors in the slots of the form named `_form` (the other forms' slots emptied).
    pub fn show(_form: &str, _errors: &[FieldError]) {
        #[cfg(feature = "hydrate")]
        if let Some(document) = web_sys::window().and_then(|w| w.document())
            && let Ok(Some(root)) = document.query_selector("[data-change-forms]")
        {
            crate::components::form_dom::each(&root, "form[data-change-form]", |form| {
                let mine = form.get_attribute("data-change-form").as_deref() == Some(_form);
                crate::components::form_dom::show_errors(&form, if mine { _errors } else { &[] });
            });
        }
    }

    /// The page as the server renders it now: its forms region in place of this one, or
    /// (`keep_edits`) only its `base` inputs.
    pub async fn refresh(_keep_edits: bool) {
        #[cfg(feature = "hydrate")]
        {
            let Some(document) = web_sys::window().and_then(|w| w.document()) else {
                return;
            };
            let Some(fresh) = crate::components::form_dom::fetch_page().await else {
                return;
            };
            let find = |selector: &str| crate::components::form_dom::find_in(&fresh, selector);
            crate::components::form_dom::replace_cards(&fresh);
            if _keep_edits {
                // Every form carries the same base: the page's objects as it saw them.
                let Some(value) = find("input[name=\"base\"]")
                    .and_then(|n| n.dyn_into::<web_sys::HtmlInputElement>().ok())
                    .map(|i| i.value())
                else {
                    return;
                };
                if let Some(root) = document.document_element() {
                    crate::components::form_dom::each(&root, "input[name=\"base\"]", |input| {
                        if let Ok(input) = input.dyn_into::<web_sys::HtmlInputElement>() {
                            input.set_value(&value);
                        }
                    });
                }
            } else if let (Some(new_region), Ok(Some(old_region))) = (
                find("[data-forms-region]"),
                document.query_selector("[data-forms-region]"),
            ) {
                old_region.set_inner_html(&new_region.inner_html());
            }
        }
    }
}
