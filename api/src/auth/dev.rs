//! Development sign-in: tokens with `iss` "sportello-dev", signed with HS256 by a 32-byte secret kept in a
//! local key file (created with random bytes, mode 0600, when missing). [`issue`] makes them for
//! `sportello dev-token`; the [`Authenticator`](super::Authenticator) accepts them only when dev mode is
//! on. Their claims have the shape real ones have: `roles` and `offices` for staff, the SPID fiscal
//! number claim for citizens, and for everyone a plausible Italian name ([`demo_name`]) in
//! `given_name`, `family_name` and `name`.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};

use sportello_definition::codice_fiscale::CodiceFiscale;

use crate::auth::actor::FISCAL_NUMBER_CLAIMS;
use crate::auth::verify::{self, Claims, Expected};
use crate::auth::{AuthError, DevAuth};

/// The `iss` of development tokens.
pub const ISSUER: &str = "sportello-dev";
const SECRET_LEN: usize = 32;

/// Who a development token signs in as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DevRole {
    /// A citizen, as if signed in with SPID or CIE.
    Citizen,
    /// A member of staff handling cases in their offices.
    Clerk,
    /// A member of staff designing workflows and reading reports.
    Analyst,
}

impl DevRole {
    /// The role's name, as it appears in the `roles` claim.
    pub fn as_str(self) -> &'static str {
        match self {
            DevRole::Citizen => "citizen",
            DevRole::Clerk => "clerk",
            DevRole::Analyst => "analyst",
        }
    }
}

/// The made-up fiscal code that [`demo_name`] gives its textbook owner's name.
const MARIO_ROSSI: &str = "RSSMRA85T10A562S";

/// Given names and family names the demo users' names are made of.
const GIVEN_NAMES: [&str; 12] = [
    "Giulia",
    "Luca",
    "Francesca",
    "Marco",
    "Chiara",
    "Alessandro",
    "Sara",
    "Davide",
    "Elena",
    "Paolo",
    "Anna",
    "Matteo",
];
const FAMILY_NAMES: [&str; 12] = [
    "Bianchi", "Ferrari", "Romano", "Colombo", "Ricci", "Marino", "Greco", "Bruno", "Gallo", "Conti", "Esposito",
    "Costa",
];

/// A plausible Italian name (given, family) for the demo user `id` (a fiscal code or a user id), the
/// same every time: the textbook code `RSSMRA85T10A562S` is Mario Rossi's, any other id gets a name
/// picked by a hash of it.
pub fn demo_name(id: &str) -> (&'static str, &'static str) {
    if id.eq_ignore_ascii_case(MARIO_ROSSI) {
        return ("Mario", "Rossi");
    }
    // FNV-1a: stable across builds and platforms, unlike the standard library's hasher.
    let hash = id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    let given = GIVEN_NAMES[(hash % GIVEN_NAMES.len() as u64) as usize];
    let family = FAMILY_NAMES[((hash / GIVEN_NAMES.len() as u64) % FAMILY_NAMES.len() as u64) as usize];
    (given, family)
}

/// What a development token says about its bearer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevClaims {
    /// Citizen or which kind of staff.
    pub role: DevRole,
    /// A citizen's fiscal code (required for citizens, refused for staff).
    pub fiscal_code: Option<String>,
    /// A member of staff's user id, the token's `sub` (required for staff, refused for citizens).
    pub user: Option<String>,
    /// The offices a member of staff works for (at least one for a clerk; none for a citizen).
    pub offices: Vec<String>,
}

/// A development token for `claims`, valid for `ttl`, signed with the key in `dev.key_file` (created
/// when missing).
pub fn issue(dev: &DevAuth, claims: DevClaims, ttl: Duration) -> Result<String, AuthError> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let exp = match ttl.as_secs() {
        0 => return Err(AuthError::InvalidDevClaims("the lifetime must be at least one second")),
        ttl => now.checked_add(ttl).ok_or(AuthError::InvalidDevClaims("the lifetime is too long"))?,
    };
    let mut payload = serde_json::json!({ "iss": ISSUER, "iat": now, "exp": exp });
    let DevClaims { role, fiscal_code, user, offices } = claims;
    if role == DevRole::Citizen {
        if user.is_some() || !offices.is_empty() {
            return Err(AuthError::InvalidDevClaims("a citizen has no user id or offices"));
        }
        let code = fiscal_code.ok_or(AuthError::InvalidDevClaims("a citizen needs a fiscal code"))?;
        let code = CodiceFiscale::parse(&code).map_err(|_| AuthError::InvalidFiscalCode)?;
        payload["sub"] = "dev-citizen".into();
        payload[FISCAL_NUMBER_CLAIMS[0]] = format!("TINIT-{code}").into();
        name_claims(&mut payload, code.as_str());
    } else {
        if fiscal_code.is_some() {
            return Err(AuthError::InvalidDevClaims("a member of staff has no fiscal code in a token"));
        }
        let user = user.filter(|u| !u.trim().is_empty());
        let user = user.ok_or(AuthError::InvalidDevClaims("a member of staff needs a user id"))?;
        if role == DevRole::Clerk && offices.is_empty() {
            return Err(AuthError::InvalidDevClaims("a clerk needs at least one office"));
        }
        name_claims(&mut payload, &user);
        payload["sub"] = user.into();
        payload["roles"] = serde_json::json!([role.as_str()]);
        payload["offices"] = offices.into();
    }
    let key = EncodingKey::from_secret(&load_or_create_secret(&dev.key_file)?);
    jsonwebtoken::encode(&Header::new(Algorithm::HS256), &payload, &key)
        .map_err(|_| AuthError::InvalidDevClaims("the claims cannot be signed"))
}

/// Adds the standard name claims of [`demo_name`]`(id)` to `payload`.
fn name_claims(payload: &mut serde_json::Value, id: &str) {
    let (given, family) = demo_name(id);
    payload["given_name"] = given.into();
    payload["family_name"] = family.into();
    payload["name"] = format!("{given} {family}").into();
}

/// Checks development tokens against the local secret.
#[derive(Debug)]
pub(crate) struct DevVerifier {
    key: DecodingKey,
}

impl DevVerifier {
    /// Reads the secret, creating the key file when missing.
    pub(crate) fn new(dev: &DevAuth) -> Result<Self, AuthError> {
        Ok(Self { key: DecodingKey::from_secret(&load_or_create_secret(&dev.key_file)?) })
    }

    /// The claims of a development token whose header says `alg`; only HS256 is accepted.
    pub(crate) fn verify(&self, token: &str, alg: &str, leeway: u64) -> Result<Claims, AuthError> {
        if alg != "HS256" {
            return Err(AuthError::UnsupportedAlgorithm);
        }
        verify::verify(token, &self.key, Algorithm::HS256, &Expected { issuer: ISSUER, audience: None, leeway })
    }
}

/// A 32-byte key kept in `path`, created (random, mode 0600) when missing; the pages sign their
/// session cookies with one.
pub fn load_or_create_key(path: &Path) -> Result<[u8; SECRET_LEN], AuthError> {
    load_or_create_secret(path)
}

/// The 32-byte secret in `path`, which is created (random, mode 0600) when missing.
fn load_or_create_secret(path: &Path) -> Result<[u8; SECRET_LEN], AuthError> {
    let fail = |source| AuthError::DevKey { path: path.to_owned(), source };
    match create_secret(path) {
        Ok(secret) => return Ok(secret),
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {}
        Err(error) => return Err(fail(error)),
    }
    let bytes = fs::read(path).map_err(fail)?;
    bytes.try_into().map_err(|_| {
        fail(io::Error::new(io::ErrorKind::InvalidData, "the file must hold exactly 32 bytes; delete it for a new key"))
    })
}

/// Writes a new secret beside `path` and links it into place, so that a process starting at the same
/// moment finds either no file or the whole secret, never a file still being written.
fn create_secret(path: &Path) -> io::Result<[u8; SECRET_LEN]> {
    let mut secret = [0u8; SECRET_LEN];
    getrandom::fill(&mut secret).map_err(|e| io::Error::other(format!("no random bytes: {e}")))?;
    let mut nonce = [0u8; 8];
    getrandom::fill(&mut nonce).map_err(|e| io::Error::other(format!("no random bytes: {e}")))?;
    let mut staged = path.as_os_str().to_owned();
    staged.push(format!(".{:016x}.new", u64::from_le_bytes(nonce)));
    let staged = std::path::PathBuf::from(staged);
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&staged).and_then(|mut file| file.write_all(&secret).and_then(|()| file.sync_all()));
    let linked = written.and_then(|()| fs::hard_link(&staged, path));
    let _ = fs::remove_file(&staged);
    linked?;
    tracing::info!(path = %path.display(), "created a key file");
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn processes_starting_together_all_get_the_same_whole_key() {
        for _ in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("dev.key");
            let keys: Vec<_> = std::thread::scope(|scope| {
                let racers: Vec<_> = (0..4).map(|_| scope.spawn(|| load_or_create_secret(&path).unwrap())).collect();
                racers.into_iter().map(|r| r.join().unwrap()).collect()
            });
            assert!(keys.iter().all(|k| *k == keys[0]));
            assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "no staged file is left behind");
        }
    }

    #[test]
    fn the_key_file_is_created_once_private_and_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dev.key");
        let first = load_or_create_secret(&path).unwrap();
        assert_eq!(load_or_create_secret(&path).unwrap(), first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        fs::write(&path, b"short").unwrap();
        assert_eq!(load_or_create_secret(&path).unwrap_err().code(), "dev-key-unavailable");
    }

    #[test]
    fn demo_users_have_the_same_plausible_name_every_time() {
        assert_eq!(demo_name("RSSMRA85T10A562S"), ("Mario", "Rossi"));
        assert_eq!(demo_name("dev-anagrafe"), demo_name("dev-anagrafe"));
        let names: std::collections::BTreeSet<_> =
            ["dev-anagrafe", "dev-edilizia", "dev-tributi", "dev-analyst", "m.bianchi"].map(demo_name).into();
        assert!(names.len() >= 4, "ids get different names: {names:?}");
    }

    #[test]
    fn claims_that_make_no_sense_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let dev = DevAuth { key_file: dir.path().join("dev.key") };
        let hour = Duration::from_secs(3600);
        let clerk = DevClaims { role: DevRole::Clerk, fiscal_code: None, user: Some("u1".into()), offices: vec![] };
        let error = issue(&dev, clerk, hour).unwrap_err();
        assert_eq!(error.to_string(), "invalid dev token claims: a clerk needs at least one office");
        let citizen = DevClaims { role: DevRole::Citizen, fiscal_code: None, user: None, offices: vec![] };
        assert_eq!(issue(&dev, citizen, hour).unwrap_err().code(), "invalid-dev-claims");
        let bad_code = DevClaims {
            role: DevRole::Citizen,
            fiscal_code: Some("RSSMRA85T10A562T".into()),
            user: None,
            offices: vec![],
        };
        assert_eq!(issue(&dev, bad_code, hour).unwrap_err().code(), "invalid-fiscal-code");
        assert!(!dev.key_file.exists(), "nothing is created for claims that are refused");
    }
}
