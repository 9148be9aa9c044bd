//! An e-mail address a person gives for messages: trimmed, at most 254 characters, one `@` between a
//! local part (1 to 64 visible characters, no spaces, quotes, brackets, commas or semicolons) and a
//! domain of dot-separated labels (letters, digits, hyphens inside) ending in a top-level domain of
//! two or more letters. Stricter than RFC 5322 on purpose: what passes is what a mail relay takes and
//! a person meant to type; what fails is most likely a slip (`mario.rossi@example`, `a b@c.it`).

use std::fmt;

/// An e-mail address checked by [`EmailAddress::parse`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

/// Why a text is not an e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an e-mail address")]
pub struct EmailAddressError;

impl EmailAddress {
    /// `text`, trimmed, if it is an e-mail address.
    ///
    /// ```
    /// use sportello_definition::email_address::EmailAddress;
    /// assert_eq!(EmailAddress::parse(" mario.rossi@comune.example.it ").unwrap().as_str(), "mario.rossi@comune.example.it");
    /// assert!(EmailAddress::parse("mario.rossi@example").is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`EmailAddressError`] when it is not.
    pub fn parse(text: &str) -> Result<EmailAddress, EmailAddressError> {
        let text = text.trim();
        let (local, domain) = text.split_once('@').ok_or(EmailAddressError)?;
        let local_ok = (1..=64).contains(&local.len())
            && local.bytes().all(|b| b.is_ascii_graphic() && !b"\"(),:;<>@[\\]".contains(&b))
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..");
        let labels: Vec<&str> = domain.split('.').collect();
        let label_ok = |label: &&str| {
            (1..=63).contains(&label.len())
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        };
        let top = labels.last().copied().unwrap_or_default();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(label_ok)
            && top.len() >= 2
            && top.bytes().all(|b| b.is_ascii_alphabetic());
        if text.len() <= 254 && local_ok && domain_ok {
            Ok(EmailAddress(text.to_owned()))
        } else {
            Err(EmailAddressError)
        }
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_people_type_pass_and_slips_fail() {
        for good in ["mario.rossi@comune.example.it", "m+avvisi@example.org", "A_B-1@x-y.example.com"] {
            assert_eq!(EmailAddress::parse(good).map(|a| a.to_string()), Ok(good.to_owned()), "{good}");
        }
        for bad in [
            "",
            "mario.rossi",
            "mario.rossi@example",
            "mario rossi@example.it",
            "mario@@example.it",
            "@example.it",
            "mario.@example.it",
            "mario@example..it",
            "mario@-example.it",
            "mario@example.i",
            "mario@example.123",
            "<mario@example.it>",
        ] {
            assert_eq!(EmailAddress::parse(bad), Err(EmailAddressError), "{bad:?}");
        }
    }
}
