//! The document tree: every YAML node with the place it was written, independent of the YAML crate.
//!
//! Parsing builds this tree once; deserialization into the raw types works on its JSON form, and every
//! diagnostic finds its `line:column` by walking the tree along its [`YamlPath`].

use serde_json::{Map, Number, Value};

use super::diagnostic::{Location, PathSegment, YamlPath};

/// A YAML node and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub kind: NodeKind,
    /// Where the node starts.
    pub at: Location,
}

/// The value of a node.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    /// `~`, `null` or nothing.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number (integer or floating point).
    Number(Number),
    /// A string.
    String(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in document order, duplicates included.
    Map(Vec<Entry>),
}

/// One key of a mapping with its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The key as text.
    pub key: String,
    /// Where the key is written.
    pub key_at: Location,
    /// The value.
    pub value: Node,
}

impl Node {
    /// The entries of a mapping node, or none.
    pub fn entries(&self) -> &[Entry] {
        match &self.kind {
            NodeKind::Map(entries) => entries,
            _ => &[],
        }
    }

    /// The location of the node at `path`: a key's own position for mapping entries, or the deepest
    /// existing ancestor's when the path goes further than the document.
    pub fn locate(&self, path: &YamlPath) -> Location {
        let mut node = self;
        let mut at = self.at;
        for segment in &path.0 {
            match (segment, &node.kind) {
                (PathSegment::Key(key), NodeKind::Map(entries)) => {
                    match entries.iter().rev().find(|entry| &entry.key == key) {
                        Some(entry) => {
                            at = entry.key_at;
                            node = &entry.value;
                        }
                        None => return at,
                    }
                }
                (PathSegment::Index(index), NodeKind::Seq(items)) => match items.get(*index) {
                    Some(item) => {
                        at = item.at;
                        node = item;
                    }
                    None => return at,
                },
                _ => return at,
            }
        }
        at
    }

    /// The value's location at `path` (for a mapping entry, where its value starts).
    pub fn locate_value(&self, path: &YamlPath) -> Location {
        self.get(path).map_or_else(|| self.locate(path), |node| node.at)
    }

    /// The node at `path`, if the document has it.
    pub fn get(&self, path: &YamlPath) -> Option<&Node> {
        let mut node = self;
        for segment in &path.0 {
            node = match (segment, &node.kind) {
                (PathSegment::Key(key), NodeKind::Map(entries)) => {
                    &entries.iter().rev().find(|entry| &entry.key == key)?.value
                }
                (PathSegment::Index(index), NodeKind::Seq(items)) => items.get(*index)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// The JSON form of the tree; for duplicate keys the last one wins (duplicates are reported apart).
    pub fn to_json(&self) -> Value {
        match &self.kind {
            NodeKind::Null => Value::Null,
            NodeKind::Bool(b) => Value::Bool(*b),
            NodeKind::Number(n) => Value::Number(n.clone()),
            NodeKind::String(s) => Value::String(s.clone()),
            NodeKind::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            NodeKind::Map(entries) => {
                let mut map = Map::new();
                for entry in entries {
                    map.insert(entry.key.clone(), entry.value.to_json());
                }
                Value::Object(map)
            }
        }
    }

    /// Every mapping key that appears more than once in its mapping, with its path.
    pub fn duplicate_keys(&self) -> Vec<(YamlPath, Location)> {
        let mut found = Vec::new();
        self.collect_duplicates(&YamlPath::root(), &mut found);
        found
    }

    fn collect_duplicates(&self, path: &YamlPath, found: &mut Vec<(YamlPath, Location)>) {
        match &self.kind {
            NodeKind::Map(entries) => {
                let mut seen = std::collections::HashSet::new();
                for entry in entries {
                    let child = path.key(&entry.key);
                    if !seen.insert(entry.key.as_str()) {
                        found.push((child.clone(), entry.key_at));
                    }
                    entry.value.collect_duplicates(&child, found);
                }
            }
            NodeKind::Seq(items) => {
                for (index, item) in items.iter().enumerate() {
                    item.collect_duplicates(&path.index(index), found);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: u32, column: u32) -> Location {
        Location { line, column }
    }

    fn sample() -> Node {
        let leaf = Node { kind: NodeKind::String("x".into()), at: at(2, 10) };
        let inner =
            Node { kind: NodeKind::Map(vec![Entry { key: "b".into(), key_at: at(2, 3), value: leaf }]), at: at(2, 3) };
        Node { kind: NodeKind::Map(vec![Entry { key: "a".into(), key_at: at(1, 1), value: inner }]), at: at(1, 1) }
    }

    #[test]
    fn locate_finds_keys_and_falls_back_to_the_deepest_ancestor() {
        let tree = sample();
        assert_eq!(tree.locate(&crate::yaml_path!["a", "b"]), at(2, 3));
        assert_eq!(tree.locate_value(&crate::yaml_path!["a", "b"]), at(2, 10));
        assert_eq!(tree.locate(&crate::yaml_path!["a", "zz", "q"]), at(1, 1));
    }
}
