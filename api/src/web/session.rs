//! Page sessions: who is signed in, their language and the token that every form sends back (CSRF),
//! kept in a cookie the server signs with HMAC-SHA256, so any process holding the same key file can
//! read it. A signed-in session also has an id that the store keeps (`web_session`): it counts only
//! while that row is live, so signing out (or out of every session, or a sign-in with other staff
//! roles) ends it in every process, and a copy of the cookie stops working. The cookie is HttpOnly,
//! SameSite=Lax and, outside dev mode, Secure; it expires with the session (`web.session_hours`). A
//! cookie that is missing, altered, expired, signed with another key, naming the system as its user,
//! or whose session has ended counts as a new visitor's, who is signed out. Who is signed in is the
//! runtime's [`Actor`], in its own JSON form.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize};
use sha2::{Digest, Sha256};
use sportello_runtime::case::Actor;
use sportello_store::NewWebSession;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "sportello_session";
/// The cookie that carries a sign-in in progress (OpenID Connect state, nonce and PKCE verifier).
pub const LOGIN_COOKIE: &str = "sportello_login";

/// What the session cookie holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// Who is signed in, if anyone: a citizen or a member of staff, never the system.
    #[serde(default, deserialize_with = "person")]
    pub user: Option<Actor>,
    /// The token every form must send back as `_csrf`.
    pub csrf: String,
    /// `it` or `en`.
    pub lang: String,
    /// When the session ends (Unix seconds).
    pub expires: i64,
    /// The identity provider's ID token, for its logout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    /// The id of the signed-in session as the store keeps it (`web_session`): the session counts only
    /// while that row is live. `None` while signed out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// The signed-in person's name as the directory knew it at sign-in, for the page header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
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
            sid: None,
            name: None,
        }
    }

    /// The session after `user` signs in: a new CSRF token too, so one seen before sign-in is useless.
    /// `None` for [`Actor::System`], which never signs in.
    pub fn signed_in(&self, user: Actor, id_token: Option<String>, now: i64, hours: u32) -> Option<Session> {
        if user == Actor::System {
            return None;
        }
        Some(Session {
            user: Some(user),
            csrf: random_token(),
            lang: self.lang.clone(),
            expires: now + i64::from(hours) * 3600,
            id_token,
            sid: Some(random_token()),
            name: None,
        })
    }

    /// What the store keeps of this signed-in session, started at `now`; `None` while signed out.
    pub fn record(&self, now: i64) -> Option<NewWebSession> {
        let (user, sid) = (self.user.as_ref()?, self.sid.as_ref()?);
        Some(NewWebSession {
            id: sid.clone(),
            subject: subject_key(user),
            grants: grants_key(user),
            started_at: now,
            expires_at: self.expires,
        })
    }
}

/// Who `user` is, as the store keys their sessions: a hash, so no fiscal code is stored in clear.
pub fn subject_key(user: &Actor) -> String {
    let name = match user {
        Actor::Citizen { fiscal_code } => format!("citizen:{fiscal_code}"),
        Actor::Staff { user, .. } => format!("staff:{user}"),
        Actor::System => "system".to_owned(),
    };
    URL_SAFE_NO_PAD.encode(Sha256::digest(name.as_bytes()))
}

/// What `user` was granted at sign-in (staff: roles and offices, in order), as the store compares it.
fn grants_key(user: &Actor) -> String {
    match user {
        Actor::Staff { roles, offices, .. } => {
            let (mut roles, mut offices) = (roles.clone(), offices.clone());
            roles.sort();
            offices.sort();
            format!("{}@{}", roles.join(","), offices.join(","))
        }
        Actor::Citizen { .. } | Actor::System => "citizen".to_owned(),
    }
}

/// `user` read back from a cookie: the system never signs in, so a cookie that names it was not written
/// by a sign-in and is refused like an altered one.
fn person<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Actor>, D::Error> {
    match Option::<Actor>::deserialize(deserializer)? {
        Some(Actor::System) => Err(D::Error::custom("the system never signs in")),
        user => Ok(user),
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
        forged.user = Some(Actor::Staff { user: "x".into(), roles: vec!["clerk".into()], offices: vec!["a".into()] });
        let forged_body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap());
        assert_eq!(signer.open::<Session>(&format!("{forged_body}.{tag}")), None);
        assert_eq!(signer.open::<Session>(body), None, "no tag");
        assert_eq!(signer.open::<Session>(&format!("{body}.AAAA")), None, "a wrong tag");
        assert_eq!(signer.open::<Session>("garbage"), None);
    }

    #[test]
    fn a_kept_session_names_its_user_by_hash_and_its_grants_in_order() {
        let staff = |roles: &[&str]| Actor::Staff {
            user: "m.rossi".into(),
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
            offices: vec!["anagrafe".into()],
        };
        let signed = |user: Actor| session().signed_in(user, None, 2_000, 8).unwrap().record(2_000).unwrap();
        let (one, two) = (signed(staff(&["clerk", "head"])), signed(staff(&["head", "clerk"])));
        assert_eq!((one.subject.as_str(), one.grants.as_str()), (two.subject.as_str(), "clerk,head@anagrafe"));
        assert_ne!(one.id, two.id, "every sign-in is a session of its own");
        assert_ne!(signed(staff(&["clerk"])).grants, one.grants);
        let citizen = signed(Actor::Citizen { fiscal_code: "RSSMRA85T10A562S".into() });
        assert!(!citizen.subject.contains("RSSMRA85T10A562S"), "no fiscal code in clear");
        assert_eq!((citizen.started_at, citizen.expires_at), (2_000, 2_000 + 8 * 3600));
        assert_eq!(session().record(2_000), None, "a signed-out session is not kept");
    }

    #[test]
    fn signing_in_renews_the_csrf_token() {
        let before = session();
        let after = before.signed_in(Actor::Citizen { fiscal_code: "X".into() }, None, 2_000, 8).unwrap();
        assert_ne!(before.csrf, after.csrf);
        assert_eq!(after.expires, 2_000 + 8 * 3600);
    }

    #[test]
    fn the_system_never_signs_in() {
        assert_eq!(session().signed_in(Actor::System, None, 2_000, 8), None);
    }

    #[test]
    fn a_cookie_naming_the_system_counts_as_signed_out() {
        let signer = CookieSigner::new([7; 32]);
        let mut body = serde_json::to_value(session()).unwrap();
        body["user"] = serde_json::json!({"kind": "system"});
        let sealed = signer.seal(&body);
        assert_eq!(signer.open::<Session>(&sealed), None, "a new visitor's session instead, signed out");
    }

    #[test]
    fn a_cookie_in_the_old_user_shape_still_opens_as_the_same_person() {
        let signer = CookieSigner::new([7; 32]);
        let mut body = serde_json::to_value(session()).unwrap();
        body["user"] = serde_json::json!({"kind": "staff", "user": "u1", "roles": ["clerk"], "offices": ["a"]});
        let opened = signer.open::<Session>(&signer.seal(&body)).unwrap();
        let clerk = Actor::Staff { user: "u1".into(), roles: vec!["clerk".into()], offices: vec!["a".into()] };
        assert_eq!(opened.user, Some(clerk));
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
