//! `sportello backup FILE` as an operator runs it: taken while cases are being opened, it holds every
//! case acknowledged before it started, and restored into a fresh folder (the file copied in, as
//! docs/operations.md says) it migrates nothing, verifies every audit chain, and matches a signed
//! checkpoint taken before the backup (`audit verify --checkpoint`). A backup refuses to overwrite a file, to write into a missing folder, and to run on
//! PostgreSQL, saying so; none of these leaves a file behind.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::json;
use sportello_runtime::case::Actor;
use sportello_runtime::clock::SystemClock;
use sportello_store::{OpenCase, Store, StoreOptions};
use support::{sportello, text, workflows};

const ANNA: &str = "RSSMRA85T10A562S";

fn opening() -> OpenCase {
    OpenCase {
        workflow: "records-access".into(),
        applicant: ANNA.into(),
        actor: Actor::Citizen { fiscal_code: ANNA.into() },
        data: json!({}),
        idempotency_key: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_cases_open_restores_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(sportello(dir.path(), &["migrate", "up"]).status.code(), Some(0));
    assert_eq!(sportello(dir.path(), &["deploy", &workflows()]).status.code(), Some(0));
    let url = format!("sqlite://{}", dir.path().join("sportello.db").display());
    let store = Store::connect(&StoreOptions::new(&url), Arc::new(SystemClock)).await.unwrap();
    for _ in 0..20 {
        store.open_case(opening()).await.unwrap();
    }

    // A signed checkpoint of those 20, which the restored copy must still match.
    assert_eq!(sportello(dir.path(), &["audit", "keygen", "--key", "audit.key"]).status.code(), Some(0));
    std::fs::create_dir(dir.path().join("checkpoints")).unwrap();
    let taken = sportello(dir.path(), &["audit", "checkpoint", "--key", "audit.key", "--to", "checkpoints"]);
    assert_eq!(taken.status.code(), Some(0), "{}", text(&taken));
    let checkpoint = std::fs::read_dir(dir.path().join("checkpoints")).unwrap().next().unwrap().unwrap().path();

    // Cases keep opening, each acknowledged after its commit, while the backup runs.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = tokio::spawn({
        let (store, stop) = (store.clone(), stop.clone());
        async move {
            let mut opened = 0;
            while !stop.load(Ordering::Relaxed) {
                store.open_case(opening()).await.unwrap();
                opened += 1;
            }
            opened
        }
    });
    std::fs::create_dir(dir.path().join("copies")).unwrap();
    let folder = dir.path().to_owned();
    let backup = tokio::task::spawn_blocking(move || sportello(&folder, &["backup", "copies/monday.db"]));
    let backup = backup.await.unwrap();
    stop.store(true, Ordering::Relaxed);
    let opened_during = writer.await.unwrap();
    assert_eq!(backup.status.code(), Some(0), "{}", text(&backup));
    let said = text(&backup);
    assert!(said.starts_with("backed up to copies/monday.db: "), "{said}");
    assert!(said.contains("integrity ok"), "{said}");
    let in_copy: u64 = said.split(" case(s)").next().unwrap().rsplit(' ').next().unwrap().parse().unwrap();
    assert!((20..=20 + opened_during).contains(&in_copy), "{in_copy} cases in the copy; {opened_during} opened during");
    assert!(!dir.path().join("copies/monday.db.partial").exists(), "the unfinished copy is renamed, not left");

    let restored = tempfile::tempdir().unwrap();
    std::fs::copy(dir.path().join("copies/monday.db"), restored.path().join("sportello.db")).unwrap();
    let status = sportello(restored.path(), &["migrate", "status"]);
    assert!(text(&status).ends_with(" 0 pending\n"), "{}", text(&status));
    let verify = sportello(restored.path(), &["audit", "verify"]);
    assert_eq!(verify.status.code(), Some(0), "{}", text(&verify));
    assert!(text(&verify).contains(&format!("checked {in_copy} case(s)")), "{}", text(&verify));
    assert!(text(&verify).contains("every chain is intact"), "{}", text(&verify));
    let public_key = dir.path().join("audit.key.pub");
    let against = sportello(
        restored.path(),
        &[
            "audit",
            "verify",
            "--checkpoint",
            checkpoint.to_str().unwrap(),
            "--public-key",
            public_key.to_str().unwrap(),
        ],
    );
    assert_eq!(against.status.code(), Some(0), "{}", text(&against));
    assert!(text(&against).contains("20 case(s) then: nothing deleted or rewritten since"), "{}", text(&against));
}

#[test]
fn a_backup_never_overwrites_and_names_what_stopped_it() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(sportello(dir.path(), &["migrate", "up"]).status.code(), Some(0));
    std::fs::write(dir.path().join("taken.db"), "an operator's file").unwrap();

    let taken = sportello(dir.path(), &["backup", "taken.db"]);
    assert_eq!(taken.status.code(), Some(2), "{}", text(&taken));
    assert!(text(&taken).contains("taken.db already exists: a backup never overwrites a file"), "{}", text(&taken));
    assert_eq!(std::fs::read_to_string(dir.path().join("taken.db")).unwrap(), "an operator's file");

    let nowhere = sportello(dir.path(), &["backup", "missing/monday.db"]);
    assert_eq!(nowhere.status.code(), Some(2), "{}", text(&nowhere));
    assert!(text(&nowhere).contains("the folder missing does not exist"), "{}", text(&nowhere));

    let postgres = sportello(dir.path(), &["--database", "postgres://sportello:secret@db/x", "backup", "x.db"]);
    assert_eq!(postgres.status.code(), Some(2), "{}", text(&postgres));
    assert!(text(&postgres).contains("on PostgreSQL use pg_dump"), "{}", text(&postgres));
    assert!(!text(&postgres).contains("secret"), "{}", text(&postgres));
    assert!(!dir.path().join("x.db").exists());
}
