//! The parts of the Designers Italia model that every page shares, through HTTP on SQLite and (with
//! `TEST_POSTGRES_URL`) PostgreSQL: the crest and name in the header (and offices by their names),
//! the breadcrumb from "Home", the search (services, menu pages, a case by its code, a citizen's own
//! applications by words), the page-rating question counted per page and read by analysts, and the
//! citizen's payments across their applications.

use jiff::civil::date;
use reqwest::StatusCode;
use serde_json::json;
use sportello_tests::app::{CITIZEN_A, CITIZEN_B, TestApp, fake_pagopa};
use sportello_tests::visitor::Visitor;

#[tokio::test]
async fn every_page_has_the_crest_a_breadcrumb_from_home_and_the_search() {
    let named = |settings: &mut sportello_api::config::Settings| {
        settings.web.office_names.insert("scuola".to_owned(), "Servizi educativi".to_owned());
    };
    for app in TestApp::each_with("pages_site_header", date(2026, 3, 10), named).await {
        let mut citizen = Visitor::new(&app.address);
        let signin = citizen.get("/accedi").await;
        assert!(signin.shows("src=\"/static/stemma\""), "{}", signin.html);
        assert!(signin.shows("action=\"/cerca\""), "{}", signin.html);
        citizen.sign_in("citizen").await;
        let crest = citizen.get("/static/stemma").await;
        assert_eq!(crest.status, StatusCode::OK);
        assert!(crest.html.starts_with("<svg"), "the neutral shield: {}", crest.html);

        let code = app.open_case("nursery-enrolment", CITIZEN_A, json!({})).await;
        for (path, trail) in [
            ("/pratiche", vec!["Home", "Le mie pratiche"]),
            ("/pratiche/nuova", vec!["Home", "Nuova domanda"]),
            ("/pratiche/nuova/nursery-enrolment", vec!["Home", "Nuova domanda", "Iscrizione al nido d&#x27;infanzia"]),
            (&format!("/pratiche/{code}"), vec!["Home", "Le mie pratiche", code.as_str()]),
            ("/messaggi", vec!["Home", "Messaggi"]),
            ("/pagamenti", vec!["Home", "Pagamenti"]),
            ("/cerca", vec!["Home", "Cerca"]),
            ("/non-esiste", vec!["Home", "Pagina non trovata"]),
        ] {
            let page = citizen.get(path).await;
            assert_eq!(breadcrumb(&page.html), trail, "{path}: {}", page.html);
        }
        let mut clerk = Visitor::new(&app.address);
        clerk.sign_in("clerk-scuola").await;
        let case = clerk.get(&format!("/ufficio/pratiche/{code}")).await;
        assert_eq!(breadcrumb(&case.html), ["Home", "Pratiche da lavorare", code.as_str()], "{}", case.html);
        // The office by its name, not the id workflows give it.
        assert!(case.shows("<dd>Servizi educativi</dd>") && !case.shows("<dd>scuola</dd>"), "{}", case.html);
    }
}

/// The breadcrumb's items, in order.
fn breadcrumb(html: &str) -> Vec<String> {
    let Some(start) = html.find("<ol class=\"breadcrumb\">") else { return Vec::new() };
    let end = start + html[start..].find("</ol>").unwrap();
    html[start..end]
        .split("<li")
        .skip(1)
        .map(|item| {
            let text: String = item.split('>').skip(1).map(|part| part.split('<').next().unwrap_or("")).collect();
            text.trim().to_owned()
        })
        .collect()
}

#[tokio::test]
async fn the_search_finds_services_pages_and_the_visitors_own_cases_only() {
    for app in TestApp::each("pages_site_search", date(2026, 3, 10)).await {
        let mine = app.open_case("nursery-enrolment", CITIZEN_A, json!({})).await;
        let theirs = app.open_case("nursery-enrolment", CITIZEN_B, json!({})).await;
        let mut visitor = Visitor::new(&app.address);
        // Signed out: services only, case and accents ignored.
        let found = visitor.get("/cerca?q=ISCRIZIONE%20nìdo").await;
        assert_eq!(found.status, StatusCode::OK);
        assert!(found.shows("href=\"/pratiche/nuova/nursery-enrolment\""), "{}", found.html);
        assert!(!found.shows("building-permit"), "every word must match: {}", found.html);
        assert!(!visitor.get(&format!("/cerca?q={mine}")).await.shows(&format!("/pratiche/{mine}")));
        let nothing = visitor.get("/cerca?q=zzzz").await;
        assert!(nothing.shows("Nessun risultato"), "{}", nothing.html);

        visitor.sign_in("citizen").await;
        let by_code = visitor.get(&format!("/cerca?q={}", mine.to_lowercase())).await;
        assert!(by_code.shows(&format!("href=\"/pratiche/{mine}\"")), "{}", by_code.html);
        let other = visitor.get(&format!("/cerca?q={theirs}")).await;
        assert!(!other.shows(&format!("/pratiche/{theirs}")), "another citizen's case: {}", other.html);
        let by_words = visitor.get("/cerca?q=nido%20infanzia").await;
        assert!(by_words.shows(&format!("href=\"/pratiche/{mine}\"")), "{}", by_words.html);
        assert!(!by_words.shows(&format!("/pratiche/{theirs}")), "{}", by_words.html);
        let menu = visitor.get("/cerca?q=pagamenti").await;
        assert!(menu.shows("href=\"/pagamenti\""), "a page of the menu: {}", menu.html);

        let mut clerk = Visitor::new(&app.address);
        clerk.sign_in("clerk-scuola").await;
        let theirs_found = clerk.get(&format!("/cerca?q={theirs}")).await;
        assert!(theirs_found.shows(&format!("href=\"/ufficio/pratiche/{theirs}\"")), "{}", theirs_found.html);
    }
}

#[tokio::test]
async fn page_ratings_are_counted_per_page_and_read_by_analysts() {
    for app in TestApp::each("pages_site_rating", date(2026, 3, 10)).await {
        let mut visitor = Visitor::new(&app.address);
        let page = visitor.get("/accedi").await;
        assert!(page.shows("Quanto sono chiare le informazioni su questa pagina?"), "{}", page.html);
        assert!(page.shows("name=\"page\" value=\"signin\""), "{}", page.html);
        let csrf = page.csrf();
        for stars in ["5", "4", "4"] {
            let thanks = visitor.post("/valuta", &csrf, &[("page", "signin"), ("stars", stars)]).await;
            assert_eq!(thanks.status, StatusCode::OK, "{}", thanks.html);
            assert!(thanks.shows("Grazie per il tuo aiuto!"), "{}", thanks.html);
        }
        // No stars: the question again, nothing counted; an unknown page or a forged form: refused.
        let none = visitor.post("/valuta", &csrf, &[("page", "signin")]).await;
        assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(none.shows("Scegli da 1 a 5 stelle"), "{}", none.html);
        let made_up = visitor.post("/valuta", &csrf, &[("page", "/pratiche/NE-2026-000001"), ("stars", "5")]).await;
        assert_eq!(made_up.status, StatusCode::BAD_REQUEST);
        let forged = visitor.post("/valuta", "forged", &[("page", "signin"), ("stars", "1")]).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        let too_many = visitor.post("/valuta", &csrf, &[("page", "signin"), ("stars", "6")]).await;
        assert_eq!(too_many.status, StatusCode::UNPROCESSABLE_ENTITY);

        let mut citizen = Visitor::new(&app.address);
        citizen.sign_in("citizen").await;
        assert_eq!(citizen.get("/procedimenti/valutazioni").await.status, StatusCode::FORBIDDEN);
        let mut analyst = Visitor::new(&app.address);
        analyst.sign_in("analyst").await;
        let counts = analyst.get("/procedimenti/valutazioni").await;
        assert_eq!(counts.status, StatusCode::OK, "{}", counts.html);
        let row = &counts.html[counts.html.find("<th scope=\"row\"").expect("a row")..];
        let row = &row[..row.find("</tr>").unwrap()];
        assert!(row.contains(">Accesso<"), "{row}");
        let cells: Vec<&str> =
            row.split("<td").skip(1).map(|c| c.split('>').nth(1).unwrap().split('<').next().unwrap()).collect();
        assert_eq!(cells, ["0", "0", "0", "2", "1", "3", "4,3"], "{}: {row}", app.backend);
    }
}

#[tokio::test]
async fn a_citizen_sees_every_payment_of_their_applications_on_one_page() {
    for app in TestApp::each_with("pages_site_payments", date(2026, 3, 2), fake_pagopa).await {
        let mut citizen = Visitor::new(&app.address);
        citizen.sign_in("citizen").await;
        let empty = citizen.get("/pagamenti").await;
        assert!(empty.shows("Non hai pagamenti da fare."), "{}", empty.html);

        let code = app.open_case("residence-certificate", CITIZEN_A, json!({})).await;
        let input = json!({"subject_fiscal_code": CITIZEN_A, "subject_full_name": "Mario Rossi", "use": "generic"});
        let sent = app.apply(&code, "submit", &app.citizen(CITIZEN_A), input).await;
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
        app.deliver().await;
        let page = citizen.get("/pagamenti").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.shows(&format!("href=\"/pratiche/{code}\"")), "{}", page.html);
        assert!(page.shows("€ 16,52") && page.shows("da pagare"), "{}", page.html);
        assert!(!page.shows("1652"), "never in cents: {}", page.html);
        let mut other = Visitor::new(&app.address);
        other.sign_in("clerk-anagrafe").await;
        assert_eq!(other.get("/pagamenti").await.status, StatusCode::FORBIDDEN);
    }
}
