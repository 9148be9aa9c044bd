//! End to end through the real server, with App IO and pagoPA GPD served by local stand-ins that check
//! every request against the official OpenAPI documents: a nursery-enrolment case reaches admission,
//! the place is accepted, a debt position is created and an App IO message with `payment_data` is
//! sent; the receipt callback confirms the enrolment; the case shows the notice and its QR payload,
//! and the citizen's timeline every step with its date. On SQLite and (with `TEST_POSTGRES_URL`)
//! PostgreSQL.

use jiff::civil::date;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sportello_api::hooks::HooksSettings;
use sportello_runtime::pagopa::NoticeNumber;
use sportello_tests::app::{CITIZEN_A, CITIZEN_B, INTEGRATION_TOKEN, TestApp};
use sportello_tests::spec_server::{Reply, Spec, SpecServer};
use sportello_tests::visitor::Visitor;

/// The municipality as creditor in these tests (a fiscal code with a valid check digit).
const CREDITOR: &str = "00221940364";

fn hooks(app_io: &SpecServer, gpd: &SpecServer) -> HooksSettings {
    serde_json::from_value(json!({
        "app_io": {
            "provider": "http",
            "base_url": app_io.base_url(),
            "subscription_key": "app-io-test-key",
            "timeout_seconds": 2.0,
        },
        "pagopa": {
            "provider": "http",
            "base_url": gpd.base_url(),
            "subscription_key": "gpd-test-key",
            "creditor_fiscal_code": CREDITOR,
            "creditor_name": "Comune di Modena",
            "segregation_code": "47",
            "iban": "IT60X0542811101000000123456",
            "category": "9/0101108TS/",
            "notice_offset": 1_000_000,
            "timeout_seconds": 2.0,
        },
        // The protocol register has no public spec: the fake keeps its calls.
        "webhooks": { "provider": "fake" },
    }))
    .expect("valid hooks settings")
}

fn app_io_server() -> SpecServer {
    let server = SpecServer::start(Spec::app_io().expect("the App IO spec"));
    server.default_reply(
        "getProfileByPOST",
        Reply::json(200, json!({"sender_allowed": true, "preferred_languages": ["it_IT"]})),
    );
    let sent = std::sync::atomic::AtomicUsize::new(0);
    server.default_fn("submitMessageforUserWithFiscalCodeInBody", move |_| {
        let n = sent.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        Reply::json(201, json!({"id": format!("01IOMESSAGE{n:05}")}))
    });
    server
}

fn gpd_server() -> SpecServer {
    let server = SpecServer::start(Spec::gpd_debt_positions().expect("the GPD spec"));
    server.default_fn("createPosition", |request| Reply::json(201, request.body.clone().unwrap_or(Value::Null)));
    server
}

fn application() -> Value {
    json!({
        "applicant_fiscal_code": CITIZEN_A,
        "child_name": "Luca Rossi",
        "child_fiscal_code": "RSSLCU25C15F257F",
        "child_birth_date": "2025-03-15",
        "resident_in_modena": true,
        "attendance": "full_time",
        "preferences": ["Nido Cipì", "Nido Pollicino"],
        "vaccinations_compliant": true,
        "isee_value": 18500
    })
}

#[tokio::test]
async fn a_nursery_enrolment_is_confirmed_by_the_receipt_of_its_pagopa_notice() {
    let app_io = app_io_server();
    let gpd = gpd_server();
    let settings = hooks(&app_io, &gpd);
    for app in TestApp::each_with("payments_nursery", date(2026, 3, 10), |s| s.hooks = settings.clone()).await {
        let backend = app.backend;
        let sent_before = app_io.requests_to("submitMessageforUserWithFiscalCodeInBody").len();
        let positions_before = gpd.requests_to("createPosition").len();
        let citizen = app.citizen(CITIZEN_A);
        let clerk = app.clerk("a.verdi", &["scuola"]);

        // Submitted in the window: the protocol register is called and the citizen told.
        let code = app.open_case("nursery-enrolment", CITIZEN_A, json!({})).await;
        let submitted = app.apply(&code, "submit", &citizen, application()).await;
        assert_eq!(submitted.status, StatusCode::OK, "{backend}: {}", submitted.text);
        let round = app.deliver().await;
        assert_eq!((round.delivered, round.incidents), (2, 0), "{backend}: {round:?}");

        // Ranked on 15 May and admitted; accepted on 20 May.
        app.advance_days(66);
        let admitted = app
            .apply(
                &code,
                "admit",
                &clerk,
                json!({"ranking_score": 38.5, "ranking_position": 12, "assigned_nursery": "Nido Cipì"}),
            )
            .await;
        assert_eq!(admitted.json["state"], "admitted", "{backend}: {}", admitted.text);
        assert_eq!(app.deliver().await.delivered, 1, "{backend}: the admission message");
        app.advance_days(5);
        let accepted = app.apply(&code, "accept_place", &citizen, json!({})).await;
        assert_eq!(accepted.json["state"], "place_accepted", "{backend}: {}", accepted.text);
        let round = app.deliver().await;
        assert_eq!((round.delivered, round.incidents, round.postponed), (2, 0, 0), "{backend}: {round:?}");

        // The debt position, as GPD received it.
        let positions = gpd.requests_to("createPosition");
        assert_eq!(positions.len(), positions_before + 1, "{backend}");
        let position = positions.last().unwrap().body.clone().unwrap();
        let option = &position["paymentOption"][0];
        let iuv = option["iuv"].as_str().unwrap().to_owned();
        let notice = NoticeNumber::parse(&format!("3{iuv}")).expect("a valid notice number");
        assert_eq!(notice.segregation().value(), 47, "{backend}");
        assert_eq!(option["amount"], 5000, "{backend}");
        assert_eq!(position["fiscalCode"], CITIZEN_A, "{backend}");
        assert_eq!(position["iupd"], format!("SPORTELLO-{iuv}"), "{backend}");

        // The App IO messages: received, admitted (rendered with the renunciation term as it ran when
        // the place was assigned), then the one with the notice.
        let messages = app_io.requests_to("submitMessageforUserWithFiscalCodeInBody");
        assert_eq!(messages.len(), sent_before + 3, "{backend}");
        let admission = messages[messages.len() - 2].body.clone().unwrap();
        let admission_text = admission["content"]["markdown"].as_str().unwrap();
        // Ranked on Friday 15 May: day 15 is Saturday 30 May, rolled forward to Monday 1 June.
        assert!(admission_text.contains("entro il 01/06/2026"), "{backend}: {admission_text}");
        let with_payment = messages.last().unwrap().body.clone().unwrap();
        let content = &with_payment["content"];
        assert_eq!(with_payment["fiscal_code"], CITIZEN_A, "{backend}");
        assert_eq!(content["payment_data"]["notice_number"], notice.as_str(), "{backend}");
        assert_eq!(content["payment_data"]["amount"], 5000, "{backend}");
        assert_eq!(content["payment_data"]["payee"]["fiscal_code"], CREDITOR, "{backend}");
        // Due 30 days after 20 May: 19 June 2026, the end of that day in Rome, in UTC.
        assert_eq!(content["due_date"].as_str().unwrap().get(..19), Some("2026-06-19T21:59:59"), "{backend}");
        let markdown = content["markdown"].as_str().unwrap();
        assert!(markdown.contains("€ 50,00") && markdown.contains(notice.as_str()), "{backend}: {markdown}");
        assert!(markdown.contains("19/06/2026"), "{backend}: {markdown}");

        // The case shows the notice.
        let case = app.get(&format!("/api/v1/cases/{code}"), &citizen).await;
        let payment = &case.json["payments"][0];
        assert_eq!(payment["status"], "open", "{backend}: {}", case.text);
        assert_eq!(payment["notice_number"], notice.as_str(), "{backend}");
        assert_eq!(payment["amount"], "€ 50,00", "{backend}");
        assert_eq!(payment["due_date"], "2026-06-19", "{backend}");
        assert_eq!(payment["payee"]["fiscal_code"], CREDITOR, "{backend}");
        assert_eq!(payment["qr_payload"], format!("PAGOPA|002|{}|{CREDITOR}|5000", notice.as_str()), "{backend}");

        // Issue 23: the citizen's payments across their cases, and the messages as they went out.
        let mine = app.get("/api/v1/payments", &citizen).await;
        assert_eq!(mine.status, StatusCode::OK, "{backend}: {}", mine.text);
        let listed = &mine.json[0];
        assert_eq!(
            (listed["case"].as_str(), listed["workflow"].as_str()),
            (Some(code.as_str()), Some("nursery-enrolment"))
        );
        assert_eq!(
            (listed["notice_number"].as_str(), listed["status"].as_str()),
            (Some(notice.as_str()), Some("open"))
        );
        let staff = app.get("/api/v1/payments", &clerk).await;
        assert_eq!((staff.status, staff.code()), (StatusCode::FORBIDDEN, "forbidden"), "{backend}: {}", staff.text);
        let sent = app.get(&format!("/api/v1/cases/{code}/messages"), &citizen).await;
        assert_eq!(sent.status, StatusCode::OK, "{backend}: {}", sent.text);
        let sent = sent.json.as_array().unwrap().clone();
        let names: Vec<&str> = sent.iter().map(|m| m["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["received", "admitted", "place_accepted"], "{backend}");
        assert!(sent.iter().all(|m| m["channel"] == "app_io" && m["sent_at"].is_string()), "{backend}: {sent:?}");
        assert_eq!(sent[2]["body"].as_str(), Some(markdown), "{backend}: the body as it went out");
        assert_eq!(sent[2]["subject"], with_payment["content"]["subject"], "{backend}");
        // The same messages in full on the citizen's pages: the messages area and the case page.
        let mut visitor = Visitor::new(&app.address);
        visitor.sign_in("citizen").await;
        let inbox = visitor.get("/messaggi").await;
        assert_eq!(inbox.status, StatusCode::OK, "{backend}: {}", inbox.html);
        assert!(inbox.shows("Domanda di iscrizione al nido ricevuta"), "{backend}: {}", inbox.html);
        assert!(inbox.shows("Abbiamo ricevuto la domanda di iscrizione") && inbox.shows(&code), "{}", inbox.html);
        let page = visitor.get(&format!("/pratiche/{code}")).await;
        assert!(page.shows("Abbiamo ricevuto la domanda di iscrizione"), "{backend}: {}", page.html);
        assert!(!page.shows("received (app_io)") && page.shows("App IO"), "{backend}: {}", page.html);
        let for_office = app.get(&format!("/api/v1/cases/{code}/messages"), &clerk).await;
        assert_eq!(for_office.json.as_array().map(Vec::len), Some(3), "{backend}: {}", for_office.text);
        let other = app.get(&format!("/api/v1/cases/{code}/messages"), &app.citizen(CITIZEN_B)).await;
        assert_eq!(
            (other.status, other.code()),
            (StatusCode::NOT_FOUND, "case-not-found"),
            "{backend}: {}",
            other.text
        );

        // The receipt arrives by the callback on 28 May: the enrolment is confirmed.
        app.advance_days(8);
        let receipt = json!({
            "message_id": format!("rt-{iuv}"),
            "payload": {"notice_number": notice.as_str(), "receipt_id": format!("rt-{iuv}"), "paid_at": "2026-05-28T08:12:00Z"}
        });
        let paid = app
            .send(
                app.request(
                    reqwest::Method::POST,
                    &format!("/api/v1/cases/{code}/events/payment.paid"),
                    Some(INTEGRATION_TOKEN),
                )
                .json(&receipt),
            )
            .await;
        assert_eq!(paid.status, StatusCode::OK, "{backend}: {}", paid.text);
        assert_eq!(paid.json["state"], "enrolment_confirmed", "{backend}");
        // The same receipt again, or reported under another message id, changes nothing.
        let again = app
            .send(
                app.request(
                    reqwest::Method::POST,
                    &format!("/api/v1/cases/{code}/events/payment.paid"),
                    Some(INTEGRATION_TOKEN),
                )
                .json(&json!({"message_id": "poll-1", "payload": {"notice_number": notice.as_str()}})),
            )
            .await;
        assert_eq!((again.status, again.json["version"].clone()), (StatusCode::OK, paid.json["version"].clone()));
        let round = app.deliver().await;
        assert_eq!(round.delivered, 1, "{backend}: the confirmation message");

        // The citizen's timeline: every step with its date, the paid notice and the messages.
        let timeline = app.get(&format!("/api/v1/cases/{code}/timeline"), &citizen).await;
        assert_eq!(timeline.status, StatusCode::OK, "{backend}: {}", timeline.text);
        let steps: Vec<(String, String)> = timeline.json["milestones"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (m["state"].as_str().unwrap().to_owned(), m["on"].as_str().unwrap().to_owned()))
            .collect();
        let expected = [
            ("submitted", "2026-03-10"),
            ("admitted", "2026-05-15"),
            ("place_accepted", "2026-05-20"),
            ("enrolment_confirmed", "2026-05-28"),
        ];
        for (state, on) in expected {
            assert!(steps.contains(&(state.to_owned(), on.to_owned())), "{backend}: {steps:?}");
        }
        let payment = &timeline.json["payments"][0];
        assert_eq!(
            (payment["status"].as_str(), payment["paid_at"].as_str()),
            (Some("paid"), Some("2026-05-28T08:12:00Z"))
        );
        let messages: Vec<&str> =
            timeline.json["messages"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
        assert_eq!(messages, ["received", "admitted", "place_accepted", "enrolment_confirmed"], "{backend}");
        assert!(
            timeline.json["messages"]
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["channel"] == "app_io" && m["delivered_at"].is_string() && m.get("last_error").is_none())
        );
        assert_eq!(app.store.verify_audit(None).await.unwrap().breaks.len(), 0, "{backend}");
    }
    app_io.assert_no_violations();
    gpd.assert_no_violations();
}
