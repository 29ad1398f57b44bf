//! The storage wizard's form, rendered on the server: one table row per CRD field, one
//! fieldset per path, the credentials, the confirmations and a slot for each field's
//! errors. Which parts show follows the chosen path in CSS (`:has()`), so the island only
//! reads the form, checks it and fills the error slots: no field is a reactive view, which
//! keeps the island's WASM within the first-load budget. `label` is the CRD's field name,
//! shown as the caption under a label for people (form.rs); help in both languages.

use crate::domain::storage::wizard::{
    StorageForm, StorageIntent, StoragePath, StorageSubmission, credential_field,
};

/// How a field is typed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// A flag: `get` gives `"true"` or `""`.
    Check,
    /// Text with suggestions: the id of the `<datalist>` of allowed or existing values.
    Suggest(&'static str),
}

/// One field of a path: where it shows, its label (the CRD's name), help, error path, and
/// how it reads and writes the form.
pub struct FieldRow {
    pub path: StoragePath,
    pub label: &'static str,
    pub help: &'static str,
    pub field: &'static str,
    pub kind: Kind,
    pub get: fn(&StorageForm) -> String,
    /// Read back from the page by the island, or from a posted step form.
    pub set: fn(&mut StorageForm, String),
}

pub fn flag(on: bool) -> String {
    if on { "true".into() } else { String::new() }
}

macro_rules! row {
    ($path:ident, $label:literal, $help:literal, $field:literal, $kind:expr, $member:ident) => {
        FieldRow {
            path: StoragePath::$path,
            label: $label,
            help: $help,
            field: $field,
            kind: $kind,
            get: |f| f.$member.clone(),
            set: |f, v| f.$member = v,
        }
    };
}

pub const FIELDS: [FieldRow; 31] = [
    row!(
        S3,
        "bucket",
        "storage.help.s3.bucket",
        "spec.storage.s3.bucket",
        Kind::Text,
        s3_bucket
    ),
    row!(
        S3,
        "region",
        "storage.help.s3.region",
        "spec.storage.s3.region",
        Kind::Text,
        s3_region
    ),
    row!(
        S3,
        "regionEndpoint",
        "storage.help.s3.region_endpoint",
        "spec.storage.s3.regionEndpoint",
        Kind::Text,
        s3_region_endpoint
    ),
    FieldRow {
        path: StoragePath::S3,
        label: "encrypt",
        help: "storage.help.s3.encrypt",
        field: "spec.storage.s3.encrypt",
        kind: Kind::Check,
        get: |f| flag(f.s3_encrypt),
        set: |f, v| f.s3_encrypt = v == "true",
    },
    row!(
        S3,
        "keyID",
        "storage.help.s3.key_id",
        "spec.storage.s3.keyID",
        Kind::Text,
        s3_key_id
    ),
    FieldRow {
        path: StoragePath::S3,
        label: "virtualHostedStyle",
        help: "storage.help.s3.virtual_hosted",
        field: "spec.storage.s3.virtualHostedStyle",
        kind: Kind::Check,
        get: |f| flag(f.s3_virtual_hosted_style),
        set: |f, v| f.s3_virtual_hosted_style = v == "true",
    },
    row!(
        S3,
        "chunkSizeMiB",
        "storage.help.s3.chunk",
        "spec.storage.s3.chunkSizeMiB",
        Kind::Text,
        s3_chunk_size_mib
    ),
    row!(
        S3,
        "cloudFront.baseURL",
        "storage.help.cloudfront",
        "spec.storage.s3.cloudFront.baseURL",
        Kind::Text,
        cloudfront_base_url
    ),
    row!(
        S3,
        "cloudFront.keypairID",
        "storage.help.cloudfront.keypair",
        "spec.storage.s3.cloudFront.keypairID",
        Kind::Text,
        cloudfront_keypair_id
    ),
    row!(
        S3,
        "cloudFront.privateKey.name",
        "storage.help.cloudfront.secret",
        "spec.storage.s3.cloudFront.privateKey.name",
        Kind::Text,
        cloudfront_key_secret
    ),
    row!(
        S3,
        "cloudFront.privateKey.key",
        "storage.help.cloudfront.key",
        "spec.storage.s3.cloudFront.privateKey.key",
        Kind::Text,
        cloudfront_key_key
    ),
    row!(
        S3,
        "cloudFront.duration",
        "storage.help.cloudfront.duration",
        "spec.storage.s3.cloudFront.duration",
        Kind::Text,
        cloudfront_duration
    ),
    row!(
        Gcs,
        "bucket",
        "storage.help.gcs.bucket",
        "spec.storage.gcs.bucket",
        Kind::Text,
        gcs_bucket
    ),
    row!(
        Gcs,
        "region",
        "storage.help.gcs.region",
        "spec.storage.gcs.region",
        Kind::Text,
        gcs_region
    ),
    row!(
        Gcs,
        "projectID",
        "storage.help.gcs.project",
        "spec.storage.gcs.projectID",
        Kind::Text,
        gcs_project_id
    ),
    row!(
        Gcs,
        "keyID",
        "storage.help.gcs.key_id",
        "spec.storage.gcs.keyID",
        Kind::Text,
        gcs_key_id
    ),
    row!(
        Azure,
        "accountName",
        "storage.help.azure.account",
        "spec.storage.azure.accountName",
        Kind::Text,
        azure_account_name
    ),
    row!(
        Azure,
        "container",
        "storage.help.azure.container",
        "spec.storage.azure.container",
        Kind::Text,
        azure_container
    ),
    row!(
        Azure,
        "cloudName",
        "storage.help.azure.cloud",
        "spec.storage.azure.cloudName",
        Kind::Suggest("azure-clouds"),
        azure_cloud_name
    ),
    row!(
        Swift,
        "authURL",
        "storage.help.swift.auth_url",
        "spec.storage.swift.authURL",
        Kind::Text,
        swift_auth_url
    ),
    row!(
        Swift,
        "authVersion",
        "storage.help.swift.auth_version",
        "spec.storage.swift.authVersion",
        Kind::Suggest("swift-versions"),
        swift_auth_version
    ),
    row!(
        Swift,
        "container",
        "storage.help.swift.container",
        "spec.storage.swift.container",
        Kind::Text,
        swift_container
    ),
    row!(
        Swift,
        "domain",
        "storage.help.swift.domain",
        "spec.storage.swift.domain",
        Kind::Text,
        swift_domain
    ),
    row!(
        Swift,
        "domainID",
        "storage.help.swift.domain_id",
        "spec.storage.swift.domainID",
        Kind::Text,
        swift_domain_id
    ),
    row!(
        Swift,
        "tenant",
        "storage.help.swift.tenant",
        "spec.storage.swift.tenant",
        Kind::Text,
        swift_tenant
    ),
    row!(
        Swift,
        "tenantID",
        "storage.help.swift.tenant_id",
        "spec.storage.swift.tenantID",
        Kind::Text,
        swift_tenant_id
    ),
    row!(
        Swift,
        "regionName",
        "storage.help.swift.region",
        "spec.storage.swift.regionName",
        Kind::Text,
        swift_region_name
    ),
    row!(
        BlockClaim,
        "metadata.name",
        "storage.help.block.name",
        "claim.name",
        Kind::Text,
        block_name
    ),
    row!(
        BlockClaim,
        "resources.requests.storage",
        "storage.help.block.size",
        "claim.size",
        Kind::Text,
        block_size
    ),
    // Typed like the others, chosen from the lists below (claims, classes).
    row!(
        SharedClaim,
        "claim",
        "storage.help.pvc.claim",
        "spec.storage.pvc.claim",
        Kind::Suggest("claims"),
        claim
    ),
    row!(
        BlockClaim,
        "storageClassName",
        "storage.help.block.class",
        "claim.storageClassName",
        Kind::Suggest("classes"),
        block_class
    ),
];

/// Every credential key a path may ask for, and the group the form shows it in.
pub const ALL_CREDENTIAL_KEYS: [&str; 10] = [
    "REGISTRY_STORAGE_S3_ACCESSKEY",
    "REGISTRY_STORAGE_S3_SECRETKEY",
    "REGISTRY_STORAGE_GCS_KEYFILE",
    "REGISTRY_STORAGE_AZURE_ACCOUNTKEY",
    "REGISTRY_STORAGE_SWIFT_USERNAME",
    "REGISTRY_STORAGE_SWIFT_PASSWORD",
    "REGISTRY_STORAGE_SWIFT_APPLICATIONCREDENTIALID",
    "REGISTRY_STORAGE_SWIFT_APPLICATIONCREDENTIALNAME",
    "REGISTRY_STORAGE_SWIFT_APPLICATIONCREDENTIALSECRET",
    "REGISTRY_STORAGE_SWIFT_TOKENID",
];

/// The group of the credentials form a key shows in (CSS shows a group for its path and,
/// for Swift, its credential kind).
pub fn credential_group(key: &str) -> &'static str {
    match key {
        "REGISTRY_STORAGE_S3_ACCESSKEY" | "REGISTRY_STORAGE_S3_SECRETKEY" => "s3",
        "REGISTRY_STORAGE_GCS_KEYFILE" => "gcs",
        "REGISTRY_STORAGE_AZURE_ACCOUNTKEY" => "azure",
        "REGISTRY_STORAGE_SWIFT_USERNAME" | "REGISTRY_STORAGE_SWIFT_PASSWORD" => "swift-password",
        "REGISTRY_STORAGE_SWIFT_TOKENID" => "swift-token",
        _ => "swift-application",
    }
}

/// The draft after one step's form was posted without JavaScript. Every step's form carries
/// every field (the other steps' hidden), so a flag that was not sent is off; a credential
/// left empty keeps what an earlier post typed (password inputs are never filled back).
pub fn read_posted(mut draft: StorageSubmission, posted: &[(String, String)]) -> StorageSubmission {
    let value = |name: &str| {
        posted
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    for row in FIELDS.iter() {
        match (row.kind, value(row.field)) {
            (Kind::Check, sent) => (row.set)(&mut draft.form, flag(sent.is_some())),
            (_, Some(sent)) => (row.set)(&mut draft.form, sent),
            (_, None) => {}
        }
    }
    if let Some(path) = value("path") {
        draft.form.path = path;
    }
    if let Some(kind) = value("swiftCredential") {
        draft.form.swift_credential = kind;
    }
    match value("intent").as_deref() {
        Some("rotate") => draft.intent = StorageIntent::RotateCredentials,
        Some("configure") => draft.intent = StorageIntent::Configure,
        _ => {}
    }
    for key in ALL_CREDENTIAL_KEYS {
        if let Some(typed) = value(&credential_field(key)).filter(|v| !v.is_empty()) {
            draft.credentials.insert(key.to_string(), typed);
        }
    }
    draft.confirm_empty_dir = value("confirm.emptyDir").is_some();
    draft.confirm_switch = value("confirm.switch").is_some();
    draft
}

#[cfg(test)]
mod posted_tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_posted_step_sets_its_fields_clears_unsent_flags_and_keeps_typed_credentials() {
        let mut draft = StorageSubmission::default();
        draft.form.s3_encrypt = true;
        draft.credentials.insert(
            "REGISTRY_STORAGE_S3_SECRETKEY".into(),
            "typed-before".into(),
        );
        let draft = read_posted(
            draft,
            &pairs(&[
                ("path", "s3"),
                ("spec.storage.s3.bucket", "images"),
                ("secret.REGISTRY_STORAGE_S3_ACCESSKEY", "AKIA"),
                ("secret.REGISTRY_STORAGE_S3_SECRETKEY", ""),
                ("confirm.switch", "true"),
            ]),
        );
        assert_eq!(draft.form.path, "s3");
        assert_eq!(draft.form.s3_bucket, "images");
        assert!(!draft.form.s3_encrypt, "an unchecked box is not sent");
        assert_eq!(draft.credentials["REGISTRY_STORAGE_S3_ACCESSKEY"], "AKIA");
        assert_eq!(
            draft.credentials["REGISTRY_STORAGE_S3_SECRETKEY"], "typed-before",
            "an empty password input keeps what was typed"
        );
        assert!(draft.confirm_switch && !draft.confirm_empty_dir);
    }
}
