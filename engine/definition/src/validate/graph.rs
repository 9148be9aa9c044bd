//! States, transitions and roles: one initial state, known names, final states that stay final, every
//! state reachable from the initial one and able to reach a final one (petgraph).

use indexmap::IndexMap;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::{Dfs, Reversed};

use super::Ctx;
use crate::data_schema::DataSchema;
use crate::diagnostic::Code;
use crate::ids::{StateId, TransitionId};
use crate::model::{Actor, Role, TransitionDef};

impl Ctx<'_> {
    pub(super) fn roles(&mut self) -> IndexMap<String, Role> {
        let raw = self.raw;
        let mut roles = IndexMap::new();
        for (name, role) in &raw.roles {
            let title = role.title.as_ref().map(|t| self.text(t, &crate::yaml_path!["roles", name, "title"]));
            roles.insert(
                name.clone(),
                Role { title, office: role.office.clone().unwrap_or_else(|| raw.office.clone()) },
            );
        }
        roles
    }

    pub(super) fn check_states(&mut self) {
        let raw = self.raw;
        let initial: Vec<&String> = raw.states.iter().filter(|(_, s)| s.initial).map(|(id, _)| id).collect();
        match initial.as_slice() {
            [] => self.push(
                Code::NoInitialState,
                crate::yaml_path!["states"],
                "no state is marked `initial: true`",
                "mark the state new cases start in, usually `draft`, with `initial: true`",
            ),
            [_] => {}
            [_, rest @ ..] => {
                for id in rest {
                    self.push(
                        Code::SeveralInitialStates,
                        crate::yaml_path!["states", id, "initial"],
                        format!("state `{id}` is a second initial state"),
                        format!("only one state may be initial; `{}` already is", initial[0]),
                    );
                }
            }
        }
        for (id, state) in &raw.states {
            if state.initial && state.r#final {
                self.push(
                    Code::InvalidValue,
                    crate::yaml_path!["states", id, "final"],
                    format!("state `{id}` is both initial and final"),
                    "a case must be able to move: make it one or the other",
                );
            }
            self.check_state_texts(id);
        }
    }

    pub(super) fn transitions(&mut self, data: Option<&DataSchema>) -> IndexMap<TransitionId, TransitionDef> {
        let raw = self.raw;
        let states: Vec<String> = raw.states.keys().cloned().collect();
        let mut roles: Vec<String> = vec!["citizen".to_owned(), "system".to_owned()];
        roles.extend(raw.roles.keys().cloned());
        let mut out = IndexMap::new();
        for (id, transition) in &raw.transitions {
            let path = crate::yaml_path!["transitions", id];
            let title = transition.title.as_ref().map(|t| self.text(t, &path.key("title")));
            let from_names = transition.from.names();
            for (i, from) in from_names.iter().enumerate() {
                let at = if from_names.len() > 1 && matches!(transition.from, crate::raw::RawStates::Many(_)) {
                    path.key("from").index(i)
                } else {
                    path.key("from")
                };
                if self.reference(Code::UnknownState, at.clone(), "state", from, &states) && raw.states[*from].r#final {
                    self.push(Code::FinalStateWithTransitions, at, format!("transition `{id}` leaves final state `{from}`"), format!("a final state ends the procedure: remove `{from}` from `from`, or drop `final: true` from it"));
                }
            }
            self.reference(Code::UnknownState, path.key("to"), "state", &transition.to, &states);
            let mut by = Vec::new();
            let names = transition.by.names();
            for (i, role) in names.iter().enumerate() {
                let at = if matches!(transition.by, crate::raw::RawActors::Many(_)) {
                    path.key("by").index(i)
                } else {
                    path.key("by")
                };
                if self.reference(Code::UnknownRole, at, "role", role, &roles) {
                    by.push(match *role {
                        "citizen" => Actor::Citizen,
                        "system" => Actor::System,
                        other => Actor::Staff(other.to_owned()),
                    });
                }
            }
            if names.is_empty() {
                self.push(
                    Code::MissingKey,
                    path.key("by"),
                    format!("transition `{id}` names no actor"),
                    "write `by: clerk`, `by: citizen` or `by: system`",
                );
            }
            if names.contains(&"system") && names.len() > 1 {
                self.push(
                    Code::InvalidValue,
                    path.key("by"),
                    format!("transition `{id}` mixes `system` with people"),
                    "a system transition is fired only by the engine: make a separate transition for people",
                );
            }
            let input = self.input_schema(id, transition.input.as_ref(), data);
            let guard = transition.when.as_ref().and_then(|when| self.guard(id, when, data, input.as_ref()));
            let refusal = self.refusal(id, transition, names.contains(&"system"));
            out.insert(
                TransitionId::checked(id),
                TransitionDef {
                    title,
                    from: from_names.iter().map(|s| StateId::checked(s)).collect(),
                    to: StateId::checked(&transition.to),
                    by,
                    guard,
                    refusal,
                    input,
                    documents: self.document_inputs(id, transition),
                },
            );
        }
        out
    }

    pub(super) fn check_graph(&mut self) {
        let raw = self.raw;
        let mut graph = DiGraph::<&str, ()>::new();
        let nodes: IndexMap<&str, NodeIndex> =
            raw.states.keys().map(|id| (id.as_str(), graph.add_node(id.as_str()))).collect();
        for transition in raw.transitions.values() {
            for from in transition.from.names() {
                if let (Some(&a), Some(&b)) = (nodes.get(from), nodes.get(transition.to.as_str())) {
                    graph.add_edge(a, b, ());
                }
            }
        }
        let Some((initial, _)) = raw.states.iter().find(|(_, s)| s.initial) else {
            return;
        };
        let mut reachable = vec![false; graph.node_count()];
        let mut dfs = Dfs::new(&graph, nodes[initial.as_str()]);
        while let Some(node) = dfs.next(&graph) {
            reachable[node.index()] = true;
        }
        let finals: Vec<NodeIndex> =
            raw.states.iter().filter(|(_, s)| s.r#final).map(|(id, _)| nodes[id.as_str()]).collect();
        if finals.is_empty() {
            self.push(
                Code::DeadEndState,
                crate::yaml_path!["states"],
                "no state is final, so no case can ever be concluded",
                "mark the states that end the procedure with `final: true` and an `outcome`",
            );
            return;
        }
        let mut concludes = vec![false; graph.node_count()];
        let reversed = Reversed(&graph);
        for &end in &finals {
            let mut dfs = Dfs::new(reversed, end);
            while let Some(node) = dfs.next(reversed) {
                concludes[node.index()] = true;
            }
        }
        for (id, &node) in &nodes {
            if !reachable[node.index()] {
                self.push(
                    Code::UnreachableState,
                    crate::yaml_path!["states", id],
                    format!("state `{id}` cannot be reached from the initial state `{initial}`"),
                    format!("add a transition with `to: {id}`, or remove the state"),
                );
            } else if !concludes[node.index()] {
                self.push(
                    Code::DeadEndState,
                    crate::yaml_path!["states", id],
                    format!("no final state can be reached from state `{id}`"),
                    "a case here would be stuck forever: add a transition towards a final state",
                );
            }
        }
    }
}
