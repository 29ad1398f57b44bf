//! The Pruner page against a real console, the sandbox's API server and its stand-in
//! pruner controller: settings changes are one audited patch of the ImagePruner (valid
//! against the CRD) that the `image-pruner` CronJob follows; a bad schedule is named and
//! changes nothing; runs made on demand (as `kubectl create job --from=cronjob/image-pruner`
//! would) show as succeeded and failed, the failed one with the tail of its log; viewers
//! read but cannot change.

mod support;

use app::domain::form_draft::FormDraft;
use app::domain::pruner::{FIELD_ORIGINAL, FORM_PRUNER, PrunerView, form_fields};
use kube::api::{Api, DynamicObject, Patch, PatchParams, PostParams};
use serde_json::{Value, json};
use std::time::Duration;
use support::{Browser, SandboxConsole, admin_kube, eventually, start_sandbox_console};

const NS: &str = "openshift-image-registry";

static PRUNER_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

use support::dynamic_api as api;

fn pruners(kube: &kube::Client) -> Api<DynamicObject> {
    api(
        kube,
        "imageregistry.operator.openshift.io",
        "v1",
        "ImagePruner",
        "imagepruners",
        None,
    )
}

fn cronjobs(kube: &kube::Client) -> Api<DynamicObject> {
    api(kube, "batch", "v1beta1", "CronJob", "cronjobs", Some(NS))
}

fn jobs(kube: &kube::Client) -> Api<DynamicObject> {
    api(kube, "batch", "v1", "Job", "jobs", Some(NS))
}

async fn reset(kube: &kube::Client) {
    pruners(kube)
        .patch(
            "cluster",
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "schedule": "0 0 * * *", "suspend": false, "keepTagRevisions": 3, "keepYoungerThanDuration": "60m" } })),
        )
        .await
        .expect("reset pruner");
}

async fn load(user: &Browser, console: &SandboxConsole) -> PrunerView {
    let (status, body, text) = user.call(console, "pruner", &[]).await;
    assert_eq!(status, 200, "{text}");
    serde_json::from_value(body).expect("PrunerView")
}

/// The page's form as it shows `view`, with `edit` applied to its fields.
fn draft(view: &PrunerView, edit: &[(&str, Option<&str>)]) -> FormDraft {
    let mut draft = FormDraft::new(FORM_PRUNER, &[]);
    draft.fields = form_fields(&view.form).into_iter().collect();
    draft.fields.insert(
        "base".into(),
        serde_json::to_string(&view.base).expect("json"),
    );
    draft
        .fields
        .insert(FIELD_ORIGINAL.into(), view.base.spec.to_string());
    for (name, value) in edit {
        match value {
            Some(v) => draft.fields.insert(name.to_string(), v.to_string()),
            None => draft.fields.remove(*name),
        };
    }
    draft
}

async fn submit(
    user: &Browser,
    console: &SandboxConsole,
    function: &str,
    draft: &FormDraft,
    reason: &str,
) -> (u16, Value, String) {
    user.call(
        console,
        function,
        &[
            ("area", "Pruner".to_string()),
            ("draft", serde_json::to_string(draft).expect("json")),
            ("reason", reason.to_string()),
        ],
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn settings_are_one_patch_the_cronjob_follows_and_a_bad_schedule_changes_nothing() {
    let _lock = PRUNER_LOCK.lock().await;
    let kube = admin_kube().await;
    reset(&kube).await;
    let console = start_sandbox_console(&[]).await;
    let admin = Browser::open(&console, "admin", "/pruner").await;
    let view = load(&admin, &console).await;
    assert_eq!(view.next_runs.as_ref().map(Vec::len), Ok(3));

    let before = pruners(&kube)
        .get("cluster")
        .await
        .expect("pruner")
        .metadata
        .resource_version;
    let bad = draft(
        &view,
        &[
            ("spec.schedule", Some("every night")),
            ("spec.keepTagRevisions", Some("three")),
        ],
    );
    let (status, error, text) =
        submit(&admin, &console, "apply_change", &bad, "prune at night").await;
    assert_eq!(status, 422, "{text}");
    let fields: Vec<&str> = error["Change"]["Invalid"]
        .as_array()
        .expect("violations")
        .iter()
        .filter_map(|v| v["field"].as_str())
        .collect();
    assert_eq!(fields, ["spec.keepTagRevisions", "spec.schedule"], "{text}");
    assert_eq!(
        pruners(&kube)
            .get("cluster")
            .await
            .expect("pruner")
            .metadata
            .resource_version,
        before
    );

    let change = draft(
        &view,
        &[
            ("spec.schedule", Some("30 2 * * *")),
            ("spec.keepTagRevisions", Some("5")),
            ("spec.suspend", Some("on")),
        ],
    );
    let (status, applied, text) = submit(
        &admin,
        &console,
        "apply_change",
        &change,
        "prune at 02:30, keep 5, paused for the migration",
    )
    .await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(
        applied["steps"][0]["oc_command"],
        r#"oc patch imagepruners.imageregistry.operator.openshift.io cluster --type merge -p '{"spec":{"keepTagRevisions":5,"schedule":"30 2 * * *","suspend":true}}'"#
    );
    let pruner =
        serde_json::to_value(pruners(&kube).get("cluster").await.expect("pruner")).expect("json");
    let mut object = pruner.clone();
    if let Some(map) = object.as_object_mut() {
        map.remove("status");
    }
    let problems = registry_console::change::crds::validate_object(
        "imageregistry.operator.openshift.io",
        "v1",
        "ImagePruner",
        &object,
    );
    assert!(problems.is_empty(), "{problems:?}");
    let cronjob = eventually("the CronJob follows", async || {
        let c = cronjobs(&kube)
            .get_opt("image-pruner")
            .await
            .ok()
            .flatten()?;
        (c.data["spec"]["suspend"] == true && c.data["spec"]["schedule"] == "30 2 * * *")
            .then_some(c)
    })
    .await;
    let args =
        cronjob.data["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["args"]
            .to_string();
    assert!(args.contains("--keep-tag-revisions=5"), "{args}");

    // Viewers read the page but are refused the change.
    let viewer = Browser::open(&console, "viewer", "/pruner").await;
    let viewed = load(&viewer, &console).await;
    assert!(viewed.form.suspend);
    // The page gives them the settings as they are, not a form they cannot use.
    let html = viewer.page(&console, "/pruner").await;
    assert!(html.contains("data-read-only-summary=\"pruner\""), "{html}");
    assert!(
        html.contains("data-fact=\"spec.keepTagRevisions\">5<"),
        "{html}"
    );
    assert!(!html.contains("data-change-form=\"pruner\""), "{html}");
    let (status, _, text) = submit(
        &viewer,
        &console,
        "apply_change",
        &draft(&viewed, &[]),
        "viewer tries",
    )
    .await;
    assert_eq!(status, 403, "{text}");
    reset(&kube).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_last_runs_show_a_succeeded_and_a_failed_job_with_its_log() {
    let _lock = PRUNER_LOCK.lock().await;
    let kube = admin_kube().await;
    reset(&kube).await;
    let console = start_sandbox_console(&[]).await;
    let admin = Browser::open(&console, "admin", "/pruner").await;
    let cronjob = eventually("the CronJob", async || {
        cronjobs(&kube).get_opt("image-pruner").await.ok().flatten()
    })
    .await;
    let template = cronjob.data["spec"]["jobTemplate"]["spec"].clone();
    let stamp = std::process::id();
    for (name, outcome) in [
        (format!("image-pruner-ok-{stamp}"), None),
        (format!("image-pruner-bad-{stamp}"), Some("failed")),
    ] {
        let mut annotations = json!({});
        if let Some(outcome) = outcome {
            annotations["sandbox.registry-console/outcome"] = json!(outcome);
        }
        let job: DynamicObject = serde_json::from_value(json!({
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": { "name": name, "namespace": NS, "annotations": annotations },
            "spec": template,
        }))
        .expect("job");
        jobs(&kube)
            .create(&PostParams::default(), &job)
            .await
            .expect("job created");
        // Creation times have seconds: the failed run is the newer one.
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }
    let view = eventually("both runs finished", async || {
        let view = load(&admin, &console).await;
        let runs = view.runs.clone().ok()?;
        let mine: Vec<_> = runs
            .iter()
            .filter(|r| r.job.ends_with(&stamp.to_string()))
            .collect();
        (mine.len() == 2
            && mine
                .iter()
                .all(|r| r.outcome != app::domain::pruner::RunOutcome::Running))
        .then_some(view)
    })
    .await;
    let runs = view.runs.expect("runs");
    let failed = runs
        .iter()
        .find(|r| r.job == format!("image-pruner-bad-{stamp}"))
        .expect("failed run");
    assert_eq!(failed.outcome, app::domain::pruner::RunOutcome::Failed);
    let tail = failed.log_tail.clone().expect("a tail").expect("readable");
    assert!(tail.contains("failed to ping registry"), "{tail}");
    let ok = runs
        .iter()
        .find(|r| r.job == format!("image-pruner-ok-{stamp}"))
        .expect("run");
    assert_eq!(ok.outcome, app::domain::pruner::RunOutcome::Succeeded);
    assert!(ok.log_tail.is_none());
    // The pruner says its last run failed.
    let failed_condition = eventually("Failed condition", async || {
        let p = pruners(&kube).get("cluster").await.ok()?;
        p.data["status"]["conditions"]
            .as_array()?
            .iter()
            .find(|c| c["type"] == "Failed" && c["status"] == "True")
            .cloned()
    })
    .await;
    // The Job's own reason, as the operator copies it.
    assert_eq!(failed_condition["reason"], "BackoffLimitExceeded");
    let html = admin.page(&console, "/pruner").await;
    assert!(
        html.contains("data-outcome=\"failed\"") && html.contains("data-outcome=\"succeeded\"")
    );
    for name in [
        format!("image-pruner-ok-{stamp}"),
        format!("image-pruner-bad-{stamp}"),
    ] {
        let _ = jobs(&kube).delete(&name, &Default::default()).await;
    }
}
