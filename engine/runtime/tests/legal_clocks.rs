//! Legal clocks against the law and a real calendar: every expected date below was worked out by hand
//! (and checked against `date -d … +%A`), never copied from the engine's output.
//!
//! The rules: the start day is not counted (art. 155 c.p.c., art. 2963 c.c.); a calendar term that ends
//! on a Saturday, Sunday or holiday rolls to the next working day (art. 155 c.p.c. cc. 4-5); business
//! terms count working days only; a suspension (L. 241/1990 art. 2 c. 7) adds the days it lasted; an
//! interruption (DPR 380/2001 art. 20 c. 5; Codice della Strada art. 204 c. 1-ter) restarts the term in
//! full; the fine appeal's 60 + 120 days add up (Codice della Strada art. 204 c. 1-bis).

use indexmap::IndexMap;
use jiff::civil::{Date, date};
use serde_json::{Value, json};
use sportello_definition::calendar::built_in;
use sportello_definition::ids::{StateId, TransitionId, WorkflowId};
use sportello_definition::model::Counting;
use sportello_definition::{Definition, load, load_str};
use sportello_runtime::calendar::Calendar;
use sportello_runtime::case::{Actor, Case};
use sportello_runtime::effect::{DeadlineDue, Effect};
use sportello_runtime::legal_clock::ClockEvent::{Interrupted, Restarted, Resumed, Started, Stopped, Suspended};
use sportello_runtime::legal_clock::{ClockStatus, Term, status};
use sportello_runtime::transition::{ApplyTransition, Outcome, apply, clock_status, open};

const APPLICANT: &str = "RSSMRA85T10A562S";

fn calendar(name: &str) -> Calendar {
    Calendar::new(built_in(name).unwrap())
}

fn italia() -> Calendar {
    calendar("italia")
}

fn modena() -> Calendar {
    calendar("modena")
}

fn calendar_days(days: u32) -> Term {
    Term { days, counting: Counting::Calendar }
}

fn business_days(days: u32) -> Term {
    Term { days, counting: Counting::Business }
}

/// The due date of a term started on `start`, with nothing else happening to it.
fn due(term: Term, calendar: &Calendar, start: Date) -> Date {
    status(term, calendar, &[Started(start)], start).due.unwrap()
}

fn command(transition: &str, actor: Actor, input: Value) -> ApplyTransition {
    ApplyTransition {
        documents: Vec::new(),
        transition: transition.into(),
        actor,
        input,
        expected_version: None,
        term_day: None,
    }
}

fn citizen() -> Actor {
    Actor::Citizen { fiscal_code: APPLICANT.into() }
}

fn staff(role: &str, office: &str) -> Actor {
    Actor::Staff { user: "u-42".into(), roles: vec![role.into()], offices: vec![office.into()] }
}

fn draft(workflow: &str, office: &str, opened_on: Date) -> Case {
    Case {
        documents: Default::default(),
        code: "TC-2027-000001".into(),
        workflow: WorkflowId::parse(workflow).unwrap(),
        workflow_version: 1,
        state: StateId::parse("draft").unwrap(),
        data: json!({}),
        version: 1,
        applicant: APPLICANT.into(),
        office: office.into(),
        opened_on,
        clocks: IndexMap::new(),
    }
}

/// A small procedure with one 30-day calendar clock that a state suspends, on the calendar `calendar`
/// (`italia`, or `sabato_aperto`, declared here with Saturday a working day).
fn term_check(calendar: &str) -> Definition {
    let yaml = format!(
        r#"
id: term-check
version: 1
title: {{ it: "Verifica dei termini" }}
office: protocollo
calendar: {calendar}
calendars:
  sabato_aperto: {{ saturday_working: true }}
roles:
  clerk:
    title: {{ it: "Istruttore" }}
clocks:
  procedure:
    days: 30
    counting: calendar
    starts_on: submitted
states:
  draft:
    initial: true
    status: {{ it: "In compilazione" }}
    waiting_for: citizen
  submitted:
    status: {{ it: "Presentata" }}
    waiting_for: office
  awaiting_opinion:
    status: {{ it: "In attesa di un parere" }}
    waiting_for: external
    clock: {{ procedure: suspend }}
  closed:
    final: true
    outcome: accepted
    status: {{ it: "Conclusa" }}
    waiting_for: nobody
transitions:
  submit:
    title: {{ it: "Presenta" }}
    from: draft
    to: submitted
    by: citizen
  ask_opinion:
    title: {{ it: "Chiedi un parere" }}
    from: submitted
    to: awaiting_opinion
    by: clerk
  opinion_received:
    title: {{ it: "Registra il parere" }}
    from: awaiting_opinion
    to: submitted
    by: clerk
  close:
    title: {{ it: "Concludi" }}
    from: submitted
    to: closed
    by: clerk
"#
    );
    let report = load_str(&yaml, Some("term-check"));
    report.definition.unwrap_or_else(|| panic!("{:#?}", report.diagnostics))
}

/// The `term-check` case submitted on `on`.
fn term_check_submitted(definition: &Definition, on: Date) -> Case {
    let case = draft("term-check", "protocollo", on);
    apply(definition, &case, &command("submit", citizen(), json!({})), on).unwrap().case
}

fn procedure(definition: &Definition, case: &Case, today: Date) -> ClockStatus {
    let calendar = Calendar::new(definition.calendar.clone());
    clock_status(definition, case, &calendar, "procedure", today).unwrap()
}

fn fine_appeal() -> Definition {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../workflows/fine-appeal.yaml");
    load(&std::fs::read(path).unwrap(), Some("fine-appeal")).definition.unwrap()
}

fn fine_appeal_clock(definition: &Definition, case: &Case, name: &str, today: Date) -> ClockStatus {
    let calendar = Calendar::new(definition.calendar.clone());
    clock_status(definition, case, &calendar, name, today).unwrap()
}

/// A fine appeal filed on `filed_on`, the fine notified 17 days before (well within the 60 of art. 203
/// c. 1).
fn fine_appeal_filed(definition: &Definition, filed_on: Date, hearing_requested: bool) -> Outcome {
    let notified = filed_on.checked_sub(jiff::Span::new().days(17)).unwrap();
    let appeal = json!({
        "appellant_fiscal_code": APPLICANT, "fine_number": "V/2027/000123", "fine_notified_on": notified.to_string(),
        "grounds": "Il cartello non era visibile.", "hearing_requested": hearing_requested, "fine_paid": false
    });
    let (opened, _) = open(definition, &draft("fine-appeal", "polizia-locale", filed_on), filed_on).unwrap();
    apply(definition, &opened, &command("submit", citizen(), appeal), filed_on).unwrap()
}

/// The commander sends the file to the Prefect on `on`.
fn forwarded_to_prefect(definition: &Definition, filed: &Case, on: Date) -> Outcome {
    let remarks = json!({"counterarguments": "Il cartello era visibile, foto allegata."});
    let forward = command("forward_to_prefect", staff("commander", "polizia-locale"), remarks);
    apply(definition, filed, &forward, on).unwrap()
}

fn transition_id(name: &str) -> TransitionId {
    TransitionId::parse(name).unwrap()
}

// Started Friday 8 January 2027; 30 days: 23 left in January (9..31) + 7 in February = Sunday 7 February
// 2027. Sunday is not a working day (art. 155 c. 4 c.p.c.), so the term ends on Monday 8 February, a
// plain working day. 31 days remain on the start day, because the roll adds one.
#[test]
fn a_thirty_day_term_ending_on_a_sunday_rolls_forward_to_monday() {
    let start = date(2027, 1, 8);
    let clock = status(calendar_days(30), &italia(), &[Started(start)], start);
    assert_eq!(clock.due, Some(date(2027, 2, 8)));
    assert_eq!(clock.remaining_days, Some(31));
    assert_eq!(clock.elapsed_days, 0);
}

// Started Thursday 7 January 2027; 30 days: 24 left in January (8..31) + 6 = Saturday 6 February 2027.
// With offices closed on Saturdays, art. 155 c. 5 c.p.c. rolls it to Monday 8 February (Sunday 7 in
// between). A calendar that works Saturdays (`saturday_working: true`, as a struct field or declared in
// the workflow) keeps Saturday 6 February as the last day.
#[test]
fn a_term_ending_on_a_saturday_rolls_to_monday_unless_the_calendar_works_saturdays() {
    let start = date(2027, 1, 7);
    assert_eq!(due(calendar_days(30), &italia(), start), date(2027, 2, 8));
    let mut spec = built_in("italia").unwrap();
    spec.saturday_working = true;
    assert_eq!(due(calendar_days(30), &Calendar::new(spec), start), date(2027, 2, 6));

    // The same through a workflow: its `calendar` setting decides.
    let closed_saturdays = term_check("italia");
    let case = term_check_submitted(&closed_saturdays, start);
    assert_eq!(procedure(&closed_saturdays, &case, start).due, Some(date(2027, 2, 8)));
    let open_saturdays = term_check("sabato_aperto");
    assert!(open_saturdays.calendar.saturday_working);
    let case = term_check_submitted(&open_saturdays, start);
    assert_eq!(procedure(&open_saturdays, &case, start).due, Some(date(2027, 2, 6)));
}

// Easter 2027 is Sunday 28 March, so Easter Monday is 29 March 2027; Good Friday (26 March) is a working
// day in Italy. Five working days from Wednesday 24 March: Thu 25 (1), Fri 26 (2), Sat 27 and Sun 28
// weekend, Mon 29 Easter Monday, Tue 30 (3), Wed 31 (4), Thu 1 April (5). On Easter Monday itself two
// working days have run (25, 26) and three remain (30, 31, 1 April).
#[test]
fn easter_monday_2027_is_skipped_in_business_day_counting() {
    let calendar = modena();
    assert!(!calendar.is_working_day(date(2027, 3, 29)));
    assert!(calendar.is_working_day(date(2027, 3, 26)), "Good Friday is a working day");
    let start = date(2027, 3, 24);
    assert_eq!(due(business_days(5), &calendar, start), date(2027, 4, 1));
    let on_easter_monday = status(business_days(5), &calendar, &[Started(start)], date(2027, 3, 29));
    assert_eq!((on_easter_monday.elapsed_days, on_easter_monday.remaining_days), (2, Some(3)));
    // One working day from Good Friday is Tuesday 30 March.
    assert_eq!(due(business_days(1), &calendar, date(2027, 3, 26)), date(2027, 3, 30));
}

// 25 April 2027 (Liberation Day) is a Sunday: it costs no extra working day. Five working days from
// Thursday 22 April: Fri 23 (1), Sat 24, Sun 25, Mon 26 (2), Tue 27 (3), Wed 28 (4), Thu 29 (5): the same
// Thursday-to-Thursday span as an ordinary week (15 → 22 April). In Venice 25 April is also San Marco,
// the patron: two reasons to close, still one day, still Thursday 29 April. A calendar term that ends on
// Sunday 25 April (started Friday 26 March: 5 + 25 days) rolls once, to Monday 26 April.
#[test]
fn liberation_day_2027_falls_on_a_sunday_and_is_not_counted_twice() {
    assert_eq!(due(business_days(5), &italia(), date(2027, 4, 15)), date(2027, 4, 22));
    assert_eq!(due(business_days(5), &italia(), date(2027, 4, 22)), date(2027, 4, 29));
    assert_eq!(due(business_days(5), &calendar("venezia"), date(2027, 4, 22)), date(2027, 4, 29));
    assert_eq!(due(calendar_days(30), &italia(), date(2027, 3, 26)), date(2027, 4, 26));
}

// 30 days from Monday 1 February 2027: 27 in February (2..28) + 3 = Wednesday 3 March. Suspended from
// Wednesday 10 to Monday 22 February 2027 = 12 days (L. 241/1990 art. 2 c. 7), the term ends 12 days
// later: Monday 15 March (a working day). On 1 March 28 days have passed, 12 of them suspended: 16
// counted, 14 to go (1 → 15 March).
#[test]
fn a_twelve_day_suspension_moves_the_due_date_by_twelve_days() {
    let start = date(2027, 2, 1);
    assert_eq!(due(calendar_days(30), &italia(), start), date(2027, 3, 3));
    let events = [Started(start), Suspended(date(2027, 2, 10)), Resumed(date(2027, 2, 22))];
    let clock = status(calendar_days(30), &italia(), &events, date(2027, 3, 1));
    assert_eq!(clock.due, Some(date(2027, 3, 15)));
    assert_eq!((clock.elapsed_days, clock.remaining_days), (16, Some(14)));
    assert_eq!((clock.suspensions, clock.suspended_since), (1, None));
    assert!(clock.running());
}

// Building permit preliminary term, 60 days (DPR 380/2001 art. 20 c. 3), from Monday 1 February 2027:
// it would end on Friday 2 April (27 + 31 + 2). Interrupted on Monday 15 February to ask for documents,
// which arrive on Monday 1 March: by art. 20 c. 5 the term starts again in full from that day, and the 14
// days already run are lost: 1 March + 60 = 30 (to 31 March) + 30 = Friday 30 April 2027. While
// interrupted there is no due date and nothing elapses.
#[test]
fn an_interruption_restarts_the_full_term_from_the_day_the_documents_arrive() {
    let term = calendar_days(60);
    let start = date(2027, 2, 1);
    assert_eq!(due(term, &modena(), start), date(2027, 4, 2));
    let mut events = vec![Started(start), Interrupted(date(2027, 2, 15))];
    let waiting = status(term, &modena(), &events, date(2027, 2, 20));
    assert_eq!((waiting.due, waiting.remaining_days, waiting.elapsed_days), (None, None, 0));
    assert_eq!((waiting.interrupted_since, waiting.interruptions), (Some(date(2027, 2, 15)), 1));
    assert!(!waiting.running());

    events.push(Restarted(date(2027, 3, 1)));
    let restarted = status(term, &modena(), &events, date(2027, 3, 10));
    assert_eq!((restarted.started_on, restarted.due), (Some(date(2027, 3, 1)), Some(date(2027, 4, 30))));
    assert_eq!((restarted.elapsed_days, restarted.remaining_days), (9, Some(51)));
    assert_eq!((restarted.interrupted_since, restarted.interruptions), (None, 1));
    assert!(restarted.running());
}

// Fine appeal filed with the Polizia Locale on Monday 1 February 2027 (Modena calendar).
// - forwarding, 60 days (art. 203 c. 2): 27 + 31 + 2 = Friday 2 April 2027 (after Easter, a working day);
// - the 180-day deadline of `filed`: 27 + 31 + 30 + 31 + 30 + 31 = Saturday 31 July → Monday 2 August;
// - the file reaches the Prefect on Monday 15 March (day 42). The decision term adds up with forwarding
//   (art. 204 c. 1-bis): 60 + 120 = 180 days from the filing, Monday 2 August again, NOT 15 March + 120 =
//   Tuesday 13 July. 15 March → 2 August = 16 + 30 + 31 + 30 + 31 + 2 = 140 days left; 42 elapsed.
#[test]
fn the_fine_appeal_decision_term_is_sixty_plus_one_hundred_twenty_days_from_the_filing() {
    let definition = fine_appeal();
    let (filed_on, forwarded_on) = (date(2027, 2, 1), date(2027, 3, 15));
    let filed = fine_appeal_filed(&definition, filed_on, false);
    let forwarding = fine_appeal_clock(&definition, &filed.case, "forwarding", filed_on);
    assert_eq!((forwarding.due, forwarding.remaining_days), (Some(date(2027, 4, 2)), Some(60)));
    assert!(filed.effects.contains(&Effect::ScheduleDeadline {
        state: StateId::parse("filed").unwrap(),
        due: DeadlineDue::Day(date(2027, 8, 2)),
        fire: transition_id("deemed_granted"),
    }));

    let forwarded = forwarded_to_prefect(&definition, &filed.case, forwarded_on);
    let decision = fine_appeal_clock(&definition, &forwarded.case, "decision", forwarded_on);
    assert_eq!(decision.due, Some(date(2027, 8, 2)));
    assert_ne!(decision.due, Some(date(2027, 7, 13)), "not 120 days from the forwarding");
    assert_eq!((decision.elapsed_days, decision.remaining_days), (42, Some(140)));
    assert!(forwarded.effects.contains(&Effect::SetClockExpiry {
        clock: "decision".into(),
        due: Some(date(2027, 8, 2)),
        fire: transition_id("deemed_granted"),
    }));
    let forwarding = fine_appeal_clock(&definition, &forwarded.case, "forwarding", forwarded_on);
    assert_eq!((forwarding.stopped_on, forwarding.elapsed_days, forwarding.due), (Some(forwarded_on), 42, None));
    // The same sum through the clock API alone.
    assert_eq!(due(calendar_days(60 + 120), &modena(), filed_on), date(2027, 8, 2));
}

// Ten working days from Thursday 24 December 2026: Fri 25 Christmas, Sat 26 Santo Stefano (and a
// Saturday), Sun 27, Mon 28 (1), Tue 29 (2), Wed 30 (3), Thu 31 (4), Fri 1 January 2027 holiday, Sat 2,
// Sun 3, Mon 4 (5), Tue 5 (6), Wed 6 Epiphany, Thu 7 (7), Fri 8 (8), Mon 11 (9), Tue 12 (10). On New
// Year's Eve 4 have run and 6 remain (4, 5, 7, 8, 11, 12 January).
#[test]
fn business_days_across_christmas_and_new_year_skip_the_holidays_and_weekends() {
    let start = date(2026, 12, 24);
    assert_eq!(due(business_days(1), &italia(), start), date(2026, 12, 28));
    assert_eq!(due(business_days(10), &italia(), start), date(2027, 1, 12));
    let on_new_years_eve = status(business_days(10), &italia(), &[Started(start)], date(2026, 12, 31));
    assert_eq!((on_new_years_eve.elapsed_days, on_new_years_eve.remaining_days), (4, Some(6)));
}

// San Geminiano, 31 January, closes Modena's offices only.
// - 2027: 31 January is a Sunday. One working day from Saturday 30 January is Monday 1 February in both
//   calendars: the patron day on a Sunday costs nothing.
// - 2029: 31 January is a Wednesday. One working day from Tuesday 30 January is Thursday 1 February in
//   Modena, Wednesday 31 January in the national calendar.
// - A term started ON 31 January 2029 in Modena: the start day is not counted, so its being a holiday
//   does not matter: five working days are Thu 1, Fri 2, Mon 5, Tue 6, Wed 7 February in both calendars.
// - A 30-day term from Monday 1 January 2029 ends on Wednesday 31 January (30 days in January after the
//   1st): rolled to Thursday 1 February in Modena only.
#[test]
fn san_geminiano_on_31_january_is_a_holiday_in_modena_only() {
    assert_eq!(due(business_days(1), &modena(), date(2027, 1, 30)), date(2027, 2, 1));
    assert_eq!(due(business_days(1), &italia(), date(2027, 1, 30)), date(2027, 2, 1));
    assert_eq!(due(business_days(1), &modena(), date(2029, 1, 30)), date(2029, 2, 1));
    assert_eq!(due(business_days(1), &italia(), date(2029, 1, 30)), date(2029, 1, 31));
    assert_eq!(due(business_days(5), &modena(), date(2029, 1, 31)), date(2029, 2, 7));
    assert_eq!(due(business_days(5), &italia(), date(2029, 1, 31)), date(2029, 2, 7));
    assert_eq!(due(calendar_days(30), &modena(), date(2029, 1, 1)), date(2029, 2, 1));
    assert_eq!(due(calendar_days(30), &italia(), date(2029, 1, 1)), date(2029, 1, 31));
}

// San Francesco d'Assisi, 4 October, is a national holiday again from 2026 (L. 151/2025).
// - 4 October 2025 (a Saturday) was not a holiday: on a calendar that works Saturdays, one working day
//   from Friday 3 October 2025 is Saturday 4 October.
// - 4 October 2026 is a Sunday, a holiday all the same.
// - 4 October 2027 is a Monday: one working day from Friday 1 October 2027 is Tuesday 5 October.
// - 4 October 2031 is a Saturday: on a calendar that works Saturdays, one working day from Friday
//   3 October 2031 is Monday 6 October (Saturday 4 a holiday, Sunday 5).
#[test]
fn saint_francis_on_4_october_is_a_holiday_from_2026_but_not_in_2025() {
    let calendar = italia();
    assert!(!calendar.is_holiday(date(2025, 10, 4)));
    assert!(calendar.is_holiday(date(2026, 10, 4)));
    assert!(calendar.is_holiday(date(2027, 10, 4)));
    assert_eq!(due(business_days(1), &calendar, date(2027, 10, 1)), date(2027, 10, 5));
    let mut spec = built_in("italia").unwrap();
    spec.saturday_working = true;
    let open_saturdays = Calendar::new(spec);
    assert_eq!(due(business_days(1), &open_saturdays, date(2025, 10, 3)), date(2025, 10, 4));
    assert_eq!(due(business_days(1), &open_saturdays, date(2031, 10, 3)), date(2031, 10, 6));
}

// National holidays on weekdays:
// - Tuesday 2 June 2026 (Festa della Repubblica): one working day from Monday 1 June is Wednesday 3
//   June; a 30-day term from Sunday 3 May ends on 2 June (28 + 2) and rolls to 3 June;
// - Tuesday 15 August 2028 (Ferragosto): from Monday 14 August → Wednesday 16; 30 days from Sunday 16
//   July (15 + 15) → 15 August → 16 August;
// - Monday 1 November 2027 (Ognissanti): from Friday 29 October → Tuesday 2 November; 30 days from
//   Saturday 2 October (29 + 1) → 1 November → 2 November;
// - Wednesday 8 December 2027 (Immacolata): from Tuesday 7 December → Thursday 9; 30 days from Monday
//   8 November (22 + 8) → 8 December → 9 December.
#[test]
fn national_holidays_on_weekdays_are_not_working_days() {
    let cases = [
        (date(2026, 6, 2), date(2026, 6, 1), date(2026, 5, 3), date(2026, 6, 3)),
        (date(2028, 8, 15), date(2028, 8, 14), date(2028, 7, 16), date(2028, 8, 16)),
        (date(2027, 11, 1), date(2027, 10, 29), date(2027, 10, 2), date(2027, 11, 2)),
        (date(2027, 12, 8), date(2027, 12, 7), date(2027, 11, 8), date(2027, 12, 9)),
    ];
    for (holiday, day_before, thirty_days_before, next_working_day) in cases {
        assert!(!italia().is_working_day(holiday), "{holiday}");
        assert_eq!(due(business_days(1), &italia(), day_before), next_working_day, "{holiday}");
        assert_eq!(due(calendar_days(30), &italia(), thirty_days_before), next_working_day, "{holiday}");
    }
}

// A term that ends on a holiday followed by a weekend rolls over all of them:
// - 30 days from Wednesday 25 November 2026 (5 + 25) = Friday 25 December; Saturday 26 (Santo Stefano),
//   Sunday 27 → Monday 28 December;
// - 30 days from Wednesday 2 December 2026 (29 + 1) = Friday 1 January 2027; Sat 2, Sun 3 → Monday 4;
// - Milan: 30 days from Tuesday 7 November 2028 (23 + 7) = Thursday 7 December 2028, Sant'Ambrogio;
//   Friday 8 Immacolata, Sat 9, Sun 10 → Monday 11 December. In the national calendar Thursday 7
//   December is a working day and the term ends on it.
#[test]
fn a_term_ending_on_a_holiday_before_a_weekend_rolls_over_all_of_them() {
    assert_eq!(due(calendar_days(30), &italia(), date(2026, 11, 25)), date(2026, 12, 28));
    assert_eq!(due(calendar_days(30), &italia(), date(2026, 12, 2)), date(2027, 1, 4));
    assert_eq!(due(calendar_days(30), &calendar("milano"), date(2028, 11, 7)), date(2028, 12, 11));
    assert_eq!(due(calendar_days(30), &italia(), date(2028, 11, 7)), date(2028, 12, 7));
}

// 30 days from Monday 1 February 2027, due Wednesday 3 March.
// - Thursday 11 February: 10 elapsed, 20 remaining.
// - Suspended on Monday 15 February. On Monday 22 February, 7 days into the suspension: still 14
//   elapsed; the due date has moved 7 days, 1 February + 37 = Wednesday 10 March; 16 remaining (6 to 28
//   February + 10), as many as on the day the suspension began (15 Feb → 3 Mar = 16).
// - Resumed on Wednesday 24 February (9 days): due 1 February + 39 = Friday 12 March; on 1 March, 28
//   days after the start less 9 suspended = 19 elapsed, 11 remaining.
// Through a workflow the same events appear, dated, in the audit entries and the case's clock history.
#[test]
fn remaining_and_elapsed_days_mid_term_and_while_suspended() {
    let term = calendar_days(30);
    let start = date(2027, 2, 1);
    let mut events = vec![Started(start)];
    let running = status(term, &italia(), &events, date(2027, 2, 11));
    assert_eq!((running.due, running.elapsed_days, running.remaining_days), (Some(date(2027, 3, 3)), 10, Some(20)));

    events.push(Suspended(date(2027, 2, 15)));
    let on_first_day = status(term, &italia(), &events, date(2027, 2, 15));
    assert_eq!((on_first_day.elapsed_days, on_first_day.remaining_days), (14, Some(16)));
    let suspended = status(term, &italia(), &events, date(2027, 2, 22));
    assert_eq!(suspended.suspended_since, Some(date(2027, 2, 15)));
    assert_eq!(suspended.suspensions, 1);
    assert!(!suspended.running());
    assert_eq!(suspended.due, Some(date(2027, 3, 10)));
    assert_eq!((suspended.elapsed_days, suspended.remaining_days), (14, Some(16)));

    events.push(Resumed(date(2027, 2, 24)));
    let resumed = status(term, &italia(), &events, date(2027, 3, 1));
    assert_eq!((resumed.due, resumed.elapsed_days, resumed.remaining_days), (Some(date(2027, 3, 12)), 19, Some(11)));
    assert_eq!((resumed.suspended_since, resumed.suspensions), (None, 1));

    // The same through the small workflow.
    let definition = term_check("italia");
    let clerk = || staff("clerk", "protocollo");
    let case = term_check_submitted(&definition, start);
    let asked = apply(&definition, &case, &command("ask_opinion", clerk(), json!({})), date(2027, 2, 15)).unwrap();
    assert_eq!(asked.audit.clock_events, vec![("procedure".to_owned(), Suspended(date(2027, 2, 15)))]);
    let while_suspended = procedure(&definition, &asked.case, date(2027, 2, 22));
    assert_eq!(
        (while_suspended.suspended_since, while_suspended.due),
        (Some(date(2027, 2, 15)), Some(date(2027, 3, 10)))
    );
    let back =
        apply(&definition, &asked.case, &command("opinion_received", clerk(), json!({})), date(2027, 2, 24)).unwrap();
    assert_eq!(back.audit.clock_events, vec![("procedure".to_owned(), Resumed(date(2027, 2, 24)))]);
    assert_eq!(back.case.clocks["procedure"], events);
    assert_eq!(procedure(&definition, &back.case, date(2027, 3, 1)), resumed);
}

// 30 days from Monday 1 February 2027, stopped on Friday 12 February (a decision was taken): 11 days
// elapsed, frozen there; no due date, no remaining days, not running, weeks later as on the day itself.
// Through the workflow, closing the case records the stop on the final state.
#[test]
fn a_stopped_clock_has_no_due_date_no_remaining_days_and_is_not_running() {
    let events = [Started(date(2027, 2, 1)), Stopped(date(2027, 2, 12))];
    for today in [date(2027, 2, 12), date(2027, 4, 30)] {
        let stopped = status(calendar_days(30), &italia(), &events, today);
        assert_eq!((stopped.due, stopped.remaining_days), (None, None), "{today}");
        assert_eq!((stopped.stopped_on, stopped.elapsed_days), (Some(date(2027, 2, 12)), 11), "{today}");
        assert!(!stopped.running(), "{today}");
    }

    let definition = term_check("italia");
    let case = term_check_submitted(&definition, date(2027, 2, 1));
    let closed =
        apply(&definition, &case, &command("close", staff("clerk", "protocollo"), json!({})), date(2027, 2, 12))
            .unwrap();
    assert_eq!(closed.audit.clock_events, vec![("procedure".to_owned(), Stopped(date(2027, 2, 12)))]);
    let after = procedure(&definition, &closed.case, date(2027, 4, 30));
    assert_eq!((after.due, after.remaining_days, after.elapsed_days, after.running()), (None, None, 11, false));
}

// 30 days from 31 January, not "one month":
// - 2027 (not a leap year): February has 28 days, so 28 days reach 28 February and 2 more Tuesday
//   2 March 2027;
// - 2028 (a leap year): 29 days reach 29 February and 1 more Wednesday 1 March 2028. The start day,
//   Monday 31 January 2028, is San Geminiano in Modena: not counted anyway, so both calendars agree.
#[test]
fn a_thirty_day_term_from_31_january_counts_the_days_of_february() {
    assert_eq!(due(calendar_days(30), &italia(), date(2027, 1, 31)), date(2027, 3, 2));
    assert_eq!(due(calendar_days(30), &italia(), date(2028, 1, 31)), date(2028, 3, 1));
    assert_eq!(due(calendar_days(30), &modena(), date(2028, 1, 31)), date(2028, 3, 1));
}

// Fine appeal with a hearing requested, filed Monday 1 February 2027, sent to the Prefect Monday 15
// March: the cumulative decision term ends on Monday 2 August (see above). The invitation to the hearing
// on Monday 22 March interrupts it (art. 204 c. 1-ter): no due date. The hearing is held on Tuesday 20
// April 2027; the term then runs again IN FULL but on its own 120 days (the 60 of the forwarding are
// spent): 20 April + 120 = 10 + 31 + 30 + 31 + 18 = Wednesday 18 August 2027. Not 1 February + 180 = 2
// August, nor 20 April + 180 = 17 October. On Wednesday 21 April: 1 elapsed, 119 remaining.
#[test]
fn an_interrupted_cumulative_term_restarts_with_its_own_days() {
    let definition = fine_appeal();
    let clerk = || staff("clerk", "polizia-locale");
    let filed = fine_appeal_filed(&definition, date(2027, 2, 1), true);
    let forwarded = forwarded_to_prefect(&definition, &filed.case, date(2027, 3, 15));
    let invitation = command("schedule_hearing", clerk(), json!({"hearing_date": "2027-04-20"}));
    let invited = apply(&definition, &forwarded.case, &invitation, date(2027, 3, 22)).unwrap();
    assert!(invited.audit.clock_events.contains(&("decision".to_owned(), Interrupted(date(2027, 3, 22)))));
    let interrupted = fine_appeal_clock(&definition, &invited.case, "decision", date(2027, 4, 1));
    assert_eq!((interrupted.due, interrupted.interrupted_since), (None, Some(date(2027, 3, 22))));

    let mut heard = command("hearing_date_reached", Actor::System, json!({}));
    heard.term_day = Some(date(2027, 4, 20));
    let after_hearing = apply(&definition, &invited.case, &heard, date(2027, 4, 21)).unwrap();
    assert!(after_hearing.audit.clock_events.contains(&("decision".to_owned(), Restarted(date(2027, 4, 20)))));
    let decision = fine_appeal_clock(&definition, &after_hearing.case, "decision", date(2027, 4, 21));
    assert_eq!((decision.started_on, decision.due), (Some(date(2027, 4, 20)), Some(date(2027, 8, 18))));
    assert_eq!((decision.elapsed_days, decision.remaining_days, decision.interruptions), (1, Some(119), 1));
    assert!(after_hearing.effects.contains(&Effect::SetClockExpiry {
        clock: "decision".into(),
        due: Some(date(2027, 8, 18)),
        fire: transition_id("deemed_granted"),
    }));
}
