//! Form fields bound to one form value: a label, optional help, the input, and the
//! violations of that field right under it. One component per kind of input keeps the
//! WASM small: a page's fields share their code instead of each inlining its own view.

use crate::api::changes::FieldError;
use crate::components::language::I18n;
use crate::components::violations::{FieldErrors, concerns};
use leptos::prelude::*;

/// Text typed by the user. Whole numbers are typed as text too (`numeric`): a number input
/// would hand over "" for a typo, which would read as "remove the field"; the server
/// checks them and names the field.
#[component]
pub fn TextField<F>(
    label: &'static str,
    #[prop(optional)] help: Option<&'static str>,
    field: &'static str,
    #[prop(optional)] numeric: bool,
    form: RwSignal<F>,
    #[prop(into)] errors: Signal<Vec<FieldError>>,
    get: fn(&F) -> String,
    set: fn(&mut F, String),
) -> impl IntoView
where
    F: Send + Sync + 'static,
{
    let i18n = I18n::expect();
    let invalid = move || errors.with(|all| all.iter().any(|e| concerns(&e.field, field)));
    view! {
        <label class="field" data-field=field>
            <span class="label">{label}</span>
            {help.map(|key| view! { <span class="help">{i18n.t(key)}</span> })}
            <input
                type="text"
                inputmode=if numeric { "numeric" } else { "text" }
                name=field
                aria-invalid=move || invalid().to_string()
                aria-describedby=move || invalid().then(|| format!("{field}-errors"))
                value=form.with_untracked(get)
                prop:value=move || form.with(get)
                on:input=move |ev| form.update(|f| set(f, event_target_value(&ev)))
            />
        </label>
        <FieldErrors all=errors field />
    }
}

/// One of a fixed list of values, or the operator's default (empty).
#[component]
pub fn SelectField<F>(
    label: &'static str,
    help: &'static str,
    field: &'static str,
    options: &'static [&'static str],
    form: RwSignal<F>,
    #[prop(into)] errors: Signal<Vec<FieldError>>,
    get: fn(&F) -> String,
    set: fn(&mut F, String),
) -> impl IntoView
where
    F: Send + Sync + 'static,
{
    let i18n = I18n::expect();
    view! {
        <label class="field" data-field=field>
            <span class="label">{label}</span>
            <span class="help">{i18n.t(help)}</span>
            <select
                name=field
                prop:value=move || form.with(get)
                on:change=move |ev| form.update(|f| set(f, event_target_value(&ev)))
            >
                <option value="">{i18n.t("field.default")}</option>
                {options
                    .iter()
                    .map(|o| {
                        view! { <option value=*o selected=move || form.with(get) == *o>{*o}</option> }
                    })
                    .collect_view()}
            </select>
        </label>
        <FieldErrors all=errors field />
    }
}

/// A flag; `field` is its path (`spec.readOnly`), `label` its name.
#[component]
pub fn CheckField<F>(
    label: &'static str,
    help: &'static str,
    field: &'static str,
    form: RwSignal<F>,
    get: fn(&F) -> bool,
    set: fn(&mut F, bool),
) -> impl IntoView
where
    F: Send + Sync + 'static,
{
    let i18n = I18n::expect();
    view! {
        <label class="field field-check" data-field=field>
            <input
                type="checkbox"
                name=label
                checked=form.with_untracked(get)
                prop:checked=move || form.with(get)
                on:change=move |ev| form.update(|f| set(f, event_target_checked(&ev)))
            />
            <span class="label">{label}</span>
            <span class="help">{i18n.t(help)}</span>
        </label>
    }
}
