//! Checks of each storage type's fields (SPEC §4 rule 6) and of what the storage wizard
//! writes beside them (credentials, a new claim). Pure, so the wizard runs them as the user
//! types and the change pipeline runs them again before the dry run. Every violation names
//! the field and the fix through a catalogue key; no message quotes a secret value.

use crate::domain::violation::Violation;
use serde_json::{Map, Value};

/// S3 bucket naming rules: 3–63 characters, lower case, digits, `.` and `-`, starting and
/// ending with a letter or digit, no `..`, not an IP address, and none of the prefixes and
/// suffixes AWS reserves (`xn--`, `sthree-`, `-s3alias`, `--ol-s3`, …).
pub fn is_s3_bucket(name: &str) -> bool {
    const RESERVED_PREFIXES: [&str; 3] = ["xn--", "sthree-", "amzn-s3-demo-"];
    const RESERVED_SUFFIXES: [&str; 4] = ["-s3alias", "--ol-s3", ".mrap", "--x-s3"];
    (3..=63).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && starts_and_ends_alphanumeric(name)
        && !name.contains("..")
        && !is_ip_like(name)
        && !RESERVED_PREFIXES.iter().any(|p| name.starts_with(p))
        && !RESERVED_SUFFIXES.iter().any(|s| name.ends_with(s))
}

/// Google Cloud Storage bucket names: lower case, digits, `-`, `_` and `.`, starting and
/// ending with a letter or digit, 3–63 characters (up to 222 with dots, each part at most
/// 63), not an IP address, not starting with `goog` and not containing `google`.
pub fn is_gcs_bucket(name: &str) -> bool {
    let max = if name.contains('.') { 222 } else { 63 };
    (3..=max).contains(&name.len())
        && name.split('.').all(|part| part.len() <= 63)
        && name.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_' || b == b'.'
        })
        && starts_and_ends_alphanumeric(name)
        && !is_ip_like(name)
        && !name.starts_with("goog")
        && !name.contains("google")
}

fn starts_and_ends_alphanumeric(name: &str) -> bool {
    name.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphanumeric())
        && name
            .bytes()
            .last()
            .is_some_and(|b| b.is_ascii_alphanumeric())
}

fn is_ip_like(name: &str) -> bool {
    name.split('.').count() == 4 && name.split('.').all(|p| p.parse::<u8>().is_ok())
}

/// An AWS region code: `us-east-1`, `ap-southeast-2`, `us-gov-west-1`, `cn-north-1`.
pub fn is_aws_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts
            .last()
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// A Google Cloud project ID: 6–30 characters, lower-case letters, digits and hyphens,
/// starting with a letter and not ending with a hyphen.
pub fn is_gcp_project_id(id: &str) -> bool {
    (6..=30).contains(&id.len())
        && id.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && !id.ends_with('-')
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// A Cloud KMS key's resource name:
/// `projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>`.
pub fn is_gcp_kms_key(name: &str) -> bool {
    let parts: Vec<&str> = name.split('/').collect();
    parts.len() == 8
        && parts[0] == "projects"
        && parts[2] == "locations"
        && parts[4] == "keyRings"
        && parts[6] == "cryptoKeys"
        && [1, 3, 5, 7].iter().all(|i| !parts[*i].is_empty())
}

/// An absolute `http://` or `https://` URL with a host (after any `user:password@`).
pub fn is_http_url(text: &str) -> bool {
    (text.starts_with("https://") || text.starts_with("http://"))
        && text.split("://").nth(1).is_some_and(|rest| {
            let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
            let host = authority.rsplit('@').next().unwrap_or_default();
            let name = host.rsplit_once(':').map_or(host, |(name, _)| name);
            !name.is_empty() && !authority.contains(char::is_whitespace)
        })
}

/// The host of an `http(s)://` URL (brackets of an IPv6 address removed), lower-cased.
fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    let host = if let Some(v6) = host.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        host.rsplit_once(':').map_or(host, |(name, _)| name)
    };
    Some(host.to_ascii_lowercase())
}

/// Where a storage endpoint the registry sends its credentials to may not point (SPEC §7):
/// a link-local address (169.254.0.0/16, fe80::/10: the cloud's metadata service, which
/// would receive the keys) or the loopback (the registry's own pod) is refused; a private
/// address (10/8, 172.16/12, 192.168/16, fc00::/7) is allowed with a warning. Names are not
/// resolved: the cluster resolves them, not the console.
pub fn endpoint_address_rules(field: &str, url: &str, out: &mut Vec<Violation>) {
    use std::net::IpAddr;
    let Some(host) = url_host(url) else {
        return;
    };
    let shown = without_password(url);
    if host == "localhost" || host.ends_with(".localhost") {
        out.push(Violation::error(field, "rule.endpoint.loopback").with("value", shown));
        return;
    }
    let Ok(ip) = host.parse::<IpAddr>() else {
        return;
    };
    let (link_local, loopback, private) = match ip {
        IpAddr::V4(v4) => (
            v4.is_link_local(),
            v4.is_loopback() || v4.is_unspecified(),
            v4.is_private(),
        ),
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            let mapped = v6.to_ipv4_mapped();
            (
                (first & 0xffc0) == 0xfe80 || mapped.is_some_and(|m| m.is_link_local()),
                v6.is_loopback() || v6.is_unspecified() || mapped.is_some_and(|m| m.is_loopback()),
                (first & 0xfe00) == 0xfc00 || mapped.is_some_and(|m| m.is_private()),
            )
        }
    };
    if link_local {
        out.push(Violation::error(field, "rule.endpoint.link_local").with("value", shown));
    } else if loopback {
        out.push(Violation::error(field, "rule.endpoint.loopback").with("value", shown));
    } else if private {
        out.push(Violation::warning(field, "rule.endpoint.private").with("value", shown));
    }
}

/// `url` with the password of its `user:password@` part replaced by `…`: a URL quoted in a
/// message goes to the browser, and a password never may.
pub fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
            let hidden = if userinfo.contains(':') { ":…" } else { "" };
            format!("{scheme}://{user}{hidden}@{host}{tail}")
        }
        None => url.to_string(),
    }
}

/// Azure clouds the registry's storage driver knows (`cloudName`; empty is the public one).
pub const AZURE_CLOUDS: [&str; 4] = [
    "AzurePublicCloud",
    "AzureUSGovernmentCloud",
    "AzureChinaCloud",
    "AzureGermanCloud",
];

/// Swift (Keystone) identity API versions.
pub const SWIFT_AUTH_VERSIONS: [&str; 3] = ["1", "2", "3"];

fn text<'a>(object: &'a Value, key: &str) -> &'a str {
    object.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// The checks of each storage type's own fields in `spec.storage` (the Config as it will
/// be). The pipeline and the wizard both run them.
pub fn storage_field_rules(storage: &Map<String, Value>, out: &mut Vec<Violation>) {
    if let Some(s3) = storage.get("s3").filter(|v| v.is_object()) {
        s3_rules(s3, out);
    }
    if let Some(azure) = storage.get("azure").filter(|v| v.is_object()) {
        azure_rules(azure, out);
    }
    if let Some(gcs) = storage.get("gcs").filter(|v| v.is_object()) {
        gcs_rules(gcs, out);
    }
    if let Some(swift) = storage.get("swift").filter(|v| v.is_object()) {
        swift_rules(swift, out);
    }
    if let Some(claim) = storage
        .get("pvc")
        .and_then(|p| p.get("claim"))
        .and_then(Value::as_str)
        .filter(|c| !c.is_empty())
        && !crate::domain::registry_config::rules::is_dns_subdomain(claim)
    {
        out.push(
            Violation::error("spec.storage.pvc.claim", "rule.pvc.claim_name").with("value", claim),
        );
    }
}

fn s3_rules(s3: &Value, out: &mut Vec<Violation>) {
    let bucket = text(s3, "bucket");
    if !bucket.is_empty() && !is_s3_bucket(bucket) {
        out.push(
            Violation::error("spec.storage.s3.bucket", "rule.s3.bucket").with("value", bucket),
        );
    }
    let endpoint = text(s3, "regionEndpoint");
    if !endpoint.is_empty() && !is_http_url(endpoint) {
        out.push(
            Violation::error("spec.storage.s3.regionEndpoint", "rule.url")
                .with("value", without_password(endpoint)),
        );
    } else if !endpoint.is_empty() {
        endpoint_address_rules("spec.storage.s3.regionEndpoint", endpoint, out);
    }
    // An S3-compatible service (a regionEndpoint) names its regions as it likes.
    let region = text(s3, "region");
    if !region.is_empty() && endpoint.is_empty() && !is_aws_region(region) {
        out.push(
            Violation::error("spec.storage.s3.region", "rule.s3.region").with("value", region),
        );
    }
    let encrypt = s3.get("encrypt").and_then(Value::as_bool).unwrap_or(false);
    if !text(s3, "keyID").is_empty() && !encrypt {
        out.push(Violation::error(
            "spec.storage.s3.keyID",
            "rule.s3.key_without_encrypt",
        ));
    }
    if let Some(chunk) = s3.get("chunkSizeMiB").and_then(Value::as_i64)
        && !(5..=5120).contains(&chunk)
    {
        out.push(
            Violation::error("spec.storage.s3.chunkSizeMiB", "rule.s3.chunk").with("value", chunk),
        );
    }
    if let Some(front) = s3.get("cloudFront").filter(|v| v.is_object()) {
        let base = text(front, "baseURL");
        if !is_http_url(base) {
            out.push(
                Violation::error("spec.storage.s3.cloudFront.baseURL", "rule.url")
                    .with("value", without_password(base)),
            );
        }
        if text(front, "keypairID").is_empty() {
            out.push(Violation::error(
                "spec.storage.s3.cloudFront.keypairID",
                "rule.required",
            ));
        }
        let key = front.get("privateKey").cloned().unwrap_or(Value::Null);
        for part in ["name", "key"] {
            if text(&key, part).is_empty() {
                out.push(Violation::error(
                    &format!("spec.storage.s3.cloudFront.privateKey.{part}"),
                    "rule.required",
                ));
            }
        }
        let duration = text(front, "duration");
        if !duration.is_empty()
            && !crate::domain::duration::parse_go(duration).is_ok_and(|d| d.nanos > 0)
        {
            out.push(
                Violation::error("spec.storage.s3.cloudFront.duration", "rule.duration")
                    .with("value", duration),
            );
        }
    }
}

fn azure_rules(azure: &Value, out: &mut Vec<Violation>) {
    let account = text(azure, "accountName");
    let account_ok = (3..=24).contains(&account.len())
        && account
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if !account_ok {
        out.push(
            Violation::error("spec.storage.azure.accountName", "rule.azure.account")
                .with("value", account),
        );
    }
    let container = text(azure, "container");
    if !container.is_empty() {
        let ok = (3..=63).contains(&container.len())
            && container.split('-').all(|part| {
                !part.is_empty()
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
        if !ok {
            out.push(
                Violation::error("spec.storage.azure.container", "rule.azure.container")
                    .with("value", container),
            );
        }
    }
    let cloud = text(azure, "cloudName");
    if !cloud.is_empty() && !AZURE_CLOUDS.contains(&cloud) {
        out.push(
            Violation::error("spec.storage.azure.cloudName", "rule.one_of")
                .with("value", cloud)
                .with("allowed", AZURE_CLOUDS.join(", ")),
        );
    }
}

fn gcs_rules(gcs: &Value, out: &mut Vec<Violation>) {
    let bucket = text(gcs, "bucket");
    if !bucket.is_empty() && !is_gcs_bucket(bucket) {
        out.push(
            Violation::error("spec.storage.gcs.bucket", "rule.gcs.bucket").with("value", bucket),
        );
    }
    let project = text(gcs, "projectID");
    if !project.is_empty() && !is_gcp_project_id(project) {
        out.push(
            Violation::error("spec.storage.gcs.projectID", "rule.gcs.project")
                .with("value", project),
        );
    }
    let key = text(gcs, "keyID");
    if !key.is_empty() && !is_gcp_kms_key(key) {
        out.push(Violation::error("spec.storage.gcs.keyID", "rule.gcs.key_id").with("value", key));
    }
}

fn swift_rules(swift: &Value, out: &mut Vec<Violation>) {
    let auth = text(swift, "authURL");
    if !is_http_url(auth) {
        out.push(
            Violation::error("spec.storage.swift.authURL", "rule.url")
                .with("value", without_password(auth)),
        );
    } else {
        endpoint_address_rules("spec.storage.swift.authURL", auth, out);
    }
    if text(swift, "container").is_empty() {
        out.push(Violation::error(
            "spec.storage.swift.container",
            "rule.required",
        ));
    }
    let version = text(swift, "authVersion");
    if !version.is_empty() && !SWIFT_AUTH_VERSIONS.contains(&version) {
        out.push(
            Violation::error("spec.storage.swift.authVersion", "rule.one_of")
                .with("value", version)
                .with("allowed", SWIFT_AUTH_VERSIONS.join(", ")),
        );
    }
}

/// The fields a Google service-account key file must have, checked without ever quoting
/// its content: `type` is `service_account`, `project_id`, `client_email` and a PEM
/// `private_key` are present, and the project is the bucket's (`project_id`, when given).
pub fn key_file_rules(field: &str, content: &str, project_id: &str) -> Vec<Violation> {
    let Ok(Value::Object(key)) = serde_json::from_str::<Value>(content) else {
        return vec![Violation::error(field, "rule.gcs.keyfile_json")];
    };
    let get = |name: &str| key.get(name).and_then(Value::as_str).unwrap_or_default();
    let mut out = Vec::new();
    if get("type") != "service_account" {
        out.push(Violation::error(field, "rule.gcs.keyfile_type").with("value", get("type")));
    }
    let mut missing: Vec<&str> = ["project_id", "client_email", "private_key"]
        .into_iter()
        .filter(|name| get(name).trim().is_empty())
        .collect();
    if !get("private_key").is_empty() && !get("private_key").contains("-----BEGIN") {
        missing.push("private_key");
    }
    if !get("client_email").is_empty() && !get("client_email").contains('@') {
        missing.push("client_email");
    }
    if !missing.is_empty() {
        out.push(
            Violation::error(field, "rule.gcs.keyfile_fields").with("fields", missing.join(", ")),
        );
    }
    let file_project = get("project_id");
    if !project_id.is_empty() && !file_project.is_empty() && file_project != project_id {
        out.push(
            Violation::error(field, "rule.gcs.keyfile_project")
                .with("file", file_project)
                .with("project", project_id),
        );
    }
    out
}

/// The smallest claim the guide accepts for the registry (3.4.4, 3.5.3: 100Gi).
pub const RECOMMENDED_CLAIM_SIZE: &str = "100Gi";

/// A new claim's size: a Kubernetes quantity above zero; under 100Gi is allowed with a
/// warning (the guide asks for 100Gi).
pub fn claim_size_rules(field: &str, size: &str) -> Vec<Violation> {
    use crate::domain::podspec::parse_quantity;
    match parse_quantity(size.trim()) {
        Some(q) if q.is_positive() => {
            let recommended = parse_quantity(RECOMMENDED_CLAIM_SIZE);
            if recommended.is_some_and(|r| q < r) {
                vec![
                    Violation::warning(field, "rule.claim.small")
                        .with("size", size.trim())
                        .with("recommended", RECOMMENDED_CLAIM_SIZE),
                ]
            } else {
                Vec::new()
            }
        }
        _ => vec![Violation::error(field, "rule.claim.size").with("value", size)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use serde_json::json;

    fn keys(storage: Value) -> Vec<String> {
        let mut out = Vec::new();
        storage_field_rules(storage.as_object().expect("object"), &mut out);
        out.into_iter()
            .map(|v| format!("{} {}", v.field, v.key))
            .collect()
    }

    /// Every message of `list` reads in both languages, with its placeholders filled.
    fn reads_in_both_languages(list: &[Violation]) {
        for v in list {
            for lang in Lang::ALL {
                let text = crate::domain::violation::message(lang, v);
                assert!(
                    !text.contains('{') && !text.starts_with('⟦'),
                    "{lang:?} {}: {text}",
                    v.key
                );
            }
        }
    }

    #[test]
    fn s3_bucket_names() {
        for good in ["registry", "my-registry.bucket-1", "abc"] {
            assert!(is_s3_bucket(good), "{good}");
        }
        for bad in [
            "ab",
            "My-Bucket",
            "a..b",
            "192.168.0.1",
            "-abc",
            "abc-",
            "xn--registry",
            "sthree-images",
            "images-s3alias",
            "images--ol-s3",
            "under_score",
            &"a".repeat(64),
        ] {
            assert!(!is_s3_bucket(bad), "{bad}");
        }
    }

    #[test]
    fn regions_and_endpoints() {
        for good in ["us-east-1", "ap-southeast-2", "us-gov-west-1", "cn-north-1"] {
            assert!(is_aws_region(good), "{good}");
        }
        for bad in [
            "",
            "us-east",
            "US-EAST-1",
            "useast1",
            "us-east-1a",
            "europe-1",
        ] {
            assert!(!is_aws_region(bad), "{bad}");
        }
        assert_eq!(
            keys(json!({ "s3": { "bucket": "images", "region": "Frankfurt" } })),
            vec!["spec.storage.s3.region rule.s3.region"]
        );
        // An S3-compatible service may call its region anything.
        assert!(keys(json!({ "s3": { "bucket": "images", "region": "minio", "regionEndpoint": "https://minio.example.com:9000" } })).is_empty());
        assert_eq!(
            keys(json!({ "s3": { "bucket": "images", "regionEndpoint": "minio:9000" } })),
            vec!["spec.storage.s3.regionEndpoint rule.url"]
        );
        let v = Violation::error("spec.storage.s3.regionEndpoint", "rule.url")
            .with("value", without_password("https://user:pw@minio/"));
        assert!(!v.params[0].1.contains("pw"));
    }

    #[test]
    fn s3_encryption_chunks_and_cloudfront() {
        assert_eq!(
            keys(json!({ "s3": { "bucket": "images", "keyID": "arn:aws:kms:k" } })),
            vec!["spec.storage.s3.keyID rule.s3.key_without_encrypt"]
        );
        assert!(
            keys(
                json!({ "s3": { "bucket": "images", "keyID": "arn:aws:kms:k", "encrypt": true } })
            )
            .is_empty()
        );
        for (chunk, ok) in [(4, false), (5, true), (5120, true), (5121, false)] {
            assert_eq!(
                keys(json!({ "s3": { "chunkSizeMiB": chunk } })).is_empty(),
                ok,
                "{chunk}"
            );
        }
        assert_eq!(
            keys(
                json!({ "s3": { "cloudFront": { "baseURL": "cdn.example.com", "duration": "-5m" } } })
            ),
            vec![
                "spec.storage.s3.cloudFront.baseURL rule.url",
                "spec.storage.s3.cloudFront.keypairID rule.required",
                "spec.storage.s3.cloudFront.privateKey.name rule.required",
                "spec.storage.s3.cloudFront.privateKey.key rule.required",
                "spec.storage.s3.cloudFront.duration rule.duration",
            ]
        );
        assert!(keys(json!({ "s3": { "cloudFront": { "baseURL": "https://d111111abcdef8.cloudfront.net", "keypairID": "K2JCJMDEHXQW5F", "privateKey": { "name": "cloudfront", "key": "private.pem" }, "duration": "20m" } } })).is_empty());
    }

    #[test]
    fn azure_and_gcs_names() {
        assert!(keys(json!({ "azure": { "accountName": "registrystore01", "container": "images", "cloudName": "AzureChinaCloud" } })).is_empty());
        assert_eq!(
            keys(
                json!({ "azure": { "accountName": "Registry", "container": "a--b", "cloudName": "Mars" } })
            ),
            vec![
                "spec.storage.azure.accountName rule.azure.account",
                "spec.storage.azure.container rule.azure.container",
                "spec.storage.azure.cloudName rule.one_of",
            ]
        );
        assert!(is_gcs_bucket("my_registry.images"));
        for bad in ["goog-images", "my-google-bucket", "UPPER", "ab", "-images"] {
            assert!(!is_gcs_bucket(bad), "{bad}");
        }
        assert!(is_gcp_project_id("my-project-123"));
        for bad in ["short", "1project", "project-", "Project-One"] {
            assert!(!is_gcp_project_id(bad), "{bad}");
        }
        assert!(is_gcp_kms_key(
            "projects/p/locations/global/keyRings/r/cryptoKeys/k"
        ));
        assert!(!is_gcp_kms_key("projects/p/keyRings/r/cryptoKeys/k"));
        assert_eq!(
            keys(json!({ "gcs": { "bucket": "goog-x", "projectID": "P", "keyID": "k" } })),
            vec![
                "spec.storage.gcs.bucket rule.gcs.bucket",
                "spec.storage.gcs.projectID rule.gcs.project",
                "spec.storage.gcs.keyID rule.gcs.key_id",
            ]
        );
    }

    #[test]
    fn swift_fields_and_claim_names() {
        assert_eq!(
            keys(
                json!({ "swift": { "authURL": "keystone:5000", "container": "", "authVersion": "4" } })
            ),
            vec![
                "spec.storage.swift.authURL rule.url",
                "spec.storage.swift.container rule.required",
                "spec.storage.swift.authVersion rule.one_of",
            ]
        );
        assert!(keys(json!({ "swift": { "authURL": "https://keystone.example.com:5000/v3", "container": "registry", "authVersion": "3" } })).is_empty());
        assert!(keys(json!({ "pvc": {} })).is_empty());
        assert!(keys(json!({ "pvc": { "claim": "" } })).is_empty());
        assert_eq!(
            keys(json!({ "pvc": { "claim": "Registry_Claim" } })),
            vec!["spec.storage.pvc.claim rule.pvc.claim_name"]
        );
    }

    #[test]
    fn key_files_are_checked_without_quoting_them() {
        let field = "secret.REGISTRY_STORAGE_GCS_KEYFILE";
        let good = json!({
            "type": "service_account",
            "project_id": "my-project-123",
            "client_email": "registry@my-project-123.iam.gserviceaccount.com",
            "private_key": "-----BEGIN PRIVATE KEY-----\nCANARY\n-----END PRIVATE KEY-----\n",
        })
        .to_string();
        assert!(key_file_rules(field, &good, "my-project-123").is_empty());
        assert!(key_file_rules(field, &good, "").is_empty());
        let other = key_file_rules(field, &good, "other-project");
        assert_eq!(other[0].key, "rule.gcs.keyfile_project");
        assert_eq!(
            key_file_rules(field, "not json", "")[0].key,
            "rule.gcs.keyfile_json"
        );
        let user =
            json!({ "type": "authorized_user", "client_email": "x", "private_key": "CANARY" })
                .to_string();
        let found: Vec<String> = key_file_rules(field, &user, "")
            .iter()
            .map(|v| v.key.clone())
            .collect();
        assert_eq!(
            found,
            vec!["rule.gcs.keyfile_type", "rule.gcs.keyfile_fields"]
        );
        let all: Vec<Violation> = [other, key_file_rules(field, &user, "")].concat();
        assert!(
            all.iter()
                .all(|v| v.params.iter().all(|(_, value)| !value.contains("CANARY")))
        );
        reads_in_both_languages(&all);
    }

    #[test]
    fn claim_sizes() {
        assert!(claim_size_rules("claim.size", "100Gi").is_empty());
        assert!(claim_size_rules("claim.size", "1Ti").is_empty());
        assert_eq!(
            claim_size_rules("claim.size", "10Gi")[0].key,
            "rule.claim.small"
        );
        for bad in ["", "0", "-1Gi", "100 GB", "lots"] {
            assert_eq!(
                claim_size_rules("claim.size", bad)[0].key,
                "rule.claim.size",
                "{bad}"
            );
        }
        reads_in_both_languages(
            &[
                claim_size_rules("claim.size", "10Gi"),
                claim_size_rules("claim.size", "x"),
            ]
            .concat(),
        );
    }

    #[test]
    fn storage_endpoints_may_not_reach_metadata_or_loopback() {
        let found = |url: &str| {
            let mut out = Vec::new();
            endpoint_address_rules("f", url, &mut out);
            out.into_iter()
                .map(|v| (v.key, v.severity))
                .collect::<Vec<_>>()
        };
        use crate::domain::violation::Severity::{Error, Warning};
        for url in [
            "http://169.254.169.254",
            "http://169.254.169.254/latest/",
            "https://[fe80::1]:9000",
            "http://[::ffff:169.254.169.254]",
        ] {
            assert_eq!(
                found(url),
                vec![("rule.endpoint.link_local".to_string(), Error)],
                "{url}"
            );
        }
        for url in [
            "http://127.0.0.1:9000",
            "http://localhost:9000",
            "http://[::1]",
            "http://0.0.0.0",
            "http://u:p@127.0.0.2",
        ] {
            assert_eq!(
                found(url),
                vec![("rule.endpoint.loopback".to_string(), Error)],
                "{url}"
            );
        }
        for url in [
            "http://10.0.0.5:9000",
            "https://192.168.1.10",
            "http://172.16.0.1",
            "http://[fd00::1]",
        ] {
            assert_eq!(
                found(url),
                vec![("rule.endpoint.private".to_string(), Warning)],
                "{url}"
            );
        }
        for url in [
            "https://s3.example.com",
            "https://minio.internal.example:9000",
            "http://203.0.113.10",
        ] {
            assert!(found(url).is_empty(), "{url}");
        }
        // Through the S3 rules, the password is never quoted.
        let v = keys(
            json!({ "s3": { "bucket": "images", "region": "x", "regionEndpoint": "http://k:secret@169.254.169.254" } }),
        );
        assert_eq!(
            v,
            vec!["spec.storage.s3.regionEndpoint rule.endpoint.link_local"]
        );
    }
}
