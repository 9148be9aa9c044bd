//! Two more procedures walked in a real browser (headless Chromium) against the real server on SQLite
//! with every fake provider, each in the other language and size from the nursery's walk: a building
//! permit applied for, reviewed, changed and issued at desktop size in English, then its pages looked
//! at on a phone in Italian; a residence certificate asked for, paid (the dev-mode simulated payment)
//! and issued on a phone in Italian, its pages then looked at at desktop size in English, with the
//! page-rating question answered on the way and read by an analyst. axe-core checks every page, no
//! element may be wider than the window, and each page's screenshot is kept in
//! `target/browser-artifacts/`. Skipped without the tools unless `TEST_BROWSER` is set.

use jiff::civil::date;
use sportello_tests::app::CITIZEN_B;
use sportello_tests::browser::Browser;
use sportello_tests::browser_walk::{app_with_fakes, look_at, set_value, shows, sign_in_as};
use sportello_tests::files::pdf;

/// A PDF saying `text`, written to `folder` as `name` for the browser's file picker.
fn pdf_file(folder: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
    let path = folder.path().join(name);
    std::fs::write(&path, pdf(text)).expect("a file the browser can choose");
    path
}

/// A clerk's action, folded under its title unless it is the only one, opened.
async fn open_action(browser: &Browser, name: &str) {
    let open = format!("document.getElementById('details-{name}').open = true; return null;");
    browser.client().execute(&open, vec![]).await.unwrap_or_else(|e| panic!("open the action {name}: {e}"));
}

/// The field `field` of the action form of transition `transition`.
fn action_field(transition: &str, field: &str) -> String {
    format!("form[action$='/azioni/{transition}'] [name='{field}']")
}

/// Clicks the button of `transition` and waits for the case page it leads back to.
async fn apply(browser: &Browser, transition: &str) {
    browser.click_and_leave(&format!("#action-{transition}")).await;
    browser.wait_for("#status").await;
}

#[tokio::test]
async fn a_building_permit_applied_for_changed_and_issued_in_english() {
    let Some(browser) = Browser::start("a_building_permit_applied_for_changed_and_issued_in_english").await else {
        return;
    };
    let (app, _dir) = app_with_fakes(date(2026, 3, 10)).await;
    let base = app.address.clone();
    let files = tempfile::tempdir().expect("a folder for the files");

    // The citizen applies, in English, and checks the data before sending, with the project.
    sign_in_as(&browser, &base, "citizen").await;
    browser.goto(&format!("{base}/pratiche/nuova?lang=en")).await;
    browser.click("a[href='/pratiche/nuova/building-permit']").await;
    browser.wait_for("#send").await;
    assert!(shows(&browser, "Designer's fiscal code").await, "{}", browser.text("body").await);
    browser.assert_accessible("permit-application-en").await;
    browser.fill("#f-designer_fiscal_code", CITIZEN_B).await;
    browser.fill("#f-property_address", "Via Giardini 45").await;
    browser.fill("#f-cadastral_reference", "Foglio 12, mappale 345, subalterno 6").await;
    browser
        .fill("#f-works_description", "Ampliamento di una casa unifamiliare con una nuova camera al primo piano")
        .await;
    browser.click_and_leave("#send").await;
    browser.wait_for("#confirm-send").await;
    assert!(shows(&browser, "Via Giardini 45").await && shows(&browser, "Confirm and send").await);
    browser.attach("#doc-submit-progetto", &pdf_file(&files, "tavola-1.pdf", "Tavola 1: pianta")).await;
    browser.assert_accessible("permit-review-en").await;
    browser.click_and_leave("#confirm-send").await;
    browser.wait_for("#case-code").await;
    let code = browser.text("#case-code").await;
    assert!(shows(&browser, "Application received by the building office").await, "{}", browser.text("body").await);
    browser.assert_accessible("permit-sent-en").await;

    // The office starts the review and asks for changes to the project, with a date to answer by.
    sign_in_as(&browser, &base, "clerk-edilizia").await;
    browser.goto(&format!("{base}/ufficio?lang=en")).await;
    browser.wait_for("#worklist").await;
    browser.assert_accessible("permit-worklist-en").await;
    browser.goto(&format!("{base}/ufficio/pratiche/{code}")).await;
    browser.wait_for("#action-start_review").await;
    open_action(&browser, "start_review").await;
    apply(&browser, "start_review").await;
    assert!(shows(&browser, "Project under review").await, "{}", browser.text("body").await);
    open_action(&browser, "ask_changes").await;
    browser.fill(&action_field("ask_changes", "changes_request"), "Abbassare la gronda di 30 cm sul lato nord").await;
    set_value(&browser, &action_field("ask_changes", "changes_due_by"), "2026-04-09").await;
    browser.assert_accessible("permit-clerk-case-en").await;
    apply(&browser, "ask_changes").await;
    assert!(shows(&browser, "Changes to the project requested").await, "{}", browser.text("body").await);

    // The citizen reads what was asked and accepts the changes.
    sign_in_as(&browser, &base, "citizen").await;
    browser.goto(&format!("{base}/pratiche/{code}?lang=en")).await;
    browser.wait_for("#action-answer_changes").await;
    assert!(shows(&browser, "Abbassare la gronda").await, "the request in full: {}", browser.text("body").await);
    browser.assert_accessible("permit-changes-requested-en").await;
    browser.check(&action_field("answer_changes", "changes_accepted")).await;
    apply(&browser, "answer_changes").await;
    assert!(shows(&browser, "Project under review").await, "{}", browser.text("body").await);

    // The head of the office issues the permit; the citizen sees it granted.
    sign_in_as(&browser, &base, "clerk-edilizia").await;
    browser.goto(&format!("{base}/ufficio/pratiche/{code}?lang=en")).await;
    browser.wait_for("#action-approve").await;
    open_action(&browser, "approve").await;
    browser.fill(&action_field("approve", "permit_number"), "PdC 27/2026").await;
    browser
        .attach("#doc-approve-provvedimento", &pdf_file(&files, "permesso.pdf", "Permesso di costruire 27/2026"))
        .await;
    apply(&browser, "approve").await;
    assert!(shows(&browser, "Building permit issued").await, "{}", browser.text("body").await);
    sign_in_as(&browser, &base, "citizen").await;
    browser.goto(&format!("{base}/pratiche/{code}?lang=en")).await;
    browser.wait_for("#status.success").await;
    browser.assert_accessible("permit-issued-en").await;

    // On a phone, in Italian: nothing wider than the screen, nothing inaccessible.
    browser.resize(390, 844).await;
    for (user, path, name) in [
        ("citizen", format!("/pratiche/{code}"), "phone-permit-citizen-case"),
        ("citizen", "/pratiche".to_owned(), "phone-permit-my-cases"),
        ("citizen", "/messaggi".to_owned(), "phone-permit-messages"),
        ("citizen", "/cerca?q=permesso".to_owned(), "phone-search"),
        ("clerk-edilizia", format!("/ufficio/pratiche/{code}"), "phone-permit-clerk-case"),
        ("clerk-edilizia", "/ufficio".to_owned(), "phone-permit-worklist"),
        ("analyst", "/procedimenti/building-permit".to_owned(), "phone-permit-workflow"),
    ] {
        sign_in_as(&browser, &base, user).await;
        look_at(&browser, &base, &path, "it", name).await;
    }
    browser.close().await;
}

#[tokio::test]
async fn a_residence_certificate_paid_and_issued_on_a_phone_in_italian() {
    let Some(browser) = Browser::start("a_residence_certificate_paid_and_issued_on_a_phone_in_italian").await else {
        return;
    };
    let (app, _dir) = app_with_fakes(date(2026, 3, 10)).await;
    let base = app.address.clone();
    let files = tempfile::tempdir().expect("a folder for the files");
    browser.resize(390, 844).await;

    // The citizen asks for the certificate on their phone.
    sign_in_as(&browser, &base, "citizen").await;
    browser.goto(&format!("{base}/pratiche/nuova?lang=it")).await;
    browser.click("a[href='/pratiche/nuova/residence-certificate']").await;
    browser.wait_for("#send").await;
    browser.fill("#f-subject_full_name", "Mario Rossi").await;
    browser.select("#f-use", "generic").await;
    assert!(browser.wider_than_the_window().await.is_empty(), "the form fits the phone");
    browser.assert_accessible("phone-certificate-application").await;
    browser.click_and_leave("#send").await;
    browser.wait_for("#confirm-send").await;
    browser.assert_accessible("phone-certificate-review").await;
    browser.click_and_leave("#confirm-send").await;
    browser.wait_for("#case-code").await;
    let code = browser.text("#case-code").await;
    assert!(shows(&browser, "In attesa del pagamento dei diritti").await, "{}", browser.text("body").await);

    // Once the notice exists it is shown with its amount in euros and its QR code, then paid.
    let delivered = app.deliver().await;
    assert!(delivered.delivered >= 1, "the debt position: {delivered:?}");
    browser.goto(&format!("{base}/pratiche/{code}")).await;
    browser.wait_for(".payment .qr svg").await;
    assert_eq!(browser.text(".payment .amount").await, "€ 16,52");
    let notice = browser.text(".payment .notice-number").await;
    assert!(browser.wider_than_the_window().await.is_empty(), "the notice fits the phone");
    browser.assert_accessible("phone-certificate-to-pay").await;
    look_at(&browser, &base, "/pagamenti", "it", "phone-payments-to-pay").await;
    assert!(shows(&browser, &notice).await, "the notice on the payments page: {}", browser.text("body").await);
    browser.goto(&format!("{base}/pratiche/{code}")).await;
    browser.wait_for(&format!("#simulate-{notice}")).await;
    apply_button(&browser, &format!("#simulate-{notice}")).await;
    assert!(shows(&browser, "Pagamento ricevuto").await, "{}", browser.text("body").await);

    // The rating question at the foot of the page, answered.
    browser.click("input[name='stars'][value='4']").await;
    browser.click_and_leave("form[action='/valuta'] button").await;
    browser.wait_for("main h1").await;
    assert!(shows(&browser, "Grazie per il tuo aiuto!").await, "{}", browser.text("body").await);
    browser.assert_accessible("phone-rated").await;

    // The office issues the certificate; the citizen sees it issued, in green.
    sign_in_as(&browser, &base, "clerk-anagrafe").await;
    browser.goto(&format!("{base}/ufficio/pratiche/{code}")).await;
    browser.wait_for("#action-issue").await;
    open_action(&browser, "issue").await;
    browser.fill(&action_field("issue", "certificate_number"), "2026/1834").await;
    browser.attach("#doc-issue-certificato", &pdf_file(&files, "certificato.pdf", "Certificato 2026/1834")).await;
    browser.assert_accessible("phone-certificate-clerk-case").await;
    apply(&browser, "issue").await;
    assert!(shows(&browser, "Certificato rilasciato").await, "{}", browser.text("body").await);
    sign_in_as(&browser, &base, "citizen").await;
    look_at(&browser, &base, &format!("/pratiche/{code}"), "it", "phone-certificate-issued").await;
    assert!(browser.client().find(fantoccini::Locator::Css("#status.success")).await.is_ok(), "issued is good news");

    // At desktop size, in English: the same pages, and the analyst's count of the rating.
    browser.resize(1280, 900).await;
    look_at(&browser, &base, &format!("/pratiche/{code}"), "en", "certificate-issued-en").await;
    look_at(&browser, &base, "/pagamenti", "en", "payments-en").await;
    look_at(&browser, &base, "/cerca?q=certificate", "en", "search-en").await;
    assert!(shows(&browser, &code).await, "the case found by its service's name: {}", browser.text("body").await);
    sign_in_as(&browser, &base, "analyst").await;
    look_at(&browser, &base, "/procedimenti/valutazioni", "en", "ratings-en").await;
    assert!(shows(&browser, "Citizen's application page").await, "{}", browser.text("body").await);
    browser.close().await;
}

/// Clicks a button that posts a form and waits for the case page it leads back to.
async fn apply_button(browser: &Browser, css: &str) {
    browser.click_and_leave(css).await;
    browser.wait_for("#status").await;
}
