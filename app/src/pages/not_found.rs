//! Any other address: 404.

use crate::api::set_http_status;
use crate::components::language::I18n;
use crate::components::page_frame::PageFrame;
use leptos::prelude::*;

#[component]
pub fn NotFound() -> impl IntoView {
    let i18n = I18n::expect();
    set_http_status(404);
    view! {
        <PageFrame title_key="page.not_found.title" data_page="not-found">
            <p>{i18n.t("page.not_found.body")}</p>
            <p>
                <a href="/">{i18n.t("page.not_found.home")}</a>
            </p>
        </PageFrame>
    }
}
