//! The timer table: the timers due at an instant, soonest first, taken one by one as they fire, and a
//! case's pending ones. Timers are set and cleared only by a command's planned writes
//! ([`super::CaseTable::write`]).

use std::future::Future;

use jiff::Timestamp;
use jiff::civil::Date;
use sportello_runtime::error::Error;

use crate::types::PendingTimer;

/// A timer that has fallen due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueTimer {
    /// Its row.
    pub id: i64,
    /// Its case.
    pub case_id: i64,
    /// `deadline` (of a state) or `clock` (a clock's expiry).
    pub kind: String,
    /// The state or clock.
    pub name: String,
    /// The system transition it fires.
    pub fire: String,
    /// The last day of its term, for terms counted in days.
    pub term_day: Option<Date>,
}

/// Timers.
pub trait TimerTable {
    /// Up to `limit` timers due at `now`, soonest first. On PostgreSQL they are locked for this
    /// transaction, skipping those another has locked.
    ///
    /// # Errors
    ///
    /// A storage error.
    fn due_timers(&self, now: Timestamp, limit: u64) -> impl Future<Output = Result<Vec<DueTimer>, Error>> + Send;

    /// Deletes timer `id` (it is firing, or its transition was refused).
    ///
    /// # Errors
    ///
    /// A storage error.
    fn delete_timer(&self, id: i64) -> impl Future<Output = Result<(), Error>> + Send;

    /// The timers pending on case `id`, soonest first.
    ///
    /// # Errors
    ///
    /// A storage error.
    fn pending_timers(&self, case_id: i64) -> impl Future<Output = Result<Vec<PendingTimer>, Error>> + Send;
}
