//! A change of two objects whose second apply fails after the first was applied. A real API
//! server cannot be made to refuse an apply its dry run accepted on demand, so this one
//! path uses a scripted Kubernetes client; everything else is real (the pipeline, the
//! SQLite audit trail).

use http::{Request, Response, StatusCode};
use kube::client::Body;
use registry_console::audit::redact::FingerprintKey;
use registry_console::audit::store::{Actor, AuditStore, Filter};
use registry_console::change::pipeline::Confirmations;
use registry_console::change::{
    ChangePipeline, ChangeRequest, FollowUpPlan, PipelineError, Requester, Step,
};
use registry_console::kube::resources::{self, Resource};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

const CONFIG_MAP: &str = "/api/v1/namespaces/openshift-config/configmaps/user-ca";
const IMAGE: &str = "/apis/config.openshift.io/v1/images/cluster";

fn config_map() -> Value {
    json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": { "name": "user-ca", "namespace": "openshift-config", "resourceVersion": "1" },
        "data": {}
    })
}

fn image() -> Value {
    json!({
        "apiVersion": "config.openshift.io/v1", "kind": "Image",
        "metadata": { "name": "cluster", "resourceVersion": "5", "generation": 1 },
        "spec": {}
    })
}

fn reply(status: StatusCode, body: &Value) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string().into_bytes()))
        .expect("response")
}

/// Answers like an API server, except that the real (not dry-run) patch of the image
/// config fails with 409; records every request as `METHOD path?query`.
fn scripted(log: Arc<Mutex<Vec<String>>>) -> kube::Client {
    let service = tower::service_fn(move |request: Request<Body>| {
        let log = log.clone();
        async move {
            let path = request.uri().path().to_string();
            let dry_run = request
                .uri()
                .query()
                .unwrap_or_default()
                .contains("dryRun=All");
            log.lock()
                .expect("log")
                .push(format!("{} {}", request.method(), request.uri()));
            let response = match (request.method().as_str(), path.as_str(), dry_run) {
                ("GET", CONFIG_MAP, _) | ("PATCH", CONFIG_MAP, _) => {
                    reply(StatusCode::OK, &config_map())
                }
                ("GET", IMAGE, _) | ("PATCH", IMAGE, true) => reply(StatusCode::OK, &image()),
                ("PATCH", IMAGE, false) => reply(
                    StatusCode::CONFLICT,
                    &json!({
                        "kind": "Status", "apiVersion": "v1", "status": "Failure",
                        "message": "Operation cannot be fulfilled on images.config.openshift.io \"cluster\": the object has been modified",
                        "reason": "Conflict", "code": 409
                    }),
                ),
                _ => reply(
                    StatusCode::NOT_FOUND,
                    &json!({ "kind": "Status", "code": 404 }),
                ),
            };
            Ok::<_, std::convert::Infallible>(response)
        }
    });
    kube::Client::new(service, "default")
}

fn step(
    resource: Resource,
    namespace: Option<&str>,
    name: &str,
    base: Value,
    edit: impl Fn(&mut Value),
) -> Step {
    let mut desired = base.clone();
    edit(&mut desired);
    Step::patch(resource, namespace, name, base, false, desired)
}

#[tokio::test]
async fn a_failure_after_the_first_object_says_exactly_what_was_applied() {
    let dir = tempfile::tempdir().expect("dir");
    let pool = registry_console::db::open(&format!(
        "sqlite://{}",
        dir.path().join("audit.db").display()
    ))
    .await
    .expect("db");
    let pipeline = Arc::new(ChangePipeline::new(
        AuditStore::new(pool),
        FingerprintKey([5u8; 32]),
        10..=200,
        std::time::Duration::from_secs(1),
    ));
    let log = Arc::new(Mutex::new(Vec::new()));
    // The CA trust change of the guide: the ConfigMap first, then the image config naming it.
    let request = ChangeRequest {
        reason: "trust the mirror registry's CA".into(),
        steps: vec![
            step(
                resources::CONFIG_MAP,
                Some("openshift-config"),
                "user-ca",
                config_map(),
                |c| {
                    c["data"]["mirror.example.com..5000"] = json!("-----BEGIN CERTIFICATE-----\n…");
                },
            ),
            step(resources::IMAGE_CONFIG, None, "cluster", image(), |c| {
                c["spec"]["additionalTrustedCA"] = json!({ "name": "user-ca" });
            }),
        ],
        confirmations: Confirmations::default(),
        follow_up: FollowUpPlan::None,
        warnings: Vec::new(),
    };
    let requester = Requester {
        actor: Actor {
            subject: "admin".into(),
            name: "admin".into(),
            email: None,
            groups: vec!["registry-admins".into()],
        },
        client_addr: None,
        request_id: None,
    };
    let error = pipeline
        .apply(scripted(log.clone()), &requester, request)
        .await
        .expect_err("the second object fails");
    match error {
        PipelineError::ApplyFailed {
            applied,
            failed,
            not_applied,
            message,
        } => {
            assert_eq!(applied.len(), 1);
            assert_eq!(applied[0].kind, "ConfigMap");
            assert_eq!(failed.kind, "Image");
            assert!(not_applied.is_empty());
            assert!(message.contains("has been modified"), "{message}");
        }
        other => panic!("expected a partial failure, got {other:?}"),
    }
    // Both dry runs came before either apply, and the ConfigMap was applied first. The
    // image config's 409 came with its content unchanged (a status update, as far as the
    // pipeline can tell), so it was tried again on the newest version, three times, before
    // the failure was reported.
    let patches: Vec<String> = log
        .lock()
        .expect("log")
        .iter()
        .filter(|l| l.starts_with("PATCH"))
        .cloned()
        .collect();
    assert_eq!(patches.len(), 7, "{patches:?}");
    assert!(patches[0].contains("configmaps") && patches[0].contains("dryRun=All"));
    assert!(patches[1].contains("images") && patches[1].contains("dryRun=All"));
    assert!(patches[2].contains("configmaps") && !patches[2].contains("dryRun"));
    assert!(
        patches[3..]
            .iter()
            .all(|p| p.contains("images") && !p.contains("dryRun"))
    );
    // One audited change: intent, then a partial result naming both objects' fates.
    let rows = pipeline
        .audit
        .list(&Filter::default(), None, 10)
        .await
        .expect("list");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].outcome, "partial");
    let events = pipeline
        .audit
        .change_events(&rows[0].change_id)
        .await
        .expect("events");
    let result: Value = serde_json::from_str(&events[1].payload).expect("payload");
    assert_eq!(result["applied"][0]["kind"], "ConfigMap");
    assert_eq!(result["failed"]["kind"], "Image");
}

/// A 409 whose cause changed nothing the step depends on (here a label someone added) is
/// retried on the newest version with the same patch: the user's edit, nothing else, so
/// the other writer's label stays.
#[tokio::test]
async fn a_retry_on_the_newest_version_keeps_what_someone_else_wrote() {
    let dir = tempfile::tempdir().expect("dir");
    let pool = registry_console::db::open(&format!(
        "sqlite://{}",
        dir.path().join("audit.db").display()
    ))
    .await
    .expect("db");
    let pipeline = Arc::new(ChangePipeline::new(
        AuditStore::new(pool),
        FingerprintKey([5u8; 32]),
        10..=200,
        std::time::Duration::from_secs(1),
    ));
    let bodies = Arc::new(Mutex::new(Vec::<(String, Value)>::new()));
    let relabelled = Arc::new(Mutex::new(false));
    let service = {
        let (bodies, relabelled) = (bodies.clone(), relabelled.clone());
        tower::service_fn(move |request: Request<Body>| {
            let (bodies, relabelled) = (bodies.clone(), relabelled.clone());
            async move {
                let method = request.method().to_string();
                let query = request.uri().query().unwrap_or_default().to_string();
                let body = http_body_util::BodyExt::collect(request.into_body())
                    .await
                    .map(|b| b.to_bytes())
                    .unwrap_or_default();
                let mut object = image();
                if *relabelled.lock().expect("lock") {
                    object["metadata"]["resourceVersion"] = json!("6");
                    object["metadata"]["labels"] = json!({ "team": "registry" });
                }
                let response = match method.as_str() {
                    "GET" => reply(StatusCode::OK, &object),
                    _ => {
                        let patch: Value = serde_json::from_slice(&body).unwrap_or_default();
                        bodies.lock().expect("lock").push((query.clone(), patch));
                        let real = !query.contains("dryRun");
                        let mut flag = relabelled.lock().expect("lock");
                        if real && !*flag {
                            // Someone labels the object between the dry run and the apply.
                            *flag = true;
                            reply(
                                StatusCode::CONFLICT,
                                &json!({ "kind": "Status", "code": 409, "reason": "Conflict", "message": "the object has been modified" }),
                            )
                        } else {
                            reply(StatusCode::OK, &object)
                        }
                    }
                };
                Ok::<_, std::convert::Infallible>(response)
            }
        })
    };
    let client = kube::Client::new(service, "default");
    let request = ChangeRequest {
        reason: "trust the mirror registry's CA".into(),
        steps: vec![step(
            resources::IMAGE_CONFIG,
            None,
            "cluster",
            image(),
            |c| {
                c["spec"]["additionalTrustedCA"] = json!({ "name": "user-ca" });
            },
        )],
        confirmations: Confirmations::default(),
        follow_up: FollowUpPlan::None,
        warnings: Vec::new(),
    };
    let requester = Requester {
        actor: Actor {
            subject: "admin".into(),
            name: "admin".into(),
            email: None,
            groups: vec!["registry-admins".into()],
        },
        client_addr: None,
        request_id: None,
    };
    pipeline
        .apply(client, &requester, request)
        .await
        .expect("applied on the newest version");
    let bodies = bodies.lock().expect("lock");
    let real: Vec<&Value> = bodies
        .iter()
        .filter(|(q, _)| !q.contains("dryRun"))
        .map(|(_, b)| b)
        .collect();
    assert_eq!(real.len(), 2, "{bodies:?}");
    assert_eq!(real[0]["metadata"]["resourceVersion"], "5");
    assert_eq!(
        real[1]["metadata"]["resourceVersion"], "6",
        "the newest version"
    );
    assert_eq!(real[1]["spec"], real[0]["spec"], "the same edit");
    assert!(
        real[1]["metadata"].get("labels").is_none(),
        "the other writer's label is left alone: {}",
        real[1]
    );
}
