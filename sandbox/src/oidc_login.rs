//! Signs a sandbox user in at the OIDC provider the way a browser would (authorization
//! code + PKCE through the provider's own login form) and returns the tokens. Tests use it
//! to act as the admin, the viewer or the auditor against the real API server.

use crate::{Error, Result};
use base64::Engine;
use sha2::{Digest, Sha256};
use std::path::Path;

#[derive(Clone, Debug, serde::Deserialize)]
pub struct Tokens {
    pub id_token: String,
    pub access_token: String,
    pub refresh_token: Option<String>,
    /// The nonce the sign-in sent (the ID token must carry it).
    #[serde(default)]
    pub nonce: String,
}

#[derive(serde::Deserialize)]
struct Discovery {
    authorization_endpoint: String,
    token_endpoint: String,
}

/// The provider's coordinates as the console would configure them.
#[derive(Clone, Debug)]
pub struct Provider {
    pub issuer: String,
    pub ca_file: std::path::PathBuf,
    pub client_id: String,
    pub client_secret_file: std::path::PathBuf,
    pub redirect_uri: String,
}

fn random_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn http_client(ca_file: &Path) -> Result<reqwest::Client> {
    let ca = std::fs::read(ca_file)?;
    Ok(reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&ca)?)
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()?)
}

/// Signs `username` in and exchanges the code for tokens.
pub async fn sign_in(provider: &Provider, username: &str, password: &str) -> Result<Tokens> {
    let http = http_client(&provider.ca_file)?;
    let discovery: Discovery = http
        .get(format!(
            "{}/.well-known/openid-configuration",
            provider.issuer
        ))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let verifier = random_token();
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));
    let state = random_token();
    let mut url = url::Url::parse(&discovery.authorization_endpoint)
        .map_err(|e| Error::Setup(e.to_string()))?;
    url.query_pairs_mut()
        .append_pair("client_id", &provider.client_id)
        .append_pair("redirect_uri", &provider.redirect_uri)
        .append_pair("response_type", "code")
        .append_pair("scope", "openid profile email groups offline_access")
        .append_pair("prompt", "consent")
        .append_pair("state", &state)
        .append_pair("nonce", &random_token())
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");

    let nonce = url
        .query_pairs()
        .find(|(k, _)| k == "nonce")
        .map(|(_, v)| v.to_string())
        .unwrap_or_default();
    let callback = authorize(
        &http,
        provider,
        url.as_str(),
        &provider.redirect_uri,
        username,
        password,
    )
    .await?;
    let url = url::Url::parse(&callback).map_err(|e| Error::Setup(e.to_string()))?;
    let get = |k: &str| {
        url.query_pairs()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.to_string())
    };
    if get("state").as_deref() != Some(state.as_str()) {
        return Err(Error::Setup("state mismatch at the callback".into()));
    }
    let code =
        get("code").ok_or_else(|| Error::Setup(format!("no code at the callback: {callback}")))?;
    let secret = std::fs::read_to_string(&provider.client_secret_file)?;
    let response = http
        .post(&discovery.token_endpoint)
        .basic_auth(&provider.client_id, Some(secret.trim()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", provider.redirect_uri.as_str()),
            ("code_verifier", verifier.as_str()),
        ])
        .send()
        .await?;
    if !response.status().is_success() {
        return Err(Error::Setup(format!(
            "token endpoint: {}",
            response.text().await?
        )));
    }
    let mut tokens: Tokens = response.json().await?;
    tokens.nonce = nonce;
    Ok(tokens)
}

/// Plays the browser at the provider: follows `authorize_url`, fills in the login form
/// for `username`, and returns the URL the provider finally redirects to (the first one
/// starting with `redirect_prefix`, not fetched). `http` must keep cookies and not follow
/// redirects.
pub async fn authorize(
    http: &reqwest::Client,
    provider: &Provider,
    authorize_url: &str,
    redirect_prefix: &str,
    username: &str,
    password: &str,
) -> Result<String> {
    let mut next = authorize_url.to_string();
    let mut logged_in = false;
    for _ in 0..10 {
        if next.starts_with(redirect_prefix) {
            return Ok(next);
        }
        let response = http.get(&next).send().await?;
        if let Some(location) = response
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
        {
            next = absolute(&provider.issuer, location);
            continue;
        }
        // The login form: post the credentials to the interaction's login route.
        let html = response.text().await?;
        if logged_in {
            return Err(Error::Setup(format!("login for {username} was refused")));
        }
        let action = html
            .split("action=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .ok_or_else(|| Error::Setup("no login form at the provider".into()))?;
        let response = http
            .post(absolute(&provider.issuer, action))
            .form(&[("username", username), ("password", password)])
            .send()
            .await?;
        let location = response
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .ok_or_else(|| {
                Error::Setup(format!(
                    "login for {username} was refused ({})",
                    response.status()
                ))
            })?;
        next = absolute(&provider.issuer, location);
        logged_in = true;
    }
    Err(Error::Setup("too many redirects during sign-in".into()))
}

fn absolute(issuer: &str, location: &str) -> String {
    if location.starts_with("http://") || location.starts_with("https://") {
        location.to_string()
    } else {
        format!("{issuer}{location}")
    }
}
