//! Who may see and touch a case: the one home of the access rules that the API, the pages and the
//! store apply. A citizen sees only the cases they applied for, and one who is not the applicant is
//! told the case does not exist, never that it is someone else's; staff see the cases of their offices
//! and act on them through the roles the workflow gives those offices; the system sees no case through
//! the API and fires only `system` transitions.

use sportello_definition::Definition;
use sportello_definition::ids::TransitionId;
use sportello_definition::model::{self, TransitionDef};

use crate::case::{Actor, Case};
use crate::error::Error;

/// Whether `actor` may see a case of `office` opened by `applicant`.
pub fn may_see(actor: &Actor, office: &str, applicant: &str) -> bool {
    match actor {
        Actor::Citizen { fiscal_code } => fiscal_code == applicant,
        Actor::Staff { offices, .. } => offices.iter().any(|o| o == office),
        Actor::System => false,
    }
}

/// Whether `actor` may open a case of `definition` for `applicant`: a citizen for themselves, staff of
/// the workflow's office for anyone.
///
/// # Errors
///
/// [`Error::ActorNotAllowed`] (for the command `open`) otherwise.
pub fn may_open(actor: &Actor, definition: &Definition, applicant: &str) -> Result<(), Error> {
    if may_see(actor, &definition.office, applicant) {
        Ok(())
    } else {
        Err(Error::ActorNotAllowed { actor: actor.describe(), transition: "open".to_owned() })
    }
}

/// Whether `actor` may change the data of `case` while it is a draft: the applicant, or staff of the
/// case's office.
///
/// # Errors
///
/// [`Error::CaseNotFound`] for a citizen who is not the applicant; [`Error::ActorNotAllowed`] (for the
/// command `save_draft`) for staff of another office and for the system.
pub fn may_edit_draft(actor: &Actor, case: &Case) -> Result<(), Error> {
    hidden_from_other_citizens(actor, case)?;
    if may_see(actor, &case.office, &case.applicant) {
        Ok(())
    } else {
        Err(Error::ActorNotAllowed { actor: actor.describe(), transition: "save_draft".to_owned() })
    }
}

/// Whether `actor` may delete `case` while it is a draft: its applicant only. Staff may save a draft
/// on the applicant's behalf, but the choice to withdraw an unsent application is the applicant's.
///
/// # Errors
///
/// [`Error::CaseNotFound`] for a citizen who is not the applicant; [`Error::ActorNotAllowed`] (for the
/// command `delete_draft`) for staff and for the system.
pub fn may_delete_draft(actor: &Actor, case: &Case) -> Result<(), Error> {
    hidden_from_other_citizens(actor, case)?;
    match actor {
        Actor::Citizen { .. } => Ok(()),
        _ => Err(Error::ActorNotAllowed { actor: actor.describe(), transition: "delete_draft".to_owned() }),
    }
}

/// Whether `actor` may apply transition `id` of `definition` to `case`: the system only `system`
/// transitions; the applicant the transitions `by: citizen`; staff the transitions by a role they hold
/// whose office is the case's and one of theirs.
///
/// # Errors
///
/// [`Error::CaseNotFound`] for a citizen who is not the applicant; [`Error::ActorNotAllowed`]
/// otherwise.
pub fn may_apply(
    definition: &Definition,
    case: &Case,
    actor: &Actor,
    id: &TransitionId,
    transition: &TransitionDef,
) -> Result<(), Error> {
    hidden_from_other_citizens(actor, case)?;
    let allowed = match actor {
        Actor::System => transition.is_system(),
        Actor::Citizen { .. } => transition.by.contains(&model::Actor::Citizen),
        Actor::Staff { roles, offices, .. } => transition.by.iter().any(|by| match by {
            model::Actor::Staff(role) => {
                roles.contains(role)
                    && definition
                        .roles
                        .get(role)
                        .is_some_and(|r| offices.contains(&r.office) && r.office == case.office)
            }
            _ => false,
        }),
    };
    if allowed { Ok(()) } else { Err(Error::ActorNotAllowed { actor: actor.describe(), transition: id.to_string() }) }
}

/// Whether `actor` may act on `case` at all, before anything about the command is looked at (its
/// version, its transition): the system on any case, anyone else only on a case they may see.
///
/// # Errors
///
/// [`Error::CaseNotFound`] for one who may not see it, exactly as for a case that does not exist.
pub fn may_act_on(actor: &Actor, case: &Case) -> Result<(), Error> {
    match actor {
        Actor::System => Ok(()),
        _ if may_see(actor, &case.office, &case.applicant) => Ok(()),
        _ => Err(Error::CaseNotFound),
    }
}

/// A citizen who is not the applicant is told the case does not exist.
fn hidden_from_other_citizens(actor: &Actor, case: &Case) -> Result<(), Error> {
    match actor {
        Actor::Citizen { fiscal_code } if *fiscal_code != case.applicant => Err(Error::CaseNotFound),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANNA: &str = "RSSMRA85T10A562S";
    const GIULIA: &str = "BNCGLI90A41F205X";

    fn citizen(fiscal_code: &str) -> Actor {
        Actor::Citizen { fiscal_code: fiscal_code.to_owned() }
    }

    fn staff(office: &str) -> Actor {
        Actor::Staff { user: "u-1".into(), roles: vec!["clerk".into()], offices: vec![office.into()] }
    }

    #[test]
    fn a_citizen_sees_only_their_own_cases_and_staff_only_their_offices() {
        assert!(may_see(&citizen(ANNA), "anagrafe", ANNA));
        assert!(!may_see(&citizen(GIULIA), "anagrafe", ANNA));
        assert!(may_see(&staff("anagrafe"), "anagrafe", ANNA));
        assert!(!may_see(&staff("tributi"), "anagrafe", ANNA));
        assert!(!may_see(&Actor::System, "anagrafe", ANNA));
    }

    #[test]
    fn only_the_system_acts_on_a_case_it_cannot_see_and_others_are_told_it_does_not_exist() {
        let case = Case {
            documents: Default::default(),
            code: "RA-2027-000001".into(),
            workflow: sportello_definition::ids::WorkflowId::parse("residence").unwrap(),
            workflow_version: 1,
            state: sportello_definition::ids::StateId::parse("submitted").unwrap(),
            data: serde_json::json!({}),
            applicant: ANNA.into(),
            office: "anagrafe".into(),
            version: 1,
            opened_on: jiff::civil::date(2027, 3, 1),
            clocks: Default::default(),
        };
        assert_eq!(may_act_on(&Actor::System, &case), Ok(()));
        assert_eq!(may_act_on(&citizen(ANNA), &case), Ok(()));
        assert_eq!(may_act_on(&staff("anagrafe"), &case), Ok(()));
        assert_eq!(may_act_on(&citizen(GIULIA), &case), Err(Error::CaseNotFound));
        assert_eq!(may_act_on(&staff("tributi"), &case), Err(Error::CaseNotFound));
    }
}
