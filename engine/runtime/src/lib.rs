//! The runtime: what happens to cases over time, decided by pure functions. The legal calendar and the
//! arithmetic of legal clocks on civil dates; expressions evaluated on a case; and applying a transition
//! (actor, state, input, guard, clocks, deadlines, effects, audit entry), or saving a draft and
//! assigning a case ([`case_edit`]); and the audit hash chain, with the body of every kind of audit
//! entry ([`audit_body`]).
//! Also the engine's typed refusals ([`error`]) and pagoPA's numbers ([`pagopa`]). Pure: no tokio, no database, no HTTP (its `Cargo.toml` says
//! so and CI checks it with `cargo tree`); the store and the hooks carry the decisions out.
#![warn(missing_docs)]

pub mod access;
pub mod audit;
pub mod audit_body;
pub mod audit_checkpoint;
pub mod audit_seal;
pub mod calendar;
pub mod case;
pub mod case_edit;
pub mod clock;
pub mod documents;
pub mod effect;
pub mod error;
pub mod evaluate;
pub mod legal_clock;
pub mod pagopa;
pub mod timers;
pub mod transition;
