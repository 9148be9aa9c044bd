//! Workflow definitions: the YAML an analyst writes, parsed, validated and turned into a [`Definition`].
//!
//! The path is text → [`parse`] (document tree with places) → [`shape`] (the [`raw`] serde types,
//! every unknown key reported) → [`validate`] (every rule checked, every problem collected) →
//! [`Definition`], the immutable form the runtime accepts.

pub mod calendar;
pub mod data_schema;
pub mod diagnostic;
pub mod diagram;
pub mod duration;
pub mod expr;
pub mod json_schema;
pub mod model;
pub mod node;
pub mod parse;
pub mod raw;
pub mod shape;
pub mod template;
pub mod validate;

pub use diagnostic::{Code, Diagnostic, Location, PathSegment, Severity, YamlPath};
pub use model::Definition;
pub use validate::{Report, load, load_str};
