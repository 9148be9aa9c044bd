//! Sportello's engine: the domain of a municipal case-management system, with no HTTP and no SQL.
//!
//! An analyst writes a procedure as YAML; [`definition`] parses it, checks every rule (reporting every
//! problem with its `line:column`) and yields an immutable [`definition::Definition`], the only form
//! the runtime accepts. Cases, transitions, legal clocks, timers and the audit log build on it.
//!
//! ```
//! use sportello_engine::definition;
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

pub mod codice_fiscale;
pub mod definition;
pub mod error;
pub mod hooks;
pub mod ids;
pub mod pagopa;
pub mod runtime;
pub mod scenario;
pub mod store;
