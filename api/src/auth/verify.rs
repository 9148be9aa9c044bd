//! The cryptographic check: a token's signature against one key and algorithm, then its registered
//! claims (`exp` required, `nbf` when present, `iss`, and `aud` when an audience is configured), with
//! jsonwebtoken. Its errors become [`AuthError`]s here, without their messages (which can quote claims).

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};

use crate::auth::AuthError;

/// A verified token's claims.
pub(crate) type Claims = serde_json::Map<String, serde_json::Value>;

/// What the registered claims must say.
pub(crate) struct Expected<'a> {
    /// `iss` must equal it.
    pub issuer: &'a str,
    /// `aud` must name it, when set.
    pub audience: Option<&'a str>,
    /// Seconds of clock skew allowed for `exp` and `nbf`.
    pub leeway: u64,
}

/// The claims of `token`, if `key` made its signature with `alg` and its registered claims hold.
pub(crate) fn verify(token: &str, key: &DecodingKey, alg: Algorithm, expected: &Expected) -> Result<Claims, AuthError> {
    let mut validation = Validation::new(alg);
    validation.leeway = expected.leeway;
    validation.validate_nbf = true;
    validation.set_issuer(&[expected.issuer]);
    match expected.audience {
        Some(audience) => {
            validation.set_audience(&[audience]);
            validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        }
        None => {
            validation.validate_aud = false;
            validation.set_required_spec_claims(&["exp", "iss"]);
        }
    }
    jsonwebtoken::decode::<Claims>(token, key, &validation).map(|data| data.claims).map_err(|e| refusal(e.kind()))
}

fn refusal(kind: &ErrorKind) -> AuthError {
    match kind {
        ErrorKind::ExpiredSignature => AuthError::ExpiredToken,
        ErrorKind::ImmatureSignature => AuthError::PrematureToken,
        ErrorKind::InvalidAudience => AuthError::WrongAudience,
        ErrorKind::InvalidIssuer => AuthError::UnknownIssuer,
        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName | ErrorKind::MissingAlgorithm => {
            AuthError::UnsupportedAlgorithm
        }
        ErrorKind::InvalidSignature => AuthError::InvalidToken("bad signature"),
        ErrorKind::MissingRequiredClaim(claim) => AuthError::InvalidToken(match claim.as_str() {
            "exp" => "no exp claim",
            "iss" => "no iss claim",
            "aud" => "no aud claim",
            _ => "a required claim is missing",
        }),
        ErrorKind::InvalidClaimFormat(_) => AuthError::InvalidToken("a time claim is not a number"),
        ErrorKind::InvalidKeyFormat | ErrorKind::InvalidRsaKey(_) | ErrorKind::InvalidEcdsaKey => {
            AuthError::InvalidToken("the issuer's key cannot check it")
        }
        _ => AuthError::InvalidToken("malformed"),
    }
}
