//! The CRD schemas of the objects the console writes (SPEC §3) and the check of an
//! object's `spec` against them (SPEC §5: validation before the diff and the dry run).
//!
//! The CRDs are compiled in from the repository's `crds/` (the one place for them: the
//! sandbox installs the same files), byte-identical copies of `shared/crds` (a test keeps
//! them so when that directory is beside the checkout), so a clone alone builds and runs.
//! They are parsed once, on first use. `crds/read-only/` holds CRDs the console only reads;
//! they are not validated against.

use std::sync::LazyLock;

use app::domain::violation::{Severity, Violation};
use serde_json::Value;

/// The shipped CRD files, by name.
const CRD_FILES: [(&str, &str); 5] = [
    (
        "0000_00_cluster-version-operator_01_clusteroperators.crd.yaml",
        include_str!("../../../crds/0000_00_cluster-version-operator_01_clusteroperators.crd.yaml"),
    ),
    (
        "0000_10_config-operator_01_images.crd.yaml",
        include_str!("../../../crds/0000_10_config-operator_01_images.crd.yaml"),
    ),
    (
        "00_configs.crd.yaml",
        include_str!("../../../crds/00_configs.crd.yaml"),
    ),
    (
        "01_imagepruners.crd.yaml",
        include_str!("../../../crds/01_imagepruners.crd.yaml"),
    ),
    (
        "routes.crd.yaml",
        include_str!("../../../crds/routes.crd.yaml"),
    ),
];

/// One served version of one CRD.
struct CrdSchema {
    group: String,
    kind: String,
    version: String,
    schema: Value,
}

static SCHEMAS: LazyLock<Vec<CrdSchema>> = LazyLock::new(|| {
    let mut all = Vec::new();
    for (file, text) in CRD_FILES {
        match crd_schemas(text) {
            Ok(mut found) => all.append(&mut found),
            // Compiled-in files that a test parses: only a broken build gets here, and then
            // `validate_object` refuses the kind rather than passing it unchecked.
            Err(error) => tracing::error!(file, %error, "compiled-in CRD does not parse"),
        }
    }
    all
});

/// Parses a YAML document into JSON, as the sandbox does for the same files.
fn parse_yaml(text: &str) -> Result<Value, String> {
    serde_saphyr::from_str::<Value>(text).map_err(|e| e.to_string())
}

fn crd_schemas(text: &str) -> Result<Vec<CrdSchema>, String> {
    let crd = parse_yaml(text)?;
    let field = |pointer: &str| {
        crd.pointer(pointer)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| format!("the CRD has no {pointer}"))
    };
    let group = field("/spec/group")?;
    let kind = field("/spec/names/kind")?;
    let versions = crd
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .ok_or("the CRD has no /spec/versions")?;
    versions
        .iter()
        .map(|v| {
            let version = v
                .get("name")
                .and_then(Value::as_str)
                .ok_or("a CRD version has no name")?;
            let schema = v
                .pointer("/schema/openAPIV3Schema")
                .ok_or_else(|| format!("version {version} has no openAPIV3Schema"))?;
            Ok(CrdSchema {
                group: group.clone(),
                kind: kind.clone(),
                version: version.to_string(),
                schema: schema.clone(),
            })
        })
        .collect()
}

/// The `openAPIV3Schema` of `version` in a CRD file (e.g. to load the originals in tests).
pub fn load_crd_schema(yaml_text: &str, version: &str) -> Result<Value, String> {
    crd_schemas(yaml_text)?
        .into_iter()
        .find(|s| s.version == version)
        .map(|s| s.schema)
        .ok_or_else(|| format!("the CRD has no version {version}"))
}

/// The `openAPIV3Schema` of a shipped CRD.
pub fn schema_for(group: &str, version: &str, kind: &str) -> Option<&'static Value> {
    SCHEMAS
        .iter()
        .find(|s| s.group == group && s.version == version && s.kind == kind)
        .map(|s| &s.schema)
}

/// Checks the object's `spec` against its CRD: everything the API server would reject, the
/// CEL rules Kubernetes 1.20 cannot run, and unknown fields it would silently prune.
pub fn validate_object(group: &str, version: &str, kind: &str, object: &Value) -> Vec<Violation> {
    let Some(schema) = schema_for(group, version, kind) else {
        // Unchecked must not mean accepted: a kind without a schema is a console defect.
        return vec![Violation {
            field: "kind".to_string(),
            key: "schema.no_schema".to_string(),
            params: vec![("kind".to_string(), format!("{kind} ({group}/{version})"))],
            severity: Severity::Error,
        }];
    };
    let Some(spec_schema) = schema.pointer("/properties/spec") else {
        return Vec::new();
    };
    let empty = Value::Object(serde_json::Map::new());
    let spec = match object.get("spec") {
        Some(spec) => spec,
        // Without a spec, say which of its fields are required rather than only "spec".
        None => &empty,
    };
    crate::change::schema::validate(spec_schema, spec, "spec")
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::domain::registry_config::rules::MESSAGE_KEYS;
    use app::i18n::Lang;
    use serde_json::json;
    use std::path::PathBuf;

    const GROUP: &str = "imageregistry.operator.openshift.io";

    fn shared_crds() -> Option<PathBuf> {
        let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/crds"));
        if dir.is_dir() {
            Some(dir)
        } else {
            println!("note: {} is absent; comparison skipped", dir.display());
            None
        }
    }

    fn config(spec: Value) -> Vec<String> {
        let violations = validate_object(GROUP, "v1", "Config", &json!({ "spec": spec }));
        violations
            .iter()
            .map(|v| {
                assert!(
                    MESSAGE_KEYS.contains(&v.key.as_str()),
                    "{} not listed",
                    v.key
                );
                format!("{} {}", v.field, v.key)
            })
            .collect()
    }

    /// Every SPEC §3 field of the Config, with realistic values.
    fn full_spec() -> Value {
        json!({
            "managementState": "Managed",
            "logLevel": "Normal",
            "operatorLogLevel": "Debug",
            "logging": 2,
            "httpSecret": "0123456789abcdef0123456789abcdef",
            "proxy": { "http": "http://proxy.example.com:3128", "https": "http://proxy.example.com:3128", "noProxy": ".cluster.local,10.0.0.0/16" },
            "storage": { "managementState": "Managed", "pvc": { "claim": "" } },
            "readOnly": false,
            "disableRedirect": true,
            "requests": {
                "read": { "maxRunning": 100, "maxInQueue": 50, "maxWaitInQueue": "1m30s" },
                "write": { "maxRunning": 10, "maxInQueue": 5, "maxWaitInQueue": "2m" }
            },
            "defaultRoute": true,
            "routes": [{ "name": "public", "hostname": "registry.apps.example.com", "secretName": "registry-tls" }],
            "replicas": 2,
            "rolloutStrategy": "RollingUpdate",
            "nodeSelector": { "node-role.kubernetes.io/infra": "" },
            "tolerations": [
                { "key": "node-role.kubernetes.io/infra", "operator": "Exists", "effect": "NoSchedule" },
                { "key": "dedicated", "operator": "Equal", "value": "registry", "effect": "NoExecute", "tolerationSeconds": 3600 }
            ],
            "affinity": {
                "nodeAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": { "nodeSelectorTerms": [
                        { "matchExpressions": [{ "key": "kubernetes.io/arch", "operator": "In", "values": ["amd64", "arm64"] }] }
                    ] },
                    "preferredDuringSchedulingIgnoredDuringExecution": [
                        { "weight": 50, "preference": { "matchExpressions": [{ "key": "zone", "operator": "Exists" }] } }
                    ]
                },
                "podAntiAffinity": { "preferredDuringSchedulingIgnoredDuringExecution": [{
                    "weight": 100,
                    "podAffinityTerm": {
                        "topologyKey": "kubernetes.io/hostname",
                        "labelSelector": { "matchLabels": { "docker-registry": "default" } }
                    }
                }] }
            },
            "topologySpreadConstraints": [{
                "maxSkew": 1,
                "topologyKey": "topology.kubernetes.io/zone",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": { "matchLabels": { "docker-registry": "default" } },
                "matchLabelKeys": ["pod-template-hash"]
            }],
            "resources": {
                "requests": { "cpu": "100m", "memory": "256Mi" },
                "limits": { "cpu": 2, "memory": "1Gi", "ephemeral-storage": "10G" }
            },
            "unsupportedConfigOverrides": null
        })
    }

    fn with_storage(storage: Value) -> Value {
        let mut spec = full_spec();
        spec["storage"] = storage;
        spec
    }

    #[test]
    fn every_shipped_crd_loads() {
        for (group, kind) in [
            (GROUP, "Config"),
            (GROUP, "ImagePruner"),
            ("config.openshift.io", "Image"),
            ("config.openshift.io", "ClusterOperator"),
            ("route.openshift.io", "Route"),
        ] {
            let schema = schema_for(group, "v1", kind);
            assert!(
                schema.is_some_and(|s| s.get("properties").is_some()),
                "{group} {kind}"
            );
        }
        assert!(schema_for(GROUP, "v2", "Config").is_none());
        assert!(schema_for(GROUP, "v1", "Registry").is_none());
    }

    /// Every file under `dir`, relative to it, sorted.
    fn files_under(dir: &std::path::Path) -> Vec<String> {
        let mut out = Vec::new();
        let mut pending = vec![PathBuf::new()];
        while let Some(relative) = pending.pop() {
            for entry in std::fs::read_dir(dir.join(&relative))
                .into_iter()
                .flatten()
                .flatten()
            {
                let path = relative.join(entry.file_name());
                if entry.path().is_dir() {
                    pending.push(path);
                } else {
                    out.push(path.to_string_lossy().into_owned());
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn the_copies_are_identical_to_shared_crds() {
        let copies = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../crds"));
        let mut shipped: Vec<&str> = CRD_FILES.iter().map(|(name, _)| *name).collect();
        shipped.sort();
        let top_level: Vec<String> = files_under(&copies)
            .into_iter()
            .filter(|n| !n.contains('/'))
            .collect();
        assert_eq!(
            top_level, shipped,
            "crds/ holds exactly the compiled-in CRDs"
        );
        for (name, compiled_in) in CRD_FILES {
            let copy = std::fs::read(copies.join(name)).unwrap_or_default();
            assert_eq!(copy, compiled_in.as_bytes(), "{name}");
        }
        let Some(shared) = shared_crds() else { return };
        assert_eq!(
            files_under(&shared),
            files_under(&copies),
            "crds/ must hold the same files as shared/crds"
        );
        for name in files_under(&shared) {
            let original = std::fs::read(shared.join(&name)).unwrap_or_default();
            assert!(!original.is_empty(), "{name}");
            assert_eq!(
                original,
                std::fs::read(copies.join(&name)).unwrap_or_default(),
                "crds/{name} differs from shared/crds"
            );
        }
    }

    #[test]
    fn load_crd_schema_reads_the_originals() {
        let Some(shared) = shared_crds() else { return };
        let text = std::fs::read_to_string(shared.join("00_configs.crd.yaml")).unwrap_or_default();
        let original = load_crd_schema(&text, "v1");
        assert_eq!(original.as_ref().ok(), schema_for(GROUP, "v1", "Config"));
        assert!(load_crd_schema(&text, "v2").is_err_and(|e| e.contains("v2")));
        assert!(load_crd_schema("spec: [unclosed", "v1").is_err());
        assert!(load_crd_schema("kind: Nothing\n", "v1").is_err());
    }

    /// Walks a schema for every CEL rule and every `pattern`.
    fn cel_rules(node: &Value, found: &mut Vec<String>) {
        match node {
            Value::Object(map) => {
                if let Some(rules) = map
                    .get("x-kubernetes-validations")
                    .and_then(Value::as_array)
                {
                    found.extend(
                        rules
                            .iter()
                            .filter_map(|r| r.get("rule").and_then(Value::as_str))
                            .map(str::to_string),
                    );
                }
                map.values().for_each(|v| cel_rules(v, found));
            }
            Value::Array(items) => items.iter().for_each(|v| cel_rules(v, found)),
            _ => {}
        }
    }

    #[test]
    fn every_cel_rule_and_pattern_of_the_shipped_crds_is_handled() {
        let unchecked: Vec<String> = crate::change::schema::UNCHECKED_CEL_RULES
            .iter()
            .map(|(rule, _)| crate::change::schema::normalize_rule(rule))
            .collect();
        let mut total = 0;
        for crd in SCHEMAS.iter() {
            let mut rules = Vec::new();
            cel_rules(&crd.schema, &mut rules);
            total += rules.len();
            for rule in rules {
                assert!(
                    crate::change::schema::cel_rule_is_checked(&rule)
                        || unchecked.contains(&crate::change::schema::normalize_rule(&rule)),
                    "{} has a CEL rule that is neither checked nor listed as unchecked: {rule}",
                    crd.kind
                );
            }
            assert_eq!(
                crate::change::schema::uncompilable_patterns(&crd.schema),
                Vec::<String>::new(),
                "{}",
                crd.kind
            );
        }
        // 2 Config + 1 status copy, 4 Image, 15 Route (see the CRDs).
        assert_eq!(total, 22);
    }

    #[test]
    fn a_realistic_full_config_is_valid() {
        assert_eq!(config(full_spec()), Vec::<String>::new());
        let storages = [
            json!({ "emptyDir": {} }),
            json!({ "pvc": { "claim": "registry-rwx" } }),
            json!({ "s3": { "bucket": "my-registry", "region": "eu-west-1", "regionEndpoint": "https://s3.example.com",
                "encrypt": true, "keyID": "arn:aws:kms:key", "virtualHostedStyle": false, "chunkSizeMiB": 10,
                "trustedCA": { "name": "s3-ca" },
                "cloudFront": { "baseURL": "https://cdn.example.com", "keypairID": "K1", "duration": "20m",
                    "privateKey": { "name": "cf-key", "key": "private.pem" } } } }),
            json!({ "gcs": { "bucket": "my-registry", "region": "us-central1", "projectID": "proj", "keyID": "kms" } }),
            json!({ "azure": { "accountName": "registrystore", "container": "images", "cloudName": "AzurePublicCloud",
                "networkAccess": { "type": "Internal", "internal": { "vnetName": "vnet-1", "subnetName": "subnet_a",
                    "privateEndpointName": "pe1", "networkResourceGroupName": "rg.net" } } } }),
            json!({ "swift": { "authURL": "https://keystone.example.com/v3", "authVersion": "3", "container": "registry",
                "domain": "default", "tenant": "t", "regionName": "r1" } }),
            json!({ "ibmcos": { "bucket": "b", "location": "us-south", "resourceGroupName": "default",
                "resourceKeyCRN": "crn:v1:bluemix:public:cloud-object-storage:global:a/1:2:resource-key:3",
                "serviceInstanceCRN": "crn:v1:bluemix:public:cloud-object-storage:global:a/1:2::" } }),
            json!({ "oss": { "bucket": "my-registry", "region": "cn-hangzhou", "endpointAccessibility": "Public",
                "encryption": { "method": "KMS", "kms": { "keyID": "key-1" } } } }),
        ];
        for storage in storages {
            assert_eq!(
                config(with_storage(storage.clone())),
                Vec::<String>::new(),
                "{storage}"
            );
        }
    }

    #[test]
    fn broken_configs_name_the_field() {
        let cases: Vec<(Value, Vec<&str>)> = vec![
            (
                json!({ "logLevle": "Debug" }),
                vec!["spec.logLevle schema.unknown_field"],
            ),
            (
                json!({ "logLevel": "Verbose" }),
                vec!["spec.logLevel schema.enum"],
            ),
            (
                json!({ "managementState": "managed" }),
                vec!["spec.managementState schema.enum"],
            ),
            (
                json!({ "replicas": "2" }),
                vec!["spec.replicas schema.type.integer"],
            ),
            (
                json!({ "replicas": 3_000_000_000_u64 }),
                vec!["spec.replicas schema.format.int"],
            ),
            (
                json!({ "rolloutStrategy": "BlueGreen" }),
                vec!["spec.rolloutStrategy schema.enum"],
            ),
            (
                json!({ "nodeSelector": { "kubernetes.io/os": 1 } }),
                vec!["spec.nodeSelector[\"kubernetes.io/os\"] schema.type.string"],
            ),
            (
                json!({ "tolerations": [{ "key": "a", "effect": "NoSchedule" }, { "key": "b", "tolerationSeconds": "60" }] }),
                vec!["spec.tolerations[1].tolerationSeconds schema.type.integer"],
            ),
            (
                json!({ "topologySpreadConstraints": [{ "maxSkew": 1, "topologyKey": "zone" }] }),
                vec!["spec.topologySpreadConstraints[0].whenUnsatisfiable schema.required"],
            ),
            (
                json!({ "affinity": { "nodeAffinity": { "requiredDuringSchedulingIgnoredDuringExecution": { "nodeSelectorTerms": [
                    { "matchExpressions": [{ "key": "zone", "values": ["a"] }] }] } } } }),
                vec![
                    "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator schema.required",
                ],
            ),
            (
                json!({ "resources": { "limits": { "cpu": "lots" } } }),
                vec!["spec.resources.limits.cpu schema.pattern"],
            ),
            (
                json!({ "resources": { "claims": [{ "name": "gpu" }, { "name": "gpu" }] } }),
                vec!["spec.resources.claims[1] schema.list_map_duplicate"],
            ),
            (
                json!({ "routes": [{ "hostnme": "r.example.com" }] }),
                vec![
                    "spec.routes[0].name schema.required",
                    "spec.routes[0].hostnme schema.unknown_field",
                ],
            ),
            (
                json!({ "requests": { "read": { "maxRunning": 1.5, "maxWaitInQueue": "soon" } } }),
                vec![
                    "spec.requests.read.maxRunning schema.type.integer",
                    "spec.requests.read.maxWaitInQueue schema.format.duration",
                ],
            ),
            (
                json!({ "proxy": { "https": 443 } }),
                vec!["spec.proxy.https schema.type.string"],
            ),
            (
                json!({ "storage": { "pvc": { "claimName": "x" } } }),
                vec!["spec.storage.pvc.claimName schema.unknown_field.known"],
            ),
            (
                json!({ "storage": { "emptyDir": { "medium": "Memory" } } }),
                vec!["spec.storage.emptyDir.medium schema.unknown_field.none"],
            ),
            (
                json!({ "storage": { "managementState": "Removed", "pvc": {} } }),
                vec!["spec.storage.managementState schema.enum"],
            ),
            (
                json!({ "storage": { "s3": { "bucket": "b", "chunkSizeMiB": 4 } } }),
                vec!["spec.storage.s3.chunkSizeMiB schema.minimum"],
            ),
            (
                json!({ "storage": { "azure": { "accountName": "a", "container": "Images" } } }),
                vec!["spec.storage.azure.container schema.pattern"],
            ),
            (
                json!({ "storage": { "azure": { "accountName": "a", "networkAccess": { "type": "External", "internal": { "vnetName": "v1" } } } } }),
                vec!["spec.storage.azure.networkAccess.internal schema.cel.azure_internal"],
            ),
            (
                json!({ "storage": { "oss": { "encryption": { "method": "KMS" } } } }),
                vec!["spec.storage.oss.encryption.method schema.not_enum"],
            ),
            (
                json!({ "storage": { "s3": { "cloudFront": { "baseURL": "u", "keypairID": "k", "privateKey": {} } } } }),
                vec!["spec.storage.s3.cloudFront.privateKey.key schema.required"],
            ),
        ];
        for (change, expected) in cases {
            let mut spec = full_spec();
            if let (Some(spec), Some(change)) = (spec.as_object_mut(), change.as_object()) {
                for (k, v) in change {
                    spec.insert(k.clone(), v.clone());
                }
            }
            let mut found = config(spec);
            found.sort();
            let mut expected: Vec<String> = expected.into_iter().map(String::from).collect();
            expected.sort();
            assert_eq!(found, expected, "{change}");
        }
        // replicas is the one required field.
        let mut spec = full_spec();
        if let Some(map) = spec.as_object_mut() {
            map.remove("replicas");
        }
        assert_eq!(config(spec), ["spec.replicas schema.required.top"]);
    }

    #[test]
    fn messages_read_well_in_both_languages() {
        let mut spec = full_spec();
        spec["logLevle"] = json!("Debug");
        let v = validate_object(GROUP, "v1", "Config", &json!({ "spec": spec }));
        assert_eq!(
            app::domain::violation::message(Lang::En, &v[0]),
            "Unknown field; did you mean logLevel? The API server would silently drop it, so rename or remove it."
        );
        assert!(
            app::domain::violation::message(Lang::Ja, &v[0])
                .starts_with("不明なフィールドです。logLevel の誤りではありませんか?")
        );
    }

    #[test]
    fn other_kinds() {
        let image = |spec: Value| {
            validate_object(
                "config.openshift.io",
                "v1",
                "Image",
                &json!({ "spec": spec }),
            )
        };
        assert!(image(json!({ "additionalTrustedCA": { "name": "registry-cas" },
            "registrySources": { "allowedRegistries": ["quay.io", "*.example.com", "registry:5000/team"] } })).is_empty());
        let v = image(
            json!({ "registrySources": { "blockedRegistries": ["a.io"], "allowedRegistries": ["quay.io:latest"] } }),
        );
        let mut found: Vec<String> = v.iter().map(|v| format!("{} {}", v.field, v.key)).collect();
        found.sort();
        assert_eq!(
            found,
            [
                "spec.registrySources.allowedRegistries schema.cel.blocked_and_allowed",
                "spec.registrySources.allowedRegistries[0] schema.cel.registry_scope",
            ]
        );
        let v = image(json!({ "additionalTrustedCA": {} }));
        assert_eq!(v[0].field, "spec.additionalTrustedCA.name");

        let pruner =
            |spec: Value| validate_object(GROUP, "v1", "ImagePruner", &json!({ "spec": spec }));
        assert!(
            pruner(
                json!({ "schedule": "0 0 * * *", "suspend": false, "keepTagRevisions": 3,
            "keepYoungerThanDuration": "60m", "logLevel": "Normal" })
            )
            .is_empty()
        );
        let v = pruner(json!({ "keepYoungerThanDuration": "an hour" }));
        assert_eq!(v[0].key, "schema.format.duration");

        let route = |spec: Value| {
            validate_object(
                "route.openshift.io",
                "v1",
                "Route",
                &json!({ "spec": spec }),
            )
        };
        let good = json!({ "host": "registry.apps.example.com", "to": { "kind": "Service", "name": "image-registry", "weight": 100 },
            "port": { "targetPort": 5000 }, "tls": { "termination": "reencrypt", "insecureEdgeTerminationPolicy": "Redirect" } });
        assert!(route(good.clone()).is_empty(), "{:?}", route(good));
        // `to.kind` and `wildcardPolicy` are defaulted, as the API server does.
        let v = route(json!({ "to": { "name": "r" },
            "tls": { "termination": "passthrough" },
            "httpHeaders": { "actions": { "response": [{ "name": "X-A", "action": { "type": "Delete" } }] } } }));
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!(v[0].field, "spec.httpHeaders");
        assert_eq!(v[0].key, "schema.cel.route_passthrough_headers");
        let v =
            route(json!({ "to": { "kind": "Service", "name": "r" }, "port": { "targetPort": 0 } }));
        assert_eq!(v[0].field, "spec.port.targetPort");

        // Missing spec: its required fields are named.
        let v = validate_object(
            GROUP,
            "v1",
            "Config",
            &json!({ "metadata": { "name": "cluster" } }),
        );
        assert_eq!(v[0].field, "spec.replicas");
        // Unknown kinds are refused, not waved through.
        let v = validate_object(GROUP, "v1", "Registry", &json!({ "spec": {} }));
        assert_eq!(v[0].key, "schema.no_schema");
        assert!(
            app::domain::violation::message(Lang::En, &v[0])
                .contains("Registry (imageregistry.operator.openshift.io/v1)")
        );
    }
}
