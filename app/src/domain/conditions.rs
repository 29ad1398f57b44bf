//! Status conditions (`status.conditions[]`) as the console shows them.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One status condition of an object.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConditionView {
    pub kind: String,
    pub status: String,
    pub reason: String,
    pub message: String,
}

/// The conditions of a `status` object (none when it has none).
pub fn conditions_of(status: &Value) -> Vec<ConditionView> {
    let text = |c: &Value, key: &str| {
        c.get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    status
        .get("conditions")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|c| ConditionView {
                    kind: text(c, "type"),
                    status: text(c, "status"),
                    reason: text(c, "reason"),
                    message: text(c, "message"),
                })
                .collect()
        })
        .unwrap_or_default()
}
