//! `deploy/` against the sandbox's real API server: every manifest passes a server-side dry
//! run (the API server's own validation, and the Route CRD's schema), the settings in the
//! ConfigMap load with the console's own configuration loader, the Deployment meets the
//! bar (two replicas, probes, restricted security context, read-only root filesystem),
//! and SubjectAccessReviews show that the service account can do exactly what the console
//! needs by itself: no Secrets, no writes to the registry's objects.

mod support;

use k8s_openapi::api::authorization::v1::SubjectAccessReview;
use kube::api::{Api, DynamicObject, Patch, PatchParams, PostParams};
use kube::core::GroupVersionKind;
use serde_json::{Value, json};

const DEPLOY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy");

/// Every object of the resources kustomization.yaml lists, in order, with its file.
fn manifests() -> Vec<(String, Value)> {
    let kustomization: Value = serde_saphyr::from_str(
        &std::fs::read_to_string(format!("{DEPLOY}/kustomization.yaml")).expect("kustomization"),
    )
    .expect("kustomization YAML");
    let mut objects = Vec::new();
    for file in kustomization["resources"].as_array().expect("resources") {
        let file = file.as_str().expect("file name");
        let text = std::fs::read_to_string(format!("{DEPLOY}/{file}")).expect("manifest");
        for document in text.split("\n---") {
            let object: Value = serde_saphyr::from_str(document).unwrap_or(Value::Null);
            if object.is_object() {
                objects.push((file.to_string(), object));
            }
        }
    }
    objects
}

fn find<'a>(objects: &'a [(String, Value)], kind: &str) -> &'a Value {
    &objects
        .iter()
        .find(|(_, o)| o["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in deploy/"))
        .1
}

async fn api_for(client: &kube::Client, object: &Value) -> Api<DynamicObject> {
    let (group, version) = match object["apiVersion"]
        .as_str()
        .expect("apiVersion")
        .split_once('/')
    {
        Some((group, version)) => (group, version),
        None => ("", object["apiVersion"].as_str().expect("apiVersion")),
    };
    let gvk = GroupVersionKind::gvk(group, version, object["kind"].as_str().expect("kind"));
    let (resource, capabilities) = kube::discovery::pinned_kind(client, &gvk)
        .await
        .unwrap_or_else(|e| panic!("the API server does not serve {gvk:?}: {e}"));
    match (capabilities.scope, object["metadata"]["namespace"].as_str()) {
        (kube::discovery::Scope::Namespaced, Some(namespace)) => {
            Api::namespaced_with(client.clone(), namespace, &resource)
        }
        _ => Api::all_with(client.clone(), &resource),
    }
}

async fn serves(client: &kube::Client, group: &str, version: &str) -> bool {
    client
        .list_api_group_resources(&format!("{group}/{version}"))
        .await
        .is_ok()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_manifest_passes_a_server_side_dry_run() {
    let admin = support::admin_kube().await;
    let objects = manifests();
    assert!(objects.len() >= 15, "{} objects", objects.len());
    for (file, object) in &objects {
        let mut object = object.clone();
        // The sandbox's API server (Kubernetes 1.20) predates policy/v1 (1.21), which the
        // manifest uses for current clusters; the spec is the same in v1beta1, which it
        // checks instead.
        if object["apiVersion"] == "policy/v1" && !serves(&admin, "policy", "v1").await {
            object["apiVersion"] = json!("policy/v1beta1");
        }
        let object = &object;
        let api = api_for(&admin, object).await;
        let name = object["metadata"]["name"].as_str().expect("name");
        let params = PatchParams::apply("registry-console-deploy-test")
            .dry_run()
            .force();
        if let Err(e) = api.patch(name, &params, &Patch::Apply(object)).await {
            panic!(
                "{file}: {} {name} refused by the API server: {e}",
                object["kind"]
            );
        }
    }
}

#[test]
fn the_deployment_meets_the_bar_and_its_settings_load() {
    let objects = manifests();
    let deployment = find(&objects, "Deployment");
    assert_eq!(deployment["spec"]["replicas"], 2);
    let pod = &deployment["spec"]["template"]["spec"];
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    assert_eq!(
        pod["securityContext"]["seccompProfile"]["type"],
        "RuntimeDefault"
    );
    let container = &pod["containers"][0];
    let security = &container["securityContext"];
    assert_eq!(security["readOnlyRootFilesystem"], true);
    assert_eq!(security["allowPrivilegeEscalation"], false);
    assert_eq!(security["capabilities"]["drop"], json!(["ALL"]));
    assert_eq!(container["readinessProbe"]["httpGet"]["path"], "/readyz");
    assert_eq!(container["livenessProbe"]["httpGet"]["path"], "/healthz");
    assert!(container["resources"]["requests"]["memory"].is_string());
    assert!(container["resources"]["limits"]["memory"].is_string());
    // The database URL (with its password) comes from the Secret, never the ConfigMap.
    assert_eq!(
        container["env"][0]["valueFrom"]["secretKeyRef"]["key"],
        "database-url"
    );
    let labels = &deployment["spec"]["template"]["metadata"]["labels"];
    for kind in ["PodDisruptionBudget", "Service"] {
        let object = find(&objects, kind);
        let selector = object["spec"]["selector"]
            .get("matchLabels")
            .unwrap_or(&object["spec"]["selector"]);
        for (key, value) in selector.as_object().expect("selector") {
            assert_eq!(&labels[key], value, "{kind} selects the console's pods");
        }
    }
    assert_eq!(
        find(&objects, "Route")["spec"]["tls"]["termination"],
        "reencrypt"
    );

    // The ConfigMap's settings, read by the console's own loader (an unknown key fails).
    let settings = find(&objects, "ConfigMap")["data"]["registry-console.toml"]
        .as_str()
        .expect("settings");
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("registry-console.toml");
    std::fs::write(&file, settings).expect("write");
    let (_, loaded) = registry_console::config::load(
        [
            "registry-console",
            "config",
            "--config",
            &file.display().to_string(),
        ]
        .into_iter()
        .map(std::ffi::OsString::from),
        Vec::new(),
    )
    .expect("the ConfigMap's settings load");
    let config = loaded.config;
    assert!(config.kube.in_cluster);
    assert_eq!(config.listen_addr.port(), 8443);
    assert!(config.tls.cert_file.is_some() && config.tls.key_file.is_some());
    assert!(config.is_https());
    // Every file the settings name is mounted.
    let mounts: Vec<&str> = container["volumeMounts"]
        .as_array()
        .expect("mounts")
        .iter()
        .filter_map(|m| m["mountPath"].as_str())
        .collect();
    for path in [
        config.tls.cert_file.clone().expect("cert"),
        config.oidc.client_secret_file.clone().expect("secret file"),
        config.data_dir.join("audit-fingerprint.key"),
        config.data_dir.join("session-tokens.key"),
    ] {
        assert!(
            mounts.iter().any(|m| path.starts_with(m)),
            "{} is not mounted",
            path.display()
        );
    }
}

/// The manifests' RBAC, bound to a service account of its own (names suffixed, so the
/// sandbox's own bindings stay as they are), applied for real.
async fn bind_manifest_rbac(admin: &kube::Client) -> &'static str {
    const ACCOUNT: &str = "manifest-test";
    let accounts: Api<k8s_openapi::api::core::v1::ServiceAccount> =
        Api::namespaced(admin.clone(), "registry-console");
    let _ = accounts
        .create(
            &PostParams::default(),
            &serde_json::from_value(json!({ "metadata": { "name": ACCOUNT } })).expect("sa"),
        )
        .await;
    for (_, mut object) in manifests() {
        let kind = object["kind"].as_str().unwrap_or_default().to_string();
        if !["ClusterRole", "Role", "ClusterRoleBinding", "RoleBinding"].contains(&kind.as_str()) {
            continue;
        }
        let name = format!(
            "{}-{ACCOUNT}",
            object["metadata"]["name"].as_str().expect("name")
        );
        object["metadata"]["name"] = json!(name);
        if kind.ends_with("Binding") {
            let role = format!(
                "{}-{ACCOUNT}",
                object["roleRef"]["name"].as_str().expect("role")
            );
            object["roleRef"]["name"] = json!(role);
            for subject in object["subjects"].as_array_mut().expect("subjects") {
                assert_eq!(subject["name"], "registry-console");
                subject["name"] = json!(ACCOUNT);
            }
        }
        let api = api_for(admin, &object).await;
        api.patch(
            &name,
            &PatchParams::apply("registry-console-deploy-test").force(),
            &Patch::Apply(&object),
        )
        .await
        .unwrap_or_else(|e| panic!("{kind} {name}: {e}"));
    }
    ACCOUNT
}

async fn allowed(
    admin: &kube::Client,
    account: &str,
    (verb, group, resource, namespace): (&str, &str, &str, &str),
) -> bool {
    let review: SubjectAccessReview = serde_json::from_value(json!({
        "spec": {
            "user": format!("system:serviceaccount:registry-console:{account}"),
            "groups": ["system:serviceaccounts", "system:serviceaccounts:registry-console", "system:authenticated"],
            "resourceAttributes": {
                "verb": verb, "group": group, "resource": resource, "namespace": namespace
            }
        }
    }))
    .expect("review");
    Api::<SubjectAccessReview>::all(admin.clone())
        .create(&PostParams::default(), &review)
        .await
        .expect("SubjectAccessReview")
        .status
        .is_some_and(|s| s.allowed)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_service_account_can_do_exactly_what_the_console_needs() {
    let admin = support::admin_kube().await;
    let account = bind_manifest_rbac(&admin).await;
    let ns = "openshift-image-registry";
    let needed = [
        ("impersonate", "", "users", ""),
        ("impersonate", "", "groups", ""),
        ("watch", "config.openshift.io", "clusteroperators", ""),
        ("list", "", "pods", ns),
        ("watch", "", "persistentvolumeclaims", ns),
        ("watch", "", "events", ns),
        ("list", "apps", "deployments", ns),
        ("watch", "route.openshift.io", "routes", ns),
        (
            "watch",
            "imageregistry.operator.openshift.io",
            "configs",
            "",
        ),
        (
            "get",
            "imageregistry.operator.openshift.io",
            "imagepruners",
            "",
        ),
        ("watch", "config.openshift.io", "images", ""),
        ("watch", "rbac.authorization.k8s.io", "rolebindings", ""),
        (
            "list",
            "rbac.authorization.k8s.io",
            "clusterrolebindings",
            "",
        ),
        ("watch", "", "configmaps", "openshift-config"),
        ("patch", "coordination.k8s.io", "leases", "registry-console"),
        (
            "create",
            "coordination.k8s.io",
            "leases",
            "registry-console",
        ),
    ];
    for check in needed {
        assert!(allowed(&admin, account, check).await, "needs {check:?}");
    }
    let refused = [
        ("get", "", "secrets", ns),
        ("list", "", "secrets", "openshift-config"),
        ("get", "", "secrets", "registry-console"),
        (
            "patch",
            "imageregistry.operator.openshift.io",
            "configs",
            "",
        ),
        (
            "update",
            "imageregistry.operator.openshift.io",
            "configs",
            "",
        ),
        (
            "delete",
            "imageregistry.operator.openshift.io",
            "imagepruners",
            "",
        ),
        ("patch", "config.openshift.io", "images", ""),
        ("update", "", "configmaps", "openshift-config"),
        (
            "create",
            "rbac.authorization.k8s.io",
            "clusterrolebindings",
            "",
        ),
        ("get", "", "pods/log", ns),
        ("delete", "", "pods", ns),
        ("patch", "coordination.k8s.io", "leases", "kube-system"),
        ("impersonate", "", "serviceaccounts", ns),
    ];
    for check in refused {
        assert!(!allowed(&admin, account, check).await, "must not {check:?}");
    }
}
