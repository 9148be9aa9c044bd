//! The shipped workflows as the demo plays them: each one's share of the cases, when its cases tend
//! to be opened, and its script (what the applicant, the office and pagoPA do on a visit, with what
//! probability). The scripts use the inputs of the workflows' scenario files (`*.test.yaml`).

mod building_permit;
mod fine_appeal;
mod nursery_enrolment;
mod records_access;
mod residence_certificate;

use jiff::civil::Date;

use super::rng::Rng;
use super::step::{Step, Visit, days_between, plus_days};

/// A workflow the demo fills.
#[derive(Debug)]
pub struct Service {
    /// The workflow id.
    pub workflow: &'static str,
    /// Its share of the cases (relative to the others).
    pub share: f64,
    /// What happens on a visit.
    pub step: fn(&mut Visit) -> Step,
    /// The day a case is opened, between the first and the last day simulated.
    pub opened_on: fn(&mut Rng, Date, Date) -> Date,
}

/// Every shipped workflow.
pub const SERVICES: &[Service] = &[
    Service { workflow: "residence-certificate", share: 32.0, step: residence_certificate::step, opened_on: any_day },
    Service { workflow: "fine-appeal", share: 20.0, step: fine_appeal::step, opened_on: any_day },
    Service { workflow: "records-access", share: 18.0, step: records_access::step, opened_on: any_day },
    Service { workflow: "nursery-enrolment", share: 16.0, step: nursery_enrolment::step, opened_on: around_the_call },
    Service { workflow: "building-permit", share: 14.0, step: building_permit::step, opened_on: any_day },
];

/// A day in `first..=last`, later days a little likelier (the service is used more and more).
fn any_day(rng: &mut Rng, first: Date, last: Date) -> Date {
    let span = days_between(first, last) as f64;
    let u = if rng.chance(0.5) { rng.unit() } else { rng.unit().sqrt() };
    plus_days(first, (u * (span + 1.0)).floor().min(span) as i64)
}

/// A day in the three weeks before the nursery call's window or in the window itself, when that is
/// simulated; any day otherwise.
fn around_the_call(rng: &mut Rng, first: Date, last: Date) -> Date {
    let (opens, closes) = nursery_enrolment::WINDOW;
    let (from, to) = (plus_days(opens, -21).max(first), closes.min(last));
    if from > to { any_day(rng, first, last) } else { plus_days(from, rng.between(0, days_between(from, to))) }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn opening_days_stay_in_the_simulated_span() {
        let (first, last) = (date(2025, 11, 29), date(2026, 11, 28));
        let mut rng = Rng::new(3, 0);
        for service in SERVICES {
            for _ in 0..2_000 {
                let day = (service.opened_on)(&mut rng, first, last);
                assert!(first <= day && day <= last, "{} {day}", service.workflow);
            }
        }
        let day = around_the_call(&mut rng, first, last);
        assert!(date(2026, 2, 16) <= day && day <= date(2026, 4, 17), "{day}");
    }
}
