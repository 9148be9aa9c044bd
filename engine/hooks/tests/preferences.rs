//! Delivery honours a citizen's notification preferences (their profile in the directory of
//! people), on SQLite and (with `TEST_POSTGRES_URL`) PostgreSQL, through the fake App IO and the fake
//! mailer: a message that goes by e-mail goes to the citizen's own address over the one in the
//! application's data; a message App IO carries is also e-mailed when they asked for it, under a key
//! of its own; without preferences nothing changes.

use std::sync::Arc;
use std::time::Duration;

use jiff::civil::date;
use serde_json::{Value, json};
use sportello_hooks::backoff::RetryPolicy;
use sportello_hooks::deliver::{Deliverer, LEASE};
use sportello_hooks::fake::{FakeAppIo, FakeMailer};
use sportello_hooks::{Hooks, IoProfile};
use sportello_runtime::case::Actor;
use sportello_runtime::transition::ApplyTransition;
use sportello_store::{Apply, NotificationPreferences, OpenCase, OutboxKind, Store};
use sportello_testkit::stores;

/// Sending a request notifies the citizen (no payment, so nothing waits).
const NOTICE_REQUEST: &str = r#"
id: notice-request
version: 1
title: { it: Richiesta con avviso }
office: anagrafe
roles: { clerk: {} }
data:
  type: object
  properties:
    applicant_email: { type: string, maxLength: 120, label: { it: Indirizzo e-mail } }
states:
  draft: { initial: true, status: { it: Bozza }, waiting_for: citizen }
  received: { status: { it: Ricevuta }, waiting_for: office, on_enter: [ { notify: received } ] }
  done: { final: true, outcome: accepted, status: { it: Conclusa } }
transitions:
  submit: { from: draft, to: received, by: citizen }
  close: { from: received, to: done, by: clerk }
notifications:
  received:
    subject: Richiesta ricevuta dall'ufficio
    markdown: |
      Abbiamo ricevuto la tua richiesta {{case.code}}: l'ufficio la esamina e ti scriverà appena
      concluso l'esame, come prevede il procedimento.
"#;

const ANNA: &str = "RSSMRA85T10A562S";
const GIANNI: &str = "BNCGNN80A01F205W";

/// Opens and sends a request for `applicant` with `applicant_email` in its data.
async fn send_request(store: &Store, applicant: &str) -> i64 {
    let citizen = Actor::Citizen { fiscal_code: applicant.into() };
    let command = OpenCase {
        workflow: "notice-request".into(),
        applicant: applicant.into(),
        actor: citizen.clone(),
        data: json!({"applicant_email": "dalla-domanda@example.it"}),
        idempotency_key: None,
    };
    let case_id = store.open_case(command).await.unwrap().case_id;
    let command = ApplyTransition {
        documents: Vec::new(),
        transition: "submit".into(),
        actor: citizen,
        input: json!({}),
        expected_version: None,
        term_day: None,
    };
    store.apply(Apply { code: None, case_id, command, idempotency_key: None }).await.unwrap();
    case_id
}

/// What the delivery of the case's one message recorded.
async fn outcome(store: &Store, case_id: i64) -> Value {
    let effects = store.case_effects(case_id).await.unwrap();
    let message = effects.iter().find(|e| e.kind == OutboxKind::Notify).expect("a message");
    message.result.clone().unwrap_or(Value::Null)
}

fn deliverer(store: &Store, app_io: &Arc<FakeAppIo>, mailer: &Arc<FakeMailer>) -> Deliverer {
    let hooks =
        Hooks { app_io: Some(app_io.clone()), mailer: Some(mailer.clone()), debt_positions: None, webhooks: None };
    let policy = RetryPolicy { budget: 3, base: Duration::from_secs(60), max: Duration::from_secs(3600) };
    Deliverer { store: store.clone(), hooks, policy, notice_offset: 0, lease: LEASE }
}

#[tokio::test]
async fn a_citizen_s_own_address_wins_over_the_application_s() {
    for t in stores("preferences_address", date(2026, 3, 2)).await {
        let store = &t.store;
        store.deploy(NOTICE_REQUEST, Some("notice-request")).await.unwrap();
        let (app_io, mailer) = (Arc::new(FakeAppIo::new()), Arc::new(FakeMailer::new()));
        for citizen in [ANNA, GIANNI] {
            app_io.set_profile(citizen, IoProfile::NotOnIo);
        }
        let own = NotificationPreferences { email: Some("anna@example.it".into()), email_too: false };
        store.set_notification_preferences(ANNA, own, store.now()).await.unwrap();
        let anna = send_request(store, ANNA).await;
        let gianni = send_request(store, GIANNI).await;

        let round = deliverer(store, &app_io, &mailer).round(10).await.unwrap();

        assert_eq!(round.delivered, 2, "{}", t.backend);
        let mut to: Vec<String> = mailer.sent().into_iter().map(|(email, _)| email.to).collect();
        to.sort();
        assert_eq!(to, ["anna@example.it", "dalla-domanda@example.it"], "{}", t.backend);
        assert!(app_io.sent().is_empty(), "{}", t.backend);
        for case in [anna, gianni] {
            assert_eq!(outcome(store, case).await["channel"], "email", "{}", t.backend);
        }
    }
}

#[tokio::test]
async fn a_message_on_app_io_is_also_emailed_when_the_citizen_asked_for_it() {
    for t in stores("preferences_email_too", date(2026, 3, 2)).await {
        let store = &t.store;
        store.deploy(NOTICE_REQUEST, Some("notice-request")).await.unwrap();
        let (app_io, mailer) = (Arc::new(FakeAppIo::new()), Arc::new(FakeMailer::new()));
        let too = NotificationPreferences { email: Some("anna@example.it".into()), email_too: true };
        store.set_notification_preferences(ANNA, too, store.now()).await.unwrap();
        let anna = send_request(store, ANNA).await;
        let gianni = send_request(store, GIANNI).await;

        let round = deliverer(store, &app_io, &mailer).round(10).await.unwrap();

        assert_eq!(round.delivered, 2, "{}", t.backend);
        let mut on_io: Vec<String> = app_io.sent().into_iter().map(|(m, _)| m.fiscal_code).collect();
        on_io.sort();
        assert_eq!(on_io, [GIANNI, ANNA], "{}: both on App IO", t.backend);
        let [(email, key)] = mailer.sent().try_into().expect("one e-mail: Anna's copy, not Gianni's");
        assert_eq!(email.to, "anna@example.it", "{}", t.backend);
        assert_eq!(email.subject, "Richiesta ricevuta dall'ufficio", "{}", t.backend);
        let io_key = app_io.sent().into_iter().find(|(m, _)| m.fiscal_code == ANNA).unwrap().1;
        assert_eq!(key, format!("{io_key}-email"), "{}: the copy has a key of its own", t.backend);
        let anna = outcome(store, anna).await;
        assert_eq!((anna["channel"].as_str(), anna["copy"]["channel"].as_str()), (Some("app_io"), Some("email")));
        let gianni = outcome(store, gianni).await;
        assert_eq!((gianni["channel"].as_str(), gianni.get("copy")), (Some("app_io"), None), "{}", t.backend);
    }
}
