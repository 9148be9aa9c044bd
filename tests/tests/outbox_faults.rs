//! The outbox under faults, end to end: the real `sportello serve --dev` process delivers the
//! notifications of records-access requests to an App IO spec server that fails requests at random,
//! and is killed with SIGKILL and restarted while deliveries are under way. Every message still
//! arrives, always under the one idempotency key of its outbox row, and an effect becomes an incident
//! only once its retry budget is spent. SQLite always, PostgreSQL when `TEST_POSTGRES_URL` is set.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value as Json, json};
use sportello_api::auth::DevAuth;
use sportello_api::auth::dev::{DevClaims, DevRole, issue};
use sportello_runtime::clock::SystemClock;
use sportello_store::{EffectRecord, OutboxKind, OutboxStatus, Store, StoreOptions, case_id_from_code};
use sportello_tests::app::{CITIZEN_A, CITIZEN_B};
use sportello_tests::spec_server::{Reply, Scope, Spec, SpecServer};

const PROFILE: &str = "getProfileByPOST";
const SEND: &str = "submitMessageforUserWithFiscalCodeInBody";
/// The subject of the records-access `received` notification, which `submit` writes.
const SUBJECT: &str = "Richiesta di accesso agli atti ricevuta";
/// How long the outbox may take to settle after the last request.
const SETTLE: Duration = Duration::from_secs(60);

/// A message App IO accepted with a 201.
#[derive(Debug, Clone)]
struct Accepted {
    idempotency_key: String,
    fiscal_code: String,
    subject: String,
    markdown: String,
    message_id: String,
}

/// An App IO spec server on which every citizen allows the service and every message is accepted,
/// except where `fail_randomly` says otherwise; it keeps the messages it accepted.
fn app_io() -> (SpecServer, Arc<Mutex<Vec<Accepted>>>) {
    let io = SpecServer::start(Spec::app_io().unwrap());
    io.default_reply(PROFILE, Reply::json(200, json!({ "sender_allowed": true })));
    let accepted = Arc::new(Mutex::new(Vec::<Accepted>::new()));
    let kept = Arc::clone(&accepted);
    io.default_fn(SEND, move |request| {
        let body = request.body.clone().unwrap_or_default();
        let mut kept = kept.lock().unwrap();
        let message_id = format!("01HXSPORTELLO{:013}", kept.len());
        kept.push(Accepted {
            idempotency_key: request.header("idempotency-key").unwrap_or_default().to_owned(),
            fiscal_code: body["fiscal_code"].as_str().unwrap_or_default().to_owned(),
            subject: body["content"]["subject"].as_str().unwrap_or_default().to_owned(),
            markdown: body["content"]["markdown"].as_str().unwrap_or_default().to_owned(),
            message_id: message_id.clone(),
        });
        Reply::json(201, json!({ "id": message_id }))
    });
    (io, accepted)
}

/// Writes the settings file: App IO at `io`, fake webhooks (records-access also calls the protocol
/// register), the workflows folder of the repository, and `outbox` as the `[outbox]` table.
fn settings_file(folder: &Path, io: &SpecServer, outbox: &str) -> PathBuf {
    let workflows = Path::new(env!("CARGO_MANIFEST_DIR")).join("../workflows");
    let text = format!(
        r#"
dev_key_file = {key:?}
dev_cases = false
workflows = {workflows:?}

[limits]
requests_per_minute = 0

[hooks.app_io]
provider = "http"
base_url = "{io}"
subscription_key = "outbox-faults-subscription-key"
timeout_seconds = 1

[hooks.webhooks]
provider = "fake"

[web]
session_key_file = {session_key:?}

[documents]
folder = {documents:?}

[outbox]
{outbox}
"#,
        key = folder.join("dev.key").display().to_string(),
        session_key = folder.join("session.key").display().to_string(),
        documents = folder.join("documents").display().to_string(),
        workflows = workflows.display().to_string(),
        io = io.base_url(),
    );
    let file = folder.join("sportello.toml");
    std::fs::write(&file, text).unwrap();
    file
}

/// A `sportello serve --dev` process, killed with SIGKILL when dropped.
struct Server {
    child: Child,
    address: String,
}

impl Server {
    /// Starts the process and waits until it says where it listens.
    fn start(database: &str, settings: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sportello-e2e"))
            .args(["serve", "--dev", "--listen", "127.0.0.1:0", "--database", database, "--config"])
            .arg(settings)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the server starts");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines().map_while(Result::ok);
        let mut said = Vec::new();
        let address = lines.find_map(|line| {
            let address = line
                .strip_prefix("sportello: listening on http://")
                .map(|rest| rest.split(' ').next().unwrap_or_default().to_owned());
            said.push(line);
            address
        });
        let Some(address) = address else {
            let _ = child.kill();
            panic!("the server stopped before listening:\n{}", said.join("\n"));
        };
        // Keep draining its output so it never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Server { child, address }
    }

    /// SIGKILL: no chance to finish a delivery or record its outcome.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A citizen drafting and submitting records-access requests through the API.
struct Citizen {
    fiscal_code: &'static str,
    token: String,
}

impl Citizen {
    fn new(key_file: &Path, fiscal_code: &'static str) -> Citizen {
        let claims =
            DevClaims { role: DevRole::Citizen, fiscal_code: Some(fiscal_code.into()), user: None, offices: vec![] };
        let token = issue(&DevAuth { key_file: key_file.to_owned() }, claims, Duration::from_secs(3600)).unwrap();
        Citizen { fiscal_code, token }
    }

    /// Opens a request and submits it, which writes a `received` notification; returns its code.
    async fn submit_request(&self, client: &reqwest::Client, server: &Server) -> String {
        let base = format!("http://{}/api/v1", server.address);
        let opened = client
            .post(format!("{base}/cases"))
            .bearer_auth(&self.token)
            .json(&json!({ "workflow": "records-access" }))
            .send()
            .await
            .unwrap();
        assert_eq!(opened.status(), StatusCode::CREATED);
        let code = opened.json::<Json>().await.unwrap()["code"].as_str().unwrap().to_owned();
        let submitted = client
            .post(format!("{base}/cases/{code}/transitions/submit"))
            .bearer_auth(&self.token)
            .json(&json!({
                "applicant_fiscal_code": self.fiscal_code,
                "requested_records": format!("Verbale della commissione edilizia, richiesta {code}"),
                "reason": "Tutela di un interesse diretto: confinante del lotto",
                "access_mode": "digital_copy",
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(submitted.status(), StatusCode::OK, "{}", submitted.text().await.unwrap_or_default());
        code
    }
}

/// The effects of each case, by code.
async fn effects(store: &Store, cases: &[(String, &str)]) -> BTreeMap<String, Vec<EffectRecord>> {
    let mut all = BTreeMap::new();
    for (code, _) in cases {
        all.insert(code.clone(), store.case_effects(case_id_from_code(code).unwrap()).await.unwrap());
    }
    all
}

/// Polls the database until no effect of `cases` is pending; panics after [`SETTLE`].
async fn settled(store: &Store, cases: &[(String, &str)], backend: &str) -> BTreeMap<String, Vec<EffectRecord>> {
    let started = Instant::now();
    loop {
        let effects = effects(store, cases).await;
        let pending = effects.values().flatten().filter(|e| e.status == OutboxStatus::Pending).count();
        if pending == 0 {
            return effects;
        }
        assert!(started.elapsed() < SETTLE, "{backend}: {pending} effects still pending after {SETTLE:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_message_is_delivered_under_one_key_when_app_io_fails_half_the_time_and_the_process_is_killed() {
    const CASES: usize = 40;
    const DELIVERED_BEFORE_KILL: usize = 5;
    let folder = tempfile::tempdir().unwrap();
    for (backend, url) in sportello_tests::database::urls(folder.path(), "outbox_faults_sigkill").await.unwrap() {
        let (io, accepted) = app_io();
        io.fail_randomly(Scope::All, 0.5, 20_260_302);
        // A notification is two requests (profile, then message), so an attempt succeeds one time in
        // four: 60 attempts all fail with probability 0.75^60, about 3·10⁻⁸.
        let outbox = "retry_budget = 60\nretry_base_seconds = 0.05\nretry_max_seconds = 0.5\n\
                      poll_seconds = 0.05\nlease_seconds = 3";
        let settings = settings_file(folder.path(), &io, outbox);
        let key_file = folder.path().join("dev.key");
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();

        // Half the requests, then a SIGKILL once some of their messages arrived.
        let server = Server::start(&url, &settings);
        let citizens = [Citizen::new(&key_file, CITIZEN_A), Citizen::new(&key_file, CITIZEN_B)];
        let mut cases: Vec<(String, &str)> = Vec::new();
        for n in 0..CASES / 2 {
            let citizen = &citizens[n % 2];
            cases.push((citizen.submit_request(&client, &server).await, citizen.fiscal_code));
        }
        let started = Instant::now();
        while distinct_messages(&accepted) < DELIVERED_BEFORE_KILL {
            assert!(started.elapsed() < SETTLE, "{backend}: fewer than {DELIVERED_BEFORE_KILL} messages arrived");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        server.kill();
        let store = Store::connect(&StoreOptions::new(&url), Arc::new(SystemClock)).await.unwrap();
        let undelivered = effects(&store, &cases)
            .await
            .values()
            .flatten()
            .filter(|e| e.kind == OutboxKind::Notify && e.status == OutboxStatus::Pending)
            .count();
        assert!(undelivered > 0, "{backend}: every message was delivered before the kill; nothing was cut short");

        // The other half on the restarted process, which also finishes what the first left.
        let server = Server::start(&url, &settings);
        for n in CASES / 2..CASES {
            let citizen = &citizens[n % 2];
            cases.push((citizen.submit_request(&client, &server).await, citizen.fiscal_code));
        }
        let effects = settled(&store, &cases, backend).await;
        server.kill();

        let accepted = accepted.lock().unwrap().clone();
        let mut keys_by_message: BTreeMap<(&str, &str, &str), BTreeSet<&str>> = BTreeMap::new();
        for message in &accepted {
            let content = (message.fiscal_code.as_str(), message.subject.as_str(), message.markdown.as_str());
            keys_by_message.entry(content).or_default().insert(&message.idempotency_key);
        }
        for ((fiscal_code, _, markdown), keys) in &keys_by_message {
            assert_eq!(keys.len(), 1, "{backend}: one message for {fiscal_code} went under {keys:?}:\n{markdown}");
        }
        let keys: BTreeSet<&str> = keys_by_message.values().flatten().copied().collect();
        assert_eq!(keys.len(), keys_by_message.len(), "{backend}: two different messages share a key");
        assert_eq!(keys_by_message.len(), CASES, "{backend}: one message per notify effect, no other");
        for (code, fiscal_code) in &cases {
            let case_effects = &effects[code];
            let statuses: Vec<_> = case_effects.iter().map(|e| (e.kind, e.status)).collect();
            let delivered = |kind| (kind, OutboxStatus::Delivered);
            assert_eq!(statuses, [delivered(OutboxKind::Webhook), delivered(OutboxKind::Notify)], "{backend}: {code}");
            // The message App IO accepted for this case, and the outbox row recorded its id.
            let mine: Vec<&Accepted> = accepted
                .iter()
                .filter(|m| m.fiscal_code == *fiscal_code && m.subject == SUBJECT && m.markdown.contains(code.as_str()))
                .collect();
            assert!(!mine.is_empty(), "{backend}: no message for {code} was accepted");
            let recorded = case_effects[1].result.as_ref().unwrap();
            assert_eq!(recorded["channel"], "app_io", "{backend}: {code}");
            assert!(
                mine.iter().any(|m| recorded["message_id"] == m.message_id.as_str()),
                "{backend}: {code} recorded {recorded} but App IO accepted {mine:?}"
            );
        }
        assert_eq!(
            store.incidents(&["segreteria".to_owned()], 1_000).await.unwrap(),
            [],
            "{backend}: an incident before the budget was spent"
        );
        io.assert_no_violations();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_app_io_always_refuses_becomes_an_incident_after_exactly_the_budget_of_attempts() {
    const CASES: usize = 5;
    const BUDGET: usize = 2;
    let folder = tempfile::tempdir().unwrap();
    for (backend, url) in sportello_tests::database::urls(folder.path(), "outbox_faults_budget").await.unwrap() {
        let (io, accepted) = app_io();
        // Every message fails; the profile is read, so that each attempt reaches the message.
        io.fail_randomly(SEND, 1.0, 20_260_302);
        let outbox = format!(
            "retry_budget = {BUDGET}\nretry_base_seconds = 0.05\nretry_max_seconds = 0.5\n\
             poll_seconds = 0.05\nlease_seconds = 3"
        );
        let settings = settings_file(folder.path(), &io, &outbox);
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
        let server = Server::start(&url, &settings);
        let citizen = Citizen::new(&folder.path().join("dev.key"), CITIZEN_A);
        let mut cases: Vec<(String, &str)> = Vec::new();
        for _ in 0..CASES {
            cases.push((citizen.submit_request(&client, &server).await, citizen.fiscal_code));
        }

        let store = Store::connect(&StoreOptions::new(&url), Arc::new(SystemClock)).await.unwrap();
        let effects = settled(&store, &cases, backend).await;
        server.kill();

        assert!(accepted.lock().unwrap().is_empty(), "{backend}: a message was accepted");
        let mut attempts_by_key: BTreeMap<String, usize> = BTreeMap::new();
        for request in io.requests_to(SEND) {
            *attempts_by_key.entry(request.header("idempotency-key").unwrap().to_owned()).or_default() += 1;
        }
        assert_eq!(attempts_by_key.len(), CASES, "{backend}: one key per notify effect: {attempts_by_key:?}");
        assert!(attempts_by_key.values().all(|n| *n == BUDGET), "{backend}: {attempts_by_key:?}");
        for (code, _) in &cases {
            let notify = effects[code].iter().find(|e| e.kind == OutboxKind::Notify).unwrap();
            assert_eq!(
                (notify.status, notify.attempts as usize),
                (OutboxStatus::Incident, BUDGET),
                "{backend}: {code}"
            );
            let trail = store.audit_trail(case_id_from_code(code).unwrap()).await.unwrap();
            let incident: Vec<&Json> = trail.iter().map(|e| &e.body).filter(|b| b["command"] == "outbox").collect();
            assert_eq!(incident.len(), 1, "{backend}: {code}");
            assert_eq!(incident[0]["outcome"], "incident");
            assert_eq!(incident[0]["attempts"], BUDGET);
        }
        let incidents = store.incidents(&["segreteria".to_owned()], 1_000).await.unwrap();
        assert_eq!(incidents.len(), CASES, "{backend}");
        assert!(
            incidents.iter().all(|i| i.effect.kind == OutboxKind::Notify && i.effect.name == "received"),
            "{backend}"
        );
        io.assert_no_violations();
    }
}

/// How many different messages App IO accepted so far.
fn distinct_messages(accepted: &Mutex<Vec<Accepted>>) -> usize {
    accepted.lock().unwrap().iter().map(|m| m.markdown.clone()).collect::<BTreeSet<_>>().len()
}
