//! Console roles (SPEC §2) and what each role may open. Pure logic shared by the server's
//! guards and the pages, so the navigation and the server never disagree.
//!
//! Roles only decide which pages the console offers; what a user may *do* in the cluster
//! is always the API server's answer for that user (see `AccessCheck`).

use crate::domain::page::Page;
use serde::{Deserialize, Serialize};

/// The console roles a user holds, from the groups claim of their ID token.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roles {
    pub admin: bool,
    pub viewer: bool,
    pub auditor: bool,
}

impl Roles {
    pub fn any(self) -> bool {
        self.admin || self.viewer || self.auditor
    }

    /// Only the audit trail: auditors who are neither admins nor viewers.
    pub fn auditor_only(self) -> bool {
        self.auditor && !self.admin && !self.viewer
    }

    /// Catalogue keys of the roles held, for display.
    pub fn label_keys(self) -> Vec<&'static str> {
        let mut keys = Vec::new();
        if self.admin {
            keys.push("role.admin");
        }
        if self.viewer {
            keys.push("role.viewer");
        }
        if self.auditor {
            keys.push("role.auditor");
        }
        keys
    }
}

/// Which OIDC groups grant which role (configurable; defaults in the server's config).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleMapping {
    pub admin_groups: Vec<String>,
    pub viewer_groups: Vec<String>,
    pub auditor_groups: Vec<String>,
}

impl RoleMapping {
    /// Roles for a user's groups. Group names are compared exactly: `Registry-Admins` is not
    /// `registry-admins`, as in Kubernetes RBAC.
    pub fn roles(&self, groups: &[String]) -> Roles {
        let member = |granting: &[String]| granting.iter().any(|g| groups.contains(g));
        Roles {
            admin: member(&self.admin_groups),
            viewer: member(&self.viewer_groups),
            auditor: member(&self.auditor_groups),
        }
    }
}

/// May a user with `roles` open `page`? Admins open everything; viewers everything but the
/// audit trail; auditors only the audit trail.
pub fn may_open(roles: Roles, page: Page) -> bool {
    match page {
        Page::Audit => roles.admin || roles.auditor,
        _ => roles.admin || roles.viewer,
    }
}

/// Where a user lands after signing in (or when opening `/`).
pub fn landing_path(roles: Roles) -> &'static str {
    if roles.auditor_only() {
        Page::Audit.path()
    } else {
        Page::Overview.path()
    }
}

/// One question for the API server: may the signed-in user do `verb` on `resource`?
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AccessCheck {
    /// Catalogue key describing the action for people ("change the registry configuration").
    pub action_key: String,
    pub verb: String,
    /// API group, empty for the core group.
    pub group: String,
    pub resource: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
}

impl AccessCheck {
    /// `update on configs.imageregistry.operator.openshift.io`, the way `kubectl auth can-i`
    /// and RBAC error messages spell a permission.
    pub fn permission(&self) -> String {
        let resource = if self.group.is_empty() {
            self.resource.clone()
        } else {
            format!("{}.{}", self.resource, self.group)
        };
        let mut text = format!("{} on {resource}", self.verb);
        if let Some(name) = &self.name {
            text.push_str(&format!(" \"{name}\""));
        }
        if let Some(namespace) = &self.namespace {
            text.push_str(&format!(" in namespace {namespace}"));
        }
        text
    }
}

/// The API server's answer to an [`AccessCheck`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessDecision {
    pub check: AccessCheck,
    pub allowed: bool,
    /// The authorizer's reason when it gave one.
    pub reason: Option<String>,
}

/// Which console roles may call a server function (the API server then checks the user's
/// own Kubernetes permissions on top).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    /// Changes to the cluster.
    Admins,
    /// Cluster state: admins and viewers.
    AdminsAndViewers,
    /// The audit trail: admins and auditors.
    AdminsAndAuditors,
}

impl Who {
    pub fn allow(self, roles: Roles) -> bool {
        match self {
            Who::Admins => roles.admin,
            Who::AdminsAndViewers => roles.admin || roles.viewer,
            Who::AdminsAndAuditors => roles.admin || roles.auditor,
        }
    }
}

/// Server functions that change nothing, and who may call them. Every other server
/// function must refuse viewers and auditors (a test calls each registered one as both).
pub const READ_ONLY_SERVER_FNS: &[(&str, Who)] = &[
    ("/api/my_access", Who::AdminsAndViewers),
    ("/api/audit_changes", Who::AdminsAndAuditors),
    ("/api/verify_audit_chain", Who::AdminsAndAuditors),
    ("/api/audit_change", Who::AdminsAndAuditors),
    ("/api/audit_object_histories", Who::AdminsAndAuditors),
    ("/api/audit_compare", Who::AdminsAndAuditors),
    ("/api/audit_object_versions", Who::AdminsAndAuditors),
    ("/api/registry_config", Who::AdminsAndViewers),
    ("/api/storage", Who::AdminsAndViewers),
    ("/api/storage_state", Who::AdminsAndViewers),
    ("/api/exposure", Who::AdminsAndViewers),
    ("/api/ca_trust", Who::AdminsAndViewers),
    ("/api/registries", Who::AdminsAndViewers),
    ("/api/registry_access", Who::AdminsAndViewers),
    ("/api/pruner", Who::AdminsAndViewers),
    ("/api/overview", Who::AdminsAndViewers),
    ("/api/logs", Who::AdminsAndViewers),
];

/// The roles that grant access to the registry (guide 5.1: pull, push, build; 5.5: the
/// metrics).
pub const REGISTRY_ROLES: [&str; 4] = [
    "registry-viewer",
    "registry-editor",
    "system:image-builder",
    "prometheus-scraper",
];

/// Registry namespace (the operator's fixed namespace in OpenShift).
pub const REGISTRY_NAMESPACE: &str = "openshift-image-registry";

pub fn check(
    action_key: &str,
    verb: &str,
    group: &str,
    resource: &str,
    namespace: Option<&str>,
    name: Option<&str>,
) -> AccessCheck {
    AccessCheck {
        action_key: action_key.to_string(),
        verb: verb.to_string(),
        group: group.to_string(),
        resource: resource.to_string(),
        namespace: namespace.map(str::to_string),
        name: name.map(str::to_string),
    }
}

/// The cluster permissions behind the console's actions, asked of the API server in one
/// batch per page and shown to the user with what each one enables.
pub fn console_actions() -> Vec<AccessCheck> {
    const OPERATOR: &str = "imageregistry.operator.openshift.io";
    const CONFIG: &str = "config.openshift.io";
    let ns = Some(REGISTRY_NAMESPACE);
    vec![
        check(
            "action.read_config",
            "get",
            OPERATOR,
            "configs",
            None,
            Some("cluster"),
        ),
        check(
            "action.change_config",
            "update",
            OPERATOR,
            "configs",
            None,
            Some("cluster"),
        ),
        check("action.read_pods", "list", "", "pods", ns, None),
        check("action.read_logs", "get", "", "pods/log", ns, None),
        check("action.write_secrets", "create", "", "secrets", ns, None),
        check("action.read_secrets", "get", "", "secrets", ns, None),
        check(
            "action.manage_routes",
            "create",
            "route.openshift.io",
            "routes",
            ns,
            None,
        ),
        check(
            "action.change_ca_trust",
            "update",
            CONFIG,
            "images",
            None,
            Some("cluster"),
        ),
        check(
            "action.change_registry_sources",
            "update",
            CONFIG,
            "images",
            None,
            Some("cluster"),
        ),
        check(
            "action.write_pull_secret",
            "update",
            "",
            "secrets",
            Some("openshift-config"),
            Some("pull-secret"),
        ),
        check(
            "action.change_pruner",
            "update",
            OPERATOR,
            "imagepruners",
            None,
            Some("cluster"),
        ),
        check(
            "action.grant_access",
            "create",
            "rbac.authorization.k8s.io",
            "rolebindings",
            None,
            None,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping() -> RoleMapping {
        RoleMapping {
            admin_groups: vec!["registry-admins".into(), "ops".into()],
            viewer_groups: vec!["registry-viewers".into()],
            auditor_groups: vec!["registry-auditors".into()],
        }
    }

    fn groups(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn roles_come_from_any_mapped_group() {
        let m = mapping();
        assert!(m.roles(&groups(&["ops"])).admin);
        assert!(m.roles(&groups(&["x", "registry-admins"])).admin);
        let viewer = m.roles(&groups(&["registry-viewers"]));
        assert_eq!(
            viewer,
            Roles {
                admin: false,
                viewer: true,
                auditor: false
            }
        );
        assert!(m.roles(&groups(&["registry-auditors"])).auditor_only());
        let both = m.roles(&groups(&["registry-auditors", "registry-viewers"]));
        assert!(both.auditor && both.viewer && !both.auditor_only());
    }

    #[test]
    fn group_names_match_exactly() {
        let m = mapping();
        assert!(!m.roles(&groups(&["Registry-Admins"])).any());
        assert!(!m.roles(&groups(&["registry-admins "])).any());
        assert!(!m.roles(&groups(&["oidc:registry-admins"])).any());
        assert!(!m.roles(&[]).any());
    }

    #[test]
    fn pages_by_role() {
        let admin = Roles {
            admin: true,
            ..Default::default()
        };
        let viewer = Roles {
            viewer: true,
            ..Default::default()
        };
        let auditor = Roles {
            auditor: true,
            ..Default::default()
        };
        for page in Page::ALL {
            assert!(may_open(admin, page), "admin {page:?}");
            assert_eq!(
                may_open(viewer, page),
                page != Page::Audit,
                "viewer {page:?}"
            );
            assert_eq!(
                may_open(auditor, page),
                page == Page::Audit,
                "auditor {page:?}"
            );
            assert!(!may_open(Roles::default(), page), "nobody {page:?}");
        }
        assert_eq!(landing_path(admin), "/");
        assert_eq!(landing_path(viewer), "/");
        assert_eq!(landing_path(auditor), "/audit");
    }

    #[test]
    fn permissions_read_like_rbac_messages() {
        let actions = console_actions();
        let change = actions
            .iter()
            .find(|a| a.action_key == "action.change_config")
            .expect("change_config");
        assert_eq!(
            change.permission(),
            "update on configs.imageregistry.operator.openshift.io \"cluster\""
        );
        let pods = actions
            .iter()
            .find(|a| a.action_key == "action.read_pods")
            .expect("read_pods");
        assert_eq!(
            pods.permission(),
            "list on pods in namespace openshift-image-registry"
        );
    }
}
