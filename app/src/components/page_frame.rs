//! The frame of every page: its own document title (so tabs and history can be told
//! apart), its heading and its one-sentence summary.

use crate::components::language::I18n;
use leptos::prelude::*;
use leptos_meta::Title;

/// "Configuration · Registry Console", in the page's language.
pub fn document_title(i18n: I18n, title_key: &str) -> String {
    format!("{} · {}", i18n.t(title_key), i18n.t("app.name"))
}

#[component]
pub fn PageFrame(
    /// Catalogue key of the page's name (heading and title).
    title_key: &'static str,
    /// Catalogue key of the sentence under the heading.
    #[prop(optional)]
    summary_key: Option<&'static str>,
    /// `data-page` of the section (its path, or a name such as `forbidden`).
    data_page: &'static str,
    /// Narrow layout for short pages (sign-in, no access).
    #[prop(optional)]
    narrow: bool,
    children: Children,
) -> impl IntoView {
    let i18n = I18n::expect();
    let class = if narrow { "page page-narrow" } else { "page" };
    view! {
        <Title text=document_title(i18n, title_key) />
        <section class=class data-page=data_page>
            <h1>{i18n.t(title_key)}</h1>
            {summary_key.map(|key| view! { <p class="summary">{i18n.t(key)}</p> })}
            {children()}
        </section>
    }
}
