//! Deleting a draft, on SQLite and on PostgreSQL when `TEST_POSTGRES_URL` is set: only a case still
//! in its initial state, only by its applicant, at the version they saw; afterwards the case is found
//! by no read, list or command, its data, timers and undelivered effects are gone, and its audit chain
//! and a checkpoint taken before still verify (the row stays, its last entry the deletion).

use sportello_testkit as support;

use jiff::SignedDuration;
use jiff::civil::{Date, date};
use serde_json::{Value, json};
use sportello_runtime::audit::ChainBreak;
use sportello_runtime::audit_checkpoint::{Checkpoint, signing_key};
use sportello_runtime::case::Actor;
use sportello_runtime::error::Error;
use sportello_runtime::transition::ApplyTransition;
use sportello_store::{Applied, Apply, CaseQuery, DeleteDraft, OpenCase, OutboxStatus, SaveDraft, Store, WaitingFor};
use support::{TestStore, stores};

const MONDAY: Date = date(2026, 3, 2);
const ANNA: &str = "RSSMRA85T10A562S";
const GIULIA: &str = "BNCGLI90A41F205X";

/// `office-request` (office `anagrafe`; its initial state `received` has a 48-hour deadline), with a
/// notification sent on opening, so that a fresh draft has a timer and an undelivered effect.
fn noted_request() -> String {
    let source = support::OFFICE_REQUEST
        .replace("    initial: true\n", "    initial: true\n    on_enter: [ { notify: received_note } ]\n");
    format!(
        "{source}notifications:\n  received_note:\n    subject: Richiesta ricevuta\n    markdown: |\n      \
         Abbiamo ricevuto la tua richiesta {{{{case.code}}}}: l'ufficio la esamina e ti scriverà appena \
         concluso l'esame.\n"
    )
}

fn citizen(fiscal_code: &str) -> Actor {
    Actor::Citizen { fiscal_code: fiscal_code.to_owned() }
}

fn clerk() -> Actor {
    Actor::Staff { user: "u-17".into(), roles: vec!["clerk".into()], offices: vec!["anagrafe".into()] }
}

async fn open(t: &TestStore, data: Value) -> i64 {
    let command = OpenCase {
        workflow: "office-request".into(),
        applicant: ANNA.into(),
        actor: citizen(ANNA),
        data,
        idempotency_key: None,
    };
    t.store.open_case(command).await.unwrap().case_id
}

fn delete(case_id: i64, actor: Actor, expected_version: Option<u64>) -> DeleteDraft {
    DeleteDraft { case_id, actor, expected_version }
}

async fn transition(store: &Store, case_id: i64, name: &str, actor: Actor) -> Result<Applied, Error> {
    let command = ApplyTransition {
        documents: Vec::new(),
        transition: name.into(),
        actor,
        input: json!({}),
        expected_version: None,
        term_day: None,
    };
    store.apply(Apply { code: None, case_id, command, idempotency_key: None }).await
}

#[tokio::test]
async fn only_the_applicant_deletes_a_draft_at_the_version_they_saw_and_never_once_sent() {
    for t in stores("dd_refusals", MONDAY).await {
        t.store.deploy(&noted_request(), Some("office-request")).await.unwrap();
        let s = &t.store;
        let draft = open(&t, json!({"subject": "Passo carrabile"})).await;

        let other = s.delete_draft(delete(draft, citizen(GIULIA), None)).await.unwrap_err();
        assert_eq!(other, Error::CaseNotFound, "another citizen is told it does not exist ({})", t.backend);
        let staff = s.delete_draft(delete(draft, clerk(), None)).await.unwrap_err();
        assert_eq!(staff.code(), "actor-not-allowed", "{}", t.backend);
        let stale = s.delete_draft(delete(draft, citizen(ANNA), Some(7))).await.unwrap_err();
        assert_eq!(stale, Error::StaleCaseVersion { expected: 7, current: 1 }, "{}", t.backend);
        let missing = s.delete_draft(delete(draft + 100, citizen(ANNA), None)).await.unwrap_err();
        assert_eq!(missing, Error::CaseNotFound, "{}", t.backend);
        let stored = s.case(draft).await.unwrap();
        assert_eq!((stored.case.version, stored.case.data), (1, json!({"subject": "Passo carrabile"})), "untouched");

        transition(s, draft, "park", clerk()).await.unwrap();
        let sent = s.delete_draft(delete(draft, citizen(ANNA), None)).await.unwrap_err();
        assert_eq!(sent, Error::TransitionNotAllowed { transition: "delete_draft".into(), state: "parked".into() });
        assert_eq!(s.audit_trail(draft).await.unwrap().len(), 2, "a refusal writes nothing ({})", t.backend);
    }
}

#[tokio::test]
async fn a_deleted_draft_is_gone_for_every_read_list_and_command() {
    for t in stores("dd_gone", MONDAY).await {
        t.store.deploy(&noted_request(), Some("office-request")).await.unwrap();
        let s = &t.store;
        let kept = open(&t, json!({})).await;
        let draft = open(&t, json!({"subject": "Passo carrabile"})).await;
        s.save_draft(SaveDraft {
            case_id: draft,
            data: json!({"notes": "via Roma 1"}).as_object().cloned().unwrap(),
            actor: citizen(ANNA),
            expected_version: None,
        })
        .await
        .unwrap();
        assert_eq!(s.case(draft).await.unwrap().timers.len(), 1, "the initial state's deadline");

        let deleted = s.delete_draft(delete(draft, citizen(ANNA), Some(2))).await.unwrap();
        assert_eq!(deleted.version, 3, "{}", t.backend);

        assert_eq!(s.case(draft).await.unwrap_err(), Error::CaseNotFound, "{}", t.backend);
        assert_eq!(s.case_summary(draft).await.unwrap_err(), Error::CaseNotFound, "{}", t.backend);
        assert!(s.case_if(draft, |_| true).await.unwrap().is_none());
        let everyone = s.search(&CaseQuery::default()).await.unwrap().items;
        assert_eq!(everyone.iter().map(|c| c.id).collect::<Vec<_>>(), [kept], "{}", t.backend);
        let anna = CaseQuery { applicant: Some(ANNA.into()), ..CaseQuery::default() };
        assert_eq!(s.search(&anna).await.unwrap().items.len(), 1, "{}", t.backend);
        let worklist = CaseQuery { waiting_for: Some(WaitingFor::Office), ..CaseQuery::default() };
        assert_eq!(s.search(&worklist).await.unwrap().items.len(), 1, "{}", t.backend);
        let counts = s.worklist_counts(&["anagrafe".to_owned()]).await.unwrap();
        assert_eq!(counts.iter().map(|c| c.count).sum::<u64>(), 1, "{}", t.backend);
        assert_eq!(transition(s, draft, "park", clerk()).await.unwrap_err(), Error::CaseNotFound);
        let again = s.delete_draft(delete(draft, citizen(ANNA), None)).await.unwrap_err();
        assert_eq!(again, Error::CaseNotFound, "{}", t.backend);

        // Its data, timer and undelivered notification are gone: the deadline never fires.
        assert_eq!(support::count(s, &format!("SELECT COUNT(*) FROM timer WHERE case_id = {draft}")).await, 0);
        let effects = s.case_effects(draft).await.unwrap();
        assert_eq!(effects.iter().map(|e| e.status).collect::<Vec<_>>(), [OutboxStatus::Dismissed], "{}", t.backend);
        assert_eq!(s.claim_effects(10, std::time::Duration::from_secs(60)).await.unwrap().len(), 1, "the kept one");
        let data =
            format!("SELECT COUNT(*) FROM \"case\" WHERE id = {draft} AND data = '{{}}' AND deleted_at IS NOT NULL");
        assert_eq!(support::count(s, &data).await, 1, "{}", t.backend);
        let payloads = format!("SELECT COUNT(*) FROM outbox WHERE case_id = {draft} AND payload = '{{}}'");
        assert_eq!(support::count(s, &payloads).await, 1, "the notification's copy of the data too ({})", t.backend);
        t.clock.advance(SignedDuration::from_hours(49));
        let fired = s.fire_due_timers(10).await.unwrap();
        assert_eq!(fired.fired, 1, "only the kept case's deadline ({})", t.backend);
    }
}

#[tokio::test]
async fn a_deleted_draft_keeps_its_audit_chain_and_a_checkpoint_taken_before_verifying() {
    for t in stores("dd_audit", MONDAY).await {
        t.store.deploy(&noted_request(), Some("office-request")).await.unwrap();
        let s = &t.store;
        let draft = open(&t, json!({"subject": "Passo carrabile"})).await;
        let key = signing_key(&"07".repeat(32)).unwrap();
        let checkpoint = Checkpoint::sign(s.chain_heads().await.unwrap(), s.now(), &key);

        s.delete_draft(delete(draft, citizen(ANNA), None)).await.unwrap();

        let report = s.verify_audit(None).await.unwrap();
        assert!(report.breaks.is_empty(), "{:?} ({})", report.breaks, t.backend);
        assert_eq!((report.cases, report.entries), (1, 2), "{}", t.backend);
        assert!(checkpoint.compare(&s.cases_now(&checkpoint).await.unwrap()).is_empty(), "{}", t.backend);
        let trail = s.audit_trail(draft).await.unwrap();
        let last = &trail.last().unwrap().body;
        assert_eq!((&last["command"], &last["actor"]), (&json!("delete_draft"), &json!("the applicant")));

        // Brought back behind Sportello's back, the draft no longer passes.
        let undelete = format!("UPDATE \"case\" SET deleted_at = NULL WHERE id = {draft}");
        sea_orm::ConnectionTrait::execute_unprepared(s.connection(), &undelete).await.unwrap();
        let report = s.verify_audit(Some(draft)).await.unwrap();
        assert!(
            matches!(&report.breaks[..], [ChainBreak::RowAltered { fields, .. }] if fields == &["deleted_at"]),
            "{:?} ({})",
            report.breaks,
            t.backend
        );
    }
}
