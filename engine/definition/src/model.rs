//! The validated workflow: immutable, every reference resolved and every rule checked.
//!
//! A [`Definition`] can only be made by [`validate`](super::validate), so the runtime never re-checks
//! the graph, a name or an expression. Everything here is read-only.

use indexmap::IndexMap;

use super::calendar::CalendarSpec;
use super::data_schema::DataSchema;
use super::duration::Duration;
use super::expr::Expression;
pub use super::raw::{
    RawClockEffect as ClockEffect, RawCounting as Counting, RawOutcome as Outcome, RawVisibility as Visibility,
    RawWaitingFor as WaitingFor,
};
use crate::ids::{StateId, TransitionId, WorkflowId};
pub use crate::text::{Lang, Text};

/// A validated workflow definition.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Definition {
    /// Stable kebab-case id.
    pub id: WorkflowId,
    /// Version number as written.
    pub version: u32,
    /// Name of the service.
    pub title: Text,
    /// Catalogue description.
    pub description: Option<Text>,
    /// The owning office.
    pub office: String,
    /// The calendar terms are counted on.
    pub calendar: CalendarSpec,
    /// When applications are accepted, if only in a period.
    pub window: Option<Window>,
    /// Staff roles, by name (the built-in `citizen` and `system` are not listed).
    pub roles: IndexMap<String, Role>,
    /// The case data schema, if any.
    pub data: Option<DataSchema>,
    /// Legal clocks, by name.
    pub clocks: IndexMap<String, ClockDef>,
    /// States in declaration order.
    pub states: IndexMap<StateId, StateDef>,
    /// Transitions in declaration order.
    pub transitions: IndexMap<TransitionId, TransitionDef>,
    /// External events and the transitions they fire.
    pub events: IndexMap<String, Vec<TransitionId>>,
    /// pagoPA fees, by name.
    pub payments: IndexMap<String, PaymentDef>,
    /// Messages, by name.
    pub notifications: IndexMap<String, NotificationDef>,
    /// Calls to other systems, by name.
    pub webhooks: IndexMap<String, WebhookDef>,
    /// Kinds of document in the case file, by id.
    pub documents: IndexMap<String, DocumentTypeDef>,
    /// The state every case starts in.
    pub initial: StateId,
}

impl Definition {
    /// The same definition stored as `version`: the store numbers the versions it deploys, whatever
    /// the file says.
    pub fn stored_as(self, version: u32) -> Definition {
        Definition { version, ..self }
    }

    /// The transitions that leave `state`, in declaration order.
    pub fn transitions_from<'a>(
        &'a self,
        state: &'a str,
    ) -> impl Iterator<Item = (&'a TransitionId, &'a TransitionDef)> + 'a {
        self.transitions.iter().filter(move |(_, t)| t.from.iter().any(|f| f == state))
    }

    /// The transition an external event fires from `state`, if the event is known and fires one there.
    pub fn event_transition(&self, event: &str, state: &str) -> Option<&TransitionId> {
        self.events.get(event)?.iter().find(|t| self.transitions[t.as_str()].from.iter().any(|f| f == state))
    }
}

/// The period in which applications are accepted, both days included (Europe/Rome).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// The first day, `YYYY-MM-DD`.
    pub from: String,
    /// The last day, `YYYY-MM-DD`.
    pub until: String,
}

impl Window {
    /// Whether applications are accepted on `day` (`YYYY-MM-DD`).
    pub fn is_open_on(&self, day: &str) -> bool {
        self.from.as_str() <= day && day <= self.until.as_str()
    }
}

/// A staff role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// Display name.
    pub title: Option<Text>,
    /// The office whose staff hold it.
    pub office: String,
}

/// Who may fire a transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// The applicant of the case.
    Citizen,
    /// The engine: deadlines, clock expiries, events.
    System,
    /// Staff holding the named role.
    Staff(String),
}

/// A legal clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockDef {
    /// Display name.
    pub title: Option<Text>,
    /// Length in days.
    pub days: u32,
    /// How days count.
    pub counting: Counting,
    /// Entering this state starts the clock.
    pub starts_on: StateId,
    /// Earlier clocks whose days add up with this one.
    pub cumulative_with: Vec<String>,
    /// The system transition fired on expiry.
    pub on_expiry: Option<TransitionId>,
}

/// A state.
#[derive(Debug, Clone)]
pub struct StateDef {
    /// The initial state.
    pub initial: bool,
    /// A final state.
    pub is_final: bool,
    /// How a final state ended the procedure.
    pub outcome: Option<Outcome>,
    /// Status text for the citizen.
    pub status: Option<Text>,
    /// Who the case waits for.
    pub waiting_for: WaitingFor,
    /// Timeline milestone recorded on entry.
    pub milestone: Option<Text>,
    /// What this state does to clocks.
    pub clock: IndexMap<String, ClockEffect>,
    /// The state's own deadline.
    pub deadline: Option<DeadlineDef>,
    /// Effects requested on entry.
    pub on_enter: Vec<EffectDef>,
}

impl StateDef {
    /// Whether the state stops a legal clock from counting (suspends or interrupts one): the diagrams
    /// draw such states apart.
    pub fn pauses_a_clock(&self) -> bool {
        self.clock.values().any(|e| matches!(e, ClockEffect::Suspend | ClockEffect::Interrupt))
    }
}

/// When a state deadline falls.
#[derive(Debug, Clone)]
pub enum DeadlineWhen {
    /// A duration after entering the state.
    After(Duration),
    /// A date computed from the case.
    At(Expression),
}

/// A state deadline.
#[derive(Debug, Clone)]
pub struct DeadlineDef {
    /// When it falls.
    pub when: DeadlineWhen,
    /// The system transition it fires.
    pub fire: TransitionId,
}

/// An effect requested on entering a state.
#[derive(Debug, Clone)]
pub enum EffectDef {
    /// Send a notification.
    Notify(String),
    /// Create a debt position.
    Payment(String),
    /// Call a webhook.
    Webhook(String),
    /// Assign to an office and/or a clerk.
    Assign {
        /// The office.
        office: Option<String>,
        /// An expression giving the clerk's id.
        clerk: Option<Expression>,
    },
}

/// A transition.
#[derive(Debug, Clone)]
pub struct TransitionDef {
    /// Display name.
    pub title: Option<Text>,
    /// States it leaves.
    pub from: Vec<StateId>,
    /// State it enters.
    pub to: StateId,
    /// Who may fire it.
    pub by: Vec<Actor>,
    /// Guard.
    pub guard: Option<Expression>,
    /// What a person reads when the guard is false.
    pub refusal: Option<Text>,
    /// Schema of the input (properties completed from the data schema; no other fields allowed).
    pub input: Option<DataSchema>,
    /// The documents it attaches, by document type.
    pub documents: IndexMap<String, DocumentInput>,
}

impl TransitionDef {
    /// Whether only the engine may fire it.
    pub fn is_system(&self) -> bool {
        self.by.iter().all(|a| *a == Actor::System)
    }
}

/// The media types a document type may accept, as written in a workflow.
pub const MEDIA_TYPES: [&str; 4] = ["application/pdf", "image/jpeg", "image/png", "application/pkcs7-mime"];

/// A kind of document in the case file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentTypeDef {
    /// What it is called.
    pub title: Text,
    /// What to upload, in a sentence.
    pub hint: Option<Text>,
    /// The media types accepted, among [`MEDIA_TYPES`].
    pub accept: Vec<String>,
    /// The largest file accepted, in bytes.
    pub max_bytes: u64,
    /// Whether it must be a verified CAdES `.p7m`.
    pub signed: bool,
    /// Who sees it besides the office's staff.
    pub visible_to: Visibility,
}

/// How many documents of one type a transition takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentInput {
    /// The fewest (0: optional).
    pub min: u32,
    /// The most.
    pub max: u32,
}

/// A pagoPA fee.
#[derive(Debug, Clone)]
pub struct PaymentDef {
    /// Amount in cents (an int expression).
    pub amount_cents: Expression,
    /// Reason of payment.
    pub description: String,
    /// Time to pay.
    pub due: Duration,
}

/// A message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationDef {
    /// Handlebars subject.
    pub subject: String,
    /// Handlebars markdown body.
    pub markdown: String,
    /// The payment whose notice it carries.
    pub payment: Option<String>,
}

/// A call to another system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDef {
    /// Endpoint name in the configuration.
    pub endpoint: String,
    /// Whether the case data is sent.
    pub include_data: bool,
}
