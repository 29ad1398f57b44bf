//! The audit trail page (SPEC §6) for auditors and admins: filters in the URL (a plain GET
//! form, so it works without JavaScript and every view can be bookmarked), keyset pages,
//! the chain check, one change in full, two versions of an object compared, and the
//! streamed exports. It is rendered on the server only, but for the restore of a compared
//! version, which goes through the change-forms island like every change.

mod compare;
mod entry;
mod table;

use crate::api::audit::{audit_changes, verify_audit_chain};
use crate::components::error_notice::ErrorNotice;
use crate::components::language::I18n;
use crate::components::page_frame::PageFrame;
use crate::domain::audit::{AuditQuery, ChainCheck, OLDEST_FIRST, OUTCOMES};
use compare::VersionCompare;
use entry::{AuditEntry, ObjectVersions};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use table::AuditTable;

#[component]
pub fn AuditTrailPage() -> impl IntoView {
    let i18n = I18n::expect();
    let params = use_query_map();
    let query = Memo::new(move |_| {
        let params = params.read();
        AuditQuery::from_pairs(|name| params.get(name))
    });
    let verify_requested = Memo::new(move |_| params.read().get("verify").is_some());
    let change = Memo::new(move |_| params.read().get("change").filter(|c| !c.is_empty()));
    let versions = Memo::new(move |_| params.read().get("versions").filter(|v| !v.is_empty()));
    // `compare=<change id>:<object index>`, `with=<change id>` (absent or `now`: now).
    let compared = Memo::new(move |_| {
        let params = params.read();
        let (version, object) = params.get("compare").and_then(|c| {
            c.rsplit_once(':')
                .map(|(id, i)| (id.to_string(), i.parse::<usize>().ok()))
        })?;
        let with = params
            .get("with")
            .filter(|w| w != "now")
            .unwrap_or_default();
        Some((version, object?, with))
    });
    let page = Resource::new_blocking(move || query.get(), audit_changes);
    let chain = Resource::new_blocking(
        move || verify_requested.get(),
        |requested| async move {
            if requested {
                Some(verify_audit_chain().await)
            } else {
                None
            }
        },
    );
    let field =
        move |name: &'static str| move || query.read().value(name).unwrap_or_default().to_string();
    view! {
        <PageFrame title_key="nav.audit" summary_key="page.audit.summary" data_page="/audit">
            <form method="get" action="/audit" class="filters" data-form="audit-filters">
                <label>
                    {i18n.t("audit.filter.actor")}
                    <input type="text" name="actor" value=field("actor") />
                </label>
                <label>
                    {i18n.t("audit.filter.object")}
                    <input type="text" name="object" value=field("object") />
                </label>
                <label>
                    {i18n.t("audit.filter.outcome")}
                    <select name="outcome">
                        <option value="">{i18n.t("audit.filter.any")}</option>
                        {OUTCOMES
                            .iter()
                            .map(|(code, key)| {
                                let selected = move || query.read().outcome.as_deref() == Some(*code);
                                view! {
                                    <option value=*code selected=selected>{i18n.t(key)}</option>
                                }
                            })
                            .collect_view()}
                    </select>
                </label>
                <label>
                    {i18n.t("audit.filter.from")}
                    <TimeBound name="from" value=field("from")() />
                </label>
                <label>
                    {i18n.t("audit.filter.to")}
                    <TimeBound name="to" value=field("to")() />
                </label>
                <label>
                    {i18n.t("audit.filter.text")}
                    <input type="search" name="text" value=field("text") />
                </label>
                <label>
                    {i18n.t("audit.filter.order")}
                    <select name="order">
                        <option value="">{i18n.t("audit.order.newest")}</option>
                        <option value=OLDEST_FIRST selected=move || query.read().order.is_some()>
                            {i18n.t("audit.order.oldest")}
                        </option>
                    </select>
                </label>
                <button type="submit" class="button button-primary">{i18n.t("audit.filter.apply")}</button>
                <a class="button" href="/audit" rel="external">{i18n.t("audit.filter.clear")}</a>
            </form>
            <p class="audit-actions">
                <a class="button" href="/audit?verify=1" rel="external" data-action="verify-chain">
                    {i18n.t("audit.verify")}
                </a>
                " "
                <a class="button" href=move || query.read().export_href("jsonl") rel="external" download="" data-action="export-jsonl">
                    {i18n.t("audit.export_jsonl")}
                </a>
                " "
                <a class="button" href=move || query.read().export_href("csv") rel="external" download="" data-action="export-csv">
                    {i18n.t("audit.export_csv")}
                </a>
            </p>
            <Suspense fallback=|| ()>
                {move || {
                    chain
                        .get()
                        .flatten()
                        .map(|result| match result {
                            Ok(ChainCheck { checked, broken: None }) => {
                                let text = i18n.fill("audit.verify.intact", &[("count", &checked.to_string())]);
                                view! { <div class="notice notice-info" role="status" data-chain="intact"><p>{text}</p></div> }.into_any()
                            }
                            Ok(ChainCheck { broken: Some((seq, problem)), .. }) => {
                                let text = i18n.fill("audit.verify.broken", &[("seq", &seq.to_string()), ("problem", &problem)]);
                                view! { <div class="notice notice-error" role="alert" data-chain="broken"><p>{text}</p></div> }.into_any()
                            }
                            Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        })
                }}
            </Suspense>
            {move || compared.get().map(|(version, object, with)| view! { <VersionCompare version object with /> })}
            {move || change.get().map(|change_id| view! { <AuditEntry change_id /> })}
            {move || versions.get().map(|object| view! { <ObjectVersions object /> })}
            <Suspense fallback=move || view! { <p>{i18n.t("common.loading")}</p> }>
                {move || {
                    page.get()
                        .map(|result| match result {
                            Ok(page) => view! { <AuditTable page query=query.get() /> }.into_any(),
                            Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                        })
                }}
            </Suspense>
        </PageFrame>
    }
}

/// A date picker for a bound of the filter (a day in UTC); a full time from a link or typed
/// into the address stays a text field, so it is neither lost nor cut to its day.
#[component]
fn TimeBound(name: &'static str, value: String) -> impl IntoView {
    let is_day = value.is_empty() || (value.len() == 10 && value.as_bytes().get(4) == Some(&b'-'));
    if is_day {
        view! { <input type="date" name=name value=value /> }.into_any()
    } else {
        view! { <input type="text" name=name value=value placeholder="2026-11-24T10:00:00Z" /> }
            .into_any()
    }
}
