//! The dev-mode "Simula il pagamento" button on the citizen's case page, on SQLite and (with
//! `TEST_POSTGRES_URL`) PostgreSQL: with the fake pagoPA provider, a residence certificate's notice is
//! paid from the page, the receipt reaches the case as pagoPA's would (`payment.paid`), and the case
//! moves on; without the fake provider, or outside dev mode, the button is not there and its route
//! is refused.

use jiff::civil::date;
use reqwest::StatusCode;
use serde_json::json;
use sportello_api::config::Settings;
use sportello_tests::app::{CITIZEN_A, TestApp, fake_pagopa};
use sportello_tests::visitor::Visitor;

/// A residence certificate asked for by the demo citizen, its notice created at the fake pagoPA.
async fn certificate_to_pay(app: &TestApp) -> String {
    let code = app.open_case("residence-certificate", CITIZEN_A, json!({})).await;
    let input = json!({"subject_fiscal_code": CITIZEN_A, "subject_full_name": "Mario Rossi", "use": "generic"});
    let sent = app.apply(&code, "submit", &app.citizen(CITIZEN_A), input).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
    app.deliver().await;
    code
}

/// The notice number the page's first "Simula il pagamento" form pays.
fn simulated_notice(html: &str) -> Option<String> {
    let start = html.find("/pagamenti/")? + "/pagamenti/".len();
    let end = html[start..].find("/simula")? + start;
    Some(html[start..end].to_owned())
}

#[tokio::test]
async fn a_citizen_pays_a_notice_in_dev_mode_and_the_case_moves_on() {
    for app in TestApp::each_with("pages_simulated_payment", date(2026, 3, 2), fake_pagopa).await {
        let code = certificate_to_pay(&app).await;
        let mut citizen = Visitor::new(&app.address);
        citizen.sign_in("citizen").await;
        let page = citizen.get(&format!("/pratiche/{code}")).await;
        assert!(page.shows("Simula il pagamento") && page.shows("da pagare"), "{}", page.html);
        let notice = simulated_notice(&page.html).expect("a notice to pay");
        assert!(page.shows(&format!("class=\"notice-number\">{notice}<")), "{}", page.html);

        let paid = citizen.post(&format!("/pratiche/{code}/pagamenti/{notice}/simula"), &page.csrf(), &[]).await;
        assert_eq!(paid.status, StatusCode::SEE_OTHER, "{}: {}", app.backend, paid.html);
        assert_eq!(paid.location, Some(format!("/pratiche/{code}?notice=action_done")));

        let page = citizen.get(&format!("/pratiche/{code}")).await;
        assert!(page.shows("Pagamento ricevuto") && page.shows("pagato"), "{}", page.html);
        assert!(!page.shows("Simula il pagamento"), "a paid notice is not offered again: {}", page.html);
        let clerk = app.clerk("clerk-anagrafe", &["anagrafe"]);
        let case = app.get(&format!("/api/v1/cases/{code}"), &clerk).await;
        assert_eq!(case.json["state"], "in_progress", "{}", case.text);
        // The receipt is in the audit chain as an event from the simulated pagoPA, like a real one.
        let audit = app.get(&format!("/api/v1/cases/{code}/audit"), &clerk).await;
        assert!(audit.text.contains("pagopa-simulated:receipt-"), "{}: {}", app.backend, audit.text);

        // Paying it twice is refused, and changes nothing.
        let again = citizen.post(&format!("/pratiche/{code}/pagamenti/{notice}/simula"), &page.csrf(), &[]).await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", again.html);
    }
}

#[tokio::test]
async fn the_simulated_payment_is_refused_without_the_fake_provider_and_outside_dev_mode() {
    // Dev mode, but no fake pagoPA: the citizen signs in, and the route does not exist.
    for app in TestApp::each("pages_simulated_payment_real", date(2026, 3, 2)).await {
        let code = app.open_case("residence-certificate", CITIZEN_A, json!({})).await;
        let mut citizen = Visitor::new(&app.address);
        citizen.sign_in("citizen").await;
        let page = citizen.get(&format!("/pratiche/{code}")).await;
        assert!(!page.shows("Simula il pagamento"), "{}", page.html);
        let refused =
            citizen.post(&format!("/pratiche/{code}/pagamenti/301000000000000017/simula"), &page.csrf(), &[]).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}: {}", app.backend, refused.html);
    }
    // Outside dev mode, with the fake provider all the same: refused.
    let production = |settings: &mut Settings| {
        fake_pagopa(settings);
        settings.dev = false;
    };
    for app in TestApp::each_with("pages_simulated_payment_prod", date(2026, 3, 2), production).await {
        let code = certificate_to_pay(&app).await;
        let mut visitor = Visitor::new(&app.address);
        visitor.get("/accedi").await;
        let refused = visitor.post(&format!("/pratiche/{code}/pagamenti/301000000000000017/simula"), "", &[]).await;
        assert!(
            [StatusCode::NOT_FOUND, StatusCode::FORBIDDEN].contains(&refused.status),
            "{}: {} {}",
            app.backend,
            refused.status,
            refused.html
        );
        let case = app.get(&format!("/api/v1/cases/{code}"), &app.citizen(CITIZEN_A)).await;
        assert_eq!(case.json["state"], "awaiting_payment", "{}", case.text);
    }
}
