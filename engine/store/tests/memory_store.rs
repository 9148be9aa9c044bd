//! The in-memory store runs the same commands as the database: the same script of openings,
//! transitions, refusals, replays and timers, run on SQLite (and PostgreSQL when `TEST_POSTGRES_URL`
//! is set) and on a `MemoryStore` with the same clock, leaves the same case, timers and outbox rows
//! after every step, and audit chains whose every hash is the same.

use sportello_testkit as support;

use std::sync::Arc;

use jiff::civil::{Date, date};
use serde_json::{Value, json};
use sportello_definition::Definition;
use sportello_runtime::case::Actor;
use sportello_runtime::clock::{ManualClock, morning_of};
use sportello_runtime::transition::ApplyTransition;
use sportello_store::{Apply, FiredTimers, MemoryStore, OpenCase, Store};
use support::{stores, workflow};

const ANNA: &str = "RSSMRA85T10A562S";

/// What a store holds about the case after a step, and what the step answered.
#[derive(Debug, PartialEq)]
struct Seen {
    answer: Result<(String, String, u64, bool), String>,
    state: String,
    version: u64,
    data: Value,
    timers: Vec<(String, String, String)>,
    effects: Vec<String>,
    audit_hashes: Vec<String>,
}

/// One step of the script.
enum Step {
    Apply { day: Date, transition: &'static str, by: &'static str, input: Value, key: Option<&'static str> },
    Fire { day: Date },
}

fn actor(definition: &Definition, by: &str) -> Actor {
    support::actor(definition, by, ANNA)
}

fn command(definition: &Definition, transition: &str, by: &str, input: &Value, key: Option<&str>) -> Apply {
    let command = ApplyTransition {
        documents: Vec::new(),
        transition: transition.into(),
        actor: actor(definition, by),
        input: input.clone(),
        expected_version: None,
        term_day: None,
    };
    Apply { case_id: 1, code: None, command, idempotency_key: key.map(Into::into) }
}

fn open(definition: &Definition) -> OpenCase {
    OpenCase {
        workflow: definition.id.to_string(),
        applicant: ANNA.into(),
        actor: actor(definition, "citizen"),
        data: json!({}),
        idempotency_key: Some("open-1".into()),
    }
}

type Answer = Result<sportello_store::Applied, sportello_runtime::error::Error>;

fn answer(result: Answer) -> Result<(String, String, u64, bool), String> {
    result.map(|a| (a.code, a.state, a.version, a.replayed)).map_err(|e| e.code().to_owned())
}

/// A store the script runs on, with the clock it reads.
enum Under<'a> {
    Sql(&'a Store),
    Memory(&'a MemoryStore),
}

impl Under<'_> {
    async fn open(&self, command: OpenCase) -> Answer {
        match self {
            Under::Sql(store) => store.open_case(command).await,
            Under::Memory(store) => store.open_case(command).await,
        }
    }

    async fn apply(&self, command: Apply) -> Answer {
        match self {
            Under::Sql(store) => store.apply(command).await,
            Under::Memory(store) => store.apply(command).await,
        }
    }

    async fn fire(&self) -> FiredTimers {
        match self {
            Under::Sql(store) => store.fire_due_timers(100).await,
            Under::Memory(store) => store.fire_due_timers(100).await,
        }
        .unwrap()
    }

    /// What the store holds about case 1, with `answer`.
    async fn seen(&self, answer: Result<(String, String, u64, bool), String>) -> Seen {
        let (case, timers, effects, audit_hashes) = match self {
            Under::Sql(store) => {
                let stored = store.case(1).await.unwrap();
                let trail = store.audit_trail(1).await.unwrap();
                (
                    stored.case,
                    stored.timers,
                    store.case_effects(1).await.unwrap(),
                    trail.into_iter().map(|e| e.hash).collect(),
                )
            }
            Under::Memory(store) => {
                let audit = store.audit(1).await.unwrap();
                let hashes = audit.into_iter().map(|e| e.hash).collect();
                (store.case(1).await.unwrap(), store.timers(1).await.unwrap(), store.effects(1).await.unwrap(), hashes)
            }
        };
        Seen {
            answer,
            state: case.state.to_string(),
            version: case.version,
            data: case.data,
            timers: timers.into_iter().map(|t| (t.kind, t.name, t.due_at.to_string())).collect(),
            effects: effects
                .iter()
                .map(|e| format!("{}: {} ({})", e.kind.as_str(), e.name, e.status.as_str()))
                .collect(),
            audit_hashes,
        }
    }
}

/// Runs `steps` on `store`, moving `clock` to 09:00 of each step's day; what the store held after the
/// opening and after each step.
async fn through(
    store: Under<'_>,
    clock: &ManualClock,
    definition: &Definition,
    start: Date,
    steps: &[Step],
) -> Vec<Seen> {
    clock.set(morning_of(start));
    let mut seen = vec![store.seen(answer(store.open(open(definition)).await)).await];
    for step in steps {
        let answered = match step {
            Step::Apply { day, transition, by, input, key } => {
                clock.set(morning_of(*day));
                answer(store.apply(command(definition, transition, by, input, *key)).await)
            }
            Step::Fire { day } => {
                clock.set(morning_of(*day));
                let fired = store.fire().await;
                Ok((format!("fired {}", fired.fired), format!("refused {}", fired.refused), 0, false))
            }
        };
        seen.push(store.seen(answered).await);
    }
    seen
}

#[tokio::test]
async fn the_memory_store_leaves_what_the_database_leaves_down_to_each_audit_hash() {
    let source = workflow("records-access");
    let definition = sportello_definition::load_str(&source, None).definition.expect("the workflow is valid");
    let submit = json!({
        "applicant_fiscal_code": ANNA,
        "requested_records": "Verbale della Commissione edilizia del 12 ottobre 2026, pratica 2026/118",
        "reason": "Confinante del fabbricato oggetto della pratica, per valutare un ricorso.",
        "access_mode": "digital_copy",
    });
    let start = date(2026, 11, 8);
    let steps = vec![
        // Refused: a clerk's transition asked by the citizen, and input that does not validate.
        Step::Apply { day: start, transition: "submit", by: "citizen", input: json!({}), key: None },
        Step::Apply { day: start, transition: "submit", by: "citizen", input: submit.clone(), key: Some("k-1") },
        // The same key and request again: the first result, replayed.
        Step::Apply { day: start, transition: "submit", by: "citizen", input: submit.clone(), key: Some("k-1") },
        // The same key with another request.
        Step::Apply { day: start, transition: "withdraw", by: "citizen", input: json!({}), key: Some("k-1") },
        // A clerk asks for a correction while the term's timer is pending (the seal covers it), and
        // the citizen sends it: the term starts again.
        Step::Apply {
            day: date(2026, 11, 13),
            transition: "ask_correction",
            by: "clerk",
            input: json!({"correction_request": "Indicare la data della seduta."}),
            key: None,
        },
        Step::Apply {
            day: date(2026, 11, 16),
            transition: "send_correction",
            by: "citizen",
            input: json!({
                "requested_records": "Verbale della Commissione edilizia del 12 ottobre 2026",
                "reason": "Confinante del fabbricato oggetto della pratica, per valutare un ricorso.",
            }),
            key: None,
        },
        // Counterparties told, and one opposes, while the term runs on.
        Step::Apply {
            day: date(2026, 11, 17),
            transition: "notify_counterparties",
            by: "clerk",
            input: json!({"counterparties_count": 1}),
            key: None,
        },
        Step::Apply {
            day: date(2026, 11, 20),
            transition: "record_opposition",
            by: "clerk",
            input: json!({"opposition_summary": "Il controinteressato si oppone."}),
            key: None,
        },
        // Nothing due yet; then the term passes and the silence is a refusal.
        Step::Fire { day: date(2026, 12, 16) },
        Step::Fire { day: date(2026, 12, 17) },
    ];
    let clock = ManualClock::at_day(start);
    let memory = MemoryStore::new(Arc::new(clock.clone()));
    // The database numbers the versions it deploys from 1, whatever the file says: so does this one.
    let definition = definition.stored_as(1);
    memory.deploy(definition.clone());
    let in_memory = through(Under::Memory(&memory), &clock, &definition, start, &steps).await;
    assert!(in_memory.iter().any(|s| !s.timers.is_empty()), "the script sets no timer: {in_memory:#?}");
    assert!(in_memory.iter().any(|s| s.answer.as_ref().is_ok_and(|a| a.3)), "nothing was replayed");
    assert!(in_memory.iter().any(|s| s.answer.is_err()), "nothing was refused");
    assert!(in_memory.last().is_some_and(|s| s.answer.as_ref().is_ok_and(|a| a.0 == "fired 1")), "{in_memory:#?}");
    for t in stores("memory_store_same", start).await {
        t.store.deploy(&source, None).await.unwrap();
        let in_sql = through(Under::Sql(&t.store), &t.clock, &definition, start, &steps).await;
        assert_eq!(in_memory, in_sql, "{}", t.backend);
    }
}
