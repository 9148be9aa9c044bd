//! Issue 24's acceptance, on the shipped building permit, through the real server on SQLite and
//! PostgreSQL: the application goes in with a signed project (`.p7m`) and two PDFs, the office asks for
//! more documents and the citizen answers with an upload, the head of the office attaches the decision;
//! every document comes back byte-identical to those allowed to see it and is refused, as a case that
//! does not exist, to the others.

use jiff::civil::date;
use reqwest::StatusCode;
use serde_json::{Value as Json, json};
use sportello_tests::app::{CITIZEN_A, TestApp};
use sportello_tests::files::{SIGNED_P7M, pdf};

async fn upload(app: &TestApp, code: &str, token: &str, doc_type: &str, name: &str, bytes: &[u8]) -> Json {
    let answer = app.upload(code, token, doc_type, name, bytes.to_vec()).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}: {name}: {}", app.backend, answer.text);
    answer.json
}

async fn download(app: &TestApp, code: &str, token: &str, document: &Json) -> (StatusCode, Vec<u8>) {
    let path = format!("/api/v1/cases/{code}/documents/{}", document["id"].as_str().unwrap());
    let response = app.request(reqwest::Method::GET, &path, Some(token)).send().await.expect("the server answers");
    (response.status(), response.bytes().await.expect("a body").to_vec())
}

#[tokio::test]
async fn a_building_permit_with_a_signed_project_integration_and_decision() {
    for app in TestApp::each("documents_permit", date(2026, 3, 2)).await {
        let citizen = app.citizen(CITIZEN_A);
        let clerk = app.clerk("istruttore", &["edilizia"]);
        let head = app.staff("dirigente", &["manager"], &["edilizia"]);
        let code = app.open_case("building-permit", CITIZEN_A, json!({})).await;
        let application = json!({
            "applicant_fiscal_code": CITIZEN_A, "designer_fiscal_code": CITIZEN_A,
            "property_address": "Via Giardini 45", "cadastral_reference": "Foglio 12, mappale 345",
            "works_description": "Ampliamento", "constrained_area": false,
        });

        // The application: a signed project and two PDFs.
        let (first, second) = (pdf("relazione tecnica"), pdf("documentazione fotografica"));
        let project = upload(&app, &code, &citizen, "progetto", "tavole.pdf.p7m", SIGNED_P7M).await;
        assert_eq!(project["signer"]["fiscal_code"], "RSSMRA80A01H501U", "the signer is read");
        let report = upload(&app, &code, &citizen, "allegati", "relazione.pdf", &first).await;
        let photos = upload(&app, &code, &citizen, "allegati", "foto.pdf", &second).await;
        let mut input = application.clone();
        input["documents"] = json!({"progetto": [project["id"]], "allegati": [report["id"], photos["id"]]});
        let sent = app.post(&format!("/api/v1/cases/{code}/transitions/submit"), &citizen, &input).await;
        assert_eq!(sent.status, StatusCode::OK, "{}: {}", app.backend, sent.text);

        // The office asks for more; the citizen answers with an upload.
        let asked = app
            .apply(
                &code,
                "ask_documents",
                &clerk,
                json!({"documents_request": "La visura catastale aggiornata.", "documents_due_by": "2026-04-30"}),
            )
            .await;
        assert_eq!(asked.status, StatusCode::OK, "{}: {}", app.backend, asked.text);
        let visura = pdf("visura catastale");
        let answer = upload(&app, &code, &citizen, "integrazione", "visura.pdf", &visura).await;
        let ids = json!({"documents": {"integrazione": [answer["id"]]}});
        let answered = app.post(&format!("/api/v1/cases/{code}/transitions/send_documents"), &citizen, &ids).await;
        assert_eq!(answered.status, StatusCode::OK, "{}: {}", app.backend, answered.text);

        // The head of the office decides, attaching the decision.
        let permit = pdf("permesso di costruire 27/2026");
        let decision = upload(&app, &code, &head, "provvedimento", "permesso.pdf", &permit).await;
        let mut approval = json!({"permit_number": "PdC 27/2026"});
        approval["documents"] = json!({"provvedimento": [decision["id"]]});
        let approved = app.post(&format!("/api/v1/cases/{code}/transitions/approve"), &head, &approval).await;
        assert_eq!(approved.status, StatusCode::OK, "{}: {}", app.backend, approved.text);
        assert_eq!(approved.json["state"], "approved");

        // Each comes back byte-identical to the applicant and the office, and to no one else.
        let stranger = app.citizen("RSSMRA80A01H501U");
        let other_office = app.clerk("anagrafe", &["anagrafe"]);
        let every = [
            (&project, SIGNED_P7M.to_vec()),
            (&report, first),
            (&photos, second),
            (&answer, visura),
            (&decision, permit),
        ];
        for (document, bytes) in &every {
            for token in [&citizen, &clerk, &head] {
                let (status, got) = download(&app, &code, token, document).await;
                assert_eq!(status, StatusCode::OK, "{}: {}", app.backend, document["name"]);
                assert!(got == *bytes, "{}: {} differs", app.backend, document["name"]);
            }
            for token in [&stranger, &other_office] {
                let (status, _) = download(&app, &code, token, document).await;
                assert_eq!(status, StatusCode::NOT_FOUND, "{}: {}", app.backend, document["name"]);
            }
        }
        // The case file the applicant sees, and the audit chain sealing every file.
        let case = app.get(&format!("/api/v1/cases/{code}"), &citizen).await;
        assert_eq!(case.json["documents"].as_array().map(Vec::len), Some(5));
        let trail = app.store.audit_trail(sportello_store::case_id_from_code(&code).unwrap()).await.unwrap();
        let sealed: Vec<String> = trail
            .iter()
            .flat_map(|e| e.body["documents"].as_array().cloned().unwrap_or_default())
            .filter_map(|d| d["sha256"].as_str().map(str::to_owned))
            .collect();
        for (document, _) in &every {
            assert!(sealed.iter().any(|s| s == document["sha256"].as_str().unwrap()), "{}", document["name"]);
        }
    }
}
