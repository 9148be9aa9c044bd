//! Integrations: the other systems (the pagoPA receipt callback, a protocol register, …) that deliver
//! external events to cases. Each has a name, a secret bearer token and the events it may deliver; the
//! token is compared in constant time and never logged.

use indexmap::IndexMap;
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// One integration's settings (`[integrations.<name>]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntegrationSettings {
    /// The bearer token it presents (a secret: at least 32 characters).
    pub token: String,
    /// The events it may deliver (`payment.paid`, …).
    pub events: Vec<String>,
}

/// The configured integrations.
#[derive(Debug, Default)]
pub struct Integrations {
    by_token_hash: Vec<([u8; 32], String, Vec<String>)>,
}

impl Integrations {
    /// Checks and indexes the settings.
    pub fn new(settings: &IndexMap<String, IntegrationSettings>) -> anyhow::Result<Integrations> {
        let mut by_token_hash = Vec::new();
        for (name, integration) in settings {
            if integration.token.chars().count() < 32 {
                anyhow::bail!("integrations.{name}.token must be at least 32 characters long");
            }
            by_token_hash.push((digest(&integration.token), name.clone(), integration.events.clone()));
        }
        Ok(Integrations { by_token_hash })
    }

    /// The integration presenting `token`, with the events it may deliver.
    pub fn find(&self, token: &str) -> Option<(&str, &[String])> {
        let presented = digest(token);
        let mut found = None;
        // Compare every entry, in constant time each, so timing says nothing about which matched.
        for (hash, name, events) in &self.by_token_hash {
            let same = hash.iter().zip(presented.iter()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
            if same {
                found = Some((name.as_str(), events.as_slice()));
            }
        }
        found
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_token_is_refused_and_a_known_one_is_found() {
        let mut settings = IndexMap::new();
        settings.insert("pagopa".to_owned(), IntegrationSettings { token: "short".into(), events: vec![] });
        assert!(Integrations::new(&settings).is_err());
        let token = "x".repeat(40);
        settings.insert(
            "pagopa".to_owned(),
            IntegrationSettings { token: token.clone(), events: vec!["payment.paid".into()] },
        );
        let integrations = Integrations::new(&settings).unwrap();
        assert_eq!(integrations.find(&token).unwrap().0, "pagopa");
        assert!(integrations.find("y").is_none());
    }
}
