//! What an operator configures for sign-in: the OpenID Connect issuer whose tokens are trusted, how its
//! claims name roles and offices, and whether local development tokens are accepted. Plain data, read
//! with serde like the rest of the settings; [`Authenticator::new`](super::Authenticator::new) checks it.

use std::path::PathBuf;

use serde::Deserialize;

/// How bearer tokens are checked. Every field has a default, so an empty table is valid syntax (but
/// [`Authenticator::new`](super::Authenticator::new) refuses settings that trust no issuer at all).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthSettings {
    /// The OpenID Connect issuer URL, e.g. the iam-proxy-italia in front of SPID and CIE. A token's `iss`
    /// must equal it exactly; its keys are found through `{issuer}/.well-known/openid-configuration`.
    pub issuer: Option<String>,
    /// Where the issuer publishes its keys (a JWKS), when discovery should be skipped.
    pub jwks_url: Option<String>,
    /// The audience a token must name in `aud` (usually this service's client id); unchecked when unset.
    pub audience: Option<String>,
    /// The claim holding a member of staff's roles: a top-level claim name, or a dotted path such as
    /// `realm_access.roles` (a claim whose whole name matches is preferred over the path).
    pub roles_claim: String,
    /// The claim holding the offices a member of staff works for (a list of strings or one string);
    /// a top-level name or a dotted path, like `roles_claim`.
    pub offices_claim: String,
    /// Sportello's staff roles, when the roles claim also carries others (Keycloak's realm roles list
    /// `offline_access` for every user): roles outside the list are ignored, and a token left with none
    /// is a citizen's. Empty: every role in the claim counts.
    pub staff_roles: Vec<String>,
    /// Seconds of clock skew tolerated when checking `exp` and `nbf`.
    pub leeway_seconds: u64,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            issuer: None,
            jwks_url: None,
            audience: None,
            roles_claim: "roles".to_owned(),
            offices_claim: "offices".to_owned(),
            staff_roles: Vec::new(),
            leeway_seconds: 60,
        }
    }
}

/// Development sign-in: tokens with `iss` "sportello-dev", signed with HS256 by `sportello dev-token`.
/// Never turn it on in production: whoever can read the key file can sign in as anyone.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DevAuth {
    /// The file holding the 32-byte secret; created (mode 0600) with random bytes when missing.
    pub key_file: PathBuf,
}
