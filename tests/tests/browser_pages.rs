//! The pages in a real browser (headless Chromium), against the real server on SQLite with the
//! in-process App IO and pagoPA fakes: a citizen saves a nursery application as a draft, resumes it and
//! sends it; the clerk asks for further documents; the citizen sends them; the clerk admits the child;
//! the citizen accepts the place and, once the outbox has created the debt position, sees the fee, its
//! notice number, its due date and the QR code; an analyst sees the diagram and validates a broken file,
//! which is reported at its line. axe-core checks every page (no serious or critical violation) and
//! each page's screenshot is kept in `target/browser-artifacts/`. Skipped without the tools unless
//! `TEST_BROWSER` is set.

use jiff::civil::date;
use serde_json::json;
use sportello_tests::browser::Browser;
use sportello_tests::browser_walk::{app_with_fakes, look_at, set_value, shows, sign_in_as};

/// The nursery call's application window is open on this day.
const TODAY: (i16, i8, i8) = (2026, 3, 10);

#[tokio::test]
async fn a_nursery_application_from_draft_to_the_fee_in_the_browser() {
    let Some(browser) = Browser::start("a_nursery_application_from_draft_to_the_fee_in_the_browser").await else {
        return;
    };
    let (app, _dir) = app_with_fakes(date(TODAY.0, TODAY.1, TODAY.2)).await;
    let base = app.address.clone();

    // The citizen signs in and starts an application, saving a draft first.
    browser.goto(&format!("{base}/accedi")).await;
    browser.assert_accessible("sign-in").await;
    sign_in_as(&browser, &base, "citizen").await;
    browser.goto(&format!("{base}/pratiche/nuova")).await;
    browser.assert_accessible("catalogue").await;
    browser.click("a[href='/pratiche/nuova/nursery-enrolment']").await;
    browser.wait_for("#save-draft").await;
    browser.fill("#f-child_name", "Luca Rossi").await;
    browser.assert_accessible("application").await;
    browser.click_and_leave("#save-draft").await;
    browser.wait_for("#group-drafts").await;
    assert!(shows(&browser, "Bozza salvata").await);
    browser.assert_accessible("my-cases-with-a-draft").await;

    // The draft is resumed, completed and sent.
    browser.click("#group-drafts + table a, section[aria-labelledby='group-drafts'] a").await;
    browser.wait_for("#case-code").await;
    let code = browser.text("#case-code").await;
    browser.assert_accessible("draft-case").await;
    browser.click(&format!("a[href='/pratiche/{code}/modifica']")).await;
    browser.wait_for("#send").await;
    assert_eq!(
        browser
            .client()
            .find(fantoccini::Locator::Css("#f-child_name"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("Luca Rossi")
    );
    set_value(&browser, "#f-child_birth_date", "2025-03-15").await;
    browser.check("#f-resident_in_modena").await;
    browser.select("#f-attendance", "full_time").await;
    browser.fill("#f-preferences", "Nido Cipì").await;
    browser.check("#f-vaccinations_compliant").await;
    // Written the Italian way: a browser's number input would have dropped the comma.
    browser.fill("#f-isee_value", "18.500,50").await;
    browser.click_and_leave("#send").await;
    // The review before sending: the data as it will go, the number as typed.
    browser.wait_for("#confirm-send").await;
    assert!(shows(&browser, "18.500,5").await, "{}", browser.text("body").await);
    browser.assert_accessible("review-before-sending").await;
    browser.click_and_leave("#confirm-send").await;
    browser.wait_for("#status").await;
    assert!(shows(&browser, "Domanda ricevuta").await, "{}", browser.text("body").await);
    browser.assert_accessible("application-sent").await;

    // The clerk asks for further documents.
    sign_in_as(&browser, &base, "clerk-scuola").await;
    browser.wait_for("#worklist").await;
    assert!(shows(&browser, &code).await);
    browser.assert_accessible("worklist").await;
    browser.click(&format!("a[href='/ufficio/pratiche/{code}']")).await;
    browser.wait_for("#action-ask_documents").await;
    browser.assert_accessible("clerk-case").await;
    // Each action is folded under its title: the clerk opens the one they take.
    browser.click("#details-ask_documents > summary").await;
    browser
        .fill("form[action$='/azioni/ask_documents'] textarea, form[action$='/azioni/ask_documents'] input[name='documents_requested']", "Certificato di vaccinazione aggiornato")
        .await;
    browser.click_and_leave("#action-ask_documents").await;
    browser.wait_for("#status").await;
    assert!(shows(&browser, "documenti integrativi").await, "{}", browser.text("body").await);

    // The citizen sends them.
    sign_in_as(&browser, &base, "citizen").await;
    browser.goto(&format!("{base}/pratiche/{code}")).await;
    browser.wait_for("#action-send_documents").await;
    // What they must do says by when, and how many days are left.
    assert!(
        shows(&browser, "Hai tempo fino al").await && shows(&browser, "giorni)").await,
        "{}",
        browser.text("body").await
    );
    browser.assert_accessible("documents-requested").await;
    browser.goto(&format!("{base}/messaggi")).await;
    browser.wait_for("main").await;
    browser.assert_accessible("messages").await;
    browser.goto(&format!("{base}/pratiche/{code}")).await;
    browser.wait_for("#action-send_documents").await;
    // Withdrawing closes the application: not the main button, and not without a ticked confirmation.
    let withdraw = browser.client().find(fantoccini::Locator::Css("#action-withdraw")).await.unwrap();
    assert_eq!(withdraw.attr("class").await.unwrap().as_deref(), Some("btn secondary"));
    browser.click_and_leave("#action-withdraw").await;
    browser.wait_for("#status").await;
    assert!(shows(&browser, "spunta la conferma").await, "{}", browser.text("body").await);
    browser.assert_accessible("withdrawal-not-confirmed").await;
    let id = sportello_store::case_id_from_code(&code).expect("a case code");
    assert_eq!(app.store.case(id).await.expect("the case").case.state.as_str(), "documents_requested");
    browser
        .fill("form[action$='/azioni/send_documents'] textarea, form[action$='/azioni/send_documents'] input[name='documents_note']", "Allego il certificato rilasciato dall'AUSL il 12 marzo")
        .await;
    browser.click_and_leave("#action-send_documents").await;
    browser.wait_for("#status").await;
    assert!(shows(&browser, "Domanda ricevuta").await);

    // The clerk admits the child.
    sign_in_as(&browser, &base, "clerk-scuola").await;
    browser.goto(&format!("{base}/ufficio/pratiche/{code}")).await;
    browser.wait_for("#action-admit").await;
    browser.click("#details-admit > summary").await;
    browser.fill("form[action$='/azioni/admit'] input[name='ranking_score']", "38,5").await;
    browser.fill("form[action$='/azioni/admit'] input[name='ranking_position']", "12").await;
    browser.fill("form[action$='/azioni/admit'] input[name='assigned_nursery']", "Nido Cipì").await;
    browser.click_and_leave("#action-admit").await;
    browser.wait_for("#status").await;
    assert!(shows(&browser, "Posto assegnato").await, "{}", browser.text("body").await);
    // The numbers typed with a decimal comma are stored as typed, not with the comma dropped.
    let data = app.store.case(id).await.expect("the case").case.data;
    assert_eq!((&data["isee_value"], &data["ranking_score"]), (&json!(18500.5), &json!(38.5)), "{data}");

    // The citizen accepts the place; once the outbox has published the debt position, the fee shows.
    sign_in_as(&browser, &base, "citizen").await;
    browser.goto(&format!("{base}/pratiche/{code}")).await;
    browser.wait_for("#action-accept_place").await;
    browser.click_and_leave("#action-accept_place").await;
    browser.wait_for("#status").await;
    let delivered = app.deliver().await;
    assert!(delivered.delivered >= 2, "the payment and its message: {delivered:?}");
    browser.goto(&format!("{base}/pratiche/{code}")).await;
    browser.wait_for(".payment .notice-number").await;
    let notice = browser.text(".payment .notice-number").await;
    assert!(notice.len() == 18 && notice.starts_with("301"), "a notice number: {notice}");
    assert_eq!(browser.text(".payment .amount").await, "€ 50,00");
    assert_eq!(browser.text(".payment .payment-due").await, "9 aprile 2026", "30 days from 10 March");
    browser.wait_for(".payment .qr svg").await;
    browser.assert_accessible("fee-to-pay").await;

    // An analyst sees the diagram and validates a broken file.
    sign_in_as(&browser, &base, "analyst").await;
    browser.goto(&format!("{base}/procedimenti")).await;
    browser.assert_accessible("workflows").await;
    browser.goto(&format!("{base}/procedimenti/nursery-enrolment")).await;
    browser.wait_for(".diagram svg").await;
    // The diagram is drawn in colour (the Content-Security-Policy blocks a <style> inside the SVG, which
    // left every box black) and at a size whose labels can be read.
    let look = "const rect = document.querySelector('.state-diagram rect'); \
        const name = document.querySelector('.state-diagram text.name'); \
        return [getComputedStyle(rect).fill, name.getBoundingClientRect().height];";
    let look = browser.client().execute(look, vec![]).await.expect("look at the diagram");
    assert_eq!(look[0], "rgb(255, 255, 255)", "a state's box is white: {look}");
    assert!(look[1].as_f64().is_some_and(|h| h >= 11.0), "a state's name is at least 11 px high: {look}");
    let initial = "document.querySelector('.state-diagram circle').scrollIntoView({block: 'center', inline: 'center'}); return null;";
    browser.client().execute(initial, vec![]).await.expect("scroll to the initial state");
    browser.assert_accessible("workflow-diagram").await;
    browser.goto(&format!("{base}/procedimenti/valida")).await;
    let broken = "id: broken\nversion: 1\ntitle: { it: Rotto }\noffice: x\nstates:\n  a:\n    initial: true\n    status: { it: A }\n    waiting_for: office\ntransitions:\n  go: { from: a, to: nowhere, by: system }\n";
    browser.fill("#source", broken).await;
    browser.click_and_leave("#validate").await;
    browser.wait_for("#validation-result").await;
    assert!(shows(&browser, "Riga 11").await, "{}", browser.text("body").await);
    browser.assert_accessible("validation-errors").await;
    browser.goto(&format!("{base}/procedimenti/scenari")).await;
    browser.assert_accessible("scenarios").await;

    // On a phone no table is wider than the screen: each row is a block whose cells name their column.
    browser.resize(390, 844).await;
    let pages = [
        ("analyst", "/procedimenti", "phone-workflows"),
        ("analyst", "/procedimenti/nursery-enrolment", "phone-workflow"),
        ("clerk-scuola", "/ufficio", "phone-worklist"),
        ("clerk-scuola", &format!("/ufficio/pratiche/{code}"), "phone-clerk-case"),
        ("citizen", "/pratiche", "phone-my-cases"),
        ("citizen", "/messaggi", "phone-messages"),
        ("citizen", &format!("/pratiche/{code}"), "phone-citizen-case"),
        ("citizen", "/pagamenti", "phone-payments"),
        ("citizen", "/profilo", "phone-profile"),
    ];
    for (user, path, name) in pages {
        sign_in_as(&browser, &base, user).await;
        look_at(&browser, &base, path, "it", name).await;
        // The same page in English, at phone size too: nothing wider, nothing inaccessible.
        look_at(&browser, &base, path, "en", &format!("{name}-en")).await;
    }
    browser.close().await;
}
