//! `registry-console doctor`: the Overview's doctor for scripts and monitoring. It reads
//! the cluster once with the console's own credentials (`--kubeconfig`, `--in-cluster`),
//! prints the findings as text or JSON and exits with the worst severity: 0 none or only
//! notes, 1 a warning, 2 a problem; 3 when the registry could not be read at all.
//!
//! The JSON is a stable shape (`version: 1`, README "The registry doctor"): each finding's
//! class, severity, English title, explanation and fix, its evidence and parameters, and
//! the parts that could not be checked with why.

use crate::config::Config;
use crate::kube::cache::NAMESPACE;
use crate::kube::resources::{
    self, CLUSTER_OPERATOR, DEPLOYMENT, EVENT, IMAGE_PRUNER, PERSISTENT_VOLUME_CLAIM, POD,
    REGISTRY_CONFIG, ROUTE, Resource,
};
use crate::services::{doctor, overview, storage::claim_row, text};
use app::domain::doctor::{Diagnosis, Severity, diagnose};
use app::domain::overview::{OverviewView, Panel, PanelProblem, PrunerSummary};
use app::i18n::{Lang, text as words};
use kube::api::ListParams;
use serde_json::{Value, json};
use std::process::ExitCode;
use std::time::Duration;

/// How the findings are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    Text,
    Json,
}

const LIST_DEADLINE: Duration = Duration::from_secs(10);

async fn list(
    client: &kube::Client,
    resource: Resource,
    namespace: Option<&str>,
    labels: Option<&str>,
) -> Panel<Vec<Value>> {
    let mut params = ListParams::default();
    if let Some(labels) = labels {
        params = params.labels(labels);
    }
    let api = resource.api(client.clone(), namespace);
    match tokio::time::timeout(LIST_DEADLINE, api.list(&params)).await {
        Err(_) => Err(PanelProblem::Unavailable(format!(
            "{} did not answer within {} s",
            resource.oc_name(),
            LIST_DEADLINE.as_secs()
        ))),
        Ok(Err(e)) => Err(match crate::kube::user::console_error(e) {
            app::api::error::ConsoleError::Kubernetes { code: 403, message } => {
                PanelProblem::Forbidden {
                    permission: format!("list on {}", resource.oc_name()),
                    reason: Some(message),
                }
            }
            other => PanelProblem::Unavailable(other.to_string()),
        }),
        Ok(Ok(list)) => Ok(list
            .items
            .iter()
            .map(|o| serde_json::to_value(o).unwrap_or_default())
            .collect()),
    }
}

fn named<'a>(list: &'a Panel<Vec<Value>>, name: &str) -> Panel<Option<&'a Value>> {
    list.as_ref()
        .map(|l| l.iter().find(|o| text(o, "/metadata/name") == name))
        .map_err(Clone::clone)
}

/// Reads what the Overview shows, directly (no watch caches), and diagnoses it.
pub async fn diagnosis(client: &kube::Client, config: &Config) -> Diagnosis {
    // The registry's pods (the operator's label), not the pruner's.
    let selector = Some("docker-registry=default");
    let (configs, operators, deployments, pods, claims, events, routes, pruners) = tokio::join!(
        list(client, REGISTRY_CONFIG, None, None),
        list(client, CLUSTER_OPERATOR, None, None),
        list(client, DEPLOYMENT, Some(NAMESPACE), None),
        list(client, POD, Some(NAMESPACE), selector),
        list(client, PERSISTENT_VOLUME_CLAIM, Some(NAMESPACE), None),
        list(client, EVENT, Some(NAMESPACE), None),
        list(client, ROUTE, Some(NAMESPACE), None),
        list(client, IMAGE_PRUNER, None, None),
    );
    let view = OverviewView {
        now: overview::now_rfc3339(),
        operator: named(&operators, "image-registry").map(|o| {
            o.map(|o| overview::conditions(o.get("status").unwrap_or(&Value::Null)))
                .unwrap_or_default()
        }),
        registry: named(&configs, "cluster").and_then(|c| {
            c.map(overview::registry_summary).ok_or_else(|| {
                PanelProblem::Unavailable(format!(
                    "{} cluster does not exist",
                    resources::REGISTRY_CONFIG.oc_name()
                ))
            })
        }),
        deployment: named(&deployments, "image-registry")
            .map(|d| d.map(overview::deployment_summary)),
        pods: pods
            .as_ref()
            .map(|l| l.iter().map(overview::pod_row).collect())
            .map_err(Clone::clone),
        claims: claims
            .as_ref()
            .map(|l| l.iter().map(claim_row).collect())
            .map_err(Clone::clone),
        events: events
            .as_ref()
            .map(|l| l.iter().map(overview::event_row).collect())
            .map_err(Clone::clone),
        routes: routes
            .as_ref()
            .map(|l| l.iter().map(overview::route_row).collect())
            .map_err(Clone::clone),
        pruner: named(&pruners, "cluster").map(|p| {
            p.map(|p| PrunerSummary {
                schedule: text(p, "/spec/schedule"),
                suspend: p
                    .pointer("/spec/suspend")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                conditions: overview::conditions(p.get("status").unwrap_or(&Value::Null)),
                created: Some(text(p, "/metadata/creationTimestamp")).filter(|t| !t.is_empty()),
            })
        }),
        // One read gives no rate: the window is the serving console's.
        metrics: Err(PanelProblem::Unavailable(
            "the command reads the cluster once; rates need the serving console's window".into(),
        )),
        diagnosis: Diagnosis::default(),
    };
    let pod_names: Vec<String> = view
        .pods
        .as_ref()
        .map(|p| p.iter().map(|p| p.name.clone()).collect())
        .unwrap_or_default();
    let pruner_created = view
        .pruner
        .as_ref()
        .ok()
        .and_then(Option::as_ref)
        .filter(|p| !p.suspend)
        .and_then(|p| p.created.clone());
    let extras = doctor::extras(
        client,
        None,
        routes,
        &pod_names,
        pruner_created.as_deref(),
        &view.now,
        Vec::new(),
    )
    .await;
    let mut diagnosis = diagnose(&doctor::input(
        &view,
        &extras,
        None,
        config.doctor.thresholds(),
    ));
    diagnosis.may_change = true;
    diagnosis
}

/// The stable JSON of a diagnosis (English texts).
pub fn json(diagnosis: &Diagnosis) -> Value {
    let lang = Lang::En;
    let findings: Vec<Value> = diagnosis
        .findings
        .iter()
        .map(|f| {
            let params: Vec<(&str, &str)> = f.params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            json!({
                "class": f.class,
                "severity": f.severity.as_str(),
                "title": words(lang, &f.key("title"), &params),
                "explanation": words(lang, &f.key("explain"), &params),
                "fix": {
                    "text": words(lang, &f.key("fix"), &params),
                    "page": f.fix.as_ref().map(|x| x.page.path()),
                    "href": f.fix.as_ref().map(|x| x.href()),
                    "oc": f.fix.as_ref().and_then(|x| x.oc.clone()),
                },
                "params": f.params.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect::<serde_json::Map<_, _>>(),
                "evidence": f.evidence.iter().map(|e| json!({
                    "kind": serde_json::to_value(e.kind).unwrap_or_default(),
                    "object": e.object,
                    "text": e.text,
                    "at": e.at,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "version": 1,
        "worst": diagnosis.worst().map(Severity::as_str),
        "counts": {
            "critical": diagnosis.count(Severity::Critical),
            "warning": diagnosis.count(Severity::Warning),
            "info": diagnosis.count(Severity::Info),
        },
        "findings": findings,
        "unchecked": diagnosis.unchecked.iter().map(|u| json!({
            "part": words(lang, &u.part, &[]),
            "why": u.why,
            "forbidden": u.forbidden,
        })).collect::<Vec<_>>(),
    })
}

/// The findings for people, in English.
pub fn text_report(diagnosis: &Diagnosis) -> String {
    let lang = Lang::En;
    let mut out = String::new();
    if diagnosis.findings.is_empty() {
        out.push_str(&words(lang, "doctor.healthy", &[]));
        out.push('\n');
    }
    for f in &diagnosis.findings {
        let params: Vec<(&str, &str)> = f
            .params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        out.push_str(&format!(
            "{:<8} {}\n         {}\n         fix: {}\n",
            f.severity.as_str().to_ascii_uppercase(),
            words(lang, &f.key("title"), &params),
            words(lang, &f.key("explain"), &params),
            words(lang, &f.key("fix"), &params),
        ));
        if let Some(oc) = f.fix.as_ref().and_then(|x| x.oc.as_deref()) {
            out.push_str(&format!("         $ {oc}\n"));
        }
        for e in &f.evidence {
            out.push_str(&format!(
                "         - {}{}: {}\n",
                e.object,
                e.at.as_deref()
                    .map(|a| format!(" ({a})"))
                    .unwrap_or_default(),
                e.text.replace('\n', "\n           ")
            ));
        }
    }
    for u in &diagnosis.unchecked {
        out.push_str(&format!(
            "not checked: {}: {}\n",
            words(lang, &u.part, &[]),
            u.why
        ));
    }
    out
}

/// Every part unreadable: nothing was checked, which is not "healthy".
fn nothing_checked(diagnosis: &Diagnosis) -> bool {
    diagnosis.findings.is_empty()
        && diagnosis
            .unchecked
            .iter()
            .any(|u| u.part == "doctor.part.config")
}

pub async fn run(config: &Config, output: Output) -> ExitCode {
    let metrics = crate::http::metrics::Metrics::new();
    let access = match crate::kube::connect::connect(&config.kube, &metrics).await {
        Ok(Some(access)) => access,
        Ok(None) => {
            eprintln!("registry-console doctor: no cluster: set --kubeconfig or --in-cluster");
            return ExitCode::from(3);
        }
        Err(e) => {
            eprintln!("registry-console doctor: {e}");
            return ExitCode::from(3);
        }
    };
    let diagnosis = diagnosis(&access.client, config).await;
    match output {
        Output::Json => println!(
            "{}",
            serde_json::to_string_pretty(&json(&diagnosis)).unwrap_or_default()
        ),
        Output::Text => print!("{}", text_report(&diagnosis)),
    }
    if nothing_checked(&diagnosis) {
        return ExitCode::from(3);
    }
    ExitCode::from(Severity::exit_code(diagnosis.worst()))
}
