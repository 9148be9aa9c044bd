//! Applying transitions of the shipped building permit, purely: who may act, in which state, with what
//! input, under which guard; and what follows for the legal clock, deadlines and effects.

use indexmap::IndexMap;
use jiff::civil::{Date, date};
use serde_json::{Value, json};
use sportello_definition::ids::{StateId, WorkflowId};
use sportello_definition::{Definition, load};
use sportello_runtime::audit::{self, ChainedEntry};
use sportello_runtime::case::{Actor, Case};
use sportello_runtime::documents::Attached;
use sportello_runtime::effect::{DeadlineDue, Effect};
use sportello_runtime::error::Error;
use sportello_runtime::legal_clock::ClockEvent;
use sportello_runtime::transition::{ApplyTransition, Outcome, apply};

const APPLICANT: &str = "RSSMRA85T10A562S";

fn permit() -> Definition {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../workflows/building-permit.yaml");
    load(&std::fs::read(path).unwrap(), Some("building-permit")).definition.unwrap()
}

fn draft() -> Case {
    Case {
        documents: Default::default(),
        code: "BP-2026-000001".into(),
        workflow: WorkflowId::parse("building-permit").unwrap(),
        workflow_version: 1,
        state: StateId::parse("draft").unwrap(),
        data: json!({}),
        version: 1,
        applicant: APPLICANT.into(),
        office: "edilizia".into(),
        opened_on: date(2026, 3, 1),
        clocks: IndexMap::new(),
    }
}

fn citizen() -> Actor {
    Actor::Citizen { fiscal_code: APPLICANT.into() }
}

fn clerk(office: &str) -> Actor {
    Actor::Staff { user: "u-17".into(), roles: vec!["clerk".into()], offices: vec![office.into()] }
}

/// The command, with the documents the permit's transition requires (`min` of each type).
fn command(transition: &str, actor: Actor, input: Value) -> ApplyTransition {
    let mut documents = Vec::new();
    if let Some(takes) = permit().transitions.get(transition) {
        for (doc_type, range) in &takes.documents {
            for n in 0..range.min {
                documents.push(document(doc_type, &format!("{doc_type}-{n}")));
            }
        }
    }
    ApplyTransition { documents, transition: transition.into(), actor, input, expected_version: None, term_day: None }
}

fn document(doc_type: &str, name: &str) -> Attached {
    Attached {
        upload: format!("u-{name}"),
        doc_type: doc_type.into(),
        name: format!("{name}.pdf"),
        media_type: "application/pdf".into(),
        size: 1000,
        sha256: sportello_runtime::audit::sha256_hex(name),
    }
}

#[test]
fn a_submission_needs_its_project_and_its_audit_entry_seals_the_files() {
    let without = ApplyTransition { documents: Vec::new(), ..command("submit", citizen(), application()) };
    let refused = apply(&permit(), &draft(), &without, date(2026, 3, 2)).unwrap_err();
    assert_eq!(
        refused,
        Error::InvalidInput(vec![("/documents/progetto".into(), "at least 1 required, 0 given".into())])
    );
    let mut with = command("submit", citizen(), application());
    with.documents.push(document("progetto", "tavola-2"));
    let outcome = apply(&permit(), &draft(), &with, date(2026, 3, 2)).unwrap();
    assert_eq!(outcome.case.documents.get("progetto"), Some(&2));
    let sealed = outcome.audit.body()["documents"].clone();
    assert_eq!(sealed.as_array().map(Vec::len), Some(2));
    assert_eq!(sealed[1]["sha256"], sportello_runtime::audit::sha256_hex("tavola-2"));
    assert!(sealed[0].get("upload").is_none(), "the upload's id is not sealed, its hash is");
}

fn application() -> Value {
    json!({
        "applicant_fiscal_code": APPLICANT, "designer_fiscal_code": APPLICANT,
        "property_address": "Via Emilia Centro 1, Modena", "cadastral_reference": "Foglio 12, mappale 34",
        "works_description": "Ampliamento", "constrained_area": false
    })
}

fn submitted(on: Date) -> Outcome {
    apply(&permit(), &draft(), &command("submit", citizen(), application()), on).unwrap()
}

#[test]
fn submitting_starts_the_legal_clock_and_sets_its_silence_rule() {
    let outcome = submitted(date(2026, 3, 2));
    assert_eq!((outcome.case.state.as_str(), outcome.case.version), ("submitted", 2));
    assert_eq!(outcome.case.data["property_address"], "Via Emilia Centro 1, Modena");
    assert_eq!(outcome.audit.clock_events, vec![("procedure".to_owned(), ClockEvent::Started(date(2026, 3, 2)))]);
    // 2 March 2026 + 150 days = Thursday 30 July 2026 (March 29 + April 30 + May 31 + June 30 + July 30).
    assert!(outcome.effects.contains(&Effect::SetClockExpiry {
        clock: "procedure".into(),
        due: Some(date(2026, 7, 30)),
        fire: "silent_approval".parse_id(),
    }));
    assert!(outcome.effects.iter().any(|e| matches!(e, Effect::Notify { .. })));
}

#[test]
fn refusals_are_typed() {
    let definition = permit();
    let case = draft();
    let refuse = |command: ApplyTransition| apply(&definition, &case, &command, date(2026, 3, 2)).unwrap_err();
    let other = Actor::Citizen { fiscal_code: "BNCGNN80A01F257X".into() };
    assert_eq!(refuse(command("submit", other, application())), Error::CaseNotFound);
    assert_eq!(refuse(command("start_review", clerk("edilizia"), json!({}))).code(), "transition-not-allowed");
    assert_eq!(refuse(command("submit", clerk("edilizia"), application())).code(), "actor-not-allowed");
    assert_eq!(refuse(command("submit", Actor::System, application())).code(), "actor-not-allowed");
    assert_eq!(refuse(command("approve_everything", citizen(), json!({}))).code(), "unknown-transition");
    let Error::InvalidInput(errors) =
        refuse(command("submit", citizen(), json!({"applicant_fiscal_code": "RSSMRA85T10A562T"})))
    else {
        panic!("invalid input expected")
    };
    assert!(errors.iter().any(|(at, _)| at == "/applicant_fiscal_code"), "{errors:?}");
    let mut stale = command("submit", citizen(), application());
    stale.expected_version = Some(7);
    assert_eq!(refuse(stale), Error::StaleCaseVersion { expected: 7, current: 1 });
}

#[test]
fn a_clerk_of_another_office_cannot_act() {
    let case = submitted(date(2026, 3, 2)).case;
    let refused = apply(&permit(), &case, &command("start_review", clerk("anagrafe"), json!({})), date(2026, 3, 3));
    assert_eq!(refused.unwrap_err().code(), "actor-not-allowed");
    assert!(apply(&permit(), &case, &command("start_review", clerk("edilizia"), json!({})), date(2026, 3, 3)).is_ok());
}

#[test]
fn asking_for_documents_interrupts_the_term_once_and_the_documents_restart_it() {
    let definition = permit();
    let case = submitted(date(2026, 3, 2)).case;
    let ask = command(
        "ask_documents",
        clerk("edilizia"),
        json!({"documents_request": "Relazione geologica", "documents_due_by": "2026-04-30"}),
    );
    let asked = apply(&definition, &case, &ask, date(2026, 3, 20)).unwrap();
    assert_eq!(asked.case.state.as_str(), "documents_requested");
    assert!(asked.effects.contains(&Effect::SetClockExpiry {
        clock: "procedure".into(),
        due: None,
        fire: "silent_approval".parse_id()
    }));
    assert!(
        asked
            .effects
            .iter()
            .any(|e| matches!(e, Effect::ScheduleDeadline { due: DeadlineDue::Day(d), .. } if *d == date(2026, 4, 30)))
    );

    let sent =
        apply(&definition, &asked.case, &command("send_documents", citizen(), json!({})), date(2026, 4, 15)).unwrap();
    assert!(sent.effects.contains(&Effect::CancelDeadline { state: StateId::parse("documents_requested").unwrap() }));
    // The term restarts in full from 15 April: + 150 days = Saturday 12 September → Monday 14 September.
    assert!(sent.effects.contains(&Effect::SetClockExpiry {
        clock: "procedure".into(),
        due: Some(date(2026, 9, 14)),
        fire: "silent_approval".parse_id(),
    }));
    let again = apply(&definition, &sent.case, &ask, date(2026, 4, 16)).unwrap_err();
    assert_eq!(again.code(), "guard-failed", "only one interruption is allowed");

    // The three steps chain into an audit trail that verifies.
    let mut trail: Vec<ChainedEntry> = Vec::new();
    for outcome in [submitted(date(2026, 3, 2)), asked, sent] {
        let next = audit::append("BP-2026-000001", trail.last(), outcome.audit.body());
        trail.push(next);
    }
    assert_eq!(audit::verify("BP-2026-000001", &trail, None), Ok(()));
    assert_eq!(
        trail[1].body["clock_events"][0],
        json!({"clock": "procedure", "event": "interrupted", "on": "2026-03-20"})
    );
}

#[test]
fn the_engine_alone_fires_system_transitions() {
    let case = submitted(date(2026, 3, 2)).case;
    let by_clerk = apply(&permit(), &case, &command("silent_approval", clerk("edilizia"), json!({})), date(2026, 8, 1));
    assert_eq!(by_clerk.unwrap_err().code(), "actor-not-allowed");
    let by_system =
        apply(&permit(), &case, &command("silent_approval", Actor::System, json!({})), date(2026, 8, 1)).unwrap();
    assert_eq!(by_system.case.state.as_str(), "approved_by_silence");
    assert!(by_system.audit.clock_events.contains(&("procedure".to_owned(), ClockEvent::Stopped(date(2026, 8, 1)))));
}

trait ParseId {
    fn parse_id(&self) -> sportello_definition::ids::TransitionId;
}

impl ParseId for str {
    fn parse_id(&self) -> sportello_definition::ids::TransitionId {
        sportello_definition::ids::TransitionId::parse(self).unwrap()
    }
}

#[test]
fn opening_a_case_schedules_what_its_initial_state_sets_off() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../workflows/nursery-enrolment.yaml");
    let nursery = load(&std::fs::read(path).unwrap(), Some("nursery-enrolment")).definition.unwrap();
    let mut case = draft();
    case.workflow = WorkflowId::parse("nursery-enrolment").unwrap();
    let (opened, effects) = sportello_runtime::transition::open(&nursery, &case, date(2026, 3, 1)).unwrap();
    assert_eq!(opened.state, nursery.initial);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::ScheduleDeadline { due: DeadlineDue::Day(d), .. } if *d == date(2026, 4, 17))),
        "{effects:?}"
    );
}
