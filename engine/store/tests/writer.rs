//! The SQLite writer's one connection, which it keeps from one group of commands to the next while
//! commands keep coming: the store's other uses of that connection (migrations, the health check,
//! statistics) still get their turn under a steady stream of commands, a group that fails on the
//! database leaves the connection fit for the next, commands on one case in one group each see the
//! ones before them, and an opening refused in a group leaves nothing behind.

use sportello_testkit as support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use jiff::civil::{Date, date};
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::json;
use sportello_runtime::case::Actor;
use sportello_runtime::transition::ApplyTransition;
use sportello_store::{Apply, DeliverEvent, OpenCase, Store};
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
        code: None,
        command: ApplyTransition {
            documents: Vec::new(),
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

/// Runs `commands` as one group of the writer, in the order given: while the test holds the write
/// connection they queue up, and the writer takes them all when it is given back.
async fn in_one_group<T, F>(store: &Store, commands: impl IntoIterator<Item = F>) -> Vec<T>
where
    T: Send + 'static,
    F: std::future::Future<Output = T> + Send + 'static,
{
    let hold = store.connection().begin().await.unwrap();
    let sent: Vec<_> = commands.into_iter().map(tokio::spawn).collect();
    // On the test's single thread, every command runs up to its wait for the writer before this does.
    tokio::task::yield_now().await;
    hold.commit().await.unwrap();
    let mut results = Vec::new();
    for command in sent {
        results.push(command.await.unwrap());
    }
    results
}

/// A transition on a records-access case.
fn transition(case_id: i64, transition: &str, actor: Actor, input: serde_json::Value) -> Apply {
    Apply {
        case_id,
        code: None,
        command: ApplyTransition {
            documents: Vec::new(),
            transition: transition.into(),
            actor,
            input,
            expected_version: None,
            term_day: None,
        },
        idempotency_key: None,
    }
}

#[tokio::test]
async fn a_command_in_a_group_decides_on_the_case_as_the_commands_before_it_left_it() {
    let t = support::sqlite(MONDAY).await;
    t.store.deploy(&workflow("records-access"), Some("records-access")).await.unwrap();
    let (first, second) = (open(&t.store).await.unwrap(), open(&t.store).await.unwrap());
    let citizen = || Actor::Citizen { fiscal_code: APPLICANT.to_owned() };
    let clerk = Actor::Staff { user: "u-17".into(), roles: vec!["clerk".into()], offices: vec!["segreteria".into()] };

    // The second command on `first` is allowed only from the state the one before it leads to.
    let request = json!({"applicant_fiscal_code": APPLICANT, "requested_records": "Verbale del 3 marzo",
        "reason": "Tutela di un interesse diretto", "access_mode": "digital_copy"});
    let commands = [
        transition(first, "submit", citizen(), request.clone()),
        transition(second, "submit", citizen(), request),
        transition(first, "notify_counterparties", clerk, json!({"counterparties_count": 2})),
        transition(second, "withdraw", citizen(), json!({})),
    ];
    let applied = in_one_group(
        &t.store,
        commands.map(|command| {
            let store = t.store.clone();
            async move { store.apply(command).await }
        }),
    )
    .await;

    let states: Vec<_> = applied
        .into_iter()
        .map(|applied| applied.expect("every command is applied"))
        .map(|applied| (applied.case_id, applied.state, applied.version))
        .collect();
    assert_eq!(
        states,
        [
            (first, "submitted".to_owned(), 2),
            (second, "submitted".to_owned(), 2),
            (first, "counterparties_notified".to_owned(), 3),
            (second, "withdrawn".to_owned(), 3),
        ]
    );
    for case in [first, second] {
        let sql = format!("SELECT COUNT(*) FROM \"audit_entry\" WHERE \"case_id\" = {case}");
        assert_eq!(support::count(&t.store, &sql).await, 3, "case {case}: its opening and two transitions");
    }
}

/// A request an external event marks as checked, which a clerk then closes.
const CHECKED: &str = r#"
id: checked-request
version: 1
title: { it: Richiesta verificata }
office: segreteria
roles: { clerk: {} }
states:
  received: { initial: true, status: { it: Ricevuta }, waiting_for: office }
  checked: { status: { it: Verificata }, waiting_for: office }
  done: { final: true, outcome: accepted, status: { it: Conclusa } }
transitions:
  check: { from: received, to: checked, by: system }
  close: { from: [received, checked], to: done, by: clerk }
events:
  registry.checked: { fires: check }
"#;

#[tokio::test]
async fn a_command_after_one_that_may_write_any_case_reads_its_case_afresh() {
    let t = support::sqlite(MONDAY).await;
    t.store.deploy(CHECKED, Some("checked-request")).await.unwrap();
    let open = || OpenCase {
        workflow: "checked-request".into(),
        applicant: APPLICANT.into(),
        actor: Actor::Citizen { fiscal_code: APPLICANT.to_owned() },
        data: json!({}),
        idempotency_key: None,
    };
    let first = t.store.open_case(open()).await.unwrap().case_id;
    let second = t.store.open_case(open()).await.unwrap().case_id;
    let clerk =
        || Actor::Staff { user: "u-17".into(), roles: vec!["clerk".into()], offices: vec!["segreteria".into()] };
    let close = |case_id| {
        let (store, command) = (t.store.clone(), transition(case_id, "close", clerk(), json!({})));
        async move { store.apply(command).await }
    };
    let event = {
        let store = t.store.clone();
        let command = DeliverEvent {
            case_id: first,
            event: "registry.checked".into(),
            message_id: "m-1".into(),
            payload: json!({}),
        };
        async move { store.deliver_event(command).await }
    };

    // The writer reads both closings' cases ahead; the event (which names no case to the writer)
    // moves `first` before its closing runs, which must decide on the case as the event left it.
    type Sent = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<sportello_store::Applied, sportello_runtime::error::Error>> + Send>,
    >;
    let sent: [Sent; 3] = [Box::pin(close(second)), Box::pin(event), Box::pin(close(first))];
    let results: Vec<_> = in_one_group(&t.store, sent)
        .await
        .into_iter()
        .map(|applied| applied.map(|applied| (applied.case_id, applied.state, applied.version)))
        .collect();
    let expected = [(second, "done", 2), (first, "checked", 2), (first, "done", 3)];
    let expected: Vec<_> =
        expected.into_iter().map(|(id, state, version)| Ok((id, state.to_owned(), version))).collect();
    assert_eq!(results, expected);
}

/// A request whose initial state's term ends on the day the data names: an opening whose data names
/// no day is refused after its row is inserted (the expression sees the case's code, so it runs then).
const HEARING: &str = r#"
id: hearing-request
version: 1
title: { it: Richiesta di udienza }
office: segreteria
roles: { clerk: {} }
data:
  type: object
  properties:
    hearing: { type: string, label: { it: Data dell'udienza } }
states:
  requested:
    initial: true
    status: { it: Richiesta }
    waiting_for: office
    deadline: { at: data.hearing, fire: lapse }
  lapsed: { final: true, outcome: rejected, status: { it: Decaduta } }
transitions:
  lapse: { from: requested, to: lapsed, by: system }
"#;

#[tokio::test]
async fn an_opening_refused_in_a_group_leaves_nothing_and_the_others_commit() {
    let t = support::sqlite(MONDAY).await;
    t.store.deploy(HEARING, Some("hearing-request")).await.unwrap();
    let open = |hearing: &str| OpenCase {
        workflow: "hearing-request".into(),
        applicant: APPLICANT.into(),
        actor: Actor::Citizen { fiscal_code: APPLICANT.to_owned() },
        data: json!({ "hearing": hearing }),
        idempotency_key: None,
    };

    let opened = in_one_group(
        &t.store,
        [open("2026-04-01"), open("soon"), open("2026-04-02")].map(|command| {
            let store = t.store.clone();
            async move { store.open_case(command).await }
        }),
    )
    .await;
    let results: Vec<_> =
        opened.into_iter().map(|opened| opened.map(|opened| opened.case_id).map_err(|e| e.code().to_owned())).collect();

    let [Ok(first), Err(refusal), Ok(third)] = &results[..] else { panic!("{results:?}") };
    assert_eq!(refusal, "expression-failed", "{results:?}");
    let cases = "SELECT COUNT(*) FROM \"case\"";
    assert_eq!(support::count(&t.store, cases).await, 2, "the refused opening's row was taken back");
    let entries = "SELECT COUNT(*) FROM \"audit_entry\"";
    assert_eq!(support::count(&t.store, entries).await, 2);
    let timers = format!("SELECT COUNT(*) FROM \"timer\" WHERE \"case_id\" IN ({first}, {third})");
    assert_eq!(support::count(&t.store, &timers).await, 2, "each opened case has its term");
}
