//! Access to records: the secretariat looks at a request within about ten days and grants it (with a
//! copy fee for copies), defers or refuses it, asks for a correction (which restarts the term) or
//! informs counter-interested parties (who have ten days to oppose). Now and then nobody answers
//! and the 30-day silence rule refuses the request; a correction not sent within 30 days archives it.

use serde_json::json;

use super::super::step::{Step, Visit};

const RECORDS: &[(&str, &str)] = &[
    (
        "Verbale della Commissione edilizia e progetto approvato della pratica edilizia 2025/{n}",
        "Confinante del fabbricato oggetto della pratica, per valutare un ricorso.",
    ),
    (
        "Documenti dell'appalto della mensa scolastica, verbali di gara e offerta tecnica dell'aggiudicatario",
        "Partecipante escluso dalla gara.",
    ),
    ("Rapporto di incidente stradale n. {n} redatto dalla Polizia Locale", "Persona coinvolta nel sinistro."),
    ("Esposto presentato contro la mia attività commerciale e relativi accertamenti", "Titolare dell'attività."),
    ("Graduatoria e verbali della commissione del concorso per istruttore amministrativo", "Candidato non ammesso."),
    ("Planimetria catastale e certificato di agibilità dell'immobile di via Giardini {n}", "Acquirente dell'immobile."),
];

const MODES: &[&str] = &["examination", "digital_copy", "digital_copy", "paper_copy"];

/// What happens on a visit to a records-access case.
pub fn step(v: &mut Visit) -> Step {
    match v.state() {
        "draft" => match v.rng.weighted(&[85.0, 4.0, 11.0]) {
            0 => {
                let (records, reason) = *v.rng.pick(RECORDS);
                let records = records.replace("{n}", &v.rng.between(10, 999).to_string());
                let input = json!({
                    "applicant_fiscal_code": v.applicant.fiscal_code,
                    "requested_records": records,
                    "reason": reason,
                    "access_mode": v.rng.pick(MODES),
                });
                Step::citizen("submit", input).then(v.rng.between(1, 9))
            }
            1 => Step::citizen("withdraw", json!({})),
            _ => Step::Leave,
        },
        "submitted" => match v.rng.weighted(&[12.0, 9.0, 56.0, 8.0, 5.0]) {
            0 if v.clock("procedure").is_some_and(|c| c.elapsed_days <= 10) => Step::clerk(
                "ask_correction",
                json!({"correction_request": "Indicare con precisione i documenti richiesti e gli estremi della pratica."}),
            )
            .then(v.rng.between(1, 25)),
            1 => notify_counterparties(v),
            3 => Step::Leave,
            4 => Step::citizen("withdraw", json!({})),
            _ => decide(v),
        },
        "correction_requested" => match v.rng.weighted(&[75.0, 5.0, 20.0]) {
            0 => Step::citizen(
                "send_correction",
                json!({
                    "requested_records": "Verbali di gara, offerta tecnica dell'aggiudicatario e determina di aggiudicazione.",
                    "reason": "Partecipante escluso dalla gara, per valutare un ricorso al TAR.",
                }),
            )
            .then(v.rng.between(2, 15)),
            1 => Step::citizen("withdraw", json!({})),
            _ => Step::Wait(32),
        },
        "counterparties_notified" if v.days_in_state() < 10 && v.rng.chance(0.35) => Step::clerk(
            "record_opposition",
            json!({"opposition_summary": "Il controinteressato si oppone: i documenti contengono dati personali e sanitari."}),
        )
        .then(v.rng.between(2, 12)),
        "counterparties_notified" => Step::Wait(v.rng.between(11, 16)),
        "under_review" => match v.rng.weighted(&[82.0, 6.0, 8.0, 4.0]) {
            0 => decide(v),
            1 if v.data("counterparties_count").is_none() => notify_counterparties(v),
            2 => Step::Leave,
            3 => Step::citizen("withdraw", json!({})),
            _ => Step::Wait(v.rng.between(3, 10)),
        },
        "awaiting_copy_fee" if v.days_in_state() >= 30 => Step::event("payment.expired"),
        "awaiting_copy_fee" => match v.rng.weighted(&[80.0, 20.0]) {
            0 => Step::event("payment.paid"),
            _ => Step::Wait(31 - v.days_in_state()),
        },
        _ => Step::Leave,
    }
}

fn notify_counterparties(v: &mut Visit) -> Step {
    Step::clerk("notify_counterparties", json!({"counterparties_count": v.rng.between(1, 4)})).then(v.rng.between(3, 9))
}

/// The office's answer: grant, grant with a copy fee, defer or refuse.
fn decide(v: &mut Visit) -> Step {
    let days = v.rng.between(60, 180);
    let copies = v.data("access_mode").and_then(|m| m.as_str()) != Some("examination");
    match v.rng.weighted(&[45.0, if copies { 30.0 } else { 0.0 }, 10.0, 15.0]) {
        0 => Step::clerk(
            "grant",
            json!({"access_instructions": "Documenti consultabili presso la Segreteria generale, previo appuntamento, o inviati via PEC."}),
        ),
        1 => Step::clerk(
            "grant_with_copy_fee",
            json!({
                "access_instructions": "Le copie saranno inviate via PEC dopo il pagamento.",
                "copy_fee_cents": v.rng.between(2, 60) * 25,
            }),
        )
        .then(v.rng.between(1, 6)),
        2 => Step::clerk(
            "defer",
            json!({
                "deferred_until": v.day(days),
                "refusal_reasons": "I documenti riguardano un procedimento ancora in corso: l'accesso è differito alla sua conclusione.",
            }),
        ),
        _ => Step::clerk(
            "refuse",
            json!({"refusal_reasons": "Non risulta un interesse diretto, concreto e attuale collegato ai documenti richiesti (art. 22 L. 241/1990)."}),
        ),
    }
}
