//! After a change is applied, the server follows it until it is healthy, Degraded or the
//! follow-up timeout passes (SPEC §5), and records the outcome on the change. The latest
//! state of each change being followed is kept in memory for the page that applied it.

use crate::kube::resources::{PERSISTENT_VOLUME_CLAIM, REGISTRY_CONFIG};
use app::domain::access::REGISTRY_NAMESPACE;
use app::domain::change::{FollowUpKind, FollowUpState, FollowUpView};
use app::domain::conditions::conditions_of;
use app::domain::registry_config::rollout::{Rollout, assess_rollout};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a finished follow-up stays readable for the page.
const KEEP: Duration = Duration::from_secs(3600);

/// The latest state of every change being followed (or followed recently).
#[derive(Default)]
pub struct FollowUps {
    latest: Mutex<HashMap<String, (Instant, FollowUpView)>>,
}

impl FollowUps {
    pub fn update(&self, view: FollowUpView) {
        if let Ok(mut latest) = self.latest.lock() {
            latest.retain(|_, (at, _)| at.elapsed() < KEEP);
            latest.insert(view.change_id.clone(), (Instant::now(), view));
        }
    }

    pub fn get(&self, change_id: &str) -> Option<FollowUpView> {
        self.latest
            .lock()
            .ok()
            .and_then(|latest| latest.get(change_id).map(|(_, view)| view.clone()))
    }
}

/// How the change stands now, read as the user.
pub async fn observe(client: &kube::Client, change_id: &str, kind: &FollowUpKind) -> FollowUpView {
    let mut view = FollowUpView {
        change_id: change_id.to_string(),
        kind: kind.clone(),
        ..Default::default()
    };
    match kind {
        FollowUpKind::None => view.state = FollowUpState::Healthy,
        FollowUpKind::RegistryRollout { generation } => {
            match REGISTRY_CONFIG
                .api(client.clone(), None)
                .get("cluster")
                .await
            {
                Ok(config) => {
                    let status = config.data.get("status").cloned().unwrap_or(Value::Null);
                    view.observed_generation =
                        status.get("observedGeneration").and_then(Value::as_i64);
                    view.conditions = conditions_of(&status);
                    (view.state, view.message) = match assess_rollout(&status, *generation) {
                        Rollout::Pending => (FollowUpState::Pending, String::new()),
                        Rollout::Healthy => (FollowUpState::Healthy, String::new()),
                        Rollout::Degraded(message) => (FollowUpState::Degraded, message),
                    };
                    // A registry on a claim cannot start before the claim is bound: show
                    // the claim too, and why it is not bound yet.
                    if let Some(pvc) = config.data.pointer("/spec/storage/pvc") {
                        let name = pvc
                            .get("claim")
                            .and_then(Value::as_str)
                            .filter(|c| !c.is_empty())
                            .unwrap_or(crate::change::rules::DEFAULT_CLAIM)
                            .to_string();
                        let (phase, event) = claim_state(client, REGISTRY_NAMESPACE, &name).await;
                        view.claim = Some(name);
                        view.claim_phase = phase;
                        view.claim_event = event;
                    }
                }
                Err(e) => view.message = crate::kube::user::console_error(e).to_string(),
            }
        }
        FollowUpKind::ClaimBound { namespace, name } => {
            match PERSISTENT_VOLUME_CLAIM
                .api(client.clone(), Some(namespace))
                .get(&crate::kube::resources::path_segment(name))
                .await
            {
                Ok(claim) => {
                    let status = claim.data.get("status").cloned().unwrap_or(Value::Null);
                    let phase = status
                        .get("phase")
                        .and_then(Value::as_str)
                        .map(str::to_string);
                    view.conditions = conditions_of(&status);
                    view.state = match phase.as_deref() {
                        Some("Bound") => FollowUpState::Healthy,
                        Some("Lost") => FollowUpState::Degraded,
                        _ => FollowUpState::Pending,
                    };
                    if phase.as_deref() == Some("Lost") {
                        view.message = "the claim lost its volume".to_string();
                    }
                    if phase.as_deref() != Some("Bound") {
                        view.claim_event = claim_state(client, namespace, name).await.1;
                    }
                    view.claim = Some(name.clone());
                    view.claim_phase = phase;
                }
                Err(e) => view.message = crate::kube::user::console_error(e).to_string(),
            }
        }
    }
    view
}

/// A claim's phase, and (when it is not bound) the message of its latest warning event:
/// the binder says there why (no such class, no volume fits, provisioning failed).
async fn claim_state(
    client: &kube::Client,
    namespace: &str,
    name: &str,
) -> (Option<String>, Option<String>) {
    let phase = PERSISTENT_VOLUME_CLAIM
        .api(client.clone(), Some(namespace))
        .get_opt(&crate::kube::resources::path_segment(name))
        .await
        .ok()
        .flatten()
        .and_then(|c| {
            c.data
                .pointer("/status/phase")
                .and_then(Value::as_str)
                .map(str::to_string)
        });
    if phase.as_deref() == Some("Bound") {
        return (phase, None);
    }
    let events: kube::Api<k8s_openapi::api::core::v1::Event> =
        kube::Api::namespaced(client.clone(), namespace);
    let params = kube::api::ListParams::default().fields(&format!(
        "involvedObject.kind=PersistentVolumeClaim,involvedObject.name={name},type=Warning"
    ));
    let event = events.list(&params).await.ok().and_then(|list| {
        list.items
            .into_iter()
            .max_by_key(|e| {
                e.last_timestamp
                    .as_ref()
                    .map(|t| t.0)
                    .or_else(|| e.event_time.as_ref().map(|t| t.0))
            })
            .and_then(|e| {
                e.message
                    .map(|m| format!("{}: {m}", e.reason.unwrap_or_default()))
            })
    });
    (phase, event)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_view_of_each_change_is_kept() {
        let follow_ups = FollowUps::default();
        assert!(follow_ups.get("a").is_none());
        follow_ups.update(FollowUpView {
            change_id: "a".into(),
            ..Default::default()
        });
        follow_ups.update(FollowUpView {
            change_id: "a".into(),
            state: FollowUpState::Healthy,
            ..Default::default()
        });
        assert_eq!(
            follow_ups.get("a").map(|v| v.state),
            Some(FollowUpState::Healthy)
        );
    }
}
