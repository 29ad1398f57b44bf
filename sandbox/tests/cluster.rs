//! The sandbox against its real API server: the stand-in operator's reactions, RBAC for the
//! sandbox users (real OIDC tokens, real 403s), and logs through `pods/log`.
//!
//! Tests that change the registry's Config hold `CONFIG_LOCK`, since they share one cluster.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod, Secret};
use kube::api::{
    Api, DeleteParams, DynamicObject, ListParams, LogParams, Patch, PatchParams, PostParams,
};
use registry_console_sandbox::harness;
use registry_console_sandbox::oidc_login::sign_in;
use registry_console_sandbox::operator::{NAMESPACE, config_resource, route_resource};
use registry_console_sandbox::sandbox::{admin_client, token_client};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

static CONFIG_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn admin() -> kube::Client {
    admin_client(&harness::shared().kubeconfig)
        .await
        .expect("admin client")
}

async fn as_user(user: &str) -> kube::Client {
    let info = harness::shared();
    let tokens = sign_in(&info.oidc, user, &format!("{user}-password"))
        .await
        .expect("sign in");
    token_client(
        &info.apiserver_url,
        &info.apiserver_ca_file,
        &tokens.id_token,
    )
    .expect("token client")
}

fn configs(client: &kube::Client) -> Api<DynamicObject> {
    Api::all_with(client.clone(), &config_resource())
}

/// Merge-patches the Config's spec (as `oc patch --type merge` does).
async fn patch_spec(client: &kube::Client, spec: Value) {
    configs(client)
        .patch(
            "cluster",
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": spec })),
        )
        .await
        .expect("patch config");
}

fn condition<'a>(config: &'a DynamicObject, kind: &str) -> Option<&'a Value> {
    config
        .data
        .pointer("/status/conditions")?
        .as_array()?
        .iter()
        .find(|c| c["type"] == kind)
}

/// Waits until the operator has seen the current generation and `done` holds.
async fn wait_for(
    client: &kube::Client,
    what: &str,
    done: impl Fn(&DynamicObject) -> bool,
) -> DynamicObject {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let config = configs(client).get("cluster").await.expect("get config");
        let observed = config
            .data
            .pointer("/status/observedGeneration")
            .and_then(Value::as_i64);
        if observed == config.metadata.generation && done(&config) {
            return config;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {:#}",
            config.data
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn is(config: &DynamicObject, kind: &str, status: &str) -> bool {
    condition(config, kind).is_some_and(|c| c["status"] == status)
}

/// Back to the state of a fresh bare-metal install.
async fn reset(client: &kube::Client) {
    patch_spec(
        client,
        json!({
            "managementState": "Removed",
            "storage": null,
            "replicas": 1,
            "rolloutStrategy": "RollingUpdate",
            "defaultRoute": false,
            "routes": null
        }),
    )
    .await;
    wait_for(client, "Removed", |c| is(c, "Removed", "True")).await;
}

/// From a fresh install to Managed with `spec`, waiting until the operator says Available.
async fn managed_with(client: &kube::Client, spec: Value) -> DynamicObject {
    reset(client).await;
    let mut spec = spec;
    spec["managementState"] = json!("Managed");
    patch_spec(client, spec).await;
    wait_for(client, "Available", |c| {
        is(c, "Available", "True") && is(c, "Progressing", "False")
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn removed_to_managed_with_empty_dir_rolls_out_one_replica() {
    let _lock = CONFIG_LOCK.lock().await;
    let client = admin().await;
    reset(&client).await;

    // The guide's procedure (§ "Changing the image registry's management state").
    patch_spec(
        &client,
        json!({ "managementState": "Managed", "storage": { "emptyDir": {} } }),
    )
    .await;
    let config = wait_for(&client, "Available", |c| {
        is(c, "Available", "True") && is(c, "Progressing", "False")
    })
    .await;
    assert_eq!(
        config.data.pointer("/status/readyReplicas"),
        Some(&json!(1))
    );
    assert!(is(&config, "Degraded", "False"));
    assert!(is(&config, "Removed", "False"));
    assert_eq!(
        condition(&config, "Available").map(|c| c["message"].clone()),
        Some(json!("The registry is ready"))
    );
    let http_secret = config
        .data
        .pointer("/spec/httpSecret")
        .and_then(Value::as_str)
        .unwrap_or("");
    assert_eq!(http_secret.len(), 128, "the operator fills httpSecret");

    let deployments: Api<Deployment> = Api::namespaced(client.clone(), NAMESPACE);
    let deployment = deployments.get("image-registry").await.expect("deployment");
    assert_eq!(deployment.spec.as_ref().and_then(|s| s.replicas), Some(1));
    let pods: Api<Pod> = Api::namespaced(client.clone(), NAMESPACE);
    let pods = pods
        .list(&ListParams::default().labels("docker-registry=default"))
        .await
        .expect("pods");
    assert_eq!(pods.items.len(), 1);
    let phase = pods.items[0].status.as_ref().and_then(|s| s.phase.clone());
    assert_eq!(phase.as_deref(), Some("Running"));

    let operators: Api<DynamicObject> = Api::all_with(
        client.clone(),
        &registry_console_sandbox::operator::cluster_operator_resource(),
    );
    let co = operators
        .get("image-registry")
        .await
        .expect("clusteroperator");
    let available = co
        .data
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .and_then(|cs| cs.iter().find(|c| c["type"] == "Available").cloned());
    assert_eq!(available.map(|c| c["status"].clone()), Some(json!("True")));

    // Removed again: what the operator created goes, and it says so.
    patch_spec(&client, json!({ "managementState": "Removed" })).await;
    let config = wait_for(&client, "Removed", |c| is(c, "Removed", "True")).await;
    assert_eq!(
        condition(&config, "Available").map(|c| c["message"].clone()),
        Some(json!("The registry is removed"))
    );
    assert!(
        deployments
            .get_opt("image-registry")
            .await
            .expect("get")
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn empty_dir_with_two_replicas_runs_two_pods_each_with_its_own_images() {
    let _lock = CONFIG_LOCK.lock().await;
    let client = admin().await;
    // As the real operator: no rule against it (the console's doctor warns instead).
    let config = managed_with(
        &client,
        json!({ "storage": { "emptyDir": {} }, "replicas": 2 }),
    )
    .await;
    assert_eq!(
        config.data.pointer("/status/readyReplicas"),
        Some(&json!(2))
    );
    reset(&client).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn read_write_once_claim_with_rolling_update_degrades() {
    let _lock = CONFIG_LOCK.lock().await;
    let client = admin().await;
    reset(&client).await;
    let claims: Api<PersistentVolumeClaim> = Api::namespaced(client.clone(), NAMESPACE);
    let claim: PersistentVolumeClaim = serde_json::from_value(json!({
        "metadata": { "name": "block-storage" },
        "spec": { "accessModes": ["ReadWriteOnce"], "resources": { "requests": { "storage": "100Gi" } } }
    }))
    .expect("claim");
    claims.create(&PostParams::default(), &claim).await.ok();

    patch_spec(
        &client,
        json!({ "managementState": "Managed", "storage": { "pvc": { "claim": "block-storage" } }, "rolloutStrategy": "RollingUpdate" }),
    )
    .await;
    // As the real operator: the storage does not sync (Progressing, StorageExists);
    // Degraded waits five minutes without availability.
    let config = wait_for(&client, "Progressing with the claim's error", |c| {
        condition(c, "Progressing").is_some_and(|p| p["status"] == "True" && p["reason"] == "Error")
    })
    .await;
    let message = condition(&config, "Progressing")
        .and_then(|c| c["message"].as_str())
        .unwrap_or("")
        .to_string();
    assert_eq!(
        message,
        "Unable to apply resources: unable to sync storage configuration: cannot use ReadWriteOnce access mode with RollingUpdate rollout strategy"
    );
    let exists = condition(&config, "StorageExists")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (exists["status"].as_str(), exists["reason"].as_str()),
        (Some("False"), Some("PVC Issues Found"))
    );
    assert!(is(&config, "Degraded", "False"), "not before five minutes");

    // The guide's fix for block storage: Recreate and one replica.
    patch_spec(
        &client,
        json!({ "rolloutStrategy": "Recreate", "replicas": 1 }),
    )
    .await;
    let config = wait_for(&client, "Available", |c| {
        is(c, "Available", "True") && is(c, "Degraded", "False")
    })
    .await;
    assert_eq!(
        config.data.pointer("/status/readyReplicas"),
        Some(&json!(1))
    );

    reset(&client).await;
    assert!(
        claims
            .get_opt("block-storage")
            .await
            .expect("get")
            .is_some(),
        "an admin's claim is never deleted"
    );
    claims
        .delete("block-storage", &DeleteParams::default())
        .await
        .ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn empty_claim_makes_the_operator_create_its_read_write_many_claim() {
    let _lock = CONFIG_LOCK.lock().await;
    let client = admin().await;
    // The guide's exact patch: an empty claim asks the operator to create one.
    let config = managed_with(&client, json!({ "storage": { "pvc": { "claim": "" } } })).await;
    assert_eq!(
        config.data.pointer("/spec/storage/pvc/claim"),
        Some(&json!("image-registry-storage"))
    );
    assert_eq!(
        config.data.pointer("/status/storageManaged"),
        Some(&json!(true))
    );
    let claims: Api<PersistentVolumeClaim> = Api::namespaced(client.clone(), NAMESPACE);
    let pvc = claims
        .get("image-registry-storage")
        .await
        .expect("created claim");
    let spec = pvc.spec.expect("spec");
    assert_eq!(spec.access_modes, Some(vec!["ReadWriteMany".to_string()]));
    let size = spec
        .resources
        .and_then(|r| r.requests)
        .and_then(|r| r.get("storage").cloned());
    assert_eq!(size.map(|q| q.0), Some("100Gi".to_string()));

    // Removed deletes storage the operator provisioned.
    reset(&client).await;
    let gone = claims
        .get_opt("image-registry-storage")
        .await
        .expect("get")
        .is_none_or(|p| p.metadata.deletion_timestamp.is_some());
    assert!(gone);
}

#[tokio::test(flavor = "multi_thread")]
async fn default_route_gets_the_router_host_and_custom_routes_their_own() {
    let _lock = CONFIG_LOCK.lock().await;
    let client = admin().await;
    managed_with(
        &client,
        json!({
            "storage": { "emptyDir": {} },
            "defaultRoute": true,
            "routes": [{ "name": "public-routes", "hostname": "registry.example.com" }]
        }),
    )
    .await;
    let routes: Api<DynamicObject> =
        Api::namespaced_with(client.clone(), NAMESPACE, &route_resource());
    let default_route = routes.get("default-route").await.expect("default route");
    assert_eq!(
        default_route.data.pointer("/spec/host"),
        Some(&json!(
            "default-route-openshift-image-registry.apps.sandbox.example"
        ))
    );
    assert_eq!(
        default_route.data.pointer("/spec/tls/termination"),
        Some(&json!("reencrypt"))
    );
    let custom = routes.get("public-routes").await.expect("custom route");
    assert_eq!(
        custom.data.pointer("/spec/host"),
        Some(&json!("registry.example.com"))
    );

    patch_spec(&client, json!({ "defaultRoute": false, "routes": null })).await;
    wait_for(&client, "routes removed", |c| is(c, "Available", "True")).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while !routes
        .list(&ListParams::default())
        .await
        .expect("list")
        .items
        .is_empty()
    {
        assert!(Instant::now() < deadline, "routes not removed");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    reset(&client).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn rbac_viewer_reads_but_cannot_see_secrets_or_change_the_config() {
    let viewer = as_user("viewer").await;
    configs(&viewer)
        .get("cluster")
        .await
        .expect("a viewer reads the Config");
    let pods: Api<Pod> = Api::namespaced(viewer.clone(), NAMESPACE);
    pods.list(&ListParams::default())
        .await
        .expect("a viewer lists the registry's pods");

    let secrets: Api<Secret> = Api::namespaced(viewer.clone(), NAMESPACE);
    let denied = secrets
        .list(&ListParams::default())
        .await
        .expect_err("secrets are denied");
    assert!(
        matches!(&denied, kube::Error::Api(s) if s.code == 403),
        "{denied}"
    );
    let denied = configs(&viewer)
        .patch(
            "cluster",
            &PatchParams::default(),
            &Patch::Merge(json!({ "spec": { "logLevel": "Debug" } })),
        )
        .await
        .expect_err("patching is denied");
    match denied {
        kube::Error::Api(status) => {
            assert_eq!(status.code, 403);
            assert!(
                status.message.contains("oidc:viewer"),
                "the API server names the user: {}",
                status.message
            );
        }
        other => panic!("expected 403, got {other}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn rbac_auditor_and_groupless_user_have_no_cluster_rights() {
    for user in ["auditor", "nobody"] {
        let client = as_user(user).await;
        let denied = configs(&client).get("cluster").await.expect_err("denied");
        assert!(
            matches!(&denied, kube::Error::Api(s) if s.code == 403),
            "{user}: {denied}"
        );
    }
    let admin = as_user("admin").await;
    let secrets: Api<Secret> = Api::namespaced(admin, NAMESPACE);
    secrets
        .list(&ListParams::default())
        .await
        .expect("the OIDC admin is a cluster admin");
}

#[tokio::test(flavor = "multi_thread")]
async fn logs_travel_through_the_api_server_and_follow_streams() {
    let _lock = CONFIG_LOCK.lock().await;
    let client = admin().await;
    managed_with(&client, json!({ "storage": { "emptyDir": {} } })).await;

    let viewer = as_user("viewer").await;
    let pods: Api<Pod> = Api::namespaced(viewer.clone(), NAMESPACE);
    let pod = pods
        .list(&ListParams::default().labels("docker-registry=default"))
        .await
        .expect("pods")
        .items[0]
        .metadata
        .name
        .clone()
        .expect("name");
    let all = pods
        .logs(&pod, &LogParams::default())
        .await
        .expect("logs via pods/log");
    // What Debian's registry itself wrote (the runtime gives it an address of its own).
    assert!(all.contains("msg=\"listening on 127.0.0.1:"), "{all}");
    assert!(all.contains("version=2.8.2"), "{all}");
    let tail = pods
        .logs(
            &pod,
            &LogParams {
                tail_lines: Some(1),
                timestamps: true,
                ..LogParams::default()
            },
        )
        .await
        .expect("tail");
    assert_eq!(tail.lines().count(), 1, "{tail}");
    assert!(tail.starts_with("20"), "timestamps requested: {tail}");

    use futures::{AsyncBufReadExt, TryStreamExt};
    let stream = pods
        .log_stream(
            &pod,
            &LogParams {
                follow: true,
                tail_lines: Some(0),
                ..LogParams::default()
            },
        )
        .await
        .expect("follow");
    let mut lines = stream.lines();
    let next = tokio::time::timeout(Duration::from_secs(10), lines.try_next())
        .await
        .expect("a new line within 10 s")
        .expect("read")
        .expect("a line");
    // The kubelet's probe of /v2/, as the registry logs it (its own line or its access line).
    assert!(next.contains("/v2/"), "{next}");
    reset(&client).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn registry_metrics_need_the_http_secret_and_move() {
    let _lock = CONFIG_LOCK.lock().await;
    let info = harness::shared();
    let client = admin().await;
    managed_with(&client, json!({ "storage": { "emptyDir": {} } })).await;
    let secret = configs(&client)
        .get("cluster")
        .await
        .expect("config")
        .data
        .pointer("/spec/httpSecret")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let http = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(
            reqwest::Certificate::from_pem(&std::fs::read(&info.registry_ca_file).expect("ca"))
                .expect("pem"),
        )
        .build()
        .expect("http");
    let denied = http
        .get(&info.registry_metrics_url)
        .basic_auth("x", Some("wrong"))
        .send()
        .await
        .expect("get");
    assert_eq!(denied.status(), 401);
    let scrape = || async {
        http.get(&info.registry_metrics_url)
            .basic_auth("prometheus", Some(&secret))
            .send()
            .await
            .expect("get")
            .text()
            .await
            .expect("text")
    };
    let first = scrape().await;
    assert!(
        first.contains("# TYPE imageregistry_http_requests_total counter"),
        "{first}"
    );
    assert!(
        first.contains("gitVersion=\"v2.8.2"),
        "the registry's own version: {first}"
    );
    // A request the registry serves moves its counters. The test makes that request itself
    // (the kubelet's probes would too, but on a loaded machine not within a fixed sleep),
    // then reads the counters until they move, with a deadline.
    let served = reqwest::get(format!("http://{}/v2/", info.front))
        .await
        .expect("get /v2/ through the Service");
    assert!(
        served.status().is_success() || served.status() == 401,
        "the registry answers /v2/: {}",
        served.status()
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut second = scrape().await;
    while first == second && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(250)).await;
        second = scrape().await;
    }
    assert_ne!(first, second, "counters move while the registry serves");
    reset(&client).await;
}

/// Guide 3.1 against the sandbox's S3 server: the operator creates the missing bucket and
/// says StorageExists, the registry runs on it. When the keys are rotated at the S3 side,
/// the registry's storage check fails with the server's own error (its log; its pod is no
/// longer Ready) and so does the operator's; the new keys in the Secret bring it back.
#[tokio::test(flavor = "multi_thread")]
async fn s3_storage_gets_its_bucket_and_fails_with_the_servers_error_when_keys_rotate() {
    use registry_console_sandbox::s3::{ACCESS_KEY, SECRET_KEY};
    let _lock = CONFIG_LOCK.lock().await;
    let client = admin().await;
    let info = harness::shared();
    let secrets: Api<Secret> = Api::namespaced(client.clone(), NAMESPACE);
    let pods: Api<Pod> = Api::namespaced(client.clone(), NAMESPACE);
    let write_keys = |access: &str, secret: &str| {
        json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": { "name": "image-registry-private-configuration-user", "namespace": NAMESPACE },
            "stringData": { "REGISTRY_STORAGE_S3_ACCESSKEY": access, "REGISTRY_STORAGE_S3_SECRETKEY": secret }
        })
    };
    let apply = PatchParams::apply("cluster-test").force();
    let credentials = "image-registry-private-configuration-user";
    secrets
        .patch(
            credentials,
            &apply,
            &Patch::Apply(write_keys(ACCESS_KEY, SECRET_KEY)),
        )
        .await
        .expect("credentials");
    let bucket = format!("cluster-test-{}", std::process::id());
    let config = managed_with(
        &client,
        json!({ "storage": { "s3": {
            "bucket": bucket, "region": "us-east-1", "regionEndpoint": info.s3.endpoint()
        } } }),
    )
    .await;
    assert!(
        is(&config, "StorageExists", "True"),
        "{:?}",
        condition(&config, "StorageExists")
    );
    assert!(
        info.s3.root.join(&bucket).is_dir(),
        "the bucket is on the server"
    );

    // The S3 side rotates its keys: the running registry's are no longer known.
    info.s3
        .set_keys(&[("ROTATEDACCESSKEY1", "rotated-secret-key")])
        .expect("rotate");
    // What the S3 server says to the old keys, asked directly.
    let old = s3::creds::Credentials::new(Some(ACCESS_KEY), Some(SECRET_KEY), None, None, None)
        .expect("credentials");
    let region = s3::Region::Custom {
        region: "us-east-1".into(),
        endpoint: format!("http://{}", info.s3.addr),
    };
    let answer = s3::Bucket::new(&bucket, region, old)
        .expect("bucket")
        .with_path_style()
        .get_object("/anything")
        .await
        .expect("an answer");
    let body = String::from_utf8_lossy(answer.as_slice()).to_string();
    let code = body
        .split("<Code>")
        .nth(1)
        .and_then(|rest| rest.split("</Code>").next())
        .unwrap_or_else(|| panic!("no error code in {body}"))
        .to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let config = configs(&client).get("cluster").await.expect("config");
        let list = pods
            .list(&ListParams::default().labels("docker-registry=default"))
            .await
            .expect("pods");
        let ready = list.items.iter().any(|p| {
            p.status
                .as_ref()
                .and_then(|s| s.conditions.as_ref())
                .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
        });
        let exists = condition(&config, "StorageExists")
            .cloned()
            .unwrap_or_default();
        let progressing = condition(&config, "Progressing")
            .cloned()
            .unwrap_or_default();
        // The operator hears the same error from the server and says why nothing rolls
        // out; the registry's storage check fails its readiness.
        if exists["status"] == "False"
            && exists["reason"] == code.as_str()
            && progressing["message"]
                .as_str()
                .is_some_and(|m| m.contains(&code))
            && !ready
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not the server's {code}: {exists}, ready {ready}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    // The new keys in the Secret (the console's rotation): new pods, storage back.
    secrets
        .patch(
            credentials,
            &apply,
            &Patch::Apply(write_keys("ROTATEDACCESSKEY1", "rotated-secret-key")),
        )
        .await
        .expect("new keys");
    wait_for(&client, "storage back", |c| {
        is(c, "StorageExists", "True")
            && is(c, "Available", "True")
            && is(c, "Progressing", "False")
    })
    .await;
    info.s3
        .set_keys(&[(ACCESS_KEY, SECRET_KEY)])
        .expect("keys back");
    reset(&client).await;
    secrets
        .delete(credentials, &DeleteParams::default())
        .await
        .expect("delete credentials");
}
