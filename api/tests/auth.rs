//! Sign-in: tokens from an OpenID Connect issuer become actors, and development tokens do when dev mode
//! is on; everything else is refused with a stable code. The issuer is a local axum server serving a
//! discovery document and a JWKS; tokens are signed here with the test keys in `tests/fixtures/auth`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use clap::Parser;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use sportello_api::auth::dev::{self, DevClaims, DevRole};
use sportello_api::auth::{AuthError, AuthSettings, Authenticator, DevAuth};
use sportello_api::dev_token::{self, DEMO_FISCAL_CODE, DevTokenArgs};
use sportello_runtime::case::Actor;

const FISCAL_NUMBER: &str = "https://attributes.eid.gov.it/fiscal_number";

// --- Arrange: an issuer, keys and tokens ---------------------------------------------------------

/// A local OpenID Connect issuer whose key set can be swapped and whose key-set fetches are counted.
struct Issuer {
    url: String,
    jwks: Arc<Mutex<Value>>,
    fetches: Arc<AtomicUsize>,
}

#[derive(Clone)]
struct IssuerState {
    url: String,
    jwks: Arc<Mutex<Value>>,
    fetches: Arc<AtomicUsize>,
}

impl Issuer {
    /// An issuer on 127.0.0.1 publishing the fixture keys named `kids`.
    async fn start(kids: &[&str]) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let jwks = Arc::new(Mutex::new(key_set(kids)));
        let fetches = Arc::new(AtomicUsize::new(0));
        let state = IssuerState { url: url.clone(), jwks: jwks.clone(), fetches: fetches.clone() };
        let app = Router::new()
            .route(
                "/.well-known/openid-configuration",
                get(|State(s): State<IssuerState>| async move {
                    Json(json!({ "issuer": s.url, "jwks_uri": format!("{}/jwks", s.url) }))
                }),
            )
            .route(
                "/jwks",
                get(|State(s): State<IssuerState>| async move {
                    s.fetches.fetch_add(1, Ordering::SeqCst);
                    Json(s.jwks.lock().unwrap().clone())
                }),
            )
            .route("/down", get(|| async { StatusCode::SERVICE_UNAVAILABLE }))
            .route(
                "/liar/.well-known/openid-configuration",
                get(|State(s): State<IssuerState>| async move {
                    Json(json!({ "issuer": "https://someone-else.example", "jwks_uri": format!("{}/jwks", s.url) }))
                }),
            )
            .with_state(state);
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { url, jwks, fetches }
    }

    fn settings(&self) -> AuthSettings {
        AuthSettings { issuer: Some(self.url.clone()), ..AuthSettings::default() }
    }

    fn authenticator(&self) -> Authenticator {
        Authenticator::new(self.settings(), None).unwrap()
    }

    /// Replaces the published keys, as an issuer does when it rotates them.
    fn publish(&self, kids: &[&str]) {
        *self.jwks.lock().unwrap() = key_set(kids);
    }

    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/fixtures/auth/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// A JWKS of the fixture keys `kids` (each fixture's `kid` is its file stem), plus an encryption key
/// that must be ignored.
fn key_set(kids: &[&str]) -> Value {
    let mut keys: Vec<Value> =
        kids.iter().map(|kid| serde_json::from_str(&fixture(&format!("{kid}.jwk.json"))).unwrap()).collect();
    let mut encryption: Value = serde_json::from_str(&fixture("rsa-b.jwk.json")).unwrap();
    encryption["use"] = "enc".into();
    encryption["alg"] = "RSA-OAEP".into();
    encryption["kid"] = "encryption".into();
    keys.push(encryption);
    json!({ "keys": keys })
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// Signs `claims` with the fixture key `kid` (its private PEM), naming `kid` in the header.
fn sign(alg: Algorithm, kid: &str, claims: &Value) -> String {
    let pem = fixture(&format!("{kid}.key.pem"));
    let key = match alg {
        Algorithm::RS256 => EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
        Algorithm::ES256 => EncodingKey::from_ec_pem(pem.as_bytes()).unwrap(),
        other => panic!("no fixture key for {other:?}"),
    };
    let header = Header { kid: Some(kid.to_owned()), ..Header::new(alg) };
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

/// The claims SPID sends through the proxy, valid for ten minutes.
fn citizen_claims(issuer: &Issuer) -> Value {
    json!({
        "iss": issuer.url,
        "sub": "spid-4f8a",
        "iat": now(),
        "exp": now() + 600,
        FISCAL_NUMBER: "TINIT-RSSMRA85T10A562S",
    })
}

fn mario() -> Actor {
    Actor::Citizen { fiscal_code: "RSSMRA85T10A562S".to_owned() }
}

/// Authenticates a token that must be refused, checking that the refusal quotes none of it.
async fn refused(auth: &Authenticator, token: &str) -> AuthError {
    let error = auth.authenticate(token).await.expect_err("the token should be refused");
    let mut chain = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        chain.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    for part in token.split('.').filter(|part| part.len() > 8) {
        assert!(!chain.contains(part), "{chain:?} quotes the token");
    }
    assert!(!chain.contains("RSSMRA85T10A56"), "{chain:?} quotes a fiscal code");
    error
}

// --- Tokens from the OpenID Connect issuer ---------------------------------------------------------

#[tokio::test]
async fn an_rs256_token_from_the_issuer_signs_in_the_citizen_it_names() {
    let issuer = Issuer::start(&["rsa-a", "ec-p256"]).await;
    let token = sign(Algorithm::RS256, "rsa-a", &citizen_claims(&issuer));

    let actor = issuer.authenticator().authenticate(&token).await.unwrap();

    assert_eq!(actor, mario(), "TINIT- is removed");
}

#[tokio::test]
async fn an_es256_token_is_accepted_and_a_plain_fiscal_number_claim_is_read_too() {
    let issuer = Issuer::start(&["rsa-a", "ec-p256"]).await;
    let mut claims = citizen_claims(&issuer);
    claims.as_object_mut().unwrap().remove(FISCAL_NUMBER);
    claims["fiscal_number"] = "tinit-rssmra85t10a562s".into();
    let token = sign(Algorithm::ES256, "ec-p256", &claims);

    let actor = issuer.authenticator().authenticate(&token).await.unwrap();

    assert_eq!(actor, mario(), "prefix removed, upper-cased");
}

#[tokio::test]
async fn a_fiscal_code_with_a_bad_check_character_is_refused() {
    let issuer = Issuer::start(&["rsa-a"]).await;
    let mut claims = citizen_claims(&issuer);
    claims[FISCAL_NUMBER] = "TINIT-RSSMRA85T10A562T".into();
    let token = sign(Algorithm::RS256, "rsa-a", &claims);

    let error = refused(&issuer.authenticator(), &token).await;

    assert_eq!(error.code(), "invalid-fiscal-code");
}

#[tokio::test]
async fn a_token_with_neither_roles_nor_a_fiscal_code_is_refused() {
    let issuer = Issuer::start(&["rsa-a"]).await;
    let token = sign(Algorithm::RS256, "rsa-a", &json!({ "iss": issuer.url, "sub": "x", "exp": now() + 600 }));

    assert_eq!(refused(&issuer.authenticator(), &token).await.code(), "identity-missing");
}

#[tokio::test]
async fn staff_roles_and_offices_are_read_from_configured_dotted_claims() {
    let issuer = Issuer::start(&["rsa-a"]).await;
    let settings = AuthSettings {
        roles_claim: "realm_access.roles".to_owned(),
        offices_claim: "sportello.offices".to_owned(),
        ..issuer.settings()
    };
    let claims = json!({
        "iss": issuer.url,
        "sub": "m.bianchi",
        "exp": now() + 600,
        "realm_access": { "roles": ["clerk", "supervisor"] },
        "sportello": { "offices": "edilizia" },
        "roles": ["ignored: not the configured claim"],
    });
    let token = sign(Algorithm::RS256, "rsa-a", &claims);

    let actor = Authenticator::new(settings, None).unwrap().authenticate(&token).await.unwrap();

    assert_eq!(
        actor,
        Actor::Staff {
            user: "m.bianchi".to_owned(),
            roles: vec!["clerk".to_owned(), "supervisor".to_owned()],
            offices: vec!["edilizia".to_owned()],
        }
    );
}

#[tokio::test]
async fn an_audience_when_configured_must_be_named_by_the_token() {
    let issuer = Issuer::start(&["rsa-a"]).await;
    let auth =
        Authenticator::new(AuthSettings { audience: Some("sportello".to_owned()), ..issuer.settings() }, None).unwrap();
    let with_aud = |aud: Value| {
        let mut claims = citizen_claims(&issuer);
        claims["aud"] = aud;
        sign(Algorithm::RS256, "rsa-a", &claims)
    };

    assert_eq!(auth.authenticate(&with_aud(json!(["other", "sportello"]))).await.unwrap(), mario());
    let wrong = refused(&auth, &with_aud(json!("other"))).await;
    assert_eq!(
        (wrong.code(), wrong.to_string().as_str()),
        ("invalid-token", "the token is meant for another audience")
    );
    let none = refused(&auth, &sign(Algorithm::RS256, "rsa-a", &citizen_claims(&issuer))).await;
    assert_eq!(none.to_string(), "invalid token: no aud claim");
}

#[tokio::test]
async fn an_id_token_must_name_the_client_and_gives_back_its_nonce_and_expiry() {
    let issuer = Issuer::start(&["rsa-a"]).await;
    // The API audience is not what an ID token is checked against: the client id is.
    let auth =
        Authenticator::new(AuthSettings { audience: Some("sportello-api".to_owned()), ..issuer.settings() }, None)
            .unwrap();
    let id_token = |changes: Value| {
        let mut claims = citizen_claims(&issuer);
        claims["aud"] = json!(["sportello-web", "other"]);
        claims["azp"] = json!("sportello-web");
        claims["nonce"] = json!("n-0S6_WzA2Mj");
        for (name, value) in changes.as_object().unwrap() {
            claims[name] = value.clone();
        }
        sign(Algorithm::RS256, "rsa-a", &claims)
    };

    // An expiry of its own, so the check cannot straddle a second.
    let exp = jiff::Timestamp::now().as_second() + 600;
    let verified = auth.verify_id_token(&id_token(json!({"exp": exp})), "sportello-web").await.unwrap();
    assert_eq!((verified.actor, verified.nonce.as_deref()), (mario(), Some("n-0S6_WzA2Mj")));
    assert_eq!(verified.expires_at.as_second(), exp);

    let refusal = |changes: Value| {
        let token = id_token(changes);
        let auth = auth.clone();
        async move { auth.verify_id_token(&token, "sportello-web").await.unwrap_err().to_string() }
    };
    assert_eq!(refusal(json!({"aud": "other", "azp": null})).await, "the token is meant for another audience");
    assert_eq!(refusal(json!({"azp": "other"})).await, "the token is meant for another audience");
    assert_eq!(refusal(json!({"nonce": 7})).await, "invalid token: the nonce is not a string");
    let no_nonce = auth.verify_id_token(&id_token(json!({"nonce": null})), "sportello-web").await.unwrap_err();
    assert_eq!(no_nonce.code(), "invalid-token", "a null nonce is not a string either");
}

// --- Refusals --------------------------------------------------------------------------------------

#[tokio::test]
async fn a_token_from_another_issuer_is_refused_without_fetching_keys() {
    let issuer = Issuer::start(&["rsa-a"]).await;
    let mut claims = citizen_claims(&issuer);
    claims["iss"] = "https://id.elsewhere.example".into();
    let token = sign(Algorithm::RS256, "rsa-a", &claims);

    let error = refused(&issuer.authenticator(), &token).await;

    assert_eq!(error.code(), "unknown-issuer");
    assert_eq!(issuer.fetches(), 0);
}

#[tokio::test]
async fn an_expired_token_is_refused_but_the_leeway_is_granted() {
    let issuer = Issuer::start(&["rsa-a"]).await;
    let auth = issuer.authenticator();
    let expiring = |exp: u64| {
        let mut claims = citizen_claims(&issuer);
        claims["exp"] = exp.into();
        sign(Algorithm::RS256, "rsa-a", &claims)
    };

    assert_eq!(refused(&auth, &expiring(now() - 3600)).await.code(), "expired-token");
    assert_eq!(auth.authenticate(&expiring(now() - 10)).await.unwrap(), mario(), "within the 60 s leeway");

    let mut claims = citizen_claims(&issuer);
    claims.as_object_mut().unwrap().remove("exp");
    let no_exp = refused(&auth, &sign(Algorithm::RS256, "rsa-a", &claims)).await;
    assert_eq!(no_exp.to_string(), "invalid token: no exp claim");
}

#[tokio::test]
async fn a_token_not_valid_yet_is_refused() {
    let issuer = Issuer::start(&["rsa-a"]).await;
    let mut claims = citizen_claims(&issuer);
    claims["nbf"] = (now() + 3600).into();

    let error = refused(&issuer.authenticator(), &sign(Algorithm::RS256, "rsa-a", &claims)).await;

    assert_eq!((error.code(), error.to_string().as_str()), ("invalid-token", "the token is not valid yet"));
}

#[tokio::test]
async fn a_token_whose_claims_were_changed_after_signing_is_refused() {
    let issuer = Issuer::start(&["rsa-a"]).await;
    let citizen = sign(Algorithm::RS256, "rsa-a", &citizen_claims(&issuer));
    let staff = sign(
        Algorithm::RS256,
        "rsa-a",
        &json!({ "iss": issuer.url, "sub": "intruder", "exp": now() + 600, "roles": ["supervisor"] }),
    );
    let [header, _, signature] = parts(&citizen);
    let [_, staff_claims, _] = parts(&staff);
    let tampered = format!("{header}.{staff_claims}.{signature}");

    let error = refused(&issuer.authenticator(), &tampered).await;

    assert_eq!((error.code(), error.to_string().as_str()), ("invalid-token", "invalid token: bad signature"));
}

#[tokio::test]
async fn an_unsigned_token_with_alg_none_is_refused() {
    let issuer = Issuer::start(&["rsa-a"]).await;
    let signed = sign(Algorithm::RS256, "rsa-a", &citizen_claims(&issuer));
    let [_, claims, _] = parts(&signed);
    // {"alg":"none","typ":"JWT"}, base64url
    let unsigned = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{claims}.");

    assert_eq!(refused(&issuer.authenticator(), &unsigned).await.code(), "unsupported-algorithm");
}

#[tokio::test]
async fn hs256_signed_with_the_public_rsa_key_as_secret_is_refused() {
    // Algorithm confusion: a verifier that let the header choose the algorithm would check this HMAC
    // with the issuer's public key, which anyone can download.
    let issuer = Issuer::start(&["rsa-a"]).await;
    let public_pem = fixture("rsa-a.pub.pem");
    let header = Header { kid: Some("rsa-a".to_owned()), ..Header::new(Algorithm::HS256) };
    let forged =
        jsonwebtoken::encode(&header, &citizen_claims(&issuer), &EncodingKey::from_secret(public_pem.as_bytes()))
            .unwrap();

    assert_eq!(refused(&issuer.authenticator(), &forged).await.code(), "unsupported-algorithm");
}

#[tokio::test]
async fn a_token_whose_alg_is_not_the_one_its_key_allows_is_refused() {
    let issuer = Issuer::start(&["rsa-a", "ec-p256"]).await;
    // Signed with the EC key, but naming the RSA key.
    let pem = fixture("ec-p256.key.pem");
    let header = Header { kid: Some("rsa-a".to_owned()), ..Header::new(Algorithm::ES256) };
    let token =
        jsonwebtoken::encode(&header, &citizen_claims(&issuer), &EncodingKey::from_ec_pem(pem.as_bytes()).unwrap())
            .unwrap();

    assert_eq!(refused(&issuer.authenticator(), &token).await.code(), "unsupported-algorithm");
}

#[tokio::test]
async fn an_empty_or_malformed_token_is_refused() {
    let issuer = Issuer::start(&["rsa-a"]).await;
    let auth = issuer.authenticator();

    assert_eq!(refused(&auth, "  ").await.code(), "missing-token");
    assert_eq!(refused(&auth, "not-a-token").await.code(), "invalid-token");
    assert_eq!(refused(&auth, "a.b.c").await.code(), "invalid-token");
}

// --- Keys: caching, rotation, outages --------------------------------------------------------------

#[tokio::test]
async fn an_unknown_kid_refetches_the_keys_once_so_a_rotated_key_works() {
    let issuer = Issuer::start(&["rsa-a"]).await;
    let auth = issuer.authenticator();
    let claims = citizen_claims(&issuer);
    assert_eq!(auth.authenticate(&sign(Algorithm::RS256, "rsa-a", &claims)).await.unwrap(), mario());
    assert_eq!(auth.authenticate(&sign(Algorithm::RS256, "rsa-a", &claims)).await.unwrap(), mario());
    assert_eq!(issuer.fetches(), 1, "keys are cached");

    issuer.publish(&["rsa-b"]);
    let rotated = auth.authenticate(&sign(Algorithm::RS256, "rsa-b", &claims)).await;

    assert_eq!(rotated.unwrap(), mario());
    assert_eq!(issuer.fetches(), 2, "one refetch for the unknown kid");
    // Within the minute, another unknown kid (here the withdrawn key) is refused without a fetch.
    let withdrawn = refused(&auth, &sign(Algorithm::RS256, "rsa-a", &claims)).await;
    assert_eq!(withdrawn.code(), "unknown-key");
    assert_eq!(issuer.fetches(), 2);
}

#[tokio::test]
async fn a_first_token_with_an_unknown_kid_costs_a_single_fetch() {
    let issuer = Issuer::start(&["rsa-a"]).await;
    let token = sign(Algorithm::RS256, "rsa-b", &citizen_claims(&issuer));

    let error = refused(&issuer.authenticator(), &token).await;

    assert_eq!(error.code(), "unknown-key");
    assert_eq!(issuer.fetches(), 1, "the keys were just fetched: no refetch");
}

#[tokio::test]
async fn clones_of_an_authenticator_share_its_key_cache() {
    let issuer = Issuer::start(&["rsa-a"]).await;
    let auth = issuer.authenticator();
    let token = sign(Algorithm::RS256, "rsa-a", &citizen_claims(&issuer));

    auth.authenticate(&token).await.unwrap();
    auth.clone().authenticate(&token).await.unwrap();

    assert_eq!(issuer.fetches(), 1);
}

#[tokio::test]
async fn when_the_keys_cannot_be_fetched_the_error_says_so() {
    let issuer = Issuer::start(&["rsa-a"]).await;
    let token = sign(Algorithm::RS256, "rsa-a", &citizen_claims(&issuer));
    let closed_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/jwks", listener.local_addr().unwrap())
    };

    for jwks_url in [format!("{}/down", issuer.url), closed_port] {
        let auth =
            Authenticator::new(AuthSettings { jwks_url: Some(jwks_url.clone()), ..issuer.settings() }, None).unwrap();
        let error = refused(&auth, &token).await;
        assert_eq!(error.code(), "keys-unavailable", "{jwks_url}");
        assert!(!error.is_refusal());
    }
}

#[tokio::test]
async fn a_discovery_document_naming_another_issuer_is_not_trusted() {
    let issuer = Issuer::start(&["rsa-a"]).await;
    // Its discovery document names https://someone-else.example.
    let liar = format!("{}/liar", issuer.url);
    let mut claims = citizen_claims(&issuer);
    claims["iss"] = liar.clone().into();
    let auth = Authenticator::new(AuthSettings { issuer: Some(liar), ..AuthSettings::default() }, None).unwrap();

    let error = refused(&auth, &sign(Algorithm::RS256, "rsa-a", &claims)).await;

    assert_eq!(error.code(), "keys-unavailable");
    assert!(std::error::Error::source(&error).unwrap().to_string().contains("names another issuer"));
}

// --- Development tokens ------------------------------------------------------------------------------

#[tokio::test]
async fn a_dev_token_signs_in_when_dev_mode_is_on_and_is_refused_when_it_is_off() {
    let dir = tempfile::tempdir().unwrap();
    let dev_auth = DevAuth { key_file: dir.path().join("sportello-dev.key") };
    let claims = DevClaims {
        role: DevRole::Clerk,
        fiscal_code: None,
        user: Some("dev-clerk".to_owned()),
        offices: vec!["anagrafe".to_owned(), "edilizia".to_owned()],
    };
    let token = dev::issue(&dev_auth, claims, Duration::from_secs(3600)).unwrap();

    let dev_on = Authenticator::new(AuthSettings::default(), Some(dev_auth.clone())).unwrap();
    assert_eq!(
        dev_on.authenticate(&token).await.unwrap(),
        Actor::Staff {
            user: "dev-clerk".to_owned(),
            roles: vec!["clerk".to_owned()],
            offices: vec!["anagrafe".to_owned(), "edilizia".to_owned()],
        }
    );

    let issuer = Issuer::start(&["rsa-a"]).await;
    assert_eq!(refused(&issuer.authenticator(), &token).await.code(), "unknown-issuer", "dev mode off");
    let other_key = DevAuth { key_file: dir.path().join("another.key") };
    let other_dev = Authenticator::new(AuthSettings::default(), Some(other_key)).unwrap();
    assert_eq!(refused(&other_dev, &token).await.code(), "invalid-token", "another dev key");
}

#[tokio::test]
async fn a_dev_token_is_only_accepted_with_hs256() {
    let dir = tempfile::tempdir().unwrap();
    let auth =
        Authenticator::new(AuthSettings::default(), Some(DevAuth { key_file: dir.path().join("dev.key") })).unwrap();
    let claims = json!({ "iss": "sportello-dev", "sub": "x", "exp": now() + 600, "roles": ["supervisor"] });

    assert_eq!(refused(&auth, &sign(Algorithm::RS256, "rsa-a", &claims)).await.code(), "unsupported-algorithm");
}

#[tokio::test]
async fn the_dev_token_command_issues_a_demo_citizen_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("dev.key");
    let args = dev_token_args(&["--role", "citizen", "--ttl", "30m", "--key-file", key_file.to_str().unwrap()]);

    let token = dev_token::token(&args).unwrap();

    let auth = Authenticator::new(AuthSettings::default(), Some(DevAuth { key_file })).unwrap();
    let actor = auth.authenticate(&token).await.unwrap();
    assert_eq!(actor, Actor::Citizen { fiscal_code: DEMO_FISCAL_CODE.to_owned() });
}

#[test]
fn the_dev_token_command_wants_an_office_for_a_clerk() {
    let dir = tempfile::tempdir().unwrap();
    let args = dev_token_args(&["--role", "clerk", "--key-file", dir.path().join("dev.key").to_str().unwrap()]);

    let error = dev_token::token(&args).unwrap_err();

    assert_eq!(format!("{error:#}"), "a clerk token needs at least one --office");
}

// --- Helpers ---------------------------------------------------------------------------------------

fn parts(token: &str) -> [&str; 3] {
    let parts: Vec<&str> = token.split('.').collect();
    parts.try_into().unwrap()
}

fn dev_token_args(args: &[&str]) -> DevTokenArgs {
    #[derive(Parser)]
    struct Command {
        #[command(flatten)]
        args: DevTokenArgs,
    }
    Command::try_parse_from(std::iter::once("dev-token").chain(args.iter().copied())).unwrap().args
}
