//! Page sessions kept by the store, on SQLite and (with `TEST_POSTGRES_URL`) PostgreSQL: a session is
//! live from its sign-in until it is ended or expires; ending it is seen by every reader at once; a
//! user can end all their sessions; and a sign-in with other grants ends the sessions that held the
//! old ones, not those with the same grants.

use jiff::civil::date;
use sportello_store::NewWebSession;
use sportello_testkit::stores;

const NOW: i64 = 1_796_000_000;

fn session(id: &str, subject: &str, grants: &str) -> NewWebSession {
    NewWebSession {
        id: id.to_owned(),
        subject: subject.to_owned(),
        grants: grants.to_owned(),
        started_at: NOW,
        expires_at: NOW + 8 * 3600,
    }
}

#[tokio::test]
async fn a_session_lives_until_it_is_ended_or_expires() {
    for t in stores("web_sessions_life", date(2026, 12, 7)).await {
        let store = &t.store;
        assert_eq!(store.start_web_session(session("a", "anna", "citizen")).await.unwrap(), 0);
        assert!(store.web_session_is_live("a", NOW + 60).await.unwrap(), "{}", t.backend);
        assert!(!store.web_session_is_live("a", NOW + 8 * 3600).await.unwrap(), "{}: expired", t.backend);
        assert!(!store.web_session_is_live("unknown", NOW).await.unwrap(), "{}", t.backend);

        store.end_web_session("a", NOW + 120).await.unwrap();
        assert!(!store.web_session_is_live("a", NOW + 121).await.unwrap(), "{}: signed out", t.backend);
        store.end_web_session("a", NOW + 130).await.unwrap();
        store.end_web_session("never-was", NOW + 130).await.unwrap();
    }
}

#[tokio::test]
async fn a_user_ends_every_session_and_new_grants_end_the_old_ones() {
    for t in stores("web_sessions_all", date(2026, 12, 7)).await {
        let store = &t.store;
        for id in ["phone", "desk"] {
            store.start_web_session(session(id, "clerk", "clerk@anagrafe")).await.unwrap();
        }
        store.start_web_session(session("other", "someone-else", "clerk@anagrafe")).await.unwrap();
        // Same grants: both sessions stay.
        assert_eq!(store.start_web_session(session("tablet", "clerk", "clerk@anagrafe")).await.unwrap(), 0);
        // Roles changed at the identity provider: the sessions with the old grants end.
        let ended = store.start_web_session(session("new", "clerk", "clerk,head@anagrafe")).await.unwrap();
        assert_eq!(ended, 3, "{}", t.backend);
        for id in ["phone", "desk", "tablet"] {
            assert!(!store.web_session_is_live(id, NOW + 1).await.unwrap(), "{}: {id}", t.backend);
        }
        assert!(store.web_session_is_live("new", NOW + 1).await.unwrap(), "{}", t.backend);

        assert_eq!(store.end_web_sessions_of("clerk", NOW + 2).await.unwrap(), 1, "{}", t.backend);
        assert!(!store.web_session_is_live("new", NOW + 3).await.unwrap(), "{}", t.backend);
        assert!(store.web_session_is_live("other", NOW + 3).await.unwrap(), "{}: another user's stays", t.backend);
    }
}
