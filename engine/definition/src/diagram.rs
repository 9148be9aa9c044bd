//! Diagrams of a workflow: Mermaid `stateDiagram-v2` for docs and pages, Graphviz DOT for tools.
//!
//! Both mark the initial and final states, draw what the engine fires by itself (deadlines, clock
//! expiries, events) differently from what people do, show where legal clocks are suspended,
//! interrupted or stopped, and end the label of a transition that takes documents with a paperclip and
//! their types (`📎 project, isee?`, `?` marking an optional one).

use std::fmt::Write;

use super::model::{ClockEffect, DeadlineWhen, Definition, TransitionDef};

/// How a transition is set off, for drawing (here and in the pages' SVG diagram).
pub enum Trigger {
    /// A person (citizen or staff) acts.
    Person(String),
    /// A state deadline passes.
    Deadline(String),
    /// A clock expires.
    Expiry(String),
    /// An external event arrives.
    Event(String),
    /// The engine, otherwise.
    System,
}

/// What sets off `transition` when it leaves `from`.
pub fn trigger(definition: &Definition, transition: &str, from: &str) -> Trigger {
    let def = &definition.transitions[transition];
    if !def.is_system() {
        let actors: Vec<String> = def
            .by
            .iter()
            .map(|a| match a {
                super::model::Actor::Citizen => "citizen".to_owned(),
                super::model::Actor::System => "system".to_owned(),
                super::model::Actor::Staff(role) => role.clone(),
            })
            .collect();
        return Trigger::Person(actors.join(", "));
    }
    if let Some(deadline) =
        definition.states.get(from).and_then(|s| s.deadline.as_ref()).filter(|d| d.fire == transition)
    {
        return Trigger::Deadline(match &deadline.when {
            DeadlineWhen::After(duration) => format!("after {duration}"),
            DeadlineWhen::At(expression) => format!("at {}", expression.source()),
        });
    }
    if let Some((clock, _)) = definition.clocks.iter().find(|(_, c)| c.on_expiry.as_deref() == Some(transition)) {
        return Trigger::Expiry(clock.clone());
    }
    if let Some((event, _)) = definition.events.iter().find(|(_, fires)| fires.iter().any(|f| f == transition)) {
        return Trigger::Event(event.clone());
    }
    Trigger::System
}

/// An edge's label: the transition, marked by what sets it off, then the documents it takes.
pub fn label(definition: &Definition, transition: &str, trigger: &Trigger) -> String {
    let mut label = match trigger {
        Trigger::Person(actors) => format!("{transition} ({actors})"),
        Trigger::Deadline(when) => format!("⏱ {transition} ({when})"),
        Trigger::Expiry(clock) => format!("⏱ {transition} ({clock} expires)"),
        Trigger::Event(event) => format!("✉ {transition} ({event})"),
        Trigger::System => format!("⚙ {transition}"),
    };
    if let Some(documents) = definition.transitions.get(transition).and_then(documents) {
        label.push(' ');
        label.push_str(&documents);
    }
    label
}

/// The documents a transition takes, for its label: `📎 project, isee?`, where `?` marks a type it takes
/// with `min: 0`; none when it takes no documents.
pub fn documents(transition: &TransitionDef) -> Option<String> {
    if transition.documents.is_empty() {
        return None;
    }
    let types: Vec<String> = transition
        .documents
        .iter()
        .map(|(name, count)| if count.min == 0 { format!("{name}?") } else { name.clone() })
        .collect();
    Some(format!("📎 {}", types.join(", ")))
}

fn clock_notes(definition: &Definition, state: &str) -> Vec<String> {
    let mut notes: Vec<String> = definition.states[state]
        .clock
        .iter()
        .map(|(clock, effect)| {
            let verb = match effect {
                ClockEffect::Suspend => "suspended",
                ClockEffect::Interrupt => "interrupted",
                ClockEffect::Stop => "stopped",
            };
            format!("{clock} {verb}")
        })
        .collect();
    for (clock, def) in &definition.clocks {
        if def.starts_on == state {
            notes.insert(
                0,
                format!(
                    "{clock} starts ({} {} days)",
                    def.days,
                    if def.counting == super::model::Counting::Business { "business" } else { "calendar" }
                ),
            );
        }
    }
    notes
}

fn mermaid_text(text: &str) -> String {
    text.replace(['"', ':', ';', '#'], " ").replace("  ", " ").trim().to_owned()
}

/// The workflow as a Mermaid `stateDiagram-v2`.
pub fn mermaid(definition: &Definition) -> String {
    let mut out = String::from("stateDiagram-v2\n");
    let _ = writeln!(out, "    [*] --> {}", definition.initial);
    for (id, state) in &definition.states {
        if let Some(status) = &state.status {
            let _ = writeln!(out, "    {id} : {id}<br/>{}", mermaid_text(&status.it));
        }
    }
    for (id, transition) in &definition.transitions {
        for from in &transition.from {
            let trigger = trigger(definition, id, from);
            let label = label(definition, id, &trigger);
            let _ = writeln!(out, "    {from} --> {} : {}", transition.to, mermaid_text(&label));
        }
    }
    for (id, state) in &definition.states {
        if state.is_final {
            let _ = writeln!(out, "    {id} --> [*]");
        }
    }
    for id in definition.states.keys() {
        let notes = clock_notes(definition, id);
        if !notes.is_empty() {
            let _ = writeln!(out, "    note right of {id} : {}", mermaid_text(&notes.join(", ")));
        }
    }
    let _ = writeln!(out, "    classDef final fill:#e6f4ea,stroke:#1e7e34,stroke-width:2px");
    let _ = writeln!(out, "    classDef paused fill:#fff3cd,stroke:#b8860b,stroke-dasharray:4 2");
    let finals: Vec<&str> = definition.states.iter().filter(|(_, s)| s.is_final).map(|(id, _)| id.as_str()).collect();
    if !finals.is_empty() {
        let _ = writeln!(out, "    class {} final", finals.join(","));
    }
    let paused: Vec<&str> =
        definition.states.iter().filter(|(_, s)| s.pauses_a_clock()).map(|(id, _)| id.as_str()).collect();
    if !paused.is_empty() {
        let _ = writeln!(out, "    class {} paused", paused.join(","));
    }
    out
}

fn dot_text(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The workflow as a Graphviz DOT digraph.
pub fn dot(definition: &Definition) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph \"{}\" {{", dot_text(&definition.id));
    let _ = writeln!(
        out,
        "  rankdir=LR;\n  node [shape=box, style=\"rounded,filled\", fillcolor=white, fontname=\"Titillium Web, sans-serif\"];\n  edge [fontname=\"Titillium Web, sans-serif\", fontsize=10];"
    );
    let _ = writeln!(out, "  \"__start\" [shape=point, width=0.2, label=\"\"];");
    for (id, state) in &definition.states {
        let mut lines = vec![id.to_string()];
        if let Some(status) = &state.status {
            lines.push(status.it.clone());
        }
        lines.extend(clock_notes(definition, id).into_iter().map(|n| format!("[{n}]")));
        let label = lines.iter().map(|l| dot_text(l)).collect::<Vec<_>>().join("\\n");
        let mut attrs = format!("label=\"{label}\"");
        if state.is_final {
            attrs.push_str(", peripheries=2, fillcolor=\"#e6f4ea\"");
        } else if state.pauses_a_clock() {
            attrs.push_str(", fillcolor=\"#fff3cd\", style=\"rounded,filled,dashed\"");
        }
        let _ = writeln!(out, "  \"{}\" [{attrs}];", dot_text(id));
    }
    let _ = writeln!(out, "  \"__start\" -> \"{}\";", dot_text(&definition.initial));
    for (id, transition) in &definition.transitions {
        for from in &transition.from {
            let trigger = trigger(definition, id, from);
            let style = match trigger {
                Trigger::Person(_) => "style=solid",
                Trigger::Deadline(_) | Trigger::Expiry(_) => "style=dashed, color=\"#b8860b\", fontcolor=\"#8a6d00\"",
                Trigger::Event(_) | Trigger::System => "style=dashed, color=\"#555555\", fontcolor=\"#555555\"",
            };
            let _ = writeln!(
                out,
                "  \"{}\" -> \"{}\" [label=\"{}\", {style}];",
                dot_text(from),
                dot_text(&transition.to),
                dot_text(&label(definition, id, &trigger))
            );
        }
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn permit() -> Definition {
        let yaml = "\
id: permit
version: 1
title: { it: Permesso }
office: edilizia
roles: { clerk: { title: { it: Istruttore } } }
documents:
  project: { title: { it: Elaborati progettuali } }
  isee: { title: { it: Attestazione ISEE } }
states:
  draft: { initial: true, status: { it: Bozza }, waiting_for: citizen }
  submitted: { status: { it: Ricevuta }, waiting_for: office }
  approved: { final: true, outcome: accepted, status: { it: Accolta } }
transitions:
  submit: { from: draft, to: submitted, by: citizen, documents: { project: { min: 1, max: 10 }, isee: {} } }
  approve: { from: submitted, to: approved, by: clerk }
";
        let report = crate::load_str(yaml, Some("permit"));
        report.definition.unwrap_or_else(|| panic!("{:#?}", report.diagnostics))
    }

    #[test]
    fn a_transition_that_takes_documents_ends_its_label_with_them_optional_ones_marked() {
        let permit = permit();
        let mermaid = mermaid(&permit);
        assert!(mermaid.contains("    draft --> submitted : submit (citizen) 📎 project, isee?\n"), "{mermaid}");
        assert!(mermaid.contains("    submitted --> approved : approve (clerk)\n"), "no paperclip without documents");
        let dot = dot(&permit);
        assert!(
            dot.contains("\"draft\" -> \"submitted\" [label=\"submit (citizen) 📎 project, isee?\", style=solid];"),
            "{dot}"
        );
    }
}
