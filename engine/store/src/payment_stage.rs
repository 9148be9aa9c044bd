//! Where a payment asked of the citizen stands, as a type, with the one codec between it and the
//! strings the `payment` table stores (`requested`, `open`, `paid`, `expired`). The store's queries,
//! the delivery worker and the case view match on [`PaymentStage`], so a new stage is a compile error
//! wherever it has to be decided about. The strings never change: rows written by earlier versions
//! read back as they are; one the codec does not know is reported as a corrupt row.

use std::fmt;
use std::str::FromStr;

/// Where a pagoPA payment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaymentStage {
    /// Asked for by a transition; its debt position is not yet published at pagoPA. Stored as
    /// `requested`.
    Requested,
    /// Published at pagoPA and not yet paid. Stored as `open`.
    Open,
    /// Paid, with its receipt. Stored as `paid`.
    Paid,
    /// Expired unpaid. Stored as `expired`.
    Expired,
}

impl PaymentStage {
    /// Every stage: a new one goes here too, or rows with it never read back.
    pub const ALL: [PaymentStage; 4] =
        [PaymentStage::Requested, PaymentStage::Open, PaymentStage::Paid, PaymentStage::Expired];

    /// The stage as stored (and as the HTTP API shows it).
    pub const fn as_str(self) -> &'static str {
        match self {
            PaymentStage::Requested => "requested",
            PaymentStage::Open => "open",
            PaymentStage::Paid => "paid",
            PaymentStage::Expired => "expired",
        }
    }

    /// Whether the payment is settled for good (paid or expired): a receipt for it changes nothing.
    pub const fn is_settled(self) -> bool {
        match self {
            PaymentStage::Paid | PaymentStage::Expired => true,
            PaymentStage::Requested | PaymentStage::Open => false,
        }
    }
}

impl FromStr for PaymentStage {
    type Err = UnknownPaymentStage;

    fn from_str(stored: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|s| s.as_str() == stored).ok_or_else(|| UnknownPaymentStage(stored.to_owned()))
    }
}

impl fmt::Display for PaymentStage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stored payment status that no [`PaymentStage`] spells.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a payment status Sportello writes")]
pub struct UnknownPaymentStage(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_stage_round_trips_through_its_stored_name() {
        for stage in PaymentStage::ALL {
            assert_eq!(stage.as_str().parse(), Ok(stage));
            assert_eq!(stage.to_string(), stage.as_str());
        }
        let names: Vec<&str> = PaymentStage::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(names, ["requested", "open", "paid", "expired"], "the strings in the database never change");
    }

    #[test]
    fn only_paid_and_expired_are_settled() {
        let settled: Vec<PaymentStage> = PaymentStage::ALL.into_iter().filter(|s| s.is_settled()).collect();
        assert_eq!(settled, [PaymentStage::Paid, PaymentStage::Expired]);
    }

    #[test]
    fn an_unknown_string_is_an_error_naming_it() {
        let error = "Paid".parse::<PaymentStage>().unwrap_err();
        assert_eq!(error.to_string(), "`Paid` is not a payment status Sportello writes");
    }
}
