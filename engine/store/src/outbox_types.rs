//! The outbox's kinds and statuses as types, with the one codec between them and the strings the
//! `outbox` table stores (`notify`, `pending`, …). Everything else, the delivery worker, the case page
//! and the worklist, matches on the enums, so a new kind or status is a compile error in every
//! `match` that has to decide about it, not a branch found by grep. The strings never change: rows
//! written by earlier versions read back as they are. A string the codec does not know is an
//! [`UnknownOutboxValue`], which the store reports as a corrupt row.

use std::fmt;
use std::str::FromStr;

/// What an outbox row asks for, and so which port delivers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutboxKind {
    /// A message to the citizen (App IO or e-mail), stored as `notify`.
    Notify,
    /// A pagoPA debt position to create, stored as `payment`.
    Payment,
    /// A call to a configured endpoint, stored as `webhook`.
    Webhook,
}

/// Where an outbox row is in its delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutboxStatus {
    /// Waiting for its next attempt (or being attempted), stored as `pending`.
    Pending,
    /// Delivered, stored as `delivered`.
    Delivered,
    /// Failed for good until a clerk retries or dismisses it, stored as `incident`.
    Incident,
    /// An incident a clerk chose not to deliver, stored as `dismissed`.
    Dismissed,
}

impl OutboxKind {
    /// Every kind: a new one goes here too, or rows of it never read back.
    pub const ALL: [OutboxKind; 3] = [OutboxKind::Notify, OutboxKind::Payment, OutboxKind::Webhook];

    /// The kind as stored (and as the HTTP API shows it).
    pub const fn as_str(self) -> &'static str {
        match self {
            OutboxKind::Notify => "notify",
            OutboxKind::Payment => "payment",
            OutboxKind::Webhook => "webhook",
        }
    }
}

impl OutboxStatus {
    /// Every status: a new one goes here too, or rows with it never read back.
    pub const ALL: [OutboxStatus; 4] =
        [OutboxStatus::Pending, OutboxStatus::Delivered, OutboxStatus::Incident, OutboxStatus::Dismissed];

    /// The status as stored (and as the HTTP API shows it).
    pub const fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Pending => "pending",
            OutboxStatus::Delivered => "delivered",
            OutboxStatus::Incident => "incident",
            OutboxStatus::Dismissed => "dismissed",
        }
    }
}

impl FromStr for OutboxKind {
    type Err = UnknownOutboxValue;

    fn from_str(stored: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|k| k.as_str() == stored).ok_or_else(|| UnknownOutboxValue::new("kind", stored))
    }
}

impl FromStr for OutboxStatus {
    type Err = UnknownOutboxValue;

    fn from_str(stored: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|s| s.as_str() == stored).ok_or_else(|| UnknownOutboxValue::new("status", stored))
    }
}

impl fmt::Display for OutboxKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for OutboxStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stored kind or status that no [`OutboxKind`] or [`OutboxStatus`] spells.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not an outbox {field} Sportello writes")]
pub struct UnknownOutboxValue {
    /// `kind` or `status`.
    pub field: &'static str,
    /// The string found.
    pub value: String,
}

impl UnknownOutboxValue {
    fn new(field: &'static str, value: &str) -> Self {
        UnknownOutboxValue { field, value: value.to_owned() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_stored_name() {
        for kind in OutboxKind::ALL {
            assert_eq!(kind.as_str().parse(), Ok(kind));
            assert_eq!(kind.to_string(), kind.as_str());
        }
        let names: Vec<&str> = OutboxKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names, ["notify", "payment", "webhook"], "the strings in the database never change");
    }

    #[test]
    fn every_status_round_trips_through_its_stored_name() {
        for status in OutboxStatus::ALL {
            assert_eq!(status.as_str().parse(), Ok(status));
            assert_eq!(status.to_string(), status.as_str());
        }
        let names: Vec<&str> = OutboxStatus::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            names,
            ["pending", "delivered", "incident", "dismissed"],
            "the strings in the database never change"
        );
    }

    #[test]
    fn an_unknown_string_is_an_error_naming_it() {
        let kind = "fax".parse::<OutboxKind>().unwrap_err();
        assert_eq!(kind, UnknownOutboxValue { field: "kind", value: "fax".to_owned() });
        assert_eq!(kind.to_string(), "`fax` is not an outbox kind Sportello writes");
        let status = "Pending".parse::<OutboxStatus>().unwrap_err();
        assert_eq!(status.to_string(), "`Pending` is not an outbox status Sportello writes");
    }
}
