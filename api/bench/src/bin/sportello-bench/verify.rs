//! After the run, untimed: a run that fails these checks is a failure, not a number. There are W(N)
//! audit entries; N cases, every one `closed`; each case's version equals its number of audit entries,
//! the versions add up to W(N), and N/10 cases went through the loop. For Sportello (its store, or its
//! HTTP API), the audit hash chain of every case verifies too, and the N cases have N applicants.

use std::fmt;

use anyhow::Result;

use crate::db::Db;
use crate::schedule::Engine;
use crate::workload::{self, FINAL_STATE};

/// The checks that failed.
#[derive(Debug)]
pub struct CheckFailed(pub Vec<String>);

impl fmt::Display for CheckFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the run failed its checks: {}", self.0.join("; "))
    }
}

impl std::error::Error for CheckFailed {}

/// What the database holds after a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Case rows.
    pub cases: i64,
    /// Cases in the final state.
    pub closed: i64,
    /// Audit entries.
    pub audit_entries: i64,
    /// The sum of the cases' versions.
    pub version_sum: i64,
    /// Cases whose version is not their number of audit entries.
    pub versions_off: i64,
    /// Cases at version 7 (the ones through the loop).
    pub looped: i64,
}

/// Checks the engine's database after a run of `cases` cases.
pub async fn check(engine: &Engine, cases: u64) -> Result<()> {
    let store = match engine {
        Engine::Sportello(sportello) => Some(sportello),
        Engine::Http(http) => Some(http.sportello()),
        Engine::Limit(_) => None,
    };
    let mut problems = match store {
        Some(sportello) => {
            let counts = counts(sportello.db(), "\"case\"", "audit_entry").await?;
            let mut problems = problems(&counts, cases);
            let applicants = sportello.db().scalar("SELECT COUNT(DISTINCT applicant) FROM \"case\"").await?;
            if applicants != cases as i64 {
                problems.push(format!("distinct applicants: {applicants}, expected {cases}"));
            }
            let report = sportello.store().verify_audit(None).await?;
            if !report.breaks.is_empty() {
                problems.push(format!("{} broken audit chains, the first {:?}", report.breaks.len(), report.breaks[0]));
            }
            if report.entries != workload::transitions(cases) {
                problems.push(format!("audit verify read {} entries", report.entries));
            }
            problems
        }
        None => problems(&counts(engine.db(), "cases", "audit").await?, cases),
    };
    if problems.is_empty() {
        Ok(())
    } else {
        problems.dedup();
        Err(CheckFailed(problems).into())
    }
}

async fn counts(db: &Db, cases: &str, audit: &str) -> Result<Counts> {
    Ok(Counts {
        cases: db.scalar(&format!("SELECT COUNT(*) FROM {cases}")).await?,
        closed: db.scalar(&format!("SELECT COUNT(*) FROM {cases} WHERE state = '{FINAL_STATE}'")).await?,
        audit_entries: db.scalar(&format!("SELECT COUNT(*) FROM {audit}")).await?,
        version_sum: db.scalar(&format!("SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) FROM {cases}")).await?,
        versions_off: db
            .scalar(&format!(
                "SELECT COUNT(*) FROM {cases} c \
                 LEFT JOIN (SELECT case_id, COUNT(*) AS entries FROM {audit} GROUP BY case_id) a ON a.case_id = c.id \
                 WHERE a.entries IS NULL OR a.entries <> c.version"
            ))
            .await?,
        looped: db.scalar(&format!("SELECT COUNT(*) FROM {cases} WHERE version = 7")).await?,
    })
}

/// What is wrong with `counts` for a run of `cases` cases.
fn problems(counts: &Counts, cases: u64) -> Vec<String> {
    let w = workload::transitions(cases) as i64;
    let n = cases as i64;
    let mut problems = Vec::new();
    let mut expect = |what: &str, got: i64, expected: i64| {
        if got != expected {
            problems.push(format!("{what}: {got}, expected {expected}"));
        }
    };
    expect("cases", counts.cases, n);
    expect(&format!("cases `{FINAL_STATE}`"), counts.closed, n);
    expect("audit entries", counts.audit_entries, w);
    expect("sum of the case versions", counts.version_sum, w);
    expect("cases whose version is not their number of audit entries", counts.versions_off, 0);
    expect("cases through the loop (version 7)", counts.looped, n / 10);
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_complete_run_passes_and_a_lost_transition_is_named() {
        let good = Counts {
            cases: 2000,
            closed: 2000,
            audit_entries: 10_400,
            version_sum: 10_400,
            versions_off: 0,
            looped: 200,
        };
        assert_eq!(problems(&good, 2000), Vec::<String>::new());
        let lost = Counts { closed: 1999, audit_entries: 10_399, version_sum: 10_399, ..good };
        assert_eq!(
            problems(&lost, 2000),
            [
                "cases `closed`: 1999, expected 2000",
                "audit entries: 10399, expected 10400",
                "sum of the case versions: 10399, expected 10400"
            ]
        );
    }
}
