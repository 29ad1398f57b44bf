//! Installs the real CRDs (the repository's `crds/`, copies of `shared/crds`) on a
//! Kubernetes 1.20 API server.
//!
//! 1.20 rejects three constructs that newer openshift/api schemas use; they are removed
//! here (the console enforces the corresponding rules itself):
//! `x-kubernetes-validations` (CEL rules), `default: ""` and `null` inside `enum`.

use serde_json::Value;

/// What was removed from one CRD, for the log.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Stripped {
    pub validations: usize,
    pub empty_defaults: usize,
    pub null_enum_values: usize,
}

/// Removes what Kubernetes 1.20 rejects, in place.
pub fn strip_for_kubernetes_1_20(node: &mut Value, stripped: &mut Stripped) {
    match node {
        Value::Object(map) => {
            if map.remove("x-kubernetes-validations").is_some() {
                stripped.validations += 1;
            }
            if map.get("default") == Some(&Value::String(String::new())) {
                map.remove("default");
                stripped.empty_defaults += 1;
            }
            if let Some(Value::Array(values)) = map.get_mut("enum") {
                let before = values.len();
                values.retain(|v| !v.is_null());
                stripped.null_enum_values += before - values.len();
                if values.is_empty() {
                    map.remove("enum");
                }
            }
            for value in map.values_mut() {
                strip_for_kubernetes_1_20(value, stripped);
            }
        }
        Value::Array(items) => {
            for item in items {
                strip_for_kubernetes_1_20(item, stripped);
            }
        }
        _ => {}
    }
}

/// Parses a CRD file (YAML) into JSON.
pub fn parse(yaml: &str) -> Result<Value, String> {
    serde_saphyr::from_str::<Value>(yaml).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strips_the_three_constructs_anywhere() {
        let mut crd = json!({
            "properties": {
                "a": {"type": "string", "default": "", "x-kubernetes-validations": [{"rule": "self != ''"}]},
                "b": {"type": "string", "default": "keep", "enum": ["x", null]},
                "c": {"items": [{"enum": [null]}]}
            }
        });
        let mut stripped = Stripped::default();
        strip_for_kubernetes_1_20(&mut crd, &mut stripped);
        assert_eq!(
            crd,
            json!({
                "properties": {
                    "a": {"type": "string"},
                    "b": {"type": "string", "default": "keep", "enum": ["x"]},
                    "c": {"items": [{}]}
                }
            })
        );
        assert_eq!(
            stripped,
            Stripped {
                validations: 1,
                empty_defaults: 1,
                null_enum_values: 2
            }
        );
    }

    #[test]
    fn the_shipped_configs_crd_parses_and_loses_only_what_1_20_rejects() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../crds/00_configs.crd.yaml");
        let Ok(text) = std::fs::read_to_string(path) else {
            panic!("{path} is missing");
        };
        let mut crd = parse(&text).expect("parses");
        let mut stripped = Stripped::default();
        strip_for_kubernetes_1_20(&mut crd, &mut stripped);
        assert!(
            stripped.validations > 0 && stripped.empty_defaults > 0,
            "{stripped:?}"
        );
        let text = crd.to_string();
        assert!(!text.contains("x-kubernetes-validations"));
        assert!(!text.contains("\"default\":\"\""));
        assert_eq!(crd["spec"]["names"]["plural"], "configs");
    }
}
