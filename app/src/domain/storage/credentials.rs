//! Registry storage credentials (SPEC §4 rule 7): which keys of the Secret
//! `image-registry-private-configuration-user` each storage type needs (pure).

use crate::domain::violation::Violation;

/// The Secret the operator reads storage credentials from (guide 3.1.1).
pub const CREDENTIALS_SECRET: &str = "image-registry-private-configuration-user";

/// The sets of keys that satisfy a storage type: any one set, complete, will do. Storage
/// without credentials (pvc, emptyDir) has none.
pub fn credential_key_sets(storage_type: &str) -> &'static [&'static [&'static str]] {
    match storage_type {
        "s3" => &[&[
            "REGISTRY_STORAGE_S3_ACCESSKEY",
            "REGISTRY_STORAGE_S3_SECRETKEY",
        ]],
        "gcs" => &[&["REGISTRY_STORAGE_GCS_KEYFILE"]],
        "azure" => &[&["REGISTRY_STORAGE_AZURE_ACCOUNTKEY"]],
        "swift" => &[
            &[
                "REGISTRY_STORAGE_SWIFT_USERNAME",
                "REGISTRY_STORAGE_SWIFT_PASSWORD",
            ],
            &[
                "REGISTRY_STORAGE_SWIFT_APPLICATIONCREDENTIALID",
                "REGISTRY_STORAGE_SWIFT_APPLICATIONCREDENTIALNAME",
                "REGISTRY_STORAGE_SWIFT_APPLICATIONCREDENTIALSECRET",
            ],
            &["REGISTRY_STORAGE_SWIFT_TOKENID"],
        ],
        "ibmcos" => &[&["REGISTRY_STORAGE_IBMCOS_IAMAPIKEY"]],
        _ => &[],
    }
}

/// Whether `keys` (the Secret's key names) carry the credentials `storage_type` needs;
/// `None` when they do (or the type needs none), otherwise the violation on `field`, naming
/// the keys that are needed.
pub fn credentials_violation(storage_type: &str, keys: &[&str], field: &str) -> Option<Violation> {
    let sets = credential_key_sets(storage_type);
    if sets.is_empty() || sets.iter().any(|set| set.iter().all(|k| keys.contains(k))) {
        return None;
    }
    let needed = sets
        .iter()
        .map(|set| set.join(" + "))
        .collect::<Vec<_>>()
        .join(" | ");
    Some(
        Violation::error(field, "rule.credentials.keys")
            .with("storage", storage_type)
            .with("secret", CREDENTIALS_SECRET)
            .with("needed", needed),
    )
}

/// The storage keys of the Secret (`REGISTRY_STORAGE_…`) that `storage_type` does not use:
/// left over from a storage used before (S3, then GCS, …). They do no harm to the
/// registry, but the Secret then does not simply "match" the storage.
pub fn unused_credential_keys<'a>(storage_type: &str, keys: &[&'a str]) -> Vec<&'a str> {
    let used: Vec<&str> = credential_key_sets(storage_type)
        .iter()
        .flat_map(|set| set.iter().copied())
        .collect();
    keys.iter()
        .copied()
        .filter(|k| k.starts_with("REGISTRY_STORAGE_") && !used.contains(k))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_storage_type_needs_its_keys() {
        let s3 = [
            "REGISTRY_STORAGE_S3_ACCESSKEY",
            "REGISTRY_STORAGE_S3_SECRETKEY",
        ];
        assert!(credentials_violation("s3", &s3, "data").is_none());
        let missing = credentials_violation("s3", &s3[..1], "data").expect("secret key missing");
        assert_eq!(missing.key, "rule.credentials.keys");
        assert!(
            missing
                .params
                .iter()
                .any(|(k, v)| k == "needed" && v.contains("SECRETKEY"))
        );
        assert!(
            credentials_violation("gcs", &s3, "data").is_some(),
            "S3 keys for GCS"
        );
        assert!(credentials_violation("pvc", &[], "data").is_none());
        assert!(credentials_violation("emptyDir", &[], "data").is_none());
    }

    #[test]
    fn swift_takes_any_one_complete_set() {
        assert!(credentials_violation("swift", &["REGISTRY_STORAGE_SWIFT_TOKENID"], "d").is_none());
        assert!(
            credentials_violation(
                "swift",
                &[
                    "REGISTRY_STORAGE_SWIFT_USERNAME",
                    "REGISTRY_STORAGE_SWIFT_PASSWORD"
                ],
                "d"
            )
            .is_none()
        );
        assert!(
            credentials_violation(
                "swift",
                &[
                    "REGISTRY_STORAGE_SWIFT_APPLICATIONCREDENTIALID",
                    "REGISTRY_STORAGE_SWIFT_APPLICATIONCREDENTIALNAME"
                ],
                "d"
            )
            .is_some(),
            "an incomplete application credential"
        );
    }

    #[test]
    fn keys_of_an_earlier_storage_are_unused() {
        let keys = [
            "REGISTRY_STORAGE_S3_ACCESSKEY",
            "REGISTRY_STORAGE_S3_SECRETKEY",
            "REGISTRY_STORAGE_GCS_KEYFILE",
            "REGISTRY_STORAGE_AZURE_ACCOUNTKEY",
            "OTHER",
        ];
        assert_eq!(
            unused_credential_keys("azure", &keys),
            vec![
                "REGISTRY_STORAGE_S3_ACCESSKEY",
                "REGISTRY_STORAGE_S3_SECRETKEY",
                "REGISTRY_STORAGE_GCS_KEYFILE"
            ]
        );
        assert!(unused_credential_keys("s3", &keys[..2]).is_empty());
    }
}
