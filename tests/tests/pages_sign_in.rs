//! Signing in to the pages through a real OpenID Connect provider (npm's oidc-provider on loopback),
//! end to end through the server: `/accedi/oidc` sends the visitor to the provider with PKCE, the
//! provider's login and consent pages are filled in, `/accedi/callback` exchanges the code and opens
//! the session, and the citizen's area answers; signing out leads to the provider's logout. A callback
//! whose state is not the one sent, or that comes without the sign-in cookie, opens no session.
//! Skipped where the provider is not installed, unless `TEST_OIDC_PROVIDER` is set.

use jiff::civil::date;
use reqwest::StatusCode;
use reqwest::redirect::Policy;
use sportello_api::hooks::Secret;
use sportello_api::web::oidc::{IdentityProvider, OidcClientSettings};
use sportello_tests::app::TestApp;
use sportello_tests::oidc_provider::{OidcProvider, installed_or_skip, sign_in_at_provider};

const CLIENT_ID: &str = "sportello-web";
const SECRET: &str = "a web client secret";

/// A free port on loopback for the server, so the provider can be told its callback first.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A provider and a server (SQLite) that signs in through it.
async fn start() -> (OidcProvider, TestApp, tempfile::TempDir) {
    let port = free_port();
    let callback = format!("http://127.0.0.1:{port}/accedi/callback");
    let provider = OidcProvider::start(CLIENT_ID, Some(SECRET), &callback);
    let issuer = provider.issuer().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("sportello.db").display());
    let app = TestApp::spawn_with("sqlite", &url, date(2026, 3, 10), &|settings| {
        settings.listen = ([127, 0, 0, 1], port).into();
        settings.auth.issuer = Some(issuer.clone());
        settings.web.oidc = Some(OidcClientSettings {
            client_id: CLIENT_ID.to_owned(),
            client_secret: Some(Secret::new(SECRET)),
            redirect_url: callback.clone(),
            scopes: vec!["openid".to_owned()],
            idp_hint_parameter: Some("idp_hint".to_owned()),
            spid_providers: vec![IdentityProvider {
                name: "Poste Italiane".to_owned(),
                hint: "https://posteid.poste.it".to_owned(),
            }],
            cie_hint: Some("cie".to_owned()),
        });
    })
    .await;
    (provider, app, dir)
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(Policy::none()).build().unwrap()
}

#[tokio::test]
async fn a_citizen_signs_in_through_the_provider_and_out_again() {
    if !installed_or_skip("a_citizen_signs_in_through_the_provider_and_out_again") {
        return;
    }
    let (provider, app, _dir) = start().await;
    let browser = browser();
    let signin = browser.get(format!("{}/accedi", app.address)).send().await.unwrap().text().await.unwrap();
    assert!(signin.contains("/accedi/oidc"), "the sign-in page offers the provider: {signin}");

    let start = browser.get(format!("{}/accedi/oidc?next=/pratiche", app.address)).send().await.unwrap();
    assert_eq!(start.status(), StatusCode::SEE_OTHER);
    let to_provider = start.headers()["location"].to_str().unwrap().to_owned();
    assert!(to_provider.starts_with(provider.issuer()), "{to_provider}");
    assert!(to_provider.contains("code_challenge_method=S256"), "PKCE: {to_provider}");
    let first = browser.get(&to_provider).send().await.unwrap();
    let callback =
        sign_in_at_provider(&browser, first, "RSSMRA85T10A562S", &format!("{}/accedi/callback", app.address)).await;

    let back = browser.get(callback.clone()).send().await.unwrap();
    assert_eq!(back.status(), StatusCode::SEE_OTHER, "{}", back.text().await.unwrap());
    assert_eq!(back.headers()["location"], "/pratiche");
    let mine = browser.get(format!("{}/pratiche", app.address)).send().await.unwrap();
    assert_eq!(mine.status(), StatusCode::OK);
    let html = mine.text().await.unwrap();
    assert!(html.contains("RSSMRA85T10A562S"), "signed in as the fiscal code the provider sent: {html}");

    // The code cannot be used twice: a replayed callback opens no new session.
    let replayed = browser.get(callback).send().await.unwrap();
    assert_eq!(replayed.status(), StatusCode::FORBIDDEN);

    // Signing out ends the session here and leads to the provider's logout.
    let csrf = {
        let marker = "name=\"_csrf\" value=\"";
        let start = html.find(marker).unwrap() + marker.len();
        html[start..start + html[start..].find('"').unwrap()].to_owned()
    };
    let out = browser.post(format!("{}/esci", app.address)).form(&[("_csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert!(out.headers()["location"].to_str().unwrap().starts_with(provider.issuer()));
    let after = browser.get(format!("{}/pratiche", app.address)).send().await.unwrap();
    assert_eq!(after.status(), StatusCode::SEE_OTHER, "signed out");
}

#[tokio::test]
async fn the_spid_and_cie_buttons_hint_only_the_providers_offered() {
    if !installed_or_skip("the_spid_and_cie_buttons_hint_only_the_providers_offered") {
        return;
    }
    let (_provider, app, _dir) = start().await;
    let browser = browser();
    let signin =
        browser.get(format!("{}/accedi?next=/pratiche", app.address)).send().await.unwrap().text().await.unwrap();
    assert!(signin.contains("Entra con SPID") && signin.contains("Entra con CIE"), "{signin}");
    assert!(signin.contains("Poste Italiane"), "the SPID providers are listed: {signin}");
    assert!(signin.contains("idp=https://posteid.poste.it"), "{signin}");
    assert!(signin.contains("idp=cie"), "{signin}");
    let hinted = |idp: &str| {
        let browser = browser.clone();
        let url = format!("{}/accedi/oidc?next=/pratiche&idp={}", app.address, idp);
        async move {
            let start = browser.get(url).send().await.unwrap();
            assert_eq!(start.status(), StatusCode::SEE_OTHER);
            let location = reqwest::Url::parse(start.headers()["location"].to_str().unwrap()).unwrap();
            location.query_pairs().find(|(k, _)| k == "idp_hint").map(|(_, v)| v.into_owned())
        }
    };
    assert_eq!(hinted("https%3A%2F%2Fposteid.poste.it").await.as_deref(), Some("https://posteid.poste.it"));
    assert_eq!(hinted("cie").await.as_deref(), Some("cie"));
    assert_eq!(hinted("https%3A%2F%2Fidp.evil.example").await, None, "a provider not offered is never hinted");
}

#[tokio::test]
async fn a_callback_with_another_state_opens_no_session() {
    if !installed_or_skip("a_callback_with_another_state_opens_no_session") {
        return;
    }
    let (_provider, app, _dir) = start().await;
    let browser = browser();
    let start = browser.get(format!("{}/accedi/oidc", app.address)).send().await.unwrap();
    let to_provider = start.headers()["location"].to_str().unwrap().to_owned();
    let first = browser.get(&to_provider).send().await.unwrap();
    let callback =
        sign_in_at_provider(&browser, first, "clerk-scuola", &format!("{}/accedi/callback", app.address)).await;
    let mut forged = callback.clone();
    let pairs: Vec<(String, String)> = callback
        .query_pairs()
        .map(|(k, v)| {
            let value = if k == "state" { "forged".to_owned() } else { v.into_owned() };
            (k.into_owned(), value)
        })
        .collect();
    forged.query_pairs_mut().clear().extend_pairs(pairs);
    let refused = browser.get(forged).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(browser.get(format!("{}/ufficio", app.address)).send().await.unwrap().status(), StatusCode::SEE_OTHER);

    // Without the sign-in cookie (another browser), the genuine callback opens nothing either.
    let other = reqwest::Client::builder().redirect(Policy::none()).build().unwrap();
    assert_eq!(other.get(callback).send().await.unwrap().status(), StatusCode::FORBIDDEN);
}
