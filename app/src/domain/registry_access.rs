//! Who may pull, push and read metrics where (SPEC §6 Access; guide 5.1, 5.5): the
//! bindings of the four registry roles, what each role allows from its real rules, and
//! granting and revoking the way `oc policy` does it.
//!
//! `oc policy add-role-to-user ROLE NAME -n NS` adds the subject to the first RoleBinding
//! in NS whose roleRef is the ClusterRole ROLE, or creates one named after the role (with
//! `-0`, `-1`, … when that name is taken), so a click never makes a binding of its own.
//! `remove-role-from-user` removes the subject from every binding of the role in NS; a
//! binding left without subjects is deleted. `oc adm policy add-cluster-role-to-user` does
//! the same with ClusterRoleBindings.

use crate::domain::access::REGISTRY_ROLES;
use crate::domain::form_draft::FormDraft;
use crate::domain::overview::{Panel, PanelProblem};
use crate::domain::registry_config::rules::is_dns_subdomain;
use crate::domain::violation::Violation;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

pub const FORM_GRANT: &str = "grant";
pub const FORM_REVOKE: &str = "revoke";

pub const FIELD_ROLE: &str = "role";
pub const FIELD_KIND: &str = "kind";
pub const FIELD_NAME: &str = "name";
/// A service account's namespace.
pub const FIELD_SA_NAMESPACE: &str = "saNamespace";
/// `project` or `cluster`.
pub const FIELD_SCOPE: &str = "scope";
pub const FIELD_PROJECT: &str = "project";
/// The confirmation of a revoke that takes the user's own access or empties a
/// cluster-wide binding.
pub const FIELD_CONFIRM: &str = "confirm";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SubjectKind {
    User,
    Group,
    ServiceAccount,
}

impl SubjectKind {
    pub fn parse(text: &str) -> Option<SubjectKind> {
        match text {
            "User" => Some(SubjectKind::User),
            "Group" => Some(SubjectKind::Group),
            "ServiceAccount" => Some(SubjectKind::ServiceAccount),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::User => "User",
            SubjectKind::Group => "Group",
            SubjectKind::ServiceAccount => "ServiceAccount",
        }
    }
}

/// A user, group or service account of a binding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    pub kind: SubjectKind,
    pub name: String,
    /// A service account's namespace (empty otherwise).
    pub namespace: String,
}

impl Subject {
    pub fn from_value(value: &Value) -> Option<Subject> {
        let text = |key: &str| value.get(key).and_then(Value::as_str).unwrap_or_default();
        Some(Subject {
            kind: SubjectKind::parse(text("kind"))?,
            name: text("name").to_string(),
            namespace: text("namespace").to_string(),
        })
    }

    /// The subject as `oc` writes it into a binding.
    pub fn to_value(&self) -> Value {
        match self.kind {
            SubjectKind::ServiceAccount => {
                json!({ "kind": "ServiceAccount", "name": self.name, "namespace": self.namespace })
            }
            kind => json!({ "kind": kind.as_str(), "apiGroup": RBAC_GROUP, "name": self.name }),
        }
    }

    /// How `oc` names it on the command line.
    pub fn oc_name(&self) -> String {
        match self.kind {
            SubjectKind::ServiceAccount => {
                format!("system:serviceaccount:{}:{}", self.namespace, self.name)
            }
            _ => self.name.clone(),
        }
    }

    /// The same subject (a service account also by namespace).
    pub fn same(&self, other: &Subject) -> bool {
        self.kind == other.kind
            && self.name == other.name
            && (self.kind != SubjectKind::ServiceAccount || self.namespace == other.namespace)
    }
}

/// Where a role is granted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scope {
    Project(String),
    Cluster,
}

/// A RoleBinding or ClusterRoleBinding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Binding {
    /// `None`: a ClusterRoleBinding.
    pub namespace: Option<String>,
    pub name: String,
    /// roleRef kind and name.
    pub role_kind: String,
    pub role: String,
    pub subjects: Vec<Subject>,
}

impl Binding {
    /// A binding from its object (`namespace` is absent for a ClusterRoleBinding).
    pub fn from_value(value: &Value) -> Option<Binding> {
        let text = |pointer: &str| {
            value
                .pointer(pointer)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        Some(Binding {
            namespace: value
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .map(str::to_string),
            name: text("/metadata/name"),
            role_kind: text("/roleRef/kind"),
            role: text("/roleRef/name"),
            subjects: value
                .get("subjects")
                .and_then(Value::as_array)
                .map(|l| l.iter().filter_map(Subject::from_value).collect())
                .unwrap_or_default(),
        })
    }

    /// Grants one of the registry roles (the ClusterRole, as `oc policy` binds it).
    pub fn is_registry_role(&self) -> bool {
        self.role_kind == "ClusterRole" && REGISTRY_ROLES.contains(&self.role.as_str())
    }

    pub fn scope(&self) -> Scope {
        match &self.namespace {
            Some(ns) => Scope::Project(ns.clone()),
            None => Scope::Cluster,
        }
    }
}

/// One rule of a role, as the page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleRow {
    pub api_groups: Vec<String>,
    pub resources: Vec<String>,
    pub verbs: Vec<String>,
}

/// What a role allows in the registry, read from its rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleExplanation {
    pub role: String,
    /// Why the ClusterRole could not be read, when it could not.
    pub rules: Panel<Vec<RuleRow>>,
    pub pull: bool,
    pub push: bool,
    pub metrics: bool,
}

fn strings(value: &Value, key: &str) -> Vec<String> {
    value
        .get(key)
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// What `role` allows, from its ClusterRole's `rules`: pulling is `get` on
/// `imagestreams/layers`, pushing `update` on it (the registry asks exactly these), and
/// reading metrics `get` on `registry/metrics` (guide 5.5). Wildcards count.
pub fn explain(role: &str, rules: Result<&Value, PanelProblem>) -> RoleExplanation {
    let rows: Panel<Vec<RuleRow>> = rules.map(|rules| {
        rules
            .as_array()
            .map(|l| {
                l.iter()
                    .map(|r| RuleRow {
                        api_groups: strings(r, "apiGroups"),
                        resources: strings(r, "resources"),
                        verbs: strings(r, "verbs"),
                    })
                    .collect()
            })
            .unwrap_or_default()
    });
    let allows = |group: &str, resource: &str, verb: &str| {
        rows.as_ref().is_ok_and(|rows| {
            rows.iter().any(|r| {
                let has = |list: &[String], want: &str| list.iter().any(|x| x == want || x == "*");
                has(&r.api_groups, group) && has(&r.resources, resource) && has(&r.verbs, verb)
            })
        })
    };
    let layers = |verb| {
        allows("image.openshift.io", "imagestreams/layers", verb)
            || allows("", "imagestreams/layers", verb)
    };
    RoleExplanation {
        role: role.to_string(),
        pull: layers("get"),
        push: layers("update"),
        metrics: allows("image.openshift.io", "registry/metrics", "get"),
        rules: rows,
    }
}

/// What each registry role allows as OpenShift defines it (guide 5.1, 5.5): (pull, push,
/// metrics). Shown, marked as documented, to a user who may not read the cluster's own
/// rules; a server test checks it against the rules an admin reads.
pub fn documented_allows(role: &str) -> Option<(bool, bool, bool)> {
    Some(match role {
        "registry-viewer" => (true, false, false),
        "registry-editor" | "system:image-builder" => (true, true, false),
        "prometheus-scraper" => (false, false, true),
        _ => return None,
    })
}

/// What the Access page shows, read as the signed-in user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessView {
    /// RoleBindings of the registry roles in every project (or why they cannot be listed).
    pub bindings: Panel<Vec<Binding>>,
    /// ClusterRoleBindings of the registry roles.
    pub cluster_bindings: Panel<Vec<Binding>>,
    pub roles: Vec<RoleExplanation>,
    /// Why the API server would refuse a grant (`None`: allowed).
    pub grant_denied: Option<String>,
}

/// What a grant does to the bindings of its scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GrantPlan {
    /// The subject has the role there already, through this binding.
    Already(String),
    /// Add the subject to this binding (the first of the role there, as `oc` picks it).
    AddTo(Binding),
    /// No binding of the role there: create one with this name.
    Create(String),
}

/// `bindings`: every binding of the scope (all roles: their names are taken).
pub fn grant_plan(bindings: &[Binding], role: &str, subject: &Subject) -> GrantPlan {
    let of_role: Vec<&Binding> = bindings
        .iter()
        .filter(|b| b.role_kind == "ClusterRole" && b.role == role)
        .collect();
    if let Some(has) = of_role
        .iter()
        .find(|b| b.subjects.iter().any(|s| s.same(subject)))
    {
        return GrantPlan::Already(has.name.clone());
    }
    if let Some(first) = of_role.first() {
        let mut binding = (*first).clone();
        binding.subjects.push(subject.clone());
        return GrantPlan::AddTo(binding);
    }
    let taken = |name: &str| bindings.iter().any(|b| b.name == name);
    let name = if taken(role) {
        (0..)
            .map(|i| format!("{role}-{i}"))
            .find(|n| !taken(n))
            .unwrap_or_else(|| role.to_string())
    } else {
        role.to_string()
    };
    GrantPlan::Create(name)
}

/// What a revoke does to one binding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RevokeStep {
    /// The binding keeps these subjects.
    Keep(Binding),
    /// The binding is left empty: deleted.
    Delete(Binding),
}

/// Every binding of `role` in the scope that holds `subject`, without it.
pub fn revoke_plan(bindings: &[Binding], role: &str, subject: &Subject) -> Vec<RevokeStep> {
    bindings
        .iter()
        .filter(|b| b.role_kind == "ClusterRole" && b.role == role)
        .filter(|b| b.subjects.iter().any(|s| s.same(subject)))
        .map(|b| {
            let mut left = b.clone();
            left.subjects.retain(|s| !s.same(subject));
            if left.subjects.is_empty() {
                RevokeStep::Delete(b.clone())
            } else {
                RevokeStep::Keep(left)
            }
        })
        .collect()
}

/// The binding a grant creates, as `oc policy` writes it.
pub fn new_binding(name: &str, scope: &Scope, role: &str, subject: &Subject) -> Value {
    let mut metadata = json!({ "name": name });
    if let Scope::Project(ns) = scope {
        metadata["namespace"] = json!(ns);
    }
    json!({
        "apiVersion": format!("{RBAC_GROUP}/v1"),
        "kind": if *scope == Scope::Cluster { "ClusterRoleBinding" } else { "RoleBinding" },
        "metadata": metadata,
        "roleRef": { "apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": role },
        "subjects": [subject.to_value()],
    })
}

/// The `oc` command that grants (or revokes) `role` to `subject` in `scope`.
pub fn oc_command(grant: bool, role: &str, subject: &Subject, scope: &Scope) -> String {
    let verb = if grant { "add" } else { "remove" };
    let direction = if grant { "to" } else { "from" };
    let who = if subject.kind == SubjectKind::Group {
        "group"
    } else {
        "user"
    };
    let name = subject.oc_name();
    let action = format!(
        "{verb}-{}role-{direction}-{who}",
        if *scope == Scope::Cluster {
            "cluster-"
        } else {
            ""
        }
    );
    match scope {
        Scope::Project(ns) => {
            crate::domain::shell::command(&["oc", "policy", &action, role, &name, "-n", ns])
        }
        Scope::Cluster => {
            crate::domain::shell::command(&["oc", "adm", "policy", &action, role, &name])
        }
    }
}

/// A grant or revoke as the page's forms give it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessChange {
    pub grant: bool,
    pub role: String,
    pub subject: Subject,
    pub scope: Scope,
    pub confirmed: bool,
}

/// Who the signed-in user is to the API server: the user names a binding may list them
/// under and their groups, each with the prefix the API server gives this issuer's names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Me {
    pub names: Vec<String>,
    pub groups: Vec<String>,
}

impl Me {
    /// Whether a binding's subject is the user: the whole name, exactly as the API server
    /// knows them (`oidc:admin` is not `evil:admin`).
    fn is(&self, subject: &Subject) -> bool {
        match subject.kind {
            SubjectKind::User => self.names.contains(&subject.name),
            SubjectKind::Group => self.groups.contains(&subject.name),
            SubjectKind::ServiceAccount => false,
        }
    }
}

/// Kubernetes' limit on a user's or group's name in a binding (a service account's is a
/// DNS subdomain, itself at most 253 characters).
pub const MAX_SUBJECT_NAME_BYTES: usize = 253;

/// Who a public subject is: `system:anonymous` and `system:unauthenticated` are anyone who
/// can reach the registry, `system:authenticated` every signed-in user, and
/// `system:serviceaccounts` every service account of the cluster.
pub fn public_audience(subject: &Subject) -> Option<&'static str> {
    match (subject.kind, subject.name.as_str()) {
        (SubjectKind::User, "system:anonymous")
        | (SubjectKind::Group, "system:unauthenticated") => Some("access.public.anyone"),
        (SubjectKind::Group, "system:authenticated") => Some("access.public.signed_in"),
        (SubjectKind::Group, "system:serviceaccounts") => Some("access.public.service_accounts"),
        _ => None,
    }
}

/// What a registry role lets its holders do, in a few words (for the public grant's
/// confirmation).
fn role_power(role: &str) -> &'static str {
    match role {
        "registry-viewer" => "access.power.pull",
        "prometheus-scraper" => "access.power.metrics",
        _ => "access.power.push",
    }
}

/// A grant to a public subject, a revoke that takes the user's own access, or one that
/// leaves a cluster-wide binding empty needs the form's confirmation; the message says who
/// gains what, or what is lost.
pub fn confirmation_needed(
    change: &AccessChange,
    plan: &[RevokeStep],
    me: &Me,
) -> Option<Violation> {
    if change.confirmed {
        return None;
    }
    if change.grant {
        return public_audience(&change.subject).map(|audience| {
            Violation::error(FIELD_CONFIRM, "access.confirm_public")
                .with("role", &change.role)
                .with("subject", change.subject.oc_name())
                .with("who_key", audience)
                .with("power_key", role_power(&change.role))
        });
    }
    if me.is(&change.subject) {
        return Some(
            Violation::error(FIELD_CONFIRM, "access.confirm_self")
                .with("role", &change.role)
                .with("subject", change.subject.oc_name()),
        );
    }
    plan.iter()
        .find_map(|step| match step {
            RevokeStep::Delete(b) if b.namespace.is_none() => Some(b.name.clone()),
            _ => None,
        })
        .map(|binding| {
            Violation::error(FIELD_CONFIRM, "access.confirm_last")
                .with("binding", binding)
                .with("role", &change.role)
        })
}

pub const MESSAGE_KEYS: [&str; 14] = [
    "access.confirm_public",
    "access.name_too_long",
    "access.name_control",
    "access.confirm_self",
    "access.confirm_last",
    "access.role_unknown",
    "access.kind_unknown",
    "access.name_required",
    "access.name_spaces",
    "access.sa_namespace",
    "access.project",
    "access.already",
    "access.not_granted",
    "access.escalation",
];

/// The draft as a change, or what is wrong with its fields.
pub fn read_change(draft: &FormDraft) -> Result<AccessChange, Vec<Violation>> {
    let grant = match draft.form.as_str() {
        FORM_GRANT => true,
        FORM_REVOKE => false,
        other => {
            return Err(vec![
                Violation::error("form", "form.unknown_form").with("value", other),
            ]);
        }
    };
    let mut out = Vec::new();
    let role = draft.text(FIELD_ROLE);
    if !REGISTRY_ROLES.contains(&role.as_str()) {
        out.push(
            Violation::error(FIELD_ROLE, "access.role_unknown")
                .with("value", &role)
                .with("roles", REGISTRY_ROLES.join(", ")),
        );
    }
    let kind = SubjectKind::parse(&draft.text(FIELD_KIND));
    if kind.is_none() {
        out.push(
            Violation::error(FIELD_KIND, "access.kind_unknown")
                .with("value", draft.text(FIELD_KIND)),
        );
    }
    let name = draft.text(FIELD_NAME);
    if name.is_empty() {
        out.push(Violation::error(FIELD_NAME, "access.name_required"));
    } else if name.len() > MAX_SUBJECT_NAME_BYTES {
        out.push(
            Violation::error(FIELD_NAME, "access.name_too_long")
                .with("bytes", name.len())
                .with("max", MAX_SUBJECT_NAME_BYTES),
        );
    } else if name.chars().any(char::is_control) {
        // Spaces are legal in user and group names (`John Smith` from a directory);
        // control characters are not anybody's name.
        out.push(Violation::error(FIELD_NAME, "access.name_control"));
    }
    let sa_namespace = draft.text(FIELD_SA_NAMESPACE);
    if kind == Some(SubjectKind::ServiceAccount) {
        if !is_dns_label(&sa_namespace) {
            out.push(
                Violation::error(FIELD_SA_NAMESPACE, "access.sa_namespace")
                    .with("value", &sa_namespace),
            );
        }
        if !name.is_empty() && name.len() <= MAX_SUBJECT_NAME_BYTES && !is_dns_subdomain(&name) {
            out.push(Violation::error(FIELD_NAME, "access.name_spaces").with("value", &name));
        }
    }
    let scope = if draft.text(FIELD_SCOPE) == "cluster" {
        Scope::Cluster
    } else {
        let project = draft.text(FIELD_PROJECT);
        if !is_dns_label(&project) {
            out.push(Violation::error(FIELD_PROJECT, "access.project").with("value", &project));
        }
        Scope::Project(project)
    };
    if !out.is_empty() {
        return Err(out);
    }
    Ok(AccessChange {
        grant,
        role,
        subject: Subject {
            kind: kind.unwrap_or(SubjectKind::User),
            name,
            namespace: if kind == Some(SubjectKind::ServiceAccount) {
                sa_namespace
            } else {
                String::new()
            },
        },
        scope,
        confirmed: draft.flag(FIELD_CONFIRM),
    })
}

/// A project (namespace) name: one DNS label.
fn is_dns_label(name: &str) -> bool {
    name.len() <= 63 && !name.contains('.') && is_dns_subdomain(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str) -> Subject {
        Subject {
            kind: SubjectKind::User,
            name: name.into(),
            namespace: String::new(),
        }
    }

    fn binding(name: &str, role: &str, subjects: &[&str]) -> Binding {
        Binding {
            namespace: Some("team-a".into()),
            name: name.into(),
            role_kind: "ClusterRole".into(),
            role: role.into(),
            subjects: subjects.iter().map(|s| user(s)).collect(),
        }
    }

    #[test]
    fn a_grant_joins_the_roles_first_binding_or_creates_one_named_after_the_role() {
        let alice = user("alice");
        assert_eq!(
            grant_plan(&[], "registry-viewer", &alice),
            GrantPlan::Create("registry-viewer".into())
        );
        // The name is taken by a binding of another role: the next free suffix.
        let taken = [
            binding("registry-viewer", "admin", &["bob"]),
            binding("registry-viewer-0", "edit", &["bob"]),
        ];
        assert_eq!(
            grant_plan(&taken, "registry-viewer", &alice),
            GrantPlan::Create("registry-viewer-1".into())
        );
        let existing = [
            binding("viewers", "registry-viewer", &["bob"]),
            binding("more", "registry-viewer", &["carol"]),
        ];
        match grant_plan(&existing, "registry-viewer", &alice) {
            GrantPlan::AddTo(b) => {
                assert_eq!(b.name, "viewers");
                assert_eq!(b.subjects, vec![user("bob"), alice.clone()]);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            grant_plan(&existing, "registry-viewer", &user("carol")),
            GrantPlan::Already("more".into())
        );
    }

    #[test]
    fn a_revoke_removes_only_that_subject_and_deletes_what_is_left_empty() {
        let bindings = [
            binding("viewers", "registry-viewer", &["bob", "alice"]),
            binding("alone", "registry-viewer", &["alice"]),
            binding("editors", "registry-editor", &["alice"]),
        ];
        let plan = revoke_plan(&bindings, "registry-viewer", &user("alice"));
        assert_eq!(
            plan,
            vec![
                RevokeStep::Keep(binding("viewers", "registry-viewer", &["bob"])),
                RevokeStep::Delete(binding("alone", "registry-viewer", &["alice"])),
            ]
        );
        assert!(revoke_plan(&bindings, "registry-viewer", &user("dave")).is_empty());
        // A group and a user of the same name are different subjects.
        let group = Subject {
            kind: SubjectKind::Group,
            ..user("alice")
        };
        assert!(revoke_plan(&bindings, "registry-viewer", &group).is_empty());
    }

    #[test]
    fn commands_and_objects_are_the_ones_oc_policy_makes() {
        let project = Scope::Project("team-a".into());
        assert_eq!(
            oc_command(true, "registry-viewer", &user("alice"), &project),
            "oc policy add-role-to-user registry-viewer alice -n team-a"
        );
        let group = Subject {
            kind: SubjectKind::Group,
            ..user("devs")
        };
        assert_eq!(
            oc_command(false, "registry-editor", &group, &project),
            "oc policy remove-role-from-group registry-editor devs -n team-a"
        );
        let robot = Subject {
            kind: SubjectKind::ServiceAccount,
            name: "builder".into(),
            namespace: "ci".into(),
        };
        assert_eq!(
            oc_command(true, "prometheus-scraper", &robot, &Scope::Cluster),
            "oc adm policy add-cluster-role-to-user prometheus-scraper system:serviceaccount:ci:builder"
        );
        assert_eq!(
            new_binding(
                "registry-viewer",
                &project,
                "registry-viewer",
                &user("alice")
            ),
            json!({
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "RoleBinding",
                "metadata": { "name": "registry-viewer", "namespace": "team-a" },
                "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "registry-viewer" },
                "subjects": [{ "kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice" }]
            })
        );
        assert_eq!(
            robot.to_value(),
            json!({ "kind": "ServiceAccount", "name": "builder", "namespace": "ci" })
        );
    }

    #[test]
    fn roles_are_explained_from_their_rules() {
        let viewer = json!([{ "apiGroups": ["", "image.openshift.io"], "resources": ["imagestreams/layers"], "verbs": ["get"] }]);
        let e = explain("registry-viewer", Ok(&viewer));
        assert_eq!((e.pull, e.push, e.metrics), (true, false, false));
        let editor = json!([{ "apiGroups": ["image.openshift.io"], "resources": ["imagestreams/layers"], "verbs": ["get", "update"] }]);
        let e = explain("registry-editor", Ok(&editor));
        assert_eq!((e.pull, e.push, e.metrics), (true, true, false));
        let scraper = json!([{ "apiGroups": ["image.openshift.io"], "resources": ["registry/metrics"], "verbs": ["get"] }]);
        assert!(explain("prometheus-scraper", Ok(&scraper)).metrics);
        let star = json!([{ "apiGroups": ["*"], "resources": ["*"], "verbs": ["*"] }]);
        let e = explain("cluster-admin", Ok(&star));
        assert!(e.pull && e.push && e.metrics);
        let missing = explain(
            "registry-viewer",
            Err(PanelProblem::Unavailable("timed out".into())),
        );
        assert!(!missing.pull && missing.rules.is_err());
        for role in REGISTRY_ROLES {
            assert!(documented_allows(role).is_some(), "{role}");
        }
    }

    #[test]
    fn revoking_your_own_access_or_a_last_cluster_wide_subject_is_confirmed() {
        let me = Me {
            names: vec!["oidc:alice".into()],
            groups: vec!["oidc:registry-admins".into()],
        };
        let change = |subject: Subject, scope: Scope, confirmed: bool| AccessChange {
            grant: false,
            role: "registry-viewer".into(),
            subject,
            scope,
            confirmed,
        };
        let project = Scope::Project("team-a".into());
        let mine = change(user("oidc:alice"), project.clone(), false);
        assert_eq!(
            confirmation_needed(&mine, &[], &me).unwrap().key,
            "access.confirm_self"
        );
        assert!(
            confirmation_needed(&change(user("oidc:alice"), project.clone(), true), &[], &me)
                .is_none()
        );
        // The whole name counts: another provider's `alice` is someone else.
        for other in ["evil:alice", "alice", "oidc:malice"] {
            assert!(
                confirmation_needed(&change(user(other), project.clone(), false), &[], &me)
                    .is_none(),
                "{other}"
            );
        }
        let group = Subject {
            kind: SubjectKind::Group,
            ..user("oidc:registry-admins")
        };
        assert!(confirmation_needed(&change(group, project.clone(), false), &[], &me).is_some());
        // Someone else's last cluster-wide subject.
        let mut last = binding("viewers", "registry-viewer", &["bob"]);
        last.namespace = None;
        let bob = change(user("bob"), Scope::Cluster, false);
        assert_eq!(
            confirmation_needed(&bob, &[RevokeStep::Delete(last)], &me)
                .unwrap()
                .key,
            "access.confirm_last"
        );
        let in_project = RevokeStep::Delete(binding("viewers", "registry-viewer", &["bob"]));
        assert!(
            confirmation_needed(&change(user("bob"), project, false), &[in_project], &me).is_none()
        );
    }

    #[test]
    fn forms_name_what_is_wrong() {
        let draft = FormDraft::new(
            FORM_GRANT,
            &[
                ("role", "admin"),
                ("kind", "User"),
                ("name", "a\tb"),
                ("scope", "project"),
                ("project", "Team_A"),
            ],
        );
        let fields: Vec<String> = read_change(&draft)
            .unwrap_err()
            .into_iter()
            .map(|v| v.field)
            .collect();
        assert_eq!(fields, vec!["role", "name", "project"]);
        let draft = FormDraft::new(
            FORM_REVOKE,
            &[
                ("role", "registry-editor"),
                ("kind", "ServiceAccount"),
                ("name", "builder"),
                ("saNamespace", "ci"),
                ("scope", "cluster"),
                ("confirm", "on"),
            ],
        );
        let change = read_change(&draft).unwrap();
        assert!(!change.grant && change.confirmed);
        assert_eq!(change.scope, Scope::Cluster);
        assert_eq!(change.subject.oc_name(), "system:serviceaccount:ci:builder");
    }

    #[test]
    fn public_grants_are_confirmed_saying_who_gains_what() {
        let me = Me::default();
        let grant = |kind: SubjectKind, name: &str, role: &str, confirmed: bool| AccessChange {
            grant: true,
            role: role.into(),
            subject: Subject {
                kind,
                name: name.into(),
                namespace: String::new(),
            },
            scope: Scope::Cluster,
            confirmed,
        };
        let v = confirmation_needed(
            &grant(
                SubjectKind::User,
                "system:anonymous",
                "registry-viewer",
                false,
            ),
            &[],
            &me,
        )
        .expect("confirmed first");
        assert_eq!(v.key, "access.confirm_public");
        let param = |name: &str| {
            v.params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, p)| p.clone())
        };
        assert_eq!(param("who_key").as_deref(), Some("access.public.anyone"));
        assert_eq!(param("power_key").as_deref(), Some("access.power.pull"));
        let text = crate::domain::violation::message(crate::i18n::Lang::En, &v);
        assert!(text.contains("anyone"), "{text}");
        let ja = crate::domain::violation::message(crate::i18n::Lang::Ja, &v);
        assert!(!ja.contains("access.public"), "{ja}");
        let signed_in = confirmation_needed(
            &grant(
                SubjectKind::Group,
                "system:authenticated",
                "registry-editor",
                false,
            ),
            &[],
            &me,
        )
        .expect("confirmed");
        assert!(
            crate::domain::violation::message(crate::i18n::Lang::En, &signed_in)
                .contains("every signed-in user")
        );
        assert!(
            confirmation_needed(
                &grant(
                    SubjectKind::Group,
                    "system:authenticated",
                    "registry-editor",
                    true
                ),
                &[],
                &me
            )
            .is_none()
        );
        assert!(
            confirmation_needed(
                &grant(SubjectKind::User, "alice", "registry-editor", false),
                &[],
                &me
            )
            .is_none()
        );
    }

    #[test]
    fn subject_names_follow_kubernetes_limits() {
        let draft = |name: &str, kind: &str| {
            FormDraft::new(
                FORM_REVOKE,
                &[
                    ("role", "registry-viewer"),
                    ("kind", kind),
                    ("name", name),
                    ("saNamespace", "ci"),
                    ("scope", "cluster"),
                ],
            )
        };
        let keys = |name: &str, kind: &str| match read_change(&draft(name, kind)) {
            Ok(_) => Vec::new(),
            Err(v) => v.into_iter().map(|v| v.key).collect(),
        };
        assert_eq!(
            keys(&"a".repeat(10_000), "User"),
            vec!["access.name_too_long"]
        );
        assert!(keys(&"a".repeat(253), "Group").is_empty());
        assert!(
            keys("John Smith", "User").is_empty(),
            "spaces are legal in user names"
        );
        assert_eq!(keys("a\u{7}b", "User"), vec!["access.name_control"]);
        assert_eq!(
            keys("Not A Label", "ServiceAccount"),
            vec!["access.name_spaces"]
        );
    }
}
