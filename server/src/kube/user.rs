//! Kubernetes clients that act as the signed-in user, never as the console.
//!
//! - **token** mode: the user's ID token is the bearer token (the API server trusts the
//!   issuer). The console's own credentials are dropped entirely, not merged.
//! - **impersonate** mode: the console's credentials plus `Impersonate-User` and
//!   `Impersonate-Group` from the verified ID token, for API servers that do not trust
//!   the issuer. The console's service account needs only the `impersonate` verb.
//!
//! Building a client builds a TLS stack, so clients are cached per identity and token, and
//! dropped when the token expires. Permission answers (SelfSubjectAccessReview) are cached
//! per identity for a short time, so a page full of buttons costs one batch.

use super::deadline::exceeded;
use crate::auth::session::SignedIn;
use crate::config::{KubeAuthMode, KubeSettings};
use crate::http::metrics::Metrics;
use app::api::error::ConsoleError;
use app::api::ports::{BoxFuture, ClusterAccess};
use app::domain::access::{AccessCheck, AccessDecision};
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use kube::config::AuthInfo;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long the API server's permission answers are reused for one user.
pub const ACCESS_CACHE_TTL: Duration = Duration::from_secs(30);
/// Upper bound on cached clients; beyond it the cache is cleared (rebuilt on demand).
const MAX_CACHED_CLIENTS: usize = 1000;

type Key = [u8; 32];
/// Permission answers per user and set of questions (its hash), with when they were given:
/// each page asks its own set, and one must not evict another's.
type DecisionCache = Arc<Mutex<HashMap<(Key, u64), (Instant, Vec<AccessDecision>)>>>;

fn checks_hash(checks: &[AccessCheck]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    checks.hash(&mut hasher);
    hasher.finish()
}

pub struct UserClients {
    base: kube::Config,
    /// `kube.request_timeout`, for each user's client.
    request_timeout: Duration,
    mode: KubeAuthMode,
    username_claim: String,
    prefix: String,
    /// Token mode: the API server's prefix for this issuer's users and groups.
    username_prefix: String,
    metrics: Metrics,
    clients: Mutex<HashMap<Key, (kube::Client, i64)>>,
    decisions: DecisionCache,
}

/// The identity headers for impersonate mode: user name and groups, prefixed.
pub fn impersonation(
    user: &SignedIn,
    username_claim: &str,
    prefix: &str,
) -> Result<(String, Vec<String>), String> {
    let identity = &user.identity;
    // Not `email`: the console does not see whether the provider verified it.
    let name = match username_claim {
        "sub" => Some(identity.subject.clone()),
        "preferred_username" => identity.preferred_username.clone(),
        other => {
            return Err(format!(
                "kube.impersonation_username_claim: `{other}` is not sub or preferred_username"
            ));
        }
    }
    .filter(|n| !n.is_empty())
    .ok_or_else(|| format!("the ID token has no `{username_claim}` claim to impersonate"))?;
    let user_name = format!("{prefix}{name}");
    let groups: Vec<String> = identity
        .groups
        .iter()
        .map(|g| format!("{prefix}{g}"))
        .collect();
    // `system:` names are Kubernetes' own (system:masters, system:serviceaccount:…); an
    // identity provider must never be able to hand them out through the console.
    if let Some(reserved) = std::iter::once(&user_name)
        .chain(groups.iter())
        .find(|n| n.starts_with("system:"))
    {
        return Err(format!(
            "refusing to impersonate the reserved Kubernetes name `{reserved}`; set kube.impersonation_prefix"
        ));
    }
    Ok((user_name, groups))
}

impl UserClients {
    pub fn new(base: kube::Config, settings: &KubeSettings, metrics: Metrics) -> Self {
        UserClients {
            base,
            request_timeout: settings.request_timeout,
            mode: settings.auth_mode,
            username_claim: settings.impersonation_username_claim.clone(),
            prefix: settings.impersonation_prefix.clone(),
            username_prefix: settings.username_prefix.clone(),
            metrics,
            clients: Mutex::new(HashMap::new()),
            decisions: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// The names the API server knows `user` by: the user names a binding may list them
    /// under and their groups, each exactly (with the mode's prefix), never a part of one.
    pub fn api_names(&self, user: &SignedIn) -> (Vec<String>, Vec<String>) {
        match self.mode {
            KubeAuthMode::Impersonate => {
                match impersonation(user, &self.username_claim, &self.prefix) {
                    Ok((name, groups)) => (vec![name], groups),
                    Err(_) => (Vec::new(), Vec::new()),
                }
            }
            KubeAuthMode::Token => {
                // Which claim the API server takes as the name is its own setting: either.
                let identity = &user.identity;
                let p = &self.username_prefix;
                let mut names = vec![format!("{p}{}", identity.subject)];
                names.extend(
                    identity
                        .preferred_username
                        .iter()
                        .map(|n| format!("{p}{n}")),
                );
                names.dedup();
                let groups = identity.groups.iter().map(|g| format!("{p}{g}")).collect();
                (names, groups)
            }
        }
    }

    /// The configuration a user's requests use; never the console's own identity alone.
    pub fn config_for(&self, user: &SignedIn) -> Result<kube::Config, String> {
        let mut config = self.base.clone();
        match self.mode {
            KubeAuthMode::Token => {
                if user.tokens.id_token.is_empty() {
                    return Err("the session has no ID token".into());
                }
                // Replace, not merge: no client certificate, exec plugin or token of the
                // console's may come along.
                config.auth_info = AuthInfo {
                    token: Some(user.tokens.id_token.clone().into()),
                    ..AuthInfo::default()
                };
            }
            KubeAuthMode::Impersonate => {
                let (name, groups) = impersonation(user, &self.username_claim, &self.prefix)?;
                config.auth_info.impersonate = Some(name);
                config.auth_info.impersonate_groups = Some(groups);
                config.auth_info.impersonate_uid = None;
                config.auth_info.impersonate_user_extra = None;
            }
        }
        Ok(config)
    }

    fn key(user: &SignedIn) -> Key {
        let mut hash = Sha256::new();
        hash.update(user.identity.subject.as_bytes());
        hash.update([0]);
        hash.update(user.tokens.id_token.as_bytes());
        hash.finalize().into()
    }

    /// A client acting as `user` (cached until their token expires).
    pub fn client_for(&self, user: &SignedIn) -> Result<kube::Client, String> {
        let key = Self::key(user);
        let now = crate::auth::now_secs();
        if let Ok(mut clients) = self.clients.lock() {
            clients.retain(|_, (_, expires)| *expires > now);
            if let Some((client, _)) = clients.get(&key) {
                return Ok(client.clone());
            }
        }
        let config = self.config_for(user)?;
        let client = super::connect::build_client(config, self.request_timeout, &self.metrics)?;
        if let Ok(mut clients) = self.clients.lock() {
            if clients.len() >= MAX_CACHED_CLIENTS {
                clients.clear();
            }
            clients.insert(key, (client.clone(), user.tokens.expires_at));
        }
        Ok(client)
    }

    /// The cluster as `user`, for server functions.
    pub fn access_for(&self, user: &SignedIn) -> Result<Arc<dyn ClusterAccess>, String> {
        Ok(Arc::new(UserCluster {
            client: self.client_for(user)?,
            key: Self::key(user),
            decisions: self.decisions.clone(),
        }))
    }
}

/// One user's view of the cluster.
pub struct UserCluster {
    client: kube::Client,
    key: Key,
    decisions: DecisionCache,
}

/// The API server's error as the user should see it: its own status and message, the
/// call that timed out, or why it cannot be reached.
pub fn console_error(e: kube::Error) -> ConsoleError {
    if let Some(deadline) = exceeded(&e) {
        return ConsoleError::Unavailable(deadline.to_string());
    }
    match e {
        kube::Error::Api(status) => ConsoleError::Kubernetes {
            code: status.code,
            message: status.message,
        },
        other => {
            ConsoleError::Unavailable(format!("the Kubernetes API cannot be reached: {other}"))
        }
    }
}

/// A part of a page that could not be read: a 403 says which permission it takes (in
/// `oc`'s words: `list rolebindings in all namespaces`), anything else why it failed.
pub fn panel_problem(e: ConsoleError, permission: &str) -> app::domain::overview::PanelProblem {
    use app::domain::overview::PanelProblem;
    match e {
        ConsoleError::Kubernetes { code: 403, message } => PanelProblem::Forbidden {
            permission: permission.to_string(),
            reason: Some(message),
        },
        other => PanelProblem::Unavailable(other.to_string()),
    }
}

fn review_for(check: &AccessCheck) -> SelfSubjectAccessReview {
    let (resource, subresource) = match check.resource.split_once('/') {
        Some((r, s)) => (r.to_string(), Some(s.to_string())),
        None => (check.resource.clone(), None),
    };
    SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                verb: Some(check.verb.clone()),
                group: Some(check.group.clone()),
                resource: Some(resource),
                subresource,
                namespace: check.namespace.clone(),
                name: check.name.clone(),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    }
}

impl UserCluster {
    async fn ask(&self, checks: Vec<AccessCheck>) -> Result<Vec<AccessDecision>, ConsoleError> {
        let key = (self.key, checks_hash(&checks));
        if let Ok(cache) = self.decisions.lock()
            && let Some((at, decisions)) = cache.get(&key)
            && at.elapsed() < ACCESS_CACHE_TTL
            && decisions.iter().map(|d| &d.check).eq(checks.iter())
        {
            return Ok(decisions.clone());
        }
        let api: kube::Api<SelfSubjectAccessReview> = kube::Api::all(self.client.clone());
        let requests = checks.iter().map(|check| {
            let api = api.clone();
            let review = review_for(check);
            async move { api.create(&Default::default(), &review).await }
        });
        let answers = futures::future::join_all(requests).await;
        let mut decisions = Vec::with_capacity(checks.len());
        for (check, answer) in checks.into_iter().zip(answers) {
            let status = answer.map_err(console_error)?.status;
            let allowed = status.as_ref().is_some_and(|s| s.allowed);
            let reason = status.and_then(|s| s.reason).filter(|r| !r.is_empty());
            decisions.push(AccessDecision {
                check,
                allowed,
                reason,
            });
        }
        if let Ok(mut cache) = self.decisions.lock() {
            cache.retain(|_, (at, _)| at.elapsed() < ACCESS_CACHE_TTL);
            cache.insert(key, (Instant::now(), decisions.clone()));
        }
        Ok(decisions)
    }
}

impl ClusterAccess for UserCluster {
    fn review(
        &self,
        checks: Vec<AccessCheck>,
    ) -> BoxFuture<'_, Result<Vec<AccessDecision>, ConsoleError>> {
        Box::pin(self.ask(checks))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> SignedIn {
        crate::auth::session::sample_signed_in()
    }

    fn settings(mode: KubeAuthMode) -> KubeSettings {
        KubeSettings {
            kubeconfig: None,
            context: None,
            in_cluster: false,
            auth_mode: mode,
            impersonation_username_claim: "sub".into(),
            impersonation_prefix: "oidc:".into(),
            username_prefix: String::new(),
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(15),
        }
    }

    fn console_config() -> kube::Config {
        let mut config = kube::Config::new("https://127.0.0.1:6443".parse().expect("url"));
        config.auth_info.token = Some("console-own-token".to_string().into());
        config.auth_info.client_certificate_data = Some("cert".into());
        config
    }

    #[test]
    fn token_mode_replaces_the_consoles_credentials() {
        let clients = UserClients::new(
            console_config(),
            &settings(KubeAuthMode::Token),
            Metrics::new(),
        );
        let config = clients.config_for(&user()).expect("config");
        use secrecy::ExposeSecret;
        let token = config.auth_info.token.as_ref().expect("token");
        assert_eq!(token.expose_secret(), "id-token");
        assert!(config.auth_info.client_certificate_data.is_none());
        assert!(config.auth_info.impersonate.is_none());
    }

    #[test]
    fn token_mode_refuses_a_session_without_a_token() {
        let clients = UserClients::new(
            console_config(),
            &settings(KubeAuthMode::Token),
            Metrics::new(),
        );
        let mut u = user();
        u.tokens.id_token.clear();
        assert!(clients.config_for(&u).is_err());
    }

    #[test]
    fn impersonate_mode_adds_user_and_prefixed_groups() {
        let clients = UserClients::new(
            console_config(),
            &settings(KubeAuthMode::Impersonate),
            Metrics::new(),
        );
        let config = clients.config_for(&user()).expect("config");
        assert_eq!(config.auth_info.impersonate.as_deref(), Some("oidc:viewer"));
        assert_eq!(
            config.auth_info.impersonate_groups,
            Some(vec!["oidc:registry-viewers".to_string()])
        );
    }

    #[test]
    fn impersonation_never_runs_without_a_user_name() {
        let mut u = user();
        assert_eq!(
            impersonation(&u, "preferred_username", "").expect("ok").0,
            "vera"
        );
        assert!(
            impersonation(&u, "email", "").is_err(),
            "email is not trusted"
        );
        let mut masters = user();
        masters.identity.groups.push("system:masters".into());
        assert!(impersonation(&masters, "sub", "").is_err());
        assert!(
            impersonation(&masters, "sub", "oidc:").is_ok(),
            "prefixed, it is harmless"
        );
        let mut sa = user();
        sa.identity.subject = "system:serviceaccount:kube-system:default".into();
        assert!(impersonation(&sa, "sub", "").is_err());
        u.identity.subject.clear();
        assert!(impersonation(&u, "sub", "").is_err(), "empty subject");
        assert!(impersonation(&u, "name", "").is_err(), "unsupported claim");
    }

    #[test]
    fn reviews_split_subresources() {
        let check = AccessCheck {
            action_key: "k".into(),
            verb: "get".into(),
            group: "".into(),
            resource: "pods/log".into(),
            namespace: Some("ns".into()),
            name: None,
        };
        let review = review_for(&check);
        let attrs = review.spec.resource_attributes.expect("attrs");
        assert_eq!(attrs.resource.as_deref(), Some("pods"));
        assert_eq!(attrs.subresource.as_deref(), Some("log"));
    }
}
