//! The real server for tests: [`TestApp::spawn`] migrates a fresh database, deploys `workflows/`,
//! builds the real [`Application`] on port 0 with a manual clock, dev-mode sign-in and a test
//! integration, and serves it in the background until the `TestApp` is dropped. Timers do not run by
//! themselves: a test moves the clock with [`TestApp::advance_days`] and fires them with
//! [`TestApp::fire_timers`], so nothing sleeps.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use jiff::SignedDuration;
use jiff::civil::Date;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::Value as Json;
use sportello_api::auth::dev::{DevClaims, DevRole, issue};
use sportello_api::auth::{Authenticator, DevAuth};
use sportello_api::config::Settings;
use sportello_api::hooks::EngineFakes;
use sportello_api::integrations::IntegrationSettings;
use sportello_api::startup::{Application, Dependencies};
use sportello_hooks::deliver::{Deliverer, Round};
use sportello_hooks::poll::Poll;
use sportello_runtime::clock::ManualClock;
use sportello_store::{Store, StoreOptions};
use tokio::sync::oneshot;

/// The bearer token of the test integration, allowed to deliver `payment.paid` and `documents.received`.
pub const INTEGRATION_TOKEN: &str = "test-integration-token-0123456789abcdef";

/// A valid fiscal code for citizen A.
pub const CITIZEN_A: &str = "RSSMRA85T10A562S";
/// A valid fiscal code for citizen B.
pub const CITIZEN_B: &str = "BNCGNN80A01F205W";

/// `[hooks.pagopa]` on the fake provider, as `sportello.dev.toml` has it.
pub fn fake_pagopa_settings() -> Json {
    serde_json::json!({
        "provider": "fake",
        "creditor_fiscal_code": "00221940364",
        "creditor_name": "Comune di Modena",
        "segregation_code": "01",
    })
}

/// Only pagoPA on its fake, so notices are created (a `configure` for [`TestApp::each_with`]).
pub fn fake_pagopa(settings: &mut Settings) {
    settings.hooks =
        serde_json::from_value(serde_json::json!({"pagopa": fake_pagopa_settings()})).expect("valid hooks settings");
}

/// A running server.
pub struct TestApp {
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// The database's URL.
    pub database_url: String,
    /// The store the server uses.
    pub store: Store,
    /// The server's clock.
    pub clock: ManualClock,
    /// The application's state, for what the server's workers do on their own schedule (tidying).
    pub state: sportello_api::state::AppState,
    /// An HTTP client.
    pub client: reqwest::Client,
    dev: DevAuth,
    deliverer: Deliverer,
    stop: Option<oneshot::Sender<()>>,
    db_dir: Option<tempfile::TempDir>,
    _dir: tempfile::TempDir,
}

/// A response read whole.
#[derive(Debug)]
pub struct Answer {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: reqwest::header::HeaderMap,
    /// The body as JSON (`null` when empty or not JSON).
    pub json: Json,
    /// The body as text.
    pub text: String,
}

impl Answer {
    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The problem code of an error answer.
    pub fn code(&self) -> &str {
        self.json["code"].as_str().unwrap_or_default()
    }
}

impl TestApp {
    /// One server per backend this run offers (SQLite always, PostgreSQL with `TEST_POSTGRES_URL`).
    pub async fn each(name: &str, today: Date) -> Vec<TestApp> {
        TestApp::each_with(name, today, |_| {}).await
    }

    /// Like [`TestApp::each`], with the settings changed by `configure` first (its `[hooks]` say where
    /// [`TestApp::deliver`] delivers the outbox).
    pub async fn each_with(name: &str, today: Date, configure: impl Fn(&mut Settings)) -> Vec<TestApp> {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let mut apps = Vec::new();
        for (backend, url) in crate::database::urls(dir.path(), name).await.expect("test databases") {
            apps.push(TestApp::spawn_with(backend, &url, today, &configure).await);
        }
        // The SQLite file lives in `dir`: the first app keeps it.
        if let Some(first) = apps.first_mut() {
            first.db_dir = Some(dir);
        }
        apps
    }

    /// A server on `url`, with the clock on `today` (09:00 in Rome).
    pub async fn spawn(backend: &'static str, url: &str, today: Date) -> TestApp {
        TestApp::spawn_with(backend, url, today, &|_| {}).await
    }

    /// Like [`TestApp::spawn`], with the settings changed by `configure` first.
    pub async fn spawn_with(
        backend: &'static str,
        url: &str,
        today: Date,
        configure: &dyn Fn(&mut Settings),
    ) -> TestApp {
        if std::env::var_os("TEST_LOG").is_some() {
            sportello_api::telemetry::init(true);
        }
        let dir = tempfile::tempdir().expect("a temporary folder");
        let clock = ManualClock::at_day(today);
        let store = Store::connect(&StoreOptions::new(url), Arc::new(clock.clone())).await.expect("the test database");
        store.migrate_up().await.expect("migrations run");
        for entry in std::fs::read_dir(workflows_folder()).expect("the workflows folder") {
            let path = entry.expect("a folder entry").path();
            let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
            if let Some(stem) = name.strip_suffix(".yaml").filter(|n| !n.ends_with(".test")) {
                let source = std::fs::read_to_string(&path).expect("a workflow file");
                store.deploy(&source, Some(stem)).await.expect("the shipped workflows deploy");
            }
        }
        let dev = DevAuth { key_file: dir.path().join("dev.key") };
        let mut settings = Settings::in_process(dev.key_file.clone());
        settings.limits.body_bytes = 64 * 1024;
        settings.integrations.insert(
            "test".to_owned(),
            IntegrationSettings {
                token: INTEGRATION_TOKEN.to_owned(),
                events: vec!["payment.paid".into(), "documents.received".into()],
            },
        );
        configure(&mut settings);
        let auth = Authenticator::new(settings.auth.clone(), Some(dev.clone())).expect("the sign-in settings");
        let hooks = sportello_api::hooks::build(&settings.hooks, false, &EngineFakes).expect("the [hooks] settings");
        let deliverer = settings.deliverer(store.clone(), hooks.clone());
        let app =
            Application::build(&settings, Dependencies { store: store.clone(), auth, hooks }).await.expect("the app");
        let address = format!("http://127.0.0.1:{}", app.port());
        let state = app.state().clone();
        let (stop, stopped) = oneshot::channel();
        tokio::spawn(app.run_until_stopped(async move {
            let _ = stopped.await;
        }));
        TestApp {
            backend,
            address,
            database_url: url.to_owned(),
            state,
            store,
            clock,
            client: reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("a client"),
            dev,
            deliverer,
            stop: Some(stop),
            db_dir: None,
            _dir: dir,
        }
    }

    /// A citizen's token.
    pub fn citizen(&self, fiscal_code: &str) -> String {
        let claims =
            DevClaims { role: DevRole::Citizen, fiscal_code: Some(fiscal_code.into()), user: None, offices: vec![] };
        issue(&self.dev, claims, Duration::from_secs(3600)).expect("a dev token")
    }

    /// A clerk's token for `offices`.
    pub fn clerk(&self, user: &str, offices: &[&str]) -> String {
        let claims = DevClaims {
            role: DevRole::Clerk,
            fiscal_code: None,
            user: Some(user.into()),
            offices: offices.iter().map(|o| o.to_string()).collect(),
        };
        issue(&self.dev, claims, Duration::from_secs(3600)).expect("a dev token")
    }

    /// A token of a member of staff holding `roles` in `offices` (the dev sign-in gives one role per
    /// token; a workflow's other roles, such as a head of office, need this).
    pub fn staff(&self, user: &str, roles: &[&str], offices: &[&str]) -> String {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let claims = serde_json::json!({
            "iss": "sportello-dev", "sub": user, "iat": now, "exp": now + 3600,
            "roles": roles, "offices": offices, "name": user,
        });
        let key = jsonwebtoken::EncodingKey::from_secret(&self.dev_secret());
        jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256), &claims, &key)
            .expect("a staff token")
    }

    /// An analyst's token.
    pub fn analyst(&self) -> String {
        let claims =
            DevClaims { role: DevRole::Analyst, fiscal_code: None, user: Some("analyst".into()), offices: vec![] };
        issue(&self.dev, claims, Duration::from_secs(3600)).expect("a dev token")
    }

    /// The dev signing secret (for tests that forge tokens).
    pub fn dev_secret(&self) -> Vec<u8> {
        std::fs::read(&self.dev.key_file).expect("the dev key file")
    }

    /// A request to `path` (under the server root) with an optional bearer token.
    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let builder = self.client.request(method, format!("{}{path}", self.address));
        match token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    /// Sends and reads the whole answer.
    pub async fn send(&self, request: RequestBuilder) -> Answer {
        let response = request.send().await.expect("the server answers");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("a body");
        let json = serde_json::from_str(&text).unwrap_or(Json::Null);
        Answer { status, headers, json, text }
    }

    /// GET with a token.
    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.send(self.request(Method::GET, path, Some(token))).await
    }

    /// POST JSON with a token.
    pub async fn post(&self, path: &str, token: &str, body: &Json) -> Answer {
        self.send(self.request(Method::POST, path, Some(token)).json(body)).await
    }

    /// Opens a case of `workflow` as the citizen and returns its code.
    pub async fn open_case(&self, workflow: &str, fiscal_code: &str, data: Json) -> String {
        let answer = self
            .post("/api/v1/cases", &self.citizen(fiscal_code), &serde_json::json!({"workflow": workflow, "data": data}))
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}: {}", self.backend, answer.text);
        answer.json["code"].as_str().expect("a case code").to_owned()
    }

    /// Applies a transition and returns the answer. When the input names no `documents`, the documents
    /// the transition requires (its `min` of each type) are uploaded first as the same caller, small
    /// generated PDFs, and attached: tests of other things need not build a case file. Tests of the
    /// case file name their own, or post the transition themselves.
    pub async fn apply(&self, code: &str, transition: &str, token: &str, input: Json) -> Answer {
        let mut input = input;
        if input.get("documents").is_none()
            && let Some(documents) = self.sample_documents(code, transition, token).await
        {
            if !input.is_object() {
                input = serde_json::json!({});
            }
            input["documents"] = documents;
        }
        self.post(&format!("/api/v1/cases/{code}/transitions/{transition}"), token, &input).await
    }

    /// Uploads the documents `transition` requires on case `code` as generated PDFs, and gives the
    /// input key that attaches them; `None` when it requires none (or the case is not there).
    pub async fn sample_documents(&self, code: &str, transition: &str, token: &str) -> Option<Json> {
        let summary = self.store.case_summary(sportello_store::case_id_from_code(code)?).await.ok()?;
        let definition = self.store.definition(&summary.workflow, Some(summary.workflow_version)).await.ok()?;
        let required = sportello_api::sample_documents::required(&definition, transition, code);
        if required.is_empty() {
            return None;
        }
        let mut ids = serde_json::Map::new();
        for (doc_type, name, bytes) in required {
            let uploaded = self.upload(code, token, &doc_type, &name, bytes).await;
            assert_eq!(uploaded.status, StatusCode::CREATED, "{}: {}", self.backend, uploaded.text);
            let list = ids.entry(doc_type).or_insert_with(|| Json::Array(Vec::new()));
            if let Some(list) = list.as_array_mut() {
                list.push(uploaded.json["id"].clone());
            }
        }
        Some(Json::Object(ids))
    }

    /// Uploads `bytes` as a document of `doc_type` named `name` to case `code`.
    pub async fn upload(&self, code: &str, token: &str, doc_type: &str, name: &str, bytes: Vec<u8>) -> Answer {
        let path = format!("/api/v1/cases/{code}/documents");
        let request = self.request(Method::POST, &path, Some(token)).query(&[("type", doc_type), ("name", name)]);
        self.send(request.header("content-type", "application/octet-stream").body(bytes)).await
    }

    /// The folder the server keeps documents in (the local store's, under the test's folder).
    pub fn documents_folder(&self) -> PathBuf {
        self.dev.key_file.with_extension("documents")
    }

    /// Moves the server's clock on by `days` calendar days.
    pub fn advance_days(&self, days: i64) {
        self.clock.advance(SignedDuration::from_hours(24 * days));
    }

    /// Fires every due timer, as the worker would.
    pub async fn fire_timers(&self) -> usize {
        self.store.fire_due_timers(10_000).await.expect("timers fire").fired
    }

    /// Delivers the outbox as the worker would, round after round until one finds nothing due now;
    /// returns what the rounds did, added up.
    pub async fn deliver(&self) -> Round {
        let mut total = Round::default();
        loop {
            let round = self.deliverer.round(100).await.expect("an outbox round");
            if round == Round::default() {
                return total;
            }
            total.delivered += round.delivered;
            total.retried += round.retried;
            total.incidents += round.incidents;
            total.postponed += round.postponed;
        }
    }

    /// Asks pagoPA about the open payments, as the worker does every `hooks.pagopa.poll_seconds`.
    pub async fn poll_payments(&self) -> Poll {
        self.deliverer.poll_payments(100).await.expect("a polling pass")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn workflows_folder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../workflows")
}
