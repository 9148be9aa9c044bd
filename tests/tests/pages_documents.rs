//! The case file on the pages, through HTTP without a browser, on SQLite and (with
//! `TEST_POSTGRES_URL`) PostgreSQL, with a small workflow deployed by an analyst and files attached
//! through the API: listed on the case pages and on *Documenti*, downloaded back byte for byte with
//! the headers that keep a browser from rendering them; the clerk sees who signed a `.p7m` and an
//! internal opinion the applicant never sees, and a document of someone else's case is "not found".

use jiff::civil::date;
use reqwest::{Method, StatusCode};
use serde_json::{Value as Json, json};
use sportello_tests::app::{CITIZEN_A, CITIZEN_B, TestApp};
use sportello_tests::visitor::{Page, Visitor};

/// A building permit reduced to its case file: drawings (PDF, up to 100 KB, one to three), a signed
/// declaration (optional) and the office's internal opinion.
const WORKFLOW: &str = r#"
id: permit-with-files
version: 1
title: { it: Permesso con allegati, en: Permit with attachments }
description: { it: Una domanda con i suoi allegati., en: An application with its attachments. }
office: edilizia
roles:
  clerk:
    title: { it: Responsabile del procedimento, en: Case officer }
data:
  type: object
  required: [works]
  properties:
    works:
      type: string
      maxLength: 200
      label: { it: Lavori previsti, en: Planned works }
    missing:
      type: string
      maxLength: 200
      label: { it: Cosa manca, en: What is missing }
documents:
  plans:
    title: { it: Elaborati progettuali, en: Project drawings }
    hint: { it: Le tavole del progetto., en: The project's drawings. }
    accept: [application/pdf]
    max_size: 100 KB
  declaration:
    title: { it: Dichiarazione firmata, en: Signed declaration }
    accept: [application/pkcs7-mime, application/pdf]
    signed: true
    max_size: 1 MB
  opinion:
    title: { it: Parere interno, en: Internal opinion }
    visible_to: staff
states:
  draft:
    initial: true
    status: { it: Domanda in compilazione, en: Application being filled in }
    waiting_for: citizen
  submitted:
    status: { it: Domanda ricevuta, en: Application received }
    waiting_for: office
    milestone: { it: Domanda inviata, en: Application sent }
  integration:
    status: { it: In attesa di altri elaborati, en: Waiting for more drawings }
    waiting_for: citizen
  decided:
    final: true
    outcome: accepted
    status: { it: Permesso rilasciato, en: Permit issued }
    waiting_for: nobody
transitions:
  submit:
    title: { it: Invia la domanda, en: Send the application }
    from: draft
    to: submitted
    by: citizen
    input:
      required: [works]
    documents:
      plans: { min: 1, max: 3 }
      declaration: { min: 0, max: 1 }
  ask_more:
    title: { it: Chiedi altri elaborati, en: Ask for more drawings }
    from: submitted
    to: integration
    by: clerk
    input:
      required: [missing]
  integrate:
    title: { it: Invia gli elaborati, en: Send the drawings }
    from: integration
    to: submitted
    by: citizen
    documents:
      plans: { min: 1, max: 2 }
  decide:
    title: { it: Rilascia il permesso, en: Issue the permit }
    from: submitted
    to: decided
    by: clerk
    documents:
      opinion: { min: 0, max: 1 }
"#;

/// A signed declaration: the checks' fixture, `documento.pdf` in a CAdES envelope signed by
/// "Mario Rossi" (fiscal code `RSSMRA80A01H501U`) of a test CA nobody trusts.
const SIGNED: &[u8] = include_bytes!("../../engine/documents/src/checks/fixtures/rsa-sha256.p7m");

/// A one-page PDF saying `words`, padded with comment lines to about `size` bytes, its
/// cross-reference offsets counted.
fn pdf(words: &str, size: usize) -> Vec<u8> {
    let mut out = format!("%PDF-1.4\n% {words}\n").into_bytes();
    while out.len() + 500 < size {
        out.extend_from_slice(format!("% {}\n", "x".repeat(76)).as_bytes());
    }
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ];
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(b"xref\n0 4\n0000000000 65535 f \n");
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(format!("trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes());
    out
}

/// Deploys [`WORKFLOW`] as an analyst does.
async fn deploy(app: &TestApp) {
    let request = app
        .request(Method::POST, "/api/v1/workflows", Some(&app.analyst()))
        .header("content-type", "application/yaml")
        .body(WORKFLOW);
    let answer = app.send(request).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}: {}", app.backend, answer.text);
}

/// Uploads `content` as `name`, a document of `doc_type`, to case `code` through the API: its id.
async fn upload(app: &TestApp, code: &str, token: &str, doc_type: &str, name: &str, content: &[u8]) -> String {
    let path = format!("/api/v1/cases/{code}/documents?type={doc_type}&name={name}");
    let answer = app.send(app.request(Method::POST, &path, Some(token)).body(content.to_vec())).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}: {}", app.backend, answer.text);
    answer.json["id"].as_str().expect("an upload id").to_owned()
}

/// The download links of `page`, in the order shown.
fn links(page: &Page, prefix: &str) -> Vec<String> {
    let marker = format!("href=\"{prefix}/documenti/");
    page.html
        .match_indices(&marker)
        .map(|(at, _)| {
            let start = at + "href=\"".len();
            page.html[start..start + page.html[start..].find('"').unwrap()].to_owned()
        })
        .collect()
}

/// The documents of case `code` the API lists to `token`.
async fn listed(app: &TestApp, code: &str, token: &str) -> Vec<Json> {
    let answer = app.get(&format!("/api/v1/cases/{code}/documents"), token).await;
    assert_eq!(answer.status, StatusCode::OK, "{}: {}", app.backend, answer.text);
    answer.json["documents"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn the_case_file_is_listed_and_downloaded_from_the_pages() {
    for app in TestApp::each("pages_documents_list", date(2026, 3, 2)).await {
        let backend = app.backend;
        deploy(&app).await;
        let token = app.citizen(CITIZEN_A);
        let code = app.open_case("permit-with-files", CITIZEN_A, json!({"works": "Ampliamento"})).await;
        let (first, second) = (pdf("pianta piano terra", 40 * 1024), pdf("prospetto nord", 40 * 1024));
        let ids = [
            upload(&app, &code, &token, "plans", "pianta.pdf", &first).await,
            upload(&app, &code, &token, "plans", "prospetto.pdf", &second).await,
        ];
        let applied =
            app.apply(&code, "submit", &token, json!({"works": "Ampliamento", "documents": {"plans": ids}})).await;
        assert_eq!(applied.status, StatusCode::OK, "{backend}: {}", applied.text);

        // The case page lists them, the applicant's, with their sizes the Italian way.
        let mut citizen = Visitor::new(&app.address);
        citizen.sign_in("citizen").await;
        let page = citizen.get(&format!("/pratiche/{code}")).await;
        let size = format!("(PDF, {} KB)", first.len().div_ceil(1024));
        for shown in ["id=\"documenti\"", "Elaborati progettuali", "pianta.pdf", "prospetto.pdf", &size] {
            assert!(page.shows(shown), "{backend}: {shown} on {}", page.html);
        }
        assert!(page.shows("Caricato il 2 marzo 2026 alle 09:00 · Richiedente"), "{backend}: {}", page.html);
        let links = links(&page, &format!("/pratiche/{code}"));
        assert_eq!(links.len(), 2, "{backend}: {}", page.html);

        // Downloaded back as sent, as an attachment no browser renders.
        let download = citizen.download(&links[0], &[]).await;
        assert_eq!(download.status, StatusCode::OK, "{backend}");
        assert_eq!(download.bytes, first, "{backend}: the bytes sent");
        assert_eq!(download.header("content-type"), Some("application/pdf"), "{backend}");
        let disposition = download.header("content-disposition").unwrap_or_default();
        assert!(disposition.starts_with("attachment; filename=\"pianta.pdf\""), "{backend}: {disposition}");
        assert_eq!(download.header("x-content-type-options"), Some("nosniff"), "{backend}");
        assert_eq!(download.header("content-security-policy"), Some("sandbox"), "{backend}");
        let etag = download.header("etag").expect("an ETag").to_owned();
        let documents = listed(&app, &code, &token).await;
        let sha256 = documents.iter().find(|d| d["name"] == "pianta.pdf").unwrap()["sha256"].as_str().unwrap();
        assert_eq!(etag, format!("\"{sha256}\""), "{backend}");
        let range = citizen.download(&links[0], &[("range", "bytes=0-7")]).await;
        assert_eq!((range.status, range.bytes.as_slice()), (StatusCode::PARTIAL_CONTENT, &b"%PDF-1.4"[..]));
        let unchanged = citizen.download(&links[0], &[("if-none-match", &etag)]).await;
        assert_eq!(unchanged.status, StatusCode::NOT_MODIFIED, "{backend}");

        // "Documenti" in the personal area: both, with their application.
        let mine = citizen.get("/documenti").await;
        assert_eq!(mine.status, StatusCode::OK, "{backend}: {}", mine.html);
        for shown in ["pianta.pdf", "prospetto.pdf", "Permesso con allegati", &code, "aria-current=\"page\">Documenti"]
        {
            assert!(mine.shows(shown), "{backend}: {shown} on {}", mine.html);
        }
        assert!(mine.shows(&links[1]), "{backend}: linked to the download: {}", mine.html);
        assert!(mine.shows("name=\"page\" value=\"documents\""), "{backend}: the page is rated");
    }
}

#[tokio::test]
async fn the_clerk_sees_who_signed_and_a_document_of_another_case_is_not_found() {
    for app in TestApp::each("pages_documents_clerk", date(2026, 3, 2)).await {
        let backend = app.backend;
        deploy(&app).await;
        let token = app.citizen(CITIZEN_A);
        let code = app.open_case("permit-with-files", CITIZEN_A, json!({"works": "Ampliamento"})).await;
        let plans = [upload(&app, &code, &token, "plans", "pianta.pdf", &pdf("pianta", 3 * 1024)).await];
        let declaration = [upload(&app, &code, &token, "declaration", "dichiarazione.pdf.p7m", SIGNED).await];
        let input = json!({"works": "Ampliamento", "documents": {"plans": plans, "declaration": declaration}});
        assert_eq!(app.apply(&code, "submit", &token, input).await.status, StatusCode::OK, "{backend}");

        // The clerk reads who signed, and that the chain of trust was not checked.
        let mut clerk = Visitor::new(&app.address);
        clerk.sign_in("clerk-edilizia").await;
        let case_page = format!("/ufficio/pratiche/{code}");
        let page = clerk.get(&case_page).await;
        assert_eq!(page.status, StatusCode::OK, "{backend}: {}", page.html);
        for shown in [
            "Dichiarazione firmata",
            "dichiarazione.pdf.p7m",
            "(file firmato .p7m, ",
            // "dal 1 dicembre", or "dall'8 dicembre" (the fixture's certificate is dated when it was made).
            "Firmato da Mario Rossi (RSSMRA80A01H501U), certificato valido dal",
            "catena di fiducia non verificata",
            "Certificato rilasciato da Sportello Test Root",
        ] {
            assert!(page.shows(shown), "{backend}: {shown} on {}", page.html);
        }
        let links = links(&page, &case_page);
        assert_eq!(links.len(), 2, "{backend}: {}", page.html);
        let signed = clerk.download(&links[1], &[]).await;
        assert_eq!((signed.status, signed.bytes.as_slice()), (StatusCode::OK, SIGNED), "{backend}");
        assert_eq!(signed.header("content-type"), Some("application/pkcs7-mime"), "{backend}");

        // The office's internal opinion: the clerk sees it marked so, the applicant never.
        let staff = app.clerk("dev-edilizia", &["edilizia"]);
        let opinion = upload(&app, &code, &staff, "opinion", "parere.pdf", &pdf("parere favorevole", 2 * 1024)).await;
        let decided = app.apply(&code, "decide", &staff, json!({"documents": {"opinion": [opinion]}})).await;
        assert_eq!(decided.status, StatusCode::OK, "{backend}: {}", decided.text);
        let page = clerk.get(&case_page).await;
        assert!(
            page.shows("Parere interno <span class=\"tag\">Riservato all&#x27;ufficio</span>"),
            "{backend}: {}",
            page.html
        );
        assert!(page.shows("parere.pdf") && page.shows(" · Ufficio"), "{backend}: {}", page.html);
        let mut citizen = Visitor::new(&app.address);
        citizen.sign_in("citizen").await;
        let mine = citizen.get(&format!("/pratiche/{code}")).await;
        assert!(!mine.shows("parere.pdf") && mine.shows("pianta.pdf"), "{backend}: {}", mine.html);
        let hidden = citizen.download(&format!("/pratiche/{code}/documenti/{opinion}"), &[]).await;
        assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{backend}");

        // Another citizen's case: its document is "not found" to this citizen and to another office.
        let other = app.open_case("permit-with-files", CITIZEN_B, json!({"works": "Tettoia"})).await;
        let theirs_token = app.citizen(CITIZEN_B);
        let id = upload(&app, &other, &theirs_token, "plans", "tettoia.pdf", &pdf("tettoia", 1024)).await;
        let applied =
            app.apply(&other, "submit", &theirs_token, json!({"works": "Tettoia", "documents": {"plans": [id]}})).await;
        assert_eq!(applied.status, StatusCode::OK, "{backend}: {}", applied.text);
        let theirs = citizen.download(&format!("/pratiche/{other}/documenti/{id}"), &[]).await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND, "{backend}");
        let mut elsewhere = Visitor::new(&app.address);
        elsewhere.sign_in("clerk-anagrafe").await;
        let theirs = elsewhere.download(&format!("/ufficio/pratiche/{other}/documenti/{id}"), &[]).await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND, "{backend}");
        let own_office = clerk.download(&format!("/ufficio/pratiche/{other}/documenti/{id}"), &[]).await;
        assert_eq!(own_office.status, StatusCode::OK, "{backend}");
    }
}
