//! The Access page's service (SPEC §6, guide 5.1, 5.5): the bindings of the registry roles
//! and what each role allows, read as the user; grants and revokes through the change
//! pipeline, planned the way `oc policy` does it (`app::domain::registry_access`).
//!
//! The API server's escalation check is the real gate: a user may only grant what they
//! hold themselves (or may `bind`). Its refusal comes back from the dry run and is said in
//! plain words, next to the role.

use super::{change_error, decode_draft, denied_reason};
use crate::change::{ChangePipeline, ChangeRequest, FollowUpPlan, PipelineError, Requester, Step};
use crate::kube::resources::{CLUSTER_ROLE, CLUSTER_ROLE_BINDING, ROLE_BINDING, Resource};
use crate::kube::user::{console_error, panel_problem};
use app::api::error::ConsoleError;
use app::api::ports::{AccessBindings, BoxFuture, ChangeService, ClusterAccess};
use app::domain::access::REGISTRY_ROLES;
use app::domain::change::{Applied, ChangePreview};
use app::domain::form_draft::FormDraft;
use app::domain::overview::Panel;
use app::domain::registry_access::{
    AccessChange, AccessView, Binding, FIELD_NAME, FIELD_ROLE, GrantPlan, Me, RevokeStep, Scope,
    Subject, confirmation_needed, explain, grant_plan, new_binding, oc_command, read_change,
    revoke_plan,
};
use app::domain::violation::Violation;
use serde_json::{Value, json};
use std::sync::Arc;

/// The API server's words when a grant would give more than the user holds.
const ESCALATION: &str = "attempting to grant RBAC permissions not currently held";

/// One request's access to the registry roles' bindings, as its user.
pub struct RegistryAccessService {
    pub client: kube::Client,
    pub cluster: Arc<dyn ClusterAccess>,
    pub pipeline: Arc<ChangePipeline>,
    pub requester: Requester,
    /// Who the signed-in user is to the API server.
    pub me: Me,
}

fn resource(scope: &Scope) -> Resource {
    match scope {
        Scope::Project(_) => ROLE_BINDING,
        Scope::Cluster => CLUSTER_ROLE_BINDING,
    }
}

fn namespace(scope: &Scope) -> Option<&str> {
    match scope {
        Scope::Project(ns) => Some(ns.as_str()),
        Scope::Cluster => None,
    }
}

/// `object` with its subjects replaced by the current ones minus `subject`, or plus it
/// (the others kept exactly as they are written).
fn with_subjects(object: &Value, subject: &Subject, add: bool) -> Value {
    let mut desired = object.clone();
    let mut subjects: Vec<Value> = object
        .get("subjects")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if add {
        subjects.push(subject.to_value());
    } else {
        subjects.retain(|s| Subject::from_value(s).is_none_or(|s| !s.same(subject)));
    }
    desired["subjects"] = json!(subjects);
    desired
}

impl RegistryAccessService {
    /// Every binding of `resource` (in `namespace`, or everywhere), with its object.
    async fn bindings(
        &self,
        resource: Resource,
        namespace: Option<&str>,
    ) -> Result<Vec<(Binding, Value)>, ConsoleError> {
        let list = resource
            .api(self.client.clone(), namespace)
            .list(&Default::default())
            .await
            .map_err(console_error)?;
        Ok(list
            .items
            .into_iter()
            .filter_map(|o| serde_json::to_value(o).ok())
            .filter_map(|o| Binding::from_value(&o).map(|b| (b, o)))
            .collect())
    }

    /// The registry roles' bindings, RoleBindings of every project or ClusterRoleBindings.
    async fn registry_bindings(&self, resource: Resource, permission: &str) -> Panel<Vec<Binding>> {
        self.bindings(resource, None)
            .await
            .map(|all| {
                all.into_iter()
                    .map(|(b, _)| b)
                    .filter(Binding::is_registry_role)
                    .collect()
            })
            .map_err(|e| panel_problem(e, permission))
    }

    async fn explanation(&self, role: &str) -> app::domain::registry_access::RoleExplanation {
        let rules = CLUSTER_ROLE
            .api(self.client.clone(), None)
            .get(role)
            .await
            .map(|r| r.data.get("rules").cloned().unwrap_or(Value::Null))
            .map_err(|e| panel_problem(console_error(e), &format!("get clusterroles {role}")));
        match rules {
            Ok(rules) => explain(role, Ok(&rules)),
            Err(why) => explain(role, Err(why)),
        }
    }

    async fn load_view(&self) -> Result<AccessView, ConsoleError> {
        let (bindings, cluster_bindings, grant_denied, roles) = tokio::join!(
            self.registry_bindings(ROLE_BINDING, "list rolebindings in all namespaces"),
            self.registry_bindings(CLUSTER_ROLE_BINDING, "list clusterrolebindings"),
            denied_reason(self.cluster.as_ref(), "action.grant_access"),
            futures::future::join_all(REGISTRY_ROLES.iter().map(|role| self.explanation(role))),
        );
        Ok(AccessView {
            bindings,
            cluster_bindings,
            roles,
            grant_denied,
        })
    }

    /// The change as pipeline steps, planned against the bindings of its scope as they are.
    async fn request(
        &self,
        change: &AccessChange,
        reason: String,
    ) -> Result<ChangeRequest, ConsoleError> {
        let invalid = |v: Violation| change_error(PipelineError::Invalid(vec![v]));
        let resource = resource(&change.scope);
        let ns = namespace(&change.scope);
        let scoped = self.bindings(resource, ns).await?;
        let bindings: Vec<Binding> = scoped.iter().map(|(b, _)| b.clone()).collect();
        let object_of = |name: &str| {
            scoped
                .iter()
                .find(|(b, _)| b.name == name)
                .map(|(_, o)| o.clone())
                .unwrap_or(Value::Null)
        };
        let mut steps = Vec::new();
        if change.grant {
            if let Some(v) = confirmation_needed(change, &[], &self.me) {
                return Err(invalid(v));
            }
            match grant_plan(&bindings, &change.role, &change.subject) {
                GrantPlan::Already(binding) => {
                    return Err(invalid(
                        Violation::error(FIELD_NAME, "access.already")
                            .with("subject", change.subject.oc_name())
                            .with("role", &change.role)
                            .with("binding", binding),
                    ));
                }
                GrantPlan::AddTo(binding) => {
                    let current = object_of(&binding.name);
                    let desired = with_subjects(&current, &change.subject, true);
                    steps.push(Step::patch(
                        resource,
                        ns,
                        &binding.name,
                        current,
                        false,
                        desired,
                    ));
                }
                GrantPlan::Create(name) => {
                    steps.push(Step::create(
                        resource,
                        ns,
                        new_binding(&name, &change.scope, &change.role, &change.subject),
                    ));
                }
            }
        } else {
            let plan = revoke_plan(&bindings, &change.role, &change.subject);
            if plan.is_empty() {
                return Err(invalid(
                    Violation::error(FIELD_NAME, "access.not_granted")
                        .with("subject", change.subject.oc_name())
                        .with("role", &change.role),
                ));
            }
            if let Some(v) = confirmation_needed(change, &plan, &self.me) {
                return Err(invalid(v));
            }
            for step in plan {
                match step {
                    RevokeStep::Keep(binding) => {
                        let current = object_of(&binding.name);
                        let desired = with_subjects(&current, &change.subject, false);
                        steps.push(Step::patch(
                            resource,
                            ns,
                            &binding.name,
                            current,
                            false,
                            desired,
                        ));
                    }
                    RevokeStep::Delete(binding) => {
                        let current = object_of(&binding.name);
                        steps.push(Step::delete(resource, ns, &binding.name, current, false));
                    }
                }
            }
        }
        // The first step carries the `oc policy` command that does all of it.
        let command = oc_command(change.grant, &change.role, &change.subject, &change.scope);
        if let Some(first) = steps.first_mut() {
            *first = first.clone().with_command(command);
        }
        Ok(ChangeRequest {
            reason,
            steps,
            confirmations: Default::default(),
            follow_up: FollowUpPlan::None,
            warnings: Vec::new(),
        })
    }

    /// The API server's escalation refusal, in plain words next to the role.
    fn plain(change: &AccessChange, error: PipelineError) -> ConsoleError {
        match error {
            PipelineError::DryRunRejected { message, .. } if message.contains(ESCALATION) => {
                let scope = match &change.scope {
                    Scope::Project(ns) => ns.clone(),
                    Scope::Cluster => "the cluster".to_string(),
                };
                change_error(PipelineError::Invalid(vec![
                    Violation::error(FIELD_ROLE, "access.escalation")
                        .with("role", &change.role)
                        .with("scope", scope),
                ]))
            }
            other => change_error(other),
        }
    }
}

fn change_of(draft: &str) -> Result<AccessChange, ConsoleError> {
    let draft: FormDraft = decode_draft(draft)?;
    read_change(&draft).map_err(|v| change_error(PipelineError::Invalid(v)))
}

impl AccessBindings for RegistryAccessService {
    fn load(&self) -> BoxFuture<'_, Result<AccessView, ConsoleError>> {
        Box::pin(self.load_view())
    }
}

impl ChangeService for RegistryAccessService {
    fn check(&self, draft: String) -> BoxFuture<'_, Result<Vec<Violation>, ConsoleError>> {
        Box::pin(async move {
            let draft: FormDraft = decode_draft(&draft)?;
            Ok(read_change(&draft).err().unwrap_or_default())
        })
    }

    fn preview(&self, draft: String) -> BoxFuture<'_, Result<ChangePreview, ConsoleError>> {
        Box::pin(async move {
            let change = change_of(&draft)?;
            let request = self.request(&change, String::new()).await?;
            self.pipeline
                .preview(self.client.clone(), &request)
                .await
                .map_err(|e| Self::plain(&change, e))
        })
    }

    fn apply(&self, draft: String, reason: String) -> BoxFuture<'_, Result<Applied, ConsoleError>> {
        Box::pin(async move {
            let change = change_of(&draft)?;
            let request = self.request(&change, reason).await?;
            self.pipeline
                .apply(self.client.clone(), &self.requester, request)
                .await
                .map_err(|e| Self::plain(&change, e))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::domain::registry_access::SubjectKind;

    #[test]
    fn other_subjects_are_kept_exactly_as_written() {
        let binding = json!({ "subjects": [
            { "kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "bob" },
            { "kind": "ServiceAccount", "name": "builder", "namespace": "ci" }
        ] });
        let alice = Subject {
            kind: SubjectKind::User,
            name: "alice".into(),
            namespace: String::new(),
        };
        let added = with_subjects(&binding, &alice, true);
        assert_eq!(added["subjects"].as_array().map(Vec::len), Some(3));
        assert_eq!(added["subjects"][1], binding["subjects"][1]);
        let removed = with_subjects(&added, &alice, false);
        assert_eq!(removed, binding);
    }
}
