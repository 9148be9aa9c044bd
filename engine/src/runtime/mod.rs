//! The runtime: what happens to cases over time, decided by pure functions. The legal calendar and the
//! arithmetic of legal clocks on civil dates; expressions evaluated on a case; and applying a transition
//! (actor, state, input, guard, clocks, deadlines, effects, audit entry); and the audit hash chain.
//! Storage, timers and the outbox, which carry the decisions out, come next.

pub mod audit;
pub mod calendar;
pub mod case;
pub mod clock;
pub mod effect;
pub mod evaluate;
pub mod legal_clock;
pub mod transition;
