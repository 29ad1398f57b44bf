//! Widgets of the pages that show the registry's health (Overview, Logs): whether live
//! updates flow, why a part is missing, how long ago something happened, conditions with their explanations, and
//! charts drawn on the server as SVG with the same numbers as a table.

use crate::components::language::I18n;
use crate::components::status::Status;
use crate::domain::metrics::{Chart, plot};
use crate::domain::overview::{
    ConditionSource, PanelProblem, TimedCondition, age_parts, explanation_key, fixing_page,
    seconds_between, utc_text,
};
use crate::domain::status::condition_tone;
use leptos::prelude::*;

/// Why a part of the page is missing: the permission the user lacks (and `grant_key`, the
/// catalogue key of which role grants it and how), or why it cannot be read now.
#[component]
pub fn PanelNotice(
    problem: PanelProblem,
    /// What is missing ("the registry's pods").
    what: &'static str,
    #[prop(optional)] grant_key: Option<&'static str>,
) -> impl IntoView {
    let i18n = I18n::expect();
    // One sentence says what is missing and why; the API server's own words, which an
    // admin needs and a viewer does not, are behind the toggle.
    match problem {
        PanelProblem::Forbidden { permission, reason } => view! {
            <div class="notice notice-warning" role="status" data-panel-problem="forbidden">
                <p><strong>{i18n.t(what)}</strong> " — " {i18n.t("panel.forbidden")}</p>
                {grant_key.map(|key| view! { <p>{i18n.t(key)}</p> })}
                <details>
                    <summary>{i18n.t("common.details")}</summary>
                    <p>{i18n.t("panel.permission")} " " <code>{permission}</code></p>
                    {reason.map(|r| view! { <p><small lang="en">{r}</small></p> })}
                </details>
            </div>
        }
        .into_any(),
        PanelProblem::Unavailable(why) => view! {
            <div class="notice notice-warning" role="status" data-panel-problem="unavailable">
                <p><strong>{i18n.t(what)}</strong> " — " {i18n.t("panel.unavailable")}</p>
                <details>
                    <summary>{i18n.t("common.details")}</summary>
                    <p><small lang="en">{why}</small></p>
                </details>
            </div>
        }
        .into_any(),
        PanelProblem::RegistryNotServing(detail) => view! {
            <div class="notice notice-info" role="status" data-panel-problem="not-serving">
                <p><strong>{i18n.t(what)}</strong> " — " {i18n.t("panel.not_serving")}</p>
                <details>
                    <summary>{i18n.t("common.details")}</summary>
                    <p><small lang="en">{detail}</small></p>
                </details>
            </div>
        }
        .into_any(),
    }
}

/// Where `/live.js` says whether live updates flow ("live", "paused, reconnecting"); the
/// words come from the page, so the script carries none. Without JavaScript it stays empty.
#[component]
pub fn LiveStatus(
    source: &'static str,
    /// What "live" means on this page.
    on_key: &'static str,
) -> impl IntoView {
    let i18n = I18n::expect();
    view! {
        <p
            class="live-status"
            role="status"
            aria-live="polite"
            data-live-source=source
            data-live-on=i18n.t(on_key)
            data-live-paused=i18n.t("live.paused")
        ></p>
    }
}

/// "4 minutes ago" for `seconds` past, "in 4 minutes" for a time still to come.
fn age_words(i18n: I18n, seconds: i64) -> String {
    let (unit, count) = age_parts(seconds.abs());
    let amount = crate::i18n::text(i18n.lang(), unit, &[("count", &count.to_string())]);
    let key = if seconds < 0 { "age.in" } else { "age.ago" };
    crate::i18n::text(i18n.lang(), key, &[("age", &amount)])
}

/// "4 minutes ago", with the exact time (UTC, to the second) as the element's `datetime`
/// and title.
#[component]
pub fn Ago(at: Option<String>, now: String) -> impl IntoView {
    let i18n = I18n::expect();
    at.map(|at| {
        let exact = utc_text(&at)
            .map(|(_, second)| second)
            .unwrap_or_else(|| at.clone());
        let relative = seconds_between(&at, &now)
            .map(|seconds| age_words(i18n, seconds.max(0)))
            .unwrap_or_else(|| exact.clone());
        view! { <time datetime=at.clone() title=exact>{relative}</time> }
    })
}

/// A moment, one format everywhere: how long ago (or how soon), then the time in UTC to
/// the minute, which the browser's own time zone replaces where the page has an island
/// (`data-local`); UTC to the second in the title. Rendered on the server (pages are not
/// hydrated), whose clock says "ago".
#[component]
pub fn Time(#[prop(into)] at: String) -> impl IntoView {
    let i18n = I18n::expect();
    let (shown, exact) = utc_text(&at).unwrap_or_else(|| (at.clone(), at.clone()));
    #[cfg(not(feature = "hydrate"))]
    let seconds = crate::domain::overview::seconds_until_now(&at, time::OffsetDateTime::now_utc());
    #[cfg(feature = "hydrate")]
    let seconds: Option<i64> = None;
    let relative = seconds.map(|seconds| age_words(i18n, seconds));
    view! {
        {relative.map(|r| view! { <span class="ago">{r}</span> " · " })}
        <time datetime=at title=exact data-local="">{shown}</time>
    }
}

/// Conditions with where each was reported, what it means and, for a problem, the page
/// that fixes it.
#[component]
pub fn ExplainedConditions(
    conditions: Vec<(TimedCondition, Vec<ConditionSource>)>,
    now: String,
) -> impl IntoView {
    let i18n = I18n::expect();
    if conditions.is_empty() {
        return view! { <p class="empty">{i18n.t("condition.none")}</p> }.into_any();
    }
    view! {
        <div class="table-scroll">
        <table class="table conditions">
            <thead>
                <tr>
                    <th scope="col">{i18n.t("condition.type")}</th>
                    <th scope="col">{i18n.t("condition.status")}</th>
                    <th scope="col">{i18n.t("condition.reason")}</th>
                    <th scope="col">{i18n.t("condition.since")}</th>
                    <th scope="col">{i18n.t("condition.meaning")}</th>
                </tr>
            </thead>
            <tbody>
                {conditions
                    .into_iter()
                    .map(|(c, sources)| {
                        let problem = c.is_problem();
                        let fix = fixing_page(&c);
                        let tone = condition_tone(&c);
                        let explanation = crate::i18n::translate(
                            i18n.lang(),
                            &explanation_key(&c.kind, &c.status, &c.reason),
                        );
                        let source_kinds = sources
                            .iter()
                            .map(|s| s.kind())
                            .collect::<Vec<_>>()
                            .join(" · ");
                        let source_objects = sources
                            .iter()
                            .map(|s| s.object())
                            .collect::<Vec<_>>()
                            .join(", ");
                        view! {
                            <tr
                                data-condition=c.kind.clone()
                                data-status=c.status.clone()
                                class=problem.then_some("problem")
                            >
                                <th scope="row">
                                    {c.kind.clone()}
                                    <small class="api-path" data-sources="" title=source_objects>{source_kinds}</small>
                                </th>
                                <td><Status tone text=c.status.clone() /></td>
                                <td lang="en">{c.reason.clone()}</td>
                                <td><Ago at=c.last_transition.clone() now=now.clone() /></td>
                                <td>
                                    {(!c.message.is_empty()).then(|| view! { <p class="condition-message" lang="en">{c.message.clone()}</p> })}
                                    <p class="help">{explanation}</p>
                                    {fix.map(|page| {
                                        view! {
                                            <p>
                                                <a href=page.path() data-fix=page.path()>
                                                    {i18n.t("condition.fix")} " " {i18n.t(page.title_key())}
                                                </a>
                                            </p>
                                        }
                                    })}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
        </div>
    }
    .into_any()
}

const CHART_WIDTH: f64 = 560.0;
const CHART_HEIGHT: f64 = 160.0;
/// Line colours, one per series (the legend names them too, so colour is never alone).
const SERIES_CLASSES: [&str; 4] = ["series-0", "series-1", "series-2", "series-3"];

fn clock(at: i64) -> String {
    let seconds = at.rem_euclid(86_400);
    format!(
        "{:02}:{:02}:{:02} UTC",
        seconds / 3_600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// A line chart as SVG: each point is focusable and names its exact value (hover or
/// focus), and the same numbers follow as a table.
#[component]
pub fn LineChart(chart: Chart) -> impl IntoView {
    let i18n = I18n::expect();
    let kind = chart.kind;
    let title = i18n.t(kind.title_key());
    let heading_id = format!("chart-{}", kind.id());
    let (placed, top) = plot(&chart, CHART_WIDTH, CHART_HEIGHT);
    let has_points = chart.series.iter().any(|s| !s.points.is_empty());
    let lines = chart
        .series
        .iter()
        .zip(placed)
        .enumerate()
        .map(|(i, (series, points))| {
            let class = SERIES_CLASSES[i % SERIES_CLASSES.len()];
            let path = points
                .iter()
                .map(|(x, y)| format!("{x:.1},{y:.1}"))
                .collect::<Vec<_>>()
                .join(" ");
            let dots = series
                .points
                .iter()
                .zip(points)
                .map(|((at, value), (x, y))| {
                    let label = format!("{}: {} at {}", series.label, kind.format(*value), clock(*at));
                    let aria = label.clone();
                    view! {
                        <circle cx=format!("{x:.1}") cy=format!("{y:.1}") r="3" tabindex="0" aria-label=aria>
                            <title>{label}</title>
                        </circle>
                    }
                })
                .collect_view();
            view! {
                <g class=format!("series {class}")>
                    <polyline points=path fill="none" />
                    {dots}
                </g>
            }
        })
        .collect_view();
    let legend = chart
        .series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let class = SERIES_CLASSES[i % SERIES_CLASSES.len()];
            view! { <li class=format!("legend {class}")>{s.label.clone()}</li> }
        })
        .collect_view();
    let rows = chart
        .series
        .iter()
        .flat_map(|s| {
            s.points
                .iter()
                .map(move |(at, value)| (s.label.clone(), *at, kind.format(*value)))
        })
        .map(|(label, at, value)| view! { <tr><td>{label}</td><td>{clock(at)}</td><td>{value}</td></tr> })
        .collect_view();
    view! {
        <figure class="chart" data-chart=kind.id()>
            <figcaption id=heading_id.clone()>{title}</figcaption>
            {if has_points {
                view! {
                    <svg
                        viewBox=format!("-4 -8 {} {}", CHART_WIDTH + 8.0, CHART_HEIGHT + 16.0)
                        role="img"
                        aria-labelledby=heading_id
                        preserveAspectRatio="none"
                    >
                        <line class="axis" x1="0" y1=CHART_HEIGHT.to_string() x2=CHART_WIDTH.to_string() y2=CHART_HEIGHT.to_string() />
                        <text class="axis-label" x="0" y="-1">{kind.format(top)}</text>
                        {lines}
                    </svg>
                    <ul class="legend-list">{legend}</ul>
                }
                .into_any()
            } else if chart.unreported {
                view! { <p class="empty" data-unreported="">{i18n.t("metrics.chart.unreported")}</p> }.into_any()
            } else {
                view! { <p class="empty">{i18n.t("metrics.chart.collecting")}</p> }.into_any()
            }}
            <details class="chart-table">
                <summary>{i18n.t("metrics.table")}</summary>
                <table class="table">
                    <thead>
                        <tr>
                            <th scope="col">{i18n.t("metrics.col.series")}</th>
                            <th scope="col">{i18n.t("metrics.col.time")}</th>
                            <th scope="col">{i18n.t("metrics.col.value")}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </details>
        </figure>
    }
}
