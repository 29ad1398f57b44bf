//! "Test these credentials" (issue: guide chapter 4): a registry v2 login with the typed
//! credentials, from the server (the browser never talks to the registry), with a deadline.
//! It follows the registry's challenge as `podman login` does: `GET /v2/`, then Basic auth
//! on `/v2/` again, or for a Bearer challenge the token endpoint (`realm`) with Basic auth.
//!
//! TLS is verified against the system's roots plus the CAs the cluster trusts for that
//! registry (the CA-trust ConfigMap's `host..port` key), unless the registry is listed as
//! insecure, in which case a TLS failure is retried without verification and then over
//! plain HTTP, as the container runtime does.

use std::time::Duration;

/// What the registry answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoginOutcome {
    Accepted,
    /// The registry asks for no login at all.
    Open,
    Refused(u16),
    Unreachable(String),
    Tls(String),
    /// Anything else (a status or a challenge this test does not follow).
    Unexpected(String),
}

impl LoginOutcome {
    /// The review's message key and its parameter.
    pub fn message(&self) -> (&'static str, String) {
        match self {
            LoginOutcome::Accepted => ("registries.test.accepted", String::new()),
            LoginOutcome::Open => ("registries.test.open", String::new()),
            LoginOutcome::Refused(code) => ("registries.test.refused", code.to_string()),
            LoginOutcome::Unreachable(why) => ("registries.test.unreachable", why.clone()),
            LoginOutcome::Tls(why) => ("registries.test.tls", why.clone()),
            LoginOutcome::Unexpected(why) => ("registries.test.unexpected", why.clone()),
        }
    }
}

/// How long the whole test may take.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// A challenge from `WWW-Authenticate`: its scheme and parameters. Parsed by hand (a few
/// lines): the header's grammar is small and the maintained crates for it are unmaintained
/// or tied to other HTTP stacks.
#[derive(Debug, PartialEq, Eq)]
pub struct Challenge {
    pub scheme: String,
    pub params: Vec<(String, String)>,
}

pub fn parse_challenge(header: &str) -> Option<Challenge> {
    let header = header.trim();
    let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
    if scheme.is_empty() {
        return None;
    }
    let mut params = Vec::new();
    let mut rest = rest.trim();
    while !rest.is_empty() {
        let (key, after) = rest.split_once('=')?;
        let after = after.trim_start();
        let (value, tail) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted.find('"')?;
            (&quoted[..end], &quoted[end + 1..])
        } else {
            after.split_once(',').map_or((after, ""), |(v, t)| (v, t))
        };
        params.push((key.trim().to_ascii_lowercase(), value.to_string()));
        rest = tail.trim_start().trim_start_matches(',').trim_start();
    }
    Some(Challenge {
        scheme: scheme.to_ascii_lowercase(),
        params,
    })
}

fn param<'a>(challenge: &'a Challenge, name: &str) -> Option<&'a str> {
    challenge
        .params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Why a request failed, as the user reads it: TLS problems named as such.
fn failure(e: &reqwest::Error) -> LoginOutcome {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if let Some(tls) = err.downcast_ref::<rustls::Error>() {
            return LoginOutcome::Tls(tls.to_string());
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
            && let Some(tls) = inner.downcast_ref::<rustls::Error>()
        {
            return LoginOutcome::Tls(tls.to_string());
        }
        // The TLS stack's own error type may be another version's than ours: its text.
        if err.to_string().starts_with("invalid peer certificate") {
            return LoginOutcome::Tls(err.to_string());
        }
        source = err.source();
    }
    if e.is_timeout() {
        return LoginOutcome::Unreachable(format!("no answer within {} s", DEADLINE.as_secs()));
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(err) = source {
        text = format!("{text}: {err}");
        source = err.source();
    }
    LoginOutcome::Unreachable(text)
}

fn client(roots: &[Vec<u8>], verify: bool) -> Result<reqwest::Client, LoginOutcome> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .timeout(DEADLINE)
        .redirect(reqwest::redirect::Policy::limited(3))
        .danger_accept_invalid_certs(!verify);
    for pem in roots {
        for cert in reqwest::Certificate::from_pem_bundle(pem).unwrap_or_default() {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder
        .build()
        .map_err(|e| LoginOutcome::Unexpected(e.to_string()))
}

/// One login attempt at `base` (`https://host` or `http://host`).
async fn login_at(
    http: &reqwest::Client,
    base: &str,
    username: &str,
    secret: &str,
) -> LoginOutcome {
    let v2 = format!("{base}/v2/");
    let first = match http.get(&v2).send().await {
        Ok(r) => r,
        Err(e) => return failure(&e),
    };
    let status = first.status().as_u16();
    if status == 200 {
        return LoginOutcome::Open;
    }
    if status != 401 {
        return LoginOutcome::Unexpected(format!("GET /v2/ answered {status}"));
    }
    let challenge = first
        .headers()
        .get(reqwest::header::WWW_AUTHENTICATE)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_challenge);
    let answer = match challenge {
        Some(c) if c.scheme == "basic" => {
            http.get(&v2)
                .basic_auth(username, Some(secret))
                .send()
                .await
        }
        Some(c) if c.scheme == "bearer" => {
            let Some(realm) = param(&c, "realm") else {
                return LoginOutcome::Unexpected("a Bearer challenge without a realm".into());
            };
            let mut query = vec![("account", username.to_string())];
            if let Some(service) = param(&c, "service") {
                query.push(("service", service.to_string()));
            }
            http.get(realm)
                .query(&query)
                .basic_auth(username, Some(secret))
                .send()
                .await
        }
        Some(c) => {
            return LoginOutcome::Unexpected(format!("an authentication scheme `{}`", c.scheme));
        }
        None => return LoginOutcome::Unexpected("a 401 without a challenge".into()),
    };
    match answer {
        Ok(r) if r.status().is_success() => LoginOutcome::Accepted,
        Ok(r) if matches!(r.status().as_u16(), 401 | 403) => {
            LoginOutcome::Refused(r.status().as_u16())
        }
        Ok(r) => LoginOutcome::Unexpected(format!("the login answered {}", r.status().as_u16())),
        Err(e) => failure(&e),
    }
}

/// Logs in to `registry` (`host[:port]`, maybe with a path, which the login ignores) with
/// `username` and `secret`. `roots`: PEM bundles the cluster trusts for it; `insecure`:
/// the registry is in `insecureRegistries`.
pub async fn test_login(
    registry: &str,
    username: &str,
    secret: &str,
    roots: &[Vec<u8>],
    insecure: bool,
) -> LoginOutcome {
    let host = registry.split('/').next().unwrap_or(registry);
    let attempt = async {
        let verified = match client(roots, true) {
            Ok(c) => c,
            Err(e) => return e,
        };
        let outcome = login_at(&verified, &format!("https://{host}"), username, secret).await;
        if !insecure {
            return outcome;
        }
        // As the container runtime treats an insecure registry: TLS without verification,
        // then plain HTTP.
        let outcome = match outcome {
            LoginOutcome::Tls(_) => match client(roots, false) {
                Ok(unverified) => {
                    login_at(&unverified, &format!("https://{host}"), username, secret).await
                }
                Err(e) => e,
            },
            other => other,
        };
        match outcome {
            LoginOutcome::Tls(_) | LoginOutcome::Unreachable(_) | LoginOutcome::Unexpected(_) => {
                login_at(&verified, &format!("http://{host}"), username, secret).await
            }
            other => other,
        }
    };
    tokio::time::timeout(DEADLINE * 2, attempt)
        .await
        .unwrap_or_else(|_| {
            LoginOutcome::Unreachable(format!("no answer within {} s", DEADLINE.as_secs()))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_are_read_as_registries_send_them() {
        assert_eq!(
            parse_challenge(
                r#"Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="registry:catalog:*""#
            ),
            Some(Challenge {
                scheme: "bearer".into(),
                params: vec![
                    ("realm".into(), "https://auth.example.com/token".into()),
                    ("service".into(), "registry.example.com".into()),
                    ("scope".into(), "registry:catalog:*".into()),
                ],
            })
        );
        assert_eq!(
            parse_challenge(r#"Basic realm="openshift""#).map(|c| c.scheme),
            Some("basic".into())
        );
        assert_eq!(parse_challenge("Basic").map(|c| c.params.len()), Some(0));
        assert_eq!(parse_challenge(""), None);
    }
}
