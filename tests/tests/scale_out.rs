//! Scale-out on PostgreSQL: three `sportello serve` processes started together on one empty database
//! (they set it up one at a time), each with its timer worker, under concurrent load from clients
//! spread over all three. Afterwards every acknowledged transition is in the database, every timer
//! fired exactly once (one timer entry per case), and every audit chain verifies. Needs `TEST_POSTGRES_URL` (CI sets it); SQLite is one process by design.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value as Json, json};
use sportello_api::auth::DevAuth;
use sportello_api::auth::dev::{DevClaims, DevRole, issue};
use sportello_runtime::clock::SystemClock;
use sportello_store::{Store, StoreOptions, case_id_from_code};
use sportello_tests::app::CITIZEN_A;

const PROCESSES: usize = 3;
const CLIENTS: usize = 8;
const CASES_PER_CLIENT: usize = 12;

struct Server {
    child: Child,
    address: String,
}

fn spawn(url: &str, folder: &std::path::Path, key_file: &std::path::Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_sportello-e2e"))
        .args(["serve", "--dev", "--listen", "127.0.0.1:0", "--database", url, "--workflows"])
        .arg(folder)
        .env("SPORTELLO_DEV_KEY_FILE", key_file)
        .env("SPORTELLO_WEB__SESSION_KEY_FILE", key_file.with_extension("session.key"))
        .env("SPORTELLO_WORKER_POLL_SECONDS", "0.05")
        .env("SPORTELLO_DOCUMENTS__FOLDER", key_file.with_extension("documents"))
        .env("RUST_LOG", "warn")
        .stderr(Stdio::piped())
        .spawn()
        .expect("the server starts")
}

/// Waits until the server says where it listens; panics with what it said if it stops first.
fn listening(mut child: Child) -> Server {
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines().map_while(Result::ok);
    let mut said = Vec::new();
    let address = lines.find_map(|l| {
        let address = l
            .strip_prefix("sportello: listening on http://")
            .map(|r| r.split(' ').next().unwrap_or_default().to_owned());
        said.push(l);
        address
    });
    let Some(address) = address else { panic!("a server stopped before listening:\n{}", said.join("\n")) };
    // Keep draining its output so it never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    Server { child, address }
}

#[tokio::test]
async fn three_servers_on_one_postgresql_database_behave_as_one_system() {
    let folder = tempfile::tempdir().unwrap();
    let Some((_, url)) = sportello_tests::database::urls(folder.path(), "scale_out")
        .await
        .unwrap()
        .into_iter()
        .find(|(backend, _)| *backend == "postgres")
    else {
        eprintln!("scale_out: TEST_POSTGRES_URL is not set; this test needs PostgreSQL");
        return;
    };
    let workflows = folder.path().join("workflows");
    std::fs::create_dir(&workflows).unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(root.join("fixtures/past-deadline.yaml"), workflows.join("past-deadline.yaml")).unwrap();
    std::fs::copy(root.join("../workflows/records-access.yaml"), workflows.join("records-access.yaml")).unwrap();
    let key_file = folder.path().join("dev.key");

    // All start at once on an empty schema: one migrates and deploys while the others wait for the
    // setup lock, then find the work done.
    let children: Vec<Child> = (0..PROCESSES).map(|_| spawn(&url, &workflows, &key_file)).collect();
    let servers: Vec<Server> = children.into_iter().map(listening).collect();
    let addresses: Vec<String> = servers.iter().map(|s| s.address.clone()).collect();
    let dev = DevAuth { key_file: key_file.clone() };
    let citizen = issue(
        &dev,
        DevClaims { role: DevRole::Citizen, fiscal_code: Some(CITIZEN_A.into()), user: None, offices: vec![] },
        Duration::from_secs(3600),
    )
    .unwrap();
    let clerk = issue(
        &dev,
        DevClaims {
            role: DevRole::Clerk,
            fiscal_code: None,
            user: Some("m.bianchi".into()),
            offices: vec!["segreteria".into(), "protocollo".into()],
        },
        Duration::from_secs(3600),
    )
    .unwrap();

    let client = reqwest::Client::new();
    let mut clients = tokio::task::JoinSet::new();
    for c in 0..CLIENTS {
        let (client, addresses, citizen, clerk) = (client.clone(), addresses.clone(), citizen.clone(), clerk.clone());
        clients.spawn(async move {
            let mut acknowledged: Vec<(String, u64)> = Vec::new();
            let mut lapsing = Vec::new();
            for n in 0..CASES_PER_CLIENT {
                let server = &addresses[(c + n) % addresses.len()];
                let post = |path: String, token: &str, body: Json| {
                    client.post(format!("http://{server}{path}")).bearer_auth(token).json(&body).send()
                };
                // A case whose deadline passed: some worker, in some process, fires it.
                let opened = post(
                    "/api/v1/cases".into(),
                    &citizen,
                    json!({"workflow": "past-deadline", "data": {"lapse_on": "2026-01-02"}}),
                )
                .await
                .unwrap();
                assert_eq!(opened.status(), StatusCode::CREATED);
                let body: Json = opened.json().await.unwrap();
                lapsing.push(body["code"].as_str().unwrap().to_owned());
                // A records-access case moved by citizen and clerk through different processes.
                let opened =
                    post("/api/v1/cases".into(), &citizen, json!({"workflow": "records-access"})).await.unwrap();
                let body: Json = opened.json().await.unwrap();
                let code = body["code"].as_str().unwrap().to_owned();
                let submit = json!({"applicant_fiscal_code": CITIZEN_A, "requested_records": "Delibera 12/2026",
                                    "reason": "Interesse diretto", "access_mode": "examination"});
                let other = &addresses[(c + n + 1) % addresses.len()];
                for (server, transition, token, input) in [
                    (server, "submit", &citizen, submit),
                    (other, "grant", &clerk, json!({"access_instructions": "Sala consultazione, martedì"})),
                ] {
                    let answer = client
                        .post(format!("http://{server}/api/v1/cases/{code}/transitions/{transition}"))
                        .bearer_auth(token)
                        .json(&input)
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(answer.status(), StatusCode::OK, "{transition}");
                    let body: Json = answer.json().await.unwrap();
                    acknowledged.push((code.clone(), body["version"].as_u64().unwrap()));
                }
            }
            (acknowledged, lapsing)
        });
    }
    let mut acknowledged = Vec::new();
    let mut lapsing = Vec::new();
    while let Some(done) = clients.join_next().await {
        let (a, l) = done.unwrap();
        acknowledged.extend(a);
        lapsing.extend(l);
    }

    let store = Store::connect(&StoreOptions::new(&url), Arc::new(SystemClock)).await.unwrap();
    // The workers of the three processes fire every past deadline.
    let mut waited = 0;
    loop {
        let mut open = 0;
        for code in &lapsing {
            let case = store.case(case_id_from_code(code).unwrap()).await.unwrap();
            if case.case.state != "lapsed" {
                open += 1;
            }
        }
        if open == 0 {
            break;
        }
        waited += 1;
        assert!(waited < 300, "{open} timers not fired after 30 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for mut server in servers {
        let _ = Command::new("kill").args(["-TERM", &server.child.id().to_string()]).status();
        assert_eq!(server.child.wait().unwrap().code(), Some(0), "a server stops cleanly");
    }

    for (code, version) in &acknowledged {
        let case = store.case(case_id_from_code(code).unwrap()).await.unwrap();
        assert!(case.case.version >= *version, "{code}: acknowledged version {version} lost");
    }
    for code in &lapsing {
        let trail = store.audit_trail(case_id_from_code(code).unwrap()).await.unwrap();
        let fired = trail.iter().filter(|e| e.body["command"] == "timer").count();
        assert_eq!(fired, 1, "{code}: the timer fired {fired} times");
    }
    assert_eq!(acknowledged.len(), CLIENTS * CASES_PER_CLIENT * 2);
    let report = store.verify_audit(None).await.unwrap();
    assert!(report.breaks.is_empty(), "{:?}", report.breaks);
}
