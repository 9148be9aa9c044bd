//! The run's cases before anything happens: each case's workflow, applicant and opening day, drawn
//! from its own stream of the seed, and the agenda that says which cases are looked at in which hour
//! of which day.

use jiff::civil::Date;

use super::agent::Agent;
use super::rng::Rng;
use super::step::days_between;
use super::workflows::SERVICES;

/// Hours of the day cases are looked at: slot `k` is `FIRST_HOUR + k` o'clock in Rome.
pub const SLOTS: usize = 11;
/// The hour of slot 0.
pub const FIRST_HOUR: i64 = 8;

/// Applicants per case: about one applicant for every three cases, some with many.
const CASES_PER_APPLICANT: usize = 3;

/// The agents of `cases` cases, opened over `first..=open_by`, with the agenda of their first visits
/// over `first..=last`.
pub fn cases(seed: u64, cases: u64, first: Date, open_by: Date, last: Date) -> (Vec<Agent>, usize, Agenda) {
    let applicants = (cases as usize / CASES_PER_APPLICANT).max(20);
    let shares: Vec<f64> = SERVICES.iter().map(|s| s.share).collect();
    let mut agenda = Agenda::new(days_between(first, last) as usize + 1);
    let agents = (0..cases)
        .map(|number| {
            let mut rng = Rng::new(seed, number);
            let service = &SERVICES[rng.weighted(&shares)];
            let opened_on = (service.opened_on)(&mut rng, first, open_by);
            // Skewed: low-numbered applicants come back often, most come once or twice.
            let applicant = ((applicants as f64) * rng.unit().powf(1.5)) as usize;
            let slot = rng.below(SLOTS);
            agenda.add(days_between(first, opened_on) as usize, slot, number as usize);
            Agent::new(number, service, applicant.min(applicants - 1), rng)
        })
        .collect();
    (agents, applicants, agenda)
}

/// Which agents are due in which slot of which day.
#[derive(Debug)]
pub struct Agenda {
    days: Vec<[Vec<usize>; SLOTS]>,
}

impl Agenda {
    /// An empty agenda of `days` days.
    pub fn new(days: usize) -> Agenda {
        Agenda { days: (0..days).map(|_| std::array::from_fn(|_| Vec::new())).collect() }
    }

    /// Days in the agenda.
    pub fn days(&self) -> usize {
        self.days.len()
    }

    /// Agent `agent` is due in `slot` of day `day`; a day past the end is dropped (the case stays as
    /// it is).
    pub fn add(&mut self, day: usize, slot: usize, agent: usize) {
        if let Some(slots) = self.days.get_mut(day) {
            slots[slot.min(SLOTS - 1)].push(agent);
        }
    }

    /// The agents due in `slot` of `day`, taken out, in a fixed order.
    pub fn take(&mut self, day: usize, slot: usize) -> Vec<usize> {
        let mut due = std::mem::take(&mut self.days[day][slot]);
        due.sort_unstable();
        due
    }

    /// Schedules `agent`, looked at in `slot` of `day`, again `after` days later: later the same day
    /// when `after` is 0 and an hour is left, otherwise at a slot `rng` picks.
    pub fn again(&mut self, day: usize, slot: usize, after: i64, agent: usize, rng: &mut Rng) {
        match later_today(slot, after, rng) {
            Some(later) => self.add(day, later, agent),
            None => self.add(day + after.max(1) as usize, rng.below(SLOTS), agent),
        }
    }
}

/// The slot after `slot` a case is looked at again `after` days later, if that is later the same day.
pub fn later_today(slot: usize, after: i64, rng: &mut Rng) -> Option<usize> {
    (after <= 0 && slot + 1 < SLOTS).then(|| slot + 1 + rng.below(SLOTS - slot - 1))
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn every_case_is_on_the_agenda_once_and_plans_repeat_with_the_seed() {
        let (agents, applicants, mut agenda) =
            cases(7, 500, date(2025, 11, 29), date(2026, 11, 28), date(2026, 11, 28));
        assert_eq!(agents.len(), 500);
        assert!(agents.iter().all(|a| a.applicant < applicants));
        let mut seen: Vec<usize> = (0..agenda.days())
            .flat_map(|d| (0..SLOTS).map(move |s| (d, s)))
            .flat_map(|(d, s)| agenda.take(d, s))
            .collect();
        seen.sort_unstable();
        assert_eq!(seen, (0..500).collect::<Vec<_>>());
        let workflows = |seed| cases(seed, 50, date(2025, 11, 29), date(2026, 11, 28), date(2026, 11, 28)).0;
        let names = |agents: Vec<Agent>| agents.iter().map(|a| (a.service.workflow, a.applicant)).collect::<Vec<_>>();
        assert_eq!(names(workflows(7)), names(workflows(7)));
        assert_ne!(names(workflows(7)), names(workflows(8)));
    }

    #[test]
    fn a_case_looked_at_again_the_same_day_comes_later_that_day() {
        let mut agenda = Agenda::new(3);
        let mut rng = Rng::new(1, 1);
        agenda.again(0, 3, 0, 9, &mut rng);
        assert!((4..SLOTS).any(|s| agenda.take(0, s) == [9]));
        agenda.again(0, SLOTS - 1, 0, 8, &mut rng);
        assert!((0..SLOTS).any(|s| agenda.take(1, s) == [8]));
        agenda.again(1, 0, 5, 7, &mut rng);
        assert!((0..SLOTS).all(|s| agenda.take(2, s).is_empty()), "past the end: dropped");
    }
}
