//! Reading and marking up server-rendered forms from an island (browser only; on the server
//! these do nothing): the field errors in each field's `data-error-slot`, with
//! `aria-invalid` and `aria-describedby` on its input.

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
