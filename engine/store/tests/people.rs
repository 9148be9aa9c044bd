//! The directory of people, on SQLite and (with `TEST_POSTGRES_URL`) PostgreSQL: a sign-in records a
//! person and a later one updates what it carries without erasing what it lacks; staff are listed by
//! office, exactly; several people are read at once; a citizen's notification preferences survive
//! their next sign-in.

use jiff::civil::date;
use jiff::{SignedDuration, Timestamp};
use sportello_store::{NotificationPreferences, PersonKind, SignIn};
use sportello_testkit::stores;

const MARIO: &str = "RSSMRA85T10A562S";

fn at(minutes: i64) -> Timestamp {
    Timestamp::from_second(1_796_000_000).unwrap() + SignedDuration::from_mins(minutes)
}

fn citizen(name: Option<(&str, &str)>, email: Option<&str>, minutes: i64) -> SignIn {
    SignIn {
        kind: PersonKind::Citizen,
        id: MARIO.to_owned(),
        given_name: name.map(|n| n.0.to_owned()),
        family_name: name.map(|n| n.1.to_owned()),
        display_name: name.map(|(given, family)| format!("{given} {family}")),
        email: email.map(str::to_owned),
        offices: vec![],
        roles: vec![],
        at: at(minutes),
    }
}

fn staff(user: &str, name: &str, offices: &[&str]) -> SignIn {
    SignIn {
        kind: PersonKind::Staff,
        id: user.to_owned(),
        given_name: None,
        family_name: None,
        display_name: Some(name.to_owned()),
        email: None,
        offices: offices.iter().map(|o| o.to_string()).collect(),
        roles: vec!["clerk".to_owned()],
        at: at(0),
    }
}

#[tokio::test]
async fn a_sign_in_updates_what_it_carries_and_keeps_what_it_lacks() {
    for t in stores("people_sign_in", date(2026, 12, 7)).await {
        let store = &t.store;
        assert_eq!(store.person(PersonKind::Citizen, MARIO).await.unwrap(), None, "{}", t.backend);
        let first = store.record_person(citizen(Some(("Mario", "Rossi")), Some("mario@example.it"), 0)).await.unwrap();
        assert_eq!(first.display_name.as_deref(), Some("Mario Rossi"), "{}", t.backend);
        assert_eq!((first.first_seen, first.last_seen), (at(0), at(0)), "{}", t.backend);

        // A later token with no name and another address: the name stays, the address changes.
        let later = store.record_person(citizen(None, Some("m.rossi@example.it"), 30)).await.unwrap();
        assert_eq!(later.display_name.as_deref(), Some("Mario Rossi"), "{}", t.backend);
        assert_eq!(later.given_name.as_deref(), Some("Mario"), "{}", t.backend);
        assert_eq!(later.email.as_deref(), Some("m.rossi@example.it"), "{}", t.backend);
        assert_eq!((later.first_seen, later.last_seen), (at(0), at(30)), "{}", t.backend);
        assert_eq!(store.person(PersonKind::Citizen, MARIO).await.unwrap(), Some(later), "{}", t.backend);
        // The same id as staff is someone else.
        assert_eq!(store.person(PersonKind::Staff, MARIO).await.unwrap(), None, "{}", t.backend);
    }
}

#[tokio::test]
async fn staff_are_listed_by_office_exactly_and_by_name() {
    for t in stores("people_staff", date(2026, 12, 7)).await {
        let store = &t.store;
        store.record_person(staff("u-2", "Luca Ferrari", &["anagrafe", "edilizia"])).await.unwrap();
        store.record_person(staff("u-1", "Giulia Bianchi", &["anagrafe"])).await.unwrap();
        store.record_person(staff("u-3", "Paolo Neri", &["anagrafe_centro"])).await.unwrap();
        store.record_person(citizen(Some(("Mario", "Rossi")), None, 0)).await.unwrap();

        let names = |people: Vec<sportello_store::Person>| -> Vec<String> {
            people.into_iter().map(|p| p.display_name.unwrap_or(p.id)).collect()
        };
        assert_eq!(names(store.staff_of_office("anagrafe").await.unwrap()), ["Giulia Bianchi", "Luca Ferrari"]);
        assert_eq!(names(store.staff_of_office("edilizia").await.unwrap()), ["Luca Ferrari"], "{}", t.backend);
        assert!(store.staff_of_office("tributi").await.unwrap().is_empty(), "{}", t.backend);

        // Offices as last seen: moved out of anagrafe, no longer listed there.
        store.record_person(staff("u-2", "Luca Ferrari", &["edilizia"])).await.unwrap();
        assert_eq!(names(store.staff_of_office("anagrafe").await.unwrap()), ["Giulia Bianchi"], "{}", t.backend);

        let ids = ["u-1".to_owned(), "u-3".to_owned(), "nobody".to_owned()];
        let mut found = names(store.people(PersonKind::Staff, &ids).await.unwrap());
        found.sort();
        assert_eq!(found, ["Giulia Bianchi", "Paolo Neri"], "{}", t.backend);
        assert!(store.people(PersonKind::Citizen, &ids).await.unwrap().is_empty(), "{}", t.backend);
        assert!(store.people(PersonKind::Staff, &[]).await.unwrap().is_empty(), "{}", t.backend);
    }
}

#[tokio::test]
async fn a_citizens_preferences_are_saved_and_survive_the_next_sign_in() {
    for t in stores("people_preferences", date(2026, 12, 7)).await {
        let store = &t.store;
        let prefs = NotificationPreferences { email: Some("posta@example.it".to_owned()), email_too: true };
        // Saved before any sign-in is recorded (a session from before the directory): recorded now.
        store.set_notification_preferences(MARIO, prefs.clone(), at(0)).await.unwrap();
        let saved = store.person(PersonKind::Citizen, MARIO).await.unwrap().expect("recorded");
        assert_eq!(saved.preferences, prefs, "{}", t.backend);

        let signed_in = store.record_person(citizen(Some(("Mario", "Rossi")), Some("id@example.it"), 5)).await.unwrap();
        assert_eq!(signed_in.preferences, prefs, "{}: a sign-in keeps the preferences", t.backend);
        assert_eq!(signed_in.display_name.as_deref(), Some("Mario Rossi"), "{}", t.backend);

        store.set_notification_preferences(MARIO, NotificationPreferences::default(), at(10)).await.unwrap();
        let cleared = store.person(PersonKind::Citizen, MARIO).await.unwrap().expect("recorded");
        assert_eq!(cleared.preferences, NotificationPreferences::default(), "{}", t.backend);
        assert_eq!(cleared.email.as_deref(), Some("id@example.it"), "{}: the sign-in's address stays", t.backend);
    }
}
