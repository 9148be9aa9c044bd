//! Why a token was refused, or sign-in could not be set up: one [`AuthError`] variant per reason, each
//! with a stable kebab-case [`code`](AuthError::code). Messages name the reason only, never token
//! content or personal data, so they are safe to log and to send back.

use std::path::PathBuf;

use crate::auth::keys::KeysError;

/// A refused token, or a sign-in setup that cannot work.
///
/// Errors from the JWT and fiscal-code libraries are deliberately not kept as sources: their messages
/// can quote token content (a serde message quotes the value it rejected) or part of a fiscal code.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The request carried no bearer token.
    #[error("no bearer token")]
    MissingToken,
    /// The token is malformed, its signature does not match, or a claim has the wrong shape.
    #[error("invalid token: {0}")]
    InvalidToken(&'static str),
    /// The token's `exp` has passed (beyond the leeway).
    #[error("the token has expired")]
    ExpiredToken,
    /// The token's `nbf` is still to come (beyond the leeway); code "invalid-token".
    #[error("the token is not valid yet")]
    PrematureToken,
    /// The token's `aud` does not name this service; code "invalid-token".
    #[error("the token is meant for another audience")]
    WrongAudience,
    /// The token's `iss` is not an issuer this server trusts.
    #[error("the token comes from an issuer this server does not trust")]
    UnknownIssuer,
    /// The token's `alg` is not accepted for its issuer, or not the one its key allows.
    #[error("the token's signing algorithm is not accepted")]
    UnsupportedAlgorithm,
    /// The issuer publishes no key with the token's `kid`, even after fetching its keys again.
    #[error("the token is signed with a key the issuer does not publish")]
    UnknownKey,
    /// The token carries neither staff roles (with a subject) nor a fiscal code.
    #[error("the token carries neither staff roles nor a fiscal code")]
    IdentityMissing,
    /// The token's fiscal code has a bad shape, date or check character.
    #[error("the token's fiscal code is not valid")]
    InvalidFiscalCode,
    /// The issuer's keys could not be fetched, so no token from it can be checked now.
    #[error("the issuer's signing keys cannot be fetched")]
    KeysUnavailable(#[source] KeysError),
    /// The development key file cannot be read or created.
    #[error("cannot read or create the dev key file {}", path.display())]
    DevKey {
        /// The key file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
    /// The claims asked of `dev::issue` make no sense (e.g. a clerk without offices).
    #[error("invalid dev token claims: {0}")]
    InvalidDevClaims(&'static str),
    /// The sign-in settings cannot work (e.g. no issuer and dev mode off).
    #[error("invalid sign-in settings: {0}")]
    InvalidSettings(&'static str),
}

impl AuthError {
    /// The stable kebab-case code of this error, for problem responses and logs.
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::MissingToken => "missing-token",
            AuthError::InvalidToken(_) => "invalid-token",
            AuthError::ExpiredToken => "expired-token",
            // Like other malformed tokens: a client can do nothing but sign in again.
            AuthError::PrematureToken | AuthError::WrongAudience => "invalid-token",
            AuthError::UnknownIssuer => "unknown-issuer",
            AuthError::UnsupportedAlgorithm => "unsupported-algorithm",
            AuthError::UnknownKey => "unknown-key",
            AuthError::IdentityMissing => "identity-missing",
            AuthError::InvalidFiscalCode => "invalid-fiscal-code",
            AuthError::KeysUnavailable(_) => "keys-unavailable",
            AuthError::DevKey { .. } => "dev-key-unavailable",
            AuthError::InvalidDevClaims(_) => "invalid-dev-claims",
            AuthError::InvalidSettings(_) => "invalid-auth-settings",
        }
    }

    /// Whether the token was refused (401 material), as opposed to sign-in being unable to decide
    /// (keys unavailable: 503) or being misconfigured (500).
    pub fn is_refusal(&self) -> bool {
        !matches!(
            self,
            AuthError::KeysUnavailable(_)
                | AuthError::DevKey { .. }
                | AuthError::InvalidDevClaims(_)
                | AuthError::InvalidSettings(_)
        )
    }
}
