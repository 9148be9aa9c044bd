//! Page sessions: who is signed in, their language and the token that every form sends back (CSRF),
//! kept in a cookie the server signs with HMAC-SHA256, so any process holding the same key file can
//! read it and nothing is stored server-side. The cookie is HttpOnly, SameSite=Lax and, outside dev
//! mode, Secure; it expires with the session (`web.session_hours`). A cookie that is missing, altered,
//! expired or signed with another key counts as a new visitor's, who is signed out.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use sportello_runtime::case::Actor;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "sportello_session";
/// The cookie that carries a sign-in in progress (OpenID Connect state, nonce and PKCE verifier).
pub const LOGIN_COOKIE: &str = "sportello_login";

/// What the session cookie holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// Who is signed in, if anyone.
    pub user: Option<User>,
    /// The token every form must send back as `_csrf`.
    pub csrf: String,
    /// `it` or `en`.
    pub lang: String,
    /// When the session ends (Unix seconds).
    pub expires: i64,
    /// The identity provider's ID token, for its logout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
}

impl Session {
    /// A new visitor's session: signed out, Italian, a fresh CSRF token.
    pub fn anonymous(now: i64, hours: u32) -> Session {
        Session {
            user: None,
            csrf: random_token(),
            lang: "it".to_owned(),
            expires: now + i64::from(hours) * 3600,
            id_token: None,
        }
    }

    /// The session after signing in as `user`: a new CSRF token too, so one seen before sign-in is useless.
    pub fn signed_in(&self, user: User, id_token: Option<String>, now: i64, hours: u32) -> Session {
        Session {
            user: Some(user),
            csrf: random_token(),
            lang: self.lang.clone(),
            expires: now + i64::from(hours) * 3600,
            id_token,
        }
    }
}

/// A signed-in user, as the session keeps them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum User {
    /// A citizen, by fiscal code.
    Citizen {
        /// Their fiscal code.
        fiscal_code: String,
    },
    /// A member of staff.
    Staff {
        /// Their user id.
        user: String,
        /// Their roles.
        roles: Vec<String>,
        /// Their offices.
        offices: Vec<String>,
    },
}

impl User {
    /// The user of an actor the authenticator produced (never the system).
    pub fn from_actor(actor: Actor) -> Option<User> {
        match actor {
            Actor::Citizen { fiscal_code } => Some(User::Citizen { fiscal_code }),
            Actor::Staff { user, roles, offices } => Some(User::Staff { user, roles, offices }),
            Actor::System => None,
        }
    }

    /// The engine's actor for this user.
    pub fn actor(&self) -> Actor {
        match self.clone() {
            User::Citizen { fiscal_code } => Actor::Citizen { fiscal_code },
            User::Staff { user, roles, offices } => Actor::Staff { user, roles, offices },
        }
    }

    /// Whether the user holds a staff `role`.
    pub fn has_role(&self, role: &str) -> bool {
        matches!(self, User::Staff { roles, .. } if roles.iter().any(|r| r == role))
    }
}

/// Signs and checks cookie values with a 32-byte key.
#[derive(Clone)]
pub struct CookieSigner {
    key: [u8; 32],
}

impl std::fmt::Debug for CookieSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CookieSigner(<redacted>)")
    }
}

impl CookieSigner {
    /// A signer with `key`.
    pub fn new(key: [u8; 32]) -> CookieSigner {
        CookieSigner { key }
    }

    /// `value` as JSON, base64url, then `.` and its base64url HMAC.
    pub fn seal<T: Serialize>(&self, value: &T) -> String {
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap_or_default());
        let tag = URL_SAFE_NO_PAD.encode(self.mac(body.as_bytes()).finalize().into_bytes());
        format!("{body}.{tag}")
    }

    /// The value `seal` made, if `text` is one with this key.
    pub fn open<T: DeserializeOwned>(&self, text: &str) -> Option<T> {
        let (body, tag) = text.split_once('.')?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        self.mac(body.as_bytes()).verify_slice(&tag).ok()?;
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(body).ok()?).ok()
    }

    fn mac(&self, body: &[u8]) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(body);
        mac
    }
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, path `/`, Secure unless `insecure`; `max_age` 0 deletes it.
pub fn set_cookie(name: &str, value: &str, max_age: i64, insecure: bool) -> String {
    let secure = if insecure { "" } else { "; Secure" };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}", max_age.max(0))
}

/// The value of cookie `name` in a `Cookie` header.
pub fn cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').filter_map(|pair| pair.trim().split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| v)
}

/// 32 random bytes, base64url.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system gives random bytes");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether two tokens are equal, in time that does not depend on where they differ.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> Session {
        Session::anonymous(1_000, 8)
    }

    #[test]
    fn a_sealed_session_opens_with_its_key_only() {
        let signer = CookieSigner::new([7; 32]);
        let sealed = signer.seal(&session());
        assert_eq!(signer.open::<Session>(&sealed), Some(sealed_session(&signer, &sealed)));
        assert_eq!(CookieSigner::new([8; 32]).open::<Session>(&sealed), None, "another key");
    }

    fn sealed_session(signer: &CookieSigner, sealed: &str) -> Session {
        signer.open(sealed).unwrap()
    }

    #[test]
    fn an_altered_cookie_is_refused() {
        let signer = CookieSigner::new([7; 32]);
        let sealed = signer.seal(&session());
        let (body, tag) = sealed.split_once('.').unwrap();
        let mut forged = session();
        forged.user = Some(User::Staff { user: "x".into(), roles: vec!["clerk".into()], offices: vec!["a".into()] });
        let forged_body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap());
        assert_eq!(signer.open::<Session>(&format!("{forged_body}.{tag}")), None);
        assert_eq!(signer.open::<Session>(body), None, "no tag");
        assert_eq!(signer.open::<Session>(&format!("{body}.AAAA")), None, "a wrong tag");
        assert_eq!(signer.open::<Session>("garbage"), None);
    }

    #[test]
    fn signing_in_renews_the_csrf_token() {
        let before = session();
        let after = before.signed_in(User::Citizen { fiscal_code: "X".into() }, None, 2_000, 8);
        assert_ne!(before.csrf, after.csrf);
        assert_eq!(after.expires, 2_000 + 8 * 3600);
    }

    #[test]
    fn cookies_are_found_by_name_and_set_safely() {
        assert_eq!(cookie("a=1; sportello_session=xyz; b=2", SESSION_COOKIE), Some("xyz"));
        assert_eq!(cookie("a=1", SESSION_COOKIE), None);
        let set = set_cookie(SESSION_COOKIE, "v", 60, false);
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Secure"));
        assert!(!set_cookie(SESSION_COOKIE, "v", 60, true).contains("Secure"));
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abc", "abd"));
        assert!(!same_token("abc", "ab"));
    }
}
