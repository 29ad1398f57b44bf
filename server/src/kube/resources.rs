//! One catalogue of the Kubernetes resources the console touches, so group, version,
//! kind and plural are written once: the pipeline, the services and the outside-change
//! watcher all name resources from here.

use app::domain::change::ObjectRef;
use kube::api::{Api, DynamicObject};
use kube::core::{ApiResource, GroupVersionKind};

/// `name` as one segment of an API path: kube builds paths from names as they are, and a
/// legal object name may hold what a URI may not (`<`, a space, `#`, `?`, non-ASCII), which
/// then fails to build or, worse, means another path. Every name that comes from a user or
/// the cluster goes through here before it reaches an `Api` call.
pub fn path_segment(name: &str) -> String {
    use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
    const SEGMENT: &AsciiSet = &CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'#')
        .add(b'%')
        .add(b'/')
        .add(b'<')
        .add(b'>')
        .add(b'?')
        .add(b'[')
        .add(b'\\')
        .add(b']')
        .add(b'^')
        .add(b'`')
        .add(b'{')
        .add(b'|')
        .add(b'}');
    utf8_percent_encode(name, SEGMENT).to_string()
}

/// A resource type, as the API server serves it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resource {
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub plural: &'static str,
    pub namespaced: bool,
}

impl Resource {
    pub fn api_resource(&self) -> ApiResource {
        ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk(self.group, self.version, self.kind),
            self.plural,
        )
    }

    /// The API for objects of this resource (in `namespace` when it is namespaced).
    pub fn api(&self, client: kube::Client, namespace: Option<&str>) -> Api<DynamicObject> {
        match namespace {
            Some(ns) if self.namespaced => Api::namespaced_with(client, ns, &self.api_resource()),
            _ => Api::all_with(client, &self.api_resource()),
        }
    }

    /// `configs.imageregistry.operator.openshift.io`, `secrets`: as `oc` names resources.
    pub fn oc_name(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// `imageregistry.operator.openshift.io/v1`, `v1`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    pub fn object_ref(&self, namespace: Option<&str>, name: &str) -> ObjectRef {
        ObjectRef {
            group: self.group.to_string(),
            kind: self.kind.to_string(),
            namespace: namespace.map(str::to_string),
            name: name.to_string(),
        }
    }

    /// Whether `object` is of this resource's kind.
    pub fn is(&self, group: &str, kind: &str) -> bool {
        self.group == group && self.kind == kind
    }
}

const fn cluster(
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
) -> Resource {
    Resource {
        group,
        version,
        kind,
        plural,
        namespaced: false,
    }
}

const fn namespaced(
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
) -> Resource {
    Resource {
        group,
        version,
        kind,
        plural,
        namespaced: true,
    }
}

/// The registry operator's API group.
pub const OPERATOR_GROUP: &str = "imageregistry.operator.openshift.io";

/// `configs.imageregistry.operator.openshift.io`: the registry's whole configuration.
pub const REGISTRY_CONFIG: Resource = cluster(OPERATOR_GROUP, "v1", "Config", "configs");
pub const IMAGE_PRUNER: Resource = cluster(OPERATOR_GROUP, "v1", "ImagePruner", "imagepruners");
/// `images.config.openshift.io`: trusted CAs, registry sources.
pub const IMAGE_CONFIG: Resource = cluster("config.openshift.io", "v1", "Image", "images");
pub const CLUSTER_OPERATOR: Resource = cluster(
    "config.openshift.io",
    "v1",
    "ClusterOperator",
    "clusteroperators",
);
pub const INFRASTRUCTURE: Resource = cluster(
    "config.openshift.io",
    "v1",
    "Infrastructure",
    "infrastructures",
);
pub const INGRESS_CONFIG: Resource = cluster("config.openshift.io", "v1", "Ingress", "ingresses");
/// Read only: the classes a new claim may use (not watched, never written).
pub const STORAGE_CLASS: Resource =
    cluster("storage.k8s.io", "v1", "StorageClass", "storageclasses");
/// Read only: the registry roles' rules explain what each allows.
pub const CLUSTER_ROLE: Resource = cluster(
    "rbac.authorization.k8s.io",
    "v1",
    "ClusterRole",
    "clusterroles",
);
pub const SECRET: Resource = namespaced("", "v1", "Secret", "secrets");
/// Read only: how many nodes roll out a registrySources change (listed as the user).
pub const NODE: Resource = cluster("", "v1", "Node", "nodes");
/// Read only: where the image streams in `openshift` import from (served by OpenShift's
/// API server only; elsewhere the Registries page falls back to the guide's registry).
pub const IMAGE_STREAM: Resource =
    namespaced("image.openshift.io", "v1", "ImageStream", "imagestreams");
/// Read only, for the Overview and Logs pages.
pub const POD: Resource = namespaced("", "v1", "Pod", "pods");
pub const DEPLOYMENT: Resource = namespaced("apps", "v1", "Deployment", "deployments");
pub const EVENT: Resource = namespaced("", "v1", "Event", "events");
/// Read only: the image pruner's runs.
pub const JOB: Resource = namespaced("batch", "v1", "Job", "jobs");
pub const CONFIG_MAP: Resource = namespaced("", "v1", "ConfigMap", "configmaps");
pub const PERSISTENT_VOLUME_CLAIM: Resource =
    namespaced("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims");
pub const ROUTE: Resource = namespaced("route.openshift.io", "v1", "Route", "routes");
pub const ROLE_BINDING: Resource = namespaced(
    "rbac.authorization.k8s.io",
    "v1",
    "RoleBinding",
    "rolebindings",
);
pub const CLUSTER_ROLE_BINDING: Resource = cluster(
    "rbac.authorization.k8s.io",
    "v1",
    "ClusterRoleBinding",
    "clusterrolebindings",
);

/// Every resource the console writes or watches.
pub const ALL: &[Resource] = &[
    REGISTRY_CONFIG,
    IMAGE_PRUNER,
    IMAGE_CONFIG,
    CLUSTER_OPERATOR,
    INFRASTRUCTURE,
    INGRESS_CONFIG,
    SECRET,
    CONFIG_MAP,
    PERSISTENT_VOLUME_CLAIM,
    ROUTE,
    ROLE_BINDING,
    CLUSTER_ROLE_BINDING,
];

/// The catalogue's entry for a group and kind.
pub fn by_kind(group: &str, kind: &str) -> Option<&'static Resource> {
    ALL.iter().find(|r| r.is(group, kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_as_oc_and_the_api_spell_them() {
        assert_eq!(
            REGISTRY_CONFIG.oc_name(),
            "configs.imageregistry.operator.openshift.io"
        );
        assert_eq!(SECRET.oc_name(), "secrets");
        assert_eq!(
            REGISTRY_CONFIG.api_version(),
            "imageregistry.operator.openshift.io/v1"
        );
        assert_eq!(SECRET.api_version(), "v1");
        assert_eq!(by_kind("", "ConfigMap"), Some(&CONFIG_MAP));
        assert_eq!(by_kind("", "Config"), None);
    }

    #[test]
    fn each_kind_is_listed_once() {
        for (i, a) in ALL.iter().enumerate() {
            for b in &ALL[i + 1..] {
                assert!(!(a.group == b.group && a.kind == b.kind), "{a:?}");
            }
        }
    }
}
