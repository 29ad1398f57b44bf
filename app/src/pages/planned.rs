//! A page whose issue has not landed yet: its place in the console, what it will do, and a
//! plain statement that it is not available.

use crate::components::language::I18n;
use crate::components::page_frame::PageFrame;
use crate::domain::page::Page;
use leptos::prelude::*;

#[component]
pub fn PlannedPage(page: Page) -> impl IntoView {
    let i18n = I18n::expect();
    view! {
        <PageFrame title_key=page.title_key() summary_key=page.summary_key() data_page=page.path()>
            <div class="notice notice-info" role="status">
                <h2>{i18n.t("page.not_available.title")}</h2>
                <p>{i18n.t("page.not_available.body")}</p>
            </div>
        </PageFrame>
    }
}
