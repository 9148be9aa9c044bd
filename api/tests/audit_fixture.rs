//! Audit chains written before a change still verify after it: `fixtures/audit/demo-2000.db` is a
//! SQLite database that `sportello demo` filled with 2,000 cases (8,266 audit entries) on the code of
//! 6 December 2026, before the engine was split into crates. Every later change to hashing, canonical
//! JSON, audit bodies or migrations must keep `sportello audit verify` passing on it; a change that
//! cannot is a change of the chain format and needs a migration of its own.
//!
//! The fixture was made with the release binary of that code, in an empty folder:
//!
//! ```sh
//! sportello migrate up && sportello deploy workflows/
//! sportello demo --cases 2000 --concurrency 1 --today 2026-12-01 --sqlite-synchronous normal
//! sqlite3 sportello.db 'PRAGMA journal_mode=DELETE; VACUUM;'
//! ```

mod support;

use std::path::{Path, PathBuf};

use sea_orm::{ConnectionTrait, Database};
use support::{sportello, text};

/// A copy of the fixture in a folder of its own (the tests write to it), and its database URL.
fn copy_of_fixture() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audit/demo-2000.db");
    let copy: PathBuf = dir.path().join("sportello.db");
    std::fs::copy(fixture, &copy).unwrap();
    let url = format!("sqlite://{}", copy.display());
    (dir, url)
}

#[test]
fn chains_written_by_earlier_code_verify_after_migrating() {
    let (dir, url) = copy_of_fixture();

    let migrate = sportello(dir.path(), &["migrate", "up", "--database", &url]);
    assert_eq!(migrate.status.code(), Some(0), "{}", text(&migrate));
    let verify = sportello(dir.path(), &["audit", "verify", "--database", &url]);

    assert_eq!(verify.status.code(), Some(0), "{}", text(&verify));
    assert!(
        text(&verify).contains("checked 2000 case(s), 8266 audit entries: every chain is intact"),
        "{}",
        text(&verify)
    );
    // Written before case rows were sealed: told apart, not taken for altered rows.
    assert!(text(&verify).contains("2000 case(s) last written before case rows were sealed"), "{}", text(&verify));
}

#[tokio::test]
async fn an_entry_of_the_fixture_changed_in_the_database_fails_verification() {
    let (dir, url) = copy_of_fixture();
    let migrate = sportello(dir.path(), &["migrate", "up", "--database", &url]);
    assert_eq!(migrate.status.code(), Some(0), "{}", text(&migrate));
    let database = Database::connect(&url).await.unwrap();
    database
        .execute_unprepared(
            "UPDATE audit_entry SET body = replace(body, '\"actor\"', '\"actor \"') \
             WHERE case_id = (SELECT min(case_id) FROM audit_entry) AND sequence = 1",
        )
        .await
        .unwrap();
    database.close().await.unwrap();

    let verify = sportello(dir.path(), &["audit", "verify", "--database", &url]);

    assert_eq!(verify.status.code(), Some(1), "{}", text(&verify));
}
