//! The case file through the real server, on SQLite and PostgreSQL: every kind of bad upload is
//! refused with problem+json naming the field, and leaves nothing stored (no document, no partial
//! file); a client that disconnects mid-upload leaves nothing either; a full document store answers
//! 503; someone who may not see the case gets 404. Uses a small workflow of its own, deployed here.

use std::time::Duration;

use jiff::civil::date;
use reqwest::StatusCode;
use serde_json::{Value as Json, json};
use sportello_tests::app::{Answer, TestApp};
use sportello_tests::files::{SIGNED_P7M, TAMPERED_P7M, encrypted_pdf, pdf};
use tokio::io::AsyncWriteExt;

const APPLICANT: &str = "RSSMRA85T10A562S";
const OTHER: &str = "RSSMRA80A01H501U";

/// A workflow whose submission takes one or two PDFs (64 KB at most) and an optional signed project.
const WORKFLOW: &str = r#"
id: case-file-test
version: 1
title: { it: Prova del fascicolo }
office: edilizia
roles:
  clerk: { title: { it: Istruttore } }
documents:
  allegato:
    title: { it: Allegato }
    accept: [application/pdf]
    max_size: 64 KB
  firmato:
    title: { it: Progetto firmato }
    accept: [application/pkcs7-mime]
    signed: true
  parere:
    title: { it: Parere interno }
    visible_to: staff
states:
  draft: { initial: true, status: { it: Bozza }, waiting_for: citizen }
  submitted: { status: { it: Inviata }, waiting_for: office }
  done: { final: true, outcome: accepted, status: { it: Conclusa } }
transitions:
  submit:
    title: { it: Invia }
    from: draft
    to: submitted
    by: citizen
    documents:
      allegato: { min: 1, max: 2 }
      firmato: { min: 0, max: 1 }
  decide:
    title: { it: Concludi }
    from: submitted
    to: done
    by: clerk
    documents:
      parere: { min: 0, max: 1 }
"#;

async fn apps(name: &str) -> Vec<TestApp> {
    let apps = TestApp::each(name, date(2027, 3, 1)).await;
    for app in &apps {
        app.store.deploy(WORKFLOW, Some("case-file-test")).await.expect("the test workflow deploys");
    }
    apps
}

/// What a bad upload is, as sent, and what must come back: (what, type, name, bytes, status, field).
type BadUpload<'a> = (&'a str, &'a str, &'a str, Vec<u8>, StatusCode, &'a str);

fn field_of(answer: &Answer) -> String {
    answer.json["errors"][0]["field"].as_str().unwrap_or_default().to_owned()
}

async fn documents_of(app: &TestApp, code: &str, token: &str) -> Vec<Json> {
    let answer = app.get(&format!("/api/v1/cases/{code}/documents"), token).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    answer.json["documents"].as_array().cloned().unwrap_or_default()
}

/// The spools left in the local store's folder: none once every upload has finished.
fn spools(app: &TestApp) -> usize {
    std::fs::read_dir(app.documents_folder().join("tmp")).map(|d| d.count()).unwrap_or(0)
}

#[tokio::test]
async fn every_bad_upload_is_refused_with_its_field_and_nothing_is_stored() {
    for app in apps("documents_bad_uploads").await {
        let citizen = app.citizen(APPLICANT);
        let code = app.open_case("case-file-test", APPLICANT, json!({})).await;
        let big = {
            let mut bytes = pdf("grande");
            bytes.resize(200 * 1024, b' ');
            bytes
        };
        let long_name = "n".repeat(500);
        let cases: Vec<BadUpload> = vec![
            ("too large", "allegato", "grande.pdf", big, StatusCode::PAYLOAD_TOO_LARGE, "/file"),
            ("zero bytes", "allegato", "vuoto.pdf", Vec::new(), StatusCode::UNPROCESSABLE_ENTITY, "/file"),
            (
                "a type no action takes now",
                "parere",
                "parere.pdf",
                pdf("parere"),
                StatusCode::UNPROCESSABLE_ENTITY,
                "/type",
            ),
            ("an unknown type", "foto", "foto.pdf", pdf("foto"), StatusCode::UNPROCESSABLE_ENTITY, "/type"),
            (
                "HTML named .pdf",
                "allegato",
                "a.pdf",
                b"<!DOCTYPE html><script>x</script>".to_vec(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "/file",
            ),
            (
                "an executable named .pdf",
                "allegato",
                "b.pdf",
                b"MZ\x90\x00\x03\x00\x00\x00".repeat(20),
                StatusCode::UNPROCESSABLE_ENTITY,
                "/file",
            ),
            (
                "an encrypted PDF",
                "allegato",
                "c.pdf",
                encrypted_pdf("segreto"),
                StatusCode::UNPROCESSABLE_ENTITY,
                "/file",
            ),
            (
                "a p7m whose signature fails",
                "firmato",
                "p.pdf.p7m",
                TAMPERED_P7M.to_vec(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "/file",
            ),
            (
                "a plain PDF where a signature is required",
                "firmato",
                "p.pdf",
                pdf("non firmato"),
                StatusCode::UNPROCESSABLE_ENTITY,
                "/file",
            ),
            (
                "a name with ../",
                "allegato",
                "../../etc/passwd.pdf",
                pdf("d"),
                StatusCode::UNPROCESSABLE_ENTITY,
                "/name",
            ),
            ("a name with NUL", "allegato", "nul\0.pdf", pdf("e"), StatusCode::UNPROCESSABLE_ENTITY, "/name"),
            ("a name of 500 characters", "allegato", &long_name, pdf("f"), StatusCode::UNPROCESSABLE_ENTITY, "/name"),
            (
                "a right-to-left override",
                "allegato",
                "fattura\u{202E}fdp.exe",
                pdf("g"),
                StatusCode::UNPROCESSABLE_ENTITY,
                "/name",
            ),
        ];
        for (what, doc_type, name, bytes, status, field) in cases {
            let answer = app.upload(&code, &citizen, doc_type, name, bytes).await;
            assert_eq!(answer.status, status, "{}: {what}: {}", app.backend, answer.text);
            assert_eq!(
                answer.headers.get("content-type").and_then(|v| v.to_str().ok()),
                Some("application/problem+json"),
                "{what}"
            );
            assert_eq!(field_of(&answer), field, "{}: {what}: {}", app.backend, answer.text);
            assert!(documents_of(&app, &code, &citizen).await.is_empty(), "{}: {what} left a document", app.backend);
            assert_eq!(spools(&app), 0, "{}: {what} left a partial file", app.backend);
        }

        // The same file twice: the second upload is refused.
        let first = app.upload(&code, &citizen, "allegato", "uno.pdf", pdf("uno")).await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
        let again = app.upload(&code, &citizen, "allegato", "ancora.pdf", pdf("uno")).await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", again.text);
        assert_eq!(field_of(&again), "/file");
        assert_eq!(documents_of(&app, &code, &citizen).await.len(), 1);

        // More files than the transition takes: refused at the transition, naming the type; nothing
        // is attached and the case does not move.
        let ids: Vec<String> = [first.json["id"].as_str().unwrap().to_owned()]
            .into_iter()
            .chain(["due", "tre"].iter().map(|t| t.to_string()))
            .collect();
        let mut uploaded = vec![ids[0].clone()];
        for text in &ids[1..] {
            let answer = app.upload(&code, &citizen, "allegato", &format!("{text}.pdf"), pdf(text)).await;
            assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
            uploaded.push(answer.json["id"].as_str().unwrap().to_owned());
        }
        let too_many = app.apply(&code, "submit", &citizen, json!({"documents": {"allegato": uploaded}})).await;
        assert_eq!(too_many.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", too_many.text);
        assert_eq!(field_of(&too_many), "/documents/allegato");
        let none = app.post(&format!("/api/v1/cases/{code}/transitions/submit"), &citizen, &json!({})).await;
        assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", none.text);
        assert_eq!(field_of(&none), "/documents/allegato");
        let case = app.get(&format!("/api/v1/cases/{code}"), &citizen).await;
        assert_eq!(case.json["state"], "draft");
        assert!(case.json["documents"].as_array().unwrap().iter().all(|d| d["attached"] == false));

        // Someone who may not see the case: the same 404 as for no case at all.
        let other = app.citizen(OTHER);
        let hidden = app.upload(&code, &other, "allegato", "x.pdf", pdf("x")).await;
        assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{}", hidden.text);
        let download = app.get(&format!("/api/v1/cases/{code}/documents/{}", uploaded[0]), &other).await;
        assert_eq!(download.status, StatusCode::NOT_FOUND);
        assert_eq!(download.json["code"], "case-not-found");
    }
}

#[tokio::test]
async fn a_client_that_disconnects_mid_upload_leaves_nothing() {
    for app in apps("documents_disconnect").await {
        let citizen = app.citizen(APPLICANT);
        let code = app.open_case("case-file-test", APPLICANT, json!({})).await;
        let address = app.address.trim_start_matches("http://").to_owned();
        let mut stream = tokio::net::TcpStream::connect(&address).await.expect("the server listens");
        let head = format!(
            "POST /api/v1/cases/{code}/documents?type=allegato&name=met%C3%A0.pdf HTTP/1.1\r\nHost: {address}\r\n\
             Authorization: Bearer {citizen}\r\nContent-Type: application/pdf\r\nContent-Length: 60000\r\n\r\n"
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(&pdf("metà")[..200]).await.unwrap();
        stream.write_all(&vec![b' '; 20_000]).await.unwrap();
        stream.flush().await.unwrap();
        // The server is spooling the upload: its partial file is there while the connection is open.
        for _ in 0..100 {
            if spools(&app) > 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(spools(&app), 1, "{}: the upload is not being spooled", app.backend);
        drop(stream);
        // The server notices the broken body on its own time: wait until its spool is gone (the
        // upload is abandoned), a bounded number of times.
        let mut left = usize::MAX;
        for _ in 0..100 {
            left = spools(&app);
            if left == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(left, 0, "{}: the partial upload's spool was not removed", app.backend);
        assert!(documents_of(&app, &code, &citizen).await.is_empty(), "{}", app.backend);
        // And the server still takes a whole one.
        let whole = app.upload(&code, &citizen, "allegato", "intero.pdf", pdf("intero")).await;
        assert_eq!(whole.status, StatusCode::CREATED, "{}", whole.text);
    }
}

#[tokio::test]
async fn a_full_document_store_answers_503_and_stores_nothing() {
    let apps = TestApp::each_with("documents_full", date(2027, 3, 1), |settings| {
        // A reserve no disk has: every upload would take the free space below it.
        settings.documents.reserve_mb = u64::MAX / (1 << 21);
    })
    .await;
    for app in apps {
        app.store.deploy(WORKFLOW, Some("case-file-test")).await.expect("the test workflow deploys");
        let citizen = app.citizen(APPLICANT);
        let code = app.open_case("case-file-test", APPLICANT, json!({})).await;
        let answer = app.upload(&code, &citizen, "allegato", "a.pdf", pdf("pieno")).await;
        assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE, "{}: {}", app.backend, answer.text);
        assert_eq!(answer.json["code"], "document-store-unavailable");
        assert!(answer.headers.get("retry-after").is_some());
        assert!(documents_of(&app, &code, &citizen).await.is_empty());
        assert_eq!(spools(&app), 0);
    }
}

#[tokio::test]
async fn documents_attach_with_a_transition_and_come_back_byte_identical_to_those_allowed() {
    for app in apps("documents_round_trip").await {
        let citizen = app.citizen(APPLICANT);
        let clerk = app.clerk("istruttore", &["edilizia"]);
        let code = app.open_case("case-file-test", APPLICANT, json!({})).await;
        let attachment = pdf("relazione tecnica");
        let a = app.upload(&code, &citizen, "allegato", "relazione è.pdf", attachment.clone()).await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
        let p = app.upload(&code, &citizen, "firmato", "progetto.pdf.p7m", SIGNED_P7M.to_vec()).await;
        assert_eq!(p.status, StatusCode::CREATED, "{}", p.text);
        assert_eq!(p.json["media_type"], "application/pkcs7-mime");
        assert_eq!(p.json["signer"]["fiscal_code"], "RSSMRA80A01H501U");
        // A clerk sees no upload that is not attached yet.
        assert!(documents_of(&app, &code, &clerk).await.is_empty());
        let ids = json!({"allegato": [a.json["id"]], "firmato": [p.json["id"]]});
        let submitted = app.apply(&code, "submit", &citizen, json!({"documents": ids})).await;
        assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.text);

        // The audit entry of the submission seals both hashes.
        let trail = app.store.audit_trail(sportello_store::case_id_from_code(&code).unwrap()).await.unwrap();
        let sealed: Vec<&str> = trail
            .iter()
            .flat_map(|e| e.body["documents"].as_array().into_iter().flatten())
            .filter_map(|d| d["sha256"].as_str())
            .collect();
        assert_eq!(sealed.len(), 2);
        assert!(sealed.contains(&a.json["sha256"].as_str().unwrap()));

        // The clerk attaches an internal opinion the applicant does not see.
        let opinion = app.upload(&code, &clerk, "parere", "parere.pdf", pdf("parere favorevole")).await;
        assert_eq!(opinion.status, StatusCode::CREATED, "{}", opinion.text);
        let decided = app.apply(&code, "decide", &clerk, json!({"documents": {"parere": [opinion.json["id"]]}})).await;
        assert_eq!(decided.status, StatusCode::OK, "{}", decided.text);
        assert_eq!(documents_of(&app, &code, &clerk).await.len(), 3);
        assert_eq!(documents_of(&app, &code, &citizen).await.len(), 2);

        // Downloads: byte-identical, with the safe headers, ranges and the ETag.
        let path = format!("/api/v1/cases/{code}/documents/{}", a.json["id"].as_str().unwrap());
        for token in [&citizen, &clerk] {
            let response =
                app.request(reqwest::Method::GET, &path, Some(token)).send().await.expect("the server answers");
            assert_eq!(response.status(), StatusCode::OK);
            let headers = response.headers().clone();
            assert_eq!(headers["content-type"], "application/pdf");
            assert_eq!(headers["x-content-type-options"], "nosniff");
            assert_eq!(headers["content-security-policy"], "sandbox");
            assert!(headers["content-disposition"].to_str().unwrap().starts_with("attachment; filename="));
            assert_eq!(headers["etag"].to_str().unwrap(), format!("\"{}\"", a.json["sha256"].as_str().unwrap()));
            assert_eq!(response.bytes().await.unwrap().to_vec(), attachment);
        }
        let part =
            app.request(reqwest::Method::GET, &path, Some(&citizen)).header("range", "bytes=0-7").send().await.unwrap();
        assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
        assert_eq!(part.headers()["content-range"], format!("bytes 0-7/{}", attachment.len()));
        assert_eq!(part.bytes().await.unwrap().as_ref(), b"%PDF-1.4");
        let outside = app
            .request(reqwest::Method::GET, &path, Some(&citizen))
            .header("range", format!("bytes={}-", attachment.len()))
            .send()
            .await
            .unwrap();
        assert_eq!(outside.status(), StatusCode::RANGE_NOT_SATISFIABLE);
        let etag = format!("\"{}\"", a.json["sha256"].as_str().unwrap());
        let cached = app
            .request(reqwest::Method::GET, &path, Some(&citizen))
            .header("if-none-match", etag)
            .send()
            .await
            .unwrap();
        assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);

        // The opinion is the office's: the applicant gets the 404 of a case that does not exist.
        let hidden = format!("/api/v1/cases/{code}/documents/{}", opinion.json["id"].as_str().unwrap());
        assert_eq!(app.get(&hidden, &citizen).await.status, StatusCode::NOT_FOUND);
        assert_eq!(app.get(&hidden, &clerk).await.status, StatusCode::OK);
        // Another office's clerk sees nothing.
        let stranger = app.clerk("altro", &["anagrafe"]);
        assert_eq!(app.get(&path, &stranger).await.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn audit_verify_documents_names_a_stored_file_whose_bytes_changed() {
    for app in apps("documents_audit_verify").await {
        let citizen = app.citizen(APPLICANT);
        let code = app.open_case("case-file-test", APPLICANT, json!({})).await;
        let bytes = pdf("da verificare");
        let uploaded = app.upload(&code, &citizen, "allegato", "verifica.pdf", bytes.clone()).await;
        assert_eq!(uploaded.status, StatusCode::CREATED, "{}", uploaded.text);
        let ids = json!({"allegato": [uploaded.json["id"]]});
        let submitted = app.apply(&code, "submit", &citizen, json!({"documents": ids})).await;
        assert_eq!(submitted.status, StatusCode::OK, "{}", submitted.text);
        let verify = || {
            std::process::Command::new(env!("CARGO_BIN_EXE_sportello-e2e"))
                .args(["audit", "verify", "--documents", "--database", &app.database_url])
                .env("SPORTELLO_DOCUMENTS__FOLDER", app.documents_folder())
                .output()
                .expect("the CLI runs")
        };
        let intact = verify();
        let said = String::from_utf8_lossy(&intact.stdout).into_owned();
        assert!(intact.status.success(), "{}: {said}{}", app.backend, String::from_utf8_lossy(&intact.stderr));
        assert!(said.contains("reread 1 document(s)"), "{said}");

        // One byte of the stored file changes: the chain's SHA-256 no longer matches it.
        let sha = uploaded.json["sha256"].as_str().unwrap();
        let blob = app.documents_folder().join("sha256").join(&sha[..2]).join(&sha[2..4]).join(sha);
        let mut stored = std::fs::read(&blob).expect("the blob is where the local store keeps it");
        assert_eq!(stored, bytes);
        stored[20] ^= 1;
        std::fs::write(&blob, stored).unwrap();
        let broken = verify();
        let said = String::from_utf8_lossy(&broken.stdout).into_owned();
        assert_eq!(broken.status.code(), Some(1), "{}: {said}", app.backend);
        assert!(said.contains(&format!("broken: {code} document")) && said.contains("verifica.pdf"), "{said}");
        assert!(said.contains(&format!("not to the {sha} sealed")), "{said}");
    }
}

#[tokio::test]
async fn unattached_uploads_expire_and_blobs_nothing_names_are_collected() {
    for app in apps("documents_tidying").await {
        let citizen = app.citizen(APPLICANT);
        let code = app.open_case("case-file-test", APPLICANT, json!({})).await;
        let attached = app.upload(&code, &citizen, "allegato", "tenuto.pdf", pdf("tenuto")).await;
        let waiting = app.upload(&code, &citizen, "allegato", "dimenticato.pdf", pdf("dimenticato")).await;
        let ids = json!({"allegato": [attached.json["id"]]});
        let sent = app.apply(&code, "submit", &citizen, json!({"documents": ids})).await;
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
        // A blob no document names, as a crash between storing it and recording it leaves one.
        let documents = app.state.documents.clone();
        let mut spool = documents.spool(1 << 20).await.unwrap();
        spool.write(&pdf("orfano")).await.unwrap();
        let spooled = spool.finish().await.unwrap();
        let orphan = spooled.sha256().to_owned();
        documents.put(spooled).await.unwrap();

        // The server's clock stands months after the blob was written: it is old enough to go; no
        // upload has expired yet.
        let early = sportello_api::app::documents_cleanup::sweep(&app.state).await.unwrap();
        assert_eq!((early.expired_blobs, early.orphan_blobs), (0, 1), "{}", app.backend);
        assert_eq!(documents.size(&orphan).await.unwrap(), None, "{}: the orphan blob stays", app.backend);
        assert_eq!(documents_of(&app, &code, &citizen).await.len(), 2, "{}", app.backend);
        app.advance_days(2);
        let swept = sportello_api::app::documents_cleanup::sweep(&app.state).await.unwrap();
        assert_eq!((swept.expired_blobs, swept.orphan_blobs), (1, 0), "{}", app.backend);
        let left = documents_of(&app, &code, &citizen).await;
        assert_eq!(left.len(), 1, "{}: {left:?}", app.backend);
        assert_eq!(left[0]["id"], attached.json["id"]);
        for (sha, kept) in [(&attached.json["sha256"], true), (&waiting.json["sha256"], false)] {
            assert_eq!(documents.size(sha.as_str().unwrap()).await.unwrap().is_some(), kept, "{}", app.backend);
        }
    }
}
