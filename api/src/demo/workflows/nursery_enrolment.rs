//! Nursery enrolment for the 2026/27 call: families fill in the application around the March–April
//! window, the admissions office publishes the ranking in May (admitted, waiting list, excluded) after
//! asking a few families for further documents (most send them within the 30 days, a few are excluded),
//! families accept, renounce or let the 15 days pass, pay the enrolment fee (a few let its notice
//! expire and lose the place), attendance starts in September with a monthly
//! pagoPA fee (now and then a notice expires unpaid), places are offered from the waiting list until
//! it closes, and a few children leave early (the clerk closes their year).
//!
//! The dates are those of `nursery-enrolment.yaml` version 3 (the Giunta sets them every year); in a
//! year where they are not in the simulated span, submissions are refused and drafts close unsent.

use jiff::civil::{Date, date};
use serde_json::json;

use super::super::people::Person;
use super::super::step::{Step, Visit, days_between, plus_days};

/// The application window of the call.
pub const WINDOW: (Date, Date) = (date(2026, 3, 9), date(2026, 4, 17));
/// The day the office publishes the ranking.
const RANKING: Date = date(2026, 5, 15);
/// The first day of attendance.
const ATTENDANCE: Date = date(2026, 9, 1);
/// The day the waiting list closes.
const LIST_CLOSES: Date = date(2026, 10, 30);
/// The end of the service year.
const SERVICE_ENDS: Date = date(2027, 6, 30);

const NURSERIES: &[&str] =
    &["Nido Cipì", "Nido Pollicino", "Nido Barchetta", "Nido Giovanni XXIII", "Nido Triva", "Nido Cittadella"];

/// What the office asks for when an application is incomplete.
const DOCUMENTS: &[&str] = &[
    "Dichiarazione del datore di lavoro con l'orario settimanale di lavoro dei genitori.",
    "Certificazione sanitaria della condizione dichiarata nella domanda.",
    "Attestazione ISEE in corso di validità.",
];

const GIRLS: &[&str] = &["Sofia", "Aurora", "Giulia", "Ginevra", "Alice", "Emma"];
const BOYS: &[&str] = &["Leonardo", "Francesco", "Tommaso", "Edoardo", "Lorenzo", "Luca"];

/// What happens on a visit to a nursery-enrolment case.
pub fn step(v: &mut Visit) -> Step {
    let today = v.today;
    match v.state() {
        "draft" if today < WINDOW.0 => Step::Wait(days_between(today, WINDOW.0) + v.rng.between(0, 14)),
        "draft" if today > WINDOW.1 => Step::Leave,
        "draft" => match v.rng.weighted(&[88.0, 4.0, 8.0]) {
            0 => submit(v),
            1 => Step::citizen("withdraw", json!({})),
            _ => Step::Leave,
        },
        "submitted" if today < RANKING => {
            if v.rng.chance(0.03) {
                Step::citizen("withdraw", json!({}))
            } else {
                Step::Wait(days_between(today, RANKING) + v.rng.between(0, 4))
            }
        }
        // A few applications are incomplete: the office asks once for documents before ranking them.
        "submitted" if v.data("documents_requested").is_none() && v.rng.chance(0.06) => {
            Step::clerk("ask_documents", json!({"documents_requested": v.rng.pick(DOCUMENTS)}))
                .then(v.rng.between(2, 25))
        }
        "submitted" => {
            let score = v.rng.between(50, 800) as f64 / 10.0;
            match v.rng.weighted(&[55.0, 38.0, 7.0]) {
                0 => Step::clerk(
                    "admit",
                    json!({"ranking_score": score, "ranking_position": v.rng.between(1, 400), "assigned_nursery": v.rng.pick(NURSERIES)}),
                )
                .then(v.rng.between(1, 10)),
                1 => Step::clerk(
                    "put_on_waiting_list",
                    json!({"ranking_score": score, "ranking_position": v.rng.between(200, 900)}),
                )
                .then(v.rng.between(20, 60)),
                _ => Step::clerk(
                    "exclude",
                    json!({"exclusion_reason": "Il bambino non risulta in regola con le vaccinazioni obbligatorie (DL 73/2017)."}),
                ),
            }
        }
        // Sent within the 30 days, or left to lapse (the application is excluded), or withdrawn.
        "documents_requested" => match v.rng.weighted(&[82.0, 4.0, 14.0]) {
            0 if v.days_in_state() < 30 => Step::citizen(
                "send_documents",
                json!({"documents_note": "Allego quanto richiesto dall'ufficio, in formato PDF."}),
            )
            .then(v.rng.between(2, 10)),
            1 => Step::citizen("withdraw", json!({})),
            _ => Step::Wait(v.rng.between(31, 40)),
        },
        "admitted" => match v.rng.weighted(&[60.0, 15.0, 25.0]) {
            0 => Step::citizen("accept_place", json!({})).then(until(v, ATTENDANCE)),
            1 => Step::citizen("renounce_place", json!({})),
            _ => Step::Wait(16 + until(v, ATTENDANCE)),
        },
        "waiting_list" if today >= LIST_CLOSES && v.rng.chance(0.6) => Step::clerk("close_waiting_list", json!({})),
        "waiting_list" => match v.rng.weighted(&[18.0, 5.0, 77.0]) {
            0 => Step::clerk("offer_place", json!({"assigned_nursery": v.rng.pick(NURSERIES)}))
                .then(v.rng.between(1, 10)),
            1 => Step::citizen("leave_waiting_list", json!({})),
            _ => Step::Wait(v.rng.between(15, 40)),
        },
        // The enrolment fee: most families pay it within days, a few let its notice expire.
        "place_accepted" => match v.rng.weighted(&[92.0, 5.0, 3.0]) {
            0 => Step::event("payment.paid").then(until(v, ATTENDANCE)),
            1 => Step::event("payment.expired"),
            _ => Step::citizen("withdraw", json!({})),
        },
        "enrolment_confirmed" if today < ATTENDANCE => Step::Wait(until(v, ATTENDANCE)),
        "enrolment_confirmed" if v.rng.chance(0.05) => Step::citizen("withdraw", json!({})),
        "enrolment_confirmed" => start_attendance(v),
        "attending" => {
            let ends = v.data_date("service_end_date").unwrap_or(SERVICE_ENDS);
            if today >= ends {
                Step::clerk("close_year", json!({}))
            } else {
                match v.rng.weighted(&[6.0, 2.0, 92.0]) {
                    0 => Step::event("payment.expired").then(v.rng.between(5, 25)),
                    1 => Step::citizen("withdraw", json!({})),
                    _ => Step::Wait(v.rng.between(20, 35).min(days_between(today, ends).max(1))),
                }
            }
        }
        "in_arrears" => match v.rng.weighted(&[60.0, 30.0, 10.0]) {
            0 => Step::clerk("reinstate", json!({})).then(v.rng.between(20, 35)),
            1 => Step::clerk(
                "dismiss_for_arrears",
                json!({"dismissal_reason": "Rette di tre mesi non pagate nonostante il sollecito."}),
            ),
            _ => Step::citizen("withdraw", json!({})),
        },
        _ => Step::Leave,
    }
}

/// Days from today to `day` plus a few, or a few when it has passed.
fn until(v: &mut Visit, day: Date) -> i64 {
    days_between(v.today, day).max(0) + v.rng.between(1, 10)
}

fn submit(v: &mut Visit) -> Step {
    // One child in twenty is not born yet: an expected date and no fiscal code.
    let unborn = v.rng.chance(0.05);
    let born = plus_days(v.today, if unborn { v.rng.between(30, 120) } else { -v.rng.between(90, 900) });
    let female = v.rng.chance(0.5);
    let first = *v.rng.pick(if female { GIRLS } else { BOYS });
    let child = Person::new(first, v.applicant.surname, female, born, "F257");
    let mut preferences: Vec<&str> = Vec::new();
    for _ in 0..v.rng.between(1, 4) {
        let nursery = *v.rng.pick(NURSERIES);
        if !preferences.contains(&nursery) {
            preferences.push(nursery);
        }
    }
    let mut input = json!({
        "applicant_fiscal_code": v.applicant.fiscal_code,
        "child_name": child.full_name,
        "child_birth_date": born.to_string(),
        "resident_in_modena": v.rng.chance(0.9),
        "attendance": if v.rng.chance(0.7) { "full_time" } else { "part_time" },
        "preferences": preferences,
        "vaccinations_compliant": true,
    });
    if !unborn {
        input["child_fiscal_code"] = json!(child.fiscal_code);
    }
    if v.rng.chance(0.8) {
        input["isee_value"] = json!(v.rng.between(3_000, 60_000));
    }
    Step::citizen("submit", input).then(days_between(v.today, RANKING).max(0) + v.rng.between(0, 4))
}

fn start_attendance(v: &mut Visit) -> Step {
    let isee = v.data("isee_value").and_then(|i| i.as_f64()).unwrap_or(60_000.0);
    let fee = (isee * 0.012).clamp(120.0, 560.0) as i64 * 100;
    // A few children leave for the scuola dell'infanzia or move away after a couple of months.
    let ends = if v.rng.chance(0.12) { plus_days(v.today, v.rng.between(40, 75)) } else { SERVICE_ENDS };
    Step::clerk(
        "start_attendance",
        json!({"start_date": v.today.to_string(), "monthly_fee_cents": fee, "service_end_date": ends.to_string()}),
    )
    .then(v.rng.between(20, 35))
}
