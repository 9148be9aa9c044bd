//! From a verified token's claims to the engine's [`Actor`]: a member of staff when the roles claim
//! lists any role, otherwise a citizen identified by the fiscal code SPID and CIE send
//! (`TINIT-<code>` in `https://attributes.eid.gov.it/fiscal_number`, or a plain `fiscal_number`).

use serde_json::Value;

use sportello_definition::codice_fiscale::CodiceFiscale;
use sportello_runtime::case::Actor;

use crate::auth::AuthError;
use crate::auth::verify::Claims;

/// The claims that carry the fiscal code, in order of preference.
pub(crate) const FISCAL_NUMBER_CLAIMS: [&str; 2] = ["https://attributes.eid.gov.it/fiscal_number", "fiscal_number"];

/// Where the issuer puts staff roles and offices (claim names or dotted paths), and which roles are
/// Sportello's (empty: all of them).
#[derive(Debug, Clone)]
pub(crate) struct ClaimNames {
    pub roles: String,
    pub offices: String,
    pub staff_roles: Vec<String>,
}

impl Default for ClaimNames {
    fn default() -> Self {
        Self { roles: "roles".to_owned(), offices: "offices".to_owned(), staff_roles: Vec::new() }
    }
}

/// Who the claims say the bearer is.
pub(crate) fn actor(claims: &Claims, names: &ClaimNames) -> Result<Actor, AuthError> {
    let mut roles =
        strings(lookup(claims, &names.roles)).ok_or(AuthError::InvalidToken("roles is not a list of strings"))?;
    if !names.staff_roles.is_empty() {
        roles.retain(|role| names.staff_roles.contains(role));
    }
    if !roles.is_empty() {
        let user = claims
            .get("sub")
            .and_then(Value::as_str)
            .filter(|sub| !sub.trim().is_empty())
            .ok_or(AuthError::IdentityMissing)?;
        let offices = strings(lookup(claims, &names.offices))
            .ok_or(AuthError::InvalidToken("offices is not a list of strings"))?;
        return Ok(Actor::Staff { user: user.to_owned(), roles, offices });
    }
    match FISCAL_NUMBER_CLAIMS.iter().find_map(|name| claims.get(*name).filter(|value| !value.is_null())) {
        None => Err(AuthError::IdentityMissing),
        Some(Value::String(text)) => Ok(Actor::Citizen { fiscal_code: fiscal_code(text)? }),
        Some(_) => Err(AuthError::InvalidToken("the fiscal code is not a string")),
    }
}

/// The fiscal code in `text`, without its `TINIT-` prefix, upper case and checked.
fn fiscal_code(text: &str) -> Result<String, AuthError> {
    let text = text.trim();
    let code = match text.get(..6) {
        Some(prefix) if prefix.eq_ignore_ascii_case("TINIT-") => &text[6..],
        _ => text,
    };
    if code.is_empty() {
        return Err(AuthError::IdentityMissing);
    }
    CodiceFiscale::parse(code).map(|code| code.as_str().to_owned()).map_err(|_| AuthError::InvalidFiscalCode)
}

/// The claim named `path`, or else the one reached by following its dots (`realm_access.roles`): claim
/// names may contain dots themselves (`https://example.org/roles`).
fn lookup<'a>(claims: &'a Claims, path: &str) -> Option<&'a Value> {
    claims.get(path).or_else(|| {
        let mut parts = path.split('.');
        let first = claims.get(parts.next()?)?;
        parts.try_fold(first, |value, part| value.get(part))
    })
}

/// The non-empty strings of a list, or a single string; none when absent; `None` for any other shape.
fn strings(value: Option<&Value>) -> Option<Vec<String>> {
    let keep = |s: &str| (!s.trim().is_empty()).then(|| s.to_owned());
    match value {
        None | Some(Value::Null) => Some(Vec::new()),
        Some(Value::String(s)) => Some(keep(s).into_iter().collect()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| item.as_str().map(keep))
            .collect::<Option<Vec<_>>>()
            .map(|v| v.into_iter().flatten().collect()),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn claims(value: Value) -> Claims {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn any_role_makes_staff_with_offices_from_a_list_or_a_string() {
        let names = ClaimNames::default();
        let staff = actor(&claims(json!({"sub": "u1", "roles": ["clerk"], "offices": "anagrafe"})), &names).unwrap();
        assert_eq!(
            staff,
            Actor::Staff { user: "u1".into(), roles: vec!["clerk".into()], offices: vec!["anagrafe".into()] }
        );
        let no_sub = actor(&claims(json!({"roles": ["clerk"]})), &names).unwrap_err();
        assert_eq!(no_sub.code(), "identity-missing");
        let bad = actor(&claims(json!({"sub": "u1", "roles": [1]})), &names).unwrap_err();
        assert_eq!(bad.code(), "invalid-token");
    }

    #[test]
    fn with_staff_roles_listed_other_roles_are_ignored_and_citizens_stay_citizens() {
        let names = ClaimNames {
            roles: "realm_access.roles".into(),
            offices: "offices".into(),
            staff_roles: vec!["clerk".into(), "analyst".into()],
        };
        let keycloak = |roles: Value| {
            claims(json!({"sub": "u1", "realm_access": {"roles": roles}, "fiscal_number": "TINIT-RSSMRA85T10A562S",
                "offices": ["anagrafe"]}))
        };
        let citizen = actor(&keycloak(json!(["offline_access", "default-roles-comune"])), &names).unwrap();
        assert_eq!(citizen, Actor::Citizen { fiscal_code: "RSSMRA85T10A562S".into() });
        let clerk = actor(&keycloak(json!(["offline_access", "clerk"])), &names).unwrap();
        assert_eq!(
            clerk,
            Actor::Staff { user: "u1".into(), roles: vec!["clerk".into()], offices: vec!["anagrafe".into()] }
        );
        let everyone = ClaimNames { staff_roles: Vec::new(), ..names };
        let staff = actor(&keycloak(json!(["offline_access"])), &everyone).unwrap();
        assert!(matches!(staff, Actor::Staff { .. }), "without the list, any role makes staff: {staff:?}");
    }

    #[test]
    fn a_whole_claim_name_wins_over_a_dotted_path() {
        let claims = claims(json!({"https://example.org/roles": ["analyst"], "realm_access": {"roles": ["clerk"]}}));
        assert_eq!(lookup(&claims, "https://example.org/roles"), Some(&json!(["analyst"])));
        assert_eq!(lookup(&claims, "realm_access.roles"), Some(&json!(["clerk"])));
        assert_eq!(lookup(&claims, "realm_access.groups"), None);
    }

    #[test]
    fn citizens_need_a_valid_fiscal_code() {
        let names = ClaimNames::default();
        let citizen = |value| actor(&claims(value), &names);
        assert_eq!(
            citizen(json!({"fiscal_number": "tinit-rssmra85t10a562s"})).unwrap(),
            Actor::Citizen { fiscal_code: "RSSMRA85T10A562S".into() }
        );
        assert_eq!(citizen(json!({"fiscal_number": "RSSMRA85T10A562T"})).unwrap_err().code(), "invalid-fiscal-code");
        assert_eq!(citizen(json!({"fiscal_number": "TINIT-"})).unwrap_err().code(), "identity-missing");
        assert_eq!(citizen(json!({"roles": []})).unwrap_err().code(), "identity-missing");
        assert_eq!(citizen(json!({"fiscal_number": 42})).unwrap_err().code(), "invalid-token");
    }
}
