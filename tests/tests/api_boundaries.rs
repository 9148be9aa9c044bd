//! End to end through the real server: who may see and do what (citizen A and B, clerks of two
//! offices, analysts), tokens that must be refused, every kind of malformed request answered with
//! problem+json, health and metrics, and the OpenAPI document listing every route.

use jiff::civil::date;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::{Method, StatusCode};
use serde_json::json;
use sportello_tests::app::{CITIZEN_A, CITIZEN_B, TestApp};

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

#[tokio::test]
async fn citizens_and_clerks_see_and_act_only_within_their_bounds() {
    for app in TestApp::each("api_roles", date(2026, 3, 2)).await {
        let backend = app.backend;
        let code = app.open_case("records-access", CITIZEN_A, json!({})).await;
        let path = format!("/api/v1/cases/{code}");

        let other_citizen = app.citizen(CITIZEN_B);
        let read = app.get(&path, &other_citizen).await;
        assert_eq!(read.status, StatusCode::NOT_FOUND, "{backend}: {}", read.text);
        assert_eq!(read.code(), "case-not-found");
        let act = app.apply(&code, "withdraw", &other_citizen, json!({})).await;
        assert_eq!(act.status, StatusCode::NOT_FOUND, "{backend}: {}", act.text);
        // Nothing about the command is looked at before the case is found visible: neither its
        // transition nor the version it names tells a hidden case from a missing one.
        let unknown = app.apply(&code, "no_such_transition", &other_citizen, json!({})).await;
        assert_eq!((unknown.status, unknown.code()), (StatusCode::NOT_FOUND, "case-not-found"), "{backend}");
        let stale = app
            .send(
                app.request(Method::POST, &format!("{path}/transitions/withdraw"), Some(&other_citizen))
                    .header("if-match", "\"99\"")
                    .json(&json!({})),
            )
            .await;
        assert_eq!((stale.status, stale.code()), (StatusCode::NOT_FOUND, "case-not-found"), "{backend}");
        // A code that names the row's id under other initials is not the case.
        let (_, id) = code.rsplit_once('-').unwrap();
        let owner = app.citizen(CITIZEN_A);
        let misnamed = app.apply(&format!("XX-2026-{id}"), "withdraw", &owner, json!({})).await;
        assert_eq!(misnamed.status, StatusCode::NOT_FOUND, "{backend}: {}", misnamed.text);
        let timeline = app.get(&format!("{path}/timeline"), &other_citizen).await;
        assert_eq!(timeline.status, StatusCode::NOT_FOUND, "{backend}");

        let other_office = app.clerk("l.verdi", &["edilizia"]);
        assert_eq!(app.get(&path, &other_office).await.status, StatusCode::NOT_FOUND, "{backend}");
        let act = app.apply(&code, "grant", &other_office, json!({"access_instructions": "x"})).await;
        assert_eq!(act.status, StatusCode::NOT_FOUND, "{backend}: {}", act.text);
        let worklist = app.get("/api/v1/worklist", &other_office).await;
        assert_eq!(worklist.json["total"], 0, "{backend}");
        let worklist = app.get("/api/v1/worklist?office=segreteria", &other_office).await;
        assert_eq!(worklist.status, StatusCode::FORBIDDEN, "{backend}");

        // The citizen may not apply the clerk's transitions on their own case.
        let clerk_only = app.apply(&code, "grant", &owner, json!({"access_instructions": "x"})).await;
        assert!(
            matches!(clerk_only.status, StatusCode::FORBIDDEN | StatusCode::CONFLICT),
            "{backend}: {}",
            clerk_only.text
        );
        let audit = app.get(&format!("{path}/audit"), &owner).await;
        assert_eq!(audit.status, StatusCode::FORBIDDEN, "{backend}: {}", audit.text);
        assert_eq!(app.get("/api/v1/worklist", &owner).await.status, StatusCode::FORBIDDEN);

        let analyst = app.analyst();
        assert_eq!(app.get(&path, &analyst).await.status, StatusCode::NOT_FOUND, "{backend}: analysts read no cases");

        // Every refused attempt is in the security log, none in the case's audit trail, whose chain
        // still verifies; a code that names no case is logged the same way.
        let missing = app.get("/api/v1/cases/RA-2026-999999", &other_citizen).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{backend}");
        let logged = refusals_logged(&app, 12).await;
        assert!(logged.iter().any(|r| r.target == code && r.actor == format!("citizen {CITIZEN_B}")), "{logged:?}");
        assert!(logged.iter().any(|r| r.target == "RA-2026-999999" && r.action == "read"), "{backend}: {logged:?}");
        assert!(logged.iter().any(|r| r.action == "apply:grant" && r.actor == "staff member l.verdi"), "{logged:?}");
        let clerk = app.clerk("m.bianchi", &["segreteria"]);
        let trail = app.get(&format!("{path}/audit"), &clerk).await;
        let denied = trail.json.as_array().unwrap().iter().filter(|e| e["body"]["outcome"] == "denied").count();
        assert_eq!(denied, 0, "{backend}: {}", trail.text);
        assert!(app.store.verify_audit(None).await.unwrap().breaks.is_empty(), "{backend}");
    }
}

/// The refusals in the security log once at least `least` are there: they are written in the
/// background, after the refused request has been answered.
async fn refusals_logged(app: &TestApp, least: usize) -> Vec<sportello_store::Refusal> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let logged = app.store.refusals(100).await.unwrap();
        if logged.len() >= least || std::time::Instant::now() > deadline {
            return logged;
        }
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn staff_open_cases_for_a_citizen_of_their_office_only() {
    for app in TestApp::each("api_open_on_behalf", date(2026, 3, 2)).await {
        let clerk = app.clerk("m.bianchi", &["segreteria"]);
        let body = json!({"workflow": "records-access", "applicant": CITIZEN_B});
        let opened = app.post("/api/v1/cases", &clerk, &body).await;
        assert_eq!(opened.status, StatusCode::CREATED, "{}: {}", app.backend, opened.text);
        assert_eq!(opened.json["applicant"], CITIZEN_B);
        assert!(opened.header("location").unwrap().starts_with("/api/v1/cases/"));
        let mine = app.get("/api/v1/cases", &app.citizen(CITIZEN_B)).await;
        assert_eq!(mine.json["items"].as_array().unwrap().len(), 1, "{}", mine.text);

        let elsewhere = app.post("/api/v1/cases", &app.clerk("l.verdi", &["edilizia"]), &body).await;
        assert_eq!(elsewhere.status, StatusCode::FORBIDDEN, "{}: {}", app.backend, elsewhere.text);
        let no_applicant = app.post("/api/v1/cases", &clerk, &json!({"workflow": "records-access"})).await;
        assert_eq!(no_applicant.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(no_applicant.json["errors"][0]["field"], "/applicant");
        let bad_code = app
            .post("/api/v1/cases", &clerk, &json!({"workflow": "records-access", "applicant": "RSSMRA85T10A562X"}))
            .await;
        assert_eq!(bad_code.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad_code.text);
        let for_another = app.post("/api/v1/cases", &app.citizen(CITIZEN_A), &body).await;
        assert_eq!(for_another.status, StatusCode::FORBIDDEN);
        let unknown =
            app.post("/api/v1/cases", &clerk, &json!({"workflow": "no-such-thing", "applicant": CITIZEN_B})).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        assert_eq!(unknown.code(), "workflow-not-found");
    }
}

#[tokio::test]
async fn bad_tokens_are_refused() {
    let app = TestApp::each("api_tokens", date(2026, 3, 2)).await.remove(0);
    let secret = app.dev_secret();
    let key = EncodingKey::from_secret(&secret);
    let claims = |iss: &str, exp: u64| {
        json!({"iss": iss, "sub": "x", "exp": exp, "iat": now(),
               "https://attributes.eid.gov.it/fiscal_number": format!("TINIT-{CITIZEN_A}")})
    };
    let expired =
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims("sportello-dev", now() - 3600), &key).unwrap();
    let unknown_issuer =
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims("https://evil.example", now() + 3600), &key)
            .unwrap();
    let good = app.citizen(CITIZEN_A);
    let tampered = {
        let (rest, signature) = good.rsplit_once('.').unwrap();
        let flipped = if signature.starts_with('A') { "B" } else { "A" };
        format!("{rest}.{flipped}{}", &signature[1..])
    };
    let none = {
        use std::io::Write;
        let encode = |v: serde_json::Value| {
            let text = v.to_string();
            let mut out = Vec::new();
            write!(out, "{}", base64url(text.as_bytes())).unwrap();
            String::from_utf8(out).unwrap()
        };
        format!("{}.{}.", encode(json!({"alg": "none", "typ": "JWT"})), encode(claims("sportello-dev", now() + 3600)))
    };
    for (what, token, code) in [
        ("expired", expired.as_str(), "expired-token"),
        ("unknown issuer", unknown_issuer.as_str(), "unknown-issuer"),
        ("tampered", tampered.as_str(), "invalid-token"),
        ("alg none", none.as_str(), ""),
        ("garbage", "not.a.token", ""),
    ] {
        let answer = app.get("/api/v1/workflows", token).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{what}: {}", answer.text);
        assert_eq!(answer.header("content-type"), Some("application/problem+json"), "{what}");
        if !code.is_empty() {
            assert_eq!(answer.code(), code, "{what}");
        }
    }
    let missing = app.send(app.request(Method::GET, "/api/v1/workflows", None)).await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(missing.code(), "missing-token");
    assert_eq!(app.get("/api/v1/workflows", &good).await.status, StatusCode::OK);
}

fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

#[tokio::test]
async fn malformed_requests_get_problem_json() {
    let app = TestApp::each("api_malformed", date(2026, 3, 2)).await.remove(0);
    let citizen = app.citizen(CITIZEN_A);
    let code = app.open_case("records-access", CITIZEN_A, json!({})).await;
    let submit = format!("/api/v1/cases/{code}/transitions/submit");
    let cases = [
        (
            "malformed JSON",
            app.request(Method::POST, &submit, Some(&citizen))
                .header("content-type", "application/json")
                .body("{\"reason\": "),
            400,
            "malformed-json",
        ),
        (
            "wrong content type",
            app.request(Method::POST, &submit, Some(&citizen)).header("content-type", "text/plain").body("reason"),
            415,
            "unsupported-media-type",
        ),
        (
            "oversized body",
            app.request(Method::POST, &submit, Some(&citizen))
                .header("content-type", "application/json")
                .body(format!("{{\"reason\": \"{}\"}}", "x".repeat(200_000))),
            413,
            "payload-too-large",
        ),
        (
            "wrong shape",
            app.request(Method::POST, "/api/v1/cases", Some(&citizen)).json(&json!({"workflow": 3})),
            422,
            "invalid-input",
        ),
        (
            "unknown field",
            app.request(Method::POST, "/api/v1/cases", Some(&citizen))
                .json(&json!({"workflow": "records-access", "colour": "red"})),
            422,
            "invalid-input",
        ),
        (
            "bad If-Match",
            app.request(Method::POST, &submit, Some(&citizen)).header("if-match", "yesterday").json(&json!({})),
            400,
            "invalid-header",
        ),
        (
            "bad Idempotency-Key",
            app.request(Method::POST, &submit, Some(&citizen)).header("idempotency-key", "").json(&json!({})),
            400,
            "invalid-header",
        ),
        ("unknown route", app.request(Method::GET, "/api/v1/nothing-here", Some(&citizen)), 404, "route-not-found"),
        ("unknown version", app.request(Method::POST, "/api/v2/cases", Some(&citizen)), 404, "route-not-found"),
        ("the API's root", app.request(Method::GET, "/api", Some(&citizen)), 404, "route-not-found"),
        ("wrong method", app.request(Method::DELETE, "/api/v1/workflows", Some(&citizen)), 405, "method-not-allowed"),
        (
            "unknown query parameter",
            app.request(Method::GET, "/api/v1/cases?colour=red", Some(&citizen)),
            422,
            "invalid-query",
        ),
        (
            "unknown transition",
            app.request(Method::POST, &format!("/api/v1/cases/{code}/transitions/fly"), Some(&citizen)),
            404,
            "unknown-transition",
        ),
        (
            "unknown case",
            app.request(Method::GET, "/api/v1/cases/RA-2026-999999", Some(&citizen)),
            404,
            "case-not-found",
        ),
        ("nonsense case code", app.request(Method::GET, "/api/v1/cases/hello", Some(&citizen)), 404, "case-not-found"),
    ];
    for (what, request, status, code) in cases {
        let answer = app.send(request).await;
        assert_eq!(answer.status.as_u16(), status, "{what}: {}", answer.text);
        assert_eq!(answer.header("content-type"), Some("application/problem+json"), "{what}");
        assert_eq!(answer.code(), code, "{what}: {}", answer.text);
        // Issue 23: the `type` is an absolute link, and the server answers it with the code's page.
        assert_eq!(answer.json["type"], format!("{}/problems/{code}", app.address), "{what}");
        let page = app.send(app.client.get(answer.json["type"].as_str().unwrap())).await;
        assert_eq!(page.status, StatusCode::OK, "{what}: {}", page.text);
        assert!(page.text.starts_with(&format!("# {code}")), "{what}: {}", page.text);
    }
}

/// Sends `raw` on a connection of its own and reads until the server closes it.
async fn exchange(app: &TestApp, raw: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    // The server may answer and close before it has read all of a head too large.
    let _ = stream.write_all(raw).await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn requests_the_http_parser_refuses_get_problem_json_too() {
    let app = TestApp::each("api_unparsed", date(2026, 3, 2)).await.remove(0);
    let big_header = format!("GET /api/v1/cases HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "a".repeat(1_000_000));
    let many_headers = format!(
        "GET /healthz HTTP/1.1\r\nHost: x\r\n{}\r\n",
        (0..150).map(|i| format!("X-{i}: 1\r\n")).collect::<String>()
    );
    let long_uri = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(70_000));
    let cases = [
        ("a 1 MB header", big_header, 431, "headers-too-large"),
        ("150 headers", many_headers, 431, "headers-too-large"),
        ("a 70 kB URI", long_uri, 414, "uri-too-long"),
        (
            "a header without a colon",
            "GET /healthz HTTP/1.1\r\nHost: x\r\nNo colon\r\n\r\n".to_owned(),
            400,
            "malformed-request",
        ),
    ];
    for (what, raw, status, code) in cases {
        let answer = exchange(&app, raw.as_bytes()).await;
        assert!(answer.starts_with(&format!("HTTP/1.1 {status} ")), "{what}: {answer}");
        assert!(answer.contains("content-type: application/problem+json\r\n"), "{what}: {answer}");
        let body: serde_json::Value = serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap()).unwrap();
        assert_eq!(body["code"], code, "{what}");
        assert_eq!(body["status"], status, "{what}");
        assert_eq!(body["type"], format!("{}/problems/{code}", app.address), "{what}");
    }
    // The connection after them still serves.
    let healthy = exchange(&app, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await;
    assert!(healthy.starts_with("HTTP/1.1 200 "), "{healthy}");
}

#[tokio::test]
async fn workflows_can_be_read_validated_and_deployed_by_analysts() {
    let app = TestApp::each("api_workflows", date(2026, 3, 2)).await.remove(0);
    let citizen = app.citizen(CITIZEN_A);
    let analyst = app.analyst();
    let list = app.get("/api/v1/workflows", &citizen).await;
    assert_eq!(list.status, StatusCode::OK);
    let ids: Vec<&str> = list.json.as_array().unwrap().iter().map(|w| w["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"records-access") && ids.len() >= 5, "{ids:?}");
    let one = app.get("/api/v1/workflows/records-access", &citizen).await;
    assert_eq!(one.json["states"][0]["id"], "draft");
    assert_eq!(one.json["versions"][0]["version"], 1);
    let diagram = app.get("/api/v1/workflows/records-access/diagram", &citizen).await;
    assert!(diagram.text.starts_with("stateDiagram-v2"), "{}", diagram.text);
    assert_eq!(app.get("/api/v1/workflows/nope", &citizen).await.code(), "workflow-not-found");

    let source =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../workflows/records-access.yaml")).unwrap();
    let broken = source.replacen("to: submitted", "to: submited", 1);
    let yaml = |token: &str, path: &str, body: String| {
        app.request(Method::POST, path, Some(token)).header("content-type", "application/yaml").body(body)
    };
    let refused = app.send(yaml(&citizen, "/api/v1/workflows/validate", broken.clone())).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let report = app.send(yaml(&analyst, "/api/v1/workflows/validate", broken.clone())).await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.text);
    assert_eq!(report.json["valid"], false);
    let diagnostics = report.json["diagnostics"].as_array().unwrap();
    let problem = diagnostics.iter().find(|d| d["code"] == "unknown-state").expect("the unknown state is reported");
    let line = source.lines().position(|l| l.contains("to: submitted")).unwrap() + 1;
    assert_eq!(problem["code"], "unknown-state", "{}", report.text);
    assert_eq!(problem["location"]["line"], line, "{}", report.text);

    let not_deployed = app.send(yaml(&analyst, "/api/v1/workflows", broken)).await;
    assert_eq!(not_deployed.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", not_deployed.text);
    let same = app.send(yaml(&analyst, "/api/v1/workflows", source.clone())).await;
    assert_eq!(same.status, StatusCode::OK, "{}", same.text);
    assert_eq!(same.json["changed"], false);
    let changed = source.replacen("Richiesta protocollata", "Richiesta ricevuta e protocollata", 1);
    let next = app.send(yaml(&analyst, "/api/v1/workflows", changed)).await;
    assert_eq!(next.status, StatusCode::CREATED, "{}", next.text);
    assert_eq!(next.json["version"], 2);
}

#[tokio::test]
async fn health_metrics_and_the_openapi_document_need_no_sign_in() {
    let app = TestApp::each("api_health", date(2026, 3, 2)).await.remove(0);
    for path in ["/healthz", "/readyz"] {
        let answer = app.send(app.request(Method::GET, path, None)).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}");
        assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));
        assert!(answer.header("x-request-id").is_some());
    }
    app.open_case("records-access", CITIZEN_A, json!({})).await;
    let metrics = app.send(app.request(Method::GET, "/metrics", None)).await;
    assert!(
        metrics.text.contains("sportello_transitions_total{workflow=\"records-access\",outcome=\"opened\"} 1"),
        "{}",
        metrics.text
    );
    assert!(
        metrics.text.contains("sportello_http_request_duration_seconds_bucket{method=\"POST\",route=\"/api/v1/cases\"")
    );
    assert!(metrics.text.contains("sportello_timer_lag_seconds"));
    assert!(metrics.text.contains("sportello_outbox_pending"));

    let doc = app.send(app.request(Method::GET, "/api/v1/openapi.json", None)).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert!(doc.json["openapi"].as_str().unwrap().starts_with("3.1"));
    let routes = [
        ("get", "/api/v1/workflows"),
        ("post", "/api/v1/workflows"),
        ("get", "/api/v1/workflows/{id}"),
        ("get", "/api/v1/workflows/{id}/diagram"),
        ("post", "/api/v1/workflows/validate"),
        ("post", "/api/v1/cases"),
        ("get", "/api/v1/cases"),
        ("get", "/api/v1/cases/{code}"),
        ("delete", "/api/v1/cases/{code}"),
        ("post", "/api/v1/cases/{code}/transitions/{transition}"),
        ("put", "/api/v1/cases/{code}/assignee"),
        ("get", "/api/v1/cases/{code}/timeline"),
        ("get", "/api/v1/cases/{code}/audit"),
        ("patch", "/api/v1/cases/{code}/data"),
        ("get", "/api/v1/cases/{code}/messages"),
        ("post", "/api/v1/cases/{code}/documents"),
        ("get", "/api/v1/cases/{code}/documents"),
        ("get", "/api/v1/cases/{code}/documents/{id}"),
        ("delete", "/api/v1/cases/{code}/documents/{id}"),
        ("get", "/api/v1/payments"),
        ("post", "/api/v1/cases/{code}/events/{event}"),
        ("get", "/api/v1/worklist"),
        ("post", "/api/v1/cases/{code}/incidents/{id}/retry"),
        ("post", "/api/v1/cases/{code}/incidents/{id}/dismiss"),
        ("get", "/healthz"),
        ("get", "/readyz"),
        ("get", "/metrics"),
    ];
    let paths = doc.json["paths"].as_object().unwrap();
    let documented: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
    for (method, path) in routes {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} is not in the OpenAPI document"
        );
    }
    assert_eq!(documented, routes.len(), "the document lists routes this test does not know: {:?}", paths.keys());
}

/// Issue 23: every code the API sends has its page at its `type`, served by the server.
#[tokio::test]
async fn every_problem_type_resolves_to_its_page() {
    let app = TestApp::each("api_problem_pages", date(2026, 3, 2)).await.remove(0);
    for (code, _, _) in sportello_api::problem::CODES {
        let page = app.send(app.request(Method::GET, &format!("/problems/{code}"), None)).await;
        assert_eq!(page.status, StatusCode::OK, "{code}");
        assert_eq!(page.header("content-type"), Some("text/markdown; charset=utf-8"), "{code}");
        assert!(page.text.starts_with(&format!("# {code}")), "{code}: {}", page.text);
    }
    let unknown = app.send(app.request(Method::GET, "/problems/no-such-code", None)).await;
    assert_eq!((unknown.status, unknown.code()), (StatusCode::NOT_FOUND, "route-not-found"), "{}", unknown.text);
    assert_eq!(unknown.json["type"], format!("{}/problems/route-not-found", app.address));
}

/// Issue 23: the OpenAPI document is valid where the validator found it was not, and each operation
/// lists only the problems it can answer.
#[tokio::test]
async fn the_openapi_document_declares_parameters_and_problems_precisely() {
    let app = TestApp::each("api_openapi", date(2026, 3, 2)).await.remove(0);
    let doc = app.send(app.request(Method::GET, "/api/v1/openapi.json", None)).await;
    let paths = doc.json["paths"].as_object().unwrap();
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let name = parameter["name"].as_str().unwrap();
                let in_template = path.contains(&format!("{{{name}}}"));
                assert_eq!(parameter["in"] == "path", in_template, "{method} {path}: parameter {name}");
            }
        }
    }
    let version = &paths["/api/v1/workflows/{id}"]["get"]["parameters"][1];
    assert_eq!((version["name"].as_str(), version["in"].as_str()), (Some("version"), Some("query")));
    assert_eq!(version["schema"]["minimum"], 1);
    let statuses = |path: &str, method: &str| -> Vec<String> {
        paths[path][method]["responses"].as_object().unwrap().keys().cloned().collect()
    };
    assert_eq!(statuses("/healthz", "get"), ["200", "429", "500", "503"]);
    assert_eq!(statuses("/api/v1/workflows", "get"), ["200", "401", "429", "500", "503"]);
    let search = statuses("/api/v1/cases", "get");
    assert!(search.contains(&"422".to_owned()) && !search.contains(&"413".to_owned()), "{search:?}");
    let limit = paths["/api/v1/cases"]["get"]["parameters"].as_array().unwrap().iter().find(|p| p["name"] == "limit");
    let limit = &limit.unwrap()["schema"];
    assert_eq!((limit["minimum"].as_u64(), limit["maximum"].as_u64()), (Some(1), Some(200)), "{limit}");
    // Opening answers 201, a retry with the same Idempotency-Key 200, a closed service 409: all listed.
    let open = statuses("/api/v1/cases", "post");
    for status in ["200", "201", "409"] {
        assert!(open.contains(&status.to_owned()), "POST /cases lists {status}: {open:?}");
    }
    // Deleting a draft answers 204 with no body, or one of the problems it lists (If-Match: 400).
    let delete = statuses("/api/v1/cases/{code}", "delete");
    assert_eq!(delete, ["204", "400", "401", "403", "404", "409", "429", "500", "503"]);
    assert!(paths["/api/v1/cases/{code}"]["delete"]["responses"]["204"].get("content").is_none());
}

/// Issue 23: refusals of the query string and of the body name the parameter or field at fault.
#[tokio::test]
async fn refusals_name_the_missing_field_and_the_query_parameter() {
    let app = TestApp::each("api_named_fields", date(2026, 3, 2)).await.remove(0);
    let citizen = app.citizen(CITIZEN_A);
    let missing = app.post("/api/v1/cases", &citizen, &json!({"data": {}})).await;
    assert_eq!((missing.status.as_u16(), missing.code()), (422, "invalid-input"), "{}", missing.text);
    assert_eq!(missing.json["errors"][0]["field"], "/workflow", "{}", missing.text);
    for (path, field) in [
        ("/api/v1/cases?limit=500", "limit"),
        ("/api/v1/cases?limit=many", "limit"),
        ("/api/v1/cases?colour=red", "colour"),
        ("/api/v1/worklist?limit=500", "limit"),
        ("/api/v1/workflows/records-access?version=0", "version"),
        ("/api/v1/workflows/records-access/diagram?version=latest", "version"),
    ] {
        let token = if path.contains("worklist") { app.clerk("m.bianchi", &["segreteria"]) } else { citizen.clone() };
        let refused = app.get(path, &token).await;
        assert_eq!((refused.status.as_u16(), refused.code()), (422, "invalid-query"), "{path}: {}", refused.text);
        assert_eq!(refused.json["errors"][0]["field"], field, "{path}: {}", refused.text);
    }
    let limit = app.get("/api/v1/cases?limit=500", &citizen).await;
    assert!(limit.json["errors"][0]["message"].as_str().unwrap().contains("1 to 200"), "{}", limit.text);
}
