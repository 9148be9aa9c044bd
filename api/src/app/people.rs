//! The directory of people as the use cases read and write it: who signed in to the pages or called
//! the API is recorded (a citizen by fiscal code, a member of staff by user id, with the name and
//! address their token gave and a member of staff's offices and roles as last seen); clerks read
//! applicants' and colleagues' names from it and assign cases only to the staff of an office found
//! in it; a citizen reads their profile and saves their notification preferences, which delivery
//! honours. Names are for people to read; nothing here puts one into a log or a span.

use std::collections::HashMap;

use sportello_definition::email_address::EmailAddress;
use sportello_runtime::case::Actor;
use sportello_store::{NotificationPreferences, Person, PersonKind, SignIn};

use super::Error;
use crate::auth::Profile;
use crate::state::AppState;

/// What the directory records of `actor` signing in with `profile`; nothing for the system.
fn sign_in(actor: &Actor, profile: &Profile, at: jiff::Timestamp) -> Option<SignIn> {
    let (kind, id, offices, roles) = match actor {
        Actor::Citizen { fiscal_code } => (PersonKind::Citizen, fiscal_code.clone(), vec![], vec![]),
        Actor::Staff { user, roles, offices } => (PersonKind::Staff, user.clone(), offices.clone(), roles.clone()),
        Actor::System => return None,
    };
    Some(SignIn {
        kind,
        id,
        given_name: profile.given_name.clone(),
        family_name: profile.family_name.clone(),
        display_name: profile.display_name(),
        email: profile.email.as_ref().map(|e| e.as_str().to_owned()),
        offices,
        roles,
        at,
    })
}

/// Records that `actor` signed in with `profile`: the person as the directory now knows them (with a
/// name or address known from before, should this sign-in carry none); `None` for the system.
pub async fn record(state: &AppState, actor: &Actor, profile: &Profile) -> Result<Option<Person>, Error> {
    match sign_in(actor, profile, state.store.now()) {
        Some(record) => Ok(Some(state.store.record_person(record).await?)),
        None => Ok(None),
    }
}

/// Records an API caller, as [`record`] does, unless this process recorded them with the same
/// grants and profile within the hour: so any member of staff who has called the API is known to the
/// directory (and may be assigned cases) at the cost of one write an hour. A failure is logged, and
/// the call goes on.
pub async fn note_caller(state: &AppState, actor: &Actor, profile: &Profile) {
    if !state.seen.needs_recording(actor, profile, jiff::Timestamp::now().as_second()) {
        return;
    }
    if let Err(error) = record(state, actor, profile).await {
        state.seen.forget(actor);
        tracing::warn!(error.message = %error, "cannot record an API caller in the directory");
    }
}

/// The names the directory knows for the people of `kind` among `ids`, by id.
pub async fn names(state: &AppState, kind: PersonKind, ids: &[String]) -> Result<HashMap<String, String>, Error> {
    let mut ids = ids.to_vec();
    ids.sort();
    ids.dedup();
    let people = state.store.people(kind, &ids).await?;
    Ok(people.into_iter().filter_map(|p| Some((p.id, p.display_name?))).collect())
}

/// A member of staff as a clerk picks them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMember {
    /// Their user id.
    pub user: String,
    /// Their name, or their user id when the directory knows no name.
    pub name: String,
}

/// The staff of `office` in the directory, by name: whom a case of the office may be assigned to.
/// Only for staff of that office.
pub async fn staff_of_office(state: &AppState, actor: &Actor, office: &str) -> Result<Vec<StaffMember>, Error> {
    if !matches!(actor, Actor::Staff { offices, .. } if offices.iter().any(|o| o == office)) {
        return Err(Error::forbidden(format!("you do not work for office `{office}`")));
    }
    let staff = state.store.staff_of_office(office).await?;
    Ok(staff
        .into_iter()
        .map(|p| StaffMember { name: p.display_name.unwrap_or_else(|| p.id.clone()), user: p.id })
        .collect())
}

/// Whether `user` is, as the directory last saw them, a member of staff of `office`.
pub async fn is_staff_of(state: &AppState, user: &str, office: &str) -> Result<bool, Error> {
    let person = state.store.person(PersonKind::Staff, user).await?;
    Ok(person.is_some_and(|p| p.offices.iter().any(|o| o == office)))
}

/// A citizen's profile: what their sign-in told and how they want to receive messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CitizenProfile {
    /// Their fiscal code.
    pub fiscal_code: String,
    /// Their name, if known.
    pub name: Option<String>,
    /// The address their identity provider gave, if any.
    pub sign_in_email: Option<String>,
    /// Their preferences, as saved (none saved: the defaults).
    pub preferences: NotificationPreferences,
}

/// The profile of the signed-in citizen; staff and the system have none.
pub async fn citizen_profile(state: &AppState, actor: &Actor) -> Result<CitizenProfile, Error> {
    let Actor::Citizen { fiscal_code } = actor else {
        return Err(Error::forbidden("the profile page is for citizens"));
    };
    let person = state.store.person(PersonKind::Citizen, fiscal_code).await?;
    Ok(CitizenProfile {
        fiscal_code: fiscal_code.clone(),
        name: person.as_ref().and_then(|p| p.display_name.clone()),
        sign_in_email: person.as_ref().and_then(|p| p.email.clone()),
        preferences: person.map(|p| p.preferences).unwrap_or_default(),
    })
}

/// Saves the signed-in citizen's notification preferences: `email` (blank: none, so messages by
/// e-mail go to the address in each application) and whether App IO messages also come by e-mail,
/// which needs an address.
///
/// # Errors
///
/// [`Error::InvalidInput`] naming `/email` for an address that is not one, or for none while asking
/// for e-mail too; [`Error::Forbidden`] for anyone but a citizen; [`Error::Storage`].
pub async fn save_preferences(state: &AppState, actor: &Actor, email: &str, email_too: bool) -> Result<(), Error> {
    let Actor::Citizen { fiscal_code } = actor else {
        return Err(Error::forbidden("notification preferences are for citizens"));
    };
    let email = match email.trim() {
        "" if email_too => {
            return Err(Error::invalid_field(
                "an address is needed to receive messages by e-mail",
                "/email",
                "required to receive messages by e-mail too",
            ));
        }
        "" => None,
        given => match EmailAddress::parse(given) {
            Ok(address) => Some(address.as_str().to_owned()),
            Err(error) => {
                return Err(Error::invalid_field("the e-mail address is not valid", "/email", error.to_string()));
            }
        },
    };
    let preferences = NotificationPreferences { email, email_too };
    Ok(state.store.set_notification_preferences(fiscal_code, preferences, state.store.now()).await?)
}
