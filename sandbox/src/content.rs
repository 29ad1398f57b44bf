//! What a fresh bare-metal OpenShift 4.4 install has that the console works with (SPEC §3):
//! the CRDs, the two namespaces, the cluster singletons, the ClusterOperator, the registry
//! ClusterRoles, and the sandbox users' bindings.

use crate::crds::{self, Stripped};
use crate::operator::{NAMESPACE, cluster_operator_resource, config_resource};
use crate::{Error, Result};
use base64::Engine;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::Client;
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};

/// Namespace of the console's own service account (impersonate mode).
pub const CONSOLE_NAMESPACE: &str = "registry-console";
/// The console's service account, allowed only to impersonate users and groups and to
/// read the objects it watches for changes made outside it.
pub const CONSOLE_SERVICE_ACCOUNT: &str = "registry-console";

const FIELD_MANAGER: &str = "registry-console-sandbox";

/// The OIDC prefix the sandbox API server puts on usernames and groups.
pub const OIDC_PREFIX: &str = "oidc:";

/// Installs every CRD file in `dir` (stripped for Kubernetes 1.20) and waits until the API
/// server serves them.
pub async fn install_crds(client: &Client, dir: &Path) -> Result<()> {
    let api: Api<CustomResourceDefinition> = Api::all(client.clone());
    let mut names = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| Error::Setup(format!("reading CRDs from {}: {e}", dir.display())))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    entries.sort();
    if entries.is_empty() {
        return Err(Error::Setup(format!("no CRD files in {}", dir.display())));
    }
    for path in entries {
        let text = std::fs::read_to_string(&path)?;
        let mut crd =
            crds::parse(&text).map_err(|e| Error::Setup(format!("{}: {e}", path.display())))?;
        let mut stripped = Stripped::default();
        crds::strip_for_kubernetes_1_20(&mut crd, &mut stripped);
        // Annotations such as release.openshift.io/* are irrelevant here but harmless.
        let name = crd["metadata"]["name"]
            .as_str()
            .ok_or_else(|| Error::Setup(format!("{}: no metadata.name", path.display())))?
            .to_string();
        tracing::info!(crd = %name, ?stripped, "installing CRD");
        api.patch(
            &name,
            &PatchParams::apply(FIELD_MANAGER).force(),
            &Patch::Apply(&crd),
        )
        .await?;
        names.push(name);
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    for name in names {
        loop {
            let crd = api.get(&name).await?;
            let established = crd.status.and_then(|s| s.conditions).is_some_and(|cs| {
                cs.iter()
                    .any(|c| c.type_ == "Established" && c.status == "True")
            });
            if established {
                break;
            }
            if Instant::now() > deadline {
                return Err(Error::Setup(format!(
                    "CRD {name} not established within 30 s"
                )));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    Ok(())
}

fn resource(group: &str, version: &str, kind: &str, plural: &str) -> ApiResource {
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), plural)
}

/// Applies one object with server-side apply.
async fn apply(
    client: &Client,
    resource: &ApiResource,
    namespace: Option<&str>,
    object: Value,
) -> Result<()> {
    let name = object["metadata"]["name"]
        .as_str()
        .ok_or_else(|| Error::Setup("object without a name".into()))?
        .to_string();
    let api: Api<DynamicObject> = match namespace {
        Some(ns) => Api::namespaced_with(client.clone(), ns, resource),
        None => Api::all_with(client.clone(), resource),
    };
    api.patch(
        &name,
        &PatchParams::apply(FIELD_MANAGER).force(),
        &Patch::Apply(&object),
    )
    .await?;
    Ok(())
}

/// The sandbox's pull secret: the installer's three registries (not real credentials).
pub const SANDBOX_PULL_SECRET: &str = r#"{"auths":{"cloud.openshift.com":{"auth":"c2FuZGJveDpub3QtYS1yZWFsLXRva2VuLWZvci1jbG91ZC5vcGVuc2hpZnQuY29t","email":"admin@example.com"},"quay.io":{"auth":"c2FuZGJveDpub3QtYS1yZWFsLXRva2VuLWZvci1xdWF5Lmlv","email":"admin@example.com"},"registry.redhat.io":{"auth":"c2FuZGJveDpub3QtYS1yZWFsLXRva2VuLWZvci1yZWdpc3RyeS5yZWRoYXQuaW8=","email":"admin@example.com"}}}"#;

/// Creates the objects of a fresh install. Only creates: an object that exists (say, from
/// a previous run with `--keep-data`) is left as it is.
pub async fn install_objects(client: &Client) -> Result<()> {
    let core = |kind: &str, plural: &str| resource("", "v1", kind, plural);
    let rbac = |kind: &str, plural: &str| resource("rbac.authorization.k8s.io", "v1", kind, plural);

    for ns in [
        NAMESPACE,
        "openshift-config",
        "openshift",
        CONSOLE_NAMESPACE,
    ] {
        create_if_missing(
            client,
            &core("Namespace", "namespaces"),
            None,
            json!({
                "apiVersion": "v1", "kind": "Namespace", "metadata": { "name": ns }
            }),
        )
        .await?;
    }
    // An installed cluster's pull secret (guide chapter 4): three registries, as the
    // installer writes it, with values that log in nowhere.
    create_if_missing(
        client,
        &core("Secret", "secrets"),
        Some("openshift-config"),
        json!({
            "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/dockerconfigjson",
            "metadata": { "name": "pull-secret", "namespace": "openshift-config" },
            "data": { ".dockerconfigjson": base64::engine::general_purpose::STANDARD.encode(SANDBOX_PULL_SECRET) }
        }),
    )
    .await?;
    // The registry's pods run as this service account (and pods need it to exist).
    for sa in ["registry", "default"] {
        create_if_missing(
            client,
            &core("ServiceAccount", "serviceaccounts"),
            Some(NAMESPACE),
            json!({
                "apiVersion": "v1", "kind": "ServiceAccount",
                "metadata": { "name": sa, "namespace": NAMESPACE },
                "automountServiceAccountToken": false
            }),
        )
        .await?;
    }

    // The console's own identity for impersonate mode: it may impersonate and nothing else.
    create_if_missing(
        client,
        &core("ServiceAccount", "serviceaccounts"),
        Some(CONSOLE_NAMESPACE),
        json!({
            "apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": { "name": CONSOLE_SERVICE_ACCOUNT, "namespace": CONSOLE_NAMESPACE }
        }),
    )
    .await?;

    // The sandbox client's identity (`crate::client`): pulls and pushes in every project.
    let (client_namespace, client_account) = crate::client::DEFAULT_SERVICE_ACCOUNT;
    create_if_missing(
        client,
        &core("ServiceAccount", "serviceaccounts"),
        Some(client_namespace),
        json!({
            "apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": { "name": client_account, "namespace": client_namespace }
        }),
    )
    .await?;

    // On bare metal the installer leaves the registry Removed with no storage.
    create_if_missing(
        client,
        &config_resource(),
        None,
        json!({
            "apiVersion": "imageregistry.operator.openshift.io/v1",
            "kind": "Config",
            "metadata": { "name": "cluster" },
            "spec": {
                "managementState": "Removed",
                "logLevel": "Normal",
                "operatorLogLevel": "Normal",
                "replicas": 1,
                "rolloutStrategy": "RollingUpdate",
                "storage": {}
            }
        }),
    )
    .await?;
    create_if_missing(
        client,
        &resource("config.openshift.io", "v1", "Image", "images"),
        None,
        json!({
            "apiVersion": "config.openshift.io/v1",
            "kind": "Image",
            "metadata": { "name": "cluster" },
            "spec": {}
        }),
    )
    .await?;
    create_if_missing(
        client,
        &resource(
            "imageregistry.operator.openshift.io",
            "v1",
            "ImagePruner",
            "imagepruners",
        ),
        None,
        json!({
            "apiVersion": "imageregistry.operator.openshift.io/v1",
            "kind": "ImagePruner",
            "metadata": { "name": "cluster" },
            "spec": {
                "schedule": "0 0 * * *",
                "suspend": false,
                "keepTagRevisions": 3,
                "keepYoungerThanDuration": "60m",
                "successfulJobsHistoryLimit": 3,
                "failedJobsHistoryLimit": 3
            }
        }),
    )
    .await?;
    create_if_missing(
        client,
        &cluster_operator_resource(),
        None,
        json!({
            "apiVersion": "config.openshift.io/v1",
            "kind": "ClusterOperator",
            "metadata": { "name": "image-registry" },
            "spec": {}
        }),
    )
    .await?;

    for class in crate::volumes::storage_classes() {
        create_if_missing(
            client,
            &resource("storage.k8s.io", "v1", "StorageClass", "storageclasses"),
            None,
            class,
        )
        .await?;
    }

    for role in cluster_roles() {
        apply(client, &rbac("ClusterRole", "clusterroles"), None, role).await?;
    }
    for binding in bindings() {
        let kind = binding["kind"].as_str().unwrap_or("");
        let (res, ns) = if kind == "RoleBinding" {
            (rbac("RoleBinding", "rolebindings"), Some(NAMESPACE))
        } else {
            (rbac("ClusterRoleBinding", "clusterrolebindings"), None)
        };
        apply(client, &res, ns, binding).await?;
    }
    apply(
        client,
        &rbac("Role", "roles"),
        Some(NAMESPACE),
        namespace_reader_role(),
    )
    .await?;
    apply(
        client,
        &rbac("Role", "roles"),
        Some(NAMESPACE),
        overview_cache_role(),
    )
    .await?;
    // The console's own identity reads the ConfigMaps of openshift-config, where the trusted
    // registry CAs are (guide 2.5), to record changes made to them outside the console.
    let (role, binding) = trusted_ca_watcher();
    apply(client, &rbac("Role", "roles"), Some(TRUST_NAMESPACE), role).await?;
    apply(
        client,
        &rbac("RoleBinding", "rolebindings"),
        Some(TRUST_NAMESPACE),
        binding,
    )
    .await?;
    let (role, binding) = outside_lease();
    apply(
        client,
        &rbac("Role", "roles"),
        Some(CONSOLE_NAMESPACE),
        role,
    )
    .await?;
    apply(
        client,
        &rbac("RoleBinding", "rolebindings"),
        Some(CONSOLE_NAMESPACE),
        binding,
    )
    .await?;
    Ok(())
}

/// The console's own identity holds the Lease that lets one replica record outside
/// changes (server/src/audit/outside/lease.rs), in its own namespace only.
fn outside_lease() -> (Value, Value) {
    (
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": { "name": "registry-console-outside-lease", "namespace": CONSOLE_NAMESPACE },
            "rules": [rule(&["coordination.k8s.io"], &["leases"], &["get", "create", "update", "patch"])]
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": { "name": "registry-console-outside-lease", "namespace": CONSOLE_NAMESPACE },
            "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "registry-console-outside-lease" },
            "subjects": [{ "kind": "ServiceAccount", "name": CONSOLE_SERVICE_ACCOUNT, "namespace": CONSOLE_NAMESPACE }]
        }),
    )
}

/// The platform of a bare-metal install (`infrastructures.config.openshift.io/cluster`, read
/// by the storage wizard) and the cluster's ingress domain (`ingresses.config.openshift.io/
/// cluster`). Their CRDs are the read-only ones of the repository's `crds/read-only`.
pub async fn install_platform(client: &Client, ingress_domain: &str) -> Result<()> {
    let infrastructure = resource(
        "config.openshift.io",
        "v1",
        "Infrastructure",
        "infrastructures",
    );
    create_if_missing(
        client,
        &infrastructure,
        None,
        json!({
            "apiVersion": "config.openshift.io/v1",
            "kind": "Infrastructure",
            "metadata": { "name": "cluster" },
            "spec": { "platformSpec": { "type": "BareMetal" } }
        }),
    )
    .await?;
    // The installer writes the status; `platform` is the deprecated copy of the type.
    Api::<DynamicObject>::all_with(client.clone(), &infrastructure)
        .patch_status(
            "cluster",
            &PatchParams::default(),
            &Patch::Merge(json!({ "status": {
                "infrastructureName": "sandbox-7xk2p",
                "platform": "BareMetal",
                "platformStatus": { "type": "BareMetal" },
                "controlPlaneTopology": "HighlyAvailable",
                "infrastructureTopology": "HighlyAvailable",
                "etcdDiscoveryDomain": ""
            } })),
        )
        .await?;
    create_if_missing(
        client,
        &resource("config.openshift.io", "v1", "Ingress", "ingresses"),
        None,
        json!({
            "apiVersion": "config.openshift.io/v1",
            "kind": "Ingress",
            "metadata": { "name": "cluster" },
            "spec": { "domain": ingress_domain }
        }),
    )
    .await?;
    Ok(())
}

/// Namespace of the trusted registry CAs' ConfigMap.
const TRUST_NAMESPACE: &str = "openshift-config";

/// Read access to the ConfigMaps of openshift-config for the console's own identity.
fn trusted_ca_watcher() -> (Value, Value) {
    (
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": { "name": "registry-console-trusted-ca-watcher", "namespace": TRUST_NAMESPACE },
            "rules": [rule(&[""], &["configmaps"], &["get", "list", "watch"])]
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": { "name": "registry-console-trusted-ca-watcher", "namespace": TRUST_NAMESPACE },
            "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "registry-console-trusted-ca-watcher" },
            "subjects": [{ "kind": "ServiceAccount", "name": CONSOLE_SERVICE_ACCOUNT, "namespace": CONSOLE_NAMESPACE }]
        }),
    )
}

async fn create_if_missing(
    client: &Client,
    resource: &ApiResource,
    namespace: Option<&str>,
    object: Value,
) -> Result<()> {
    let api: Api<DynamicObject> = match namespace {
        Some(ns) => Api::namespaced_with(client.clone(), ns, resource),
        None => Api::all_with(client.clone(), resource),
    };
    let object: DynamicObject = serde_json::from_value(object)?;
    match api.create(&Default::default(), &object).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.code == 409 => Ok(()),
        Err(e) => Err(e.into()),
    }
}

fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> Value {
    json!({ "apiGroups": groups, "resources": resources, "verbs": verbs })
}

/// The ClusterRoles OpenShift ships for registry access, and the guide's (§5.5)
/// `prometheus-scraper` for the registry's metrics.
pub fn cluster_roles() -> Vec<Value> {
    const IMAGE: [&str; 2] = ["", "image.openshift.io"];
    let role = |name: &str, rules: Vec<Value>| {
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": { "name": name },
            "rules": rules
        })
    };
    vec![
        role(
            "registry-viewer",
            vec![
                rule(
                    &IMAGE,
                    &[
                        "imagestreamimages",
                        "imagestreammappings",
                        "imagestreams",
                        "imagestreamtags",
                        "imagetags",
                    ],
                    &["get", "list", "watch"],
                ),
                rule(&IMAGE, &["imagestreams/layers"], &["get"]),
                rule(&[""], &["namespaces"], &["get"]),
                rule(&["", "project.openshift.io"], &["projects"], &["get"]),
            ],
        ),
        role(
            "registry-editor",
            vec![
                rule(
                    &IMAGE,
                    &[
                        "imagestreamimages",
                        "imagestreammappings",
                        "imagestreams",
                        "imagestreams/secrets",
                        "imagestreamtags",
                        "imagetags",
                    ],
                    &[
                        "create",
                        "delete",
                        "deletecollection",
                        "get",
                        "list",
                        "patch",
                        "update",
                        "watch",
                    ],
                ),
                rule(&IMAGE, &["imagestreamimports"], &["create"]),
                rule(&IMAGE, &["imagestreams/layers"], &["get", "update"]),
                rule(&[""], &["namespaces"], &["get"]),
                rule(&["", "project.openshift.io"], &["projects"], &["get"]),
            ],
        ),
        role(
            "system:image-builder",
            vec![
                rule(&IMAGE, &["imagestreams/layers"], &["get", "update"]),
                rule(&IMAGE, &["imagestreams"], &["create"]),
                rule(
                    &["", "build.openshift.io"],
                    &["builds/details"],
                    &["update"],
                ),
                rule(&["", "build.openshift.io"], &["builds"], &["get"]),
            ],
        ),
        role(
            "prometheus-scraper",
            vec![rule(
                &["image.openshift.io"],
                &["registry/metrics"],
                &["get"],
            )],
        ),
        // The console's service account in impersonate mode: impersonation only, so every
        // permission a request has comes from the impersonated user.
        role(
            "registry-console-impersonator",
            vec![rule(&[""], &["users", "groups"], &["impersonate"])],
        ),
        // The console's own identity reads (never writes) the objects whose changes made
        // outside the console it records (server/src/audit/outside/mod.rs `WATCHED`).
        role(
            "registry-console-outside-watcher",
            vec![
                rule(
                    &["imageregistry.operator.openshift.io"],
                    &["configs", "imagepruners"],
                    &["get", "list", "watch"],
                ),
                rule(
                    &["config.openshift.io"],
                    &["images"],
                    &["get", "list", "watch"],
                ),
                // Who was granted or lost registry access (bindings only; never secrets).
                rule(
                    &["rbac.authorization.k8s.io"],
                    &["rolebindings", "clusterrolebindings"],
                    &["get", "list", "watch"],
                ),
            ],
        ),
        // The console's own identity: the Overview's shared cache of the operator's status
        // (server/src/kube/cache.rs); the namespace's part is a Role.
        role(
            "registry-console-overview-cache",
            vec![rule(
                &["config.openshift.io"],
                &["clusteroperators"],
                &["list", "watch"],
            )],
        ),
        // Sandbox only: what a registry viewer needs cluster-wide to watch the registry's
        // health (no secrets anywhere).
        role(
            "registry-console-viewer",
            vec![
                rule(
                    &["imageregistry.operator.openshift.io"],
                    &["configs", "imagepruners"],
                    &["get", "list", "watch"],
                ),
                rule(
                    &["config.openshift.io"],
                    &["clusteroperators", "images", "infrastructures", "ingresses"],
                    &["get", "list", "watch"],
                ),
                // The storage page lists the classes a claim can use.
                rule(
                    &["storage.k8s.io"],
                    &["storageclasses"],
                    &["get", "list", "watch"],
                ),
            ],
        ),
    ]
}

/// The console's own identity watches what the Overview shows in the registry's namespace
/// (list and watch only, no secrets, no logs): its shared caches (server/src/kube/cache.rs).
fn overview_cache_role() -> Value {
    json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": { "name": "registry-console-overview-cache", "namespace": NAMESPACE },
        "rules": [
            rule(&[""], &["pods", "persistentvolumeclaims", "events"], &["list", "watch"]),
            rule(&["apps"], &["deployments"], &["list", "watch"]),
            rule(&["route.openshift.io"], &["routes"], &["list", "watch"]),
        ]
    })
}

/// Read access to the registry's namespace without secrets.
fn namespace_reader_role() -> Value {
    json!({
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": { "name": "registry-console-namespace-reader", "namespace": NAMESPACE },
        "rules": [
            rule(&[""], &["pods", "pods/log", "services", "endpoints", "persistentvolumeclaims", "events", "configmaps"], &["get", "list", "watch"]),
            rule(&["apps"], &["deployments", "replicasets"], &["get", "list", "watch"]),
            rule(&["route.openshift.io"], &["routes"], &["get", "list", "watch"]),
        ]
    })
}

/// Bindings of the sandbox's OIDC groups: admins are cluster admins, viewers get the
/// registry viewer roles, auditors get nothing in the cluster.
pub fn bindings() -> Vec<Value> {
    let group = |name: &str| json!({ "kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": format!("{OIDC_PREFIX}{name}") });
    vec![
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": { "name": "sandbox-registry-admins" },
            "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin" },
            "subjects": [group("registry-admins")]
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": { "name": "sandbox-registry-viewers" },
            "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "registry-viewer" },
            "subjects": [group("registry-viewers")]
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": { "name": "sandbox-registry-console-viewers" },
            "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "registry-console-viewer" },
            "subjects": [group("registry-viewers")]
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": { "name": "sandbox-registry-client" },
            "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "registry-editor" },
            "subjects": [{ "kind": "ServiceAccount", "name": crate::client::DEFAULT_SERVICE_ACCOUNT.1, "namespace": crate::client::DEFAULT_SERVICE_ACCOUNT.0 }]
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": { "name": "registry-console-impersonator" },
            "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "registry-console-impersonator" },
            "subjects": [{ "kind": "ServiceAccount", "name": CONSOLE_SERVICE_ACCOUNT, "namespace": CONSOLE_NAMESPACE }]
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": { "name": "registry-console-overview-cache" },
            "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "registry-console-overview-cache" },
            "subjects": [{ "kind": "ServiceAccount", "name": CONSOLE_SERVICE_ACCOUNT, "namespace": CONSOLE_NAMESPACE }]
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": { "name": "registry-console-outside-watcher" },
            "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "registry-console-outside-watcher" },
            "subjects": [{ "kind": "ServiceAccount", "name": CONSOLE_SERVICE_ACCOUNT, "namespace": CONSOLE_NAMESPACE }]
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": { "name": "registry-console-overview-cache", "namespace": NAMESPACE },
            "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "registry-console-overview-cache" },
            "subjects": [{ "kind": "ServiceAccount", "name": CONSOLE_SERVICE_ACCOUNT, "namespace": CONSOLE_NAMESPACE }]
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": { "name": "sandbox-registry-viewers-read", "namespace": NAMESPACE },
            "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "registry-console-namespace-reader" },
            "subjects": [group("registry-viewers")]
        }),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viewer_roles_never_grant_secrets() {
        let mut all = cluster_roles();
        all.push(namespace_reader_role());
        all.push(overview_cache_role());
        for role in all
            .iter()
            .filter(|r| r["metadata"]["name"] != "registry-editor")
        {
            for rule in role["rules"].as_array().expect("rules") {
                let resources = rule["resources"].as_array().expect("resources");
                assert!(
                    !resources.iter().any(|r| r == "secrets" || r == "*"),
                    "{} grants {resources:?}",
                    role["metadata"]["name"]
                );
            }
        }
    }

    #[test]
    fn group_bindings_use_the_oidc_prefix() {
        for binding in bindings() {
            let subject = &binding["subjects"][0];
            if subject["kind"] == "ServiceAccount" {
                assert!(
                    [
                        CONSOLE_SERVICE_ACCOUNT,
                        crate::client::DEFAULT_SERVICE_ACCOUNT.1
                    ]
                    .contains(&subject["name"].as_str().unwrap_or_default()),
                    "{binding}"
                );
                continue;
            }
            let subject = &subject["name"];
            assert!(
                subject.as_str().is_some_and(|s| s.starts_with(OIDC_PREFIX)),
                "{binding}"
            );
        }
    }
}
