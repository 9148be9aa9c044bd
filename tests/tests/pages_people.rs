//! The directory of people on the pages, through HTTP without a browser, on SQLite and (with
//! `TEST_POSTGRES_URL`) PostgreSQL: the header names whoever signed in; the clerk sees the applicant
//! by name with the fiscal code beside it (the code alone for someone the directory does not know),
//! on the case page and the worklist; the case is assigned from a list of the office's staff, and
//! nobody else; the citizen's profile page shows who they are and saves their notification
//! preferences, sending a bad address back with the error beside the field.

use jiff::civil::date;
use reqwest::StatusCode;
use serde_json::json;
use sportello_api::auth::dev::demo_name;
use sportello_store::{NotificationPreferences, PersonKind};
use sportello_tests::app::{CITIZEN_A, CITIZEN_B, TestApp};
use sportello_tests::visitor::Visitor;

/// `Given Family` for the demo user `id`.
fn name(id: &str) -> String {
    let (given, family) = demo_name(id);
    format!("{given} {family}")
}

fn request_data() -> serde_json::Value {
    json!({
        "applicant_fiscal_code": CITIZEN_A,
        "requested_records": "Verbale della commissione edilizia del 3 marzo 2026",
        "reason": "Tutela di un interesse diretto: confinante del lotto",
        "access_mode": "digital_copy"
    })
}

#[tokio::test]
async fn the_clerk_sees_applicants_by_name_and_assigns_from_the_office_s_staff() {
    for app in TestApp::each("pages_people_clerk", date(2026, 3, 2)).await {
        let backend = app.backend;
        // Mario Rossi signs in to the pages and sends a request; Gianni's is opened for him by staff.
        let mut citizen = Visitor::new(&app.address);
        citizen.sign_in("citizen").await;
        let mine = citizen.get("/pratiche").await;
        assert!(mine.shows("Mario Rossi"), "{backend}: the header names the citizen: {}", mine.html);
        let token = app.citizen(CITIZEN_A);
        let code = app.open_case("records-access", CITIZEN_A, json!({})).await;
        assert_eq!(app.apply(&code, "submit", &token, request_data()).await.status, StatusCode::OK, "{backend}");
        let on_behalf = app
            .post(
                "/api/v1/cases",
                &app.clerk("dev-segreteria", &["segreteria"]),
                &json!({"workflow": "records-access", "applicant": CITIZEN_B}),
            )
            .await;
        assert_eq!(on_behalf.status, StatusCode::CREATED, "{backend}: {}", on_behalf.text);
        let unknown = on_behalf.json["code"].as_str().unwrap().to_owned();
        // Colleagues known to the directory: one of the office, one of another.
        for token in [app.clerk("l.verdi", &["segreteria"]), app.clerk("p.neri", &["edilizia"])] {
            assert_eq!(app.get("/api/v1/worklist", &token).await.status, StatusCode::OK, "{backend}");
        }

        let mut clerk = Visitor::new(&app.address);
        clerk.sign_in("clerk-segreteria").await;
        let page = clerk.get(&format!("/ufficio/pratiche/{code}")).await;
        assert_eq!(page.status, StatusCode::OK, "{backend}: {}", page.html);
        assert!(page.shows(&name("dev-segreteria")), "{backend}: the header names the clerk: {}", page.html);
        let applicant = format!("Mario Rossi <small class=\"meta\">{CITIZEN_A}</small>");
        assert!(page.shows(&applicant), "{backend}: the applicant by name: {}", page.html);
        let staff = page.html.split("<select id=\"assignee\"").nth(1).and_then(|s| s.split("</select>").next());
        let staff = staff.expect("a list of the office's staff");
        for listed in ["Nessuno", &name("l.verdi"), &name("dev-segreteria")] {
            assert!(staff.contains(listed), "{backend}: {listed} among {staff}");
        }
        assert!(!staff.contains(&name("p.neri")), "{backend}: staff of another office: {staff}");
        let other = clerk.get(&format!("/ufficio/pratiche/{unknown}")).await;
        assert!(other.shows(&format!("<dd id=\"applicant\">{CITIZEN_B}</dd>")), "{backend}: {}", other.html);

        // Someone not of the office is refused, in Italian; a colleague from the list is taken.
        let assign = format!("/ufficio/pratiche/{code}/assegna");
        let refused = clerk.post(&assign, &page.csrf(), &[("assignee", "p.neri")]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}: {}", refused.html);
        assert!(refused.shows("solo a una persona dell&#x27;ufficio"), "{backend}: {}", refused.html);
        let taken = clerk.post(&assign, &page.csrf(), &[("assignee", "l.verdi")]).await;
        assert_eq!(taken.status, StatusCode::SEE_OTHER, "{backend}: {}", taken.html);
        let page = clerk.get(&format!("/ufficio/pratiche/{code}")).await;
        let selected = format!("<option value=\"l.verdi\" selected>{}</option>", name("l.verdi"));
        assert!(page.shows(&selected), "{backend}: {}", page.html);

        // The worklist too: the applicant and the assignee by name, the filter by the staff's names.
        let worklist = clerk.get("/ufficio").await;
        assert!(worklist.shows(&applicant), "{backend}: {}", worklist.html);
        let row = worklist.html.split(&format!(">{code}</a>")).nth(1).and_then(|s| s.split("</tr>").next()).unwrap();
        assert!(row.contains(&name("l.verdi")) && !row.contains(">l.verdi<"), "{backend}: {row}");
        let filtered = clerk.get("/ufficio?assignee=l.verdi").await;
        assert!(filtered.shows(&selected), "{backend}: the filter keeps its choice: {}", filtered.html);
        assert!(filtered.shows(&code), "{backend}: {}", filtered.html);
    }
}

#[tokio::test]
async fn the_citizen_s_profile_shows_who_they_are_and_saves_their_preferences() {
    for app in TestApp::each("pages_people_profile", date(2026, 3, 2)).await {
        let backend = app.backend;
        let mut citizen = Visitor::new(&app.address);
        citizen.sign_in("citizen").await;
        let page = citizen.get("/profilo").await;
        assert_eq!(page.status, StatusCode::OK, "{backend}: {}", page.html);
        for shown in ["Il mio profilo", "Mario Rossi", CITIZEN_A, "Come ricevere i messaggi", "href=\"/profilo\""] {
            assert!(page.shows(shown), "{backend}: {shown} on {}", page.html);
        }

        // A slip in the address: the form comes back with the error beside the field, nothing saved.
        let bad =
            citizen.post("/profilo", &page.csrf(), &[("email", "mario.rossi@esempio"), ("email_too", "true")]).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}: {}", bad.html);
        assert!(bad.shows("id=\"email-error\">Non è un indirizzo e-mail valido"), "{backend}: {}", bad.html);
        assert!(bad.shows("value=\"mario.rossi@esempio\"") && bad.shows("aria-invalid=\"true\""), "{backend}");
        let saved = app.store.person(PersonKind::Citizen, CITIZEN_A).await.unwrap().expect("signed in");
        assert_eq!(saved.preferences, NotificationPreferences::default(), "{backend}");
        // Without the session's token, nothing is saved either.
        let forged = citizen.post("/profilo", "not-the-token", &[("email", "x@example.it")]).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{backend}");

        let good =
            citizen.post("/profilo", &page.csrf(), &[("email", " mario@esempio.it "), ("email_too", "true")]).await;
        assert_eq!(good.status, StatusCode::SEE_OTHER, "{backend}: {}", good.html);
        assert_eq!(good.location.as_deref(), Some("/profilo?notice=profile_saved"), "{backend}");
        let saved = app.store.person(PersonKind::Citizen, CITIZEN_A).await.unwrap().expect("signed in");
        let wanted = NotificationPreferences { email: Some("mario@esempio.it".into()), email_too: true };
        assert_eq!(saved.preferences, wanted, "{backend}");
        let page = citizen.get("/profilo?notice=profile_saved").await;
        assert!(page.shows("Preferenze salvate.") && page.shows("value=\"mario@esempio.it\""), "{backend}");
        assert!(page.shows("name=\"email_too\" value=\"true\" checked"), "{backend}: {}", page.html);

        // The profile page is a citizen's.
        let mut clerk = Visitor::new(&app.address);
        clerk.sign_in("clerk-segreteria").await;
        assert_eq!(clerk.get("/profilo").await.status, StatusCode::FORBIDDEN, "{backend}");
    }
}
