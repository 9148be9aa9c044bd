//! Appeals against traffic fines: filed within the 60 days of the fine, sent to the Prefect by the
//! command within weeks; the Prefect summons those who asked to be heard and decides within months
//! (dismissal, payment order, inadmissibility), recorded by a clerk. Some appeals are never sent on
//! or never decided and are granted when the 180 days run out.

use serde_json::json;

use super::super::step::{Step, Visit};

const GROUNDS: &[&str] = &[
    "Il limite di velocità non era segnalato.",
    "Il veicolo era stato venduto prima dell'infrazione.",
    "Il semaforo era guasto, come risulta da segnalazioni di altri automobilisti.",
    "Il verbale è stato notificato oltre i 90 giorni dall'accertamento.",
    "Il parcheggio era consentito: il cartello di divieto era coperto dalla vegetazione.",
    "L'autovelox non risultava tarato nell'ultimo anno.",
];

/// What happens on a visit to a fine-appeal case.
pub fn step(v: &mut Visit) -> Step {
    match v.state() {
        "draft" => match v.rng.weighted(&[87.0, 5.0, 8.0]) {
            0 => {
                let plate = format!(
                    "{}{}{:03}{}{}",
                    letter(v),
                    letter(v),
                    v.rng.between(0, 999),
                    letter(v),
                    letter(v)
                );
                let notified = v.rng.between(3, 55);
                let input = json!({
                    "appellant_fiscal_code": v.applicant.fiscal_code,
                    "fine_number": format!("V/{}/{:06}", v.today.year(), v.rng.between(1, 60_000)),
                    "fine_notified_on": v.day(-notified),
                    "vehicle_plate": plate,
                    "grounds": v.rng.pick(GROUNDS),
                    "hearing_requested": v.rng.chance(0.35),
                    "fine_paid": false,
                });
                Step::citizen("submit", input).then(v.rng.between(10, 55))
            }
            1 => Step::citizen("withdraw", json!({})),
            _ => Step::Leave,
        },
        "filed" => match v.rng.weighted(&[88.0, 4.0, 8.0]) {
            0 => Step::staff(
                "commander",
                "forward_to_prefect",
                json!({"counterarguments": "L'infrazione è documentata dalle fotografie allegate e dal rapporto degli agenti."}),
            )
            .then(v.rng.between(30, 130)),
            1 => Step::citizen("withdraw", json!({})),
            _ => Step::Leave,
        },
        "at_prefecture" if v.data("hearing_requested") == Some(&json!(true)) && v.rng.chance(0.75) => {
            let days = v.rng.between(15, 45);
            Step::clerk("schedule_hearing", json!({"hearing_date": v.day(days)})).then(days + 1)
        }
        "at_prefecture" | "after_hearing" => match v.rng.weighted(&[32.0, 46.0, 7.0, 15.0]) {
            0 => Step::clerk(
                "record_dismissal",
                json!({"prefecture_reference": reference(v)}),
            ),
            1 => Step::clerk(
                "record_injunction",
                json!({"prefecture_reference": reference(v), "injunction_amount_cents": v.rng.between(8, 90) * 1000}),
            ),
            2 => Step::clerk(
                "record_inadmissibility",
                json!({"prefecture_reference": reference(v), "decision_summary": "Ricorso presentato oltre i 60 giorni dalla notifica del verbale."}),
            ),
            _ => Step::Leave,
        },
        "hearing_scheduled" => {
            let hearing = v.data_date("hearing_date").unwrap_or(v.today);
            if hearing >= v.today && v.rng.chance(0.1) {
                let days = v.rng.between(10, 30);
                Step::clerk("reschedule_hearing", json!({"hearing_date": v.day(days)})).then(days + 1)
            } else {
                Step::Wait(super::super::step::days_between(v.today, hearing).max(0) + v.rng.between(10, 80))
            }
        }
        _ => Step::Leave,
    }
}

fn letter(v: &mut Visit) -> char {
    *v.rng.pick(&['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'K', 'L', 'M', 'N', 'P', 'R', 'S', 'T', 'X', 'Z'])
}

fn reference(v: &mut Visit) -> String {
    format!("Prefettura di Modena, ord. n. {}/{}", v.rng.between(100, 9_999), v.today.year())
}
