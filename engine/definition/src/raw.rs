//! The workflow file as written: serde types that mirror the YAML one to one, with no logic.
//!
//! Every struct denies unknown keys, so a typo is an error rather than a silently ignored line. The doc
//! comments here are the reference an analyst reads in the editor: they become the descriptions of
//! `docs/workflow.schema.json`, which the `yaml-language-server` modeline at the top of every workflow
//! file points to. `validate` turns these types into a [`Definition`](super::Definition).

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A procedure: its states, the transitions between them, its legal clocks and what it triggers.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "Sportello workflow")]
pub struct RawWorkflow {
    /// Stable kebab-case identifier, the same as the file name (`building-permit`).
    pub id: String,
    /// Version of this definition, a positive integer raised at every change a case could notice.
    pub version: u32,
    /// Name of the service as the citizen sees it.
    pub title: RawText,
    /// One or two sentences for the catalogue of services.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<RawText>,
    /// The office that owns the cases (`edilizia`, `scuola`, …): its clerks work them.
    pub office: String,
    /// The calendar that business-day terms and roll-forward use: a built-in one (`italia`, `modena`,
    /// `bologna`, …) or one declared under `calendars`.
    #[serde(default = "default_calendar")]
    pub calendar: String,
    /// Calendars declared by this workflow, for municipalities the built-in ones do not cover.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub calendars: IndexMap<String, RawCalendar>,
    /// The period in which citizens can start and send an application, from the call (a yearly
    /// enrolment, a grant): outside it the service is shown as closed, with these dates, and no
    /// application can be started. Without it the service is always open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<RawWindow>,
    /// Staff roles besides the built-in `citizen` (the applicant) and `system` (the engine itself).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub roles: IndexMap<String, RawRole>,
    /// JSON Schema (draft 2020-12) of the case data; every transition's input is checked against it.
    /// The extra format `codice-fiscale` checks an Italian fiscal code, check character included;
    /// `format: euro-cents` on an `integer` marks an amount in cents, shown and typed in euros. Every
    /// field has a `label: { it, en }` (Italian required), may have a `hint: { it, en }`, and a field
    /// with an `enum` labels each value under `options: { value: { it, en } }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "serde_json::Map<String, serde_json::Value>")]
    pub data: Option<serde_json::Value>,
    /// Named legal terms (`procedure`, `decision`, …) that run, pause and restart with the states.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub clocks: IndexMap<String, RawClock>,
    /// The states a case can be in, in the order the diagram shows them.
    pub states: IndexMap<String, RawState>,
    /// The moves between states and who may make them.
    pub transitions: IndexMap<String, RawTransition>,
    /// External events (`payment.paid`, `documents.received`, …) and the transitions they fire.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub events: IndexMap<String, RawEvent>,
    /// Fees the citizen pays through pagoPA, requested by a state's `on_enter`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub payments: IndexMap<String, RawPayment>,
    /// Messages to the citizen (App IO, e-mail as fallback), requested by a state's `on_enter`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub notifications: IndexMap<String, RawNotification>,
    /// Calls to other systems (the protocol register, …), requested by a state's `on_enter`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub webhooks: IndexMap<String, RawWebhook>,
    /// The kinds of document a case file holds (`project`, `isee`, …): what they are called, which
    /// formats and sizes are accepted, whether they must be digitally signed and who sees them.
    /// Transitions name them under `documents`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub documents: IndexMap<String, RawDocumentType>,
}

fn default_calendar() -> String {
    "italia".to_owned()
}

/// A text in Italian (required) and English (optional).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawText {
    /// Italian text; required wherever a text is shown to a citizen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub it: Option<String>,
    /// English text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
}

/// When applications are accepted: both days included, in Italian time.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawWindow {
    /// The first day applications are accepted, `YYYY-MM-DD`.
    pub from: String,
    /// The last day applications are accepted, `YYYY-MM-DD`.
    pub until: String,
}

/// A municipal calendar: the national holidays plus the patron saint's day and closures.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCalendar {
    /// The patron saint's day as `MM-DD` (`01-31` for San Geminiano in Modena).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patron_day: Option<String>,
    /// Whether Saturday counts as a working day. Municipal offices are mostly closed on Saturdays,
    /// and art. 155 c.p.c. rolls a term that ends on a Saturday forward: default `false`.
    #[serde(default)]
    pub saturday_working: bool,
    /// Extra closure days as `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub closures: Vec<String>,
}

/// A staff role.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRole {
    /// How the role is called in the pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<RawText>,
    /// The office whose staff hold the role; defaults to the workflow's `office`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office: Option<String>,
}

/// A legal term of the procedure.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawClock {
    /// How the term is called on the citizen's page (`Termine per la conclusione del procedimento`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<RawText>,
    /// Length of the term in days.
    pub days: u32,
    /// `calendar` (every day counts; a term ending on a non-working day rolls to the next working day)
    /// or `business` (only working days of the workflow's calendar count).
    #[serde(default)]
    pub counting: RawCounting,
    /// The state whose entry starts the term (the day of entry is not counted: art. 155 c.p.c.).
    pub starts_on: String,
    /// Earlier clocks whose terms add up with this one (Codice della Strada art. 204: 60 + 120 days).
    /// The due date is counted from the start of the earliest of them, over the sum of the days.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cumulative_with: Vec<String>,
    /// The `system` transition the engine fires when the term expires: the silence rule
    /// (silenzio-assenso, appeal deemed granted, access deemed refused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_expiry: Option<String>,
}

/// How the days of a term are counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawCounting {
    /// Every day counts; the due date rolls forward to the next working day.
    #[default]
    Calendar,
    /// Only working days count.
    Business,
}

/// What a state does to a clock while a case is in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawClockEffect {
    /// Time does not count while the case is here (L. 241/1990 art. 2 c.7, art. 10-bis); it
    /// resumes where it stopped on leaving.
    Suspend,
    /// The term starts again from zero when the case leaves this state (DPR 380/2001 art. 20 c.5).
    Interrupt,
    /// The term is over: it neither runs nor expires any more.
    Stop,
}

/// Who a state waits for; the citizen's page says it in words.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawWaitingFor {
    /// The applicant must act (complete, send documents, pay).
    Citizen,
    /// The office must act.
    Office,
    /// A payment must arrive.
    Payment,
    /// Another administration or system must answer.
    External,
    /// Nobody: the case is over or waits only for time.
    #[default]
    Nobody,
}

/// How a final state ended the procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawOutcome {
    /// The application was granted (also by silence).
    Accepted,
    /// The application was refused or lapsed.
    Rejected,
    /// The applicant withdrew or renounced.
    Withdrawn,
}

/// A state of the procedure.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawState {
    /// The state a new case starts in; exactly one state has it.
    #[serde(default)]
    pub initial: bool,
    /// The procedure is over: no transition may leave this state, and every clock stops.
    #[serde(default)]
    pub r#final: bool,
    /// How a final state ended the procedure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<RawOutcome>,
    /// The status the citizen reads in plain language (Italian required, English optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<RawText>,
    /// Who the case waits for while it is here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_for: Option<RawWaitingFor>,
    /// Entering this state is a milestone of the citizen's timeline (`Presa in carico`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub milestone: Option<RawText>,
    /// What this state does to the named clocks: `suspend`, `interrupt` or `stop`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub clock: IndexMap<String, RawClockEffect>,
    /// A term for this state only: when it passes, the engine fires a `system` transition.
    /// Leaving the state cancels it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<RawDeadline>,
    /// Effects requested when a case enters the state.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub on_enter: Vec<RawEffect>,
}

/// A state deadline: either `after` a duration or `at` a date computed from the case.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDeadline {
    /// A duration from entering the state: `30 days`, `10 business days`, `48 hours`, `6 months`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// An expression giving the date or instant (`data.hearing_date`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// The `system` transition leaving this state that the engine fires.
    pub fire: String,
}

/// An effect a state requests on entry. Exactly one key per item.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RawEffect {
    /// Send the named notification to the applicant.
    Notify(String),
    /// Create the named pagoPA debt position.
    Payment(String),
    /// Call the named webhook.
    Webhook(String),
    /// Assign the case to an office or to a clerk.
    Assign(RawAssign),
}

/// Where a case is assigned.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAssign {
    /// The office that takes the case over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office: Option<String>,
    /// An expression giving the clerk's user id (`data.preferred_clerk`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clerk: Option<String>,
}

/// One state or several.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum RawStates {
    /// One state.
    One(String),
    /// Several states.
    Many(Vec<String>),
}

impl RawStates {
    /// The states named, in order.
    pub fn names(&self) -> Vec<&str> {
        match self {
            RawStates::One(name) => vec![name.as_str()],
            RawStates::Many(names) => names.iter().map(String::as_str).collect(),
        }
    }
}

/// A move from one or more states to another.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTransition {
    /// How the action is called on buttons and in the audit trail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<RawText>,
    /// The state or states it leaves.
    pub from: RawStates,
    /// The state it enters.
    pub to: String,
    /// Who may fire it: `citizen` (the applicant only), a staff role, or `system` (the engine only,
    /// for deadlines, clock expiries and events).
    pub by: RawActors,
    /// A guard: a CEL expression over `data`, `case`, `clock` and `input` that must be true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    /// What the citizen or the clerk reads when `when` is false: why the action cannot be taken now
    /// and what would allow it. Required on a guarded transition that a person takes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<RawText>,
    /// JSON Schema of what the actor supplies; it is merged into the case data. Fields listed in
    /// `required` but not under `properties` take their schema from the workflow's `data`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "serde_json::Map<String, serde_json::Value>")]
    pub input: Option<serde_json::Value>,
    /// The documents the actor attaches, by document type: how many of each (`min: 1` makes one
    /// required). They join the case file when the transition is applied, sealed in its audit entry.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub documents: IndexMap<String, RawDocumentInput>,
}

/// A kind of document in the case file.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDocumentType {
    /// What the document is called on the pages (`Elaborati progettuali`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<RawText>,
    /// One or two sentences telling the citizen what to upload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<RawText>,
    /// The formats accepted, told from the file's bytes: `application/pdf`, `image/jpeg`,
    /// `image/png`, `application/pkcs7-mime` (a CAdES-signed `.p7m`). Default: `application/pdf`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accept: Vec<String>,
    /// The largest file accepted, `512 KB` or `20 MB` (1 MB = 1,048,576 bytes). Default `10 MB`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_size: Option<String>,
    /// Whether the file must be digitally signed (CAdES, `.p7m`): the signature must verify and the
    /// signer is shown to the clerk. Default `false`.
    #[serde(default)]
    pub signed: bool,
    /// Who sees it besides the staff of the office: `applicant` (the default) or `staff` (an internal
    /// opinion the applicant does not see).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visible_to: Option<RawVisibility>,
}

/// Who may see a document besides the staff of the case's office.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawVisibility {
    /// The applicant and the staff of the office.
    #[default]
    Applicant,
    /// The staff of the office only.
    Staff,
}

/// How many documents of one type a transition takes.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDocumentInput {
    /// The fewest: `0` for optional (the default), `1` or more for required.
    #[serde(default)]
    pub min: u32,
    /// The most, at most 10. Default 1.
    #[serde(default = "one")]
    pub max: u32,
}

fn one() -> u32 {
    1
}

/// One actor or several.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum RawActors {
    /// One role.
    One(String),
    /// Several roles.
    Many(Vec<String>),
}

impl RawActors {
    /// The roles named, in order.
    pub fn names(&self) -> Vec<&str> {
        match self {
            RawActors::One(name) => vec![name.as_str()],
            RawActors::Many(names) => names.iter().map(String::as_str).collect(),
        }
    }
}

/// An external event and the transitions it may fire.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawEvent {
    /// The `system` transitions the event fires: the one leaving the case's current state.
    pub fires: RawStates,
}

/// A pagoPA fee.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPayment {
    /// The amount in euro cents: a CEL expression of type int (`12000`, `data.fee_cents`).
    pub amount_cents: String,
    /// The reason of payment shown in the notice (pagoPA: at most 140 characters).
    pub description: String,
    /// How long the citizen has to pay: `30 days` (or `business days`, `hours`, `months`).
    pub due: String,
}

/// A message to the applicant.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawNotification {
    /// Handlebars template of the subject (App IO: 10 to 120 characters, no personal data).
    pub subject: String,
    /// Handlebars template of the body in markdown (App IO: 80 to 10,000 characters).
    pub markdown: String,
    /// A payment whose notice the message carries (App IO `payment_data`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<String>,
}

/// A call to another system.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawWebhook {
    /// The endpoint's name in the configuration (its URL and secret live there, per environment).
    pub endpoint: String,
    /// Whether the case data goes in the body (default: only ids, state and dates).
    #[serde(default)]
    pub include_data: bool,
}
