//! Sign-in: an [`Authenticator`] turns a bearer token into the engine's [`Actor`], or refuses it with an
//! [`AuthError`] whose `code()` is stable.
//!
//! Citizens sign in with SPID or CIE through an OpenID Connect proxy; staff through the same or another
//! OpenID Connect provider. Either way the API receives a JWT from one configured issuer, signed with
//! RS256 or ES256 by a key the issuer publishes in its JWKS (`keys`). The token is first peeked at,
//! unverified, only to choose the issuer and key (`token`); then its signature and registered claims are
//! checked (`verify`) and its claims become an actor (`actor`). In dev mode, tokens that
//! `sportello dev-token` signs with a local secret are accepted too ([`dev`]); any other issuer is refused.
//! The web pages' sign-in (`web::oidc`) checks the ID tokens it receives with the same keys, through
//! [`Authenticator::verify_id_token`].

mod actor;
pub mod dev;
mod error;
mod keys;
mod profile;
mod settings;
mod token;
mod verify;

use std::sync::Arc;

use jsonwebtoken::Algorithm;

use sportello_runtime::case::Actor;

pub use error::AuthError;
pub use keys::KeysError;
pub use profile::Profile;
pub use settings::{AuthSettings, DevAuth};

use actor::ClaimNames;
use dev::DevVerifier;
use keys::KeyCache;
use verify::Expected;

/// The largest clock skew the settings may allow, in seconds.
const MAX_LEEWAY_SECONDS: u64 = 3600;

/// Checks bearer tokens. Cheap to build (keys are fetched on first use) and to clone (clones share the
/// key cache), so it can live in the application state.
#[derive(Debug, Clone)]
pub struct Authenticator {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    oidc: Option<Oidc>,
    dev: Option<DevVerifier>,
    leeway: u64,
}

#[derive(Debug)]
struct Oidc {
    issuer: String,
    audience: Option<String>,
    claims: ClaimNames,
    keys: KeyCache,
}

impl Authenticator {
    /// An authenticator trusting `settings.issuer`, and development tokens when `dev` is given (its key
    /// file is read now, and created if missing). Fails when the settings trust no issuer at all.
    pub fn new(settings: AuthSettings, dev: Option<DevAuth>) -> Result<Self, AuthError> {
        let AuthSettings { issuer, jwks_url, audience, roles_claim, offices_claim, staff_roles, leeway_seconds } =
            settings;
        if leeway_seconds > MAX_LEEWAY_SECONDS {
            return Err(AuthError::InvalidSettings("leeway_seconds is more than an hour"));
        }
        if roles_claim.trim().is_empty() || offices_claim.trim().is_empty() {
            return Err(AuthError::InvalidSettings("roles_claim and offices_claim must name a claim"));
        }
        let oidc = match issuer {
            None if jwks_url.is_some() || audience.is_some() => {
                return Err(AuthError::InvalidSettings("jwks_url and audience need an issuer"));
            }
            None => None,
            Some(issuer) if issuer.trim().is_empty() => return Err(AuthError::InvalidSettings("the issuer is empty")),
            Some(issuer) if issuer == dev::ISSUER => {
                return Err(AuthError::InvalidSettings("the issuer \"sportello-dev\" is reserved for dev sign-in"));
            }
            Some(issuer) => Some(Oidc {
                keys: KeyCache::new(issuer.clone(), jwks_url)?,
                issuer,
                audience,
                claims: ClaimNames { roles: roles_claim, offices: offices_claim, staff_roles },
            }),
        };
        let dev = dev.as_ref().map(DevVerifier::new).transpose()?;
        if oidc.is_none() && dev.is_none() {
            return Err(AuthError::InvalidSettings("no issuer is configured and dev sign-in is off"));
        }
        if dev.is_some() {
            tracing::warn!("dev sign-in is on: tokens signed with the local dev key are accepted");
        }
        Ok(Self { inner: Arc::new(Inner { oidc, dev, leeway: leeway_seconds }) })
    }

    /// Who `bearer_token` (the text after `Bearer `) signs in, once its issuer, algorithm, key,
    /// signature, times and audience have been checked.
    pub async fn authenticate(&self, bearer_token: &str) -> Result<Actor, AuthError> {
        self.authenticate_with_profile(bearer_token).await.map(|(actor, _)| actor)
    }

    /// As [`Authenticator::authenticate`], with the name and address the token carries.
    pub async fn authenticate_with_profile(&self, bearer_token: &str) -> Result<(Actor, Profile), AuthError> {
        let token = bearer_token.trim();
        if token.is_empty() {
            return Err(AuthError::MissingToken);
        }
        let peeked = token::peek(token)?;
        let inner = &*self.inner;
        if peeked.issuer == dev::ISSUER {
            let dev = inner.dev.as_ref().ok_or(AuthError::UnknownIssuer)?;
            let claims = dev.verify(token, &peeked.alg, inner.leeway)?;
            return Ok((actor::actor(&claims, &ClaimNames::default())?, profile::profile(&claims)));
        }
        let oidc = inner.oidc.as_ref().filter(|oidc| oidc.issuer == peeked.issuer).ok_or(AuthError::UnknownIssuer)?;
        let claims = self.verify_from(oidc, token, &peeked, oidc.audience.as_deref()).await?;
        Ok((actor::actor(&claims, &oidc.claims)?, profile::profile(&claims)))
    }

    /// Checks an OpenID Connect ID token that the configured issuer (never the dev one) gave this service
    /// at its token endpoint: key, signature, times, and an `aud` naming `client_id` (and `azp`, when
    /// present, equal to it), instead of the configured API audience.
    pub async fn verify_id_token(&self, id_token: &str, client_id: &str) -> Result<IdToken, AuthError> {
        let token = id_token.trim();
        if token.is_empty() {
            return Err(AuthError::MissingToken);
        }
        let peeked = token::peek(token)?;
        let oidc =
            self.inner.oidc.as_ref().filter(|oidc| oidc.issuer == peeked.issuer).ok_or(AuthError::UnknownIssuer)?;
        let claims = self.verify_from(oidc, token, &peeked, Some(client_id)).await?;
        if claims.get("azp").is_some_and(|azp| azp.as_str() != Some(client_id)) {
            return Err(AuthError::WrongAudience);
        }
        let expires_at = claims
            .get("exp")
            .and_then(serde_json::Value::as_i64)
            .and_then(|exp| jiff::Timestamp::from_second(exp).ok())
            .ok_or(AuthError::InvalidToken("a time claim is not a number"))?;
        let nonce = match claims.get("nonce") {
            None => None,
            Some(serde_json::Value::String(nonce)) => Some(nonce.clone()),
            Some(_) => return Err(AuthError::InvalidToken("the nonce is not a string")),
        };
        let profile = profile::profile(&claims);
        Ok(IdToken { actor: actor::actor(&claims, &oidc.claims)?, profile, nonce, expires_at })
    }

    /// The claims of `token` from `oidc`'s issuer, once its key, signature, times and `audience` (when
    /// given) have been checked.
    async fn verify_from(
        &self,
        oidc: &Oidc,
        token: &str,
        peeked: &token::Unverified,
        audience: Option<&str>,
    ) -> Result<verify::Claims, AuthError> {
        let alg = match peeked.alg.as_str() {
            "RS256" => Algorithm::RS256,
            "ES256" => Algorithm::ES256,
            _ => return Err(AuthError::UnsupportedAlgorithm),
        };
        let key = oidc.keys.find(peeked.kid.as_deref(), alg).await?;
        if key.alg != alg {
            return Err(AuthError::UnsupportedAlgorithm);
        }
        let expected = Expected { issuer: &oidc.issuer, audience, leeway: self.inner.leeway };
        verify::verify(token, &key.key, key.alg, &expected)
    }
}

/// A verified ID token: who it signs in, the `nonce` it carries and when it expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdToken {
    /// Who signed in.
    pub actor: Actor,
    /// Their name and address, as far as the token says.
    pub profile: Profile,
    /// The `nonce` claim, to compare with the one sent in the authorization request.
    pub nonce: Option<String>,
    /// The token's `exp`.
    pub expires_at: jiff::Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_that_trust_nobody_or_misuse_the_dev_issuer_are_refused() {
        let refused = |settings: AuthSettings| Authenticator::new(settings, None).unwrap_err().to_string();
        assert_eq!(
            refused(AuthSettings::default()),
            "invalid sign-in settings: no issuer is configured and dev sign-in is off"
        );
        let dev_issuer = AuthSettings { issuer: Some("sportello-dev".into()), ..AuthSettings::default() };
        assert!(refused(dev_issuer).contains("reserved"));
        let orphan_jwks = AuthSettings { jwks_url: Some("https://id.example/jwks".into()), ..AuthSettings::default() };
        assert!(refused(orphan_jwks).contains("need an issuer"));
    }

    #[test]
    fn settings_read_with_defaults_and_refuse_unknown_fields() {
        let settings: AuthSettings = serde_json::from_str(r#"{"issuer": "https://id.example"}"#).unwrap();
        assert_eq!((settings.roles_claim.as_str(), settings.leeway_seconds), ("roles", 60));
        assert!(serde_json::from_str::<AuthSettings>(r#"{"issuer": "x", "isuer": "y"}"#).is_err());
    }
}
