//! The chain-of-trust port. Whether the signer's certificate was issued by a qualified trust service
//! provider is read from the EU trusted lists (EUTL and the national TSL), which live on the network;
//! this deployment has none, so the default [`NotChecked`] says the check was not made, and a
//! deployment with the lists at hand can plug in a real [`TrustList`] later. A signature that verifies
//! is mathematically sound either way; trust is about who vouches for the key.

use crate::checks::Signer;

/// Checks a signer's certificate against a list of trusted authorities.
pub trait TrustList {
    /// Judges `signer`, given every certificate the envelope carried (DER, signer's included).
    fn check(&self, signer: &Signer, chain: &[Vec<u8>]) -> TrustOutcome;
}

/// What a [`TrustList`] made of a signer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrustOutcome {
    /// The certificate chains to a trusted authority.
    Trusted,
    /// It does not; the reason, in Italian, for the clerk.
    NotTrusted(String),
    /// No check was made; why, in Italian, for the clerk.
    NotChecked(String),
}

/// The trust list of a deployment without the EU trusted lists: it checks nothing, and says so.
#[derive(Clone, Copy, Debug, Default)]
pub struct NotChecked;

impl TrustList for NotChecked {
    fn check(&self, _signer: &Signer, _chain: &[Vec<u8>]) -> TrustOutcome {
        TrustOutcome::NotChecked(
            "catena di fiducia non verificata: gli elenchi europei dei certificatori fidati non \
             sono consultabili da questo sistema"
                .to_owned(),
        )
    }
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;

    use super::*;

    #[test]
    fn the_default_trust_list_says_it_checked_nothing() {
        let signer = Signer {
            subject: "Mario Rossi".into(),
            fiscal_code: Some("RSSMRA80A01H501U".into()),
            issuer: "Sportello Test Root".into(),
            not_before: Timestamp::UNIX_EPOCH,
            not_after: Timestamp::MAX,
            serial: "1001".into(),
        };
        match NotChecked.check(&signer, &[]) {
            TrustOutcome::NotChecked(why) => assert!(why.starts_with("catena di fiducia non verificata")),
            other => panic!("{other:?}"),
        }
    }
}
