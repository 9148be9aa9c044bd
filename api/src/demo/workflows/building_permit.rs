//! Building permits: the case officer starts the review within days, then over the following months
//! asks for documents (once, within 60 days) or minor changes, notifies the reasons for a refusal,
//! and the head of the office issues or refuses the permit. Some applications wait out the 150-day
//! term and are granted by silence (never in constrained areas, which then stay overdue).

use serde_json::json;

use super::super::people::Person;
use super::super::step::{Step, Visit};

const WORKS: &[&str] = &[
    "Nuova costruzione di un edificio residenziale di due piani.",
    "Ristrutturazione con demolizione e ricostruzione di un fabbricato.",
    "Ampliamento di un edificio unifamiliare.",
    "Cambio di destinazione d'uso da artigianale a residenziale con opere.",
    "Nuovo capannone artigianale con uffici.",
];

const STREETS: &[&str] =
    &["Via Emilia Centro", "Via Giardini", "Viale Corassori", "Via Vignolese", "Strada Morane", "Via Nonantolana"];

/// What happens on a visit to a building-permit case.
pub fn step(v: &mut Visit) -> Step {
    match v.state() {
        "draft" => match v.rng.weighted(&[85.0, 5.0, 10.0]) {
            0 => {
                let designer = Person::random(v.rng, 1955, 1995);
                let input = json!({
                    "applicant_fiscal_code": v.applicant.fiscal_code,
                    "designer_fiscal_code": designer.fiscal_code,
                    "property_address": format!("{} {}, Modena", v.rng.pick(STREETS), v.rng.between(1, 400)),
                    "cadastral_reference": format!("Foglio {}, mappale {}", v.rng.between(1, 260), v.rng.between(1, 900)),
                    "works_description": v.rng.pick(WORKS),
                    "constrained_area": v.rng.chance(0.15),
                });
                Step::citizen("submit", input).then(v.rng.between(2, 10))
            }
            1 => Step::citizen("withdraw", json!({})),
            _ => Step::Leave,
        },
        "submitted" => match v.rng.weighted(&[75.0, 12.0, 5.0, 8.0]) {
            0 => Step::clerk("start_review", json!({})).then(v.rng.between(10, 30)),
            1 => ask_documents(v),
            2 => ask_changes(v),
            _ => Step::Wait(v.rng.between(5, 15)),
        },
        "under_review" if v.data("refusal_reasons").is_some() => {
            if v.rng.chance(0.7) {
                Step::staff(
                    "manager",
                    "refuse",
                    json!({"final_refusal_reasons": "Le osservazioni presentate non superano i motivi ostativi comunicati."}),
                )
            } else {
                approve(v)
            }
        }
        "under_review" => {
            let elapsed = v.clock("procedure").map_or(0, |c| c.elapsed_days);
            let documents = v.clock("procedure").is_some_and(|c| c.interruptions == 0) && elapsed <= 55;
            let changes = elapsed <= 115;
            match v.rng.weighted(&[
                if documents { 10.0 } else { 0.0 },
                if changes { 10.0 } else { 0.0 },
                10.0,
                30.0,
                4.0,
                2.0,
                34.0,
            ]) {
                0 => ask_documents(v),
                1 => ask_changes(v),
                2 => Step::clerk(
                    "notify_refusal_reasons",
                    json!({"refusal_reasons": "L'intervento supera l'indice di edificabilità del lotto previsto dal PUG."}),
                )
                .then(v.rng.between(3, 12)),
                3 => approve(v),
                4 => Step::Leave,
                5 => Step::citizen("withdraw", json!({})),
                _ => Step::Wait(v.rng.between(15, 40)),
            }
        }
        "documents_requested" => {
            let due = v.data_date("documents_due_by").unwrap_or(v.today);
            match v.rng.weighted(&[80.0, 5.0, 15.0]) {
                0 if due > v.today => Step::citizen("send_documents", json!({})).then(v.rng.between(10, 30)),
                1 => Step::citizen("withdraw", json!({})),
                _ => Step::Wait(v.rng.between(20, 40)),
            }
        }
        "changes_requested" => {
            let due = v.data_date("changes_due_by").unwrap_or(v.today);
            if due > v.today && v.rng.chance(0.8) {
                Step::citizen("answer_changes", json!({"changes_accepted": v.rng.chance(0.85)}))
                    .then(v.rng.between(7, 25))
            } else {
                Step::Wait(v.rng.between(15, 35))
            }
        }
        "refusal_notice" if v.days_in_state() < 10 && v.rng.chance(0.6) => Step::citizen(
            "send_observations",
            json!({"observations": "Si allega una relazione del progettista che dimostra il rispetto degli indici."}),
        )
        .then(v.rng.between(7, 30)),
        "refusal_notice" => Step::Wait(v.rng.between(11, 20)),
        _ => Step::Leave,
    }
}

fn ask_documents(v: &mut Visit) -> Step {
    let days = v.rng.between(30, 60);
    Step::clerk(
        "ask_documents",
        json!({
            "documents_request": "Relazione geologica e calcolo del contributo di costruzione.",
            "documents_due_by": v.day(days),
        }),
    )
    .then(v.rng.between(5, days - 2))
}

fn ask_changes(v: &mut Visit) -> Step {
    let days = v.rng.between(20, 45);
    Step::clerk(
        "ask_changes",
        json!({
            "changes_request": "Ridurre l'altezza del corpo in ampliamento a 7,50 m.",
            "changes_due_by": v.day(days),
        }),
    )
    .then(v.rng.between(3, days - 2))
}

fn approve(v: &mut Visit) -> Step {
    let mut input = json!({"permit_number": format!("PdC {}/{:05}", v.today.year(), v.number)});
    if v.rng.chance(0.4) {
        input["permit_conditions"] = json!("Prescrizioni della Soprintendenza sui materiali di facciata.");
    }
    Step::staff("manager", "approve", input)
}
