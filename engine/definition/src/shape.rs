//! Document tree → raw workflow types, reporting every unknown key, not only the first.
//!
//! The raw types deny unknown keys. To report them all, an unknown key is recorded, removed from the
//! JSON form of the document and deserialization tried again; any other shape error (a missing key,
//! a value of the wrong type) is reported once and ends the attempt. Duplicate keys are reported from
//! the tree, where YAML keeps them.

use serde::Deserialize;
use serde_json::Value;
use serde_path_to_error::Segment;

use super::diagnostic::{Code, Diagnostic, YamlPath, did_you_mean};
use super::node::{Node, NodeKind};
use super::raw::RawWorkflow;

/// How many unknown keys are reported before giving up on a file.
const MAX_UNKNOWN_KEYS: usize = 100;

/// The raw workflow, if the document has its shape, and every shape problem found.
pub fn shape(tree: &Node) -> (Option<RawWorkflow>, Vec<Diagnostic>) {
    let mut diagnostics: Vec<Diagnostic> = tree
        .duplicate_keys()
        .into_iter()
        .map(|(path, at)| {
            Diagnostic::new(Code::DuplicateId, path.clone(), format!("`{}` is declared twice", last_key(&path)))
                .with_hint("ids must be unique within their section: rename or merge the two")
                .at(at)
        })
        .collect();
    if !matches!(tree.kind, NodeKind::Map(_)) {
        let found = match tree.kind {
            NodeKind::Null => "an empty document",
            NodeKind::Seq(_) => "a sequence (a JSON array?)",
            _ => "a single value",
        };
        diagnostics.push(
            Diagnostic::new(
                Code::InvalidValue,
                YamlPath::root(),
                format!("a workflow is a mapping, but the file holds {found}"),
            )
            .with_hint("start the file with `id: …`, `version: …`, `title: …`, `states: …` and `transitions: …`")
            .at(tree.at),
        );
        return (None, diagnostics);
    }
    let mut json = tree.to_json();
    // The common case, a well-shaped file, without the cost of tracking paths.
    if let Ok(raw) = RawWorkflow::deserialize(&json) {
        return (Some(raw), diagnostics);
    }
    for _ in 0..MAX_UNKNOWN_KEYS {
        match serde_path_to_error::deserialize::<_, RawWorkflow>(&json) {
            Ok(raw) => return (Some(raw), diagnostics),
            Err(error) => {
                let mut path = yaml_path(error.path());
                let message = error.inner().to_string();
                if let Some((key, expected)) = unknown_field(&message) {
                    // The path may or may not already end at the unknown key.
                    if path.0.last() == Some(&super::PathSegment::Key(key.clone())) {
                        path.0.pop();
                    }
                    let key_path = path.key(&key);
                    let mut diagnostic = Diagnostic::new(
                        Code::UnknownKey,
                        key_path.clone(),
                        format!("unknown key `{key}` in {}", describe(&path)),
                    );
                    diagnostic = match did_you_mean(&key, expected.iter().map(String::as_str)) {
                        Some(close) => diagnostic.with_hint(format!("did you mean `{close}`?")),
                        None if key.contains(' ') => diagnostic.with_hint(
                            "inside `{ … }` a comma starts a new key: put quotes around a text that contains commas",
                        ),
                        None if expected.is_empty() => diagnostic.with_hint("no keys are allowed here"),
                        None => diagnostic.with_hint(format!("allowed keys: {}", quote_all(&expected))),
                    };
                    diagnostics.push(diagnostic.at(tree.locate(&key_path)));
                    if !remove(&mut json, &path, &key) {
                        return (None, diagnostics);
                    }
                } else {
                    diagnostics.push(other_error(tree, &path, &message));
                    return (None, diagnostics);
                }
            }
        }
    }
    (None, diagnostics)
}

fn last_key(path: &YamlPath) -> String {
    match path.0.last() {
        Some(super::PathSegment::Key(key)) => key.clone(),
        Some(super::PathSegment::Index(i)) => i.to_string(),
        None => String::new(),
    }
}

fn describe(path: &YamlPath) -> String {
    if path.0.is_empty() { "the workflow".to_owned() } else { format!("`{path}`") }
}

fn quote_all(names: &[String]) -> String {
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

fn yaml_path(path: &serde_path_to_error::Path) -> YamlPath {
    let mut out = YamlPath::root();
    for segment in path.iter() {
        out = match segment {
            Segment::Seq { index } => out.index(*index),
            Segment::Map { key } => out.key(key),
            Segment::Enum { variant } => out.key(variant),
            Segment::Unknown => out,
        };
    }
    out
}

/// Parses serde's "unknown field `x`, expected one of `a`, `b`" (and the variant form for effects).
fn unknown_field(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (key, rest) = rest.split_once('`')?;
    let expected = rest.split('`').skip(1).step_by(2).map(str::to_owned).collect();
    Some((key.to_owned(), expected))
}

fn remove(json: &mut Value, path: &YamlPath, key: &str) -> bool {
    let mut value = json;
    for segment in &path.0 {
        value = match (segment, value) {
            (super::PathSegment::Key(k), Value::Object(map)) => match map.get_mut(k) {
                Some(v) => v,
                None => return false,
            },
            (super::PathSegment::Index(i), Value::Array(items)) => match items.get_mut(*i) {
                Some(v) => v,
                None => return false,
            },
            _ => return false,
        };
    }
    match value {
        Value::Object(map) => map.remove(key).is_some(),
        _ => false,
    }
}

fn other_error(tree: &Node, path: &YamlPath, message: &str) -> Diagnostic {
    if let Some(rest) = message.strip_prefix("missing field `") {
        let key = rest.split('`').next().unwrap_or_default();
        return Diagnostic::new(Code::MissingKey, path.key(key), format!("{} has no `{key}`", describe(path)))
            .with_hint(format!("add `{key}: …`; see docs/workflow-format.md"))
            .at(tree.locate(path));
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let (word, rest) = rest.split_once('`').unwrap_or((rest, ""));
        let expected: Vec<String> = rest.split('`').skip(1).step_by(2).map(str::to_owned).collect();
        let is_key = matches!(tree.get(path).map(|n| &n.kind), Some(NodeKind::Map(_)));
        let code = if is_key { Code::UnknownKey } else { Code::InvalidValue };
        let what = if is_key { "key" } else { "value" };
        let hint = match did_you_mean(word, expected.iter().map(String::as_str)) {
            Some(close) => format!("did you mean `{close}`?"),
            None => format!("allowed: {}", quote_all(&expected)),
        };
        let at = if is_key { tree.locate(&path.key(word)) } else { tree.locate_value(path) };
        return Diagnostic::new(code, path.clone(), format!("unknown {what} `{word}` in {}", describe(path)))
            .with_hint(hint)
            .at(at);
    }
    let (message, hint) = if message.contains("untagged enum RawStates") || message.contains("untagged enum RawActors")
    {
        (
            "expected a name or a list of names".to_owned(),
            "write `from: draft` or `from: [draft, submitted]`".to_owned(),
        )
    } else if message.starts_with("invalid type") || message.starts_with("invalid value") {
        (rewrite_invalid_type(message), "see docs/workflow-format.md for what this key takes".to_owned())
    } else {
        (message.to_owned(), "see docs/workflow-format.md for what this key takes".to_owned())
    };
    Diagnostic::new(Code::InvalidValue, path.clone(), format!("{}: {message}", describe(path)))
        .with_hint(hint)
        .at(tree.locate_value(path))
}

/// serde says "invalid type: string \"x\", expected u32"; analysts read "expected a whole number".
fn rewrite_invalid_type(message: &str) -> String {
    message
        .replace("expected u32", "expected a whole number from 0 to 4294967295")
        .replace("invalid value: integer", "invalid value:")
        .replace("expected a boolean", "expected true or false")
        .replace("struct Raw", "a mapping of ")
        .replace("a map", "a mapping")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_text;

    const MINIMAL: &str =
        "id: w\nversion: 1\ntitle: {it: W}\noffice: o\nstates:\n  a: {initial: true}\ntransitions: {}\n";

    #[test]
    fn a_minimal_workflow_has_the_raw_shape() {
        let (raw, diagnostics) = shape(&parse_text(MINIMAL).unwrap());
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(raw.unwrap().states.len(), 1);
    }

    #[test]
    fn every_unknown_key_is_reported_with_a_suggestion() {
        let text =
            format!("{MINIMAL}titel: x\nstatez: y\n").replace("a: {initial: true}", "a: {initial: true, finall: true}");
        let (raw, diagnostics) = shape(&parse_text(&text).unwrap());
        let found: Vec<_> =
            diagnostics.iter().map(|d| (d.code, d.path.to_string(), d.hint.clone().unwrap_or_default())).collect();
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(raw.is_some());
        assert!(found.iter().any(|(_, p, h)| p == "states.a.finall" && h.contains("`final`")));
        assert!(found.iter().any(|(_, p, h)| p == "titel" && h.contains("`title`")));
    }

    #[test]
    fn a_sequence_is_not_a_workflow() {
        let (raw, diagnostics) = shape(&parse_text("[1, 2]").unwrap());
        assert!(raw.is_none());
        assert!(diagnostics[0].message.contains("sequence"));
    }
}
