//! The Logs page (SPEC §6; guide §5.4 `oc logs deployments/image-registry`), rendered on
//! the server from its query string: pick pod and container, tail length, since when,
//! timestamps, a filter with highlighting, and downloads of what is shown or of the whole
//! log. `/live.js` adds following (new lines streamed from `/logs/follow`, pause and
//! resume, at most [`FOLLOW_LINES_KEPT`] lines kept) and filtering as one types; without
//! JavaScript the form does the same on the server.

use crate::api::overview::logs;
use crate::components::health::{LiveStatus, PanelNotice};
use crate::components::language::I18n;
use crate::components::page_frame::PageFrame;
use crate::domain::logs::{
    FOLLOW_LINES_KEPT, LogsQuery, LogsView, SINCE_CHOICES, TAIL_CHOICES, highlight, matches,
};
use crate::domain::page::Page;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LogsPage() -> impl IntoView {
    let i18n = I18n::expect();
    let params = use_query_map();
    let parsed = move || params.with(|p| LogsQuery::from_pairs(|name| p.get(name)));
    let state = Resource::new_blocking(parsed, |query| async move {
        match query {
            Ok(query) => Some(logs(query).await),
            Err(_) => None,
        }
    });
    view! {
        <PageFrame
            title_key=Page::Logs.title_key()
            summary_key=Page::Logs.summary_key()
            data_page=Page::Logs.path()
        >
            <Suspense fallback=move || view! { <p>{i18n.t("common.loading")}</p> }>
                {move || {
                    let problem = parsed().err();
                    state
                        .get()
                        .map(|result| match (result, problem) {
                            (_, Some(problem)) => {
                                let message = crate::i18n::text(
                                    i18n.lang(),
                                    &problem.key,
                                    &[("value", &problem.value)],
                                );
                                view! {
                                    <div class="notice notice-error" role="alert" data-query-problem=problem.field.clone()>
                                        <p><code>{problem.field.clone()}</code> ": " {message}</p>
                                        <p><a href=Page::Logs.path()>{i18n.t("logs.reset")}</a></p>
                                    </div>
                                }
                                .into_any()
                            }
                            (Some(Ok(view)), None) => view! { <LogsContent view /> }.into_any(),
                            (Some(Err(error)), None) => {
                                view! { <crate::components::error_notice::ErrorNotice error /> }.into_any()
                            }
                            (None, None) => ().into_any(),
                        })
                }}
            </Suspense>
        </PageFrame>
    }
}

fn query_string(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Percent-encodes a query value (RFC 3986 unreserved characters stay).
fn urlencode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[component]
fn LogsContent(view: LogsView) -> impl IntoView {
    let i18n = I18n::expect();
    let query = view.query.clone();
    let pod = view.pod.clone().unwrap_or_default();
    let container = view.container.clone().unwrap_or_default();
    let pods = view.pods.clone().unwrap_or_default();
    let containers: Vec<String> = pods
        .iter()
        .find(|p| p.name == pod)
        .map(|p| p.containers.clone())
        .unwrap_or_default();
    let pod_options = pods
        .iter()
        .map(|p| {
            let selected = p.name == pod;
            view! { <option value=p.name.clone() selected=selected>{format!("{} ({})", p.name, p.phase)}</option> }
        })
        .collect_view();
    let container_options = containers
        .iter()
        .map(|c| view! { <option value=c.clone() selected=*c == container>{c.clone()}</option> })
        .collect_view();
    let tail_options = TAIL_CHOICES
        .iter()
        .map(|n| view! { <option value=n.to_string() selected=*n == query.tail>{n.to_string()}</option> })
        .collect_view();
    let since_options = SINCE_CHOICES
        .iter()
        .map(|(value, _)| {
            let label = if value.is_empty() {
                i18n.t("logs.since.all").to_string()
            } else {
                value.to_string()
            };
            view! { <option value=*value selected=*value == query.since>{label}</option> }
        })
        .collect_view();
    let base = vec![
        ("pod", pod.clone()),
        ("container", container.clone()),
        ("tail", query.tail.to_string()),
        ("since", query.since.clone()),
        (
            "timestamps",
            if query.timestamps {
                "on".into()
            } else {
                String::new()
            },
        ),
        ("filter", query.filter.clone()),
    ];
    let shown_download = format!("/logs/download?{}", query_string(&base));
    let full_download = format!(
        "/logs/download?{}&all=1",
        query_string(&[("pod", pod.clone()), ("container", container.clone())])
    );
    let pods_notice = view.pods.clone().err().map(|problem| {
        view! { <PanelNotice problem what="overview.pods.what" grant_key="overview.pods.grant" /> }
    });
    let body = match view.lines {
        Err(problem) => {
            view! { <PanelNotice problem what="logs.what" grant_key="logs.grant" /> }.into_any()
        }
        Ok(lines) if view.pod.is_none() => {
            let _ = lines;
            view! { <p class="empty">{i18n.t("logs.no_pod")}</p> }.into_any()
        }
        Ok(lines) => {
            let total = lines.len();
            let last_at = lines.last().map(|l| l.at.clone()).unwrap_or_default();
            let filter = query.filter.clone();
            let shown: Vec<_> = lines
                .into_iter()
                .filter(|l| matches(&l.text, &filter))
                .collect();
            let count = crate::i18n::text(
                i18n.lang(),
                "logs.count",
                &[
                    ("count", &total.to_string()),
                    ("shown", &shown.len().to_string()),
                ],
            );
            // For the live script, which counts followed lines: the forms for one line and
            // for more, unfilled ("1 of 1 line" / "3 of 5 lines"; Japanese has one form).
            let count_one = crate::i18n::plural_template(i18n.lang(), "logs.count", 1);
            let count_other = crate::i18n::plural_template(i18n.lang(), "logs.count", 2);
            let timestamps = query.timestamps;
            let rendered = shown
                .into_iter()
                .map(|line| {
                    let parts = highlight(&line.text, &filter)
                        .into_iter()
                        .map(|(part, hit)| {
                            if hit {
                                view! { <mark>{part.to_string()}</mark> }.into_any()
                            } else {
                                part.to_string().into_any()
                            }
                        })
                        .collect_view();
                    view! {
                        <span class="line" data-at=line.at.clone()>
                            {timestamps.then(|| view! { <span class="ts">{format!("{} ", line.at)}</span> })}
                            <span class="text">{parts}</span>
                            "\n"
                        </span>
                    }
                })
                .collect_view();
            view! {
                <p class="help" data-log-count="" data-one=count_one data-other=count_other>{count}</p>
                <p class="notice notice-info" data-log-dropped="" hidden=true data-template=i18n.t("logs.dropped")></p>
                <pre
                    class="log"
                    data-log=""
                    data-pod=pod.clone()
                    data-container=container.clone()
                    data-timestamps=timestamps.to_string()
                    data-after=last_at
                    data-keep=FOLLOW_LINES_KEPT.to_string()
                    tabindex="0"
                    aria-label=i18n.t("logs.what")
                >
                    {rendered}
                </pre>
            }
            .into_any()
        }
    };
    view! {
        <section class="card" aria-labelledby="logs-heading">
            <h2 id="logs-heading">{i18n.t("logs.choose")}</h2>
            <p class="help"><code>{crate::domain::logs::oc_logs_command(&pod, &container)}</code></p>
            {pods_notice}
            <form method="get" action=Page::Logs.path() class="logs-controls" data-logs-form="">
                <label class="field">
                    <span class="label">{i18n.t("logs.pod")}</span>
                    <select name="pod">{pod_options}</select>
                </label>
                <label class="field">
                    <span class="label">{i18n.t("logs.container")}</span>
                    <select name="container">{container_options}</select>
                </label>
                <label class="field">
                    <span class="label">{i18n.t("logs.tail")}</span>
                    <select name="tail">{tail_options}</select>
                </label>
                <label class="field">
                    <span class="label">{i18n.t("logs.since")}</span>
                    <select name="since">{since_options}</select>
                </label>
                <label class="field field-check">
                    <input type="checkbox" name="timestamps" value="on" checked=query.timestamps />
                    <span class="label">{i18n.t("logs.timestamps")}</span>
                </label>
                <label class="field">
                    <span class="label">{i18n.t("logs.filter")}</span>
                    <input type="search" name="filter" value=query.filter.clone() data-log-filter="" autocomplete="off" />
                </label>
                <div class="actions">
                    <button type="submit" class="button button-primary">{i18n.t("logs.show")}</button>
                </div>
            </form>
            <div class="actions logs-actions">
                <button type="button" class="button" data-log-follow="" hidden=true
                    data-label-follow=i18n.t("logs.follow")
                    data-label-pause=i18n.t("logs.pause")
                    data-label-resume=i18n.t("logs.resume")
                >{i18n.t("logs.follow")}</button>
                <a class="button" href=shown_download data-download="shown">{i18n.t("logs.download.shown")}</a>
                <a class="button" href=full_download data-download="all">{i18n.t("logs.download.all")}</a>
            </div>
            <LiveStatus source="/logs/follow" on_key="live.following" />
        </section>
        <section class="card" aria-labelledby="log-heading">
            <h2 id="log-heading">{pod.clone()}</h2>
            {body}
        </section>
    }
}
