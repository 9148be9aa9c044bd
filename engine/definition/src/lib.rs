//! Workflow definitions: the YAML an analyst writes, parsed, validated and turned into a [`Definition`].
//!
//! The path is text → [`parse`] (document tree with places) → [`shape`] (the [`raw`] serde types,
//! every unknown key reported) → [`validate`] (every rule checked, every problem collected) →
//! [`Definition`], the immutable form the runtime accepts. Pure: no I/O beyond the text it is given,
//! no tokio, no database, no HTTP (its `Cargo.toml` says so and CI checks it with `cargo tree`).
//!
//! The values every layer shares live here too: [`ids`] (newtypes with their rules) and
//! [`codice_fiscale`] (the Italian fiscal code, check character and omocodia).
//!
//! ```
//! use sportello_definition as definition;
//!
//! let yaml = r#"
//! id: certificate
//! version: 1
//! title: { it: Certificato }
//! office: anagrafe
//! roles: { clerk: {} }
//! states:
//!   draft:  { initial: true, status: { it: Bozza }, waiting_for: citizen }
//!   issued: { final: true, outcome: accepted, status: { it: Rilasciato } }
//!   submitted: { status: { it: Ricevuta }, waiting_for: office }
//! transitions:
//!   submit: { from: draft, to: submitted, by: citizen }
//!   issue:  { from: submitted, to: issued, by: clerk }
//! "#;
//! let report = definition::load_str(yaml, Some("certificate"));
//! assert!(report.diagnostics.is_empty());
//! let definition = report.definition.expect("valid");
//! assert_eq!(definition.initial, "draft");
//! assert_eq!(definition.transitions_from("submitted").count(), 1);
//!
//! let broken = definition::load_str(&yaml.replace("to: issued", "to: isued"), None);
//! let problem = broken.diagnostics.iter().find(|d| d.code.as_str() == "unknown-state").unwrap();
//! assert_eq!((problem.location.line, problem.location.column), (13, 34));
//! assert_eq!(problem.hint.as_deref(), Some("did you mean `issued`?"));
//! ```
#![warn(missing_docs)]

pub mod calendar;
pub mod codice_fiscale;
pub mod data_schema;
pub mod diagnostic;
pub mod diagram;
pub mod duration;
pub mod email_address;
pub mod expr;
pub mod field_errors;
pub mod field_texts;
pub mod ids;
pub mod json_schema;
pub mod model;
pub mod node;
pub mod parse;
pub mod raw;
pub mod shape;
pub mod template;
pub mod text;
pub mod validate;

pub use diagnostic::{Code, Diagnostic, Location, PathSegment, Severity, YamlPath};
pub use model::Definition;
pub use validate::{Report, load, load_stored, load_str};
