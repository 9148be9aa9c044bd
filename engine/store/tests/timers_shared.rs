//! The store and the scenario runner set the same timers: one implementation of effects → timers
//! (`sportello_runtime::timers`) serves both. Each script below runs twice: through the store (SQLite,
//! and PostgreSQL when `TEST_POSTGRES_URL` is set), with its clock at 09:00 of each step's day and its
//! due timers fired, and as a scenario file whose every step expects the state and the pending
//! timers the store had after that step. A difference in keys, term days or firing fails the scenario.

use sportello_testkit as support;

use std::collections::BTreeMap;
use std::fmt::Write;

use jiff::civil::{Date, date};
use serde_json::{Value, json};
use sportello_definition::Definition;
use sportello_runtime::case::Actor;
use sportello_runtime::clock::morning_of;
use sportello_runtime::transition::ApplyTransition;
use sportello_store::scenario;
use sportello_store::{Apply, OpenCase, PendingTimer, Store};
use support::{stores, workflow};

const ANNA: &str = "RSSMRA85T10A562S";

/// One step: on `day`, optionally apply `transition` as `by` (`citizen` or a staff role) with `input`.
struct Step {
    day: Date,
    apply: Option<(&'static str, &'static str, Value)>,
}

fn on(day: Date) -> Step {
    Step { day, apply: None }
}

fn apply(day: Date, transition: &'static str, by: &'static str, input: Value) -> Step {
    Step { day, apply: Some((transition, by, input)) }
}

/// What the store holds after a step: the state and each pending timer's key and last day.
#[derive(Debug, PartialEq)]
struct After {
    state: String,
    timers: BTreeMap<String, String>,
}

fn last_day(timer: &PendingTimer) -> String {
    timer.term_day.unwrap_or_else(|| sportello_runtime::clock::civil_day(timer.due_at)).to_string()
}

fn actor(definition: &Definition, by: &str) -> Actor {
    support::actor(definition, by, ANNA)
}

/// Runs `steps` on a case of the store's workflow `id` opened on `start`; what it held after each.
async fn through_the_store(
    store: &Store,
    clock: &sportello_runtime::clock::ManualClock,
    definition: &Definition,
    start: Date,
    steps: &[Step],
) -> Vec<After> {
    clock.set(morning_of(start));
    let open = OpenCase {
        workflow: definition.id.to_string(),
        applicant: ANNA.into(),
        actor: actor(definition, "citizen"),
        data: json!({}),
        idempotency_key: None,
    };
    let case_id = store.open_case(open).await.unwrap().case_id;
    let mut seen = Vec::new();
    for step in steps {
        clock.set(morning_of(step.day));
        store.fire_due_timers(100).await.unwrap();
        if let Some((transition, by, input)) = &step.apply {
            let command = ApplyTransition {
                documents: Vec::new(),
                transition: (*transition).into(),
                actor: actor(definition, by),
                input: input.clone(),
                expected_version: None,
                term_day: None,
            };
            store.apply(Apply { code: None, case_id, command, idempotency_key: None }).await.unwrap();
        }
        let stored = store.case(case_id).await.unwrap();
        let timers = stored.timers.iter().map(|t| (format!("{}:{}", t.kind, t.name), last_day(t))).collect();
        seen.push(After { state: stored.case.state.to_string(), timers });
    }
    seen
}

/// The scenario file that takes the same steps and expects what the store held after each.
fn scenario_file(start: Date, steps: &[Step], seen: &[After]) -> String {
    let mut yaml = format!("scenarios:\n  same_as_the_store:\n    start: {start}\n    applicant: {ANNA}\n    steps:\n");
    let mut today = start;
    for (step, after) in steps.iter().zip(seen) {
        let expect = format!("{{ state: {}, timers: {} }}", after.state, serde_json::to_string(&after.timers).unwrap());
        match &step.apply {
            Some((transition, by, input)) => {
                if step.day != today {
                    let _ = writeln!(yaml, "      - to: {}", step.day);
                }
                let _ = writeln!(
                    yaml,
                    "      - apply: {transition}\n        by: {by}\n        input: {input}\n        expect: {expect}"
                );
            }
            None => {
                let _ = writeln!(yaml, "      - to: {}\n        expect: {expect}", step.day);
            }
        }
        today = step.day;
    }
    yaml
}

async fn same_timers_in_both(name: &str, source: &str, start: Date, steps: Vec<Step>) {
    let definition = sportello_definition::load_str(source, None).definition.expect("the workflow is valid");
    for t in stores(name, start).await {
        t.store.deploy(source, None).await.unwrap();
        let seen = through_the_store(&t.store, &t.clock, &definition, start, &steps).await;
        assert!(seen.iter().any(|after| !after.timers.is_empty()), "the script sets no timer: {seen:?}");

        let file = scenario_file(start, &steps, &seen);
        let result = scenario::run(&definition, &file).await.unwrap_or_else(|e| panic!("{e:?}\n{file}"));

        assert!(result.failures.is_empty(), "{}: {:?}\n{file}", t.backend, result.failures);
        assert_eq!(result.passed, ["same_as_the_store"]);
    }
}

#[tokio::test]
async fn deadlines_in_hours_and_in_days_are_the_same_in_the_store_and_in_scenarios() {
    // 48 hours from Monday 09:00, then 5 days, then 48 hours from Thursday 09:00, which fire at 09:00
    // on the Saturday, as the store's worker does.
    let steps = vec![
        on(date(2026, 3, 2)),
        apply(date(2026, 3, 3), "ask_documents", "clerk", json!({})),
        apply(date(2026, 3, 5), "send_documents", "citizen", json!({})),
        on(date(2026, 3, 7)),
        on(date(2026, 3, 8)),
    ];

    same_timers_in_both("timers_shared_office", support::OFFICE_REQUEST, date(2026, 3, 2), steps).await;
}

#[tokio::test]
async fn a_legal_clock_s_expiry_and_a_state_deadline_are_the_same_in_the_store_and_in_scenarios() {
    let source = workflow("records-access");
    let submit = json!({
        "applicant_fiscal_code": ANNA,
        "requested_records": "Verbale della Commissione edilizia del 12 ottobre 2026, pratica 2026/118",
        "reason": "Confinante del fabbricato oggetto della pratica, per valutare un ricorso.",
        "access_mode": "digital_copy",
    });
    // Sent on Sunday 8 November 2026: the term's last day is Wednesday 9 December (the 8th is a
    // holiday), and the request is deemed refused on the 10th.
    let steps =
        vec![apply(date(2026, 11, 8), "submit", "citizen", submit), on(date(2026, 12, 9)), on(date(2026, 12, 10))];

    same_timers_in_both("timers_shared_records", &source, date(2026, 11, 8), steps).await;
}
