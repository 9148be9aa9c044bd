//! Ids of workflows, states and transitions: newtypes, so that a state can never be passed where a
//! transition is meant, and each kind keeps its spelling rule.
//!
//! Workflow ids are kebab-case (`building-permit`), state and transition ids snake_case
//! (`ask_documents`). Validation makes them from checked YAML; `parse` checks text from elsewhere (an
//! API path, a database row).

use std::borrow::Borrow;
use std::fmt;

/// Why a text is not a valid id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a valid {kind} id: {rule}")]
pub struct IdError {
    text: String,
    kind: &'static str,
    rule: &'static str,
}

/// Whether `id` is lowercase words joined by `-`.
pub fn is_kebab_case(id: &str) -> bool {
    id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .split('-')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
}

/// Whether `id` is lowercase words joined by `_`.
pub fn is_snake_case(id: &str) -> bool {
    id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .split('_')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
}

macro_rules! id {
    ($(#[doc = $doc:literal])* $name:ident, $kind:literal, $check:path, $rule:literal) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Checks `text` and makes the id.
            pub fn parse(text: &str) -> Result<Self, IdError> {
                if $check(text) && text.len() <= 64 {
                    Ok(Self(text.to_owned()))
                } else {
                    Err(IdError { text: text.chars().take(80).collect(), kind: $kind, rule: $rule })
                }
            }

            /// An id from text validation has already checked.
            pub(crate) fn checked(text: &str) -> Self {
                Self(text.to_owned())
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

id!(
    /// A workflow's id, kebab-case: `building-permit`.
    WorkflowId, "workflow", is_kebab_case, "use lowercase words joined by `-`, at most 64 characters"
);
id!(
    /// A state's id, snake_case: `documents_requested`.
    StateId, "state", is_snake_case, "use lowercase words joined by `_`, at most 64 characters"
);
id!(
    /// A transition's id, snake_case: `ask_documents`.
    TransitionId, "transition", is_snake_case, "use lowercase words joined by `_`, at most 64 characters"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_keep_their_spelling_rules() {
        assert_eq!(WorkflowId::parse("building-permit").unwrap().as_str(), "building-permit");
        assert!(WorkflowId::parse("Building_Permit").is_err() && WorkflowId::parse("a--b").is_err());
        assert!(StateId::parse("documents_requested").is_ok() && StateId::parse("_x").is_err());
        assert_eq!(
            TransitionId::parse("askDocuments").unwrap_err().to_string(),
            "`askDocuments` is not a valid transition id: use lowercase words joined by `_`, at most 64 characters"
        );
    }

    #[test]
    fn ids_look_up_maps_by_text() {
        let map: indexmap::IndexMap<StateId, u8> = [(StateId::checked("draft"), 1)].into_iter().collect();
        assert_eq!(map.get("draft"), Some(&1));
    }
}
