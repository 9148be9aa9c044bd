//! A shipped procedure, validated into a `Definition`, says what the YAML says: the graph, the legal
//! clock and its silence rule, deadlines, events, and input schemas that check what actors send.

use serde_json::json;
use sportello_definition::model::{Actor, ClockEffect, Counting, DeadlineWhen, EffectDef};
use sportello_definition::{Definition, load};

fn shipped(id: &str) -> Definition {
    let path = format!("{}/../../workflows/{id}.yaml", env!("CARGO_MANIFEST_DIR"));
    let report = load(&std::fs::read(path).unwrap(), Some(id));
    assert!(report.diagnostics.is_empty(), "{:#?}", report.diagnostics);
    report.definition.unwrap()
}

#[test]
fn the_building_permit_keeps_its_legal_clock_and_silence_rule() {
    let permit = shipped("building-permit");
    assert_eq!(permit.id.as_str(), "building-permit");
    assert_eq!(permit.initial, "draft");
    assert_eq!(permit.calendar.patron_day, Some((1, 31)));
    let clock = &permit.clocks["procedure"];
    assert_eq!((clock.days, clock.counting, clock.starts_on.as_str()), (150, Counting::Calendar, "submitted"));
    assert_eq!(clock.on_expiry.as_deref(), Some("silent_approval"));
    assert!(permit.transitions["silent_approval"].is_system());
    assert_eq!(permit.states["documents_requested"].clock.get("procedure"), Some(&ClockEffect::Interrupt));
    let deadline = permit.states["documents_requested"].deadline.as_ref().unwrap();
    assert!(matches!(&deadline.when, DeadlineWhen::At(at) if at.source() == "data.documents_due_by"));
    assert!(permit.states["submitted"].on_enter.iter().any(|e| matches!(e, EffectDef::Notify(_))));
    let asks: Vec<&str> = permit.transitions_from("under_review").map(|(id, _)| id.as_str()).collect();
    assert!(asks.contains(&"ask_documents") && asks.contains(&"silent_approval"), "{asks:?}");
    assert_eq!(permit.transitions["ask_documents"].by, vec![Actor::Staff("clerk".into())]);
}

#[test]
fn input_schemas_take_field_types_from_the_data_and_refuse_anything_else() {
    let permit = shipped("building-permit");
    let input = permit.transitions["ask_documents"].input.as_ref().unwrap();
    assert!(
        input
            .errors(&json!({"documents_request": "Relazione paesaggistica", "documents_due_by": "2027-03-29"}))
            .is_empty()
    );
    let errors = input.errors(&json!({"documents_request": "x", "documents_due_by": "domani", "surprise": 1}));
    assert_eq!(errors.len(), 2, "{errors:?}");
    let submit = permit.transitions["submit"].input.as_ref().unwrap();
    let errors = submit.errors(&json!({"applicant_fiscal_code": "RSSMRA85T10A562T"}));
    assert!(
        errors.iter().any(|(at, _)| at == "/applicant_fiscal_code"),
        "a wrong check character is refused: {errors:?}"
    );
}

#[test]
fn events_fire_the_transition_that_leaves_the_current_state() {
    let certificate = shipped("residence-certificate");
    let paid = certificate.events["payment.paid"][0].clone();
    let from = certificate.transitions[&paid].from[0].clone();
    assert_eq!(certificate.event_transition("payment.paid", &from), Some(&paid));
    assert_eq!(certificate.event_transition("payment.paid", "issued"), None);
    assert_eq!(certificate.event_transition("no.such.event", &from), None);
}
