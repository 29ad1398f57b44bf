//! How a rollout stands, judged from the Config's status (pure).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Where the registry stands after a change, from the Config's status (pure).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Rollout {
    /// The operator has not caught up with this generation yet, or is still rolling out.
    Pending,
    /// Caught up: Available, not Progressing, not Degraded.
    Healthy,
    /// Degraded, or stuck progressing with an error (the real operator reports storage
    /// errors as Progressing=True/Error before it goes Degraded). Carries its message.
    Degraded(String),
}

pub fn assess_rollout(status: &Value, generation: i64) -> Rollout {
    let observed = status
        .get("observedGeneration")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    if observed < generation {
        return Rollout::Pending;
    }
    let condition = |kind: &str| {
        status
            .get("conditions")
            .and_then(Value::as_array)
            .and_then(|list| list.iter().find(|c| c["type"] == kind))
    };
    let is_true = |kind: &str| condition(kind).is_some_and(|c| c["status"] == "True");
    let message = |kind: &str| {
        condition(kind)
            .and_then(|c| c["message"].as_str())
            .unwrap_or_default()
            .to_string()
    };
    if is_true("Degraded") {
        return Rollout::Degraded(message("Degraded"));
    }
    if is_true("Progressing") && condition("Progressing").is_some_and(|c| c["reason"] == "Error") {
        return Rollout::Degraded(message("Progressing"));
    }
    if is_true("Available") && !is_true("Progressing") {
        Rollout::Healthy
    } else {
        Rollout::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn status(observed: i64, conditions: Value) -> Value {
        json!({ "observedGeneration": observed, "conditions": conditions })
    }

    #[test]
    fn rollouts_are_judged_from_generation_and_conditions() {
        let ready = json!([
            { "type": "Available", "status": "True", "reason": "Ready" },
            { "type": "Progressing", "status": "False" },
            { "type": "Degraded", "status": "False" }
        ]);
        assert_eq!(
            assess_rollout(&status(4, ready.clone()), 5),
            Rollout::Pending,
            "not caught up"
        );
        assert_eq!(assess_rollout(&status(5, ready), 5), Rollout::Healthy);
        let rolling = json!([
            { "type": "Available", "status": "True" },
            { "type": "Progressing", "status": "True", "reason": "DeploymentNotCompleted" }
        ]);
        assert_eq!(assess_rollout(&status(5, rolling), 5), Rollout::Pending);
        let degraded = json!([
            { "type": "Available", "status": "False" },
            { "type": "Degraded", "status": "True", "message": "cannot use ReadWriteOnce access mode with RollingUpdate rollout strategy" }
        ]);
        assert_eq!(
            assess_rollout(&status(5, degraded), 5),
            Rollout::Degraded(
                "cannot use ReadWriteOnce access mode with RollingUpdate rollout strategy".into()
            )
        );
        let stuck = json!([{ "type": "Progressing", "status": "True", "reason": "Error", "message": "Unable to apply resources" }]);
        assert_eq!(
            assess_rollout(&status(5, stuck), 5),
            Rollout::Degraded("Unable to apply resources".into())
        );
        assert_eq!(assess_rollout(&json!({}), 1), Rollout::Pending);
    }
}
