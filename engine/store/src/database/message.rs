//! An external event's message, as the store remembers it: the message id is kept with the transition
//! it fired, in the same round trip as the case row, so a message delivered twice fires once.

use crate::types::DeliverEvent;

/// An event's message id, to remember with the transition it fired.
#[derive(Debug, Clone)]
pub struct Message {
    /// The case the event is for.
    pub case_id: i64,
    /// The sender's message id.
    pub id: String,
    /// The event (`payment.paid`, …).
    pub event: String,
}

impl Message {
    /// The message an event arrives in.
    pub fn of(command: &DeliverEvent) -> Message {
        Message { case_id: command.case_id, id: command.message_id.clone(), event: command.event.clone() }
    }
}
