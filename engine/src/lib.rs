//! Sportello's engine.
#![warn(missing_docs)]

pub mod codice_fiscale;
pub mod definition;
