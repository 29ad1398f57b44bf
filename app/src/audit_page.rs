//! The audit trail page (SPEC §6) for auditors and admins: filters in the URL (a plain GET
//! form, so it works without JavaScript and every view can be bookmarked), keyset pages,
//! the chain check, and the streamed exports.

use crate::error::ConsoleError;
use crate::language::I18n;
use crate::return_to::encode_query_value;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

/// The filters and the page cursor, as they appear in the URL.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub object: Option<String>,
    pub outcome: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub text: Option<String>,
    /// `oldest` for oldest first; newest first otherwise.
    pub order: Option<String>,
    /// Continue after this change (the last row of the previous page).
    pub before: Option<i64>,
}

/// The query parameters the form and the links use, in order.
pub const FILTER_FIELDS: [&str; 7] = ["actor", "object", "outcome", "from", "to", "text", "order"];

/// The `order` value that lists the oldest changes first.
pub const OLDEST_FIRST: &str = "oldest";

impl AuditQuery {
    pub fn from_pairs(get: impl Fn(&str) -> Option<String>) -> Self {
        let field = |name: &str| {
            get(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        AuditQuery {
            actor: field("actor"),
            object: field("object"),
            outcome: field("outcome"),
            from: field("from"),
            to: field("to"),
            text: field("text"),
            order: field("order").filter(|o| o == OLDEST_FIRST),
            before: field("before").and_then(|b| b.parse().ok()),
        }
    }

    fn value(&self, name: &str) -> Option<&str> {
        match name {
            "actor" => self.actor.as_deref(),
            "object" => self.object.as_deref(),
            "outcome" => self.outcome.as_deref(),
            "from" => self.from.as_deref(),
            "to" => self.to.as_deref(),
            "text" => self.text.as_deref(),
            "order" => self.order.as_deref(),
            _ => None,
        }
    }

    /// The filters as a query string (`actor=…&outcome=…`), without the cursor.
    pub fn filters_query(&self) -> String {
        FILTER_FIELDS
            .iter()
            .filter_map(|name| {
                self.value(name)
                    .map(|v| format!("{name}={}", encode_query_value(v)))
            })
            .collect::<Vec<_>>()
            .join("&")
    }

    /// An export of the changes these filters select.
    pub fn export_href(&self, format: &str) -> String {
        match self.filters_query() {
            q if q.is_empty() => format!("/audit/export.{format}"),
            q => format!("/audit/export.{format}?{q}"),
        }
    }

    /// `/audit?…` with these filters and another cursor.
    pub fn href(&self, before: Option<i64>) -> String {
        let mut query = self.filters_query();
        if let Some(cursor) = before {
            if !query.is_empty() {
                query.push('&');
            }
            query.push_str(&format!("before={cursor}"));
        }
        if query.is_empty() {
            "/audit".to_string()
        } else {
            format!("/audit?{query}")
        }
    }
}

/// One change in the list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    pub first_seq: i64,
    pub change_id: String,
    pub at: String,
    pub actor_name: String,
    pub actor_subject: String,
    pub objects: Vec<String>,
    pub reason: Option<String>,
    pub outcome: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    /// Cursor of the next (older) page, when there may be one.
    pub next_before: Option<i64>,
}

/// Result of walking the hash chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainCheck {
    pub checked: u64,
    /// The first broken event and what is wrong with it.
    pub broken: Option<(i64, String)>,
}

/// One event of a change, for the entry's detail view.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEventView {
    pub seq: i64,
    /// `intent`, `result`, `follow_up` or `outside`.
    pub kind: String,
    pub at: String,
    pub actor_subject: String,
    pub actor_name: String,
    pub actor_email: Option<String>,
    pub actor_groups: Vec<String>,
    pub client_addr: Option<String>,
    pub request_id: Option<String>,
    pub reason: Option<String>,
    pub objects: Vec<String>,
    pub outcome: Option<String>,
    /// Before/after, diff, `oc` commands, dry run, apply result, follow-up (redacted).
    pub payload: serde_json::Value,
    pub hash: String,
}

/// The field changes recorded in a payload: `diff` is one list per object (intents) or
/// one list (changes seen outside the console).
pub fn payload_diffs(payload: &serde_json::Value) -> Vec<Vec<crate::diff::FieldChange>> {
    let Some(diff) = payload.get("diff") else {
        return Vec::new();
    };
    if let Ok(per_object) =
        serde_json::from_value::<Vec<Vec<crate::diff::FieldChange>>>(diff.clone())
    {
        return per_object;
    }
    serde_json::from_value::<Vec<crate::diff::FieldChange>>(diff.clone())
        .map(|one| vec![one])
        .unwrap_or_default()
}

/// Rows per page.
pub const PAGE_SIZE: u32 = 50;

/// Outcomes the filter offers, with their catalogue keys.
pub const OUTCOMES: [(&str, &str); 9] = [
    ("pending", "outcome.pending"),
    ("applied", "outcome.applied"),
    ("healthy", "outcome.healthy"),
    ("degraded", "outcome.degraded"),
    ("timeout", "outcome.timeout"),
    ("conflict", "outcome.conflict"),
    ("failed", "outcome.failed"),
    ("partial", "outcome.partial"),
    ("outside", "outcome.outside"),
];

fn outcome_key(outcome: &str) -> &'static str {
    OUTCOMES
        .iter()
        .find(|(code, _)| *code == outcome)
        .map(|(_, key)| *key)
        .unwrap_or("outcome.unknown")
}

#[leptos::server(prefix = "/api", endpoint = "audit_changes", client = crate::csrf_client::CsrfClient)]
pub async fn audit_changes(
    #[server(default)] query: AuditQuery,
) -> Result<AuditPage, ConsoleError> {
    use crate::server_api::{require, set_status};
    require(|r| r.admin || r.auditor, "reading the audit trail")?;
    let audit = use_context::<std::sync::Arc<dyn crate::server_api::AuditAccess>>()
        .ok_or_else(|| ConsoleError::Unavailable("the audit trail is not available".into()))?;
    let page = audit.list(query).await;
    if let Err(e) = &page {
        set_status(e);
    }
    page
}

#[leptos::server(prefix = "/api", endpoint = "audit_change", client = crate::csrf_client::CsrfClient)]
pub async fn audit_change(
    #[server(default)] change_id: String,
) -> Result<Vec<AuditEventView>, ConsoleError> {
    use crate::server_api::{require, set_status};
    require(|r| r.admin || r.auditor, "reading the audit trail")?;
    let audit = use_context::<std::sync::Arc<dyn crate::server_api::AuditAccess>>()
        .ok_or_else(|| ConsoleError::Unavailable("the audit trail is not available".into()))?;
    let events = audit.change(change_id).await;
    if let Err(e) = &events {
        set_status(e);
    }
    events
}

#[leptos::server(prefix = "/api", endpoint = "verify_audit_chain", client = crate::csrf_client::CsrfClient)]
pub async fn verify_audit_chain() -> Result<ChainCheck, ConsoleError> {
    use crate::server_api::{require, set_status};
    require(|r| r.admin || r.auditor, "checking the audit trail")?;
    let audit = use_context::<std::sync::Arc<dyn crate::server_api::AuditAccess>>()
        .ok_or_else(|| ConsoleError::Unavailable("the audit trail is not available".into()))?;
    let check = audit.verify().await;
    if let Err(e) = &check {
        set_status(e);
    }
    check
}

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
        <section class="page" data-page="/audit">
            <h1>{move || i18n.t("nav.audit")}</h1>
            <p class="summary">{move || i18n.t("page.audit.summary")}</p>
            <form method="get" action="/audit" class="filters" data-form="audit-filters">
                <label>
                    {move || i18n.t("audit.filter.actor")}
                    <input type="text" name="actor" value=field("actor") />
                </label>
                <label>
                    {move || i18n.t("audit.filter.object")}
                    <input type="text" name="object" value=field("object") />
                </label>
                <label>
                    {move || i18n.t("audit.filter.outcome")}
                    <select name="outcome">
                        <option value="">{move || i18n.t("audit.filter.any")}</option>
                        {OUTCOMES
                            .iter()
                            .map(|(code, key)| {
                                let selected = move || query.read().outcome.as_deref() == Some(*code);
                                view! {
                                    <option value=*code selected=selected>{move || i18n.t(key)}</option>
                                }
                            })
                            .collect_view()}
                    </select>
                </label>
                <label>
                    {move || i18n.t("audit.filter.from")}
                    <input type="text" name="from" placeholder="2026-11-24T00:00:00Z" value=field("from") />
                </label>
                <label>
                    {move || i18n.t("audit.filter.to")}
                    <input type="text" name="to" placeholder="2026-11-25T00:00:00Z" value=field("to") />
                </label>
                <label>
                    {move || i18n.t("audit.filter.text")}
                    <input type="search" name="text" value=field("text") />
                </label>
                <label>
                    {move || i18n.t("audit.filter.order")}
                    <select name="order">
                        <option value="">{move || i18n.t("audit.order.newest")}</option>
                        <option value=OLDEST_FIRST selected=move || query.read().order.is_some()>
                            {move || i18n.t("audit.order.oldest")}
                        </option>
                    </select>
                </label>
                <button type="submit" class="button button-primary">{move || i18n.t("audit.filter.apply")}</button>
                <a class="button" href="/audit" rel="external">{move || i18n.t("audit.filter.clear")}</a>
            </form>
            <p class="audit-actions">
                <a class="button" href="/audit?verify=1" rel="external" data-action="verify-chain">
                    {move || i18n.t("audit.verify")}
                </a>
                " "
                <a class="button" href=move || query.read().export_href("jsonl") rel="external" download="" data-action="export-jsonl">
                    {move || i18n.t("audit.export_jsonl")}
                </a>
                " "
                <a class="button" href=move || query.read().export_href("csv") rel="external" download="" data-action="export-csv">
                    {move || i18n.t("audit.export_csv")}
                </a>
            </p>
            <Suspense fallback=|| ()>
                {move || {
                    chain
                        .get()
                        .flatten()
                        .map(|result| match result {
                            Ok(ChainCheck { checked, broken: None }) => {
                                let text = move || crate::i18n::fill(i18n.t("audit.verify.intact"), &[("count", &checked.to_string())]);
                                view! { <div class="notice notice-info" role="status" data-chain="intact"><p>{text}</p></div> }.into_any()
                            }
                            Ok(ChainCheck { broken: Some((seq, problem)), .. }) => {
                                let text = move || crate::i18n::fill(i18n.t("audit.verify.broken"), &[("seq", &seq.to_string()), ("problem", &problem)]);
                                view! { <div class="notice notice-error" role="alert" data-chain="broken"><p>{text}</p></div> }.into_any()
                            }
                            Err(e) => view! { <crate::auth_pages::ErrorNotice error=e /> }.into_any(),
                        })
                }}
            </Suspense>
            {move || change.get().map(|change_id| view! { <AuditEntry change_id /> })}
            <Suspense fallback=move || view! { <p>{move || i18n.t("common.loading")}</p> }>
                {move || {
                    page.get()
                        .map(|result| match result {
                            Ok(page) => view! { <AuditTable page query=query.get() /> }.into_any(),
                            Err(e) => view! { <crate::auth_pages::ErrorNotice error=e /> }.into_any(),
                        })
                }}
            </Suspense>
        </section>
    }
}

#[component]
fn AuditTable(page: AuditPage, query: AuditQuery) -> impl IntoView {
    let i18n = I18n::expect();
    if page.rows.is_empty() {
        return view! { <p class="empty" data-empty="audit">{move || i18n.t("audit.empty")}</p> }
            .into_any();
    }
    let next = page.next_before.map(|cursor| query.href(Some(cursor)));
    let next_key = if query.order.is_some() {
        "audit.next_newer"
    } else {
        "audit.next"
    };
    view! {
        <table class="table audit-table">
            <thead>
                <tr>
                    <th scope="col">{move || i18n.t("audit.col.time")}</th>
                    <th scope="col">{move || i18n.t("audit.col.actor")}</th>
                    <th scope="col">{move || i18n.t("audit.col.objects")}</th>
                    <th scope="col">{move || i18n.t("audit.col.reason")}</th>
                    <th scope="col">{move || i18n.t("audit.col.outcome")}</th>
                </tr>
            </thead>
            <tbody>
                {page
                    .rows
                    .into_iter()
                    .map(|row| {
                        let key = outcome_key(&row.outcome);
                        view! {
                            <tr data-change=row.change_id.clone() data-outcome=row.outcome.clone()>
                                <td>
                                    <a href=format!("/audit?change={}", encode_query_value(&row.change_id)) data-action="details">
                                        <time datetime=row.at.clone()>{row.at.clone()}</time>
                                    </a>
                                </td>
                                <td title=row.actor_subject.clone()>{row.actor_name.clone()}</td>
                                <td>{row.objects.join(", ")}</td>
                                // An outside change has no reason of its own; its badge says what it is.
                                <td>{(row.outcome != "outside").then(|| row.reason.clone()).flatten()}</td>
                                <td><span class="badge">{move || i18n.t(key)}</span></td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
        {next.map(|href| view! {
            <p><a class="button" href=href rel="external" data-action="next-page">{move || i18n.t(next_key)}</a></p>
        })}
    }
    .into_any()
}

/// One change in full: every event with who, from where, why, the diff, the `oc`
/// commands, the dry run, the apply result and the follow-up.
#[component]
fn AuditEntry(change_id: String) -> impl IntoView {
    let i18n = I18n::expect();
    let id = change_id.clone();
    let events = Resource::new_blocking(move || id.clone(), audit_change);
    view! {
        <section class="card audit-entry" data-entry=change_id.clone() aria-labelledby="entry-heading">
            <h2 id="entry-heading">{move || i18n.t("audit.entry")}" "<code>{change_id.clone()}</code></h2>
            <Suspense fallback=|| ()>
                {move || events.get().map(|result| match result {
                    Ok(list) if list.is_empty() => view! { <p class="empty">{move || i18n.t("audit.entry.none")}</p> }.into_any(),
                    Ok(list) => list.into_iter().map(|event| view! { <AuditEvent event /> }).collect_view().into_any(),
                    Err(e) => view! { <crate::auth_pages::ErrorNotice error=e /> }.into_any(),
                })}
            </Suspense>
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
    let dry_run = text("dry_run");
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
            Some(format!("{} ({})", event.actor_name, event.actor_subject)),
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
    view! {
        <article class="audit-event" data-event=event.kind.clone() data-seq=event.seq>
            <h3>
                {move || i18n.t(kind_key)}" · "<time datetime=event.at.clone()>{event.at.clone()}</time>
                {outcome_label.map(|key| view! { " " <span class="badge">{move || i18n.t(key)}</span> })}
            </h3>
            <dl class="facts">
                {facts.into_iter().filter_map(|(key, value)| value.map(|v| view! {
                    <dt>{move || i18n.t(key)}</dt><dd>{v}</dd>
                })).collect_view()}
            </dl>
            {diffs.into_iter().filter(|d| !d.is_empty()).map(|changes| view! { <crate::config_page::DiffTable changes /> }).collect_view()}
            {oc.into_iter().map(|command| view! { <pre class="code" data-oc-command="">{command}</pre> }).collect_view()}
            <details>
                <summary>{move || i18n.t("audit.detail.raw")}</summary>
                <pre class="code">{raw}</pre>
                <p><small>"SHA-256 "{event.hash.clone()}</small></p>
            </details>
        </article>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diffs_are_read_from_intents_and_outside_changes() {
        let change =
            serde_json::json!({ "path": "spec.logLevel", "before": "Normal", "after": "Debug" });
        let intent = serde_json::json!({ "diff": [[change.clone()], []] });
        assert_eq!(payload_diffs(&intent).len(), 2);
        assert_eq!(payload_diffs(&intent)[0][0].path, "spec.logLevel");
        let outside = serde_json::json!({ "diff": [change] });
        assert_eq!(
            payload_diffs(&outside)[0][0].after,
            Some(serde_json::json!("Debug"))
        );
        assert!(payload_diffs(&serde_json::json!({})).is_empty());
    }

    #[test]
    fn the_url_round_trips_filters_and_cursor() {
        let query = AuditQuery {
            actor: Some("Ada Admin".into()),
            outcome: Some("degraded".into()),
            text: Some("a&b=c".into()),
            ..Default::default()
        };
        let href = query.href(Some(120));
        assert_eq!(
            href,
            "/audit?actor=Ada%20Admin&outcome=degraded&text=a%26b%3Dc&before=120"
        );
        let pairs: Vec<(String, String)> = href
            .split_once('?')
            .map(|(_, q)| q)
            .unwrap_or_default()
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| {
                (
                    k.to_string(),
                    v.replace("%20", " ")
                        .replace("%26", "&")
                        .replace("%3D", "="),
                )
            })
            .collect();
        let back = AuditQuery::from_pairs(|name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        });
        assert_eq!(
            back,
            AuditQuery {
                before: Some(120),
                ..query.clone()
            }
        );
        assert_eq!(AuditQuery::default().href(None), "/audit");
        assert_eq!(
            query.export_href("csv"),
            "/audit/export.csv?actor=Ada%20Admin&outcome=degraded&text=a%26b%3Dc"
        );
        assert_eq!(
            AuditQuery::default().export_href("jsonl"),
            "/audit/export.jsonl"
        );
    }

    #[test]
    fn blank_filters_are_no_filters() {
        let q = AuditQuery::from_pairs(|name| (name == "actor").then(|| "  ".to_string()));
        assert_eq!(q, AuditQuery::default());
        let q = AuditQuery::from_pairs(|name| (name == "before").then(|| "x".to_string()));
        assert_eq!(q.before, None);
    }
}
