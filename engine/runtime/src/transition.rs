//! Applying a transition, purely: (definition, case, command, today) → the new case, its audit entry
//! and the effects to carry out, or a typed refusal. No I/O; storage commits the outcome in one
//! transaction.

use std::cell::OnceCell;

use jiff::civil::Date;
use serde_json::{Map, Value as Json, json};

use super::calendar::{Calendar, add_days, add_months};
use super::case::{Actor, Case};
use super::effect::{ClockSnapshot, DeadlineDue, Effect};
use super::evaluate::{self, evaluate, is_true};
use super::legal_clock::{self, ClockEvent, ClockStatus, Term};
use crate::access::may_apply;
use crate::documents::{self, Attached};
use crate::error::Error;
use sportello_definition::Definition;
use sportello_definition::duration::{Duration, DurationUnit};
use sportello_definition::ids::{StateId, TransitionId};
use sportello_definition::model::{ClockEffect, DeadlineWhen, EffectDef, TransitionDef};

/// The command: an actor applies a transition with some input.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplyTransition {
    /// The transition's name.
    pub transition: String,
    /// Who applies it.
    pub actor: Actor,
    /// What the actor supplies (a JSON object, or null).
    pub input: Json,
    /// The case version the actor saw, if it checks one.
    pub expected_version: Option<u64>,
    /// For a transition the engine fires because a term passed: the term's last day. The term passed
    /// at the end of that day, so clocks count it as the day the state was left (a suspension that
    /// ends with a term lasts until that day, not until the day the timer fired).
    pub term_day: Option<Date>,
    /// The documents the actor attaches, already stored and checked (the store finds them by the ids
    /// the caller gave).
    pub documents: Vec<Attached>,
}

/// What the audit trail records of a transition, as the runtime decided it; its JSON body is
/// [`AuditEntry::body`], beside the other kinds of entry in `audit_body.rs`.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// Who acted, in words.
    pub actor: String,
    /// The transition.
    pub transition: TransitionId,
    /// The state left.
    pub from: StateId,
    /// The state entered.
    pub to: StateId,
    /// The input as given.
    pub input: Json,
    /// The documents attached.
    pub documents: Vec<Attached>,
    /// What happened to clocks.
    pub clock_events: Vec<(String, ClockEvent)>,
    /// The day (Europe/Rome).
    pub on: Date,
}

/// A transition that can be committed.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The case after the transition (version raised by one).
    pub case: Case,
    /// The audit entry.
    pub audit: AuditEntry,
    /// What to do after commit.
    pub effects: Vec<Effect>,
}

/// Decides whether `command` may be applied to `case` today, and what follows.
///
/// # Errors
///
/// [`Error::StaleCaseVersion`] when the command names a version that is not the case's;
/// [`Error::UnknownTransition`]; [`Error::TransitionNotAllowed`] from the case's state; the access
/// rules' refusals ([`Error::CaseNotFound`] for a citizen who is not the applicant,
/// [`Error::ActorNotAllowed`]: see [`crate::access::may_apply`]); [`Error::InvalidInput`] against the
/// transition's schema; [`Error::GuardFailed`]; [`Error::Expression`] when an expression cannot be
/// evaluated on this case.
pub fn apply(definition: &Definition, case: &Case, command: &ApplyTransition, today: Date) -> Result<Outcome, Error> {
    if let Some(expected) = command.expected_version.filter(|v| *v != case.version) {
        return Err(Error::StaleCaseVersion { expected, current: case.version });
    }
    let (id, transition) = definition
        .transitions
        .get_key_value(command.transition.as_str())
        .ok_or_else(|| Error::UnknownTransition(command.transition.clone()))?;
    may_apply(definition, case, &command.actor, id, transition)?;
    if !transition.from.contains(&case.state) {
        return Err(Error::TransitionNotAllowed { transition: id.to_string(), state: case.state.to_string() });
    }
    let input = check_input(transition, &command.input)?;
    documents::check(transition, &command.documents)?;
    let calendar = Calendar::new(definition.calendar.clone());
    let mut next = case.clone();
    documents::count_into(&mut next.documents, &command.documents);
    if let Some(guard) = &transition.guard
        && !is_true(guard, &variables(definition, case, &next.documents, &calendar, &input, today))?
    {
        return Err(Error::GuardFailed { transition: id.to_string(), guard: guard.source().to_owned() });
    }

    if let (Json::Object(data), Json::Object(input)) = (&mut next.data, &input) {
        data.extend(input.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    next.state = transition.to.clone();
    next.version += 1;
    let clock_day = command.term_day.map_or(today, |day| day.min(today));
    let (clock_events, effects) = enter(definition, Some(&case.state), &mut next, &calendar, today, clock_day)?;
    let audit = AuditEntry {
        actor: command.actor.describe(),
        transition: id.clone(),
        from: case.state.clone(),
        to: transition.to.clone(),
        input,
        documents: command.documents.clone(),
        clock_events,
        on: today,
    };
    Ok(Outcome { case: next, audit, effects })
}

/// Opens a case in the workflow's initial state: the clocks that start there, its deadline and its
/// effects, as for any state entered. `case` comes in the initial state with its data.
pub fn open(definition: &Definition, case: &Case, today: Date) -> Result<(Case, Vec<Effect>), Error> {
    let mut opened = case.clone();
    opened.state = definition.initial.clone();
    let calendar = Calendar::new(definition.calendar.clone());
    let (_, effects) = enter(definition, None, &mut opened, &calendar, today, today)?;
    Ok((opened, effects))
}

/// Clock events by clock name, in the order they happened.
type ClockEvents = Vec<(String, ClockEvent)>;

/// What entering `next.state` (leaving `left`, if any) does, with clock events dated `clock_day`: clock events recorded on `next`, the
/// deadline of the state left cancelled and that of the state entered scheduled, clock expiries set
/// anew, and the entered state's effects.
fn enter(
    definition: &Definition,
    left: Option<&StateId>,
    next: &mut Case,
    calendar: &Calendar,
    today: Date,
    clock_day: Date,
) -> Result<(ClockEvents, Vec<Effect>), Error> {
    let to = next.state.clone();
    let clock_events = move_clocks(definition, left, &to, next, clock_day);
    let mut effects = Vec::new();
    if let Some(left) = left.filter(|l| definition.states[l.as_str()].deadline.is_some()) {
        effects.push(Effect::CancelDeadline { state: left.clone() });
    }
    let entered = &definition.states[to.as_str()];
    let entry = Entry::new(definition, next, calendar, today);
    if let Some(deadline) = &entered.deadline {
        let due = entry.deadline_due(&deadline.when)?;
        effects.push(Effect::ScheduleDeadline { state: to.clone(), due, fire: deadline.fire.clone() });
    }
    effects.extend(entry.clock_expiries(&clock_events));
    for effect in &entered.on_enter {
        effects.push(entry.effect(effect)?);
    }
    Ok((clock_events, effects))
}

/// A case that has just entered its state, with what the effects of entering are worked out from.
/// The variables expressions see are computed the first time an expression needs them, and only then.
struct Entry<'a> {
    definition: &'a Definition,
    case: &'a Case,
    calendar: &'a Calendar,
    today: Date,
    variables: OnceCell<Vec<(&'static str, Json)>>,
}

impl<'a> Entry<'a> {
    /// The entry of `case`, whose clocks already record what entering did to them.
    fn new(definition: &'a Definition, case: &'a Case, calendar: &'a Calendar, today: Date) -> Self {
        Self { definition, case, calendar, today, variables: OnceCell::new() }
    }

    /// The variables expressions see on the case, computed once.
    fn variables(&self) -> &[(&'static str, Json)] {
        self.variables.get_or_init(|| variables_for(self.definition, self.case, self.calendar, self.today))
    }

    /// The status of clock `name` on the case today.
    fn clock_status(&self, name: &str) -> Option<ClockStatus> {
        clock_status(self.definition, self.case, self.calendar, name, self.today)
    }

    /// When the entered state's deadline falls due: a term from today, or the day an expression gives.
    fn deadline_due(&self, when: &DeadlineWhen) -> Result<DeadlineDue, Error> {
        Ok(match when {
            DeadlineWhen::After(duration) => due_after(self.calendar, self.today, *duration),
            DeadlineWhen::At(expression) => match evaluate(expression, self.variables())? {
                Json::String(text) => {
                    DeadlineDue::Day(text.parse().map_err(|_| not_a_date(expression.source(), &text))?)
                }
                other => return Err(not_a_date(expression.source(), &other.to_string()).into()),
            },
        })
    }

    /// The expiry timers of the clocks that something happened to (`clock_events`) and that fire a
    /// transition when they expire: set anew to the clock's due day, or cleared when it no longer runs.
    fn clock_expiries(&self, clock_events: &ClockEvents) -> Vec<Effect> {
        let mut effects = Vec::new();
        for (name, clock) in &self.definition.clocks {
            if let Some(fire) = &clock.on_expiry
                && clock_events.iter().any(|(c, _)| c == name)
            {
                let due = self.clock_status(name).filter(ClockStatus::running).and_then(|s| s.due);
                effects.push(Effect::SetClockExpiry { clock: name.clone(), due, fire: fire.clone() });
            }
        }
        effects
    }

    /// One of the entered state's `on_enter` effects, made concrete for the case.
    fn effect(&self, effect: &EffectDef) -> Result<Effect, Error> {
        Ok(match effect {
            EffectDef::Notify(name) => Effect::Notify { notification: name.clone(), clocks: self.clock_snapshots() },
            EffectDef::Webhook(name) => Effect::CallWebhook(name.clone()),
            EffectDef::Payment(name) => self.payment(name)?,
            EffectDef::Assign { office, clerk } => {
                let clerk = clerk
                    .as_ref()
                    .map(|c| evaluate(c, self.variables()))
                    .transpose()?
                    .and_then(|v| v.as_str().map(str::to_owned));
                Effect::Assign { office: office.clone(), clerk }
            }
        })
    }

    /// Every clock's due day and days left, as a notification's text may show them.
    fn clock_snapshots(&self) -> Vec<ClockSnapshot> {
        self.definition
            .clocks
            .keys()
            .map(|clock| {
                let status = self.clock_status(clock).unwrap_or_default();
                ClockSnapshot { name: clock.clone(), due: status.due, remaining_days: status.remaining_days }
            })
            .collect()
    }

    /// The request of payment `name`: its amount worked out on the case, due a term from today (a term
    /// in days: a payment cannot be due in hours).
    fn payment(&self, name: &str) -> Result<Effect, Error> {
        let payment = &self.definition.payments[name];
        let amount_cents = evaluate(&payment.amount_cents, self.variables())?.as_i64().unwrap_or_default();
        let DeadlineDue::Day(due) = due_after(self.calendar, self.today, payment.due) else {
            return Err(not_a_date(name, "a due time in hours").into());
        };
        Ok(Effect::RequestPayment {
            payment: name.to_owned(),
            amount_cents,
            description: payment.description.clone(),
            due,
        })
    }
}

/// The transitions `actor` may apply to `case` in its current state (its guard may still refuse one).
/// What a case page offers the caller; the engine checks again when one is applied.
pub fn available(definition: &Definition, case: &Case, actor: &Actor) -> Vec<TransitionId> {
    definition
        .transitions_from(case.state.as_str())
        .filter(|(id, transition)| may_apply(definition, case, actor, id, transition).is_ok())
        .map(|(id, _)| id.clone())
        .collect()
}

fn not_a_date(source: &str, got: &str) -> evaluate::EvaluationError {
    evaluate::EvaluationError::new(source, format!("gave {got}, not a date YYYY-MM-DD"))
}

fn check_input(transition: &TransitionDef, input: &Json) -> Result<Json, Error> {
    let empty = matches!(input, Json::Null) || input.as_object().is_some_and(Map::is_empty);
    match &transition.input {
        None if empty => Ok(json!({})),
        None => Err(Error::InvalidInput(vec![(String::new(), "this transition takes no input".to_owned())])),
        Some(schema) => {
            let input = if matches!(input, Json::Null) { json!({}) } else { input.clone() };
            let errors = schema.errors(&input);
            if errors.is_empty() { Ok(input) } else { Err(Error::InvalidInput(errors)) }
        }
    }
}

/// Records what leaving `from` and entering `to` does to each clock, on the new case.
fn move_clocks(
    definition: &Definition,
    from: Option<&StateId>,
    to: &StateId,
    case: &mut Case,
    today: Date,
) -> Vec<(String, ClockEvent)> {
    let (left, entered) = (from.map(|f| &definition.states[f.as_str()]), &definition.states[to.as_str()]);
    let mut happened = Vec::new();
    for (name, clock) in &definition.clocks {
        let before = left.and_then(|l| l.clock.get(name).copied());
        let after = entered.clock.get(name).copied();
        let started =
            case.clocks.get(name).is_some_and(|events| events.iter().any(|e| matches!(e, ClockEvent::Started(_))));
        let mut events = Vec::new();
        if before == Some(ClockEffect::Suspend) && after != Some(ClockEffect::Suspend) {
            events.push(ClockEvent::Resumed(today));
        }
        if before == Some(ClockEffect::Interrupt) && after != Some(ClockEffect::Interrupt) {
            events.push(ClockEvent::Restarted(today));
        }
        if !started && clock.starts_on == *to {
            events.push(ClockEvent::Started(today));
        }
        if started || clock.starts_on == *to {
            match after {
                Some(ClockEffect::Suspend) if before != Some(ClockEffect::Suspend) => {
                    events.push(ClockEvent::Suspended(today))
                }
                Some(ClockEffect::Interrupt) if before != Some(ClockEffect::Interrupt) => {
                    events.push(ClockEvent::Interrupted(today))
                }
                Some(ClockEffect::Stop) => events.push(ClockEvent::Stopped(today)),
                _ if entered.is_final => events.push(ClockEvent::Stopped(today)),
                _ => {}
            }
        }
        for event in events {
            case.clocks.entry(name.clone()).or_default().push(event);
            happened.push((name.clone(), event));
        }
    }
    happened
}

/// A clock's status; a cumulative clock counts its days with those of the clocks it adds up with,
/// from the earliest start among them.
pub fn clock_status(
    definition: &Definition,
    case: &Case,
    calendar: &Calendar,
    name: &str,
    today: Date,
) -> Option<ClockStatus> {
    let clock = definition.clocks.get(name)?;
    let mut events = case.clocks.get(name).cloned().unwrap_or_default();
    let mut days = clock.days;
    // After an interruption the term runs again in full, but on its own: the earlier terms it added
    // up with are spent.
    let restarted = events.iter().any(|e| matches!(e, ClockEvent::Restarted(_)));
    for other in clock.cumulative_with.iter().filter(|_| !restarted) {
        days += definition.clocks.get(other).map_or(0, |c| c.days);
        let earlier = case
            .clocks
            .get(other)
            .and_then(|e| e.iter().find_map(|e| if let ClockEvent::Started(d) = e { Some(*d) } else { None }));
        if let (Some(earlier), Some(ClockEvent::Started(own))) = (earlier, events.first_mut()) {
            *own = (*own).min(earlier);
        }
    }
    Some(legal_clock::status(Term { days, counting: clock.counting }, calendar, &events, today))
}

fn due_after(calendar: &Calendar, today: Date, duration: Duration) -> DeadlineDue {
    match duration.unit {
        DurationUnit::Days => DeadlineDue::Day(calendar.roll_forward(add_days(today, duration.amount))),
        DurationUnit::BusinessDays => DeadlineDue::Day(calendar.add_working_days(today, duration.amount)),
        DurationUnit::Months => DeadlineDue::Day(calendar.roll_forward(add_months(today, duration.amount))),
        DurationUnit::Hours => DeadlineDue::Hours(duration.amount),
    }
}

/// What a guard sees: the case's variables, with the case file counted as the transition leaves it,
/// and `input`.
fn variables(
    definition: &Definition,
    case: &Case,
    documents: &std::collections::BTreeMap<String, u32>,
    calendar: &Calendar,
    input: &Json,
    today: Date,
) -> Vec<(&'static str, Json)> {
    let mut vars = variables_for(definition, case, calendar, today);
    if let Some((_, counts)) = vars.iter_mut().find(|(name, _)| *name == "documents") {
        *counts = documents::variable(definition, documents);
    }
    vars.push(("input", input.clone()));
    vars
}

fn variables_for(definition: &Definition, case: &Case, calendar: &Calendar, today: Date) -> Vec<(&'static str, Json)> {
    let clocks: Map<String, Json> = definition
        .clocks
        .keys()
        .map(|name| {
            let s = clock_status(definition, case, calendar, name, today).unwrap_or_default();
            (
                name.clone(),
                json!({
                    "elapsed_days": s.elapsed_days,
                    "remaining_days": s.remaining_days.unwrap_or_default(),
                    "interruptions": s.interruptions,
                    "suspensions": s.suspensions,
                    "running": s.running(),
                    "due": s.due.map(|d| d.to_string()).unwrap_or_default(),
                }),
            )
        })
        .collect();
    vec![
        ("data", case.data.clone()),
        (
            "case",
            json!({"code": case.code, "opened_at": case.opened_on.to_string(), "state": case.state.as_str(), "office": case.office}),
        ),
        ("clock", Json::Object(clocks)),
        ("documents", documents::variable(definition, &case.documents)),
        ("today", json!(today.to_string())),
    ]
}
