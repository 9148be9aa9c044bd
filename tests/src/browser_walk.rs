//! What the browser tests share to walk the pages as people do: the real server on SQLite with every
//! fake provider (App IO, pagoPA, e-mail, webhooks), signing in as a demo user, setting a field the
//! way a script must (date inputs), reading the page, and looking at a page as a whole: nothing wider
//! than the window, axe-core clean, a screenshot kept.

use jiff::civil::Date;
use serde_json::json;

use crate::app::{TestApp, fake_pagopa_settings};
use crate::browser::Browser;

/// The sign-out button every page has for a signed-in visitor.
const SIGN_OUT: &str = "form[action='/esci'] button";

/// The server on a fresh SQLite file, on `today`, with every fake provider, as in dev mode.
pub async fn app_with_fakes(today: Date) -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("sportello.db").display());
    let app = TestApp::spawn_with("sqlite", &url, today, &|settings| {
        settings.hooks = serde_json::from_value(json!({
            "app_io": { "provider": "fake" },
            "pagopa": fake_pagopa_settings(),
            "email": { "provider": "fake" },
            "webhooks": { "provider": "fake" },
        }))
        .unwrap();
        settings.web.municipality = "Comune di Modena".to_owned();
    })
    .await;
    (app, dir)
}

/// Sets a form field's value directly (date inputs take typed keys in the browser's locale format).
pub async fn set_value(browser: &Browser, css: &str, value: &str) {
    browser
        .client()
        .execute("document.querySelector(arguments[0]).value = arguments[1];", vec![json!(css), json!(value)])
        .await
        .unwrap_or_else(|e| panic!("set {css}: {e}"));
}

/// Signs out (if signed in) and in again as the demo user `user`.
pub async fn sign_in_as(browser: &Browser, base: &str, user: &str) {
    browser.goto(&format!("{base}/")).await;
    if browser.client().find(fantoccini::Locator::Css(SIGN_OUT)).await.is_ok() {
        browser.click(SIGN_OUT).await;
        browser.wait_until_gone(SIGN_OUT).await;
    }
    browser.goto(&format!("{base}/accedi")).await;
    browser.wait_for(&format!("#signin-{user}")).await;
    browser.click(&format!("#signin-{user}")).await;
    // Signed in once the page the sign-in redirects to is shown, with its sign-out button; before
    // that, the redirect could overtake the caller's next `goto`.
    browser.wait_for(SIGN_OUT).await;
}

/// Whether the page shown now contains `text`.
pub async fn shows(browser: &Browser, text: &str) -> bool {
    browser.text("body").await.contains(text)
}

/// Opens `path` and looks at it whole: no element wider than the window, axe-core clean, the page in
/// `lang` (`it` or `en`, switched by the query), a screenshot named `name` scrolled to its first table
/// if it has one.
pub async fn look_at(browser: &Browser, base: &str, path: &str, lang: &str, name: &str) {
    let separator = if path.contains('?') { '&' } else { '?' };
    browser.goto(&format!("{base}{path}{separator}lang={lang}")).await;
    browser.wait_for("main").await;
    let wide = browser.wider_than_the_window().await;
    let scroll = "const t = document.querySelector('table'); if (t) t.scrollIntoView(); return null;";
    browser.client().execute(scroll, vec![]).await.expect("scroll to the first table");
    browser.assert_accessible(name).await;
    assert!(wide.is_empty(), "{path} ({lang}): wider than the window: {wide:?}");
    let shown = browser.client().execute("return document.documentElement.lang;", vec![]).await.unwrap();
    assert_eq!(shown, json!(lang), "{path} in {lang}");
}
