//! The Configuration page (SPEC §6): every field of the registry `Config`, grouped, with
//! the guide's help. The page is rendered on the server; only the editor is an island, and
//! its changes go through the shared change review.

mod editor;
mod fieldsets;

use crate::api::registry_config::registry_config;
use crate::components::error_notice::ErrorNotice;
use crate::components::language::I18n;
use crate::components::page_frame::PageFrame;
use crate::domain::page::Page;
use editor::ConfigEditor;
use leptos::prelude::*;

#[component]
pub fn ConfigurationPage() -> impl IntoView {
    let i18n = I18n::expect();
    let config = Resource::new_blocking(|| (), |_| registry_config());
    view! {
        <PageFrame
            title_key=Page::Configuration.title_key()
            summary_key=Page::Configuration.summary_key()
            data_page=Page::Configuration.path()
        >
            <Suspense fallback=move || view! { <p>{i18n.t("common.loading")}</p> }>
                {move || {
                    config
                        .get()
                        .map(|result| match result {
                            Ok(view) => view! { <ConfigEditor view /> }.into_any(),
                            Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        })
                }}
            </Suspense>
        </PageFrame>
    }
}
