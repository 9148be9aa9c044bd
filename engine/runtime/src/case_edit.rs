//! The commands that change a case without a transition: saving a draft, deleting a draft and
//! assigning the case to a clerk. Each is decided here, as a pure function of the case as read, into one [`Edit`] (the case
//! after, its audit entry's body, its effects) that the store writes with its version check, like a
//! transition's outcome. Who may assign is the caller's check (only staff of the case's office, with
//! the API's own refusal); who may save a draft is [`crate::access::may_edit_draft`], who may delete
//! one [`crate::access::may_delete_draft`].

use jiff::Timestamp;
use serde_json::{Map, Value as Json};
use sportello_definition::Definition;

use crate::access;
use crate::audit_body::{Assigned, DraftDeleted, DraftSaved};
use crate::case::{Actor, Case};
use crate::effect::Effect;
use crate::error::Error;

/// What an edit of a case comes to.
#[derive(Debug, Clone, PartialEq)]
pub struct Edit {
    /// The case after it (version raised by one).
    pub case: Case,
    /// Its audit entry's body.
    pub audit: Json,
    /// What to do with it (an assignment's clerk).
    pub effects: Vec<Effect>,
}

/// Saves `changes` into the data of `case`, a draft of `definition`, for `actor` at `now`: a field set
/// to `null` is removed, any other is set. The data is checked only for its shape, as when the case
/// was opened; the transition that sends the application checks the rest.
///
/// # Errors
///
/// [`Error::StaleCaseVersion`] when `expected_version` is not the case's; the access rules' refusals
/// ([`access::may_edit_draft`]); [`Error::TransitionNotAllowed`] (for `save_draft`) once the case has
/// left its workflow's initial state.
pub fn save_draft(
    definition: &Definition,
    case: &Case,
    actor: &Actor,
    changes: &Map<String, Json>,
    expected_version: Option<u64>,
    now: Timestamp,
) -> Result<Edit, Error> {
    at_version(case, expected_version)?;
    access::may_edit_draft(actor, case)?;
    if case.state != definition.initial {
        return Err(Error::TransitionNotAllowed { transition: "save_draft".to_owned(), state: case.state.to_string() });
    }
    let mut after = case.clone();
    after.version += 1;
    if let Json::Object(data) = &mut after.data {
        for (field, value) in changes {
            match value {
                Json::Null => data.remove(field),
                value => data.insert(field.clone(), value.clone()),
            };
        }
    }
    let audit = DraftSaved { actor, changes, data: &after.data.to_string(), version: after.version, at: now }.body();
    Ok(Edit { case: after, audit, effects: Vec::new() })
}

/// Deletes `case`, a draft of `definition`, for `actor` at `now`: the case after it has its data and
/// clocks cleared (the store marks its row deleted), and its effects clear every timer it could have
/// (its state's deadline, each clock's expiry). The audit entry names no field: the citizen asked for
/// their data to go, and the entries before it keep only what they sealed.
///
/// # Errors
///
/// [`Error::StaleCaseVersion`] when `expected_version` is not the case's; the access rules' refusals
/// ([`access::may_delete_draft`]); [`Error::TransitionNotAllowed`] (for `delete_draft`) once the case
/// has left its workflow's initial state.
pub fn delete_draft(
    definition: &Definition,
    case: &Case,
    actor: &Actor,
    expected_version: Option<u64>,
    now: Timestamp,
) -> Result<Edit, Error> {
    at_version(case, expected_version)?;
    access::may_delete_draft(actor, case)?;
    if case.state != definition.initial {
        return Err(Error::TransitionNotAllowed {
            transition: "delete_draft".to_owned(),
            state: case.state.to_string(),
        });
    }
    let mut after = case.clone();
    after.version += 1;
    after.data = Json::Object(Map::new());
    after.clocks.clear();
    let mut effects = vec![Effect::CancelDeadline { state: case.state.clone() }];
    effects.extend(definition.clocks.iter().filter_map(|(clock, def)| {
        let fire = def.on_expiry.clone()?;
        Some(Effect::SetClockExpiry { clock: clock.clone(), due: None, fire })
    }));
    let audit = DraftDeleted { actor, version: after.version, at: now }.body();
    Ok(Edit { case: after, audit, effects })
}

/// Assigns `case`, now assigned to `from`, to the clerk `to` (or unassigns it), for `actor` at `now`.
///
/// # Errors
///
/// [`Error::StaleCaseVersion`] when `expected_version` is not the case's.
pub fn assign(
    case: &Case,
    actor: &Actor,
    from: Option<&str>,
    to: Option<&str>,
    expected_version: Option<u64>,
    now: Timestamp,
) -> Result<Edit, Error> {
    at_version(case, expected_version)?;
    let mut after = case.clone();
    after.version += 1;
    let audit = Assigned { actor, from, to, version: after.version, at: now }.body();
    let effects = vec![Effect::Assign { office: None, clerk: to.map(str::to_owned) }];
    Ok(Edit { case: after, audit, effects })
}

/// Refuses a command that names a version the case is no longer at.
fn at_version(case: &Case, expected: Option<u64>) -> Result<(), Error> {
    match expected {
        Some(expected) if expected != case.version => Err(Error::StaleCaseVersion { expected, current: case.version }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use serde_json::json;
    use sportello_definition::ids::{StateId, WorkflowId};

    use super::*;
    use crate::clock::start_of_day;

    const ANNA: &str = "RSSMRA85T10A562S";

    fn definition() -> Definition {
        let source = include_bytes!("../../testkit/fixtures/office-request.yaml");
        sportello_definition::load(source, Some("office-request")).definition.expect("the fixture validates")
    }

    fn case(state: &str) -> Case {
        Case {
            documents: Default::default(),
            code: "OR-2027-000001".into(),
            workflow: WorkflowId::parse("office-request").unwrap(),
            workflow_version: 1,
            state: StateId::parse(state).unwrap(),
            data: json!({"subject": "Passo carrabile", "notes": "da togliere"}),
            version: 3,
            applicant: ANNA.into(),
            office: "anagrafe".into(),
            opened_on: date(2027, 3, 1),
            clocks: Default::default(),
        }
    }

    fn anna() -> Actor {
        Actor::Citizen { fiscal_code: ANNA.into() }
    }

    fn now() -> Timestamp {
        start_of_day(date(2027, 3, 2))
    }

    #[test]
    fn a_draft_save_sets_and_removes_fields_and_raises_the_version() {
        let definition = definition();
        let draft = case(definition.initial.as_str());
        let changes = json!({"subject": "Passo carrabile in via Roma", "notes": null});
        let edit = save_draft(&definition, &draft, &anna(), changes.as_object().unwrap(), Some(3), now()).unwrap();
        assert_eq!(edit.case.data, json!({"subject": "Passo carrabile in via Roma"}));
        assert_eq!(edit.case.version, 4);
        assert_eq!(edit.audit["command"], "save_draft");
        assert_eq!(edit.audit["fields"], json!(["subject", "notes"]));
        assert!(edit.effects.is_empty());
    }

    #[test]
    fn a_draft_save_is_refused_when_stale_for_another_citizen_and_once_sent() {
        let definition = definition();
        let draft = case(definition.initial.as_str());
        let changes = Map::new();
        let stale = save_draft(&definition, &draft, &anna(), &changes, Some(2), now());
        assert_eq!(stale, Err(Error::StaleCaseVersion { expected: 2, current: 3 }));
        let other = Actor::Citizen { fiscal_code: "BNCGLI90A41F205X".into() };
        assert_eq!(save_draft(&definition, &draft, &other, &changes, None, now()), Err(Error::CaseNotFound));
        let sent = definition.states.keys().find(|s| **s != definition.initial).unwrap();
        let refused = save_draft(&definition, &case(sent.as_str()), &anna(), &changes, None, now()).unwrap_err();
        assert_eq!(refused.code(), "transition-not-allowed");
    }

    #[test]
    fn a_draft_deletion_clears_the_data_and_every_timer_and_raises_the_version() {
        let definition = definition();
        let draft = case(definition.initial.as_str());
        let edit = delete_draft(&definition, &draft, &anna(), Some(3), now()).unwrap();
        assert_eq!(edit.case.data, json!({}));
        assert_eq!(edit.case.version, 4);
        assert_eq!(edit.case.state, draft.state, "the case stays where it was; the store marks it deleted");
        assert_eq!(edit.audit["command"], "delete_draft");
        assert_eq!(edit.audit.get("fields"), None, "the entry names no field of the data that went");
        let cleared = cleared_timers(&edit.effects);
        assert!(cleared.contains(&format!("deadline:{}", definition.initial)), "{cleared:?}");
        let clocks = definition.clocks.values().filter(|c| c.on_expiry.is_some()).count();
        assert_eq!(cleared.len(), 1 + clocks, "{cleared:?}");
    }

    /// The keys of the timers `effects` clear, and nothing they set.
    fn cleared_timers(effects: &[Effect]) -> Vec<String> {
        use crate::timers::{TimerChange, timer_changes};
        timer_changes(effects, now())
            .into_iter()
            .map(|change| match change {
                TimerChange::Clear(key) => key.to_string(),
                TimerChange::Set(timer) => panic!("a deletion sets no timer: {timer:?}"),
            })
            .collect()
    }

    #[test]
    fn a_draft_deletion_is_the_applicants_alone_and_only_of_a_draft() {
        let definition = definition();
        let draft = case(definition.initial.as_str());
        let stale = delete_draft(&definition, &draft, &anna(), Some(2), now());
        assert_eq!(stale, Err(Error::StaleCaseVersion { expected: 2, current: 3 }));
        let other = Actor::Citizen { fiscal_code: "BNCGLI90A41F205X".into() };
        assert_eq!(delete_draft(&definition, &draft, &other, None, now()), Err(Error::CaseNotFound));
        let clerk = Actor::Staff { user: "u-1".into(), roles: vec!["clerk".into()], offices: vec!["anagrafe".into()] };
        let staff = delete_draft(&definition, &draft, &clerk, None, now()).unwrap_err();
        assert_eq!(staff.code(), "actor-not-allowed");
        assert_eq!(
            delete_draft(&definition, &draft, &Actor::System, None, now()).unwrap_err().code(),
            "actor-not-allowed"
        );
        let sent = definition.states.keys().find(|s| **s != definition.initial).unwrap();
        let refused = delete_draft(&definition, &case(sent.as_str()), &anna(), None, now()).unwrap_err();
        assert_eq!(refused, Error::TransitionNotAllowed { transition: "delete_draft".into(), state: sent.to_string() });
    }

    #[test]
    fn an_assignment_names_both_clerks_and_asks_for_the_new_one() {
        let clerk = Actor::Staff { user: "u-1".into(), roles: vec!["clerk".into()], offices: vec!["anagrafe".into()] };
        let edit = assign(&case("submitted"), &clerk, Some("u-2"), Some("u-3"), None, now()).unwrap();
        assert_eq!(edit.case.version, 4);
        assert_eq!((edit.audit["from"].clone(), edit.audit["to"].clone()), (json!("u-2"), json!("u-3")));
        assert_eq!(edit.effects, [Effect::Assign { office: None, clerk: Some("u-3".into()) }]);
        let stale = assign(&case("submitted"), &clerk, None, None, Some(9), now());
        assert_eq!(stale, Err(Error::StaleCaseVersion { expected: 9, current: 3 }));
    }
}
