//! The OpenID Connect issuer's signing keys: found through discovery (or a configured JWKS URL), fetched
//! on first use and cached. Only RS256 (RSA) and ES256 (P-256) signing keys are kept, each bound to the
//! one algorithm it allows. A token naming an unknown `kid` refetches the key set, at most once a
//! minute, so rotated keys are picked up without letting random `kid`s hammer the issuer.

use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, KeyOperations, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::auth::AuthError;

/// How long one request to the issuer may take.
pub(crate) const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// The shortest time between two refetches caused by an unknown `kid`.
const MIN_REFETCH_INTERVAL: Duration = Duration::from_secs(60);
/// With no keys cached, how long after a failed fetch the next request waits before trying again.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(5);
/// Cached keys older than this are fetched again, so keys the issuer withdrew stop being trusted.
const MAX_AGE: Duration = Duration::from_secs(3600);

/// Why the issuer's keys could not be had.
#[derive(Debug, thiserror::Error)]
pub enum KeysError {
    /// The HTTP client could not be built.
    #[error("cannot build the http client")]
    Client(#[source] reqwest::Error),
    /// A request failed: no connection, a timeout, an error status or a body that is not JSON.
    #[error("cannot fetch the {what}")]
    Request {
        /// "discovery document" or "key set".
        what: &'static str,
        /// The failure, naming the URL.
        #[source]
        source: reqwest::Error,
    },
    /// The discovery document names an issuer other than the configured one (OpenID Connect
    /// Discovery §4.3 requires them to be identical).
    #[error("the discovery document at {url} names another issuer")]
    IssuerMismatch {
        /// Where the discovery document was read.
        url: String,
    },
    /// The key set holds no RS256 or ES256 signing key.
    #[error("the key set at {url} holds no rs256 or es256 signing key")]
    NoUsableKey {
        /// Where the key set was read.
        url: String,
    },
    /// The last attempt failed moments ago; the next one waits a little.
    #[error("the last attempt failed less than {} seconds ago", RETRY_AFTER_FAILURE.as_secs())]
    CoolingDown,
}

/// A public key from the issuer, with the one algorithm it allows.
#[derive(Clone)]
pub(crate) struct VerifyingKey {
    kid: Option<String>,
    pub alg: Algorithm,
    pub key: DecodingKey,
}

/// The issuer's keys, fetched lazily and shared by every request.
#[derive(Debug)]
pub(crate) struct KeyCache {
    http: reqwest::Client,
    issuer: String,
    jwks_url: Option<String>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    discovered_jwks_url: Option<String>,
    keys: Option<Arc<[VerifyingKey]>>,
    loaded_at: Option<Instant>,
    last_fetch: Option<Instant>,
    last_refetch: Option<Instant>,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State").field("keys", &self.keys.as_ref().map(|k| k.len())).finish_non_exhaustive()
    }
}

enum Selection<'a> {
    Found(&'a VerifyingKey),
    WrongAlgorithm,
    Missing,
}

impl KeyCache {
    /// A cache for `issuer`'s keys, read from `jwks_url` or else found through discovery. Fetches nothing.
    pub(crate) fn new(issuer: String, jwks_url: Option<String>) -> Result<Self, AuthError> {
        let http = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .build()
            .map_err(|e| AuthError::KeysUnavailable(KeysError::Client(e)))?;
        Ok(Self { http, issuer, jwks_url, state: Mutex::new(State::default()) })
    }

    /// The key that verifies a token signed with `alg` under `kid`. A token without `kid` is accepted
    /// only when exactly one key allows its algorithm.
    pub(crate) async fn find(&self, kid: Option<&str>, alg: Algorithm) -> Result<VerifyingKey, AuthError> {
        // Held across fetches on purpose: requests wait for a fetch under way instead of starting their own.
        let mut state = self.state.lock().await;
        let now = Instant::now();
        let mut fetched_now = false;
        if state.keys.is_none() {
            if state.last_fetch.is_some_and(|at| now - at < RETRY_AFTER_FAILURE) {
                return Err(AuthError::KeysUnavailable(KeysError::CoolingDown));
            }
            self.fetch(&mut state, now).await.map_err(AuthError::KeysUnavailable)?;
            fetched_now = true;
        } else if state.loaded_at.is_some_and(|at| now - at > MAX_AGE)
            && state.last_fetch.is_some_and(|at| now - at > MIN_REFETCH_INTERVAL)
        {
            match self.fetch(&mut state, now).await {
                Ok(()) => fetched_now = true,
                Err(error) => {
                    tracing::warn!(error.message = %error, error.cause_chain = ?error, "keeping the cached signing keys");
                }
            }
        }
        match select(state.keys.as_deref().unwrap_or_default(), kid, alg) {
            Selection::Found(key) => return Ok(key.clone()),
            Selection::WrongAlgorithm => return Err(AuthError::UnsupportedAlgorithm),
            Selection::Missing => {}
        }
        if fetched_now || state.last_refetch.is_some_and(|at| now - at < MIN_REFETCH_INTERVAL) {
            return Err(AuthError::UnknownKey);
        }
        state.last_refetch = Some(now);
        self.fetch(&mut state, now).await.map_err(AuthError::KeysUnavailable)?;
        match select(state.keys.as_deref().unwrap_or_default(), kid, alg) {
            Selection::Found(key) => Ok(key.clone()),
            Selection::WrongAlgorithm => Err(AuthError::UnsupportedAlgorithm),
            Selection::Missing => Err(AuthError::UnknownKey),
        }
    }

    async fn fetch(&self, state: &mut State, now: Instant) -> Result<(), KeysError> {
        state.last_fetch = Some(now);
        let url = match (&self.jwks_url, &state.discovered_jwks_url) {
            (Some(url), _) | (None, Some(url)) => url.clone(),
            (None, None) => {
                let url = self.discover().await?;
                state.discovered_jwks_url = Some(url.clone());
                url
            }
        };
        let set: KeySet = self.get_json(&url, "key set").await?;
        let keys: Arc<[VerifyingKey]> =
            set.keys.into_iter().filter_map(|raw| usable(&serde_json::from_value(raw).ok()?)).collect();
        if keys.is_empty() {
            return Err(KeysError::NoUsableKey { url });
        }
        tracing::info!(jwks_url = %url, keys = keys.len(), "fetched the issuer's signing keys");
        state.keys = Some(keys);
        state.loaded_at = Some(now);
        Ok(())
    }

    async fn discover(&self) -> Result<String, KeysError> {
        let url = format!("{}/.well-known/openid-configuration", self.issuer.trim_end_matches('/'));
        let document: Discovery = self.get_json(&url, "discovery document").await?;
        if document.issuer != self.issuer {
            return Err(KeysError::IssuerMismatch { url });
        }
        Ok(document.jwks_uri)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str, what: &'static str) -> Result<T, KeysError> {
        let request = async { self.http.get(url).send().await?.error_for_status()?.json().await };
        request.await.map_err(|source| KeysError::Request { what, source })
    }
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    jwks_uri: String,
}

/// Keys are read one by one, so an encryption key or a key type this crate cannot parse is skipped
/// rather than spoiling the whole set.
#[derive(Deserialize)]
struct KeySet {
    keys: Vec<serde_json::Value>,
}

/// The key, if it is a signing key for RS256 or ES256 (by its type and curve, and by `alg` when given).
fn usable(jwk: &Jwk) -> Option<VerifyingKey> {
    if jwk.common.public_key_use.as_ref().is_some_and(|u| *u != PublicKeyUse::Signature)
        || jwk.common.key_operations.as_ref().is_some_and(|ops| !ops.contains(&KeyOperations::Verify))
    {
        return None;
    }
    let (alg, declared) = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => (Algorithm::RS256, KeyAlgorithm::RS256),
        AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256 => {
            (Algorithm::ES256, KeyAlgorithm::ES256)
        }
        _ => return None,
    };
    if jwk.common.key_algorithm.is_some_and(|a| a != declared) {
        return None;
    }
    let key = DecodingKey::from_jwk(jwk).ok()?;
    Some(VerifyingKey { kid: jwk.common.key_id.clone(), alg, key })
}

fn select<'a>(keys: &'a [VerifyingKey], kid: Option<&str>, alg: Algorithm) -> Selection<'a> {
    let mut candidates = keys.iter().filter(|key| kid.is_none() || key.kid.as_deref() == kid).peekable();
    if candidates.peek().is_none() {
        return Selection::Missing;
    }
    let mut fitting = candidates.filter(|key| key.alg == alg);
    match (fitting.next(), fitting.next(), kid) {
        (Some(key), _, Some(_)) | (Some(key), None, None) => Selection::Found(key),
        (None, _, Some(_)) => Selection::WrongAlgorithm,
        // No `kid` and no single key for the algorithm: nothing says which key was meant.
        (_, _, None) => Selection::Missing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test fixture's RSA key, with `changes` merged in.
    fn rsa_jwk(changes: serde_json::Value) -> Jwk {
        let mut json: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/fixtures/auth/rsa-a.jwk.json")).unwrap();
        for (name, value) in changes.as_object().unwrap() {
            json[name] = value.clone();
        }
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn only_rs256_and_es256_signing_keys_are_usable() {
        assert_eq!(usable(&rsa_jwk(serde_json::json!({}))).unwrap().alg, Algorithm::RS256);
        assert!(usable(&rsa_jwk(serde_json::json!({"alg": "PS256"}))).is_none(), "an rsa key for another algorithm");
        assert!(usable(&rsa_jwk(serde_json::json!({"use": "enc"}))).is_none());
        let secret: Jwk = serde_json::from_value(serde_json::json!({"kty": "oct", "k": "c2VjcmV0"})).unwrap();
        assert!(usable(&secret).is_none(), "a shared secret is never taken from a key set");
    }

    #[test]
    fn a_kid_picks_its_key_and_a_missing_kid_needs_a_single_candidate() {
        let key = |kid: &str, alg| VerifyingKey { kid: Some(kid.to_owned()), alg, key: DecodingKey::from_secret(b"") };
        let keys = [key("a", Algorithm::RS256), key("b", Algorithm::RS256), key("c", Algorithm::ES256)];
        assert!(
            matches!(select(&keys, Some("b"), Algorithm::RS256), Selection::Found(k) if k.kid.as_deref() == Some("b"))
        );
        assert!(matches!(select(&keys, Some("b"), Algorithm::ES256), Selection::WrongAlgorithm));
        assert!(matches!(select(&keys, Some("z"), Algorithm::RS256), Selection::Missing));
        assert!(matches!(select(&keys, None, Algorithm::ES256), Selection::Found(k) if k.kid.as_deref() == Some("c")));
        assert!(matches!(select(&keys, None, Algorithm::RS256), Selection::Missing), "two rsa keys");
    }
}
