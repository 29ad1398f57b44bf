//! One change in full: each event with who, from where, why, the diff, the `oc` commands,
//! the dry run, the apply result and the follow-up.

use crate::api::audit::{audit_change, audit_object_histories, audit_object_versions};
use crate::components::diff_table::DiffTable;
use crate::components::error_notice::ErrorNotice;
use crate::components::health::Time;
use crate::components::language::I18n;
use crate::domain::audit::{
    AuditEventView, ObjectHistory, actor_label, outcome_key, payload_diffs,
};
use crate::domain::overview::utc_text;
use leptos::prelude::*;

/// One change in full: every event with who, from where, why, the diff, the `oc`
/// commands, the dry run, the apply result and the follow-up.
#[component]
pub fn AuditEntry(change_id: String) -> impl IntoView {
    let i18n = I18n::expect();
    let id = change_id.clone();
    let events = Resource::new_blocking(move || id.clone(), audit_change);
    view! {
        <section class="card audit-entry" data-entry=change_id.clone() aria-labelledby="entry-heading">
            <h2 id="entry-heading">{i18n.t("audit.entry")}" "<code>{change_id.clone()}</code></h2>
            <Suspense fallback=|| ()>
                {move || events.get().map(|result| match result {
                    Ok(list) if list.is_empty() => view! { <p class="empty">{i18n.t("audit.entry.none")}</p> }.into_any(),
                    Ok(list) => list.into_iter().map(|event| view! { <AuditEvent event /> }).collect_view().into_any(),
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                })}
            </Suspense>
            <ObjectHistories change_id=change_id.clone() />
        </section>
    }
}

/// Every recorded version of each object the change touched.
#[component]
fn ObjectHistories(change_id: String) -> impl IntoView {
    let id = change_id.clone();
    let histories = Resource::new_blocking(move || id.clone(), audit_object_histories);
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let current = change_id.clone();
                histories.get().map(move |result| match result {
                    Ok(list) => list
                        .into_iter()
                        .map(|history| view! { <ObjectHistoryTable history current=current.clone() /> })
                        .collect_view()
                        .into_any(),
                    Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
                })
            }}
        </Suspense>
    }
}

/// Every recorded version of one object (`group:kind:namespace:name`), reached from the
/// page that shows the object.
#[component]
pub(super) fn ObjectVersions(object: String) -> impl IntoView {
    let history = Resource::new_blocking(move || object.clone(), audit_object_versions);
    view! {
        <Suspense fallback=|| ()>
            {move || history.get().map(|result| match result {
                Ok(history) => view! {
                    <section class="card" data-versions="">
                        <ObjectHistoryTable history current=String::new() />
                    </section>
                }.into_any(),
                Err(e) => view! { <ErrorNotice error=e /> }.into_any(),
            })}
        </Suspense>
    }
}

/// One object's versions, newest first; the change on screen is marked, the others link
/// to their entries.
#[component]
pub(super) fn ObjectHistoryTable(history: ObjectHistory, current: String) -> impl IntoView {
    let i18n = I18n::expect();
    let title = i18n.fill_marked("audit.history.title", &[("object", &history.object)]);
    view! {
        <section class="audit-history" data-history=history.object.clone()>
            <h3>{title}</h3>
            <p class="help">{i18n.t("audit.history.help")}</p>
            <form method="get" action="/audit" class="audit-history-compare" data-form="compare">
            {(!current.is_empty()).then(|| view! { <input type="hidden" name="change" value=current.clone() /> })}
            <div class="table-scroll">
                <table class="table audit-table">
                    <thead>
                        <tr>
                            <th scope="col">{i18n.t("audit.history.from")}</th>
                            <th scope="col">{i18n.t("audit.history.to")}</th>
                            <th scope="col">{i18n.t("audit.col.time")}</th>
                            <th scope="col">{i18n.t("audit.col.actor")}</th>
                            <th scope="col">{i18n.t("audit.col.reason")}</th>
                            <th scope="col">{i18n.t("audit.history.fields")}</th>
                            <th scope="col">{i18n.t("audit.col.outcome")}</th>
                        </tr>
                    </thead>
                    <tbody>
                        <tr data-version="now">
                            <td></td>
                            <td><input type="radio" name="with" value="now" checked=true aria-label=i18n.t("audit.history.to_now") /></td>
                            <td colspan="5"><strong>{i18n.t("audit.compare.now")}</strong></td>
                        </tr>
                        {history.versions.into_iter().enumerate().map(|(row, version)| {
                            // "From" starts at the change on screen, or at the newest version
                            // when no change is (the versions of an object, from its page).
                            let from = version.change_id == current || (current.is_empty() && row == 0);
                            let key = format!("{}:{}", version.change_id, version.object_index);
                            let at = utc_text(&version.at).map(|(_, second)| second).unwrap_or_else(|| version.at.clone());
                            let from_label = i18n.fill("audit.history.from_label", &[("time", &at)]);
                            let to_label = i18n.fill("audit.history.to_label", &[("time", &at)]);
                            let compare_now = super::compare::compare_href(&version.change_id, version.object_index, "");
                            let this = version.change_id == current;
                            let time = view! { <Time at=version.at.clone() /> };
                            let when = if this {
                                view! { <strong>{time}" "<span class="badge">{i18n.t("audit.history.this")}</span></strong> }.into_any()
                            } else {
                                view! {
                                    <a href=super::compare::entry_href(&version.change_id) data-action="version">{time}</a>
                                }.into_any()
                            };
                            let fields = if version.fields.is_empty() {
                                None
                            } else {
                                Some(version.fields.iter().map(|f| view! { <code>{f.clone()}</code>" " }).collect_view())
                            };
                            view! {
                                <tr data-version=version.change_id.clone() data-source=if version.outside { "outside" } else { "console" } aria-current=this.then_some("true")>
                                    <td><input type="radio" name="compare" value=key checked=from aria-label=from_label /></td>
                                    <td><input type="radio" name="with" value=version.change_id.clone() aria-label=to_label /></td>
                                    <td>{when}" "<a class="compare-now" href=compare_now data-action="compare-now">{i18n.t("audit.history.compare_now")}</a></td>
                                    <td title=version.actor_subject.clone() translate="no">{actor_label(i18n.lang(), &version.actor_subject, &version.actor_name)}</td>
                                    <td translate="no">{(!version.outside).then(|| version.reason.as_deref().map(super::table::shortened)).flatten()}</td>
                                    <td>{fields}</td>
                                    <td><span class="badge">{i18n.t(outcome_key(&version.outcome))}</span></td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <button type="submit" class="button" data-action="compare">{i18n.t("audit.history.compare")}</button>
            </form>
            {history.more.then(|| view! { <p class="help">{i18n.t("audit.history.more")}</p> })}
        </section>
    }
}

#[component]
fn AuditEvent(event: AuditEventView) -> impl IntoView {
    let i18n = I18n::expect();
    let kind_key = match event.kind.as_str() {
        "intent" => "audit.event.intent",
        "result" => "audit.event.result",
        "follow_up" => "audit.event.follow_up",
        _ => "audit.event.outside",
    };
    let raw = serde_json::to_string_pretty(&event.payload).unwrap_or_default();
    let diffs = payload_diffs(&event.payload);
    let oc: Vec<String> = event
        .payload
        .get("oc")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    let text = |key: &str| {
        event
            .payload
            .get(key)
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    // The pipeline records "accepted" (the API server's dry run passed): said in words.
    let dry_run = text("dry_run").map(|v| match v.as_str() {
        "accepted" => i18n.t("audit.dry_run.accepted").to_string(),
        _ => v,
    });
    let message = text("message").filter(|m| !m.is_empty());
    let list = |key: &str| {
        event
            .payload
            .get(key)
            .and_then(|v| v.as_array())
            .map(|items| {
                items
                    .iter()
                    .map(|o| {
                        let kind = o["kind"].as_str().unwrap_or_default();
                        let name = o["name"].as_str().unwrap_or_default();
                        format!("{kind} {name}")
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            })
    };
    let (applied, not_applied) = (list("applied"), list("not_applied"));
    let outcome_label = event.outcome.clone().map(|o| outcome_key(&o));
    let facts = [
        (
            "audit.detail.actor",
            Some(format!(
                "{} ({})",
                actor_label(i18n.lang(), &event.actor_subject, &event.actor_name),
                event.actor_subject
            )),
        ),
        ("audit.detail.email", event.actor_email.clone()),
        (
            "audit.detail.groups",
            (!event.actor_groups.is_empty()).then(|| event.actor_groups.join(", ")),
        ),
        ("audit.detail.client", event.client_addr.clone()),
        ("audit.detail.request", event.request_id.clone()),
        (
            "audit.col.reason",
            event.reason.clone().filter(|_| event.kind != "outside"),
        ),
        ("audit.col.objects", Some(event.objects.join(", "))),
        ("audit.detail.dry_run", dry_run),
        ("audit.detail.applied", applied),
        ("audit.detail.not_applied", not_applied),
        ("audit.detail.message", message),
    ];
    let restores = event
        .payload
        .get("restores")
        .and_then(|r| r.get("change_id"))
        .and_then(|id| id.as_str())
        .map(str::to_string);
    view! {
        <article class="audit-event" data-event=event.kind.clone() data-seq=event.seq>
            <h3>
                {i18n.t(kind_key)}" · "<Time at=event.at.clone() />
                {outcome_label.map(|key| view! { " " <span class="badge">{i18n.t(key)}</span> })}
            </h3>
            <dl class="facts">
                // Names, addresses, reasons and objects as recorded: never translated.
                {facts.into_iter().filter_map(|(key, value)| value.map(|v| {
                    let verbatim = (key != "audit.detail.dry_run").then_some("no");
                    view! { <dt>{i18n.t(key)}</dt><dd translate=verbatim>{v}</dd> }
                })).collect_view()}
                {restores.map(|id| view! {
                    <dt>{i18n.t("audit.detail.restores")}</dt>
                    <dd><a href=super::compare::entry_href(&id) data-restores=id.clone()>{id.clone()}</a></dd>
                })}
            </dl>
            {diffs.into_iter().filter(|d| !d.is_empty()).map(|changes| view! { <DiffTable changes /> }).collect_view()}
            {oc.into_iter().map(|command| view! { <pre class="code" data-oc-command="">{command}</pre> }).collect_view()}
            <details>
                <summary>{i18n.t("audit.detail.raw")}</summary>
                <pre class="code">{raw}</pre>
                <p><small>"SHA-256 "{event.hash.clone()}</small></p>
            </details>
        </article>
    }
}
