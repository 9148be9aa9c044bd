//! Checks a request against the document, and a scripted reply against the operation's responses,
//! collecting every [`Violation`] rather than stopping at the first: the route, the parameters (text
//! converted to the declared type, then the schema), unknown query parameters, the security
//! requirement, the content type and the body.

use axum::http::{HeaderMap, Method, header};
use serde_json::{Number, Value};

use super::operation::{Credential, Operation, essence, is_json};
use super::parameter::{Kind, Location, Parameter, Style};
use super::record::{Violation, ViolationKind};
use super::spec::{Route, Spec};

/// A request as it arrived.
pub(super) struct Incoming<'a> {
    pub method: &'a Method,
    /// The full path, still percent-encoded.
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// What checking a request found.
pub(super) struct Checked<'s> {
    pub operation: Option<&'s Operation>,
    pub path_params: Vec<(String, String)>,
    pub query: Vec<(String, String)>,
    pub violations: Vec<Violation>,
}

/// Violations found for one operation.
struct Findings {
    kind: ViolationKind,
    operation: String,
    operation_id: Option<String>,
    list: Vec<Violation>,
}

impl Findings {
    fn new(kind: ViolationKind, operation: String, operation_id: Option<&str>) -> Self {
        Self { kind, operation, operation_id: operation_id.map(str::to_owned), list: Vec::new() }
    }

    fn push(&mut self, place: impl Into<String>, message: impl Into<String>) {
        self.list.push(Violation {
            kind: self.kind,
            operation: self.operation.clone(),
            operation_id: self.operation_id.clone(),
            place: place.into(),
            message: message.into(),
        });
    }

    /// One violation per schema error, placed at `place` plus the error's JSON pointer.
    fn schema_errors(&mut self, place: &str, errors: Vec<(String, String)>) {
        for (pointer, message) in errors {
            self.push(if pointer.is_empty() { place.to_owned() } else { format!("{place} {pointer}") }, message);
        }
    }
}

/// Checks `incoming` against `spec`.
pub(super) fn check_request<'s>(spec: &'s Spec, incoming: &Incoming<'_>) -> Checked<'s> {
    let received = format!("{} {}", incoming.method, incoming.path);
    let query = serde_urlencoded::from_str::<Vec<(String, String)>>(incoming.query.unwrap_or_default());
    let (operation, path_params) = match spec.route(incoming.method, incoming.path) {
        Route::Found(op, params) => (op, params),
        unrouted => {
            let mut findings = Findings::new(ViolationKind::Request, received, None);
            let (place, message) = match unrouted {
                Route::OutsideBasePath => ("path", format!("not below the base path `{}`", spec.base_path())),
                Route::WrongMethod(allowed) => {
                    let allowed: Vec<String> = allowed.iter().map(ToString::to_string).collect();
                    ("method", format!("the path has no {} operation (it has {})", incoming.method, allowed.join(", ")))
                }
                _ => ("path", "no operation of the document matches the path".to_owned()),
            };
            findings.push(place, message);
            let query = query.unwrap_or_default();
            return Checked { operation: None, path_params: Vec::new(), query, violations: findings.list };
        }
    };
    let mut findings = Findings::new(ViolationKind::Request, operation.label(), Some(operation.id()));
    let query = query.unwrap_or_else(|error| {
        findings.push("query", format!("not form-encoded: {error}"));
        Vec::new()
    });
    for parameter in &operation.parameters {
        let values: Vec<String> = match parameter.location {
            Location::Path => {
                path_params.iter().filter(|(n, _)| *n == parameter.name).map(|(_, v)| v.clone()).collect()
            }
            Location::Query => query.iter().filter(|(n, _)| *n == parameter.name).map(|(_, v)| v.clone()).collect(),
            Location::Header if ignored_header(&parameter.name) => continue,
            Location::Header => match header_values(incoming.headers, &parameter.name) {
                Ok(values) => values,
                Err(()) => {
                    findings.push(format!("header {}", parameter.name), "not visible ASCII text");
                    continue;
                }
            },
            Location::Cookie => continue,
        };
        check_parameter(&mut findings, parameter, &values);
    }
    for (name, _) in &query {
        let declared = operation.parameters.iter().any(|p| p.location == Location::Query && p.name == *name)
            || operation.security.iter().flatten().any(|c| matches!(c, Credential::Query { name: n, .. } if n == name));
        if !declared {
            findings.push(format!("query {name}"), "not a parameter of the operation");
        }
    }
    check_security(&mut findings, operation, incoming.headers, &query);
    check_body(&mut findings, operation, incoming.headers, incoming.body);
    Checked { operation: Some(operation), path_params, query, violations: findings.list }
}

/// Headers OpenAPI describes elsewhere than in parameters.
fn ignored_header(name: &str) -> bool {
    ["accept", "content-type", "authorization"].iter().any(|h| name.eq_ignore_ascii_case(h))
}

fn header_values(headers: &HeaderMap, name: &str) -> Result<Vec<String>, ()> {
    headers.get_all(name).iter().map(|value| value.to_str().map(str::to_owned).map_err(|_| ())).collect()
}

fn check_parameter(findings: &mut Findings, parameter: &Parameter, values: &[String]) {
    let place = match parameter.location {
        Location::Path => format!("path {}", parameter.name),
        Location::Query => format!("query {}", parameter.name),
        Location::Header => format!("header {}", parameter.name),
        Location::Cookie => format!("cookie {}", parameter.name),
    };
    let Some(first) = values.first() else {
        if parameter.required {
            findings.push(place, "required, missing");
        }
        return;
    };
    if values.len() > 1 && parameter.style != Style::Repeated {
        findings.push(&place, format!("given {} times", values.len()));
    }
    let value = match parameter.style {
        Style::Single => convert(parameter.kind, first),
        Style::Delimited(separator) => first.split(separator).map(|item| convert(parameter.kind, item)).collect(),
        Style::Repeated => values.iter().map(|item| convert(parameter.kind, item)).collect(),
    };
    if let Some(schema) = &parameter.schema {
        findings.schema_errors(&place, schema.errors(&value));
    }
}

/// A parameter's text as the declared JSON type; left a string when it does not read as one, so the
/// schema reports the type.
fn convert(kind: Kind, text: &str) -> Value {
    let converted = match kind {
        Kind::String => None,
        Kind::Integer => {
            text.parse::<i64>().ok().map(Value::from).or_else(|| text.parse::<u64>().ok().map(Value::from))
        }
        Kind::Number => text.parse::<f64>().ok().and_then(Number::from_f64).map(Value::Number),
        Kind::Boolean => ["false", "true"].iter().position(|b| *b == text).map(|i| Value::Bool(i == 1)),
    };
    converted.unwrap_or_else(|| Value::String(text.to_owned()))
}

fn check_security(findings: &mut Findings, operation: &Operation, headers: &HeaderMap, query: &[(String, String)]) {
    let present = |credential: &Credential| match credential {
        Credential::Header { name, .. } => headers.get(name).is_some_and(|v| !v.is_empty()),
        Credential::Query { name, .. } => query.iter().any(|(n, v)| n == name && !v.is_empty()),
        Credential::Cookie { name, .. } => headers.get_all(header::COOKIE).iter().any(|cookies| {
            cookies.to_str().unwrap_or_default().split(';').any(|c| c.trim().starts_with(&format!("{name}=")))
        }),
        Credential::Authorization { kind, .. } => headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .is_some_and(|(given, token)| given.eq_ignore_ascii_case(kind) && !token.trim().is_empty()),
    };
    if operation.security.is_empty() || operation.security.iter().any(|all| all.iter().all(present)) {
        return;
    }
    let describe = |credential: &Credential| match credential {
        Credential::Header { scheme, name } => format!("header `{name}` ({scheme})"),
        Credential::Query { scheme, name } => format!("query parameter `{name}` ({scheme})"),
        Credential::Cookie { scheme, name } => format!("cookie `{name}` ({scheme})"),
        Credential::Authorization { scheme, kind } => format!("`Authorization: {kind} …` ({scheme})"),
    };
    let alternatives: Vec<String> = operation
        .security
        .iter()
        .map(|all| all.iter().filter(|c| !present(c)).map(describe).collect::<Vec<_>>().join(" and "))
        .collect();
    findings.push("security", format!("missing credentials: {}", alternatives.join(", or ")));
}

fn check_body(findings: &mut Findings, operation: &Operation, headers: &HeaderMap, body: &[u8]) {
    let Some(declared) = &operation.body else {
        if !body.is_empty() {
            findings.push("body", "the operation takes no request body");
        }
        return;
    };
    if body.is_empty() {
        if declared.required {
            findings.push("body", "required, missing");
        }
        return;
    }
    let content_type = headers.get(header::CONTENT_TYPE).map(|v| essence(v.to_str().unwrap_or_default()));
    let documented = declared.media_types.join(", ");
    match &content_type {
        None => findings.push("content type", format!("missing; the document takes {documented}")),
        Some(given) if !declared.media_types.iter().any(|m| media_matches(m, given)) => {
            findings.push("content type", format!("`{given}` is not one the document takes ({documented})"))
        }
        Some(_) => {}
    }
    let Some(schema) = &declared.schema else { return };
    if content_type.as_deref().is_some_and(|given| !is_json(given)) {
        return;
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(json) => findings.schema_errors("body", schema.errors(&json)),
        Err(error) => findings.push("body", format!("not JSON: {error}")),
    }
}

fn media_matches(declared: &str, given: &str) -> bool {
    declared == given
        || declared == "*/*"
        || declared.strip_suffix("/*").is_some_and(|kind| given.split('/').next() == Some(kind))
}

/// Checks a scripted reply: its status must be documented for the operation, and a body must have a
/// documented media type and, when JSON, follow its schema.
pub(super) fn check_reply(
    operation: &Operation,
    status: u16,
    content_type: Option<&str>,
    json: Option<&Value>,
) -> Vec<Violation> {
    let mut findings = Findings::new(ViolationKind::Reply, operation.label(), Some(operation.id()));
    let exact = status.to_string();
    let range = format!("{}XX", status / 100);
    let response = [exact.as_str(), range.as_str(), "default"]
        .iter()
        .find_map(|wanted| operation.responses.iter().find(|r| r.status.eq_ignore_ascii_case(wanted)));
    let Some(response) = response else {
        let documented: Vec<&str> = operation.responses.iter().map(|r| r.status.as_str()).collect();
        findings
            .push(format!("reply {status}"), format!("status not documented (documented: {})", documented.join(", ")));
        return findings.list;
    };
    let Some(given) = content_type.map(essence) else { return findings.list };
    if response.media.is_empty() {
        return findings.list;
    }
    match response.media.iter().find(|(media, _)| media_matches(media, &given)) {
        None => {
            let documented: Vec<&str> = response.media.iter().map(|(m, _)| m.as_str()).collect();
            let message = format!("`{given}` not documented (documented: {})", documented.join(", "));
            findings.push(format!("reply {status} content type"), message);
        }
        Some((_, Some(schema))) => {
            if let Some(json) = json {
                findings.schema_errors(&format!("reply {status} body"), schema.errors(json));
            }
        }
        Some((_, None)) => {}
    }
    findings.list
}

#[cfg(test)]
mod tests {
    use reqwest::StatusCode;
    use serde_json::json;

    use super::super::examples::{FISCAL_CODE, ORGANIZATION, SUBSCRIPTION_KEY, client, new_message, payment_position};
    use super::super::{Reply, Spec, SpecServer, ViolationKind};

    const KEY: &str = "Ocp-Apim-Subscription-Key";

    fn app_io() -> SpecServer {
        let server = SpecServer::start(Spec::app_io().unwrap());
        server.default_reply("getProfile", Reply::json(200, json!({ "sender_allowed": true })));
        server.default_reply("submitMessageforUserWithFiscalCodeInBody", Reply::json(201, json!({ "id": "01HX" })));
        server
    }

    /// The violations' texts, taken from the server so that dropping it does not fail the test.
    fn taken(server: &SpecServer) -> Vec<String> {
        let violations = server.take_violations();
        assert!(violations.iter().all(|v| v.kind == ViolationKind::Request), "{violations:?}");
        violations.iter().map(ToString::to_string).collect()
    }

    #[tokio::test]
    async fn valid_app_io_requests_pass() {
        let io = app_io();
        let profile = client().get(format!("{}/profiles/{FISCAL_CODE}", io.base_url())).header(KEY, SUBSCRIPTION_KEY);
        let profile = profile.send().await.unwrap();
        assert_eq!(profile.status(), StatusCode::OK);
        assert_eq!(profile.json::<serde_json::Value>().await.unwrap(), json!({ "sender_allowed": true }));
        let message = client().post(format!("{}/messages", io.base_url())).header(KEY, SUBSCRIPTION_KEY);
        let message = message.json(&new_message()).send().await.unwrap();
        assert_eq!(message.status(), StatusCode::CREATED);
        io.assert_no_violations();
        let requests = io.requests();
        assert_eq!(requests.len(), 2);
        assert_eq!(requests[0].path_param("fiscal_code"), Some(FISCAL_CODE));
        assert_eq!(requests[1].operation_id.as_deref(), Some("submitMessageforUserWithFiscalCodeInBody"));
        assert_eq!(requests[1].body.as_ref().unwrap()["fiscal_code"], FISCAL_CODE);
        assert_eq!(requests[1].header(KEY), Some(SUBSCRIPTION_KEY));
    }

    #[tokio::test]
    async fn a_short_subject_is_a_violation_answered_400() {
        let io = app_io();
        let mut message = new_message();
        message["content"]["subject"] = json!("Hello");
        let sent = client().post(format!("{}/messages", io.base_url())).header(KEY, SUBSCRIPTION_KEY);
        let answer = sent.json(&message).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
        let body: serde_json::Value = answer.json().await.unwrap();
        let expected = r#"POST /messages: body /content/subject: "Hello" is shorter than 10 characters"#;
        assert_eq!(body["violations"], json!([expected]));
        assert_eq!(taken(&io), [expected]);
        assert!(!io.requests()[0].valid);
    }

    #[tokio::test]
    async fn a_missing_subscription_key_is_a_violation() {
        let io = app_io();
        let answer = client().post(format!("{}/messages", io.base_url())).json(&new_message()).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            taken(&io),
            ["POST /messages: security: missing credentials: header `Ocp-Apim-Subscription-Key` (SubscriptionKey)"]
        );
    }

    #[tokio::test]
    async fn a_wrong_path_is_a_violation() {
        let io = app_io();
        let wrong = client().get(format!("{}/profile/{FISCAL_CODE}", io.base_url())).header(KEY, SUBSCRIPTION_KEY);
        assert_eq!(wrong.send().await.unwrap().status(), StatusCode::BAD_REQUEST);
        let outside = client().get(format!("http://{}/profiles/{FISCAL_CODE}", io.address()));
        assert_eq!(outside.header(KEY, SUBSCRIPTION_KEY).send().await.unwrap().status(), StatusCode::BAD_REQUEST);
        let method = client().delete(format!("{}/profiles/{FISCAL_CODE}", io.base_url())).header(KEY, SUBSCRIPTION_KEY);
        assert_eq!(method.send().await.unwrap().status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            taken(&io),
            [
                "GET /api/v1/profile/SPNDNL80R13C555X: path: no operation of the document matches the path",
                "GET /profiles/SPNDNL80R13C555X: path: not below the base path `/api/v1`",
                "DELETE /api/v1/profiles/SPNDNL80R13C555X: method: the path has no DELETE operation (it has GET)",
            ]
        );
    }

    #[tokio::test]
    async fn an_invalid_fiscal_code_is_a_violation_in_the_path_and_in_the_body() {
        let io = app_io();
        let lowercase =
            client().get(format!("{}/profiles/spndnl80r13c555x", io.base_url())).header(KEY, SUBSCRIPTION_KEY);
        assert_eq!(lowercase.send().await.unwrap().status(), StatusCode::BAD_REQUEST);
        let mut message = new_message();
        message["fiscal_code"] = json!("SPNDNL80R13C555");
        let sent = client().post(format!("{}/messages", io.base_url())).header(KEY, SUBSCRIPTION_KEY);
        assert_eq!(sent.json(&message).send().await.unwrap().status(), StatusCode::BAD_REQUEST);
        let violations = taken(&io);
        assert_eq!(violations.len(), 2, "{violations:#?}");
        assert!(
            violations[0]
                .starts_with("GET /profiles/{fiscal_code}: path fiscal_code: \"spndnl80r13c555x\" does not match")
        );
        assert_eq!(violations[1], r#"POST /messages: body /fiscal_code: "SPNDNL80R13C555" is not a "FiscalCode""#);
    }

    fn gpd() -> SpecServer {
        let server = SpecServer::start(Spec::gpd_debt_positions().unwrap());
        server.default_fn("createPosition", |request| Reply::json(201, request.body.clone().unwrap_or_default()));
        server
    }

    async fn create_position(server: &SpecServer, query: &str, position: &serde_json::Value) -> StatusCode {
        let url = format!("{}/organizations/{ORGANIZATION}/debtpositions{query}", server.base_url());
        let sent = client().post(url).header(KEY, SUBSCRIPTION_KEY).json(position).send().await.unwrap();
        sent.status()
    }

    #[tokio::test]
    async fn a_valid_gpd_debt_position_passes() {
        let gpd = gpd();
        assert_eq!(
            create_position(&gpd, "?toPublish=true", &payment_position("77777777777-0001")).await,
            StatusCode::CREATED
        );
        gpd.assert_no_violations();
        let created = &gpd.requests_to("createPosition")[0];
        assert_eq!(created.query_param("toPublish"), Some("true"));
        assert_eq!(created.path_param("organizationfiscalcode"), Some(ORGANIZATION));
    }

    #[tokio::test]
    async fn a_missing_field_a_wrong_type_and_a_bad_query_value_are_violations() {
        let gpd = gpd();
        let mut position = payment_position("77777777777-0001");
        position.as_object_mut().unwrap().remove("companyName");
        position["paymentOption"][0]["amount"] = json!("50.00");
        assert_eq!(create_position(&gpd, "?toPublish=yes&topublish=true", &position).await, StatusCode::BAD_REQUEST);
        assert_eq!(
            taken(&gpd),
            [
                r#"POST /organizations/{organizationfiscalcode}/debtpositions: query toPublish: "yes" is not of type "boolean""#,
                "POST /organizations/{organizationfiscalcode}/debtpositions: query topublish: not a parameter of the operation",
                r#"POST /organizations/{organizationfiscalcode}/debtpositions: body: "companyName" is a required property"#,
                r#"POST /organizations/{organizationfiscalcode}/debtpositions: body /paymentOption/0/amount: "50.00" is not of type "integer""#,
            ]
        );
    }

    #[tokio::test]
    async fn a_body_must_be_json_with_a_documented_content_type() {
        let gpd = gpd();
        let url = format!("{}/organizations/{ORGANIZATION}/debtpositions", gpd.base_url());
        let text = client().post(&url).header(KEY, SUBSCRIPTION_KEY).header("Content-Type", "text/plain");
        assert_eq!(text.body("{}").send().await.unwrap().status(), StatusCode::BAD_REQUEST);
        let empty = client().post(&url).header(KEY, SUBSCRIPTION_KEY).send().await.unwrap();
        assert_eq!(empty.status(), StatusCode::BAD_REQUEST);
        let violations = taken(&gpd);
        assert_eq!(violations.len(), 2, "{violations:#?}");
        assert!(violations[0].ends_with("content type: `text/plain` is not one the document takes (application/json)"));
        assert!(violations[1].ends_with("body: required, missing"));
    }

    #[tokio::test]
    async fn an_iupd_outside_the_java_pattern_is_a_violation() {
        let gpd = gpd();
        gpd.default_reply("getOrganizationDebtPositionByIUPD", Reply::json(200, json!({ "iupd": "77777777777-0001" })));
        let base = format!("{}/organizations/{ORGANIZATION}/debtpositions", gpd.base_url());
        let good = client().get(format!("{base}/77777777777-0001")).header(KEY, SUBSCRIPTION_KEY).send().await.unwrap();
        assert_eq!(good.status(), StatusCode::OK);
        let dotted =
            client().get(format!("{base}/77777777777.0001")).header(KEY, SUBSCRIPTION_KEY).send().await.unwrap();
        assert_eq!(dotted.status(), StatusCode::BAD_REQUEST);
        let violations = taken(&gpd);
        assert_eq!(violations.len(), 1, "{violations:#?}");
        assert!(violations[0].contains("path iupd: \"77777777777.0001\" does not match"), "{violations:#?}");
    }

    #[tokio::test]
    async fn a_gpd_receipt_request_passes_with_either_credential() {
        let receipts = SpecServer::start(Spec::gpd_receipts().unwrap());
        receipts.default_reply("getReceiptByIUV", Reply::text(200, "application/xml", "<receipt/>"));
        let url = format!("{}/payments/{ORGANIZATION}/receipts/01000000000000001", receipts.base_url());
        let by_key = client().get(&url).header(KEY, SUBSCRIPTION_KEY).send().await.unwrap();
        assert_eq!(by_key.status(), StatusCode::OK);
        assert_eq!(by_key.text().await.unwrap(), "<receipt/>");
        let by_token = client().get(&url).bearer_auth("a.jwt.token").send().await.unwrap();
        assert_eq!(by_token.status(), StatusCode::OK);
        receipts.assert_no_violations();
        let neither = client().get(&url).send().await.unwrap();
        assert_eq!(neither.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            taken(&receipts),
            ["GET /payments/{organizationfiscalcode}/receipts/{iuv}: security: missing credentials: \
                 header `Ocp-Apim-Subscription-Key` (ApiKey), or `Authorization: Bearer …` (Authorization)"]
        );
    }
}
