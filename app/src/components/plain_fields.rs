//! Fields of forms the server renders whole (read by the change-forms island, never
//! hydrated): a label, help, the input, and the slot the island writes the field's errors
//! into. Values are what the cluster has now; nothing here is reactive.

use crate::api::session::use_session;
use crate::components::change_forms::ChangeForms;
use crate::components::language::I18n;
use crate::domain::change::ChangeArea;
use leptos::prelude::*;

/// Where the island writes a field's errors.
#[component]
pub fn ErrorSlot(field: &'static str) -> impl IntoView {
    view! { <div data-error-slot=field></div> }
}

/// The objects as the page saw them (JSON): every change's precondition.
#[component]
pub fn BaseInput(base: String) -> impl IntoView {
    view! { <input type="hidden" name="base" value=base /> }
}

#[component]
pub fn PlainText(
    label: &'static str,
    help: String,
    field: &'static str,
    #[prop(optional, into)] value: String,
    #[prop(optional, into)] placeholder: String,
) -> impl IntoView {
    view! {
        <label class="field" data-field=field>
            <FieldLabel label field />
            <span class="help">{help}</span>
            <input type="text" name=field value=value placeholder=placeholder autocomplete="off" spellcheck="false" />
        </label>
        <ErrorSlot field />
    }
}

/// PEM text, chosen as a file or pasted (both given and different is refused, never one
/// silently dropped). `secret`: a private key, which the browser must not offer to keep.
#[component]
pub fn PemField(
    label: &'static str,
    help: &'static str,
    field: &'static str,
    #[prop(optional)] secret: bool,
) -> impl IntoView {
    let i18n = I18n::expect();
    let file = format!("{field}{}", crate::domain::form_draft::FILE_SUFFIX);
    view! {
        <fieldset class="field pem-field" data-field=field>
            <legend class="label">{i18n.t(label)}</legend>
            <span class="help">{i18n.t(help)}</span>
            <label class="pem-file">
                <span>{i18n.t("pem.file")}</span>
                <input type="file" name=file accept=".pem,.crt,.cer,.key,text/plain" />
            </label>
            <label class="pem-paste">
                <span>{i18n.t("pem.paste")}</span>
                <textarea
                    name=field
                    rows="4"
                    spellcheck="false"
                    autocomplete="off"
                    data-write-only=secret.then_some("")
                    placeholder="-----BEGIN …-----"
                ></textarea>
            </label>
        </fieldset>
        <ErrorSlot field />
    }
}

/// The form's submit button: the change goes to the shared review first.
#[component]
pub fn ReviewButton(
    label: &'static str,
    /// The step removes something (revoke, remove): styled as danger, so it is not taken
    /// for the page's main action.
    #[prop(optional)]
    danger: bool,
) -> impl IntoView {
    let i18n = I18n::expect();
    let class = if danger {
        "button button-danger"
    } else {
        "button button-primary"
    };
    view! {
        <div class="actions">
            <button type="submit" class=class data-action="preview">
                {i18n.t(label)}
            </button>
        </div>
    }
}

/// A button that copies the command just before it (the island does it; CSS shows it only
/// once the island runs, so without JavaScript there is no button that does nothing).
#[component]
pub fn CopyButton() -> impl IntoView {
    let i18n = I18n::expect();
    view! {
        <button type="button" class="button copy" data-copy="" data-done=i18n.t("copy.done")>
            {i18n.t("copy.label")}
        </button>
    }
}

/// An input's human label, with the API path it writes as a caption (`field`, when it is
/// one: form-only names such as `advanced` are not).
#[component]
pub fn FieldLabel(label: &'static str, field: &'static str) -> impl IntoView {
    let i18n = I18n::expect();
    let path = field.starts_with("spec.").then_some(field);
    view! {
        <span class="label">
            {i18n.t(label)}
            {path.map(|path| view! { " " <small class="api-path">{path}</small> })}
        </span>
    }
}

/// A setting's value as a read-only summary shows it.
pub enum Setting {
    /// As typed; empty is the operator's default.
    Text(String),
    Flag(bool),
    /// Already in words (a list, "a secret is set").
    Said(String),
}

/// Settings as they are, for a user who may not change them (a disabled form reads as
/// broken and hides values in greyed inputs): each with its label and API path, then the
/// YAML of the rarer fields when there is any (`advanced`: its label's key and the text).
#[component]
pub fn SettingsFacts(
    rows: Vec<(&'static str, &'static str, Setting)>,
    advanced: (&'static str, String),
) -> impl IntoView {
    let i18n = I18n::expect();
    let shown = move |value: Setting| match value {
        Setting::Text(text) if text.is_empty() => i18n.t("field.default").to_string(),
        Setting::Text(text) | Setting::Said(text) => text,
        Setting::Flag(on) => i18n
            .t(if on {
                "youraccess.yes"
            } else {
                "youraccess.no"
            })
            .to_string(),
    };
    let (advanced_label, yaml) = advanced;
    view! {
        <dl class="facts">
            {rows
                .into_iter()
                .map(|(label, path, value)| {
                    view! { <FactLabel label path /> <dd data-fact=path>{shown(value)}</dd> }
                })
                .collect_view()}
        </dl>
        {(!yaml.trim().is_empty())
            .then(|| {
                view! {
                    <h3>{i18n.t(advanced_label)}</h3>
                    <pre class="code" data-fact="advanced">{yaml}</pre>
                }
            })}
    }
}

/// A fact's human label with its API path as a caption (the path is what `oc` and the
/// docs call it; the label is what it is).
#[component]
pub fn FactLabel(label: &'static str, path: &'static str) -> impl IntoView {
    let i18n = I18n::expect();
    view! { <dt>{i18n.t(label)} " " <small class="api-path">{path}</small></dt> }
}

/// A part of the page that could not be read: what, and why.
#[component]
pub fn Unreadable(what: &'static str, why: String) -> impl IntoView {
    let i18n = I18n::expect();
    view! {
        // One sentence; the API server's own words (a 403 for a viewer) behind the toggle,
        // as in every failed panel.
        <div class="notice notice-warning" role="status" data-unreadable=what>
            <p>{i18n.t(what)}</p>
            <details>
                <summary>{i18n.t("common.details")}</summary>
                <p><small lang="en">{why}</small></p>
            </details>
        </div>
    }
}

/// Why the page's forms are disabled (`None`: they are not).
#[component]
pub fn ReadOnlyNotice(reason: Option<String>) -> impl IntoView {
    let i18n = I18n::expect();
    reason.map(|reason| {
        view! {
            <div class="notice notice-warning" role="status" data-denied="change">
                <p>{i18n.t("forms.read_only")}</p>
                <p><small>{reason}</small></p>
            </div>
        }
    })
}

/// Why the signed-in user cannot change this page (`None`: they can): the console role,
/// else the API server's answer.
fn read_only_reason(i18n: I18n, api_denied: Option<String>) -> Option<String> {
    if !use_session().is_some_and(|s| s.roles.admin) {
        return Some(i18n.t("forms.not_admin").to_string());
    }
    api_denied
}

/// A page's forms inside the change-forms island: the region the island refreshes after an
/// apply, and why the forms are disabled when they are (`denied`, from
/// [`read_only_reason`]).
#[component]
fn FormsRegion(area: ChangeArea, denied: Option<String>, children: Children) -> impl IntoView {
    view! {
        <ChangeForms area may_change=denied.is_none()>
            <div data-forms-region="">
                <ReadOnlyNotice reason=denied />
                {children()}
            </div>
        </ChangeForms>
    }
}

/// A page of forms (SPEC §6): its frame, what the server loads for it (`load`, once, on
/// the server), the loading and error states, and the forms region with `content`, which
/// gets the loaded view and whether the page is read-only. `denied` is the API server's
/// refusal of the page's changes, as the view carries it.
#[component]
pub fn FormsPage<T, Fut, V, C>(
    page: crate::domain::page::Page,
    area: ChangeArea,
    load: fn() -> Fut,
    denied: fn(&T) -> Option<String>,
    content: C,
) -> impl IntoView
where
    T: Clone + serde::Serialize + serde::de::DeserializeOwned + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<T, crate::api::error::ConsoleError>> + Send + 'static,
    V: IntoView + 'static,
    C: Fn(T, bool) -> V + Clone + Send + Sync + 'static,
{
    let i18n = I18n::expect();
    let state = Resource::new_blocking(|| (), move |_| load());
    view! {
        <crate::components::page_frame::PageFrame
            title_key=page.title_key()
            summary_key=page.summary_key()
            data_page=page.path()
        >
            <Suspense fallback=move || view! { <p>{i18n.t("common.loading")}</p> }>
                {move || {
                    let content = content.clone();
                    state
                        .get()
                        .map(move |result| match result {
                            Ok(view) => {
                                let refused = read_only_reason(i18n, denied(&view));
                                let read_only = refused.is_some();
                                view! {
                                    <FormsRegion area denied=refused>
                                        {content(view, read_only)}
                                    </FormsRegion>
                                }
                                .into_any()
                            }
                            Err(error) => {
                                view! { <crate::components::error_notice::ErrorNotice error /> }
                                    .into_any()
                            }
                        })
                }}
            </Suspense>
        </crate::components::page_frame::PageFrame>
    }
}
