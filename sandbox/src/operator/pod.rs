//! The registry's pod template, written as the real operator writes it (pure): the same
//! `REGISTRY_*` variables from the Config and the credentials, the storage volume, the
//! probes and the scheduling fields. Read from openshift/cluster-image-registry-operator
//! (`pkg/resource/podtemplatespec.go`, `pkg/storage/*`, `pkg/envvar`), in the guide's 4.4
//! form: storage credentials come as `secretKeyRef`s into
//! `image-registry-private-configuration`, which the operator fills from the user's
//! Secret (later releases mount an AWS credentials file, which Debian's registry 2.8 cannot
//! read). Values are YAML as the operator encodes them (the registry decodes them).

use super::rules::Storage;
use serde_json::{Value, json};

/// The Secret the pods read storage credentials from (the operator writes it).
pub const PRIVATE_CONFIGURATION: &str = "image-registry-private-configuration";
/// Where the storage volume is mounted, as the operator mounts it.
pub const STORAGE_MOUNT: &str = "/registry";
const IMAGE: &str = "quay.io/openshift-release-dev/ocp-v4.0-art-dev:image-registry-sandbox";

/// A value as the operator's envvar package writes it (`yaml.Marshal`): the empty string is
/// `""`, a string another YAML type would read (`true`, `123`) is quoted.
pub fn yaml_value(text: &str) -> String {
    let plain_other_type = matches!(
        text.to_ascii_lowercase().as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "~" | "y" | "n"
    ) || text.parse::<f64>().is_ok();
    let needs_quotes = text.contains('\n')
        || text.contains(": ")
        || text.contains(" #")
        || text.ends_with([':', ' '])
        || text.starts_with([
            '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%',
            '@', '`', ' ',
        ]);
    if text.is_empty() || plain_other_type || needs_quotes {
        serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into())
    } else {
        text.to_string()
    }
}

fn literal(name: &str, value: &str) -> Value {
    json!({ "name": name, "value": value })
}

fn secret_ref(name: &str) -> Value {
    json!({ "name": name, "valueFrom": { "secretKeyRef": { "name": PRIVATE_CONFIGURATION, "key": name } } })
}

fn text<'a>(spec: &'a Value, pointer: &str) -> &'a str {
    spec.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// `logLevel` as the registry's `REGISTRY_LOG_LEVEL` (`generateLogLevel`).
pub fn log_level(spec: &Value) -> &'static str {
    match text(spec, "/logLevel") {
        "Debug" | "Trace" | "TraceAll" => "debug",
        _ => match spec.get("logging").and_then(Value::as_i64).unwrap_or(0) {
            1 => "warn",
            0 | 2 | 3 => "info",
            _ => "debug",
        },
    }
}

/// The storage driver's variables, and the keys of the private configuration Secret they
/// read (`Secret: true` in the operator's envvar lists).
pub fn storage_env(storage: &Storage, spec: &Value) -> (Vec<Value>, Vec<&'static str>) {
    match storage {
        Storage::EmptyDir | Storage::Pvc { .. } => (
            vec![
                literal("REGISTRY_STORAGE", "filesystem"),
                literal("REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY", STORAGE_MOUNT),
            ],
            Vec::new(),
        ),
        Storage::Cloud("s3") => {
            let mut env = Vec::new();
            let endpoint = text(spec, "/storage/s3/regionEndpoint");
            if !endpoint.is_empty() {
                env.push(literal(
                    "REGISTRY_STORAGE_S3_REGIONENDPOINT",
                    &yaml_value(endpoint),
                ));
            }
            let key_id = text(spec, "/storage/s3/keyID");
            if !key_id.is_empty() {
                env.push(literal("REGISTRY_STORAGE_S3_KEYID", &yaml_value(key_id)));
            }
            if let Some(chunk) = spec
                .pointer("/storage/s3/chunkSizeMiB")
                .and_then(Value::as_i64)
                && (5..=5120).contains(&chunk)
            {
                env.push(literal(
                    "REGISTRY_STORAGE_S3_CHUNKSIZE",
                    &(chunk * 1024 * 1024).to_string(),
                ));
            }
            env.push(literal("REGISTRY_STORAGE", "s3"));
            env.push(literal(
                "REGISTRY_STORAGE_S3_BUCKET",
                &yaml_value(text(spec, "/storage/s3/bucket")),
            ));
            env.push(literal(
                "REGISTRY_STORAGE_S3_REGION",
                &yaml_value(text(spec, "/storage/s3/region")),
            ));
            let encrypt = spec
                .pointer("/storage/s3/encrypt")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            env.push(literal(
                "REGISTRY_STORAGE_S3_ENCRYPT",
                if encrypt { "true" } else { "false" },
            ));
            let keys = vec![
                "REGISTRY_STORAGE_S3_ACCESSKEY",
                "REGISTRY_STORAGE_S3_SECRETKEY",
            ];
            env.extend(keys.iter().map(|k| secret_ref(k)));
            (env, keys)
        }
        Storage::Cloud("swift") => {
            let mut env = vec![literal("REGISTRY_STORAGE", "swift")];
            for (field, name) in [
                ("authURL", "REGISTRY_STORAGE_SWIFT_AUTHURL"),
                ("authVersion", "REGISTRY_STORAGE_SWIFT_AUTHVERSION"),
                ("container", "REGISTRY_STORAGE_SWIFT_CONTAINER"),
                ("domain", "REGISTRY_STORAGE_SWIFT_DOMAIN"),
                ("domainID", "REGISTRY_STORAGE_SWIFT_DOMAINID"),
                ("tenant", "REGISTRY_STORAGE_SWIFT_TENANT"),
                ("tenantID", "REGISTRY_STORAGE_SWIFT_TENANTID"),
                ("regionName", "REGISTRY_STORAGE_SWIFT_REGION"),
            ] {
                let value = text(spec, &format!("/storage/swift/{field}"));
                if !value.is_empty() {
                    env.push(literal(name, &yaml_value(value)));
                }
            }
            let keys = vec![
                "REGISTRY_STORAGE_SWIFT_USERNAME",
                "REGISTRY_STORAGE_SWIFT_PASSWORD",
            ];
            env.extend(keys.iter().map(|k| secret_ref(k)));
            (env, keys)
        }
        Storage::Cloud("gcs") => {
            let mut env = vec![literal("REGISTRY_STORAGE", "gcs")];
            env.push(literal(
                "REGISTRY_STORAGE_GCS_BUCKET",
                &yaml_value(text(spec, "/storage/gcs/bucket")),
            ));
            env.push(literal("REGISTRY_STORAGE_GCS_KEYFILE", "/gcs/keyfile"));
            (env, Vec::new())
        }
        Storage::Cloud("azure") => {
            let mut env = vec![literal("REGISTRY_STORAGE", "azure")];
            env.push(literal(
                "REGISTRY_STORAGE_AZURE_CONTAINER",
                &yaml_value(text(spec, "/storage/azure/container")),
            ));
            env.push(literal(
                "REGISTRY_STORAGE_AZURE_ACCOUNTNAME",
                &yaml_value(text(spec, "/storage/azure/accountName")),
            ));
            let keys = vec!["REGISTRY_STORAGE_AZURE_ACCOUNTKEY"];
            env.extend(keys.iter().map(|k| secret_ref(k)));
            (env, keys)
        }
        Storage::Cloud(other) => (vec![literal("REGISTRY_STORAGE", other)], Vec::new()),
    }
}

/// The registry container's whole environment, in the operator's order: the driver's, the
/// fixed block, readOnly, disableRedirect, the proxy and the request limits.
pub fn environment(storage: &Storage, spec: &Value) -> (Vec<Value>, Vec<&'static str>) {
    let (mut env, keys) = storage_env(storage, spec);
    env.extend([
        literal("REGISTRY_HTTP_ADDR", ":5000"),
        literal("REGISTRY_HTTP_NET", "tcp"),
        literal("REGISTRY_HTTP_SECRET", text(spec, "/httpSecret")),
        literal("REGISTRY_LOG_LEVEL", log_level(spec)),
        literal("REGISTRY_OPENSHIFT_QUOTA_ENABLED", "true"),
        literal("REGISTRY_STORAGE_CACHE_BLOBDESCRIPTOR", "inmemory"),
        literal("REGISTRY_STORAGE_DELETE_ENABLED", "true"),
        literal("REGISTRY_HEALTH_STORAGEDRIVER_ENABLED", "true"),
        literal("REGISTRY_HEALTH_STORAGEDRIVER_INTERVAL", "10s"),
        literal("REGISTRY_HEALTH_STORAGEDRIVER_THRESHOLD", "1"),
        literal("REGISTRY_OPENSHIFT_METRICS_ENABLED", "true"),
        literal(
            "REGISTRY_OPENSHIFT_SERVER_ADDR",
            "image-registry.openshift-image-registry.svc:5000",
        ),
    ]);
    if spec.get("readOnly").and_then(Value::as_bool) == Some(true) {
        env.push(literal(
            "REGISTRY_STORAGE_MAINTENANCE_READONLY",
            "{enabled: true}",
        ));
    }
    if spec.get("disableRedirect").and_then(Value::as_bool) == Some(true) {
        env.push(literal("REGISTRY_STORAGE_REDIRECT_DISABLE", "true"));
    }
    for (field, name) in [
        ("http", "HTTP_PROXY"),
        ("https", "HTTPS_PROXY"),
        ("noProxy", "NO_PROXY"),
    ] {
        let value = text(spec, &format!("/proxy/{field}"));
        if !value.is_empty() {
            env.push(literal(name, value));
        }
    }
    for (kind, upper) in [("read", "READ"), ("write", "WRITE")] {
        let limits = spec.pointer(&format!("/requests/{kind}"));
        let number = |f: &str| {
            limits
                .and_then(|l| l.get(f))
                .and_then(Value::as_i64)
                .unwrap_or(0)
        };
        if number("maxRunning") != 0 || number("maxInQueue") != 0 {
            env.push(literal(
                &format!("REGISTRY_OPENSHIFT_REQUESTS_{upper}_MAXRUNNING"),
                &number("maxRunning").to_string(),
            ));
            env.push(literal(
                &format!("REGISTRY_OPENSHIFT_REQUESTS_{upper}_MAXINQUEUE"),
                &number("maxInQueue").to_string(),
            ));
            let wait = limits
                .and_then(|l| l.get("maxWaitInQueue"))
                .and_then(Value::as_str)
                .unwrap_or("0s");
            env.push(literal(
                &format!("REGISTRY_OPENSHIFT_REQUESTS_{upper}_MAXWAITINQUEUE"),
                wait,
            ));
        }
    }
    (env, keys)
}

/// The pod template's spec: the registry container (environment, storage mount, probes,
/// resources) and the scheduling fields the Config carries.
pub fn pod_spec(storage: &Storage, spec: &Value, claim: Option<&str>) -> Value {
    let (env, _) = environment(storage, spec);
    let probe = json!({ "httpGet": { "path": "/healthz", "port": 5000, "scheme": "HTTPS" }, "timeoutSeconds": 5 });
    let mut container = json!({
        "name": "registry",
        "image": IMAGE,
        "ports": [{ "containerPort": 5000, "protocol": "TCP" }],
        "env": env,
        "readinessProbe": probe,
        "livenessProbe": { "httpGet": probe["httpGet"], "initialDelaySeconds": 10, "timeoutSeconds": 5 },
        "resources": spec.get("resources").cloned().unwrap_or_else(|| json!({ "requests": { "cpu": "100m", "memory": "256Mi" } })),
    });
    let mut pod = json!({
        "serviceAccountName": "registry",
        "automountServiceAccountToken": false,
        "containers": [],
    });
    let volume = match storage {
        Storage::EmptyDir => Some(json!({ "name": "registry-storage", "emptyDir": {} })),
        Storage::Pvc { .. } => claim.map(
            |c| json!({ "name": "registry-storage", "persistentVolumeClaim": { "claimName": c } }),
        ),
        _ => None,
    };
    if let Some(volume) = volume {
        container["volumeMounts"] =
            json!([{ "name": "registry-storage", "mountPath": STORAGE_MOUNT }]);
        pod["volumes"] = json!([volume]);
    }
    pod["containers"] = json!([container]);
    for field in [
        "nodeSelector",
        "tolerations",
        "affinity",
        "topologySpreadConstraints",
    ] {
        if let Some(value) = spec.get(field).filter(|v| !v.is_null()) {
            pod[field] = value.clone();
        }
    }
    pod
}

/// The short hash of what the pods run (the template and the credentials' checksum), as
/// the pods' `pod-template-hash`: any change rolls them.
pub fn template_hash(pod_spec: &Value, dependencies: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(pod_spec.to_string());
    hasher.update(dependencies);
    hex::encode(hasher.finalize())[..10].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(env: &[Value]) -> Vec<&str> {
        env.iter().filter_map(|e| e["name"].as_str()).collect()
    }

    fn value<'a>(env: &'a [Value], name: &str) -> Option<&'a Value> {
        env.iter().find(|e| e["name"] == name)
    }

    #[test]
    fn s3_is_written_as_the_operator_writes_it() {
        let spec = json!({ "httpSecret": "hs", "logLevel": "Debug", "readOnly": true, "disableRedirect": true,
            "storage": { "s3": { "bucket": "images", "region": "us-east-1", "regionEndpoint": "http://s3.sandbox.example:9000", "chunkSizeMiB": 10 } } });
        let (env, keys) = environment(&Storage::Cloud("s3"), &spec);
        assert_eq!(
            keys,
            vec![
                "REGISTRY_STORAGE_S3_ACCESSKEY",
                "REGISTRY_STORAGE_S3_SECRETKEY"
            ]
        );
        assert_eq!(value(&env, "REGISTRY_STORAGE").unwrap()["value"], "s3");
        assert_eq!(
            value(&env, "REGISTRY_STORAGE_S3_REGIONENDPOINT").unwrap()["value"],
            "http://s3.sandbox.example:9000"
        );
        assert_eq!(
            value(&env, "REGISTRY_STORAGE_S3_CHUNKSIZE").unwrap()["value"],
            "10485760"
        );
        assert_eq!(
            value(&env, "REGISTRY_STORAGE_S3_SECRETKEY").unwrap()["valueFrom"]["secretKeyRef"],
            json!({ "name": PRIVATE_CONFIGURATION, "key": "REGISTRY_STORAGE_S3_SECRETKEY" })
        );
        assert_eq!(value(&env, "REGISTRY_LOG_LEVEL").unwrap()["value"], "debug");
        assert_eq!(
            value(&env, "REGISTRY_STORAGE_MAINTENANCE_READONLY").unwrap()["value"],
            "{enabled: true}"
        );
        assert!(names(&env).contains(&"REGISTRY_STORAGE_REDIRECT_DISABLE"));
        assert_eq!(value(&env, "REGISTRY_HTTP_SECRET").unwrap()["value"], "hs");
    }

    #[test]
    fn filesystem_storage_mounts_its_volume_at_registry() {
        let spec =
            json!({ "storage": { "pvc": { "claim": "shared" } }, "nodeSelector": { "a": "b" } });
        let pod = pod_spec(
            &Storage::Pvc {
                claim: Some("shared".into()),
            },
            &spec,
            Some("shared"),
        );
        assert_eq!(
            pod["volumes"][0]["persistentVolumeClaim"]["claimName"],
            "shared"
        );
        assert_eq!(
            pod["containers"][0]["volumeMounts"][0]["mountPath"],
            "/registry"
        );
        assert_eq!(pod["nodeSelector"], json!({ "a": "b" }));
        let env = pod["containers"][0]["env"].as_array().expect("env");
        assert_eq!(
            value(env, "REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY").unwrap()["value"],
            "/registry"
        );
        let empty = pod_spec(&Storage::EmptyDir, &json!({}), None);
        assert_eq!(empty["volumes"][0]["emptyDir"], json!({}));
    }

    #[test]
    fn values_are_yaml_as_the_operator_encodes_them() {
        assert_eq!(yaml_value(""), "\"\"");
        assert_eq!(yaml_value("images"), "images");
        assert_eq!(yaml_value("true"), "\"true\"");
        assert_eq!(yaml_value("12345"), "\"12345\"");
        assert_eq!(yaml_value("a: b"), "\"a: b\"");
        assert_eq!(log_level(&json!({ "logging": 1 })), "warn");
        assert_eq!(log_level(&json!({})), "info");
    }

    #[test]
    fn the_hash_follows_the_template_and_the_credentials() {
        let a = pod_spec(&Storage::EmptyDir, &json!({ "logLevel": "Normal" }), None);
        let b = pod_spec(&Storage::EmptyDir, &json!({ "logLevel": "Debug" }), None);
        assert_ne!(template_hash(&a, ""), template_hash(&b, ""));
        assert_ne!(template_hash(&a, "x"), template_hash(&a, "y"));
        assert_eq!(template_hash(&a, "x").len(), 10);
    }
}
