//! The store end to end on SQLite, and on PostgreSQL when `TEST_POSTGRES_URL` is set: deploying
//! versions, opening cases, transitions with their clocks, timers and outbox rows in one transaction,
//! events deduplicated by message id, idempotency keys, optimistic versions and the audit chain.

use sportello_testkit as support;

use jiff::SignedDuration;
use jiff::civil::{Date, date};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use sportello_runtime::audit::ChainBreak;
use sportello_runtime::audit_checkpoint::{Checkpoint, CheckpointBreak, signing_key};
use sportello_runtime::case::Actor;
use sportello_runtime::clock::{Clock, civil_day, end_of_day};
use sportello_runtime::legal_clock::ClockEvent;
use sportello_runtime::transition::ApplyTransition;
use sportello_store::{Applied, Apply, DeliverEvent, OpenCase, OutboxKind, PaymentStage, Store};
use support::{TestStore, stores, workflow};

const APPLICANT: &str = "RSSMRA85T10A562S";

fn citizen() -> Actor {
    Actor::Citizen { fiscal_code: APPLICANT.to_owned() }
}

fn clerk() -> Actor {
    Actor::Staff { user: "u-17".into(), roles: vec!["clerk".into()], offices: vec!["segreteria".into()] }
}

fn request() -> Value {
    json!({"applicant_fiscal_code": APPLICANT, "requested_records": "Verbale del consiglio del 3 marzo",
        "reason": "Tutela di un interesse diretto", "access_mode": "digital_copy"})
}

fn step(transition: &str, actor: Actor, input: Value) -> ApplyTransition {
    ApplyTransition {
        documents: Vec::new(),
        transition: transition.into(),
        actor,
        input,
        expected_version: None,
        term_day: None,
    }
}

async fn apply(store: &Store, case_id: i64, transition: &str, actor: Actor, input: Value) -> Result<Applied, String> {
    store
        .apply(Apply { code: None, case_id, command: step(transition, actor, input), idempotency_key: None })
        .await
        .map_err(|e| e.code().to_owned())
}

/// A records-access case, submitted.
async fn submitted(t: &TestStore) -> i64 {
    t.store.deploy(&workflow("records-access"), Some("records-access")).await.unwrap();
    let opened = t
        .store
        .open_case(OpenCase {
            workflow: "records-access".into(),
            applicant: APPLICANT.into(),
            actor: citizen(),
            data: json!({}),
            idempotency_key: None,
        })
        .await
        .unwrap();
    assert_eq!((opened.state.as_str(), opened.version), ("draft", 1), "{}", t.backend);
    let submitted = apply(&t.store, opened.case_id, "submit", citizen(), request()).await.unwrap();
    assert_eq!((submitted.state.as_str(), submitted.version), ("submitted", 2), "{}", t.backend);
    opened.case_id
}

async fn count(t: &TestStore, sql: &str) -> i64 {
    support::count(&t.store, sql).await
}

const MONDAY: Date = date(2026, 3, 2);

#[tokio::test]
async fn deploying_the_same_file_is_a_no_op_and_a_changed_one_is_the_next_version() {
    for t in stores("deploy_versions", MONDAY).await {
        let source = workflow("records-access");
        let first = t.store.deploy(&source, Some("records-access")).await.unwrap();
        assert_eq!((first.version, first.changed), (1, true));
        let again = t.store.deploy(&source, Some("records-access")).await.unwrap();
        assert_eq!((again.version, again.changed), (1, false));

        let case_id = submitted(&t).await;
        // Version 2 renames the state the case is in; the case stays on version 1 and still moves.
        let renamed = source.replace("under_review", "in_review");
        let second = t.store.deploy(&renamed, Some("records-access")).await.unwrap();
        assert_eq!((second.version, second.changed), (2, true));
        let moved = apply(&t.store, case_id, "notify_counterparties", clerk(), json!({"counterparties_count": 2}));
        assert_eq!(moved.await.unwrap().state, "counterparties_notified");
        let case = t.store.case(case_id).await.unwrap();
        assert_eq!(case.case.workflow_version, 1, "{}", t.backend);
        let record = apply(&t.store, case_id, "record_opposition", clerk(), json!({"opposition_summary": "No"}));
        assert_eq!(record.await.unwrap().state, "under_review", "{}", t.backend);

        let broken = t.store.deploy("id: records-access\nversion: [", Some("records-access")).await.unwrap_err();
        assert_eq!(broken.code(), "invalid-workflow");
        assert!(broken.to_string().contains("2:"), "{broken}");
    }
}

#[tokio::test]
async fn a_case_opens_on_the_latest_version_also_when_another_process_deployed_it() {
    for t in stores("open_on_latest", MONDAY).await {
        let source = workflow("records-access");
        t.store.deploy(&source, Some("records-access")).await.unwrap();
        let open = |store: Store| async move {
            let command = OpenCase {
                workflow: "records-access".into(),
                applicant: APPLICANT.into(),
                actor: citizen(),
                data: json!({}),
                idempotency_key: None,
            };
            let opened = store.open_case(command).await.unwrap();
            store.case(opened.case_id).await.unwrap().case.workflow_version
        };
        assert_eq!(open(t.store.clone()).await, 1, "{}", t.backend);

        // Another process on the same database deploys version 2: this one's next case is on it,
        // though it last read version 1 as the latest, and so is the one after.
        let clock = std::sync::Arc::new(t.clock.clone());
        let other = Store::connect(&sportello_store::StoreOptions::new(&t.url), clock).await.unwrap();
        let renamed = source.replace("under_review", "in_review");
        assert_eq!(other.deploy(&renamed, Some("records-access")).await.unwrap().version, 2);
        assert_eq!(open(t.store.clone()).await, 2, "{}", t.backend);
        assert_eq!(open(t.store.clone()).await, 2, "{}", t.backend);

        // The insert refused for the stale version left no row behind: three cases, three openings.
        assert_eq!(count(&t, "SELECT COUNT(*) FROM \"case\"").await, 3, "{}", t.backend);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM \"audit_entry\"").await, 3, "{}", t.backend);
        assert_eq!(t.store.verify_audit(None).await.unwrap().breaks, [], "{}", t.backend);
    }
}

#[tokio::test]
async fn a_transition_writes_case_clock_timer_outbox_and_audit_together() {
    for t in stores("transition_writes", MONDAY).await {
        let case_id = submitted(&t).await;
        let case = t.store.case(case_id).await.unwrap();
        assert_eq!(case.case.code, format!("RA-2026-{case_id:06}"));
        assert_eq!(case.case.data["reason"], "Tutela di un interesse diretto");
        assert_eq!(case.audit_entries, 2);
        // The 30-day term from Monday 2 March 2026 ends on Wednesday 1 April: the timer falls at its end.
        assert_eq!(case.timers.len(), 1, "{}", t.backend);
        let timer = &case.timers[0];
        assert_eq!(
            (timer.kind.as_str(), timer.name.as_str(), timer.fire.as_str()),
            ("clock", "procedure", "deemed_refusal")
        );
        assert_eq!(timer.due_at, end_of_day(date(2026, 4, 1)));
        let clock = &case.clocks["procedure"];
        assert_eq!((clock.status.started_on, clock.status.due), (Some(MONDAY), Some(date(2026, 4, 1))));
        assert_eq!((clock.status.elapsed_days, clock.status.remaining_days), (0, Some(30)));
        assert_eq!(clock.history, [ClockEvent::Started(MONDAY)]);
        // Entering `submitted` sends the protocol webhook and the receipt message.
        assert_eq!(count(&t, "SELECT COUNT(*) FROM outbox WHERE kind = 'webhook'").await, 1);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM outbox WHERE kind = 'notify'").await, 1);

        // Asking for a correction on Thursday 5 March interrupts the clock (its timer goes) and sets a
        // 30-day deadline: 4 April is a Saturday, 5 April Easter Sunday, 6 April Easter Monday, so 7 April.
        t.clock.advance(SignedDuration::from_hours(24 * 3));
        apply(&t.store, case_id, "ask_correction", clerk(), json!({"correction_request": "Indicare la data"}))
            .await
            .unwrap();
        let case = t.store.case(case_id).await.unwrap();
        let timers: Vec<_> = case.timers.iter().map(|t| (t.kind.as_str(), t.name.as_str(), t.due_at)).collect();
        assert_eq!(timers, [("deadline", "correction_requested", end_of_day(date(2026, 4, 7)))], "{}", t.backend);
        let clock = &case.clocks["procedure"];
        assert_eq!((clock.status.interrupted_since, clock.status.due), (Some(date(2026, 3, 5)), None));
        assert_eq!(clock.history, [ClockEvent::Started(MONDAY), ClockEvent::Interrupted(date(2026, 3, 5))]);
        // The corrected request cancels the deadline and restarts the full 30 days from today: 7 April again.
        apply(
            &t.store,
            case_id,
            "send_correction",
            citizen(),
            json!({"requested_records": "Verbale", "reason": "Tutela"}),
        )
        .await
        .unwrap();
        let case = t.store.case(case_id).await.unwrap();
        let timers: Vec<_> = case.timers.iter().map(|t| (t.kind.as_str(), t.name.as_str(), t.due_at)).collect();
        assert_eq!(timers, [("clock", "procedure", end_of_day(date(2026, 4, 7)))], "{}", t.backend);
        assert_eq!(t.store.verify_audit(Some(case_id)).await.unwrap().breaks, []);
    }
}

#[tokio::test]
async fn an_outbox_row_of_an_unknown_kind_or_status_is_corrupt_and_is_not_claimed() {
    for t in stores("outbox_unknown_kind", MONDAY).await {
        let case_id = submitted(&t).await;
        let sql = format!("UPDATE outbox SET kind = 'fax' WHERE case_id = {case_id} AND kind = 'webhook'");
        t.store.connection().execute_unprepared(&sql).await.unwrap();

        let unreadable = t.store.case_effects(case_id).await.unwrap_err();
        assert_eq!(unreadable.code(), "storage-failed", "{}", t.backend);
        let cause = std::error::Error::source(&unreadable).map(ToString::to_string).unwrap_or_default();
        assert!(cause.ends_with(": `fax` is not an outbox kind Sportello writes"), "{}: {cause}", t.backend);

        // A worker claims what it delivers and leaves the rest, untouched, for one that knows the kind.
        let claimed = t.store.claim_effects(10, std::time::Duration::from_secs(60)).await.unwrap();
        let claimed: Vec<_> = claimed.iter().map(|e| (e.kind, e.name.as_str())).collect();
        assert_eq!(claimed, [(OutboxKind::Notify, "received")], "{}", t.backend);
        let untouched = "SELECT COUNT(*) FROM outbox WHERE kind = 'fax' AND status = 'pending' AND attempts = 0";
        assert_eq!(count(&t, untouched).await, 1, "{}", t.backend);

        let sql =
            format!("UPDATE outbox SET kind = 'webhook', status = 'lost' WHERE case_id = {case_id} AND kind = 'fax'");
        t.store.connection().execute_unprepared(&sql).await.unwrap();
        let unreadable = t.store.case_effects(case_id).await.unwrap_err();
        let cause = std::error::Error::source(&unreadable).map(ToString::to_string).unwrap_or_default();
        assert!(cause.ends_with(": `lost` is not an outbox status Sportello writes"), "{}: {cause}", t.backend);
    }
}

#[tokio::test]
async fn a_payment_of_an_unknown_status_is_corrupt_and_named() {
    for t in stores("payment_unknown_status", MONDAY).await {
        let case_id = submitted(&t).await;
        let input = json!({"access_instructions": "PEC", "copy_fee_cents": 250});
        apply(&t.store, case_id, "grant_with_copy_fee", clerk(), input).await.unwrap();
        let payments = t.store.case_payments(case_id).await.unwrap();
        assert_eq!(payments.iter().map(|p| p.status).collect::<Vec<_>>(), [PaymentStage::Requested]);

        let sql = format!("UPDATE payment SET status = 'refunded' WHERE case_id = {case_id}");
        t.store.connection().execute_unprepared(&sql).await.unwrap();
        let unreadable = t.store.case_payments(case_id).await.unwrap_err();
        assert_eq!(unreadable.code(), "storage-failed", "{}", t.backend);
        let cause = std::error::Error::source(&unreadable).map(ToString::to_string).unwrap_or_default();
        let expected = format!("payment {}: `refunded` is not a payment status Sportello writes", payments[0].id);
        assert!(cause.ends_with(&expected), "{}: {cause}", t.backend);
    }
}

#[tokio::test]
async fn a_case_found_unreadable_fails_alone_not_the_commands_committed_with_it() {
    // SQLite, where concurrent commands share one transaction of the writer.
    let t = support::sqlite(MONDAY).await;
    let broken = submitted(&t).await;
    let healthy = submitted(&t).await;
    let sql = format!("UPDATE \"case\" SET \"data\" = 'not JSON' WHERE \"id\" = {broken}");
    t.store.connection().execute_unprepared(&sql).await.unwrap();
    let grant = || json!({"access_instructions": "Ufficio 3"});

    // The test's runtime runs one task at a time: both commands are queued before the writer takes
    // any, so they land in one group.
    let (on_broken, on_healthy) = tokio::join!(
        apply(&t.store, broken, "grant", clerk(), grant()),
        apply(&t.store, healthy, "grant", clerk(), grant())
    );

    assert_eq!(on_broken.unwrap_err(), "storage-failed");
    assert_eq!(on_healthy.unwrap().state, "granted");
    assert_eq!(t.store.case(healthy).await.unwrap().case.state.as_str(), "granted");
    assert_eq!(count(&t, &format!("SELECT COUNT(*) FROM audit_entry WHERE case_id = {broken}")).await, 2);
}

#[tokio::test]
async fn refusals_are_typed_and_write_nothing() {
    for t in stores("refusals", MONDAY).await {
        let case_id = submitted(&t).await;
        let before = t.store.case(case_id).await.unwrap();
        let other = Actor::Citizen { fiscal_code: "BNCGLI90A41F205X".into() };
        assert_eq!(apply(&t.store, case_id, "withdraw", other, json!({})).await.unwrap_err(), "case-not-found");
        assert_eq!(apply(&t.store, case_id, "grant", citizen(), json!({})).await.unwrap_err(), "actor-not-allowed");
        assert_eq!(
            apply(&t.store, case_id, "submit", citizen(), request()).await.unwrap_err(),
            "transition-not-allowed"
        );
        assert_eq!(apply(&t.store, case_id, "grant", clerk(), json!({"nope": 1})).await.unwrap_err(), "invalid-input");
        assert_eq!(apply(&t.store, case_id, "fly", clerk(), json!({})).await.unwrap_err(), "unknown-transition");
        assert_eq!(apply(&t.store, 999_999, "grant", clerk(), json!({})).await.unwrap_err(), "case-not-found");
        let stale = ApplyTransition {
            expected_version: Some(1),
            ..step("grant", clerk(), json!({"access_instructions": "Ufficio 3"}))
        };
        let refused =
            t.store.apply(Apply { code: None, case_id, command: stale, idempotency_key: None }).await.unwrap_err();
        assert_eq!(refused.code(), "stale-case-version");
        assert_eq!(t.store.case(case_id).await.unwrap(), before, "{}", t.backend);
        assert_eq!(count(&t, &format!("SELECT COUNT(*) FROM audit_entry WHERE case_id = {case_id}")).await, 2);
    }
}

#[tokio::test]
async fn an_idempotency_key_returns_the_first_result_and_refuses_a_different_request() {
    for t in stores("idempotency", MONDAY).await {
        t.store.deploy(&workflow("records-access"), Some("records-access")).await.unwrap();
        let open = |data: Value| OpenCase {
            workflow: "records-access".into(),
            applicant: APPLICANT.into(),
            actor: citizen(),
            data,
            idempotency_key: Some("form-7f3a".into()),
        };
        let first = t.store.open_case(open(json!({"reason": "r", "access_mode": "examination"}))).await.unwrap();
        // The same request with its fields in another order is the same request.
        let again = t.store.open_case(open(json!({"access_mode": "examination", "reason": "r"}))).await.unwrap();
        assert_eq!((again.case_id, again.replayed, first.replayed), (first.case_id, true, false));
        assert_eq!(count(&t, "SELECT COUNT(*) FROM \"case\"").await, 1, "{}", t.backend);
        let other = t.store.open_case(open(json!({"reason": "x"}))).await.unwrap_err();
        assert_eq!(other.code(), "idempotency-key-reused");

        let submit = || Apply {
            case_id: first.case_id,
            code: None,
            command: step("submit", citizen(), request()),
            idempotency_key: Some("submit-1".into()),
        };
        let submitted = t.store.apply(submit()).await.unwrap();
        let replayed = t.store.apply(submit()).await.unwrap();
        assert_eq!((replayed.version, replayed.replayed), (submitted.version, true));
    }
}

#[tokio::test]
async fn an_event_is_applied_once_per_message_id() {
    for t in stores("events", MONDAY).await {
        let case_id = submitted(&t).await;
        apply(
            &t.store,
            case_id,
            "grant_with_copy_fee",
            clerk(),
            json!({"access_instructions": "PEC", "copy_fee_cents": 250}),
        )
        .await
        .unwrap();
        assert_eq!(count(&t, "SELECT COUNT(*) FROM outbox WHERE kind = 'payment'").await, 1, "{}", t.backend);
        let event = |event: &str, message: &str| DeliverEvent {
            case_id,
            event: event.into(),
            message_id: message.into(),
            payload: Value::Null,
        };
        let paid = t.store.deliver_event(event("payment.paid", "receipt-1")).await.unwrap();
        assert_eq!((paid.state.as_str(), paid.replayed), ("granted", false));
        let again = t.store.deliver_event(event("payment.paid", "receipt-1")).await.unwrap();
        assert_eq!((again.version, again.replayed), (paid.version, true));
        // The same message id naming another event is refused, not replayed.
        let reused = t.store.deliver_event(event("payment.expired", "receipt-1")).await.unwrap_err();
        assert_eq!(reused.code(), "idempotency-key-reused", "{}", t.backend);
        let late = t.store.deliver_event(event("payment.expired", "expiry-1")).await.unwrap_err();
        assert_eq!(late.code(), "event-not-expected");
        let unknown = t.store.deliver_event(event("parcel.delivered", "x")).await.unwrap_err();
        assert_eq!(unknown.code(), "unknown-event");
        assert_eq!(t.store.case(case_id).await.unwrap().case.version, paid.version, "{}", t.backend);
    }
}

#[tokio::test]
async fn a_due_timer_fires_once_and_a_late_worker_catches_up() {
    for t in stores("timers_fire", MONDAY).await {
        let case_id = submitted(&t).await;
        // Not due on the last day of the term.
        t.clock.set(end_of_day(date(2026, 4, 1)) - SignedDuration::from_secs(1));
        assert_eq!(t.store.fire_due_timers(100).await.unwrap().fired, 0);
        // A worker that was down for a week fires it when it comes back; the clock stops on the term's last day.
        t.clock.set(end_of_day(date(2026, 4, 8)));
        assert_eq!(t.store.fire_due_timers(100).await.unwrap().fired, 1, "{}", t.backend);
        assert_eq!(t.store.fire_due_timers(100).await.unwrap().fired, 0);
        let case = t.store.case(case_id).await.unwrap();
        assert_eq!(case.case.state, "deemed_refused");
        assert_eq!(case.timers, []);
        assert_eq!(civil_day(t.clock.now()), date(2026, 4, 9));
        let stopped = &case.case.clocks["procedure"];
        assert_eq!(stopped.last().unwrap().day(), date(2026, 4, 1), "{}", t.backend);
        assert_eq!(t.store.verify_audit(None).await.unwrap().breaks, []);
    }
}

#[tokio::test]
async fn audit_verify_names_an_altered_and_a_deleted_entry() {
    for t in stores("audit_tamper", MONDAY).await {
        let first = submitted(&t).await;
        let second = submitted(&t).await;
        apply(&t.store, second, "grant", clerk(), json!({"access_instructions": "Ufficio 3"})).await.unwrap();
        let report = t.store.verify_audit(None).await.unwrap();
        assert_eq!((report.cases, report.entries, report.breaks.len()), (2, 5, 0));

        let conn = t.store.connection();
        conn.execute_unprepared(&format!(
            "UPDATE audit_entry SET body = REPLACE(body, 'the applicant', 'staff member u-1') WHERE case_id = {first} AND sequence = 2"
        ))
        .await
        .unwrap();
        conn.execute_unprepared(&format!("DELETE FROM audit_entry WHERE case_id = {second} AND sequence = 3"))
            .await
            .unwrap();
        let report = t.store.verify_audit(None).await.unwrap();
        let code = |id: i64| t.store.case(id);
        let (first_code, second_code) = (code(first).await.unwrap().case.code, code(second).await.unwrap().case.code);
        assert_eq!(
            report.breaks,
            [
                ChainBreak::Altered { case: first_code, sequence: 2 },
                ChainBreak::Deleted { case: second_code, from: 3, to: 3 }
            ],
            "{}",
            t.backend
        );
    }
}

#[tokio::test]
async fn audit_verify_names_each_field_of_a_row_changed_outside_sportello() {
    for t in stores("audit_row_tamper", MONDAY).await {
        let handed_over = submitted(&t).await;
        let moved_on = submitted(&t).await;
        let reformatted = submitted(&t).await;
        let assigned = submitted(&t).await;
        let backdated = submitted(&t).await;
        let postponed = submitted(&t).await;
        apply(&t.store, assigned, "grant", clerk(), json!({"access_instructions": "Ufficio 3"})).await.unwrap();
        let report = t.store.verify_audit(None).await.unwrap();
        assert_eq!((report.breaks.len(), report.unsealed), (0, 0), "{}: {:?}", t.backend, report.breaks);

        let conn = t.store.connection();
        for sql in [
            // The case handed to another citizen: the probe's attack.
            format!("UPDATE \"case\" SET applicant = 'BNCLRA90A41H501X' WHERE id = {handed_over}"),
            format!("UPDATE \"case\" SET state = 'granted', version = version + 1 WHERE id = {moved_on}"),
            // The same data written with other spacing is the same data.
            format!("UPDATE \"case\" SET data = REPLACE(data, '\",\"', '\" ,  \"') WHERE id = {reformatted}"),
            format!("UPDATE \"case\" SET assignee = 'l.verdi', office = 'edilizia' WHERE id = {assigned}"),
            // An entry's time column moved a day back, its body untouched.
            format!(
                "UPDATE audit_entry SET recorded_at = recorded_at - 86400000000 WHERE case_id = {backdated} AND sequence = 2"
            ),
            // A deadline moved a month on, in the timer table.
            format!("UPDATE timer SET due_at = due_at + 2592000000000 WHERE case_id = {postponed}"),
        ] {
            conn.execute_unprepared(&sql).await.unwrap();
        }
        let report = t.store.verify_audit(None).await.unwrap();
        let code = |id: i64| t.store.case(id);
        let (a, b, d) = (
            code(handed_over).await.unwrap().case.code,
            code(moved_on).await.unwrap().case.code,
            code(assigned).await.unwrap().case.code,
        );
        let e = code(backdated).await.unwrap().case.code;
        let f = code(postponed).await.unwrap().case.code;
        assert_eq!(
            report.breaks,
            [
                ChainBreak::RowAltered { case: a.clone(), sequence: 2, fields: vec!["applicant"] },
                ChainBreak::RowAltered { case: b, sequence: 2, fields: vec!["state", "version"] },
                ChainBreak::RowAltered { case: d, sequence: 3, fields: vec!["office", "assignee"] },
                ChainBreak::TimeAltered { case: e, sequence: 2 },
                ChainBreak::RowAltered { case: f, sequence: 2, fields: vec!["timers"] },
            ],
            "{}",
            t.backend
        );
        assert_eq!(
            report.breaks[0].to_string(),
            format!("case {a} was changed outside Sportello: applicant differs from what entry 2 sealed")
        );
    }
}

#[tokio::test]
async fn a_checkpoint_of_the_chain_heads_finds_what_was_lost_since() {
    for t in stores("checkpoint_heads", MONDAY).await {
        let first = submitted(&t).await;
        let second = submitted(&t).await;
        let heads = t.store.chain_heads().await.unwrap();
        assert_eq!(
            heads.iter().map(|h| (h.id, h.sequence)).collect::<Vec<_>>(),
            [(first, 2), (second, 2)],
            "{}",
            t.backend
        );
        let key = signing_key(&"07".repeat(32)).unwrap();
        let checkpoint = Checkpoint::sign(heads, t.store.now(), &key);
        let now = t.store.cases_now(&checkpoint).await.unwrap();
        assert!(checkpoint.compare(&now).is_empty(), "{}", t.backend);

        // Entries added since are not a break; an entry deleted from the end is.
        apply(&t.store, first, "grant", clerk(), json!({"access_instructions": "Ufficio 3"})).await.unwrap();
        let conn = t.store.connection();
        conn.execute_unprepared(&format!("DELETE FROM audit_entry WHERE case_id = {second} AND sequence = 2"))
            .await
            .unwrap();
        let now = t.store.cases_now(&checkpoint).await.unwrap();
        let code = t.store.case(second).await.unwrap().case.code;
        assert_eq!(
            checkpoint.compare(&now),
            [CheckpointBreak::Truncated { case: code, sequence: 2, now: 2 }],
            "{}: the row's head still says 2, but entry 2 is gone",
            t.backend
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_attempts_at_one_version_let_exactly_one_through() {
    for t in stores("fifty_concurrent", MONDAY).await {
        let case_id = submitted(&t).await;
        let attempts = (0..50).map(|i| {
            let store = t.store.clone();
            tokio::spawn(async move {
                let command = ApplyTransition {
                    expected_version: Some(2),
                    ..step("grant", clerk(), json!({"access_instructions": format!("attempt {i}")}))
                };
                store.apply(Apply { code: None, case_id, command, idempotency_key: None }).await.map_err(|e| e.code())
            })
        });
        let mut results = Vec::new();
        for attempt in attempts.collect::<Vec<_>>() {
            results.push(attempt.await.unwrap());
        }
        let won = results.iter().filter(|r| r.is_ok()).count();
        let conflicts = results.iter().filter(|r| *r == &Err("stale-case-version")).count();
        assert_eq!((won, conflicts), (1, 49), "{}: {results:?}", t.backend);
        let case = t.store.case(case_id).await.unwrap();
        assert_eq!((case.case.version, case.audit_entries), (3, 3));
        assert_eq!(t.store.verify_audit(Some(case_id)).await.unwrap().breaks, []);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_requests_with_one_idempotency_key_open_one_case() {
    for t in stores("idempotency_race", MONDAY).await {
        t.store.deploy(&workflow("records-access"), Some("records-access")).await.unwrap();
        let attempts: Vec<_> = (0..20)
            .map(|_| {
                let store = t.store.clone();
                tokio::spawn(async move {
                    store
                        .open_case(OpenCase {
                            workflow: "records-access".into(),
                            applicant: APPLICANT.into(),
                            actor: citizen(),
                            data: json!({"reason": "double click"}),
                            idempotency_key: Some("form-double-click".into()),
                        })
                        .await
                        .map_err(|e| e.code())
                })
            })
            .collect();
        let mut ids = Vec::new();
        for attempt in attempts {
            ids.push(attempt.await.unwrap().map(|a| a.case_id));
        }
        let first = ids[0].unwrap();
        assert!(ids.iter().all(|id| *id == Ok(first)), "{}: {ids:?}", t.backend);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM \"case\"").await, 1, "{}", t.backend);
    }
}

#[tokio::test]
async fn sqlite_is_durable_by_default_in_wal_mode_with_foreign_keys_on() {
    let t = support::sqlite(MONDAY).await;
    let conn = t.store.connection();
    let pragma = |name: &'static str| async move {
        let statement = sea_orm::Statement::from_string(conn.get_database_backend(), format!("PRAGMA {name}"));
        conn.query_one_raw(statement).await.unwrap().unwrap()
    };
    assert_eq!(pragma("journal_mode").await.try_get_by_index::<String>(0).unwrap(), "wal");
    assert_eq!(pragma("synchronous").await.try_get_by_index::<i64>(0).unwrap(), 2, "FULL");
    assert_eq!(pragma("foreign_keys").await.try_get_by_index::<i64>(0).unwrap(), 1);
    // A row that names a case that does not exist is refused.
    let orphan = conn.execute_unprepared("INSERT INTO timer (case_id, kind, name, fire, due_at, created_at) VALUES (424242, 'deadline', 'x', 'y', 0, 0)").await;
    assert!(orphan.is_err(), "foreign keys are enforced");
}

#[tokio::test]
async fn a_timer_whose_transition_is_refused_is_written_in_the_audit_trail_and_dropped() {
    // The lapsing request, with a condition on its silence rule that is false by the time it falls due.
    let source = support::LAPSING_REQUEST.replace(
        "lapse: { from: waiting, to: lapsed, by: system }",
        "lapse: { from: waiting, to: lapsed, by: system, when: \"today < '2000-01-01'\" }",
    );
    for t in stores("timer_refused", MONDAY).await {
        t.store.deploy(&source, Some("lapsing-request")).await.unwrap();
        let opened = t
            .store
            .open_case(OpenCase {
                workflow: "lapsing-request".into(),
                applicant: APPLICANT.into(),
                actor: citizen(),
                data: json!({}),
                idempotency_key: None,
            })
            .await
            .unwrap();
        t.clock.advance(SignedDuration::from_hours(24 * 5));
        let round = t.store.fire_due_timers(100).await.unwrap();
        assert_eq!((round.fired, round.refused), (0, 1), "{}", t.backend);
        let case = t.store.case(opened.case_id).await.unwrap();
        assert_eq!((case.case.state.as_str(), case.case.version, case.audit_entries), ("waiting", 1, 2));
        assert_eq!(case.timers, [], "a refused timer is dropped, not retried for ever");
        let body = format!(
            "SELECT COUNT(*) FROM audit_entry WHERE case_id = {} AND sequence = 2 AND body LIKE '%\"outcome\":\"refused\"%' AND body LIKE '%guard-failed%'",
            opened.case_id
        );
        assert_eq!(count(&t, &body).await, 1, "{}", t.backend);
        assert_eq!(t.store.verify_audit(Some(opened.case_id)).await.unwrap().breaks, []);
    }
}
