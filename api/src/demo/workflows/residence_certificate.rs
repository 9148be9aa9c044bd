//! Residence certificates: most applicants send the request the day they open it and pay within a
//! few days; the registry issues the certificate within a working day or two. A few cancel, a few
//! never pay (pagoPA reports the notice expired after 30 days), a few are refused.

use serde_json::json;

use super::super::people::Person;
use super::super::step::{Step, Visit};

const USES: &[(&str, f64)] = &[
    ("generic", 70.0),
    ("pension_social_security", 12.0),
    ("labour_welfare_litigation", 6.0),
    ("minors_adoption", 7.0),
    ("onlus_amateur_sport", 5.0),
];

const REFUSALS: &[&str] = &[
    "La persona indicata non risulta residente nel Comune.",
    "La persona indicata risulta emigrata in altro Comune.",
    "Il codice fiscale indicato non corrisponde a nessun iscritto all'anagrafe.",
];

/// What happens on a visit to a residence-certificate case.
pub fn step(v: &mut Visit) -> Step {
    match v.state() {
        "draft" => match v.rng.weighted(&[85.0, 5.0, 10.0]) {
            0 => {
                let subject = if v.rng.chance(0.75) { v.applicant.clone() } else { Person::random(v.rng, 1935, 2024) };
                let weights: Vec<f64> = USES.iter().map(|(_, w)| *w).collect();
                let using = USES[v.rng.weighted(&weights)].0;
                Step::citizen(
                    "submit",
                    json!({
                        "subject_fiscal_code": subject.fiscal_code,
                        "subject_full_name": subject.full_name,
                        "use": using,
                    }),
                )
                .then(v.rng.between(0, 4))
            }
            1 => Step::citizen("cancel", json!({})),
            _ => Step::Leave,
        },
        "awaiting_payment" if v.days_in_state() >= 30 => Step::event("payment.expired").then(2),
        "awaiting_payment" => match v.rng.weighted(&[70.0, 4.0, 14.0, 12.0]) {
            0 => Step::event("payment.paid").then(v.rng.between(0, 3)),
            1 => Step::citizen("cancel", json!({})),
            2 => Step::Wait(v.rng.between(2, 8)),
            _ => Step::Wait(31 - v.days_in_state()),
        },
        "in_progress" => {
            if v.rng.chance(0.95) {
                let number = format!("{}/{:06}", v.today.year(), v.number);
                Step::clerk("issue", json!({"certificate_number": number}))
            } else {
                Step::clerk("refuse", json!({"refusal_reason": v.rng.pick(REFUSALS)}))
            }
        }
        _ => Step::Leave,
    }
}
