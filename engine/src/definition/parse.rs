//! YAML text → document tree, with line and column on every node; the only file that names the YAML crate.
//!
//! `serde-saphyr` does the parsing: pure Rust, panic-free, with budgets against alias bombs and deep
//! nesting. Limits are set here for workflow files (a workflow is a few hundred lines, so anything
//! much larger is refused before parsing), and its errors become [`Diagnostic`]s with a place.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Spanned, options::DuplicateKeyPolicy};

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
        return Err(too_large(bytes.len() as u64));
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

/// The diagnostic for a file of `size` bytes, over [`MAX_FILE_BYTES`].
pub fn too_large(size: u64) -> Diagnostic {
    Diagnostic::new(
        Code::TooLarge,
        YamlPath::root(),
        format!("the file has {size} bytes; a workflow file may have at most {MAX_FILE_BYTES}"),
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
    let options = serde_saphyr::options! {
        duplicate_keys: DuplicateKeyPolicy::PassThrough,
        strict_booleans: true,
        reject_unsupported_tags: true,
        with_snippet: false,
        budget: serde_saphyr::budget! {
            max_depth: MAX_DEPTH,
            max_nodes: MAX_NODES,
            max_aliases: MAX_ALIASES,
            max_documents: 1,
            max_total_scalar_bytes: MAX_FILE_BYTES,
        },
    };
    let parsed: Result<Option<LocatedNode>, _> = serde_saphyr::from_str_with_options(text, options);
    match parsed {
        Ok(Some(LocatedNode(node))) => Ok(node),
        Ok(None) => Ok(Node { kind: NodeKind::Null, at: Location { line: 1, column: 1 } }),
        Err(error) => Err(yaml_error(&error, text)),
    }
}

fn yaml_error(error: &serde_saphyr::Error, text: &str) -> Diagnostic {
    let mut location = error.location().filter(|at| at.line() > 0).map_or(Location { line: 1, column: 1 }, |at| {
        Location { line: to_u32(at.line()), column: to_u32(at.column()) }
    });
    let mut message = first_line(&error.to_string());
    let lower = message.to_lowercase();
    let (code, hint) = if lower.contains("budget") || lower.contains("limit") || lower.contains("depth") {
        message = if lower.contains("depth") || lower.contains("recursion") {
            format!("nesting is deeper than {MAX_DEPTH} levels")
        } else if lower.contains("nodes") {
            format!("the document expands to more than {MAX_NODES} nodes (an alias bomb?)")
        } else if lower.contains("aliases") {
            format!("the document has more than {MAX_ALIASES} aliases")
        } else {
            format!("the document exceeds a parsing budget ({message})")
        };
        (Code::TooLarge, "aliases, nesting and size are limited so that no file can exhaust the server")
    } else if lower.contains("tab") {
        // The scanner may report the scalar before the tab; point at the first indenting tab instead.
        if let Some((line, column)) = first_indenting_tab(text) {
            location = Location { line, column };
            message = format!("a tab indents line {line}");
        }
        (Code::YamlSyntax, "YAML indents with spaces only: replace the tabs with spaces")
    } else if let Some(tag) = message.strip_prefix("unsupported tag `").and_then(|rest| rest.split('`').next()) {
        // Point at the tag itself, which the scanner reports at the end of its value.
        let line_text = text.lines().nth(location.line.saturating_sub(1) as usize).unwrap_or_default();
        if let Some(byte) = line_text.find(tag) {
            location.column = to_u32(line_text[..byte].chars().count() + 1);
        }
        (Code::YamlSyntax, "a value that starts with `!` is a YAML tag: put it in quotes, e.g. `when: \"!data.flag\"`")
    } else {
        (Code::YamlSyntax, "check the indentation and quoting around this line")
    };
    if let Some(at) = message.rfind(" at line ") {
        message.truncate(at);
    }
    Diagnostic::new(code, YamlPath::root(), message).with_hint(hint).at(location)
}

fn first_indenting_tab(text: &str) -> Option<(u32, u32)> {
    text.lines().enumerate().find_map(|(i, line)| {
        let indent: String = line.chars().take_while(|c| *c == ' ' || *c == '\t').collect();
        indent.find('\t').map(|column| (to_u32(i + 1), to_u32(column + 1)))
    })
}

fn first_line(message: &str) -> String {
    let line = message.lines().map(str::trim).find(|line| !line.is_empty()).unwrap_or("invalid YAML");
    let line = line.strip_prefix("error: ").unwrap_or(line);
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

fn location(at: &serde_saphyr::Location) -> Location {
    Location { line: to_u32(at.line()), column: to_u32(at.column()) }
}

/// A node deserialized together with its place.
struct LocatedNode(Node);

impl<'de> Deserialize<'de> for LocatedNode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<Kind>::deserialize(deserializer)?;
        Ok(LocatedNode(Node { kind: spanned.value.0, at: location(&spanned.referenced) }))
    }
}

struct Kind(NodeKind);

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(KindVisitor).map(Kind)
    }
}

struct KindVisitor;

impl<'de> Visitor<'de> for KindVisitor {
    type Value = NodeKind;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<NodeKind, E> {
        Ok(NodeKind::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<NodeKind, E> {
        Ok(NodeKind::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<NodeKind, E> {
        Ok(NodeKind::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<NodeKind, E> {
        serde_json::Number::from_f64(v)
            .map(NodeKind::Number)
            .ok_or_else(|| E::custom("infinite or NaN numbers are not allowed"))
    }

    fn visit_str<E>(self, v: &str) -> Result<NodeKind, E> {
        Ok(NodeKind::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<NodeKind, E> {
        Ok(NodeKind::String(v))
    }

    fn visit_unit<E>(self) -> Result<NodeKind, E> {
        Ok(NodeKind::Null)
    }

    fn visit_none<E>(self) -> Result<NodeKind, E> {
        Ok(NodeKind::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<NodeKind, D::Error> {
        deserializer.deserialize_any(KindVisitor)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NodeKind, A::Error> {
        let mut items = Vec::new();
        while let Some(LocatedNode(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(NodeKind::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NodeKind, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<KeyText>>()? {
            let LocatedNode(value) = map.next_value()?;
            entries.push(Entry { key: key.value.0, key_at: location(&key.referenced), value });
        }
        Ok(NodeKind::Map(entries))
    }
}

/// A mapping key: any scalar, as text.
struct KeyText(String);

impl<'de> Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(KeyVisitor).map(KeyText)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = String;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a plain key (mappings and sequences cannot be keys)")
    }

    fn visit_bool<E>(self, v: bool) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_i64<E>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_u64<E>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_f64<E>(self, v: f64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_str<E>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }

    fn visit_unit<E>(self) -> Result<String, E> {
        Ok("null".to_owned())
    }

    fn visit_none<E>(self) -> Result<String, E> {
        Ok("null".to_owned())
    }
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
    fn an_empty_file_is_a_null_document() {
        assert_eq!(parse_text("").unwrap().kind, NodeKind::Null);
    }
}
