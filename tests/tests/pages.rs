//! The server's pages through HTTP, without a browser, on SQLite and (with `TEST_POSTGRES_URL`)
//! PostgreSQL: sign-in and its redirects, CSRF refusals, a citizen's nursery application saved as a
//! draft, refused with the errors next to the fields, resumed and sent, or deleted after ticking the
//! confirmation; the clerk's worklist and case
//! page and a transition applied from its form; the analysts' pages and the validation of a broken
//! file; the pages a visitor may not see; a suspended term on the citizen's page and a term three days
//! from its end marked on the worklist; an unknown path's "not found" page; and the session cookie,
//! Secure outside dev mode.

use jiff::civil::date;
use reqwest::StatusCode;
use sportello_tests::app::TestApp;
use sportello_tests::visitor::Visitor;

/// The application window of the nursery call is open on this day.
fn in_the_window() -> jiff::civil::Date {
    date(2026, 3, 10)
}

#[tokio::test]
async fn signed_out_visitors_are_sent_to_sign_in_and_forms_need_their_token() {
    for app in TestApp::each("pages_signin", in_the_window()).await {
        let mut visitor = Visitor::new(&app.address);
        let page = visitor.get("/pratiche").await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        assert_eq!(page.location.as_deref(), Some("/accedi?next=%2Fpratiche"));
        let signin = visitor.get("/accedi").await;
        assert!(signin.shows("lang=\"it\""), "Italian first");
        assert!(signin.shows("signin-clerk-scuola"), "a clerk per office: {}", signin.html);
        assert!(signin.shows("signin-analyst"));
        // A form without the session's token is refused, and nobody is signed in.
        let forged = visitor.post("/accedi/dev", "not-the-token", &[("user", "citizen")]).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", app.backend);
        assert_eq!(visitor.get("/pratiche").await.status, StatusCode::SEE_OTHER);
        // A return path that a browser would clean into another site's address is not followed,
        // neither from the sign-in page's query nor from its form.
        let page = visitor.get("/accedi?next=%2F%09%2Fevil.example").await;
        assert!(!page.shows("evil.example"), "{}", page.html);
        let mut stranger = Visitor::new(&app.address);
        let signin = stranger.get("/accedi").await;
        let fields = [("user", "citizen"), ("next", "/\t/evil.example")];
        let signed = stranger.post("/accedi/dev", &signin.csrf(), &fields).await;
        assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", app.backend);
        assert_eq!(signed.location.as_deref(), Some("/"), "{}", app.backend);
        // With it, the citizen is in; English on request.
        visitor.sign_in("citizen").await;
        let mine = visitor.get("/pratiche?lang=en").await;
        assert_eq!(mine.status, StatusCode::OK, "{}", mine.html);
        assert!(mine.shows("My applications") && mine.shows("lang=\"en\""));
        // Signing out ends the session, also for a copy of its cookie taken before.
        let mut copy = visitor.copy();
        assert_eq!(copy.get("/pratiche").await.status, StatusCode::OK, "{}", app.backend);
        let out = visitor.post("/esci", &mine.csrf(), &[]).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        assert_eq!(visitor.get("/pratiche").await.status, StatusCode::SEE_OTHER);
        assert_eq!(copy.get("/pratiche").await.status, StatusCode::SEE_OTHER, "{}: the copy is out", app.backend);

        // Signing out everywhere ends the user's sessions on every device.
        let (mut phone, mut desk) = (Visitor::new(&app.address), Visitor::new(&app.address));
        phone.sign_in("citizen").await;
        desk.sign_in("citizen").await;
        let page = phone.get("/pratiche").await;
        assert!(page.shows("Esci da tutti i dispositivi"), "{}", page.html);
        let out = phone.post("/esci/ovunque", &page.csrf(), &[]).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", app.backend);
        assert_eq!(phone.get("/pratiche").await.status, StatusCode::SEE_OTHER);
        assert_eq!(desk.get("/pratiche").await.status, StatusCode::SEE_OTHER, "{}: the other device", app.backend);
    }
}

#[tokio::test]
async fn a_citizen_saves_a_draft_resumes_it_and_sends_it() {
    for app in TestApp::each("pages_citizen", in_the_window()).await {
        let mut citizen = Visitor::new(&app.address);
        citizen.sign_in("citizen").await;
        let form = citizen.get("/pratiche/nuova/nursery-enrolment").await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.html);
        assert!(form.shows("RSSMRA85T10A562S"), "the applicant's own fiscal code is filled in");
        // Every label and option is the workflow's Italian text, never an internal name.
        assert!(form.shows("Nome e cognome della bambina o del bambino"), "{}", form.html);
        assert!(form.shows(">Tempo pieno</option>"), "{}", form.html);
        for internal in ["Child name", "Child birth date", "Full time", "Isee value", "`"] {
            assert!(!form.shows(internal), "{internal} on an Italian page: {}", form.html);
        }
        // Sent incomplete as a new application: refused, and no draft is left behind silently.
        let incomplete = citizen
            .post(
                "/pratiche/nuova/nursery-enrolment",
                &form.csrf(),
                &[("child_name", "Luca Rossi"), ("_action", "submit")],
            )
            .await;
        assert_eq!(incomplete.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", incomplete.html);
        assert!(incomplete.shows("né salvata") && incomplete.shows("Campo obbligatorio"), "{}", incomplete.html);
        assert!(!citizen.get("/pratiche").await.shows("NE-"), "nothing was saved");
        // Saved half done.
        let saved = citizen
            .post(
                "/pratiche/nuova/nursery-enrolment",
                &form.csrf(),
                &[("applicant_fiscal_code", "RSSMRA85T10A562S"), ("child_name", "Luca Rossi"), ("_action", "save")],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
        let list = citizen.get("/pratiche?notice=draft_saved").await;
        assert!(list.shows("Bozza salvata"), "{}", list.html);
        let code = code_in(&list.html, "NE-");
        // Resumed: what was saved is there.
        let draft = citizen.get(&format!("/pratiche/{code}/modifica")).await;
        assert!(draft.shows("value=\"Luca Rossi\""), "{}", draft.html);
        // Sent incomplete: refused, the errors next to the fields, the draft kept.
        let refused = citizen
            .post(
                &format!("/pratiche/{code}/modifica"),
                &draft.csrf(),
                &[("applicant_fiscal_code", "RSSMRA85T10A562S"), ("child_name", "Luca Rossi"), ("_action", "submit")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.html);
        assert!(refused.shows("class=\"error-message\""), "{}", refused.html);
        assert!(refused.shows("value=\"Luca Rossi\""), "nothing typed is lost");
        assert!(refused.shows("Campo obbligatorio"), "errors in Italian: {}", refused.html);
        assert!(!refused.shows("required property"), "never the validator's English: {}", refused.html);
        // Complete but without the vaccinations declaration: the condition is told in words.
        let declared_not = citizen
            .post(
                &format!("/pratiche/{code}/modifica"),
                &draft.csrf(),
                &[
                    ("applicant_fiscal_code", "RSSMRA85T10A562S"),
                    ("child_name", "Luca Rossi"),
                    ("child_birth_date", "2025-03-15"),
                    ("attendance", "full_time"),
                    ("preferences", "Nido Cipì"),
                    ("_action", "submit"),
                ],
            )
            .await;
        // Saved and shown for review; the condition is checked when the citizen confirms.
        assert_eq!(declared_not.status, StatusCode::SEE_OTHER, "{}", declared_not.html);
        let review = citizen.get(&format!("/pratiche/{code}/riepilogo")).await;
        assert!(review.shows("id=\"confirm-send\""), "{}", review.html);
        let version = app.store.case(sportello_store::case_id_from_code(&code).unwrap()).await.unwrap().case.version;
        let declared_not = citizen
            .post(&format!("/pratiche/{code}/invia"), &review.csrf(), &[("_version", &version.to_string())])
            .await;
        assert_eq!(declared_not.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", declared_not.html);
        assert!(declared_not.shows("Puoi inviare la domanda dal 9 marzo al 17 aprile 2026"), "{}", declared_not.html);
        assert!(declared_not.shows("salvata come bozza"), "{}", declared_not.html);
        assert!(!declared_not.shows("input.vaccinations_compliant"), "never the guard: {}", declared_not.html);
        // A number that is not one is refused before the engine sees it.
        let bad_number = citizen
            .post(
                &format!("/pratiche/{code}/modifica"),
                &draft.csrf(),
                &[("isee_value", "diciottomila"), ("_action", "save")],
            )
            .await;
        assert_eq!(bad_number.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad_number.html);
        assert!(bad_number.shows("diciottomila"), "the value is shown again as typed");
        // Completed and sent.
        let sent = citizen
            .post(
                &format!("/pratiche/{code}/modifica"),
                &draft.csrf(),
                &[
                    ("applicant_fiscal_code", "RSSMRA85T10A562S"),
                    ("child_name", "Luca Rossi"),
                    ("child_birth_date", "2025-03-15"),
                    ("resident_in_modena", "true"),
                    ("attendance", "full_time"),
                    ("preferences", "Nido Cipì"),
                    ("vaccinations_compliant", "true"),
                    ("isee_value", "18.500,50"),
                    ("_action", "submit"),
                ],
            )
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.html);
        // The review shows what will be sent, labelled and written as in the form; nothing is sent yet.
        let review = citizen.get(&format!("/pratiche/{code}/riepilogo")).await;
        assert_eq!(review.status, StatusCode::OK, "{}", review.html);
        for shown in ["Nome e cognome della bambina o del bambino", "Luca Rossi", "18.500,5", "Tempo pieno"] {
            assert!(review.shows(shown), "{shown} in the review: {}", review.html);
        }
        let id = sportello_store::case_id_from_code(&code).unwrap();
        let held = app.store.case(id).await.unwrap();
        assert_eq!(held.case.state.as_str(), "draft", "not sent before the confirmation");
        // Confirmed at an older version (changed in another tab meanwhile): shown again, not sent.
        let stale = citizen.post(&format!("/pratiche/{code}/invia"), &review.csrf(), &[("_version", "1")]).await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.html);
        let sent = citizen
            .post(&format!("/pratiche/{code}/invia"), &review.csrf(), &[("_version", &held.case.version.to_string())])
            .await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.html);
        let case = citizen.get(&format!("/pratiche/{code}")).await;
        assert!(case.shows("Domanda ricevuta, in attesa della graduatoria"), "{}", case.html);
        let stored = app.store.case(sportello_store::case_id_from_code(&code).unwrap()).await.unwrap();
        assert_eq!(stored.case.data["isee_value"], serde_json::json!(18500.5), "{}", app.backend);

        // The clerk sees it in the worklist and admits it from the case page.
        let mut clerk = Visitor::new(&app.address);
        clerk.sign_in("clerk-scuola").await;
        let worklist = clerk.get("/ufficio").await;
        assert_eq!(worklist.status, StatusCode::OK, "{}", worklist.html);
        assert!(worklist.shows(&code));
        let page = clerk.get(&format!("/ufficio/pratiche/{code}")).await;
        assert!(page.shows("action-admit"), "{}", page.html);
        // The clerk reads the audit trail and the actions in Italian, with no internal id.
        assert!(page.shows("Richiedente"), "{}", page.html);
        for internal in ["the applicant", "→ admitted", ">submitted<", "nursery-enrolment v", "(app_io)"] {
            assert!(!page.shows(internal), "{internal} on the clerk's page: {}", page.html);
        }
        assert!(!page.shows("name=\"assigned_nursery\" value=\"Nido"), "action forms start empty");
        // One button assigns the case to the clerk looking at it.
        assert!(page.shows("id=\"assign-to-me\""), "{}", page.html);
        let me = page.html.split("name=\"assignee\" value=\"").nth(1).and_then(|s| s.split('"').next()).unwrap();
        let mine = clerk
            .post(
                &format!("/ufficio/pratiche/{code}/assegna"),
                &page.csrf(),
                &[("_version", &stored.case.version.to_string()), ("assignee", me)],
            )
            .await;
        assert_eq!(mine.status, StatusCode::SEE_OTHER, "{}", mine.html);
        let page = clerk.get(&format!("/ufficio/pratiche/{code}")).await;
        assert!(page.shows(&format!("Assegnata a {me}")), "in the audit trail: {}", page.html);
        let stored = app.store.case(sportello_store::case_id_from_code(&code).unwrap()).await.unwrap();
        let version = stored.case.version.to_string();
        let admitted = clerk
            .post(
                &format!("/ufficio/pratiche/{code}/azioni/admit"),
                &page.csrf(),
                &[
                    ("_version", &version),
                    ("ranking_score", "38,5"),
                    ("ranking_position", "12"),
                    ("assigned_nursery", "Nido Cipì"),
                ],
            )
            .await;
        assert_eq!(admitted.status, StatusCode::SEE_OTHER, "{}", admitted.html);
        // The same form again, at the old version: the case moved meanwhile.
        let stale = clerk
            .post(&format!("/ufficio/pratiche/{code}/azioni/admit"), &page.csrf(), &[("_version", &version)])
            .await;
        assert!(matches!(stale.status, StatusCode::NOT_FOUND | StatusCode::UNPROCESSABLE_ENTITY), "{}", stale.status);
        let now = citizen.get(&format!("/pratiche/{code}")).await;
        assert!(now.shows("action-accept_place"), "the citizen may accept the place: {}", now.html);
        // Renouncing closes the application: it needs the ticked confirmation, and the page says so.
        let renounce = format!("/pratiche/{code}/azioni/renounce_place");
        let unconfirmed = citizen.post(&renounce, &now.csrf(), &[]).await;
        assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", unconfirmed.html);
        assert!(unconfirmed.shows("spunta la conferma"), "{}", unconfirmed.html);
        assert!(unconfirmed.shows("name=\"_confirm\""), "{}", unconfirmed.html);
        let id = sportello_store::case_id_from_code(&code).unwrap();
        assert_eq!(app.store.case(id).await.unwrap().case.state.as_str(), "admitted", "nothing changed");
        let confirmed = citizen.post(&renounce, &now.csrf(), &[("_confirm", "true")]).await;
        assert_eq!(confirmed.status, StatusCode::SEE_OTHER, "{}", confirmed.html);
        assert_eq!(app.store.case(id).await.unwrap().case.state.as_str(), "renounced");
        // A renounced application is not shown as a success.
        let closed = citizen.get(&format!("/pratiche/{code}")).await;
        assert!(closed.shows("class=\"callout\" id=\"status\""), "{}", closed.html);

        // Neither sees the other's pages; a citizen never sees another's case.
        assert_eq!(citizen.get("/ufficio").await.status, StatusCode::FORBIDDEN);
        assert_eq!(clerk.get("/pratiche").await.status, StatusCode::FORBIDDEN);
        let mut other = Visitor::new(&app.address);
        other.sign_in("analyst").await;
        assert_eq!(other.get(&format!("/pratiche/{code}")).await.status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn a_citizen_deletes_a_draft_only_with_the_confirmation_ticked() {
    for app in TestApp::each("pages_draft_delete", in_the_window()).await {
        let mut citizen = Visitor::new(&app.address);
        citizen.sign_in("citizen").await;
        let form = citizen.get("/pratiche/nuova/nursery-enrolment").await;
        let fields = [("applicant_fiscal_code", "RSSMRA85T10A562S"), ("child_name", "Luca Rossi"), ("_action", "save")];
        let saved = citizen.post("/pratiche/nuova/nursery-enrolment", &form.csrf(), &fields).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
        let code = code_in(&citizen.get("/pratiche").await.html, "NE-");
        let id = sportello_store::case_id_from_code(&code).unwrap();

        // The draft's page offers the deletion as a secondary button, behind a confirmation to tick.
        let page = citizen.get(&format!("/pratiche/{code}")).await;
        assert!(page.shows(&format!("action=\"/pratiche/{code}/elimina\"")), "{}", page.html);
        assert!(page.shows("class=\"btn secondary\" type=\"submit\" id=\"delete-draft-button\">Elimina la bozza"));
        assert!(page.shows("id=\"confirm-delete-draft\" name=\"_confirm\""), "{}", page.html);
        let delete = format!("/pratiche/{code}/elimina");

        // Without the tick, or at a version the draft has left: the page says so and nothing changes.
        let unticked = citizen.post(&delete, &page.csrf(), &[("_version", "1")]).await;
        assert_eq!(unticked.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", unticked.html);
        assert!(unticked.shows("Per eliminare la bozza spunta la conferma"), "{}", unticked.html);
        assert!(unticked.shows("id=\"delete-draft-error\""), "{}", unticked.html);
        let stale = citizen.post(&delete, &page.csrf(), &[("_version", "7"), ("_confirm", "true")]).await;
        assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", stale.html);
        assert!(stale.shows("id=\"delete-draft-error\""), "{}", stale.html);
        let stored = app.store.case(id).await.unwrap();
        assert_eq!((stored.case.version, stored.case.data["child_name"].as_str()), (1, Some("Luca Rossi")));
        // Without the session's token: refused before anything is read.
        let forged = citizen.post(&delete, "forged", &[("_version", "1"), ("_confirm", "true")]).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.html);

        // Ticked: deleted, and back to the list, which says so and no longer shows it.
        let deleted = citizen.post(&delete, &page.csrf(), &[("_version", "1"), ("_confirm", "true")]).await;
        assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{}", deleted.html);
        assert_eq!(deleted.location.as_deref(), Some("/pratiche?notice=draft_deleted"));
        let list = citizen.get("/pratiche?notice=draft_deleted").await;
        assert!(list.shows("Bozza eliminata."), "{}", list.html);
        assert!(!list.shows(&code), "{}", list.html);
        assert_eq!(citizen.get(&format!("/pratiche/{code}")).await.status, StatusCode::NOT_FOUND);
        assert_eq!(citizen.get(&format!("/pratiche/{code}/modifica")).await.status, StatusCode::NOT_FOUND);
        assert_eq!(app.store.case(id).await.unwrap_err(), sportello_runtime::error::Error::CaseNotFound);
    }
}

#[tokio::test]
async fn analysts_see_diagrams_and_validate_a_broken_file_at_its_line() {
    for app in TestApp::each("pages_analyst", in_the_window()).await {
        let mut analyst = Visitor::new(&app.address);
        analyst.sign_in("analyst").await;
        let list = analyst.get("/procedimenti").await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.html);
        assert!(list.shows("/procedimenti/nursery-enrolment"));
        let workflow = analyst.get("/procedimenti/nursery-enrolment").await;
        assert!(workflow.shows("<svg"), "the diagram is drawn on the server");
        let form = analyst.get("/procedimenti/valida").await;
        let broken = "id: broken\nversion: 1\ntitle: { it: Rotto }\noffice: x\nstates:\n  a:\n    initial: true\n    status: { it: A }\n    waiting_for: office\ntransitions:\n  go: { from: a, to: nowhere, by: system }\n";
        let checked = analyst.post("/procedimenti/valida", &form.csrf(), &[("source", broken)]).await;
        assert_eq!(checked.status, StatusCode::OK);
        assert!(checked.shows("Riga 11"), "the problem is at line 11: {}", checked.html);
        assert!(checked.shows("<mark>11 |"), "the offending line is marked");
        // The same file uploaded rather than pasted.
        let uploaded = analyst.post_file("/procedimenti/valida", &form.csrf(), "file", broken).await;
        assert_eq!(uploaded.status, StatusCode::OK, "{}", uploaded.html);
        assert!(uploaded.shows("Riga 11"), "{}", uploaded.html);
        let valid =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../workflows/records-access.yaml")).unwrap();
        let good = analyst.post_file("/procedimenti/valida", &form.csrf(), "file", &valid).await;
        assert!(good.shows("Il procedimento è valido: records-access"), "{}", good.html);
        // Bytes that are not UTF-8 are named as the CLI names them, not turned into other characters.
        let latin1 = b"id: broken\ntitle: { it: Citt\xe0 }\n";
        let unreadable = analyst.post_file_bytes("/procedimenti/valida", &form.csrf(), "file", latin1).await;
        assert_eq!(unreadable.status, StatusCode::OK, "{}", unreadable.html);
        assert!(unreadable.shows("Riga 2, colonna 18: the file is not valid UTF-8"), "{}", unreadable.html);
        // A file over the page's limit is said to be too large, not an expired form.
        let huge = format!("# {}\n", "x".repeat(600 * 1024));
        let refused = analyst.post_file("/procedimenti/valida", &form.csrf(), "file", &huge).await;
        assert_eq!(refused.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", app.backend);
        assert!(refused.shows("512 KiB") && !refused.shows("scaduto"), "{}", refused.html);
        let scenarios = analyst.get("/procedimenti/scenari").await;
        assert_eq!(scenarios.status, StatusCode::OK, "{}", app.backend);
        assert_eq!(analyst.get("/ufficio").await.status, StatusCode::FORBIDDEN, "an analyst has no worklist");
    }
}

/// The first case code starting with `prefix` in `html`.
fn code_in(html: &str, prefix: &str) -> String {
    let start = html.find(prefix).expect("a case code on the page");
    html[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect()
}

#[tokio::test]
async fn an_unknown_page_path_shows_the_not_found_page_in_the_visitors_language() {
    for app in TestApp::each("pages_unknown_path", in_the_window()).await {
        let mut visitor = Visitor::new(&app.address);
        for path in ["/pratica", "/ufficio/pratiche", "/procedimenti/school/extra", "/favicon.png"] {
            let page = visitor.get(path).await;
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{path} ({})", app.backend);
            assert!(page.shows("Pagina non trovata") && page.shows("lang=\"it\""), "{path}: {}", page.html);
        }
        visitor.sign_in("citizen").await;
        let page = visitor.get("/pratiche/nuova/school/extra?lang=en").await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        assert!(page.shows("Page not found") && page.shows("My applications"), "in the layout: {}", page.html);
    }
}

#[tokio::test]
async fn a_page_asked_for_with_a_method_it_does_not_take_shows_a_page_not_the_apis_json() {
    for app in TestApp::each("pages_wrong_method", in_the_window()).await {
        let mut visitor = Visitor::new(&app.address);
        let page = visitor.post("/pratiche", "any", &[]).await;
        assert_eq!(page.status, StatusCode::METHOD_NOT_ALLOWED, "{}", app.backend);
        assert!(page.shows("Richiesta non accettata") && page.shows("lang=\"it\""), "{}", page.html);
        assert!(!page.html.contains("method-not-allowed"), "not the API's problem: {}", page.html);
        let answer = reqwest::Client::new().post(format!("{}/pratiche", app.address)).send().await.unwrap();
        let allow = answer.headers().get(reqwest::header::ALLOW).map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(allow.as_deref(), Some("GET,HEAD"), "the methods the page takes");
        visitor.sign_in("citizen").await;
        let page = visitor.post("/pratiche/nuova?lang=en", "any", &[]).await;
        assert_eq!(page.status, StatusCode::METHOD_NOT_ALLOWED);
        assert!(page.shows("Request not accepted") && page.shows("My applications"), "in the layout: {}", page.html);
        // The API's routes keep their own answer.
        let answer = reqwest::Client::new().delete(format!("{}/api/v1/workflows", app.address)).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert!(answer.text().await.unwrap().contains("method-not-allowed"));
    }
}

/// The session cookie a first visit to the sign-in page gets, as the server wrote it.
async fn session_cookie(app: &TestApp) -> String {
    let answer = reqwest::get(format!("{}/accedi", app.address)).await.expect("the sign-in page");
    assert_eq!(answer.status(), StatusCode::OK);
    answer
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("sportello_session="))
        .map(str::to_owned)
        .expect("a session cookie for a new visitor")
}

#[tokio::test]
async fn session_cookies_are_secure_outside_dev_mode() {
    for app in TestApp::each_with("pages_cookie_production", in_the_window(), |s| s.dev = false).await {
        let cookie = session_cookie(&app).await;
        assert!(cookie.contains("; Secure"), "{}: {cookie}", app.backend);
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    }
    for app in TestApp::each("pages_cookie_dev", in_the_window()).await {
        let cookie = session_cookie(&app).await;
        assert!(!cookie.contains("Secure"), "dev mode serves plain HTTP on localhost: {cookie}");
    }
}

/// The demo citizen the pages' dev sign-in uses.
const DEMO_CITIZEN: &str = "RSSMRA85T10A562S";

#[tokio::test]
async fn a_suspended_term_shows_on_the_citizens_page_and_a_term_about_to_end_is_marked_on_the_worklist() {
    for app in TestApp::each("pages_terms", date(2026, 3, 2)).await {
        let applicant = app.citizen(DEMO_CITIZEN);
        let staff = app.clerk("clerk-edilizia", &["edilizia"]);
        let code = app.open_case("building-permit", DEMO_CITIZEN, serde_json::json!({})).await;
        let application = serde_json::json!({
            "applicant_fiscal_code": DEMO_CITIZEN,
            "designer_fiscal_code": "BNCLRA90A41F257R",
            "property_address": "Viale Corassori 60, Modena",
            "cadastral_reference": "Foglio 160, mappale 12, sub. 2",
            "works_description": "Ampliamento di un edificio unifamiliare.",
            "constrained_area": false,
        });
        // Mon 2 March 2026 + 150 days: Thu 30 July.
        assert_eq!(app.apply(&code, "submit", &applicant, application).await.status, StatusCode::OK);
        app.advance_days(2);
        assert_eq!(app.apply(&code, "start_review", &staff, serde_json::json!({})).await.status, StatusCode::OK);
        app.advance_days(28);
        let changes = serde_json::json!({
            "changes_request": "Ridurre l'altezza del corpo in ampliamento a 7,50 m.",
            "changes_due_by": "2026-04-30",
        });
        let asked = app.apply(&code, "ask_changes", &staff, changes).await;
        assert_eq!(asked.status, StatusCode::OK, "{}", asked.text);

        let mut citizen = Visitor::new(&app.address);
        citizen.sign_in("citizen").await;
        let page = citizen.get(&format!("/pratiche/{code}")).await;
        assert!(page.shows("Termine sospeso dal") && page.shows("1 aprile 2026"), "{}: {}", app.backend, page.html);

        // Answered on Fri 17 April: 16 days suspended, due Mon 17 August (15 August is Ferragosto, a
        // Saturday; the 16th a Sunday). Four months away: nothing to mark.
        app.advance_days(16);
        assert_eq!(
            app.apply(&code, "answer_changes", &applicant, serde_json::json!({"changes_accepted": true})).await.status,
            StatusCode::OK
        );
        let page = citizen.get(&format!("/pratiche/{code}")).await;
        assert!(!page.shows("Termine sospeso dal"), "the term runs again: {}", page.html);
        let mut clerk = Visitor::new(&app.address);
        clerk.sign_in("clerk-edilizia").await;
        let worklist = clerk.get("/ufficio").await;
        assert!(worklist.shows(&code) && !worklist.shows("class=\"near-due\""), "{}", worklist.html);
        // Thu 13 August, four days before: not yet; Fri 14 August, three days before: marked.
        app.advance_days(118);
        assert!(!clerk.get("/ufficio").await.shows("class=\"near-due\""));
        app.advance_days(1);
        let worklist = clerk.get("/ufficio").await;
        assert!(worklist.shows("class=\"near-due\"") && worklist.shows("in scadenza"), "{}", worklist.html);
        // The days left are counted for the clerk, and one case is one "pratica", with no "0 scadute".
        assert!(worklist.shows("tra 3 giorni"), "{}", worklist.html);
        assert!(worklist.shows("1 pratica in attesa") && !worklist.shows("0 scadut"), "{}", worklist.html);
    }
}

#[tokio::test]
async fn a_service_outside_its_window_is_shown_closed_with_its_dates_and_cannot_be_started() {
    // 7 December: the nursery call (9 March to 17 April) is closed.
    for app in TestApp::each("pages_closed_service", date(2026, 12, 7)).await {
        let mut citizen = Visitor::new(&app.address);
        citizen.sign_in("citizen").await;
        let catalogue = citizen.get("/pratiche/nuova").await;
        assert_eq!(catalogue.status, StatusCode::OK, "{}", catalogue.html);
        assert!(catalogue.shows("Domande dal 9 marzo 2026 al 17 aprile 2026"), "{}", catalogue.html);
        assert!(catalogue.shows("Servizio chiuso"), "{}", catalogue.html);
        assert!(!catalogue.shows("href=\"/pratiche/nuova/nursery-enrolment\""), "no way in: {}", catalogue.html);
        assert!(catalogue.shows("href=\"/pratiche/nuova/records-access\""), "services without a window stay open");

        let form = citizen.get("/pratiche/nuova/nursery-enrolment").await;
        assert!(form.shows("Servizio chiuso") && !form.shows("id=\"send\""), "{}", form.html);
        // A form posted anyway (an old tab) creates nothing.
        let posted = citizen
            .post(
                "/pratiche/nuova/nursery-enrolment",
                &catalogue.csrf(),
                &[("child_name", "Luca Rossi"), ("_action", "save")],
            )
            .await;
        assert_eq!(posted.status, StatusCode::CONFLICT, "{}", posted.html);
        assert!(posted.shows("Servizio chiuso"), "{}", posted.html);
        let mine = citizen.get("/pratiche").await;
        assert!(!mine.shows("NE-"), "no draft was created: {}", mine.html);

        // The API says the same, with the dates.
        let api = app
            .post(
                "/api/v1/cases",
                &app.citizen("RSSMRA85T10A562S"),
                &serde_json::json!({"workflow": "nursery-enrolment", "data": {}}),
            )
            .await;
        assert_eq!(api.status, StatusCode::CONFLICT, "{}", api.text);
        assert_eq!(api.json["code"], "service-closed", "{}", api.text);
        assert!(api.text.contains("2026-03-09") && api.text.contains("2026-04-17"), "{}", api.text);
    }
}

#[tokio::test]
async fn every_page_has_the_favicon_and_a_footer_with_contacts_privacy_accessibility_and_legal_notes() {
    let configure = |s: &mut sportello_api::config::Settings| {
        s.web.contacts = vec!["Piazza Grande 16, 41121 Modena".to_owned()];
        s.web.privacy_url = Some("https://www.comune.example.it/privacy".to_owned());
        s.web.accessibility_url = Some("https://form.agid.gov.it/".to_owned());
        s.web.legal_notes_url = Some("https://www.comune.example.it/note-legali".to_owned());
    };
    for app in TestApp::each_with("pages_footer", in_the_window(), configure).await {
        let mut visitor = Visitor::new(&app.address);
        let page = visitor.get("/accedi").await;
        assert!(page.shows("Piazza Grande 16, 41121 Modena"), "{}", page.html);
        for (href, text) in [
            ("https://www.comune.example.it/privacy", "Informativa privacy"),
            ("https://form.agid.gov.it/", "Dichiarazione di accessibilità"),
            ("https://www.comune.example.it/note-legali", "Note legali"),
        ] {
            assert!(page.shows(&format!("<a href=\"{href}\">{text}</a>")), "{text}: {}", page.html);
        }
        assert!(page.shows("rel=\"icon\" href=\"/static/favicon.svg\""), "{}", page.html);
        let icon = reqwest::get(format!("{}/favicon.ico", app.address)).await.unwrap();
        assert_eq!(icon.status(), StatusCode::OK, "no more 404 for the favicon");
        assert_eq!(icon.headers()["content-type"], "image/svg+xml");
    }
}

#[tokio::test]
async fn titillium_web_is_served_by_the_server_itself() {
    for app in TestApp::each("pages_font", in_the_window()).await {
        let css = reqwest::get(format!("{}/static/sportello.css", app.address)).await.unwrap().text().await.unwrap();
        assert!(css.contains("@font-face") && css.contains("/static/fonts/titillium-web-latin-400-normal.woff2"));
        for weight in [400, 600, 700] {
            let url = format!("{}/static/fonts/titillium-web-latin-{weight}-normal.woff2", app.address);
            let font = reqwest::get(url).await.unwrap();
            assert_eq!(font.status(), StatusCode::OK, "{weight}");
            assert_eq!(font.headers()["content-type"], "font/woff2");
            assert!(font.bytes().await.unwrap().starts_with(b"wOF2"), "a WOFF2 file");
        }
        let missing = reqwest::get(format!("{}/static/fonts/other.woff2", app.address)).await.unwrap();
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        // The pages' Content-Security-Policy lets the stylesheet load them.
        let page = reqwest::get(format!("{}/accedi", app.address)).await.unwrap();
        assert!(page.headers()["content-security-policy"].to_str().unwrap().contains("font-src 'self'"));
    }
}

#[tokio::test]
async fn the_worklists_failed_deliveries_are_named_as_people_read_them() {
    // The protocol register cannot be reached, App IO is not configured, and the outbox gives up at
    // the first failure, so the building permit's call and message become incidents on the building
    // office's worklist.
    let unreachable = |settings: &mut sportello_api::config::Settings| {
        settings.hooks = serde_json::from_value(serde_json::json!({
            "webhooks": {"protocol-register": {
                "url": "http://127.0.0.1:9/protocollo",
                "secret": "a webhook secret of at least 32 characters",
                "timeout_seconds": 1,
            }},
        }))
        .expect("valid hooks settings");
        settings.outbox.retry_budget = 1;
    };
    for app in TestApp::each_with("pages_incidents", in_the_window(), unreachable).await {
        let input = serde_json::json!({
            "applicant_fiscal_code": sportello_tests::app::CITIZEN_A,
            "designer_fiscal_code": sportello_tests::app::CITIZEN_B,
            "property_address": "Via Giardini 45",
            "cadastral_reference": "Foglio 12, mappale 345",
            "works_description": "Ampliamento",
            "constrained_area": false,
        });
        let code = app.open_case("building-permit", sportello_tests::app::CITIZEN_A, serde_json::json!({})).await;
        let citizen = app.citizen(sportello_tests::app::CITIZEN_A);
        assert_eq!(app.apply(&code, "submit", &citizen, input).await.status, StatusCode::OK);
        let round = app.deliver().await;
        assert_eq!(round.incidents, 2, "{}: the call and the message (no App IO): {round:?}", app.backend);
        let mut clerk = Visitor::new(&app.address);
        clerk.sign_in("clerk-edilizia").await;
        let worklist = clerk.get("/ufficio").await;
        assert!(worklist.shows("Comunicazione a un altro sistema dell&#x27;ente"), "{}", worklist.html);
        assert!(worklist.shows("Messaggio: Domanda di permesso di costruire ricevuta"), "{}", worklist.html);
        for internal in ["webhook protocol", "notify received"] {
            assert!(!worklist.shows(internal), "{internal}: {}", worklist.html);
        }
    }
}
