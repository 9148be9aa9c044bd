//! The data commands as a user runs them on a SQLite file: `migrate up|status`, `deploy` (new versions
//! only for changed files, nothing at all when one file is invalid), and `audit verify`, which exits 1
//! and names the entry when someone edits the audit table behind Sportello's back (or the field, when
//! someone edits a case row), and `audit refusals`, which lists the security log.

mod support;

use std::process::Command;
use std::sync::Arc;

use sea_orm::ConnectionTrait;
use serde_json::json;
use sportello_runtime::case::Actor;
use sportello_runtime::clock::SystemClock;
use sportello_store::{OpenCase, Refusal, Store, StoreOptions};
use support::{sportello, text, workflows};

#[test]
fn migrate_then_deploy_a_folder_then_redeploy_it_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let early = sportello(dir.path(), &["deploy", &workflows()]);
    assert_eq!(early.status.code(), Some(2), "{}", text(&early));
    assert!(text(&early).contains("pending migration(s): run `sportello migrate up` first"), "{}", text(&early));

    let all = <sportello_migrations::Migrator as sportello_migrations::MigratorTrait>::migrations().len();
    let status = sportello(dir.path(), &["migrate", "status"]);
    assert!(text(&status).ends_with(&format!("{all} migration(s), {all} pending\n")), "{}", text(&status));
    let up = sportello(dir.path(), &["migrate", "up"]);
    assert_eq!(up.status.code(), Some(0), "{}", text(&up));
    assert!(dir.path().join("sportello.db").exists(), "the default database is sportello.db in the working folder");
    let status = sportello(dir.path(), &["migrate", "status"]);
    assert!(text(&status).ends_with(&format!("{all} migration(s), 0 pending\n")), "{}", text(&status));

    let first = sportello(dir.path(), &["deploy", &workflows()]);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    assert_eq!(text(&first).matches("deployed ").count(), 5, "{}", text(&first));
    let again = sportello(dir.path(), &["deploy", &workflows()]);
    assert_eq!(text(&again).matches("unchanged ").count(), 5, "{}", text(&again));

    let changed = dir.path().join("records-access.yaml");
    let source = std::fs::read_to_string(format!("{}/records-access.yaml", workflows())).unwrap();
    std::fs::write(&changed, source.replace("days: 30 ", "days: 20 ")).unwrap();
    let second = sportello(dir.path(), &["deploy", changed.to_str().unwrap()]);
    assert!(text(&second).contains("deployed   records-access version 2"), "{}", text(&second));
}

#[test]
fn an_invalid_file_stops_the_whole_deploy() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(sportello(dir.path(), &["migrate", "up"]).status.code(), Some(0));
    std::fs::copy(format!("{}/records-access.yaml", workflows()), dir.path().join("records-access.yaml")).unwrap();
    std::fs::write(dir.path().join("broken.yaml"), "id: broken\nversion: [\n").unwrap();
    let output = sportello(dir.path(), &["deploy", "."]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(text(&output).contains("1 of 2 workflow files are invalid; nothing was deployed"), "{}", text(&output));
    let retry = sportello(dir.path(), &["deploy", "records-access.yaml"]);
    assert!(text(&retry).contains("deployed   records-access version 1"), "{}", text(&retry));
}

#[test]
fn an_unknown_database_url_is_refused_with_the_password_hidden() {
    let dir = tempfile::tempdir().unwrap();
    let output = sportello(dir.path(), &["--database", "mysql://admin:hunter2@db/x", "migrate", "status"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output).contains("mysql://admin:***@db/x"), "{}", text(&output));
    assert!(!text(&output).contains("hunter2"));
}

#[tokio::test]
async fn audit_verify_exits_1_and_names_the_altered_entry() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(sportello(dir.path(), &["migrate", "up"]).status.code(), Some(0));
    assert_eq!(sportello(dir.path(), &["deploy", &workflows()]).status.code(), Some(0));
    let url = format!("sqlite://{}", dir.path().join("sportello.db").display());
    let store = Store::connect(&StoreOptions::new(&url), Arc::new(SystemClock)).await.unwrap();
    let applicant = "RSSMRA85T10A562S".to_owned();
    let mut codes = Vec::new();
    for _ in 0..2 {
        let opened = store
            .open_case(OpenCase {
                workflow: "records-access".into(),
                applicant: applicant.clone(),
                actor: Actor::Citizen { fiscal_code: applicant.clone() },
                data: json!({}),
                idempotency_key: None,
            })
            .await
            .unwrap();
        codes.push(opened.code);
    }
    let intact = sportello(dir.path(), &["audit", "verify"]);
    assert_eq!(intact.status.code(), Some(0), "{}", text(&intact));
    assert!(text(&intact).contains("checked 2 case(s), 2 audit entries: every chain is intact"), "{}", text(&intact));

    store
        .connection()
        .execute_unprepared("UPDATE audit_entry SET body = REPLACE(body, 'draft', 'submitted') WHERE case_id = 2")
        .await
        .unwrap();
    let broken = sportello(dir.path(), &["audit", "verify"]);
    assert_eq!(broken.status.code(), Some(1), "{}", text(&broken));
    assert!(text(&broken).contains(&format!("broken: entry 1 of case {} was altered", codes[1])), "{}", text(&broken));
    let one = sportello(dir.path(), &["audit", "verify", "--case", &codes[0]]);
    assert_eq!(one.status.code(), Some(0), "{}", text(&one));

    // The case handed to another citizen in the database, its chain untouched.
    store
        .connection()
        .execute_unprepared("UPDATE \"case\" SET applicant = 'BNCLRA90A41H501X' WHERE id = 1")
        .await
        .unwrap();
    let handed = sportello(dir.path(), &["audit", "verify", "--case", &codes[0]]);
    assert_eq!(handed.status.code(), Some(1), "{}", text(&handed));
    let said =
        format!("broken: case {} was changed outside Sportello: applicant differs from what entry 1 sealed", codes[0]);
    assert!(text(&handed).contains(&said), "{}", text(&handed));
}

/// A request that lapses by itself two days after it is opened.
const LAPSING: &str = sportello_testkit::LAPSING_REQUEST;

#[tokio::test]
async fn the_worker_fires_a_timer_that_fell_due_while_it_was_down_and_stops_on_sigterm() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    use sportello_runtime::clock::ManualClock;

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lapsing-request.yaml"), LAPSING).unwrap();
    assert_eq!(sportello(dir.path(), &["migrate", "up"]).status.code(), Some(0));
    assert_eq!(sportello(dir.path(), &["deploy", "lapsing-request.yaml"]).status.code(), Some(0));
    // Opened in 2020: its deadline passed long ago.
    let url = format!("sqlite://{}", dir.path().join("sportello.db").display());
    let clock = ManualClock::at_day(jiff::civil::date(2020, 1, 7));
    let store = Store::connect(&StoreOptions::new(&url), Arc::new(clock)).await.unwrap();
    let opened = store
        .open_case(OpenCase {
            workflow: "lapsing-request".into(),
            applicant: "RSSMRA85T10A562S".into(),
            actor: Actor::Citizen { fiscal_code: "RSSMRA85T10A562S".into() },
            data: json!({}),
            idempotency_key: None,
        })
        .await
        .unwrap();

    let mut worker = Command::new(env!("CARGO_BIN_EXE_sportello"))
        .args(["worker", "--poll-interval", "0.2"])
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(worker.stderr.take().unwrap()).lines();
    let fired = lines.by_ref().map_while(Result::ok).find(|l| l.contains("fired")).expect("the worker reports");
    assert_eq!(fired, "worker: fired 1 timer(s), 0 refused");
    let case = store.case(opened.case_id).await.unwrap();
    assert_eq!(case.case.state, "lapsed");
    assert_eq!(case.timers, []);

    let term = Command::new("kill").args(["-TERM", &worker.id().to_string()]).status().unwrap();
    assert!(term.success());
    let status = worker.wait().unwrap();
    assert_eq!(status.code(), Some(0), "a SIGTERM stops the worker cleanly");
    assert!(lines.map_while(Result::ok).any(|l| l == "worker: stopped"));
}

#[tokio::test]
async fn audit_refusals_lists_the_security_log_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(sportello(dir.path(), &["migrate", "up"]).status.code(), Some(0));
    let empty = sportello(dir.path(), &["audit", "refusals"]);
    assert_eq!(empty.status.code(), Some(0), "{}", text(&empty));
    assert!(text(&empty).contains("no refused request is logged"), "{}", text(&empty));

    let url = format!("sqlite://{}", dir.path().join("sportello.db").display());
    let store = Store::connect(&StoreOptions::new(&url), Arc::new(SystemClock)).await.unwrap();
    for (actor, target) in [("citizen BNCGLI90A41F205X", "RA-2026-000001"), ("staff member u-9", "XX-2026-000042")] {
        let refusal = Refusal {
            at: store.now(),
            actor: actor.into(),
            action: "read".into(),
            target: target.into(),
            refusal: "case-not-found".into(),
        };
        store.record_refusal(refusal).await.unwrap();
    }
    let listed = sportello(dir.path(), &["audit", "refusals", "--limit", "1"]);
    assert_eq!(listed.status.code(), Some(0), "{}", text(&listed));
    let stdout = String::from_utf8_lossy(&listed.stdout);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.contains("staff member u-9\tread\tXX-2026-000042\tcase-not-found"), "{stdout}");

    let nonsense = sportello(dir.path(), &["audit", "refusals", "--limit", "0"]);
    assert_eq!(nonsense.status.code(), Some(2), "{}", text(&nonsense));
    assert!(text(&nonsense).contains("--limit"), "{}", text(&nonsense));
}
