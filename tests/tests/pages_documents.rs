//! The case file on the pages, through HTTP without a browser, on SQLite and (with
//! `TEST_POSTGRES_URL`) PostgreSQL, with a small workflow deployed by an analyst: files attached
//! through the API are listed on the case pages and on *Documenti* and downloaded back byte for byte
//! with the headers that keep a browser from rendering them; files are chosen on the review before
//! sending and on the case pages' actions and sent as a browser sends them (`multipart/form-data`, past
//! the server's body limit); a file the case file refuses is told beside its input in Italian and
//! leaves nothing behind; the clerk sees who signed a `.p7m` and attaches an internal opinion the
//! applicant never sees, and a document of someone else's case is "not found".

use jiff::civil::date;
use reqwest::{Method, StatusCode};
use serde_json::{Value as Json, json};
use sportello_tests::app::{CITIZEN_A, CITIZEN_B, TestApp};
use sportello_tests::files::{SIGNED_P7M as SIGNED, pdf, pdf_of_size};
use sportello_tests::visitor::{Page, Part, Visitor};

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

/// Deploys [`WORKFLOW`] as an analyst does.
async fn deploy(app: &TestApp) {
    let request = app
        .request(Method::POST, "/api/v1/workflows", Some(&app.analyst()))
        .header("content-type", "application/yaml")
        .body(WORKFLOW);
    let answer = app.send(request).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}: {}", app.backend, answer.text);
}

/// Fills in the application form and sends it: the draft's review, and its code.
async fn draft_for_review(citizen: &mut Visitor, backend: &str) -> (String, Page) {
    let form = citizen.get("/pratiche/nuova/permit-with-files").await;
    assert_eq!(form.status, StatusCode::OK, "{backend}: {}", form.html);
    assert!(form.shows("id=\"documents-at-review\""), "{backend}: the form says files come at the review");
    let sent = citizen
        .post("/pratiche/nuova/permit-with-files", &form.csrf(), &[("works", "Ampliamento"), ("_action", "submit")])
        .await;
    let review = sent.location.expect("to the review");
    let code = review.trim_start_matches("/pratiche/").trim_end_matches("/riepilogo").to_owned();
    (code, citizen.get(&review).await)
}

/// The review's form with `files`, as the browser sends it: the token and the version first, then
/// each file input's files (an input left empty sends an empty part).
async fn confirm(citizen: &mut Visitor, code: &str, review: &Page, files: &[Part<'_>]) -> Page {
    let (csrf, version) = (review.csrf(), review.input_value("_version").expect("the draft's version"));
    let mut parts = vec![Part::Text("_csrf", &csrf), Part::Text("_version", &version)];
    parts.extend_from_slice(files);
    citizen.post_multipart(&format!("/pratiche/{code}/invia"), &parts).await
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
        let (first, second) = (pdf_of_size("pianta piano terra", 40 * 1024), pdf_of_size("prospetto nord", 40 * 1024));
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
async fn a_citizen_attaches_files_on_the_review_and_downloads_them_back() {
    for app in TestApp::each("pages_documents_send", date(2026, 3, 2)).await {
        let backend = app.backend;
        deploy(&app).await;
        let mut citizen = Visitor::new(&app.address);
        citizen.sign_in("citizen").await;
        let (code, review) = draft_for_review(&mut citizen, backend).await;
        assert_eq!(review.status, StatusCode::OK, "{backend}: {}", review.html);
        for shown in [
            "enctype=\"multipart/form-data\"",
            "<input type=\"file\" id=\"doc-submit-plans\" name=\"doc:plans\" accept=\".pdf,application/pdf\" multiple",
            "Le tavole del progetto.",
            "PDF, fino a 100 KB per file · obbligatorio, al massimo 3 file",
            "name=\"doc:declaration\" accept=\".p7m,application/pkcs7-mime\" aria-describedby",
            "PDF firmato digitalmente (.p7m), fino a 1 MB per file · facoltativo",
        ] {
            assert!(review.shows(shown), "{backend}: {shown} on {}", review.html);
        }

        // Two drawings of 40 KB each: more together than the server's body limit (64 KB in tests),
        // which these forms lift; the declaration's input left empty.
        let (first, second) = (pdf_of_size("pianta piano terra", 40 * 1024), pdf_of_size("prospetto nord", 40 * 1024));
        let files = [
            Part::File("doc:plans", "pianta.pdf", &first),
            Part::File("doc:plans", "prospetto.pdf", &second),
            Part::File("doc:declaration", "", b""),
        ];
        let sent = confirm(&mut citizen, &code, &review, &files).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{backend}: {}", sent.html);
        assert_eq!(sent.location.as_deref(), Some(format!("/pratiche/{code}?notice=application_sent").as_str()));

        // The case page lists them, the applicant's, with their sizes the Italian way.
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
        let documents = listed(&app, &code, &app.citizen(CITIZEN_A)).await;
        let sha256 = documents.iter().find(|d| d["name"] == "pianta.pdf").unwrap()["sha256"].as_str().unwrap();
        assert_eq!(etag, format!("\"{sha256}\""), "{backend}");
        assert!(documents.iter().all(|d| d["attached"] == true), "{backend}: {documents:?}");
    }
}

#[tokio::test]
async fn refused_files_are_told_beside_their_input_and_leave_nothing_behind() {
    for app in TestApp::each("pages_documents_refused", date(2026, 3, 2)).await {
        let backend = app.backend;
        deploy(&app).await;
        let mut citizen = Visitor::new(&app.address);
        citizen.sign_in("citizen").await;
        let (code, review) = draft_for_review(&mut citizen, backend).await;
        let good = pdf("pianta");
        let html = b"<!doctype html><title>tavola</title><script>alert(1)</script>".to_vec();
        let large = pdf_of_size("troppo grande", 150 * 1024);
        let refusals: [(&[Part<'_>], &str); 5] = [
            (
                &[Part::File("doc:plans", "pianta.pdf", &good), Part::File("doc:plans", "tavola.pdf", &html)],
                "id=\"doc-submit-plans-error\">Il file caricato è una pagina HTML, un tipo di file che qui non è accettato.",
            ),
            (
                &[Part::File("doc:plans", "grande.pdf", &large)],
                "id=\"doc-submit-plans-error\">Il file supera il limite di 100 KB.",
            ),
            (&[Part::File("doc:plans", "", b"")], "id=\"doc-submit-plans-error\">Allega almeno un documento."),
            (
                &[Part::File("doc:plans", "pianta.pdf", &good), Part::File("doc:plans", "copia.pdf", &good)],
                "id=\"doc-submit-plans-error\">Il fascicolo della pratica contiene già questo stesso file",
            ),
            (
                &[
                    Part::File("doc:plans", "1.pdf", &pdf("uno")),
                    Part::File("doc:plans", "2.pdf", &pdf("due")),
                    Part::File("doc:plans", "3.pdf", &pdf("tre")),
                    Part::File("doc:plans", "4.pdf", &pdf("quattro")),
                ],
                "id=\"doc-submit-plans-error\">Puoi allegare al massimo 3 file di questo tipo.",
            ),
        ];
        for (files, error) in refusals {
            let refused = confirm(&mut citizen, &code, &review, files).await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}: {}", refused.html);
            assert!(refused.shows(error), "{backend}: {error} on {}", refused.html);
            assert!(refused.shows("aria-describedby=\"doc-submit-plans-hint doc-submit-plans-error\""), "{backend}");
            if files.iter().any(|f| matches!(f, Part::File(_, name, _) if !name.is_empty())) {
                assert!(refused.shows("ricarica i file"), "{backend}: {}", refused.html);
            }
            // Nothing is left waiting, and the draft was not sent.
            assert_eq!(listed(&app, &code, &app.citizen(CITIZEN_A)).await, Vec::<Json>::new(), "{backend}: {error}");
            let case = app.get(&format!("/api/v1/cases/{code}"), &app.citizen(CITIZEN_A)).await;
            assert_eq!(case.json["state"], "draft", "{backend}");
        }

        // A file before the form's token is not this site's form.
        let version = review.input_value("_version").unwrap();
        let csrf = review.csrf();
        let forged = [
            Part::File("doc:plans", "pianta.pdf", &good),
            Part::Text("_csrf", &csrf),
            Part::Text("_version", &version),
        ];
        let refused = citizen.post_multipart(&format!("/pratiche/{code}/invia"), &forged).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{backend}: {}", refused.html);
        assert_eq!(listed(&app, &code, &app.citizen(CITIZEN_A)).await, Vec::<Json>::new(), "{backend}");
    }
}

#[tokio::test]
async fn the_clerk_sees_who_signed_and_a_document_of_another_case_is_not_found() {
    for app in TestApp::each("pages_documents_clerk", date(2026, 3, 2)).await {
        let backend = app.backend;
        deploy(&app).await;
        let mut citizen = Visitor::new(&app.address);
        citizen.sign_in("citizen").await;
        let (code, review) = draft_for_review(&mut citizen, backend).await;
        let plan = pdf("pianta");
        let files = [
            Part::File("doc:plans", "pianta.pdf", &plan),
            Part::File("doc:declaration", "dichiarazione.pdf.p7m", SIGNED),
        ];
        let sent = confirm(&mut citizen, &code, &review, &files).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{backend}: {}", sent.html);

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
        // An action without documents keeps its plain form; one with documents sends files.
        let ask_more = format!("action=\"{case_page}/azioni/ask_more\" novalidate>");
        assert!(page.shows(&ask_more), "{backend}: {}", page.html);
        assert!(page.shows(&format!("action=\"{case_page}/azioni/decide\" enctype=\"multipart/form-data\"")));

        // The office asks for more drawings; the citizen sends one from the case page.
        let version = page.input_value("_version").unwrap();
        let fields = [("_version", version.as_str()), ("missing", "La sezione")];
        let asked = clerk.post(&format!("{case_page}/azioni/ask_more"), &page.csrf(), &fields).await;
        assert_eq!(asked.status, StatusCode::SEE_OTHER, "{backend}: {}", asked.html);
        let mine = citizen.get(&format!("/pratiche/{code}")).await;
        assert!(mine.shows("name=\"doc:plans\""), "{backend}: {}", mine.html);
        let section = pdf("sezione");
        let (csrf, version) = (mine.csrf(), mine.input_value("_version").unwrap());
        let integrated = citizen
            .post_multipart(
                &format!("/pratiche/{code}/azioni/integrate"),
                &[
                    Part::Text("_csrf", &csrf),
                    Part::Text("_version", &version),
                    Part::File("doc:plans", "sezione.pdf", &section),
                ],
            )
            .await;
        assert_eq!(integrated.status, StatusCode::SEE_OTHER, "{backend}: {}", integrated.html);

        // The clerk decides with an internal opinion, which the applicant never sees.
        let page = clerk.get(&case_page).await;
        assert!(page.shows("sezione.pdf"), "{backend}: {}", page.html);
        let opinion = pdf("parere favorevole");
        let (csrf, version) = (page.csrf(), page.input_value("_version").unwrap());
        let decided = clerk
            .post_multipart(
                &format!("{case_page}/azioni/decide"),
                &[
                    Part::Text("_csrf", &csrf),
                    Part::Text("_version", &version),
                    Part::File("doc:opinion", "parere.pdf", &opinion),
                ],
            )
            .await;
        assert_eq!(decided.status, StatusCode::SEE_OTHER, "{backend}: {}", decided.html);
        let page = clerk.get(&case_page).await;
        assert!(
            page.shows("Parere interno <span class=\"tag\">Riservato all&#x27;ufficio</span>"),
            "{backend}: {}",
            page.html
        );
        assert!(page.shows("parere.pdf") && page.shows(" · Ufficio"), "{backend}: {}", page.html);
        let opinion_link = link_of(&page, "parere.pdf");
        let mine = citizen.get(&format!("/pratiche/{code}")).await;
        assert!(!mine.shows("parere.pdf") && mine.shows("sezione.pdf"), "{backend}: {}", mine.html);
        let id = opinion_link.rsplit('/').next().unwrap();
        let hidden = citizen.download(&format!("/pratiche/{code}/documenti/{id}"), &[]).await;
        assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{backend}");

        // Another citizen's case: its document is "not found" to this citizen and to another office.
        let other = app.open_case("permit-with-files", CITIZEN_B, json!({"works": "Tettoia"})).await;
        let token = app.citizen(CITIZEN_B);
        let id = upload(&app, &other, &token, "plans", "tettoia.pdf", &pdf("tettoia")).await;
        let applied =
            app.apply(&other, "submit", &token, json!({"works": "Tettoia", "documents": {"plans": [id]}})).await;
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

/// The download link just before `name` on `page`.
fn link_of(page: &Page, name: &str) -> String {
    let at = page.html.find(&format!(">{name}</a>")).expect("the document is listed");
    let start = page.html[..at].rfind("href=\"").unwrap() + "href=\"".len();
    page.html[start..start + page.html[start..].find('"').unwrap()].to_owned()
}
