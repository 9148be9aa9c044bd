//! What a verified token says about its bearer besides who they are: the name and e-mail address of
//! the standard OpenID Connect claims (`given_name`, `family_name`, `name`, `email`), or of the
//! SPID-style ones some proxies pass on (`familyName`, with `name` then meaning the given name).
//! Only read, never required: a token without them signs in all the same. A value that is not a
//! string, is blank or (for the address) is not an e-mail address is left out.

use serde_json::Value;

use sportello_definition::email_address::EmailAddress;

use crate::auth::verify::Claims;

/// The longest name part kept, in characters.
const MAX_NAME: usize = 100;

/// A person's name and address, as the token gave them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    /// Given name.
    pub given_name: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
    /// The whole name, as the issuer writes it, when it gives no parts.
    pub name: Option<String>,
    /// The e-mail address.
    pub email: Option<EmailAddress>,
}

impl Profile {
    /// The name to show: given and family name, else the whole name, else whichever part there is.
    pub fn display_name(&self) -> Option<String> {
        match (&self.given_name, &self.family_name, &self.name) {
            (Some(given), Some(family), _) => Some(format!("{given} {family}")),
            (_, _, Some(name)) => Some(name.clone()),
            (given, family, None) => given.clone().or_else(|| family.clone()),
        }
    }
}

/// The profile the claims carry.
pub(crate) fn profile(claims: &Claims) -> Profile {
    let text = |name: &str| {
        claims
            .get(name)
            .and_then(Value::as_str)
            .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|s| !s.is_empty())
            .map(|s| s.chars().take(MAX_NAME).collect::<String>())
    };
    let spid_family = text("familyName");
    let (given_name, name) = match (text("given_name"), &spid_family) {
        (Some(given), _) => (Some(given), text("name")),
        // SPID's attribute `name` is the given name.
        (None, Some(_)) => (text("name"), None),
        (None, None) => (None, text("name")),
    };
    Profile {
        given_name,
        family_name: text("family_name").or(spid_family),
        name,
        email: text("email").and_then(|e| EmailAddress::parse(&e).ok()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn of(value: Value) -> Profile {
        profile(value.as_object().unwrap())
    }

    #[test]
    fn standard_claims_give_the_name_and_address() {
        let standard =
            of(json!({"given_name": "Mario", "family_name": "Rossi", "name": "Dott. Mario Rossi", "email": "m@ex.it"}));
        assert_eq!(standard.display_name().as_deref(), Some("Mario Rossi"));
        assert_eq!(standard.email.as_ref().map(EmailAddress::as_str), Some("m@ex.it"));
        assert_eq!(of(json!({"name": " Anna   Verdi "})).display_name().as_deref(), Some("Anna Verdi"));
        assert_eq!(of(json!({"family_name": "Verdi"})).display_name().as_deref(), Some("Verdi"));
        assert_eq!(of(json!({})), Profile::default());
    }

    #[test]
    fn spid_style_claims_read_name_as_the_given_name() {
        let spid = of(json!({"name": "Giulia", "familyName": "Bianchi", "fiscalNumber": "TINIT-X"}));
        assert_eq!((spid.given_name.as_deref(), spid.family_name.as_deref()), (Some("Giulia"), Some("Bianchi")));
        assert_eq!(spid.display_name().as_deref(), Some("Giulia Bianchi"));
    }

    #[test]
    fn values_of_the_wrong_shape_are_left_out() {
        let odd = of(json!({"given_name": 42, "family_name": " ", "name": ["x"], "email": "not an address"}));
        assert_eq!(odd, Profile::default());
        let long = of(json!({"name": "x".repeat(500)}));
        assert_eq!(long.name.map(|n| n.chars().count()), Some(MAX_NAME));
    }
}
