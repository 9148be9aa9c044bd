//! Raw workflow → [`Definition`]: every rule checked, every problem collected with its place.
//!
//! Each concern has its own file: [`names`] (id style), [`texts`] (what citizens read), [`graph`]
//! (states, transitions, roles, reachability), [`timers`] (clocks, deadlines, events), [`data`] (the data
//! and input schemas), [`expressions`] (guards and computed values), [`effects`] (notifications,
//! payments, webhooks), [`documents`] (document types, the documents transitions take, the input key
//! reserved for them). A definition is built only when no error was found; warnings are kept.

mod data;
mod documents;
mod effects;
mod expressions;
mod field_texts;
mod graph;
mod names;
mod texts;
mod timers;

use super::calendar;
use super::diagnostic::{Code, Diagnostic, Severity, YamlPath, suggestion};
use super::model::{Definition, Text};
use super::node::{Node, NodeKind};
use super::raw::{RawText, RawWorkflow};
use super::{parse, shape};
use crate::ids::{StateId, WorkflowId};

/// The outcome of validating one workflow file.
#[derive(Debug)]
pub struct Report {
    /// The definition, when the file has no errors.
    pub definition: Option<Definition>,
    /// Every problem found, in the order of the file.
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    /// Whether the file is valid (warnings allowed).
    pub fn is_valid(&self) -> bool {
        self.definition.is_some()
    }

    /// How many errors and warnings.
    pub fn counts(&self) -> (usize, usize) {
        let errors = self.diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
        (errors, self.diagnostics.len() - errors)
    }
}

/// Validates a workflow file's bytes. `file_stem` is the file name without `.yaml`, when known, so
/// that an id differing from it can be reported.
pub fn load(bytes: &[u8], file_stem: Option<&str>) -> Report {
    load_as(bytes, file_stem, false)
}

/// Validates workflow text.
pub fn load_str(text: &str, file_stem: Option<&str>) -> Report {
    load(text.as_bytes(), file_stem)
}

/// Validates the source of a version deployed earlier, to run its cases: as [`load_str`], except that
/// texts for people which later rules require (a field's label, an option's label, a refusal text;
/// see [`Code::is_text_for_people`]) do not stop it. The rules are the deployer's to meet; cases
/// opened on a version deployed before them must still run (their pages fall back to the field's name).
pub fn load_stored(text: &str, file_stem: Option<&str>) -> Report {
    load_as(text.as_bytes(), file_stem, true)
}

fn load_as(bytes: &[u8], file_stem: Option<&str>, stored: bool) -> Report {
    parse::on_large_stack(|| match parse::parse_bytes(bytes) {
        Ok(tree) => validate_tree(&tree, file_stem, stored),
        Err(diagnostic) => Report { definition: None, diagnostics: vec![diagnostic] },
    })
}

fn validate_tree(tree: &Node, file_stem: Option<&str>, stored: bool) -> Report {
    let (raw, mut diagnostics) = shape::shape(tree);
    let mut definition = None;
    if let Some(raw) = raw {
        let mut ctx = Ctx { raw: &raw, diagnostics: Vec::new(), input_schemas: Vec::new() };
        let built = ctx.build(file_stem);
        for mut diagnostic in ctx.diagnostics {
            if diagnostic.location == super::Location::default() {
                diagnostic.location = match tree.get(&diagnostic.path).map(|n| &n.kind) {
                    Some(NodeKind::Map(_) | NodeKind::Seq(_)) | None => tree.locate(&diagnostic.path),
                    Some(_) => tree.locate_value(&diagnostic.path),
                };
            }
            diagnostics.push(diagnostic);
        }
        if !diagnostics.iter().any(|d| d.is_error() && !(stored && d.code.is_text_for_people())) {
            definition = built;
        }
    }
    diagnostics.sort_by_key(|d| (d.location, d.code));
    diagnostics.dedup();
    Report { definition, diagnostics }
}

/// What every check shares: the raw workflow and the diagnostics found so far.
pub(crate) struct Ctx<'a> {
    raw: &'a RawWorkflow,
    diagnostics: Vec<Diagnostic>,
    /// Input schemas compiled so far, reused by transitions that take the same input.
    input_schemas: Vec<super::data_schema::DataSchema>,
}

impl Ctx<'_> {
    fn push(&mut self, code: Code, path: YamlPath, message: impl Into<String>, hint: impl Into<String>) {
        self.diagnostics.push(Diagnostic::new(code, path, message).with_hint(hint));
    }

    fn build(&mut self, file_stem: Option<&str>) -> Option<Definition> {
        let raw = self.raw;
        self.check_names(file_stem);
        let title = self.text(&raw.title, &crate::yaml_path!["title"]);
        let description = raw.description.as_ref().map(|d| self.text(d, &crate::yaml_path!["description"]));
        let calendar = self.calendar();
        let window = self.window();
        let data = self.data_schema();
        let roles = self.roles();
        let documents = self.document_types();
        self.check_reserved_names();
        self.check_states();
        let transitions = self.transitions(data.as_ref());
        self.check_graph();
        let clocks = self.clocks();
        let events = self.events();
        self.check_system_transitions();
        let payments = self.payments(data.as_ref());
        let notifications = self.notifications(data.as_ref());
        let webhooks = self.webhooks();
        self.check_unused();
        let states = self.state_details(data.as_ref());
        let initial = raw.states.iter().find(|(_, s)| s.initial).map(|(id, _)| StateId::checked(id))?;
        Some(Definition {
            id: WorkflowId::checked(&raw.id),
            version: raw.version,
            title,
            description,
            office: raw.office.clone(),
            calendar: calendar?,
            window,
            roles,
            data,
            clocks,
            states,
            transitions,
            events,
            payments,
            notifications,
            webhooks,
            documents,
            initial,
        })
    }

    fn calendar(&mut self) -> Option<calendar::CalendarSpec> {
        let raw = self.raw;
        for (name, declared) in &raw.calendars {
            if let Err(problems) = calendar::declared(name, declared) {
                for (field, message) in problems {
                    self.push(
                        Code::InvalidCalendar,
                        crate::yaml_path!["calendars", name, field],
                        message,
                        "patron days are `MM-DD`, closures `YYYY-MM-DD`",
                    );
                }
            }
        }
        if let Some(declared) = raw.calendars.get(&raw.calendar) {
            return calendar::declared(&raw.calendar, declared).ok();
        }
        if let Some(spec) = calendar::built_in(&raw.calendar) {
            return Some(spec);
        }
        let names: Vec<&str> =
            calendar::BUILT_IN.iter().map(|(n, _)| *n).chain(raw.calendars.keys().map(String::as_str)).collect();
        let hint = suggestion(&raw.calendar, "calendar", names.iter().copied());
        self.push(
            Code::UnknownCalendar,
            crate::yaml_path!["calendar"],
            format!("unknown calendar `{}`", raw.calendar),
            format!("{hint} Or declare it under `calendars`."),
        );
        None
    }

    /// The application window, with both days checked.
    fn window(&mut self) -> Option<super::model::Window> {
        let raw = self.raw.window.as_ref()?;
        let mut valid = true;
        for (key, text) in [("from", &raw.from), ("until", &raw.until)] {
            if calendar::civil_date(text).is_none() {
                valid = false;
                self.push(
                    Code::InvalidValue,
                    crate::yaml_path!["window", key],
                    format!("`{text}` is not a date written `YYYY-MM-DD`"),
                    "write the day as in the call, for example `2027-03-08`",
                );
            }
        }
        if valid && raw.from > raw.until {
            self.push(
                Code::InvalidValue,
                crate::yaml_path!["window", "until"],
                format!("the window closes on {} before it opens on {}", raw.until, raw.from),
                "swap the dates, or correct the one copied wrong from the call",
            );
            valid = false;
        }
        valid.then(|| super::model::Window { from: raw.from.clone(), until: raw.until.clone() })
    }

    /// Reports a reference to `name` among `known` when it is not there; true when it is.
    fn reference<'k>(
        &mut self,
        code: Code,
        path: YamlPath,
        kind: &str,
        name: &str,
        known: impl IntoIterator<Item = &'k String> + Clone,
    ) -> bool {
        if known.clone().into_iter().any(|k| k == name) {
            return true;
        }
        let names: Vec<&str> = known.into_iter().map(String::as_str).collect();
        let hint = suggestion(name, kind, names.iter().copied());
        self.push(code, path, format!("unknown {kind} `{name}`"), hint);
        false
    }
}

/// A text with its Italian version checked.
pub(crate) fn text_of(raw: &RawText) -> Text {
    Text { it: raw.it.clone().unwrap_or_default(), en: raw.en.clone() }
}
