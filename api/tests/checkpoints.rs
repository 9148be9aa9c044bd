//! Signed audit checkpoints as an operator uses them: `audit keygen`, `audit checkpoint`, then `audit
//! verify --checkpoint FILE --public-key FILE`. Three attacks by someone who can write the database,
//! each of which leaves every chain consistent so that plain `audit verify` passes, are named against
//! the checkpoint: a case deleted with its chain, a chain cut short with its head moved back, and a
//! chain rewritten with every hash recomputed. A draft its applicant deleted through Sportello is none
//! of these: its row and chain stay, and both checks pass. A checkpoint signed with another key, or edited, is
//! refused; so are a key that exists and a folder that does not.

mod support;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;
use sportello_runtime::audit::{self, Head};
use sportello_runtime::case::Actor;
use sportello_runtime::clock::SystemClock;
use sportello_runtime::transition::ApplyTransition;
use sportello_store::{Apply, DeleteDraft, OpenCase, Store, StoreOptions};
use support::{sportello, text, workflows};

const ANNA: &str = "RSSMRA85T10A562S";

async fn store_with_cases(dir: &Path, cases: usize) -> (Store, Vec<String>) {
    assert_eq!(sportello(dir, &["migrate", "up"]).status.code(), Some(0));
    assert_eq!(sportello(dir, &["deploy", &workflows()]).status.code(), Some(0));
    let url = format!("sqlite://{}", dir.join("sportello.db").display());
    let store = Store::connect(&StoreOptions::new(&url), Arc::new(SystemClock)).await.unwrap();
    let citizen = Actor::Citizen { fiscal_code: ANNA.into() };
    let mut codes = Vec::new();
    for _ in 0..cases {
        let opened = store
            .open_case(OpenCase {
                workflow: "records-access".into(),
                applicant: ANNA.into(),
                actor: citizen.clone(),
                data: json!({}),
                idempotency_key: None,
            })
            .await
            .unwrap();
        let input = json!({"applicant_fiscal_code": ANNA, "requested_records": "Verbale del 3 marzo",
            "reason": "Tutela di un interesse diretto", "access_mode": "digital_copy"});
        let command = ApplyTransition {
            documents: Vec::new(),
            transition: "submit".into(),
            actor: citizen.clone(),
            input,
            expected_version: None,
            term_day: None,
        };
        store.apply(Apply { case_id: opened.case_id, code: None, command, idempotency_key: None }).await.unwrap();
        codes.push(opened.code);
    }
    (store, codes)
}

/// Keygen, then one checkpoint into `checkpoints/`: the checkpoint's path.
fn checkpoint(dir: &Path) -> PathBuf {
    let keygen = sportello(dir, &["audit", "keygen", "--key", "audit.key"]);
    assert_eq!(keygen.status.code(), Some(0), "{}", text(&keygen));
    std::fs::create_dir(dir.join("checkpoints")).unwrap();
    let taken = sportello(dir, &["audit", "checkpoint", "--key", "audit.key", "--to", "checkpoints"]);
    assert_eq!(taken.status.code(), Some(0), "{}", text(&taken));
    let file = std::fs::read_dir(dir.join("checkpoints")).unwrap().next().unwrap().unwrap().path();
    assert!(
        text(&taken)
            .starts_with(&format!("checkpoint written to checkpoints/{}", file.file_name().unwrap().to_string_lossy()))
    );
    file
}

fn verify_against(dir: &Path, file: &Path, public_key: &str) -> std::process::Output {
    sportello(dir, &["audit", "verify", "--checkpoint", file.to_str().unwrap(), "--public-key", public_key])
}

async fn run(store: &Store, sql: &str) {
    store.connection().execute_unprepared(sql).await.unwrap();
}

#[tokio::test]
async fn deleted_cut_and_rewritten_chains_are_named_against_a_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let (store, codes) = store_with_cases(dir.path(), 4).await;
    let file = checkpoint(dir.path());
    let clean = verify_against(dir.path(), &file, "audit.key.pub");
    assert_eq!(clean.status.code(), Some(0), "{}", text(&clean));
    assert!(
        text(&clean).contains("signature valid, 4 case(s) then: nothing deleted or rewritten since"),
        "{}",
        text(&clean)
    );

    // Case 1 deleted with everything that refers to it.
    run(&store, "PRAGMA foreign_keys = OFF").await;
    for table in ["audit_entry", "timer", "outbox", "payment", "processed_event"] {
        run(&store, &format!("DELETE FROM {table} WHERE case_id = 1")).await;
    }
    run(&store, "DELETE FROM \"case\" WHERE id = 1").await;
    run(&store, "PRAGMA foreign_keys = ON").await;
    // Case 2 cut short: its last entry deleted, the head moved back onto the one before, and the row
    // and its timers put back as that entry sealed them (as it was opened: a draft with no data and
    // no deadline yet).
    run(&store, "DELETE FROM audit_entry WHERE case_id = 2 AND sequence = 2").await;
    run(&store, "DELETE FROM timer WHERE case_id = 2").await;
    run(
        &store,
        "UPDATE \"case\" SET audit_sequence = 1, audit_hash = (SELECT hash FROM audit_entry \
         WHERE case_id = 2 AND sequence = 1), state = 'draft', data = '{}', clocks = '{}', version = 1 \
         WHERE id = 2",
    )
    .await;
    // Case 3 rewritten: its first entry's body changed and the whole chain hashed again.
    rewrite_chain(&store, 3, &codes[2]).await;

    let plain = sportello(dir.path(), &["audit", "verify"]);
    assert!(text(&plain).contains("every chain is intact"), "the chains alone cannot tell: {}", text(&plain));
    let caught = verify_against(dir.path(), &file, "audit.key.pub");
    assert_eq!(caught.status.code(), Some(1), "{}", text(&caught));
    for line in [
        format!("broken: case {} was deleted since the checkpoint", codes[0]),
        format!("broken: the chain of case {} was cut short: it had 2 entries at the checkpoint, now 1", codes[1]),
        format!("broken: the chain of case {} was rewritten: entry 2 is not the one the checkpoint saw", codes[2]),
        "4 case(s) then: 3 broken".to_owned(),
    ] {
        assert!(text(&caught).contains(&line), "{line}\n{}", text(&caught));
    }
    assert!(!text(&caught).contains(&codes[3]), "{}", text(&caught));
}

/// Rewrites entry 1 of case `id` (code `code`) and re-chains every entry after it, moving the head, as
/// someone holding the database but not the key could.
async fn rewrite_chain(store: &Store, id: i64, code: &str) {
    let conn = store.connection();
    let rows = conn
        .query_all_raw(Statement::from_string(
            conn.get_database_backend(),
            format!("SELECT sequence, body FROM audit_entry WHERE case_id = {id} ORDER BY sequence"),
        ))
        .await
        .unwrap();
    let mut head: Option<Head> = None;
    for row in rows {
        let sequence: i64 = row.try_get_by_index(0).unwrap();
        let mut body: serde_json::Value = serde_json::from_str(&row.try_get_by_index::<String>(1).unwrap()).unwrap();
        if sequence == 1 {
            body["actor"] = json!({"kind": "staff", "user": "someone-else"});
        }
        let entry = audit::append_after(code, head.as_ref(), body.clone());
        let sql = format!(
            "UPDATE audit_entry SET body = '{}', previous_hash = '{}', hash = '{}' WHERE case_id = {id} AND sequence = {sequence}",
            body.to_string().replace('\'', "''"),
            entry.previous_hash,
            entry.hash
        );
        run(store, &sql).await;
        head = Some(Head { sequence: entry.sequence, hash: entry.hash });
    }
    let head = head.unwrap();
    run(store, &format!("UPDATE \"case\" SET audit_hash = '{}' WHERE id = {id}", head.hash)).await;
}

#[tokio::test]
async fn a_draft_deleted_by_its_applicant_after_a_checkpoint_is_no_break() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = store_with_cases(dir.path(), 1).await;
    let citizen = Actor::Citizen { fiscal_code: ANNA.into() };
    let draft = store
        .open_case(OpenCase {
            workflow: "records-access".into(),
            applicant: ANNA.into(),
            actor: citizen.clone(),
            data: json!({"reason": "Tutela di un interesse diretto"}),
            idempotency_key: None,
        })
        .await
        .unwrap();
    let file = checkpoint(dir.path());

    store.delete_draft(DeleteDraft { case_id: draft.case_id, actor: citizen, expected_version: None }).await.unwrap();

    let plain = sportello(dir.path(), &["audit", "verify"]);
    assert_eq!(plain.status.code(), Some(0), "{}", text(&plain));
    assert!(text(&plain).contains("every chain is intact"), "{}", text(&plain));
    let against = verify_against(dir.path(), &file, "audit.key.pub");
    assert_eq!(against.status.code(), Some(0), "{}", text(&against));
    assert!(
        text(&against).contains("signature valid, 2 case(s) then: nothing deleted or rewritten since"),
        "{}",
        text(&against)
    );
}

#[tokio::test]
async fn a_checkpoint_signed_with_another_key_or_edited_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let _store = store_with_cases(dir.path(), 2).await;
    let file = checkpoint(dir.path());
    assert_eq!(sportello(dir.path(), &["audit", "keygen", "--key", "other.key"]).status.code(), Some(0));
    let other = verify_against(dir.path(), &file, "other.key.pub");
    assert_eq!(other.status.code(), Some(2), "{}", text(&other));
    assert!(text(&other).contains("signature does not verify with the given public key"), "{}", text(&other));

    let edited = dir.path().join("edited.json");
    let mut checkpoint: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    checkpoint["heads"].as_array_mut().unwrap().pop();
    std::fs::write(&edited, checkpoint.to_string()).unwrap();
    let refused = verify_against(dir.path(), &edited, "audit.key.pub");
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(text(&refused).contains("do not match its signed root and count"), "{}", text(&refused));

    let garbage = dir.path().join("garbage.json");
    std::fs::write(&garbage, "{\"format\": 1}").unwrap();
    let refused = verify_against(dir.path(), &garbage, "audit.key.pub");
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused));
    assert!(text(&refused).contains("is not a checkpoint"), "{}", text(&refused));
}

#[test]
fn keys_are_never_overwritten_and_checkpoints_need_a_folder_and_a_key() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(sportello(dir.path(), &["migrate", "up"]).status.code(), Some(0));
    std::fs::write(dir.path().join("taken.key"), "mine").unwrap();
    let taken = sportello(dir.path(), &["audit", "keygen", "--key", "taken.key"]);
    assert_eq!(taken.status.code(), Some(2), "{}", text(&taken));
    assert!(text(&taken).contains("taken.key already exists: a key is never overwritten"), "{}", text(&taken));
    assert_eq!(std::fs::read_to_string(dir.path().join("taken.key")).unwrap(), "mine");

    let not_a_key = sportello(dir.path(), &["audit", "checkpoint", "--key", "taken.key", "--to", "."]);
    assert_eq!(not_a_key.status.code(), Some(2), "{}", text(&not_a_key));
    assert!(text(&not_a_key).contains("taken.key does not hold a signing key"), "{}", text(&not_a_key));

    assert_eq!(sportello(dir.path(), &["audit", "keygen", "--key", "audit.key"]).status.code(), Some(0));
    let nowhere = sportello(dir.path(), &["audit", "checkpoint", "--key", "audit.key", "--to", "missing"]);
    assert_eq!(nowhere.status.code(), Some(2), "{}", text(&nowhere));
    assert!(text(&nowhere).contains("the folder missing does not exist"), "{}", text(&nowhere));

    let half = sportello(dir.path(), &["audit", "verify", "--checkpoint", "x.json"]);
    assert_eq!(half.status.code(), Some(2), "{}", text(&half));
    assert!(text(&half).contains("--public-key"), "{}", text(&half));
}
