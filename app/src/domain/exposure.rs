//! The exposure wizard's rules (SPEC §6, guide 2.4 and 6.1): the default route on or off,
//! custom routes with an uploaded certificate (one change: the `kubernetes.io/tls` Secret
//! and the `spec.routes` entry), removing a route (and, if asked, its Secret), and the
//! `podman` commands for each host afterwards.
//!
//! The certificate checks themselves (parsing, key match, SANs, chain, expiry) run on the
//! server (`server/src/change/tls.rs`); these are the rules of the form around them.

use crate::domain::access::REGISTRY_NAMESPACE;
use crate::domain::certificate::ShownCertificate;
use crate::domain::form_draft::{Ambiguous, FormDraft};
pub use crate::domain::registry_config::form::SeenConfig;
use crate::domain::registry_config::rules::{DEFAULT_ROUTE, is_dns_subdomain};
use crate::domain::violation::Violation;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The page's forms (`data-change-form`).
pub const FORM_DEFAULT_ROUTE: &str = "default-route";
pub const FORM_ADD_ROUTE: &str = "add-route";
pub const FORM_REMOVE_ROUTE: &str = "remove-route";

/// Field (input) names; violations name the same fields.
pub const FIELD_BASE: &str = "base";
pub const FIELD_DEFAULT_ROUTE: &str = "defaultRoute";
pub const FIELD_NAME: &str = "name";
pub const FIELD_HOSTNAME: &str = "hostname";
pub const FIELD_SECRET: &str = "secretName";
pub const FIELD_CERTIFICATE: &str = "certificate";
pub const FIELD_KEY: &str = "key";
pub const FIELD_CA: &str = "caCertificate";
pub const FIELD_ROUTE: &str = "route";
pub const FIELD_DELETE_SECRET: &str = "deleteSecret";

/// Keys of a route's TLS Secret as the image registry operator reads them (its route
/// generator copies `tls.cacrt` into the route's `caCertificate`).
pub const SECRET_CERT_KEY: &str = "tls.crt";
pub const SECRET_KEY_KEY: &str = "tls.key";
pub const SECRET_CA_KEY: &str = "tls.cacrt";

/// The host the router gives a route of the registry without a hostname, on OpenShift:
/// `<name>-openshift-image-registry.<apps domain>`.
pub fn generated_host(route_name: &str, apps_domain: &str) -> String {
    format!("{route_name}-{REGISTRY_NAMESPACE}.{apps_domain}")
}

/// A `spec.routes` entry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigRoute {
    pub name: String,
    pub hostname: String,
    pub secret_name: String,
}

/// A Route object in the registry's namespace (the operator creates them from the Config).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteObject {
    pub name: String,
    pub host: String,
    pub termination: String,
}

/// How a client can trust the certificate a host serves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Trust {
    /// No certificate of its own: the ingress default certificate, which clients usually
    /// do not trust (guide 6.1), so `podman` needs `--tls-verify=false`.
    IngressDefault,
    /// A chain that ends in a private CA (self-signed, or given as `tls.cacrt`): trust
    /// that CA on the client instead of turning verification off.
    PrivateCa,
    /// A chain up to a CA that is not in it (a public or company CA the client trusts).
    IssuedCa,
    /// The route's Secret could not be read: why.
    Unknown(String),
}

/// One host the registry is reachable at, with what the page says about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExposedHost {
    /// The route's name (`default-route` for the default route).
    pub route: String,
    /// The host: the Route object's, else the configured one, else the one the router
    /// will generate (`None` when the apps domain is unknown too).
    pub host: Option<String>,
    /// The Route object exists.
    pub exists: bool,
    pub secret_name: String,
    /// The Secret's certificates (server certificate first), when it names one.
    pub certificates: Option<Result<Vec<ShownCertificate>, String>>,
    pub trust: Trust,
}

/// What the exposure page shows, read as the signed-in user.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExposureView {
    /// The Config as the page saw it (`spec` redacted): the base of every change.
    pub base: SeenConfig,
    pub default_route: bool,
    /// `ingresses.config.openshift.io/cluster` `spec.domain` (`Ok(None)`: not set or the
    /// object is absent).
    pub apps_domain: Result<Option<String>, String>,
    pub routes: Vec<ConfigRoute>,
    /// The Route objects could not be listed: why.
    pub route_objects_error: Option<String>,
    /// The default route first, then each custom route.
    pub hosts: Vec<ExposedHost>,
    /// Why the API server would refuse a change (`None`: allowed).
    pub update_denied: Option<String>,
}

/// A new custom route as the form gives it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewRoute {
    pub name: String,
    pub hostname: String,
    /// As typed (empty: `<name>-tls` when a certificate is uploaded).
    pub secret_name: String,
    pub certificate: String,
    pub key: String,
    pub ca: String,
}

impl NewRoute {
    /// A certificate and key were given (the route gets its own TLS Secret).
    pub fn has_tls(&self) -> bool {
        !self.certificate.is_empty() || !self.key.is_empty() || !self.ca.is_empty()
    }

    /// The TLS Secret's name: as typed, or `<name>-tls`.
    pub fn secret(&self) -> String {
        if self.secret_name.is_empty() {
            default_secret_name(&self.name)
        } else {
            self.secret_name.clone()
        }
    }
}

/// The TLS Secret a route gets when its form leaves the name empty.
pub fn default_secret_name(route: &str) -> String {
    format!("{route}-tls")
}

/// The example route name the form shows (the guide's `public-routes`); the Secret field's
/// example is the name that route would get, so the two never disagree.
pub const EXAMPLE_ROUTE_NAME: &str = "public-routes";

/// What the user asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExposureChange {
    DefaultRoute { enabled: bool },
    AddRoute(NewRoute),
    RemoveRoute { name: String, delete_secret: bool },
}

/// A decoded draft of the exposure page.
#[derive(Clone, Debug, PartialEq)]
pub struct ExposureSubmission {
    pub base: SeenConfig,
    pub change: ExposureChange,
}

/// Every catalogue key this module can emit.
pub const MESSAGE_KEYS: [&str; 11] = [
    "form.ambiguous_file",
    "form.unknown_form",
    "form.base",
    "exposure.hostname_wildcard",
    "exposure.hostname_taken",
    "exposure.key_without_certificate",
    "exposure.certificate_without_key",
    "exposure.ca_without_certificate",
    "exposure.secret_without_tls",
    "exposure.route_unknown",
    "exposure.secret_exists",
];

fn ambiguous(e: Ambiguous) -> Violation {
    Violation::error(&e.0, "form.ambiguous_file")
}

/// The draft as a submission, or what is wrong with its form.
pub fn read_submission(draft: &FormDraft) -> Result<ExposureSubmission, Vec<Violation>> {
    let base: SeenConfig = serde_json::from_str(&draft.text(FIELD_BASE))
        .map_err(|_| vec![Violation::error(FIELD_BASE, "form.base")])?;
    let change = match draft.form.as_str() {
        FORM_DEFAULT_ROUTE => ExposureChange::DefaultRoute {
            enabled: draft.flag(FIELD_DEFAULT_ROUTE),
        },
        FORM_ADD_ROUTE => {
            let mut problems = Vec::new();
            let mut pem = |field: &str| {
                draft.pasted_or_file(field).unwrap_or_else(|e| {
                    problems.push(ambiguous(e));
                    String::new()
                })
            };
            let route = NewRoute {
                name: draft.text(FIELD_NAME),
                hostname: draft.text(FIELD_HOSTNAME),
                secret_name: draft.text(FIELD_SECRET),
                certificate: pem(FIELD_CERTIFICATE),
                key: pem(FIELD_KEY),
                ca: pem(FIELD_CA),
            };
            if !problems.is_empty() {
                return Err(problems);
            }
            ExposureChange::AddRoute(route)
        }
        FORM_REMOVE_ROUTE => ExposureChange::RemoveRoute {
            name: draft.text(FIELD_ROUTE),
            delete_secret: draft.flag(FIELD_DELETE_SECRET),
        },
        other => {
            return Err(vec![
                Violation::error("form", "form.unknown_form").with("value", other),
            ]);
        }
    };
    Ok(ExposureSubmission { base, change })
}

/// The routes of a Config spec.
pub fn config_routes(spec: &Value) -> Vec<ConfigRoute> {
    let text = |route: &Value, key: &str| {
        route
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    spec.get("routes")
        .and_then(Value::as_array)
        .map(|routes| {
            routes
                .iter()
                .map(|r| ConfigRoute {
                    name: text(r, "name"),
                    hostname: text(r, "hostname"),
                    secret_name: text(r, "secretName"),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The form's rules for a new route, against the routes the Config has (the certificate
/// itself is checked on the server).
pub fn validate_new_route(route: &NewRoute, existing: &[ConfigRoute]) -> Vec<Violation> {
    let mut out = Vec::new();
    let name = route.name.as_str();
    if name.is_empty() || name.contains('.') || !is_dns_subdomain(name) {
        out.push(Violation::error(FIELD_NAME, "rule.route.name").with("value", name));
    } else if name == DEFAULT_ROUTE {
        out.push(Violation::error(FIELD_NAME, "rule.route.reserved"));
    } else if existing.iter().any(|r| r.name == name) {
        out.push(Violation::error(FIELD_NAME, "rule.route.duplicate").with("value", name));
    }
    let host = route.hostname.as_str();
    if host.starts_with("*.") {
        out.push(
            Violation::error(FIELD_HOSTNAME, "exposure.hostname_wildcard").with("value", host),
        );
    } else if !host.is_empty() && !is_dns_subdomain(host) {
        out.push(Violation::error(FIELD_HOSTNAME, "rule.route.hostname").with("value", host));
    } else if let Some(other) = existing
        .iter()
        .find(|r| !host.is_empty() && r.hostname == host)
    {
        out.push(
            Violation::error(FIELD_HOSTNAME, "exposure.hostname_taken")
                .with("value", host)
                .with("route", &other.name),
        );
    }
    let (cert, key, ca) = (
        !route.certificate.is_empty(),
        !route.key.is_empty(),
        !route.ca.is_empty(),
    );
    if key && !cert {
        out.push(Violation::error(
            FIELD_CERTIFICATE,
            "exposure.key_without_certificate",
        ));
    }
    if cert && !key {
        out.push(Violation::error(
            FIELD_KEY,
            "exposure.certificate_without_key",
        ));
    }
    if ca && !cert {
        out.push(Violation::error(
            FIELD_CA,
            "exposure.ca_without_certificate",
        ));
    }
    if route.has_tls() {
        let secret = route.secret();
        if !is_dns_subdomain(&secret) {
            out.push(Violation::error(FIELD_SECRET, "rule.route.name").with("value", &secret));
        }
    } else if !route.secret_name.is_empty() {
        out.push(
            Violation::error(FIELD_SECRET, "exposure.secret_without_tls")
                .with("value", &route.secret_name),
        );
    }
    out
}

/// The rule for removing a route: it must be one of the Config's.
pub fn validate_removal(name: &str, existing: &[ConfigRoute]) -> Vec<Violation> {
    if existing.iter().any(|r| r.name == name) {
        Vec::new()
    } else {
        vec![Violation::error(FIELD_ROUTE, "exposure.route_unknown").with("value", name)]
    }
}

/// The Config spec with the change made (from `spec` as it is now).
pub fn desired_spec(spec: &Value, change: &ExposureChange) -> Value {
    let mut spec = spec.clone();
    let Some(map) = spec.as_object_mut() else {
        return spec;
    };
    match change {
        ExposureChange::DefaultRoute { enabled } => {
            map.insert("defaultRoute".into(), Value::Bool(*enabled));
        }
        ExposureChange::AddRoute(route) => {
            let mut entry = serde_json::Map::new();
            entry.insert("name".into(), Value::String(route.name.clone()));
            if !route.hostname.is_empty() {
                entry.insert("hostname".into(), Value::String(route.hostname.clone()));
            }
            if route.has_tls() {
                entry.insert("secretName".into(), Value::String(route.secret()));
            }
            let routes = map
                .entry("routes")
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Some(list) = routes.as_array_mut() {
                list.push(Value::Object(entry));
            }
        }
        ExposureChange::RemoveRoute { name, .. } => {
            let mut emptied = false;
            if let Some(list) = map.get_mut("routes").and_then(Value::as_array_mut) {
                list.retain(|r| r.get("name").and_then(Value::as_str) != Some(name.as_str()));
                emptied = list.is_empty();
            }
            if emptied {
                map.remove("routes");
            }
        }
    }
    spec
}

/// The route Secret's data (values as given; the server encodes them).
pub fn secret_data(route: &NewRoute) -> BTreeMap<&'static str, String> {
    let mut data = BTreeMap::new();
    data.insert(SECRET_CERT_KEY, with_newline(&route.certificate));
    data.insert(SECRET_KEY_KEY, with_newline(&route.key));
    if !route.ca.is_empty() {
        data.insert(SECRET_CA_KEY, with_newline(&route.ca));
    }
    data
}

/// PEM as files hold it: ending in a newline (the form trims what it reads).
fn with_newline(pem: &str) -> String {
    format!("{}\n", pem.trim_end())
}

/// The image the push commands name: the local image to tag, and where it goes in the
/// registry (`<host>/<project>/<image>:<tag>`). The page takes them from its address, so
/// the commands can be run as they are shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageTarget {
    pub local: String,
    pub project: String,
    pub image: String,
    pub tag: String,
}

impl Default for ImageTarget {
    fn default() -> Self {
        ImageTarget {
            local: "myimage:latest".into(),
            project: "myproject".into(),
            image: "myimage".into(),
            tag: "latest".into(),
        }
    }
}

impl ImageTarget {
    /// The target from the page's query parameters (`local`, `project`, `image`, `tag`);
    /// an absent or empty one keeps its default.
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> Self {
        let default = ImageTarget::default();
        let pick = |name: &str, fallback: String| {
            get(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .unwrap_or(fallback)
        };
        ImageTarget {
            local: pick("local", default.local),
            project: pick("project", default.project),
            image: pick("image", default.image),
            tag: pick("tag", default.tag),
        }
    }

    /// What is wrong with the names (a project is a DNS label; an image name is lowercase
    /// path components; a tag is at most 128 word characters, dots and dashes): the message
    /// keys with the field they are about. The commands are shown anyway, quoted.
    pub fn problems(&self) -> Vec<(&'static str, &'static str)> {
        let mut out = Vec::new();
        let label = |s: &str| {
            !s.is_empty()
                && s.len() <= 63
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !s.starts_with('-')
                && !s.ends_with('-')
        };
        if !label(&self.project) {
            out.push(("project", "exposure.image.project_invalid"));
        }
        let component = |c: &str| {
            !c.is_empty()
                && c.chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || "._-".contains(ch))
                && c.starts_with(|ch: char| ch.is_ascii_alphanumeric())
                && c.ends_with(|ch: char| ch.is_ascii_alphanumeric())
        };
        if !self.image.split('/').all(component) {
            out.push(("image", "exposure.image.image_invalid"));
        }
        let tag_ok = !self.tag.is_empty()
            && self.tag.len() <= 128
            && self
                .tag
                .starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
            && self
                .tag
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
        if !tag_ok {
            out.push(("tag", "exposure.image.tag_invalid"));
        }
        out
    }
}

/// The commands to log in to `host` and push an image there (guide 6.1, 5.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodmanCommands {
    /// `--tls-verify=false` is in the commands (the certificate is not trusted).
    pub insecure: bool,
    pub login: String,
    pub tag: String,
    pub push: String,
    /// For a private CA: where podman looks for it, and the command to put it there.
    pub trust_ca: Option<String>,
}

/// The user name of the login commands (any word works; earlier OpenShift documentation
/// used this one).
pub const LOGIN_USER: &str = "openshift";

/// The commands to log in to `host` and push an image there (guide 6.1, 5.2).
///
/// The token is the guide's `$(oc whoami -t)`, never the console's to print. The user name
/// is a fixed word, not the guide's `$(oc whoami)`: the registry checks only the token, and
/// HTTP Basic authentication cannot carry a name with a colon (RFC 7617), which is what
/// `oc whoami` prints for `kube:admin`, a service account or an identity provider's
/// prefixed names, so the guide's command fails for them (the sandbox's real registry
/// front showed it). Every value is one word ([`crate::domain::shell`]).
pub fn podman_commands(host: &str, trust: &Trust, image: &ImageTarget) -> PodmanCommands {
    use crate::domain::shell::{command, word};
    let insecure = *trust == Trust::IngressDefault;
    let flag: &[&str] = if insecure {
        &["--tls-verify=false"]
    } else {
        &[]
    };
    let target = format!("{host}/{}/{}:{}", image.project, image.image, image.tag);
    let mut login = format!(r#"podman login -u {LOGIN_USER} -p "$(oc whoami -t)""#);
    for part in flag.iter().copied().chain([host]) {
        login.push(' ');
        login.push_str(&word(part));
    }
    let mut push = vec!["podman", "push"];
    push.extend_from_slice(flag);
    push.push(&target);
    PodmanCommands {
        insecure,
        login,
        tag: command(&["podman", "tag", &image.local, &target]),
        push: command(&push),
        trust_ca: (*trust == Trust::PrivateCa).then(|| {
            let dir = format!("/etc/containers/certs.d/{host}");
            format!(
                "{} && {}",
                command(&["sudo", "mkdir", "-p", &dir]),
                command(&["sudo", "cp", "ca.crt", &format!("{dir}/ca.crt")])
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn route(name: &str) -> NewRoute {
        NewRoute {
            name: name.into(),
            ..Default::default()
        }
    }

    fn keys(v: &[Violation]) -> Vec<(&str, &str)> {
        v.iter()
            .map(|v| (v.field.as_str(), v.key.as_str()))
            .collect()
    }

    #[test]
    fn route_names_follow_the_operators_rules() {
        let existing = vec![ConfigRoute {
            name: "public".into(),
            hostname: "registry.example.com".into(),
            ..Default::default()
        }];
        assert!(validate_new_route(&route("public-routes"), &existing).is_empty());
        for bad in ["", "Public", "a.b", "-x", "x_y"] {
            assert_eq!(
                keys(&validate_new_route(&route(bad), &existing)),
                vec![(FIELD_NAME, "rule.route.name")],
                "{bad}"
            );
        }
        assert_eq!(
            keys(&validate_new_route(&route("default-route"), &existing)),
            vec![(FIELD_NAME, "rule.route.reserved")]
        );
        assert_eq!(
            keys(&validate_new_route(&route("public"), &existing)),
            vec![(FIELD_NAME, "rule.route.duplicate")]
        );
    }

    #[test]
    fn hostnames_follow_dns_rules_and_are_not_shared() {
        let existing = vec![ConfigRoute {
            name: "public".into(),
            hostname: "registry.example.com".into(),
            ..Default::default()
        }];
        let with_host = |host: &str| NewRoute {
            hostname: host.into(),
            ..route("other")
        };
        assert!(validate_new_route(&with_host(""), &existing).is_empty());
        assert!(
            validate_new_route(&with_host("myregistry.mycorp.organization"), &existing).is_empty()
        );
        for bad in [
            "Registry.example.com",
            "registry..example.com",
            "registry.example.com:443",
            "https://r.example.com",
        ] {
            assert_eq!(
                keys(&validate_new_route(&with_host(bad), &existing)),
                vec![(FIELD_HOSTNAME, "rule.route.hostname")],
                "{bad}"
            );
        }
        assert_eq!(
            keys(&validate_new_route(&with_host("*.example.com"), &existing)),
            vec![(FIELD_HOSTNAME, "exposure.hostname_wildcard")]
        );
        let taken = validate_new_route(&with_host("registry.example.com"), &existing);
        assert_eq!(
            keys(&taken),
            vec![(FIELD_HOSTNAME, "exposure.hostname_taken")]
        );
        assert!(taken[0].params.contains(&("route".into(), "public".into())));
    }

    #[test]
    fn certificate_and_key_come_together() {
        let tls = |cert: &str, key: &str, ca: &str, secret: &str| NewRoute {
            certificate: cert.into(),
            key: key.into(),
            ca: ca.into(),
            secret_name: secret.into(),
            ..route("public")
        };
        assert!(validate_new_route(&tls("C", "K", "", ""), &[]).is_empty());
        assert_eq!(
            keys(&validate_new_route(&tls("", "K", "", ""), &[])),
            vec![(FIELD_CERTIFICATE, "exposure.key_without_certificate")]
        );
        assert_eq!(
            keys(&validate_new_route(&tls("C", "", "", ""), &[])),
            vec![(FIELD_KEY, "exposure.certificate_without_key")]
        );
        assert_eq!(
            keys(&validate_new_route(&tls("", "", "A", ""), &[])),
            vec![(FIELD_CA, "exposure.ca_without_certificate")]
        );
        // A secret name without material would be dropped: it is refused instead.
        assert_eq!(
            keys(&validate_new_route(&tls("", "", "", "mine"), &[])),
            vec![(FIELD_SECRET, "exposure.secret_without_tls")]
        );
        assert_eq!(tls("C", "K", "", "").secret(), "public-tls");
        assert_eq!(
            tls("C", "K", "", "public-route-tls").secret(),
            "public-route-tls"
        );
        assert_eq!(
            keys(&validate_new_route(&tls("C", "K", "", "Bad_Name"), &[])),
            vec![(FIELD_SECRET, "rule.route.name")]
        );
    }

    #[test]
    fn the_guides_custom_route_is_the_spec_entry() {
        let new = NewRoute {
            name: "public-routes".into(),
            hostname: "myregistry.mycorp.organization".into(),
            secret_name: "public-route-tls".into(),
            certificate: "C".into(),
            key: "K".into(),
            ca: String::new(),
        };
        let spec = json!({ "managementState": "Managed", "replicas": 1 });
        let desired = desired_spec(&spec, &ExposureChange::AddRoute(new.clone()));
        assert_eq!(
            desired["routes"],
            json!([{ "name": "public-routes", "hostname": "myregistry.mycorp.organization", "secretName": "public-route-tls" }])
        );
        assert_eq!(desired["replicas"], 1);
        let data = secret_data(&new);
        assert_eq!(
            data.keys().copied().collect::<Vec<_>>(),
            vec!["tls.crt", "tls.key"]
        );
        assert_eq!(data["tls.crt"], "C\n");
        // Without a certificate the route uses the ingress default: no secretName.
        let plain = desired_spec(&spec, &ExposureChange::AddRoute(route("plain")));
        assert_eq!(plain["routes"], json!([{ "name": "plain" }]));
        // Removing the last route removes the list.
        let removed = desired_spec(
            &plain,
            &ExposureChange::RemoveRoute {
                name: "plain".into(),
                delete_secret: false,
            },
        );
        assert!(removed.get("routes").is_none(), "{removed}");
        assert_eq!(
            desired_spec(&spec, &ExposureChange::DefaultRoute { enabled: true })["defaultRoute"],
            true
        );
    }

    #[test]
    fn drafts_decode_per_form() {
        let base = r#"{"version":"7","spec":{}}"#;
        let draft = FormDraft::new(
            FORM_ADD_ROUTE,
            &[
                ("base", base),
                ("name", " public "),
                ("certificate", "C"),
                ("certificate.file", "D"),
            ],
        );
        assert_eq!(
            keys(&read_submission(&draft).unwrap_err()),
            vec![(FIELD_CERTIFICATE, "form.ambiguous_file")]
        );
        let draft = FormDraft::new(
            FORM_REMOVE_ROUTE,
            &[("base", base), ("route", "public"), ("deleteSecret", "on")],
        );
        let submission = read_submission(&draft).unwrap();
        assert_eq!(submission.base.version, "7");
        assert_eq!(
            submission.change,
            ExposureChange::RemoveRoute {
                name: "public".into(),
                delete_secret: true
            }
        );
        assert_eq!(
            keys(&read_submission(&FormDraft::new("x", &[("base", base)])).unwrap_err()),
            vec![("form", "form.unknown_form")]
        );
        assert_eq!(
            keys(&read_submission(&FormDraft::new(FORM_DEFAULT_ROUTE, &[])).unwrap_err()),
            vec![(FIELD_BASE, "form.base")]
        );
    }

    #[test]
    fn podman_needs_tls_verify_false_only_for_the_ingress_default_certificate() {
        let host = "default-route-openshift-image-registry.apps.example.com";
        let image = ImageTarget::default();
        let default = podman_commands(host, &Trust::IngressDefault, &image);
        assert_eq!(
            default.login,
            format!(r#"podman login -u openshift -p "$(oc whoami -t)" --tls-verify=false {host}"#)
        );
        assert!(default.push.contains("--tls-verify=false"));
        assert_eq!(
            default.tag,
            format!("podman tag myimage:latest {host}/myproject/myimage:latest")
        );
        let private = podman_commands("r.example.com", &Trust::PrivateCa, &image);
        assert!(!private.insecure && !private.login.contains("tls-verify"));
        assert_eq!(
            private.trust_ca.as_deref(),
            Some(
                "sudo mkdir -p /etc/containers/certs.d/r.example.com && sudo cp ca.crt /etc/containers/certs.d/r.example.com/ca.crt"
            )
        );
        let issued = podman_commands("r.example.com", &Trust::IssuedCa, &image);
        assert!(!issued.login.contains("tls-verify"));
        assert!(issued.trust_ca.is_none());
        assert_eq!(
            generated_host("public", "apps.example.com"),
            "public-openshift-image-registry.apps.example.com"
        );
    }

    #[test]
    fn a_hostile_host_is_one_quoted_word() {
        let host = "r.example.com$(touch${IFS}/tmp/x)";
        let commands = podman_commands(host, &Trust::IngressDefault, &ImageTarget::default());
        assert!(
            commands
                .login
                .ends_with("--tls-verify=false 'r.example.com$(touch${IFS}/tmp/x)'"),
            "{}",
            commands.login
        );
        assert!(
            commands
                .push
                .ends_with("'r.example.com$(touch${IFS}/tmp/x)/myproject/myimage:latest'")
        );
    }

    #[test]
    fn image_names_come_from_the_query_and_are_checked() {
        let query = |name: &str| match name {
            "project" => Some("team-a".to_string()),
            "tag" => Some("  ".to_string()),
            "image" => Some("Bad Name".to_string()),
            _ => None,
        };
        let image = ImageTarget::from_query(query);
        assert_eq!(image.project, "team-a");
        assert_eq!(image.tag, "latest", "an empty value keeps the default");
        assert_eq!(
            image.problems(),
            vec![("image", "exposure.image.image_invalid")]
        );
        assert!(ImageTarget::default().problems().is_empty());
    }
}
