//! What a transition asks the world to do after it commits: timers to set or clear, and the effects of
//! the state entered. The runtime decides them; adapters (timers, outbox, hooks) carry them out.

use jiff::civil::Date;

use sportello_definition::ids::{StateId, TransitionId};

/// When a state deadline falls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeadlineDue {
    /// At the end of this civil day (Europe/Rome).
    Day(Date),
    /// This many hours after the transition.
    Hours(u32),
}

/// One thing to do after the transition commits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Clear the deadline of the state left.
    CancelDeadline {
        /// The state left.
        state: StateId,
    },
    /// Set the deadline of the state entered.
    ScheduleDeadline {
        /// The state entered.
        state: StateId,
        /// When it falls.
        due: DeadlineDue,
        /// The system transition it fires.
        fire: TransitionId,
    },
    /// Set (or clear, with `due: None`) the expiry of a clock that has an `on_expiry`.
    SetClockExpiry {
        /// The clock.
        clock: String,
        /// Its due date, while it runs.
        due: Option<Date>,
        /// The transition fired on expiry.
        fire: TransitionId,
    },
    /// Send a notification, rendered later from the case as this transition left it.
    Notify {
        /// The notification's name.
        notification: String,
        /// Each legal clock as it stood when the transition was applied, for the templates.
        clocks: Vec<ClockSnapshot>,
    },
    /// Create a pagoPA debt position.
    RequestPayment {
        /// The payment's name in the workflow.
        payment: String,
        /// The amount in cents.
        amount_cents: i64,
        /// The reason of payment, printed on the notice.
        description: String,
        /// The due date.
        due: Date,
    },
    /// Call a webhook.
    CallWebhook(String),
    /// Assign the case.
    Assign {
        /// The office, if named.
        office: Option<String>,
        /// The clerk, if computed.
        clerk: Option<String>,
    },
}

/// A legal clock as a notification's templates see it (`clock.<name>.due`, `.remaining_days`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockSnapshot {
    /// The clock.
    pub name: String,
    /// Its due date, while it runs.
    pub due: Option<Date>,
    /// Days left, while it runs.
    pub remaining_days: Option<i64>,
}
