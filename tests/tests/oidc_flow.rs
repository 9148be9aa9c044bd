//! Web sign-in end to end against a real OpenID Connect provider (npm's oidc-provider on loopback,
//! `tests/oidc-provider/`), without a browser: `OidcClient::begin`, then the provider's login and consent
//! pages driven by a cookie-keeping HTTP client, the redirect to the callback read but not followed, and
//! `OidcClient::finish`. Citizens and clerks sign in; another state, a replayed code, a changed PKCE
//! verifier and a changed nonce are refused. Skipped where the provider is not installed, unless
//! `TEST_OIDC_PROVIDER` is set.

use reqwest::Url;
use reqwest::redirect::Policy;
use sportello_api::auth::{AuthSettings, Authenticator};
use sportello_api::hooks::Secret;
use sportello_api::web::oidc::{Answer, OidcClient, OidcClientSettings, PendingLogin};
use sportello_runtime::case::Actor;
use sportello_tests::oidc_provider::{OidcProvider, installed_or_skip, sign_in_at_provider};

const CLIENT_ID: &str = "sportello-web";
const SECRET: &str = "test secret: with/odd+characters";
/// Never contacted: the test reads the redirect to it and stops there.
const REDIRECT_URL: &str = "http://127.0.0.1:9/auth/callback";

/// A running provider, and this service's side of sign-in configured for it.
struct SignIn {
    /// The provider, kept running while the test uses it.
    provider: OidcProvider,
    auth: Authenticator,
    client: OidcClient,
}

/// What the provider sent back to the callback.
struct Callback {
    state: String,
    code: String,
    iss: Option<String>,
}

impl Callback {
    /// The answer as the callback page hands it to [`OidcClient::finish`].
    fn answer(&self) -> Answer<'_> {
        Answer { state: &self.state, iss: self.iss.as_deref(), code: &self.code }
    }
}

impl SignIn {
    /// A provider and a client for it: confidential (client_secret_basic) with `secret`, else public.
    async fn start(secret: Option<&str>) -> SignIn {
        let provider = OidcProvider::start(CLIENT_ID, secret, REDIRECT_URL);
        let settings = AuthSettings { issuer: Some(provider.issuer().to_owned()), ..AuthSettings::default() };
        let auth = Authenticator::new(settings, None).unwrap();
        let client_settings = OidcClientSettings {
            client_id: CLIENT_ID.to_owned(),
            client_secret: secret.map(Secret::new),
            redirect_url: REDIRECT_URL.to_owned(),
            scopes: vec!["openid".to_owned()],
            idp_hint_parameter: None,
            spid_providers: Vec::new(),
            cie_hint: None,
        };
        let client = OidcClient::discover(provider.issuer(), client_settings, reqwest::Client::new()).await.unwrap();
        SignIn { provider, auth, client }
    }

    /// Begins a sign-in and goes through the provider's pages as `login`, up to the callback.
    async fn authorize(&self, login: &str) -> (PendingLogin, Callback) {
        let (url, pending) = self.client.begin("/cases", None).unwrap();
        (pending, browse(&url, login).await)
    }
}

/// Goes through the provider's pages as `login` up to the redirect to [`REDIRECT_URL`], whose `state`
/// and `code` it returns.
async fn browse(authorization_url: &str, login: &str) -> Callback {
    let browser = reqwest::Client::builder().cookie_store(true).redirect(Policy::none()).build().unwrap();
    let first = browser.get(authorization_url).send().await.unwrap();
    callback(&sign_in_at_provider(&browser, first, login, REDIRECT_URL).await)
}

fn callback(url: &Url) -> Callback {
    let query = |name: &str| {
        url.query_pairs().find(|(key, _)| key == name).map(|(_, v)| v.into_owned()).unwrap_or_else(|| {
            panic!("no {name} in the callback (error: {:?})", url.query_pairs().find(|(k, _)| k == "error"))
        })
    };
    let iss = url.query_pairs().find(|(key, _)| key == "iss").map(|(_, v)| v.into_owned());
    Callback { state: query("state"), code: query("code"), iss }
}

#[tokio::test]
async fn a_citizen_signs_in_with_the_fiscal_code_the_provider_sends() {
    if !installed_or_skip("a_citizen_signs_in_with_the_fiscal_code_the_provider_sends") {
        return;
    }
    let sign_in = SignIn::start(Some(SECRET)).await;

    let (pending, callback) = sign_in.authorize("RSSMRA85T10A562S").await;
    let signed_in = sign_in.client.finish(&pending, callback.answer(), &sign_in.auth).await.unwrap();

    assert_eq!(signed_in.actor, Actor::Citizen { fiscal_code: "RSSMRA85T10A562S".into() });
    assert_eq!(pending.return_to, "/cases");
    assert!(signed_in.expires_at > jiff::Timestamp::now());
    let logout = sign_in.client.logout_url(&signed_in.id_token, Some(REDIRECT_URL)).unwrap();
    assert!(logout.contains("/session/end?id_token_hint="), "{logout}");
}

#[tokio::test]
async fn a_clerk_signs_in_with_a_public_client_and_gets_the_office() {
    if !installed_or_skip("a_clerk_signs_in_with_a_public_client_and_gets_the_office") {
        return;
    }
    let sign_in = SignIn::start(None).await;

    let (pending, callback) = sign_in.authorize("clerk-anagrafe").await;
    let signed_in = sign_in.client.finish(&pending, callback.answer(), &sign_in.auth).await.unwrap();

    let expected =
        Actor::Staff { user: "clerk-anagrafe".into(), roles: vec!["clerk".into()], offices: vec!["anagrafe".into()] };
    assert_eq!(signed_in.actor, expected);
}

#[tokio::test]
async fn a_callback_with_another_state_is_refused() {
    if !installed_or_skip("a_callback_with_another_state_is_refused") {
        return;
    }
    let sign_in = SignIn::start(Some(SECRET)).await;
    let (first, _) = sign_in.authorize("analyst").await;
    let (_, callback) = sign_in.authorize("analyst").await;

    let error = sign_in.client.finish(&first, callback.answer(), &sign_in.auth).await.unwrap_err();

    assert_eq!(error.code(), "oidc-state-mismatch");
}

#[tokio::test]
async fn an_answer_naming_another_issuer_or_none_is_refused() {
    if !installed_or_skip("an_answer_naming_another_issuer_or_none_is_refused") {
        return;
    }
    let sign_in = SignIn::start(Some(SECRET)).await;
    let (pending, callback) = sign_in.authorize("analyst").await;
    // The provider says in its discovery document that it names itself in every answer (RFC 9207).
    assert_eq!(callback.iss.as_deref(), Some(sign_in.provider.issuer()), "the provider's answer names it");

    for iss in [Some("http://127.0.0.1:1"), None] {
        let answer = Answer { iss, ..callback.answer() };
        let error = sign_in.client.finish(&pending, answer, &sign_in.auth).await.unwrap_err();
        assert_eq!(error.code(), "oidc-issuer-mismatch", "{iss:?}");
    }
    // Refused before the code was spent: the true answer still signs in.
    let signed_in = sign_in.client.finish(&pending, callback.answer(), &sign_in.auth).await.unwrap();
    assert!(matches!(signed_in.actor, Actor::Staff { ref roles, .. } if roles == &["analyst"]));
}

#[tokio::test]
async fn a_replayed_code_is_refused() {
    if !installed_or_skip("a_replayed_code_is_refused") {
        return;
    }
    let sign_in = SignIn::start(Some(SECRET)).await;
    let (pending, callback) = sign_in.authorize("analyst").await;
    let first = sign_in.client.finish(&pending, callback.answer(), &sign_in.auth).await.unwrap();
    assert!(matches!(first.actor, Actor::Staff { ref roles, .. } if roles == &["analyst"]));

    let error = sign_in.client.finish(&pending, callback.answer(), &sign_in.auth).await.unwrap_err();

    assert_eq!(error.code(), "oidc-token-exchange");
    assert_eq!(error.to_string(), "the token endpoint refused the authorization code: invalid_grant");
}

#[tokio::test]
async fn a_code_redeemed_without_its_pkce_verifier_is_refused() {
    if !installed_or_skip("a_code_redeemed_without_its_pkce_verifier_is_refused") {
        return;
    }
    let sign_in = SignIn::start(Some(SECRET)).await;
    let (pending, callback) = sign_in.authorize("RSSMRA85T10A562S").await;
    let (_, other) = sign_in.client.begin("/", None).unwrap();
    let stolen = PendingLogin { verifier: other.verifier, ..pending };

    let error = sign_in.client.finish(&stolen, callback.answer(), &sign_in.auth).await.unwrap_err();

    assert_eq!(error.to_string(), "the token endpoint refused the authorization code: invalid_grant");
}

#[tokio::test]
async fn an_id_token_with_another_nonce_is_refused() {
    if !installed_or_skip("an_id_token_with_another_nonce_is_refused") {
        return;
    }
    let sign_in = SignIn::start(Some(SECRET)).await;
    let (pending, callback) = sign_in.authorize("RSSMRA85T10A562S").await;
    let tampered = PendingLogin { nonce: format!("{}x", pending.nonce), ..pending };

    let error = sign_in.client.finish(&tampered, callback.answer(), &sign_in.auth).await.unwrap_err();

    assert_eq!(error.code(), "oidc-nonce-mismatch");
}
