//! The storage wizard (SPEC §6, guide 2.6 and 3.1–3.5): one path per storage, what each
//! writes, and the checks it runs as the user types (pure). The server builds the change
//! from the same functions, so what the page checks is what the pipeline writes.

use super::credentials::credential_key_sets;
use super::validate::{claim_size_rules, key_file_rules, storage_field_rules};
use crate::domain::access::REGISTRY_NAMESPACE;
use crate::domain::conditions::ConditionView;
use crate::domain::registry_config::form::StorageSummary;
use crate::domain::registry_config::rules::{is_dns_subdomain, read_write_once_rules};
use crate::domain::violation::Violation;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// One way to give the registry storage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StoragePath {
    S3,
    Gcs,
    Azure,
    Swift,
    /// `storage.pvc`: an existing (ReadWriteMany) claim, or none so that the operator
    /// creates `image-registry-storage`.
    SharedClaim,
    /// A new ReadWriteOnce claim, with one replica and the Recreate rollout.
    BlockClaim,
    EmptyDir,
}

impl StoragePath {
    /// Every path, in the order they are offered when the platform says nothing.
    pub const ALL: [StoragePath; 7] = [
        StoragePath::S3,
        StoragePath::Gcs,
        StoragePath::Azure,
        StoragePath::Swift,
        StoragePath::SharedClaim,
        StoragePath::BlockClaim,
        StoragePath::EmptyDir,
    ];

    pub fn id(self) -> &'static str {
        match self {
            StoragePath::S3 => "s3",
            StoragePath::Gcs => "gcs",
            StoragePath::Azure => "azure",
            StoragePath::Swift => "swift",
            StoragePath::SharedClaim => "pvc",
            StoragePath::BlockClaim => "block",
            StoragePath::EmptyDir => "emptyDir",
        }
    }

    pub fn from_id(id: &str) -> Option<StoragePath> {
        StoragePath::ALL.into_iter().find(|p| p.id() == id)
    }

    /// The key under `spec.storage` the path writes.
    pub fn storage_type(self) -> &'static str {
        match self {
            StoragePath::SharedClaim | StoragePath::BlockClaim => "pvc",
            other => other.id(),
        }
    }

    pub fn title_key(self) -> &'static str {
        match self {
            StoragePath::S3 => "storage.path.s3",
            StoragePath::Gcs => "storage.path.gcs",
            StoragePath::Azure => "storage.path.azure",
            StoragePath::Swift => "storage.path.swift",
            StoragePath::SharedClaim => "storage.path.pvc",
            StoragePath::BlockClaim => "storage.path.block",
            StoragePath::EmptyDir => "storage.path.emptydir",
        }
    }

    pub fn help_key(self) -> &'static str {
        match self {
            StoragePath::S3 => "storage.path.s3.help",
            StoragePath::Gcs => "storage.path.gcs.help",
            StoragePath::Azure => "storage.path.azure.help",
            StoragePath::Swift => "storage.path.swift.help",
            StoragePath::SharedClaim => "storage.path.pvc.help",
            StoragePath::BlockClaim => "storage.path.block.help",
            StoragePath::EmptyDir => "storage.path.emptydir.help",
        }
    }
}

/// `status.platformStatus.type` values of `infrastructures.config.openshift.io` the wizard
/// knows, offered when the cluster does not say.
pub const PLATFORMS: [&str; 7] = [
    "AWS",
    "GCP",
    "Azure",
    "OpenStack",
    "BareMetal",
    "VSphere",
    "None",
];

/// The paths for a platform: its own first (guide 2.1, 3.1–3.5), then the others.
pub fn paths_for_platform(platform: Option<&str>) -> (Vec<StoragePath>, Vec<StoragePath>) {
    use StoragePath::*;
    let own: Vec<StoragePath> = match platform {
        Some("AWS") => vec![S3],
        Some("GCP") => vec![Gcs],
        Some("Azure") => vec![Azure],
        Some("OpenStack") => vec![Swift, BlockClaim],
        Some("BareMetal" | "VSphere" | "None") => vec![SharedClaim, BlockClaim],
        _ => Vec::new(),
    };
    let others = StoragePath::ALL
        .into_iter()
        .filter(|p| !own.contains(p))
        .collect();
    (own, others)
}

/// The wizard's fields, as typed (text fields stay text until the draft is built, so
/// nothing the user typed is lost to a parse).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageForm {
    /// [`StoragePath::id`]; empty until one is chosen.
    pub path: String,
    pub s3_bucket: String,
    pub s3_region: String,
    pub s3_region_endpoint: String,
    pub s3_encrypt: bool,
    pub s3_key_id: String,
    pub s3_virtual_hosted_style: bool,
    pub s3_chunk_size_mib: String,
    pub cloudfront_base_url: String,
    pub cloudfront_keypair_id: String,
    /// The Secret (in the registry's namespace) and key holding CloudFront's private key.
    pub cloudfront_key_secret: String,
    pub cloudfront_key_key: String,
    pub cloudfront_duration: String,
    pub gcs_bucket: String,
    pub gcs_region: String,
    pub gcs_project_id: String,
    pub gcs_key_id: String,
    pub azure_account_name: String,
    pub azure_container: String,
    pub azure_cloud_name: String,
    pub swift_auth_url: String,
    pub swift_auth_version: String,
    pub swift_container: String,
    pub swift_domain: String,
    pub swift_domain_id: String,
    pub swift_tenant: String,
    pub swift_tenant_id: String,
    pub swift_region_name: String,
    /// `password`, `application` or `token`.
    pub swift_credential: String,
    /// Shared claim: an existing claim's name, or empty for the operator's own.
    pub claim: String,
    pub block_name: String,
    pub block_size: String,
    /// Empty: the cluster's default StorageClass.
    pub block_class: String,
}

/// The name of the claim the operator creates when `storage.pvc.claim` is empty.
pub const OPERATOR_CLAIM: &str = "image-registry-storage";

impl StorageForm {
    /// A new form: the block claim as the guide writes it (3.5.5), Swift by user and
    /// password.
    pub fn new() -> Self {
        StorageForm {
            block_name: OPERATOR_CLAIM.into(),
            block_size: super::validate::RECOMMENDED_CLAIM_SIZE.into(),
            swift_credential: "password".into(),
            ..Default::default()
        }
    }

    pub fn path(&self) -> Option<StoragePath> {
        StoragePath::from_id(&self.path)
    }
}

/// Credential keys a Swift credential kind writes.
pub fn swift_credential_keys(kind: &str) -> &'static [&'static str] {
    let sets = credential_key_sets("swift");
    match kind {
        "password" => sets[0],
        "application" => sets[1],
        "token" => sets[2],
        _ => &[],
    }
}

/// The secret keys the path asks the user for (guide 3.1.1, 3.2.1, 3.3.1; SPEC §4 rule 7).
pub fn credential_keys(form: &StorageForm) -> &'static [&'static str] {
    match form.path() {
        Some(StoragePath::Swift) => swift_credential_keys(&form.swift_credential),
        Some(path) => credential_key_sets(path.storage_type())
            .first()
            .copied()
            .unwrap_or(&[]),
        None => &[],
    }
}

/// Credential values that are a file's contents (newlines and all); every other one is a
/// single token.
pub const FILE_KEYS: [&str; 1] = ["REGISTRY_STORAGE_GCS_KEYFILE"];

/// What the admin means by submitting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum StorageIntent {
    /// Storage (and credentials, where the path needs them) as the form says.
    #[default]
    Configure,
    /// New values for the credentials the current storage uses; the Config is untouched.
    RotateCredentials,
}

/// The wizard's draft. Its `Debug` shows credential key names only.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StorageSubmission {
    pub intent: StorageIntent,
    /// The Config's `resourceVersion` and (redacted) spec as the page loaded them.
    pub config_version: String,
    pub config_spec: Value,
    /// The credentials Secret's `resourceVersion` as loaded (`None`: it did not exist).
    pub secret_version: Option<String>,
    pub form: StorageForm,
    /// Secret key → value typed; travels only from the browser to the server.
    pub credentials: BTreeMap<String, String>,
    pub confirm_empty_dir: bool,
    pub confirm_switch: bool,
}

impl std::fmt::Debug for StorageSubmission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StorageSubmission")
            .field("intent", &self.intent)
            .field("config_version", &self.config_version)
            .field("form", &self.form)
            .field("credentials", &self.credentials.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

fn put(map: &mut Map<String, Value>, key: &str, value: &str) {
    if !value.trim().is_empty() {
        map.insert(key.into(), Value::String(value.to_string()));
    }
}

/// `spec.storage.<type>` as the form describes it (empty fields left out, as the guide's
/// commands do). A chunk size that is not a number stays text, so the schema check names
/// it instead of it vanishing.
pub fn storage_object(form: &StorageForm) -> Option<(&'static str, Value)> {
    let path = form.path()?;
    let mut m = Map::new();
    match path {
        StoragePath::S3 => {
            put(&mut m, "bucket", &form.s3_bucket);
            put(&mut m, "region", &form.s3_region);
            put(&mut m, "regionEndpoint", &form.s3_region_endpoint);
            if form.s3_encrypt {
                m.insert("encrypt".into(), json!(true));
            }
            put(&mut m, "keyID", &form.s3_key_id);
            if form.s3_virtual_hosted_style {
                m.insert("virtualHostedStyle".into(), json!(true));
            }
            let chunk = form.s3_chunk_size_mib.trim();
            if !chunk.is_empty() {
                m.insert(
                    "chunkSizeMiB".into(),
                    chunk
                        .parse::<i64>()
                        .map_or_else(|_| json!(chunk), |n| json!(n)),
                );
            }
            let front = [
                &form.cloudfront_base_url,
                &form.cloudfront_keypair_id,
                &form.cloudfront_key_secret,
                &form.cloudfront_key_key,
                &form.cloudfront_duration,
            ];
            if front.iter().any(|v| !v.trim().is_empty()) {
                let mut cf = Map::new();
                put(&mut cf, "baseURL", &form.cloudfront_base_url);
                put(&mut cf, "keypairID", &form.cloudfront_keypair_id);
                let mut key = Map::new();
                put(&mut key, "name", &form.cloudfront_key_secret);
                put(&mut key, "key", &form.cloudfront_key_key);
                cf.insert("privateKey".into(), Value::Object(key));
                put(&mut cf, "duration", &form.cloudfront_duration);
                m.insert("cloudFront".into(), Value::Object(cf));
            }
        }
        StoragePath::Gcs => {
            put(&mut m, "bucket", &form.gcs_bucket);
            put(&mut m, "region", &form.gcs_region);
            put(&mut m, "projectID", &form.gcs_project_id);
            put(&mut m, "keyID", &form.gcs_key_id);
        }
        StoragePath::Azure => {
            put(&mut m, "accountName", &form.azure_account_name);
            put(&mut m, "container", &form.azure_container);
            put(&mut m, "cloudName", &form.azure_cloud_name);
        }
        StoragePath::Swift => {
            put(&mut m, "authURL", &form.swift_auth_url);
            put(&mut m, "authVersion", &form.swift_auth_version);
            put(&mut m, "container", &form.swift_container);
            put(&mut m, "domain", &form.swift_domain);
            put(&mut m, "domainID", &form.swift_domain_id);
            put(&mut m, "tenant", &form.swift_tenant);
            put(&mut m, "tenantID", &form.swift_tenant_id);
            put(&mut m, "regionName", &form.swift_region_name);
        }
        StoragePath::SharedClaim => put(&mut m, "claim", &form.claim),
        StoragePath::BlockClaim => put(&mut m, "claim", &form.block_name),
        StoragePath::EmptyDir => {}
    }
    Some((path.storage_type(), Value::Object(m)))
}

/// The Config's spec after the change: the chosen storage replaces any other (keeping
/// `storage.managementState`), a Removed registry becomes Managed (guide 3.4.2), and block
/// storage and emptyDir run one replica (block with the Recreate rollout, guide 3.4.6).
pub fn desired_spec(current: &Value, form: &StorageForm) -> Value {
    let mut spec = match current {
        Value::Object(_) => current.clone(),
        _ => json!({}),
    };
    let Some((kind, object)) = storage_object(form) else {
        return spec;
    };
    let mut storage = Map::new();
    if let Some(state) = current.pointer("/storage/managementState") {
        storage.insert("managementState".into(), state.clone());
    }
    storage.insert(kind.into(), object);
    spec["storage"] = Value::Object(storage);
    if spec.get("managementState").and_then(Value::as_str) == Some("Removed") {
        spec["managementState"] = json!("Managed");
    }
    match form.path() {
        Some(StoragePath::BlockClaim) => {
            spec["replicas"] = json!(1);
            spec["rolloutStrategy"] = json!("Recreate");
        }
        Some(StoragePath::EmptyDir) => spec["replicas"] = json!(1),
        _ => {}
    }
    spec
}

/// The block path's claim, as guide 3.5.5 writes it, in the registry's namespace (the
/// guide's file leaves the namespace out, which would put it in the current project).
pub fn block_claim(form: &StorageForm) -> Value {
    let mut spec = json!({
        "accessModes": ["ReadWriteOnce"],
        "resources": { "requests": { "storage": form.block_size.trim() } },
    });
    if !form.block_class.is_empty() {
        spec["storageClassName"] = json!(form.block_class);
    }
    json!({
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": { "name": form.block_name.trim(), "namespace": REGISTRY_NAMESPACE },
        "spec": spec,
    })
}

/// Where a spec's storage keeps the images: its type and bucket, container or claim.
/// Changing it on a running registry leaves the images behind.
pub fn storage_location(spec: &Value) -> Option<(String, String)> {
    let storage = spec.get("storage")?.as_object()?;
    let (kind, object) = storage
        .iter()
        .find(|(k, v)| *k != "managementState" && !v.is_null())?;
    let place = ["bucket", "container", "claim"]
        .iter()
        .find_map(|k| object.get(*k).and_then(Value::as_str))
        .unwrap_or(if kind == "pvc" { OPERATOR_CLAIM } else { "" });
    Some((kind.clone(), place.to_string()))
}

/// A PersistentVolumeClaim in the registry's namespace, as the wizard lists it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimRow {
    pub name: String,
    pub phase: String,
    pub capacity: String,
    pub access_modes: Vec<String>,
    pub storage_class: String,
    /// Its deletion has been asked for (it stays while a pod uses it).
    #[serde(default)]
    pub deleting: bool,
}

/// A StorageClass of the cluster.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageClassRow {
    pub name: String,
    pub provisioner: String,
    pub default: bool,
}

/// The credentials Secret as the page may show it: key names, never values.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialsView {
    /// `None`: the Secret does not exist.
    pub version: Option<String>,
    pub keys: Vec<String>,
    /// Who last wrote it through the console, and when (from the audit trail).
    pub set_by: Option<String>,
    pub set_at: Option<String>,
    /// The change that did.
    pub change_id: Option<String>,
}

/// Everything the storage page shows. A part that could not be read says why instead.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StorageView {
    /// `status.platformStatus.type`: `Ok(None)` when the object is absent.
    pub platform: Result<Option<String>, String>,
    pub config_version: String,
    /// Redacted.
    pub spec: Value,
    pub storage: StorageSummary,
    pub management_state: String,
    pub conditions: Vec<ConditionView>,
    pub credentials: Result<CredentialsView, String>,
    pub claims: Result<Vec<ClaimRow>, String>,
    pub storage_classes: Result<Vec<StorageClassRow>, String>,
    /// The API server would refuse the user's change: why.
    pub update_denied: Option<String>,
}

impl StorageView {
    /// What the wizard island needs of the view.
    pub fn wizard_state(&self) -> WizardState {
        WizardState {
            platform: self.platform.clone().ok().flatten(),
            config_version: self.config_version.clone(),
            spec: self.spec.clone(),
            secret_version: self
                .credentials
                .as_ref()
                .ok()
                .and_then(|c| c.version.clone()),
            existing_keys: self
                .credentials
                .as_ref()
                .map(|c| c.keys.clone())
                .unwrap_or_default(),
            claims: self.claims.clone().unwrap_or_default(),
            storage_classes: self.storage_classes.clone().ok(),
            update_denied: self.update_denied.clone(),
        }
    }
}

/// What the wizard island gets (the rest of the view is rendered on the server): fewer
/// types to decode in the browser.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WizardState {
    /// `None`: absent or unreadable (the wizard asks).
    pub platform: Option<String>,
    pub config_version: String,
    /// Redacted.
    pub spec: Value,
    pub secret_version: Option<String>,
    pub existing_keys: Vec<String>,
    pub claims: Vec<ClaimRow>,
    /// `None`: unreadable.
    pub storage_classes: Option<Vec<StorageClassRow>>,
    pub update_denied: Option<String>,
}

impl WizardState {
    /// The form for this registry: its current storage's path and fields filled in. A
    /// claim the spec names that does not exist (the operator's own, deleted by `Removed`)
    /// is not offered: the form leaves it empty, so the operator creates its claim again.
    pub fn form(&self) -> StorageForm {
        let mut form = form_from_spec(&self.spec);
        if form.path == "pvc" && !form.claim.is_empty() {
            match self.claims.iter().find(|c| c.name == form.claim) {
                None => form.claim.clear(),
                // A claim only one node can mount is the block path's, not the shared one's
                // (offering "ReadWriteMany" for it read as a mistake): kept as it is.
                Some(claim) if is_block(claim) => {
                    form.path = StoragePath::BlockClaim.id().into();
                    form.block_name = claim.name.clone();
                    form.block_size = claim.capacity.clone();
                    form.block_class = claim.storage_class.clone();
                }
                Some(_) => {}
            }
        }
        form
    }

    pub fn management_state(&self) -> &str {
        self.spec
            .get("managementState")
            .and_then(Value::as_str)
            .unwrap_or("Managed")
    }

    /// What the checks know beyond the draft.
    pub fn facts(&self) -> WizardFacts {
        WizardFacts {
            existing_keys: self.existing_keys.clone(),
            claims: self.claims.clone(),
            storage_classes: self.storage_classes.clone(),
        }
    }

    /// The current storage uses credentials and the secret exists: they can be rotated.
    pub fn can_rotate(&self) -> bool {
        self.secret_version.is_some()
            && storage_location(&self.spec)
                .is_some_and(|(kind, _)| !credential_key_sets(&kind).is_empty())
    }
}

/// A claim for one node at a time: ReadWriteOnce, and not ReadWriteMany.
fn is_block(claim: &ClaimRow) -> bool {
    let has = |mode: &str| claim.access_modes.iter().any(|m| m == mode);
    has("ReadWriteOnce") && !has("ReadWriteMany")
}

/// The block path's claim when it is the one the registry uses now (a ReadWriteOnce
/// claim named by `spec.storage.pvc.claim`): it is kept, not created again.
pub fn kept_block_claim<'a>(
    current_spec: &Value,
    form: &StorageForm,
    facts: &'a WizardFacts,
) -> Option<&'a ClaimRow> {
    let name = form.block_name.trim();
    let in_use = current_spec
        .pointer("/storage/pvc/claim")
        .and_then(Value::as_str)
        == Some(name);
    facts
        .claims
        .iter()
        .find(|c| c.name == name)
        .filter(|c| in_use && is_block(c))
}

/// The form describing the storage a spec has now (a new form when it has none).
pub fn form_from_spec(spec: &Value) -> StorageForm {
    let mut form = StorageForm::new();
    let Some(storage) = spec.get("storage") else {
        return form;
    };
    let s = |v: &Value, k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    if let Some(s3) = storage.get("s3").filter(|v| v.is_object()) {
        form.path = "s3".into();
        form.s3_bucket = s(s3, "bucket");
        form.s3_region = s(s3, "region");
        form.s3_region_endpoint = s(s3, "regionEndpoint");
        form.s3_encrypt = s3.get("encrypt").and_then(Value::as_bool).unwrap_or(false);
        form.s3_key_id = s(s3, "keyID");
        form.s3_virtual_hosted_style = s3
            .get("virtualHostedStyle")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        form.s3_chunk_size_mib = s3
            .get("chunkSizeMiB")
            .map(|v| v.to_string())
            .unwrap_or_default();
        if let Some(cf) = s3.get("cloudFront") {
            form.cloudfront_base_url = s(cf, "baseURL");
            form.cloudfront_keypair_id = s(cf, "keypairID");
            form.cloudfront_duration = s(cf, "duration");
            let key = cf.get("privateKey").cloned().unwrap_or(Value::Null);
            form.cloudfront_key_secret = s(&key, "name");
            form.cloudfront_key_key = s(&key, "key");
        }
    } else if let Some(gcs) = storage.get("gcs").filter(|v| v.is_object()) {
        form.path = "gcs".into();
        form.gcs_bucket = s(gcs, "bucket");
        form.gcs_region = s(gcs, "region");
        form.gcs_project_id = s(gcs, "projectID");
        form.gcs_key_id = s(gcs, "keyID");
    } else if let Some(azure) = storage.get("azure").filter(|v| v.is_object()) {
        form.path = "azure".into();
        form.azure_account_name = s(azure, "accountName");
        form.azure_container = s(azure, "container");
        form.azure_cloud_name = s(azure, "cloudName");
    } else if let Some(swift) = storage.get("swift").filter(|v| v.is_object()) {
        form.path = "swift".into();
        form.swift_auth_url = s(swift, "authURL");
        form.swift_auth_version = s(swift, "authVersion");
        form.swift_container = s(swift, "container");
        form.swift_domain = s(swift, "domain");
        form.swift_domain_id = s(swift, "domainID");
        form.swift_tenant = s(swift, "tenant");
        form.swift_tenant_id = s(swift, "tenantID");
        form.swift_region_name = s(swift, "regionName");
    } else if let Some(pvc) = storage.get("pvc").filter(|v| v.is_object()) {
        form.path = "pvc".into();
        form.claim = s(pvc, "claim");
    } else if storage.get("emptyDir").is_some_and(|v| !v.is_null()) {
        form.path = "emptyDir".into();
    }
    form
}

/// What the checks know beyond the draft (as the page loaded it).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WizardFacts {
    pub existing_keys: Vec<String>,
    pub claims: Vec<ClaimRow>,
    /// `None`: the StorageClasses could not be read (then any name is let through to the
    /// dry run).
    pub storage_classes: Option<Vec<StorageClassRow>>,
}

/// Field of a credential's input.
pub fn credential_field(key: &str) -> String {
    format!("secret.{key}")
}

/// Every check of the draft that needs no cluster round trip: each path's own fields, the
/// ReadWriteOnce rules, the credentials, the new claim, and the confirmations. The
/// pipeline then runs all the operator's rules on the whole Config.
pub fn validate_submission(sub: &StorageSubmission, facts: &WizardFacts) -> Vec<Violation> {
    let mut out = Vec::new();
    let Some(path) = sub.form.path() else {
        out.push(Violation::error("path", "rule.storage.choose_path"));
        return out;
    };
    out.extend(credential_rules(sub, facts));
    if sub.intent == StorageIntent::RotateCredentials {
        return out;
    }
    let form = &sub.form;
    let required: &[(&str, &str)] = match path {
        StoragePath::S3 if form.s3_region_endpoint.trim().is_empty() => &[
            ("spec.storage.s3.bucket", &form.s3_bucket),
            ("spec.storage.s3.region", &form.s3_region),
        ],
        StoragePath::S3 => &[("spec.storage.s3.bucket", &form.s3_bucket)],
        StoragePath::Gcs => &[("spec.storage.gcs.bucket", &form.gcs_bucket)],
        _ => &[],
    };
    for (field, value) in required {
        if value.trim().is_empty() {
            out.push(Violation::error(field, "rule.required"));
        }
    }
    let desired = desired_spec(&sub.config_spec, form);
    let claim_modes = match path {
        StoragePath::BlockClaim => Some(vec!["ReadWriteOnce".to_string()]),
        StoragePath::SharedClaim => {
            let name = if form.claim.is_empty() {
                OPERATOR_CLAIM
            } else {
                form.claim.as_str()
            };
            facts
                .claims
                .iter()
                .find(|c| c.name == name)
                .map(|c| c.access_modes.clone())
        }
        _ => None,
    };
    // The operator's rules on what the wizard writes (the pipeline runs all of them again
    // on the whole Config; the browser does not need the rest).
    if let Some(storage) = desired.get("storage").and_then(Value::as_object) {
        storage_field_rules(storage, &mut out);
    }
    if let Some(modes) = claim_modes {
        read_write_once_rules(
            desired.get("replicas").and_then(Value::as_i64).unwrap_or(1),
            desired
                .get("rolloutStrategy")
                .and_then(Value::as_str)
                .unwrap_or("RollingUpdate"),
            &modes,
            &mut out,
        );
    }
    if path == StoragePath::BlockClaim {
        match kept_block_claim(&sub.config_spec, form, facts) {
            // Its size and class are the claim's: a different one typed would be dropped.
            Some(kept)
                if form.block_size.trim() != kept.capacity
                    || form.block_class.trim() != kept.storage_class =>
            {
                out.push(
                    Violation::error("claim.size", "rule.claim.kept")
                        .with("name", &kept.name)
                        .with("size", &kept.capacity)
                        .with("class", &kept.storage_class),
                );
            }
            Some(_) => {}
            None => out.extend(block_claim_rules(form, facts)),
        }
    }
    if path == StoragePath::SharedClaim
        && !form.claim.is_empty()
        && !facts.claims.iter().any(|c| c.name == form.claim)
    {
        out.push(
            Violation::error("spec.storage.pvc.claim", "rule.pvc.claim_missing")
                .with("claim", &form.claim),
        );
    }
    if path == StoragePath::EmptyDir && !sub.confirm_empty_dir {
        out.push(Violation::error(
            "confirm.emptyDir",
            "rule.emptydir.confirm",
        ));
    }
    if is_switch(&sub.config_spec, &desired) && !sub.confirm_switch {
        out.push(Violation::error(
            "confirm.switch",
            "rule.storage.switch_confirm",
        ));
    }
    out
}

/// The change moves a registry that runs on some storage to other storage (whose images
/// are not migrated).
pub fn is_switch(current: &Value, desired: &Value) -> bool {
    let running = current.get("managementState").and_then(Value::as_str) != Some("Removed");
    running && storage_location(current).is_some_and(|now| Some(now) != storage_location(desired))
}

fn credential_rules(sub: &StorageSubmission, facts: &WizardFacts) -> Vec<Violation> {
    let mut out = Vec::new();
    let form = &sub.form;
    if form.path() == Some(StoragePath::Swift)
        && swift_credential_keys(&form.swift_credential).is_empty()
    {
        out.push(Violation::error(
            "swiftCredential",
            "rule.swift.credential_kind",
        ));
    }
    let keys = credential_keys(form);
    if sub.intent == StorageIntent::RotateCredentials && keys.is_empty() {
        out.push(Violation::error("path", "rule.credentials.none_to_rotate"));
    }
    for key in keys {
        let field = credential_field(key);
        let typed = sub
            .credentials
            .get(*key)
            .map(String::as_str)
            .unwrap_or_default();
        // A key the Secret has already is kept when left empty, when configuring and when
        // rotating alike (a rotation replaces the keys typed, and at least one).
        let kept = facts.existing_keys.iter().any(|k| k == key);
        if typed.is_empty() {
            if !kept {
                out.push(Violation::error(&field, "rule.credentials.required").with("key", key));
            }
            continue;
        }
        if FILE_KEYS.contains(key) {
            out.extend(key_file_rules(&field, typed, form.gcs_project_id.trim()));
        } else if typed.chars().any(char::is_whitespace) {
            out.push(Violation::error(&field, "rule.credentials.whitespace").with("key", key));
        }
    }
    if sub.intent == StorageIntent::RotateCredentials
        && !keys.is_empty()
        && keys
            .iter()
            .all(|k| sub.credentials.get(*k).is_none_or(|v| v.is_empty()))
    {
        out.push(
            Violation::error(&credential_field(keys[0]), "rule.credentials.rotate_none")
                .with("keys", keys.join(", ")),
        );
    }
    // Keys typed that the path does not use would be written silently: refuse them.
    for key in sub.credentials.keys() {
        if !keys.contains(&key.as_str()) && !sub.credentials[key].is_empty() {
            out.push(
                Violation::error(&credential_field(key), "rule.credentials.unused")
                    .with("key", key),
            );
        }
    }
    out
}

fn block_claim_rules(form: &StorageForm, facts: &WizardFacts) -> Vec<Violation> {
    let mut out = Vec::new();
    let name = form.block_name.trim();
    if !is_dns_subdomain(name) {
        out.push(Violation::error("claim.name", "rule.pvc.claim_name").with("value", name));
    } else if facts.claims.iter().any(|c| c.name == name) {
        out.push(Violation::error("claim.name", "rule.claim.exists").with("name", name));
    }
    out.extend(claim_size_rules("claim.size", &form.block_size));
    if let Some(classes) = &facts.storage_classes {
        if form.block_class.is_empty() {
            if !classes.iter().any(|c| c.default) {
                out.push(Violation::error(
                    "claim.storageClassName",
                    "rule.claim.no_default_class",
                ));
            }
        } else if !classes.iter().any(|c| c.name == form.block_class) {
            out.push(
                Violation::error("claim.storageClassName", "rule.claim.class")
                    .with("value", &form.block_class),
            );
        }
    }
    out
}

/// Every message key the wizard's checks can produce (both catalogues must have them).
pub const MESSAGE_KEYS: [&str; 25] = [
    "rule.storage.choose_path",
    "rule.claim.kept",
    "rule.storage.switch_confirm",
    "rule.emptydir.confirm",
    "rule.swift.credential_kind",
    "rule.credentials.none_to_rotate",
    "rule.credentials.required",
    "rule.credentials.whitespace",
    "rule.credentials.unused",
    "rule.pvc.claim_name",
    "rule.claim.exists",
    "rule.credentials.rotate_none",
    "rule.claim.size",
    "rule.claim.small",
    "rule.claim.no_default_class",
    "rule.claim.class",
    "rule.s3.region",
    "rule.gcs.project",
    "rule.gcs.key_id",
    "rule.gcs.keyfile_json",
    "rule.gcs.keyfile_type",
    "rule.gcs.keyfile_fields",
    "rule.gcs.keyfile_project",
    "rule.duration",
    "rule.one_of",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn removed() -> Value {
        json!({ "managementState": "Removed", "replicas": 1, "storage": {} })
    }

    fn submission(form: StorageForm, spec: Value) -> StorageSubmission {
        StorageSubmission {
            config_spec: spec,
            form,
            ..Default::default()
        }
    }

    fn keys(list: &[Violation]) -> Vec<String> {
        list.iter()
            .map(|v| format!("{} {}", v.field, v.key))
            .collect()
    }

    fn classes() -> WizardFacts {
        WizardFacts {
            storage_classes: Some(vec![StorageClassRow {
                name: "standard".into(),
                provisioner: "x".into(),
                default: true,
            }]),
            ..Default::default()
        }
    }

    #[test]
    fn each_platform_offers_its_own_paths_first() {
        let (own, others) = paths_for_platform(Some("BareMetal"));
        assert_eq!(own, vec![StoragePath::SharedClaim, StoragePath::BlockClaim]);
        assert_eq!(others.last(), Some(&StoragePath::EmptyDir));
        assert_eq!(own.len() + others.len(), StoragePath::ALL.len());
        assert_eq!(paths_for_platform(Some("AWS")).0, vec![StoragePath::S3]);
        assert_eq!(paths_for_platform(Some("GCP")).0, vec![StoragePath::Gcs]);
        assert_eq!(
            paths_for_platform(Some("Azure")).0,
            vec![StoragePath::Azure]
        );
        assert_eq!(
            paths_for_platform(Some("OpenStack")).0[0],
            StoragePath::Swift
        );
        assert!(paths_for_platform(None).0.is_empty());
        for path in StoragePath::ALL {
            assert_eq!(StoragePath::from_id(path.id()), Some(path));
        }
    }

    #[test]
    fn bare_metal_from_removed_is_the_guides_patch() {
        let form = StorageForm {
            path: "pvc".into(),
            ..StorageForm::new()
        };
        assert_eq!(
            desired_spec(&removed(), &form),
            json!({ "managementState": "Managed", "replicas": 1, "storage": { "pvc": {} } })
        );
        assert!(validate_submission(&submission(form, removed()), &classes()).is_empty());
    }

    #[test]
    fn block_storage_runs_one_replica_with_recreate_and_its_claim() {
        let form = StorageForm {
            path: "block".into(),
            block_class: "standard".into(),
            ..StorageForm::new()
        };
        let spec = json!({ "managementState": "Managed", "replicas": 2, "storage": { "managementState": "Unmanaged", "emptyDir": {} } });
        assert_eq!(
            desired_spec(&spec, &form),
            json!({ "managementState": "Managed", "replicas": 1, "rolloutStrategy": "Recreate",
                    "storage": { "managementState": "Unmanaged", "pvc": { "claim": "image-registry-storage" } } })
        );
        assert_eq!(
            block_claim(&form),
            json!({ "apiVersion": "v1", "kind": "PersistentVolumeClaim",
                    "metadata": { "name": "image-registry-storage", "namespace": "openshift-image-registry" },
                    "spec": { "accessModes": ["ReadWriteOnce"], "resources": { "requests": { "storage": "100Gi" } }, "storageClassName": "standard" } })
        );
        let sub = submission(form.clone(), spec.clone());
        assert_eq!(
            keys(&validate_submission(&sub, &classes())),
            vec!["confirm.switch rule.storage.switch_confirm"]
        );
        let confirmed = StorageSubmission {
            confirm_switch: true,
            ..sub
        };
        assert!(validate_submission(&confirmed, &classes()).is_empty());
        let taken = WizardFacts {
            claims: vec![ClaimRow {
                name: "image-registry-storage".into(),
                ..Default::default()
            }],
            ..classes()
        };
        assert_eq!(
            keys(&validate_submission(&confirmed, &taken)),
            vec!["claim.name rule.claim.exists"]
        );
        let bad = StorageForm {
            block_name: "Bad_Name".into(),
            block_size: "lots".into(),
            block_class: "gold".into(),
            ..form
        };
        assert_eq!(
            keys(&validate_submission(
                &submission(bad, removed()),
                &classes()
            )),
            vec![
                "spec.storage.pvc.claim rule.pvc.claim_name",
                "claim.name rule.pvc.claim_name",
                "claim.size rule.claim.size",
                "claim.storageClassName rule.claim.class"
            ]
        );
    }

    #[test]
    fn the_read_write_once_claim_in_use_preselects_the_block_path_and_is_kept() {
        let claim = ClaimRow {
            name: "registry-block".into(),
            phase: "Bound".into(),
            capacity: "100Gi".into(),
            access_modes: vec!["ReadWriteOnce".into()],
            storage_class: "sandbox-block".into(),
            deleting: false,
        };
        let spec = json!({ "managementState": "Managed", "replicas": 1, "rolloutStrategy": "Recreate",
                           "storage": { "managementState": "Unmanaged", "pvc": { "claim": "registry-block" } } });
        let state = WizardState {
            platform: Some("BareMetal".into()),
            config_version: "7".into(),
            spec: spec.clone(),
            secret_version: None,
            existing_keys: Vec::new(),
            claims: vec![claim.clone()],
            storage_classes: None,
            update_denied: None,
        };
        let form = state.form();
        assert_eq!(form.path, "block", "not the ReadWriteMany path");
        assert_eq!(
            (
                form.block_name.as_str(),
                form.block_size.as_str(),
                form.block_class.as_str()
            ),
            ("registry-block", "100Gi", "sandbox-block")
        );
        let facts = state.facts();
        assert_eq!(kept_block_claim(&spec, &form, &facts), Some(&claim));
        // Submitted as it is: no "claim exists", and no switch (the same claim).
        assert!(validate_submission(&submission(form.clone(), spec.clone()), &facts).is_empty());
        // A new size for it would be dropped: refused, naming the field.
        let resized = StorageForm {
            block_size: "200Gi".into(),
            ..form.clone()
        };
        assert_eq!(
            keys(&validate_submission(
                &submission(resized, spec.clone()),
                &facts
            )),
            vec!["claim.size rule.claim.kept"]
        );
        // A shared claim stays on the shared path.
        let shared = WizardState {
            claims: vec![ClaimRow {
                access_modes: vec!["ReadWriteMany".into()],
                ..claim
            }],
            ..state
        };
        assert_eq!(shared.form().path, "pvc");
    }

    #[test]
    fn a_shared_claim_that_is_read_write_once_is_refused_with_several_replicas() {
        let facts = WizardFacts {
            claims: vec![ClaimRow {
                name: "registry".into(),
                access_modes: vec!["ReadWriteOnce".into()],
                ..Default::default()
            }],
            ..classes()
        };
        let spec = json!({ "managementState": "Removed", "replicas": 2, "storage": {} });
        let form = StorageForm {
            path: "pvc".into(),
            claim: "registry".into(),
            ..StorageForm::new()
        };
        assert_eq!(
            keys(&validate_submission(&submission(form, spec), &facts)),
            vec![
                "spec.replicas rule.pvc.rwo_replicas",
                "spec.rolloutStrategy rule.pvc.rwo_strategy"
            ]
        );
    }

    #[test]
    fn empty_dir_needs_its_confirmation_and_one_replica() {
        let form = StorageForm {
            path: "emptyDir".into(),
            ..StorageForm::new()
        };
        let spec = json!({ "managementState": "Removed", "replicas": 3 });
        let sub = submission(form, spec.clone());
        assert_eq!(desired_spec(&spec, &sub.form)["replicas"], json!(1));
        assert_eq!(
            desired_spec(&spec, &sub.form)["storage"],
            json!({ "emptyDir": {} })
        );
        let found = validate_submission(&sub, &classes());
        assert!(keys(&found).contains(&"confirm.emptyDir rule.emptydir.confirm".to_string()));
        let confirmed = StorageSubmission {
            confirm_empty_dir: true,
            ..sub
        };
        assert!(
            validate_submission(&confirmed, &classes())
                .iter()
                .all(|v| v.severity == crate::domain::violation::Severity::Warning)
        );
    }

    #[test]
    fn s3_needs_its_fields_and_both_keys_unless_the_secret_has_them() {
        let form = StorageForm {
            path: "s3".into(),
            ..StorageForm::new()
        };
        assert_eq!(
            keys(&validate_submission(
                &submission(form.clone(), removed()),
                &classes()
            )),
            vec![
                "secret.REGISTRY_STORAGE_S3_ACCESSKEY rule.credentials.required",
                "secret.REGISTRY_STORAGE_S3_SECRETKEY rule.credentials.required",
                "spec.storage.s3.bucket rule.required",
                "spec.storage.s3.region rule.required",
            ]
        );
        let filled = StorageForm {
            s3_bucket: "images".into(),
            s3_region: "us-east-1".into(),
            ..form
        };
        let mut sub = submission(filled, removed());
        sub.credentials
            .insert("REGISTRY_STORAGE_S3_ACCESSKEY".into(), "AKIA CANARY".into());
        sub.credentials
            .insert("REGISTRY_STORAGE_AZURE_ACCOUNTKEY".into(), "x".into());
        let found = validate_submission(&sub, &classes());
        assert_eq!(
            keys(&found),
            vec![
                "secret.REGISTRY_STORAGE_S3_ACCESSKEY rule.credentials.whitespace",
                "secret.REGISTRY_STORAGE_S3_SECRETKEY rule.credentials.required",
                "secret.REGISTRY_STORAGE_AZURE_ACCOUNTKEY rule.credentials.unused",
            ]
        );
        assert!(
            found
                .iter()
                .all(|v| v.params.iter().all(|(_, p)| !p.contains("CANARY")))
        );
        let kept = WizardFacts {
            existing_keys: vec![
                "REGISTRY_STORAGE_S3_ACCESSKEY".into(),
                "REGISTRY_STORAGE_S3_SECRETKEY".into(),
            ],
            ..classes()
        };
        sub.credentials.clear();
        assert!(validate_submission(&sub, &kept).is_empty());
        // Rotation replaces the keys typed and keeps the others, but needs one at least.
        sub.intent = StorageIntent::RotateCredentials;
        let none: Vec<String> = validate_submission(&sub, &kept)
            .into_iter()
            .map(|v| format!("{} {}", v.field, v.key))
            .collect();
        assert_eq!(
            none,
            vec!["secret.REGISTRY_STORAGE_S3_ACCESSKEY rule.credentials.rotate_none"]
        );
        sub.credentials
            .insert("REGISTRY_STORAGE_S3_SECRETKEY".into(), "new-secret".into());
        assert!(
            validate_submission(&sub, &kept).is_empty(),
            "the access key is kept"
        );
    }

    #[test]
    fn swift_takes_one_credential_kind() {
        let form = StorageForm {
            path: "swift".into(),
            swift_auth_url: "https://keystone.example.com:5000/v3".into(),
            swift_container: "registry".into(),
            swift_credential: "application".into(),
            ..StorageForm::new()
        };
        assert_eq!(credential_keys(&form).len(), 3);
        let mut sub = submission(form.clone(), removed());
        for key in credential_keys(&form) {
            sub.credentials.insert(key.to_string(), "v".into());
        }
        assert!(validate_submission(&sub, &classes()).is_empty());
        sub.form.swift_credential = "token".into();
        assert_eq!(
            validate_submission(&sub, &classes()).len(),
            4,
            "three unused, one missing"
        );
        sub.form.swift_credential = "kerberos".into();
        assert!(
            keys(&validate_submission(&sub, &classes()))
                .contains(&"swiftCredential rule.swift.credential_kind".to_string())
        );
    }

    #[test]
    fn the_form_reads_back_what_it_wrote() {
        let form = StorageForm {
            path: "s3".into(),
            s3_bucket: "images".into(),
            s3_region: "us-east-1".into(),
            s3_encrypt: true,
            s3_key_id: "arn:aws:kms:us-east-1:1:key/k".into(),
            s3_chunk_size_mib: "10".into(),
            ..StorageForm::new()
        };
        let spec = desired_spec(&removed(), &form);
        assert_eq!(spec["storage"]["s3"]["chunkSizeMiB"], json!(10));
        assert_eq!(form_from_spec(&spec), form);
        assert_eq!(
            storage_location(&spec),
            Some(("s3".into(), "images".into()))
        );
        assert!(!is_switch(&removed(), &spec));
        assert!(is_switch(
            &spec,
            &json!({ "storage": { "s3": { "bucket": "other" } } })
        ));
    }

    #[test]
    fn every_message_key_reads_in_both_languages() {
        for key in MESSAGE_KEYS {
            for lang in crate::i18n::Lang::ALL {
                assert!(crate::i18n::has_key(lang, key), "{lang:?} {key}");
            }
        }
    }

    #[test]
    fn a_claim_that_no_longer_exists_is_not_offered() {
        let state = |claims: Vec<ClaimRow>| WizardState {
            platform: None,
            config_version: "1".into(),
            spec: json!({ "managementState": "Removed", "storage": { "pvc": { "claim": "image-registry-storage" } } }),
            secret_version: None,
            existing_keys: Vec::new(),
            claims,
            storage_classes: None,
            update_denied: None,
        };
        assert_eq!(state(Vec::new()).form().claim, "", "Removed deleted it");
        let kept = state(vec![ClaimRow {
            name: "image-registry-storage".into(),
            phase: "Bound".into(),
            capacity: "100Gi".into(),
            access_modes: vec!["ReadWriteMany".into()],
            storage_class: "sandbox-shared".into(),
            deleting: false,
        }]);
        assert_eq!(kept.form().claim, "image-registry-storage");
        let mut sub = StorageSubmission {
            form: state(Vec::new()).form(),
            ..Default::default()
        };
        sub.form.claim = "gone".into();
        let found: Vec<String> = validate_submission(&sub, &WizardFacts::default())
            .into_iter()
            .map(|v| format!("{} {}", v.field, v.key))
            .collect();
        assert!(
            found.contains(&"spec.storage.pvc.claim rule.pvc.claim_missing".to_string()),
            "{found:?}"
        );
    }
}
