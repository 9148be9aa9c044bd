//! Sportello's engine.
#![warn(missing_docs)]

pub mod definition;
