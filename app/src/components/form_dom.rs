//! What the islands do to the server-rendered page (browser only; on the server these do
//! nothing): the field errors in each field's `data-error-slot`, with `aria-invalid` and
//! `aria-describedby` on its input; the page read again and its cards replaced after a
//! change; the copy buttons.

#[cfg(feature = "hydrate")]
use crate::api::changes::FieldError;
#[cfg(feature = "hydrate")]
use crate::components::change_review::escape;
#[cfg(feature = "hydrate")]
use wasm_bindgen::JsCast;

/// Each element `selector` finds under `root`.
#[cfg(feature = "hydrate")]
pub fn each(root: &web_sys::Element, selector: &str, mut f: impl FnMut(web_sys::Element)) {
    if let Ok(list) = root.query_selector_all(selector) {
        for i in 0..list.length() {
            if let Some(element) = list.item(i).and_then(|n| n.dyn_into().ok()) {
                f(element);
            }
        }
    }
}

/// Puts each field's errors (escaped) into its slot under `form`, and marks its input.
#[cfg(feature = "hydrate")]
pub fn show_errors(form: &web_sys::Element, errors: &[FieldError]) {
    each(form, "[data-error-slot]", |slot| {
        let field = slot.get_attribute("data-error-slot").unwrap_or_default();
        let items: String = errors
            .iter()
            .filter(|e| crate::components::violations::concerns(&e.field, &field))
            .map(|e| {
                // A field under the slot's is named (a route row, a YAML path); the slot's
                // own is right there.
                let sub = if e.field == field {
                    String::new()
                } else {
                    format!("<code>{}</code> ", escape(&e.field))
                };
                format!("<li>{sub}{}</li>", escape(&e.text))
            })
            .collect();
        let id = format!("{}-errors", escape(&field));
        if items.is_empty() {
            slot.set_inner_html("");
        } else {
            slot.set_inner_html(&format!(
                "<ul class=\"field-errors\" data-errors-for=\"{}\" id=\"{id}\">{items}</ul>",
                escape(&field)
            ));
            // An error in a folded section ("Advanced") must not be out of sight.
            if let Ok(Some(details)) = slot.closest("details") {
                let _ = details.set_attribute("open", "");
            }
        }
        each(form, &format!("[name=\"{field}\"]"), |input| {
            let _ = input.set_attribute("aria-invalid", &(!items.is_empty()).to_string());
            if items.is_empty() {
                let _ = input.remove_attribute("aria-describedby");
            } else {
                let _ = input.set_attribute("aria-describedby", &id);
            }
        });
    });
}

/// This page as the server renders it now (`None` when it cannot be had: the page stays
/// as it is).
#[cfg(feature = "hydrate")]
pub async fn fetch_page() -> Option<web_sys::Document> {
    let window = web_sys::window()?;
    let href = window.location().href().ok()?;
    let response = wasm_bindgen_futures::JsFuture::from(window.fetch_with_str(&href))
        .await
        .ok()?
        .dyn_into::<web_sys::Response>()
        .ok()?;
    if !response.ok() {
        return None;
    }
    let html = wasm_bindgen_futures::JsFuture::from(response.text().ok()?)
        .await
        .ok()?
        .as_string()?;
    web_sys::DomParser::new()
        .ok()?
        .parse_from_string(&html, web_sys::SupportedType::TextHtml)
        .ok()
}

/// The first element of `fresh` that `selector` finds. Streamed out of order, a page's
/// content comes in `<template>` elements that a script (not run here) moves into place:
/// they are looked into too.
#[cfg(feature = "hydrate")]
pub fn find_in(fresh: &web_sys::Document, selector: &str) -> Option<web_sys::Element> {
    if let Ok(Some(found)) = fresh.query_selector(selector) {
        return Some(found);
    }
    let templates = fresh.query_selector_all("template").ok()?;
    (0..templates.length()).find_map(|i| {
        let template: web_sys::HtmlTemplateElement = templates.item(i)?.dyn_into().ok()?;
        template.content().query_selector(selector).ok()?
    })
}

/// Every card of this page without a form (the status, the lists, in an island or outside
/// it) as it is in `fresh`; a card is known by the heading that labels it. Cards with forms
/// keep what the user typed (their island decides), and so does the change review.
#[cfg(feature = "hydrate")]
pub fn replace_cards(fresh: &web_sys::Document) {
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    else {
        return;
    };
    each(&root, "main section.card[aria-labelledby]", |card| {
        let holds = |selector: &str| card.query_selector(selector).ok().flatten().is_some();
        if holds("form")
            || holds("[data-review-region]")
            || card
                .closest("[data-review-region]")
                .ok()
                .flatten()
                .is_some()
        {
            return;
        }
        let Some(label) = card.get_attribute("aria-labelledby") else {
            return;
        };
        if let Some(new_card) =
            find_in(fresh, &format!("section.card[aria-labelledby=\"{label}\"]"))
        {
            card.set_inner_html(&new_card.inner_html());
        }
    });
}

/// A click on a copy button ([`crate::components::plain_fields::CopyButton`]): the
/// command before it onto the clipboard, and the button says so for two seconds.
pub fn copy_command(_ev: &leptos::ev::MouseEvent) {
    #[cfg(feature = "hydrate")]
    {
        let Some(button) = _ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|t| t.closest("[data-copy]").ok().flatten())
        else {
            return;
        };
        let Some(text) = button
            .previous_element_sibling()
            .and_then(|command| command.text_content())
        else {
            return;
        };
        let Some(window) = web_sys::window() else {
            return;
        };
        let _ = window.navigator().clipboard().write_text(text.trim());
        let label = button.text_content().unwrap_or_default();
        let done = button.get_attribute("data-done").unwrap_or_default();
        button.set_text_content(Some(&done));
        let _ = button.set_attribute("data-copied", "");
        leptos::prelude::set_timeout(
            move || {
                button.set_text_content(Some(&label));
                let _ = button.remove_attribute("data-copied");
            },
            std::time::Duration::from_secs(2),
        );
    }
}
