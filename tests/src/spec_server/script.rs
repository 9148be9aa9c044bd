//! Scripted replies: what a test tells the server to answer, per `operationId`. A queue of replies is
//! used up first, then the operation's default, then `501`; seeded random failures (`500`) may come
//! first. A reply is a status with headers and a JSON or text body, a hang that never answers, or a
//! function of the recorded request.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use axum::http::{HeaderName, HeaderValue, StatusCode};
use serde_json::Value;

use super::record::RecordedRequest;

/// What the server answers.
#[derive(Debug, Clone)]
pub struct Reply {
    pub(super) action: Action,
    /// Whether the reply is checked against the operation's documented responses.
    pub(super) checked: bool,
}

#[derive(Debug, Clone)]
pub(super) enum Action {
    Respond {
        status: StatusCode,
        headers: Vec<(HeaderName, HeaderValue)>,
        body: ReplyBody,
    },
    /// Keep the connection open without answering until the client gives up or the server stops.
    Hang,
}

#[derive(Debug, Clone)]
pub(super) enum ReplyBody {
    Empty,
    Json(Value),
    Text { content_type: String, text: String },
}

impl Reply {
    /// A status with an empty body. Panics on a status outside 100–999.
    pub fn status(status: u16) -> Self {
        let status = StatusCode::from_u16(status).unwrap_or_else(|_| panic!("{status} is not an HTTP status"));
        Self { action: Action::Respond { status, headers: Vec::new(), body: ReplyBody::Empty }, checked: true }
    }

    /// A status with a JSON body (`Content-Type: application/json`).
    pub fn json(status: u16, body: Value) -> Self {
        Self::status(status).with_body(ReplyBody::Json(body))
    }

    /// A status with a text body of the given content type, e.g. `application/xml` for a receipt.
    pub fn text(status: u16, content_type: &str, text: impl Into<String>) -> Self {
        Self::status(status).with_body(ReplyBody::Text { content_type: content_type.to_owned(), text: text.into() })
    }

    /// Never answers: the connection stays open until the client gives up (its timeout) or the
    /// server is dropped.
    pub fn hang() -> Self {
        Self { action: Action::Hang, checked: false }
    }

    /// Adds a header, e.g. `Retry-After: 2`. Panics on an invalid name or value, or on a hang.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        let Action::Respond { headers, .. } = &mut self.action else { panic!("a hanging reply has no headers") };
        let name = HeaderName::try_from(name).unwrap_or_else(|_| panic!("`{name}` is not a header name"));
        let value = HeaderValue::try_from(value).unwrap_or_else(|_| panic!("`{value}` is not a header value"));
        headers.push((name, value));
        self
    }

    /// Not checked against the document: for answers the real service's gateway gives although the
    /// document does not list them, such as a `503`.
    pub fn unchecked(mut self) -> Self {
        self.checked = false;
        self
    }

    fn with_body(mut self, new: ReplyBody) -> Self {
        if let Action::Respond { body, .. } = &mut self.action {
            *body = new;
        }
        self
    }
}

/// A function computing the reply from the request, e.g. to echo the IUPD or answer `409` to an IUPD
/// already seen (keep that memory in a `Mutex` the function owns).
pub(super) type ReplyFn = Arc<dyn Fn(&RecordedRequest) -> Reply + Send + Sync>;

/// A scripted entry: a fixed reply or a function of the request.
#[derive(Clone)]
pub(super) enum Scripted {
    Fixed(Reply),
    Computed(ReplyFn),
}

impl Scripted {
    pub fn reply(&self, request: &RecordedRequest) -> Reply {
        match self {
            Self::Fixed(reply) => reply.clone(),
            Self::Computed(compute) => compute(request),
        }
    }
}

/// Which operations random failures hit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every operation.
    All,
    /// The operation with this `operationId`.
    Operation(String),
}

impl From<&str> for Scope {
    fn from(operation_id: &str) -> Self {
        Self::Operation(operation_id.to_owned())
    }
}

/// What the script says to do with a request.
pub(super) enum Decision {
    /// A random failure: answer `500`.
    Fail,
    /// This entry decides.
    Reply(Scripted),
    /// Nothing scripted: answer `501`.
    Unscripted,
}

/// The replies scripted for a server.
#[derive(Default)]
pub(super) struct Script {
    queues: HashMap<String, VecDeque<Scripted>>,
    defaults: HashMap<String, Scripted>,
    failures: Vec<RandomFailure>,
}

struct RandomFailure {
    scope: Scope,
    probability: f64,
    random: SplitMix64,
}

impl Script {
    pub fn enqueue(&mut self, operation_id: &str, entry: Scripted) {
        self.queues.entry(operation_id.to_owned()).or_default().push_back(entry);
    }

    pub fn set_default(&mut self, operation_id: &str, entry: Scripted) {
        self.defaults.insert(operation_id.to_owned(), entry);
    }

    /// Makes `probability` of the requests in `scope` fail, drawing from a generator seeded with
    /// `seed`; replaces an earlier rule for the same scope.
    pub fn fail_randomly(&mut self, scope: Scope, probability: f64, seed: u64) {
        assert!((0.0..=1.0).contains(&probability), "a probability is between 0 and 1, not {probability}");
        self.failures.retain(|rule| rule.scope != scope);
        self.failures.push(RandomFailure { scope, probability, random: SplitMix64(seed) });
    }

    /// Decides the answer to a valid request for `operation_id`. The rule for the operation, else the
    /// one for all, draws one number per request in its scope.
    pub fn next(&mut self, operation_id: &str) -> Decision {
        let rule = self.failures.iter().position(|r| r.scope == Scope::Operation(operation_id.to_owned()));
        let rule = rule.or_else(|| self.failures.iter().position(|r| r.scope == Scope::All));
        if let Some(rule) = rule.map(|index| &mut self.failures[index])
            && rule.random.next_f64() < rule.probability
        {
            return Decision::Fail;
        }
        match self.queues.get_mut(operation_id).and_then(VecDeque::pop_front) {
            Some(entry) => Decision::Reply(entry),
            None => self.defaults.get(operation_id).cloned().map_or(Decision::Unscripted, Decision::Reply),
        }
    }
}

/// SplitMix64: small, seeded, the same sequence on every platform.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::Mutex;
    use std::time::Duration;

    use reqwest::StatusCode;
    use serde_json::json;

    use super::super::examples::{FISCAL_CODE, ORGANIZATION, SUBSCRIPTION_KEY, client, new_message, payment_position};
    use super::super::{Reply, Scope, Spec, SpecServer, ViolationKind};

    const KEY: &str = "Ocp-Apim-Subscription-Key";

    async fn send_message(io: &SpecServer, client: &reqwest::Client) -> reqwest::Result<reqwest::Response> {
        client
            .post(format!("{}/messages", io.base_url()))
            .header(KEY, SUBSCRIPTION_KEY)
            .json(&new_message())
            .send()
            .await
    }

    async fn get_profile(io: &SpecServer) -> StatusCode {
        let sent = client().get(format!("{}/profiles/{FISCAL_CODE}", io.base_url())).header(KEY, SUBSCRIPTION_KEY);
        sent.send().await.unwrap().status()
    }

    #[tokio::test]
    async fn a_scripted_429_with_retry_after_comes_first_then_the_default_then_501_where_nothing_is_scripted() {
        let io = SpecServer::start(Spec::app_io().unwrap());
        let operation = "submitMessageforUserWithFiscalCodeInBody";
        io.script(operation, Reply::status(429).header("Retry-After", "2"));
        io.default_reply(operation, Reply::json(201, json!({ "id": "01HX" })).header("Location", "/api/v1/messages/x"));
        let throttled = send_message(&io, &client()).await.unwrap();
        assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(throttled.headers()["retry-after"], "2");
        for _ in 0..2 {
            let created = send_message(&io, &client()).await.unwrap();
            assert_eq!(created.status(), StatusCode::CREATED);
            assert_eq!(created.headers()["location"], "/api/v1/messages/x");
        }
        assert_eq!(get_profile(&io).await, StatusCode::NOT_IMPLEMENTED);
        io.assert_no_violations();
        assert_eq!(io.requests_to(operation).len(), 3);
    }

    #[tokio::test]
    async fn a_hanging_reply_makes_the_client_time_out() {
        let io = SpecServer::start(Spec::app_io().unwrap());
        let operation = "submitMessageforUserWithFiscalCodeInBody";
        io.script(operation, Reply::hang());
        io.default_reply(operation, Reply::json(201, json!({ "id": "01HX" })));
        let impatient = reqwest::Client::builder().timeout(Duration::from_millis(300)).build().unwrap();
        let error = send_message(&io, &impatient).await.unwrap_err();
        assert!(error.is_timeout(), "{error}");
        assert_eq!(send_message(&io, &impatient).await.unwrap().status(), StatusCode::CREATED);
    }

    async fn statuses_with_random_failures(scope: Scope, seed: u64) -> Vec<u16> {
        let io = SpecServer::start(Spec::app_io().unwrap());
        io.default_reply("getProfile", Reply::json(200, json!({ "sender_allowed": true })));
        io.fail_randomly(scope, 0.3, seed);
        let mut statuses = Vec::new();
        for _ in 0..200 {
            statuses.push(get_profile(&io).await.as_u16());
        }
        statuses
    }

    #[tokio::test]
    async fn random_failures_hit_about_the_asked_share_and_repeat_with_the_seed() {
        let first = statuses_with_random_failures("getProfile".into(), 42).await;
        let failures = first.iter().filter(|s| **s == 500).count();
        assert!((40..=80).contains(&failures), "{failures} of 200 failed, not about 60");
        assert!(first.iter().all(|s| [200, 500].contains(s)));
        assert_eq!(statuses_with_random_failures(Scope::All, 42).await, first);
        assert_ne!(statuses_with_random_failures("getProfile".into(), 7).await, first);
    }

    #[tokio::test]
    async fn a_reply_computed_from_the_request_can_echo_the_iupd_and_refuse_one_already_seen() {
        let gpd = SpecServer::start(Spec::gpd_debt_positions().unwrap());
        let seen = Mutex::new(HashSet::new());
        gpd.default_fn("createPosition", move |request| {
            let position = request.body.clone().unwrap_or_default();
            let iupd = position["iupd"].as_str().unwrap_or_default().to_owned();
            if seen.lock().unwrap().insert(iupd.clone()) {
                Reply::json(201, position)
            } else {
                Reply::json(409, json!({ "title": "Conflict", "status": 409, "detail": format!("{iupd} exists") }))
            }
        });
        let url = format!("{}/organizations/{ORGANIZATION}/debtpositions", gpd.base_url());
        let mut statuses = Vec::new();
        for iupd in ["77777777777-0001", "77777777777-0002", "77777777777-0001"] {
            let sent = client().post(&url).header(KEY, SUBSCRIPTION_KEY).json(&payment_position(iupd));
            let answer = sent.send().await.unwrap();
            statuses.push(answer.status().as_u16());
            if answer.status() == StatusCode::CREATED {
                assert_eq!(answer.json::<serde_json::Value>().await.unwrap()["iupd"], iupd);
            }
        }
        assert_eq!(statuses, [201, 201, 409]);
        gpd.assert_no_violations();
    }

    #[tokio::test]
    async fn a_scripted_reply_the_document_does_not_allow_is_a_reply_violation() {
        let gpd = SpecServer::start(Spec::gpd_debt_positions().unwrap());
        gpd.script("createPosition", Reply::json(201, json!({ "iupd": 1 })));
        gpd.script("createPosition", Reply::status(503));
        gpd.script("createPosition", Reply::status(503).unchecked());
        let url = format!("{}/organizations/{ORGANIZATION}/debtpositions", gpd.base_url());
        for expected in [201, 503, 503] {
            let sent = client().post(&url).header(KEY, SUBSCRIPTION_KEY).json(&payment_position("77777777777-0001"));
            assert_eq!(sent.send().await.unwrap().status().as_u16(), expected);
        }
        let violations = gpd.take_violations();
        assert!(violations.iter().all(|v| v.kind == ViolationKind::Reply), "{violations:#?}");
        let texts: Vec<String> = violations.iter().map(ToString::to_string).collect();
        let operation = "POST /organizations/{organizationfiscalcode}/debtpositions";
        assert_eq!(texts.len(), 7, "five required properties missing, a wrong type, a status: {texts:#?}");
        assert_eq!(texts[0], format!("{operation}: reply 201 body: \"companyName\" is a required property"));
        assert_eq!(texts[5], format!("{operation}: reply 201 body /iupd: 1 is not of type \"string\""));
        assert_eq!(
            texts[6],
            format!("{operation}: reply 503: status not documented (documented: 201, 400, 401, 403, 409, 500)")
        );
    }

    #[test]
    #[should_panic(expected = "`getProfil` is not an operationId")]
    fn scripting_an_unknown_operation_panics() {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let _entered = runtime.enter();
        SpecServer::start(Spec::app_io().unwrap()).script("getProfil", Reply::status(200));
    }
}
