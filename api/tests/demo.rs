//! `sportello demo` as a user runs it on a SQLite file: it fills every shipped workflow with cases in
//! several states, final ones included, whose audit chains verify; the same seed gives the same
//! counts on another fresh database; on a new database it migrates it and deploys the workflows
//! first, and without a workflows folder it says where one is needed.
//!
//! The runs pin `--today`: the nursery call in `nursery-enrolment.yaml` is the 2026/27 one, so a demo
//! ending on a later real date would find its window outside the simulated year.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use sportello_runtime::clock::SystemClock;
use sportello_store::{Store, StoreOptions};
use support::{sportello, text, workflows};

const TODAY: &str = "2026-11-28";

/// A fresh database in `dir`, migrated, with the shipped workflows deployed.
fn deployed(dir: &Path) {
    assert_eq!(sportello(dir, &["migrate", "up"]).status.code(), Some(0));
    let deploy = sportello(dir, &["deploy", &workflows()]);
    assert_eq!(deploy.status.code(), Some(0), "{}", text(&deploy));
}

/// `(workflow, state) → cases`, read straight from the table.
async fn state_counts(dir: &Path) -> BTreeMap<(String, String), i64> {
    let url = format!("sqlite://{}", dir.join("sportello.db").display());
    let store = Store::connect(&StoreOptions::new(&url), Arc::new(SystemClock)).await.unwrap();
    let sql = "SELECT \"workflow\", \"state\", COUNT(*) FROM \"case\" GROUP BY \"workflow\", \"state\"";
    let rows = store.connection().query_all_raw(Statement::from_string(DbBackend::Sqlite, sql)).await.unwrap();
    rows.iter()
        .map(|row| {
            let key = (row.try_get_by_index(0).unwrap(), row.try_get_by_index(1).unwrap());
            (key, row.try_get_by_index(2).unwrap())
        })
        .collect()
}

fn final_states(workflow: &str) -> Vec<String> {
    let source = std::fs::read_to_string(format!("{}/{workflow}.yaml", workflows())).unwrap();
    let definition = sportello_definition::load_str(&source, Some(workflow)).definition.unwrap();
    definition.states.iter().filter(|(_, s)| s.is_final).map(|(id, _)| id.to_string()).collect()
}

#[tokio::test]
async fn demo_fills_every_workflow_with_verifiable_cases_and_repeats_with_its_seed() {
    let (first, second) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut counts = Vec::new();
    for dir in [first.path(), second.path()] {
        deployed(dir);
        let demo = sportello(dir, &["demo", "--cases", "300", "--seed", "7", "--today", TODAY]);
        assert_eq!(demo.status.code(), Some(0), "{}", text(&demo));
        for mistake in ["invalid-input", "actor-not-allowed", "unknown-transition", "unknown-event"] {
            assert!(
                !text(&demo).contains(mistake),
                "the demo's scripts asked for something impossible: {}",
                text(&demo)
            );
        }
        counts.push(state_counts(dir).await);
    }
    let counts_first = &counts[0];
    assert_eq!(counts_first.values().sum::<i64>(), 300, "{counts_first:?}");
    for workflow in ["building-permit", "fine-appeal", "nursery-enrolment", "records-access", "residence-certificate"] {
        let states: Vec<&String> = counts_first.keys().filter(|(w, _)| w == workflow).map(|(_, s)| s).collect();
        assert!(states.len() > 1, "{workflow}: {states:?}");
        let finals = final_states(workflow);
        assert!(states.iter().any(|s| finals.contains(s)), "{workflow} has no closed case: {states:?}");
    }
    assert_eq!(counts[0], counts[1], "the same seed gives the same states");

    let verify = sportello(first.path(), &["audit", "verify"]);
    assert_eq!(verify.status.code(), Some(0), "{}", text(&verify));
    assert!(text(&verify).contains("checked 300 case(s)"), "{}", text(&verify));
}

/// Issue 23: on a new database the demo used to stop twice, for `migrate` and then for `deploy`.
#[test]
fn demo_on_a_new_database_migrates_it_and_deploys_the_workflows_first() {
    let dir = tempfile::tempdir().unwrap();
    let demo = sportello(dir.path(), &["demo", "--cases", "20", "--today", TODAY, "--workflows", &workflows()]);
    assert_eq!(demo.status.code(), Some(0), "{}", text(&demo));
    let verify = sportello(dir.path(), &["audit", "verify"]);
    assert!(text(&verify).contains("checked 20 case(s)"), "{}", text(&verify));
    let status = sportello(dir.path(), &["migrate", "status"]);
    assert!(text(&status).contains(", 0 pending"), "{}", text(&status));
}

#[test]
fn demo_without_a_workflows_folder_says_where_to_find_one() {
    let dir = tempfile::tempdir().unwrap();
    let demo = sportello(dir.path(), &["demo", "--cases", "10"]);
    assert_eq!(demo.status.code(), Some(2), "{}", text(&demo));
    assert!(text(&demo).contains("run the demo where the `workflows/` folder is"), "{}", text(&demo));
}
