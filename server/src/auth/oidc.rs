//! The OIDC relying party: discovery, the authorization request (PKCE S256, state, nonce),
//! the code exchange, ID token verification, refresh and the end-session URL.
//!
//! Discovery is lazy and retried, so the console starts (and explains what is missing) when
//! the provider is down; it is repeated when a token's signature does not verify, since
//! that is what a key rotation at the provider looks like.

use super::AuthError;
use crate::config::OidcSettings;
use chrono::{DateTime, Utc};
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType,
    CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreRevocableToken, CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EmptyExtraTokenFields,
    EndSessionUrl, EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenFields, IdTokenVerifier,
    IssuerUrl, LogoutRequest, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier,
    PostLogoutRedirectUrl, ProviderMetadataWithLogout, RedirectUrl, RefreshToken, Scope,
    StandardErrorResponse, StandardTokenResponse, TokenResponse,
};
use serde::{Deserialize, Serialize};
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::RwLock;

/// Start of the message of a signature failure (the one a key rotation causes).
const SIGNATURE_PREFIX: &str = "signature does not verify: ";

/// Claims beyond the standard ones, kept as JSON so the groups claim can be configured.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct ExtraClaims {
    #[serde(flatten)]
    pub claims: serde_json::Map<String, serde_json::Value>,
}

impl AdditionalClaims for ExtraClaims {}

type TokenFields = IdTokenFields<
    ExtraClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type TokenResponseWithClaims = StandardTokenResponse<TokenFields, CoreTokenType>;
pub type IdToken = openidconnect::IdToken<
    ExtraClaims,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type Client = openidconnect::Client<
    ExtraClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    TokenResponseWithClaims,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Who signed in, from a verified ID token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub subject: String,
    pub name: String,
    pub preferred_username: Option<String>,
    pub email: Option<String>,
    pub groups: Vec<String>,
}

/// Tokens of a signed-in user; they stay in the server-side session (no `Debug`, so they
/// cannot end up in a log line by accident).
#[derive(Clone, Serialize, Deserialize)]
pub struct Tokens {
    pub id_token: String,
    pub refresh_token: Option<String>,
    /// Unix seconds when the ID token expires (the API server rejects it after that).
    pub expires_at: i64,
}

/// What the browser is sent to the provider with, and what the callback must match.
#[derive(Clone, Serialize, Deserialize)]
pub struct AuthorizationStart {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

struct Discovered {
    client: Client,
    end_session: Option<EndSessionUrl>,
    at: Instant,
}

/// The relying party for one configured issuer.
pub struct OidcProvider {
    issuer: IssuerUrl,
    client_id: ClientId,
    client_secret: Option<ClientSecret>,
    redirect_url: RedirectUrl,
    post_logout_url: PostLogoutRedirectUrl,
    scopes: Vec<String>,
    groups_claim: String,
    algs: Vec<CoreJwsSigningAlgorithm>,
    http: reqwest::Client,
    discovered: RwLock<Option<Arc<Discovered>>>,
}

/// Signature algorithms by their JOSE names; `none` is not among them.
pub fn parse_alg(name: &str) -> Option<CoreJwsSigningAlgorithm> {
    use CoreJwsSigningAlgorithm as A;
    Some(match name {
        "RS256" => A::RsaSsaPkcs1V15Sha256,
        "RS384" => A::RsaSsaPkcs1V15Sha384,
        "RS512" => A::RsaSsaPkcs1V15Sha512,
        "PS256" => A::RsaSsaPssSha256,
        "PS384" => A::RsaSsaPssSha384,
        "PS512" => A::RsaSsaPssSha512,
        "ES256" => A::EcdsaP256Sha256,
        "ES384" => A::EcdsaP384Sha384,
        "EdDSA" => A::EdDsa,
        _ => return None,
    })
}

impl OidcProvider {
    /// Checks the settings; reaches nothing yet (see [`OidcProvider::discover`]).
    pub fn new(settings: &OidcSettings, public_url: &str) -> Result<Option<Self>, String> {
        let (Some(issuer), Some(client_id)) = (&settings.issuer_url, &settings.client_id) else {
            return Ok(None);
        };
        let issuer = IssuerUrl::new(issuer.clone()).map_err(|e| format!("oidc.issuer_url: {e}"))?;
        let client_secret = match &settings.client_secret_file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    format!(
                        "oidc.client_secret_file: cannot read {}: {e}",
                        path.display()
                    )
                })?;
                let secret = text.trim().to_string();
                if secret.is_empty() {
                    return Err(format!(
                        "oidc.client_secret_file: {} is empty",
                        path.display()
                    ));
                }
                Some(ClientSecret::new(secret))
            }
            None => None,
        };
        let redirect_url = RedirectUrl::new(format!("{public_url}/auth/callback"))
            .map_err(|e| format!("public_url: {e}"))?;
        let post_logout_url = PostLogoutRedirectUrl::new(format!("{public_url}/signed-out"))
            .map_err(|e| format!("public_url: {e}"))?;
        let mut algs = Vec::new();
        for name in &settings.signing_algs {
            algs.push(parse_alg(name).ok_or_else(|| {
                format!(
                    "oidc.signing_algs: `{name}` is not a supported algorithm (RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA)"
                )
            })?);
        }
        if algs.is_empty() {
            return Err("oidc.signing_algs: at least one algorithm is needed".into());
        }
        let mut http = reqwest::Client::builder()
            // The provider's redirects are never followed: a token endpoint that redirects
            // is misconfigured or hostile (SSRF).
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10));
        if let Some(path) = &settings.ca_file {
            let pem = std::fs::read(path)
                .map_err(|e| format!("oidc.ca_file: cannot read {}: {e}", path.display()))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                format!("oidc.ca_file: {} is not a PEM bundle: {e}", path.display())
            })?;
            if certs.is_empty() {
                return Err(format!(
                    "oidc.ca_file: {} holds no certificate",
                    path.display()
                ));
            }
            http = http.tls_built_in_root_certs(false);
            for cert in certs {
                http = http.add_root_certificate(cert);
            }
        }
        let http = http.build().map_err(|e| format!("OIDC HTTP client: {e}"))?;
        Ok(Some(OidcProvider {
            issuer,
            client_id: ClientId::new(client_id.clone()),
            client_secret,
            redirect_url,
            post_logout_url,
            scopes: settings.scopes.clone(),
            groups_claim: settings.groups_claim.clone(),
            algs,
            http,
            discovered: RwLock::new(None),
        }))
    }

    pub fn issuer(&self) -> &str {
        self.issuer.as_str()
    }

    /// The provider's metadata and keys, fetched once and again after `max_age`.
    async fn discovered(&self, max_age: Option<Duration>) -> Result<Arc<Discovered>, AuthError> {
        if let Some(found) = self.discovered.read().await.as_ref()
            && max_age.is_none_or(|age| found.at.elapsed() < age)
        {
            return Ok(found.clone());
        }
        let metadata = ProviderMetadataWithLogout::discover_async(self.issuer.clone(), &self.http)
            .await
            .map_err(|e| {
                AuthError::Unavailable(format!("OIDC discovery at {}: {e}", self.issuer.as_str()))
            })?;
        let end_session = metadata.additional_metadata().end_session_endpoint.clone();
        let client = Client::from_provider_metadata(
            metadata,
            self.client_id.clone(),
            self.client_secret.clone(),
        )
        .set_redirect_uri(self.redirect_url.clone());
        let found = Arc::new(Discovered {
            client,
            end_session,
            at: Instant::now(),
        });
        *self.discovered.write().await = Some(found.clone());
        Ok(found)
    }

    /// Fetches the provider's metadata now (for readiness and start-up logs).
    pub async fn discover(&self) -> Result<(), AuthError> {
        self.discovered(None).await.map(|_| ())
    }

    /// The URL to send the browser to, with fresh state, nonce and PKCE verifier.
    pub async fn start(&self) -> Result<AuthorizationStart, AuthError> {
        let discovered = self.discovered(None).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = discovered.client.authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        );
        for scope in self.scopes.iter().filter(|s| s.as_str() != "openid") {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        Ok(AuthorizationStart {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Exchanges the code (with the PKCE verifier) and verifies the ID token against the
    /// nonce of the sign-in that started it.
    pub async fn finish(
        &self,
        code: &str,
        pkce_verifier: &str,
        nonce: &str,
    ) -> Result<(Identity, Tokens), AuthError> {
        let discovered = self.discovered(None).await?;
        let response = discovered
            .client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| AuthError::Unavailable(format!("token endpoint: {e}")))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()))
            .request_async(&self.http)
            .await
            .map_err(token_error)?;
        let id_token = response
            .id_token()
            .ok_or_else(|| AuthError::TokenInvalid("the token response has no ID token".into()))?
            .clone();
        let expected = Nonce::new(nonce.to_string());
        let (identity, expires_at) = self
            .verify_with_rediscovery(&id_token, Some(&expected), Utc::now())
            .await?;
        let tokens = Tokens {
            expires_at,
            id_token: id_token.to_string(),
            refresh_token: response.refresh_token().map(|t| t.secret().clone()),
        };
        Ok((identity, tokens))
    }

    /// New tokens from the refresh token. The new ID token must be for the same subject.
    pub async fn refresh(
        &self,
        refresh_token: &str,
        subject: &str,
    ) -> Result<(Identity, Tokens), AuthError> {
        let discovered = self.discovered(None).await?;
        let token = RefreshToken::new(refresh_token.to_string());
        let response = discovered
            .client
            .exchange_refresh_token(&token)
            .map_err(|e| AuthError::Unavailable(format!("token endpoint: {e}")))?
            .request_async(&self.http)
            .await
            .map_err(token_error)?;
        let id_token = response
            .id_token()
            .ok_or_else(|| AuthError::TokenInvalid("the refresh response has no ID token".into()))?
            .clone();
        // Refreshed ID tokens carry no nonce (OIDC Core §12.2).
        let (identity, expires_at) = self
            .verify_with_rediscovery(&id_token, None, Utc::now())
            .await?;
        if identity.subject != subject {
            return Err(AuthError::TokenInvalid(
                "the refreshed ID token is for another subject".into(),
            ));
        }
        let tokens = Tokens {
            expires_at,
            id_token: id_token.to_string(),
            refresh_token: response
                .refresh_token()
                .map(|t| t.secret().clone())
                .or_else(|| Some(refresh_token.to_string())),
        };
        Ok((identity, tokens))
    }

    async fn verify_with_rediscovery(
        &self,
        id_token: &IdToken,
        nonce: Option<&Nonce>,
        now: DateTime<Utc>,
    ) -> Result<(Identity, i64), AuthError> {
        let discovered = self.discovered(None).await?;
        match self.verify(&discovered.client, id_token, nonce, now) {
            Err(AuthError::TokenInvalid(reason)) if reason.starts_with(SIGNATURE_PREFIX) => {
                // Perhaps the provider rotated its keys: look once more, at most every minute.
                let fresh = self.discovered(Some(Duration::from_secs(60))).await?;
                self.verify(&fresh.client, id_token, nonce, now)
                    .map_err(|_| AuthError::TokenInvalid(reason))
            }
            other => other,
        }
    }

    /// Verifies signature (allowed algorithms only), issuer, audience, expiry and nonce,
    /// as of `now`. `nonce: None` is for refreshed tokens only.
    pub fn verify_token(
        &self,
        id_token: &str,
        nonce: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(Identity, i64), AuthError> {
        let token = IdToken::from_str(id_token)
            .map_err(|e| AuthError::TokenInvalid(format!("not an ID token: {e}")))?;
        let discovered = self
            .discovered
            .try_read()
            .ok()
            .and_then(|d| d.clone())
            .ok_or_else(|| {
                AuthError::Unavailable("the provider has not been discovered yet".into())
            })?;
        let nonce = nonce.map(|n| Nonce::new(n.to_string()));
        self.verify(&discovered.client, &token, nonce.as_ref(), now)
    }

    fn verify(
        &self,
        client: &Client,
        id_token: &IdToken,
        nonce: Option<&Nonce>,
        now: DateTime<Utc>,
    ) -> Result<(Identity, i64), AuthError> {
        let verifier = restricted(client.id_token_verifier(), &self.algs, now);
        verified_identity(&verifier, id_token, nonce, &self.groups_claim)
    }

    /// Where to send the browser after the local session is gone: the provider's
    /// end-session endpoint when it has one (RP-initiated logout), else `None`. No
    /// `id_token_hint`: the ID token can be the user's Kubernetes credential, and a URL
    /// ends up in browser history and logs; `client_id` identifies the console instead.
    pub async fn end_session_url(&self) -> Option<String> {
        let discovered = self.discovered(None).await.ok()?;
        let endpoint = discovered.end_session.clone()?;
        let request = LogoutRequest::from(endpoint)
            .set_client_id(self.client_id.clone())
            .set_post_logout_redirect_uri(self.post_logout_url.clone());
        Some(request.http_get_url().to_string())
    }
}

/// The provider's refusal (a used or revoked code or token) is definitive; not reaching
/// it, or an answer that does not parse, may pass.
fn token_error<RE: std::error::Error + 'static, T: openidconnect::ErrorResponse + 'static>(
    e: openidconnect::RequestTokenError<RE, T>,
) -> AuthError {
    match e {
        openidconnect::RequestTokenError::ServerResponse(_) => AuthError::Exchange(e.to_string()),
        other => AuthError::Unavailable(format!("token endpoint: {other}")),
    }
}

/// Accept only `algs` (the provider's advertised list is not a policy) and judge expiry as
/// of `now`.
fn restricted<'a>(
    verifier: IdTokenVerifier<'a, CoreJsonWebKey>,
    algs: &[CoreJwsSigningAlgorithm],
    now: DateTime<Utc>,
) -> IdTokenVerifier<'a, CoreJsonWebKey> {
    verifier
        .set_allowed_algs(algs.to_vec())
        .set_time_fn(move || now)
}

/// Checks signature, issuer, audience, expiry and (for sign-in, not refresh) the nonce,
/// then reads who the user is. No I/O: the keys are in `verifier`.
fn verified_identity(
    verifier: &IdTokenVerifier<'_, CoreJsonWebKey>,
    id_token: &IdToken,
    nonce: Option<&Nonce>,
    groups_claim: &str,
) -> Result<(Identity, i64), AuthError> {
    let claims = match nonce {
        Some(expected) => id_token.claims(verifier, expected),
        None => id_token.claims(verifier, |_: Option<&Nonce>| Ok(())),
    }
    .map_err(|e| match e {
        openidconnect::ClaimsVerificationError::SignatureVerification(inner) => {
            AuthError::TokenInvalid(format!("{SIGNATURE_PREFIX}{inner}"))
        }
        other => AuthError::TokenInvalid(other.to_string()),
    })?;
    let subject = claims.subject().as_str().to_string();
    let preferred_username = claims.preferred_username().map(|u| u.as_str().to_string());
    let name = claims
        .name()
        .and_then(|n| n.get(None))
        .map(|n| n.as_str().to_string())
        .or_else(|| preferred_username.clone())
        .unwrap_or_else(|| subject.clone());
    let groups = match claims.additional_claims().claims.get(groups_claim) {
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .filter_map(|g| g.as_str().map(str::to_string))
            .collect(),
        Some(serde_json::Value::String(one)) => vec![one.clone()],
        _ => Vec::new(),
    };
    let identity = Identity {
        subject,
        name,
        preferred_username,
        email: claims.email().map(|e| e.as_str().to_string()),
        groups,
    };
    Ok((identity, claims.expiration().timestamp()))
}

#[cfg(test)]
mod tests {
    //! Forged tokens against the verifier: each case changes one thing about an otherwise
    //! valid token and must be refused.
    use super::*;
    use base64::Engine;
    use openidconnect::core::{CoreHmacKey, CoreRsaPrivateSigningKey};
    use openidconnect::{
        Audience, EndUserName, JsonWebKeyId, JsonWebKeySet, LocalizedClaim, PrivateSigningKey,
        StandardClaims, SubjectIdentifier,
    };

    const ISSUER: &str = "https://idp.example.com";
    const CLIENT: &str = "registry-console";
    const SECRET: &str = "client-secret-of-sixteen-plus";
    const NONCE: &str = "the-nonce";

    fn key(pem: &str) -> CoreRsaPrivateSigningKey {
        CoreRsaPrivateSigningKey::from_pem(pem, Some(JsonWebKeyId::new("k1".into()))).expect("key")
    }
    fn key_a() -> CoreRsaPrivateSigningKey {
        key(include_str!("testdata/test-key-a.pem"))
    }
    fn key_b() -> CoreRsaPrivateSigningKey {
        key(include_str!("testdata/test-key-b.pem"))
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).expect("time")
    }

    struct Claims {
        issuer: String,
        audience: String,
        expires: DateTime<Utc>,
        nonce: Option<String>,
    }

    fn good() -> Claims {
        Claims {
            issuer: ISSUER.into(),
            audience: CLIENT.into(),
            expires: now() + chrono::Duration::minutes(10),
            nonce: Some(NONCE.into()),
        }
    }

    fn claims(c: &Claims) -> openidconnect::IdTokenClaims<ExtraClaims, CoreGenderClaim> {
        let mut extra = serde_json::Map::new();
        extra.insert(
            "groups".into(),
            serde_json::json!(["registry-admins", "ops"]),
        );
        let mut name = LocalizedClaim::new();
        name.insert(None, EndUserName::new("Ada Admin".into()));
        let mut claims = openidconnect::IdTokenClaims::new(
            IssuerUrl::new(c.issuer.clone()).expect("issuer"),
            vec![Audience::new(c.audience.clone())],
            c.expires,
            now() - chrono::Duration::minutes(1),
            StandardClaims::new(SubjectIdentifier::new("admin".into())).set_name(Some(name)),
            ExtraClaims { claims: extra },
        );
        if let Some(n) = &c.nonce {
            claims = claims.set_nonce(Some(Nonce::new(n.clone())));
        }
        claims
    }

    fn signed(c: &Claims, signer: &CoreRsaPrivateSigningKey) -> IdToken {
        IdToken::new(
            claims(c),
            signer,
            CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
            None,
            None,
        )
        .expect("sign")
    }

    fn check(
        token: &IdToken,
        nonce: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(Identity, i64), AuthError> {
        let jwks = JsonWebKeySet::new(vec![key_a().as_verification_key()]);
        let verifier = IdTokenVerifier::new_confidential_client(
            ClientId::new(CLIENT.into()),
            ClientSecret::new(SECRET.into()),
            IssuerUrl::new(ISSUER.into()).expect("issuer"),
            jwks,
        )
        // As permissive as a provider advertising every algorithm: the restriction must
        // come from `restricted`.
        .allow_any_alg();
        let algs = [
            parse_alg("RS256").expect("alg"),
            parse_alg("ES256").expect("alg"),
        ];
        let verifier = restricted(verifier, &algs, at);
        let nonce = nonce.map(|n| Nonce::new(n.into()));
        verified_identity(&verifier, token, nonce.as_ref(), "groups")
    }

    fn refused(result: Result<(Identity, i64), AuthError>, why: &str) {
        match result {
            Err(AuthError::TokenInvalid(_)) => {}
            other => panic!("{why}: expected a refusal, got {other:?}"),
        }
    }

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    /// The payload of `token` under another header and signature.
    fn reassembled(token: &IdToken, header: &str, signature: &str) -> IdToken {
        let text = token.to_string();
        let payload = text.split('.').nth(1).expect("payload");
        IdToken::from_str(&format!("{}.{payload}.{signature}", b64(header.as_bytes())))
            .expect("parses")
    }

    #[test]
    fn a_valid_token_gives_the_identity() {
        let (identity, expires) =
            check(&signed(&good(), &key_a()), Some(NONCE), now()).expect("valid");
        assert_eq!(identity.subject, "admin");
        assert_eq!(identity.name, "Ada Admin");
        assert_eq!(identity.groups, vec!["registry-admins", "ops"]);
        assert_eq!(expires, (now() + chrono::Duration::minutes(10)).timestamp());
    }

    #[test]
    fn wrong_nonce_is_refused() {
        refused(
            check(&signed(&good(), &key_a()), Some("another"), now()),
            "wrong nonce",
        );
        let no_nonce = Claims {
            nonce: None,
            ..good()
        };
        refused(
            check(&signed(&no_nonce, &key_a()), Some(NONCE), now()),
            "missing nonce",
        );
    }

    #[test]
    fn wrong_audience_is_refused() {
        let c = Claims {
            audience: "another-client".into(),
            ..good()
        };
        refused(check(&signed(&c, &key_a()), Some(NONCE), now()), "audience");
    }

    #[test]
    fn wrong_issuer_is_refused() {
        let c = Claims {
            issuer: "https://evil.example.com".into(),
            ..good()
        };
        refused(check(&signed(&c, &key_a()), Some(NONCE), now()), "issuer");
        let c = Claims {
            issuer: format!("{ISSUER}/"),
            ..good()
        };
        refused(
            check(&signed(&c, &key_a()), Some(NONCE), now()),
            "issuer with a trailing slash",
        );
    }

    #[test]
    fn expired_token_is_refused() {
        let token = signed(&good(), &key_a());
        refused(
            check(&token, Some(NONCE), now() + chrono::Duration::minutes(11)),
            "expired",
        );
    }

    #[test]
    fn token_signed_by_another_key_is_refused() {
        // Same key id as the trusted key, different key.
        refused(
            check(&signed(&good(), &key_b()), Some(NONCE), now()),
            "other key",
        );
    }

    #[test]
    fn tampered_payload_is_refused() {
        let token = signed(&good(), &key_a()).to_string();
        let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&parts[1])
            .expect("b64");
        let text = String::from_utf8(payload)
            .expect("utf8")
            .replace("\"admin\"", "\"root0\"");
        parts[1] = b64(text.as_bytes());
        let forged = IdToken::from_str(&parts.join(".")).expect("parses");
        refused(check(&forged, Some(NONCE), now()), "tampered");
    }

    #[test]
    fn alg_none_is_refused() {
        let token = signed(&good(), &key_a());
        let none = reassembled(&token, r#"{"alg":"none","kid":"k1"}"#, "");
        refused(check(&none, Some(NONCE), now()), "alg none");
    }

    #[test]
    fn hs256_with_the_client_secret_is_refused() {
        // Algorithm confusion: a token MACed with the (shared) client secret is valid for
        // openidconnect unless the allowed algorithms exclude HS256.
        let hmac = CoreHmacKey::new(SECRET.as_bytes());
        let token = IdToken::new(
            claims(&good()),
            &hmac,
            CoreJwsSigningAlgorithm::HmacSha256,
            None,
            None,
        )
        .expect("sign");
        refused(check(&token, Some(NONCE), now()), "HS256");
    }

    #[test]
    fn unexpected_algorithm_is_refused() {
        let token = IdToken::new(
            claims(&good()),
            &key_a(),
            CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
            None,
            None,
        )
        .expect("sign");
        refused(check(&token, Some(NONCE), now()), "RS512 not allowed");
    }

    #[test]
    fn refresh_verification_skips_the_nonce_only() {
        let token = signed(
            &Claims {
                nonce: None,
                ..good()
            },
            &key_a(),
        );
        assert!(check(&token, None, now()).is_ok());
        refused(
            check(&token, None, now() + chrono::Duration::hours(1)),
            "expired still counts",
        );
    }

    #[test]
    fn algorithm_names() {
        assert!(parse_alg("none").is_none());
        assert!(parse_alg("HS256").is_none());
        assert!(parse_alg("RS256").is_some());
    }
}
