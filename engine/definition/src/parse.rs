//! YAML text → document tree, with line and column on every node; the only file that names the YAML crate.
//!
//! granit-parser (the YAML parser under `serde-saphyr`: pure Rust, panic-free) produces events, and this
//! file builds the tree from them without recursion, resolving plain scalars by the YAML 1.2 core
//! schema (so `yes`, `no`, `on`, `off` stay strings), expanding aliases and merge keys, and refusing
//! other tags. Budgets are counted as the tree grows: depth, nodes (an alias costs what it expands
//! to) and aliases; a file over 1 MiB is refused before parsing. Problems become [`Diagnostic`]s with
//! a place.

use granit_parser::{Event, Marker, Parser, ScalarStyle, Tag};

use super::diagnostic::{Code, Diagnostic, Location, YamlPath};
use super::node::{Entry, Node, NodeKind};

/// The largest workflow file accepted, in bytes.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;
/// The deepest nesting accepted.
pub const MAX_DEPTH: usize = 40;
/// The most nodes (scalars, mappings, sequences, aliases expanded) accepted.
pub const MAX_NODES: usize = 50_000;
/// The most aliases accepted.
pub const MAX_ALIASES: usize = 1_000;

/// Reads a workflow file's bytes into the document tree, refusing oversized or non-UTF-8 input.
/// Runs on the current thread: call it inside [`on_large_stack`].
pub fn parse_bytes(bytes: &[u8]) -> Result<Node, Diagnostic> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(too_large(Some(bytes.len() as u64)));
    }
    let text = std::str::from_utf8(bytes).map_err(|error| {
        let before = &bytes[..error.valid_up_to()];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
        Diagnostic::new(Code::InvalidUtf8, YamlPath::root(), "the file is not valid UTF-8 text")
            .with_hint("save the file as UTF-8")
            .at(Location { line: to_u32(line), column: to_u32(column) })
    })?;
    parse_here(text)
}

/// The diagnostic for a file over [`MAX_FILE_BYTES`], of `size` bytes when its size is known (`None`
/// for what has no size of its own, such as a device or a pipe, read up to the limit).
pub fn too_large(size: Option<u64>) -> Diagnostic {
    let has = match size {
        Some(size) => format!("{size} bytes"),
        None => format!("more than {MAX_FILE_BYTES} bytes"),
    };
    Diagnostic::new(
        Code::TooLarge,
        YamlPath::root(),
        format!("the file has {has}; a workflow file may have at most {MAX_FILE_BYTES}"),
    )
    .with_hint("a workflow is a few hundred lines: is this the right file?")
    .at(Location { line: 1, column: 1 })
}

/// Stack for the thread that parses and validates: deserialization, the CEL parser and the checks
/// recurse per nesting level, and a debug build's frames are large, so this work never runs on a
/// caller's (possibly small) stack.
const WORKER_STACK_BYTES: usize = 64 * 1024 * 1024;

/// Runs `work` on a thread with a stack large enough for the deepest input the budgets allow.
pub fn on_large_stack<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("workflow-validator".to_owned())
            .stack_size(WORKER_STACK_BYTES)
            .spawn_scoped(scope, work)
            .expect("the operating system refused a thread for the workflow validator");
        handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// Parses YAML text into the document tree.
pub fn parse_text(text: &str) -> Result<Node, Diagnostic> {
    if text.len() > MAX_FILE_BYTES {
        return parse_bytes(text.as_bytes());
    }
    on_large_stack(|| parse_here(text))
}

/// [`parse_text`] on the current thread, for callers already on a large stack.
pub(crate) fn parse_here(text: &str) -> Result<Node, Diagnostic> {
    let mut builder = TreeBuilder::default();
    for item in Parser::new_from_str(text) {
        match item {
            Ok((event, span)) => {
                builder.event(event, location(&span.start)).map_err(|(message, at)| diagnostic(&message, at, text))?
            }
            Err(error) => {
                let at = location(error.marker());
                return Err(diagnostic(&error.info(), at, text));
            }
        }
    }
    Ok(builder.root.unwrap_or(Node { kind: NodeKind::Null, at: Location { line: 1, column: 1 } }))
}

fn location(marker: &Marker) -> Location {
    Location { line: to_u32(marker.line().max(1)), column: to_u32(marker.col() + 1) }
}

/// A problem found while building the tree: message and place.
type BuildError = (String, Location);

/// A collection being built.
enum Frame {
    Seq { items: Vec<Node>, at: Location, anchor: usize },
    Map { entries: Vec<Entry>, at: Location, anchor: usize, key: Option<(String, Location)> },
}

/// Turns the parser's events into the tree, expanding aliases and merge keys within the budgets.
#[derive(Default)]
struct TreeBuilder {
    stack: Vec<Frame>,
    /// Anchored nodes with their size in nodes, so an alias costs what it expands to.
    anchors: std::collections::HashMap<usize, (Node, usize)>,
    nodes: usize,
    aliases: usize,
    documents: usize,
    root: Option<Node>,
}

impl TreeBuilder {
    fn event(&mut self, event: Event<'_>, at: Location) -> Result<(), BuildError> {
        match event {
            Event::DocumentStart(..) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(("a workflow file holds one YAML document; this is a second one".to_owned(), at));
                }
            }
            Event::Scalar(value, style, anchor, tag) => {
                let kind = match tag {
                    Some(tag) => tagged_scalar(&value, &tag)
                        .ok_or_else(|| (format!("unsupported tag `{}`", tag_text(&tag)), at))?,
                    None if style == ScalarStyle::Plain => plain_scalar(&value),
                    None => NodeKind::String(value.into_owned()),
                };
                self.add(Node { kind, at }, anchor, 1)?;
            }
            Event::SequenceStart(_, anchor, tag) => {
                reject_tag(tag.as_deref(), at)?;
                self.open(Frame::Seq { items: Vec::new(), at, anchor }, at)?;
            }
            Event::MappingStart(_, anchor, tag) => {
                reject_tag(tag.as_deref(), at)?;
                self.open(Frame::Map { entries: Vec::new(), at, anchor, key: None }, at)?;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match self.stack.pop() {
                    Some(Frame::Seq { items, at, anchor }) => (Node { kind: NodeKind::Seq(items), at }, anchor),
                    Some(Frame::Map { entries, at, anchor, .. }) => {
                        (Node { kind: NodeKind::Map(merge(entries)), at }, anchor)
                    }
                    None => return Err(("unbalanced end of a collection".to_owned(), at)),
                };
                self.add(node, anchor, 0)?;
            }
            Event::Alias(id) => {
                self.aliases += 1;
                if self.aliases > MAX_ALIASES {
                    return Err((format!("the document has more than {MAX_ALIASES} aliases"), at));
                }
                let (node, size) =
                    self.anchors.get(&id).cloned().ok_or_else(|| ("an alias refers to no anchor".to_owned(), at))?;
                self.add(Node { kind: node.kind, at }, 0, size)?;
            }
            Event::UnresolvedAlias(name) => return Err((format!("alias `*{name}` refers to no anchor"), at)),
            _ => {}
        }
        Ok(())
    }

    fn open(&mut self, frame: Frame, at: Location) -> Result<(), BuildError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err((format!("nesting is deeper than {MAX_DEPTH} levels"), at));
        }
        self.nodes += 1;
        self.stack.push(frame);
        Ok(())
    }

    /// Places a finished node in its parent (or as the root), counting `cost` nodes against the budget.
    fn add(&mut self, node: Node, anchor: usize, cost: usize) -> Result<(), BuildError> {
        self.nodes += cost;
        if self.nodes > MAX_NODES {
            return Err((format!("the document expands to more than {MAX_NODES} nodes (an alias bomb?)"), node.at));
        }
        if anchor != 0 {
            let size = count(&node);
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                Some((key, key_at)) => entries.push(Entry { key, key_at, value: node }),
                None => {
                    let text = match node.kind {
                        NodeKind::String(s) => s,
                        NodeKind::Null => "null".to_owned(),
                        NodeKind::Bool(b) => b.to_string(),
                        NodeKind::Number(n) => n.to_string(),
                        NodeKind::Seq(_) | NodeKind::Map(_) => {
                            return Err(("a mapping or a sequence cannot be a key".to_owned(), node.at));
                        }
                    };
                    *key = Some((text, node.at));
                }
            },
        }
        Ok(())
    }
}

/// How many nodes a tree holds.
fn count(node: &Node) -> usize {
    1 + match &node.kind {
        NodeKind::Seq(items) => items.iter().map(count).sum(),
        NodeKind::Map(entries) => entries.iter().map(|e| 1 + count(&e.value)).sum(),
        _ => 0,
    }
}

/// Expands YAML merge keys (`<<: *defaults`): the merged entries come after, and never override,
/// the mapping's own keys.
fn merge(entries: Vec<Entry>) -> Vec<Entry> {
    if !entries.iter().any(|e| e.key == "<<") {
        return entries;
    }
    let (merges, mut own): (Vec<Entry>, Vec<Entry>) = entries.into_iter().partition(|e| e.key == "<<");
    for merged in merges {
        let sources = match merged.value.kind {
            NodeKind::Seq(items) => items,
            other => vec![Node { kind: other, at: merged.value.at }],
        };
        for source in sources {
            match source.kind {
                NodeKind::Map(inherited) => {
                    for entry in inherited {
                        if !own.iter().any(|e| e.key == entry.key) {
                            own.push(entry);
                        }
                    }
                }
                // Not a mapping: keep the entry so the shape check reports `<<` as unknown.
                other => own.push(Entry {
                    key: "<<".to_owned(),
                    key_at: merged.key_at,
                    value: Node { kind: other, at: source.at },
                }),
            }
        }
    }
    own
}

/// A plain scalar resolved by the YAML 1.2 core schema (`yes`/`no`/`on`/`off` stay strings).
fn plain_scalar(text: &str) -> NodeKind {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return NodeKind::Null,
        "true" | "True" | "TRUE" => return NodeKind::Bool(true),
        "false" | "False" | "FALSE" => return NodeKind::Bool(false),
        _ => {}
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(n) = text.parse::<i64>() {
            return NodeKind::Number(n.into());
        }
        if let Ok(n) = text.trim_start_matches('+').parse::<u64>() {
            return NodeKind::Number(n.into());
        }
        return NodeKind::String(text.to_owned());
    }
    let radix =
        [("0x", 16), ("0o", 8)].into_iter().find_map(|(prefix, radix)| Some((text.strip_prefix(prefix)?, radix)));
    if let Some(n) = radix.and_then(|(digits, radix)| i64::from_str_radix(digits, radix).ok()) {
        return NodeKind::Number(n.into());
    }
    let looks_numeric = digits.bytes().any(|b| b.is_ascii_digit())
        && digits.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'));
    if let Some(n) = looks_numeric.then(|| text.parse::<f64>().ok()).flatten().and_then(serde_json::Number::from_f64) {
        return NodeKind::Number(n);
    }
    NodeKind::String(text.to_owned())
}

/// A scalar with a core-schema tag (`!!str 12`, `!!int "3"`); other tags are refused.
fn tagged_scalar(text: &str, tag: &Tag) -> Option<NodeKind> {
    if !tag.is_yaml_core_schema() {
        return None;
    }
    match tag.suffix() {
        "str" => Some(NodeKind::String(text.to_owned())),
        "null" | "bool" | "int" | "float" => {
            let kind = plain_scalar(text);
            let fits = matches!(
                (tag.suffix(), &kind),
                ("null", NodeKind::Null)
                    | ("bool", NodeKind::Bool(_))
                    | ("int", NodeKind::Number(_))
                    | ("float", NodeKind::Number(_))
            );
            fits.then_some(kind)
        }
        _ => None,
    }
}

fn tag_text(tag: &Tag) -> String {
    if tag.is_yaml_core_schema() { format!("!!{}", tag.suffix()) } else { format!("{}{}", tag.handle(), tag.suffix()) }
}

fn reject_tag(tag: Option<&Tag>, at: Location) -> Result<(), BuildError> {
    match tag {
        Some(tag) if !(tag.is_yaml_core_schema() && matches!(tag.suffix(), "seq" | "map")) => {
            Err((format!("unsupported tag `{}`", tag_text(tag)), at))
        }
        _ => Ok(()),
    }
}

/// A parsing problem as a diagnostic, with a hint for the usual causes.
fn diagnostic(message: &str, mut location: Location, text: &str) -> Diagnostic {
    let mut message = first_line(message);
    let lower = message.to_lowercase();
    if lower.contains("recursion limit") {
        // The scanner's own limit on flow nesting (`[[[…`), reached before ours.
        message = format!("nesting is deeper than {MAX_DEPTH} levels");
    }
    let hint = if message.contains("nesting is deeper") || lower.contains("alias bomb") || lower.contains("aliases") {
        return Diagnostic::new(Code::TooLarge, YamlPath::root(), message)
            .with_hint("aliases, nesting and size are limited so that no file can exhaust the server")
            .at(location);
    } else if lower.contains("tab") {
        // The scanner may report the scalar before the tab; point at the first indenting tab instead.
        if let Some((line, column)) = first_indenting_tab(text) {
            location = Location { line, column };
            message = format!("a tab indents line {line}");
        }
        "YAML indents with spaces only: replace the tabs with spaces"
    } else if let Some(tag) = message.strip_prefix("unsupported tag `").and_then(|rest| rest.split('`').next()) {
        let line_text = text.lines().nth(location.line.saturating_sub(1) as usize).unwrap_or_default();
        if let Some(byte) = line_text.find(tag) {
            location.column = to_u32(line_text[..byte].chars().count() + 1);
        }
        "a value that starts with `!` is a YAML tag: put it in quotes, e.g. `when: \"!data.flag\"`"
    } else {
        "check the indentation and quoting around this line"
    };
    Diagnostic::new(Code::YamlSyntax, YamlPath::root(), message).with_hint(hint).at(location)
}

fn first_indenting_tab(text: &str) -> Option<(u32, u32)> {
    text.lines().enumerate().find_map(|(i, line)| {
        let indent: String = line.chars().take_while(|c| *c == ' ' || *c == '\t').collect();
        indent.find('\t').map(|column| (to_u32(i + 1), to_u32(column + 1)))
    })
}

fn first_line(message: &str) -> String {
    let line = message.lines().map(str::trim).find(|line| !line.is_empty()).unwrap_or("invalid YAML");
    let mut text: String = line.chars().take(300).collect();
    if let Some(first) = text.get(..1) {
        let lowered = first.to_lowercase();
        text.replace_range(..1, &lowered);
    }
    text.trim_end_matches('.').to_owned()
}

fn to_u32(n: impl TryInto<u32>) -> u32 {
    n.try_into().unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_node_knows_its_line_and_column() {
        let tree = parse_text("id: x\nstates:\n  draft:\n    initial: true\n").unwrap();
        assert_eq!(tree.locate(&crate::yaml_path!["states", "draft", "initial"]), Location { line: 4, column: 5 });
        assert_eq!(tree.locate_value(&crate::yaml_path!["id"]), Location { line: 1, column: 5 });
    }

    #[test]
    fn duplicate_keys_are_kept_for_the_validator_to_report() {
        let tree = parse_text("states:\n  a: 1\n  a: 2\n").unwrap();
        let duplicates = tree.duplicate_keys();
        assert_eq!(duplicates.len(), 1);
        assert_eq!(duplicates[0].1, Location { line: 3, column: 3 });
    }

    #[test]
    fn syntax_errors_have_a_place() {
        let error = parse_text("a: [1, 2\nb: 3\n").unwrap_err();
        assert_eq!(error.code, Code::YamlSyntax);
        assert!(error.location.line >= 1);
    }

    #[test]
    fn nesting_deeper_than_the_limit_is_refused_without_exhausting_the_stack() {
        for depth in [MAX_DEPTH - 2, MAX_DEPTH + 1, 20_000] {
            let mapping = format!("a: {}1{}\n", "{a: ".repeat(depth), "}".repeat(depth));
            let sequence = format!("a: {}{}\n", "[".repeat(depth), "]".repeat(depth));
            for text in [mapping, sequence] {
                assert_eq!(parse_text(&text).is_ok(), depth < MAX_DEPTH, "depth {depth}");
            }
        }
    }

    #[test]
    fn an_unquoted_expression_starting_with_a_bang_is_a_tag_error_at_the_tag() {
        let error = parse_text("t:\n  go: { by: citizen, when: !data.flag }\n").unwrap_err();
        assert_eq!((error.code, error.location), (Code::YamlSyntax, Location { line: 2, column: 28 }));
        assert_eq!(error.message, "unsupported tag `!data.flag`");
        assert!(error.hint.unwrap().contains("quotes"));
    }

    #[test]
    fn plain_scalars_follow_the_yaml_1_2_core_schema() {
        let tree = parse_text(
            "a: yes\nb: on\nc: True\nd: ~\ne: 0x1F\nf: -12\ng: 2.5e3\nh: .inf\ni: 2026-03-29\nj: !!str 12\nk: '12'\n",
        )
        .unwrap();
        let json = tree.to_json();
        assert_eq!(
            json,
            serde_json::json!({
                "a": "yes", "b": "on", "c": true, "d": null, "e": 31, "f": -12, "g": 2500.0, "h": ".inf",
                "i": "2026-03-29", "j": "12", "k": "12"
            })
        );
    }

    #[test]
    fn aliases_and_merge_keys_expand_without_overriding_own_keys() {
        let text = "base: &base {by: clerk, to: done}\nt:\n  <<: *base\n  to: other\nu: *base\n";
        let json = parse_text(text).unwrap().to_json();
        assert_eq!(json["t"], serde_json::json!({"to": "other", "by": "clerk"}));
        assert_eq!(json["u"], json["base"]);
    }

    #[test]
    fn a_second_document_or_an_unknown_alias_is_refused() {
        assert!(parse_text("a: 1\n---\nb: 2\n").unwrap_err().message.contains("second one"));
        assert_eq!(parse_text("a: *nowhere\n").unwrap_err().code, Code::YamlSyntax);
        assert!(parse_text("[a, b]: 1\n").unwrap_err().message.contains("cannot be a key"));
    }

    #[test]
    fn an_empty_file_is_a_null_document() {
        assert_eq!(parse_text("").unwrap().kind, NodeKind::Null);
    }
}
