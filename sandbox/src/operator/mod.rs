//! A stand-in for the Image Registry Operator, so the console has something real to watch.
//!
//! On every change of `configs.imageregistry.operator.openshift.io/cluster` (and every few
//! seconds) it fills defaults, applies the operator's rules ([`rules`]), syncs the storage
//! (the claim it creates, or the S3 bucket on the sandbox's S3 server, with the user's
//! credentials and a real S3 client), writes the pods' credentials Secret and pod template
//! as the real operator does ([`pod`]), rolls out or removes the registry's objects, and
//! writes the Config's and the ClusterOperator's status through the status subresource.
//! Scheduling a pod onto the sandbox's node is its job too (a pod whose claim is not bound
//! stays Pending, as the scheduler leaves it); running it is the kubelet's
//! ([`crate::runtime`]), which writes the pods' status.

pub mod pod;
pub mod rules;

use crate::{Error, Result};
use futures::StreamExt;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Endpoints, PersistentVolumeClaim, Pod, Secret, Service};
use kube::Client;
use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::core::{ApiResource, GroupVersionKind};
use rules::{DEFAULT_CLAIM, Observed, Plan, Refusal, Storage};
use serde_json::{Value, json};
use std::time::Duration;

pub const NAMESPACE: &str = "openshift-image-registry";
/// The real operator's field manager: the console tells the operator's writes (its
/// defaults, its status) from other writers by it.
pub const FIELD_MANAGER: &str = "cluster-image-registry-operator";
fn operator_params() -> PatchParams {
    PatchParams {
        field_manager: Some(FIELD_MANAGER.to_string()),
        ..Default::default()
    }
}

/// The Secret the admin puts storage credentials in (guide 2.6).
const USER_CREDENTIALS: &str = "image-registry-private-configuration-user";
const APP_LABEL: (&str, &str) = ("docker-registry", "default");
const OWNED_LABEL: &str = "imageregistry.operator.openshift.io/sandbox-owned";
const CREATED_CLAIM_ANNOTATION: &str = "imageregistry.openshift.io";

pub fn config_resource() -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("imageregistry.operator.openshift.io", "v1", "Config"),
        "configs",
    )
}

pub fn cluster_operator_resource() -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("config.openshift.io", "v1", "ClusterOperator"),
        "clusteroperators",
    )
}

pub fn route_resource() -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("route.openshift.io", "v1", "Route"),
        "routes",
    )
}

/// What the operator needs to know about the sandbox.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Ingress domain of the cluster (`apps.<cluster domain>`).
    pub domain: String,
    /// The Node that the sandbox's pods are "scheduled" to.
    pub node_name: String,
    /// Where the registry pods' endpoint (metrics) listens, when the machine has a
    /// non-loopback address: the pods' IP, and the Service's Endpoints point there, so the
    /// API server's service proxy reaches it.
    pub pod_endpoint: Option<std::net::SocketAddr>,
    /// The sandbox's S3 server (the only S3 endpoint the operator reaches).
    pub s3: Option<crate::s3::S3Server>,
}

#[derive(Clone)]
pub struct Operator {
    client: Client,
    settings: Settings,
}

impl Operator {
    pub fn new(client: Client, settings: Settings) -> Self {
        Operator { client, settings }
    }

    fn configs(&self) -> Api<DynamicObject> {
        Api::all_with(self.client.clone(), &config_resource())
    }

    /// Runs until the task is dropped: reconciles on every watch event and every 5 s.
    pub async fn run(self) {
        let watch = kube::runtime::watcher(
            self.configs(),
            kube::runtime::watcher::Config::default().fields("metadata.name=cluster"),
        );
        let mut watch = std::pin::pin!(watch);
        let mut resync = tokio::time::interval(Duration::from_secs(5));
        loop {
            tokio::select! {
                event = watch.next() => match event {
                    Some(Ok(_)) => {}
                    Some(Err(e)) => {
                        tracing::debug!(error = %e, "config watch error; the watcher retries");
                        tokio::time::sleep(Duration::from_millis(500)).await;
                        continue;
                    }
                    None => return,
                },
                _ = resync.tick() => {}
            }
            if let Err(e) = self.reconcile().await {
                tracing::warn!(error = %e, "reconcile failed; retrying on the next event");
            }
        }
    }

    /// One pass over the Config.
    pub async fn reconcile(&self) -> Result<()> {
        let Some(config) = self.configs().get_opt("cluster").await? else {
            return Ok(());
        };
        let spec = config.data.get("spec").cloned().unwrap_or(Value::Null);
        let generation = config.metadata.generation.unwrap_or(0);

        // Defaults the real operator writes into the spec.
        if spec
            .get("httpSecret")
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty()
        {
            let secret = random_hex(128); // 64 random bytes, hex, as the operator does
            self.patch_spec(json!({ "httpSecret": secret })).await?;
            return Ok(()); // the write triggers the next pass
        }

        let state = spec
            .get("managementState")
            .and_then(Value::as_str)
            .unwrap_or("Managed");
        match state {
            "Removed" => {
                self.remove_all().await?;
                self.write_status(&config, generation, StatusReport::removed())
                    .await
            }
            "Unmanaged" => {
                self.write_status(&config, generation, StatusReport::unmanaged())
                    .await
            }
            _ => {
                let observed = self.observe(&spec).await?;
                match rules::plan(&spec, &observed) {
                    Err(refusal) => {
                        let report = match refusal.message.strip_prefix(rules::STORAGE_SYNC_PREFIX)
                        {
                            // A storage driver's error: nothing new rolls out, what runs
                            // keeps running; a claim's check is also StorageExists.
                            Some(error) => {
                                let deployment = self.deployment_replicas().await?;
                                let claim_problem = error.contains("access mode");
                                let mut report = StatusReport::storage_failed(
                                    error,
                                    StorageReport {
                                        spec_written: false,
                                        sync_error: Some(error.to_string()),
                                        managed: false,
                                        condition: (
                                            "False".into(),
                                            "PVC Issues Found".into(),
                                            error.to_string(),
                                        ),
                                    },
                                    deployment,
                                );
                                if !claim_problem {
                                    report.conditions.retain(|c| c.kind != "StorageExists");
                                }
                                report
                            }
                            None => {
                                let ready = self.ready_replicas().await?;
                                StatusReport::degraded(refusal, ready)
                            }
                        };
                        self.write_status(&config, generation, report).await
                    }
                    Ok(plan) => {
                        let storage_report = self.ensure_storage(&plan, &spec).await?;
                        if storage_report.spec_written {
                            return Ok(()); // spec changed; the next pass rolls out
                        }
                        if let Some(error) = storage_report.sync_error.clone() {
                            // As the real operator: nothing rolls out until the storage syncs;
                            // what runs already keeps running.
                            let deployment = self.deployment_replicas().await?;
                            return self
                                .write_status(
                                    &config,
                                    generation,
                                    StatusReport::storage_failed(
                                        &error,
                                        storage_report,
                                        deployment,
                                    ),
                                )
                                .await;
                        }
                        let ready = self.roll_out(&plan, &spec).await?;
                        self.write_status(
                            &config,
                            generation,
                            StatusReport::ready(&plan, ready, storage_report),
                        )
                        .await
                    }
                }
            }
        }
    }

    async fn patch_spec(&self, patch: Value) -> Result<()> {
        self.configs()
            .patch(
                "cluster",
                &operator_params(),
                &Patch::Merge(json!({ "spec": patch })),
            )
            .await?;
        Ok(())
    }

    async fn observe(&self, spec: &Value) -> Result<Observed> {
        let mut observed = Observed::default();
        match rules::storage(spec) {
            Ok(Storage::Pvc { claim: Some(claim) }) => {
                let claims: Api<PersistentVolumeClaim> =
                    Api::namespaced(self.client.clone(), NAMESPACE);
                if let Some(pvc) = claims.get_opt(&claim).await? {
                    observed.claim_access_modes = pvc.spec.and_then(|s| s.access_modes);
                }
            }
            Ok(Storage::Cloud(_)) => {
                let secrets: Api<Secret> = Api::namespaced(self.client.clone(), NAMESPACE);
                observed.credentials = secrets.get_opt(USER_CREDENTIALS).await?.map(|secret| {
                    secret
                        .data
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(key, value)| (key, !value.0.is_empty()))
                        .collect()
                });
            }
            _ => {}
        }
        Ok(observed)
    }

    /// Whether the claim the registry mounts is Bound: the pods cannot start before.
    async fn claim_bound(&self, storage: &Storage) -> Result<bool> {
        let name = match storage {
            Storage::Pvc { claim: Some(claim) } => claim.as_str(),
            Storage::Pvc { claim: None } => DEFAULT_CLAIM,
            _ => return Ok(true),
        };
        let claims: Api<PersistentVolumeClaim> = Api::namespaced(self.client.clone(), NAMESPACE);
        Ok(claims
            .get_opt(name)
            .await?
            .and_then(|c| c.status)
            .and_then(|s| s.phase)
            .is_some_and(|phase| phase == "Bound"))
    }

    async fn ensure_storage(&self, plan: &Plan, spec: &Value) -> Result<StorageReport> {
        let claims: Api<PersistentVolumeClaim> = Api::namespaced(self.client.clone(), NAMESPACE);
        match &plan.storage {
            Storage::Pvc { claim: None } => {
                let created = if claims.get_opt(DEFAULT_CLAIM).await?.is_none() {
                    let pvc: PersistentVolumeClaim = serde_json::from_value(json!({
                        "metadata": {
                            "name": DEFAULT_CLAIM,
                            "namespace": NAMESPACE,
                            "annotations": { CREATED_CLAIM_ANNOTATION: "true" }
                        },
                        "spec": {
                            "accessModes": ["ReadWriteMany"],
                            "resources": { "requests": { "storage": "100Gi" } }
                        }
                    }))?;
                    claims.create(&PostParams::default(), &pvc).await?;
                    true
                } else {
                    false
                };
                self.patch_spec(json!({ "storage": { "pvc": { "claim": DEFAULT_CLAIM } } }))
                    .await?;
                Ok(StorageReport {
                    spec_written: true,
                    sync_error: None,
                    managed: true,
                    condition: storage_condition(
                        true,
                        if created { "PVC Created" } else { "PVC Exists" },
                    ),
                })
            }
            Storage::Pvc { claim: Some(claim) } => {
                let pvc = claims.get_opt(claim).await?;
                let exists = pvc.is_some();
                let managed = pvc
                    .and_then(|p| p.metadata.annotations)
                    .is_some_and(|a| a.get(CREATED_CLAIM_ANNOTATION).is_some_and(|v| v == "true"));
                Ok(StorageReport {
                    spec_written: false,
                    sync_error: None,
                    managed,
                    condition: if exists {
                        storage_condition(true, "PVC Exists")
                    } else {
                        storage_condition(false, "PVC does not exist")
                    },
                })
            }
            Storage::EmptyDir => Ok(StorageReport {
                spec_written: false,
                sync_error: None,
                managed: false,
                condition: storage_condition(true, "Creation Successful"),
            }),
            Storage::Cloud("s3") => self.ensure_bucket(spec).await,
            Storage::Cloud(kind) => Ok(StorageReport {
                spec_written: false,
                sync_error: None,
                managed: false,
                condition: rules::unreachable_cloud(kind, spec),
            }),
        }
    }

    /// The S3 bucket, as the real operator syncs it: a bucket name generated when none is
    /// set, HeadBucket, CreateBucket when it does not exist, and the S3 server's own error
    /// when the credentials are refused (nothing rolls out then). Only the sandbox's S3
    /// server is reached; any other endpoint keeps the "cannot reach the cloud" stand-in.
    async fn ensure_bucket(&self, spec: &Value) -> Result<StorageReport> {
        let endpoint = spec
            .pointer("/storage/s3/regionEndpoint")
            .and_then(Value::as_str)
            .unwrap_or("");
        let report =
            |exists: &str, reason: &str, message: &str, error: Option<String>| StorageReport {
                spec_written: false,
                sync_error: error,
                managed: false,
                condition: (exists.to_string(), reason.to_string(), message.to_string()),
            };
        let Some(address) = self
            .settings
            .s3
            .as_ref()
            .and_then(|server| crate::s3::sandbox_address(endpoint, server))
        else {
            return Ok(StorageReport {
                spec_written: false,
                sync_error: None,
                managed: false,
                condition: rules::unreachable_cloud("s3", spec),
            });
        };
        let bucket = spec
            .pointer("/storage/s3/bucket")
            .and_then(Value::as_str)
            .unwrap_or("");
        if bucket.is_empty() {
            let name = format!("image-registry-sandbox-{}", random_hex(8));
            self.patch_spec(json!({ "storage": { "s3": { "bucket": name } } }))
                .await?;
            return Ok(StorageReport {
                spec_written: true,
                ..report(
                    "Unknown",
                    "S3 Configuration Changed",
                    "S3 storage is in an unknown state",
                    None,
                )
            });
        }
        let secrets: Api<Secret> = Api::namespaced(self.client.clone(), NAMESPACE);
        let data = secrets
            .get_opt(USER_CREDENTIALS)
            .await?
            .and_then(|s| s.data)
            .unwrap_or_default();
        let key = |name: &str| {
            data.get(name)
                .map(|v| String::from_utf8_lossy(&v.0).into_owned())
        };
        let (Some(access), Some(secret)) = (
            key("REGISTRY_STORAGE_S3_ACCESSKEY"),
            key("REGISTRY_STORAGE_S3_SECRETKEY"),
        ) else {
            // The rules refused missing keys before; a race with a rotation lands here.
            return Ok(report(
                "Unknown",
                "Unknown Error Occurred",
                "the credentials secret has no S3 keys",
                None,
            ));
        };
        let region = spec
            .pointer("/storage/s3/region")
            .and_then(Value::as_str)
            .filter(|r| !r.is_empty())
            .unwrap_or(crate::s3::REGION);
        let region = s3::Region::Custom {
            region: region.to_string(),
            endpoint: address,
        };
        let credentials =
            s3::creds::Credentials::new(Some(&access), Some(&secret), None, None, None)
                .map_err(|e| Error::Operator(format!("S3 credentials: {e}")))?;
        let client = s3::Bucket::new(bucket, region.clone(), credentials.clone())
            .map_err(|e| Error::Operator(format!("S3 client: {e}")))?
            .with_path_style();
        // HeadBucket, as the real operator asks (`pkg/storage/s3/s3.go`). Missing (404) or
        // refused (403): it tries to create the bucket next, and a refusal then comes back
        // with the S3 server's own error code (a PUT has a body; a HEAD has none).
        let exists = match client.head_object("/").await {
            Ok((_, 200)) => true,
            Ok((_, 403 | 404)) => false,
            Ok((_, status)) => {
                let message = format!("unexpected status code {status} from HeadBucket");
                return Ok(report(
                    "Unknown",
                    "Unknown Error Occurred",
                    &message,
                    Some(message.clone()),
                ));
            }
            Err(e) => {
                let message = e.to_string();
                return Ok(report(
                    "Unknown",
                    "Unknown Error Occurred",
                    &message,
                    Some(message.clone()),
                ));
            }
        };
        if exists {
            return Ok(report(
                "True",
                "S3 Bucket Exists",
                "User supplied S3 bucket exists and is accessible",
                None,
            ));
        }
        match s3::Bucket::create_with_path_style(
            bucket,
            region,
            credentials,
            s3::BucketConfiguration::default(),
        )
        .await
        {
            Ok(created) if created.success() => Ok(StorageReport {
                managed: true,
                ..report(
                    "True",
                    "Creation Successful",
                    "S3 bucket was successfully created",
                    None,
                )
            }),
            Ok(created) => {
                let (reason, message) = s3_error(created.response_code, &created.response_text);
                Ok(report("False", &reason, &message, Some(message.clone())))
            }
            Err(s3::error::S3Error::HttpFailWithBody(code, body)) => {
                let (reason, message) = s3_error(code, &body);
                Ok(report("False", &reason, &message, Some(message.clone())))
            }
            Err(e) => {
                let message = e.to_string();
                Ok(report(
                    "Unknown",
                    "Unknown Error Occurred",
                    &message,
                    Some(message.clone()),
                ))
            }
        }
    }

    /// The Secret the pods read storage credentials from, filled from the user's, as the
    /// real operator does; the checksum of what it holds (it goes into the pod template, so
    /// new credentials roll the pods).
    async fn sync_private_configuration(&self, keys: &[&str]) -> Result<String> {
        use sha2::{Digest, Sha256};
        let secrets: Api<Secret> = Api::namespaced(self.client.clone(), NAMESPACE);
        let user = secrets
            .get_opt(USER_CREDENTIALS)
            .await?
            .and_then(|s| s.data)
            .unwrap_or_default();
        let mut data = serde_json::Map::new();
        let mut hasher = Sha256::new();
        for key in keys {
            if let Some(value) = user.get(*key) {
                use base64::Engine;
                hasher.update(key.as_bytes());
                hasher.update(&value.0);
                data.insert(
                    key.to_string(),
                    json!(base64::engine::general_purpose::STANDARD.encode(&value.0)),
                );
            }
        }
        let secret = json!({
            "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": { "name": pod::PRIVATE_CONFIGURATION, "namespace": NAMESPACE, "labels": { OWNED_LABEL: "true" } },
            "data": data,
        });
        secrets
            .patch(
                pod::PRIVATE_CONFIGURATION,
                &PatchParams::apply(FIELD_MANAGER).force(),
                &Patch::Apply(&secret),
            )
            .await?;
        Ok(hex::encode(hasher.finalize()))
    }

    /// Rolls out `plan` with the pod template the real operator would write; returns the
    /// number of ready pods (the kubelet says which are).
    async fn roll_out(&self, plan: &Plan, spec: &Value) -> Result<i32> {
        let (_, secret_keys) = pod::environment(&plan.storage, spec);
        let dependencies = self.sync_private_configuration(&secret_keys).await?;
        let claim = match &plan.storage {
            Storage::Pvc { claim: Some(c) } => Some(c.as_str()),
            Storage::Pvc { claim: None } => Some(DEFAULT_CLAIM),
            _ => None,
        };
        let pod_spec = pod::pod_spec(&plan.storage, spec, claim);
        let hash = pod::template_hash(&pod_spec, &dependencies);
        // A pod whose claim is not Bound is not scheduled (as the scheduler reports it).
        let claim_bound = self.claim_bound(&plan.storage).await?;
        let apply = PatchParams::apply(FIELD_MANAGER).force();

        let deployments: Api<Deployment> = Api::namespaced(self.client.clone(), NAMESPACE);
        let deployment = json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": { "name": "image-registry", "namespace": NAMESPACE, "labels": { APP_LABEL.0: APP_LABEL.1, OWNED_LABEL: "true" } },
            "spec": {
                "replicas": plan.replicas,
                "strategy": { "type": plan.rollout_strategy },
                "selector": { "matchLabels": { APP_LABEL.0: APP_LABEL.1 } },
                "template": {
                    "metadata": {
                        "labels": { APP_LABEL.0: APP_LABEL.1 },
                        "annotations": { "imageregistry.operator.openshift.io/dependencies-checksum": format!("sha256:{dependencies}") }
                    },
                    "spec": pod_spec
                }
            }
        });
        let applied = deployments
            .patch("image-registry", &apply, &Patch::Apply(&deployment))
            .await?;

        // Pods: the current template hash, as many as desired.
        let pods: Api<Pod> = Api::namespaced(self.client.clone(), NAMESPACE);
        let selector = format!("{}={}", APP_LABEL.0, APP_LABEL.1);
        let existing = pods.list(&ListParams::default().labels(&selector)).await?;
        let mut current = Vec::new();
        for pod in existing.items {
            let name = pod.metadata.name.clone().unwrap_or_default();
            let matches = pod
                .metadata
                .labels
                .as_ref()
                .and_then(|l| l.get("pod-template-hash"))
                .is_some_and(|h| *h == hash);
            let scheduled = pod
                .spec
                .as_ref()
                .and_then(|s| s.node_name.as_ref())
                .is_some();
            // A pod left Pending for its claim is scheduled once the claim binds.
            if matches && pod.metadata.deletion_timestamp.is_none() && (scheduled || !claim_bound) {
                current.push(pod);
            } else {
                delete_now(&pods, &name).await?;
            }
        }
        let desired = usize::try_from(plan.replicas).unwrap_or(0);
        while current.len() > desired {
            if let Some(pod) = current.pop() {
                delete_now(&pods, &pod.metadata.name.unwrap_or_default()).await?;
            }
        }
        while current.len() < desired {
            let name = format!("image-registry-{hash}-{}", random_suffix());
            let mut spec = pod_spec.clone();
            if claim_bound {
                spec["nodeName"] = json!(self.settings.node_name);
            }
            let pod: Pod = serde_json::from_value(json!({
                "metadata": {
                    "name": name,
                    "namespace": NAMESPACE,
                    "labels": { APP_LABEL.0: APP_LABEL.1, "pod-template-hash": hash, OWNED_LABEL: "true" }
                },
                "spec": spec
            }))?;
            let created = pods.create(&PostParams::default(), &pod).await?;
            if !claim_bound {
                pods.patch_status(
                    &name,
                    &operator_params(),
                    &Patch::Merge(unschedulable_status()),
                )
                .await?;
            }
            current.push(created);
        }
        let ready_pods: Vec<String> = current
            .iter()
            .filter(|p| pod_is_ready(p))
            .filter_map(|p| p.metadata.name.clone())
            .collect();
        let ready = i32::try_from(ready_pods.len()).unwrap_or(i32::MAX);
        let available = if ready > 0 {
            json!({ "type": "Available", "status": "True", "reason": "MinimumReplicasAvailable", "message": "Deployment has minimum availability." })
        } else {
            json!({ "type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable", "message": "Deployment does not have minimum availability." })
        };
        deployments
            .patch_status(
                "image-registry",
                &operator_params(),
                &Patch::Merge(json!({
                    "status": {
                        "observedGeneration": applied.metadata.generation,
                        "replicas": current.len(),
                        "updatedReplicas": current.len(),
                        "readyReplicas": ready,
                        "availableReplicas": ready,
                        "conditions": [available]
                    }
                })),
            )
            .await?;

        let services: Api<Service> = Api::namespaced(self.client.clone(), NAMESPACE);
        let service = json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": { "name": "image-registry", "namespace": NAMESPACE, "labels": { APP_LABEL.0: APP_LABEL.1, OWNED_LABEL: "true" } },
            "spec": {
                "selector": { APP_LABEL.0: APP_LABEL.1 },
                "ports": [{ "name": "5000-tcp", "port": 5000, "protocol": "TCP", "targetPort": 5000 }]
            }
        });
        services
            .patch("image-registry", &apply, &Patch::Apply(&service))
            .await?;
        // No endpoints controller runs in the sandbox: the operator writes what it would,
        // one ready pod at the registry endpoint's address (the API server's service proxy
        // accepts an address only with a pod that has that IP).
        let endpoints: Api<Endpoints> = Api::namespaced(self.client.clone(), NAMESPACE);
        let ready_pod = ready_pods.first();
        let subsets = match (ready_pod, self.settings.pod_endpoint) {
            (Some(pod), Some(endpoint)) => json!([{
                "addresses": [{ "ip": endpoint.ip().to_string(), "nodeName": self.settings.node_name,
                    "targetRef": { "kind": "Pod", "name": pod, "namespace": NAMESPACE } }],
                "ports": [{ "name": "5000-tcp", "port": endpoint.port(), "protocol": "TCP" }]
            }]),
            _ => json!([]),
        };
        endpoints
            .patch(
                "image-registry",
                &apply,
                &Patch::Apply(&json!({
                    "apiVersion": "v1",
                    "kind": "Endpoints",
                    "metadata": { "name": "image-registry", "namespace": NAMESPACE, "labels": { APP_LABEL.0: APP_LABEL.1, OWNED_LABEL: "true" } },
                    "subsets": subsets
                })),
            )
            .await?;

        self.reconcile_routes(plan).await?;
        Ok(ready)
    }

    async fn reconcile_routes(&self, plan: &Plan) -> Result<()> {
        let routes: Api<DynamicObject> =
            Api::namespaced_with(self.client.clone(), NAMESPACE, &route_resource());
        let secrets: Api<Secret> = Api::namespaced(self.client.clone(), NAMESPACE);
        let mut desired: Vec<(String, String, Value)> = Vec::new();
        if plan.default_route {
            desired.push((
                "default-route".to_string(),
                rules::default_route_host(&self.settings.domain),
                json!({ "termination": "reencrypt" }),
            ));
        }
        for route in &plan.routes {
            let host = route
                .hostname
                .clone()
                .unwrap_or_else(|| format!("{}-{NAMESPACE}.{}", route.name, self.settings.domain));
            let mut tls = json!({ "termination": "reencrypt" });
            if let Some(secret_name) = &route.secret_name {
                let secret = secrets.get_opt(secret_name).await?.ok_or_else(|| {
                    Error::Operator(format!(
                        "route {}: secret {secret_name} not found",
                        route.name
                    ))
                })?;
                let data = secret.data.unwrap_or_default();
                let text = |key: &str| {
                    data.get(key)
                        .map(|b| String::from_utf8_lossy(&b.0).to_string())
                };
                if let Some(cert) = text("tls.crt") {
                    tls["certificate"] = json!(cert);
                }
                if let Some(key) = text("tls.key") {
                    tls["key"] = json!(key);
                }
                if let Some(ca) = text("tls.cacrt") {
                    tls["caCertificate"] = json!(ca);
                }
            }
            desired.push((route.name.clone(), host, tls));
        }
        let apply = PatchParams::apply(FIELD_MANAGER).force();
        for (name, host, tls) in &desired {
            let route = json!({
                "apiVersion": "route.openshift.io/v1",
                "kind": "Route",
                "metadata": { "name": name, "namespace": NAMESPACE, "labels": { OWNED_LABEL: "true" } },
                "spec": { "host": host, "to": { "kind": "Service", "name": "image-registry" }, "tls": tls }
            });
            routes.patch(name, &apply, &Patch::Apply(&route)).await?;
        }
        let owned = routes
            .list(&ListParams::default().labels(&format!("{OWNED_LABEL}=true")))
            .await?;
        for route in owned.items {
            let name = route.metadata.name.unwrap_or_default();
            if !desired.iter().any(|(n, _, _)| *n == name) {
                routes.delete(&name, &DeleteParams::default()).await?;
            }
        }
        Ok(())
    }

    async fn remove_all(&self) -> Result<()> {
        let deployments: Api<Deployment> = Api::namespaced(self.client.clone(), NAMESPACE);
        if deployments.get_opt("image-registry").await?.is_some() {
            deployments
                .delete("image-registry", &DeleteParams::default())
                .await?;
        }
        let pods: Api<Pod> = Api::namespaced(self.client.clone(), NAMESPACE);
        let selector = format!("{}={}", APP_LABEL.0, APP_LABEL.1);
        for pod in pods
            .list(&ListParams::default().labels(&selector))
            .await?
            .items
        {
            delete_now(&pods, &pod.metadata.name.unwrap_or_default()).await?;
        }
        let services: Api<Service> = Api::namespaced(self.client.clone(), NAMESPACE);
        if services.get_opt("image-registry").await?.is_some() {
            services
                .delete("image-registry", &DeleteParams::default())
                .await?;
        }
        let endpoints: Api<Endpoints> = Api::namespaced(self.client.clone(), NAMESPACE);
        if endpoints.get_opt("image-registry").await?.is_some() {
            endpoints
                .delete("image-registry", &DeleteParams::default())
                .await?;
        }
        let routes: Api<DynamicObject> =
            Api::namespaced_with(self.client.clone(), NAMESPACE, &route_resource());
        for route in routes
            .list(&ListParams::default().labels(&format!("{OWNED_LABEL}=true")))
            .await?
            .items
        {
            routes
                .delete(
                    &route.metadata.name.unwrap_or_default(),
                    &DeleteParams::default(),
                )
                .await?;
        }
        // Only storage the operator provisioned itself goes; a claim the admin made stays.
        let claims: Api<PersistentVolumeClaim> = Api::namespaced(self.client.clone(), NAMESPACE);
        if let Some(pvc) = claims.get_opt(DEFAULT_CLAIM).await? {
            let ours = pvc
                .metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get(CREATED_CLAIM_ANNOTATION))
                .is_some_and(|v| v == "true");
            if ours && pvc.metadata.deletion_timestamp.is_none() {
                claims
                    .delete(DEFAULT_CLAIM, &DeleteParams::default())
                    .await?;
            }
        }
        Ok(())
    }

    /// The registry Deployment's (wanted, ready) replicas, if there is one.
    async fn deployment_replicas(&self) -> Result<Option<(i32, i32)>> {
        let deployments: Api<Deployment> = Api::namespaced(self.client.clone(), NAMESPACE);
        let Some(deployment) = deployments.get_opt("image-registry").await? else {
            return Ok(None);
        };
        let wanted = deployment.spec.and_then(|s| s.replicas).unwrap_or(1);
        Ok(Some((wanted, self.ready_replicas().await?)))
    }

    async fn ready_replicas(&self) -> Result<i32> {
        let pods: Api<Pod> = Api::namespaced(self.client.clone(), NAMESPACE);
        let selector = format!("{}={}", APP_LABEL.0, APP_LABEL.1);
        let ready = pods
            .list(&ListParams::default().labels(&selector))
            .await?
            .items
            .iter()
            .filter(|p| pod_is_ready(p))
            .count();
        Ok(i32::try_from(ready).unwrap_or(i32::MAX))
    }

    async fn write_status(
        &self,
        config: &DynamicObject,
        generation: i64,
        report: StatusReport,
    ) -> Result<()> {
        let previous = config
            .data
            .pointer("/status/conditions")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut conditions = merge_conditions(&previous, &report.conditions, &now());
        degraded_after_inertia(&mut conditions, &previous, &now());
        // status.storage mirrors the storage in effect (empty once removed).
        let storage = if report.ready_replicas > 0 || report.storage_managed {
            config
                .data
                .pointer("/spec/storage")
                .cloned()
                .unwrap_or_else(|| json!({}))
        } else {
            json!({})
        };
        let status = json!({
            "status": {
                "observedGeneration": generation,
                "readyReplicas": report.ready_replicas,
                "storage": storage,
                "storageManaged": report.storage_managed,
                "conditions": conditions,
            }
        });
        if config.data.get("status").map(status_without_times)
            != Some(status_without_times(&status["status"]))
        {
            self.configs()
                .patch_status("cluster", &operator_params(), &Patch::Merge(&status))
                .await?;
        }

        // As the real operator's image config controller: the internal registry's
        // hostname in images.config.openshift.io/cluster's status while it is managed.
        let internal = match config
            .data
            .pointer("/spec/managementState")
            .and_then(Value::as_str)
        {
            Some("Removed") => "",
            _ => INTERNAL_REGISTRY_HOSTNAME,
        };
        let images: Api<DynamicObject> = Api::all_with(
            self.client.clone(),
            &ApiResource::from_gvk_with_plural(
                &GroupVersionKind::gvk("config.openshift.io", "v1", "Image"),
                "images",
            ),
        );
        if let Some(image) = images.get_opt("cluster").await?
            && image
                .data
                .pointer("/status/internalRegistryHostname")
                .and_then(Value::as_str)
                .unwrap_or_default()
                != internal
        {
            let status = json!({ "status": { "internalRegistryHostname": internal } });
            images
                .patch_status("cluster", &operator_params(), &Patch::Merge(&status))
                .await?;
        }

        let operators: Api<DynamicObject> =
            Api::all_with(self.client.clone(), &cluster_operator_resource());
        if let Some(co) = operators.get_opt("image-registry").await? {
            let previous = co
                .data
                .pointer("/status/conditions")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let wanted: Vec<Condition> = report
                .conditions
                .iter()
                .filter(|c| matches!(c.kind, "Available" | "Progressing" | "Degraded"))
                .cloned()
                .collect();
            let conditions = merge_conditions(&previous, &wanted, &now());
            let status = json!({
                "status": {
                    "conditions": conditions,
                    "versions": [{ "name": "operator", "version": "4.4.0-sandbox" }],
                    "relatedObjects": [
                        { "group": "imageregistry.operator.openshift.io", "resource": "configs", "name": "cluster" },
                        { "group": "", "resource": "namespaces", "name": NAMESPACE }
                    ]
                }
            });
            if co.data.get("status").map(status_without_times)
                != Some(status_without_times(&status["status"]))
            {
                operators
                    .patch_status("image-registry", &operator_params(), &Patch::Merge(&status))
                    .await?;
            }
        }
        Ok(())
    }
}

/// The registry Service's name in the cluster, as the operator reports it.
pub const INTERNAL_REGISTRY_HOSTNAME: &str = "image-registry.openshift-image-registry.svc:5000";

struct StorageReport {
    /// The operator wrote a default into the spec (the claim it created, the bucket name).
    spec_written: bool,
    /// The storage could not be synced (the S3 server refused the credentials): the error,
    /// as the real operator's Progressing says it.
    sync_error: Option<String>,
    /// The storage is the operator's own (deleted when the registry is removed).
    managed: bool,
    condition: (String, String, String),
}

/// An S3 error answer (`<Error><Code>…</Code><Message>…</Message></Error>`) as the real
/// operator reports it: the code as the reason, and the SDK's text as the message.
fn s3_error(status: u16, body: &str) -> (String, String) {
    let field = |tag: &str| {
        body.split(&format!("<{tag}>"))
            .nth(1)
            .and_then(|rest| rest.split(&format!("</{tag}>")).next())
            .map(str::to_string)
    };
    let code = field("Code").unwrap_or_else(|| format!("HTTP{status}"));
    let message = field("Message").unwrap_or_else(|| body.trim().to_string());
    (
        code.clone(),
        format!("{code}: {message}\n\tstatus code: {status}"),
    )
}

fn storage_condition(exists: bool, reason: &str) -> (String, String, String) {
    // The operator leaves the PVC messages empty.
    let message = match reason {
        "Creation Successful" => "EmptyDir storage successfully created".to_string(),
        _ => String::new(),
    };
    (
        (if exists { "True" } else { "False" }).to_string(),
        reason.to_string(),
        message,
    )
}

/// One status condition the operator wants to report.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    pub kind: &'static str,
    pub status: String,
    pub reason: String,
    pub message: String,
}

impl Condition {
    fn new(kind: &'static str, status: &str, reason: &str, message: impl Into<String>) -> Self {
        Condition {
            kind,
            status: status.to_string(),
            reason: reason.to_string(),
            message: message.into(),
        }
    }
}

/// The conditions and numbers of one reconcile's outcome.
#[derive(Clone, Debug)]
pub struct StatusReport {
    pub conditions: Vec<Condition>,
    pub ready_replicas: i32,
    pub storage_managed: bool,
}

impl StatusReport {
    fn removed() -> Self {
        StatusReport {
            conditions: vec![
                Condition::new("Available", "True", "Removed", "The registry is removed"),
                Condition::new(
                    "Progressing",
                    "False",
                    "Removed",
                    "All registry resources are removed",
                ),
                Condition::new("Degraded", "False", "", ""),
                Condition::new("Removed", "True", "Removed", "The registry is removed"),
            ],
            ready_replicas: 0,
            storage_managed: false,
        }
    }

    fn unmanaged() -> Self {
        StatusReport {
            conditions: vec![
                Condition::new(
                    "Available",
                    "True",
                    "Unmanaged",
                    "The registry configuration is set to unmanaged mode",
                ),
                Condition::new(
                    "Progressing",
                    "False",
                    "Unmanaged",
                    "The registry configuration is set to unmanaged mode",
                ),
                Condition::new(
                    "Degraded",
                    "False",
                    "Unmanaged",
                    "The registry configuration is set to unmanaged mode",
                ),
                Condition::new(
                    "Removed",
                    "False",
                    "Unmanaged",
                    "The registry configuration is set to unmanaged mode",
                ),
            ],
            ready_replicas: 0,
            storage_managed: false,
        }
    }

    /// A Config the operator refuses outright (`VerificationFailed`, `StorageNotConfigured`):
    /// `Error: <why>` on Available and Degraded, `Unable to apply resources: <why>` on
    /// Progressing (pkg/operator/status.go:266, 313, 345).
    fn degraded(refusal: Refusal, ready: i32) -> Self {
        let available = if ready > 0 {
            Condition::new("Available", "True", "Ready", "The registry is ready")
        } else {
            Condition::new(
                "Available",
                "False",
                refusal.reason,
                format!("Error: {}", refusal.message),
            )
        };
        // A configuration the operator cannot apply at all stops progressing; a storage error
        // keeps it trying (as the real operator reports them).
        let permanent = refusal.reason != "Error";
        let progressing = if permanent {
            Condition::new(
                "Progressing",
                "False",
                "Error",
                format!("Unable to apply resources: {}", refusal.message),
            )
        } else {
            Condition::new("Progressing", "True", "Error", refusal.message.clone())
        };
        StatusReport {
            conditions: vec![
                available,
                progressing,
                Condition::new(
                    "Degraded",
                    "True",
                    refusal.reason,
                    format!("Error: {}", refusal.message),
                ),
                Condition::new("Removed", "False", "", ""),
            ],
            ready_replicas: ready,
            storage_managed: false,
        }
    }

    /// The storage did not sync: nothing rolls out, Progressing says why (the real
    /// operator's "Unable to apply resources: unable to sync storage configuration: …"),
    /// StorageExists carries the storage's own answer.
    /// Available follows the Deployment that is there, if any (`deployment`: its wanted and
    /// ready replicas), as the real operator's syncStatus does.
    fn storage_failed(
        error: &str,
        storage_report: StorageReport,
        deployment: Option<(i32, i32)>,
    ) -> Self {
        let storage = storage_report.condition;
        let message =
            format!("Unable to apply resources: unable to sync storage configuration: {error}");
        let available = match deployment {
            None => Condition::new(
                "Available",
                "False",
                "DeploymentNotFound",
                "The deployment does not exist",
            ),
            Some((_, 0)) => Condition::new(
                "Available",
                "False",
                "NoReplicasAvailable",
                "The deployment does not have available replicas",
            ),
            Some((wanted, ready)) if ready < wanted => Condition::new(
                "Available",
                "True",
                "MinimumAvailability",
                "The registry has minimum availability",
            ),
            Some(_) => Condition::new("Available", "True", "Ready", "The registry is ready"),
        };
        StatusReport {
            conditions: vec![
                available,
                Condition::new("Progressing", "True", "Error", message),
                Condition::new("Degraded", "False", "", ""),
                Condition::new("Removed", "False", "", ""),
                Condition::new("StorageExists", &storage.0, &storage.1, storage.2),
            ],
            ready_replicas: deployment.map_or(0, |(_, ready)| ready),
            storage_managed: storage_report.managed,
        }
    }

    fn ready(plan: &Plan, ready: i32, storage_report: StorageReport) -> Self {
        let storage = storage_report.condition;
        let (available, progressing) = if ready >= plan.replicas {
            (
                Condition::new("Available", "True", "Ready", "The registry is ready"),
                Condition::new("Progressing", "False", "Ready", "The registry is ready"),
            )
        } else {
            (
                Condition::new(
                    "Available",
                    "False",
                    "NoReplicasAvailable",
                    "The deployment does not have available replicas",
                ),
                Condition::new(
                    "Progressing",
                    "True",
                    "DeploymentNotCompleted",
                    "The deployment has not completed",
                ),
            )
        };
        StatusReport {
            conditions: vec![
                available,
                progressing,
                Condition::new("Degraded", "False", "", ""),
                Condition::new("Removed", "False", "", ""),
                Condition::new("StorageExists", &storage.0, &storage.1, storage.2),
            ],
            ready_replicas: ready,
            storage_managed: storage_report.managed,
        }
    }
}

/// Merges wanted conditions into the previous ones, keeping `lastTransitionTime` when a
/// condition's status did not change and keeping conditions this report does not mention.
/// `unavailableDegradedInertia` (pkg/operator/status.go:24): Available may be other than
/// True this long before the operator says Degraded.
pub const DEGRADED_INERTIA: std::time::Duration = std::time::Duration::from_secs(300);

/// As the real operator: Available not True for longer than [`DEGRADED_INERTIA`] makes
/// Degraded True `Unavailable` with Available's message (unless Degraded says something
/// else already).
pub fn degraded_after_inertia(conditions: &mut [Value], previous: &[Value], now: &str) {
    let find = |list: &[Value], kind: &str| {
        list.iter()
            .position(|c| c.get("type").and_then(Value::as_str) == Some(kind))
    };
    let (Some(available), Some(degraded)) =
        (find(conditions, "Available"), find(conditions, "Degraded"))
    else {
        return;
    };
    let status = |c: &Value| {
        c.get("status")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    if status(&conditions[available]) == "True" || status(&conditions[degraded]) == "True" {
        return;
    }
    let since = conditions[available]
        .get("lastTransitionTime")
        .and_then(Value::as_str)
        .unwrap_or(now)
        .to_string();
    let parse = |t: &str| chrono::DateTime::parse_from_rfc3339(t).ok();
    let elapsed = match (parse(&since), parse(now)) {
        (Some(since), Some(now)) => (now - since).num_seconds(),
        _ => 0,
    };
    if elapsed < i64::try_from(DEGRADED_INERTIA.as_secs()).unwrap_or(300) {
        return;
    }
    let message = conditions[available]
        .get("message")
        .cloned()
        .unwrap_or(Value::Null);
    let was_unavailable = find(previous, "Degraded")
        .and_then(|i| previous.get(i))
        .is_some_and(|c| c.get("reason").and_then(Value::as_str) == Some("Unavailable"));
    let transition = if was_unavailable {
        find(previous, "Degraded")
            .and_then(|i| previous[i].get("lastTransitionTime").cloned())
            .unwrap_or_else(|| json!(now))
    } else {
        json!(now)
    };
    conditions[degraded] = json!({
        "type": "Degraded",
        "status": "True",
        "reason": "Unavailable",
        "message": message,
        "lastTransitionTime": transition,
    });
}

pub fn merge_conditions(previous: &[Value], wanted: &[Condition], now: &str) -> Vec<Value> {
    let mut out: Vec<Value> = previous
        .iter()
        .filter(|p| {
            let kind = p.get("type").and_then(Value::as_str).unwrap_or("");
            !wanted.iter().any(|w| w.kind == kind)
        })
        .cloned()
        .collect();
    for condition in wanted {
        let before = previous
            .iter()
            .find(|p| p.get("type").and_then(Value::as_str) == Some(condition.kind));
        let transition = match before {
            Some(b)
                if b.get("status").and_then(Value::as_str) == Some(condition.status.as_str()) =>
            {
                b.get("lastTransitionTime")
                    .cloned()
                    .unwrap_or_else(|| json!(now))
            }
            _ => json!(now),
        };
        let mut value = json!({
            "type": condition.kind,
            "status": condition.status,
            "lastTransitionTime": transition,
        });
        // Empty reason and message are omitted, as the operator's Go types do (omitempty).
        if !condition.reason.is_empty() {
            value["reason"] = json!(condition.reason);
        }
        if !condition.message.is_empty() {
            value["message"] = json!(condition.message);
        }
        out.push(value);
    }
    out.sort_by(|a, b| a["type"].as_str().cmp(&b["type"].as_str()));
    out
}

/// Status compared without timestamps, to skip writes that would change nothing.
fn status_without_times(status: &Value) -> Value {
    let mut status = status.clone();
    if let Some(conditions) = status.get_mut("conditions").and_then(Value::as_array_mut) {
        for c in conditions.iter_mut() {
            if let Some(map) = c.as_object_mut() {
                map.remove("lastTransitionTime");
            }
        }
        conditions.sort_by(|a, b| a["type"].as_str().cmp(&b["type"].as_str()));
    }
    status
}

fn pod_is_ready(pod: &Pod) -> bool {
    pod.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

fn unschedulable_status() -> Value {
    json!({
        "status": {
            "phase": "Pending",
            "conditions": [{
                "type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                "message": "0/1 nodes are available: 1 pod has unbound immediate PersistentVolumeClaims.",
                "lastTransitionTime": now()
            }]
        }
    })
}

async fn delete_now(pods: &Api<Pod>, name: &str) -> Result<()> {
    // No kubelet confirms termination in the sandbox, so pods go at once.
    match pods
        .delete(name, &DeleteParams::default().grace_period(0))
        .await
    {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(()),
        Err(e) => Err(e.into()),
    }
}

fn now() -> String {
    k8s_openapi::jiff::Timestamp::now()
        .round(k8s_openapi::jiff::Unit::Second)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

fn random_hex(chars: usize) -> String {
    use rand::RngCore;
    let mut bytes = vec![0u8; chars.div_ceil(2)];
    rand::rng().fill_bytes(&mut bytes);
    let mut text = hex::encode(bytes);
    text.truncate(chars);
    text
}

fn random_suffix() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut rng = rand::rng();
    (0..5)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_keeps_transition_time_when_status_is_unchanged() {
        let previous = vec![
            json!({"type": "Available", "status": "True", "reason": "Ready", "message": "m", "lastTransitionTime": "T0"}),
            json!({"type": "Other", "status": "True", "lastTransitionTime": "T0"}),
        ];
        let wanted = vec![
            Condition::new("Available", "True", "Ready", "The registry is ready"),
            Condition::new("Degraded", "True", "X", "broken"),
        ];
        let merged = merge_conditions(&previous, &wanted, "T1");
        let get = |kind: &str| {
            merged
                .iter()
                .find(|c| c["type"] == kind)
                .cloned()
                .expect(kind)
        };
        assert_eq!(get("Available")["lastTransitionTime"], "T0");
        assert_eq!(get("Available")["message"], "The registry is ready");
        assert_eq!(get("Degraded")["lastTransitionTime"], "T1");
        assert_eq!(get("Other")["lastTransitionTime"], "T0");
    }

    #[test]
    fn degraded_follows_five_minutes_without_availability() {
        let unavailable = |since: &str| {
            vec![
                json!({"type": "Available", "status": "False", "reason": "NoReplicasAvailable",
                       "message": "The deployment does not have available replicas", "lastTransitionTime": since}),
                json!({"type": "Degraded", "status": "False", "lastTransitionTime": since}),
            ]
        };
        let now = "2026-12-02T10:10:00Z";
        let mut early = unavailable("2026-12-02T10:06:00Z");
        degraded_after_inertia(&mut early, &[], now);
        assert_eq!(early[1]["status"], "False", "four minutes: not yet");
        let mut late = unavailable("2026-12-02T10:04:00Z");
        degraded_after_inertia(&mut late, &[], now);
        assert_eq!(
            (
                late[1]["status"].as_str(),
                late[1]["reason"].as_str(),
                late[1]["message"].as_str()
            ),
            (
                Some("True"),
                Some("Unavailable"),
                Some("The deployment does not have available replicas")
            )
        );
    }

    #[test]
    fn status_comparison_ignores_times() {
        let a = json!({"conditions": [{"type": "A", "status": "True", "lastTransitionTime": "1"}]});
        let b = json!({"conditions": [{"type": "A", "status": "True", "lastTransitionTime": "2"}]});
        assert_eq!(status_without_times(&a), status_without_times(&b));
    }

    #[test]
    fn random_names_have_the_right_shape() {
        assert_eq!(random_hex(64).len(), 64);
        assert_eq!(random_suffix().len(), 5);
    }
}
