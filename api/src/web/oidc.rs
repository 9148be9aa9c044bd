//! OpenID Connect sign-in for the web pages: the authorization-code flow with PKCE (RFC 7636, S256),
//! from the client's side. [`OidcClient::discover`] reads the provider's discovery document;
//! [`OidcClient::begin`] makes the authorization URL and a [`PendingLogin`] (state, nonce, PKCE verifier)
//! that the caller keeps in a short-lived signed cookie; [`OidcClient::finish`] checks the returned state
//! and issuer (RFC 9207: the `iss` the provider adds to its answer, which a mix-up attack cannot forge
//! for another provider; required when the discovery document says the provider sends it), exchanges
//! the code at the token endpoint and verifies the ID token with the [`Authenticator`] (same keys,
//! issuer and claim mapping as bearer tokens), then its nonce. Discovery is eager and fails when the
//! provider is down: the server builds the client on the first sign-in (e.g. in a `tokio::sync::OnceCell`)
//! and tries again on the next one, so it starts without the provider. Nothing here sets cookies or
//! renders pages, and no code, token or secret ever goes into an error message.

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::Url;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use sportello_runtime::case::Actor;

use super::return_path::same_site_path;
use crate::auth::{AuthError, Authenticator};
use crate::hooks::Secret;

/// How long one request to the provider may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a sign-in may take between [`OidcClient::begin`] and [`OidcClient::finish`], in seconds.
pub const PENDING_LOGIN_MAX_AGE_SECONDS: i64 = 600;
/// Random bytes in a state, a nonce and a PKCE verifier: 32 bytes make 43 base64url characters.
const RANDOM_BYTES: usize = 32;

/// This service as an OpenID Connect client (relying party). The issuer is `AuthSettings.issuer`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcClientSettings {
    /// The client id registered with the provider; ID tokens must name it in `aud`.
    pub client_id: String,
    /// The client secret, sent with HTTP Basic (`client_secret_basic`); none for a public client.
    #[serde(default)]
    pub client_secret: Option<Secret>,
    /// Where the provider sends the browser back, e.g. `https://sportello.comune.example/auth/callback`.
    pub redirect_url: String,
    /// The scopes asked for; must include `openid`.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// The parameter of the authorization request that tells the provider (an SPID/CIE proxy) which
    /// identity provider to send the visitor to, e.g. `idp_hint` or Keycloak's `kc_idp_hint`; none:
    /// the proxy shows its own choice.
    #[serde(default)]
    pub idp_hint_parameter: Option<String>,
    /// The SPID identity providers the proxy offers, listed under the "Entra con SPID" button.
    #[serde(default)]
    pub spid_providers: Vec<IdentityProvider>,
    /// The hint that sends the visitor to CIE (Carta d'Identità Elettronica) sign-in.
    #[serde(default)]
    pub cie_hint: Option<String>,
}

/// One identity provider the proxy offers: its name as people know it and the hint the proxy reads.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityProvider {
    /// Its name, e.g. "Poste Italiane".
    pub name: String,
    /// What the proxy reads in `idp_hint_parameter` to go to it (often its SAML entity id).
    pub hint: String,
}

impl OidcClientSettings {
    /// `asked` if it is the hint of a configured identity provider (SPID or CIE) and the proxy reads
    /// hints; anything else is ignored, so a link cannot send a visitor to a provider not offered.
    pub fn known_hint<'a>(&self, asked: Option<&'a str>) -> Option<&'a str> {
        let asked = asked?;
        self.idp_hint_parameter.as_ref()?;
        let known = self.spid_providers.iter().any(|p| p.hint == asked) || self.cie_hint.as_deref() == Some(asked);
        known.then_some(asked)
    }
}

fn default_scopes() -> Vec<String> {
    vec!["openid".to_owned()]
}

/// Why sign-in failed. Messages name the reason only; [`code`](OidcError::code) is stable.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// The client settings cannot work.
    #[error("invalid sign-in client settings: {0}")]
    InvalidSettings(&'static str),
    /// The discovery document could not be fetched or read.
    #[error("cannot read the provider's discovery document")]
    Discovery(#[source] reqwest::Error),
    /// The discovery document names another issuer, a bad endpoint, or no S256 PKCE.
    #[error("the provider's discovery document is not usable: {0}")]
    DiscoveryInvalid(&'static str),
    /// The system gave no random bytes.
    #[error("no random bytes for the sign-in request")]
    Random,
    /// The `state` sent back differs from the one kept: another browser's or a forged callback.
    #[error("the sign-in state does not match")]
    StateMismatch,
    /// The answer names another issuer in `iss` (RFC 9207), or none from a provider that says it sends
    /// one: an answer from another provider, sent here by a mix-up attack.
    #[error("the sign-in answer does not come from the configured issuer")]
    IssuerMismatch,
    /// The sign-in began too long ago (or in the future).
    #[error("the sign-in attempt has expired")]
    LoginExpired,
    /// The callback carried no authorization code.
    #[error("the provider sent no authorization code")]
    MissingCode,
    /// The token endpoint could not be reached, or its answer could not be read.
    #[error("cannot exchange the authorization code at the token endpoint")]
    TokenEndpoint(#[source] reqwest::Error),
    /// The token endpoint refused the code, with this OAuth error code (e.g. `invalid_grant`).
    #[error("the token endpoint refused the authorization code: {error}")]
    TokenRefused {
        /// The OAuth error code, or `unknown`.
        error: String,
    },
    /// The token response has no `id_token`.
    #[error("the token response carries no id token")]
    NoIdToken,
    /// The ID token failed verification.
    #[error("the id token is refused")]
    IdToken(#[source] AuthError),
    /// The ID token's nonce is missing or differs from the one sent.
    #[error("the id token's nonce does not match")]
    NonceMismatch,
}

impl OidcError {
    /// The stable kebab-case code of this error, for problem responses and logs.
    pub fn code(&self) -> &'static str {
        match self {
            OidcError::InvalidSettings(_) => "oidc-settings",
            OidcError::Discovery(_) | OidcError::DiscoveryInvalid(_) => "oidc-discovery",
            OidcError::Random => "oidc-random",
            OidcError::StateMismatch => "oidc-state-mismatch",
            OidcError::IssuerMismatch => "oidc-issuer-mismatch",
            OidcError::LoginExpired => "oidc-login-expired",
            OidcError::MissingCode => "oidc-missing-code",
            OidcError::TokenEndpoint(_) | OidcError::TokenRefused { .. } | OidcError::NoIdToken => {
                "oidc-token-exchange"
            }
            OidcError::IdToken(_) => "oidc-id-token",
            OidcError::NonceMismatch => "oidc-nonce-mismatch",
        }
    }
}

/// A sign-in under way, kept by the caller (in a short-lived signed cookie) from `begin` to `finish`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PendingLogin {
    /// The `state` sent to the provider.
    pub state: String,
    /// The `nonce` the ID token must carry.
    pub nonce: String,
    /// The PKCE `code_verifier`.
    pub verifier: String,
    /// The local path to go to once signed in.
    pub return_to: String,
    /// When the sign-in began, in seconds since the Unix epoch.
    pub created_at: i64,
}

impl fmt::Debug for PendingLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingLogin")
            .field("return_to", &self.return_to)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

/// A finished sign-in.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedIn {
    /// Who signed in.
    pub actor: Actor,
    /// Their name and address, as far as the ID token says.
    pub profile: crate::auth::Profile,
    /// The ID token, kept as the `id_token_hint` for [`OidcClient::logout_url`].
    pub id_token: String,
    /// When the ID token expires.
    pub expires_at: jiff::Timestamp,
}

impl fmt::Debug for SignedIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedIn").field("actor", &self.actor).field("expires_at", &self.expires_at).finish()
    }
}

/// What the provider's answer carried to the callback (its query), apart from an error.
#[derive(Debug, Clone, Copy)]
pub struct Answer<'a> {
    /// `state`, as sent back.
    pub state: &'a str,
    /// `iss` (RFC 9207), if the answer carried one.
    pub iss: Option<&'a str>,
    /// `code`, the authorization code.
    pub code: &'a str,
}

/// The provider's endpoints and this client's settings; cheap to clone.
#[derive(Debug, Clone)]
pub struct OidcClient {
    http: reqwest::Client,
    settings: OidcClientSettings,
    authorization_endpoint: Url,
    token_endpoint: Url,
    end_session_endpoint: Option<Url>,
    /// The issuer, as the discovery document names it (the same as the settings').
    issuer: String,
    /// Whether the provider adds `iss` to its answers (RFC 9207), so that one without it is refused.
    iss_required: bool,
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    end_session_endpoint: Option<String>,
    code_challenge_methods_supported: Option<Vec<String>>,
    #[serde(default)]
    authorization_response_iss_parameter_supported: bool,
}

#[derive(Deserialize)]
struct TokenResponse {
    id_token: Option<String>,
}

#[derive(Deserialize)]
struct TokenError {
    error: Option<String>,
}

impl OidcClient {
    /// Reads `{issuer}/.well-known/openid-configuration` and checks it: the same issuer, exactly, and S256
    /// among the PKCE methods when the document lists them.
    pub async fn discover(
        issuer: &str,
        settings: OidcClientSettings,
        http: reqwest::Client,
    ) -> Result<OidcClient, OidcError> {
        check(&settings)?;
        let url = format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/'));
        let request = async { http.get(&url).timeout(REQUEST_TIMEOUT).send().await?.error_for_status()?.json().await };
        let document: Discovery = request.await.map_err(OidcError::Discovery)?;
        if document.issuer != issuer {
            return Err(OidcError::DiscoveryInvalid("it names another issuer"));
        }
        if document.code_challenge_methods_supported.is_some_and(|methods| !methods.iter().any(|m| m == "S256")) {
            return Err(OidcError::DiscoveryInvalid("the provider does not support S256 pkce"));
        }
        let endpoint = |url: &str| Url::parse(url).map_err(|_| OidcError::DiscoveryInvalid("an endpoint is not a url"));
        Ok(OidcClient {
            authorization_endpoint: endpoint(&document.authorization_endpoint)?,
            token_endpoint: endpoint(&document.token_endpoint)?,
            end_session_endpoint: document.end_session_endpoint.as_deref().map(endpoint).transpose()?,
            iss_required: document.authorization_response_iss_parameter_supported,
            issuer: document.issuer,
            http,
            settings,
        })
    }

    /// The URL to send the browser to, and what to keep until it comes back. `return_to` is kept only if
    /// it is a local path (`/cases?page=2`); anything else becomes `/`, so the callback never redirects
    /// off-site.
    /// `idp_hint`, a hint [`OidcClientSettings::known_hint`] accepted, goes out in the settings'
    /// `idp_hint_parameter`.
    pub fn begin(&self, return_to: &str, idp_hint: Option<&str>) -> Result<(String, PendingLogin), OidcError> {
        let pending = PendingLogin {
            state: random_token()?,
            nonce: random_token()?,
            verifier: random_token()?,
            return_to: same_site_path(return_to).to_owned(),
            created_at: jiff::Timestamp::now().as_second(),
        };
        let mut url = self.authorization_endpoint.clone();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.settings.client_id)
            .append_pair("redirect_uri", &self.settings.redirect_url)
            .append_pair("scope", &self.settings.scopes.join(" "))
            .append_pair("state", &pending.state)
            .append_pair("nonce", &pending.nonce)
            .append_pair("code_challenge", &pkce_challenge(&pending.verifier))
            .append_pair("code_challenge_method", "S256");
        if let (Some(parameter), Some(hint)) = (&self.settings.idp_hint_parameter, idp_hint) {
            url.query_pairs_mut().append_pair(parameter, hint);
        }
        Ok((url.into(), pending))
    }

    /// Completes the sign-in begun with `pending`, from the callback's `state`, `iss` (if any) and
    /// `code`: checks the state and the issuer, exchanges the code, verifies the ID token with `auth`
    /// (audience: the client id) and its nonce.
    pub async fn finish(
        &self,
        pending: &PendingLogin,
        answer: Answer<'_>,
        auth: &Authenticator,
    ) -> Result<SignedIn, OidcError> {
        let Answer { state: query_state, iss, code } = answer;
        if pending.state.is_empty() || !same(&pending.state, query_state) {
            return Err(OidcError::StateMismatch);
        }
        let age = jiff::Timestamp::now().as_second() - pending.created_at;
        if !(-60..=PENDING_LOGIN_MAX_AGE_SECONDS).contains(&age) {
            return Err(OidcError::LoginExpired);
        }
        // RFC 9207 2.4: compared as strings, with no normalisation.
        match iss {
            Some(iss) if iss != self.issuer => return Err(OidcError::IssuerMismatch),
            None if self.iss_required => return Err(OidcError::IssuerMismatch),
            _ => {}
        }
        if code.is_empty() {
            return Err(OidcError::MissingCode);
        }
        let id_token = self.exchange(code, &pending.verifier).await?;
        let verified = auth.verify_id_token(&id_token, &self.settings.client_id).await.map_err(OidcError::IdToken)?;
        if !verified.nonce.is_some_and(|nonce| same(&nonce, &pending.nonce)) {
            return Err(OidcError::NonceMismatch);
        }
        Ok(SignedIn { actor: verified.actor, profile: verified.profile, id_token, expires_at: verified.expires_at })
    }

    /// Where to send the browser to sign out at the provider too, when it has an end-session endpoint.
    pub fn logout_url(&self, id_token_hint: &str, post_logout_redirect: Option<&str>) -> Option<String> {
        let mut url = self.end_session_endpoint.clone()?;
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("id_token_hint", id_token_hint).append_pair("client_id", &self.settings.client_id);
            if let Some(redirect) = post_logout_redirect {
                query.append_pair("post_logout_redirect_uri", redirect);
            }
        }
        Some(url.into())
    }

    /// The ID token the token endpoint gives for `code`.
    async fn exchange(&self, code: &str, verifier: &str) -> Result<String, OidcError> {
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &self.settings.redirect_url),
            ("code_verifier", verifier),
            ("client_id", &self.settings.client_id),
        ];
        let mut request = self.http.post(self.token_endpoint.clone()).timeout(REQUEST_TIMEOUT).form(&form);
        if let Some(secret) = &self.settings.client_secret {
            // RFC 6749 §2.3.1: both parts are form-encoded before they are joined and base64-encoded.
            request = request.basic_auth(form_encoded(&self.settings.client_id), Some(form_encoded(secret.expose())));
        }
        let response = request.send().await.map_err(OidcError::TokenEndpoint)?;
        if !response.status().is_success() {
            let body: Option<TokenError> = response.json().await.ok();
            return Err(OidcError::TokenRefused { error: oauth_error_code(body.and_then(|b| b.error)) });
        }
        let tokens: TokenResponse = response.json().await.map_err(OidcError::TokenEndpoint)?;
        tokens.id_token.filter(|token| !token.is_empty()).ok_or(OidcError::NoIdToken)
    }
}

/// Refuses settings that cannot work, before anything is fetched.
fn check(settings: &OidcClientSettings) -> Result<(), OidcError> {
    if settings.client_id.trim().is_empty() {
        return Err(OidcError::InvalidSettings("client_id is empty"));
    }
    if settings.client_secret.as_ref().is_some_and(|secret| secret.expose().is_empty()) {
        return Err(OidcError::InvalidSettings("client_secret is empty (leave it out for a public client)"));
    }
    if Url::parse(&settings.redirect_url).is_err() {
        return Err(OidcError::InvalidSettings("redirect_url is not an absolute url"));
    }
    if !settings.scopes.iter().any(|scope| scope == "openid") {
        return Err(OidcError::InvalidSettings("scopes must include openid"));
    }
    if settings.scopes.iter().any(|scope| scope.is_empty() || scope.contains(char::is_whitespace)) {
        return Err(OidcError::InvalidSettings("a scope is empty or contains a space"));
    }
    Ok(())
}

/// 32 random bytes in base64url without padding: 43 characters, all unreserved (RFC 7636 §4.1).
fn random_token() -> Result<String, OidcError> {
    let mut bytes = [0u8; RANDOM_BYTES];
    getrandom::fill(&mut bytes).map_err(|_| OidcError::Random)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// The PKCE S256 challenge: BASE64URL(SHA256(verifier)) without padding (RFC 7636 §4.2).
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Whether `a` and `b` are equal, comparing every byte whatever the first difference (their lengths are
/// not secret).
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && std::hint::black_box(a.bytes().zip(b.bytes()).fold(0u8, |diff, (x, y)| diff | (x ^ y))) == 0
}

/// `value` as `application/x-www-form-urlencoded`.
fn form_encoded(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => encoded.push(char::from(byte)),
            b' ' => encoded.push('+'),
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    encoded
}

/// The provider's OAuth error code if it looks like one (RFC 6749 §5.2 allows no other characters than
/// these), so no arbitrary remote text reaches messages.
fn oauth_error_code(error: Option<String>) -> String {
    error
        .filter(|e| !e.is_empty() && e.len() <= 64 && e.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        .unwrap_or_else(|| "unknown".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::AuthSettings;

    fn settings() -> OidcClientSettings {
        OidcClientSettings {
            client_id: "sportello".into(),
            client_secret: Some(Secret::new("s3cret")),
            redirect_url: "https://sportello.example/auth/callback".into(),
            scopes: default_scopes(),
            idp_hint_parameter: None,
            spid_providers: Vec::new(),
            cie_hint: None,
        }
    }

    fn client() -> OidcClient {
        OidcClient {
            http: reqwest::Client::new(),
            settings: settings(),
            authorization_endpoint: Url::parse("https://id.example/auth?ui=it").unwrap(),
            token_endpoint: Url::parse("https://id.example/token").unwrap(),
            end_session_endpoint: Some(Url::parse("https://id.example/logout").unwrap()),
            issuer: "https://id.example".into(),
            iss_required: false,
        }
    }

    /// The callback's answer, with no `iss`.
    fn answer<'a>(state: &'a str, code: &'a str) -> Answer<'a> {
        Answer { state, iss: None, code }
    }

    fn authenticator() -> Authenticator {
        let settings = AuthSettings { issuer: Some("https://id.example".into()), ..AuthSettings::default() };
        Authenticator::new(settings, None).unwrap()
    }

    #[test]
    fn the_pkce_challenge_matches_rfc_7636_appendix_b() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn only_an_offered_identity_provider_is_hinted_in_the_proxys_parameter() {
        let mut settings = settings();
        settings.spid_providers =
            vec![IdentityProvider { name: "Poste Italiane".into(), hint: "https://posteid.poste.it".into() }];
        settings.cie_hint = Some("cie".into());
        assert_eq!(settings.known_hint(Some("cie")), None, "no parameter: no hint");
        settings.idp_hint_parameter = Some("kc_idp_hint".into());
        assert_eq!(settings.known_hint(Some("cie")), Some("cie"));
        assert_eq!(settings.known_hint(Some("https://posteid.poste.it")), Some("https://posteid.poste.it"));
        assert_eq!(settings.known_hint(Some("https://idp.evil.example")), None);
        assert_eq!(settings.known_hint(None), None);
        let mut client = client();
        client.settings = settings;
        let (url, _) = client.begin("/", Some("https://posteid.poste.it")).unwrap();
        let query: std::collections::HashMap<_, _> = Url::parse(&url).unwrap().query_pairs().into_owned().collect();
        assert_eq!(query["kc_idp_hint"], "https://posteid.poste.it");
    }

    #[test]
    fn begin_asks_for_a_code_with_s256_pkce_and_fresh_random_values() {
        let (url, pending) = client().begin("/cases?page=2", None).unwrap();
        let url = Url::parse(&url).unwrap();
        let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(query["ui"], "it", "the endpoint's own query is kept");
        assert_eq!((query["response_type"].as_str(), query["client_id"].as_str()), ("code", "sportello"));
        assert_eq!(query["redirect_uri"], "https://sportello.example/auth/callback");
        assert_eq!((query["scope"].as_str(), query["code_challenge_method"].as_str()), ("openid", "S256"));
        assert_eq!((&query["state"], &query["nonce"]), (&pending.state, &pending.nonce));
        assert_eq!(query["code_challenge"], pkce_challenge(&pending.verifier));
        assert_eq!(pending.verifier.len(), 43);
        assert!(pending.verifier.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b)));
        assert_eq!(pending.return_to, "/cases?page=2");
        let (_, other) = client().begin("/", None).unwrap();
        assert!(other.state != pending.state && other.nonce != pending.nonce && other.verifier != pending.verifier);
    }

    #[test]
    fn return_to_stays_on_this_site() {
        let (_, pending) = client().begin("/\t/evil.example", None).unwrap();
        assert_eq!(pending.return_to, "/");
    }

    #[tokio::test]
    async fn a_wrong_or_missing_state_is_refused_before_anything_is_sent() {
        let (_, pending) = client().begin("/", None).unwrap();
        let auth = authenticator();
        let mut other = pending.state.clone();
        other.replace_range(..1, if other.starts_with('A') { "B" } else { "A" });
        for state in [other.as_str(), "", &pending.state[1..]] {
            let error = client().finish(&pending, answer(state, "code"), &auth).await.unwrap_err();
            assert_eq!(error.code(), "oidc-state-mismatch", "{state:?}");
        }
        let empty = PendingLogin { state: String::new(), ..pending };
        assert_eq!(client().finish(&empty, answer("", "code"), &auth).await.unwrap_err().code(), "oidc-state-mismatch");
    }

    #[tokio::test]
    async fn an_old_sign_in_or_a_missing_code_is_refused() {
        let (_, pending) = client().begin("/", None).unwrap();
        let auth = authenticator();
        let old =
            PendingLogin { created_at: pending.created_at - PENDING_LOGIN_MAX_AGE_SECONDS - 1, ..pending.clone() };
        assert_eq!(
            client().finish(&old, answer(&old.state, "code"), &auth).await.unwrap_err().code(),
            "oidc-login-expired"
        );
        let error = client().finish(&pending, answer(&pending.state, ""), &auth).await.unwrap_err();
        assert_eq!(error.code(), "oidc-missing-code");
    }

    #[tokio::test]
    async fn an_answer_from_another_issuer_is_refused_before_anything_is_sent() {
        let (_, pending) = client().begin("/", None).unwrap();
        let auth = authenticator();
        let from = |iss| Answer { state: &pending.state, iss, code: "" };
        let requiring = OidcClient { iss_required: true, ..client() };
        // Exactly the issuer, compared as a string: a trailing slash or another case is another issuer.
        for iss in ["https://evil.example", "https://id.example/", "HTTPS://id.example", ""] {
            for client in [client(), requiring.clone()] {
                let error = client.finish(&pending, from(Some(iss)), &auth).await.unwrap_err();
                assert_eq!(error.code(), "oidc-issuer-mismatch", "{iss:?}");
            }
        }
        let error = requiring.finish(&pending, from(None), &auth).await.unwrap_err();
        assert_eq!(error.code(), "oidc-issuer-mismatch", "the provider said it sends iss");
        // The right issuer, or none from a provider that does not send it, goes on to the code.
        for (client, iss) in
            [(client(), None), (client(), Some("https://id.example")), (requiring, Some("https://id.example"))]
        {
            let error = client.finish(&pending, from(iss), &auth).await.unwrap_err();
            assert_eq!(error.code(), "oidc-missing-code", "{iss:?}");
        }
    }

    #[test]
    fn the_logout_url_carries_the_hint_and_the_return_address() {
        let url = client().logout_url("id.token.hint", Some("https://sportello.example/")).unwrap();
        assert_eq!(
            url,
            "https://id.example/logout?id_token_hint=id.token.hint&client_id=sportello\
             &post_logout_redirect_uri=https%3A%2F%2Fsportello.example%2F"
        );
        let without = OidcClient { end_session_endpoint: None, ..client() };
        assert_eq!(without.logout_url("hint", None), None);
    }

    #[test]
    fn settings_have_default_scopes_refuse_unknown_fields_and_hide_the_secret() {
        let read: OidcClientSettings =
            serde_json::from_str(r#"{"client_id": "c", "client_secret": "hunter2", "redirect_url": "https://x/cb"}"#)
                .unwrap();
        assert_eq!(read.scopes, ["openid"]);
        assert!(!format!("{read:?}").contains("hunter2"));
        assert!(
            serde_json::from_str::<OidcClientSettings>(r#"{"client_id": "c", "redirect_url": "x", "scope": []}"#)
                .is_err()
        );
        assert!(check(&OidcClientSettings { scopes: vec!["profile".into()], ..settings() }).is_err());
        assert!(check(&OidcClientSettings { redirect_url: "/callback".into(), ..settings() }).is_err());
        assert!(check(&settings()).is_ok());
    }

    #[test]
    fn secrets_are_form_encoded_and_remote_error_text_is_not_trusted() {
        assert_eq!(form_encoded("a b:c/é"), "a+b%3Ac%2F%C3%A9");
        assert_eq!(oauth_error_code(Some("invalid_grant".into())), "invalid_grant");
        assert_eq!(oauth_error_code(Some("<script>".into())), "unknown");
        assert_eq!(oauth_error_code(None), "unknown");
    }
}
