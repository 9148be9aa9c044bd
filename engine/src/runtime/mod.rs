//! The runtime: what happens to cases over time. So far, the legal calendar and the arithmetic of
//! legal clocks, as pure functions on civil dates; cases, transitions, timers and storage build on them.

pub mod calendar;
pub mod evaluate;
pub mod legal_clock;
