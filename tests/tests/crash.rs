//! Crash safety: a process applying transitions from 8 tasks is killed with SIGKILL mid-stream; after
//! a restart every transition it acknowledged is in the database and every audit chain verifies.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;

use sportello_runtime::clock::SystemClock;
use sportello_store::{Store, StoreOptions};

const ACKS_BEFORE_KILL: usize = 400;

#[tokio::test]
async fn every_acknowledged_transition_survives_a_sigkill() {
    let folder = tempfile::tempdir().unwrap();
    for (backend, url) in sportello_tests::database::urls(folder.path(), "crash_sigkill").await.unwrap() {
        let workflow = format!("{}/../workflows/records-access.yaml", env!("CARGO_MANIFEST_DIR"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_transition-stream"))
            .args([&url, &workflow])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut acknowledged: HashMap<i64, u64> = HashMap::new();
        let mut record = |line: String| {
            let mut words = line.split(' ').skip(1).map(|w| w.parse::<i64>().unwrap());
            let (case, version) = (words.next().unwrap(), words.next().unwrap() as u64);
            let highest = acknowledged.entry(case).or_default();
            *highest = (*highest).max(version);
        };
        for _ in 0..ACKS_BEFORE_KILL {
            record(lines.next().expect("the stream runs until killed").unwrap());
        }
        child.kill().unwrap(); // SIGKILL: no chance to flush or roll back anything
        child.wait().unwrap();
        // Lines already in the pipe were printed after their commit: they count too.
        for line in lines.map_while(Result::ok) {
            record(line);
        }

        let store = Store::connect(&StoreOptions::new(&url), Arc::new(SystemClock)).await.unwrap();
        for (&case, &version) in &acknowledged {
            let stored = store.case(case).await.unwrap_or_else(|e| panic!("{backend}: case {case} lost: {e}"));
            assert!(
                stored.case.version >= version,
                "{backend}: case {case} at {} < acked {version}",
                stored.case.version
            );
            assert_eq!(stored.audit_entries, stored.case.version, "{backend}: one audit entry per transition");
        }
        let report = store.verify_audit(None).await.unwrap();
        assert_eq!(report.breaks, [], "{backend}");
        assert!(report.cases as usize >= acknowledged.len());
    }
}
