//! The Overview (SPEC §6; guide §3.4.4 step 4, §5.3, §5.5), rendered whole on the server:
//! the operator's and the Config's conditions explained, the registry's state, its pods,
//! claims, events and routes, the pruner, and charts of its metrics. Live: the small
//! `/live.js` script listens to `/live/overview` and puts a fresh render of the page's
//! `[data-live-region]` in place; without JavaScript the page is complete as it is.

use crate::api::overview::overview;
use crate::components::claims::ClaimsTable;
use crate::components::doctor::DoctorCard;
use crate::components::health::{Ago, ExplainedConditions, LineChart, LiveStatus, PanelNotice};
use crate::components::language::I18n;
use crate::components::page_frame::PageFrame;
use crate::components::plain_fields::FactLabel;
use crate::components::status::Status;
use crate::domain::headline::{Sentence, headline, storage_name_key, tiles};
use crate::domain::metrics::MetricsView;
use crate::domain::overview::{
    DeploymentSummary, EventRow, OverviewView, Panel, PodRow, PrunerSummary, RegistrySummary,
    RouteRow, merge_conditions,
};
use crate::domain::page::Page;
use crate::domain::status::Tone;
use crate::domain::storage::wizard::ClaimRow;
use leptos::prelude::*;

#[component]
pub fn OverviewPage() -> impl IntoView {
    let i18n = I18n::expect();
    let state = Resource::new_blocking(|| (), |_| overview());
    view! {
        <PageFrame
            title_key=Page::Overview.title_key()
            summary_key=Page::Overview.summary_key()
            data_page=Page::Overview.path()
        >
            <LiveStatus source="/live/overview" on_key="live.on" />
            <Suspense fallback=move || view! { <p>{i18n.t("common.loading")}</p> }>
                {move || {
                    state
                        .get()
                        .map(|result| match result {
                            Ok(view) => view! { <OverviewContent view /> }.into_any(),
                            Err(error) => {
                                view! { <crate::components::error_notice::ErrorNotice error /> }
                                    .into_any()
                            }
                        })
                }}
            </Suspense>
        </PageFrame>
    }
}

fn card<V: IntoView + 'static>(id: &'static str, title: String, body: V) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby=id data-panel=id>
            <h2 id=id>{title}</h2>
            {body}
        </section>
    }
}

#[component]
fn OverviewContent(view: OverviewView) -> impl IntoView {
    let i18n = I18n::expect();
    let now = view.now.clone();
    let summary = view! { <Headline view=view.clone() /> };
    // One table for the ClusterOperator's and the Config's conditions: the operator
    // copies most of them, so showing both tables showed most rows twice.
    let config_conditions = view
        .registry
        .as_ref()
        .map(|r| r.conditions.clone())
        .unwrap_or_default();
    let conditions = match &view.operator {
        Ok(operator) => {
            let rows = merge_conditions(operator, &config_conditions);
            view! { <ExplainedConditions conditions=rows now=now.clone() /> }.into_any()
        }
        Err(problem) => {
            let rows = merge_conditions(&[], &config_conditions);
            view! {
                <PanelNotice problem=problem.clone() what="overview.operator.what" />
                <ExplainedConditions conditions=rows now=now.clone() />
            }
            .into_any()
        }
    };
    view! {
        <div data-live-region="" data-generated=now.clone()>
            {summary}
            {view.diagnosis.enabled.then(|| view! { <DoctorCard diagnosis=view.diagnosis.clone() /> })}
            {removed_alert(&view.registry)}
            {card("operator-heading", i18n.t("overview.operator.title").to_string(), view! {
                <p class="help">
                    <code>"oc get clusteroperator image-registry"</code> " · "
                    <code>"oc get configs.imageregistry.operator.openshift.io cluster -o yaml"</code>
                </p>
                {conditions}
            })}
            <RegistryCard registry=view.registry now=now.clone() pruner=view.pruner routes=view.routes />
            <WorkloadCard deployment=view.deployment pods=view.pods claims=view.claims now=now.clone() />
            <EventsCard events=view.events now=now.clone() />
            <MetricsCard metrics=view.metrics />
        </div>
    }
}

fn sentence_text(i18n: &I18n, sentence: &Sentence) -> String {
    // A storage type is named in words ("Amazon S3"), not by its API key.
    let params: Vec<(&str, String)> = sentence
        .params
        .iter()
        .map(|(name, value)| {
            let value = match (*name, storage_name_key(value)) {
                ("storage", Some(key)) => i18n.t(key).to_string(),
                _ => value.clone(),
            };
            (*name, value)
        })
        .collect();
    let borrowed: Vec<(&str, &str)> = params.iter().map(|(n, v)| (*n, v.as_str())).collect();
    i18n.fill(sentence.key, &borrowed)
}

/// The state in one sentence and one tone, then the six tiles (SPEC §6).
#[component]
fn Headline(view: OverviewView) -> impl IntoView {
    let i18n = I18n::expect();
    let headline = headline(&view);
    let tone = headline.tone;
    let sentence = sentence_text(&i18n, &headline.sentence);
    let tiles = tiles(&view)
        .into_iter()
        .map(|tile| {
            let value = sentence_text(&i18n, &tile.value);
            view! {
                <div class="tile" data-tile=tile.id data-tone=tile.tone.as_str()>
                    <dt>{i18n.t(tile.label_key)}</dt>
                    <dd>
                        <Status tone=tile.tone text=value />
                        <small class="api-path">{tile.api_path}</small>
                    </dd>
                </div>
            }
        })
        .collect_view();
    view! {
        <section
            class=format!("headline headline-{}", tone.as_str())
            aria-labelledby="headline-heading"
            data-headline=tone.as_str()
        >
            <h2 id="headline-heading" class="visually-hidden">{i18n.t("overview.headline.title")}</h2>
            <p class="headline-sentence">
                <span class="headline-icon" aria-hidden="true">{tone.icon()}</span>
                <strong>
                    <span class="visually-hidden">{i18n.t(tone.label_key())} ": "</span>
                    {sentence}
                </strong>
            </p>
            {headline.detail.map(|detail| view! { <p class="headline-detail"><q>{detail}</q></p> })}
            <dl class="tiles">{tiles}</dl>
        </section>
    }
}

/// The guide's `ImageRegistryRemoved` alert, when the registry is Removed.
fn removed_alert(registry: &Panel<RegistrySummary>) -> Option<impl IntoView + use<>> {
    let i18n = I18n::expect();
    registry.as_ref().ok().filter(|r| r.removed()).map(|_| {
        view! {
            <div class="notice notice-warning" role="status" data-alert="ImageRegistryRemoved">
                <p><strong>"ImageRegistryRemoved"</strong></p>
                <p>{i18n.t("storage.removed.alert")}</p>
                <p>
                    <a href=Page::Storage.path()>{i18n.t("overview.removed.link")}</a>
                </p>
            </div>
        }
    })
}

#[component]
fn RegistryCard(
    registry: Panel<RegistrySummary>,
    pruner: Panel<Option<PrunerSummary>>,
    routes: Panel<Vec<RouteRow>>,
    now: String,
) -> impl IntoView {
    let i18n = I18n::expect();
    let body = match registry {
        Err(problem) => view! { <PanelNotice problem what="overview.registry.what" /> }.into_any(),
        Ok(r) => {
            let storage = match &r.storage.kind {
                Some(kind) => format!(
                    "{kind}{}",
                    r.storage
                        .details
                        .iter()
                        .map(|(k, v)| format!(" · {k}={v}"))
                        .collect::<String>()
                ),
                None => i18n.t("overview.storage.none").to_string(),
            };
            let custom = r
                .custom_routes
                .iter()
                .map(|(name, host)| {
                    let host = if host.is_empty() {
                        i18n.t("overview.route.generated").to_string()
                    } else {
                        host.clone()
                    };
                    view! { <li>{name.clone()} " → " <code>{host}</code></li> }
                })
                .collect_view();
            let read_only = if r.read_only {
                (Tone::Warning, i18n.t("overview.fact.read_only.on"))
            } else {
                (Tone::Neutral, i18n.t("overview.fact.read_only.off"))
            };
            let default_route = if r.default_route {
                i18n.t("overview.fact.default_route.on")
            } else {
                i18n.t("overview.fact.default_route.off")
            };
            view! {
                <dl class="facts">
                    <FactLabel label="overview.fact.management_state" path="spec.managementState" />
                    <dd data-fact="managementState">{r.management_state.clone()}</dd>
                    <FactLabel label="overview.storage.title" path="spec.storage" />
                    <dd data-fact="storage">{storage}</dd>
                    <FactLabel label="overview.fact.replicas" path="spec.replicas" />
                    <dd data-fact="replicas">{r.replicas}</dd>
                    <FactLabel label="overview.fact.rollout_strategy" path="spec.rolloutStrategy" />
                    <dd>{if r.rollout_strategy.is_empty() { "RollingUpdate".to_string() } else { r.rollout_strategy.clone() }}</dd>
                    <FactLabel label="overview.fact.read_only" path="spec.readOnly" />
                    <dd data-fact="readOnly" data-value=r.read_only.to_string()>
                        <Status tone=read_only.0 text=read_only.1 />
                    </dd>
                    <FactLabel label="overview.fact.default_route" path="spec.defaultRoute" />
                    <dd data-fact="defaultRoute" data-value=r.default_route.to_string()>{default_route}</dd>
                    <FactLabel label="overview.routes.custom" path="spec.routes" />
                    <dd>
                        {if r.custom_routes.is_empty() {
                            view! { <span>{i18n.t("overview.routes.none")}</span> }.into_any()
                        } else {
                            view! { <ul class="plain-list">{custom}</ul> }.into_any()
                        }}
                    </dd>
                </dl>
            }
            .into_any()
        }
    };
    let routes = match routes {
        Err(problem) => view! { <PanelNotice problem what="overview.routes.what" /> }.into_any(),
        Ok(rows) if rows.is_empty() => {
            view! { <p class="empty">{i18n.t("overview.routes.no_objects")}</p> }.into_any()
        }
        Ok(rows) => view! {
            <table class="table" data-routes="">
                <thead>
                    <tr>
                        <th scope="col">{i18n.t("overview.col.name")}</th>
                        <th scope="col">{i18n.t("overview.col.host")}</th>
                        <th scope="col">"TLS"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows
                        .into_iter()
                        .map(|r| view! { <tr><td>{r.name}</td><td><code>{r.host}</code></td><td>{r.termination}</td></tr> })
                        .collect_view()}
                </tbody>
            </table>
        }
        .into_any(),
    };
    let pruner = match pruner {
        Err(problem) => view! { <PanelNotice problem what="overview.pruner.what" /> }.into_any(),
        Ok(None) => view! { <p class="empty">{i18n.t("overview.pruner.none")}</p> }.into_any(),
        Ok(Some(p)) => {
            let failed = p.conditions.iter().find(|c| c.kind == "Failed").cloned();
            let last = match failed {
                Some(c) if c.status == "True" => view! {
                    <p class="text-error" data-pruner-last="failed">
                        {i18n.t("overview.pruner.failed")} " " <Ago at=c.last_transition.clone() now=now.clone() />
                        {(!c.message.is_empty()).then(|| view! { <br /><small lang="en">{c.message.clone()}</small> })}
                    </p>
                }
                .into_any(),
                Some(c) => view! {
                    <p data-pruner-last="ok">{i18n.t("overview.pruner.ok")} " " <Ago at=c.last_transition.clone() now=now.clone() /></p>
                }
                .into_any(),
                None => view! { <p data-pruner-last="none">{i18n.t("overview.pruner.no_runs")}</p> }.into_any(),
            };
            view! {
                <dl class="facts">
                    <dt>"schedule"</dt>
                    <dd><code>{if p.schedule.is_empty() { "0 0 * * *".to_string() } else { p.schedule.clone() }}</code></dd>
                    <dt>"suspend"</dt>
                    <dd>{p.suspend.to_string()}</dd>
                </dl>
                {last}
                <p><a href=Page::Pruner.path()>{i18n.t("nav.pruner")}</a></p>
            }
            .into_any()
        }
    };
    view! {
        <section class="card" aria-labelledby="registry-heading" data-panel="registry">
            <h2 id="registry-heading">{i18n.t("overview.registry.title")}</h2>
            {body}
            <h3>{i18n.t("overview.routes.title")}</h3>
            {routes}
            <h3>{i18n.t("overview.pruner.title")}</h3>
            {pruner}
        </section>
    }
}

#[component]
fn WorkloadCard(
    deployment: Panel<Option<DeploymentSummary>>,
    pods: Panel<Vec<PodRow>>,
    claims: Panel<Vec<ClaimRow>>,
    now: String,
) -> impl IntoView {
    let i18n = I18n::expect();
    let deployment = match deployment {
        Err(problem) => {
            view! { <PanelNotice problem what="overview.deployment.what" /> }.into_any()
        }
        Ok(None) => view! { <p class="empty">{i18n.t("overview.deployment.none")}</p> }.into_any(),
        Ok(Some(d)) => {
            let replicas = |key: &'static str, count: i64| {
                crate::i18n::text(
                    i18n.lang(),
                    key,
                    &[
                        ("count", &count.to_string()),
                        ("desired", &d.desired.to_string()),
                    ],
                )
            };
            view! {
                <p data-replicas=format!("{}/{}", d.ready, d.desired)>
                    <label>
                        {replicas("overview.replicas.ready", d.ready)}
                        " "
                        <progress max=d.desired.max(1) value=d.ready></progress>
                    </label>
                </p>
                <p>
                    {replicas("overview.replicas.updated", d.updated)} " · "
                    {replicas("overview.replicas.available", d.available)} " · "
                    <code>{d.strategy.clone()}</code>
                </p>
                {(!d.progress.is_empty()).then(|| view! { <p class="help">{d.progress.clone()}</p> })}
            }
            .into_any()
        }
    };
    let pods = match pods {
        Err(problem) => view! {
            <PanelNotice problem what="overview.pods.what" grant_key="overview.pods.grant" />
        }
        .into_any(),
        Ok(rows) if rows.is_empty() => view! { <p class="empty">{i18n.t("overview.pods.none")}</p> }.into_any(),
        Ok(rows) => view! {
            <table class="table" data-pods="">
                <thead>
                    <tr>
                        <th scope="col">{i18n.t("overview.col.name")}</th>
                        <th scope="col">{i18n.t("overview.col.ready")}</th>
                        <th scope="col">{i18n.t("overview.col.phase")}</th>
                        <th scope="col">{i18n.t("overview.col.restarts")}</th>
                        <th scope="col">{i18n.t("overview.col.age")}</th>
                        <th scope="col">{i18n.t("overview.col.node")}</th>
                        <th scope="col">{i18n.t("overview.col.logs")}</th>
                    </tr>
                </thead>
                <tbody>
                    {rows
                        .into_iter()
                        .map(|p| {
                            let logs = format!("{}?pod={}", Page::Logs.path(), p.name);
                            view! {
                                <tr data-pod=p.name.clone() data-phase=p.phase.clone()>
                                    <td>{p.name.clone()}</td>
                                    <td>{format!("{}/{}", p.ready_containers, p.containers.len())}</td>
                                    <td>{p.phase.clone()}</td>
                                    <td>{p.restarts}</td>
                                    <td><Ago at=p.started.clone() now=now.clone() /></td>
                                    <td>{p.node.clone()}</td>
                                    <td><a href=logs>{i18n.t("overview.pods.logs")}</a></td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        }
        .into_any(),
    };
    let claims = match claims {
        Err(problem) => view! { <PanelNotice problem what="overview.claims.what" /> }.into_any(),
        Ok(rows) if rows.is_empty() => {
            view! { <p class="empty">{i18n.t("overview.claims.none")}</p> }.into_any()
        }
        Ok(rows) => view! { <ClaimsTable claims=rows /> }.into_any(),
    };
    view! {
        <section class="card" aria-labelledby="workload-heading" data-panel="workload">
            <h2 id="workload-heading">{i18n.t("overview.workload.title")}</h2>
            <h3>{i18n.t("overview.deployment.title")}</h3>
            {deployment}
            <h3>{i18n.t("overview.pods.title")}</h3>
            <p class="help"><code>"oc get pods -n openshift-image-registry"</code></p>
            {pods}
            <h3>{i18n.t("overview.claims.title")}</h3>
            {claims}
        </section>
    }
}

#[component]
fn EventsCard(events: Panel<Vec<EventRow>>, now: String) -> impl IntoView {
    let i18n = I18n::expect();
    let body = match events {
        Err(problem) => view! { <PanelNotice problem what="overview.events.what" /> }.into_any(),
        Ok(rows) if rows.is_empty() => view! { <p class="empty">{i18n.t("overview.events.none")}</p> }.into_any(),
        Ok(rows) => view! {
            <table class="table" data-events="">
                <thead>
                    <tr>
                        <th scope="col">{i18n.t("overview.col.type")}</th>
                        <th scope="col">{i18n.t("overview.col.reason")}</th>
                        <th scope="col">{i18n.t("overview.col.object")}</th>
                        <th scope="col">{i18n.t("overview.col.message")}</th>
                        <th scope="col">{i18n.t("overview.col.last_seen")}</th>
                    </tr>
                </thead>
                <tbody>
                    {rows
                        .into_iter()
                        .map(|e| {
                            let count = (e.count > 1).then(|| {
                                crate::i18n::text(i18n.lang(), "overview.events.count", &[("count", &e.count.to_string())])
                            });
                            view! {
                                <tr data-event-type=e.kind.clone() class=(e.kind == "Warning").then_some("problem")>
                                    <td>{e.kind.clone()}</td>
                                    <td>{e.reason.clone()}</td>
                                    <td>{e.object.clone()}</td>
                                    <td><span lang="en">{e.message.clone()}</span> {count.map(|c| view! { <small>" (" {c} ")"</small> })}</td>
                                    <td><Ago at=e.last_seen.clone() now=now.clone() /></td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        }
        .into_any(),
    };
    card(
        "events-heading",
        i18n.t("overview.events.title").to_string(),
        body,
    )
}

#[component]
fn MetricsCard(metrics: Panel<MetricsView>) -> impl IntoView {
    let i18n = I18n::expect();
    let body = match metrics {
        Err(problem) => view! {
            <PanelNotice problem what="overview.metrics.what" grant_key="overview.metrics.grant" />
        }
        .into_any(),
        Ok(m) => {
            let window = crate::i18n::text(
                i18n.lang(),
                "metrics.window",
                &[
                    ("count", &m.samples.to_string()),
                    ("interval", &m.interval_seconds.to_string()),
                ],
            );
            view! {
                <p class="help">
                    <code>"/extensions/v2/metrics"</code> " · " {window}
                    {m.version.clone().map(|v| view! { " · " <code>{v}</code> })}
                </p>
                <div class="charts">
                    {m.charts.into_iter().map(|chart| view! { <LineChart chart /> }).collect_view()}
                </div>
            }
            .into_any()
        }
    };
    card(
        "metrics-heading",
        i18n.t("overview.metrics.title").to_string(),
        body,
    )
}
