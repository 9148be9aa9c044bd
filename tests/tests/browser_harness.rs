//! The browser harness itself, on two tiny pages an axum server in the test serves: a good one, whose
//! form is filled, ticked and submitted to a second page that must show what was sent and link back, both
//! pages passing the accessibility check; and a bad one (an image without alt text, an unlabelled input,
//! low-contrast text) whose violations axe-core must find, so that `assert_accessible` panics — the
//! panic also shows that the browser is stopped while a test unwinds. Skipped without the tools unless
//! `TEST_BROWSER` is set.

use axum::extract::Query;
use axum::response::{Html, Redirect};
use axum::routing::get;
use axum::{Form, Router};
use serde_json::Value;
use sportello_tests::browser::Browser;

const GOOD: &str = r#"<!doctype html>
<html lang="it">
<head><meta charset="utf-8"><title>Richiesta di accesso agli atti</title></head>
<body>
<main>
  <h1>Richiesta di accesso agli atti</h1>
  <form id="request" method="post" action="/request">
    <p><label for="name">Nome e cognome</label> <input id="name" name="name" type="text" autocomplete="name"></p>
    <p><label for="office">Ufficio</label>
      <select id="office" name="office">
        <option value="anagrafe">Anagrafe</option>
        <option value="edilizia">Edilizia</option>
      </select></p>
    <p><input id="consent" name="consent" type="checkbox" value="yes">
      <label for="consent">Acconsento al trattamento dei dati</label></p>
    <p><button type="submit">Invia</button></p>
  </form>
</main>
</body>
</html>"#;

const BAD: &str = r#"<!doctype html>
<html lang="it">
<head><meta charset="utf-8"><title>Pagina da correggere</title></head>
<body>
<main>
  <h1>Pagina da correggere</h1>
  <img src="/stemma.png">
  <p><input id="fiscal-code" type="text"></p>
  <p style="color: #c8c8c8; background: #ffffff">Testo quasi invisibile</p>
</main>
</body>
</html>"#;

/// Serves the two pages and the form's target on a free local port; returns the base address.
async fn serve() -> String {
    let app = Router::new()
        .route("/", get(|| async { Html(GOOD) }))
        .route("/bad", get(|| async { Html(BAD) }))
        .route("/request", axum::routing::post(request))
        .route("/received", get(received));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    address
}

/// The form's POST, answered with a redirect to the page that shows what was sent.
async fn request(Form(fields): Form<Vec<(String, String)>>) -> Redirect {
    Redirect::to(&format!("/received?{}", serde_urlencoded::to_string(fields).unwrap()))
}

async fn received(Query(fields): Query<Vec<(String, String)>>) -> Html<String> {
    let items: String =
        fields.iter().map(|(name, value)| format!("<li>{}: {}</li>", escape(name), escape(value))).collect();
    Html(format!(
        r#"<!doctype html><html lang="it"><head><meta charset="utf-8"><title>Richiesta ricevuta</title></head>
        <body><main><h1>Richiesta ricevuta</h1><ul id="fields">{items}</ul>
        <p><a id="back" href="/">Nuova richiesta</a></p></main></body></html>"#
    ))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[tokio::test]
async fn a_form_is_filled_and_submitted_and_both_pages_pass_the_accessibility_check() {
    let Some(browser) = Browser::start("a_form_is_filled_and_submitted").await else { return };
    let address = serve().await;

    browser.goto(&address).await;
    browser.assert_accessible("form").await;
    browser.fill("#name", "Maria Rossi").await;
    browser.select("#office", "edilizia").await;
    browser.check("#consent").await;
    browser.screenshot("form-filled").await;
    browser.submit("#request").await;
    browser.wait_for("#fields").await;

    assert_eq!(browser.current_url().await, format!("{address}/received?name=Maria+Rossi&office=edilizia&consent=yes"));
    assert_eq!(browser.text("#fields").await, "name: Maria Rossi\noffice: edilizia\nconsent: yes");
    let shot = browser.screenshot("received").await;
    assert!(std::fs::read(&shot).unwrap().starts_with(b"\x89PNG"), "{} is not a PNG", shot.display());
    browser.assert_accessible("received").await;

    browser.click("#back").await;
    browser.wait_for("#request").await;
    assert_eq!(browser.current_url().await, format!("{address}/"));
    browser.close().await;
}

#[tokio::test]
async fn a_page_without_alt_text_labels_or_contrast_fails_the_accessibility_check() {
    let Some(browser) = Browser::start("a_page_fails_the_accessibility_check").await else { return };
    let address = serve().await;
    browser.goto(&format!("{address}/bad")).await;

    let violations = browser.accessibility_violations("bad").await;

    let serious: Vec<&str> = violations.iter().filter(|v| v.is_serious()).map(|v| v.id.as_str()).collect();
    for rule in ["image-alt", "label", "color-contrast"] {
        assert!(serious.contains(&rule), "{rule} not among the serious violations {serious:?}");
    }
    let image = violations.iter().find(|v| v.id == "image-alt").unwrap();
    assert_eq!(image.targets, ["img"]);
    let report = browser.screenshot("bad-after").await.with_file_name("01-bad.axe.json");
    let report: Value = serde_json::from_slice(&std::fs::read(report).unwrap()).unwrap();
    assert_eq!(report["violations"].as_array().unwrap().len(), violations.len());

    // The check panics, and the browser is dropped (session ended, chromedriver killed) while unwinding.
    let check = tokio::spawn(async move { browser.assert_accessible("bad-again").await });
    let panic = check.await.expect_err("the check must fail").into_panic();
    let message = panic.downcast_ref::<String>().expect("a formatted panic message");
    assert!(message.contains(r#"page "bad-again" has 3 serious or critical accessibility violations"#), "{message}");
    for line in ["  - image-alt (critical): ", "  - label (critical): ", "  - color-contrast (serious): "] {
        assert!(message.contains(line), "{line:?} missing from:\n{message}");
    }
}
