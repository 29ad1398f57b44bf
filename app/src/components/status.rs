//! A state in the console's status language ([`crate::domain::status`]): an icon, the
//! tone's name for screen readers, and the words. Never colour alone.

use crate::components::language::I18n;
use crate::domain::status::Tone;
use leptos::prelude::*;

#[component]
pub fn Status(tone: Tone, #[prop(into)] text: String) -> impl IntoView {
    let i18n = I18n::expect();
    view! {
        <span class=format!("status status-{}", tone.as_str()) data-tone=tone.as_str()>
            <span class="status-icon" aria-hidden="true">{tone.icon()}</span>
            <span class="visually-hidden">{i18n.t(tone.label_key())} ": "</span>
            {text}
        </span>
    }
}
