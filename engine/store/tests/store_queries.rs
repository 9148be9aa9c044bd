//! The store's reads for lists and worklists, and its staff commands, on SQLite and on PostgreSQL when
//! `TEST_POSTGRES_URL` is set: search filters, order by legal due date, keyset pages, the worklist
//! columns kept by every write (transitions, timers, migration 8), worklist counts, the audit trail,
//! assignment, drafts saved before sending, and refused requests in the audit chain.

use sportello_testkit as support;

use jiff::civil::{Date, date};
use jiff::{SignedDuration, Timestamp};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use sportello_runtime::case::Actor;
use sportello_runtime::clock::end_of_day;
use sportello_runtime::error::Error;
use sportello_runtime::transition::ApplyTransition;
use sportello_store::{
    Applied, Apply, Assign, CaseQuery, CaseSummary, DueFilter, OpenCase, Refusal, SaveDraft, StateCount, Store,
    WaitingFor,
};
use support::{TestStore, stores, workflow};

const MONDAY: Date = date(2026, 3, 2);
const ANNA: &str = "RSSMRA85T10A562S";
const GIULIA: &str = "BNCGLI90A41F205X";

/// Office `anagrafe`: `received` (the office, 48 hours), `parked` (the office, no term),
/// `documents_requested` (the citizen, 5 days), final `expired` and `done`.
const REQUEST: &str = support::OFFICE_REQUEST;

/// The same workflow as `tax-request`, owned by office `tributi`.
fn tax_request() -> String {
    REQUEST.replace("id: office-request", "id: tax-request").replace("office: anagrafe", "office: tributi")
}

fn citizen(fiscal_code: &str) -> Actor {
    Actor::Citizen { fiscal_code: fiscal_code.to_owned() }
}

fn clerk(office: &str) -> Actor {
    Actor::Staff { user: "u-17".into(), roles: vec!["clerk".into()], offices: vec![office.into()] }
}

async fn deploy_requests(t: &TestStore) {
    t.store.deploy(REQUEST, Some("office-request")).await.unwrap();
    t.store.deploy(&tax_request(), Some("tax-request")).await.unwrap();
}

async fn open(store: &Store, workflow: &str, applicant: &str) -> i64 {
    let command = OpenCase {
        workflow: workflow.into(),
        applicant: applicant.into(),
        actor: citizen(applicant),
        data: json!({}),
        idempotency_key: None,
    };
    store.open_case(command).await.unwrap().case_id
}

async fn apply(store: &Store, case_id: i64, transition: &str, actor: Actor, input: Value) -> Applied {
    let command = ApplyTransition {
        documents: Vec::new(),
        transition: transition.into(),
        actor,
        input,
        expected_version: None,
        term_day: None,
    };
    store.apply(Apply { code: None, case_id, command, idempotency_key: None }).await.unwrap()
}

/// The ids of the first page `query` finds.
async fn ids(store: &Store, query: CaseQuery) -> Vec<i64> {
    store.search(&query).await.unwrap().items.iter().map(|c| c.id).collect()
}

/// The case's summary, found by its code.
async fn summary(store: &Store, case_id: i64) -> CaseSummary {
    let code = store.case(case_id).await.unwrap().case.code;
    let mut page = store.search(&CaseQuery { code: Some(code), ..CaseQuery::default() }).await.unwrap();
    assert_eq!(page.items.len(), 1);
    page.items.remove(0)
}

/// The soonest timer the case has, as the case page reads it.
async fn soonest_timer(store: &Store, case_id: i64) -> Option<Timestamp> {
    store.case(case_id).await.unwrap().timers.first().map(|t| t.due_at)
}

fn sorted_by_due(items: &[CaseSummary]) -> bool {
    items
        .windows(2)
        .all(|w| (w[0].due_at.is_none(), w[0].due_at, w[0].id) < (w[1].due_at.is_none(), w[1].due_at, w[1].id))
}

#[tokio::test]
async fn each_search_filter_narrows_the_cases() {
    for t in stores("q_filters", MONDAY).await {
        deploy_requests(&t).await;
        let s = &t.store;
        let opened_at = s.now();
        let a = open(s, "office-request", ANNA).await;
        t.clock.advance(SignedDuration::from_hours(1));
        let b = open(s, "office-request", GIULIA).await;
        apply(s, b, "ask_documents", clerk("anagrafe"), json!({})).await;
        t.clock.advance(SignedDuration::from_hours(1));
        let c = open(s, "tax-request", ANNA).await;
        let d = open(s, "office-request", GIULIA).await;
        apply(s, d, "park", clerk("anagrafe"), json!({})).await;
        let e = open(s, "office-request", ANNA).await;
        apply(s, e, "close", clerk("anagrafe"), json!({})).await;
        s.assign(Assign {
            case_id: a,
            assignee: Some("u-17".into()),
            actor: clerk("anagrafe"),
            expected_version: None,
        })
        .await
        .unwrap();
        let q = CaseQuery::default;

        // By due date: a (48 hours from 9:00), c (from 11:00), b (5 days); then d and e, which have none.
        assert_eq!(ids(s, q()).await, [a, c, b, d, e], "{}", t.backend);
        assert_eq!(ids(s, CaseQuery { workflow: Some("tax-request".into()), ..q() }).await, [c]);
        assert_eq!(ids(s, CaseQuery { state: Some("parked".into()), ..q() }).await, [d]);
        assert_eq!(ids(s, CaseQuery { waiting_for: Some(WaitingFor::Citizen), ..q() }).await, [b]);
        assert_eq!(ids(s, CaseQuery { waiting_for: Some(WaitingFor::Office), ..q() }).await, [a, c, d]);
        assert_eq!(ids(s, CaseQuery { offices: Some(vec!["tributi".into()]), ..q() }).await, [c]);
        assert_eq!(ids(s, CaseQuery { offices: Some(vec![]), ..q() }).await, [] as [i64; 0]);
        let both = Some(vec!["anagrafe".into(), "tributi".into()]);
        assert_eq!(ids(s, CaseQuery { offices: both, ..q() }).await, [a, c, b, d, e]);
        assert_eq!(ids(s, CaseQuery { office: Some("anagrafe".into()), ..q() }).await, [a, b, d, e]);
        assert_eq!(ids(s, CaseQuery { applicant: Some(GIULIA.into()), ..q() }).await, [b, d]);
        assert_eq!(ids(s, CaseQuery { assignee: Some("u-17".into()), ..q() }).await, [a]);
        let code = s.case(c).await.unwrap().case.code;
        assert_eq!(ids(s, CaseQuery { code: Some(code.clone()), ..q() }).await, [c]);
        assert_eq!(ids(s, CaseQuery { code: Some(code.to_lowercase()), ..q() }).await, [c]);
        assert_eq!(ids(s, CaseQuery { code: Some(format!(" {code} ")), ..q() }).await, [c]);
        let other_workflow = code.replacen("TR-", "OR-", 1);
        assert_eq!(ids(s, CaseQuery { code: Some(other_workflow), ..q() }).await, [] as [i64; 0]);
        assert_eq!(ids(s, CaseQuery { code: Some("nonsense".into()), ..q() }).await, [] as [i64; 0]);
        // Filters add up: Giulia's cases waiting for the office.
        let giulia_office = CaseQuery { applicant: Some(GIULIA.into()), waiting_for: Some(WaitingFor::Office), ..q() };
        assert_eq!(ids(s, giulia_office).await, [d]);

        // Half an hour after a's 48 hours (Wednesday 9:30): a is overdue, c falls due today. "Within N
        // days" counts last days: today + N, to the end of that day.
        let a_due = soonest_timer(s, a).await.unwrap();
        assert_eq!(a_due, opened_at + SignedDuration::from_hours(48));
        t.clock.set(a_due + SignedDuration::from_mins(30));
        assert_eq!(ids(s, CaseQuery { due: Some(DueFilter::Overdue), ..q() }).await, [a], "{}", t.backend);
        assert_eq!(ids(s, CaseQuery { due: Some(DueFilter::Within { days: 0 }), ..q() }).await, [a, c]);
        assert_eq!(ids(s, CaseQuery { due: Some(DueFilter::Within { days: 1 }), ..q() }).await, [a, c]);
        // b's five days from Monday end on Saturday 7 March, moved to Monday 9 March: due at its end.
        assert_eq!(soonest_timer(s, b).await, Some(end_of_day(date(2026, 3, 9))));
        assert_eq!(ids(s, CaseQuery { due: Some(DueFilter::Within { days: 4 }), ..q() }).await, [a, c]);
        assert_eq!(ids(s, CaseQuery { due: Some(DueFilter::Within { days: 5 }), ..q() }).await, [a, c, b]);
        let overdue_of_tributi = CaseQuery { due: Some(DueFilter::Overdue), office: Some("tributi".into()), ..q() };
        assert_eq!(ids(s, overdue_of_tributi).await, [] as [i64; 0]);
    }
}

#[tokio::test]
async fn keyset_pages_return_every_case_once_by_due_date_with_undated_cases_last() {
    for t in stores("q_pages", MONDAY).await {
        deploy_requests(&t).await;
        let s = &t.store;
        for i in 0..25 {
            // Every fifth case opens at the same instant as the one before it: equal due dates, by id.
            if i % 5 != 1 {
                t.clock.advance(SignedDuration::from_mins(10));
            }
            let id = open(s, "office-request", ANNA).await;
            if i % 4 == 0 {
                apply(s, id, "park", clerk("anagrafe"), json!({})).await;
            }
        }
        let all = s.search(&CaseQuery { limit: Some(200), ..CaseQuery::default() }).await.unwrap();
        assert_eq!((all.items.len(), &all.next), (25, &None));
        assert!(sorted_by_due(&all.items), "{}: {:?}", t.backend, all.items);
        assert_eq!(all.items.iter().filter(|c| c.due_at.is_none()).count(), 7);
        assert!(all.items.windows(2).any(|w| w[0].due_at.is_some() && w[0].due_at == w[1].due_at), "ties exist");

        for query in [
            CaseQuery::default(),
            CaseQuery { waiting_for: Some(WaitingFor::Office), ..CaseQuery::default() },
            CaseQuery { due: Some(DueFilter::Within { days: 30 }), ..CaseQuery::default() },
        ] {
            let expected: Vec<i64> = s
                .search(&CaseQuery { limit: Some(200), ..query.clone() })
                .await
                .unwrap()
                .items
                .iter()
                .map(|c| c.id)
                .collect();
            let mut seen = Vec::new();
            let mut sizes = Vec::new();
            let mut after = None;
            loop {
                let page = s.search(&CaseQuery { limit: Some(10), after, ..query.clone() }).await.unwrap();
                sizes.push(page.items.len());
                seen.extend(page.items.iter().map(|c| c.id));
                match page.next {
                    Some(next) => after = Some(next),
                    None => break,
                }
            }
            assert_eq!(seen, expected, "{}: {query:?}", t.backend);
            let full = expected.len() / 10;
            assert_eq!(sizes[..full], vec![10; full][..], "{query:?}");
        }

        // The page size is clamped: at least one case, at most 200.
        assert_eq!(s.search(&CaseQuery { limit: Some(0), ..CaseQuery::default() }).await.unwrap().items.len(), 1);
        assert_eq!(s.search(&CaseQuery::default()).await.unwrap().items.len(), 25);
    }
}

#[tokio::test]
async fn a_cursor_the_store_did_not_give_out_is_refused() {
    for t in stores("q_cursor", MONDAY).await {
        deploy_requests(&t).await;
        open(&t.store, "office-request", ANNA).await;
        for bad in ["", "garbage", "d12", "n-", "d1.2.3", "n007"] {
            let query = CaseQuery { after: Some(bad.into()), ..CaseQuery::default() };
            let refused = t.store.search(&query).await.unwrap_err();
            assert_eq!((refused.code(), &refused), ("invalid-cursor", &Error::InvalidCursor), "{bad:?}");
        }
    }
}

#[tokio::test]
async fn waiting_for_and_due_at_follow_transitions_and_timers() {
    for t in stores("q_columns", MONDAY).await {
        deploy_requests(&t).await;
        let s = &t.store;
        let x = open(s, "office-request", ANNA).await;
        let check = |state: &'static str, waiting_for: Option<WaitingFor>| async move {
            let found = summary(s, x).await;
            assert_eq!((found.state.as_str(), found.waiting_for), (state, waiting_for), "{}", t.backend);
            assert_eq!(found.due_at, soonest_timer(s, x).await, "{}: {state}", t.backend);
            found.due_at
        };
        let received = check("received", Some(WaitingFor::Office)).await;
        assert!(received.is_some());
        apply(s, x, "ask_documents", clerk("anagrafe"), json!({})).await;
        let documents = check("documents_requested", Some(WaitingFor::Citizen)).await;
        assert!(documents > received);
        t.clock.advance(SignedDuration::from_hours(24));
        apply(s, x, "send_documents", citizen(ANNA), json!({})).await;
        let again = check("received", Some(WaitingFor::Office)).await;
        assert_eq!(again, received.map(|r| r + SignedDuration::from_hours(24)));
        apply(s, x, "park", clerk("anagrafe"), json!({})).await;
        assert_eq!(check("parked", Some(WaitingFor::Office)).await, None);
        apply(s, x, "close", clerk("anagrafe"), json!({})).await;
        assert_eq!(check("done", None).await, None);

        // A timer that fires takes the case to a final state: nothing to wait for, nothing due.
        let y = open(s, "office-request", GIULIA).await;
        t.clock.advance(SignedDuration::from_hours(72));
        assert_eq!(s.fire_due_timers(10).await.unwrap().fired, 1, "{}", t.backend);
        let lapsed = summary(s, y).await;
        assert_eq!((lapsed.state.as_str(), lapsed.waiting_for, lapsed.due_at), ("expired", None, None));
    }
}

#[tokio::test]
async fn due_at_is_the_soonest_of_a_deadline_and_a_clock_that_keeps_running() {
    for t in stores("q_clock", MONDAY).await {
        t.store.deploy(&workflow("records-access"), Some("records-access")).await.unwrap();
        let s = &t.store;
        let id = open(s, "records-access", ANNA).await;
        let draft = summary(s, id).await;
        assert_eq!((draft.waiting_for, draft.due_at), (Some(WaitingFor::Citizen), None));
        let request = json!({"applicant_fiscal_code": ANNA, "requested_records": "Verbale del 3 marzo",
            "reason": "Tutela di un interesse diretto", "access_mode": "digital_copy"});
        apply(s, id, "submit", citizen(ANNA), request).await;
        // The 30-day clock, from Monday 2 March: its term ends on 1 April.
        let clock_expiry = end_of_day(date(2026, 4, 1));
        assert_eq!(summary(s, id).await.due_at, Some(clock_expiry), "{}", t.backend);
        // Ten days for the counterparties to oppose, inside the thirty: the deadline comes first.
        apply(s, id, "notify_counterparties", clerk("segreteria"), json!({"counterparties_count": 2})).await;
        let notified = summary(s, id).await;
        assert_eq!(notified.waiting_for, Some(WaitingFor::External));
        assert!(notified.due_at < Some(clock_expiry) && notified.due_at == soonest_timer(s, id).await);
        // Leaving the state cancels its deadline; the clock's timer, untouched by the command, is due again.
        apply(s, id, "record_opposition", clerk("segreteria"), json!({"opposition_summary": "No"})).await;
        let reviewed = summary(s, id).await;
        assert_eq!(
            (reviewed.waiting_for, reviewed.due_at),
            (Some(WaitingFor::Office), Some(clock_expiry)),
            "{}",
            t.backend
        );
    }
}

#[tokio::test]
async fn a_refused_timer_leaves_nothing_due() {
    let source = support::LAPSING_REQUEST.replace(
        "lapse: { from: waiting, to: lapsed, by: system }",
        "lapse: { from: waiting, to: lapsed, by: system, when: \"today < '2000-01-01'\" }",
    );
    for t in stores("q_refused_timer", MONDAY).await {
        t.store.deploy(&source, Some("lapsing-request")).await.unwrap();
        let id = open(&t.store, "lapsing-request", ANNA).await;
        assert!(summary(&t.store, id).await.due_at.is_some());
        t.clock.advance(SignedDuration::from_hours(24 * 5));
        assert_eq!(t.store.fire_due_timers(10).await.unwrap().refused, 1);
        let waiting = summary(&t.store, id).await;
        assert_eq!(
            (waiting.state.as_str(), waiting.waiting_for, waiting.due_at),
            ("waiting", Some(WaitingFor::Citizen), None)
        );
    }
}

#[tokio::test]
async fn worklist_counts_cover_the_cases_waiting_for_the_office() {
    for t in stores("q_worklist", MONDAY).await {
        deploy_requests(&t).await;
        let s = &t.store;
        let first = open(s, "office-request", ANNA).await;
        t.clock.advance(SignedDuration::from_hours(10));
        open(s, "office-request", GIULIA).await;
        let parked = open(s, "office-request", GIULIA).await;
        apply(s, parked, "park", clerk("anagrafe"), json!({})).await;
        let with_citizen = open(s, "office-request", ANNA).await;
        apply(s, with_citizen, "ask_documents", clerk("anagrafe"), json!({})).await;
        let closed = open(s, "office-request", ANNA).await;
        apply(s, closed, "close", clerk("anagrafe"), json!({})).await;
        let tax = open(s, "tax-request", ANNA).await;
        let first_due = soonest_timer(s, first).await.unwrap();
        t.clock.set(first_due + SignedDuration::from_mins(1));

        let anagrafe = s.worklist_counts(&["anagrafe".to_owned()]).await.unwrap();
        let count = |workflow: &str, state: &str, count, overdue, earliest_due| StateCount {
            workflow: workflow.into(),
            state: state.into(),
            count,
            overdue,
            earliest_due,
        };
        assert_eq!(
            anagrafe,
            [count("office-request", "parked", 1, 0, None), count("office-request", "received", 2, 1, Some(first_due))],
            "{}",
            t.backend
        );
        let both = s.worklist_counts(&["anagrafe".to_owned(), "tributi".to_owned()]).await.unwrap();
        assert_eq!(both.len(), 3);
        assert_eq!(both[2], count("tax-request", "received", 1, 0, soonest_timer(s, tax).await));
        assert_eq!(s.worklist_counts(&[]).await.unwrap(), []);
        assert_eq!(s.worklist_counts(&["protocollo".to_owned()]).await.unwrap(), []);
    }
}

#[tokio::test]
async fn the_audit_trail_lists_every_entry_in_sequence() {
    for t in stores("q_trail", MONDAY).await {
        deploy_requests(&t).await;
        let s = &t.store;
        let opened_at = s.now();
        let id = open(s, "office-request", ANNA).await;
        t.clock.advance(SignedDuration::from_hours(1));
        apply(s, id, "ask_documents", clerk("anagrafe"), json!({})).await;
        t.clock.advance(SignedDuration::from_hours(1));
        apply(s, id, "send_documents", citizen(ANNA), json!({})).await;

        let trail = s.audit_trail(id).await.unwrap();
        let sequences: Vec<u64> = trail.iter().map(|e| e.sequence).collect();
        assert_eq!(sequences, [1, 2, 3], "{}", t.backend);
        let commands: Vec<&str> = trail.iter().map(|e| e.body["command"].as_str().unwrap()).collect();
        assert_eq!(commands, ["open", "apply", "apply"]);
        assert_eq!(trail[1].body["transition"], "ask_documents");
        assert_eq!((&trail[2].body["from"], &trail[2].body["to"]), (&json!("documents_requested"), &json!("received")));
        assert_eq!(trail[0].recorded_at, opened_at);
        assert_eq!(trail[2].recorded_at, opened_at + SignedDuration::from_hours(2));
        assert!(trail.iter().all(|e| e.hash.len() == 64 && e.hash.chars().all(|c| c.is_ascii_hexdigit())));
        assert_eq!(s.audit_trail(999_999).await.unwrap_err(), Error::CaseNotFound);
    }
}

#[tokio::test]
async fn assigning_raises_the_version_is_audited_and_refuses_a_stale_version() {
    for t in stores("q_assign", MONDAY).await {
        deploy_requests(&t).await;
        let s = &t.store;
        let id = open(s, "office-request", ANNA).await;
        let before = summary(s, id).await;
        let assign = |assignee: Option<&str>, expected_version| Assign {
            case_id: id,
            assignee: assignee.map(str::to_owned),
            actor: clerk("anagrafe"),
            expected_version,
        };
        let assigned = s.assign(assign(Some("u-42"), Some(1))).await.unwrap();
        assert_eq!(
            (assigned.version, assigned.state.as_str(), assigned.code.as_str()),
            (2, "received", before.code.as_str())
        );
        let after = summary(s, id).await;
        assert_eq!((after.assignee.as_deref(), after.version), (Some("u-42"), 2), "{}", t.backend);
        assert_eq!((after.state, after.waiting_for, after.due_at), (before.state, before.waiting_for, before.due_at));

        let stale = s.assign(assign(Some("u-43"), Some(1))).await.unwrap_err();
        assert_eq!(stale, Error::StaleCaseVersion { expected: 1, current: 2 });
        let taken_off = s.assign(assign(None, None)).await.unwrap();
        assert_eq!(taken_off.version, 3);
        assert_eq!(summary(s, id).await.assignee, None);
        let missing = Assign { case_id: 999_999, ..assign(None, None) };
        assert_eq!(s.assign(missing).await.unwrap_err(), Error::CaseNotFound);

        let trail = s.audit_trail(id).await.unwrap();
        let assigns: Vec<(Value, Value, Value)> = trail[1..]
            .iter()
            .map(|e| (e.body["command"].clone(), e.body["from"].clone(), e.body["to"].clone()))
            .collect();
        assert_eq!(
            assigns,
            [(json!("assign"), json!(null), json!("u-42")), (json!("assign"), json!("u-42"), json!(null))]
        );
        assert_eq!(trail[1].body["actor"], "staff member u-17");
        assert_eq!(s.verify_audit(Some(id)).await.unwrap().breaks, []);
        // A transition still moves it on from the new version.
        assert_eq!(apply(s, id, "park", clerk("anagrafe"), json!({})).await.version, 4);
    }
}

#[tokio::test]
async fn a_refusal_goes_to_the_security_log_not_to_the_case() {
    for t in stores("q_refusals", MONDAY).await {
        deploy_requests(&t).await;
        let s = &t.store;
        let id = open(s, "office-request", ANNA).await;
        let before = summary(s, id).await;
        let trail = s.audit_trail(id).await.unwrap().len();
        let refusal = |actor: &str, action: &str, target: &str| Refusal {
            at: s.now(),
            actor: actor.to_owned(),
            action: action.to_owned(),
            target: target.to_owned(),
            refusal: "case-not-found".to_owned(),
        };
        s.record_refusal(refusal("citizen BNCGLI90A41F205X", "read", &before.code)).await.unwrap();
        s.record_refusal(refusal("staff member u-17", "apply:close", "XX-2026-999999")).await.unwrap();

        assert_eq!(summary(s, id).await, before, "{}", t.backend);
        assert_eq!(s.audit_trail(id).await.unwrap().len(), trail, "{}: the trail is untouched", t.backend);
        let logged = s.refusals(10).await.unwrap();
        let logged: Vec<_> = logged.iter().map(|r| (r.actor.as_str(), r.action.as_str(), r.target.as_str())).collect();
        assert_eq!(
            logged,
            [
                ("staff member u-17", "apply:close", "XX-2026-999999"),
                ("citizen BNCGLI90A41F205X", "read", &before.code)
            ],
            "{}: newest first",
            t.backend
        );
        assert_eq!(s.refusals(1).await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn migration_8_fills_due_at_from_timers_and_waiting_for_is_filled_after_it() {
    for t in support::stores_migrated_to("q_migration", MONDAY, 7).await {
        t.store.deploy(REQUEST, Some("office-request")).await.unwrap();
        let conn = t.store.connection();
        for (id, state) in [(1, "received"), (2, "parked"), (3, "done")] {
            conn.execute_unprepared(&format!(
                "INSERT INTO \"case\" (id, workflow, workflow_version, state, data, clocks, version, applicant, \
                 office, assignee, opened_on, opened_at, updated_at, audit_sequence, audit_hash) VALUES \
                 ({id}, 'office-request', 1, '{state}', '{{}}', '{{}}', 1, '{ANNA}', 'anagrafe', NULL, \
                 '2026-03-02', 0, 0, 0, '{}')",
                "0".repeat(64)
            ))
            .await
            .unwrap();
        }
        for (kind, name, due_at) in [("deadline", "received", 3_000), ("clock", "procedure", 2_000)] {
            conn.execute_unprepared(&format!(
                "INSERT INTO timer (case_id, kind, name, fire, due_at, created_at) VALUES (1, '{kind}', '{name}', 'expire', {due_at}, 0)"
            ))
            .await
            .unwrap();
        }
        t.store.migrate_up().await.unwrap();

        let all = t.store.search(&CaseQuery::default()).await.unwrap().items;
        let columns: Vec<_> = all.iter().map(|c| (c.id, c.waiting_for, c.due_at.map(|d| d.as_microsecond()))).collect();
        assert_eq!(columns, [(1, None, Some(2_000)), (2, None, None), (3, None, None)], "{}", t.backend);
        assert_eq!(t.store.fill_waiting_for().await.unwrap(), 2);
        assert_eq!(t.store.fill_waiting_for().await.unwrap(), 0, "nothing left to fill");
        let all = t.store.search(&CaseQuery::default()).await.unwrap().items;
        let filled: Vec<_> = all.iter().map(|c| (c.id, c.waiting_for)).collect();
        assert_eq!(filled, [(1, Some(WaitingFor::Office)), (2, Some(WaitingFor::Office)), (3, None)]);
    }
}

/// The plan SQLite picks for a staff search by applicant (the search's own statement for undated
/// cases).
async fn applicant_search_plan(store: &Store) -> String {
    let sql = "SELECT \"id\" FROM \"case\" WHERE \"applicant\" = 'RSSMRA85T10A562S' \
               AND \"office\" IN ('anagrafe') AND \"due_at\" IS NULL ORDER BY \"id\" LIMIT 51";
    plan(store, sql).await
}

#[tokio::test]
async fn optimize_gives_sqlite_the_statistics_to_pick_the_applicant_index() {
    for t in stores("q_optimize", MONDAY).await {
        deploy_requests(&t).await;
        for n in 0..60 {
            // One office, many applicants: the applicant is the selective filter.
            let applicant = if n % 20 == 0 { ANNA.to_owned() } else { format!("APPLICANT{n:07}") };
            let command = OpenCase {
                workflow: "office-request".into(),
                applicant: applicant.clone(),
                actor: clerk("anagrafe"),
                data: json!({}),
                idempotency_key: None,
            };
            let case_id = t.store.open_case(command).await.unwrap().case_id;
            apply(&t.store, case_id, "park", clerk("anagrafe"), json!({})).await;
        }
        t.store.optimize().await.unwrap();
        if t.backend == "sqlite" {
            let plan = applicant_search_plan(&t.store).await;
            assert!(plan.contains("case_applicant_due"), "{plan}");
        }
        let query =
            CaseQuery { applicant: Some(ANNA.into()), offices: Some(vec!["anagrafe".into()]), ..CaseQuery::default() };
        assert_eq!(ids(&t.store, query).await.len(), 3, "{}", t.backend);
    }
}

/// The plan the database picks for `sql`: SQLite's `EXPLAIN QUERY PLAN`; PostgreSQL's `EXPLAIN`, with
/// sequential scans off in a transaction of its own, so that on a table of a few rows the plan still
/// shows whether the statement can use an index at all.
async fn plan(store: &Store, sql: &str) -> String {
    use sea_orm::{Statement, TransactionTrait};
    let conn = store.connection();
    let backend = conn.get_database_backend();
    if backend == sea_orm::DbBackend::Postgres {
        let txn = conn.begin().await.unwrap();
        txn.execute_unprepared("SET LOCAL enable_seqscan = off").await.unwrap();
        let rows = txn.query_all_raw(Statement::from_string(backend, format!("EXPLAIN {sql}"))).await.unwrap();
        txn.rollback().await.unwrap();
        return rows.iter().map(|row| row.try_get::<String>("", "QUERY PLAN").unwrap()).collect::<Vec<_>>().join("; ");
    }
    let rows = conn.query_all_raw(Statement::from_string(backend, format!("EXPLAIN QUERY PLAN {sql}"))).await;
    rows.unwrap().iter().map(|row| row.try_get::<String>("", "detail").unwrap()).collect::<Vec<_>>().join("; ")
}

#[tokio::test]
async fn migration_13_leaves_concluded_and_unassigned_cases_out_of_two_indexes_that_the_lists_still_read() {
    for t in support::stores_migrated_to("q_trim_indexes", MONDAY, 12).await {
        deploy_requests(&t).await;
        let s = &t.store;
        // Written by hand, as the commands of today read columns of later migrations: a case waiting
        // for the office (its 48-hour term running) assigned to u-42, and a concluded one.
        let due_at = (s.now() + SignedDuration::from_hours(48)).as_microsecond();
        let rows = [
            (ANNA, "received", "'office'", "'u-42'", due_at.to_string()),
            (GIULIA, "done", "NULL", "NULL", "NULL".to_owned()),
        ];
        for (applicant, state, waiting_for, assignee, due_at) in rows {
            s.connection()
                .execute_unprepared(&format!(
                    "INSERT INTO \"case\" (workflow, workflow_version, state, data, clocks, version, applicant, \
                     office, assignee, opened_on, opened_at, updated_at, audit_sequence, audit_hash, waiting_for, \
                     due_at) VALUES ('office-request', 1, '{state}', '{{}}', '{{}}', 2, '{applicant}', 'anagrafe', \
                     {assignee}, '2026-03-02', 0, 0, 0, '{}', {waiting_for}, {due_at})",
                    "0".repeat(64)
                ))
                .await
                .unwrap();
        }
        let waiting = 1; // The concluded case is 2, in no worklist.
        let assign = |case_id, assignee: &str| Assign {
            case_id,
            assignee: Some(assignee.to_owned()),
            actor: clerk("anagrafe"),
            expected_version: None,
        };
        s.migrate_up().await.unwrap();

        // Rows written before the migration and after it are found as before.
        t.clock.advance(SignedDuration::from_hours(1));
        let later = open(s, "office-request", GIULIA).await;
        s.assign(assign(later, "u-42")).await.unwrap();
        let worklist = || CaseQuery {
            waiting_for: Some(WaitingFor::Office),
            offices: Some(vec!["anagrafe".into()]),
            ..CaseQuery::default()
        };
        assert_eq!(ids(s, worklist()).await, [waiting, later], "{}", t.backend);
        let mine = || CaseQuery { assignee: Some("u-42".into()), ..CaseQuery::default() };
        assert_eq!(ids(s, mine()).await, [waiting, later], "{}", t.backend);
        apply(s, later, "close", clerk("anagrafe"), json!({})).await;
        assert_eq!(ids(s, worklist()).await, [waiting], "{}", t.backend);
        assert_eq!(ids(s, mine()).await, [waiting, later], "a concluded case stays its clerk's ({})", t.backend);
        let counts = s.worklist_counts(&["anagrafe".to_owned()]).await.unwrap();
        assert_eq!(counts.iter().map(|c| (c.state.as_str(), c.count)).collect::<Vec<_>>(), [("received", 1)]);

        // Each list's statement can read its index: `waiting_for = ?` and `assignee = ?` imply that
        // the column is not null, which is the partial index's condition.
        let lists = [
            (
                "SELECT \"id\" FROM \"case\" WHERE \"waiting_for\" = 'office' AND \"office\" IN ('anagrafe') \
                 AND \"due_at\" IS NOT NULL ORDER BY \"due_at\", \"id\" LIMIT 51",
                "case_office_waiting_due",
            ),
            (
                "SELECT \"id\" FROM \"case\" WHERE \"assignee\" = 'u-42' AND \"due_at\" IS NULL \
                 ORDER BY \"due_at\", \"id\" LIMIT 51",
                "case_assignee_due",
            ),
        ];
        for (sql, index) in lists {
            let plan = plan(s, sql).await;
            assert!(plan.contains(index), "{}: {plan}", t.backend);
        }
        let partial = |name| async move {
            index_definition(s, name).await.map(|sql| sql.to_lowercase().replace(['"', '(', ')'], ""))
        };
        let worklist_index = partial("case_office_waiting_due").await.unwrap();
        assert!(worklist_index.contains("where waiting_for is not null"), "{worklist_index}");
        let assignee_index = partial("case_assignee_due").await.unwrap();
        assert!(assignee_index.contains("where assignee is not null"), "{assignee_index}");
        assert_eq!(index_definition(s, "case_applicant_opened").await, None, "{}", t.backend);
    }
}

/// How an index of the store's schema was created, if it exists.
async fn index_definition(store: &Store, name: &str) -> Option<String> {
    let conn = store.connection();
    let backend = conn.get_database_backend();
    let (sql, column) = if backend == sea_orm::DbBackend::Postgres {
        ("SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = $1", "indexdef")
    } else {
        ("SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?", "sql")
    };
    let row = conn.query_one_raw(sea_orm::Statement::from_sql_and_values(backend, sql, [name.into()])).await.unwrap();
    row.map(|row| row.try_get::<String>("", column).unwrap())
}

fn draft(case_id: i64, actor: Actor, data: Value, expected_version: Option<u64>) -> SaveDraft {
    SaveDraft { case_id, data: data.as_object().cloned().unwrap(), actor, expected_version }
}

#[tokio::test]
async fn a_draft_is_saved_by_its_applicant_until_it_leaves_the_initial_state() {
    for t in stores("q_drafts", MONDAY).await {
        deploy_requests(&t).await;
        let s = &t.store;
        let a = open(s, "office-request", ANNA).await;
        let saved = s.save_draft(draft(a, citizen(ANNA), json!({"name": "Anna", "note": "x"}), Some(1))).await.unwrap();
        assert_eq!(saved.version, 2, "{}", t.backend);
        // A field set to null is removed; the others stay.
        s.save_draft(draft(a, citizen(ANNA), json!({"note": null, "age": 7}), None)).await.unwrap();
        let case = s.case(a).await.unwrap().case;
        assert_eq!(case.data, json!({"name": "Anna", "age": 7}));
        assert_eq!(case.state.as_str(), "received", "saving a draft does not move the case");
        // A stale version, another citizen, staff of another office: refused, nothing changes.
        let stale = s.save_draft(draft(a, citizen(ANNA), json!({"name": "B"}), Some(1))).await.unwrap_err();
        assert!(matches!(stale, Error::StaleCaseVersion { expected: 1, current: 3 }), "{stale:?}");
        let other = s.save_draft(draft(a, citizen(GIULIA), json!({"name": "B"}), None)).await.unwrap_err();
        assert!(matches!(other, Error::CaseNotFound), "{other:?}");
        let foreign = s.save_draft(draft(a, clerk("tributi"), json!({"name": "B"}), None)).await.unwrap_err();
        assert_eq!(foreign.code(), "actor-not-allowed");
        // Staff of the office may save on the applicant's behalf.
        s.save_draft(draft(a, clerk("anagrafe"), json!({"name": "Anna Maria"}), None)).await.unwrap();
        let trail = s.audit_trail(a).await.unwrap();
        let saves: Vec<_> = trail.iter().filter(|e| e.body["command"] == "save_draft").collect();
        assert_eq!(saves.len(), 3);
        assert_eq!(saves[1].body["fields"], json!(["note", "age"]));
        assert!(s.verify_audit(Some(a)).await.unwrap().breaks.is_empty(), "the chain holds");
        // Once it leaves the initial state it is no longer a draft.
        apply(s, a, "park", clerk("anagrafe"), json!({})).await;
        let late = s.save_draft(draft(a, citizen(ANNA), json!({"name": "C"}), None)).await.unwrap_err();
        assert_eq!(late.code(), "transition-not-allowed");
    }
}
