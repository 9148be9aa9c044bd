//! The SQLite writer's one connection, which it keeps from one group of commands to the next while
//! commands keep coming: the store's other uses of that connection (migrations, the health check,
//! statistics) still get their turn under a steady stream of commands, and a group that fails on the
//! database leaves the connection fit for the next.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use jiff::civil::{Date, date};
use sea_orm::ConnectionTrait;
use serde_json::json;
use sportello_engine::runtime::case::Actor;
use sportello_engine::runtime::transition::ApplyTransition;
use sportello_engine::store::{Apply, OpenCase, Store};
use support::workflow;

const MONDAY: Date = date(2026, 3, 2);
const APPLICANT: &str = "RSSMRA85T10A562S";

/// Opens a records-access case and returns its id, or the refusal's code.
async fn open(store: &Store) -> Result<i64, String> {
    let command = OpenCase {
        workflow: "records-access".into(),
        applicant: APPLICANT.into(),
        actor: Actor::Citizen { fiscal_code: APPLICANT.to_owned() },
        data: json!({}),
        idempotency_key: None,
    };
    store.open_case(command).await.map(|opened| opened.case_id).map_err(|e| e.code().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_write_connection_serves_other_work_while_commands_keep_coming() {
    let t = support::sqlite(MONDAY).await;
    t.store.deploy(&workflow("records-access"), Some("records-access")).await.unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let opened = Arc::new(AtomicU64::new(0));
    // Two clients opening cases back to back: the writer never waits for a command long enough to
    // give its connection back for being idle.
    let clients: Vec<_> = (0..2)
        .map(|_| {
            let (store, stop, opened) = (t.store.clone(), stop.clone(), opened.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    open(&store).await.unwrap();
                    opened.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    while opened.load(Ordering::Relaxed) < 50 {
        tokio::task::yield_now().await;
    }

    let read =
        tokio::time::timeout(Duration::from_secs(20), support::count(&t.store, "SELECT COUNT(*) FROM \"case\"")).await;
    let during = opened.load(Ordering::Relaxed);
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.await.unwrap();
    }

    let cases = read.expect("a statement on the write connection waited for the stream of commands to end");
    assert!(cases >= 50, "the count saw the cases committed before it: {cases}");
    assert!(opened.load(Ordering::Relaxed) > during, "commands went on after the count");
    let total = support::count(&t.store, "SELECT COUNT(*) FROM \"case\"").await;
    assert_eq!(total as u64, opened.load(Ordering::Relaxed), "every acknowledged case is there");
}

#[tokio::test]
async fn a_group_that_fails_on_the_database_leaves_the_connection_fit_for_the_next_command() {
    let t = support::sqlite(MONDAY).await;
    t.store.deploy(&workflow("records-access"), Some("records-access")).await.unwrap();
    let broken = open(&t.store).await.unwrap();
    let sql = format!("UPDATE \"case\" SET \"data\" = 'not JSON' WHERE \"id\" = {broken}");
    t.store.connection().execute_unprepared(&sql).await.unwrap();
    let withdraw = |case_id| Apply {
        case_id,
        command: ApplyTransition {
            transition: "withdraw".into(),
            actor: Actor::Citizen { fiscal_code: APPLICANT.to_owned() },
            input: json!({}),
            expected_version: None,
            term_day: None,
        },
        idempotency_key: None,
    };

    let failed = t.store.apply(withdraw(broken)).await.unwrap_err();
    assert_eq!(failed.code(), "storage-failed");

    // The next command begins afresh, commits, and the write connection reads what it wrote.
    let healthy = open(&t.store).await.unwrap();
    let withdrawn = t.store.apply(withdraw(healthy)).await.unwrap();
    assert_eq!(withdrawn.state, "withdrawn");
    let sql = format!("SELECT COUNT(*) FROM \"audit_entry\" WHERE \"case_id\" = {healthy}");
    assert_eq!(support::count(&t.store, &sql).await, 2);
    let sql = format!("SELECT COUNT(*) FROM \"audit_entry\" WHERE \"case_id\" = {broken}");
    assert_eq!(support::count(&t.store, &sql).await, 1, "the failed command wrote nothing");
}
