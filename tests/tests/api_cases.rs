//! End to end through the real server: a records-access case from the citizen's draft to the clerk's
//! decision, with the worklist, search, timeline, audit trail, assignment, idempotent retries, stale
//! versions, external events and timers, on SQLite and (with `TEST_POSTGRES_URL`) PostgreSQL.

use jiff::civil::date;
use reqwest::{Method, StatusCode};
use serde_json::json;
use sportello_tests::app::{CITIZEN_A, CITIZEN_B, INTEGRATION_TOKEN, TestApp};

fn request_data() -> serde_json::Value {
    json!({
        "applicant_fiscal_code": CITIZEN_A,
        "requested_records": "Verbale della commissione edilizia del 3 marzo 2026",
        "reason": "Tutela di un interesse diretto: confinante del lotto",
        "access_mode": "digital_copy"
    })
}

#[tokio::test]
async fn a_records_access_request_goes_from_draft_to_granted_through_the_api() {
    for app in TestApp::each("api_happy_path", date(2026, 3, 2)).await {
        let backend = app.backend;
        let citizen = app.citizen(CITIZEN_A);
        let clerk = app.clerk("m.bianchi", &["segreteria"]);

        let code = app.open_case("records-access", CITIZEN_A, json!({})).await;
        let case = app.get(&format!("/api/v1/cases/{code}"), &citizen).await;
        assert_eq!(case.status, StatusCode::OK, "{backend}: {}", case.text);
        assert_eq!(case.json["state"], "draft");
        assert_eq!(case.header("etag"), Some("\"1\""), "{backend}");
        let offered: Vec<&str> = case.json["available_transitions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect();
        assert!(offered.contains(&"submit"), "{backend}: {offered:?}");

        let submitted = app.apply(&code, "submit", &citizen, request_data()).await;
        assert_eq!(submitted.status, StatusCode::OK, "{backend}: {}", submitted.text);
        assert_eq!(submitted.json["state"], "submitted");
        let procedure = &submitted.json["clocks"].as_array().unwrap()[0];
        assert_eq!(procedure["name"], "procedure");
        assert_eq!(procedure["due"], "2026-04-01", "{backend}: 30 calendar days from 2 March");
        assert_eq!(submitted.json["due"], "2026-04-01");

        // The clerk's worklist shows it, with its count.
        let worklist = app.get("/api/v1/worklist", &clerk).await;
        assert_eq!(worklist.status, StatusCode::OK, "{backend}: {}", worklist.text);
        assert_eq!(worklist.json["total"], 1, "{backend}: {}", worklist.text);
        assert_eq!(worklist.json["items"][0]["code"], code.as_str());
        assert_eq!(worklist.json["counts"][0]["state"], "submitted");

        // Assignment is audited and raises the version.
        let assigned = app
            .send(
                app.request(Method::PUT, &format!("/api/v1/cases/{code}/assignee"), Some(&clerk))
                    .header("if-match", "\"2\"")
                    .json(&json!({"assignee": "m.bianchi"})),
            )
            .await;
        assert_eq!(assigned.status, StatusCode::OK, "{backend}: {}", assigned.text);
        assert_eq!(assigned.json["assignee"], "m.bianchi");
        let version = assigned.json["version"].as_u64().unwrap();

        let granted = app
            .send(
                app.request(Method::POST, &format!("/api/v1/cases/{code}/transitions/grant"), Some(&clerk))
                    .header("if-match", format!("\"{version}\""))
                    .json(&json!({"access_instructions": "Copia inviata via PEC"})),
            )
            .await;
        assert_eq!(granted.status, StatusCode::OK, "{backend}: {}", granted.text);
        assert_eq!(granted.json["state"], "granted");
        assert_eq!(granted.json["is_final"], true);

        let timeline = app.get(&format!("/api/v1/cases/{code}/timeline"), &citizen).await;
        assert_eq!(timeline.status, StatusCode::OK, "{backend}: {}", timeline.text);
        let states: Vec<&str> =
            timeline.json["milestones"].as_array().unwrap().iter().map(|m| m["state"].as_str().unwrap()).collect();
        assert_eq!(states, ["draft", "submitted", "granted"], "{backend}");
        assert_eq!(timeline.json["taken_in_charge_on"], "2026-03-02");
        assert_eq!(timeline.json["outcome"], "accepted");

        let audit = app.get(&format!("/api/v1/cases/{code}/audit"), &clerk).await;
        assert_eq!(audit.status, StatusCode::OK, "{backend}: {}", audit.text);
        let commands: Vec<&str> =
            audit.json.as_array().unwrap().iter().map(|e| e["body"]["command"].as_str().unwrap_or("?")).collect();
        assert_eq!(commands, ["open", "apply", "assign", "apply"], "{backend}: {}", audit.text);
        assert!(app.store.verify_audit(None).await.unwrap().breaks.is_empty(), "{backend}");
    }
}

#[tokio::test]
async fn a_retry_with_the_same_idempotency_key_returns_the_first_result() {
    for app in TestApp::each("api_idempotent_retry", date(2026, 3, 2)).await {
        let backend = app.backend;
        let citizen = app.citizen(CITIZEN_A);
        let code = app.open_case("records-access", CITIZEN_A, json!({})).await;
        let submit = || {
            app.request(Method::POST, &format!("/api/v1/cases/{code}/transitions/submit"), Some(&citizen))
                .header("idempotency-key", "submit-once-1")
                .json(&request_data())
        };
        let first = app.send(submit()).await;
        let second = app.send(submit()).await;
        assert_eq!(first.status, StatusCode::OK, "{backend}: {}", first.text);
        assert_eq!(second.status, StatusCode::OK, "{backend}: {}", second.text);
        assert_eq!(second.header("idempotent-replayed"), Some("true"), "{backend}");
        assert_eq!(first.json["version"], second.json["version"]);

        let other = app
            .send(
                app.request(Method::POST, &format!("/api/v1/cases/{code}/transitions/withdraw"), Some(&citizen))
                    .header("idempotency-key", "submit-once-1"),
            )
            .await;
        assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}: {}", other.text);
        assert_eq!(other.code(), "idempotency-key-reused");
    }
}

#[tokio::test]
async fn a_stale_version_is_a_conflict_and_changes_nothing() {
    for app in TestApp::each("api_stale_version", date(2026, 3, 2)).await {
        let backend = app.backend;
        let citizen = app.citizen(CITIZEN_A);
        let code = app.open_case("records-access", CITIZEN_A, json!({})).await;
        let stale = app
            .send(
                app.request(Method::POST, &format!("/api/v1/cases/{code}/transitions/submit"), Some(&citizen))
                    .header("if-match", "\"7\"")
                    .json(&request_data()),
            )
            .await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{backend}: {}", stale.text);
        assert_eq!(stale.code(), "stale-case-version");
        assert_eq!(stale.header("content-type"), Some("application/problem+json"));
        let case = app.get(&format!("/api/v1/cases/{code}"), &citizen).await;
        assert_eq!(case.json["state"], "draft", "{backend}");
    }
}

#[tokio::test]
async fn invalid_input_names_the_fields_at_fault() {
    for app in TestApp::each("api_invalid_input", date(2026, 3, 2)).await {
        let citizen = app.citizen(CITIZEN_A);
        let code = app.open_case("records-access", CITIZEN_A, json!({})).await;
        let mut data = request_data();
        data["access_mode"] = json!("by-carrier-pigeon");
        let refused = app.apply(&code, "submit", &citizen, data).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}: {}", app.backend, refused.text);
        assert_eq!(refused.code(), "invalid-input");
        assert_eq!(refused.json["errors"][0]["field"], "/access_mode", "{}", refused.text);
    }
}

#[tokio::test]
async fn search_filters_sorts_by_due_date_and_pages_with_a_cursor() {
    for app in TestApp::each("api_search", date(2026, 3, 2)).await {
        let backend = app.backend;
        let citizen = app.citizen(CITIZEN_A);
        let clerk = app.clerk("m.bianchi", &["segreteria"]);
        let mut codes = Vec::new();
        for day in 0..5 {
            let code = app.open_case("records-access", CITIZEN_A, json!({})).await;
            let done = app.apply(&code, "submit", &citizen, request_data()).await;
            assert_eq!(done.status, StatusCode::OK, "{backend}: {}", done.text);
            codes.push(code);
            if day < 4 {
                app.advance_days(1);
            }
        }
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/api/v1/cases?workflow=records-access&state=submitted&limit=2&cursor={c}"),
                None => "/api/v1/cases?workflow=records-access&state=submitted&limit=2".to_owned(),
            };
            let page = app.get(&path, &clerk).await;
            assert_eq!(page.status, StatusCode::OK, "{backend}: {}", page.text);
            for item in page.json["items"].as_array().unwrap() {
                seen.push(item["code"].as_str().unwrap().to_owned());
            }
            match page.json["next"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        assert_eq!(seen, codes, "{backend}: soonest due first, each once");

        let overdue = app.get("/api/v1/cases?overdue=true", &clerk).await;
        assert_eq!(overdue.json["items"].as_array().unwrap().len(), 0, "{backend}");
        app.advance_days(30);
        // Now 5 April 2026 (Easter Sunday): the terms that ended on 1, 2 and 3 April have passed; those
        // ending on Saturday 4 and Sunday 5 April roll forward past Easter Monday to Tuesday 7 April.
        let overdue = app.get("/api/v1/cases?overdue=true", &clerk).await;
        let items = overdue.json["items"].as_array().unwrap();
        let dues: Vec<&str> = items.iter().map(|i| i["due"].as_str().unwrap()).collect();
        assert_eq!(dues, ["2026-04-01", "2026-04-02", "2026-04-03"], "{backend}: {}", overdue.text);
        assert_eq!(items[0]["overdue"], true);
        let soon = app.get("/api/v1/cases?due_within_days=2&state=submitted", &clerk).await;
        let dues: Vec<&str> =
            soon.json["items"].as_array().unwrap().iter().map(|i| i["due"].as_str().unwrap()).collect();
        assert_eq!(dues, ["2026-04-01", "2026-04-02", "2026-04-03", "2026-04-07", "2026-04-07"], "{backend}");

        let mine = app.get("/api/v1/cases", &app.citizen(CITIZEN_B)).await;
        assert_eq!(mine.json["items"].as_array().unwrap().len(), 0, "{backend}: B sees none of A's cases");
        let bad = app.get("/api/v1/cases?cursor=not-a-cursor", &clerk).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{backend}: {}", bad.text);
        assert_eq!(bad.code(), "invalid-cursor");
        let bad = app.get("/api/v1/cases?limit=many", &clerk).await;
        assert_eq!(bad.code(), "invalid-query", "{backend}: {}", bad.text);
        let bad = app.get("/api/v1/cases?waiting_for=somebody", &clerk).await;
        assert_eq!(bad.code(), "invalid-query", "{backend}: {}", bad.text);
        // A page size outside 1 to 200 is refused, naming the parameter, not quietly changed.
        for path in ["/api/v1/cases?limit=0", "/api/v1/cases?limit=201", "/api/v1/worklist?limit=0"] {
            let bad = app.get(path, &clerk).await;
            assert_eq!(bad.code(), "invalid-query", "{backend} {path}: {}", bad.text);
            assert!(bad.text.contains("limit"), "{backend} {path}: {}", bad.text);
        }
        let largest = app.get("/api/v1/cases?limit=200", &clerk).await;
        assert_eq!(largest.status, StatusCode::OK, "{backend}: {}", largest.text);
    }
}

#[tokio::test]
async fn the_legal_term_fires_its_silence_rule_when_the_clock_moves() {
    for app in TestApp::each("api_timers", date(2026, 3, 2)).await {
        let citizen = app.citizen(CITIZEN_A);
        let code = app.open_case("records-access", CITIZEN_A, json!({})).await;
        app.apply(&code, "submit", &citizen, request_data()).await;
        app.advance_days(31);
        assert_eq!(app.fire_timers().await, 1, "{}", app.backend);
        let case = app.get(&format!("/api/v1/cases/{code}"), &citizen).await;
        assert_eq!(case.json["state"], "deemed_refused", "{}: {}", app.backend, case.text);
    }
}

#[tokio::test]
async fn an_integration_delivers_an_event_once_per_message_id() {
    for app in TestApp::each("api_events", date(2026, 3, 2)).await {
        let backend = app.backend;
        let citizen = app.citizen(CITIZEN_A);
        let clerk = app.clerk("m.bianchi", &["segreteria"]);
        let code = app.open_case("records-access", CITIZEN_A, json!({})).await;
        app.apply(&code, "submit", &citizen, request_data()).await;
        let fee = app
            .apply(
                &code,
                "grant_with_copy_fee",
                &clerk,
                json!({"copy_fee_cents": 250, "access_instructions": "Ritiro allo sportello"}),
            )
            .await;
        assert_eq!(fee.status, StatusCode::OK, "{backend}: {}", fee.text);
        let path = format!("/api/v1/cases/{code}/events/payment.paid");
        // The payload is the fired transition's input; `copy_fee_paid` takes none.
        let with_payload =
            app.post(&path, INTEGRATION_TOKEN, &json!({"message_id": "receipt-0", "payload": {"x": 1}})).await;
        assert_eq!(with_payload.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend}: {}", with_payload.text);
        let body = json!({"message_id": "receipt-1"});
        let first = app.post(&path, INTEGRATION_TOKEN, &body).await;
        assert_eq!(first.status, StatusCode::OK, "{backend}: {}", first.text);
        let again = app.post(&path, INTEGRATION_TOKEN, &body).await;
        assert_eq!(again.status, StatusCode::OK, "{backend}: {}", again.text);
        assert_eq!(first.json["version"], again.json["version"], "{backend}: delivered once");

        let citizen_token = app.post(&path, &citizen, &json!({"message_id": "receipt-2"})).await;
        assert_eq!(citizen_token.status, StatusCode::UNAUTHORIZED, "{backend}: {}", citizen_token.text);
        let not_allowed = app
            .post(
                &format!("/api/v1/cases/{code}/events/payment.expired"),
                INTEGRATION_TOKEN,
                &json!({"message_id": "x"}),
            )
            .await;
        assert_eq!(not_allowed.status, StatusCode::FORBIDDEN, "{backend}: {}", not_allowed.text);
    }
}

/// Issue 23: a draft's data is changed through the API by its applicant only, and only while the case
/// is in its workflow's initial state.
#[tokio::test]
async fn a_draft_s_data_is_changed_by_its_applicant_only_while_it_is_a_draft() {
    for app in TestApp::each("api_draft_update", date(2026, 3, 2)).await {
        let backend = app.backend;
        let citizen = app.citizen(CITIZEN_A);
        let code = app.open_case("records-access", CITIZEN_A, json!({"reason": "first thoughts"})).await;
        let path = format!("/api/v1/cases/{code}/data");
        let patch = |token: &str, body: serde_json::Value| app.request(Method::PATCH, &path, Some(token)).json(&body);

        let changed = app.send(patch(&citizen, json!({"requested_records": "Verbale", "reason": null}))).await;
        assert_eq!(changed.status, StatusCode::OK, "{backend}: {}", changed.text);
        assert_eq!(changed.json["data"]["requested_records"], "Verbale", "{backend}: {}", changed.text);
        assert!(changed.json["data"].get("reason").is_none(), "{backend}: null removes: {}", changed.text);
        assert_eq!(changed.header("etag"), Some("\"2\""), "{backend}");

        let stale = app.send(patch(&citizen, json!({"reason": "x"})).header("if-match", "\"1\"")).await;
        assert_eq!((stale.status, stale.code()), (StatusCode::CONFLICT, "stale-case-version"), "{backend}");
        let other = app.send(patch(&app.citizen(CITIZEN_B), json!({"reason": "x"}))).await;
        assert_eq!((other.status, other.code()), (StatusCode::NOT_FOUND, "case-not-found"), "{backend}");
        let clerk = app.clerk("m.bianchi", &["segreteria"]);
        let staff = app.send(patch(&clerk, json!({"reason": "x"}))).await;
        assert_eq!((staff.status, staff.code()), (StatusCode::FORBIDDEN, "forbidden"), "{backend}: {}", staff.text);
        let not_an_object = app.send(patch(&citizen, json!(["reason"]))).await;
        assert_eq!(not_an_object.code(), "invalid-input", "{backend}: {}", not_an_object.text);

        let submitted = app.apply(&code, "submit", &citizen, request_data()).await;
        assert_eq!(submitted.status, StatusCode::OK, "{backend}: {}", submitted.text);
        let late = app.send(patch(&citizen, json!({"reason": "x"}))).await;
        assert_eq!(
            (late.status, late.code()),
            (StatusCode::CONFLICT, "transition-not-allowed"),
            "{backend}: {}",
            late.text
        );
    }
}

/// A citizen deletes a draft through the API: only their own, only while it is a draft, at the version
/// they saw; afterwards every read and command answers 404 and no list shows it, while the audit
/// chains still verify.
#[tokio::test]
async fn a_draft_is_deleted_by_its_applicant_and_is_gone_for_everyone_while_the_audit_still_verifies() {
    for app in TestApp::each("api_draft_delete", date(2026, 3, 2)).await {
        let backend = app.backend;
        let citizen = app.citizen(CITIZEN_A);
        let clerk = app.clerk("m.bianchi", &["segreteria"]);
        let kept = app.open_case("records-access", CITIZEN_A, json!({})).await;
        let code = app.open_case("records-access", CITIZEN_A, json!({"reason": "first thoughts"})).await;
        let path = format!("/api/v1/cases/{code}");
        let delete = |token: &str| app.request(Method::DELETE, &path, Some(token));

        let staff = app.send(delete(&clerk)).await;
        assert_eq!((staff.status, staff.code()), (StatusCode::FORBIDDEN, "forbidden"), "{backend}: {}", staff.text);
        let other = app.send(delete(&app.citizen(CITIZEN_B))).await;
        assert_eq!((other.status, other.code()), (StatusCode::NOT_FOUND, "case-not-found"), "{backend}");
        let stale = app.send(delete(&citizen).header("if-match", "\"9\"")).await;
        assert_eq!((stale.status, stale.code()), (StatusCode::CONFLICT, "stale-case-version"), "{backend}");
        let misnamed = app.send(app.request(Method::DELETE, &path.replace("RA-", "BP-"), Some(&citizen))).await;
        assert_eq!(misnamed.status, StatusCode::NOT_FOUND, "{backend}: the code must be the case's own");
        assert_eq!(app.get(&path, &citizen).await.status, StatusCode::OK, "{backend}: refusals change nothing");

        let deleted = app.send(delete(&citizen).header("if-match", "\"1\"")).await;
        assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{backend}: {}", deleted.text);
        assert!(deleted.text.is_empty(), "{backend}: {}", deleted.text);

        for read in [path.clone(), format!("{path}/timeline"), format!("{path}/messages")] {
            let gone = app.get(&read, &citizen).await;
            assert_eq!((gone.status, gone.code()), (StatusCode::NOT_FOUND, "case-not-found"), "{backend}: {read}");
        }
        let audit = app.get(&format!("{path}/audit"), &clerk).await;
        assert_eq!(audit.status, StatusCode::NOT_FOUND, "{backend}: {}", audit.text);
        let submitted = app.apply(&code, "submit", &citizen, request_data()).await;
        assert_eq!((submitted.status, submitted.code()), (StatusCode::NOT_FOUND, "case-not-found"), "{backend}");
        let patched =
            app.send(app.request(Method::PATCH, &format!("{path}/data"), Some(&citizen)).json(&json!({}))).await;
        assert_eq!(patched.status, StatusCode::NOT_FOUND, "{backend}: {}", patched.text);
        let again = app.send(delete(&citizen)).await;
        assert_eq!((again.status, again.code()), (StatusCode::NOT_FOUND, "case-not-found"), "{backend}");
        for (list, token) in [("/api/v1/cases", &citizen), ("/api/v1/cases?state=draft", &clerk)] {
            let found = app.get(list, token).await;
            let codes: Vec<&str> =
                found.json["items"].as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap()).collect();
            assert_eq!(codes, [kept.as_str()], "{backend}: {list}: {}", found.text);
        }

        // Once sent, a case is no longer a draft to delete.
        app.apply(&kept, "submit", &citizen, request_data()).await;
        let sent = app.send(app.request(Method::DELETE, &format!("/api/v1/cases/{kept}"), Some(&citizen))).await;
        assert_eq!((sent.status, sent.code()), (StatusCode::CONFLICT, "transition-not-allowed"), "{backend}");
        assert_eq!(app.get(&format!("/api/v1/cases/{kept}"), &citizen).await.json["state"], "submitted");

        let report = app.store.verify_audit(None).await.unwrap();
        assert!(report.breaks.is_empty(), "{backend}: {:?}", report.breaks);
        assert_eq!(report.cases, 2, "{backend}: the deleted draft's row and chain stay");
    }
}

/// A case is assigned only to a member of staff of its office whom the directory of people knows (who
/// signed in or called the API with that office), or to the caller themselves: anyone else is refused
/// with a 422 naming `/assignee`. Before, the API took any text ("utente inesistente 123").
#[tokio::test]
async fn a_case_is_assigned_only_to_a_member_of_staff_of_its_office() {
    for app in TestApp::each("api_assignee", date(2026, 3, 2)).await {
        let backend = app.backend;
        let clerk = app.clerk("m.bianchi", &["segreteria"]);
        let colleague = app.clerk("l.verdi", &["segreteria"]);
        let elsewhere = app.clerk("p.neri", &["edilizia"]);
        let code = app.open_case("records-access", CITIZEN_A, json!({})).await;
        let path = format!("/api/v1/cases/{code}/assignee");
        let assign = |assignee: serde_json::Value| {
            app.send(app.request(Method::PUT, &path, Some(&clerk)).json(&json!({"assignee": assignee})))
        };
        let refused = |answer: &sportello_tests::app::Answer| {
            assert_eq!((answer.status, answer.code()), (StatusCode::UNPROCESSABLE_ENTITY, "invalid-input"));
            assert_eq!(answer.json["errors"][0]["field"], "/assignee", "{backend}: {}", answer.text);
            assert_eq!(answer.json["errors"][0]["message"], "not a member of staff of this office", "{backend}");
        };

        refused(&assign(json!("utente inesistente 123")).await);
        // A colleague who has not signed in nor called the API yet is unknown too.
        refused(&assign(json!("l.verdi")).await);

        // Once they have called the API, the directory knows them, with their offices.
        for token in [&colleague, &elsewhere] {
            assert_eq!(app.get("/api/v1/worklist", token).await.status, StatusCode::OK, "{backend}");
        }
        let assigned = assign(json!("l.verdi")).await;
        assert_eq!(assigned.status, StatusCode::OK, "{backend}: {}", assigned.text);
        assert_eq!(assigned.json["assignee"], "l.verdi", "{backend}");
        // Staff of another office are refused; oneself and nobody are always fine.
        refused(&assign(json!("p.neri")).await);
        let mine = assign(json!("m.bianchi")).await;
        assert_eq!((mine.status, &mine.json["assignee"]), (StatusCode::OK, &json!("m.bianchi")), "{backend}");
        let nobody = assign(json!(null)).await;
        assert_eq!((nobody.status, &nobody.json["assignee"]), (StatusCode::OK, &json!(null)), "{backend}");
    }
}
